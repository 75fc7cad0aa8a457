//! Exec stage: an aggregate's `where`, compiled for the event loop.
//!
//! Most filters compare an event field with constants (`ordered_at > as_of - 365 days`
//! once folded, `channel in ["app", "mini_program"]`). Those are tested directly against
//! the event's borrowed values, without walking the expression tree or building values;
//! anything else is evaluated by [`World::eval`] on a [`Row`] that holds the event.

use super::eval::{Overflow, Row, World, op_holds};
use super::value::{Value, total_order};
use super::value_ref::{ValueRef, compare_refs, equal_refs};
use crate::check::hir::{TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;

/// A `where` condition; it holds only when it is true (null counts as false).
#[derive(Debug)]
pub enum Filter<'e> {
    /// `field OP constant`.
    Compare(usize, BinaryOp, Value),
    /// `field [not] in [constants...]`, none of them null.
    In(usize, Vec<Value>, bool),
    /// Both hold.
    And(Box<Filter<'e>>, Box<Filter<'e>>),
    /// Either holds.
    Or(Box<Filter<'e>>, Box<Filter<'e>>),
    /// Any other condition, evaluated as written.
    Expr(&'e TExpr),
}

impl<'e> Filter<'e> {
    /// The fastest form of a (folded) `where` condition.
    pub fn compile(e: &'e TExpr) -> Filter<'e> {
        match &e.kind {
            TExprKind::Binary(BinaryOp::And, a, b) => {
                Filter::And(Box::new(Filter::compile(a)), Box::new(Filter::compile(b)))
            }
            TExprKind::Binary(BinaryOp::Or, a, b) => {
                Filter::Or(Box::new(Filter::compile(a)), Box::new(Filter::compile(b)))
            }
            TExprKind::Binary(op, a, b) if op.is_comparison() => match (&a.kind, &b.kind) {
                (TExprKind::EventField(f), TExprKind::Const(c)) => {
                    Filter::Compare(*f, *op, Value::from(c))
                }
                (TExprKind::Const(c), TExprKind::EventField(f)) => {
                    Filter::Compare(*f, op.flipped(), Value::from(c))
                }
                _ => Filter::Expr(e),
            },
            TExprKind::In(x, items, negated) => match (&x.kind, constants(items)) {
                (TExprKind::EventField(f), Some(values)) => Filter::In(*f, values, *negated),
                _ => Filter::Expr(e),
            },
            _ => Filter::Expr(e),
        }
    }

    /// Whether the condition is true for an event (one value per field); `row` holds the
    /// same event as values, for the conditions evaluated as written (see
    /// [`Filter::needs_row`]).
    pub fn holds(
        &self,
        world: &World,
        event: &[ValueRef],
        row: &mut Row,
    ) -> Result<bool, Overflow> {
        Ok(match self {
            Filter::Compare(f, op, c) => {
                compare_refs(event[*f], c.into()).is_some_and(|ord| op_holds(*op, ord))
            }
            Filter::In(f, values, negated) => {
                let v = event[*f];
                !v.is_null() && values.iter().any(|w| equal_refs(v, w.into())) != *negated
            }
            Filter::And(a, b) => a.holds(world, event, row)? && b.holds(world, event, row)?,
            Filter::Or(a, b) => a.holds(world, event, row)? || b.holds(world, event, row)?,
            Filter::Expr(e) => world.eval(e, row)?.holds(),
        })
    }

    /// Whether two filters are the same condition (so that an event's verdict on one is
    /// its verdict on the other).
    pub fn same(&self, other: &Filter) -> bool {
        match (self, other) {
            (Filter::Compare(f, op, c), Filter::Compare(g, op2, d)) => {
                f == g && op == op2 && same_constant(c, d)
            }
            (Filter::In(f, xs, negated), Filter::In(g, ys, negated2)) => {
                f == g
                    && negated == negated2
                    && xs.len() == ys.len()
                    && xs.iter().zip(ys).all(|(x, y)| same_constant(x, y))
            }
            (Filter::And(a, b), Filter::And(c, d)) | (Filter::Or(a, b), Filter::Or(c, d)) => {
                a.same(c) && b.same(d)
            }
            (Filter::Expr(e), Filter::Expr(f)) => std::ptr::eq(*e, *f),
            _ => false,
        }
    }

    /// Whether some part of the condition is evaluated as written, on a [`Row`] that must
    /// hold the event's values.
    pub fn needs_row(&self) -> bool {
        match self {
            Filter::Compare(..) | Filter::In(..) => false,
            Filter::And(a, b) | Filter::Or(a, b) => a.needs_row() || b.needs_row(),
            Filter::Expr(_) => true,
        }
    }
}

/// The items of an `in` list when all are non-null constants.
fn constants(items: &[TExpr]) -> Option<Vec<Value>> {
    items
        .iter()
        .map(|item| match &item.kind {
            TExprKind::Const(c) => Some(Value::from(c)).filter(|v| !v.is_null()),
            _ => None,
        })
        .collect()
}

/// Whether two constants are the same value of the same kind.
fn same_constant(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && total_order(a, b) == std::cmp::Ordering::Equal
}
