//! Exec stage, readers: rows of one block of a quote-free CSV file read together, and
//! their cells parsed a field at a time ([`PlainCsvReader::next_rows`]): one loop per
//! field, with that field's parser, instead of a match on each cell's type.
//!
//! [`PlainCsvReader::next_rows`]: super::PlainCsvReader::next_rows

use std::ops::Range;

use super::RowProblem;
use super::cell::{CellColumn, CellParser};
use super::csv_file::escape_invalid_utf8;
use super::marks::PlainRowSink;
use crate::exec::scalar::Scalar;

/// How many rows are read together at most (their scalars stay in a core's cache).
pub const ROWS_AT_ONCE: usize = 256;

/// Rows of one block read together as [`Scalar`]s; a text scalar's place is in the block.
#[derive(Debug, Default)]
pub struct ScalarRows {
    /// How many declared fields a row has.
    fields: usize,
    /// The fields' scalars, row after row.
    scalars: Vec<Scalar>,
    /// Where each row lies in the block.
    rows: Vec<Range<usize>>,
    /// Each row's line number.
    lines: Vec<u64>,
    /// Where each cell lies in the block, column after column ([`ROWS_AT_ONCE`] places
    /// for each).
    spans: Vec<(u32, u32)>,
    /// Whether a row is bad (a cell of it is).
    bad: Vec<bool>,
    /// The bad rows, in row order: the row and what is wrong with it.
    problems: Vec<(usize, RowProblem)>,
}

impl ScalarRows {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `r`'s scalars (one per declared field), or what is wrong with it.
    pub fn get(&self, r: usize) -> Result<&[Scalar], &RowProblem> {
        if self.bad[r] {
            let at = self.problems.partition_point(|(bad, _)| *bad < r);
            return Err(&self.problems[at].1);
        }
        Ok(self.row_scalars(r))
    }

    /// Row `r`'s scalars, whether or not it is bad (a bad row's are not all read).
    pub fn row_scalars(&self, r: usize) -> &[Scalar] {
        &self.scalars[r * self.fields..][..self.fields]
    }

    /// The scalars of all rows, row after row, and how many a row has.
    pub fn scalars(&self) -> (&[Scalar], usize) {
        (&self.scalars[..self.rows.len() * self.fields], self.fields)
    }

    /// The scalar of declared field `field` of row `r` (see [`ScalarRows::row_scalars`]).
    pub fn scalar(&self, r: usize, field: usize) -> Scalar {
        self.scalars[r * self.fields + field]
    }

    /// Row `r`'s line number.
    pub fn line(&self, r: usize) -> u64 {
        self.lines[r]
    }

    /// Where row `r` lies in the block.
    pub fn row_at(&self, r: usize) -> Range<usize> {
        self.rows[r].clone()
    }

    /// Where cell `column` of row `r` lies in the block.
    pub fn cell_at(&self, r: usize, column: usize) -> Range<usize> {
        let (start, end) = self.spans[column * ROWS_AT_ONCE + r];
        start as usize..end as usize
    }

    /// Empties it for rows of `fields` declared fields and `cells_per_row` cells.
    pub(super) fn clear(&mut self, fields: usize, cells_per_row: usize) {
        self.fields = fields;
        self.rows.clear();
        self.lines.clear();
        self.spans.resize(cells_per_row * ROWS_AT_ONCE, (0, 0));
        self.bad.clear();
        self.problems.clear();
    }

    /// Adds the row at `row` of the block, on `line`, whose cells end at `ends` (one per
    /// cell, within the row).
    pub(super) fn push(&mut self, row: Range<usize>, line: u64, ends: &[usize]) {
        let mut start = row.start;
        for (column, &end) in ends.iter().enumerate() {
            let end = row.start + end;
            self.cell(column, start..end);
            start = end + 1;
        }
        self.row(row);
        self.number_lines(self.len() - 1, line);
    }

    /// Numbers the rows from the `first`th on, one line each, from `line` on.
    pub(super) fn number_lines(&mut self, first: usize, line: u64) {
        let rows = self.lines.get_mut(first..).unwrap_or_default();
        for (k, numbered) in rows.iter_mut().enumerate() {
            *numbered = line + k as u64;
        }
    }

    /// Parses the cells of column `column`, the declared field `field`, of every row of
    /// `block` (checking them only, unless `wanted`; each checked to be valid UTF-8 first,
    /// unless the block is `text`). A row's problem is its first bad field's.
    pub(super) fn parse_field(
        &mut self,
        (field, column): (usize, usize),
        parser: &mut CellParser,
        wanted: bool,
        (block, text): (&[u8], bool),
    ) {
        let rows = self.rows.len();
        self.scalars.resize(rows * self.fields, Scalar::Null);
        let cells = CellColumn {
            block,
            text,
            wanted,
            spans: &self.spans[column * ROWS_AT_ONCE..][..rows],
            slots: &mut self.scalars[..],
            stride: self.fields,
            offset: field,
        };
        let mut failed = Vec::new();
        parser.scalar_column(cells, |r, problem| failed.push((r, problem)));
        for (r, problem) in failed {
            self.fail(r, column, parser, problem, block);
        }
    }

    /// Marks row `r` bad for what is wrong with its cell `column`, unless an earlier field
    /// of it is bad already.
    fn fail(
        &mut self,
        r: usize,
        column: usize,
        parser: &CellParser,
        problem: String,
        block: &[u8],
    ) {
        if std::mem::replace(&mut self.bad[r], true) {
            return;
        }
        let cell = block.get(self.cell_at(r, column)).unwrap_or_default();
        let problem = RowProblem {
            line: self.lines[r],
            column: parser.name.clone(),
            value: std::str::from_utf8(cell)
                .map_or_else(|_| escape_invalid_utf8(cell), str::to_string),
            problem,
        };
        let at = self.problems.partition_point(|(bad, _)| *bad < r);
        self.problems.insert(at, (r, problem));
    }
}

impl PlainRowSink for ScalarRows {
    fn cell(&mut self, column: usize, at: Range<usize>) {
        if let Some(span) = self.spans.get_mut(column * ROWS_AT_ONCE + self.rows.len()) {
            *span = (at.start as u32, at.end as u32);
        }
    }

    /// Takes the row (its line is numbered later) while fewer than [`ROWS_AT_ONCE`].
    fn row(&mut self, at: Range<usize>) -> bool {
        self.rows.push(at);
        self.lines.push(0);
        self.bad.push(false);
        self.rows.len() < ROWS_AT_ONCE
    }
}
