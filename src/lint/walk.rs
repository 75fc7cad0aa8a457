//! Lint stage: visiting the program — every expression of the AST and of the HIR, and the
//! conditions with the place they stand in.

use crate::check::hir::{Hir, TExpr};
use crate::syntax::Program;
use crate::syntax::ast::{ClauseKind, DoStmt, Expr, ExprKind, Item, SegmentCondition};

/// Every top-level item of the program, file by file in load order.
pub(super) fn items(program: &Program) -> impl Iterator<Item = &Item> {
    program.modules.iter().flat_map(|m| &m.items)
}

/// The expressions an item holds directly, in source order.
fn roots(item: &Item) -> Vec<&Expr> {
    match item {
        Item::Let(l) => vec![&l.value],
        Item::Segment(s) => vec![&s.condition],
        Item::Segmentation(s) => s
            .segments
            .iter()
            .filter_map(|rule| match &rule.condition {
                SegmentCondition::When(e) => Some(e),
                SegmentCondition::Otherwise(_) => None,
            })
            .collect(),
        Item::Campaign(c) => c
            .clauses
            .iter()
            .flat_map(|c| clause_roots(&c.kind))
            .collect(),
        Item::Metric(m) => vec![&m.value],
        Item::Import(_)
        | Item::Entity(_)
        | Item::Events(_)
        | Item::Param(_)
        | Item::Action(_)
        | Item::Policy(_)
        | Item::Test(_) => Vec::new(),
    }
}

/// The expressions of one campaign clause.
fn clause_roots(kind: &ClauseKind) -> Vec<&Expr> {
    match kind {
        ClauseKind::Audience(e) => vec![e],
        ClauseKind::RankBy(keys) => keys.iter().map(|k| &k.expr).collect(),
        ClauseKind::Do(d) => do_roots(d),
        ClauseKind::Variant(v) => v.actions.iter().flat_map(do_roots).collect(),
        ClauseKind::Priority(_)
        | ClauseKind::Window(..)
        | ClauseKind::Holdout(_)
        | ClauseKind::Budget(_)
        | ClauseKind::Cap(_)
        | ClauseKind::Salt(_) => Vec::new(),
    }
}

/// The payload values and the `when` of a `do`.
fn do_roots(d: &DoStmt) -> Vec<&Expr> {
    d.args.iter().map(|a| &a.value).chain(&d.when).collect()
}

/// The direct sub-expressions of an expression, in source order.
pub(super) fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Path(..) => Vec::new(),
        ExprKind::Call { args, filter, .. } => args.iter().chain(filter.as_deref()).collect(),
        ExprKind::Unary { operand, .. }
        | ExprKind::IsNull { operand, .. }
        | ExprKind::Paren(operand) => vec![operand],
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        ExprKind::In { operand, list, .. } => {
            std::iter::once(operand.as_ref()).chain(list).collect()
        }
        ExprKind::Between {
            operand, low, high, ..
        } => vec![operand, low, high],
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => vec![cond, then, otherwise],
    }
}

/// An expression and everything inside it, outermost first.
fn descendants(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        out.push(e);
        stack.extend(children(e).into_iter().rev());
    }
    out
}

/// Every expression of the program's AST, sub-expressions included, in source order.
pub(super) fn expressions(program: &Program) -> Vec<&Expr> {
    items(program)
        .flat_map(roots)
        .flat_map(descendants)
        .collect()
}

/// Every expression of the HIR, sub-expressions included (`where` filters of hoisted
/// aggregates and arguments of population functions too).
pub(super) fn hir_expressions(hir: &Hir) -> Vec<&TExpr> {
    let lets = hir.lets.iter().map(|l| &l.expr);
    let segments = hir.segments.iter().map(|s| &s.condition);
    let rules = hir.segmentations.iter().flat_map(|s| &s.rules);
    let aggregates = hir.aggregates.iter().filter_map(|a| a.filter.as_ref());
    let populations = hir.populations.iter().map(|p| &p.arg);
    let metrics = hir.metrics.iter().map(|m| &m.expr);
    let mut stack: Vec<&TExpr> = lets
        .chain(segments)
        .chain(rules.filter_map(|r| r.condition.as_ref()))
        .chain(aggregates)
        .chain(populations)
        .chain(metrics)
        .collect();
    for campaign in &hir.campaigns {
        stack.push(&campaign.audience);
        stack.extend(campaign.rank_by.iter().map(|k| &k.expr));
        for d in campaign.variants.iter().flat_map(|v| &v.dos) {
            stack.extend(&d.values);
            stack.extend(&d.when);
        }
    }
    let mut out = Vec::new();
    while let Some(e) = stack.pop() {
        out.push(e);
        stack.extend(e.children());
    }
    out
}

/// A condition of the program, and how to name the place it stands in.
pub(super) struct Condition<'a> {
    /// The condition as written.
    pub(super) expr: &'a Expr,
    /// Where it stands, e.g. "the audience of campaign `winback`".
    pub(super) place: String,
}

/// Every condition of the program: segment `when`s, campaign `audience`s, `do ... when`s
/// and aggregate `where`s.
pub(super) fn conditions(program: &Program) -> Vec<Condition<'_>> {
    let mut out: Vec<Condition> = items(program).flat_map(item_conditions).collect();
    for e in expressions(program) {
        if let ExprKind::Call {
            filter: Some(filter),
            ..
        } = &e.kind
        {
            out.push(Condition {
                expr: filter,
                place: "this `where` condition".into(),
            });
        }
    }
    out
}

/// The conditions an item holds directly (not those inside aggregates).
fn item_conditions(item: &Item) -> Vec<Condition<'_>> {
    match item {
        Item::Segment(s) => vec![Condition {
            expr: &s.condition,
            place: format!("the condition of segment `{}`", s.name.name),
        }],
        Item::Segmentation(s) => s
            .segments
            .iter()
            .filter_map(|rule| match &rule.condition {
                SegmentCondition::When(e) => Some(Condition {
                    expr: e,
                    place: format!(
                        "the condition of segment `{}` in `{}`",
                        rule.name.name, s.name.name
                    ),
                }),
                SegmentCondition::Otherwise(_) => None,
            })
            .collect(),
        Item::Campaign(c) => c
            .clauses
            .iter()
            .flat_map(|clause| campaign_conditions(&c.name.name, &clause.kind))
            .collect(),
        _ => Vec::new(),
    }
}

/// The audience of a campaign and the `when`s of its `do`s.
fn campaign_conditions<'a>(campaign: &str, kind: &'a ClauseKind) -> Vec<Condition<'a>> {
    let do_when = |d: &'a DoStmt| {
        d.when.as_ref().map(|e| Condition {
            expr: e,
            place: format!("the `when` of `do {}` in `{campaign}`", d.action.name),
        })
    };
    match kind {
        ClauseKind::Audience(e) => vec![Condition {
            expr: e,
            place: format!("the audience of campaign `{campaign}`"),
        }],
        ClauseKind::Do(d) => do_when(d).into_iter().collect(),
        ClauseKind::Variant(v) => v.actions.iter().filter_map(do_when).collect(),
        _ => Vec::new(),
    }
}
