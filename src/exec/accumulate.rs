//! Exec stage: per-entity accumulators of event aggregates, fed one event at a time.
//!
//! Each aggregate keeps the least state its function needs (a count, a running sum, the
//! best value so far, value counts for `mode`), never the raw events.

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use super::error::RunError;
use super::mode::ModeCounts;
use super::value::{Value, compare, decimal_to_f64, total_order};
use crate::check::hir::{AggFunc, Aggregate};
use crate::check::types::Ty;

/// The state of one aggregate for every entity.
pub enum Accumulator {
    /// `count`: events seen.
    Count(Vec<i64>),
    /// `exists`: whether any event was seen.
    Exists(Vec<bool>),
    /// `sum` of an int field.
    SumInt(Vec<i64>),
    /// `sum` of a decimal field.
    SumDecimal(Vec<Decimal>),
    /// `sum` of a float field.
    SumFloat(Vec<f64>),
    /// `avg`: exact sum (decimal for int/decimal fields) and count.
    AvgExact(Vec<(Decimal, u64)>),
    /// `avg` of a float field.
    AvgFloat(Vec<(f64, u64)>),
    /// `min` (`want` Less) or `max` (`want` Greater).
    Extreme(Vec<Value>, Ordering),
    /// `count_distinct`: the distinct values seen.
    Distinct(Vec<Vec<Value>>),
    /// `mode`: each value seen with its count.
    Mode(ModeCounts),
    /// `first` (`want` Less) or `last` (`want` Greater): the time and value kept.
    ByTime(Vec<Option<(NaiveDateTime, Value)>>, Ordering),
}

impl Accumulator {
    /// Empty state for `entities` entities; `field` is the aggregated field's type.
    pub fn new(func: AggFunc, field: Option<&Ty>, entities: usize) -> Accumulator {
        match func {
            AggFunc::Count => Accumulator::Count(vec![0; entities]),
            AggFunc::Exists => Accumulator::Exists(vec![false; entities]),
            AggFunc::Sum => match field {
                Some(Ty::Int) => Accumulator::SumInt(vec![0; entities]),
                Some(Ty::Float) => Accumulator::SumFloat(vec![0.0; entities]),
                _ => Accumulator::SumDecimal(vec![Decimal::ZERO; entities]),
            },
            AggFunc::Avg => match field {
                Some(Ty::Float) => Accumulator::AvgFloat(vec![(0.0, 0); entities]),
                _ => Accumulator::AvgExact(vec![(Decimal::ZERO, 0); entities]),
            },
            AggFunc::Min => Accumulator::Extreme(vec![Value::Null; entities], Ordering::Less),
            AggFunc::Max => Accumulator::Extreme(vec![Value::Null; entities], Ordering::Greater),
            AggFunc::CountDistinct => Accumulator::Distinct(vec![Vec::new(); entities]),
            AggFunc::Mode => Accumulator::Mode(ModeCounts::new(entities)),
            AggFunc::First => Accumulator::ByTime(vec![None; entities], Ordering::Less),
            AggFunc::Last => Accumulator::ByTime(vec![None; entities], Ordering::Greater),
        }
    }

    /// Adds one event's value (already known to pass the filter; null for `count`/`exists`).
    pub fn add(
        &mut self,
        entity: usize,
        value: &Value,
        time: Option<NaiveDateTime>,
    ) -> Result<(), Overflowed> {
        if value.is_null() && !matches!(self, Accumulator::Count(_) | Accumulator::Exists(_)) {
            return Ok(());
        }
        match self {
            Accumulator::Count(counts) => counts[entity] += 1,
            Accumulator::Exists(seen) => seen[entity] = true,
            Accumulator::SumInt(sums) => {
                let Value::Int(n) = value else { return Ok(()) };
                sums[entity] = sums[entity].checked_add(*n).ok_or(Overflowed)?;
            }
            Accumulator::SumDecimal(sums) => {
                let d = value.as_decimal().unwrap_or_default();
                sums[entity] = sums[entity].checked_add(d).ok_or(Overflowed)?;
            }
            Accumulator::SumFloat(sums) => sums[entity] += value.as_f64().unwrap_or(0.0),
            Accumulator::AvgExact(state) => {
                let d = value.as_decimal().unwrap_or_default();
                let (sum, n) = &mut state[entity];
                *sum = sum.checked_add(d).ok_or(Overflowed)?;
                *n += 1;
            }
            Accumulator::AvgFloat(state) => {
                let (sum, n) = &mut state[entity];
                *sum += value.as_f64().unwrap_or(0.0);
                *n += 1;
            }
            Accumulator::Extreme(best, want) => {
                if best[entity].is_null() || compare(value, &best[entity]) == Some(*want) {
                    best[entity] = value.clone();
                }
            }
            Accumulator::Distinct(seen) => {
                if !seen[entity]
                    .iter()
                    .any(|v| compare(v, value) == Some(Ordering::Equal))
                {
                    seen[entity].push(value.clone());
                }
            }
            Accumulator::Mode(counts) => counts.add(entity, value, 1),
            Accumulator::ByTime(kept, want) => {
                let Some(time) = time else { return Ok(()) };
                let better = match &kept[entity] {
                    None => true,
                    Some((t, v)) => match time.cmp(t) {
                        Ordering::Equal => total_order(value, v) == Ordering::Less,
                        ord => ord == *want,
                    },
                };
                if better {
                    kept[entity] = Some((time, value.clone()));
                }
            }
        }
        Ok(())
    }

    /// Adds the state of a later part of the same stream (read in parallel), as if its
    /// events had come after this one's: ties keep what this part saw first.
    pub fn merge(&mut self, later: Accumulator) -> Result<(), Overflowed> {
        match (self, later) {
            (Accumulator::Count(a), Accumulator::Count(b)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y)
            }
            (Accumulator::Exists(a), Accumulator::Exists(b)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x |= y)
            }
            (Accumulator::SumInt(a), Accumulator::SumInt(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    *x = x.checked_add(y).ok_or(Overflowed)?;
                }
            }
            (Accumulator::SumDecimal(a), Accumulator::SumDecimal(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    *x = x.checked_add(y).ok_or(Overflowed)?;
                }
            }
            (Accumulator::SumFloat(a), Accumulator::SumFloat(b)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y)
            }
            (Accumulator::AvgExact(a), Accumulator::AvgExact(b)) => {
                for ((sum, n), (s, m)) in a.iter_mut().zip(b) {
                    *sum = sum.checked_add(s).ok_or(Overflowed)?;
                    *n += m;
                }
            }
            (Accumulator::AvgFloat(a), Accumulator::AvgFloat(b)) => {
                for ((sum, n), (s, m)) in a.iter_mut().zip(b) {
                    *sum += s;
                    *n += m;
                }
            }
            (Accumulator::Extreme(a, want), Accumulator::Extreme(b, _)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    if !y.is_null() && (x.is_null() || compare(&y, x) == Some(*want)) {
                        *x = y;
                    }
                }
            }
            (Accumulator::Distinct(a), Accumulator::Distinct(b)) => {
                for (seen, more) in a.iter_mut().zip(b) {
                    for value in more {
                        if !seen
                            .iter()
                            .any(|v| compare(v, &value) == Some(Ordering::Equal))
                        {
                            seen.push(value);
                        }
                    }
                }
            }
            (Accumulator::Mode(a), Accumulator::Mode(b)) => a.merge(b),
            (Accumulator::ByTime(a, want), Accumulator::ByTime(b, _)) => {
                for (kept, other) in a.iter_mut().zip(b) {
                    let Some((time, value)) = other else { continue };
                    let better = match kept {
                        None => true,
                        Some((t, v)) => match time.cmp(t) {
                            Ordering::Equal => total_order(&value, v) == Ordering::Less,
                            ord => ord == *want,
                        },
                    };
                    if better {
                        *kept = Some((time, value));
                    }
                }
            }
            _ => unreachable!("merged accumulators come from the same aggregate"),
        }
        Ok(())
    }

    /// The final value per entity (`count` of nothing is 0, `avg` of nothing is null...).
    pub fn finish(self) -> Vec<Value> {
        match self {
            Accumulator::Count(counts) => counts.into_iter().map(Value::Int).collect(),
            Accumulator::Exists(seen) => seen.into_iter().map(Value::Bool).collect(),
            Accumulator::SumInt(sums) => sums.into_iter().map(Value::Int).collect(),
            Accumulator::SumDecimal(sums) => sums.into_iter().map(Value::Decimal).collect(),
            Accumulator::SumFloat(sums) => sums.into_iter().map(Value::Float).collect(),
            Accumulator::AvgExact(state) => state
                .into_iter()
                .map(|(sum, n)| exact_mean(sum, n))
                .collect(),
            Accumulator::AvgFloat(state) => state
                .into_iter()
                .map(|(sum, n)| {
                    if n == 0 {
                        Value::Null
                    } else {
                        Value::Float(sum / n as f64)
                    }
                })
                .collect(),
            Accumulator::Extreme(best, _) => best,
            Accumulator::Distinct(seen) => seen
                .into_iter()
                .map(|s| Value::Int(s.len() as i64))
                .collect(),
            Accumulator::Mode(counts) => counts.finish(),
            Accumulator::ByTime(kept, _) => kept
                .into_iter()
                .map(|k| k.map_or(Value::Null, |(_, v)| v))
                .collect(),
        }
    }
}

/// A sum that left the range of its type.
#[derive(Debug, Clone, Copy)]
pub struct Overflowed;

impl Overflowed {
    /// The run error, pointing at the aggregate.
    pub fn at(self, aggregate: &Aggregate) -> RunError {
        RunError::Overflow {
            span: aggregate.span,
        }
    }
}

/// `sum / n` computed exactly, then made a float; null when `n` is 0.
pub fn exact_mean(sum: Decimal, n: u64) -> Value {
    if n == 0 {
        return Value::Null;
    }
    match sum.checked_div(Decimal::from(n)) {
        Some(q) => Value::Float(decimal_to_f64(q)),
        None => Value::Null,
    }
}
