//! `seg sql` against `seg run`: the DuckDB script of a program, run by the Python `duckdb`
//! package (CI installs it), writes byte-identical CSV files. On the three rule sets and
//! their sample data, on the benchmark program (also with a budget and cap that cut),
//! and on random programs over random data (`tests/sql/differential.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-06-30";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn seg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_seg"))
}

/// Runs `rules` on `data` with `seg run --with-values` and with the DuckDB script of
/// `seg sql --with-values`, and checks that every CSV file is byte-identical.
fn same_outputs(name: &str, rules: &Path, data: &[(&str, PathBuf)]) {
    let (run_out, sql_out) = (tmp(&format!("{name}-run")), tmp(&format!("{name}-sql")));
    let _ = std::fs::remove_dir_all(&sql_out);
    let bindings: Vec<String> = data
        .iter()
        .map(|(n, p)| format!("--data={n}={}", p.display()))
        .collect();
    let run = seg()
        .arg("run")
        .arg(rules)
        .args(&bindings)
        .args(["--as-of", AS_OF, "--with-values", "--quiet", "--out"])
        .arg(&run_out)
        .output()
        .expect("seg runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let sql = seg()
        .arg("sql")
        .arg(rules)
        .args(&bindings)
        .args(["--as-of", AS_OF, "--with-values", "--export"])
        .arg(&sql_out)
        .output()
        .expect("seg sql runs");
    assert!(
        sql.status.success(),
        "{}",
        String::from_utf8_lossy(&sql.stderr)
    );
    let script = tmp(&format!("{name}.sql"));
    std::fs::write(&script, &sql.stdout).expect("write the script");
    let duckdb = Command::new("python3")
        .args([
            "-c",
            "import duckdb, sys; duckdb.connect().execute(open(sys.argv[1]).read())",
        ])
        .arg(&script)
        .output()
        .expect("python3 runs");
    assert!(
        duckdb.status.success(),
        "DuckDB refused the script {}: {}",
        script.display(),
        String::from_utf8_lossy(&duckdb.stderr)
    );
    let compare = Command::new("python3")
        .arg(root().join("../shared/bench/compare.py"))
        .arg("--strict")
        .arg(&run_out)
        .arg(&sql_out)
        .output()
        .expect("compare.py runs");
    assert!(
        compare.status.success(),
        "{name}: seg run and the DuckDB script differ:\n{}",
        String::from_utf8_lossy(&compare.stdout)
    );
}

fn example(folder: &str, file: &str) -> PathBuf {
    root().join("examples").join(folder).join(file)
}

#[test]
fn rule_sets_give_the_same_outputs_in_duckdb() {
    let retail = [
        ("member", example("retail", "members.csv")),
        ("orders", example("retail", "orders.csv")),
        ("messages", example("retail", "messages.csv")),
    ];
    same_outputs(
        "retail",
        &root().join("rules/retail/membership.seg"),
        &retail,
    );
    let tobacco = [
        ("retailer", example("tobacco", "retailers.csv")),
        ("purchases", example("tobacco", "purchases.csv")),
        ("stock_checks", example("tobacco", "stock_checks.csv")),
    ];
    same_outputs(
        "tobacco",
        &root().join("rules/tobacco/supply.seg"),
        &tobacco,
    );
    let bank = [
        ("client", example("bank", "clients.csv")),
        ("transactions", example("bank", "transactions.ndjson")),
    ];
    same_outputs("bank", &root().join("rules/bank/tiers.seg"), &bank);
}

/// `gen_data.py --customers 2000` data, in a folder of this test's own.
fn bench_data() -> PathBuf {
    let dir = tmp("sql-bench2000");
    if !dir.join("messages.csv").exists() {
        let status = Command::new("python3")
            .arg(root().join("../shared/bench/gen_data.py"))
            .args(["--customers", "2000", "--out"])
            .arg(&dir)
            .status()
            .expect("python3 runs gen_data.py");
        assert!(status.success(), "gen_data.py failed");
    }
    dir
}

#[test]
fn the_benchmark_gives_the_same_outputs_in_duckdb_also_when_budget_and_cap_cut() {
    let dir = bench_data();
    let data = [
        ("customer", dir.join("customers.csv")),
        ("orders", dir.join("orders.csv")),
        ("messages", dir.join("messages.csv")),
    ];
    let bench = root().join("../shared/bench/bench.seg");
    same_outputs("bench", &bench, &data);
    let text = std::fs::read_to_string(&bench).expect("bench.seg");
    let small = text
        .replace("budget 250000", "budget 500")
        .replace("cap 100000", "cap 40");
    assert_ne!(
        small, text,
        "bench.seg still has the budget and cap this test shrinks"
    );
    let small_rules = tmp("sql-bench-small.seg");
    std::fs::write(&small_rules, small).expect("write rules");
    same_outputs("bench-small", &small_rules, &data);
    let summary = std::fs::read_to_string(tmp("bench-small-run/summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    for campaign in ["save_at_risk", "winback"] {
        let cut = summary["campaigns"][campaign]["cut"].as_u64().unwrap_or(0);
        assert!(cut > 0, "the walk of {campaign} cuts");
    }
}

#[test]
fn random_programs_give_the_same_outputs_in_duckdb() {
    let cases = std::env::var("SEG_SQL_CASES").unwrap_or_else(|_| "150".into());
    let output = Command::new("python3")
        .arg(root().join("tests/sql/differential.py"))
        .arg(env!("CARGO_BIN_EXE_seg"))
        .arg(tmp("sql-differential"))
        .args(["--cases", &cases])
        .output()
        .expect("python3 runs differential.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("{cases} programs compared")),
        "{stdout}"
    );
}

#[test]
fn the_benchmark_script_reads_as_plan_steps() {
    let output = seg()
        .arg("sql")
        .arg(root().join("../shared/bench/bench.seg"))
        .args(["--as-of", AS_OF])
        .output()
        .expect("seg sql runs");
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}
