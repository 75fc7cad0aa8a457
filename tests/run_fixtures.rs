//! `seg run` on fixture folders, snapshotting everything it writes.
//!
//! Each folder under `tests/fixtures/run/` holds `rules.seg`, one data file per binding
//! named after it (`customer.csv`, `orders.ndjson`, ...) and `args` (the rest of the
//! command line, e.g. `--as-of 2026-06-30 --with-values`). The snapshot shows the exit
//! code, what seg printed on standard error (timings removed) and every output file; a
//! failed run must leave no output folder behind.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/files.rs"]
mod files;

use files::files_below;

fn run_case(case: &Path) -> String {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("run_fixtures")
        .join(case.file_name().expect("case name"));
    let _ = std::fs::remove_dir_all(&out);
    let mut command = Command::new(env!("CARGO_BIN_EXE_seg"));
    command.current_dir(case).arg("run").arg("rules.seg");
    for binding in data_files(case) {
        let name = binding
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let file = binding
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        command.arg("--data").arg(format!("{name}={file}"));
    }
    let args = std::fs::read_to_string(case.join("args")).expect("args file");
    command.args(args.split_whitespace()).arg("--out").arg(&out);
    let output = command.output().expect("seg runs");
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&out.display().to_string(), "OUT");
    let stderr = without_timing(&stderr);
    let mut snapshot = format!(
        "exit: {}\n----- stderr\n{stderr}\n",
        output.status.code().unwrap_or(-1)
    );
    if output.status.success() {
        for file in files_below(&out, None) {
            let text = std::fs::read_to_string(&file).expect("output is UTF-8");
            let name = file.strip_prefix(&out).expect("inside out").display();
            snapshot.push_str(&format!("----- {name}\n{text}"));
        }
    } else {
        assert!(!out.exists(), "a failed run left {} behind", out.display());
    }
    snapshot
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

/// The data files of a case: everything but `rules.seg` and `args`.
fn data_files(case: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(case)
        .expect("case folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "ndjson"))
        .collect();
    files.sort();
    files
}

#[test]
fn run_fixtures() {
    insta::glob!("fixtures/run/*/rules.seg", |rules| {
        let case = rules.parent().expect("case folder");
        insta::assert_snapshot!(run_case(case));
    });
}
