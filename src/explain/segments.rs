//! Explain stage: segmentations (segments tried in order) and standalone segments, with a
//! counterfactual where a single comparison with a constant decides.

use super::Explainer;
use super::model::{Counterfactual, SegmentTrace, SegmentTry, SegmentationTrace};
use super::printer;
use super::values::literal;
use crate::check::hir::{Hir, Segmentation, TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;

impl Explainer<'_, '_> {
    /// Every segmentation, in program order.
    pub(super) fn segmentations(&mut self) -> Vec<SegmentationTrace> {
        let hir = self.hir();
        hir.segmentations
            .iter()
            .enumerate()
            .map(|(i, s)| self.segmentation(i, s))
            .collect()
    }

    fn segmentation(&mut self, i: usize, s: &Segmentation) -> SegmentationTrace {
        let matched = self.outcome.segmentations[i][self.entity].map(usize::from);
        let tried_count = matched.map_or(s.rules.len(), |m| m + 1);
        let tried = s.rules[..tried_count]
            .iter()
            .enumerate()
            .map(|(j, rule)| SegmentTry {
                segment: rule.name.clone(),
                label: rule.label.clone(),
                condition: rule.condition.as_ref().map(|c| self.breakdown(c)),
                matched: Some(j) == matched,
            })
            .collect();
        let missed = &s.rules[..matched.unwrap_or(s.rules.len())];
        let counterfactual = missed.iter().find_map(|rule| {
            let condition = rule.condition.as_ref()?;
            self.counterfactual(&format!("would be `{}`", rule.name), &rule.name, condition)
        });
        SegmentationTrace {
            name: s.name.clone(),
            label: s.label.clone(),
            segment: matched.map(|m| s.rules[m].name.clone()),
            tried,
            counterfactual,
        }
    }

    /// Every standalone segment, in program order.
    pub(super) fn segments(&mut self) -> Vec<SegmentTrace> {
        let hir = self.hir();
        hir.segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let held = self.outcome.segments[i][self.entity];
                let counterfactual = if held {
                    None
                } else {
                    let lead = format!("would be in `{}`", s.name);
                    self.counterfactual(&lead, &s.name, &s.condition)
                };
                SegmentTrace {
                    name: s.name.clone(),
                    label: s.label.clone(),
                    held,
                    condition: self.breakdown(&s.condition),
                    counterfactual,
                }
            })
            .collect()
    }

    /// "`lead` if recency were <= 90; it is 94", for a condition that is one comparison
    /// of a per-entity value with a constant.
    fn counterfactual(
        &mut self,
        lead: &str,
        segment: &str,
        condition: &TExpr,
    ) -> Option<Counterfactual> {
        let TExprKind::Binary(op, a, b) = &condition.kind else {
            return None;
        };
        let hir = self.hir();
        let (subject, op, bound) = match (constant(hir, a), constant(hir, b)) {
            _ if !op.is_comparison() => return None,
            (false, true) => (a, *op, b),
            (true, false) => (b, op.flipped(), a),
            _ => return None,
        };
        let world = self.world();
        let actual = world.eval(subject, &mut self.row).ok()?;
        let bound_value = world.eval(bound, &mut self.row).ok()?;
        let subject = printer::text(hir, subject);
        let bound_expr = printer::text(hir, bound);
        let shown = literal(&bound_value);
        let source = if bound_expr == shown {
            String::new()
        } else {
            format!(" (`{bound_expr}`)")
        };
        let comparison = match op {
            BinaryOp::Eq => shown,
            BinaryOp::Ne => format!("not {shown}"),
            _ => format!("{} {shown}", op.symbol()),
        };
        let text = format!(
            "{lead} if {subject} were {comparison}{source}; it is {}",
            literal(&actual)
        );
        Some(Counterfactual {
            segment: segment.to_string(),
            subject,
            op: op.symbol(),
            bound: bound_value,
            bound_expr,
            actual,
            text,
        })
    }
}

/// Whether `e` is the same for every entity: literals, params, as_of, `percentile` and
/// `mean` over the population, and operations on them.
fn constant(hir: &Hir, e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Const(_) | TExprKind::AsOf | TExprKind::Param(_) => true,
        TExprKind::Population(p) => hir.populations[*p].func.is_scalar(),
        TExprKind::EntityField(_)
        | TExprKind::EventField(_)
        | TExprKind::Let(_)
        | TExprKind::Segment(_)
        | TExprKind::SegmentOf(..)
        | TExprKind::SegmentationName(_)
        | TExprKind::Aggregate(_)
        | TExprKind::MetricAgg(..) => false,
        _ => e.children().into_iter().all(|c| constant(hir, c)),
    }
}
