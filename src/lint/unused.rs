//! Lint stage: declarations nothing uses (`unused_let`, `unused_param`,
//! `unused_action`) and metrics that repeat an earlier metric's formula
//! (`unused_metric`).

use std::collections::HashSet;

use super::diagnostic::Lint;
use super::walk;
use crate::check::hir::{Hir, TExprKind};
use crate::syntax::Program;
use crate::syntax::ast::{Expectation, Expr, ExprKind, Item, MetricDecl, TestStmtKind, UnaryOp};

/// The warnings about unused declarations and repeated metrics.
pub(super) fn lints(program: &Program, hir: &Hir) -> Vec<Lint> {
    let uses = Uses::of(program, hir);
    let mut lints = Vec::new();
    let mut metrics: Vec<&MetricDecl> = Vec::new();
    for item in walk::items(program) {
        match item {
            Item::Let(l) if !uses.lets.contains(l.name.name.as_str()) => {
                lints.push(Lint::UnusedLet {
                    name: l.name.name.clone(),
                    span: l.name.span,
                });
            }
            Item::Param(p) if !uses.params.contains(p.name.name.as_str()) => {
                lints.push(Lint::UnusedParam {
                    name: p.name.name.clone(),
                    span: p.name.span,
                });
            }
            Item::Action(a) if !uses.actions.contains(a.name.name.as_str()) => {
                lints.push(Lint::UnusedAction {
                    name: a.name.name.clone(),
                    span: a.name.span,
                });
            }
            Item::Metric(m) => {
                lints.extend(repeated_metric(m, &metrics));
                metrics.push(m);
            }
            _ => {}
        }
    }
    lints
}

/// The warning for a metric whose formula an earlier metric already computes.
fn repeated_metric(metric: &MetricDecl, earlier: &[&MetricDecl]) -> Option<Lint> {
    let formula = bracketed(&metric.value);
    let first = earlier.iter().find(|m| bracketed(&m.value) == formula)?;
    Some(Lint::UnusedMetric {
        name: metric.name.name.clone(),
        first: first.name.name.clone(),
        formula: metric.value.unparenthesized().to_string(),
        span: metric.name.span,
        first_span: first.name.span,
    })
}

/// An expression with every operation in brackets and the written parentheses dropped,
/// so two formulas that differ only in parentheses read the same.
fn bracketed(e: &Expr) -> String {
    let list = |items: &[Expr]| items.iter().map(bracketed).collect::<Vec<_>>().join(", ");
    let not = |negated: bool| if negated { "not " } else { "" };
    match &e.unparenthesized().kind {
        ExprKind::Call { func, args, filter } => {
            let filter = filter.as_ref().map(|f| format!(" where {}", bracketed(f)));
            format!(
                "{}({}{})",
                func.name,
                list(args),
                filter.unwrap_or_default()
            )
        }
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Neg => format!("(-{})", bracketed(operand)),
            UnaryOp::Not => format!("(not {})", bracketed(operand)),
        },
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", bracketed(lhs), op.symbol(), bracketed(rhs))
        }
        ExprKind::In {
            operand,
            list: items,
            negated,
        } => format!(
            "({} {}in [{}])",
            bracketed(operand),
            not(*negated),
            list(items)
        ),
        ExprKind::Between {
            operand,
            low,
            high,
            negated,
        } => format!(
            "({} {}between {} and {})",
            bracketed(operand),
            not(*negated),
            bracketed(low),
            bracketed(high)
        ),
        ExprKind::IsNull { operand, negated } => {
            format!("({} is {}null)", bracketed(operand), not(*negated))
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => format!(
            "(if {} then {} else {})",
            bracketed(cond),
            bracketed(then),
            bracketed(otherwise)
        ),
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Path(..) | ExprKind::Paren(_) => {
            e.unparenthesized().to_string()
        }
    }
}

/// The names of the `let`s, `param`s and actions something refers to.
struct Uses<'a> {
    lets: HashSet<&'a str>,
    params: HashSet<&'a str>,
    actions: HashSet<&'a str>,
}

impl<'a> Uses<'a> {
    /// References in every expression of the HIR, `do`s of campaigns, and `"key".name`
    /// expectations of tests (a test's `param` override is no use).
    fn of(program: &'a Program, hir: &'a Hir) -> Uses<'a> {
        let mut uses = Uses {
            lets: HashSet::new(),
            params: HashSet::new(),
            actions: HashSet::new(),
        };
        for e in walk::hir_expressions(hir) {
            match e.kind {
                TExprKind::Let(i) => uses.lets.extend(hir.lets.get(i).map(|l| l.name.as_str())),
                TExprKind::Param(i) => uses
                    .params
                    .extend(hir.params.get(i).map(|p| p.name.as_str())),
                _ => {}
            }
        }
        let dos = hir
            .campaigns
            .iter()
            .flat_map(|c| &c.variants)
            .flat_map(|v| &v.dos);
        uses.actions
            .extend(dos.filter_map(|d| hir.actions.get(d.action).map(|a| a.name.as_str())));
        uses.lets.extend(expected_names(program));
        uses
    }
}

/// The names tests expect values of (`expect "c1".recency == 149`).
fn expected_names(program: &Program) -> impl Iterator<Item = &str> {
    walk::items(program)
        .filter_map(|item| match item {
            Item::Test(t) => Some(&t.statements),
            _ => None,
        })
        .flatten()
        .filter_map(|s| match &s.kind {
            TestStmtKind::Expect(
                Expectation::Compare { name, .. } | Expectation::IsNull { name, .. },
            ) => Some(name.name.as_str()),
            _ => None,
        })
}
