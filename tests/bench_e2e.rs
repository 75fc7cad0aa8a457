//! End to end: `../shared/bench/bench.seg` on `gen_data.py --customers 2000` data.
//!
//! Checks the invariants of a run (one row per entity, counts that add up, budget and
//! cap respected, determinism) and, where the Python `duckdb` package is installed (CI
//! installs it), that seg writes exactly what the DuckDB oracle writes — also with a
//! small budget and cap so that the walk really cuts.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

mod common;

const AS_OF: &str = "2026-06-30";

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench")
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The 2000-customer data set.
fn data() -> PathBuf {
    common::generated(2000)
}

/// The 100k-customer data set (its orders file is large enough to be read in parallel parts).
fn data_100k() -> PathBuf {
    common::generated(100_000)
}

/// `seg run RULES` on a data set's three files (`orders` may be replaced), with extra
/// environment variables.
fn seg_command(
    rules: &Path,
    data: &Path,
    orders: &Path,
    out: &Path,
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seg"));
    command
        .arg("run")
        .arg(rules)
        .arg(format!(
            "--data=customer={}",
            data.join("customers.csv").display()
        ))
        .arg(format!("--data=orders={}", orders.display()))
        .arg(format!(
            "--data=messages={}",
            data.join("messages.csv").display()
        ))
        .args(["--as-of", AS_OF, "-q", "--out"])
        .arg(out);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("seg runs")
}

fn seg_run(rules: &Path, out: &Path) {
    let data = data();
    let output = seg_command(rules, &data, &data.join("orders.csv"), out, &[]);
    assert!(
        output.status.success(),
        "seg run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("output csv opens");
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("csv row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn summary(out: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json"))
        .expect("summary is JSON")
}

fn count(json: &Json) -> u64 {
    json.as_u64().expect("a count")
}

#[test]
fn bench_outputs_are_deterministic() {
    let rules = shared().join("bench.seg");
    let (a, b) = (tmp("bench_run_a"), tmp("bench_run_b"));
    seg_run(&rules, &a);
    seg_run(&rules, &b);
    for file in [
        "assignments.csv",
        "actions/coupon.csv",
        "actions/recommend.csv",
        "summary.json",
    ] {
        let (x, y) = (
            std::fs::read(a.join(file)).expect("first"),
            std::fs::read(b.join(file)).expect("second"),
        );
        assert!(x == y, "{file} differs between two runs");
    }
}

#[test]
fn bench_invariants_hold() {
    let out = tmp("bench_invariants");
    seg_run(&shared().join("bench.seg"), &out);
    let (header, rows) = read_csv(&out.join("assignments.csv"));
    assert_eq!(
        header,
        ["customer_id", "rfm", "lifecycle", "segments", "campaigns"]
    );
    assert_eq!(rows.len(), 2000, "one row per customer");
    let keys: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(
        keys.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()),
        "sorted by key, no duplicates"
    );
    assert!(
        rows.iter()
            .all(|r| r[4].split(';').filter(|c| !c.is_empty()).count() <= 1),
        "policy: one campaign each"
    );

    let s = summary(&out);
    assert_eq!(count(&s["entities"]), 2000);
    for (name, sizes) in s["segmentations"].as_object().expect("segmentations") {
        let total: u64 = sizes.as_object().expect("sizes").values().map(count).sum();
        assert_eq!(total, 2000, "segmentation {name} covers everyone");
    }
    let events: u64 = s["events"]
        .as_object()
        .expect("events")
        .values()
        .map(|e| count(&e["read"]))
        .sum();
    assert_eq!(events, count(&s["events_read"]));

    let (_, coupons) = read_csv(&out.join("actions/coupon.csv"));
    for (name, c) in s["campaigns"].as_object().expect("campaigns") {
        let accepted = count(&c["holdout"]) + count(&c["treated"]);
        assert_eq!(
            count(&c["eligible"]),
            count(&c["skipped"]) + accepted + count(&c["cut"]),
            "{name}: funnel adds up"
        );
        let per_variant: u64 = c["variants"]
            .as_object()
            .expect("variants")
            .values()
            .map(count)
            .sum();
        assert_eq!(
            per_variant,
            count(&c["treated"]),
            "{name}: variants add up to treated"
        );
        let listed = rows
            .iter()
            .filter(|r| r[4].starts_with(&format!("{name}:")))
            .count() as u64;
        assert_eq!(
            listed, accepted,
            "{name}: accepted entities appear in assignments.csv"
        );
    }
    let at_risk = &s["campaigns"]["save_at_risk"];
    let cost: f64 = coupons
        .iter()
        .filter(|r| r[1] == "save_at_risk")
        .map(|r| r[6].parse::<f64>().expect("cost"))
        .sum();
    assert!(cost <= 250_000.0, "treated cost stays within the budget");
    assert_eq!(
        cost,
        at_risk["total_cost"].as_f64().expect("total_cost"),
        "summary cost = sum of action costs"
    );
    assert!(
        count(&s["campaigns"]["winback"]["treated"]) <= 100_000,
        "cap respected"
    );
    let coupon_keys: HashSet<(&str, &str)> = coupons
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        coupon_keys.len(),
        coupons.len(),
        "one coupon per treated entity and campaign"
    );
}

/// Whether the oracle can run here; CI installs `duckdb`, so there it must.
fn oracle_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI must have the Python duckdb package"
    );
    ok
}

fn oracle(out: &Path, overrides: &[&str]) {
    let mut command = Command::new("python3");
    command
        .arg(shared().join("reference_duckdb.py"))
        .arg("--data")
        .arg(data())
        .args(["--as-of", AS_OF, "--out"])
        .arg(out);
    for o in overrides {
        command.args(["--override", o]);
    }
    let status = command.status().expect("python3 runs the oracle");
    assert!(status.success(), "reference_duckdb.py failed");
}

fn compare(expected: &Path, actual: &Path) {
    let output = Command::new("python3")
        .arg(shared().join("compare.py"))
        .arg(expected)
        .arg(actual)
        .output()
        .expect("compare.py runs");
    assert!(
        output.status.success(),
        "seg differs from the oracle:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let (x, mut y) = (summary(expected), summary(actual));
    // The counts that account for every row (docs/reliability.md) are seg's own; the
    // oracle's summary is compared with the rest, keys in the same order.
    if let Some(y) = y.as_object_mut() {
        y.shift_remove("entity_file");
        for stream in y
            .get_mut("events")
            .and_then(Json::as_object_mut)
            .into_iter()
        {
            for counts in stream.values_mut().filter_map(Json::as_object_mut) {
                counts.shift_remove("used");
                counts.shift_remove("orphans_after_as_of");
            }
        }
    }
    let flat = |j: &Json| j.to_string();
    assert_eq!(flat(&x), flat(&y), "summary.json differs from the oracle's");
}

#[test]
fn bench_matches_duckdb_oracle() {
    if !oracle_available() {
        return;
    }
    let (expected, actual) = (tmp("oracle_expected"), tmp("oracle_actual"));
    oracle(&expected, &[]);
    seg_run(&shared().join("bench.seg"), &actual);
    compare(&expected, &actual);
}

#[test]
fn bench_with_small_budget_and_cap_matches_duckdb_oracle() {
    if !oracle_available() {
        return;
    }
    let rules = std::fs::read_to_string(shared().join("bench.seg")).expect("bench.seg");
    let small = rules
        .replace("budget 250000", "budget 500")
        .replace("cap 100000", "cap 40");
    assert_ne!(
        small, rules,
        "bench.seg still has the budget and cap this test shrinks"
    );
    let small_rules = tmp("bench_small.seg");
    std::fs::write(&small_rules, small).expect("write rules");
    let (expected, actual) = (tmp("oracle_small_expected"), tmp("oracle_small_actual"));
    oracle(&expected, &["save_at_risk.budget=500", "winback.cap=40"]);
    seg_run(&small_rules, &actual);
    compare(&expected, &actual);
    let s = summary(&actual);
    let cut: BTreeMap<&str, u64> = ["save_at_risk", "winback"]
        .iter()
        .map(|c| (*c, count(&s["campaigns"][c]["cut"])))
        .collect();
    assert!(
        cut.values().all(|&n| n > 0),
        "the walk cuts in both campaigns: {cut:?}"
    );
}

fn seg_run_threads(data: &Path, out: &Path, threads: &str) {
    let output = seg_command(
        &shared().join("bench.seg"),
        data,
        &data.join("orders.csv"),
        out,
        &[("RAYON_NUM_THREADS", threads)],
    );
    assert!(
        output.status.success(),
        "seg run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn parallel_reading_matches_the_oracle_and_any_thread_count() {
    let data = data_100k();
    let outputs: Vec<PathBuf> = ["1", "2", "8"]
        .iter()
        .map(|t| tmp(&format!("bench100k_threads_{t}")))
        .collect();
    for (threads, out) in ["1", "2", "8"].iter().zip(&outputs) {
        seg_run_threads(&data, out, threads);
    }
    for file in [
        "assignments.csv",
        "actions/coupon.csv",
        "actions/recommend.csv",
        "summary.json",
    ] {
        let first = std::fs::read(outputs[0].join(file)).expect("output");
        for other in &outputs[1..] {
            assert!(
                std::fs::read(other.join(file)).expect("output") == first,
                "{file} depends on the thread count"
            );
        }
    }
    if !oracle_available() {
        return;
    }
    let expected = tmp("oracle100k_expected");
    let status = Command::new("python3")
        .arg(shared().join("reference_duckdb.py"))
        .arg("--data")
        .arg(&data)
        .args(["--as-of", AS_OF, "--out"])
        .arg(&expected)
        .status()
        .expect("python3 runs the oracle");
    assert!(status.success(), "reference_duckdb.py failed");
    compare(&expected, &outputs[1]);
}

/// Runs the benchmark with an orders file whose line `bad + 1` is replaced, and returns stderr.
fn run_with_broken_line(name: &str, replace: impl Fn(&str) -> String) -> (String, usize) {
    let data = data_100k();
    let dir = tmp(name);
    std::fs::create_dir_all(&dir).expect("folder");
    let orders = std::fs::read_to_string(data.join("orders.csv")).expect("orders");
    let mut lines: Vec<String> = orders.lines().map(String::from).collect();
    let bad = lines.len() - 10; // 0-based index; the header is line 1
    lines[bad] = replace(&lines[bad]);
    std::fs::write(dir.join("orders.csv"), lines.join("\n") + "\n").expect("write orders");
    let output = seg_command(
        &shared().join("bench.seg"),
        &data,
        &dir.join("orders.csv"),
        &dir.join("out"),
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        bad + 1,
    )
}

#[test]
fn a_bad_row_late_in_a_large_file_is_reported_at_its_physical_line() {
    let (stderr, line) =
        run_with_broken_line("bench100k_bad_cell", |l| l.replacen(",20", ",2O", 1));
    assert!(
        stderr.contains(&format!("orders.csv:{line}: column `ordered_at`")),
        "line {line}:\n{stderr}"
    );
    let (stderr, line) = run_with_broken_line("bench100k_extra_cell", |l| format!("{l},extra"));
    assert!(
        stderr.contains(&format!("orders.csv:{line}: the row has 7 cells")),
        "line {line}:\n{stderr}"
    );
}

#[test]
fn a_large_entity_file_read_in_parts_reports_duplicates_and_bad_rows_at_their_lines() {
    // 200,000 customers (about 10 MB) are read in two parts; a key repeated in the second
    // part and a bad date there are reported at their physical lines, in line order.
    let data = data_100k();
    let dir = tmp("entity_in_parts");
    std::fs::create_dir_all(&dir).expect("folder");
    let customers = std::fs::read_to_string(data.join("customers.csv")).expect("customers");
    let mut lines: Vec<String> = customers.lines().map(String::from).collect();
    let originals: Vec<String> = lines[1..].to_vec();
    for row in &originals {
        lines.push(row.replacen('C', "D", 1));
    }
    let duplicate_of = 3; // 0-based: file line 4
    let duplicate_at = lines.len() - 20;
    lines[duplicate_at] = lines[duplicate_of].clone();
    let bad_at = lines.len() - 10;
    lines[bad_at] = lines[bad_at].replacen(",20", ",2O", 1);
    let file = dir.join("customers.csv");
    let text = lines.join("\n") + "\n";
    assert!(text.len() > 8 << 20, "the file is large enough to be split");
    std::fs::write(&file, text).expect("write customers");
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("run")
        .arg(shared().join("bench.seg"))
        .arg(format!("--data=customer={}", file.display()))
        .arg(format!(
            "--data=orders={}",
            data.join("orders.csv").display()
        ))
        .arg(format!(
            "--data=messages={}",
            data.join("messages.csv").display()
        ))
        .args(["--as-of", AS_OF, "-q", "--max-rejects", "5", "--out"])
        .arg(&out)
        .output()
        .expect("seg runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, rejects) = read_csv(&out.join("rejects.csv"));
    let at: Vec<(&str, &str, &str)> = rejects
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str(), r[4].as_str()))
        .collect();
    let key = lines[duplicate_of].split(',').next().unwrap_or_default();
    let duplicate = format!("duplicate key `{key}` (first on line {})", duplicate_of + 1);
    assert_eq!(at.len(), 2, "{at:?}");
    assert_eq!(
        at[0],
        (
            (duplicate_at + 1).to_string().as_str(),
            "customer_id",
            duplicate.as_str()
        )
    );
    assert_eq!(
        (at[1].0, at[1].1),
        ((bad_at + 1).to_string().as_str(), "signup_date")
    );
    assert_eq!(summary(&out)["entities"], (originals.len() * 2 - 2) as u64);
}
