//! Exec stage: an aggregate's `where`, compiled for the event loop.
//!
//! Most filters compare an event field with constants (`ordered_at > as_of - 365 days`
//! once folded, `channel in ["app", "mini_program"]`). Those are tested directly against
//! the event's values, without walking the expression tree or building values; anything
//! else is evaluated by [`World::eval`].

use std::cmp::Ordering;

use super::eval::{Overflow, Row, World, op_holds};
use super::scalar::Scalar;
use super::value::{Value, compare, total_order};
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

    /// Whether the condition only compares event fields with constants (no
    /// [`Filter::Expr`]), so that [`Filter::holds_for`] can test it.
    pub fn reads_fields_only(&self) -> bool {
        match self {
            Filter::Compare(..) | Filter::In(..) => true,
            Filter::And(a, b) | Filter::Or(a, b) => a.reads_fields_only() && b.reads_fields_only(),
            Filter::Expr(_) => false,
        }
    }

    /// Whether the condition is true for an event read as scalars (texts in `block`);
    /// `None` for a condition that does not only read fields.
    pub fn holds_for(&self, cells: &[Scalar], block: &[u8]) -> Option<bool> {
        Some(match self {
            Filter::Compare(f, op, c) => cells[*f]
                .compare(block, c)
                .is_some_and(|ord| op_holds(*op, ord)),
            Filter::In(f, values, negated) => {
                let v = &cells[*f];
                !v.is_null() && values.iter().any(|w| v.equals(block, w)) != *negated
            }
            Filter::And(a, b) => a.holds_for(cells, block)? && b.holds_for(cells, block)?,
            Filter::Or(a, b) => a.holds_for(cells, block)? || b.holds_for(cells, block)?,
            Filter::Expr(_) => return None,
        })
    }

    /// Whether two conditions test the same thing (so that an event is tested once).
    pub fn same_as(&self, other: &Filter) -> bool {
        let same = |a: &Value, b: &Value| {
            std::mem::discriminant(a) == std::mem::discriminant(b)
                && total_order(a, b) == Ordering::Equal
        };
        match (self, other) {
            (Filter::Compare(f, op, c), Filter::Compare(g, op2, d)) => {
                f == g && op == op2 && same(c, d)
            }
            (Filter::In(f, a, negated), Filter::In(g, b, negated2)) => {
                f == g
                    && negated == negated2
                    && a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (Filter::And(a, b), Filter::And(c, d)) | (Filter::Or(a, b), Filter::Or(c, d)) => {
                a.same_as(c) && b.same_as(d)
            }
            (Filter::Expr(a), Filter::Expr(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
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
