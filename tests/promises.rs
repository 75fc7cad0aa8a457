//! The promises of docs/reliability.md, tested through the `seg` binary: every input row
//! accounted for in summary.json, all-or-nothing output folders (also when a run is killed
//! with `kill -9`), outputs that depend neither on the thread count nor on the order of
//! input rows, memory bounded by the entities rather than the events, and a limit on how
//! many plan levels a program may need.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

mod common;

const AS_OF: &str = "2026-06-30";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bench() -> PathBuf {
    repo().join("../shared/bench")
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("promises")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// One `seg run`: rules, `NAME=FILE` bindings, extra arguments (`--as-of` included).
struct Run<'a> {
    rules: PathBuf,
    data: Vec<(String, PathBuf)>,
    args: Vec<String>,
    env: Vec<(&'a str, String)>,
}

impl Run<'_> {
    fn new(rules: PathBuf, data: &[(&str, PathBuf)]) -> Self {
        Run {
            rules,
            data: data
                .iter()
                .map(|(n, f)| (n.to_string(), f.clone()))
                .collect(),
            args: vec!["--as-of".into(), AS_OF.into(), "-q".into()],
            env: Vec::new(),
        }
    }

    /// The bench program on a gen_data.py folder (each file replaceable by name).
    fn bench(data: &Path) -> Self {
        Run::new(
            bench().join("bench.seg"),
            &[
                ("customer", data.join("customers.csv")),
                ("orders", data.join("orders.csv")),
                ("messages", data.join("messages.csv")),
            ],
        )
    }

    fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.into());
        self
    }

    fn env(mut self, key: &'static str, value: &str) -> Self {
        self.env.push((key, value.into()));
        self
    }

    fn command(&self, out: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_seg"));
        command.arg("run").arg(&self.rules);
        for (name, file) in &self.data {
            command.arg(format!("--data={name}={}", file.display()));
        }
        command.args(&self.args).arg("--out").arg(out);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn output(&self, out: &Path) -> Output {
        self.command(out).output().expect("seg runs")
    }

    /// Runs and expects success.
    fn ok(&self, out: &Path) {
        let output = self.output(out);
        assert!(
            output.status.success(),
            "seg run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn summary(out: &Path) -> Json {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

fn n(json: &Json) -> u64 {
    json.as_u64()
        .unwrap_or_else(|| panic!("a count, not {json}"))
}

/// Data records of an input file: CSV records after the header, or NDJSON lines.
fn records_in(file: &Path) -> u64 {
    if file
        .extension()
        .is_some_and(|e| e == "ndjson" || e == "jsonl")
    {
        let text = std::fs::read_to_string(file).expect("ndjson");
        return text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .expect("csv opens");
    reader.byte_records().count() as u64
}

/// Rows of an output CSV file (without its header).
fn csv_rows(file: &Path) -> u64 {
    csv::Reader::from_path(file)
        .expect("output csv")
        .byte_records()
        .collect::<Result<Vec<_>, _>>()
        .expect("output rows")
        .len() as u64
}

/// What one run's summary says, for the checks across runs.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    rejects: u64,
    orphans: u64,
    orphans_after_as_of: u64,
    after_as_of: u64,
}

/// Checks the equations of "nothing lost, nothing invented" on a finished run: every data
/// row of every file is counted once, summary totals are the sums of their parts, and
/// assignments.csv has one row per accepted entity.
fn check_accounts(run: &Run, out: &Path) -> Seen {
    let s = summary(out);
    let what = format!("{} into {}", run.rules.display(), out.display());
    let entity = &s["entity_file"];
    let (read, accepted, rejects) = (
        n(&entity["read"]),
        n(&entity["accepted"]),
        n(&entity["rejects"]),
    );
    assert_eq!(read, accepted + rejects, "{what}: entity rows");
    assert_eq!(accepted, n(&s["entities"]), "{what}: accepted = entities");
    assert_eq!(
        csv_rows(&out.join("assignments.csv")),
        accepted,
        "{what}: one assignments.csv row per accepted entity"
    );
    let (entity_name, entity_file) = &run.data[0];
    assert_eq!(
        records_in(entity_file),
        read,
        "{what}: {entity_name} rows read"
    );

    let mut seen = Seen {
        rejects,
        ..Seen::default()
    };
    let mut events_read = 0;
    let streams = s["events"].as_object().expect("events");
    assert_eq!(
        streams.len(),
        run.data.len() - 1,
        "{what}: one entry per stream"
    );
    for (name, c) in streams {
        let [read, used, rejects, orphans, after, both] = [
            "read",
            "used",
            "rejects",
            "orphans",
            "after_as_of",
            "orphans_after_as_of",
        ]
        .map(|k| n(&c[k]));
        assert_eq!(
            read + both,
            used + rejects + orphans + after,
            "{what}: rows of {name}: read = used + rejects + orphans + after_as_of - orphans_after_as_of"
        );
        assert!(both <= orphans.min(after), "{what}: {name} overlap");
        let file = &run.data.iter().find(|(n, _)| n == name).expect("bound").1;
        assert_eq!(records_in(file), read, "{what}: {name} rows read");
        events_read += read;
        seen.rejects += rejects;
        seen.orphans += orphans;
        seen.orphans_after_as_of += both;
        seen.after_as_of += after;
    }
    assert_eq!(n(&s["events_read"]), events_read, "{what}: events_read");
    assert_eq!(n(&s["orphans"]), seen.orphans, "{what}: orphans");
    assert_eq!(
        n(&s["events_after_as_of"]),
        seen.after_as_of,
        "{what}: events_after_as_of"
    );
    assert_eq!(n(&s["rejects"]), seen.rejects, "{what}: rejects");
    let rejects_csv = out.join("rejects.csv");
    if rejects_csv.exists() {
        assert_eq!(csv_rows(&rejects_csv), seen.rejects, "{what}: rejects.csv");
    } else {
        assert_eq!(seen.rejects, 0, "{what}: rejects without rejects.csv");
    }
    seen
}

/// The run fixtures of `tests/fixtures/run` that succeed, with their arguments.
fn fixture_runs() -> Vec<(String, Run<'static>)> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/run"))
        .expect("run fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    let mut runs = Vec::new();
    for case in cases {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&case)
            .expect("case")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "ndjson"))
            .collect();
        files.sort();
        let rules = case.join("rules.seg");
        let text = std::fs::read_to_string(&rules).expect("rules");
        // The entity's file first, as `check_accounts` expects.
        let entity = text
            .split_whitespace()
            .skip_while(|w| *w != "entity")
            .nth(1)
            .expect("an entity")
            .to_string();
        files.sort_by_key(|f| f.file_stem().is_none_or(|s| s.to_string_lossy() != entity));
        let data: Vec<(String, PathBuf)> = files
            .iter()
            .map(|f| {
                let name = f.file_stem().expect("stem").to_string_lossy().into_owned();
                (name, f.clone())
            })
            .collect();
        let args = std::fs::read_to_string(case.join("args")).expect("args");
        let run = Run {
            rules,
            data,
            args: args.split_whitespace().map(String::from).collect(),
            env: Vec::new(),
        };
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        runs.push((name, run));
    }
    runs
}

/// The example data sets of `examples/` with their rules (examples/README.md).
fn example_runs() -> Vec<(String, Run<'static>)> {
    let ex = |p: &str| repo().join("examples").join(p);
    vec![
        (
            "retail".into(),
            Run::new(
                repo().join("rules/retail/membership.seg"),
                &[
                    ("member", ex("retail/members.csv")),
                    ("orders", ex("retail/orders.csv")),
                    ("messages", ex("retail/messages.csv")),
                ],
            ),
        ),
        (
            "tobacco".into(),
            Run::new(
                repo().join("rules/tobacco/supply.seg"),
                &[
                    ("retailer", ex("tobacco/retailers.csv")),
                    ("purchases", ex("tobacco/purchases.csv")),
                    ("stock_checks", ex("tobacco/stock_checks.csv")),
                ],
            ),
        ),
        (
            "bank".into(),
            Run::new(
                repo().join("rules/bank/tiers.seg"),
                &[
                    ("client", ex("bank/clients.csv")),
                    ("transactions", ex("bank/transactions.ndjson")),
                ],
            ),
        ),
    ]
}

/// Replaces line `at` (0-based, the header being line 0) of a text with `line`, or adds
/// `line` at the end when `at` is past it.
fn with_lines(text: &str, changes: &[(usize, String)]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for (at, line) in changes {
        if *at < lines.len() {
            lines[*at] = line.clone();
        } else {
            lines.push(line.clone());
        }
    }
    lines.join("\n") + "\n"
}

/// An orders row with an amount that is not a decimal. (A row with too many or too few
/// cells is not a bad row but a broken file, which `--max-rejects` does not cover.)
fn bad_amount(row: &str) -> String {
    let mut cells: Vec<&str> = row.split(',').collect();
    cells[3] = "12.5.0";
    cells.join(",")
}

#[test]
fn every_input_row_is_accounted_for() {
    let dir = scratch("accounts");
    let mut total = Seen::default();
    let mut checked = 0;
    let mut add = |seen: Seen| {
        total.rejects += seen.rejects;
        total.orphans += seen.orphans;
        total.orphans_after_as_of += seen.orphans_after_as_of;
        total.after_as_of += seen.after_as_of;
    };
    for (name, run) in fixture_runs().into_iter().chain(example_runs()) {
        let out = dir.join(&name);
        let output = run.output(&out);
        if !output.status.success() {
            // Fixtures of failing runs (bad_row, missing_column, ...) write nothing.
            assert!(
                !out.exists(),
                "{name}: a failed run wrote {}",
                out.display()
            );
            continue;
        }
        add(check_accounts(&run, &out));
        checked += 1;
    }
    assert!(
        checked >= 6,
        "the fixtures and the three examples ran: {checked}"
    );

    // The benchmark data as generated (orders.csv, about 10 MB, is read in two parts).
    let data = common::generated(20_000);
    let out = dir.join("bench");
    let run = Run::bench(&data);
    run.ok(&out);
    add(check_accounts(&run, &out));

    // The same with bad rows and duplicate keys in the entity file, and bad rows and
    // orphans (before and after as_of) in both parts of orders.csv, under --max-rejects.
    let customers = std::fs::read_to_string(data.join("customers.csv")).expect("customers");
    let first_row = customers.lines().nth(1).expect("a customer").to_string();
    let customers = with_lines(
        &customers,
        &[
            (
                5,
                customers
                    .lines()
                    .nth(5)
                    .expect("row")
                    .replacen(",20", ",2O", 1),
            ),
            (usize::MAX, first_row.clone()),
            (usize::MAX, first_row.clone()),
        ],
    );
    let orders = std::fs::read_to_string(data.join("orders.csv")).expect("orders");
    let rows = orders.lines().count();
    let orphan = |key: &str, date: &str| format!("{key},O-x,{date}T10:00:00,12.50,tea,app");
    let orders = with_lines(
        &orders,
        &[
            (
                10,
                orders
                    .lines()
                    .nth(10)
                    .expect("row")
                    .replacen(",20", ",2O", 1),
            ),
            (rows / 2, orphan("NOBODY-1", "2026-01-01")),
            (rows / 2 + 1, orphan("NOBODY-2", "2027-01-01")),
            (
                rows - 3,
                bad_amount(orders.lines().nth(rows - 3).expect("row")),
            ),
            (usize::MAX, orphan("NOBODY-3", "2027-02-02")),
        ],
    );
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).expect("folder");
    std::fs::write(bad.join("customers.csv"), customers).expect("customers");
    std::fs::write(bad.join("orders.csv"), orders).expect("orders");
    let mut run = Run::bench(&data).arg("--max-rejects").arg("10");
    run.data[0].1 = bad.join("customers.csv");
    run.data[1].1 = bad.join("orders.csv");
    let out = dir.join("bench_rejects");
    run.ok(&out);
    let seen = check_accounts(&run, &out);
    assert_eq!(seen.rejects, 5, "3 entity rows and 2 order rows rejected");
    assert_eq!(
        n(&summary(&out)["entity_file"]["rejects"]),
        3,
        "a bad date and two duplicates"
    );
    add(seen);

    assert!(total.rejects > 0 && total.orphans > 0 && total.after_as_of > 0);
    assert!(
        total.orphans_after_as_of >= 2,
        "orphans after as_of were seen"
    );
}

/// Every file below `dir` (relative path → bytes).
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let bytes = std::fs::read(&path).expect("file");
                into.insert(
                    path.strip_prefix(root).expect("inside").to_path_buf(),
                    bytes,
                );
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The names in a folder.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The retail example as of a date.
fn retail(as_of: &str) -> Run<'static> {
    let (_, mut run) = example_runs().remove(0);
    run.args = vec!["--as-of".into(), as_of.into(), "-q".into()];
    run
}

/// Starts a run that pauses at `point` of its writing (the test hook of
/// src/exec/write.rs), waits for the pause and kills it with SIGKILL.
fn kill_at(run: &Run, out: &Path, point: &str) {
    let mut child = run
        .command(out)
        .env("SEG_TEST_ONLY_PAUSE_AT", point)
        .stderr(Stdio::piped())
        .spawn()
        .expect("seg starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut said = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr line");
        said.push_str(&line);
        said.push('\n');
        if line.contains(&format!("paused at {point}")) {
            break;
        }
    }
    child.kill().expect("kill -9"); // SIGKILL on Unix
    let status = child.wait().expect("wait");
    assert!(
        said.contains("paused at"),
        "the run never paused ({status}):\n{said}"
    );
}

#[test]
fn a_run_killed_while_writing_leaves_the_previous_output() {
    let dir = scratch("killed_while_writing");
    let out = dir.join("out");
    retail("2026-05-31").ok(&out);
    let before = contents(&out);

    let run = retail(AS_OF);
    kill_at(&run, &out, "partial");
    assert_eq!(contents(&out), before, "--out untouched by the killed run");
    let left = names(&dir);
    assert_eq!(
        left.len(),
        2,
        "out and the killed run's partial folder: {left:?}"
    );
    let partial = dir.join(
        left.iter()
            .find(|n| n.starts_with(".out.tmp-"))
            .expect("temp"),
    );
    assert!(partial.join("assignments.csv").exists(), "killed mid-write");
    assert!(!partial.join("summary.json").exists(), "killed mid-write");

    // Repeating the run just works, and removes what the killed one left.
    run.ok(&out);
    assert_eq!(names(&dir), ["out"], "nothing left beside --out");
    let expected = dir.join("expected");
    run.ok(&expected);
    assert_eq!(
        contents(&out),
        contents(&expected),
        "the repeated run is complete"
    );
    assert_ne!(contents(&out), before);
}

#[test]
fn a_run_killed_after_the_swap_leaves_the_new_output() {
    let dir = scratch("killed_after_swap");
    let out = dir.join("out");
    retail("2026-05-31").ok(&out);
    let run = retail(AS_OF);
    kill_at(&run, &out, "swapped");
    let expected = dir.join("expected");
    run.ok(&expected);
    assert_eq!(
        contents(&out),
        contents(&expected),
        "--out is the new output, whole"
    );
    // The previous folder, swapped out but not yet removed, goes with the next run.
    assert_eq!(names(&dir).len(), 3, "{:?}", names(&dir));
    retail("2026-05-31").ok(&out);
    assert_eq!(names(&dir), ["expected", "out"]);
}

#[test]
fn a_failed_run_leaves_the_previous_output() {
    let dir = scratch("failed");
    let out = dir.join("out");
    retail(AS_OF).ok(&out);
    let before = contents(&out);
    let mut run = retail(AS_OF);
    let bad = dir.join("members.csv");
    let members = std::fs::read_to_string(&run.data[0].1).expect("members");
    std::fs::write(&bad, members.replacen(",20", ",2O", 1)).expect("bad members");
    run.data[0].1 = bad;
    let output = run.output(&out);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(contents(&out), before);
    assert_eq!(names(&dir), ["members.csv", "out"]);
}

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("true runs");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn an_output_folder_renamed_aside_by_a_killed_run_is_restored() {
    // Where the atomic exchange is not available, the previous folder is renamed aside
    // (`.out.old-PID`) just before the new one takes its place; a run killed between the
    // two renames leaves `--out` missing. The next run, even a failing one, puts it back.
    let dir = scratch("renamed_aside");
    let out = dir.join("out");
    retail(AS_OF).ok(&out);
    let before = contents(&out);
    let pid = dead_pid();
    std::fs::rename(&out, dir.join(format!(".out.old-{pid}"))).expect("rename aside");
    std::fs::create_dir_all(dir.join(format!(".out.tmp-{pid}/actions"))).expect("temp");
    let mut run = retail(AS_OF);
    run.data[0].1 = dir.join("missing.csv");
    assert_eq!(run.output(&out).status.code(), Some(1));
    assert_eq!(contents(&out), before, "the previous output is back");
    assert_eq!(names(&dir), ["out"]);
}

/// A copy of a data file with its data rows in a shuffled order (header first), the
/// same for a given seed.
fn shuffled(from: &Path, to: &Path, seed: u64) {
    let text = std::fs::read_to_string(from).expect("data file");
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        records_in(from) as usize,
        lines.len() - 1,
        "one row per line, so lines can be shuffled"
    );
    let mut state = seed;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let rows = &mut lines[1..];
    for i in (1..rows.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        rows.swap(i, j);
    }
    std::fs::write(to, lines.join("\n") + "\n").expect("shuffled copy");
}

#[test]
fn outputs_depend_on_neither_threads_nor_row_order() {
    // 20,000 customers: orders.csv (about 10 MB) is read in two parts in parallel, and
    // the 20,000 entities are evaluated in five batches.
    let data = common::generated(20_000);
    assert!(
        std::fs::metadata(data.join("orders.csv"))
            .expect("orders")
            .len()
            > 8 << 20
    );
    let dir = scratch("determinism");
    let first = dir.join("threads_1");
    Run::bench(&data)
        .arg("--with-values")
        .env("RAYON_NUM_THREADS", "1")
        .ok(&first);
    let expected = contents(&first);
    assert_eq!(expected.len(), 4, "assignments, two actions, summary");
    for threads in ["2", "8", "2"] {
        let out = dir.join(format!("threads_{threads}"));
        Run::bench(&data)
            .arg("--with-values")
            .env("RAYON_NUM_THREADS", threads)
            .ok(&out);
        for (file, bytes) in contents(&out) {
            assert!(
                expected[&file] == bytes,
                "{} differs with {threads} threads",
                file.display()
            );
        }
    }
    // Every input file shuffled (each with its own seed), then all three at once.
    let files = ["customers.csv", "orders.csv", "messages.csv"];
    for (i, file) in files.iter().enumerate() {
        shuffled(&data.join(file), &dir.join(file), 17 + i as u64);
    }
    for shuffle in 0..=files.len() {
        let mut run = Run::bench(&data)
            .arg("--with-values")
            .env("RAYON_NUM_THREADS", "2");
        for (i, (_, file)) in run.data.iter_mut().enumerate() {
            if shuffle == files.len() || shuffle == i {
                *file = dir.join(files[i]);
            }
        }
        let out = dir.join(format!("shuffled_{shuffle}"));
        run.ok(&out);
        for (file, bytes) in contents(&out) {
            assert!(
                expected[&file] == bytes,
                "{} differs when {} is shuffled",
                file.display(),
                files.get(shuffle).unwrap_or(&"every file")
            );
        }
    }
}

/// The peak virtual memory (`VmPeak`, in KiB) of a run paused just after it wrote
/// assignments.csv (everything computed), then killed.
fn peak_kib(run: &Run, out: &Path) -> u64 {
    let mut child = run
        .command(out)
        .env("SEG_TEST_ONLY_PAUSE_AT", "partial")
        .stderr(Stdio::piped())
        .spawn()
        .expect("seg starts");
    let stderr = child.stderr.take().expect("stderr");
    let paused = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("paused at partial"));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(paused, "the calibration run never paused");
    let status = status.expect("/proc/PID/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmPeak:"))
        .expect("VmPeak");
    line.split_whitespace()
        .nth(1)
        .expect("kB")
        .parse()
        .expect("a number")
}

/// An events file of `rows` orders over eight customers.
fn write_events(path: &Path, rows: usize) {
    let mut block = String::new();
    for i in 0..10_000 {
        block.push_str(&format!(
            "c{},2025-{:02}-{:02}T10:00:00,{}.25\n",
            i % 8,
            1 + i % 12,
            1 + i % 28,
            i % 1000
        ));
    }
    let file = std::fs::File::create(path).expect("events file");
    let mut w = std::io::BufWriter::new(file);
    w.write_all(b"id,at,amount\n").expect("write");
    for _ in 0..rows / 10_000 {
        w.write_all(block.as_bytes()).expect("write");
    }
    w.flush().expect("flush");
}

#[test]
#[cfg(target_os = "linux")]
fn memory_is_bounded_by_entities_not_events() {
    let dir = scratch("memory");
    std::fs::write(
        dir.join("rules.seg"),
        "entity customer key id {\n  id: string\n}\n\n\
         events orders time at {\n  id: string\n  at: datetime\n  amount: decimal\n}\n\n\
         let n     = count(orders)\n\
         let spend = sum(orders.amount)\n\
         let top   = mode(orders.amount)\n\n\
         segment big when spend > 1000\n",
    )
    .expect("rules");
    let customers: String = (0..8).map(|i| format!("c{i}\n")).collect();
    std::fs::write(dir.join("customers.csv"), format!("id\n{customers}")).expect("entities");
    let (small, large) = (dir.join("small.csv"), dir.join("large.csv"));
    // 300,000 rows (9 MB: just above the size read in parallel parts, so that both runs
    // take the same path) and 4,500,000 rows (135 MB, about 15 s in a debug build).
    write_events(&small, 300_000);
    write_events(&large, 4_500_000);
    let run = |events: &Path| {
        Run::new(
            dir.join("rules.seg"),
            &[
                ("customer", dir.join("customers.csv")),
                ("orders", events.into()),
            ],
        )
        // Two pool threads on any machine, and one malloc arena: glibc reserves 64 MiB of
        // address space per arena, and how many a run creates depends on timing.
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "1")
    };
    // `ulimit -v` limits the address space, not resident memory, and most of seg's is
    // reserved rather than used: the 512 MiB stack of the command thread (src/main.rs),
    // the pool threads' stacks, the binary and its libraries (about 545 MiB in all in a
    // debug build). That part does not depend on the data, so it is measured on the small
    // file, and the large one, with 15 times more events, gets 32 MiB on top: four times
    // less than its size. (Its resident memory stays under 20 MiB.)
    let baseline = peak_kib(&run(&small), &dir.join("calibration"));
    let limit = baseline + (32 << 10);
    let size_kib = std::fs::metadata(&large).expect("large").len() >> 10;
    assert!(
        size_kib > 4 * (32 << 10),
        "the file is four times the allowance"
    );

    let limited = |events: &Path, kib: u64, out: &Path| {
        let r = run(events);
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_seg"))
            .args(r.command(out).get_args())
            .envs(r.env.iter().map(|(k, v)| (k, v)));
        command.output().expect("sh runs")
    };
    let output = limited(&large, limit, &dir.join("out"));
    assert!(
        output.status.success(),
        "under {limit} KiB: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let s = summary(&dir.join("out"));
    assert_eq!(n(&s["events"]["orders"]["used"]), 4_500_000);
    assert_eq!(n(&s["segments"]["big"]), 8);
    // The limit is real: well under the baseline, not even the small file runs.
    let output = limited(&small, baseline - (64 << 10), &dir.join("too_little"));
    assert!(!output.status.success(), "the limit is enforced");
}

#[test]
fn thousands_of_nested_population_stages_are_refused_by_check() {
    let dir = scratch("levels");
    let mut rules = String::from("entity customer key id {\n  id: string\n  x: int\n}\n\n");
    rules.push_str("let l0 = ntile(x, 10)\n");
    for i in 1..2000 {
        rules.push_str(&format!("let l{i} = ntile(l{}, 10)\n", i - 1));
    }
    rules.push_str("\nsegment top when l1999 == 1\n");
    std::fs::write(dir.join("deep.seg"), &rules).expect("rules");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("check")
        .arg(dir.join("deep.seg"))
        .output()
        .expect("seg check runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("seg::check::too_many_levels"), "{stderr}");
    assert!(
        stderr
            .contains("`l64` needs 65 levels of population functions and aggregates, more than 64"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("too_many_levels").count(), 1, "one error");

    // 64 levels are allowed (ntile of ntile …, the first over an entity field).
    let allowed: String = rules.lines().take(5 + 64).collect::<Vec<_>>().join("\n");
    std::fs::write(
        dir.join("ok.seg"),
        format!("{allowed}\n\nsegment top when l63 == 1\n"),
    )
    .expect("rules");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("check")
        .arg(dir.join("ok.seg"))
        .output()
        .expect("seg check runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
