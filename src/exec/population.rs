//! Exec stage: population functions over all entities (LANGUAGE.md section 3).
//!
//! A function ranges over one value per entity: its argument. The non-null values are
//! sorted once into a [`Ranking`], which every function over the same argument shares
//! (`ntile(monetary, 5)` and `percentile(monetary, 0.9)` sort `monetary` once).

use std::cmp::Ordering;

use rayon::prelude::*;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::accumulate::exact_mean;
use super::column::Column;
use super::eval::PopValue;
use super::value::{Value, decimal_to_f64, total_order};
use crate::check::hir::PopFunc;

/// The non-null values of an argument in [`total_order`] (ties in entity order), with
/// how many values are strictly smaller than each.
pub struct Ranking<'v> {
    values: &'v [Value],
    /// The entities with a value, in order.
    order: Vec<u32>,
    /// For each position of `order`: how many values are strictly smaller than its value.
    below: Vec<u32>,
}

impl<'v> Ranking<'v> {
    /// Sorts the non-null `values` (one per entity).
    ///
    /// Ints, dates and exact numbers (as digits at one common scale, in 64 bits when they
    /// fit) are sorted as plain keys, other values by [`total_order`], all on all cores.
    /// Sorting `(key, entity)` pairs makes the order unique, so it never depends on the
    /// number of threads.
    pub fn new(values: &'v [Value]) -> Ranking<'v> {
        let (order, below) = keyed(values, int_key)
            .or_else(|| keyed(values, time_key))
            .map(ranked)
            .or_else(|| {
                // Digits that fit in 64 bits (amounts...) sort as half the bytes.
                let scale = common_scale(values)?;
                let narrow = |v: &Value| i64::try_from(digits_at(v, scale)?).ok();
                (keyed(values, narrow).map(ranked))
                    .or_else(|| keyed(values, |v| digits_at(v, scale)).map(ranked))
            })
            .unwrap_or_else(|| by_total_order(values));
        Ranking {
            values,
            order,
            below,
        }
    }

    /// How many values it ranks (the non-null ones).
    fn count(&self) -> usize {
        self.order.len()
    }

    /// The values in ascending order.
    fn sorted_values(&self) -> Vec<&'v Value> {
        self.order
            .iter()
            .map(|&e| &self.values[e as usize])
            .collect()
    }

    /// One value per entity from `(below, N)`: `below` counts the non-null values
    /// strictly smaller, so equal values always get equal results. Null stays null.
    fn by_rank<T: Copy>(&self, score: impl Fn(usize, usize) -> T) -> Vec<Option<T>> {
        let mut out = vec![None; self.values.len()];
        let count = self.count();
        for (&entity, &below) in self.order.iter().zip(&self.below) {
            out[entity as usize] = Some(score(below as usize, count));
        }
        out
    }
}

/// Computes a population function over a ranked argument.
pub fn compute(func: PopFunc, ranking: &Ranking) -> PopValue {
    match func {
        PopFunc::Ntile(n) => PopValue::PerEntity(Column::from_ints(
            ranking.by_rank(|below, count| ntile_of(n, below, count)),
        )),
        PopFunc::PercentRank => {
            PopValue::PerEntity(Column::from_floats(ranking.by_rank(|below, count| {
                if count <= 1 {
                    0.0
                } else {
                    below as f64 / (count - 1) as f64
                }
            })))
        }
        PopFunc::Percentile(p) => PopValue::Scalar(percentile(&ranking.sorted_values(), p)),
        PopFunc::Mean => PopValue::Scalar(mean(&ranking.sorted_values())),
    }
}

/// The tile (1 to `n`) of a value with `below` of `count` values smaller: `n * below /
/// count + 1`, in 64 bits when the product fits (a hardware division, where 128 bits
/// take a much slower software one).
fn ntile_of(n: i64, below: usize, count: usize) -> i64 {
    let narrow = u64::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(below as u64))
        .map(|product| product / count as u64);
    match narrow {
        Some(tile) => tile as i64 + 1,
        None => (i128::from(n) * below as i128 / count as i128) as i64 + 1,
    }
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

/// Sorts `(key, entity)` pairs (in entity order): the entities in order, and below each
/// how many keys are smaller (equal keys are equal values).
fn ranked<K: Ord + Copy + Send + Into<i128>>(mut keys: Vec<(K, u32)>) -> (Vec<u32>, Vec<u32>) {
    if let Some(ranked) = counted(&keys) {
        return ranked;
    }
    keys.par_sort_unstable();
    let below = ties(&keys, |a, b| a.0 == b.0);
    (keys.into_iter().map(|(_, e)| e).collect(), below)
}

/// [`ranked`] by counting, when the keys span a range not much wider than their number
/// (counts, days, amounts in cents...): one pass counts each key, one places each entity
/// after those with smaller keys and, for equal keys, after the entities before it.
fn counted<K: Copy + Into<i128>>(keys: &[(K, u32)]) -> Option<(Vec<u32>, Vec<u32>)> {
    let min = keys.iter().map(|&(k, _)| k.into()).min()?;
    let max = keys.iter().map(|&(k, _)| k.into()).max()?;
    let span = usize::try_from(max - min).ok()?.checked_add(1)?;
    if span > COUNTING_SPAN.max(2 * keys.len()) {
        return None;
    }
    let slot = |k: K| (k.into() - min) as usize;
    // smaller[s]: how many keys are smaller than the key of slot s.
    let mut smaller = vec![0u32; span + 1];
    keys.iter().for_each(|&(k, _)| smaller[slot(k) + 1] += 1);
    for s in 1..smaller.len() {
        smaller[s] += smaller[s - 1];
    }
    let mut next = smaller.clone();
    let mut order = vec![0; keys.len()];
    let mut below = vec![0; keys.len()];
    for &(k, entity) in keys {
        let s = slot(k);
        let at = next[s] as usize;
        order[at] = entity;
        below[at] = smaller[s];
        next[s] += 1;
    }
    Some((order, below))
}

/// Keys that span at most this many values are always sorted by counting.
const COUNTING_SPAN: usize = 1 << 16;

/// The entities with a value sorted by [`total_order`], for values without a plain key
/// (floats, strings, mixed kinds).
fn by_total_order(values: &[Value]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..values.len() as u32)
        .filter(|&e| !values[e as usize].is_null())
        .collect();
    order.par_sort_by(|&a, &b| {
        total_order(&values[a as usize], &values[b as usize]).then(a.cmp(&b))
    });
    let below = ties(&order, |&a, &b| {
        total_order(&values[a as usize], &values[b as usize]) == Ordering::Equal
    });
    (order, below)
}

/// For each position of a sorted list: the position of the first item equal to it.
fn ties<T>(sorted: &[T], equal: impl Fn(&T, &T) -> bool) -> Vec<u32> {
    let mut below = Vec::with_capacity(sorted.len());
    let mut first = 0;
    for i in 0..sorted.len() {
        if i > 0 && !equal(&sorted[i - 1], &sorted[i]) {
            first = i as u32;
        }
        below.push(first);
    }
    below
}

fn int_key(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

/// The largest scale of the exact numbers, if every value is one (an int has scale 0).
fn common_scale(values: &[Value]) -> Option<u32> {
    values
        .par_iter()
        .map(|v| match v {
            Value::Null | Value::Int(_) => Some(0),
            Value::Decimal(d) => Some(d.scale()),
            _ => None,
        })
        .try_reduce(|| 0, |a, b| Some(a.max(b)))
}

/// An exact number as its digits at `scale` decimal places: numbers order as these
/// digits. `None` when they do not fit in an `i128`.
fn digits_at(value: &Value, scale: u32) -> Option<i128> {
    let (digits, own_scale) = match value {
        Value::Decimal(d) => (d.mantissa(), d.scale()),
        Value::Int(n) => (i128::from(*n), 0),
        _ => return None,
    };
    10i128
        .checked_pow(scale - own_scale)
        .and_then(|factor| digits.checked_mul(factor))
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

/// `PERCENTILE_CONT` of values in ascending order: exact for int and decimal values, then
/// made a float.
pub(super) fn percentile(sorted: &[&Value], p: Decimal) -> Value {
    let Some(last) = sorted.len().checked_sub(1) else {
        return Value::Null;
    };
    let pos = p * Decimal::from(last);
    let lo = pos.floor();
    let frac = pos - lo;
    let lo_index = lo.to_usize().unwrap_or(0).min(last);
    let hi_index = pos.ceil().to_usize().unwrap_or(last).min(last);
    let (a, b) = (sorted[lo_index], sorted[hi_index]);
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

/// The mean of non-null values in ascending order: exact for int and decimal values,
/// then a float.
pub(super) fn mean(sorted: &[&Value]) -> Value {
    if sorted.iter().all(|v| v.as_decimal().is_some()) {
        let mut sum = Decimal::ZERO;
        for v in sorted {
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
fn float_mean(sorted: &[&Value]) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let sum: f64 = sorted.iter().map(|v| v.as_f64().unwrap_or(0.0)).sum();
    Value::Float(sum / sorted.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_in_64_bits_are_the_tiles_in_128() {
        let wide = |n: i64, below: usize, count: usize| {
            (i128::from(n) * below as i128 / count as i128) as i64 + 1
        };
        for (n, count) in [
            (5, 1),
            (5, 7),
            (4, 1_000_000),
            (i64::MAX, 3),
            (3, usize::MAX),
        ] {
            for below in [0, 1, count / 2, count.saturating_sub(1)] {
                assert_eq!(
                    ntile_of(n, below, count),
                    wide(n, below, count),
                    "{n} {below} {count}"
                );
            }
        }
    }

    fn ntile(n: i64, values: &[Value]) -> Vec<Value> {
        match compute(PopFunc::Ntile(n), &Ranking::new(values)) {
            PopValue::PerEntity(column) => column.values().collect(),
            PopValue::Scalar(_) => unreachable!("ntile is per entity"),
        }
    }

    fn dec(text: &str) -> Value {
        Value::Decimal(text.parse().unwrap_or_default())
    }

    #[test]
    fn exact_numbers_of_different_scales_rank_by_value_and_tie_when_equal() {
        let values = [
            dec("2.50"),
            Value::Int(2),
            dec("2.5"),
            Value::Null,
            dec("0.125"),
        ];
        let ranking = Ranking::new(&values);
        assert_eq!(ranking.order, [4, 1, 0, 2]);
        assert_eq!(ranking.below, [0, 1, 2, 2]);
        let ranks = ntile(4, &values);
        assert_eq!(
            format!("{ranks:?}"),
            "[Int(3), Int(2), Int(3), Null, Int(1)]"
        );
    }

    #[test]
    fn floats_and_mixed_kinds_rank_by_total_order() {
        let values = [
            Value::Float(1.5),
            Value::Int(1),
            Value::Float(1.0),
            dec("1.50"),
        ];
        let ranking = Ranking::new(&values);
        assert_eq!(ranking.order, [1, 2, 0, 3]);
        assert_eq!(ranking.below, [0, 0, 2, 2]);
    }

    #[test]
    fn digits_that_overflow_at_the_common_scale_fall_back_to_comparing_values() {
        let huge = Value::Int(i64::MAX);
        let values = [
            huge.clone(),
            dec("0.0000000000000000000000000001"),
            Value::Int(0),
        ];
        let ranking = Ranking::new(&values);
        assert_eq!(ranking.order, [2, 1, 0]);
    }

    #[test]
    fn counting_and_comparison_sorts_rank_alike() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for span in [1, 7, 1000, 1 << 20] {
            let keys: Vec<(i64, u32)> = (0..5000)
                .map(|e| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x % span) as i64 - 3, e)
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let expected_below = ties(&sorted, |a, b| a.0 == b.0);
            let expected_order: Vec<u32> = sorted.iter().map(|&(_, e)| e).collect();
            assert_eq!(
                ranked(keys.clone()),
                (expected_order, expected_below),
                "span {span}"
            );
            assert_eq!(counted(&keys).is_some(), span <= 1 << 16, "span {span}");
        }
    }

    #[test]
    fn percentile_and_mean_read_the_shared_sort() {
        let values = [Value::Int(4), Value::Null, Value::Int(1), Value::Int(3)];
        let ranking = Ranking::new(&values);
        let scalar = |func| match compute(func, &ranking) {
            PopValue::Scalar(v) => format!("{v:?}"),
            PopValue::PerEntity(_) => unreachable!("a scalar function"),
        };
        assert_eq!(
            scalar(PopFunc::Percentile(Decimal::new(5, 1))),
            "Float(3.0)"
        );
        assert_eq!(
            scalar(PopFunc::Mean),
            format!("{:?}", exact_mean(Decimal::from(8), 3))
        );
    }
}
