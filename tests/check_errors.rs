//! Check stage tests: a data-driven corpus of programs that parse but do not check, each
//! snapshotted with its rendered diagnostics (`tests/fixtures/check/`), programs that must
//! check cleanly (`tests/fixtures/check/ok/`), and the exit codes and JSON output of
//! `seg check`. Diagnostics that could be better are listed in
//! `tests/bad_error_messages.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use seg::CompileError;
use seg::diagnostics::render_human;

// ───────────────────────────── Helpers ─────────────────────────────

/// The crate root; integration tests run there, and fixture paths are relative to it.
fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's path relative to the crate root, so that the paths printed in diagnostics
/// (and so the snapshots) do not depend on where the crate is checked out.
///
/// The working directory is set to the crate root (cargo already starts integration tests
/// there; setting it again is harmless for tests running in parallel).
fn relative(path: &Path) -> PathBuf {
    std::env::set_current_dir(crate_root()).expect("the crate root is a directory");
    path.strip_prefix(crate_root())
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// What compiling a fixture gave: its sources (path and text, root first) and every
/// diagnostic rendered without colour.
struct Outcome {
    sources: Vec<(PathBuf, String)>,
    diagnostics: Vec<String>,
}

/// Compiles a fixture (by its relative path) and renders every diagnostic.
///
/// Syntax errors panic: a fixture of the check corpus must parse.
fn compile(path: &Path) -> Outcome {
    match seg::compile(path) {
        Ok((program, _)) => Outcome {
            sources: program
                .sources
                .iter()
                .map(|(_, file)| (file.path.clone(), file.text.clone()))
                .collect(),
            diagnostics: Vec::new(),
        },
        Err(CompileError::Syntax(sources, errors)) => {
            let rendered: String = errors
                .iter()
                .map(|error| render_human(error, &sources, false))
                .collect();
            panic!(
                "{} must parse to be a check fixture, but:\n{rendered}",
                path.display()
            )
        }
        Err(CompileError::Check(sources, errors)) => Outcome {
            diagnostics: errors
                .iter()
                .map(|error| render_human(error, &sources, false))
                .collect(),
            sources: sources
                .iter()
                .map(|(_, file)| (file.path.clone(), file.text.clone()))
                .collect(),
        },
    }
}

/// The `.seg` files of a folder of the crate, sorted.
fn seg_files(folder: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(crate_root().join(folder))
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", folder.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .map(|path| relative(&path))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", folder.display());
    paths
}

/// Runs the `seg` binary from the crate root.
fn seg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(crate_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the seg binary runs")
}

/// What a finished `seg` run printed, for assertion messages.
fn printed(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ───────────────────────────── The error corpus ─────────────────────────────

#[test]
fn check_error_snapshots() {
    insta::glob!("fixtures/check/{*.seg,*/main.seg}", |path| {
        let path = relative(path);
        let outcome = compile(&path);
        assert!(
            !outcome.diagnostics.is_empty(),
            "{} is in the error corpus but checks cleanly: move it to fixtures/check/ok/ \
             or make it show the error it is named after",
            path.display()
        );
        let mut snapshot = String::new();
        for (i, (file, text)) in outcome.sources.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(snapshot, "----- SOURCE\n{text}");
            } else {
                let _ = writeln!(snapshot, "----- SOURCE {}\n{text}", file.display());
            }
        }
        let _ = write!(
            snapshot,
            "----- DIAGNOSTICS\n{}",
            outcome.diagnostics.join("\n")
        );
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn ok_fixtures_check_cleanly() {
    for path in seg_files(Path::new("tests/fixtures/check/ok")) {
        let outcome = compile(&path);
        assert!(
            outcome.diagnostics.is_empty(),
            "{} must check cleanly, but:\n{}",
            path.display(),
            outcome.diagnostics.join("\n")
        );
    }
}

/// Programs the checker should reject but currently accepts (see
/// `tests/bad_error_messages.md`). When the checker learns to reject one, this test
/// fails: move the fixture up into `fixtures/check/` and accept its snapshot.
#[test]
fn diagnostics_come_sorted_by_position() {
    let path = relative(&crate_root().join("tests/fixtures/check/many_errors_sorted.seg"));
    let Err(CompileError::Check(_, errors)) = seg::compile(&path) else {
        panic!("{} must fail the check", path.display());
    };
    assert!(errors.len() >= 4, "expected 4 or more errors: {errors:?}");
    let spans: Vec<_> = errors.iter().map(seg::check::CheckError::span).collect();
    let mut sorted = spans.clone();
    sorted.sort();
    assert_eq!(spans, sorted);
}

// ───────────────────────────── `seg check` ─────────────────────────────

#[test]
fn seg_check_exits_1_on_an_error_fixture() {
    let output = seg(&["check", "tests/fixtures/check/unknown_name.seg"]);
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("seg::check::unknown_name"),
        "{}",
        printed(&output)
    );
}

#[test]
fn seg_check_exits_0_on_the_reference_programs() {
    let mut paths = seg_files(Path::new("../shared/spec/examples"));
    paths.push(PathBuf::from("../shared/bench/bench.seg"));
    for path in paths {
        let path = path.to_str().expect("a UTF-8 path");
        let output = seg(&["check", path]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{path}: {}",
            printed(&output)
        );
    }
}

#[test]
fn seg_check_exits_0_on_the_ok_fixtures() {
    let output = seg(&["check", "tests/fixtures/check/ok"]);
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
}

#[test]
fn seg_check_exits_2_on_a_missing_path() {
    let output = seg(&["check", "tests/fixtures/check/no_such_file.seg"]);
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
}

#[test]
fn seg_check_json_gives_code_line_and_column() {
    let output = seg(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/unknown_name.seg",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", printed(&output)));
    let diagnostics = json.as_array().expect("a JSON array of diagnostics");
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "seg::check::unknown_name", "{json:#}");
    assert_eq!(
        diagnostic["file"], "tests/fixtures/check/unknown_name.seg",
        "{json:#}"
    );
    // `let recency = days_between(last_ordr_at, as_of)` is line 16; columns count from 1.
    let source = std::fs::read_to_string("tests/fixtures/check/unknown_name.seg")
        .expect("the fixture is readable");
    let line = source.lines().nth(15).expect("line 16 exists");
    let column = line
        .find("last_ordr_at")
        .expect("the misspelt name is on line 16")
        + 1;
    assert_eq!(diagnostic["line"], 16, "{json:#}");
    assert_eq!(diagnostic["column"], column, "{json:#}");
    assert_eq!(diagnostic["end_line"], 16, "{json:#}");
    assert_eq!(
        diagnostic["end_column"],
        column + "last_ordr_at".len(),
        "{json:#}"
    );
    assert_eq!(
        diagnostic["help"], "did you mean `last_order_at`?",
        "{json:#}"
    );
}
