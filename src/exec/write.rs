//! Exec stage, writers: `assignments.csv`, `actions/<action>.csv`, `summary.json` and
//! `rejects.csv` (LANGUAGE.md section 9), written all or nothing.
//!
//! Files go to a temporary folder beside `--out`, which then replaces `--out`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::slice::ParallelSliceMut;

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
pub fn write_outputs(
    hir: &Hir,
    outcome: &Outcome,
    out: &Path,
    options: WriteOptions,
) -> Result<(), RunError> {
    let temp = sibling(out, "tmp");
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
    write_file(&dir.join("assignments.csv"), |w| {
        assignments(hir, outcome, data, w)
    })?;
    for (a, action) in hir.actions.iter().enumerate() {
        write_file(
            &dir.join("actions").join(format!("{}.csv", action.name)),
            |w| actions(hir, outcome, a, data, w),
        )?;
    }
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

    /// A value's cell: text made safe, other values as they are.
    fn value(self, line: &mut String, value: &Value) {
        match value {
            Value::Str(s) => self.text(line, s),
            other => cell(line, &other.text(), other.is_null()),
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

/// `out` with a suffix, in the same folder (so the final rename stays on one file system).
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// Moves the finished folder into place; the previous folder is removed only afterwards.
fn replace_dir(temp: &Path, out: &Path) -> Result<(), RunError> {
    let old = sibling(out, "old");
    let had_old = out.exists();
    if had_old {
        fs::rename(out, &old).map_err(|e| write_error(out, &e))?;
    }
    if let Err(e) = fs::rename(temp, out) {
        if had_old {
            let _ = fs::rename(&old, out);
        }
        return Err(write_error(out, &e));
    }
    if had_old {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
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
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
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
    w: &mut impl Write,
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
    let mut accepted = accepted.iter().peekable();
    let mut list = String::new();
    for (position, &e) in outcome.by_key.iter().enumerate() {
        let e = e as usize;
        line.clear();
        data.key(&mut line, &outcome.keys[e]);
        for (i, column) in outcome.segmentations.iter().enumerate() {
            line.push(',');
            if let Some(s) = column[e] {
                cell(
                    &mut line,
                    &hir.segmentations[i].rules[s as usize].name,
                    false,
                );
            }
        }
        line.push(',');
        list.clear();
        for (i, column) in outcome.segments.iter().enumerate() {
            if column[e] {
                push_item(&mut list, &hir.segments[i].name);
            }
        }
        cell(&mut line, &list, list.is_empty());
        line.push(',');
        list.clear();
        while let Some((_, r, variant)) = accepted.next_if(|(p, _, _)| *p as usize == position) {
            let campaign = &hir.campaigns[outcome.campaigns[*r as usize].campaign];
            push_item(&mut list, &campaign.name);
            list.push(':');
            list.push_str(if *variant == HOLDOUT {
                "holdout"
            } else {
                &campaign.variants[*variant as usize].name
            });
        }
        cell(&mut line, &list, list.is_empty());
        if let Some(lets) = &outcome.lets {
            for column in lets {
                line.push(',');
                data.value(&mut line, &column[e]);
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Appends an item to a `;`-separated list.
fn push_item(list: &mut String, item: &str) {
    if !list.is_empty() {
        list.push(';');
    }
    list.push_str(item);
}

/// Every accepted entity of every campaign as (position in key order, index of the
/// campaign result, variant), sorted by position and then run order.
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
    accepted.par_sort_unstable();
    accepted
}

fn actions(
    hir: &Hir,
    outcome: &Outcome,
    action: usize,
    data: DataCells,
    w: &mut impl Write,
) -> std::io::Result<()> {
    let key = hir.entity.fields[hir.key_field].name.as_str();
    let mut names = vec![key, "campaign", "variant"];
    names.extend(hir.actions[action].fields.iter().map(|f| f.name.as_str()));
    let mut line = String::new();
    header(&mut line, &names);
    w.write_all(line.as_bytes())?;
    for row in &outcome.actions[action] {
        line.clear();
        let campaign = &hir.campaigns[row.campaign];
        data.key(&mut line, &outcome.keys[row.entity as usize]);
        line.push(',');
        cell(&mut line, &campaign.name, false);
        line.push(',');
        cell(
            &mut line,
            &campaign.variants[row.variant as usize].name,
            false,
        );
        for value in &row.values {
            line.push(',');
            data.value(&mut line, value);
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
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
