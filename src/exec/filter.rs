//! Exec stage: an aggregate's `where`, compiled for the event loop.
//!
//! Most filters compare an event field with constants (`ordered_at > as_of - 365 days`
//! once folded, `channel in ["app", "mini_program"]`). Those are tested directly against
//! the event's values, without walking the expression tree or building values; anything
//! else is evaluated by [`World::eval`].

use std::cmp::Ordering;

use super::eval::{Overflow, Row, World, op_holds};
use super::value::{Value, compare};
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

    /// Whether the condition is true for the row's current event.
    pub fn holds(&self, world: &World, row: &mut Row) -> Result<bool, Overflow> {
        Ok(match self {
            Filter::Compare(f, op, c) => {
                compare(&row.event[*f], c).is_some_and(|ord| op_holds(*op, ord))
            }
            Filter::In(f, values, negated) => {
                let v = &row.event[*f];
                !v.is_null() && values.iter().any(|w| equal(v, w)) != *negated
            }
            Filter::And(a, b) => a.holds(world, row)? && b.holds(world, row)?,
            Filter::Or(a, b) => a.holds(world, row)? || b.holds(world, row)?,
            Filter::Expr(e) => world.eval(e, row)?.holds(),
        })
    }
}

/// Whether two non-null values are equal (texts by length first, without ordering them).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => compare(a, b) == Some(Ordering::Equal),
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
