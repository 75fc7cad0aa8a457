//! Exec stage: population functions over all entities (LANGUAGE.md section 3).

use std::cmp::Ordering;

use rayon::prelude::*;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::accumulate::exact_mean;
use super::column::Column;
use super::eval::PopValue;
use super::value::{Value, decimal_to_f64, total_order};
use crate::check::hir::PopFunc;

/// Computes a population function over one value per entity.
pub fn compute(func: PopFunc, values: &[Value]) -> PopValue {
    let sorted = sort_non_null(values);
    match func {
        PopFunc::Ntile(n) => PopValue::PerEntity(Column::from_values(by_rank(
            values.len(),
            &sorted,
            |below, count| Value::Int((i128::from(n) * below as i128 / count as i128) as i64 + 1),
        ))),
        PopFunc::PercentRank => PopValue::PerEntity(Column::from_values(by_rank(
            values.len(),
            &sorted,
            |below, count| {
                Value::Float(if count <= 1 {
                    0.0
                } else {
                    below as f64 / (count - 1) as f64
                })
            },
        ))),
        PopFunc::Percentile(p) => PopValue::Scalar(percentile(&sorted, p)),
        PopFunc::Mean => PopValue::Scalar(mean(&sorted)),
    }
}

/// The non-null values with their entity, in [`total_order`] (ties in entity order).
///
/// Ints, dates and exact numbers (as digits when they share a scale) are sorted as plain
/// keys, other values by [`total_order`], all on all cores. Sorting `(key, entity)` pairs
/// makes the order unique, so it never depends on the number of threads.
fn sort_non_null(values: &[Value]) -> Vec<(usize, &Value)> {
    let order = keyed(values, int_key)
        .or_else(|| keyed(values, time_key))
        .map(sorted_entities)
        .or_else(|| {
            let scale = values.iter().find_map(|v| match v {
                Value::Decimal(d) => Some(d.scale()),
                _ => None,
            })?;
            keyed(values, |v| mantissa(v, scale)).map(sorted_entities)
        })
        .or_else(|| keyed(values, Value::as_decimal).map(sorted_entities))
        .unwrap_or_else(|| {
            let mut order: Vec<u32> = (0..values.len() as u32)
                .filter(|&e| !values[e as usize].is_null())
                .collect();
            order.par_sort_by(|&a, &b| {
                total_order(&values[a as usize], &values[b as usize]).then(a.cmp(&b))
            });
            order
        });
    order
        .into_par_iter()
        .map(|e| (e as usize, &values[e as usize]))
        .collect()
}

/// `(key(value), entity)` for every non-null value, if `key` takes them all.
fn keyed<K: Send>(
    values: &[Value],
    key: impl Fn(&Value) -> Option<K> + Sync,
) -> Option<Vec<(K, u32)>> {
    values
        .par_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .map(|(e, v)| Some((key(v)?, e as u32)))
        .collect()
}

fn int_key(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

/// An exact number with `scale` decimal places as its digits (an int is one with none):
/// numbers of one scale order as their digits.
fn mantissa(value: &Value, scale: u32) -> Option<i128> {
    match value {
        Value::Decimal(d) if d.scale() == scale => Some(d.mantissa()),
        Value::Int(n) if scale == 0 => Some(i128::from(*n)),
        _ => None,
    }
}

/// Dates and datetimes as nanoseconds since 1970 (`None` beyond the years 1677–2262).
fn time_key(value: &Value) -> Option<i64> {
    let nanos = |t: chrono::NaiveDateTime| t.and_utc().timestamp_nanos_opt();
    match value {
        Value::Date(d) => nanos(d.and_time(chrono::NaiveTime::MIN)),
        Value::DateTime(t) => nanos(*t),
        _ => None,
    }
}

fn sorted_entities<K: Ord + Send>(mut keys: Vec<(K, u32)>) -> Vec<u32> {
    keys.par_sort_unstable();
    keys.into_par_iter().map(|(_, e)| e).collect()
}

/// One value per entity from `(below, N)`: `below` counts the non-null values strictly
/// smaller, so equal values always get equal results. Null stays null.
fn by_rank(
    len: usize,
    sorted: &[(usize, &Value)],
    score: impl Fn(usize, usize) -> Value,
) -> Vec<Value> {
    let mut out = vec![Value::Null; len];
    let count = sorted.len();
    let mut below = 0;
    for (i, (entity, value)) in sorted.iter().enumerate() {
        if i > 0 && total_order(sorted[i - 1].1, value) != Ordering::Equal {
            below = i;
        }
        out[*entity] = score(below, count);
    }
    out
}

/// `PERCENTILE_CONT`: exact for int and decimal values, then made a float.
pub(super) fn percentile(sorted: &[(usize, &Value)], p: Decimal) -> Value {
    let Some(last) = sorted.len().checked_sub(1) else {
        return Value::Null;
    };
    let pos = p * Decimal::from(last);
    let lo = pos.floor();
    let frac = pos - lo;
    let lo_index = lo.to_usize().unwrap_or(0).min(last);
    let hi_index = pos.ceil().to_usize().unwrap_or(last).min(last);
    let (a, b) = (sorted[lo_index].1, sorted[hi_index].1);
    match (a.as_decimal(), b.as_decimal()) {
        (Some(a), Some(b)) => {
            let exact = a + (b - a) * frac;
            Value::Float(decimal_to_f64(exact))
        }
        _ => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            let frac = frac.to_f64().unwrap_or(0.0);
            Value::Float(a + (b - a) * frac)
        }
    }
}

/// The mean of the non-null values: exact for int and decimal values, then a float.
pub(super) fn mean(sorted: &[(usize, &Value)]) -> Value {
    if sorted.iter().all(|(_, v)| v.as_decimal().is_some()) {
        let mut sum = Decimal::ZERO;
        for (_, v) in sorted {
            match sum.checked_add(v.as_decimal().unwrap_or_default()) {
                Some(s) => sum = s,
                None => return float_mean(sorted),
            }
        }
        return exact_mean(sum, sorted.len() as u64);
    }
    float_mean(sorted)
}

/// Float values are summed in sorted order, so the result never depends on input order.
fn float_mean(sorted: &[(usize, &Value)]) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let sum: f64 = sorted.iter().map(|(_, v)| v.as_f64().unwrap_or(0.0)).sum();
    Value::Float(sum / sorted.len() as f64)
}
