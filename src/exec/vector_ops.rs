//! Exec stage: operators applied to whole [`Vector`]s, by type.
//!
//! Each function computes, position by position, exactly what the row evaluator's rule
//! for the same operator computes (`eval.rs`: [`compare`](super::value::compare),
//! `arithmetic`, `negate`, Kleene logic, the date functions), in a loop over typed values.
//! A function returns `None` when its operands are of kinds it has no typed loop for; the
//! caller then applies the row evaluator's rule to each position's [`Value`]s.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::eval::{Overflow, op_holds};
use super::vector::{Kind, Lanes, Vector};
use crate::check::hir::{ScalarFn, TExpr};
use crate::syntax::ast::BinaryOp;

type Computed = Option<Result<Vector, Overflow>>;

/// `f` of the two values at each position; null where either is null. One loop per
/// shape of operands, so that comparing with a constant reads one slice.
fn zip<A: Copy, B: Copy, R: Clone>(
    n: usize,
    a: &Lanes<'_, A>,
    b: &Lanes<'_, B>,
    f: impl Fn(A, B) -> Option<R>,
) -> Vec<Option<R>> {
    let both = |x: Option<A>, y: Option<B>| match (x, y) {
        (Some(x), Some(y)) => f(x, y),
        _ => None,
    };
    match (a, b) {
        (Lanes::Each(x), Lanes::All(y)) => x.iter().map(|&x| both(x, *y)).collect(),
        (Lanes::All(x), Lanes::Each(y)) => y.iter().map(|&y| both(*x, y)).collect(),
        (Lanes::Each(x), Lanes::Each(y)) => (x.iter().zip(y.iter()))
            .map(|(&x, &y)| both(x, y))
            .collect(),
        (Lanes::All(x), Lanes::All(y)) => vec![both(*x, *y); n],
    }
}

/// [`zip`] for an `f` that can overflow.
fn try_zip<A: Copy, B: Copy, R>(
    n: usize,
    a: &Lanes<'_, A>,
    b: &Lanes<'_, B>,
    f: impl Fn(A, B) -> Option<R>,
    e: &TExpr,
) -> Result<Vec<Option<R>>, Overflow> {
    (0..n)
        .map(|i| match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => f(x, y).map(Some).ok_or(Overflow { span: e.span }),
            _ => Ok(None),
        })
        .collect()
}

/// `f` of the value at each position; null stays null.
fn map<A: Copy, R>(n: usize, a: &Lanes<'_, A>, f: impl Fn(A) -> R) -> Vec<Option<R>> {
    (0..n).map(|i| a.get(i).map(&f)).collect()
}

/// Whether comparison `op` holds, for each ordering (less, equal, greater).
fn outcomes(op: BinaryOp) -> [bool; 3] {
    [Ordering::Less, Ordering::Equal, Ordering::Greater].map(|ord| op_holds(op, ord))
}

/// `a OP b` for the six comparisons, as [`compare_op`](super::eval::compare_op).
pub(super) fn compare(op: BinaryOp, a: &Vector, b: &Vector) -> Option<Vector> {
    let n = a.len();
    let outcomes = outcomes(op);
    let by = |ord: Ordering| Some(outcomes[(ord as i8 + 1) as usize]);
    let partial = |ord: Option<Ordering>| ord.and_then(by);
    let out = match (a.kind(), b.kind()) {
        (Kind::Null, _) | (_, Kind::Null) => return Some(Vector::nulls(n)),
        (Kind::Int, Kind::Int) => zip(n, &a.ints()?, &b.ints()?, |x, y| by(x.cmp(&y))),
        (Kind::Int | Kind::Decimal, Kind::Int | Kind::Decimal) => {
            zip(n, &a.decimals()?, &b.decimals()?, |x, y| by(x.cmp(&y)))
        }
        (x, y) if x.is_number() && y.is_number() => zip(n, &a.floats()?, &b.floats()?, |x, y| {
            partial(x.partial_cmp(&y))
        }),
        (Kind::Date, Kind::Date) => zip(n, &a.dates()?, &b.dates()?, |x, y| by(x.cmp(&y))),
        (x, y) if x.is_time() && y.is_time() => {
            zip(n, &a.datetimes()?, &b.datetimes()?, |x, y| by(x.cmp(&y)))
        }
        (Kind::Bool, Kind::Bool) => zip(n, &a.bools()?, &b.bools()?, |x, y| by(x.cmp(&y))),
        _ => return None,
    };
    Some(Vector::Bools(out))
}

/// `a + b`, `a - b`, `a * b` or `a / b` on numbers, with the language's promotions:
/// int with int stays int (overflow is an error), a float makes a float, an int with a
/// decimal makes a decimal (overflow is an error), `/` always makes a float (null when
/// dividing by zero).
pub(super) fn arithmetic(op: BinaryOp, a: &Vector, b: &Vector, e: &TExpr) -> Computed {
    let n = a.len();
    let (x, y) = (a.kind(), b.kind());
    if x == Kind::Null || y == Kind::Null {
        return Some(Ok(Vector::nulls(n)));
    }
    if !(x.is_number() && y.is_number()) {
        return None;
    }
    Some(Ok(match (op, x, y) {
        (BinaryOp::Div, ..) => Vector::Floats(zip(n, &a.floats()?, &b.floats()?, |x, y| {
            (y != 0.0).then_some(x / y)
        })),
        (_, Kind::Int, Kind::Int) => {
            let f = int_op(op);
            match try_zip(n, &a.ints()?, &b.ints()?, f, e) {
                Ok(v) => Vector::Ints(v),
                Err(overflow) => return Some(Err(overflow)),
            }
        }
        (_, Kind::Float, _) | (_, _, Kind::Float) => {
            let f = float_op(op);
            Vector::Floats(zip(n, &a.floats()?, &b.floats()?, |x, y| Some(f(x, y))))
        }
        _ => {
            let f = decimal_op(op);
            match try_zip(n, &a.decimals()?, &b.decimals()?, f, e) {
                Ok(v) => Vector::Decimals(v),
                Err(overflow) => return Some(Err(overflow)),
            }
        }
    }))
}

fn int_op(op: BinaryOp) -> fn(i64, i64) -> Option<i64> {
    match op {
        BinaryOp::Add => i64::checked_add,
        BinaryOp::Sub => i64::checked_sub,
        _ => i64::checked_mul,
    }
}

fn float_op(op: BinaryOp) -> fn(f64, f64) -> f64 {
    match op {
        BinaryOp::Add => |x, y| x + y,
        BinaryOp::Sub => |x, y| x - y,
        _ => |x, y| x * y,
    }
}

fn decimal_op(op: BinaryOp) -> fn(Decimal, Decimal) -> Option<Decimal> {
    match op {
        BinaryOp::Add => Decimal::checked_add,
        BinaryOp::Sub => Decimal::checked_sub,
        _ => Decimal::checked_mul,
    }
}

/// `-x` on typed values (overflow of an int is an error; other kinds give null).
pub(super) fn negate(x: &Vector, e: &TExpr) -> Computed {
    let n = x.len();
    Some(Ok(match x {
        Vector::Ints(v) => match v.iter().map(|&x| checked_neg(x, e)).collect() {
            Ok(v) => Vector::Ints(v),
            Err(overflow) => return Some(Err(overflow)),
        },
        Vector::Decimals(_) => Vector::Decimals(map(n, &x.decimals()?, |d| -d)),
        Vector::Floats(_) => Vector::Floats(map(n, &x.floats()?, |f| -f)),
        Vector::Bools(_) | Vector::Dates(_) | Vector::DateTimes(_) => Vector::nulls(n),
        Vector::Values(_) | Vector::Same(..) => return None,
    }))
}

/// `-x` of an int or null.
fn checked_neg(x: Option<i64>, e: &TExpr) -> Result<Option<i64>, Overflow> {
    match x {
        Some(x) => x.checked_neg().map(Some).ok_or(Overflow { span: e.span }),
        None => Ok(None),
    }
}

/// `not x`: the negated truth of a bool, null for anything else.
pub(super) fn not(x: &Vector) -> Vector {
    Vector::Bools(x.truths().into_iter().map(|t| t.map(|b| !b)).collect())
}

/// Kleene's `and` of two truths.
pub(super) fn and(x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match (x, y) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Kleene's `or` of two truths.
pub(super) fn or(x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match (x, y) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// `v [not] between lo and hi`, inclusive, as the row evaluator's `between`.
pub(super) fn between(v: &Vector, lo: &Vector, hi: &Vector, negated: bool) -> Option<Vector> {
    let low = compare(BinaryOp::Ge, v, lo)?.truths();
    let high = compare(BinaryOp::Le, v, hi)?.truths();
    Some(Vector::Bools(
        low.into_iter()
            .zip(high)
            .map(|(l, h)| and(l, h).map(|b| b != negated))
            .collect(),
    ))
}

/// The date functions of dates and datetimes, on typed values: `days_between`, `year`,
/// `month`, `day`, `weekday`. `None` for other functions or kinds.
pub(super) fn date_function(f: ScalarFn, args: &[Vector]) -> Option<Vector> {
    let part = |part: fn(NaiveDate) -> i64| {
        let [x] = args else { return None };
        Some(Vector::Ints(map(x.len(), &x.days()?, part)))
    };
    match f {
        ScalarFn::DaysBetween => {
            let [a, b] = args else { return None };
            let (x, y) = (a.days()?, b.days()?);
            // The difference of day numbers is `(y - x).num_days()`, without a duration.
            Some(Vector::Ints(zip(a.len(), &x, &y, |x, y| {
                Some(i64::from(y.num_days_from_ce()) - i64::from(x.num_days_from_ce()))
            })))
        }
        ScalarFn::Year => part(|d| i64::from(d.year())),
        ScalarFn::Month => part(|d| i64::from(d.month())),
        ScalarFn::Day => part(|d| i64::from(d.day())),
        ScalarFn::Weekday => part(|d| i64::from(d.weekday().number_from_monday())),
        _ => None,
    }
}
