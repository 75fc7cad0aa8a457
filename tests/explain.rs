//! `seg explain`: on `../shared/bench/bench.seg` with `gen_data.py --customers 2000` data,
//! the JSON explanation of sampled keys agrees with `seg run --with-values` (every `let`,
//! segmentation, standalone segment, campaign and action row); snapshots of the human
//! output on a hand-made fixture (`tests/fixtures/explain/`); an unknown key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value as Json;

const AS_OF: &str = "2026-06-30";

/// What one `seg` command did.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
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

fn bench_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/bench.seg")
}

/// The 2000-customer data set and its `seg run --with-values` outputs, made once.
fn bench() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain_bench2k");
        if !dir.join("messages.csv").exists() {
            let status = Command::new("python3")
                .arg(bench_rules().with_file_name("gen_data.py"))
                .args(["--customers", "2000", "--out"])
                .arg(&dir)
                .status()
                .expect("python3 runs gen_data.py");
            assert!(status.success(), "gen_data.py failed");
        }
        let rules = bench_rules();
        let mut args = vec!["run", rules.to_str().expect("UTF-8 path")];
        args.extend(bench_data());
        args.extend(["--out", "out", "--with-values"]);
        let run = seg(&dir, &args);
        assert_eq!(run.code, 0, "seg run failed: {}", run.stderr);
        dir
    })
}

fn bench_data() -> [&'static str; 8] {
    [
        "--data",
        "customer=customers.csv",
        "--data",
        "orders=orders.csv",
        "--data",
        "messages=messages.csv",
        "--as-of",
        AS_OF,
    ]
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("output csv opens");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("csv row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A JSON value as its CSV cell: null is empty, numbers keep their text.
fn cell(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn explain_json(dir: &Path, rules: &str, data: &[&str], key: &str) -> Json {
    let mut args = vec!["explain", rules];
    args.extend(data);
    args.extend(["--key", key, "--format", "json"]);
    let out = seg(dir, &args);
    assert_eq!(
        out.code, 0,
        "seg explain --key {key} failed: {}",
        out.stderr
    );
    serde_json::from_str(&out.stdout).expect("seg explain --format json prints JSON")
}

fn array(value: &Json) -> &Vec<Json> {
    value.as_array().expect("an array")
}

#[test]
fn json_agrees_with_seg_run_with_values() {
    let dir = bench();
    let rows = read_csv(&dir.join("out/assignments.csv"));
    let actions = action_rows(dir);
    let rules = bench_rules();
    for row in rows.iter().step_by(250) {
        let key = &row["customer_id"];
        let x = explain_json(dir, rules.to_str().expect("UTF-8"), &bench_data(), key);
        assert_eq!(x["key"], key.as_str());
        for l in array(&x["lets"]) {
            let name = l["name"].as_str().expect("let name");
            assert_eq!(cell(&l["value"]), row[name], "{key}: let `{name}`");
            assert_eq!(l["value"], l["definition"]["value"], "{key}: `{name}`");
        }
        for s in array(&x["segmentations"]) {
            let name = s["name"].as_str().expect("segmentation name");
            assert_eq!(
                cell(&s["segment"]),
                row[name],
                "{key}: segmentation `{name}`"
            );
            check_tried(key, s);
        }
        let held: Vec<&str> = array(&x["segments"])
            .iter()
            .filter(|s| s["held"] == true)
            .map(|s| s["name"].as_str().expect("segment name"))
            .collect();
        assert_eq!(held.join(";"), row["segments"], "{key}: segments");
        for s in array(&x["segments"]) {
            assert_eq!(
                s["held"],
                s["condition"]["value"] == true,
                "{key}: {}",
                s["name"]
            );
        }
        let joined: Vec<&str> = array(&x["campaigns"])
            .iter()
            .filter_map(|c| c["assignment"].as_str())
            .collect();
        assert_eq!(joined.join(";"), row["campaigns"], "{key}: campaigns");
        let mut expected = actions.get(key.as_str()).cloned().unwrap_or_default();
        expected.sort();
        assert_eq!(emitted(&x), expected, "{key}: actions");
        check_counts(key, &x);
    }
}

/// The segments tried fail, except the last one when it matched.
fn check_tried(key: &str, s: &Json) {
    let tried = array(&s["tried"]);
    for (i, t) in tried.iter().enumerate() {
        let matched = t["matched"] == true;
        assert_eq!(
            matched,
            s["segment"].is_string() && i + 1 == tried.len(),
            "{key}: {t}"
        );
        if !t["condition"].is_null() {
            assert_eq!(
                t["condition"]["value"] == true,
                matched,
                "{key}: {}",
                t["segment"]
            );
        }
    }
}

/// Every `count(...)` aggregate considered as many events as it counts.
fn check_counts(key: &str, node: &Json) {
    match node {
        Json::Object(map) => {
            if let (Some(events), Some(expr)) = (map.get("events"), map.get("expr"))
                && expr.as_str().is_some_and(|e| e.starts_with("count("))
            {
                assert_eq!(events["considered"], map["value"], "{key}: {expr}");
            }
            map.values().for_each(|v| check_counts(key, v));
        }
        Json::Array(items) => items.iter().for_each(|v| check_counts(key, v)),
        _ => {}
    }
}

/// Per key: `action,campaign,variant,payload cells...` of every row in `out/actions/`.
fn action_rows(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for action in ["coupon", "recommend"] {
        for row in read_csv(&dir.join(format!("out/actions/{action}.csv"))) {
            let mut fields: Vec<String> = vec![
                action.into(),
                row["campaign"].clone(),
                row["variant"].clone(),
            ];
            let payload: BTreeMap<&String, &String> = row
                .iter()
                .filter(|(k, _)| !["customer_id", "campaign", "variant"].contains(&k.as_str()))
                .collect();
            fields.extend(payload.iter().map(|(k, v)| format!("{k}={v}")));
            out.entry(row["customer_id"].clone())
                .or_default()
                .push(fields.join(","));
        }
    }
    out
}

/// The same description of the explanation's emitted actions.
fn emitted(x: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for c in array(&x["campaigns"]) {
        for a in array(&c["actions"]) {
            let mut fields = vec![cell(&a["action"]), cell(&c["name"]), cell(&a["variant"])];
            let payload: BTreeMap<&String, &Json> =
                a["payload"].as_object().expect("payload").iter().collect();
            fields.extend(payload.iter().map(|(k, v)| format!("{k}={}", cell(v))));
            out.push(fields.join(","));
        }
    }
    out.sort();
    out
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/explain")
}

const FIXTURE_DATA: [&str; 6] = [
    "--data",
    "customer=customers.csv",
    "--data",
    "orders=orders.csv",
    "--as-of",
    AS_OF,
];

fn explain_fixture(key: &str, more: &[&str]) -> Outcome {
    let mut args = vec!["explain", "rules.seg"];
    args.extend(FIXTURE_DATA);
    args.extend(["--key", key]);
    args.extend(more);
    seg(&fixtures(), &args)
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "fixtures/explain/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn cut_by_the_budget_with_a_counterfactual() {
    let out = explain_fixture("c4", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("c4_cut_by_budget", out.stdout);
}

#[test]
fn accepted_then_no_policy_slot() {
    let out = explain_fixture("c2", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("c2_accepted_then_no_slot", out.stdout);
}

#[test]
fn campaign_statuses_in_json() {
    let status = |key: &str| -> Vec<String> {
        let x = explain_json(&fixtures(), "rules.seg", &FIXTURE_DATA, key);
        array(&x["campaigns"])
            .iter()
            .map(|c| cell(&c["status"]))
            .collect()
    };
    assert_eq!(status("c1"), ["accepted", "not_in_audience", "inactive"]);
    assert_eq!(status("c2"), ["accepted", "no_policy_slot", "inactive"]);
    assert_eq!(status("c3"), ["not_in_audience", "accepted", "inactive"]);
    assert_eq!(status("c4"), ["not_in_audience", "cut", "inactive"]);
    assert_eq!(status("c5"), ["not_in_audience", "skipped", "inactive"]);
    assert_eq!(
        status("c6"),
        ["not_in_audience", "not_in_audience", "inactive"]
    );
}

#[test]
fn unknown_key_suggests_a_near_one() {
    let out = explain_fixture("c44", &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("seg::explain::unknown_key"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("did you mean `c4`?"), "{}", out.stderr);
}
