//! Hostile data: `seg run` on data files that are odd or broken in the ways real exports
//! are (a byte-order mark, CRLF, quoting, invalid UTF-8, impossible dates, `NaN`, 40-digit
//! decimals, keys a spreadsheet would run, broken NDJSON, ...). Each either loads with the
//! right values or stops with a clear error (file, line, column, value, what was
//! expected): never a panic, never a silently wrong value.
//!
//! Each folder under `tests/hostile/` is a case: `case.md` says what it shows, and it holds
//! the files that differ from the shared ones beside the folders (`customer.csv`,
//! `orders.csv`, `customer.ndjson`, `orders.ndjson`, `rules.seg`). A case is run once per
//! format it has a file of, the other bindings taking the shared file of that format; an
//! `args` file adds one more run per line. A run that stops at a bad row is run again
//! with `--max-rejects 10`, so that `rejects.csv` shows every bad row. The snapshot shows,
//! for each run, the exit code (always 0 or 1), what seg printed, and for a run that
//! loads, every output file (assignments with `--with-values`, so every value read is
//! seen) and the summary's counts. A failed run must leave no `--out` folder.
//!
//! Large CSV files are read in two parts by another reader (`PlainCsvReader`); every CSV
//! case is also run padded past that size and must give the same (see
//! [`hostile_csv_reads_alike_in_parts`]).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/files.rs"]
mod files;

use files::files_below;

use serde_json::Value as Json;

const AS_OF: &str = "2026-06-30";

/// The bindings of every program, and the formats of their files.
const BINDINGS: [&str; 2] = ["customer", "orders"];
const FORMATS: [&str; 2] = ["csv", "ndjson"];

/// Files of this size and more are read in parts (`MIN_SPLIT_BYTES` in `src/exec/read/split.rs`).
const SPLIT_BYTES: usize = 8 << 20;

fn hostile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// One `seg run` in `dir`: the rules, `NAME=FILE` bindings and extra arguments given.
struct Run<'a> {
    dir: &'a Path,
    rules: String,
    bindings: Vec<(String, String)>,
    extra: Vec<String>,
}

impl Run<'_> {
    /// The command line, as the snapshot shows it (paths relative to the case folder).
    fn command_line(&self) -> String {
        let mut words = vec!["seg run".to_string(), self.rules.clone()];
        for (name, file) in &self.bindings {
            words.push(format!("--data {name}={file}"));
        }
        words.extend(self.extra.iter().cloned());
        words.join(" ")
    }

    /// Runs seg, writing into `out`, and describes what happened.
    fn describe(&self, out: &Path) -> Outcome {
        let _ = std::fs::remove_dir_all(out);
        let mut command = Command::new(env!("CARGO_BIN_EXE_seg"));
        command.current_dir(self.dir).arg("run").arg(&self.rules);
        for (name, file) in &self.bindings {
            command.arg("--data").arg(format!("{name}={file}"));
        }
        command
            .args(["--as-of", AS_OF, "--with-values", "--out"])
            .arg(out)
            .args(&self.extra);
        let output = command.output().expect("seg runs");
        let stderr =
            String::from_utf8_lossy(&output.stderr).replace(&out.display().to_string(), "OUT");
        let code = output.status.code();
        assert!(
            matches!(code, Some(0 | 1)) && !stderr.contains("panicked"),
            "`{}` in {} must exit with 0 or 1, never panic; it exited with {code:?}:\n{stderr}",
            self.command_line(),
            self.dir.display()
        );
        let mut text = format!(
            "exit: {}\n----- stderr\n{}\n",
            code.unwrap_or(-1),
            without_timing(&stderr)
        );
        if code == Some(0) {
            for file in files_below(out, None) {
                let name = file
                    .strip_prefix(out)
                    .expect("inside out")
                    .display()
                    .to_string();
                let content = std::fs::read_to_string(&file).expect("outputs are UTF-8");
                if name == "summary.json" {
                    text.push_str(&format!(
                        "----- summary.json (counts)\n{}\n",
                        counts(&content)
                    ));
                } else {
                    text.push_str(&format!("----- {name}\n{content}"));
                }
            }
        } else {
            assert!(!out.exists(), "a failed run left {} behind", out.display());
        }
        Outcome {
            bad_row: stderr.contains("seg::run::bad_row"),
            text,
        }
    }
}

/// What a run did, as the snapshot shows it.
struct Outcome {
    /// Whether it stopped at a bad row (then `--max-rejects` is tried too).
    bad_row: bool,
    text: String,
}

/// `stderr` without the timing that ends the line a successful run prints (`… (0.01 s)`).
fn without_timing(stderr: &str) -> String {
    let lines = stderr
        .trim_end()
        .lines()
        .map(|line| match line.rsplit_once(" (") {
            Some((before, timing)) if timing.ends_with(" s)") => before,
            _ => line,
        });
    lines.collect::<Vec<_>>().join("\n")
}

/// The counts of a summary: entities, events and bad rows.
fn counts(summary: &str) -> String {
    let json: Json = serde_json::from_str(summary).expect("summary.json is JSON");
    let mut line: Vec<String> = [
        "entities",
        "events_read",
        "events_after_as_of",
        "orphans",
        "rejects",
    ]
    .iter()
    .map(|key| format!("{key} {}", json[key]))
    .collect();
    if let Some(streams) = json["events"].as_object() {
        for (name, stream) in streams {
            line.push(format!(
                "{name}: read {}, rejects {}",
                stream["read"], stream["rejects"]
            ));
        }
    }
    line.join(", ")
}

/// The runs of a case: one per format it has a file of, each with the extra arguments of
/// each line of `args` too.
fn runs(case: &Path) -> Vec<Run<'_>> {
    let rules = if case.join("rules.seg").exists() {
        "rules.seg".to_string()
    } else {
        "../rules.seg".to_string()
    };
    let args = std::fs::read_to_string(case.join("args")).unwrap_or_default();
    let variants: Vec<Vec<String>> = std::iter::once(Vec::new())
        .chain(
            args.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.split_whitespace().map(String::from).collect()),
        )
        .collect();
    let mut runs = Vec::new();
    for format in FORMATS {
        let own = |name: &str| case.join(format!("{name}.{format}")).exists();
        if !BINDINGS.iter().any(|name| own(name)) {
            continue;
        }
        let bindings: Vec<(String, String)> = BINDINGS
            .iter()
            .map(|name| {
                let file = format!("{name}.{format}");
                let file = if own(name) {
                    file
                } else {
                    format!("../{file}")
                };
                (name.to_string(), file)
            })
            .collect();
        for extra in &variants {
            runs.push(Run {
                dir: case,
                rules: rules.clone(),
                bindings: bindings.clone(),
                extra: extra.clone(),
            });
        }
    }
    runs
}

/// Every run of a case, described; a run stopped by a bad row is run again with
/// `--max-rejects 10`.
fn run_case(case: &Path) -> String {
    let name = case
        .file_name()
        .expect("case name")
        .to_string_lossy()
        .into_owned();
    let out = scratch(&format!("hostile/{name}")).join("out");
    let mut snapshot = std::fs::read_to_string(case.join("case.md")).expect("case.md");
    for mut run in runs(case) {
        let outcome = run.describe(&out);
        snapshot.push_str(&format!("\n===== {}\n{}", run.command_line(), outcome.text));
        if outcome.bad_row {
            run.extra
                .extend(["--max-rejects".to_string(), "10".to_string()]);
            let outcome = run.describe(&out);
            snapshot.push_str(&format!("\n===== {}\n{}", run.command_line(), outcome.text));
        }
    }
    snapshot
}

#[test]
fn hostile_data() {
    insta::glob!("hostile/*/case.md", |file| {
        let case = file.parent().expect("case folder");
        insta::assert_snapshot!(run_case(case));
    });
}

// ───────────────────────── The same through the reader of parts ─────────────────────────

/// `bytes` of a quote-free CSV file with one more column, `zz_pad`, holding `pad` in every
/// row; empty lines and line ends are kept, so every row keeps its line.
fn with_pad_column(bytes: &[u8], pad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + pad.len() * 4);
    let mut header = true;
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let (line, after) = rest.split_at(end);
        if !line.is_empty() {
            out.extend_from_slice(line);
            out.push(b',');
            out.extend_from_slice(if header { b"zz_pad" } else { pad });
            header = false;
        }
        let ends = after
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        out.extend_from_slice(&after[..ends]);
        rest = &after[ends..];
    }
    out
}

/// How many rows (non-empty lines) a file has, its header included.
fn row_count(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|line| !line.is_empty())
        .count()
}

/// Runs `run` (its case's files copied into `dir`, with `file` replaced by `bytes`) with
/// and without `--max-rejects`, and describes both.
fn run_with(run: &Run, dir: &Path, file: &str, bytes: &[u8]) -> String {
    for (_, binding) in &run.bindings {
        let from = run.dir.join(binding);
        let to = dir.join(Path::new(binding).file_name().expect("file name"));
        std::fs::copy(&from, &to).expect("copy a data file");
    }
    std::fs::copy(run.dir.join(&run.rules), dir.join("rules.seg")).expect("copy the rules");
    std::fs::write(dir.join(file), bytes).expect("write the padded file");
    let mut copied = Run {
        dir,
        rules: "rules.seg".into(),
        bindings: run
            .bindings
            .iter()
            .map(|(name, binding)| {
                let file = Path::new(binding).file_name().expect("file name");
                (name.clone(), file.to_string_lossy().into_owned())
            })
            .collect(),
        extra: run.extra.clone(),
    };
    let out = dir.join("out");
    let mut text = copied.describe(&out).text;
    copied
        .extra
        .extend(["--max-rejects".to_string(), "10".to_string()]);
    text.push_str(&copied.describe(&out).text);
    text
}

/// Every CSV file of a case that has rows and no quoted line break gets a padding column,
/// once a few bytes wide (read whole by the `csv` crate) and once wide enough to make
/// the file large (read in two parts by `PlainCsvReader`, or, when it holds a quote, by
/// the `csv` crate after all): both runs must give the same outputs and messages.
#[test]
fn hostile_csv_reads_alike_in_parts() {
    let mut compared = 0;
    let mut cases: Vec<PathBuf> = std::fs::read_dir(hostile())
        .expect("hostile folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("case.md").exists())
        .collect();
    cases.sort();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for run in runs(case)
            .iter()
            .filter(|r| r.bindings[0].1.ends_with(".csv"))
        {
            for (_, file) in run.bindings.iter().filter(|(_, f)| !f.starts_with("..")) {
                let bytes = std::fs::read(case.join(file)).expect("data file");
                let rows = row_count(&bytes);
                let quoted_line_end = bytes
                    .split(|&b| b == b'\n' || b == b'\r')
                    .any(|line| line.iter().filter(|&&b| b == b'"').count() % 2 == 1);
                if rows < 2 || quoted_line_end {
                    continue;
                }
                let width = SPLIT_BYTES / (rows - 1) + 1;
                let small = with_pad_column(&bytes, b"-");
                let large = with_pad_column(&bytes, &vec![b'-'; width]);
                assert!(
                    large.len() > SPLIT_BYTES,
                    "{name}: {file} is large enough to be split"
                );
                let dir = scratch(&format!("hostile_parts/{name}"));
                let (small_dir, large_dir) = (dir.join("small"), dir.join("large"));
                std::fs::create_dir_all(&small_dir).expect("folder");
                std::fs::create_dir_all(&large_dir).expect("folder");
                let whole = run_with(run, &small_dir, file, &small);
                let parts = run_with(run, &large_dir, file, &large);
                assert_eq!(
                    parts,
                    whole,
                    "{name}: `{}` with {file} read in parts differs from it read whole",
                    run.command_line()
                );
                compared += 1;
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    assert!(compared >= 15, "only {compared} files compared");
}

// ─────────────────────────────── A very long field ───────────────────────────────

/// A 3 MiB cell (longer than the blocks either CSV reader reads at a time, and than the
/// `csv` crate's buffer) loads whole, quoted or not, in CSV and NDJSON, and a bad row after
/// it is still named at its line.
#[test]
fn a_very_long_field_loads_whole() {
    let dir = scratch("hostile_long_field");
    let long: String = "é长x".repeat(1 << 20);
    let header = "id,name,born,seen,score,balance,visits,vip";
    let csv = format!("{header}\nc1,{long},,,,,,\nc2,\"{long},\"\"quoted\"\"\",,,,,,\nc3,,,,,,,\n");
    let null_fields =
        r#""born":null,"seen":null,"score":null,"balance":null,"visits":null,"vip":null"#;
    let ndjson = format!(
        "{{\"id\":\"c1\",\"name\":\"{long}\",{null_fields}}}\n{{\"id\":\"c2\",\"name\":\"{long},\\\"quoted\\\"\",{null_fields}}}\n"
    );
    std::fs::write(dir.join("customer.csv"), &csv).expect("write");
    std::fs::write(dir.join("customer.ndjson"), &ndjson).expect("write");
    std::fs::copy(hostile().join("rules.seg"), dir.join("rules.seg")).expect("copy");
    std::fs::copy(hostile().join("orders.csv"), dir.join("orders.csv")).expect("copy");
    for file in ["customer.csv", "customer.ndjson"] {
        let run = Run {
            dir: &dir,
            rules: "rules.seg".into(),
            bindings: vec![
                ("customer".into(), file.into()),
                ("orders".into(), "orders.csv".into()),
            ],
            extra: Vec::new(),
        };
        let out = dir.join("out");
        let outcome = run.describe(&out);
        assert!(outcome.text.starts_with("exit: 0"), "{}", outcome.text);
        let mut reader = csv::Reader::from_path(out.join("assignments.csv")).expect("assignments");
        let names: Vec<String> = reader
            .records()
            .map(|r| r.expect("row")[3].to_string())
            .collect();
        assert_eq!(names[0], long, "{file}: the long name of c1");
        assert_eq!(
            names[1],
            format!("{long},\"quoted\""),
            "{file}: the long name of c2"
        );
    }
    let bad = format!("{header}\nc1,{long},,,,,,\nc2,,,,,,x,\n");
    std::fs::write(dir.join("customer.csv"), bad).expect("write");
    let run = Run {
        dir: &dir,
        rules: "rules.seg".into(),
        bindings: vec![
            ("customer".into(), "customer.csv".into()),
            ("orders".into(), "orders.csv".into()),
        ],
        extra: Vec::new(),
    };
    let outcome = run.describe(&dir.join("out"));
    assert!(
        outcome
            .text
            .contains("customer.csv:3: column `visits`: `x` is not an integer"),
        "{}",
        outcome.text
    );
}
