//! Semantics of `seg run`, pinned down against the language contract
//! (`/work/shared/spec/LANGUAGE.md`, sections 3, 6 and 9).
//!
//! Every test runs the real binary on a tiny program and tiny data files written into a
//! scratch folder, then reads `assignments.csv` (always with `--with-values`, so every
//! `let` is a column), `actions/<action>.csv` and `summary.json`, and compares exact cell
//! values that were computed by hand from the contract. Each test reads as a specification:
//! program, data, expected values.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

// ───────────────────────────── Helpers ─────────────────────────────

/// The `as_of` most tests run at.
const AS_OF: &str = "2026-06-30";

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder under the system temp folder, named after the test (the test harness
/// names each test's thread after the test), the process id and a counter; removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let thread = std::thread::current();
        let test: String = thread
            .name()
            .unwrap_or("unnamed")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let n = SCRATCH_COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "seg-semantics-{}-{}-{}",
            test,
            std::process::id(),
            n
        ));
        // A leftover from an earlier, killed run of the same process id: start clean.
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("creating the scratch folder");
        Scratch { dir }
    }

    fn out(&self) -> PathBuf {
        self.dir.join("out")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a folder left behind in the temp folder does no harm.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Where a data binding's file goes: `"orders"` is `orders.csv`; a name with an extension
/// (`"orders.ndjson"`) is that file, bound to the part before the first dot.
fn binding(name: &str) -> (&str, String) {
    match name.split_once('.') {
        Some((stream, _)) => (stream, name.to_string()),
        None => (name, format!("{name}.csv")),
    }
}

/// Writes `rules.seg` and the data files into `scratch` and runs
/// `seg run rules.seg --data … --as-of AS_OF --out out --with-values EXTRA…` there.
fn seg_run(
    scratch: &Scratch,
    rules: &str,
    data: &[(&str, &str)],
    as_of: &str,
    extra: &[&str],
) -> Output {
    fs::write(scratch.dir.join("rules.seg"), rules).expect("writing rules.seg");
    let mut args: Vec<String> = vec!["run".into(), "rules.seg".into()];
    for (name, text) in data {
        let (stream, file) = binding(name);
        fs::write(scratch.dir.join(&file), text).expect("writing a data file");
        args.push("--data".into());
        args.push(format!("{stream}={file}"));
    }
    args.extend(["--as-of".into(), as_of.into(), "--out".into(), "out".into()]);
    args.push("--with-values".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .current_dir(&scratch.dir)
        .args(&args)
        .output()
        .expect("starting the seg binary")
}

/// Runs a program that must succeed and returns its outputs.
fn run(rules: &str, data: &[(&str, &str)], as_of: &str, extra: &[&str]) -> Outputs {
    let scratch = Scratch::new();
    let output = seg_run(&scratch, rules, data, as_of, extra);
    Outputs::read(scratch, &output)
}

/// Runs a program that must fail with exit code 1 and leave nothing in `--out`; returns
/// what it printed on stderr.
fn run_failing(rules: &str, data: &[(&str, &str)], as_of: &str, extra: &[&str]) -> String {
    let scratch = Scratch::new();
    let output = seg_run(&scratch, rules, data, as_of, extra);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "seg run should fail with exit code 1\nstderr:\n{stderr}"
    );
    assert!(
        !scratch.out().exists(),
        "a failed run must write nothing into --out, but {} exists",
        scratch.out().display()
    );
    stderr
}

/// Reads a CSV file (RFC 4180) into rows of cells, the header included.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    reader
        .records()
        .map(|record| {
            record
                .unwrap_or_else(|e| panic!("a record of {}: {e}", path.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The outputs of a successful run.
struct Outputs {
    scratch: Scratch,
    /// `assignments.csv`, header first.
    assignments: Vec<Vec<String>>,
}

impl Outputs {
    fn read(scratch: Scratch, output: &Output) -> Outputs {
        assert!(
            output.status.success(),
            "seg run failed ({:?})\nstderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        let assignments = read_csv(&scratch.out().join("assignments.csv"));
        assert!(!assignments.is_empty(), "assignments.csv has no header");
        Outputs {
            scratch,
            assignments,
        }
    }

    /// The header of `assignments.csv`.
    fn header(&self) -> Vec<&str> {
        self.assignments[0].iter().map(String::as_str).collect()
    }

    /// The keys, in the order of `assignments.csv`.
    fn keys(&self) -> Vec<&str> {
        self.assignments[1..]
            .iter()
            .map(|row| row[0].as_str())
            .collect()
    }

    fn column_index(&self, column: &str) -> usize {
        self.assignments[0]
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| {
                panic!(
                    "assignments.csv has no column `{column}`; header: {:?}",
                    self.assignments[0]
                )
            })
    }

    /// One cell of `assignments.csv`: the row of `key`, the column `column`.
    fn value(&self, key: &str, column: &str) -> String {
        let at = self.column_index(column);
        let row = self.assignments[1..]
            .iter()
            .find(|row| row[0] == key)
            .unwrap_or_else(|| {
                panic!(
                    "assignments.csv has no row for key `{key}`; keys: {:?}",
                    self.keys()
                )
            });
        row[at].clone()
    }

    /// A whole column of `assignments.csv`, in row (key) order.
    fn column(&self, column: &str) -> Vec<String> {
        let at = self.column_index(column);
        self.assignments[1..]
            .iter()
            .map(|row| row[at].clone())
            .collect()
    }

    fn action_file(&self, action: &str) -> Vec<Vec<String>> {
        let path = self
            .scratch
            .out()
            .join("actions")
            .join(format!("{action}.csv"));
        assert!(path.exists(), "{} was not written", path.display());
        read_csv(&path)
    }

    /// The header of `actions/<action>.csv`.
    fn action_header(&self, action: &str) -> Vec<String> {
        self.action_file(action)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// The rows of `actions/<action>.csv`, header left out.
    fn action_rows(&self, action: &str) -> Vec<Vec<String>> {
        self.action_file(action).into_iter().skip(1).collect()
    }

    /// `summary.json`.
    fn summary(&self) -> Value {
        let path = self.scratch.out().join("summary.json");
        let text = fs::read_to_string(&path).expect("reading summary.json");
        serde_json::from_str(&text).expect("summary.json is JSON")
    }

    /// One value of `summary.json` by a `/`-separated path, as text (a string without
    /// quotes, a number as written); `<missing>` when the path leads nowhere.
    fn summary_at(&self, path: &str) -> String {
        let mut at = self.summary();
        for part in path.split('/') {
            at = match at.get(part) {
                Some(next) => next.clone(),
                None => return "<missing>".to_string(),
            };
        }
        match at {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// Every file under `--out`, by relative path, with its bytes.
    fn all_files(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
            let mut entries: Vec<_> = fs::read_dir(dir)
                .expect("listing an output folder")
                .map(|entry| entry.expect("an output folder entry").path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(root, &path, files);
                } else {
                    let name = path
                        .strip_prefix(root)
                        .expect("a path under --out")
                        .display()
                        .to_string();
                    files.push((name, fs::read(&path).expect("reading an output file")));
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.scratch.out(), &self.scratch.out(), &mut files);
        files
    }
}

/// Rows of cells from string slices, to compare with `action_rows`.
fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// An entity whose fields are all null (`ni`, `nd`, `nb`, `ns`, `ndate`, `ndt`) except
/// `zero` (the int 0), for evaluating expressions as `let`s.
const EVAL_ENTITY: &str = "
entity customer key id {
  id: string
  ni: int?
  nd: decimal?
  nb: bool?
  ns: string?
  ndate: date?
  ndt: datetime?
  zero: int
}
";

const EVAL_DATA: &str = "id,ni,nd,nb,ns,ndate,ndt,zero\nc1,,,,,,,0\n";

/// Evaluates each expression as a `let` of one entity (see `EVAL_ENTITY`) as of `as_of` and
/// checks the written value; reports every mismatch at once.
fn check_exprs_as_of(as_of: &str, cases: &[(&str, &str)]) {
    let mut rules = EVAL_ENTITY.to_string();
    for (i, (expr, _)) in cases.iter().enumerate() {
        rules.push_str(&format!("let e{i} = {expr}\n"));
    }
    let outputs = run(&rules, &[("customer", EVAL_DATA)], as_of, &[]);
    let mismatches: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, (expr, want))| {
            let got = outputs.value("c1", &format!("e{i}"));
            (got != *want).then(|| format!("  {expr}  →  expected `{want}`, seg wrote `{got}`"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "values that differ from the contract (as of {as_of}):\n{}",
        mismatches.join("\n")
    );
}

/// `check_exprs_as_of` at `AS_OF` (2026-06-30, a Tuesday).
fn check_exprs(cases: &[(&str, &str)]) {
    check_exprs_as_of(AS_OF, cases);
}

/// Whether `text` holds `n` as a whole number (not as part of a longer one).
fn mentions_number(text: &str, n: u64) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|part| part == n.to_string())
}

/// Asserts that a failure message names every one of `needles`.
fn assert_mentions(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "the message should name `{needle}`:\n{stderr}"
        );
    }
}

// ═══════════════════════ Section 3: expressions ═══════════════════════

// ─── Nulls and three-valued logic ───

#[test]
fn and_or_not_are_three_valued_kleene_logic() {
    check_exprs(&[
        ("true and nb", ""),
        ("nb and true", ""),
        ("false and nb", "false"),
        ("nb and false", "false"),
        ("true or nb", "true"),
        ("nb or true", "true"),
        ("false or nb", ""),
        ("nb or false", ""),
        ("nb and nb", ""),
        ("nb or nb", ""),
        ("not nb", ""),
        ("not (false and nb)", "true"),
        ("true and true", "true"),
        ("true and false", "false"),
        ("false or false", "false"),
        ("not true", "false"),
    ]);
}

#[test]
fn when_where_audience_and_action_when_treat_null_as_false() {
    let rules = "
entity customer key id {
  id: string
  nb: bool?
  a: int?
}
events orders time at {
  id: string
  at: datetime
  amount: int
}
segment held when nb
segment negated when not nb
segment compared when a > 0
segmentation stage {
  segment x when nb
  segment y otherwise
}
let matching = count(orders where amount > a)
action note { text: string }
campaign by_audience {
  audience nb
  do note(text: \"audience\")
}
campaign by_action {
  audience true
  do note(text: \"action\") when nb
}
";
    let o = run(
        rules,
        &[
            ("customer", "id,nb,a\nc1,,\n"),
            ("orders", "id,at,amount\nc1,2026-06-01T10:00:00,5\n"),
        ],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "segments"), "");
    assert_eq!(o.value("c1", "stage"), "y");
    assert_eq!(o.value("c1", "matching"), "0");
    assert_eq!(o.value("c1", "campaigns"), "");
    assert_eq!(o.summary_at("campaigns/by_audience/eligible"), "0");
    assert_eq!(o.summary_at("campaigns/by_action/eligible"), "1");
    assert_eq!(o.summary_at("campaigns/by_action/treated"), "0");
    assert_eq!(o.summary_at("campaigns/by_action/holdout"), "0");
    assert!(o.action_rows("note").is_empty());
}

#[test]
fn if_with_a_null_condition_takes_else() {
    check_exprs(&[
        ("if nb then 1 else 2", "2"),
        ("if not nb then 1 else 2", "2"),
        ("if ni > 0 then \"positive\" else \"other\"", "other"),
        ("if true then 1 else 2", "1"),
        ("if false then 1 else 2", "2"),
    ]);
}

#[test]
fn in_with_a_null_operand_is_null() {
    check_exprs(&[
        ("ni in [1, 2]", ""),
        ("ni not in [1, 2]", ""),
        ("ns in [\"a\", \"b\"]", ""),
        ("2 in [1, 2, 3]", "true"),
        ("4 in [1, 2, 3]", "false"),
        ("4 not in [1, 2, 3]", "true"),
        ("2 not in [1, 2, 3]", "false"),
        ("\"b\" in []", "false"),
    ]);
}

#[test]
fn in_list_with_a_null_item_and_no_match_is_null() {
    check_exprs(&[
        ("\"b\" in [\"a\", ns]", ""),
        ("\"a\" in [\"a\", ns]", "true"),
        ("\"b\" not in [\"a\", ns]", ""),
        ("\"a\" not in [\"a\", ns]", "false"),
        ("3 in [1, ni]", ""),
        ("1 in [1, ni]", "true"),
        ("3 in [1, null]", ""),
        ("1 in [1, null]", "true"),
    ]);
}

#[test]
fn between_is_inclusive_and_not_between_is_its_negation() {
    check_exprs(&[
        ("0 between 1 and 3", "false"),
        ("1 between 1 and 3", "true"),
        ("2 between 1 and 3", "true"),
        ("3 between 1 and 3", "true"),
        ("4 between 1 and 3", "false"),
        ("2.5 between 1 and 3", "true"),
        ("1 not between 1 and 3", "false"),
        ("3 not between 1 and 3", "false"),
        ("4 not between 1 and 3", "true"),
        ("0 not between 1 and 3", "true"),
        ("ni between 1 and 3", ""),
        ("2026-06-30 between 2026-06-01 and 2026-06-30", "true"),
    ]);
}

#[test]
fn is_null_and_is_not_null_are_never_null() {
    check_exprs(&[
        ("ni is null", "true"),
        ("ni is not null", "false"),
        ("ns is null", "true"),
        ("nb is null", "true"),
        ("zero is null", "false"),
        ("zero is not null", "true"),
        ("(ni + 1) is null", "true"),
    ]);
}

#[test]
fn arithmetic_and_comparison_with_null_is_null() {
    check_exprs(&[
        ("ni + 1", ""),
        ("1 - ni", ""),
        ("ni * 2", ""),
        ("ni / 2", ""),
        ("2 / ni", ""),
        ("-ni", ""),
        ("nd + 1.5", ""),
        ("ndate + 1 day", ""),
        ("ndt - 2 weeks", ""),
        ("ni == 1", ""),
        ("ni != 1", ""),
        ("ni < 1", ""),
        ("ni >= 1", ""),
        ("ni == ni", ""),
        ("ns == \"a\"", ""),
        ("ndate < as_of", ""),
    ]);
}

// ─── Numbers ───

#[test]
fn int_op_int_stays_int() {
    check_exprs(&[
        ("2 + 3", "5"),
        ("2 * 3 - 10", "-4"),
        ("9223372036854775807 - 1", "9223372036854775806"),
        // `days(n)` takes only an `int`: these check only if the sums are ints.
        ("as_of + days(2 + 3)", "2026-07-05"),
        ("as_of - days(2 * 3 - 4)", "2026-06-28"),
        ("as_of + days(zero * 7 + 1)", "2026-07-01"),
    ]);
}

#[test]
fn int_with_decimal_is_decimal_written_without_trailing_zeros() {
    check_exprs(&[
        ("1 + 0.5", "1.5"),
        ("0.50 + 1", "1.5"),
        ("2.50 * 2", "5"),
        ("1.10 + 2.20", "3.3"),
        ("2 - 0.25", "1.75"),
        ("3.00", "3"),
        ("10%", "0.1"),
        ("33.33% * 3", "0.9999"),
        ("-1.50", "-1.5"),
    ]);
}

#[test]
fn division_always_yields_float() {
    check_exprs(&[
        ("7 / 2", "3.5"),
        ("4 / 2", "2"),
        ("-7 / 2", "-3.5"),
        ("1 / 3", "0.3333333333333333"),
        ("1.5 / 0.5", "3"),
        ("1 / 2 + 1", "1.5"),
        // float + float, and float + decimal, are float arithmetic
        ("1 / 10 + 2 / 10", "0.30000000000000004"),
        ("1 / 10 + 0.2", "0.30000000000000004"),
    ]);
}

#[test]
fn division_by_zero_is_null() {
    check_exprs(&[
        ("1 / 0", ""),
        ("0 / 0", ""),
        ("1.5 / 0", ""),
        ("1 / 0.0", ""),
        ("10 / zero", ""),
        ("(7 / zero) is null", "true"),
        ("coalesce(1 / zero, -1)", "-1"),
    ]);
}

#[test]
fn decimal_arithmetic_is_exact() {
    check_exprs(&[
        ("0.1 + 0.2", "0.3"),
        ("0.1 + 0.2 == 0.3", "true"),
        ("0.3 - 0.1 == 0.2", "true"),
        ("0.1 * 3 == 0.3", "true"),
        // 28 significant digits
        (
            "1.000000000000000000000000001 - 1",
            "0.000000000000000000000000001",
        ),
        (
            "1234567890123456789.123456789 * 10",
            "12345678901234567891.23456789",
        ),
    ]);
}

#[test]
fn numeric_types_compare_with_each_other() {
    check_exprs(&[
        ("1 == 1.0", "true"),
        ("2 > 1.5", "true"),
        ("2 <= 1.99", "false"),
        ("7 / 2 == 3.5", "true"),
        ("3 == 6 / 2", "true"),
        ("1 / 4 == 0.25", "true"),
        ("1 / 3 < 0.34", "true"),
        ("zero == 0.0", "true"),
        ("zero != 0 / 1", "false"),
    ]);
}

#[test]
fn round_is_half_away_from_zero() {
    check_exprs(&[
        ("round(2.5, 0)", "3"),
        ("round(-2.5, 0)", "-3"),
        ("round(0.5, 0)", "1"),
        ("round(2.4, 0)", "2"),
        ("round(1.245, 2)", "1.25"),
        ("round(-1.245, 2)", "-1.25"),
        ("round(1.2345, 3)", "1.235"),
        // floats: 5/2 and 1/8 are exact in binary
        ("round(5 / 2, 0)", "3"),
        ("round(-5 / 2, 0)", "-3"),
        ("round(1 / 8, 2)", "0.13"),
        ("round(7, 0)", "7"),
    ]);
}

#[test]
fn abs_floor_ceil() {
    check_exprs(&[
        ("abs(-3)", "3"),
        ("abs(-2.50)", "2.5"),
        ("abs(3)", "3"),
        ("floor(2.5)", "2"),
        ("floor(-2.5)", "-3"),
        ("ceil(2.1)", "3"),
        ("ceil(-2.5)", "-2"),
        ("floor(7 / 2)", "3"),
    ]);
}

#[test]
fn least_greatest_and_coalesce() {
    check_exprs(&[
        ("least(3, 1, 2)", "1"),
        ("greatest(3, 1, 2)", "3"),
        ("least(1.5, 2)", "1.5"),
        ("greatest(3, 1.5)", "3"),
        ("greatest(\"a\", \"B\")", "a"),
        ("least(2026-01-01, 2025-12-31)", "2025-12-31"),
        ("coalesce(ni, 5)", "5"),
        ("coalesce(ni, ni, 7)", "7"),
        ("coalesce(3, ni)", "3"),
        ("coalesce(ns, \"fallback\")", "fallback"),
        ("coalesce(ndate, as_of)", "2026-06-30"),
    ]);
}

// ─── Strings ───

#[test]
fn strings_compare_by_code_point() {
    check_exprs(&[
        ("\"Z\" < \"a\"", "true"),
        ("\"B\" < \"a\"", "true"),
        ("\"é\" > \"z\"", "true"),
        ("\"中\" > \"é\"", "true"),
        ("\"apple\" < \"apples\"", "true"),
        ("\"a\" == \"A\"", "false"),
        ("\"b\" >= \"a\"", "true"),
    ]);
}

#[test]
fn strings_compare_by_code_point_not_utf16_units() {
    // U+FF61 < U+1F600 by code point (and UTF-8 bytes), though not by UTF-16 code units
    check_exprs(&[
        ("\"\u{FF61}\" < \"\u{1F600}\"", "true"),
        ("least(\"\u{1F600}\", \"\u{FF61}\")", "\u{FF61}"),
    ]);
}

#[test]
fn an_enum_value_is_used_as_a_string() {
    let rules = "
entity customer key id {
  id: string
  level: enum(\"normal\", \"gold\")
}
let shout = upper(level)
let tagged = concat(level, \"!\")
let is_gold = level == \"gold\"
let size = length(level)
";
    let o = run(
        rules,
        &[("customer", "id,level\nc1,gold\nc2,normal\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("shout"), ["GOLD", "NORMAL"]);
    assert_eq!(o.column("tagged"), ["gold!", "normal!"]);
    assert_eq!(o.column("is_gold"), ["true", "false"]);
    assert_eq!(o.column("size"), ["4", "6"]);
}

#[test]
fn upper_and_lower_are_unicode_aware() {
    check_exprs(&[
        ("upper(\"café\")", "CAFÉ"),
        ("lower(\"ÉCOLE\")", "école"),
        ("lower(\"ΑΒΓ\")", "αβγ"),
        ("upper(\"重要\")", "重要"),
    ]);
}

#[test]
fn length_counts_characters() {
    check_exprs(&[
        ("length(\"重要价值客户\")", "6"),
        ("length(\"café\")", "4"),
        ("length(\"\")", "0"),
        ("length(\"\\u{1F600}\")", "1"),
    ]);
}

#[test]
fn concat_trim_contains_starts_with_ends_with() {
    check_exprs(&[
        ("concat(\"a\", \"b\", \"c\")", "abc"),
        ("concat(\"重要\", \"客户\")", "重要客户"),
        ("trim(\"  a b  \")", "a b"),
        ("contains(\"hello\", \"ell\")", "true"),
        ("contains(\"hello\", \"xyz\")", "false"),
        ("starts_with(\"hello\", \"he\")", "true"),
        ("starts_with(\"hello\", \"lo\")", "false"),
        ("starts_with(\"重要客户\", \"重要\")", "true"),
        ("ends_with(\"hello\", \"lo\")", "true"),
        ("ends_with(\"hello\", \"he\")", "false"),
    ]);
}

// ─── Dates and times ───

#[test]
fn date_compared_with_datetime_is_that_days_midnight() {
    check_exprs(&[
        ("2026-06-30 == 2026-06-30T00:00:00", "true"),
        ("2026-06-30 < 2026-06-30T00:00:01", "true"),
        ("2026-06-30T12:00:00 > 2026-06-30", "true"),
        ("2026-06-30T00:00:00 >= as_of", "true"),
        ("as_of >= 2026-06-30T09:00:00", "false"),
        ("2026-06-29T23:59:59 < as_of", "true"),
    ]);
}

#[test]
fn calendar_months_and_years_clamp_to_the_month_end() {
    check_exprs(&[
        ("2026-01-31 + 1 month", "2026-02-28"),
        ("2024-01-31 + 1 month", "2024-02-29"),
        ("2024-02-29 + 1 year", "2025-02-28"),
        ("2024-02-29 + 4 years", "2028-02-29"),
        ("2026-03-31 - 1 month", "2026-02-28"),
        ("2026-01-31 + 2 months", "2026-03-31"),
        ("2026-05-31 + 6 months", "2026-11-30"),
        ("2026-01-31T10:30:00 + 1 month", "2026-02-28T10:30:00"),
        ("as_of + months(2)", "2026-08-30"),
        ("2024-02-29 + years(1)", "2025-02-28"),
    ]);
}

#[test]
fn days_and_weeks_step_exactly() {
    check_exprs(&[
        ("2026-06-30 + 2 weeks", "2026-07-14"),
        ("2026-06-30 - 30 days", "2026-05-31"),
        ("2026-06-30 + 1 day", "2026-07-01"),
        ("2026-06-30T23:00:00 + 2 days", "2026-07-02T23:00:00"),
        ("as_of - weeks(1)", "2026-06-23"),
        ("as_of - days(365)", "2025-06-30"),
    ]);
}

#[test]
fn days_between_is_signed_whole_days() {
    check_exprs(&[
        ("days_between(2026-06-30, 2026-07-10)", "10"),
        ("days_between(2026-07-10, 2026-06-30)", "-10"),
        ("days_between(2024-02-28, 2024-03-01)", "2"),
        (
            "days_between(2026-06-30T23:59:00, 2026-07-01T00:01:00)",
            "1",
        ),
        ("days_between(as_of, as_of)", "0"),
    ]);
}

#[test]
fn age_of_a_29_february_birthday_is_reached_on_1_march() {
    check_exprs_as_of(
        "2027-02-28",
        &[("age(2000-02-29)", "26"), ("age(2000-02-28)", "27")],
    );
    check_exprs_as_of(
        "2027-03-01",
        &[("age(2000-02-29)", "27"), ("age(2000-03-02)", "26")],
    );
    check_exprs_as_of("2028-02-29", &[("age(2000-02-29)", "28")]);
    check_exprs_as_of("2028-02-28", &[("age(2000-02-29)", "27")]);
}

#[test]
fn weekday_is_1_for_monday_to_7_for_sunday_and_date_parts() {
    check_exprs(&[
        ("weekday(2026-06-29)", "1"),
        ("weekday(2026-06-30)", "2"),
        ("weekday(2026-07-04)", "6"),
        ("weekday(2026-07-05)", "7"),
        ("weekday(2024-02-29)", "4"),
        ("year(2026-06-30)", "2026"),
        ("month(2026-06-30)", "6"),
        ("day(2026-06-30)", "30"),
        ("date(2026-06-30T23:59:00)", "2026-06-30"),
    ]);
}

// ─── Segment references ───

#[test]
fn segment_references_are_bools_and_a_segmentation_is_its_segment_name() {
    let rules = "
entity customer key id {
  id: string
  a: int?
}
segment vip when a > 5
segmentation lifecycle {
  segment active when a > 3
  segment churned when a < 0
}
let is_vip = vip
let is_active = lifecycle.active
let is_churned = lifecycle.churned
let stage = lifecycle
let unassigned = lifecycle is null
";
    let o = run(
        rules,
        &[("customer", "id,a\nc1,10\nc2,1\nc3,-1\nc4,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("is_vip"), ["true", "false", "false", "false"]);
    assert_eq!(o.column("is_active"), ["true", "false", "false", "false"]);
    // false, never null, for an entity in no segment of `lifecycle`
    assert_eq!(o.column("is_churned"), ["false", "false", "true", "false"]);
    assert_eq!(o.column("stage"), ["active", "", "churned", ""]);
    assert_eq!(o.column("unassigned"), ["false", "true", "false", "true"]);
}

// ═══════════════════════ Section 3: event aggregates ═══════════════════════

const ORDERS_PROGRAM_HEAD: &str = "
entity customer key id {
  id: string
}
events orders time at {
  id: string
  at: datetime
  amount: decimal?
  qty: int?
  category: string?
}
";

fn orders_program(lets: &str) -> String {
    format!("{ORDERS_PROGRAM_HEAD}{lets}")
}

#[test]
fn events_after_as_of_do_not_exist_and_as_of_day_counts_whole() {
    let rules = orders_program(
        "
let n = count(orders)
let total = sum(orders.amount)
let latest = max(orders.at)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-30T00:00:00,1,,
c1,2026-06-30T23:59:59,2,,
c1,2026-07-01T00:00:00,4,,
c1,2026-07-15T12:00:00,8,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "2");
    assert_eq!(o.value("c1", "total"), "3");
    assert_eq!(o.value("c1", "latest"), "2026-06-30T23:59:59");
    assert_eq!(o.summary_at("events_after_as_of"), "2");
    assert_eq!(o.summary_at("events_read"), "4");
    assert_eq!(o.summary_at("as_of"), "2026-06-30");
}

#[test]
fn a_date_time_field_event_dated_as_of_counts() {
    let rules = "
entity customer key id {
  id: string
}
events visits time day {
  id: string
  day: date
}
let n = count(visits)
let first_day = min(visits.day)
let last_day = max(visits.day)
";
    let o = run(
        rules,
        &[
            ("customer", "id\nc1\n"),
            (
                "visits",
                "id,day\nc1,2026-06-01\nc1,2026-06-30\nc1,2026-07-01\n",
            ),
        ],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "2");
    assert_eq!(o.value("c1", "first_day"), "2026-06-01");
    assert_eq!(o.value("c1", "last_day"), "2026-06-30");
    assert_eq!(o.summary_at("events_after_as_of"), "1");
}

#[test]
fn events_whose_key_has_no_entity_are_orphans_not_errors() {
    let rules = orders_program("let n = count(orders)\n");
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,1,,
ghost,2026-06-01T10:00:00,1,,
ghost,2026-06-02T10:00:00,1,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.keys(), ["c1"]);
    assert_eq!(o.value("c1", "n"), "1");
    assert_eq!(o.summary_at("orphans"), "2");
    assert_eq!(o.summary_at("entities"), "1");
}

#[test]
fn null_values_are_skipped_by_aggregates() {
    let rules = orders_program(
        "
let n = count(orders)
let distinct_amounts = count_distinct(orders.amount)
let total = sum(orders.amount)
let mean_amount = avg(orders.amount)
let smallest = min(orders.amount)
let largest = max(orders.amount)
let positive = count(orders where amount > 0)
let common = mode(orders.category)
let earliest = first(orders.amount)
let latest = last(orders.amount)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,,,
c1,2026-06-02T10:00:00,1,,tea
c1,2026-06-03T10:00:00,,,
c1,2026-06-04T10:00:00,3,,
c1,2026-06-05T10:00:00,,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "5");
    assert_eq!(o.value("c1", "distinct_amounts"), "2");
    assert_eq!(o.value("c1", "total"), "4");
    assert_eq!(o.value("c1", "mean_amount"), "2");
    assert_eq!(o.value("c1", "smallest"), "1");
    assert_eq!(o.value("c1", "largest"), "3");
    assert_eq!(o.value("c1", "positive"), "2");
    assert_eq!(o.value("c1", "common"), "tea");
    assert_eq!(o.value("c1", "earliest"), "1");
    assert_eq!(o.value("c1", "latest"), "3");
}

#[test]
fn aggregates_of_nothing() {
    let rules = orders_program(
        "
let n = count(orders)
let distinct_amounts = count_distinct(orders.amount)
let total = sum(orders.amount)
let total_qty = sum(orders.qty)
let qty_is_int = as_of + days(sum(orders.qty))
let mean_amount = avg(orders.amount)
let smallest = min(orders.amount)
let largest = max(orders.amount)
let common = mode(orders.category)
let earliest = first(orders.amount)
let latest = last(orders.amount)
let any = exists(orders)
let any_big = exists(orders where amount > 0)
",
    );
    // c1 has no events; c2 has one with only nulls; c3 has one after as_of only.
    let orders = "id,at,amount,qty,category
c2,2026-06-01T10:00:00,,,
c3,2026-07-01T10:00:00,5,5,tea
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\nc2\nc3\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("n"), ["0", "1", "0"]);
    assert_eq!(o.column("distinct_amounts"), ["0", "0", "0"]);
    assert_eq!(o.column("total"), ["0", "0", "0"]);
    assert_eq!(o.column("total_qty"), ["0", "0", "0"]);
    assert_eq!(
        o.column("qty_is_int"),
        ["2026-06-30", "2026-06-30", "2026-06-30"]
    );
    for column in [
        "mean_amount",
        "smallest",
        "largest",
        "common",
        "earliest",
        "latest",
    ] {
        assert_eq!(
            o.column(column),
            ["", "", ""],
            "{column} of nothing is null"
        );
    }
    assert_eq!(o.column("any"), ["false", "true", "false"]);
    assert_eq!(o.column("any_big"), ["false", "false", "false"]);
}

#[test]
fn avg_is_a_float_computed_exactly() {
    let rules = orders_program(
        "
let mean_qty = avg(orders.qty)
let mean_amount = avg(orders.amount)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,,1,
c1,2026-06-02T10:00:00,,2,
c2,2026-06-01T10:00:00,0.1,1,
c2,2026-06-02T10:00:00,0.2,1,
c2,2026-06-03T10:00:00,0.3,2,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\nc2\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "mean_qty"), "1.5");
    assert_eq!(o.value("c2", "mean_qty"), "1.3333333333333333");
    // exact: (0.1 + 0.2 + 0.3) / 3 = 0.2, not 0.20000000000000004
    assert_eq!(o.value("c2", "mean_amount"), "0.2");
}

#[test]
fn mode_is_the_most_frequent_value_ties_to_the_smallest() {
    let rules = orders_program(
        "
let common = mode(orders.category)
let common_qty = mode(orders.qty)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,,3,b
c1,2026-06-02T10:00:00,,3,a
c1,2026-06-03T10:00:00,,1,b
c1,2026-06-04T10:00:00,,1,a
c1,2026-06-05T10:00:00,,2,c
c2,2026-06-01T10:00:00,,9,y
c2,2026-06-02T10:00:00,,9,y
c2,2026-06-03T10:00:00,,1,x
c3,2026-06-01T10:00:00,,,é
c3,2026-06-02T10:00:00,,,z
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\nc2\nc3\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("common"), ["a", "y", "z"]);
    assert_eq!(o.column("common_qty"), ["1", "9", ""]);
}

#[test]
fn first_and_last_take_earliest_and_latest_ties_to_the_smallest_value() {
    let rules = orders_program(
        "
let opening = first(orders.amount)
let closing = last(orders.amount)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,5,,
c1,2026-06-01T10:00:00,2,,
c1,2026-06-10T10:00:00,9,,
c1,2026-06-20T10:00:00,7,,
c1,2026-06-20T10:00:00,4,,
c1,2026-07-02T10:00:00,1,,
c2,2026-06-05T10:00:00,1,,
c2,2026-06-01T10:00:00,9,,
c3,2026-06-01T10:00:00,,,
c3,2026-06-02T10:00:00,6,,
c3,2026-06-03T10:00:00,8,,
c3,2026-06-04T10:00:00,,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\nc2\nc3\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("opening"), ["2", "9", "6"]);
    assert_eq!(o.column("closing"), ["4", "1", "8"]);
}

#[test]
fn min_max_of_strings_by_code_point_and_first_last_with_where() {
    let rules = orders_program(
        "
let lowest = min(orders.category)
let highest = max(orders.category)
let first_big = first(orders.amount where amount > 5)
let last_small = last(orders.amount where amount < 5)
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,1,,é
c1,2026-06-02T10:00:00,9,,z
c1,2026-06-03T10:00:00,7,,Z
c1,2026-06-04T10:00:00,3,,a
c1,2026-06-05T10:00:00,8,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "lowest"), "Z");
    assert_eq!(o.value("c1", "highest"), "é");
    assert_eq!(o.value("c1", "first_big"), "9");
    assert_eq!(o.value("c1", "last_small"), "3");
}

#[test]
fn decimal_values_are_equal_by_value_in_aggregates() {
    let rules = orders_program(
        "
let distinct_amounts = count_distinct(orders.amount)
let common = mode(orders.amount)
let total = sum(orders.amount)
",
    );
    // 2.5, 2.50 and 2.500 are one value; it occurs three times, 1 only twice
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,2.5,,
c1,2026-06-02T10:00:00,2.50,,
c1,2026-06-03T10:00:00,2.500,,
c1,2026-06-04T10:00:00,1,,
c1,2026-06-05T10:00:00,1.0,,
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "distinct_amounts"), "2");
    assert_eq!(o.value("c1", "common"), "2.5");
    assert_eq!(o.value("c1", "total"), "9.5");
}

#[test]
fn exists_is_whether_any_event_matches() {
    let rules = orders_program(
        "
let any = exists(orders)
let any_tea = exists(orders where category == \"tea\")
",
    );
    let orders = "id,at,amount,qty,category
c1,2026-06-01T10:00:00,,,tea
c2,2026-06-01T10:00:00,,,coffee
";
    let o = run(
        &rules,
        &[("customer", "id\nc1\nc2\nc3\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("any"), ["true", "true", "false"]);
    assert_eq!(o.column("any_tea"), ["true", "false", "false"]);
}

#[test]
fn where_sees_event_fields_and_outer_names() {
    let rules = "
entity customer key id {
  id: string
  floor_amount: decimal
}
events orders time at {
  id: string
  at: datetime
  amount: decimal
  category: string
}
param big: int = 50
let over_floor = count(orders where amount >= floor_amount)
let big_ones = count(orders where amount > big)
let small_tea = sum(orders.amount where category == \"tea\" and amount < big)
let recent = count(orders where at > as_of - 7 days)
";
    let orders = "id,at,amount,category
c1,2026-06-01T10:00:00,5,tea
c1,2026-06-02T10:00:00,20,tea
c1,2026-06-25T10:00:00,60,coffee
c1,2026-06-26T10:00:00,70,tea
c2,2026-06-23T10:00:00,5,tea
";
    let o = run(
        rules,
        &[
            ("customer", "id,floor_amount\nc1,10\nc2,100\n"),
            ("orders", orders),
        ],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("over_floor"), ["3", "0"]);
    assert_eq!(o.column("big_ones"), ["2", "0"]);
    assert_eq!(o.column("small_tea"), ["25", "5"]);
    // as_of - 7 days = 2026-06-23 (midnight): 06-25 and 06-26 for c1, 06-23T10:00 for c2
    assert_eq!(o.column("recent"), ["2", "1"]);
}

#[test]
fn where_filters_against_constants_keep_three_valued_logic() {
    // These shapes are tested on each event without evaluating the expression tree:
    // the results must be those of the expressions as written.
    let rules = "
entity customer key id {
  id: string
}
events orders time at {
  id: string
  at: datetime
  amount: decimal?
  category: string?
}
let left_const = count(orders where 10 < amount)
let in_list = count(orders where category in [\"tea\", \"fruit\"])
let not_in_list = count(orders where category not in [\"tea\", \"fruit\"])
let in_with_null = count(orders where category not in [\"tea\", null])
let either = count(orders where amount > 50 or category == \"tea\")
let both = count(orders where amount <= 50 and category != \"tea\")
let negated = count(orders where not (amount > 50))
";
    let orders = "id,at,amount,category
c1,2026-06-01T10:00:00,5,tea
c1,2026-06-02T10:00:00,20,fruit
c1,2026-06-03T10:00:00,60,
c1,2026-06-04T10:00:00,,coffee
c1,2026-06-05T10:00:00,,
";
    let o = run(
        rules,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("left_const"), ["2"]);
    assert_eq!(o.column("in_list"), ["2"]);
    // a null category is neither in nor not in the list
    assert_eq!(o.column("not_in_list"), ["1"]);
    // coffee not in [tea, null] is null, so no event counts
    assert_eq!(o.column("in_with_null"), ["0"]);
    // 5 (tea) and 60 (over 50); the rows with a null amount are not tea
    assert_eq!(o.column("either"), ["2"]);
    // 20 fruit only (5 is tea; null amounts are unknown)
    assert_eq!(o.column("both"), ["1"]);
    // not (amount > 50) holds for 5 and 20; null amounts stay unknown
    assert_eq!(o.column("negated"), ["2"]);
}

#[test]
fn a_large_events_file_with_quoted_line_breaks_is_read_whole() {
    // Files of 8 MiB and more are read in two parts cut at a line end, on the guess
    // that they hold no quotes; a quoted cell with a line break in it proves the guess
    // wrong, and the file must then be read in one piece, with the same counts.
    let rules = "
entity customer key id {
  id: string
}
events orders time at {
  id: string
  at: datetime
  amount: decimal
  note: string?
}
let orders_ever = count(orders)
let odd_notes = count(orders where note == \"two,\\nlines\")
let total = sum(orders.amount)
";
    let rows = 200_000;
    let mut orders = String::from("id,at,amount,note\n");
    for i in 0..rows {
        let note = if i % 1000 == 0 {
            "\"two,\nlines\""
        } else {
            "a note long enough to make the file larger than eight mebibytes"
        };
        orders.push_str(&format!("c{},2026-06-01T10:00:00,1.5,{note}\n", i % 2));
    }
    assert!(
        orders.len() > 8 << 20,
        "the file is large enough to be split"
    );
    let o = run(
        rules,
        &[("customer", "id\nc0\nc1\n"), ("orders", &orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("orders_ever"), ["100000", "100000"]);
    assert_eq!(o.column("odd_notes"), ["200", "0"]);
    assert_eq!(o.column("total"), ["150000", "150000"]);
}

#[test]
fn an_event_field_shadows_an_outer_name_inside_where() {
    let rules = "
entity customer key id {
  id: string
  amount: int
}
events orders time at {
  id: string
  at: datetime
  amount: int
}
let own = amount
let over_five = count(orders where amount > 5)
let under_fifty = count(orders where amount < 50)
";
    let orders = "id,at,amount
c1,2026-06-01T10:00:00,3
c1,2026-06-02T10:00:00,7
";
    let o = run(
        rules,
        &[("customer", "id,amount\nc1,100\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "own"), "100");
    assert_eq!(o.value("c1", "over_five"), "1");
    assert_eq!(o.value("c1", "under_fifty"), "2");
}

#[test]
fn an_aggregate_may_depend_on_another_aggregate_or_a_population_value() {
    let rules = "
entity customer key id {
  id: string
}
events orders time at {
  id: string
  at: datetime
  amount: int
}
let above_avg = count(orders where amount > avg(orders.amount))
let mean_amount = avg(orders.amount)
let above_named = count(orders where amount > mean_amount)
let above_count = count(orders where amount > above_named)
let top = max(orders.amount)
let population_mean = mean(top)
let at_least_mean = count(orders where amount >= population_mean)
";
    let orders = "id,at,amount
c1,2026-06-01T10:00:00,1
c1,2026-06-02T10:00:00,2
c1,2026-06-03T10:00:00,3
c1,2026-06-04T10:00:00,10
c2,2026-06-01T10:00:00,5
c2,2026-06-02T10:00:00,5
";
    let o = run(
        rules,
        &[("customer", "id\nc1\nc2\nc3\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    // c1: avg 4 → one above; c2: avg 5 → none; c3: avg null → none
    assert_eq!(o.column("above_avg"), ["1", "0", "0"]);
    assert_eq!(o.column("mean_amount"), ["4", "5", ""]);
    assert_eq!(o.column("above_named"), ["1", "0", "0"]);
    // a third level: c1 counts amounts > 1, c2 amounts > 0
    assert_eq!(o.column("above_count"), ["3", "2", "0"]);
    // mean of 10 and 5 (c3's null left out) = 7.5
    assert_eq!(o.column("population_mean"), ["7.5", "7.5", "7.5"]);
    assert_eq!(o.column("at_least_mean"), ["1", "0", "0"]);
}

#[test]
fn a_stream_without_time_takes_part_whole() {
    let rules = "
entity customer key id {
  id: string
}
events tags {
  id: string
  tag: string
  noted: date
}
let n = count(tags)
let latest = max(tags.noted)
";
    let tags = "id,tag,noted\nc1,a,2026-01-01\nc1,b,2027-01-01\n";
    let o = run(
        rules,
        &[("customer", "id\nc1\n"), ("tags", tags)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "2");
    assert_eq!(o.value("c1", "latest"), "2027-01-01");
    assert_eq!(o.summary_at("events_after_as_of"), "0");
}

// ═══════════════════════ Section 3: population functions ═══════════════════════

const POPULATION_HEAD: &str = "
entity customer key id {
  id: string
  v: int?
  d: decimal?
  n: int?
}
";

fn population_program(lets: &str) -> String {
    format!("{POPULATION_HEAD}{lets}")
}

#[test]
fn ntile_gives_equal_values_equal_scores() {
    let rules = population_program(
        "
let half = ntile(v, 2)
let quarter = ntile(v, 4)
",
    );
    // N = 4; below = 0, 0, 2, 3
    let o = run(
        &rules,
        &[("customer", "id,v,d,n\nc1,10,,\nc2,10,,\nc3,20,,\nc4,30,,\n")],
        AS_OF,
        &[],
    );
    // floor(2*below/4)+1
    assert_eq!(o.column("half"), ["1", "1", "2", "2"]);
    // floor(4*below/4)+1
    assert_eq!(o.column("quarter"), ["1", "1", "3", "4"]);
}

#[test]
fn ntile_leaves_nulls_out_of_n_and_gives_them_null() {
    let rules = population_program("let third = ntile(v, 3)\n");
    // non-null values 5, 5, 7: N = 3, below = 0, 0, 2 → 1, 1, floor(3*2/3)+1 = 3
    let o = run(
        &rules,
        &[("customer", "id,v,d,n\nc1,5,,\nc2,,,\nc3,5,,\nc4,7,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("third"), ["1", "", "1", "3"]);
}

#[test]
fn ntile_with_more_tiles_than_values() {
    let rules = population_program("let decile = ntile(v, 10)\n");
    // N = 2, below = 0, 1 → 1 and floor(10*1/2)+1 = 6
    let o = run(
        &rules,
        &[("customer", "id,v,d,n\nc1,1,,\nc2,2,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("decile"), ["1", "6"]);
}

#[test]
fn percentile_interpolates_exactly() {
    let rules = population_program(
        "
let p50 = percentile(v, 0.5)
let p25 = percentile(v, 0.25)
let p0 = percentile(v, 0)
let p100 = percentile(v, 1)
let d50 = percentile(d, 0.5)
let none = percentile(n, 0.5)
let p90 = percentile(v, 90%)
",
    );
    let customers = "id,v,d,n
c1,1,0.1,
c2,2,0.2,
c3,3,,
c4,4,,
c5,,,
";
    let o = run(&rules, &[("customer", customers)], AS_OF, &[]);
    // values 1,2,3,4: pos = 1.5 → 2 + (3-2)*0.5
    assert_eq!(o.value("c1", "p50"), "2.5");
    // pos = 0.75 → 1 + 1*0.75
    assert_eq!(o.value("c1", "p25"), "1.75");
    assert_eq!(o.value("c1", "p0"), "1");
    assert_eq!(o.value("c1", "p100"), "4");
    // 0.1 + (0.2 - 0.1) * 0.5 = 0.15 exactly (in floats 0.15000000000000002)
    assert_eq!(o.value("c1", "d50"), "0.15");
    assert_eq!(o.value("c1", "none"), "");
    // `90%` is the decimal 0.9: pos = 2.7 → 3 + 1*0.7
    assert_eq!(o.value("c1", "p90"), "3.7");
    // a population value is the same for every entity, whatever its own x
    assert_eq!(o.value("c5", "p50"), "2.5");
}

#[test]
fn percentile_of_equal_neighbours_is_exactly_their_value() {
    let rules = population_program(
        "
let d90 = percentile(d, 0.9)
let v90 = percentile(v, 0.9)
let v30 = percentile(v, 0.3)
",
    );
    let mut customers = String::from("id,v,d,n\n");
    for i in 0..10 {
        customers.push_str(&format!("k{i},{},0.1,\n", i + 1));
    }
    let o = run(&rules, &[("customer", &customers)], AS_OF, &[]);
    assert_eq!(o.value("k0", "d90"), "0.1");
    // values 1..10: pos = 8.1 → 9 + 1*0.1
    assert_eq!(o.value("k0", "v90"), "9.1");
    // pos = 0.3 * 9 = 2.7 exactly → 3 + 1*0.7 (floats would give 3.6999999999999997)
    assert_eq!(o.value("k0", "v30"), "3.7");
}

#[test]
fn percent_rank_is_below_over_n_minus_one() {
    let rules = population_program("let pr = percent_rank(v)\n");
    let o = run(
        &rules,
        &[(
            "customer",
            "id,v,d,n\nc1,10,,\nc2,20,,\nc3,20,,\nc4,30,,\nc5,,,\n",
        )],
        AS_OF,
        &[],
    );
    // N = 4; below = 0, 1, 1, 3
    assert_eq!(
        o.column("pr"),
        ["0", "0.3333333333333333", "0.3333333333333333", "1", ""]
    );
}

#[test]
fn percent_rank_is_zero_for_a_single_value() {
    let rules = population_program("let pr = percent_rank(v)\n");
    let o = run(
        &rules,
        &[("customer", "id,v,d,n\nc1,10,,\nc2,,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("pr"), ["0", ""]);
}

#[test]
fn mean_is_exact_over_non_null_values_and_null_when_none() {
    let rules = population_program(
        "
let mean_d = mean(d)
let mean_v = mean(v)
let mean_n = mean(n)
",
    );
    let customers = "id,v,d,n
c1,1,0.1,
c2,2,0.2,
c3,,0.3,
c4,,,
";
    let o = run(&rules, &[("customer", customers)], AS_OF, &[]);
    assert_eq!(o.value("c1", "mean_d"), "0.2");
    assert_eq!(o.value("c4", "mean_d"), "0.2");
    assert_eq!(o.value("c1", "mean_v"), "1.5");
    assert_eq!(o.value("c1", "mean_n"), "");
}

#[test]
fn a_population_function_may_use_a_population_value_in_stages() {
    let rules = population_program(
        "
let dev = v - mean(v)
let median_dev = percentile(dev, 0.5)
let top = dev > percentile(dev, 0.5)
let dev_half = ntile(dev, 2)
let rank_half = ntile(percent_rank(v), 2)
",
    );
    // mean(v) = 3; dev = -2, -1, 0, 3; median of dev: pos 1.5 → -1 + 1*0.5 = -0.5
    let o = run(
        &rules,
        &[("customer", "id,v,d,n\nc1,1,,\nc2,2,,\nc3,3,,\nc4,6,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("dev"), ["-2", "-1", "0", "3"]);
    assert_eq!(o.value("c1", "median_dev"), "-0.5");
    assert_eq!(o.column("top"), ["false", "false", "true", "true"]);
    assert_eq!(o.column("dev_half"), ["1", "1", "2", "2"]);
    assert_eq!(o.column("rank_half"), ["1", "1", "2", "2"]);
}

// ═══════════════════════ Segments and segmentations ═══════════════════════

const SEGMENTS_PROGRAM: &str = "
entity customer key id {
  id: string
  a: int
}
segment zeta when a > 5
segment alpha when a > 0
segment never when a > 1000
segmentation tier {
  segment high when a > 5
  segment mid when a > 0
  segment low otherwise
}
segmentation partial {
  segment big when a > 50
  segment small when a < 3
}
let doubled = a * 2
let t = tier
";

const SEGMENTS_DATA: &str = "id,a\nc1,10\nc2,3\nc3,0\nc4,100\n";

#[test]
fn a_segmentation_takes_the_first_matching_segment() {
    let o = run(SEGMENTS_PROGRAM, &[("customer", SEGMENTS_DATA)], AS_OF, &[]);
    // c1 and c4 match both `high` and `mid`: the first wins
    assert_eq!(o.column("tier"), ["high", "mid", "low", "high"]);
    assert_eq!(o.column("t"), ["high", "mid", "low", "high"]);
    assert_eq!(o.summary_at("segmentations/tier/high"), "2");
    assert_eq!(o.summary_at("segmentations/tier/mid"), "1");
    assert_eq!(o.summary_at("segmentations/tier/low"), "1");
}

#[test]
fn an_entity_matching_nothing_without_otherwise_is_unassigned() {
    let o = run(SEGMENTS_PROGRAM, &[("customer", SEGMENTS_DATA)], AS_OF, &[]);
    assert_eq!(o.column("partial"), ["", "", "small", "big"]);
    assert_eq!(o.summary_at("segmentations/partial/big"), "1");
    assert_eq!(o.summary_at("segmentations/partial/small"), "1");
    assert_eq!(o.summary_at("segmentations/partial/(none)"), "2");
}

#[test]
fn standalone_segments_are_listed_in_program_order() {
    let o = run(SEGMENTS_PROGRAM, &[("customer", SEGMENTS_DATA)], AS_OF, &[]);
    assert_eq!(
        o.column("segments"),
        ["zeta;alpha", "alpha", "", "zeta;alpha"]
    );
    assert_eq!(o.summary_at("segments/zeta"), "2");
    assert_eq!(o.summary_at("segments/alpha"), "3");
    assert_eq!(o.summary_at("segments/never"), "0");
}

#[test]
fn assignments_header_is_key_segmentations_segments_campaigns_then_lets() {
    let o = run(SEGMENTS_PROGRAM, &[("customer", SEGMENTS_DATA)], AS_OF, &[]);
    assert_eq!(
        o.header(),
        [
            "id",
            "tier",
            "partial",
            "segments",
            "campaigns",
            "doubled",
            "t"
        ]
    );
}

// ═══════════════════════ Section 6: campaigns and the policy ═══════════════════════

const CAMPAIGN_HEAD: &str = "
entity customer key id {
  id: string
  a: int?
  score: int?
  price: decimal?
}
action coupon {
  value: decimal
  cost: decimal?
}
";

fn campaign_program(rest: &str) -> String {
    format!("{CAMPAIGN_HEAD}{rest}")
}

/// `id,a,score,price` rows for keys with `a = 1` and nothing else.
fn plain_customers(keys: &[&str]) -> String {
    let mut text = String::from("id,a,score,price\n");
    for key in keys {
        text.push_str(&format!("{key},1,,\n"));
    }
    text
}

#[test]
fn campaigns_run_by_priority_higher_first_ties_in_program_order() {
    // md5("b:c8") → bucket 292 < 5000: holdout in `b` (default salt: the campaign's name).
    let rules = campaign_program(
        "
campaign b {
  audience true
  holdout 50%
  do coupon(value: 1)
}
campaign c {
  audience true
  priority 10
  do coupon(value: 2)
}
campaign a {
  audience true
  priority 10
  do coupon(value: 3)
}
campaign d {
  audience true
  priority -1
  do coupon(value: 4)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c8"]))],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.value("c8", "campaigns"),
        "c:treated;a:treated;b:holdout;d:treated"
    );
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[
            &["c8", "c", "treated", "2", ""],
            &["c8", "a", "treated", "3", ""],
            &["c8", "d", "treated", "4", ""],
        ])
    );
}

#[test]
fn max_campaigns_one_an_accepted_entity_is_not_eligible_for_the_next() {
    let rules = campaign_program(
        "
policy { max_campaigns 1 }
campaign low {
  audience true
  do coupon(value: 1)
}
campaign high {
  audience a > 5
  priority 10
  do coupon(value: 2)
}
",
    );
    let o = run(
        &rules,
        &[("customer", "id,a,score,price\nc1,10,,\nc2,1,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["high:treated", "low:treated"]);
    assert_eq!(o.summary_at("campaigns/high/eligible"), "1");
    assert_eq!(o.summary_at("campaigns/low/eligible"), "1");
}

#[test]
fn max_campaigns_two_allows_two() {
    let rules = campaign_program(
        "
policy { max_campaigns 2 }
campaign one {
  audience true
  priority 3
  do coupon(value: 1)
}
campaign two {
  audience true
  priority 2
  do coupon(value: 2)
}
campaign three {
  audience true
  priority 1
  do coupon(value: 3)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "campaigns"), "one:treated;two:treated");
    assert_eq!(o.summary_at("campaigns/three/eligible"), "0");
}

#[test]
fn a_holdout_takes_a_policy_slot() {
    // salt s1, holdout 50%: c1 → bucket 4501 (holdout), c2 → 6304 (treated)
    let rules = campaign_program(
        "
policy { max_campaigns 1 }
campaign first {
  audience true
  priority 10
  holdout 50%
  salt \"s1\"
  do coupon(value: 1)
}
campaign second {
  audience true
  do coupon(value: 2)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c2"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["first:holdout", "first:treated"]);
    assert_eq!(o.summary_at("campaigns/second/eligible"), "0");
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[&["c2", "first", "treated", "1", ""]])
    );
}

#[test]
fn a_skipped_entity_takes_no_policy_slot() {
    let rules = campaign_program(
        "
policy { max_campaigns 1 }
campaign first {
  audience true
  priority 10
  do coupon(value: 1) when a > 100
}
campaign second {
  audience true
  do coupon(value: 2)
}
",
    );
    let o = run(
        &rules,
        &[("customer", "id,a,score,price\nc1,1,,\nc2,200,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["second:treated", "first:treated"]);
    assert_eq!(o.summary_at("campaigns/first/eligible"), "2");
    assert_eq!(o.summary_at("campaigns/first/treated"), "1");
    assert_eq!(o.summary_at("campaigns/second/eligible"), "1");
}

#[test]
fn a_cut_entity_takes_no_policy_slot() {
    let rules = campaign_program(
        "
policy { max_campaigns 1 }
campaign first {
  audience true
  priority 10
  cap 1
  do coupon(value: 1)
}
campaign second {
  audience true
  do coupon(value: 2)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c2"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["first:treated", "second:treated"]);
    assert_eq!(o.summary_at("campaigns/first/cut"), "1");
}

#[test]
fn the_md5_bucket_of_the_key_decides_the_holdout() {
    // Default salt = the campaign's name `k`. Buckets of md5("k:KEY")[..4] % 10000:
    //   c1 → 2302, c3 → 4763 (< 5000: holdout); c4 → 5171, c5 → 6117 (treated)
    let rules = campaign_program(
        "
campaign k {
  audience true
  holdout 50%
  do coupon(value: 1)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c3", "c4", "c5"]))],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.column("campaigns"),
        ["k:holdout", "k:holdout", "k:treated", "k:treated"]
    );
    assert_eq!(o.summary_at("campaigns/k/eligible"), "4");
    assert_eq!(o.summary_at("campaigns/k/holdout"), "2");
    assert_eq!(o.summary_at("campaigns/k/treated"), "2");
    assert_eq!(o.summary_at("campaigns/k/variants/treated"), "2");
}

#[test]
fn salt_changes_the_buckets() {
    // md5("s1:c1") → 4501 (holdout), md5("s1:c2") → 6304 (treated)
    // md5("s2:c1") → 6291 (treated), md5("s2:c2") → 3855 (holdout)
    let with_salt = |salt: &str| {
        campaign_program(&format!(
            "
campaign k {{
  audience true
  holdout 50%
  salt \"{salt}\"
  do coupon(value: 1)
}}
"
        ))
    };
    let data = plain_customers(&["c1", "c2"]);
    let s1 = run(&with_salt("s1"), &[("customer", &data)], AS_OF, &[]);
    assert_eq!(s1.column("campaigns"), ["k:holdout", "k:treated"]);
    let s2 = run(&with_salt("s2"), &[("customer", &data)], AS_OF, &[]);
    assert_eq!(s2.column("campaigns"), ["k:treated", "k:holdout"]);
}

#[test]
fn the_bucket_hashes_the_key_in_its_output_text_form() {
    // An int key read as `04` is the key 4: md5("n:4") → 1559 (holdout), whereas
    // md5("n:04") → 7433; `02` is 2: md5("n:2") → 8153 (treated), md5("n:02") → 4578.
    let rules = "
entity customer key id {
  id: int
}
action note { text: string }
campaign n {
  audience true
  holdout 50%
  do note(text: \"hi\")
}
";
    let o = run(rules, &[("customer", "id\n04\n02\n")], AS_OF, &[]);
    assert_eq!(o.keys(), ["2", "4"]);
    assert_eq!(o.column("campaigns"), ["n:treated", "n:holdout"]);
}

#[test]
fn variants_are_chosen_by_cumulative_basis_points_after_the_holdout() {
    // salt "v", holdout 3%: h = 300, R = 9700; a 33.33% → floor(9700*3333/10000) = 3233,
    // b 33.33% → floor(9700*6666/10000) = 6466, c 33.34% → 9700. With v = bucket - 300:
    //   k11  bucket  133 → holdout
    //   k4   bucket  712 → v  412 → a
    //   k173 bucket 3575 → v 3275 → b   (unscaled weights would give a)
    //   k1   bucket 5512 → v 5212 → b
    //   k39  bucket 6788 → v 6488 → c   (unscaled weights would give b)
    //   k6   bucket 9785 → v 9485 → c
    let rules = campaign_program(
        "
campaign split {
  audience true
  holdout 3%
  salt \"v\"
  variant a 33.33% { do coupon(value: 1) }
  variant b 33.33% { do coupon(value: 2) }
  variant c 33.34% { do coupon(value: 3) }
}
",
    );
    let o = run(
        &rules,
        &[(
            "customer",
            &plain_customers(&["k11", "k4", "k173", "k1", "k39", "k6"]),
        )],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("k11", "campaigns"), "split:holdout");
    assert_eq!(o.value("k4", "campaigns"), "split:a");
    assert_eq!(o.value("k173", "campaigns"), "split:b");
    assert_eq!(o.value("k1", "campaigns"), "split:b");
    assert_eq!(o.value("k39", "campaigns"), "split:c");
    assert_eq!(o.value("k6", "campaigns"), "split:c");
    assert_eq!(o.summary_at("campaigns/split/holdout"), "1");
    assert_eq!(o.summary_at("campaigns/split/treated"), "5");
    assert_eq!(o.summary_at("campaigns/split/variants/a"), "1");
    assert_eq!(o.summary_at("campaigns/split/variants/b"), "2");
    assert_eq!(o.summary_at("campaigns/split/variants/c"), "2");
    // rows by key (byte order): k1, k173, k39, k4, k6
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[
            &["k1", "split", "b", "2", ""],
            &["k173", "split", "b", "2", ""],
            &["k39", "split", "c", "3", ""],
            &["k4", "split", "a", "1", ""],
            &["k6", "split", "c", "3", ""],
        ])
    );
}

#[test]
fn an_empty_variant_accepts_its_entities_with_no_action_rows() {
    // salt s1, no holdout: c1 → 4501 (< 5000: a), c2 → 6304 (b)
    let rules = campaign_program(
        "
campaign k {
  audience true
  salt \"s1\"
  variant a 50% { do coupon(value: 1) }
  variant b 50% { }
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c2"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["k:a", "k:b"]);
    assert_eq!(o.action_rows("coupon"), rows(&[&["c1", "k", "a", "1", ""]]));
    assert_eq!(o.summary_at("campaigns/k/treated"), "2");
    assert_eq!(o.summary_at("campaigns/k/variants/a"), "1");
    assert_eq!(o.summary_at("campaigns/k/variants/b"), "1");
}

#[test]
fn an_entity_is_skipped_only_when_no_variant_would_act() {
    // salt s1, no holdout: c1 → 4501 (a), c2 → 6304 (b), c3 → 3540 (a)
    let rules = campaign_program(
        "
campaign k {
  audience true
  salt \"s1\"
  variant a 50% { do coupon(value: 1) when a > 5 }
  variant b 50% { do coupon(value: 2) when a > 100 }
}
",
    );
    let o = run(
        &rules,
        &[("customer", "id,a,score,price\nc1,10,,\nc2,10,,\nc3,1,,\n")],
        AS_OF,
        &[],
    );
    // c2 would be acted on by variant a, so it is not skipped; its own variant b emits nothing
    assert_eq!(o.column("campaigns"), ["k:a", "k:b", ""]);
    assert_eq!(o.action_rows("coupon"), rows(&[&["c1", "k", "a", "1", ""]]));
    assert_eq!(o.summary_at("campaigns/k/eligible"), "3");
    assert_eq!(o.summary_at("campaigns/k/treated"), "2");
}

#[test]
fn an_eligible_entity_with_no_would_be_action_is_skipped_even_from_holdout() {
    // md5("k:c1") → 2302 would be holdout, but skipping comes before bucketing
    let rules = campaign_program(
        "
campaign k {
  audience true
  holdout 50%
  do coupon(value: 1) when a > 100
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c4"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["", ""]);
    assert_eq!(o.summary_at("campaigns/k/eligible"), "2");
    assert_eq!(o.summary_at("campaigns/k/holdout"), "0");
    assert_eq!(o.summary_at("campaigns/k/treated"), "0");
    assert_eq!(o.summary_at("campaigns/k/cut"), "0");
    assert!(o.action_rows("coupon").is_empty());
}

#[test]
fn the_budget_walk_stops_at_the_first_treated_entity_that_would_exceed_it() {
    // salt s2, holdout 30%: buckets c1 6291, c2 3855, c3 1885 (H), c4 4519, c5 6462,
    // c6 2694 (H), c7 3684, c8 4540. Rank by score desc, nulls last, ties by key asc:
    //   c1 90 T cost 4 → 4     accepted
    //   c3 80 H                accepted
    //   c2 70 T cost 3 → 7     accepted
    //   c8 65 T cost 2 → 9     accepted
    //   c4 60 T cost 2 → 11 > 10: the walk ends here; c4 and everyone after it is cut
    //   c5 60 T cost 1 (would fit, but comes after c4: tie by key)
    //   c6 50 H                cut (holdout too)
    //   c7 null T cost null (= 0; would fit; nulls last)
    let rules = campaign_program(
        "
campaign k {
  audience true
  holdout 30%
  salt \"s2\"
  budget 10
  rank by score desc
  do coupon(value: 1, cost: price)
}
",
    );
    let customers = "id,a,score,price
c1,1,90,4
c2,1,70,3
c3,1,80,100
c4,1,60,2
c5,1,60,1
c6,1,50,100
c7,1,,
c8,1,65,2
";
    let o = run(&rules, &[("customer", customers)], AS_OF, &[]);
    assert_eq!(
        o.column("campaigns"),
        [
            "k:treated",
            "k:treated",
            "k:holdout",
            "",
            "",
            "",
            "",
            "k:treated"
        ]
    );
    assert_eq!(o.summary_at("campaigns/k/eligible"), "8");
    assert_eq!(o.summary_at("campaigns/k/holdout"), "1");
    assert_eq!(o.summary_at("campaigns/k/treated"), "3");
    assert_eq!(o.summary_at("campaigns/k/cut"), "4");
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "9");
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[
            &["c1", "k", "treated", "1", "4"],
            &["c2", "k", "treated", "1", "3"],
            &["c8", "k", "treated", "1", "2"],
        ])
    );
}

#[test]
fn a_null_cost_counts_as_zero_in_the_budget() {
    let rules = campaign_program(
        "
campaign k {
  audience true
  budget 5
  do coupon(value: 1, cost: price)
}
",
    );
    let o = run(
        &rules,
        &[("customer", "id,a,score,price\nc1,1,,\nc2,1,,5\nc3,1,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.column("campaigns"),
        ["k:treated", "k:treated", "k:treated"]
    );
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "5");
    assert_eq!(o.summary_at("campaigns/k/cut"), "0");
}

#[test]
fn cap_limits_the_treated_count_holdout_not_counted() {
    // salt s2, holdout 30%: c1 6291 T, c2 3855 T, c3 1885 H, c4 4519 T, c5 6462 T, c6 2694 H
    // key order: c1 (1), c2 (2), c3 holdout, c4 would be the 3rd treated > cap 2: cut from here
    let rules = campaign_program(
        "
campaign k {
  audience true
  holdout 30%
  salt \"s2\"
  cap 2
  do coupon(value: 1)
}
",
    );
    let o = run(
        &rules,
        &[(
            "customer",
            &plain_customers(&["c1", "c2", "c3", "c4", "c5", "c6"]),
        )],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.column("campaigns"),
        ["k:treated", "k:treated", "k:holdout", "", "", ""]
    );
    assert_eq!(o.summary_at("campaigns/k/treated"), "2");
    assert_eq!(o.summary_at("campaigns/k/holdout"), "1");
    assert_eq!(o.summary_at("campaigns/k/cut"), "3");
}

#[test]
fn cap_zero_accepts_only_the_holdout_before_the_first_treated_entity() {
    // salt s1, holdout 50%: c1 4501 (H), c2 6304 (T), c3 3540 (H). Key order: c1 holdout is
    // accepted; c2 would be the first treated, over cap 0: the walk ends; c3 is cut.
    let rules = campaign_program(
        "
campaign k {
  audience true
  holdout 50%
  salt \"s1\"
  cap 0
  do coupon(value: 1)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1", "c2", "c3"]))],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["k:holdout", "", ""]);
    assert_eq!(o.summary_at("campaigns/k/holdout"), "1");
    assert_eq!(o.summary_at("campaigns/k/treated"), "0");
    assert_eq!(o.summary_at("campaigns/k/cut"), "2");
    assert!(o.action_rows("coupon").is_empty());
}

#[test]
fn a_decimal_budget_is_compared_exactly() {
    // costs 1.25 + 1.25 = 2.5 fit a budget of 2.5; c3's 0.5 would make 3.0
    let rules = campaign_program(
        "
campaign k {
  audience true
  budget 2.5
  do coupon(value: 1, cost: price)
}
",
    );
    let o = run(
        &rules,
        &[(
            "customer",
            "id,a,score,price\nc1,1,,1.25\nc2,1,,1.25\nc3,1,,0.5\n",
        )],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["k:treated", "k:treated", ""]);
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "2.5");
    assert_eq!(o.summary_at("campaigns/k/cut"), "1");
}

#[test]
fn rank_by_several_keys_and_default_key_order() {
    let rules = campaign_program(
        "
campaign by_keys {
  audience true
  cap 2
  rank by a desc, score asc
  do coupon(value: 1)
}
campaign by_default {
  audience true
  cap 2
  do coupon(value: 2)
}
",
    );
    // by_keys order: c3 (a 5), then a = 1: c2 (score 1), c4 (score 2), c1 (score null: last)
    let customers = "id,a,score,price\nc1,1,,\nc2,1,1,\nc3,5,9,\nc4,1,2,\n";
    let o = run(&rules, &[("customer", customers)], AS_OF, &[]);
    assert_eq!(
        o.column("campaigns"),
        [
            "by_default:treated",
            "by_keys:treated;by_default:treated",
            "by_keys:treated",
            ""
        ]
    );
}

#[test]
fn a_window_that_does_not_contain_as_of_makes_the_campaign_inactive() {
    let rules = campaign_program(
        "
campaign before {
  audience true
  window 2026-06-01 .. 2026-06-29
  do coupon(value: 1)
}
campaign after {
  audience true
  window 2026-07-01 .. 2026-07-31
  do coupon(value: 2)
}
campaign starts_today {
  audience true
  window 2026-06-30 .. 2026-07-31
  do coupon(value: 3)
}
campaign ends_today {
  audience true
  window 2026-06-01 .. 2026-06-30
  do coupon(value: 4)
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1"]))],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.value("c1", "campaigns"),
        "starts_today:treated;ends_today:treated"
    );
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[
            &["c1", "starts_today", "treated", "3", ""],
            &["c1", "ends_today", "treated", "4", ""],
        ])
    );
}

#[test]
fn a_do_whose_when_is_false_emits_nothing_and_costs_nothing() {
    let rules = campaign_program(
        "
action note { text: string }
campaign k {
  audience true
  do coupon(value: 1, cost: 3)
  do coupon(value: 2, cost: 4) when a > 5
  do note(text: \"big\") when a > 5
}
",
    );
    let o = run(
        &rules,
        &[("customer", "id,a,score,price\nc1,1,,\nc2,10,,\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.column("campaigns"), ["k:treated", "k:treated"]);
    assert_eq!(
        o.action_rows("coupon"),
        rows(&[
            &["c1", "k", "treated", "1", "3"],
            &["c2", "k", "treated", "1", "3"],
            &["c2", "k", "treated", "2", "4"],
        ])
    );
    assert_eq!(
        o.action_rows("note"),
        rows(&[&["c2", "k", "treated", "big"]])
    );
    // c1 costs 3, c2 costs 3 + 4
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "10");
}

#[test]
fn action_rows_are_ordered_by_campaign_run_order_then_key_then_do_order() {
    let rules = "
entity customer key id {
  id: string
}
action note { text: string }
campaign low {
  audience true
  priority 1
  do note(text: \"low first\")
  do note(text: \"low second\")
}
campaign high {
  audience true
  priority 5
  do note(text: \"high first\")
  do note(text: \"high second\")
}
";
    let o = run(rules, &[("customer", "id\nc2\nc1\n")], AS_OF, &[]);
    assert_eq!(
        o.action_header("note"),
        ["id", "campaign", "variant", "text"]
    );
    assert_eq!(
        o.action_rows("note"),
        rows(&[
            &["c1", "high", "treated", "high first"],
            &["c1", "high", "treated", "high second"],
            &["c2", "high", "treated", "high first"],
            &["c2", "high", "treated", "high second"],
            &["c1", "low", "treated", "low first"],
            &["c1", "low", "treated", "low second"],
            &["c2", "low", "treated", "low first"],
            &["c2", "low", "treated", "low second"],
        ])
    );
}

#[test]
fn every_declared_action_gets_its_file_header_only_when_unused() {
    let rules = campaign_program(
        "
action recommend {
  channel: enum(\"sms\", \"email\")
  category: string
}
",
    );
    let o = run(
        &rules,
        &[("customer", &plain_customers(&["c1"]))],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.action_header("recommend"),
        ["id", "campaign", "variant", "channel", "category"]
    );
    assert!(o.action_rows("recommend").is_empty());
    assert_eq!(
        o.action_header("coupon"),
        ["id", "campaign", "variant", "value", "cost"]
    );
    assert!(o.action_rows("coupon").is_empty());
}

#[test]
fn action_payload_values_are_typed_per_the_action() {
    let rules = "
entity customer key id {
  id: string
}
action offer {
  value: decimal
  valid_days: int
  cost: decimal
  share: float
  rate: decimal
  starts: date
  channel: enum(\"sms\", \"email\")
  note: string?
}
campaign k {
  audience true
  do offer(value: 20, valid_days: 14, cost: 3.00, share: coalesce(1 / 4, 0), rate: 10%,
           starts: as_of + 1 day, channel: \"sms\")
}
";
    let o = run(rules, &[("customer", "id\nc1\n")], AS_OF, &[]);
    assert_eq!(
        o.action_header("offer"),
        [
            "id",
            "campaign",
            "variant",
            "value",
            "valid_days",
            "cost",
            "share",
            "rate",
            "starts",
            "channel",
            "note"
        ]
    );
    assert_eq!(
        o.action_rows("offer"),
        rows(&[&[
            "c1",
            "k",
            "treated",
            "20",
            "14",
            "3",
            "0.25",
            "0.1",
            "2026-07-01",
            "sms",
            ""
        ]])
    );
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "3");
}

// ═══════════════════════ Section 9: inputs ═══════════════════════

#[test]
fn assignments_are_sorted_by_key_byte_order() {
    let rules = "
entity customer key id {
  id: string
}
";
    let o = run(
        rules,
        &[("customer", "id\nb\né\na\n\u{1F600}\nZ\nB\n中\n\u{FF61}\n")],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.keys(),
        ["B", "Z", "a", "b", "é", "中", "\u{FF61}", "\u{1F600}"]
    );
}

#[test]
fn int_keys_are_sorted_by_their_text_bytes() {
    let rules = "
entity customer key id {
  id: int
}
";
    let o = run(rules, &[("customer", "id\n9\n10\n100\n2\n")], AS_OF, &[]);
    assert_eq!(o.keys(), ["10", "100", "2", "9"]);
}

#[test]
fn booleans_are_true_false_1_0_in_any_case() {
    let rules = "
entity customer key id {
  id: string
  flag: bool
}
let f = flag
";
    let o = run(
        rules,
        &[(
            "customer",
            "id,flag\nc1,TRUE\nc2,False\nc3,1\nc4,0\nc5,tRuE\nc6,FALSE\n",
        )],
        AS_OF,
        &[],
    );
    assert_eq!(
        o.column("f"),
        ["true", "false", "true", "false", "true", "false"]
    );
}

#[test]
fn crlf_line_ends_and_quoted_cells_are_read_as_rfc_4180() {
    let rules = "
entity customer key id {
  id: string
  n: int
  s: string
}
let next = n + 1
let text = s
";
    let o = run(
        rules,
        &[(
            "customer",
            "id,n,s\r\nc1,1,\"a, b\"\r\nc2,2,\"say \"\"hi\"\"\"\r\n",
        )],
        AS_OF,
        &[],
    );
    assert_eq!(o.keys(), ["c1", "c2"]);
    assert_eq!(o.column("next"), ["2", "3"]);
    assert_eq!(o.column("text"), ["a, b", "say \"hi\""]);
}

#[test]
fn an_empty_csv_cell_is_null() {
    let rules = "
entity customer key id {
  id: string
  n: int?
  s: string?
  d: date?
}
let n_null = n is null
let s_null = s is null
let d_null = d is null
let s_len = length(s)
";
    let o = run(
        rules,
        &[("customer", "id,n,s,d\nc1,,,\nc2,1,\"\",\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n_null"), "true");
    assert_eq!(o.value("c1", "s_null"), "true");
    assert_eq!(o.value("c1", "d_null"), "true");
    assert_eq!(o.value("c1", "s_len"), "");
    assert_eq!(o.value("c2", "n_null"), "false");
}

#[test]
fn columns_are_matched_by_name_and_extra_columns_ignored() {
    let rules = "
entity customer key id {
  id: string
  a: int
  b: string
}
let sum_text = concat(b, \"-\", b)
let a2 = a * 2
";
    let o = run(
        rules,
        &[("customer", "extra,b,id,a\nx,hi,c1,21\n")],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "a2"), "42");
    assert_eq!(o.value("c1", "sum_text"), "hi-hi");
}

const TIMES_PROGRAM: &str = "
entity customer key id {
  id: string
}
events orders time at {
  id: string
  at: datetime
}
let n = count(orders)
let earliest = min(orders.at)
let latest = max(orders.at)
";

#[test]
fn a_datetime_with_an_offset_is_converted_to_utc() {
    // 2026-06-30T23:30:00-02:00 is 2026-07-01T01:30:00 UTC: after as_of 2026-06-30
    // 2026-06-30T01:30:00+02:00 is 2026-06-29T23:30:00 UTC
    let orders = "id,at
c1,2026-06-30T23:30:00-02:00
c1,2026-06-30T01:30:00+02:00
c1,2026-06-30T10:00:00Z
";
    let o = run(
        TIMES_PROGRAM,
        &[("customer", "id\nc1\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "2");
    assert_eq!(o.value("c1", "earliest"), "2026-06-29T23:30:00");
    assert_eq!(o.value("c1", "latest"), "2026-06-30T10:00:00");
    assert_eq!(o.summary_at("events_after_as_of"), "1");
}

#[test]
fn datetimes_may_carry_fractions() {
    let orders = "id,at
c1,2026-06-29T10:00:00.000
c1,2026-06-30T23:59:59.999
c2,2026-06-28T10:00:00.5
c2,2026-06-28T09:00
";
    let o = run(
        TIMES_PROGRAM,
        &[("customer", "id\nc1\nc2\n"), ("orders", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "n"), "2");
    // a zero fraction is not written
    assert_eq!(o.value("c1", "earliest"), "2026-06-29T10:00:00");
    assert!(
        o.value("c1", "latest")
            .starts_with("2026-06-30T23:59:59.999"),
        "latest = {}",
        o.value("c1", "latest")
    );
    assert!(
        o.value("c2", "latest").starts_with("2026-06-28T10:00:00.5"),
        "latest = {}",
        o.value("c2", "latest")
    );
    // seconds are optional
    assert_eq!(o.value("c2", "earliest"), "2026-06-28T09:00:00");
}

const STRICT_PROGRAM: &str = "
entity customer key id {
  id: string
  visits: int
  joined: date
  level: enum(\"normal\", \"gold\")
}
let next_visits = visits + 1
";

#[test]
fn a_non_integer_in_an_int_column_fails_the_run_naming_file_line_column_value() {
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[(
            "customer",
            "id,visits,joined,level\nc1,1,2026-01-01,gold\nc2,abc,2026-01-01,gold\n",
        )],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["customer.csv", "visits", "abc"]);
    assert!(mentions_number(&stderr, 3), "line 3 not named:\n{stderr}");
}

#[test]
fn a_date_that_does_not_exist_fails_the_run() {
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[("customer", "id,visits,joined,level\nc1,1,2026-02-30,gold\n")],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["customer.csv", "joined", "2026-02-30"]);
    assert!(mentions_number(&stderr, 2), "line 2 not named:\n{stderr}");
}

#[test]
fn a_date_not_written_yyyy_mm_dd_fails_the_run() {
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[("customer", "id,visits,joined,level\nc1,1,2026-6-1,gold\n")],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["customer.csv", "joined", "2026-6-1"]);
}

#[test]
fn a_value_outside_the_enum_fails_the_run() {
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[(
            "customer",
            "id,visits,joined,level\nc1,1,2026-01-01,gold\nc2,1,2026-01-01,gold\nc3,1,2026-01-01,platinum\n",
        )],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["customer.csv", "level", "platinum"]);
    assert!(mentions_number(&stderr, 4), "line 4 not named:\n{stderr}");
}

#[test]
fn a_bad_boolean_and_an_empty_non_nullable_cell_fail_the_run() {
    let rules = "
entity customer key id {
  id: string
  flag: bool
}
";
    let stderr = run_failing(rules, &[("customer", "id,flag\nc1,yes\n")], AS_OF, &[]);
    assert_mentions(&stderr, &["customer.csv", "flag", "yes"]);
    let stderr = run_failing(rules, &[("customer", "id,flag\nc1,\n")], AS_OF, &[]);
    assert_mentions(&stderr, &["customer.csv", "flag"]);
}

#[test]
fn a_bad_event_row_fails_the_run_too() {
    let stderr = run_failing(
        TIMES_PROGRAM,
        &[
            ("customer", "id\nc1\n"),
            ("orders", "id,at\nc1,2026-06-01T10:00:00\nc1,yesterday\n"),
        ],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["orders.csv", "at", "yesterday"]);
    assert!(mentions_number(&stderr, 3), "line 3 not named:\n{stderr}");
}

#[test]
fn line_numbers_are_physical_lines_of_the_file() {
    let rules = "
entity customer key id {
  id: string
  visits: int
  note: string
}
";
    // the quoted note of c1 spans lines 2-3; c2's bad row is record 3 but physical line 4
    let stderr = run_failing(
        rules,
        &[(
            "customer",
            "id,visits,note\nc1,1,\"two\nlines\"\nc2,abc,x\n",
        )],
        AS_OF,
        &[],
    );
    assert_mentions(&stderr, &["customer.csv", "visits", "abc"]);
    assert!(mentions_number(&stderr, 4), "line 4 not named:\n{stderr}");
}

#[test]
fn a_failed_run_leaves_an_earlier_output_untouched() {
    let scratch = Scratch::new();
    let good = "id,visits,joined,level\nc1,1,2026-01-01,gold\n";
    let bad = "id,visits,joined,level\nc1,x,2026-01-01,gold\n";
    let first = seg_run(&scratch, STRICT_PROGRAM, &[("customer", good)], AS_OF, &[]);
    assert!(first.status.success(), "the first run should succeed");
    let before = fs::read(scratch.out().join("assignments.csv")).expect("first output");
    let second = seg_run(&scratch, STRICT_PROGRAM, &[("customer", bad)], AS_OF, &[]);
    assert_eq!(second.status.code(), Some(1));
    let after = fs::read(scratch.out().join("assignments.csv")).expect("output still there");
    assert_eq!(before, after);
    assert!(!scratch.out().join("rejects.csv").exists());
}

#[test]
fn max_rejects_sends_bad_rows_to_rejects_csv_and_the_summary_counts_them() {
    let customers = "id,visits,joined,level
c1,1,2026-01-01,gold
c2,abc,2026-01-01,gold
c3,2,2026-02-30,normal
c4,3,2026-01-01,normal
";
    let o = run(
        STRICT_PROGRAM,
        &[("customer", customers)],
        AS_OF,
        &["--max-rejects", "2"],
    );
    assert_eq!(o.keys(), ["c1", "c4"]);
    assert_eq!(o.column("next_visits"), ["2", "4"]);
    assert_eq!(o.summary_at("rejects"), "2");
    assert_eq!(o.summary_at("entities"), "2");
    let rejects = read_csv(&o.scratch.out().join("rejects.csv"));
    assert_eq!(rejects.len(), 3, "a header and two rows: {rejects:?}");
    let text = fs::read_to_string(o.scratch.out().join("rejects.csv")).expect("rejects.csv");
    assert_mentions(&text, &["abc", "2026-02-30"]);
}

#[test]
fn more_bad_rows_than_max_rejects_fail_the_run() {
    let customers = "id,visits,joined,level
c1,x,2026-01-01,gold
c2,y,2026-01-01,gold
c3,z,2026-01-01,gold
";
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[("customer", customers)],
        AS_OF,
        &["--max-rejects", "2"],
    );
    assert_mentions(&stderr, &["customer.csv"]);
}

#[test]
fn a_duplicate_entity_key_is_a_bad_row() {
    let customers = "id,visits,joined,level
c1,1,2026-01-01,gold
c2,2,2026-01-01,gold
c1,3,2026-01-01,gold
";
    let stderr = run_failing(STRICT_PROGRAM, &[("customer", customers)], AS_OF, &[]);
    assert_mentions(&stderr, &["customer.csv", "c1"]);
    assert!(mentions_number(&stderr, 4), "line 4 not named:\n{stderr}");

    let o = run(
        STRICT_PROGRAM,
        &[("customer", customers)],
        AS_OF,
        &["--max-rejects", "1"],
    );
    assert_eq!(o.keys(), ["c1", "c2"]);
    assert_eq!(o.value("c1", "next_visits"), "2");
    assert_eq!(o.summary_at("rejects"), "1");
}

#[test]
fn a_missing_column_is_an_error_listing_the_columns_found() {
    let stderr = run_failing(
        STRICT_PROGRAM,
        &[(
            "customer",
            "id,joined,level,colour_x\nc1,2026-01-01,gold,red\n",
        )],
        AS_OF,
        &[],
    );
    assert_mentions(
        &stderr,
        &["customer.csv", "visits", "joined", "level", "colour_x"],
    );
}

#[test]
fn ndjson_input_works_like_csv() {
    let rules = "
entity customer key id {
  id: string
  visits: int?
  joined: date
  vip: bool
  spend: decimal
}
events orders time at {
  id: string
  at: datetime
  amount: decimal
}
let next_visits = visits + 1
let tenure = days_between(joined, as_of)
let is_vip = vip
let double_spend = spend * 2
let total = sum(orders.amount)
";
    let customers = r#"{"id":"c2","visits":3,"joined":"2026-06-01","vip":true,"spend":1.25}
{"id":"c1","visits":null,"joined":"2026-06-29","vip":false,"spend":2.50,"extra":1}
"#;
    let orders = r#"{"id":"c1","at":"2026-06-01T10:00:00","amount":1.10}
{"id":"c1","at":"2026-07-01T10:00:00","amount":5}
{"id":"c2","at":"2026-06-30T23:30:00+01:00","amount":2.20}
"#;
    let o = run(
        rules,
        &[("customer.ndjson", customers), ("orders.jsonl", orders)],
        AS_OF,
        &[],
    );
    assert_eq!(o.keys(), ["c1", "c2"]);
    assert_eq!(o.column("next_visits"), ["", "4"]);
    assert_eq!(o.column("tenure"), ["1", "29"]);
    assert_eq!(o.column("is_vip"), ["false", "true"]);
    assert_eq!(o.column("double_spend"), ["5", "2.5"]);
    assert_eq!(o.column("total"), ["1.1", "2.2"]);
    assert_eq!(o.summary_at("events_after_as_of"), "1");
}

#[test]
fn a_key_absent_from_an_ndjson_record_is_a_missing_column() {
    let rules = "
entity customer key id {
  id: string
  visits: int
}
";
    let customers = "{\"id\":\"c1\",\"visits\":1}\n{\"id\":\"c2\"}\n";
    let stderr = run_failing(rules, &[("customer.ndjson", customers)], AS_OF, &[]);
    assert_mentions(&stderr, &["customer.ndjson", "visits"]);
}

// ─── Parameters ───

const PARAMS_PROGRAM: &str = "
entity customer key id {
  id: string
  a: int
}
param threshold: int = 5
param brand: string = \"none\"
param rate: decimal = 0.10
param since: date = 2026-01-01
param on: bool = false
let over = a > threshold
let b = brand
let doubled = rate * 2
let start = since + 1 day
let flag = on
let later = as_of + days(threshold)
";

#[test]
fn params_take_their_defaults() {
    let o = run(PARAMS_PROGRAM, &[("customer", "id,a\nc1,6\n")], AS_OF, &[]);
    assert_eq!(o.value("c1", "over"), "true");
    assert_eq!(o.value("c1", "b"), "none");
    assert_eq!(o.value("c1", "doubled"), "0.2");
    assert_eq!(o.value("c1", "start"), "2026-01-02");
    assert_eq!(o.value("c1", "flag"), "false");
    assert_eq!(o.value("c1", "later"), "2026-07-05");
}

#[test]
fn param_overrides_are_typed_and_a_string_is_given_bare() {
    let o = run(
        PARAMS_PROGRAM,
        &[("customer", "id,a\nc1,6\n")],
        AS_OF,
        &[
            "--param",
            "threshold=7",
            "--param",
            "brand=贵烟(福)",
            "--param",
            "rate=0.25",
            "--param",
            "since=2026-03-01",
            "--param",
            "on=true",
        ],
    );
    assert_eq!(o.value("c1", "over"), "false");
    assert_eq!(o.value("c1", "b"), "贵烟(福)");
    assert_eq!(o.value("c1", "doubled"), "0.5");
    assert_eq!(o.value("c1", "start"), "2026-03-02");
    assert_eq!(o.value("c1", "flag"), "true");
    assert_eq!(o.value("c1", "later"), "2026-07-07");
}

#[test]
fn param_overrides_take_signed_and_percent_literals() {
    let o = run(
        PARAMS_PROGRAM,
        &[("customer", "id,a\nc1,6\n")],
        AS_OF,
        &["--param", "threshold=-3", "--param", "rate=10%"],
    );
    assert_eq!(o.value("c1", "over"), "true");
    assert_eq!(o.value("c1", "later"), "2026-06-27");
    assert_eq!(o.value("c1", "doubled"), "0.2");
}

#[test]
fn a_param_value_of_the_wrong_type_is_an_error() {
    let stderr = run_failing(
        PARAMS_PROGRAM,
        &[("customer", "id,a\nc1,6\n")],
        AS_OF,
        &["--param", "threshold=abc"],
    );
    assert_mentions(&stderr, &["threshold"]);
}

#[test]
fn an_unknown_param_is_an_error() {
    let stderr = run_failing(
        PARAMS_PROGRAM,
        &[("customer", "id,a\nc1,6\n")],
        AS_OF,
        &["--param", "no_such_param=1"],
    );
    assert_mentions(&stderr, &["no_such_param"]);
}

// ═══════════════════════ Section 9: outputs ═══════════════════════

#[test]
fn summary_counts_entities_events_and_campaigns() {
    let rules = "
entity customer key id {
  id: string
  a: int
}
events orders time at {
  id: string
  at: datetime
}
segmentation tier {
  segment high when a > 5
}
segment any when a > 0
action note { text: string }
campaign k {
  audience a > 0
  do note(text: \"x\")
}
";
    let orders = "id,at
c1,2026-06-01T10:00:00
c1,2026-07-01T10:00:00
nobody,2026-06-01T10:00:00
";
    let o = run(
        rules,
        &[
            ("customer", "id,a\nc1,10\nc2,1\nc3,0\n"),
            ("orders", orders),
        ],
        AS_OF,
        &[],
    );
    assert_eq!(o.summary_at("as_of"), "2026-06-30");
    assert_eq!(o.summary_at("entities"), "3");
    assert_eq!(o.summary_at("events_read"), "3");
    assert_eq!(o.summary_at("events_after_as_of"), "1");
    assert_eq!(o.summary_at("orphans"), "1");
    assert_eq!(o.summary_at("rejects"), "0");
    assert_eq!(o.summary_at("segmentations/tier/high"), "1");
    assert_eq!(o.summary_at("segmentations/tier/(none)"), "2");
    assert_eq!(o.summary_at("segments/any"), "2");
    assert_eq!(o.summary_at("campaigns/k/eligible"), "2");
    assert_eq!(o.summary_at("campaigns/k/holdout"), "0");
    assert_eq!(o.summary_at("campaigns/k/treated"), "2");
    assert_eq!(o.summary_at("campaigns/k/cut"), "0");
    assert_eq!(o.summary_at("campaigns/k/total_cost"), "0");
    assert_eq!(o.summary_at("campaigns/k/variants/treated"), "2");
}

#[test]
fn output_values_use_the_canonical_text_forms() {
    let rules = "
entity customer key id {
  id: string
  d: decimal
  t: datetime
  s: string
}
let dec = d
let dec_sum = d + 0.000
let flt = 2 / 3
let when_at = t
let day = date(t)
let yes = d > 0
let text = s
";
    let o = run(
        rules,
        &[(
            "customer",
            "id,d,t,s\nc1,12.3400,2026-06-30T09:05:00,\"a, \"\"quoted\"\" text\"\n",
        )],
        AS_OF,
        &[],
    );
    assert_eq!(o.value("c1", "dec"), "12.34");
    assert_eq!(o.value("c1", "dec_sum"), "12.34");
    assert_eq!(o.value("c1", "flt"), "0.6666666666666666");
    assert_eq!(o.value("c1", "when_at"), "2026-06-30T09:05:00");
    assert_eq!(o.value("c1", "day"), "2026-06-30");
    assert_eq!(o.value("c1", "yes"), "true");
    assert_eq!(o.value("c1", "text"), "a, \"quoted\" text");
}

#[test]
fn the_same_inputs_give_byte_identical_outputs() {
    let rules = campaign_program(
        "
segmentation tier {
  segment high when score > 50
  segment low otherwise
}
segment priced when price > 0
let rank = ntile(score, 3)
let share = percent_rank(score)
campaign k {
  audience true
  holdout 10%
  budget 30
  rank by score desc
  variant x 50% { do coupon(value: 1.50, cost: price) }
  variant y 50% { do coupon(value: 2, cost: 1) }
}
",
    );
    let mut customers = String::from("id,a,score,price\n");
    for i in 0..40 {
        customers.push_str(&format!("c{i},{},{},{}.25\n", i % 7, (i * 37) % 101, i % 5));
    }
    let first = run(&rules, &[("customer", &customers)], AS_OF, &[]);
    let second = run(&rules, &[("customer", &customers)], AS_OF, &[]);
    let a = first.all_files();
    let b = second.all_files();
    assert_eq!(
        a.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        b.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>()
    );
    for ((name, left), (_, right)) in a.iter().zip(&b) {
        assert!(left == right, "{name} differs between two runs");
    }
    assert!(a.iter().any(|(name, _)| name == "assignments.csv"));
    assert!(a.iter().any(|(name, _)| name == "summary.json"));
}

#[test]
fn spreadsheet_safe_prefixes_text_cells_that_would_start_a_formula() {
    // OWASP's advice against CSV injection: a text cell starting with =, +, -, @, a tab
    // or a carriage return gets a leading '. Numbers (a negative amount) stay numbers.
    let rules = "
entity customer key id {
  id: string
  note: string
  amount: decimal
}
action call {
  note: string
  amount: decimal
}
let shown = note
campaign everyone {
  audience true
  do call(note: note, amount: amount)
}
";
    let customers = "id,note,amount
=HYPERLINK(x),+1 555,-3.5
@sum,\"\tTab\",2
plain,-minus,-1
";
    let data = [("customer", customers)];
    let plain = run(rules, &data, AS_OF, &[]);
    let safe = run(rules, &data, AS_OF, &["--spreadsheet-safe"]);
    assert_eq!(plain.keys(), ["=HYPERLINK(x)", "@sum", "plain"]);
    assert_eq!(safe.keys(), ["'=HYPERLINK(x)", "'@sum", "plain"]);
    assert_eq!(safe.column("shown"), ["'+1 555", "'\tTab", "'-minus"]);
    let rows: Vec<Vec<String>> = safe.action_rows("call");
    assert_eq!(
        rows.iter()
            .map(|r| (r[0].as_str(), r[3].as_str(), r[4].as_str()))
            .collect::<Vec<_>>(),
        [
            ("'=HYPERLINK(x)", "'+1 555", "-3.5"),
            ("'@sum", "'\tTab", "2"),
            ("plain", "'-minus", "-1"),
        ]
    );
}
