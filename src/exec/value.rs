//! Exec stage: runtime values, their comparison, arithmetic helpers and output text.

use std::cmp::Ordering;
use std::fmt::Write;
use std::sync::Arc;

use chrono::{Days, Months, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use crate::check::hir::Const;
use crate::syntax::ast::DurationUnit;
use crate::syntax::datetime_text;

/// A value at run time. `Null` is SQL's null.
#[derive(Debug, Clone, Default)]
pub enum Value {
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
    Str(Arc<str>),
    /// A calendar date.
    Date(NaiveDate),
    /// A datetime in UTC.
    DateTime(NaiveDateTime),
    /// A number of days, weeks, months or years.
    Duration(i64, DurationUnit),
}

impl Value {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Three-valued truth: `Some(b)` for a bool, `None` for null.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Truth where null counts as false (`when`, `where`, `audience`).
    pub fn holds(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// The value as an exact decimal, for int and decimal values.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(n) => Some(Decimal::from(*n)),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }

    /// The value as a float, for numeric values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Decimal(d) => Some(decimal_to_f64(*d)),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The date part of a date or datetime.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(dt) => Some(dt.date()),
            _ => None,
        }
    }

    /// A date or datetime as a datetime (a date is that day's 00:00:00).
    pub fn as_datetime(&self) -> Option<NaiveDateTime> {
        match self {
            Value::Date(d) => Some(d.and_time(NaiveTime::MIN)),
            Value::DateTime(dt) => Some(*dt),
            _ => None,
        }
    }

    /// Writes the value as it appears in output files (null is empty).
    pub fn write_text(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Decimal(d) => out.push_str(&decimal_text(*d)),
            Value::Float(f) => {
                let f = if *f == 0.0 { 0.0 } else { *f };
                let _ = write!(out, "{f}");
            }
            Value::Str(s) => out.push_str(s),
            Value::Date(d) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            Value::DateTime(dt) => out.push_str(&datetime_text(dt)),
            Value::Duration(n, unit) => {
                let unit = match unit {
                    DurationUnit::Day => "days",
                    DurationUnit::Week => "weeks",
                    DurationUnit::Month => "months",
                    DurationUnit::Year => "years",
                };
                let _ = write!(out, "{n} {unit}");
            }
        }
    }

    /// The output text of the value.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }
}

/// The float nearest to a decimal (correctly rounded, through its exact text).
pub fn decimal_to_f64(d: Decimal) -> f64 {
    // Clinger's fast path: digits below 2^53 and a power of ten up to 10^22 are both
    // exact as floats, and IEEE division rounds the exact quotient correctly.
    let (mantissa, scale) = (d.mantissa(), d.scale() as usize);
    if mantissa == 0 {
        // What the text of a zero reads as: `-0`, `-0.00`... are negative zero.
        return if d.is_sign_negative() { -0.0 } else { 0.0 };
    }
    if mantissa.unsigned_abs() < 1 << 53 && scale < EXACT_TENS.len() {
        return mantissa as f64 / EXACT_TENS[scale];
    }
    slow_decimal_to_f64(d)
}

/// A decimal as the float its text reads as.
fn slow_decimal_to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// The powers of ten that are exact as floats.
const EXACT_TENS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal without exponent or trailing zeros (`12.50` → `12.5`, `-0` → `0`).
pub fn decimal_text(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".to_string()
    } else {
        n.to_string()
    }
}

impl From<&Const> for Value {
    fn from(c: &Const) -> Value {
        match c {
            Const::Null => Value::Null,
            Const::Bool(b) => Value::Bool(*b),
            Const::Int(n) => Value::Int(*n),
            Const::Decimal(d) => Value::Decimal(*d),
            Const::Float(f) => Value::Float(*f),
            Const::Str(s) => Value::Str(s.clone()),
            Const::Date(d) => Value::Date(*d),
            Const::DateTime(dt) => Value::DateTime(*dt),
            Const::Duration(n, u) => Value::Duration(*n, *u),
        }
    }
}

/// SQL comparison of two non-null values of comparable types; `None` when either is null
/// or the types do not compare (the checker rules that out).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(y)),
        (Value::Int(_) | Value::Decimal(_), Value::Int(_) | Value::Decimal(_)) => {
            Some(a.as_decimal()?.cmp(&b.as_decimal()?))
        }
        (Value::Float(_), _) | (_, Value::Float(_)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::Str(x), Value::Str(y)) if Arc::ptr_eq(x, y) => Some(Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Date(_) | Value::DateTime(_), Value::Date(_) | Value::DateTime(_)) => {
            Some(a.as_datetime()?.cmp(&b.as_datetime()?))
        }
        _ => None,
    }
}

/// Total order for sorting and grouping: nulls first, then by [`compare`]; values of
/// different kinds order by kind.
pub fn total_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => compare(a, b).unwrap_or_else(|| kind_rank(a).cmp(&kind_rank(b))),
    }
}

fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Decimal(_) | Value::Float(_) => 2,
        Value::Str(_) => 3,
        Value::Date(_) | Value::DateTime(_) => 4,
        Value::Duration(..) => 5,
    }
}

/// Shifts a date by a duration; months and years are calendar steps clamped to the
/// month's last day. `None` when the result leaves chrono's range.
pub fn shift_date(date: NaiveDate, n: i64, unit: DurationUnit) -> Option<NaiveDate> {
    match unit {
        DurationUnit::Day => shift_days(date, n),
        DurationUnit::Week => shift_days(date, n.checked_mul(7)?),
        DurationUnit::Month => shift_months(date, n),
        DurationUnit::Year => shift_months(date, n.checked_mul(12)?),
    }
}

fn shift_days(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        date.checked_add_days(Days::new(n as u64))
    } else {
        date.checked_sub_days(Days::new(n.unsigned_abs()))
    }
}

fn shift_months(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    let months = u32::try_from(n.unsigned_abs()).ok()?;
    if n >= 0 {
        date.checked_add_months(Months::new(months))
    } else {
        date.checked_sub_months(Months::new(months))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_the_float_nearest_to_their_exact_text() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mantissa = (x % (1 << 54)) as i64 - (1 << 53);
            let scale = ((x >> 56) % 24) as u32;
            let d = Decimal::new(mantissa, scale);
            assert_eq!(
                decimal_to_f64(d).to_bits(),
                slow_decimal_to_f64(d).to_bits(),
                "{d}"
            );
        }
    }

    #[test]
    fn zeros_of_every_scale_and_sign_become_the_float_their_text_reads_as() {
        for scale in [0, 2, 10, 28] {
            for d in [
                Decimal::new(0, scale),
                -Decimal::new(0, scale),
                Decimal::new(-0, scale),
            ] {
                assert_eq!(
                    decimal_to_f64(d).to_bits(),
                    slow_decimal_to_f64(d).to_bits(),
                    "{d}"
                );
            }
        }
        let negative_zero = Decimal::new(-5, 2) * Decimal::ZERO;
        let bits = slow_decimal_to_f64(negative_zero).to_bits();
        assert_eq!(decimal_to_f64(negative_zero).to_bits(), bits);
    }
}
