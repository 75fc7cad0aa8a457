//! Exec stage: a [`Value`] seen without owning it.
//!
//! The event loop reads millions of cells and keeps few of them. A [`ValueRef`] is a
//! cell's value with its text borrowed from the block the reader holds (or from a
//! [`Value`]), so parsing, filtering and counting an event allocate nothing and touch no
//! reference counts; an accumulator turns a value into a [`Value`] only when it keeps it.
//! Comparisons are defined here once, for both.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::value::{Value, decimal_to_f64};
use crate::syntax::ast::DurationUnit;

/// A value whose text, if any, is borrowed. `Null` is SQL's null.
#[derive(Debug, Clone, Copy, Default)]
pub enum ValueRef<'a> {
    /// No value.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A 64-bit float.
    Float(f64),
    /// Text (also enum values).
    Str(&'a str),
    /// A calendar date.
    Date(NaiveDate),
    /// A datetime in UTC.
    DateTime(NaiveDateTime),
    /// A number of days, weeks, months or years.
    Duration(i64, DurationUnit),
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(v: &'a Value) -> ValueRef<'a> {
        match v {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Int(n) => ValueRef::Int(*n),
            Value::Decimal(d) => ValueRef::Decimal(*d),
            Value::Float(f) => ValueRef::Float(*f),
            Value::Str(s) => ValueRef::Str(s),
            Value::Date(d) => ValueRef::Date(*d),
            Value::DateTime(dt) => ValueRef::DateTime(*dt),
            Value::Duration(n, u) => ValueRef::Duration(*n, *u),
        }
    }
}

impl ValueRef<'_> {
    /// The owned value (text is copied).
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(n) => Value::Int(n),
            ValueRef::Decimal(d) => Value::Decimal(d),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::Str(s) => Value::Str(s.into()),
            ValueRef::Date(d) => Value::Date(d),
            ValueRef::DateTime(dt) => Value::DateTime(dt),
            ValueRef::Duration(n, u) => Value::Duration(n, u),
        }
    }

    /// Whether this is null.
    pub fn is_null(self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// The value as an exact decimal, for int and decimal values.
    pub fn as_decimal(self) -> Option<Decimal> {
        match self {
            ValueRef::Int(n) => Some(Decimal::from(n)),
            ValueRef::Decimal(d) => Some(d),
            _ => None,
        }
    }

    /// The value as a float, for numeric values.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            ValueRef::Int(n) => Some(n as f64),
            ValueRef::Decimal(d) => Some(decimal_to_f64(d)),
            ValueRef::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The date part of a date or datetime.
    pub fn as_date(self) -> Option<NaiveDate> {
        match self {
            ValueRef::Date(d) => Some(d),
            ValueRef::DateTime(dt) => Some(dt.date()),
            _ => None,
        }
    }

    /// A date or datetime as a datetime (a date is that day's 00:00:00).
    pub fn as_datetime(self) -> Option<NaiveDateTime> {
        match self {
            ValueRef::Date(d) => Some(d.and_time(NaiveTime::MIN)),
            ValueRef::DateTime(dt) => Some(dt),
            _ => None,
        }
    }
}

/// SQL comparison of two non-null values of comparable types; `None` when either is null
/// or the types do not compare (the checker rules that out).
pub fn compare_refs(a: ValueRef, b: ValueRef) -> Option<Ordering> {
    match (a, b) {
        (ValueRef::Null, _) | (_, ValueRef::Null) => None,
        (ValueRef::Int(x), ValueRef::Int(y)) => Some(x.cmp(&y)),
        (ValueRef::DateTime(x), ValueRef::DateTime(y)) => Some(x.cmp(&y)),
        (ValueRef::Decimal(x), ValueRef::Decimal(y)) => Some(x.cmp(&y)),
        (ValueRef::Int(_) | ValueRef::Decimal(_), ValueRef::Int(_) | ValueRef::Decimal(_)) => {
            Some(a.as_decimal()?.cmp(&b.as_decimal()?))
        }
        (ValueRef::Float(_), _) | (_, ValueRef::Float(_)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (ValueRef::Str(x), ValueRef::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (ValueRef::Bool(x), ValueRef::Bool(y)) => Some(x.cmp(&y)),
        (ValueRef::Date(x), ValueRef::Date(y)) => Some(x.cmp(&y)),
        (ValueRef::Date(_) | ValueRef::DateTime(_), ValueRef::Date(_) | ValueRef::DateTime(_)) => {
            Some(a.as_datetime()?.cmp(&b.as_datetime()?))
        }
        _ => None,
    }
}

/// Whether two non-null values are equal (texts by length first, without ordering them).
pub fn equal_refs(a: ValueRef, b: ValueRef) -> bool {
    match (a, b) {
        (ValueRef::Str(x), ValueRef::Str(y)) => x == y,
        _ => compare_refs(a, b) == Some(Ordering::Equal),
    }
}

/// Total order for sorting and grouping: nulls first, then by [`compare_refs`]; values
/// of different kinds order by kind.
pub fn total_order_refs(a: ValueRef, b: ValueRef) -> Ordering {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => Ordering::Equal,
        (ValueRef::Null, _) => Ordering::Less,
        (_, ValueRef::Null) => Ordering::Greater,
        _ => compare_refs(a, b).unwrap_or_else(|| kind_rank(a).cmp(&kind_rank(b))),
    }
}

fn kind_rank(v: ValueRef) -> u8 {
    match v {
        ValueRef::Null => 0,
        ValueRef::Bool(_) => 1,
        ValueRef::Int(_) | ValueRef::Decimal(_) | ValueRef::Float(_) => 2,
        ValueRef::Str(_) => 3,
        ValueRef::Date(_) | ValueRef::DateTime(_) => 4,
        ValueRef::Duration(..) => 5,
    }
}
