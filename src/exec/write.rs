//! Exec stage, writers: `assignments.csv`, `actions/<action>.csv`, `summary.json` and
//! `rejects.csv` (LANGUAGE.md section 9), written all or nothing.
//!
//! Files go to a temporary folder beside `--out`, which then replaces `--out`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use serde_json::{Map, Number, Value as Json};

use super::campaign::HOLDOUT;
use super::error::RunError;
use super::value::{Value, decimal_text};
use super::{FileCounts, Outcome};
use crate::check::hir::Hir;
use crate::check::types::Ty;

/// What `write_outputs` writes, and how.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Also write rejects.csv (the run was allowed bad rows).
    pub rejects: bool,
    /// Prefix with `'` every text cell that a spreadsheet would read as a formula (one
    /// starting with `=`, `+`, `-`, `@`, a tab or a carriage return), as OWASP advises
    /// against CSV injection. Numbers are written as they are.
    pub spreadsheet_safe: bool,
}

/// Writes every output of a run into `out`, replacing what was there, all or nothing.
///
/// The files are written into a temporary folder beside `out`, which then takes the
/// place of `out` in one step (see [`replace_dir`]). A run killed at any point leaves
/// `out` as it was (or, once swapped, complete and new); what it left beside `out` is
/// removed by the next run into the same folder ([`remove_stale`]).
pub fn write_outputs(
    hir: &Hir,
    outcome: &Outcome,
    out: &Path,
    options: WriteOptions,
) -> Result<(), RunError> {
    remove_stale(out);
    let temp = sibling(out, "tmp", std::process::id());
    let _ = fs::remove_dir_all(&temp);
    let result = write_into(hir, outcome, &temp, options).and_then(|()| replace_dir(&temp, out));
    if result.is_err() {
        let _ = fs::remove_dir_all(&temp);
    }
    result
}

fn write_into(
    hir: &Hir,
    outcome: &Outcome,
    dir: &Path,
    options: WriteOptions,
) -> Result<(), RunError> {
    let data = DataCells {
        safe: options.spreadsheet_safe,
        key_is_text: matches!(
            hir.entity.fields[hir.key_field].ty.ty,
            Ty::String | Ty::Enum(_)
        ),
    };
    fs::create_dir_all(dir.join("actions")).map_err(|e| write_error(dir, &e))?;
    // The action files are written while assignments.csv is (each formats its rows on
    // all cores, and neither keeps both busy on its own).
    let (assignments_written, actions_written) = rayon::join(
        || {
            write_file(&dir.join("assignments.csv"), |w| {
                assignments(hir, outcome, data, w)
            })?;
            pause_for_tests("partial");
            Ok::<(), RunError>(())
        },
        || {
            hir.actions.iter().enumerate().try_for_each(|(a, action)| {
                write_file(
                    &dir.join("actions").join(format!("{}.csv", action.name)),
                    |w| actions(hir, outcome, a, data, w),
                )
            })
        },
    );
    assignments_written?;
    actions_written?;
    let summary = serde_json::to_string_pretty(&summary(hir, outcome)).unwrap_or_default();
    write_file(&dir.join("summary.json"), |w| writeln!(w, "{summary}"))?;
    if options.rejects {
        write_file(&dir.join("rejects.csv"), |w| rejects(outcome, data, w))?;
    }
    Ok(())
}

/// How cells that come from the data (keys, payload and `let` values, rejected cells)
/// are written.
#[derive(Debug, Clone, Copy)]
struct DataCells {
    /// Neutralize text cells a spreadsheet would read as formulas.
    safe: bool,
    /// Whether keys are text (an int key is a number).
    key_is_text: bool,
}

impl DataCells {
    /// A text cell, prefixed with `'` when it would start a formula.
    fn text(self, line: &mut String, text: &str) {
        if self.safe && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            cell(line, &format!("'{text}"), false);
        } else {
            cell(line, text, false);
        }
    }

    /// A value's cell: text made safe, other values as they are (written in place, and
    /// quoted afterwards in the rare case that their text needs it).
    fn value(self, line: &mut String, value: &Value) {
        match value {
            Value::Str(s) => self.text(line, s),
            other => {
                let start = line.len();
                other.write_text(line);
                if line.len() == start || needs_quotes(&line[start..]) {
                    let text = line.split_off(start);
                    cell(line, &text, other.is_null());
                }
            }
        }
    }

    /// An entity's key.
    fn key(self, line: &mut String, key: &str) {
        if self.key_is_text {
            self.text(line, key);
        } else {
            cell(line, key, false);
        }
    }
}

/// `out`'s hidden sibling `.NAME.WHAT-PID` (in the same folder, so that renames stay on
/// one file system).
fn sibling(out: &Path, what: &str, pid: u32) -> PathBuf {
    out.with_file_name(format!(".{}.{what}-{pid}", out_name(out)))
}

fn out_name(out: &Path) -> String {
    out.file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned())
}

/// Puts the finished folder `temp` in the place of `out`.
///
/// On Linux, `renameat2(RENAME_EXCHANGE)` swaps the two in one step: `out` is never
/// missing nor half-written, and the previous folder, now at `temp`, is removed
/// afterwards. Where the exchange is not available, the previous folder is first renamed
/// aside (`.NAME.old-PID`) and the new one renamed into place; a run killed between the
/// two renames leaves `out` missing, and the next run renames the previous folder back
/// before anything else ([`remove_stale`]).
fn replace_dir(temp: &Path, out: &Path) -> Result<(), RunError> {
    match fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fs::rename(temp, out).map_err(|e| write_error(out, &e));
        }
        Err(e) => return Err(write_error(out, &e)),
        Ok(_) => {}
    }
    match exchange(temp, out) {
        Ok(()) => {
            pause_for_tests("swapped");
            remove_any(temp);
            Ok(())
        }
        Err(e) if exchange_unsupported(&e) => replace_by_renames(temp, out),
        Err(e) => Err(write_error(out, &e)),
    }
}

/// The fallback of [`replace_dir`]: the previous folder is renamed aside, the new one
/// renamed into place, then the previous one removed.
fn replace_by_renames(temp: &Path, out: &Path) -> Result<(), RunError> {
    let old = sibling(out, "old", std::process::id());
    remove_any(&old);
    fs::rename(out, &old).map_err(|e| write_error(out, &e))?;
    if let Err(e) = fs::rename(temp, out) {
        let _ = fs::rename(&old, out);
        return Err(write_error(out, &e));
    }
    remove_any(&old);
    Ok(())
}

/// Swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Whether the exchange failed only because the system or file system lacks it.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// Removes what a killed run into `out` left beside it: its temporary folder (partly
/// written, or the previous outputs after the swap) and, from the fallback of
/// [`replace_dir`], the previous folder renamed aside, which is renamed back when `out`
/// is missing. Only folders of processes that no longer run are touched, so that two
/// runs into the same folder at once do not remove each other's work (a process id
/// reused since keeps a stale folder until that process ends).
pub fn remove_stale(out: &Path) {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{}.", out_name(out));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((what, pid)) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once('-'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || process_runs(pid) {
            continue;
        }
        let path = entry.path();
        match what {
            "old" if fs::symlink_metadata(out).is_err() => {
                let _ = fs::rename(&path, out);
            }
            "old" | "tmp" => remove_any(&path),
            _ => {}
        }
    }
}

/// Whether a process with this id exists.
#[cfg(unix)]
fn process_runs(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_runs(_: u32) -> bool {
    true
}

/// Removes a folder or a file, ignoring failures (what is left is removed next time).
fn remove_any(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// A hook for tests only: with the environment variable `SEG_TEST_ONLY_PAUSE_AT` set to
/// `point`, the run says so on standard error and sleeps, so that a test can kill it
/// there (`tests/promises.rs`). Points: `partial` (assignments.csv written in the
/// temporary folder, nothing else) and `swapped` (the new folder in place, the previous
/// one not yet removed). Documented in docs/reliability.md; not an interface.
fn pause_for_tests(point: &str) {
    if std::env::var_os("SEG_TEST_ONLY_PAUSE_AT").is_some_and(|p| p == point) {
        eprintln!("seg: paused at {point} for a test");
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
}

fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), RunError> {
    let file = File::create(path).map_err(|e| write_error(path, &e))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    body(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| write_error(path, &e))
}

fn write_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        action: "write",
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Appends one CSV cell, quoted when it holds a comma, quote or line break, or is an
/// empty (non-null) string.
fn cell(line: &mut String, text: &str, is_null: bool) {
    if text.is_empty() {
        if !is_null {
            line.push_str("\"\"");
        }
        return;
    }
    if needs_quotes(text) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

/// Whether a cell's text holds a comma, quote or line break.
fn needs_quotes(text: &str) -> bool {
    // Without an early exit, the compiler checks many bytes at once.
    text.bytes().fold(false, |found, b| {
        found | matches!(b, b',' | b'"' | b'\n' | b'\r')
    })
}

/// Appends a `;`-separated list as one cell (none when empty); `plain` says that none of
/// its items needs quotes, so that it is not looked through again.
fn list_cell(line: &mut String, list: &str, plain: bool) {
    if plain {
        line.push_str(list);
    } else {
        cell(line, list, list.is_empty());
    }
}

fn header(line: &mut String, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        cell(line, name, false);
    }
    line.push('\n');
}

fn assignments(
    hir: &Hir,
    outcome: &Outcome,
    data: DataCells,
    w: &mut (impl Write + Send),
) -> std::io::Result<()> {
    let mut names: Vec<&str> = vec![hir.entity.fields[hir.key_field].name.as_str()];
    names.extend(hir.segmentations.iter().map(|s| s.name.as_str()));
    names.extend(["segments", "campaigns"]);
    if outcome.lets.is_some() {
        names.extend(hir.lets.iter().map(|l| l.name.as_str()));
    }
    let mut line = String::new();
    header(&mut line, &names);
    w.write_all(line.as_bytes())?;
    let accepted = accepted_by_key(outcome);
    let names = AssignmentNames::new(hir);
    write_rows(w, outcome.by_key.len(), |positions, text| {
        let first = accepted.partition_point(|(p, _, _)| (*p as usize) < positions.start);
        let mut accepted = accepted[first..].iter().peekable();
        let mut list = String::new();
        for position in positions {
            let e = outcome.by_key[position] as usize;
            data.key(text, &outcome.keys[e]);
            for (rules, column) in names.rules.iter().zip(&outcome.segmentations) {
                text.push(',');
                if let Some(s) = column[e] {
                    text.push_str(&rules[s as usize]);
                }
            }
            text.push(',');
            list.clear();
            for (i, column) in outcome.segments.iter().enumerate() {
                if column[e] {
                    push_item(&mut list, &hir.segments[i].name);
                }
            }
            list_cell(text, &list, names.plain_segments);
            text.push(',');
            list.clear();
            while let Some((_, r, variant)) = accepted.next_if(|(p, _, _)| *p as usize == position)
            {
                let campaign = &hir.campaigns[outcome.campaigns[*r as usize].campaign];
                push_item(&mut list, &campaign.name);
                list.push(':');
                list.push_str(if *variant == HOLDOUT {
                    "holdout"
                } else {
                    &campaign.variants[*variant as usize].name
                });
            }
            list_cell(text, &list, names.plain_campaigns);
            if let Some(lets) = &outcome.lets {
                for column in lets {
                    text.push(',');
                    data.value(text, &column[e]);
                }
            }
            text.push('\n');
        }
    })
}

/// What assignments.csv writes of the program's names, looked through once.
struct AssignmentNames {
    /// Per segmentation, the cell of each rule's name.
    rules: Vec<Vec<String>>,
    /// Whether no segment name needs quotes.
    plain_segments: bool,
    /// Whether no campaign or variant name needs quotes.
    plain_campaigns: bool,
}

impl AssignmentNames {
    fn new(hir: &Hir) -> AssignmentNames {
        let cell_of = |name: &str| {
            let mut text = String::new();
            cell(&mut text, name, false);
            text
        };
        let rules = hir
            .segmentations
            .iter()
            .map(|s| s.rules.iter().map(|rule| cell_of(&rule.name)).collect());
        let plain = |name: &String| !needs_quotes(name);
        let campaign_names = hir
            .campaigns
            .iter()
            .flat_map(|c| std::iter::once(&c.name).chain(c.variants.iter().map(|v| &v.name)));
        AssignmentNames {
            rules: rules.collect(),
            plain_segments: hir.segments.iter().map(|s| &s.name).all(plain),
            plain_campaigns: campaign_names.into_iter().all(plain),
        }
    }
}

/// How many rows one task formats (in a block of [`ROWS_AT_ONCE`]).
const ROWS_PER_TASK: usize = 16 * 1024;

/// How many rows are formatted before they are written. Two blocks' text is held at once
/// (one being written, the next being formatted).
const ROWS_AT_ONCE: usize = 8 * ROWS_PER_TASK;

/// Writes rows `0..count`: `format(rows, text)` appends the lines of `rows` to `text`.
/// Blocks of rows are formatted on all cores, each while the block before it is written,
/// into the buffers of the block before that (so that their memory is reused).
fn write_rows(
    w: &mut (impl Write + Send),
    count: usize,
    format: impl Fn(Range<usize>, &mut String) + Sync,
) -> std::io::Result<()> {
    let mut formatted: Vec<String> = Vec::new();
    let mut next: Vec<String> = Vec::new();
    for block in (0..count).step_by(ROWS_AT_ONCE) {
        let rows = block..count.min(block + ROWS_AT_ONCE);
        let (written, ()) = rayon::join(
            || write_texts(w, &formatted),
            || format_block(rows, &format, &mut next),
        );
        written?;
        std::mem::swap(&mut formatted, &mut next);
    }
    write_texts(w, &formatted)
}

/// Formats `rows` into `texts`, a task of [`ROWS_PER_TASK`] rows per text, on all cores.
fn format_block(
    rows: Range<usize>,
    format: &(impl Fn(Range<usize>, &mut String) + Sync),
    texts: &mut Vec<String>,
) {
    let end = rows.end;
    let tasks: Vec<Range<usize>> = rows
        .step_by(ROWS_PER_TASK)
        .map(|start| start..end.min(start + ROWS_PER_TASK))
        .collect();
    texts.resize_with(tasks.len(), String::new);
    texts.par_iter_mut().zip(tasks).for_each(|(text, rows)| {
        text.clear();
        format(rows, text);
    });
}

fn write_texts(w: &mut impl Write, texts: &[String]) -> std::io::Result<()> {
    texts
        .iter()
        .try_for_each(|text| w.write_all(text.as_bytes()))
}

/// Appends an item to a `;`-separated list.
fn push_item(list: &mut String, item: &str) {
    if !list.is_empty() {
        list.push(';');
    }
    list.push_str(item);
}

/// Every accepted entity of every campaign as (position in key order, index of the
/// campaign result, variant), sorted by position and then run order. Each campaign's
/// entities are already in key order, so the list is one sorted run per campaign, which
/// the standard library's stable sort merges instead of sorting anew.
fn accepted_by_key(outcome: &Outcome) -> Vec<(u32, u32, u16)> {
    let mut position = vec![0u32; outcome.keys.len()];
    for (p, &e) in outcome.by_key.iter().enumerate() {
        position[e as usize] = p as u32;
    }
    let mut accepted: Vec<(u32, u32, u16)> = Vec::new();
    for (r, result) in outcome.campaigns.iter().enumerate() {
        accepted.extend(
            result
                .accepted
                .iter()
                .map(|&(e, variant)| (position[e as usize], r as u32, variant)),
        );
    }
    accepted.sort();
    accepted
}

fn actions(
    hir: &Hir,
    outcome: &Outcome,
    action: usize,
    data: DataCells,
    w: &mut (impl Write + Send),
) -> std::io::Result<()> {
    let key = hir.entity.fields[hir.key_field].name.as_str();
    let mut names = vec![key, "campaign", "variant"];
    names.extend(hir.actions[action].fields.iter().map(|f| f.name.as_str()));
    let mut line = String::new();
    header(&mut line, &names);
    w.write_all(line.as_bytes())?;
    let rows = &outcome.actions[action];
    write_rows(w, rows.len(), |range, text| {
        for row in rows.rows(range) {
            let campaign = &hir.campaigns[row.campaign];
            data.key(text, &outcome.keys[row.entity as usize]);
            text.push(',');
            cell(text, &campaign.name, false);
            text.push(',');
            cell(text, &campaign.variants[row.variant as usize].name, false);
            for value in row.values {
                text.push(',');
                data.value(text, value);
            }
            text.push('\n');
        }
    })
}

fn rejects(outcome: &Outcome, data: DataCells, w: &mut impl Write) -> std::io::Result<()> {
    let mut line = String::new();
    header(&mut line, &["file", "line", "column", "value", "reason"]);
    for r in &outcome.rejected {
        data.text(&mut line, &r.path.display().to_string());
        line.push(',');
        line.push_str(&r.problem.line.to_string());
        line.push(',');
        cell(&mut line, &r.problem.column, false);
        line.push(',');
        data.text(&mut line, &r.problem.value);
        line.push(',');
        data.text(&mut line, &r.problem.problem);
        line.push('\n');
    }
    w.write_all(line.as_bytes())
}

fn int(n: u64) -> Json {
    Json::Number(Number::from(n))
}

fn object(entries: Vec<(&str, Json)>) -> Json {
    Json::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<_, _>>(),
    )
}

/// The summary: counts of inputs, segment sizes and campaign funnels.
///
/// The counts account for every data row (docs/reliability.md): for the entity file
/// `read = accepted + rejects` (`accepted` = `entities` = rows of assignments.csv); for
/// each stream `read = used + rejects + orphans + after_as_of - orphans_after_as_of`.
pub fn summary(hir: &Hir, outcome: &Outcome) -> Json {
    let streams = &outcome.stream_counts;
    let total = |f: fn(&FileCounts) -> u64| streams.iter().map(f).sum::<u64>();
    let events: Map<String, Json> = hir
        .streams
        .iter()
        .zip(streams)
        .map(|(s, c)| {
            let counts = object(vec![
                ("read", int(c.read)),
                ("after_as_of", int(c.after_as_of)),
                ("orphans", int(c.orphans)),
                ("rejects", int(c.rejects)),
                ("used", int(c.used)),
                ("orphans_after_as_of", int(c.orphans_after_as_of)),
            ]);
            (s.record.name.clone(), counts)
        })
        .collect();
    object(vec![
        (
            "as_of",
            Json::String(outcome.world.as_of.format("%Y-%m-%d").to_string()),
        ),
        ("entities", int(outcome.keys.len() as u64)),
        (
            "entity_file",
            object(vec![
                ("read", int(outcome.entity_counts.read)),
                ("accepted", int(outcome.keys.len() as u64)),
                ("rejects", int(outcome.entity_counts.rejects)),
            ]),
        ),
        ("events_read", int(total(|c| c.read))),
        ("events_after_as_of", int(total(|c| c.after_as_of))),
        ("orphans", int(total(|c| c.orphans))),
        (
            "rejects",
            int(outcome.entity_counts.rejects + total(|c| c.rejects)),
        ),
        ("events", Json::Object(events)),
        ("segmentations", segmentation_sizes(hir, outcome)),
        ("segments", segment_sizes(hir, outcome)),
        ("campaigns", campaign_counts(hir, outcome)),
    ])
}

fn segmentation_sizes(hir: &Hir, outcome: &Outcome) -> Json {
    let mut all = Map::new();
    for (s, column) in hir.segmentations.iter().zip(&outcome.segmentations) {
        let mut sizes = vec![0u64; s.rules.len()];
        let mut none = 0u64;
        for v in column {
            match v {
                Some(i) => sizes[*i as usize] += 1,
                None => none += 1,
            }
        }
        let mut map: Map<String, Json> = s
            .rules
            .iter()
            .zip(sizes)
            .map(|(r, n)| (r.name.clone(), int(n)))
            .collect();
        if none > 0 {
            map.insert("(none)".into(), int(none));
        }
        all.insert(s.name.clone(), Json::Object(map));
    }
    Json::Object(all)
}

fn segment_sizes(hir: &Hir, outcome: &Outcome) -> Json {
    Json::Object(
        hir.segments
            .iter()
            .zip(&outcome.segments)
            .map(|(s, column)| {
                (
                    s.name.clone(),
                    int(column.iter().filter(|b| **b).count() as u64),
                )
            })
            .collect(),
    )
}

fn campaign_counts(hir: &Hir, outcome: &Outcome) -> Json {
    let mut all = Map::new();
    for r in &outcome.campaigns {
        let campaign = &hir.campaigns[r.campaign];
        let variants: Map<String, Json> = campaign
            .variants
            .iter()
            .zip(&r.variant_counts)
            .map(|(v, n)| (v.name.clone(), int(*n)))
            .collect();
        let cost = Number::from_string_unchecked(decimal_text(r.total_cost));
        all.insert(
            campaign.name.clone(),
            object(vec![
                ("eligible", int(r.eligible)),
                ("skipped", int(r.skipped)),
                ("holdout", int(r.holdout)),
                ("treated", int(r.treated)),
                ("cut", int(r.cut)),
                ("total_cost", Json::Number(cost)),
                ("variants", Json::Object(variants)),
            ]),
        );
    }
    Json::Object(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    /// A folder `name` holding one file with `text`.
    fn folder(root: &Path, name: &str, text: &str) -> Result<PathBuf> {
        let dir = root.join(name);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("file"), text)?;
        Ok(dir)
    }

    fn text(dir: &Path) -> Result<String> {
        Ok(fs::read_to_string(dir.join("file"))?)
    }

    #[test]
    fn rows_formatted_in_parallel_blocks_are_written_in_order() -> Result<()> {
        let count = 2 * ROWS_AT_ONCE + ROWS_PER_TASK + 7;
        let mut written = Vec::new();
        write_rows(&mut written, count, |rows, text| {
            rows.for_each(|i| text.push_str(&format!("{i}\n")));
        })?;
        let expected: String = (0..count).map(|i| format!("{i}\n")).collect();
        assert!(String::from_utf8(written)? == expected);
        Ok(())
    }

    #[test]
    fn cells_are_quoted_only_when_their_text_needs_it() {
        let data = DataCells {
            safe: false,
            key_is_text: true,
        };
        let cells = |values: &[Value]| {
            let mut line = String::new();
            for value in values {
                data.value(&mut line, value);
                line.push('|');
            }
            line
        };
        let text = |s: &str| Value::Str(s.into());
        let values = [
            Value::Null,
            text(""),
            text("a,b"),
            text("say \"hi\""),
            text("two\nlines"),
            text("cr\r"),
            text("plain text;with:marks"),
            Value::Decimal(rust_decimal::Decimal::new(750, 2)),
            Value::Int(-3),
            Value::Bool(true),
        ];
        assert_eq!(
            cells(&values),
            "|\"\"|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"|plain text;with:marks|7.5|-3|true|"
        );
        let long = "x".repeat(100) + ",";
        assert!(needs_quotes(&long) && !needs_quotes(&long[..100]));
    }

    #[test]
    fn both_ways_of_replacing_leave_only_the_new_folder() -> Result<()> {
        let root = tempfile::tempdir()?;
        let out = folder(root.path(), "out", "old")?;
        let temp = folder(root.path(), "new", "new")?;
        replace_by_renames(&temp, &out)?;
        assert_eq!(text(&out)?, "new");
        assert_eq!(fs::read_dir(root.path())?.count(), 1);

        let temp = folder(root.path(), "newer", "newer")?;
        replace_dir(&temp, &out)?;
        assert_eq!(text(&out)?, "newer");
        assert_eq!(fs::read_dir(root.path())?.count(), 1);
        Ok(())
    }
}
