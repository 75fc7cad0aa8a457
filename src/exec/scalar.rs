//! Exec stage: one cell of an event row as the typed event path reads it.
//!
//! A [`Scalar`] is `Copy`: numbers, dates and datetimes are held by value and text stays
//! where it lies in the block of rows read, so reading an event allocates nothing, shares nothing and
//! drops nothing. Filters compare scalars with their constants, and accumulators take
//! them (see [`super::accumulate::Accumulator::add_scalars`]); a text becomes a shared
//! [`Value`] only when an accumulator keeps it.

use std::cmp::Ordering;
use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::value::{Value, compare};

/// A typed cell of the current event row.
#[derive(Debug, Clone, Copy, Default)]
pub enum Scalar {
    /// An empty cell of a nullable field (or a field the pass does not read).
    #[default]
    Null,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A decimal.
    Decimal(Decimal),
    /// A float.
    Float(f64),
    /// A date.
    Date(NaiveDate),
    /// A datetime.
    DateTime(NaiveDateTime),
    /// A string or enum value: its bytes' place in the block its row was read from.
    Text(u32, u32),
}

impl Scalar {
    /// The text at `range` of the block.
    pub fn text(range: Range<usize>) -> Scalar {
        Scalar::Text(range.start as u32, range.end as u32)
    }

    /// The scalar of a value that holds no text (`None` for text and durations).
    pub fn from_value(value: &Value) -> Option<Scalar> {
        Some(match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(n) => Scalar::Int(*n),
            Value::Decimal(d) => Scalar::Decimal(*d),
            Value::Float(f) => Scalar::Float(*f),
            Value::Date(d) => Scalar::Date(*d),
            Value::DateTime(dt) => Scalar::DateTime(*dt),
            Value::Str(_) | Value::Duration(..) => return None,
        })
    }

    /// The value of a scalar that holds no text (`None` for text).
    pub fn plain_value(self) -> Option<Value> {
        Some(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(n) => Value::Int(n),
            Scalar::Decimal(d) => Value::Decimal(d),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Date(d) => Value::Date(d),
            Scalar::DateTime(dt) => Value::DateTime(dt),
            Scalar::Text(..) => return None,
        })
    }

    /// The bytes of a text in `block` (`None` for other scalars).
    pub fn bytes<'b>(&self, block: &'b [u8]) -> Option<&'b [u8]> {
        match *self {
            Scalar::Text(start, end) => block.get(start as usize..end as usize),
            _ => None,
        }
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    /// The date of a date or datetime.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Scalar::Date(d) => Some(*d),
            Scalar::DateTime(dt) => Some(dt.date()),
            _ => None,
        }
    }

    /// A date or datetime as a datetime (a date is that day's 00:00:00).
    pub fn as_datetime(&self) -> Option<NaiveDateTime> {
        match self {
            Scalar::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
            Scalar::DateTime(dt) => Some(*dt),
            _ => None,
        }
    }

    /// SQL comparison with a constant, as [`compare`] orders the two values: texts by
    /// their bytes, datetimes directly, anything else through its value.
    pub fn compare(&self, block: &[u8], constant: &Value) -> Option<Ordering> {
        match (self, constant) {
            (Scalar::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
            // `ordered_at > as_of - 365 days`: a date compares as its day's 00:00:00.
            (Scalar::DateTime(x), Value::Date(y)) => Some(x.cmp(&y.and_time(NaiveTime::MIN))),
            (Scalar::Int(x), Value::Int(y)) => Some(x.cmp(y)),
            (Scalar::Decimal(x), Value::Decimal(y)) => Some(x.cmp(y)),
            (Scalar::Date(x), Value::Date(y)) => Some(x.cmp(y)),
            (Scalar::Text(..), Value::Str(y)) => Some(self.bytes(block)?.cmp(y.as_bytes())),
            (Scalar::Text(..), _) => None,
            _ => compare(&self.plain_value()?, constant),
        }
    }

    /// Whether the scalar equals a non-null constant (texts by their bytes).
    pub fn equals(&self, block: &[u8], constant: &Value) -> bool {
        match (self, constant) {
            (Scalar::Text(..), Value::Str(y)) => self.bytes(block) == Some(y.as_bytes()),
            _ => self.compare(block, constant) == Some(Ordering::Equal),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn values() -> Vec<Value> {
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
        vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-3),
            Value::Int(12),
            Value::Decimal(Decimal::new(1250, 2)),
            Value::Decimal(Decimal::new(1200, 2)),
            Value::Float(12.5),
            Value::Date(day),
            Value::Date(day.pred_opt().unwrap_or_default()),
            Value::DateTime(day.and_hms_opt(0, 0, 0).unwrap_or_default()),
            Value::DateTime(day.and_hms_opt(10, 0, 1).unwrap_or_default()),
        ]
    }

    #[test]
    fn scalars_compare_with_constants_as_their_values_do() {
        for a in values() {
            let scalar = Scalar::from_value(&a).unwrap_or_default();
            for b in values() {
                assert_eq!(scalar.compare(b"", &b), compare(&a, &b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn texts_compare_by_their_bytes_in_the_row() {
        let row = b"c1,app,mini_program";
        let app = Scalar::text(3..6);
        let constant = |s: &str| Value::Str(Arc::from(s));
        assert_eq!(app.compare(row, &constant("app")), Some(Ordering::Equal));
        assert_eq!(app.compare(row, &constant("apq")), Some(Ordering::Less));
        assert_eq!(app.compare(row, &constant("ap")), Some(Ordering::Greater));
        assert!(app.equals(row, &constant("app")));
        assert!(!app.equals(row, &constant("mini_program")));
        assert_eq!(app.compare(row, &Value::Int(1)), None);
        assert_eq!(app.plain_value().map(|v| v.text()), None);
    }
}
