//! Formatting stage: columns shared by runs of one-line statements (`let` names, segment
//! names and labels, metric names and labels), so that `=` and `when` line up.

use crate::syntax::Span;

use super::layout::{pad, width};
use super::source::Source;

/// The kind of an aligned statement and the widths of its cells; statements of one kind
/// that follow each other without a blank line share the widest width of each cell.
pub(super) struct Cells {
    /// Statements of different kinds never share columns.
    pub(super) kind: u8,
    /// The width of each cell.
    pub(super) widths: Vec<usize>,
}

/// For each child, the widths its cells are padded to (empty for children that are not
/// aligned).
pub(super) fn columns<T>(
    children: &[T],
    source: &Source<'_>,
    span: impl Fn(&T) -> Span,
    cells: impl Fn(&T) -> Option<Cells>,
) -> Vec<Vec<usize>> {
    let cells: Vec<Option<Cells>> = children.iter().map(&cells).collect();
    let mut columns = vec![Vec::new(); children.len()];
    let mut run_start = 0;
    for at in 1..=children.len() {
        let continues = at < children.len()
            && matches!((&cells[at - 1], &cells[at]), (Some(a), Some(b)) if a.kind == b.kind)
            && !source.has_blank_line(span(&children[at - 1]).end, span(&children[at]).start);
        if continues {
            continue;
        }
        let run = &cells[run_start..at];
        let widest = widest(run);
        columns[run_start..at].fill(widest);
        run_start = at;
    }
    columns
}

/// The widest width of each cell over a run.
fn widest(run: &[Option<Cells>]) -> Vec<usize> {
    let mut widest: Vec<usize> = Vec::new();
    for cells in run.iter().flatten() {
        widest.resize(widest.len().max(cells.widths.len()), 0);
        for (w, &cell) in widest.iter_mut().zip(&cells.widths) {
            *w = (*w).max(cell);
        }
    }
    widest
}

/// A name and an optional label, padded to the run's columns: `vip   "高价值"  ` (the label
/// column is left out when no statement of the run has a label).
pub(super) fn name_and_label(name: &str, label: Option<&str>, columns: &[usize]) -> String {
    let name_width = columns.first().copied().unwrap_or(0);
    let label_width = columns.get(1).copied().unwrap_or(0);
    match label {
        _ if label_width == 0 => pad(name, name_width),
        Some(label) => format!("{} {}", pad(name, name_width), pad(label, label_width)),
        None => format!("{} {}", pad(name, name_width), pad("", label_width)),
    }
}

/// The cells of a name and an optional label.
pub(super) fn name_label_cells(kind: u8, name: &str, label: Option<&str>) -> Cells {
    Cells {
        kind,
        widths: vec![width(name), label.map_or(0, width)],
    }
}
