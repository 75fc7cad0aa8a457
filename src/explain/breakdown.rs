//! Explain stage: an expression broken down into a power-assert tree, every
//! sub-expression evaluated for the entity by the run's [`crate::exec::World`].

use unicode_width::UnicodeWidthStr;

use super::Explainer;
use super::model::Node;
use super::printer::{self, Part};
use crate::check::hir::{TExpr, TExprKind};
use crate::exec::{RunError, Value};

impl Explainer<'_, '_> {
    /// `e` (an expression of the program as checked) with the value of each of its
    /// sub-expressions.
    pub(super) fn breakdown(&mut self, e: &TExpr) -> Node {
        let printed = printer::print(self.hir(), e);
        self.node(&printed.text, &printed.root)
    }

    fn node(&mut self, text: &str, part: &Part) -> Node {
        let (value, error) = match self.outcome.world.eval(part.expr, &mut self.row) {
            Ok(value) => (value, None),
            Err(e) => (Value::Null, Some(RunError::from(e).to_string())),
        };
        let parts = part.parts.iter().map(|p| self.node(text, p)).collect();
        let (events, statistic) = match &part.expr.kind {
            TExprKind::Aggregate(a) => (self.events[*a].clone(), None),
            TExprKind::Population(p) => (None, self.statistics[*p].clone()),
            _ => (None, None),
        };
        Node {
            expr: text[part.start..part.end].to_string(),
            value,
            error,
            parts,
            events,
            statistic,
            column: text[..part.anchor].width(),
            literal: matches!(part.expr.kind, TExprKind::Const(_)),
        }
    }
}

impl Node {
    /// Whether the value holds (null is false), as in `when` and `audience`.
    pub fn holds(&self) -> bool {
        self.value.holds()
    }
}
