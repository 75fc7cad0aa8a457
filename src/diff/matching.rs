//! Diff stage: matching the entities of two runs by key.

use std::sync::Arc;

use super::{Entities, Keys};
use crate::exec::Outcome;

/// One entity key and its index in each run (`None`: absent from that run).
pub(super) struct Pair {
    /// The key in its output text form.
    pub key: Arc<str>,
    /// The entity's index in the old run.
    pub old: Option<usize>,
    /// The entity's index in the new run.
    pub new: Option<usize>,
}

/// An entity present in both runs.
pub(super) struct Matched<'a> {
    /// Its position in the pairs (for per-entity flags).
    pub index: usize,
    /// Its key.
    pub key: &'a Arc<str>,
    /// Its index in the old run.
    pub old: usize,
    /// Its index in the new run.
    pub new: usize,
}

/// Every key of either run, in key (byte) order, by merging the runs' sorted key lists.
pub(super) fn pairs(old: &Outcome, new: &Outcome) -> Vec<Pair> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(old.by_key.len().max(new.by_key.len()));
    loop {
        let a = old.by_key.get(i).map(|&e| e as usize);
        let b = new.by_key.get(j).map(|&e| e as usize);
        let pair = match (a, b) {
            (None, None) => return out,
            (Some(a), Some(b)) if old.keys[a] == new.keys[b] => {
                pair(&old.keys[a], Some(a), Some(b))
            }
            (Some(a), Some(b)) if old.keys[a] > new.keys[b] => pair(&new.keys[b], None, Some(b)),
            (Some(a), _) => pair(&old.keys[a], Some(a), None),
            (None, Some(b)) => pair(&new.keys[b], None, Some(b)),
        };
        i += usize::from(pair.old.is_some());
        j += usize::from(pair.new.is_some());
        out.push(pair);
    }
}

fn pair(key: &Arc<str>, old: Option<usize>, new: Option<usize>) -> Pair {
    Pair {
        key: Arc::clone(key),
        old,
        new,
    }
}

/// The entities present in both runs, in key order.
pub(super) fn matched(pairs: &[Pair]) -> impl Iterator<Item = Matched<'_>> {
    pairs.iter().enumerate().filter_map(|(index, p)| {
        Some(Matched {
            index,
            key: &p.key,
            old: p.old?,
            new: p.new?,
        })
    })
}

/// Counts of both runs' entities, with the added and removed ones.
pub(super) fn entities(old: &Outcome, new: &Outcome, pairs: &[Pair], limit: usize) -> Entities {
    let mut added = Keys::default();
    let mut removed = Keys::default();
    for pair in pairs {
        match (pair.old, pair.new) {
            (None, Some(_)) => added.add(&pair.key, limit),
            (Some(_), None) => removed.add(&pair.key, limit),
            _ => {}
        }
    }
    Entities {
        old: old.keys.len() as u64,
        new: new.keys.len() as u64,
        both: matched(pairs).count() as u64,
        added,
        removed,
    }
}
