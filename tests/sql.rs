//! `seg sql` against `seg run`: the script of a program, run by DuckDB (the Python
//! `duckdb` package) and by a real PostgreSQL server (Debian's `postgresql`; CI installs
//! both), writes byte-identical CSV files. On the three rule sets and their sample data,
//! on the benchmark program (also with a budget and cap that cut), and on random programs
//! over random data (`tests/sql/differential.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use seg::check::types::{Ty, Type};

mod common;

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

/// Where a script runs.
#[derive(Clone, Copy)]
enum Engine<'a> {
    Duckdb,
    Postgres(&'a Postgres),
    /// Scripts are collected and run together by [`Spark::finish`] (one session).
    Spark(&'a Spark),
}

impl Engine<'_> {
    fn dialect(self) -> &'static str {
        match self {
            Engine::Duckdb => "duckdb",
            Engine::Postgres(_) => "postgres",
            Engine::Spark(_) => "spark",
        }
    }
}

/// Runs `rules` on `data` with `seg run --with-values` and with the script of `seg sql
/// --with-values` in `engine`, and checks that every CSV file is byte-identical.
fn same_outputs(engine: Engine, name: &str, rules: &Path, data: &[(&str, PathBuf)]) {
    let dialect = engine.dialect();
    // Tests run in parallel: each engine's files have names of their own.
    let name = &format!("{dialect}-{name}");
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
        .args([
            "--as-of",
            AS_OF,
            "--with-values",
            "--dialect",
            dialect,
            "--export",
        ])
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
    match engine {
        Engine::Duckdb => run_in_duckdb(&script),
        Engine::Postgres(server) => server.run(&script),
        Engine::Spark(spark) => {
            let _ = std::fs::remove_dir_all(&sql_out);
            spark
                .scripts
                .borrow_mut()
                .push((name.clone(), script, run_out, sql_out));
            return;
        }
    }
    compare(name, &run_out, &sql_out);
}

/// Checks that the CSV files of two output folders are byte-identical.
fn compare(name: &str, run_out: &Path, sql_out: &Path) {
    let compare = Command::new("python3")
        .arg(root().join("../shared/bench/compare.py"))
        .arg("--strict")
        .arg(run_out)
        .arg(sql_out)
        .output()
        .expect("compare.py runs");
    assert!(
        compare.status.success(),
        "{name}: seg run and the script differ:\n{}",
        String::from_utf8_lossy(&compare.stdout)
    );
}

/// Spark scripts waiting to run together (a Spark session takes seconds to start).
#[derive(Default)]
struct Spark {
    /// Name, script, `seg run`'s folder, the folder the script's tables go to.
    scripts: std::cell::RefCell<Vec<(String, PathBuf, PathBuf, PathBuf)>>,
}

impl Spark {
    /// Runs every collected script in one local Spark session (`tests/sql/spark_run.py`)
    /// and compares each one's tables with `seg run`'s files.
    fn finish(self) {
        let scripts = self.scripts.into_inner();
        let mut run = Command::new("python3");
        run.arg(root().join("tests/sql/spark_run.py"));
        for (_, script, _, sql_out) in &scripts {
            run.arg(script).arg(sql_out);
        }
        let output = run.output().expect("python3 runs spark_run.py");
        assert!(
            output.status.success(),
            "Spark failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (name, _, run_out, sql_out) in &scripts {
            compare(name, run_out, sql_out);
        }
    }
}

fn run_in_duckdb(script: &Path) {
    let duckdb = Command::new("python3")
        .args([
            "-c",
            "import duckdb, sys; duckdb.connect().execute(open(sys.argv[1]).read())",
        ])
        .arg(script)
        .output()
        .expect("python3 runs");
    assert!(
        duckdb.status.success(),
        "DuckDB refused the script {}: {}",
        script.display(),
        String::from_utf8_lossy(&duckdb.stderr)
    );
}

fn example(folder: &str, file: &str) -> PathBuf {
    root().join("examples").join(folder).join(file)
}

/// The three rule sets on their sample data (`seg sql --data` loads NDJSON into DuckDB
/// only: elsewhere the bank's NDJSON transactions are given as CSV).
fn rule_sets(engine: Engine) {
    let retail = [
        ("member", example("retail", "members.csv")),
        ("orders", example("retail", "orders.csv")),
        ("messages", example("retail", "messages.csv")),
    ];
    same_outputs(
        engine,
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
        engine,
        "tobacco",
        &root().join("rules/tobacco/supply.seg"),
        &tobacco,
    );
    let transactions = match engine {
        Engine::Duckdb => example("bank", "transactions.ndjson"),
        _ => ndjson_as_csv(
            &example("bank", "transactions.ndjson"),
            &tmp(&format!("{}-transactions.csv", engine.dialect())),
        ),
    };
    let bank = [
        ("client", example("bank", "clients.csv")),
        ("transactions", transactions),
    ];
    same_outputs(engine, "bank", &root().join("rules/bank/tiers.seg"), &bank);
}

/// An NDJSON file of flat records as a CSV file `out` (null as an empty cell).
fn ndjson_as_csv(path: &Path, out: &Path) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("read NDJSON");
    let records: Vec<serde_json::Map<String, serde_json::Value>> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one object per line"))
        .collect();
    let columns: Vec<String> = records[0].keys().cloned().collect();
    let mut writer = csv::Writer::from_path(out).expect("create CSV");
    writer.write_record(&columns).expect("write header");
    for record in &records {
        let cells = columns.iter().map(|c| match &record[c] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        writer.write_record(cells).expect("write row");
    }
    writer.flush().expect("flush CSV");
    out.to_path_buf()
}

#[test]
fn rule_sets_give_the_same_outputs_in_duckdb() {
    rule_sets(Engine::Duckdb);
}

/// The benchmark program on `gen_data.py` data, as it is and with a budget and cap
/// small enough that the walk cuts.
fn benchmark(engine: Engine, name: &str) {
    let dir = common::generated(2000);
    let data = [
        ("customer", dir.join("customers.csv")),
        ("orders", dir.join("orders.csv")),
        ("messages", dir.join("messages.csv")),
    ];
    let bench = root().join("../shared/bench/bench.seg");
    same_outputs(engine, name, &bench, &data);
    let text = std::fs::read_to_string(&bench).expect("bench.seg");
    let small = text
        .replace("budget 250000", "budget 500")
        .replace("cap 100000", "cap 40");
    assert_ne!(
        small, text,
        "bench.seg still has the budget and cap this test shrinks"
    );
    let small_rules = tmp(&format!("{name}-small.seg"));
    std::fs::write(&small_rules, small).expect("write rules");
    let small_name = format!("{name}-small");
    same_outputs(engine, &small_name, &small_rules, &data);
    let summary = tmp(&format!(
        "{}-{small_name}-run/summary.json",
        engine.dialect()
    ));
    let summary = std::fs::read_to_string(summary).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    for campaign in ["save_at_risk", "winback"] {
        let cut = summary["campaigns"][campaign]["cut"].as_u64().unwrap_or(0);
        assert!(cut > 0, "the walk of {campaign} cuts");
    }
}

#[test]
fn the_benchmark_gives_the_same_outputs_in_duckdb_also_when_budget_and_cap_cut() {
    benchmark(Engine::Duckdb, "bench");
}

#[test]
fn rule_sets_reference_programs_benchmark_fixtures_and_random_programs_give_the_same_outputs_in_postgres()
 {
    let server = Postgres::start();
    rule_sets(Engine::Postgres(&server));
    reference_programs(Engine::Postgres(&server));
    fixtures(Engine::Postgres(&server));
    benchmark(Engine::Postgres(&server), "bench");
    let mut differential = Command::new("python3");
    differential
        .arg(root().join("tests/sql/differential.py"))
        .arg(env!("CARGO_BIN_EXE_seg"))
        .arg(tmp("sql-differential-pg"))
        .args(["--cases", "60", "--seed", "2", "--engine", "postgres"]);
    server.connect(&mut differential);
    let output = differential.output().expect("python3 runs differential.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn random_programs_give_the_same_outputs_in_duckdb() {
    let cases = std::env::var("SEG_SQL_CASES").unwrap_or_else(|_| "250".into());
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

/// A PostgreSQL server of this test's own: a cluster made by `initdb` (Debian's
/// `postgresql` package, which `.ci/run` installs) in the target folder, listening only
/// on a Unix socket there; stopped when dropped. Run as the `postgres` user when the
/// tests run as root (PostgreSQL refuses root).
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
}

impl Postgres {
    fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| versions.flatten().map(|v| v.path().join("bin")).max())
            .filter(|bin| bin.join("initdb").exists())
            .expect("PostgreSQL's server (Debian's postgresql package; .ci/run installs it)");
        let dir = tmp("postgres");
        if dir.join("data/postmaster.pid").exists() {
            let _ = Postgres::as_owner(&bin.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-D"])
                .arg(dir.join("data"))
                .output();
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the cluster folder");
        if is_root() {
            let owned = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown runs");
            assert!(owned.success());
        }
        let init = Postgres::as_owner(&bin.join("initdb"))
            .args([
                "-U",
                "seg",
                "--locale=C.UTF-8",
                "-E",
                "UTF8",
                "-A",
                "trust",
                "-D",
            ])
            .arg(dir.join("data"))
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let options = format!("-p 5432 -k {} -c listen_addresses=''", dir.display());
        let start = Postgres::as_owner(&bin.join("pg_ctl"))
            .args(["start", "-w", "-o", &options, "-l"])
            .arg(dir.join("log"))
            .arg("-D")
            .arg(dir.join("data"))
            .output()
            .expect("pg_ctl runs");
        assert!(
            start.status.success(),
            "{}",
            String::from_utf8_lossy(&start.stderr)
        );
        Postgres { bin, dir }
    }

    /// `program`, run as the `postgres` user when the tests run as root.
    fn as_owner(program: &Path) -> Command {
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// Sets the variables `psql` connects by.
    fn connect(&self, command: &mut Command) {
        command
            .env("PGHOST", &self.dir)
            .env("PGPORT", "5432")
            .env("PGUSER", "seg")
            .env("PGDATABASE", "postgres");
    }

    /// Runs a script with `psql`, stopping at the first error.
    fn run(&self, script: &Path) {
        let mut psql = Command::new(self.bin.join("psql"));
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(script);
        self.connect(&mut psql);
        let output = psql.output().expect("psql runs");
        assert!(
            output.status.success(),
            "PostgreSQL refused {}: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Postgres::as_owner(&self.bin.join("pg_ctl"))
            .args(["stop", "-m", "fast", "-D"])
            .arg(self.dir.join("data"))
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Random data for any program's schema, so that programs without sample data (the
/// reference programs) run too: unique keys, 0–6 events per entity plus orphans, values
/// of every declared type around as_of (month ends, 29 February, as_of itself), ties
/// from small pools, nulls in nullable fields. Deterministic for a seed.
fn schema_data(rules: &Path, dir: &Path, seed: u64) -> Vec<(String, PathBuf)> {
    let Ok((_, hir)) = seg::compile(rules) else {
        panic!("{} does not check", rules.display());
    };
    std::fs::create_dir_all(dir).expect("make the data folder");
    let mut rng = Rng(seed);
    let entities = 40 + rng.below(40);
    let keys: Vec<String> = (0..entities)
        .map(|i| match hir.entity.fields[hir.key_field].ty.ty {
            Ty::Int => (1000 + i).to_string(),
            _ => format!("K{i:03}"),
        })
        .collect();
    let mut files = Vec::new();
    let entity_rows: Vec<Vec<String>> = keys
        .iter()
        .map(|key| {
            let fields = hir.entity.fields.iter().enumerate();
            fields
                .map(|(i, f)| match i == hir.key_field {
                    true => key.clone(),
                    false => rng.cell(&f.ty),
                })
                .collect()
        })
        .collect();
    files.push(write_csv(dir, &hir.entity, &entity_rows));
    for stream in &hir.streams {
        let mut rows = Vec::new();
        for key in keys.iter().chain(["ORPHAN".to_string()].iter()) {
            for _ in 0..rng.below(7) {
                let fields = stream.record.fields.iter().enumerate();
                rows.push(
                    fields
                        .map(|(i, f)| match i == stream.key_field {
                            true => key.clone(),
                            false => rng.cell(&f.ty),
                        })
                        .collect(),
                );
            }
        }
        files.push(write_csv(dir, &stream.record, &rows));
    }
    files
}

fn write_csv(
    dir: &Path,
    record: &seg::check::hir::Record,
    rows: &[Vec<String>],
) -> (String, PathBuf) {
    let path = dir.join(format!("{}.csv", record.name));
    let mut writer = csv::Writer::from_path(&path).expect("create CSV");
    writer
        .write_record(record.fields.iter().map(|f| f.name.as_str()))
        .expect("write header");
    for row in rows {
        writer.write_record(row).expect("write row");
    }
    writer.flush().expect("flush CSV");
    (record.name.clone(), path)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A cell of type `ty` (empty for some nulls).
    fn cell(&mut self, ty: &Type) -> String {
        if ty.nullable && self.below(6) == 0 {
            return String::new();
        }
        match &ty.ty {
            Ty::Bool => self.pick(&["true", "false", "1", "0"]).into(),
            Ty::Int => (self.below(60) as i64 - 5).to_string(),
            Ty::Decimal => format!("{}.{:02}", self.below(200), self.below(4) * 25),
            Ty::Float => self.pick(&["0.5", "2.25", "10", "0.1", "3"]).into(),
            Ty::String => self.pick(&["a", "b", "北京", "x,y", "q\"t", "=x"]).into(),
            Ty::Enum(values) => values[self.below(values.len() as u64) as usize].clone(),
            Ty::Date => self.date(),
            Ty::DateTime => {
                let time = self.pick(&["00:00:00", "09:30:00", "23:59:59"]);
                format!("{}T{time}", self.date())
            }
            Ty::Duration | Ty::Null | Ty::Error => String::new(),
        }
    }

    fn date(&mut self) -> String {
        let edges = [
            "2026-06-30",
            "2026-07-01",
            "2026-06-29",
            "2024-02-29",
            "2026-01-31",
        ];
        if self.below(5) == 0 {
            return self.pick(&edges).into();
        }
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date");
        let days = self.below(1600) as i64 - 1200;
        (as_of + chrono::Duration::days(days)).to_string()
    }
}

/// The reference programs of the language contract on generated data.
fn reference_programs(engine: Engine) {
    let examples = root().join("../shared/spec/examples");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("the reference programs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    programs.sort();
    assert!(programs.len() >= 3, "found {programs:?}");
    for (i, program) in programs.iter().enumerate() {
        let name = program.file_stem().expect("a file name").to_string_lossy();
        for seed in [7, 8, 9] {
            let data = schema_data(
                program,
                &tmp(&format!("data-{name}-{seed}")),
                seed + i as u64,
            );
            let data: Vec<(&str, PathBuf)> =
                data.iter().map(|(n, p)| (n.as_str(), p.clone())).collect();
            same_outputs(engine, &format!("{name}-{seed}"), program, &data);
        }
    }
}

/// The programs and data of mismatches the random test found once
/// (`tests/sql/fixtures/<what it shows>/`: `rules.seg` and one CSV file per table).
fn fixtures(engine: Engine) {
    let folder = root().join("tests/sql/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("the fixtures folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let mut data: Vec<(String, PathBuf)> = std::fs::read_dir(&case)
            .expect("a fixture")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .map(|p| {
                (
                    p.file_stem()
                        .expect("a name")
                        .to_string_lossy()
                        .into_owned(),
                    p,
                )
            })
            .collect();
        data.sort();
        let data: Vec<(&str, PathBuf)> =
            data.iter().map(|(n, p)| (n.as_str(), p.clone())).collect();
        let name = case.file_name().expect("a name").to_string_lossy();
        same_outputs(engine, &name, &case.join("rules.seg"), &data);
    }
}

#[test]
fn rule_sets_reference_programs_benchmark_and_fixtures_give_the_same_outputs_in_spark() {
    let spark = Spark::default();
    rule_sets(Engine::Spark(&spark));
    benchmark(Engine::Spark(&spark), "bench");
    reference_programs(Engine::Spark(&spark));
    fixtures(Engine::Spark(&spark));
    spark.finish();
}

#[test]
fn mismatches_found_once_stay_fixed_in_duckdb() {
    fixtures(Engine::Duckdb);
}

#[test]
fn reference_programs_give_the_same_outputs_in_duckdb() {
    reference_programs(Engine::Duckdb);
}
