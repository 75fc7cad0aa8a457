//! Exec stage: evaluating typed expressions for one entity (and, inside `where`, one event).
//!
//! [`World`] holds everything known so far in the run (entity fields, finished aggregate
//! and population columns, materialized `let`s); [`Row`] memoizes one entity's values.

use std::cmp::Ordering;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use smallvec::SmallVec;

use super::column::Column;
use super::error::RunError;
use super::value::{Value, compare, shift_date};
use crate::check::hir::{Hir, ScalarFn, TExpr, TExprKind};
use crate::syntax::Span;
use crate::syntax::ast::{BinaryOp, DurationUnit};

/// A population function's result.
#[derive(Debug, Clone)]
pub enum PopValue {
    /// One value per entity (`ntile`, `percent_rank`).
    PerEntity(Column),
    /// One value for everyone (`percentile`, `mean`).
    Scalar(Value),
}

/// The state of a run that expressions read.
pub struct World<'a> {
    /// The program as checked (names, declarations).
    pub hir: &'a Hir,
    /// The program with this run's as_of and params folded into its expressions: the
    /// expressions to evaluate.
    program: Hir,
    /// The run's date.
    pub as_of: NaiveDate,
    /// Parameter values, by id.
    pub params: Vec<Value>,
    /// Entity field columns, by field index.
    pub entity: Vec<Column>,
    /// Finished aggregate columns, by aggregate id.
    pub aggregates: Vec<Option<Column>>,
    /// Finished population results, by population id.
    pub populations: Vec<Option<PopValue>>,
    /// Materialized `let` columns, by let id.
    pub lets: Vec<Option<Column>>,
    /// Segment memberships of every entity, once they are computed.
    pub memberships: Option<Memberships>,
}

/// Per segmentation, each entity's segment index; per standalone segment, each entity's
/// membership.
pub type Memberships = (Vec<Vec<Option<u16>>>, Vec<Vec<bool>>);

/// One entity's memoized values during evaluation.
pub struct Row {
    /// The entity's index.
    pub entity: usize,
    /// The current event's field values (empty outside `where`).
    pub event: Vec<Value>,
    lets: Vec<Option<Value>>,
    segments: Vec<Option<bool>>,
    segmentations: Vec<Option<Option<usize>>>,
}

impl Row {
    /// A fresh row for `entity`.
    pub fn new(hir: &Hir, entity: usize) -> Row {
        Row {
            entity,
            event: Vec::new(),
            lets: vec![None; hir.lets.len()],
            segments: vec![None; hir.segments.len()],
            segmentations: vec![None; hir.segmentations.len()],
        }
    }

    /// Moves the row to another entity, forgetting memoized values.
    pub fn reset(&mut self, entity: usize) {
        self.entity = entity;
        self.lets.iter_mut().for_each(|v| *v = None);
        self.segments.iter_mut().for_each(|v| *v = None);
        self.segmentations.iter_mut().for_each(|v| *v = None);
    }
}

type Eval = Result<Value, Overflow>;

/// The argument values of one function call (kept on the stack).
pub(super) type Args = SmallVec<[Value; 4]>;

/// An arithmetic result outside its type's range, at the expression that overflowed: the
/// one error evaluation can meet. It is small, so results return in registers.
#[derive(Debug, Clone, Copy)]
pub struct Overflow {
    /// The expression.
    pub span: Span,
}

impl From<Overflow> for RunError {
    fn from(o: Overflow) -> RunError {
        RunError::Overflow { span: o.span }
    }
}

impl<'a> World<'a> {
    /// A world with the entity columns loaded and nothing computed yet.
    pub fn new(
        hir: &'a Hir,
        as_of: NaiveDate,
        params: Vec<Value>,
        entity: Vec<Column>,
    ) -> World<'a> {
        let mut world = World::unfolded(hir, as_of, params, entity);
        world.program = super::fold::bind(hir, as_of, &world.params);
        world
    }

    /// A world that evaluates the program as checked (used to fold constants).
    pub(super) fn unfolded(
        hir: &'a Hir,
        as_of: NaiveDate,
        params: Vec<Value>,
        entity: Vec<Column>,
    ) -> World<'a> {
        World {
            hir,
            program: hir.clone(),
            as_of,
            params,
            entity,
            aggregates: vec![None; hir.aggregates.len()],
            populations: vec![None; hir.populations.len()],
            lets: vec![None; hir.lets.len()],
            memberships: None,
        }
    }

    /// The program to evaluate: [`World::hir`] with constants folded in.
    pub fn program(&self) -> &Hir {
        &self.program
    }

    /// Evaluates an expression for the row's entity.
    pub fn eval(&self, e: &TExpr, row: &mut Row) -> Eval {
        Ok(match &e.kind {
            TExprKind::Const(c) => Value::from(c),
            TExprKind::AsOf => Value::Date(self.as_of),
            TExprKind::Param(i) => self.params[*i].clone(),
            TExprKind::EntityField(i) => self.entity[*i].get(row.entity),
            TExprKind::EventField(i) => row.event.get(*i).cloned().unwrap_or(Value::Null),
            TExprKind::Let(i) => self.let_value(*i, row)?,
            TExprKind::Segment(i) => Value::Bool(self.segment(*i, row)?),
            TExprKind::SegmentOf(i, j) => Value::Bool(self.segment_index(*i, row)? == Some(*j)),
            TExprKind::SegmentationName(i) => match self.segment_index(*i, row)? {
                Some(j) => Value::Str(Arc::from(self.hir.segmentations[*i].rules[j].name.as_str())),
                None => Value::Null,
            },
            TExprKind::Aggregate(i) => match &self.aggregates[*i] {
                Some(column) => column.get(row.entity),
                None => unreachable!("the plan computes aggregate {i} before it is read"),
            },
            TExprKind::Population(i) => match &self.populations[*i] {
                Some(PopValue::PerEntity(column)) => column.get(row.entity),
                Some(PopValue::Scalar(v)) => v.clone(),
                None => unreachable!("the plan computes population function {i} before it is read"),
            },
            TExprKind::MetricAgg(..) => {
                unreachable!("metric aggregates are evaluated by the metrics report")
            }
            TExprKind::Neg(x) => negate(self.eval(x, row)?, e)?,
            TExprKind::Not(x) => match self.eval(x, row)?.truth() {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            },
            TExprKind::Binary(op, a, b) => self.binary(*op, a, b, row, e)?,
            TExprKind::In(x, items, negated) => self.in_list(x, items, *negated, row)?,
            TExprKind::Between(x, lo, hi, negated) => self.between(x, lo, hi, *negated, row)?,
            TExprKind::IsNull(x, negated) => Value::Bool(self.eval(x, row)?.is_null() != *negated),
            TExprKind::If(c, a, b) => {
                if self.eval(c, row)?.holds() {
                    self.eval(a, row)?
                } else {
                    self.eval(b, row)?
                }
            }
            TExprKind::Call(f, args) => self.call(*f, args, row, e)?,
        })
    }

    /// The value of `let` `i` for the row's entity.
    pub fn let_value(&self, i: usize, row: &mut Row) -> Eval {
        if let Some(column) = &self.lets[i] {
            return Ok(column.get(row.entity));
        }
        if let Some(v) = &row.lets[i] {
            return Ok(v.clone());
        }
        let v = self.eval(&self.program.lets[i].expr, row)?;
        row.lets[i] = Some(v.clone());
        Ok(v)
    }

    /// Whether the row's entity is in standalone segment `i`.
    pub fn segment(&self, i: usize, row: &mut Row) -> Result<bool, Overflow> {
        if let Some((_, segments)) = &self.memberships {
            return Ok(segments[i][row.entity]);
        }
        if let Some(b) = row.segments[i] {
            return Ok(b);
        }
        let b = self.eval(&self.program.segments[i].condition, row)?.holds();
        row.segments[i] = Some(b);
        Ok(b)
    }

    /// The index of the row's entity's segment in segmentation `i` (first match), if any.
    pub fn segment_index(&self, i: usize, row: &mut Row) -> Result<Option<usize>, Overflow> {
        if let Some((segmentations, _)) = &self.memberships {
            return Ok(segmentations[i][row.entity].map(usize::from));
        }
        if let Some(s) = row.segmentations[i] {
            return Ok(s);
        }
        let mut found = None;
        for (j, rule) in self.program.segmentations[i].rules.iter().enumerate() {
            let matched = match &rule.condition {
                Some(c) => self.eval(c, row)?.holds(),
                None => true,
            };
            if matched {
                found = Some(j);
                break;
            }
        }
        row.segmentations[i] = Some(found);
        Ok(found)
    }

    fn binary(&self, op: BinaryOp, a: &TExpr, b: &TExpr, row: &mut Row, e: &TExpr) -> Eval {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let x = self.eval(a, row)?.truth();
                if let Some(decided) = short_circuit(op, x) {
                    return Ok(decided);
                }
                let y = self.eval(b, row)?.truth();
                Ok(logic(op, x, y))
            }
            _ => {
                let x = self.eval(a, row)?;
                let y = self.eval(b, row)?;
                operate(op, x, y, e)
            }
        }
    }

    fn in_list(&self, x: &TExpr, items: &[TExpr], negated: bool, row: &mut Row) -> Eval {
        let v = self.eval(x, row)?;
        if v.is_null() {
            return Ok(Value::Null);
        }
        let mut saw_null = false;
        for item in items {
            let w = self.eval(item, row)?;
            match compare(&v, &w) {
                Some(Ordering::Equal) => return Ok(Value::Bool(!negated)),
                None if w.is_null() => saw_null = true,
                _ => {}
            }
        }
        Ok(no_match(saw_null, negated))
    }

    fn between(&self, x: &TExpr, lo: &TExpr, hi: &TExpr, negated: bool, row: &mut Row) -> Eval {
        let v = self.eval(x, row)?;
        let lo = self.eval(lo, row)?;
        let hi = self.eval(hi, row)?;
        Ok(between(&v, &lo, &hi, negated))
    }

    fn call(&self, f: ScalarFn, args: &[TExpr], row: &mut Row, e: &TExpr) -> Eval {
        let mut values = Args::new();
        for arg in args {
            values.push(self.eval(arg, row)?);
        }
        self.apply(f, values, e)
    }

    /// A scalar function applied to its arguments' values.
    pub(super) fn apply(&self, f: ScalarFn, values: Args, e: &TExpr) -> Eval {
        match f {
            ScalarFn::Coalesce => Ok(values
                .into_iter()
                .find(|v| !v.is_null())
                .unwrap_or(Value::Null)),
            ScalarFn::Least => Ok(extreme(values, Ordering::Less)),
            ScalarFn::Greatest => Ok(extreme(values, Ordering::Greater)),
            ScalarFn::Concat => Ok(Value::Str(
                values.iter().map(Value::text).collect::<String>().into(),
            )),
            ScalarFn::Age => Ok(values[0]
                .as_date()
                .map_or(Value::Null, |d| Value::Int(age(d, self.as_of)))),
            _ if values.iter().any(Value::is_null) => Ok(Value::Null),
            _ => scalar(f, &values, e),
        }
    }
}

/// `and`/`or` when the left side alone decides: false for `and`, true for `or`.
pub(super) fn short_circuit(op: BinaryOp, x: Option<bool>) -> Option<Value> {
    match (op, x) {
        (BinaryOp::And, Some(false)) => Some(Value::Bool(false)),
        (BinaryOp::Or, Some(true)) => Some(Value::Bool(true)),
        _ => None,
    }
}

/// Kleene's `and`/`or` of two truths (null is unknown).
pub(super) fn logic(op: BinaryOp, x: Option<bool>, y: Option<bool>) -> Value {
    let (absorbing, neutral) = if op == BinaryOp::And {
        (false, true)
    } else {
        (true, false)
    };
    match (x, y) {
        (Some(a), _) | (_, Some(a)) if a == absorbing => Value::Bool(absorbing),
        (Some(_), Some(_)) => Value::Bool(neutral),
        _ => Value::Null,
    }
}

/// A comparison or arithmetic operator applied to two values.
pub(super) fn operate(op: BinaryOp, x: Value, y: Value, e: &TExpr) -> Eval {
    if op.is_comparison() {
        return Ok(compare_op(op, &x, &y));
    }
    arithmetic(op, x, y, e)
}

/// The result of `x [not] in [...]` when no item equals `x`: unknown if an item was null.
pub(super) fn no_match(saw_null: bool, negated: bool) -> Value {
    if saw_null {
        Value::Null
    } else {
        Value::Bool(negated)
    }
}

/// `v [not] between lo and hi`, inclusive, with SQL nulls.
pub(super) fn between(v: &Value, lo: &Value, hi: &Value, negated: bool) -> Value {
    let low = compare_op(BinaryOp::Ge, v, lo);
    let high = compare_op(BinaryOp::Le, v, hi);
    match logic(BinaryOp::And, low.truth(), high.truth()).truth() {
        Some(b) => Value::Bool(b != negated),
        None => Value::Null,
    }
}

/// `a OP b` for the six comparisons, with SQL nulls.
pub fn compare_op(op: BinaryOp, a: &Value, b: &Value) -> Value {
    match compare(a, b) {
        Some(ord) => Value::Bool(op_holds(op, ord)),
        None => Value::Null,
    }
}

/// Whether comparison `op` holds for the ordering of its two sides.
pub fn op_holds(op: BinaryOp, ord: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::Ne => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Le => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        BinaryOp::Ge => ord != Ordering::Less,
        _ => unreachable!("{op:?} is no comparison"),
    }
}

fn overflow(e: &TExpr) -> Overflow {
    Overflow { span: e.span }
}

pub(super) fn negate(v: Value, e: &TExpr) -> Eval {
    Ok(match v {
        Value::Int(n) => Value::Int(n.checked_neg().ok_or_else(|| overflow(e))?),
        Value::Decimal(d) => Value::Decimal(-d),
        Value::Float(f) => Value::Float(-f),
        Value::Duration(n, u) => Value::Duration(-n, u),
        _ => Value::Null,
    })
}

/// `+ - * /` with the language's numeric rules; null in, null out; `/` by zero is null.
fn arithmetic(op: BinaryOp, a: Value, b: Value, e: &TExpr) -> Eval {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if op == BinaryOp::Div {
        let (x, y) = (a.as_f64(), b.as_f64());
        return Ok(match (x, y) {
            (Some(_), Some(0.0)) => Value::Null,
            (Some(x), Some(y)) => Value::Float(x / y),
            _ => Value::Null,
        });
    }
    match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => {
            let r = match op {
                BinaryOp::Add => x.checked_add(*y),
                BinaryOp::Sub => x.checked_sub(*y),
                _ => x.checked_mul(*y),
            };
            r.map(Value::Int).ok_or_else(|| overflow(e))
        }
        (Value::Float(_), _) | (_, Value::Float(_)) => {
            let (x, y) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            Ok(Value::Float(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                _ => x * y,
            }))
        }
        (Value::Int(_) | Value::Decimal(_), Value::Int(_) | Value::Decimal(_)) => {
            let (x, y) = (
                a.as_decimal().unwrap_or_default(),
                b.as_decimal().unwrap_or_default(),
            );
            let r = match op {
                BinaryOp::Add => x.checked_add(y),
                BinaryOp::Sub => x.checked_sub(y),
                _ => x.checked_mul(y),
            };
            r.map(Value::Decimal).ok_or_else(|| overflow(e))
        }
        (Value::Duration(n, u), t) | (t, Value::Duration(n, u)) => {
            let n = if op == BinaryOp::Sub {
                n.checked_neg().ok_or_else(|| overflow(e))?
            } else {
                *n
            };
            shift(t, n, *u).ok_or_else(|| overflow(e))
        }
        _ => Ok(Value::Null),
    }
}

fn shift(t: &Value, n: i64, unit: DurationUnit) -> Option<Value> {
    match t {
        Value::Date(d) => shift_date(*d, n, unit).map(Value::Date),
        Value::DateTime(dt) => {
            shift_date(dt.date(), n, unit).map(|d| Value::DateTime(d.and_time(dt.time())))
        }
        _ => None,
    }
}

/// `least`/`greatest`: nulls are skipped; null only when every argument is null.
fn extreme(values: Args, want: Ordering) -> Value {
    let mut best = Value::Null;
    for v in values {
        if v.is_null() {
            continue;
        }
        if best.is_null() || compare(&v, &best) == Some(want) {
            best = v;
        }
    }
    best
}

/// Whole years from `birth` to `as_of`; a 29 February birthday is reached on 1 March.
pub fn age(birth: NaiveDate, as_of: NaiveDate) -> i64 {
    let mut years = i64::from(as_of.year() - birth.year());
    if (as_of.month(), as_of.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Scalar functions on non-null arguments.
fn scalar(f: ScalarFn, v: &[Value], e: &TExpr) -> Eval {
    let date = |i: usize| v[i].as_date();
    let text = |i: usize| match &v[i] {
        Value::Str(s) => s.clone(),
        _ => Arc::from(""),
    };
    Ok(match f {
        ScalarFn::DaysBetween => match (date(0), date(1)) {
            (Some(a), Some(b)) => Value::Int((b - a).num_days()),
            _ => Value::Null,
        },
        ScalarFn::Date => date(0).map_or(Value::Null, Value::Date),
        ScalarFn::Year => date(0).map_or(Value::Null, |d| Value::Int(i64::from(d.year()))),
        ScalarFn::Month => date(0).map_or(Value::Null, |d| Value::Int(i64::from(d.month()))),
        ScalarFn::Day => date(0).map_or(Value::Null, |d| Value::Int(i64::from(d.day()))),
        ScalarFn::Weekday => date(0).map_or(Value::Null, |d| {
            Value::Int(i64::from(d.weekday().number_from_monday()))
        }),
        ScalarFn::Abs => match &v[0] {
            Value::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| overflow(e))?),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            Value::Float(x) => Value::Float(x.abs()),
            _ => Value::Null,
        },
        ScalarFn::Round => round(
            &v[0],
            v.get(1)
                .and_then(|d| match d {
                    Value::Int(n) => Some(*n),
                    _ => None,
                })
                .unwrap_or(0),
            e,
        )?,
        ScalarFn::Floor => match &v[0] {
            Value::Decimal(d) => Value::Decimal(d.floor()),
            Value::Float(x) => Value::Float(x.floor()),
            other => other.clone(),
        },
        ScalarFn::Ceil => match &v[0] {
            Value::Decimal(d) => Value::Decimal(d.ceil()),
            Value::Float(x) => Value::Float(x.ceil()),
            other => other.clone(),
        },
        ScalarFn::Lower => Value::Str(text(0).to_lowercase().into()),
        ScalarFn::Upper => Value::Str(text(0).to_uppercase().into()),
        ScalarFn::Trim => Value::Str(text(0).trim().into()),
        ScalarFn::Length => Value::Int(text(0).chars().count() as i64),
        ScalarFn::Contains => Value::Bool(text(0).contains(&*text(1))),
        ScalarFn::StartsWith => Value::Bool(text(0).starts_with(&*text(1))),
        ScalarFn::EndsWith => Value::Bool(text(0).ends_with(&*text(1))),
        ScalarFn::MakeDuration(unit) => match &v[0] {
            Value::Int(n) => Value::Duration(*n, unit),
            _ => Value::Null,
        },
        ScalarFn::Coalesce
        | ScalarFn::Least
        | ScalarFn::Greatest
        | ScalarFn::Concat
        | ScalarFn::Age => {
            unreachable!("{f:?} is evaluated before null propagation")
        }
    })
}

/// `round(x, digits)`, half away from zero; negative digits round to tens, hundreds...
fn round(x: &Value, digits: i64, e: &TExpr) -> Eval {
    Ok(match x {
        Value::Int(n) if digits >= 0 => Value::Int(*n),
        Value::Int(n) => {
            let scale = 10i64
                .checked_pow(u32::try_from(-digits).unwrap_or(u32::MAX))
                .ok_or_else(|| overflow(e))?;
            let rounded = Decimal::from(*n) / Decimal::from(scale);
            let r = rounded.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            Value::Int(
                r.to_i64()
                    .and_then(|r| r.checked_mul(scale))
                    .ok_or_else(|| overflow(e))?,
            )
        }
        Value::Decimal(d) if digits >= 0 => {
            let dp = u32::try_from(digits).unwrap_or(u32::MAX).min(28);
            Value::Decimal(d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
        }
        Value::Decimal(d) => {
            let scale = Decimal::from(
                10i64
                    .checked_pow(u32::try_from(-digits).unwrap_or(u32::MAX))
                    .ok_or_else(|| overflow(e))?,
            );
            let r = (d / scale).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            Value::Decimal(r.checked_mul(scale).ok_or_else(|| overflow(e))?)
        }
        Value::Float(f) => {
            let p = 10f64.powi(i32::try_from(digits).unwrap_or(i32::MAX));
            Value::Float((f * p).round() / p)
        }
        other => other.clone(),
    })
}
