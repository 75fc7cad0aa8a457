//! Exec stage: population functions over all entities (LANGUAGE.md section 3).
//!
//! A function ranges over one value per entity: its [`Argument`]. The non-null values are
//! ranked once into a [`Ranking`], which every function over the same argument shares
//! (`ntile(monetary, 5)` and `percentile(monetary, 0.9)` rank `monetary` once).

use std::cmp::Ordering;

use rayon::prelude::*;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::accumulate::exact_mean;
use super::column::Column;
use super::error::RunError;
use super::eval::{PopValue, World};
use super::parallel::{CHUNK, for_batches};
use super::value::{Value, decimal_to_f64, total_order};
use super::vector::Vector;
use crate::check::hir::{PopFunc, TExpr};

/// A population function's argument: its value for every entity, as the batch evaluator
/// left it (one [`Vector`] per [`CHUNK`] entities), so that no [`Value`] is built per
/// entity to rank ints, exact numbers and times.
pub struct Argument {
    batches: Vec<Vector>,
    len: usize,
}

impl Argument {
    /// `expr` evaluated for every entity `0..n`, on all cores.
    pub fn evaluate(world: &World, expr: &TExpr, n: usize) -> Result<Argument, RunError> {
        let batches = for_batches(world, n, |batch| Ok(batch.vector_of_all(expr)?))?;
        Ok(Argument { batches, len: n })
    }

    /// An argument of these values (one per entity), stored by type.
    pub fn from_values(values: Vec<Value>) -> Argument {
        let len = values.len();
        let mut values = values.into_iter();
        let batches = (0..len.div_ceil(CHUNK))
            .map(|_| Vector::from_values(values.by_ref().take(CHUNK).collect()))
            .collect();
        Argument { batches, len }
    }

    /// Keys that order as the values do, when every value that is not null has one: ints,
    /// dates and datetimes (as nanoseconds), exact numbers (as their digits at the largest
    /// scale among them, when those fit in 64 bits). `None` is null.
    pub fn plain_keys(&self) -> Option<Vec<Option<i64>>> {
        (self.keys(int_key))
            .or_else(|| self.keys(time_key))
            .or_else(|| {
                let scale = common_scale(self)?;
                self.keys(|v| i64::try_from(digits_at(v, scale)?).ok())
            })
    }

    /// The value of entity `e`.
    fn value(&self, e: usize) -> Value {
        self.batches[e / CHUNK].value(e % CHUNK)
    }

    /// Every entity's value, in entity order.
    fn values(&self) -> Vec<Value> {
        (0..self.len).map(|e| self.value(e)).collect()
    }

    /// Every entity's `key` (`None` for null), if `key` takes every value that is not
    /// null; computed on all cores.
    fn keys<K: Copy + Send>(
        &self,
        key: impl Fn(&Value) -> Option<K> + Sync,
    ) -> Option<Vec<Option<K>>> {
        let mut keys = vec![None; self.len];
        keys.par_chunks_mut(CHUNK)
            .zip(&self.batches)
            .try_for_each(|(keys, batch)| {
                for (i, slot) in keys.iter_mut().enumerate() {
                    let value = batch.value(i);
                    if !value.is_null() {
                        *slot = Some(key(&value)?);
                    }
                }
                Some(())
            })?;
        Some(keys)
    }
}

/// For every entity, how many non-null values of an argument are strictly smaller than
/// its value in [`total_order`] (equal values always rank alike).
pub struct Ranking<'a> {
    argument: &'a Argument,
    /// Per entity: how many values are strictly smaller ([`NULL_RANK`] for null).
    below: Vec<u32>,
    /// How many values it ranks (the non-null ones).
    count: usize,
}

/// The rank of an entity whose value is null.
const NULL_RANK: u32 = u32::MAX;

impl<'a> Ranking<'a> {
    /// Ranks the non-null values of `argument`.
    ///
    /// Ints, dates and exact numbers (as digits at one common scale, in 64 bits when they
    /// fit) are ranked as plain keys: by counting when they span few values, else by a
    /// radix sort; other values by [`total_order`]. Equal keys are equal values, so the
    /// ranks never depend on the order of the sort or on the number of threads.
    pub fn new(argument: &'a Argument) -> Ranking<'a> {
        let below = (argument.plain_keys().map(ranked_ints))
            .or_else(|| {
                // Exact numbers whose digits need more than 64 bits.
                let scale = common_scale(argument)?;
                argument.keys(|v| digits_at(v, scale)).map(ranked_wide)
            })
            .unwrap_or_else(|| by_total_order(&argument.values()));
        let count = below.par_iter().filter(|&&b| b != NULL_RANK).count();
        Ranking {
            argument,
            below,
            count,
        }
    }

    /// Entity `e`'s value from `(below, N)`: `below` counts the non-null values strictly
    /// smaller, so equal values always get equal results. Null stays null.
    fn by_rank<T>(&self, e: usize, score: impl Fn(usize, usize) -> T) -> Option<T> {
        let below = self.below[e];
        (below != NULL_RANK).then(|| score(below as usize, self.count))
    }

    /// The value at `position` of the values in ascending order (ties in entity order).
    fn value_at(&self, position: usize) -> Value {
        // The values at `position` are those of the last rank not above it...
        let first = (self.below.par_iter().copied())
            .filter(|&b| b != NULL_RANK && b as usize <= position)
            .max();
        // ...and its entities take the positions from that rank on, in entity order.
        let entity = first.and_then(|first| {
            let mut entities = self.below.iter().enumerate().filter(|(_, b)| **b == first);
            entities.nth(position - first as usize).map(|(e, _)| e)
        });
        entity.map_or(Value::Null, |e| self.argument.value(e))
    }

    /// The values in ascending order (ties in entity order).
    fn sorted_values(&self) -> Vec<Value> {
        let mut next = vec![0u32; self.count + 1];
        for &b in self.below.iter().filter(|&&b| b != NULL_RANK) {
            next[b as usize + 1] += 1;
        }
        for i in 1..next.len() {
            next[i] += next[i - 1];
        }
        let mut order = vec![0u32; self.count];
        for (e, &b) in self
            .below
            .iter()
            .enumerate()
            .filter(|(_, b)| **b != NULL_RANK)
        {
            order[next[b as usize] as usize] = e as u32;
            next[b as usize] += 1;
        }
        order
            .into_iter()
            .map(|e| self.argument.value(e as usize))
            .collect()
    }
}

/// Computes a population function over a ranked argument.
pub fn compute(func: PopFunc, ranking: &Ranking) -> PopValue {
    let entities = ranking.below.len();
    match func {
        PopFunc::Ntile(n) => PopValue::PerEntity(Column::from_ints(entities, |e| {
            ranking.by_rank(e, |below, count| ntile_of(n, below, count))
        })),
        PopFunc::PercentRank => PopValue::PerEntity(Column::from_floats(entities, |e| {
            ranking.by_rank(e, |below, count| match count {
                0 | 1 => 0.0,
                _ => below as f64 / (count - 1) as f64,
            })
        })),
        PopFunc::Percentile(p) => PopValue::Scalar(percentile_of(ranking.count, p, |position| {
            ranking.value_at(position)
        })),
        PopFunc::Mean => {
            let sorted = ranking.sorted_values();
            PopValue::Scalar(mean(&sorted.iter().collect::<Vec<_>>()))
        }
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

/// The ranks of 64-bit keys (`None` is null).
fn ranked_ints(keys: Vec<Option<i64>>) -> Vec<u32> {
    let min = keys.par_iter().flatten().copied().min();
    let max = keys.par_iter().flatten().copied().max();
    let Some((min, max)) = min.zip(max) else {
        return vec![NULL_RANK; keys.len()];
    };
    // The keys as offsets from the smallest: unsigned, in the order of the keys.
    let offset = |k: i64| k.wrapping_sub(min) as u64;
    let span = offset(max);
    if span < COUNTING_SPAN.max(2 * keys.len() as u64) {
        return counted(&keys, offset, span as usize + 1);
    }
    let mut pairs: Vec<(u64, u32)> = (keys.iter().enumerate())
        .filter_map(|(e, k)| Some((offset((*k)?), e as u32)))
        .collect();
    radix_sort(&mut pairs, 64 - span.leading_zeros());
    ranks_of_sorted(keys.len(), &pairs, |a, b| a.0 == b.0)
}

/// The ranks of 128-bit keys (`None` is null), by a comparison sort.
fn ranked_wide(keys: Vec<Option<i128>>) -> Vec<u32> {
    let mut pairs: Vec<(i128, u32)> = (keys.iter().enumerate())
        .filter_map(|(e, k)| Some(((*k)?, e as u32)))
        .collect();
    pairs.par_sort_unstable();
    ranks_of_sorted(keys.len(), &pairs, |a, b| a.0 == b.0)
}

/// Ranks by counting, for keys that span few values (counts, days, amounts in cents...):
/// one pass counts each key, then each entity's rank is the count of smaller keys.
fn counted(keys: &[Option<i64>], offset: impl Fn(i64) -> u64 + Sync, span: usize) -> Vec<u32> {
    // smaller[s]: how many keys are smaller than the key at offset s.
    let mut smaller = vec![0u32; span + 1];
    keys.iter()
        .flatten()
        .for_each(|&k| smaller[offset(k) as usize + 1] += 1);
    for s in 1..smaller.len() {
        smaller[s] += smaller[s - 1];
    }
    keys.par_iter()
        .map(|k| k.map_or(NULL_RANK, |k| smaller[offset(k) as usize]))
        .collect()
}

/// Keys that span fewer values than this are always ranked by counting.
const COUNTING_SPAN: u64 = 1 << 16;

/// Sorts `(key, entity)` pairs by the low `bits` bits of their keys, stably (equal keys
/// stay in entity order): a least-significant-digit radix sort, 11 bits per pass.
fn radix_sort(pairs: &mut Vec<(u64, u32)>, bits: u32) {
    const DIGIT_BITS: u32 = 11;
    let mut spare = vec![(0, 0); pairs.len()];
    for shift in (0..bits).step_by(DIGIT_BITS as usize) {
        let digit = |key: u64| (key >> shift) as usize & ((1 << DIGIT_BITS) - 1);
        let mut next = vec![0usize; 1 << DIGIT_BITS];
        pairs.iter().for_each(|&(k, _)| next[digit(k)] += 1);
        let mut total = 0;
        for slot in next.iter_mut() {
            (*slot, total) = (total, total + *slot);
        }
        for &pair in pairs.iter() {
            let d = digit(pair.0);
            spare[next[d]] = pair;
            next[d] += 1;
        }
        std::mem::swap(pairs, &mut spare);
    }
}

/// The rank of every entity (of `entities`) from its values' sorted order: the position
/// of the first item equal to its own.
fn ranks_of_sorted<T>(
    entities: usize,
    sorted: &[(T, u32)],
    equal: impl Fn(&(T, u32), &(T, u32)) -> bool,
) -> Vec<u32> {
    let mut below = vec![NULL_RANK; entities];
    let mut first = 0;
    for i in 0..sorted.len() {
        if i > 0 && !equal(&sorted[i - 1], &sorted[i]) {
            first = i as u32;
        }
        below[sorted[i].1 as usize] = first;
    }
    below
}

/// The ranks of values without a plain key (floats, strings, mixed kinds), by
/// [`total_order`].
fn by_total_order(values: &[Value]) -> Vec<u32> {
    let mut order: Vec<(&Value, u32)> = (values.iter().zip(0..))
        .filter(|(v, _)| !v.is_null())
        .collect();
    order.par_sort_by(|a, b| total_order(a.0, b.0).then(a.1.cmp(&b.1)));
    ranks_of_sorted(values.len(), &order, |a, b| {
        total_order(a.0, b.0) == Ordering::Equal
    })
}

fn int_key(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

/// The largest scale of the exact numbers, if every value is one (an int has scale 0).
fn common_scale(argument: &Argument) -> Option<u32> {
    let scale = |value: Value| match value {
        Value::Null | Value::Int(_) => Some(0),
        Value::Decimal(d) => Some(d.scale()),
        _ => None,
    };
    (argument.batches.par_iter())
        .map(|batch| (0..batch.len()).try_fold(0, |max, i| Some(max.max(scale(batch.value(i))?))))
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
    percentile_of(sorted.len(), p, |position| sorted[position].clone())
}

/// `PERCENTILE_CONT` of `count` values, reading the value at a position of their
/// ascending order with `value_at` (twice at most).
fn percentile_of(count: usize, p: Decimal, value_at: impl Fn(usize) -> Value) -> Value {
    let Some(last) = count.checked_sub(1) else {
        return Value::Null;
    };
    let pos = p * Decimal::from(last);
    let lo = pos.floor();
    let frac = pos - lo;
    let lo_index = lo.to_usize().unwrap_or(0).min(last);
    let hi_index = pos.ceil().to_usize().unwrap_or(last).min(last);
    let (a, b) = (value_at(lo_index), value_at(hi_index));
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

    /// An argument of these values, in batches as the batch evaluator makes them.
    fn argument(values: &[Value]) -> Argument {
        Argument::from_values(values.to_vec())
    }

    fn ranks(values: &[Value]) -> Vec<u32> {
        Ranking::new(&argument(values)).below
    }

    fn ntile(n: i64, values: &[Value]) -> Vec<Value> {
        match compute(PopFunc::Ntile(n), &Ranking::new(&argument(values))) {
            PopValue::PerEntity(column) => column.values().collect(),
            PopValue::Scalar(_) => unreachable!("ntile is per entity"),
        }
    }

    fn dec(text: &str) -> Value {
        Value::Decimal(text.parse().unwrap_or_default())
    }

    const NULL: u32 = NULL_RANK;

    #[test]
    fn exact_numbers_of_different_scales_rank_by_value_and_tie_when_equal() {
        let values = [
            dec("2.50"),
            Value::Int(2),
            dec("2.5"),
            Value::Null,
            dec("0.125"),
        ];
        assert_eq!(ranks(&values), [2, 1, 2, NULL, 0]);
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
        assert_eq!(ranks(&values), [2, 0, 0, 2]);
    }

    #[test]
    fn digits_that_overflow_at_the_common_scale_fall_back_to_comparing_values() {
        let huge = Value::Int(i64::MAX);
        let values = [
            huge.clone(),
            dec("0.0000000000000000000000000001"),
            Value::Int(0),
        ];
        assert_eq!(ranks(&values), [2, 1, 0]);
    }

    /// Pseudo-random keys below `span` (shifted to go negative), every seventh null.
    fn random_keys(count: usize, span: u64) -> Vec<Option<i64>> {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        (0..count)
            .map(|e| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let key = if span == 0 { x } else { x % span };
                (e % 7 != 3).then_some((key as i64).wrapping_sub(3))
            })
            .collect()
    }

    /// Each key's rank the slow way: how many keys are smaller.
    fn ranks_by_sorting(keys: &[Option<i64>]) -> Vec<u32> {
        let mut sorted: Vec<i64> = keys.iter().flatten().copied().collect();
        sorted.sort_unstable();
        let rank = |k: i64| sorted.partition_point(|&s| s < k) as u32;
        keys.iter().map(|k| k.map_or(NULL, rank)).collect()
    }

    #[test]
    fn counting_and_radix_sort_rank_as_sorting_does() {
        // Spans ranked by counting (up to 2^16), then by radix sorts of 1 to 6 passes
        // (0: keys over all 64 bits).
        for span in [1, 7, 1000, 1 << 16, 1 << 20, 1 << 40, 0] {
            let keys = random_keys(5000, span);
            assert_eq!(
                ranked_ints(keys.clone()),
                ranks_by_sorting(&keys),
                "span {span}"
            );
        }
        let extremes = vec![
            Some(i64::MAX),
            None,
            Some(i64::MIN),
            Some(0),
            Some(i64::MIN),
        ];
        assert_eq!(ranked_ints(extremes), [3, NULL, 0, 2, 0]);
    }

    #[test]
    fn arguments_of_many_batches_rank_every_entity() {
        let keys = random_keys(3 * CHUNK + 17, 1 << 30);
        let values: Vec<Value> = keys
            .iter()
            .map(|k| k.map_or(Value::Null, Value::Int))
            .collect();
        assert_eq!(ranks(&values), ranks_by_sorting(&keys));
        let decimals: Vec<Value> = keys
            .iter()
            .map(|k| k.map_or(Value::Null, |k| Value::Decimal(Decimal::new(k, 2))))
            .collect();
        assert_eq!(ranks(&decimals), ranks_by_sorting(&keys));
    }

    #[test]
    fn values_at_sorted_positions_read_ties_in_entity_order() {
        let values: Vec<Value> = ["3.0", "1", "3.00", "2", "3", "1.0"]
            .into_iter()
            .map(dec)
            .chain([Value::Null])
            .collect();
        let argument = argument(&values);
        let ranking = Ranking::new(&argument);
        let sorted = ranking.sorted_values();
        let texts = |values: &[Value]| format!("{values:?}");
        assert_eq!(
            texts(&sorted),
            texts(&[
                dec("1"),
                dec("1.0"),
                dec("2"),
                dec("3.0"),
                dec("3.00"),
                dec("3")
            ])
        );
        let at: Vec<Value> = (0..6).map(|p| ranking.value_at(p)).collect();
        assert_eq!(texts(&at), texts(&sorted));
    }

    #[test]
    fn percentile_and_mean_read_the_shared_sort() {
        let values = [Value::Int(4), Value::Null, Value::Int(1), Value::Int(3)];
        let argument = argument(&values);
        let ranking = Ranking::new(&argument);
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
