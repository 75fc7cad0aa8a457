//! Exec stage: one expression node's results for many entities of a batch, stored by type.
//!
//! The batch evaluator computes each node of an expression for many entities at once. A
//! [`Vector`] holds those results without a 24-byte [`Value`] each when all of them are of
//! one kind or null: `None` stands for null and `Some(x)` for the value of that kind, so a
//! vector always turns back into exactly the values the row evaluator computes. A value
//! that is the same everywhere (a constant, a parameter, a population scalar) is kept once.
//! Results of any other kind (strings, durations, mixed kinds) are plain [`Value`]s.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::column::{Column, ColumnView};
use super::value::{Value, decimal_to_f64};

/// Results at the positions of a selection, in order.
#[derive(Debug, Clone)]
pub(super) enum Vector {
    /// Bools.
    Bools(Vec<Option<bool>>),
    /// Whole numbers.
    Ints(Vec<Option<i64>>),
    /// Exact numbers.
    Decimals(Vec<Option<Decimal>>),
    /// Floats.
    Floats(Vec<Option<f64>>),
    /// Dates.
    Dates(Vec<Option<NaiveDate>>),
    /// Datetimes.
    DateTimes(Vec<Option<NaiveDateTime>>),
    /// Values of any kind.
    Values(Vec<Value>),
    /// One value at each of this many positions.
    Same(Value, usize),
}

/// What kind of values a vector holds besides nulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Only nulls.
    Null,
    /// Bools.
    Bool,
    /// Whole numbers.
    Int,
    /// Exact numbers.
    Decimal,
    /// Floats.
    Float,
    /// Dates.
    Date,
    /// Datetimes.
    DateTime,
    /// Anything else: read as [`Value`]s.
    Other,
}

impl Kind {
    /// Whether values of this kind are numbers.
    pub(super) fn is_number(self) -> bool {
        matches!(self, Kind::Int | Kind::Decimal | Kind::Float)
    }

    /// Whether values of this kind are dates or datetimes.
    pub(super) fn is_time(self) -> bool {
        matches!(self, Kind::Date | Kind::DateTime)
    }

    fn of(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) => Kind::Int,
            Value::Decimal(_) => Kind::Decimal,
            Value::Float(_) => Kind::Float,
            Value::Date(_) => Kind::Date,
            Value::DateTime(_) => Kind::DateTime,
            Value::Str(_) | Value::Duration(..) => Kind::Other,
        }
    }
}

/// One operand of a typed operation: a value per position, or one value for all.
pub(super) enum Lanes<'a, T: Clone> {
    /// A value per position (`None` is null).
    Each(Cow<'a, [Option<T>]>),
    /// The same value everywhere.
    All(Option<T>),
}

impl<T: Copy> Lanes<'_, T> {
    /// The value at position `i`.
    pub(super) fn get(&self, i: usize) -> Option<T> {
        match self {
            Lanes::Each(values) => values[i],
            Lanes::All(value) => *value,
        }
    }
}

/// The whole number of an int value.
fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

/// Lanes borrowed from a typed vector's values.
fn each<T: Clone>(values: &[Option<T>]) -> Lanes<'_, T> {
    Lanes::Each(Cow::Borrowed(values))
}

/// Lanes converted from another type's.
fn converted<T: Copy, U: Clone>(values: &[Option<T>], f: impl Fn(T) -> U) -> Lanes<'static, U> {
    Lanes::Each(Cow::Owned(values.iter().map(|v| v.map(&f)).collect()))
}

impl Vector {
    /// How many positions it covers.
    pub(super) fn len(&self) -> usize {
        match self {
            Vector::Bools(v) => v.len(),
            Vector::Ints(v) => v.len(),
            Vector::Decimals(v) => v.len(),
            Vector::Floats(v) => v.len(),
            Vector::Dates(v) => v.len(),
            Vector::DateTimes(v) => v.len(),
            Vector::Values(v) => v.len(),
            Vector::Same(_, n) => *n,
        }
    }

    /// The kind of its values.
    pub(super) fn kind(&self) -> Kind {
        match self {
            Vector::Bools(_) => Kind::Bool,
            Vector::Ints(_) => Kind::Int,
            Vector::Decimals(_) => Kind::Decimal,
            Vector::Floats(_) => Kind::Float,
            Vector::Dates(_) => Kind::Date,
            Vector::DateTimes(_) => Kind::DateTime,
            Vector::Values(_) => Kind::Other,
            Vector::Same(v, _) => Kind::of(v),
        }
    }

    /// Null at each of `n` positions.
    pub(super) fn nulls(n: usize) -> Vector {
        Vector::Same(Value::Null, n)
    }

    /// The value at position `i`.
    pub(super) fn value(&self, i: usize) -> Value {
        match self {
            Vector::Bools(v) => v[i].map_or(Value::Null, Value::Bool),
            Vector::Ints(v) => v[i].map_or(Value::Null, Value::Int),
            Vector::Decimals(v) => v[i].map_or(Value::Null, Value::Decimal),
            Vector::Floats(v) => v[i].map_or(Value::Null, Value::Float),
            Vector::Dates(v) => v[i].map_or(Value::Null, Value::Date),
            Vector::DateTimes(v) => v[i].map_or(Value::Null, Value::DateTime),
            Vector::Values(v) => v[i].clone(),
            Vector::Same(v, _) => v.clone(),
        }
    }

    /// Every value, in order.
    pub(super) fn into_values(self) -> Vec<Value> {
        match self {
            Vector::Values(v) => v,
            Vector::Same(v, n) => vec![v; n],
            typed => (0..typed.len()).map(|i| typed.value(i)).collect(),
        }
    }

    /// `values` stored by type when they are all of one kind or null.
    pub(super) fn from_values(values: Vec<Value>) -> Vector {
        let kind = values
            .iter()
            .map(Kind::of)
            .find(|&k| k != Kind::Null)
            .unwrap_or(Kind::Null);
        if values
            .iter()
            .any(|v| !matches!(Kind::of(v), Kind::Null) && Kind::of(v) != kind)
        {
            return Vector::Values(values);
        }
        match kind {
            Kind::Null => Vector::nulls(values.len()),
            Kind::Bool => Vector::Bools(values.iter().map(Value::truth).collect()),
            Kind::Int => Vector::Ints(values.iter().map(int).collect()),
            Kind::Decimal => Vector::Decimals(values.iter().map(Value::as_decimal).collect()),
            Kind::Float => Vector::Floats(values.iter().map(Value::as_f64).collect()),
            Kind::Date => Vector::Dates(values.iter().map(Value::as_date).collect()),
            Kind::DateTime => Vector::DateTimes(values.iter().map(Value::as_datetime).collect()),
            Kind::Other => Vector::Values(values),
        }
    }

    /// Rows `start + k` of a column for each position `k` of `at`.
    pub(super) fn read(column: &Column, start: usize, at: &[u32]) -> Vector {
        let rows = at.iter().map(|&k| start + k as usize);
        match column.view() {
            ColumnView::Bools(c) => Vector::Bools(rows.map(|r| c.get(r)).collect()),
            ColumnView::Ints(c) => Vector::Ints(rows.map(|r| c.get(r)).collect()),
            ColumnView::SmallInts(c) => {
                Vector::Ints(rows.map(|r| c.get(r).map(i64::from)).collect())
            }
            ColumnView::Decimals(c) => Vector::Decimals(rows.map(|r| c.get(r)).collect()),
            ColumnView::Floats(c) => Vector::Floats(rows.map(|r| c.get(r)).collect()),
            ColumnView::Dates(c) => Vector::Dates(rows.map(|r| c.get(r)).collect()),
            ColumnView::DateTimes(c) => Vector::DateTimes(rows.map(|r| c.get(r)).collect()),
            ColumnView::Nulls => Vector::nulls(at.len()),
            ColumnView::Other => Vector::Values(rows.map(|r| column.get(r)).collect()),
        }
    }

    /// Three-valued truth at each position: `Some(b)` for a bool, `None` otherwise.
    pub(super) fn truths(&self) -> Vec<Option<bool>> {
        match self {
            Vector::Bools(v) => v.clone(),
            Vector::Values(v) => v.iter().map(Value::truth).collect(),
            Vector::Same(v, n) => vec![v.truth(); *n],
            other => vec![None; other.len()],
        }
    }

    /// Truth at each position where null (and any other value) counts as false.
    pub(super) fn holds(&self) -> Vec<bool> {
        match self {
            Vector::Bools(v) => v.iter().map(|&b| b == Some(true)).collect(),
            Vector::Values(v) => v.iter().map(Value::holds).collect(),
            Vector::Same(v, n) => vec![v.holds(); *n],
            other => vec![false; other.len()],
        }
    }

    /// Whether each position is null.
    pub(super) fn null_flags(&self) -> Vec<bool> {
        match self {
            Vector::Bools(v) => v.iter().map(Option::is_none).collect(),
            Vector::Ints(v) => v.iter().map(Option::is_none).collect(),
            Vector::Decimals(v) => v.iter().map(Option::is_none).collect(),
            Vector::Floats(v) => v.iter().map(Option::is_none).collect(),
            Vector::Dates(v) => v.iter().map(Option::is_none).collect(),
            Vector::DateTimes(v) => v.iter().map(Option::is_none).collect(),
            Vector::Values(v) => v.iter().map(Value::is_null).collect(),
            Vector::Same(v, n) => vec![v.is_null(); *n],
        }
    }

    /// Bools, for vectors of bools or nulls.
    pub(super) fn bools(&self) -> Option<Lanes<'_, bool>> {
        match self {
            Vector::Bools(v) => Some(each(v)),
            Vector::Same(v @ (Value::Null | Value::Bool(_)), _) => Some(Lanes::All(v.truth())),
            _ => None,
        }
    }

    /// Whole numbers, for vectors of ints or nulls.
    pub(super) fn ints(&self) -> Option<Lanes<'_, i64>> {
        match self {
            Vector::Ints(v) => Some(each(v)),
            Vector::Same(Value::Int(n), _) => Some(Lanes::All(Some(*n))),
            Vector::Same(Value::Null, _) => Some(Lanes::All(None)),
            _ => None,
        }
    }

    /// Exact numbers, for vectors of ints, decimals or nulls (ints converted).
    pub(super) fn decimals(&self) -> Option<Lanes<'_, Decimal>> {
        match self {
            Vector::Decimals(v) => Some(each(v)),
            Vector::Ints(v) => Some(converted(v, Decimal::from)),
            Vector::Same(v @ (Value::Null | Value::Int(_) | Value::Decimal(_)), _) => {
                Some(Lanes::All(v.as_decimal()))
            }
            _ => None,
        }
    }

    /// Floats, for vectors of numbers or nulls (ints and decimals converted as
    /// [`Value::as_f64`] does).
    pub(super) fn floats(&self) -> Option<Lanes<'_, f64>> {
        match self {
            Vector::Floats(v) => Some(each(v)),
            Vector::Ints(v) => Some(converted(v, |n| n as f64)),
            Vector::Decimals(v) => Some(converted(v, decimal_to_f64)),
            Vector::Same(v, _) if matches!(Kind::of(v), Kind::Null) || Kind::of(v).is_number() => {
                Some(Lanes::All(v.as_f64()))
            }
            _ => None,
        }
    }

    /// Dates, for vectors of dates or nulls.
    pub(super) fn dates(&self) -> Option<Lanes<'_, NaiveDate>> {
        match self {
            Vector::Dates(v) => Some(each(v)),
            Vector::Same(v @ (Value::Null | Value::Date(_)), _) => Some(Lanes::All(v.as_date())),
            _ => None,
        }
    }

    /// The date part of each date or datetime, for vectors of those or nulls.
    pub(super) fn days(&self) -> Option<Lanes<'_, NaiveDate>> {
        match self {
            Vector::DateTimes(v) => Some(converted(v, |t| t.date())),
            Vector::Same(v @ Value::DateTime(_), _) => Some(Lanes::All(v.as_date())),
            other => other.dates(),
        }
    }

    /// Datetimes, for vectors of dates, datetimes or nulls (a date is its 00:00:00).
    pub(super) fn datetimes(&self) -> Option<Lanes<'_, NaiveDateTime>> {
        match self {
            Vector::DateTimes(v) => Some(each(v)),
            Vector::Dates(v) => Some(converted(v, |d| d.and_time(NaiveTime::MIN))),
            Vector::Same(v @ (Value::Null | Value::Date(_) | Value::DateTime(_)), _) => {
                Some(Lanes::All(v.as_datetime()))
            }
            _ => None,
        }
    }

    /// The values at positions `at` of this vector.
    pub(super) fn gather(&self, at: &[u32]) -> Vector {
        fn pick<T: Clone>(v: &[T], at: &[u32]) -> Vec<T> {
            at.iter().map(|&k| v[k as usize].clone()).collect()
        }
        match self {
            Vector::Bools(v) => Vector::Bools(pick(v, at)),
            Vector::Ints(v) => Vector::Ints(pick(v, at)),
            Vector::Decimals(v) => Vector::Decimals(pick(v, at)),
            Vector::Floats(v) => Vector::Floats(pick(v, at)),
            Vector::Dates(v) => Vector::Dates(pick(v, at)),
            Vector::DateTimes(v) => Vector::DateTimes(pick(v, at)),
            Vector::Values(v) => Vector::Values(pick(v, at)),
            Vector::Same(v, _) => Vector::Same(v.clone(), at.len()),
        }
    }

    /// A vector of `len` nulls that [`Vector::put`] can fill with values of `kind`.
    pub(super) fn blank(kind: Kind, len: usize) -> Vector {
        match kind {
            Kind::Bool => Vector::Bools(vec![None; len]),
            Kind::Int => Vector::Ints(vec![None; len]),
            Kind::Decimal => Vector::Decimals(vec![None; len]),
            Kind::Float => Vector::Floats(vec![None; len]),
            Kind::Date => Vector::Dates(vec![None; len]),
            Kind::DateTime => Vector::DateTimes(vec![None; len]),
            Kind::Null | Kind::Other => Vector::Values(vec![Value::Null; len]),
        }
    }

    /// Writes `values` (one per position of `at`) at positions `at` of this vector.
    pub(super) fn put(&mut self, at: &[u32], values: &Vector) {
        fn scatter<T: Copy>(dst: &mut [Option<T>], at: &[u32], src: Option<Lanes<'_, T>>) {
            if let Some(src) = src {
                at.iter()
                    .enumerate()
                    .for_each(|(i, &k)| dst[k as usize] = src.get(i));
            }
        }
        let kind = values.kind();
        if (kind != Kind::Null && kind != self.kind()) || kind == Kind::Other {
            let mut all = std::mem::replace(self, Vector::nulls(0)).into_values();
            for (i, &k) in at.iter().enumerate() {
                all[k as usize] = values.value(i);
            }
            *self = Vector::Values(all);
            return;
        }
        match self {
            Vector::Bools(dst) => scatter(dst, at, values.bools()),
            Vector::Ints(dst) => scatter(dst, at, values.ints()),
            Vector::Decimals(dst) => scatter(dst, at, values.decimals()),
            Vector::Floats(dst) => scatter(dst, at, values.floats()),
            Vector::Dates(dst) => scatter(dst, at, values.dates()),
            Vector::DateTimes(dst) => scatter(dst, at, values.datetimes()),
            Vector::Values(dst) => {
                at.iter()
                    .enumerate()
                    .for_each(|(i, &k)| dst[k as usize] = values.value(i));
            }
            Vector::Same(..) => {}
        }
    }

    /// Per position, the next value of `then` where `holds`, else the next of `other`.
    pub(super) fn choose(holds: &[bool], then: Vector, other: Vector) -> Vector {
        fn pick<T>(holds: &[bool], a: Vec<T>, b: Vec<T>) -> Vec<T> {
            let (mut a, mut b) = (a.into_iter(), b.into_iter());
            holds
                .iter()
                .filter_map(|&h| if h { a.next() } else { b.next() })
                .collect()
        }
        match (then, other) {
            (Vector::Bools(a), Vector::Bools(b)) => Vector::Bools(pick(holds, a, b)),
            (Vector::Ints(a), Vector::Ints(b)) => Vector::Ints(pick(holds, a, b)),
            (Vector::Decimals(a), Vector::Decimals(b)) => Vector::Decimals(pick(holds, a, b)),
            (Vector::Floats(a), Vector::Floats(b)) => Vector::Floats(pick(holds, a, b)),
            (Vector::Dates(a), Vector::Dates(b)) => Vector::Dates(pick(holds, a, b)),
            (Vector::DateTimes(a), Vector::DateTimes(b)) => Vector::DateTimes(pick(holds, a, b)),
            (a, b) => Vector::from_values(pick(holds, a.into_values(), b.into_values())),
        }
    }
}
