//! The typed event path and the row path give the same outputs.
//!
//! A CSV events file without quotes, keyed by a string, whose filters only compare fields
//! with constants, is read as typed scalars (`Feeder::feed_scalars` in
//! `src/exec/stream.rs`); any other file is read as rows of values (`Feeder::feed`). One
//! quoted cell sends a file down the row path, so each program here is run on a file
//! and on the same file with one cell quoted, and every output must be the same, byte
//! for byte: values of every aggregate over every field type (with `--with-values`),
//! rejected rows, counts, segments and actions.
//!
//! One filter the typed path cannot test (`not (...)`, `is null`, a call...) sends the
//! whole pass down the row path, so every filter of [`RULES`] is one it tests: a field
//! compared with a constant, `in`, `not in`, `and`, `or`.

use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-06-30";

const RULES: &str = r#"
entity customer key id {
  id: string
  tier: enum("a", "b")?
}

events orders time at {
  id: string
  at: datetime
  amount: decimal?
  qty: int?
  score: float?
  day: date?
  paid: bool?
  kind: enum("x", "y", "z")?
  note: string?
}

let n          = count(orders)
let any_x      = exists(orders where kind == "x")
let recent_amt = sum(orders.amount where at > as_of - 30 days)
let odd_qty    = sum(orders.qty where qty in [1, 3, 5])
let score_sum  = sum(orders.score)
let amt_avg    = avg(orders.amount)
let paid_score = avg(orders.score where paid == true)
let qty_avg    = avg(orders.qty where kind not in ["z"])
let first_at   = min(orders.at)
let last_at    = max(orders.at where at <= as_of)
let late_day   = max(orders.day where day >= as_of - 1 year)
let top_note   = max(orders.note)
let low_note   = min(orders.note where note != "n3" and amount > 1.5)
let low_amt    = min(orders.amount where amount >= -1 or qty == 2)
let top_score  = max(orders.score where score < 50.5)
let kinds      = count_distinct(orders.kind)
let notes      = count_distinct(orders.note where note not in ["n1", "n2"])
let days       = count_distinct(orders.day)
let fav_note   = mode(orders.note)
let fav_qty    = mode(orders.qty where kind == "y" or kind == "z")
let fav_kind   = mode(orders.kind)
let fav_amt    = mode(orders.amount)
let first_amt  = first(orders.amount)
let last_note  = last(orders.note where kind in ["x", "y"] or qty < 2)
let last_paid  = last(orders.paid)
let tier_a     = count(orders where kind == "x" and paid == false)

segment big when recent_amt > 20
segmentation by_kind {
  segment xs when fav_kind == "x"
  segment others otherwise
}

action note { text: string }

campaign hello {
  audience big
  rank by recent_amt desc
  do note(text: fav_note) when fav_note is not null
}
"#;

/// A small deterministic generator (xorshift).
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len() as u64) as usize]
    }
}

/// Customers `c0`..`c59`, and events for them (and for unknown keys), with empty cells,
/// every datetime and decimal form the language reads, events after the as-of date and a
/// few bad rows.
fn data(dir: &Path) -> (PathBuf, String) {
    let customers: String = std::iter::once("id,tier\n".to_string())
        .chain((0..60).map(|i| format!("c{i},{}\n", ["a", "b", ""][i % 3])))
        .collect();
    let customer_file = dir.join("customers.csv");
    std::fs::write(&customer_file, customers).expect("write customers");
    let mut r = Random(0x9e37_79b9_7f4a_7c15);
    let mut orders = String::from("id,at,amount,qty,score,day,paid,kind,note\n");
    for _ in 0..4000 {
        let id = match r.next(50) {
            0 => "nobody".to_string(),
            _ => format!("c{}", r.next(60)),
        };
        let at = format!(
            "2026-{:02}-{:02}{}",
            1 + r.next(8),
            1 + r.next(28),
            r.pick(&[
                "T10:00:00",
                " 23:59:59",
                "T08:30:00Z",
                "T01:00:00+02:00",
                "T12:00:00.250",
                "T09:15",
                "",
            ])
        );
        let amount = r.pick(&[
            "1.50", "-0.5", "+3", "007.5", "2", "", "12.345", "0.00", "99",
        ]);
        let qty = r.pick(&["1", "2", "3", "5", "", "-4", "x1"]);
        let score = r.pick(&["1.5", "50.5", "1e2", "", "-0.0", "3"]);
        let day = match r.next(5) {
            0 => String::new(),
            _ => format!("202{}-0{}-1{}", 5 + r.next(2), 1 + r.next(9), r.next(10)),
        };
        let paid = r.pick(&["true", "false", "1", "0", "TRUE", ""]);
        let kind = r.pick(&["x", "y", "z", "", "x"]);
        let note = match r.next(8) {
            0 => format!("unique {}", r.next(1_000_000)),
            _ => r.pick(&["n1", "n2", "n3", "n4", "", "é", "n1"]).to_string(),
        };
        orders.push_str(&format!(
            "{id},{at},{amount},{qty},{score},{day},{paid},{kind},{note}\n"
        ));
    }
    (customer_file, orders)
}

/// `seg run` of the rules on the customers and `orders`; the output folder.
fn run(dir: &Path, customers: &Path, orders: &[u8], name: &str) -> PathBuf {
    let rules = dir.join("rules.seg");
    std::fs::write(&rules, RULES).expect("write rules");
    let orders_file = dir.join(format!("{name}.csv"));
    std::fs::write(&orders_file, orders).expect("write orders");
    let out = dir.join(format!("out-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("run")
        .arg(&rules)
        .arg("--data")
        .arg(format!("customer={}", customers.display()))
        .arg("--data")
        .arg(format!("orders={}", orders_file.display()))
        .args(["--as-of", AS_OF, "--with-values", "--max-rejects", "1000"])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("seg runs");
    assert!(
        output.status.success(),
        "seg run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Every output file's name and text (the summary without its paths).
fn outputs(out: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(out)
        .expect("outputs")
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            match path.is_dir() {
                true => std::fs::read_dir(&path)
                    .expect("folder")
                    .flatten()
                    .map(|e| e.path())
                    .collect(),
                false => vec![path],
            }
        })
        .map(|path| {
            let name = path
                .strip_prefix(out)
                .expect("inside")
                .display()
                .to_string();
            let text = std::fs::read_to_string(&path).expect("UTF-8 outputs");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// An empty scratch folder of that name.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn a_file_read_as_typed_scalars_gives_what_its_rows_of_values_give() {
    let dir = scratch("typed_events");
    let (customers, typed) = data(&dir);
    // The same rows, with the last row's key quoted: the row path reads this file.
    let last_row = typed.trim_end().rfind('\n').expect("rows") + 1;
    let key_end = last_row + typed[last_row..].find(',').expect("cells");
    let quoted = format!(
        "{}\"{}\"{}",
        &typed[..last_row],
        &typed[last_row..key_end],
        &typed[key_end..]
    );
    assert_same_outputs(&dir, &customers, typed.as_bytes(), quoted.as_bytes());
}

#[test]
fn cells_of_invalid_utf8_are_rejected_alike_on_both_paths() {
    let dir = scratch("typed_events_utf8");
    let (customers, orders) = data(&dir);
    let mut typed = orders.into_bytes();
    // Invalid bytes in a key, a datetime, a decimal, an enum and a text that is kept.
    for bad in [
        &b"c1\xff,2026-01-02T10:00:00,1,1,1,,1,x,n1\n"[..],
        b"c2,2026-01-02T10:00:0\xfe,1,1,1,,1,x,n1\n",
        b"c3,2026-01-02T10:00:00,1.\xe4,1,1,,1,x,n1\n",
        b"c4,2026-01-02T10:00:00,1,1,1,,1,\xc3,n1\n",
        b"c5,2026-01-02T10:00:00,1,1,1,,1,x,n\xff1\n",
    ] {
        typed.extend_from_slice(bad);
    }
    let mut quoted = typed.clone();
    quoted.extend_from_slice(b"\"c6\",2026-01-02T10:00:00,1,1,1,,1,x,n1\n");
    typed.extend_from_slice(b"c6,2026-01-02T10:00:00,1,1,1,,1,x,n1\n");
    assert_same_outputs(&dir, &customers, &typed, &quoted);
}

/// Runs the rules on `typed` (read as typed scalars) and on `quoted` (the same rows, one
/// key quoted: read as rows of values); every output must be the same, and bad rows
/// among them.
fn assert_same_outputs(dir: &Path, customers: &Path, typed: &[u8], quoted: &[u8]) {
    let typed_out = outputs(&run(dir, customers, typed, "typed"));
    let row_out = outputs(&run(dir, customers, quoted, "rows"));
    let relabeled: Vec<(String, String)> = row_out
        .into_iter()
        .map(|(name, text)| (name, text.replace("rows.csv", "typed.csv")))
        .collect();
    let rejects = typed_out
        .iter()
        .find(|(name, _)| name.ends_with("rejects.csv"));
    assert!(
        rejects.is_some_and(|(_, text)| text.lines().count() > 10),
        "bad rows are among the events"
    );
    assert_eq!(typed_out, relabeled);
}

/// The rules of the overflow test: two sums, the second declared overflowing first.
const OVERFLOW_RULES: &str = r#"
entity customer key id { id: string }

events orders time at {
  id: string
  at: datetime
  a: decimal
  b: decimal
}

let sum_a = sum(orders.a)
let sum_b = sum(orders.b)
"#;

#[test]
fn an_overflow_is_reported_at_the_first_row_it_happens_on_both_paths() {
    // `sum_b` overflows on the second event, `sum_a` only on the fourth: the run fails at
    // `sum_b`, as a row at a time finds it, though the typed path adds a batch of rows to
    // one aggregate after the other.
    let dir = scratch("typed_events_overflow");
    let rules = dir.join("rules.seg");
    std::fs::write(&rules, OVERFLOW_RULES).expect("write rules");
    std::fs::write(dir.join("customers.csv"), "id\nc1\n").expect("write customers");
    let max = "79228162514264337593543950335";
    let rows = [
        format!("c1,2026-01-01T00:00:00,1,{max}"),
        "c1,2026-01-02T00:00:00,1,1".to_string(),
        format!("c1,2026-01-03T00:00:00,{max},0"),
        "c1,2026-01-04T00:00:00,1,0".to_string(),
    ];
    let typed = format!("id,at,a,b\n{}\n", rows.join("\n"));
    let quoted = typed.replacen("\nc1,", "\n\"c1\",", 1);
    let stderr = |orders: &str, name: &str| {
        let file = dir.join(format!("{name}.csv"));
        std::fs::write(&file, orders).expect("write orders");
        let output = Command::new(env!("CARGO_BIN_EXE_seg"))
            .arg("run")
            .arg(&rules)
            .arg("--data")
            .arg(format!("customer={}", dir.join("customers.csv").display()))
            .arg("--data")
            .arg(format!("orders={}", file.display()))
            .args(["--as-of", AS_OF, "--with-values", "--out"])
            .arg(dir.join(format!("out-{name}")))
            .output()
            .expect("seg runs");
        assert!(!output.status.success(), "the sums overflow");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let typed_error = stderr(&typed, "typed");
    assert!(typed_error.contains("sum(orders.b)"), "{typed_error}");
    assert_eq!(typed_error, stderr(&quoted, "quoted"));
}
