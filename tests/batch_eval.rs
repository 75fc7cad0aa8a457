//! The batch evaluator (whole batches of entities per expression node, used by `seg run`)
//! against the row evaluator (one entity at a time, used by `seg explain` and `seg test`):
//! on the project's rule sets and their sample data, every `let` and every segment
//! membership must be the same for every entity. A program of every operator over typed
//! fields with nulls, mixed numbers and guarded overflows does the same for the batch
//! evaluator's typed vectors.

use std::path::Path;

use seg::exec::{self, Row, RunError, RunInput, Source, Value};

/// The run's input: `data` as (binding, file) pairs, as of 2026-06-30.
fn input(data: &[(&str, &str)]) -> RunInput {
    RunInput {
        data: data
            .iter()
            .map(|(name, file)| (name.to_string(), Source::File(file.into())))
            .collect(),
        as_of: "2026-06-30".parse().expect("a date"),
        params: Vec::new(),
        max_rejects: None,
    }
}

fn check_rule_set(rules: &str, data: &[(&str, &str)]) {
    let Ok((_, hir)) = seg::compile(Path::new(rules)) else {
        panic!("{rules} does not compile");
    };
    let plan = seg::plan::plan(&hir, true);
    let mut outcome = exec::run(&hir, &plan, &input(data)).expect("the run succeeds");
    let lets = outcome.lets.take().expect("the plan asked for let values");
    // Without the memberships, the row evaluator computes segments itself.
    outcome.world.memberships = None;
    let world = &outcome.world;
    for e in 0..outcome.keys.len() {
        let mut row = Row::new(world.program(), e);
        for (i, column) in lets.iter().enumerate() {
            let by_row = world.let_value(i, &mut row).expect("no overflow");
            assert_eq!(
                text(&by_row),
                text(&column[e]),
                "{rules}: let `{}` of `{}`",
                hir.lets[i].name,
                outcome.keys[e]
            );
        }
        for (i, column) in outcome.segmentations.iter().enumerate() {
            let by_row = world.segment_index(i, &mut row).expect("no overflow");
            assert_eq!(
                by_row,
                column[e].map(usize::from),
                "{rules}: segmentation {i}"
            );
        }
        for (i, column) in outcome.segments.iter().enumerate() {
            let by_row = world.segment(i, &mut row).expect("no overflow");
            assert_eq!(by_row, column[e], "{rules}: segment {i}");
        }
    }
}

fn text(value: &Value) -> String {
    format!("{value:?}")
}

#[test]
fn retail_lets_and_segments_agree_between_batch_and_row_evaluation() {
    check_rule_set(
        "rules/retail/membership.seg",
        &[
            ("member", "examples/retail/members.csv"),
            ("orders", "examples/retail/orders.csv"),
            ("messages", "examples/retail/messages.csv"),
        ],
    );
}

#[test]
fn tobacco_lets_and_segments_agree_between_batch_and_row_evaluation() {
    check_rule_set(
        "rules/tobacco/supply.seg",
        &[
            ("retailer", "examples/tobacco/retailers.csv"),
            ("purchases", "examples/tobacco/purchases.csv"),
            ("stock_checks", "examples/tobacco/stock_checks.csv"),
        ],
    );
}

#[test]
fn bank_lets_and_segments_agree_between_batch_and_row_evaluation() {
    check_rule_set(
        "rules/bank/tiers.seg",
        &[
            ("client", "examples/bank/clients.csv"),
            ("transactions", "examples/bank/transactions.ndjson"),
        ],
    );
}

/// Fields of every type the batch evaluator stores by type, each nullable.
const TYPED_ENTITY: &str = "entity thing key id {
  id: string
  i: int?
  j: int?
  d: decimal?
  f: float?
  b: bool?
  day: date?
  at: datetime?
  s: string?
}
";

/// Nulls, zeros, a negative zero, large ints and decimals, a huge float, a leap day.
const TYPED_ROWS: &str = "id,i,j,d,f,b,day,at,s
a,1,2,1.5,0.5,true,2026-01-31,2026-02-01T10:00:00,a
b,,3,,2.5,false,,2026-03-01T00:00:00,b
c,5,,0,,,2024-02-29,,c
d,-7,0,-2.25,-0.0,true,2026-06-30,2026-06-30T00:00:00,
e,100000000000000000,1,3.00,1e300,false,2025-12-31,2025-12-31T23:59:59,x
f,0,-1,99999999999.99,1.5,,2026-06-30,2026-07-01T00:00:00,a
g,2,2,2,2.0,true,2000-01-01,1999-12-31T23:59:59,b
h,,,,,,,,
";

/// Writes `rules` (after [`TYPED_ENTITY`]) and [`TYPED_ROWS`] into `dir`; returns the
/// paths of the program and of the data file.
fn typed_files(dir: &Path, rules: &str) -> (String, String) {
    let program = dir.join("typed.seg");
    let data = dir.join("things.csv");
    std::fs::write(&program, format!("{TYPED_ENTITY}\n{rules}")).expect("writing the program");
    std::fs::write(&data, TYPED_ROWS).expect("writing the data");
    let text = |p: &Path| p.to_str().expect("a UTF-8 path").to_string();
    (text(&program), text(&data))
}

#[test]
fn typed_operators_agree_between_batch_and_row_evaluation() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let rules = "
let add = i + j
let sub = i - 3
let mul = i * d
let mixed = d - f
let div = i / j
let fdiv = f / d
let ratio = i / (j - j)
let twice = add * 2
let neg = -i
let negd = -d
let negf = -f
let lt = i < j
let ge_mixed = i >= d
let eq_float = f == d
let ne_const = d != 1.5
let before = day < at
let same_day = day == as_of
let both = b and i > 0
let either = b or j < 0
let neither = not (b or d > 0)
let inside = i between j and 10
let outside = d not between 0 and i
let listed = i in [1, 2, j]
let unlisted = s not in [\"a\", \"b\"]
let floats_listed = f in [0.5, 2.5]
let missing_d = d is null
let present_s = s is not null
let chosen = if b then i else j
let chosen_mixed = if i > 0 then d else f
let days = days_between(day, at)
let month_of = month(day)
let weekday_of = weekday(at)
let first = coalesce(i, j, 0)
let texts = s == \"a\"
let guarded = i > 1000000 or i * 1000000000000 > 0
let guarded_and = i <= 1000000 and i * 1000000000000 < 0
let guarded_if = if i < 1000000 then i * 1000000000000 else 0

segment small when i < 3
segmentation size {
  segment big when i >= 100 or d > 100
  segment mid when i between 3 and 99
  segment none otherwise
}
";
    let (program, data) = typed_files(dir.path(), rules);
    check_rule_set(&program, &[("thing", &data)]);
}

#[test]
fn an_overflow_at_a_selected_entity_fails_the_run() {
    for rules in [
        "let boom = i * i\nsegment big when boom > 0\n",
        "let boom = i * 100 + 1\nsegment big when boom > 0\n",
        "let boom = d * d * d\nsegment big when boom > 0\n",
        "segment big when i > 0 and i + 9223372036854775000 > 0\n",
    ] {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let (program, data) = typed_files(dir.path(), rules);
        let Ok((_, hir)) = seg::compile(Path::new(&program)) else {
            panic!("{rules} does not compile");
        };
        let plan = seg::plan::plan(&hir, true);
        let result = exec::run(&hir, &plan, &input(&[("thing", &data)]));
        assert!(
            matches!(result, Err(RunError::Overflow { .. })),
            "{rules}: the run must fail with an overflow"
        );
    }
}
