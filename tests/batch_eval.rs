//! The batch evaluator (whole batches of entities per expression node, used by `seg run`)
//! against the row evaluator (one entity at a time, used by `seg explain` and `seg test`):
//! on the project's rule sets and their sample data, every `let` and every segment
//! membership must be the same for every entity.

use std::path::Path;

use seg::exec::{self, Row, RunInput, Source, Value};

fn check_rule_set(rules: &str, data: &[(&str, &str)]) {
    let Ok((_, hir)) = seg::compile(Path::new(rules)) else {
        panic!("{rules} does not compile");
    };
    let plan = seg::plan::plan(&hir, true);
    let input = RunInput {
        data: data
            .iter()
            .map(|(name, file)| (name.to_string(), Source::File(file.into())))
            .collect(),
        as_of: "2026-06-30".parse().expect("a date"),
        params: Vec::new(),
        max_rejects: None,
    };
    let mut outcome = exec::run(&hir, &plan, &input).expect("the run succeeds");
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
