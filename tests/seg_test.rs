//! `seg test`: the project's rules pass their own tests, a broken expectation fails with a
//! readable message, and `--junit` writes XML that a real JUnit parser reads back.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seg_test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .current_dir(root())
        .arg("test")
        .args(args)
        .output()
        .expect("seg runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn project_rules_pass_their_tests() {
    let output = seg_test(&["rules"]);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "seg test rules failed:\n{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "{text}"
    );
}

#[test]
fn reference_program_tests_pass() {
    let output = seg_test(&["../shared/spec/examples"]);
    assert!(output.status.success(), "{}", stdout(&output));
}

/// The reference retail program with two expectations changed so that they fail.
fn broken_program() -> PathBuf {
    let text =
        std::fs::read_to_string(root().join("../shared/spec/examples/retail_membership.seg"))
            .expect("reference program");
    let broken = text
        .replace(
            r#"expect "m1".recency == 222"#,
            r#"expect "m1".recency == 221"#,
        )
        .replace(
            r#"with { channel: "email", value: 10 }"#,
            r#"with { channel: "sms", value: 10 }"#,
        );
    assert_ne!(
        broken, text,
        "the reference program still has the expectations this test breaks"
    );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken_expectations.seg");
    std::fs::write(&path, broken).expect("write program");
    path
}

#[test]
fn broken_expectation_fails_with_values() {
    let path = broken_program();
    let output = seg_test(&[path.to_str().expect("utf-8 path")]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("test a churned member with SMS consent is won back by SMS ... FAILED"),
        "{text}"
    );
    assert!(text.contains(r#"expected: "m1".recency == 221"#), "{text}");
    assert!(text.contains("found:    222"), "{text}");
    assert!(
        text.contains("from last_order_at = 2025-11-20T12:00:00"),
        "the inputs of the let are shown:\n{text}"
    );
    assert!(
        text.contains(r#"found:    { channel: "email", value: 10"#),
        "the actual payload is shown:\n{text}"
    );
    assert!(text.lines().any(|l| l == "0 passed, 2 failed"), "{text}");
}

#[test]
fn filter_selects_tests_by_name() {
    let output = seg_test(&["../shared/spec/examples", "--filter", "welcome"]);
    let text = stdout(&output);
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn junit_report_parses() {
    let path = broken_program();
    let junit = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seg-test-junit.xml");
    let _ = seg_test(&[
        path.to_str().expect("utf-8 path"),
        "--junit",
        junit.to_str().expect("utf-8 path"),
    ]);
    let script = "import sys, junitparser\n\
        xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n\
        cases = [c for s in xml for c in s]\n\
        print(len(cases), sum(1 for c in cases if not c.is_passed))\n";
    let parsed = Command::new("python3")
        .args(["-c", script])
        .arg(&junit)
        .output()
        .expect("python3 runs");
    if !parsed.status.success()
        && std::env::var_os("CI").is_none()
        && String::from_utf8_lossy(&parsed.stderr).contains("No module named")
    {
        return; // junitparser is installed by .ci/run; locally it may be missing
    }
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    assert_eq!(stdout(&parsed).trim(), "2 2", "two test cases, both failed");
}

#[test]
fn dataset_expectations_pass_and_fail_with_what_was_found() {
    let output = seg_test(&["tests/fixtures/seg_test/dataset_expectations.seg"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("test the data set as a whole ... ok"),
        "{text}"
    );
    assert!(
        text.contains("test a data set that breaks its expectations ... FAILED"),
        "{text}"
    );
    assert!(text.contains("found:    1 in none, e.g. \"b\""), "{text}");
    assert!(
        text.contains("expected: share(big) < 10%") && text.contains("found:    50.00% (1 of 2)"),
        "{text}"
    );
    assert!(
        text.contains("expected: overlap(big, thank_vips) == 0"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "1 passed, 1 failed"), "{text}");
}
