//! `seg check`'s machine formats: SARIF validated against the official SARIF 2.1.0 JSON
//! schema (with Python's `jsonschema`, installed by `.ci/run`), GitHub annotations, and
//! the summary line.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seg_check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .current_dir(root())
        .arg("check")
        .args(args)
        .output()
        .expect("seg runs")
}

/// A broken program (errors) and a program with a lint (a warning).
const FIXTURES: [&str; 2] = [
    "tests/fixtures/check/many_errors_sorted.seg",
    "tests/fixtures/lint/unused_let.seg",
];

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let output = seg_check(&["--format", "sarif", FIXTURES[0], FIXTURES[1]]);
    assert_eq!(output.status.code(), Some(1));
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check.sarif");
    std::fs::write(&log, &output.stdout).expect("write the log");
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        log = json.load(open(sys.argv[2]))\n\
        jsonschema.Draft4Validator(schema).validate(log)\n\
        levels = sorted({r['level'] for r in log['runs'][0]['results']})\n\
        print(len(log['runs'][0]['results']), ' '.join(levels))\n";
    let checked = Command::new("python3")
        .args(["-c", script])
        .arg(root().join("tests/data/sarif-schema-2.1.0.json"))
        .arg(&log)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&checked.stderr);
    if !checked.status.success()
        && std::env::var_os("CI").is_none()
        && stderr.contains("No module named")
    {
        return; // jsonschema is installed by .ci/run; locally it may be missing
    }
    assert!(
        checked.status.success(),
        "the SARIF log does not validate:\n{stderr}"
    );
    let summary = String::from_utf8_lossy(&checked.stdout);
    assert!(
        summary.trim().ends_with("error warning"),
        "errors and warnings both appear: {summary}"
    );
}

#[test]
fn github_format_prints_workflow_annotations() {
    let output = seg_check(&["--format", "github", FIXTURES[0], FIXTURES[1]]);
    let text = String::from_utf8_lossy(&output.stdout);
    let error = text
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error annotation");
    assert!(
        error.contains("file=tests/fixtures/check/many_errors_sorted.seg,line="),
        "{error}"
    );
    assert!(
        error.contains(",col=") && error.contains(",endLine=") && error.contains(",endColumn="),
        "{error}"
    );
    assert!(error.contains("title=seg::check::"), "{error}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("::warning ") && l.contains("title=seg::lint::unused_let")),
        "{text}"
    );
}

#[test]
fn summary_line_counts_files_errors_and_warnings() {
    let output = seg_check(&[FIXTURES[0], FIXTURES[1]]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("checked 2 files: ") && last.ends_with(" errors, 2 warnings"),
        "{last}"
    );
    let clean = seg_check(&["rules"]);
    let stderr = String::from_utf8_lossy(&clean.stderr);
    assert!(
        stderr.trim_end().ends_with("0 errors, 0 warnings"),
        "{stderr}"
    );
    assert_eq!(clean.status.code(), Some(0));
}
