//! Exec stage: folding what a run already knows (as_of, params, literals) into constants,
//! so that `ordered_at > as_of - 365 days` compares each event with one fixed datetime
//! instead of computing the date again for every event.

use chrono::NaiveDate;

use super::eval::{Row, World};
use super::value::Value;
use crate::check::hir::{Const, Hir, TExpr, TExprKind};

/// A copy of the program in which every sub-expression that depends on nothing per
/// entity or per event is replaced by its value.
pub fn bind(hir: &Hir, as_of: NaiveDate, params: &[Value]) -> Hir {
    let mut bound = hir.clone();
    let scratch = World::unfolded(hir, as_of, params.to_vec(), Vec::new());
    let fold = |e: &mut TExpr| fold(e, &scratch);
    for l in &mut bound.lets {
        fold(&mut l.expr);
    }
    for s in &mut bound.segments {
        fold(&mut s.condition);
    }
    for rule in bound.segmentations.iter_mut().flat_map(|s| &mut s.rules) {
        rule.condition.iter_mut().for_each(fold);
    }
    for a in &mut bound.aggregates {
        a.filter.iter_mut().for_each(fold);
    }
    for p in &mut bound.populations {
        fold(&mut p.arg);
    }
    for c in &mut bound.campaigns {
        fold(&mut c.audience);
        c.rank_by.iter_mut().for_each(|k| fold(&mut k.expr));
        for d in c.variants.iter_mut().flat_map(|v| &mut v.dos) {
            d.values.iter_mut().for_each(fold);
            d.when.iter_mut().for_each(fold);
        }
    }
    bound
}

/// Folds `e` bottom-up; a node whose inputs are all constants becomes a constant.
fn fold(e: &mut TExpr, scratch: &World) {
    match &e.kind {
        TExprKind::AsOf | TExprKind::Param(_) => {}
        TExprKind::Const(_)
        | TExprKind::EntityField(_)
        | TExprKind::EventField(_)
        | TExprKind::Let(_)
        | TExprKind::Segment(_)
        | TExprKind::SegmentOf(..)
        | TExprKind::SegmentationName(_)
        | TExprKind::Aggregate(_)
        | TExprKind::Population(_)
        | TExprKind::MetricAgg(..) => return,
        _ => {
            children_mut(e).into_iter().for_each(|c| fold(c, scratch));
            if !children_mut(e)
                .iter()
                .all(|c| matches!(c.kind, TExprKind::Const(_)))
            {
                return;
            }
        }
    }
    // Evaluation errors (an overflow) are left for the run to report at this expression.
    if let Ok(value) = scratch.eval(e, &mut Row::new(scratch.hir, 0)) {
        e.kind = TExprKind::Const(to_const(value));
    }
}

/// The direct sub-expressions of `e`, mutably.
pub(super) fn children_mut(e: &mut TExpr) -> Vec<&mut TExpr> {
    match &mut e.kind {
        TExprKind::Neg(x) | TExprKind::Not(x) | TExprKind::IsNull(x, _) => vec![x],
        TExprKind::Binary(_, a, b) => vec![a, b],
        TExprKind::In(x, items, _) => std::iter::once(x.as_mut())
            .chain(items.iter_mut())
            .collect(),
        TExprKind::Between(x, a, b, _) | TExprKind::If(x, a, b) => vec![x, a, b],
        TExprKind::Call(_, args) => args.iter_mut().collect(),
        TExprKind::MetricAgg(_, Some(arg)) => vec![arg],
        _ => Vec::new(),
    }
}

/// A runtime value as a constant of the program.
pub(super) fn to_const(value: Value) -> Const {
    match value {
        Value::Null => Const::Null,
        Value::Bool(b) => Const::Bool(b),
        Value::Int(n) => Const::Int(n),
        Value::Decimal(d) => Const::Decimal(d),
        Value::Float(f) => Const::Float(f),
        Value::Str(s) => Const::Str(s),
        Value::Date(d) => Const::Date(d),
        Value::DateTime(dt) => Const::DateTime(dt),
        Value::Duration(n, unit) => Const::Duration(n, unit),
    }
}
