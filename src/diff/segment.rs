//! Diff stage: entries into and exits from each standalone segment.

use super::assignments::Assignments;
use super::matching::{Pair, matched};
use super::{Keys, Presence, union_by_name};

/// How the members of one standalone segment change between the programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentDiff {
    /// The segment's name.
    pub name: String,
    /// Which programs declare it.
    pub presence: Presence,
    /// Members in the old run (0 when the old program lacks it).
    pub old_size: u64,
    /// Members in the new run (0 when the new program lacks it).
    pub new_size: u64,
    /// Entities in both runs that are members only in the new run.
    pub entries: Keys,
    /// Entities in both runs that are members only in the old run.
    pub exits: Keys,
}

/// Entries and exits of every standalone segment of either side; marks the entities
/// that enter or leave one.
pub(super) fn compare_all(
    old: &Assignments,
    new: &Assignments,
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> Vec<SegmentDiff> {
    let names = union_by_name(
        old.segments.iter().map(|s| s.name.as_str()),
        new.segments.iter().map(|s| s.name.as_str()),
    );
    names
        .into_iter()
        .map(|(name, o, n)| {
            let old = o.map(|i| old.segments[i].members.as_slice());
            let new = n.map(|i| new.segments[i].members.as_slice());
            compare(name, (old, new), pairs, limit, changed)
        })
        .collect()
}

/// Entries and exits of one segment, given each side's membership column (if any).
fn compare(
    name: &str,
    (old, new): (Option<&[bool]>, Option<&[bool]>),
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> SegmentDiff {
    let member = |column: Option<&[bool]>, e: usize| column.is_some_and(|c| c[e]);
    let mut entries = Keys::default();
    let mut exits = Keys::default();
    for m in matched(pairs) {
        match (member(old, m.old), member(new, m.new)) {
            (false, true) => entries.add(m.key, limit),
            (true, false) => exits.add(m.key, limit),
            _ => continue,
        }
        changed[m.index] = true;
    }
    SegmentDiff {
        name: name.to_string(),
        presence: Presence::of(old.is_some(), new.is_some()),
        old_size: size(old),
        new_size: size(new),
        entries,
        exits,
    }
}

/// Members in one run.
fn size(column: Option<&[bool]>) -> u64 {
    column.map_or(0, |c| c.iter().filter(|&&m| m).count() as u64)
}
