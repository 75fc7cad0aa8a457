//! Lint stage tests: a fixture per lint (`tests/fixtures/lint/`) snapshotted with its
//! rendered warnings, silencing with `seg:allow`, no false alarms on the reference
//! programs and the project's rules, the examples of `docs/lints.md`, and the warnings
//! through `seg check` (exit codes, summary line, JSON).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use miette::Diagnostic;
use seg::diagnostics::render_human;
use seg::lint::{Lint, lint};
use seg::syntax::Program;

/// Every lint's short code.
const CODES: [&str; 12] = [
    "unreachable_segment",
    "segmentation_gap",
    "never_true",
    "unused_let",
    "unused_param",
    "unused_action",
    "unused_metric",
    "shadowed_name",
    "ntile_too_few",
    "zero_weight_variant",
    "zero_holdout",
    "window_reversed",
];

// ───────────────────────────── Helpers ─────────────────────────────

/// The crate root; fixture paths are relative to it.
fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root (and the working directory set there), so the paths
/// in rendered warnings do not depend on where the crate is checked out.
fn relative(path: &Path) -> PathBuf {
    std::env::set_current_dir(crate_root()).expect("the crate root is a directory");
    path.strip_prefix(crate_root())
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Compiles a program that must check, and lints it.
fn lint_file(path: &Path) -> (Program, Vec<Lint>) {
    let Ok((program, hir)) = seg::compile(path) else {
        panic!("{} must check cleanly to be linted", path.display());
    };
    let lints = lint(&program, &hir);
    (program, lints)
}

/// `code name@line:column` for each lint, for compact assertions.
fn summary(program: &Program, lints: &[Lint]) -> Vec<String> {
    lints
        .iter()
        .map(|l| {
            let span = l.span();
            let (line, col) = program.sources.line_col(span.file, span.start);
            let file = program.sources.get(span.file).path.display().to_string();
            format!("{} {file}:{line}:{col}", l.name())
        })
        .collect()
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

fn printed(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ───────────────────────────── The fixtures ─────────────────────────────

#[test]
fn lint_snapshots() {
    insta::glob!("fixtures/lint/{*.seg,*/main.seg}", |path| {
        let path = relative(path);
        let (program, lints) = lint_file(&path);
        let mut snapshot = String::new();
        for (i, (_, file)) in program.sources.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(snapshot, "----- SOURCE\n{}", file.text);
            } else {
                let _ = writeln!(
                    snapshot,
                    "----- SOURCE {}\n{}",
                    file.path.display(),
                    file.text
                );
            }
        }
        let rendered: Vec<String> = lints
            .iter()
            .map(|l| render_human(l, &program.sources, false))
            .collect();
        let _ = write!(snapshot, "----- WARNINGS\n{}", rendered.join("\n"));
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn every_lint_has_a_fixture_that_shows_it() {
    for code in CODES {
        let path = relative(&crate_root().join(format!("tests/fixtures/lint/{code}.seg")));
        let (program, lints) = lint_file(&path);
        assert!(
            lints.iter().any(|l| l.name() == code),
            "{} does not show `{code}`: {:?}",
            path.display(),
            summary(&program, &lints)
        );
    }
}

#[test]
fn codes_are_the_short_names_under_seg_lint() {
    for path in fixture_paths() {
        let (_, lints) = lint_file(&path);
        for l in &lints {
            let code = l.code().map(|c| c.to_string());
            assert_eq!(code, Some(format!("seg::lint::{}", l.name())));
            assert!(CODES.contains(&l.name()), "{} is not in CODES", l.name());
            assert_eq!(seg::diagnostics::severity_of(l), "warning");
        }
    }
}

#[test]
fn lints_come_sorted_by_position() {
    for path in fixture_paths() {
        let (_, lints) = lint_file(&path);
        let spans: Vec<_> = lints.iter().map(Lint::span).collect();
        let mut sorted = spans.clone();
        sorted.sort();
        assert_eq!(spans, sorted, "{}", path.display());
    }
}

#[test]
fn seg_allow_silences_only_what_it_stands_above() {
    let path = relative(&crate_root().join("tests/fixtures/lint/allow.seg"));
    let (program, lints) = lint_file(&path);
    assert_eq!(
        summary(&program, &lints),
        [
            "unused_let tests/fixtures/lint/allow.seg:18:5",
            "unreachable_segment tests/fixtures/lint/allow.seg:33:11",
        ]
    );
}

/// The lint fixtures, sorted.
fn fixture_paths() -> Vec<PathBuf> {
    let folder = crate_root().join("tests/fixtures/lint");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("the lint fixtures")
        .map(|entry| entry.expect("a directory entry").path())
        .map(|path| {
            if path.is_dir() {
                path.join("main.seg")
            } else {
                path
            }
        })
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .map(|path| relative(&path))
        .collect();
    paths.sort();
    paths
}

// ───────────────────────────── The analysis, case by case ─────────────────────────────

/// The schema the cases below are written against.
const CASE_SCHEMA: &str = r#"
entity customer key customer_id {
  customer_id: string
  score: int
  ratio: decimal
  signup_date: date
  seen_at: datetime?
  tier: enum("basic", "gold")?
}
events orders time ordered_at {
  customer_id: string
  ordered_at: datetime
  amount: decimal
}
"#;

/// The lints of a program made of the case schema and `items`, as `name@line`.
fn case_lints(name: &str, items: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lints_case_{name}.seg"));
    std::fs::write(&path, format!("{CASE_SCHEMA}{items}")).expect("write the case");
    let Ok((program, hir)) = seg::compile(&path) else {
        panic!("case `{name}` does not check:\n{items}");
    };
    lint(&program, &hir)
        .iter()
        .map(|l| {
            let span = l.span();
            let line = program.sources.line_col(span.file, span.start).0;
            format!("{}@{}", l.name(), line - CASE_SCHEMA.lines().count())
        })
        .collect()
}

#[test]
fn the_analysis_reads_each_case_as_expected() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "int_steps",
            "segmentation s {\n  segment a when score >= 4\n  segment b when score > 3\n  segment c otherwise\n}\n",
            &["unreachable_segment@3"],
        ),
        (
            "decimal_is_dense",
            "segmentation s {\n  segment a when ratio >= 4\n  segment b when ratio > 3\n  segment c otherwise\n}\n",
            &[],
        ),
        (
            "percent_constants",
            "segment a when ratio > 50% and ratio < 0.4\n",
            &["never_true@1"],
        ),
        (
            "dates_are_whole_days",
            "segment a when signup_date > 2026-01-01 and signup_date < 2026-01-02\n",
            &["never_true@1"],
        ),
        (
            "a_date_against_a_datetime_is_left_alone",
            "segment a when signup_date > 2026-01-01T12:00:00 and signup_date < 2026-01-02\n",
            &[],
        ),
        (
            "datetimes_are_dense",
            "segment a when seen_at > 2026-01-01T00:00:00 and seen_at < 2026-01-01T00:00:01\n",
            &[],
        ),
        (
            "a_nullable_enum_has_a_null_gap",
            "segmentation s {\n  segment a when tier == \"basic\"\n  segment b when tier != \"basic\"\n}\n",
            &["segmentation_gap@1"],
        ),
        (
            "is_null_closes_the_gap",
            "segmentation s {\n  segment a when tier == \"basic\"\n  segment b when tier != \"basic\" or tier is null\n}\n",
            &[],
        ),
        (
            "not_follows_three_valued_logic",
            "segmentation s {\n  segment a when not tier == \"basic\"\n  segment b when tier == \"gold\"\n  segment c when tier is null\n  segment d otherwise\n}\n",
            &["unreachable_segment@3"],
        ),
        (
            "two_values_are_no_gap",
            "segmentation s {\n  segment a when score > 5 and ratio > 1\n  segment b when score <= 5\n}\n",
            &[],
        ),
        (
            "several_values_can_still_cover",
            "segmentation s {\n  segment a when score > 5\n  segment b when ratio > 1\n  segment c when score >= 6 or ratio >= 2\n  segment d otherwise\n}\n",
            &["unreachable_segment@4"],
        ),
        (
            "a_repeated_where_is_reported_once",
            "let a = count(orders where amount > 5 and amount < 3)\nlet b = count(orders where amount > 5 and amount < 3)\nsegment s when a + b > 0\n",
            &["never_true@1"],
        ),
        (
            "false_is_never_true",
            "segment a when false\n",
            &["never_true@1"],
        ),
    ];
    for (name, items, expected) in cases {
        assert_eq!(
            &case_lints(name, items),
            expected,
            "case `{name}`:\n{items}"
        );
    }
}

// ───────────────────────────── No false alarms ─────────────────────────────

/// The reference programs and the project's rules, with the findings each has: every
/// one is a true finding (see the comments), anything else is a false alarm.
#[test]
fn reference_programs_and_rules_give_no_false_alarms() {
    let expected: [(&str, &[&str]); 7] = [
        // `card_spend` is defined and used nowhere.
        (
            "../shared/spec/examples/bank_tiers.seg",
            &["unused_let ../shared/spec/examples/bank_tiers.seg:24:5"],
        ),
        ("../shared/spec/examples/retail_membership.seg", &[]),
        ("../shared/spec/examples/tobacco_retail.seg", &[]),
        ("../shared/bench/bench.seg", &[]),
        ("rules/bank/tiers.seg", &[]),
        ("rules/retail/membership.seg", &[]),
        ("rules/tobacco/supply.seg", &[]),
    ];
    for (path, findings) in expected {
        let (program, lints) = lint_file(&relative(&crate_root().join(path)));
        assert_eq!(summary(&program, &lints), findings, "{path}");
    }
}

// ───────────────────────────── docs/lints.md ─────────────────────────────

/// The `seg` code blocks of `docs/lints.md`: (section code, fence info, text).
fn doc_blocks() -> Vec<(String, String, String)> {
    let markdown = std::fs::read_to_string(crate_root().join("docs/lints.md")).expect("docs");
    let mut blocks = Vec::new();
    let mut section = String::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, heading) if heading.starts_with("## ") => {
                section = heading
                    .trim_start_matches("## ")
                    .trim_matches('`')
                    .to_string();
            }
            (None, fence) if fence.starts_with("```seg") => {
                let info = fence.trim_start_matches("```seg").trim().to_string();
                current = Some((info, String::new()));
            }
            (Some((info, text)), "```") => {
                blocks.push((section.clone(), std::mem::take(info), std::mem::take(text)));
                current = None;
            }
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Lints an example of the docs, with the docs' schema in front of it.
fn lint_example(schema: &str, example: &str, name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lints_doc_{name}.seg"));
    std::fs::write(&path, format!("{schema}\n{example}")).expect("write the example");
    match seg::compile(&path) {
        Ok((program, hir)) => lint(&program, &hir)
            .iter()
            .map(|l| l.name().to_string())
            .collect(),
        Err(_) => panic!("this example of docs/lints.md does not check:\n{example}"),
    }
}

#[test]
fn docs_examples_good_check_cleanly_and_bad_show_their_lint() {
    let blocks = doc_blocks();
    let schema = blocks
        .iter()
        .find(|(_, info, _)| info == "schema")
        .map(|(_, _, text)| text.clone())
        .expect("docs/lints.md has a schema block");
    for (i, (section, info, text)) in blocks.iter().enumerate() {
        let found = match info.as_str() {
            "schema" => continue,
            "good" | "bad" => lint_example(&schema, text, &format!("{i}_{info}")),
            other => panic!("unknown block `seg {other}` in docs/lints.md"),
        };
        if info == "good" {
            assert!(found.is_empty(), "a good example warns {found:?}:\n{text}");
        } else {
            assert!(
                found.contains(section),
                "a bad example of `{section}` shows {found:?}:\n{text}"
            );
        }
    }
}

#[test]
fn docs_describe_every_lint_with_a_bad_and_a_good_example() {
    let blocks = doc_blocks();
    for code in CODES {
        for kind in ["bad", "good"] {
            assert!(
                blocks.iter().any(|(s, info, _)| s == code && info == kind),
                "docs/lints.md has no {kind} example for `{code}`"
            );
        }
    }
}

// ───────────────────────────── `seg check` ─────────────────────────────

#[test]
fn seg_check_passes_with_warnings_and_fails_with_deny_warnings() {
    let fixture = "tests/fixtures/lint/unused_param.seg";
    let output = seg(&["check", fixture]);
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("seg::lint::unused_param"),
        "{}",
        printed(&output)
    );
    assert!(
        stderr.contains("checked 1 file: 0 errors, 2 warnings"),
        "{}",
        printed(&output)
    );
    let denied = seg(&["check", "--deny-warnings", fixture]);
    assert_eq!(denied.status.code(), Some(1), "{}", printed(&denied));
}

#[test]
fn seg_check_deny_warnings_passes_a_clean_program() {
    let output = seg(&["check", "--deny-warnings", "../shared/bench/bench.seg"]);
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("0 errors, 0 warnings"),
        "{}",
        printed(&output)
    );
}

#[test]
fn seg_check_json_marks_lints_as_warnings() {
    let output = seg(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/lint/window_reversed.seg",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", printed(&output)));
    let diagnostics = json.as_array().expect("a JSON array of diagnostics");
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    assert_eq!(diagnostics[0]["severity"], "warning", "{json:#}");
    assert_eq!(
        diagnostics[0]["code"], "seg::lint::window_reversed",
        "{json:#}"
    );
    assert_eq!(diagnostics[0]["line"], 14, "{json:#}");
}
