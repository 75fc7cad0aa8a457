//! Exec stage: the state of `mode` aggregates — each distinct value stored once per
//! aggregate, and per entity only small `(value id, count)` pairs, inline for up to four
//! distinct values.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

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
    Str(std::sync::Arc<str>),
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
    counts: Vec<SmallVec<[(u32, u32); 4]>>,
}

impl ModeCounts {
    /// Adds an entity with no value seen yet (its slot is the next index).
    pub fn grow(&mut self) {
        self.counts.push(SmallVec::new());
    }

    fn id(&mut self, value: &Value) -> u32 {
        let key = Key::from(value);
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.clone());
        self.ids.insert(key, id);
        id
    }

    /// Counts `n` more occurrences of `value` for the entity in `slot`.
    pub fn add(&mut self, slot: usize, value: &Value, n: u32) {
        let id = self.id(value);
        let counts = &mut self.counts[slot];
        match counts.iter_mut().find(|(v, _)| *v == id) {
            Some((_, c)) => *c += n,
            None => counts.push((id, n)),
        }
    }

    /// Adds the counts of a later part of the stream; `slots[j]` is this part's slot for
    /// the entity in the later part's slot `j`.
    pub fn merge(&mut self, later: ModeCounts, slots: &[u32]) {
        for (pairs, &slot) in later.counts.into_iter().zip(slots) {
            for (id, n) in pairs {
                self.add(slot as usize, &later.values[id as usize], n);
            }
        }
    }

    /// The most frequent value per slot; ties go to the smallest; null when none.
    pub fn finish(self) -> Vec<Value> {
        let values = self.values;
        self.counts
            .into_iter()
            .map(|pairs| {
                pairs
                    .into_iter()
                    .min_by(|(a, n), (b, m)| m.cmp(n).then_with(|| order(&values, *a, *b)))
                    .map_or(Value::Null, |(id, _)| values[id as usize].clone())
            })
            .collect()
    }
}

fn order(values: &[Value], a: u32, b: u32) -> Ordering {
    total_order(&values[a as usize], &values[b as usize])
}
