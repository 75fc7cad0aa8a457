//! Diff stage: matching the entities of two assignment views by key.

use std::sync::Arc;

use super::{Entities, Keys};

/// One entity key and its position in each view (`None`: absent from that view).
pub(super) struct Pair {
    /// The key in its output text form.
    pub key: Arc<str>,
    /// The entity's position in the old view.
    pub old: Option<usize>,
    /// The entity's position in the new view.
    pub new: Option<usize>,
}

/// An entity present in both views.
pub(super) struct Matched<'a> {
    /// Its position in the pairs (for per-entity flags).
    pub index: usize,
    /// Its key.
    pub key: &'a Arc<str>,
    /// Its position in the old view.
    pub old: usize,
    /// Its position in the new view.
    pub new: usize,
}

/// Every key of either view, in key (byte) order, by merging the two sorted key lists.
pub(super) fn pairs(old: &[Arc<str>], new: &[Arc<str>]) -> Vec<Pair> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(old.len().max(new.len()));
    loop {
        let pair = match (old.get(i), new.get(j)) {
            (None, None) => return out,
            (Some(a), Some(b)) if a == b => pair(a, Some(i), Some(j)),
            (Some(a), Some(b)) if a > b => pair(b, None, Some(j)),
            (Some(a), _) => pair(a, Some(i), None),
            (None, Some(b)) => pair(b, None, Some(j)),
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

/// The entities present in both views, in key order.
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

/// Counts of both views' entities, with the added and removed ones.
pub(super) fn entities(old: usize, new: usize, pairs: &[Pair], limit: usize) -> Entities {
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
        old: old as u64,
        new: new as u64,
        both: matched(pairs).count() as u64,
        added,
        removed,
    }
}
