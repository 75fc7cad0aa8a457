//! Diff stage: the from → to migration matrix of each segmentation.

use super::assignments::{Assignments, Labelled};
use super::matching::{Pair, matched};
use super::{Keys, Move, Presence, union_by_name};

/// How the entities of one segmentation move between the programs.
///
/// `rows` are the old program's segments then `None` (no segment), `columns` the new
/// program's segments then `None`; a segmentation missing from a program has only the
/// `None` row or column. Segments are matched by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentationDiff {
    /// The segmentation's name.
    pub name: String,
    /// Which programs declare it.
    pub presence: Presence,
    /// Old segments, then `None`.
    pub rows: Vec<Option<String>>,
    /// New segments, then `None`.
    pub columns: Vec<Option<String>>,
    /// Entity counts by row and column.
    pub counts: Vec<Vec<u64>>,
    /// The cells whose segment changed, by count (largest first), then matrix order.
    pub moves: Vec<Move>,
    /// Entities compared (present in both runs).
    pub entities: u64,
    /// Entities whose segment changed.
    pub moved: u64,
}

/// One side's segmentation (each entity's segment index in it), if it has it.
type Side<'a> = Option<&'a Labelled>;

/// The matrix of every segmentation of either side; marks the entities that move.
pub(super) fn compare_all(
    old: &Assignments,
    new: &Assignments,
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> Vec<SegmentationDiff> {
    let names = union_by_name(
        old.segmentations.iter().map(|s| s.name.as_str()),
        new.segmentations.iter().map(|s| s.name.as_str()),
    );
    names
        .into_iter()
        .map(|(name, o, n)| {
            let sides = (
                o.map(|i| &old.segmentations[i]),
                n.map(|i| &new.segmentations[i]),
            );
            compare(name, sides, pairs, limit, changed)
        })
        .collect()
}

/// The matrix of one segmentation.
fn compare(
    name: &str,
    (old, new): (Side, Side),
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> SegmentationDiff {
    let rows = labels(old);
    let columns = labels(new);
    let mut counts = vec![vec![0u64; columns.len()]; rows.len()];
    let mut cells = vec![vec![Keys::default(); columns.len()]; rows.len()];
    let mut entities = 0;
    for m in matched(pairs) {
        let r = position(old, m.old, rows.len());
        let c = position(new, m.new, columns.len());
        entities += 1;
        counts[r][c] += 1;
        if rows[r] != columns[c] {
            cells[r][c].add(m.key, limit);
            changed[m.index] = true;
        }
    }
    let moves = moves(&rows, &columns, cells);
    SegmentationDiff {
        name: name.to_string(),
        presence: Presence::of(old.is_some(), new.is_some()),
        moved: moves.iter().map(|m| m.keys.count).sum(),
        rows,
        columns,
        counts,
        moves,
        entities,
    }
}

/// The segment names of one side, then `None`.
fn labels(side: Side) -> Vec<Option<String>> {
    let names = side.into_iter().flat_map(|s| &s.labels);
    names.map(|name| Some(name.clone())).chain([None]).collect()
}

/// An entity's row (or column): its segment's index, or the last one for no segment.
fn position(side: Side, entity: usize, len: usize) -> usize {
    side.and_then(|s| s.of[entity]).map_or(len - 1, usize::from)
}

/// The non-empty cells off the diagonal, largest first.
fn moves(rows: &[Option<String>], columns: &[Option<String>], cells: Vec<Vec<Keys>>) -> Vec<Move> {
    let mut moves: Vec<Move> = cells
        .into_iter()
        .zip(rows)
        .flat_map(|(row, from)| {
            row.into_iter()
                .zip(columns)
                .filter(|(keys, _)| keys.count > 0)
                .map(|(keys, to)| Move {
                    from: from.clone(),
                    to: to.clone(),
                    keys,
                })
        })
        .collect();
    moves.sort_by_key(|m| std::cmp::Reverse(m.keys.count));
    moves
}
