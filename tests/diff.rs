//! `seg diff`: snapshots of its renderings on a hand-made program pair
//! (`tests/fixtures/diff/`), its migration matrix checked against counts taken from two
//! `seg run` outputs, its exit codes and its input errors; and `seg dry-run --compare`,
//! which compares an earlier run's `assignments.csv` with the code of `seg diff`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

const AS_OF: &str = "2026-06-30";

/// What one `seg` command did.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Exit code and standard output, for snapshots.
    fn shown(&self) -> String {
        format!("exit: {}\n{}", self.code, self.stdout)
    }

    /// Exit code and standard error, for snapshots of failures.
    fn failure(&self) -> String {
        format!("exit: {}\n{}", self.code, self.stderr)
    }

    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout).expect("seg diff --format json prints JSON")
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

/// Runs `seg ARGS` in `dir`.
fn seg(dir: &Path, args: &[&str]) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("seg runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

/// `seg diff OLD NEW` on the fixture data, with more arguments.
fn fixture_diff(old: &str, new: &str, more: &[&str]) -> Outcome {
    let mut args = vec!["diff", old, new, "--as-of", AS_OF];
    args.extend([
        "--data",
        "customer=customers.csv",
        "--data",
        "orders=orders.csv",
    ]);
    args.extend(more);
    seg(&fixtures(), &args)
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "fixtures/diff/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn human_output() {
    snapshot!("human", fixture_diff("old.seg", "new.seg", &[]).shown());
}

#[test]
fn markdown_output() {
    let out = fixture_diff("old.seg", "new.seg", &["--format", "markdown"]);
    assert_eq!(
        out.stdout.lines().next(),
        Some("### 81.3% of 16 customers change assignment")
    );
    snapshot!("markdown", out.shown());
}

#[test]
fn json_output() {
    let out = fixture_diff("old.seg", "new.seg", &["--format", "json", "--sample", "2"]);
    snapshot!("json", out.shown());
}

#[test]
fn identical_programs_give_an_empty_diff() {
    let out = fixture_diff("old.seg", "old.seg", &["--fail-if-moved", "0%"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("identical", out.shown());
    let json = fixture_diff("old.seg", "old.seg", &["--format", "json"]).json();
    assert_eq!(json["changed"]["count"], 0);
    assert_eq!(json["campaign_changed"]["count"], 0);
    for s in json["segmentations"].as_array().expect("segmentations") {
        assert_eq!(s["moved"], 0, "{}", s["name"]);
        assert_eq!(s["moves"], Json::Array(Vec::new()));
    }
    for s in json["segments"].as_array().expect("segments") {
        assert_eq!(s["entries"]["count"], 0, "{}", s["name"]);
        assert_eq!(s["exits"]["count"], 0, "{}", s["name"]);
    }
    for c in json["campaigns"].as_array().expect("campaigns") {
        assert_eq!(c["old"], c["new"], "{}", c["name"]);
        assert_eq!(c["changed"], 0, "{}", c["name"]);
    }
}

#[test]
fn fail_if_moved_exit_codes() {
    // 13 of 16 customers (81.25%) change assignment.
    let share = fixture_diff("old.seg", "new.seg", &["--format", "json"]).json();
    assert_eq!(share["changed"]["count"], 13);
    for (limit, code) in [
        ("81%", 1),
        ("81.25%", 0),
        ("90", 0),
        ("0.5%", 1),
        ("100%", 0),
    ] {
        let out = fixture_diff("old.seg", "new.seg", &["--fail-if-moved", limit]);
        assert_eq!(out.code, code, "--fail-if-moved {limit}: {}", out.stderr);
        assert_eq!(
            out.stderr.contains("more than"),
            code == 1,
            "{}",
            out.stderr
        );
    }
    let out = fixture_diff("old.seg", "new.seg", &["--fail-if-moved", "120%"]);
    assert_eq!(out.code, 2, "a threshold above 100% is a usage error");
}

#[test]
fn data_may_belong_to_one_program() {
    let out = fixture_diff(
        "old.seg",
        "visits.seg",
        &["--data", "visits=visits.csv", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["changed"]["count"], 2);
    let browsing = &json["segments"][1];
    assert_eq!(browsing["name"], "browsing");
    assert_eq!(browsing["in"], "new");
    assert_eq!(
        browsing["entries"]["sample"],
        serde_json::json!(["c03", "c07"])
    );
}

#[test]
fn a_program_without_its_data_is_an_error() {
    snapshot!(
        "missing_data",
        fixture_diff("old.seg", "visits.seg", &[]).failure()
    );
}

#[test]
fn unknown_inputs_are_errors() {
    let data = fixture_diff("old.seg", "new.seg", &["--data", "order=orders.csv"]);
    snapshot!("unknown_data", data.failure());
    let param = fixture_diff("old.seg", "new.seg", &["--param", "churn_days=30"]);
    snapshot!("unknown_param", param.failure());
}

/// A fresh folder under the target's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("diff")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn entities_only_in_one_run_are_added_or_removed() {
    let dir = scratch("added_removed");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write(
        "old.seg",
        "entity customer key id { id: string\n score: int }\nsegment high when score >= 5\n",
    );
    write(
        "new.seg",
        "entity client key id { id: string\n score: int }\nsegment high when score >= 6\n",
    );
    write("customers.csv", "id,score\nk1,9\nk2,5\nk3,6\nk4,1\n");
    write("clients.csv", "id,score\nk2,5\nk3,6\nk4,1\nk5,7\n");
    let args = [
        "diff", "old.seg", "new.seg", "--as-of", AS_OF, "--format", "json",
    ];
    let bindings = [
        "--data",
        "customer=customers.csv",
        "--data",
        "client=clients.csv",
    ];
    let out = seg(&dir, &[&args[..], &bindings[..]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let entities = &json["entities"];
    assert_eq!(entities["both"], 3);
    assert_eq!(entities["added"]["sample"], serde_json::json!(["k5"]));
    assert_eq!(entities["removed"]["sample"], serde_json::json!(["k1"]));
    // k2 leaves `high`; k1 and k5 are in one run only.
    assert_eq!(
        json["changed"]["sample"],
        serde_json::json!(["k1", "k2", "k5"])
    );
    assert_eq!(
        json["segments"][0]["exits"]["sample"],
        serde_json::json!(["k2"])
    );
    let human = seg(&dir, &[&args[..5], &bindings[..]].concat());
    snapshot!("added_removed", human.shown());
}

/// The retail example with its lifecycle thresholds moved: active within 60 days (was
/// 90), lost beyond 300 (was 365).
fn retail_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let old = root.join("rules/retail/membership.seg");
    let text = std::fs::read_to_string(&old).expect("membership.seg");
    let changed = text
        .replace("active_days: int = 90", "active_days: int = 60")
        .replace("lost_days: int = 365", "lost_days: int = 300");
    assert_ne!(
        changed, text,
        "the thresholds to move are in membership.seg"
    );
    let new = dir.join("membership.seg");
    std::fs::write(&new, changed).expect("write the new program");
    std::fs::copy(root.join("rules/retail/schema.seg"), dir.join("schema.seg"))
        .expect("copy schema.seg");
    (old, new)
}

/// `--data` arguments for the retail example data.
fn retail_data() -> Vec<String> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retail");
    [
        "member=members.csv",
        "orders=orders.csv",
        "messages=messages.csv",
    ]
    .iter()
    .flat_map(|binding| {
        let (name, file) = binding.split_once('=').expect("NAME=FILE");
        let path = data.join(file).display().to_string();
        ["--data".to_string(), format!("{name}={path}")]
    })
    .collect()
}

/// `assignments.csv` of a `seg run`: its header and its rows by key.
struct Assignments {
    header: Vec<String>,
    rows: BTreeMap<String, Vec<String>>,
}

impl Assignments {
    /// Runs `seg run` and reads what it wrote.
    fn of(program: &Path, out: &Path) -> Assignments {
        let mut args = vec!["run".to_string(), program.display().to_string()];
        args.extend(retail_data());
        args.extend(["--as-of", AS_OF, "--out"].map(String::from));
        args.push(out.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = seg(Path::new(env!("CARGO_MANIFEST_DIR")), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut reader = csv::Reader::from_path(out.join("assignments.csv")).expect("assignments");
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                let cells: Vec<String> = r.expect("row").iter().map(String::from).collect();
                (cells[0].clone(), cells)
            })
            .collect();
        Assignments { header, rows }
    }

    /// A named column of one entity ("" when the program has no such column).
    fn cell(&self, key: &str, column: &str) -> String {
        let i = self.header.iter().position(|h| h == column);
        i.map(|i| self.rows[key][i].clone()).unwrap_or_default()
    }

    /// The `;`-separated items of a list column, as a set.
    fn set(&self, key: &str, column: &str) -> BTreeSet<String> {
        let cell = self.cell(key, column);
        cell.split(';')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

/// (old segment, new segment) → count, over the keys of both runs ("" is no segment).
fn pair_counts(
    old: &Assignments,
    new: &Assignments,
    column: &str,
) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for key in old.rows.keys().filter(|k| new.rows.contains_key(*k)) {
        let pair = (old.cell(key, column), new.cell(key, column));
        *counts.entry(pair).or_insert(0) += 1;
    }
    counts
}

/// The JSON matrix of one segmentation as (row, column) → count ("" is `null`).
fn json_matrix(segmentation: &Json) -> BTreeMap<(String, String), u64> {
    let label = |v: &Json| v.as_str().unwrap_or_default().to_string();
    let rows = segmentation["rows"].as_array().expect("rows");
    let columns = segmentation["columns"].as_array().expect("columns");
    let mut cells = BTreeMap::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, column) in columns.iter().enumerate() {
            let n = segmentation["matrix"][r][c].as_u64().expect("count");
            if n > 0 {
                cells.insert((label(row), label(column)), n);
            }
        }
    }
    cells
}

/// Keys whose assignment differs between the runs, by an independent reading of both
/// `assignments.csv` files (campaign lists compared as sets).
fn changed_keys(old: &Assignments, new: &Assignments, segmentations: &[String]) -> (u64, u64) {
    let (mut any, mut campaigns) = (0, 0);
    for key in old.rows.keys() {
        let campaign = old.set(key, "campaigns") != new.set(key, "campaigns");
        let segmentation = segmentations
            .iter()
            .any(|s| old.cell(key, s) != new.cell(key, s));
        let segment = old.set(key, "segments") != new.set(key, "segments");
        campaigns += u64::from(campaign);
        any += u64::from(campaign || segmentation || segment);
    }
    (any, campaigns)
}

#[test]
fn matrix_matches_two_seg_runs() {
    let dir = scratch("retail");
    let (old_program, new_program) = retail_pair(&dir);
    let old = Assignments::of(&old_program, &dir.join("old_out"));
    let new = Assignments::of(&new_program, &dir.join("new_out"));
    assert_eq!(old.rows.len(), new.rows.len());

    let mut args = vec!["diff".to_string(), old_program.display().to_string()];
    args.push(new_program.display().to_string());
    args.extend(retail_data());
    args.extend(["--as-of", AS_OF, "--format", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let diff = seg(Path::new(env!("CARGO_MANIFEST_DIR")), &args);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let json = diff.json();

    let mut names = Vec::new();
    for s in json["segmentations"].as_array().expect("segmentations") {
        let name = s["name"].as_str().expect("name").to_string();
        let expected = pair_counts(&old, &new, &name);
        assert_eq!(json_matrix(s), expected, "matrix of `{name}`");
        let moved: u64 = expected
            .iter()
            .filter(|((a, b), _)| a != b)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(s["moved"], moved, "moved in `{name}`");
        names.push(name);
    }
    assert_eq!(names, ["lifecycle", "rfm"]);
    assert!(json["segmentations"][0]["moved"].as_u64() > Some(100));

    let (any, campaigns) = changed_keys(&old, &new, &names);
    assert_eq!(json["changed"]["count"], any);
    assert_eq!(json["campaign_changed"]["count"], campaigns);
    assert!(campaigns > 0, "moving `lost` changes birthday_treat");
    assert_eq!(json["entities"]["both"], old.rows.len() as u64);
}

/// `seg dry-run NEW --compare` the `assignments.csv` of `seg run OLD` (run with `more`
/// arguments) on the fixture data: the report's `compare` object.
fn compare_with_run_of(old: &str, new: &str, dir: &Path, more: &[&str]) -> Json {
    let out = dir.join("out").display().to_string();
    let data = [
        "--data",
        "customer=customers.csv",
        "--data",
        "orders=orders.csv",
    ];
    let mut run = vec!["run", old, "--as-of", AS_OF, "--out", &out];
    run.extend(data);
    run.extend(more);
    let ran = seg(&fixtures(), &run);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let previous = dir.join("out/assignments.csv").display().to_string();
    let json = dir.join("report.json").display().to_string();
    let mut args = vec!["dry-run", new, "--as-of", AS_OF, "--sample", "3"];
    args.extend(["--compare", &previous, "--json", &json]);
    args.extend(data);
    let dry_run = seg(&fixtures(), &args);
    assert_eq!(dry_run.code, 0, "{}", dry_run.stderr);
    let text = std::fs::read_to_string(&json).expect("the JSON report");
    let report: Json = serde_json::from_str(&text).expect("the report is JSON");
    report["compare"].clone()
}

#[test]
fn compare_with_an_earlier_run_is_seg_diff_without_campaign_counts() {
    let diff = fixture_diff("old.seg", "new.seg", &["--format", "json"]).json();
    for (name, more) in [("plain", &[][..]), ("with_values", &["--with-values"][..])] {
        let compare = compare_with_run_of("old.seg", "new.seg", &scratch(name), more);
        for key in [
            "entity",
            "entities",
            "changed",
            "campaign_changed",
            "segmentations",
        ] {
            assert_eq!(compare[key], diff[key], "{name}: `{key}`");
        }
        assert_eq!(compare["segmentations"][2]["in"], "new", "tenure is new");
        // `loyal` is new in new.seg: a file cannot tell it from a segment nobody held, so
        // it is taken as declared before, with nobody in it.
        let mut expected = diff["segments"].clone();
        assert_eq!(expected[1]["name"], "loyal");
        expected[1]["in"] = "both".into();
        assert_eq!(compare["segments"], expected, "{name}: segments");
        let campaigns = compare["campaigns"].as_array().expect("campaigns");
        let names: Vec<&str> = campaigns
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            names,
            ["winback", "thanks"],
            "program order, not the file's"
        );
        for (c, d) in campaigns
            .iter()
            .zip(diff["campaigns"].as_array().expect("campaigns"))
        {
            for key in ["name", "in", "changed", "changes"] {
                assert_eq!(c[key], d[key], "{name}: campaign {}: `{key}`", c["name"]);
            }
            assert!(c.get("old").is_none(), "a file has no campaign counts");
        }
    }
}
