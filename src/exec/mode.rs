//! Exec stage: the state of `mode` aggregates — each distinct value stored once per
//! aggregate, and per entity only small `(value id, count)` pairs, packed in 4 bytes and
//! inline for up to six distinct values while ids and counts are small.

use std::cmp::{Ordering, Reverse};
use std::sync::Arc;

use rayon::prelude::*;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::column::Column;
use super::value::{Value, total_order};

/// A value as a hash key: equal values (by the language's equality) give equal keys
/// (decimals are normalized, so `1.0` and `1.00` are one key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Null,
    Bool(bool),
    Int(i64),
    Decimal(Decimal),
    Float(u64),
    Str(Arc<str>),
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
    Duration(i64, u8),
}

impl From<&Value> for Key {
    fn from(v: &Value) -> Key {
        match v {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(n) => Key::Int(*n),
            Value::Decimal(d) => Key::Decimal(d.normalize()),
            Value::Float(f) => Key::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            Value::Str(s) => Key::Str(s.clone()),
            Value::Date(d) => Key::Date(*d),
            Value::DateTime(dt) => Key::DateTime(*dt),
            Value::Duration(n, u) => Key::Duration(*n, *u as u8),
        }
    }
}

/// Per entity: how often each distinct value was seen.
#[derive(Debug, Default)]
pub struct ModeCounts {
    values: Vec<Value>,
    ids: FxHashMap<Key, u32>,
    /// The ids of the strings in `values` by the address of their text. A reader shares
    /// the text of repeated strings, so most events find their id here without hashing
    /// the text. (Only strings held in `values` are here: their address cannot be reused
    /// while they are.)
    by_address: FxHashMap<usize, u32>,
    /// The ids of the texts counted by [`ModeCounts::add_text`], by their bytes.
    texts: FxHashMap<Box<[u8]>, u32>,
    counts: Counts,
}

/// The `(value id, count)` pairs of each entity.
///
/// While ids stay below 256 and counts below 2^24 (a category, a channel, a day of the
/// week...), a pair is packed in 4 bytes and six of them are kept inline: about 50 bytes
/// per entity for the benchmark's twelve categories, instead of 90 with 8-byte pairs.
/// The first id or count that does not fit turns every entity's pairs wide.
#[derive(Debug)]
enum Counts {
    /// Id in the low 8 bits, count in the high 24.
    Narrow(Vec<SmallVec<[u32; 6]>>),
    /// Id and count.
    Wide(Vec<SmallVec<[(u32, u32); 4]>>),
}

impl Default for Counts {
    fn default() -> Counts {
        Counts::Narrow(Vec::new())
    }
}

/// The largest count a narrow pair holds.
const NARROW_COUNT: u32 = (1 << 24) - 1;

impl Counts {
    /// Adds `n` to the count of `id` for `slot`; `false` (and nothing added) when the
    /// result does not fit a narrow pair.
    fn add(&mut self, slot: usize, id: u32, n: u32) -> bool {
        match self {
            Counts::Narrow(counts) => {
                let pairs = &mut counts[slot];
                let found = pairs.iter_mut().find(|p| **p & 0xff == id);
                let count = found.as_ref().map_or(0, |p| **p >> 8);
                if id > 0xff || n > NARROW_COUNT - count {
                    return false;
                }
                match found {
                    Some(p) => *p = id | (count + n) << 8,
                    None => pairs.push(id | n << 8),
                }
            }
            Counts::Wide(counts) => {
                let pairs = &mut counts[slot];
                match pairs.iter_mut().find(|(v, _)| *v == id) {
                    Some((_, c)) => *c = c.saturating_add(n),
                    None => pairs.push((id, n)),
                }
            }
        }
        true
    }

    /// Turns narrow pairs wide.
    fn widen(&mut self) {
        if let Counts::Narrow(counts) = self {
            let wide = counts
                .iter()
                .map(|pairs| pairs.iter().map(|&p| (p & 0xff, p >> 8)).collect())
                .collect();
            *self = Counts::Wide(wide);
        }
    }

    /// `f` of each slot's pairs, in slot order.
    fn for_each_slot(self, mut f: impl FnMut(&[(u32, u32)])) {
        match self {
            Counts::Narrow(counts) => {
                let mut unpacked = Vec::new();
                for pairs in counts {
                    unpacked.clear();
                    unpacked.extend(pairs.iter().map(|&p| (p & 0xff, p >> 8)));
                    f(&unpacked);
                }
            }
            Counts::Wide(counts) => counts.iter().for_each(|pairs| f(pairs)),
        }
    }
}

impl ModeCounts {
    /// Adds `n` entities with no value seen yet (their slots are the next indices).
    pub fn grow_by(&mut self, n: usize) {
        match &mut self.counts {
            Counts::Narrow(counts) => counts.resize(counts.len() + n, SmallVec::new()),
            Counts::Wide(counts) => counts.resize(counts.len() + n, SmallVec::new()),
        }
    }

    fn id(&mut self, value: &Value) -> u32 {
        if let Value::Str(text) = value
            && let Some(&id) = self.by_address.get(&address(text))
        {
            return id;
        }
        let key = Key::from(value);
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.values.len() as u32;
        if let Value::Str(text) = value {
            self.by_address.insert(address(text), id);
        }
        self.values.push(value.clone());
        self.ids.insert(key, id);
        id
    }

    /// Counts `n` more occurrences of `value` for the entity in `slot`.
    pub fn add(&mut self, slot: usize, value: &Value, n: u32) {
        let id = self.id(value);
        self.count(slot, id, n);
    }

    /// Counts one more occurrence of a text for the entity in `slot`, found by its bytes;
    /// `value` makes its value the first time it is seen.
    pub fn add_text(&mut self, slot: usize, text: &[u8], value: impl FnOnce() -> Value) {
        let id = match self.texts.get(text) {
            Some(&id) => id,
            None => {
                let id = self.id(&value());
                self.texts.insert(text.into(), id);
                id
            }
        };
        self.count(slot, id, 1);
    }

    /// Adds `n` to the count of value `id` for `slot`.
    fn count(&mut self, slot: usize, id: u32, n: u32) {
        if !self.counts.add(slot, id, n) {
            self.counts.widen();
            self.counts.add(slot, id, n);
        }
    }

    /// Adds the counts of a later part of the stream; `slots[j]` is this part's slot for
    /// the entity in the later part's slot `j`.
    pub fn merge(&mut self, later: ModeCounts, slots: &[u32]) {
        // The later part's value ids, as ids of this part (each value looked up once).
        let ids: Vec<u32> = later.values.iter().map(|v| self.id(v)).collect();
        let mut slots = slots.iter();
        later.counts.for_each_slot(|pairs| {
            let slot = slots.next().copied().unwrap_or_default() as usize;
            for &(id, n) in pairs {
                self.count(slot, ids[id as usize], n);
            }
        });
    }

    /// The most frequent value per slot; ties go to the smallest; null when none.
    pub fn finish(self) -> Vec<Value> {
        let (values, best) = self.best_ids();
        best.into_iter().map(|id| value_of(&values, id)).collect()
    }

    /// The column of the most frequent value per entity, where `slots[e]` is entity `e`'s
    /// slot (null without one). Strings (the usual case) go into the column as ids of the
    /// values, without hashing any entity's string.
    pub fn finish_column(self, slots: &[u32]) -> Column {
        let (values, best) = self.best_ids();
        let ids = slots
            .iter()
            .map(|&slot| best.get(slot as usize).copied().flatten());
        let strings: Option<Vec<Arc<str>>> = (values.iter())
            .map(|v| match v {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        match strings {
            Some(strings) => Column::from_ids(strings, ids),
            None => Column::from_values(ids.map(|id| value_of(&values, id)).collect()),
        }
    }

    /// The values, and per slot the id of the most frequent one (ties go to the smallest;
    /// `None` when none), on all cores.
    fn best_ids(self) -> (Vec<Value>, Vec<Option<u32>>) {
        let values = self.values;
        let place = places(&values);
        let best = |pairs: &mut dyn Iterator<Item = (u32, u32)>| {
            let most = pairs.min_by_key(|&(id, n)| (Reverse(n), place[id as usize]));
            most.map(|(id, _)| id)
        };
        let best = match self.counts {
            Counts::Narrow(counts) => (counts.par_iter())
                .map(|pairs| best(&mut pairs.iter().map(|&p| (p & 0xff, p >> 8))))
                .collect(),
            Counts::Wide(counts) => (counts.par_iter())
                .map(|pairs| best(&mut pairs.iter().copied()))
                .collect(),
        };
        (values, best)
    }
}

/// The value of id `id` (null for `None`).
fn value_of(values: &[Value], id: Option<u32>) -> Value {
    id.map_or(Value::Null, |id| values[id as usize].clone())
}

/// Where a string's text lies in memory.
fn address(text: &Arc<str>) -> usize {
    Arc::as_ptr(text).cast::<u8>() as usize
}

/// Each value's place in ascending order (equal values share the place of the first).
fn places(values: &[Value]) -> Vec<u32> {
    let mut ascending: Vec<u32> = (0..values.len() as u32).collect();
    let order = |a: &u32, b: &u32| total_order(&values[*a as usize], &values[*b as usize]);
    ascending.sort_by(order);
    let mut place = vec![0; values.len()];
    for (i, id) in ascending.iter().enumerate() {
        let tied = i > 0 && order(&ascending[i - 1], id) == Ordering::Equal;
        place[*id as usize] = if tied {
            place[ascending[i - 1] as usize]
        } else {
            i as u32
        };
    }
    place
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Str(s.into())
    }

    #[test]
    fn the_most_frequent_value_wins_and_ties_go_to_the_smallest() {
        let mut counts = ModeCounts::default();
        counts.grow_by(1);
        counts.grow_by(1);
        for v in ["tea", "fruit", "tea", "fruit", "wine"] {
            counts.add(0, &text(v), 1);
        }
        counts.add(1, &text("wine"), 2);
        let result: Vec<String> = counts.finish().iter().map(Value::text).collect();
        assert_eq!(result, ["fruit", "wine"]);
    }

    #[test]
    fn equal_strings_at_different_addresses_count_as_one_value() {
        let mut counts = ModeCounts::default();
        counts.grow_by(1);
        let shared = text("tea");
        for v in [&shared, &text("tea"), &shared, &text("wine"), &text("wine")] {
            counts.add(0, v, 1);
        }
        counts.add(0, &text("wine"), 2);
        assert_eq!(counts.values.len(), 2);
        let result: Vec<String> = counts.finish().iter().map(Value::text).collect();
        assert_eq!(result, ["wine"]);
    }

    #[test]
    fn texts_counted_by_their_bytes_are_the_values_of_the_same_strings() {
        let mut counts = ModeCounts::default();
        counts.grow_by(1);
        counts.add(0, &text("tea"), 2);
        for v in ["wine", "tea", "wine", "wine"] {
            counts.add_text(0, v.as_bytes(), || text(v));
        }
        assert_eq!(counts.values.len(), 2);
        let result: Vec<String> = counts.finish().iter().map(Value::text).collect();
        assert_eq!(result, ["tea"]);
    }

    #[test]
    fn the_column_of_modes_holds_each_entitys_mode_in_entity_order() {
        for (a, b) in [(text("tea"), text("wine")), (Value::Int(3), Value::Int(8))] {
            let mut counts = ModeCounts::default();
            counts.grow_by(1);
            counts.grow_by(1);
            counts.add(0, &a, 2);
            counts.add(0, &b, 1);
            counts.add(1, &b, 1);
            // Entity 0 has slot 1, entity 1 none, entity 2 slot 0.
            let column = counts.finish_column(&[1, u32::MAX, 0]);
            let modes: Vec<String> = column.values().map(|v| v.text()).collect();
            assert_eq!(modes, [b.text(), String::new(), a.text()]);
        }
    }

    #[test]
    fn many_values_and_large_counts_turn_the_pairs_wide_without_losing_counts() {
        let mut counts = ModeCounts::default();
        counts.grow_by(1);
        counts.grow_by(1);
        // Slot 0: 300 distinct values (ids past 255), the last seen twice.
        for i in 0..300 {
            counts.add(0, &Value::Int(i), 1);
        }
        counts.add(0, &Value::Int(299), 1);
        // Slot 1: a count past 2^24, merged in from a later part.
        counts.add(1, &Value::Int(7), 3);
        let mut later = ModeCounts::default();
        later.grow_by(1);
        later.add(0, &Value::Int(8), NARROW_COUNT);
        later.add(0, &Value::Int(7), NARROW_COUNT - 1);
        counts.merge(later, &[1]);
        assert!(matches!(counts.counts, Counts::Wide(_)));
        let result: Vec<String> = counts.finish().iter().map(Value::text).collect();
        // 7: 3 + 2^24 - 2 beats 8: 2^24 - 1.
        assert_eq!(result, ["299", "7"]);
    }
}
