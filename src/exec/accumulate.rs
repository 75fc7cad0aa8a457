//! Exec stage: per-entity accumulators of event aggregates, fed one event at a time (or a
//! batch of typed rows at a time, see [`Accumulator::add_scalars`]).
//!
//! Each aggregate keeps the least state its function needs (a count, a running sum, the
//! best value so far, value counts for `mode`), never the raw events.

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::column::Column;
use super::error::RunError;
use super::mode::ModeCounts;
use super::scalar::Scalar;
use super::value::{Value, compare, decimal_to_f64, total_order};
use crate::check::hir::{AggFunc, Aggregate};
use crate::check::types::Ty;

/// The accumulators of one stream pass over one part of the stream, with a slot for each
/// entity the part has seen.
///
/// A part keeps state only for the entities it saw: event files are often grouped by
/// customer, so each of two parts of a file sees about half of them, and together they
/// keep about what one reader would. `slots` maps an entity to its slot (or [`NO_SLOT`]).
pub struct PassState {
    /// The state of each aggregate of the pass, one element per slot.
    pub accumulators: Vec<Accumulator>,
    slots: Vec<u32>,
    entities: Vec<u32>,
}

/// The slot of an entity the part has not seen (or of a row that is no event).
pub const NO_SLOT: u32 = u32::MAX;

impl PassState {
    /// No entity seen yet, out of `entities`.
    pub fn new(accumulators: Vec<Accumulator>, entities: usize) -> PassState {
        PassState {
            accumulators,
            slots: vec![NO_SLOT; entities],
            entities: Vec::new(),
        }
    }

    /// The slot of `entity`, made on its first event.
    pub fn slot(&mut self, entity: usize) -> usize {
        if self.slots[entity] == NO_SLOT {
            self.accumulators.iter_mut().for_each(|a| a.grow_by(1));
        }
        self.assign_slot(entity)
    }

    /// The slot of `entity`, given the next one when it has none (without growing the
    /// accumulators).
    fn assign_slot(&mut self, entity: usize) -> usize {
        let slot = self.slots[entity];
        if slot != NO_SLOT {
            return slot as usize;
        }
        let slot = self.entities.len();
        self.slots[entity] = slot as u32;
        self.entities.push(entity as u32);
        slot
    }

    /// Adds the state of a later part, as if its events had come after this part's; on
    /// overflow, says which accumulator overflowed (the first one). The entities new to
    /// this part get slots first; then the accumulators grow by that many at once and
    /// merge, on all cores.
    pub fn merge(&mut self, later: PassState) -> Result<(), (usize, Overflowed)> {
        let before = self.entities.len();
        let slots: Vec<u32> = (later.entities.iter())
            .map(|&e| self.assign_slot(e as usize) as u32)
            .collect();
        let added = self.entities.len() - before;
        let merged: Vec<Result<(), Overflowed>> = self
            .accumulators
            .par_iter_mut()
            .zip(later.accumulators)
            .map(|(acc, more)| {
                acc.grow_by(added);
                acc.merge(more, &slots)
            })
            .collect();
        match merged.into_iter().position(|r| r.is_err()) {
            Some(i) => Err((i, Overflowed)),
            None => Ok(()),
        }
    }

    /// The final value of each aggregate for every entity, in entity order; `empty[i]` is
    /// aggregate `i`'s value for an entity without events. Aggregates finish on all cores.
    pub fn finish(self, empty: &[Value]) -> Vec<Column> {
        let slots = self.slots;
        self.accumulators
            .into_par_iter()
            .zip(empty)
            .map(|(acc, empty)| acc.finish_column(&slots, empty))
            .collect()
    }
}

/// The state of one aggregate for every entity a part has seen, by slot.
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
    /// Empty state (no entity yet); `field` is the aggregated field's type.
    pub fn new(func: AggFunc, field: Option<&Ty>) -> Accumulator {
        match func {
            AggFunc::Count => Accumulator::Count(Vec::new()),
            AggFunc::Exists => Accumulator::Exists(Vec::new()),
            AggFunc::Sum => match field {
                Some(Ty::Int) => Accumulator::SumInt(Vec::new()),
                Some(Ty::Float) => Accumulator::SumFloat(Vec::new()),
                _ => Accumulator::SumDecimal(Vec::new()),
            },
            AggFunc::Avg => match field {
                Some(Ty::Float) => Accumulator::AvgFloat(Vec::new()),
                _ => Accumulator::AvgExact(Vec::new()),
            },
            AggFunc::Min => Accumulator::Extreme(Vec::new(), Ordering::Less),
            AggFunc::Max => Accumulator::Extreme(Vec::new(), Ordering::Greater),
            AggFunc::CountDistinct => Accumulator::Distinct(Vec::new()),
            AggFunc::Mode => Accumulator::Mode(ModeCounts::default()),
            AggFunc::First => Accumulator::ByTime(Vec::new(), Ordering::Less),
            AggFunc::Last => Accumulator::ByTime(Vec::new(), Ordering::Greater),
        }
    }

    /// Adds the empty state of `n` more entities (their slots are the next indices).
    pub fn grow_by(&mut self, n: usize) {
        fn grow<T: Clone>(v: &mut Vec<T>, n: usize, empty: T) {
            v.resize(v.len() + n, empty);
        }
        match self {
            Accumulator::Count(v) => grow(v, n, 0),
            Accumulator::Exists(v) => grow(v, n, false),
            Accumulator::SumInt(v) => grow(v, n, 0),
            Accumulator::SumDecimal(v) => grow(v, n, Decimal::ZERO),
            Accumulator::SumFloat(v) => grow(v, n, 0.0),
            Accumulator::AvgExact(v) => grow(v, n, (Decimal::ZERO, 0)),
            Accumulator::AvgFloat(v) => grow(v, n, (0.0, 0)),
            Accumulator::Extreme(v, _) => grow(v, n, Value::Null),
            Accumulator::Distinct(v) => grow(v, n, Vec::new()),
            Accumulator::Mode(counts) => counts.grow_by(n),
            Accumulator::ByTime(v, _) => grow(v, n, None),
        }
    }

    /// The final value of an entity that had no event.
    pub fn empty_value(func: AggFunc, field: Option<&Ty>) -> Value {
        let mut empty = Accumulator::new(func, field);
        empty.grow_by(1);
        empty.finish().pop().unwrap_or(Value::Null)
    }

    /// Adds one event's value to the entity in `slot` (already known to pass the filter;
    /// null for `count`/`exists`).
    pub fn add(
        &mut self,
        slot: usize,
        value: &Value,
        time: Option<NaiveDateTime>,
    ) -> Result<(), Overflowed> {
        if value.is_null() && !matches!(self, Accumulator::Count(_) | Accumulator::Exists(_)) {
            return Ok(());
        }
        match self {
            Accumulator::Count(counts) => counts[slot] += 1,
            Accumulator::Exists(seen) => seen[slot] = true,
            Accumulator::SumInt(sums) => {
                let Value::Int(n) = value else { return Ok(()) };
                sums[slot] = sums[slot].checked_add(*n).ok_or(Overflowed)?;
            }
            Accumulator::SumDecimal(sums) => {
                let d = value.as_decimal().unwrap_or_default();
                sums[slot] = sums[slot].checked_add(d).ok_or(Overflowed)?;
            }
            Accumulator::SumFloat(sums) => sums[slot] += value.as_f64().unwrap_or(0.0),
            Accumulator::AvgExact(state) => {
                let d = value.as_decimal().unwrap_or_default();
                let (sum, n) = &mut state[slot];
                *sum = sum.checked_add(d).ok_or(Overflowed)?;
                *n += 1;
            }
            Accumulator::AvgFloat(state) => {
                let (sum, n) = &mut state[slot];
                *sum += value.as_f64().unwrap_or(0.0);
                *n += 1;
            }
            Accumulator::Extreme(best, want) => {
                if best[slot].is_null() || compare(value, &best[slot]) == Some(*want) {
                    best[slot] = value.clone();
                }
            }
            Accumulator::Distinct(seen) => {
                if !seen[slot]
                    .iter()
                    .any(|v| compare(v, value) == Some(Ordering::Equal))
                {
                    seen[slot].push(value.clone());
                }
            }
            Accumulator::Mode(counts) => counts.add(slot, value, 1),
            Accumulator::ByTime(kept, want) => {
                let Some(time) = time else { return Ok(()) };
                let better = match &kept[slot] {
                    None => true,
                    Some((t, v)) => match time.cmp(t) {
                        Ordering::Equal => total_order(value, v) == Ordering::Less,
                        ord => ord == *want,
                    },
                };
                if better {
                    kept[slot] = Some((time, value.clone()));
                }
            }
        }
        Ok(())
    }

    /// [`Accumulator::add`] of the events of a batch of rows of the typed event path:
    /// row `r` is an event of the entity in slot `slots[r]` (none when [`NO_SLOT`]), its
    /// fields' scalars at `scalars[r * stride..]`, this accumulator's at `field` (none for
    /// a `count`), its time `time(r)`. Texts lie in `block`, and `text` makes the (shared)
    /// value of a text the accumulator keeps. The common events are added in one loop per
    /// kind of accumulator, without a match per event; on overflow, the row it happened at.
    pub fn add_scalars(
        &mut self,
        slots: &[u32],
        (scalars, stride, field): (&[Scalar], usize, Option<usize>),
        time: impl Fn(usize) -> Option<NaiveDateTime>,
        block: &[u8],
        mut text: impl FnMut(&[u8]) -> Value,
    ) -> Result<(), (usize, Overflowed)> {
        let cell = |r: usize| field.map_or(Scalar::Null, |f| scalars[r * stride + f]);
        let mut r = 0;
        while r < slots.len() {
            r = self.add_common(slots, r, cell, block, &mut text)?;
            if let Some(&slot) = slots.get(r).filter(|&&slot| slot != NO_SLOT) {
                let scalar = cell(r);
                let value = match scalar {
                    Scalar::Text(..) => text(scalar.bytes(block).unwrap_or_default()),
                    other => other.plain_value().unwrap_or_default(),
                };
                self.add(slot as usize, &value, time(r))
                    .map_err(|o| (r, o))?;
            }
            r += 1;
        }
        Ok(())
    }

    /// Adds the events of rows `from..` (see [`Accumulator::add_scalars`]) of the kinds
    /// this accumulator reads without a [`Value`]: counts, decimal sums, the latest or
    /// earliest datetime, the `mode` of a text. Returns the first row it leaves to
    /// [`Accumulator::add`] (the number of rows when none).
    #[inline(always)]
    fn add_common(
        &mut self,
        slots: &[u32],
        from: usize,
        cell: impl Fn(usize) -> Scalar,
        block: &[u8],
        text: &mut impl FnMut(&[u8]) -> Value,
    ) -> Result<usize, (usize, Overflowed)> {
        let events = slots
            .iter()
            .enumerate()
            .skip(from)
            .filter(|(_, slot)| **slot != NO_SLOT)
            .map(|(r, &slot)| (r, slot as usize));
        match self {
            Accumulator::Count(counts) => events.for_each(|(_, slot)| counts[slot] += 1),
            Accumulator::Exists(seen) => events.for_each(|(_, slot)| seen[slot] = true),
            Accumulator::SumDecimal(sums) => {
                for (r, slot) in events {
                    match cell(r) {
                        Scalar::Null => {}
                        Scalar::Decimal(d) => {
                            sums[slot] = sums[slot].checked_add(d).ok_or((r, Overflowed))?;
                        }
                        _ => return Ok(r),
                    }
                }
            }
            Accumulator::Extreme(best, want) => {
                for (r, slot) in events {
                    match cell(r) {
                        Scalar::Null => {}
                        Scalar::DateTime(dt) => {
                            let better = match &best[slot] {
                                Value::DateTime(kept) => dt.cmp(kept) == *want,
                                kept => kept.is_null(),
                            };
                            if better {
                                best[slot] = Value::DateTime(dt);
                            }
                        }
                        _ => return Ok(r),
                    }
                }
            }
            Accumulator::Mode(counts) => {
                for (r, slot) in events {
                    match cell(r) {
                        Scalar::Null => {}
                        scalar @ Scalar::Text(..) => {
                            let bytes = scalar.bytes(block).unwrap_or_default();
                            counts.add_text(slot, bytes, || text(bytes));
                        }
                        _ => return Ok(r),
                    }
                }
            }
            _ => return Ok(from),
        }
        Ok(slots.len())
    }

    /// Adds the state of a later part of the same stream (read in parallel), as if its
    /// events had come after this one's: ties keep what this part saw first. `slots[j]`
    /// is this accumulator's slot for the entity in the later part's slot `j`.
    pub fn merge(&mut self, later: Accumulator, slots: &[u32]) -> Result<(), Overflowed> {
        match (self, later) {
            (Accumulator::Count(a), Accumulator::Count(b)) => merge_each(a, b, slots, |x, y| {
                *x += y;
                Ok(())
            }),
            (Accumulator::Exists(a), Accumulator::Exists(b)) => merge_each(a, b, slots, |x, y| {
                *x |= y;
                Ok(())
            }),
            (Accumulator::SumInt(a), Accumulator::SumInt(b)) => merge_each(a, b, slots, |x, y| {
                *x = x.checked_add(y).ok_or(Overflowed)?;
                Ok(())
            }),
            (Accumulator::SumDecimal(a), Accumulator::SumDecimal(b)) => {
                merge_each(a, b, slots, |x, y| {
                    *x = x.checked_add(y).ok_or(Overflowed)?;
                    Ok(())
                })
            }
            (Accumulator::SumFloat(a), Accumulator::SumFloat(b)) => {
                merge_each(a, b, slots, |x, y| {
                    *x += y;
                    Ok(())
                })
            }
            (Accumulator::AvgExact(a), Accumulator::AvgExact(b)) => {
                merge_each(a, b, slots, |(sum, n), (s, m)| {
                    *sum = sum.checked_add(s).ok_or(Overflowed)?;
                    *n += m;
                    Ok(())
                })
            }
            (Accumulator::AvgFloat(a), Accumulator::AvgFloat(b)) => {
                merge_each(a, b, slots, |(sum, n), (s, m)| {
                    *sum += s;
                    *n += m;
                    Ok(())
                })
            }
            (Accumulator::Extreme(a, want), Accumulator::Extreme(b, _)) => {
                merge_each(a, b, slots, |x, y| {
                    if !y.is_null() && (x.is_null() || compare(&y, x) == Some(*want)) {
                        *x = y;
                    }
                    Ok(())
                })
            }
            (Accumulator::Distinct(a), Accumulator::Distinct(b)) => {
                merge_each(a, b, slots, |seen, more| {
                    for value in more {
                        if !seen
                            .iter()
                            .any(|v| compare(v, &value) == Some(Ordering::Equal))
                        {
                            seen.push(value);
                        }
                    }
                    Ok(())
                })
            }
            (Accumulator::Mode(a), Accumulator::Mode(b)) => {
                a.merge(b, slots);
                Ok(())
            }
            (Accumulator::ByTime(a, want), Accumulator::ByTime(b, _)) => {
                merge_each(a, b, slots, |kept, other| {
                    let Some((time, value)) = other else {
                        return Ok(());
                    };
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
                    Ok(())
                })
            }
            _ => unreachable!("merged accumulators come from the same aggregate"),
        }
    }

    /// The column of final values in entity order, where `slots[e]` is entity `e`'s slot
    /// and `empty` the value of an entity without one. Counts and sums are copied into
    /// their typed column directly, and modes of strings become ids of a dictionary;
    /// other states go through their values.
    fn finish_column(self, slots: &[u32], empty: &Value) -> Column {
        match (self, empty) {
            (Accumulator::Count(counts), Value::Int(n)) => {
                Column::from_ints(slots.len(), in_entity_order(&counts, slots, *n))
            }
            (Accumulator::SumInt(sums), Value::Int(n)) => {
                Column::from_ints(slots.len(), in_entity_order(&sums, slots, *n))
            }
            (Accumulator::SumDecimal(sums), Value::Decimal(d)) => {
                Column::from_decimals(slots.len(), in_entity_order(&sums, slots, *d))
            }
            (Accumulator::Mode(counts), Value::Null) => counts.finish_column(slots),
            (acc, empty) => {
                let mut by_slot = acc.finish();
                if let Some(column) = Column::gathered(&by_slot, slots, empty) {
                    return column;
                }
                let mut column = Column::untyped();
                for &slot in slots {
                    column.push(match by_slot.get_mut(slot as usize) {
                        Some(value) => std::mem::take(value),
                        None => empty.clone(),
                    });
                }
                column.shrink();
                column
            }
        }
    }

    /// The final value per slot (`count` of nothing is 0, `avg` of nothing is null...).
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

/// The state of entity `e`, from the state of each slot: `slots[e]` is entity `e`'s slot,
/// and an entity without one gets `empty`.
fn in_entity_order<'a, T: Copy>(
    by_slot: &'a [T],
    slots: &'a [u32],
    empty: T,
) -> impl Fn(usize) -> Option<T> + 'a {
    move |e| Some(by_slot.get(slots[e] as usize).copied().unwrap_or(empty))
}

/// `f(earlier state, later state)` for each later slot and the earlier slot of its entity.
fn merge_each<T>(
    earlier: &mut [T],
    later: Vec<T>,
    slots: &[u32],
    mut f: impl FnMut(&mut T, T) -> Result<(), Overflowed>,
) -> Result<(), Overflowed> {
    for (y, &slot) in later.into_iter().zip(slots) {
        f(&mut earlier[slot as usize], y)?;
    }
    Ok(())
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
