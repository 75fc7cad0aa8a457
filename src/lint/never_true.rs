//! Lint stage: conditions that can never hold (`never_true`), such as `x > 5 and x < 3`.

use super::conditions::Analyzer;
use super::diagnostic::Lint;
use super::domains::Types;
use super::walk::{self, Condition};
use crate::syntax::Program;

/// The warnings about every condition of the program.
pub(super) fn lints(program: &Program, types: &Types) -> Vec<Lint> {
    walk::conditions(program)
        .into_iter()
        .filter_map(|c| never_true(c, types))
        .collect()
}

/// The warning for a condition none of whose alternatives can hold.
fn never_true(condition: Condition, types: &Types) -> Option<Lint> {
    let alternatives = Analyzer::new(types).conditions(condition.expr)?;
    let mut reasons = Vec::new();
    for alternative in &alternatives {
        let text = alternative.contradiction()?.text();
        if !reasons.contains(&text) {
            reasons.push(text);
        }
    }
    let reason = match reasons.as_slice() {
        [] => return None,
        [one] => one.clone(),
        _ => format!("no alternative of `or` can hold: {}", reasons.join("; ")),
    };
    Some(Lint::NeverTrue {
        place: condition.place,
        span: condition.expr.span,
        reason,
    })
}
