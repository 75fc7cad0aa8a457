//! Diff stage: the from → to migration matrix of each segmentation.

use super::matching::{Pair, matched};
use super::{Keys, Move, Presence, Run, union_by_name};
use crate::check::hir::Segmentation;

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

/// One program's segmentation and each entity's segment index in it.
type Side<'a> = Option<(&'a Segmentation, &'a [Option<u16>])>;

/// The matrix of every segmentation of either program; marks the entities that move.
pub(super) fn compare_all(
    old: Run,
    new: Run,
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> Vec<SegmentationDiff> {
    let names = union_by_name(
        old.hir.segmentations.iter().map(|s| s.name.as_str()),
        new.hir.segmentations.iter().map(|s| s.name.as_str()),
    );
    names
        .into_iter()
        .map(|(name, o, n)| {
            let sides = (side(old, o), side(new, n));
            compare(name, sides, pairs, limit, changed)
        })
        .collect()
}

/// Segmentation `i` of a run, if it declares it.
fn side<'a>(run: Run<'a>, i: Option<usize>) -> Side<'a> {
    i.map(|i| {
        let column = run.outcome.segmentations[i].as_slice();
        (&run.hir.segmentations[i], column)
    })
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
    let names = side.into_iter().flat_map(|(s, _)| &s.rules);
    names
        .map(|rule| Some(rule.name.clone()))
        .chain([None])
        .collect()
}

/// An entity's row (or column): its segment's index, or the last one for no segment.
fn position(side: Side, entity: usize, len: usize) -> usize {
    side.and_then(|(_, column)| column[entity])
        .map_or(len - 1, usize::from)
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
