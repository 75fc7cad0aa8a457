//! Exec stage, readers: a byte range of a CSV file that holds no `"` (the parts that
//! [`super::split_csv`] makes), read without the `csv` crate.
//!
//! Without quotes, every line-end byte (`\n` or `\r`) ends a row and every `,` ends a cell.
//! The file is read in blocks of whole lines whose UTF-8 is checked once per block; rows
//! and their cells' ends are read off bit masks of the block's commas and line ends
//! ([`Marks`]), and cells are slices of the block's text. Rows are read one at a time as
//! values ([`RowReader::next_row`]) or up to [`ROWS_AT_ONCE`] of a block at a time as
//! scalars ([`PlainCsvReader::next_rows`]). The rows, values, bad cells, errors, line
//! numbers and line counts are those [`CsvReader`] gives for the same bytes: empty lines
//! are skipped, and a row's line number is its physical line, one more than the line ends
//! (`\n`, `\r\n` or a lone `\r`) before it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Take};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::cell::CellParser;
use super::csv_file::{CsvReader, cell_count_problem, io_error, parse_fields};
use super::marks::{Marks, PlainRowSink};
use super::scalar_rows::{ROWS_AT_ONCE, ScalarRows};
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// How many bytes are read from the file at a time (a longer line is read in several).
const BLOCK_BYTES: usize = 1 << 20;

/// How long a block of whole lines may grow (the places of cells in it are `u32`s).
const MAX_BLOCK_BYTES: usize = u32::MAX as usize;

/// A byte range of a quote-free CSV file read row by row.
pub struct PlainCsvReader {
    path: PathBuf,
    rows: Rows,
    /// For each declared field: its column index and parser.
    columns: Vec<(usize, CellParser)>,
    /// For each declared field: whether its value is stored in the row (or only checked).
    store: Vec<bool>,
    /// How many cells the header has (every row must have as many).
    header_cells: usize,
    /// Whether the range starts with the header, not read yet.
    header_ahead: bool,
    /// Added to the line numbers within the range.
    lines_before: u64,
    /// Where the last row lies in the block.
    row: Range<usize>,
    /// Where each cell of the last row ends within it (at a `,` or the row's end).
    cell_ends: Vec<usize>,
    /// Where the reading of the last row began (for progress reports).
    position: u64,
    /// An error met after rows that [`PlainCsvReader::next_rows`] returned first.
    pending: Option<RunError>,
}

impl PlainCsvReader {
    /// Reads the rows in `range` of the file, which must hold no `"`; the range starts at 0
    /// (with the header) or just after the end of a row (see [`super::split_csv`]). Line
    /// numbers are counted from `lines_before` + 1. The header is matched against the
    /// declared fields as [`CsvReader::open`] does.
    pub fn open_range(
        path: &Path,
        record: &str,
        fields: &[Field],
        range: Range<u64>,
        lines_before: u64,
    ) -> Result<PlainCsvReader, RunError> {
        let (columns, header_cells) = CsvReader::open(path, record, fields)?.into_columns()?;
        let mut file = File::open(path).map_err(|e| io_error(path, &e))?;
        // The byte before the range: a `\n` there after a `\r` is one line end with it.
        let mut before = [0u8];
        if range.start > 0 {
            file.seek(SeekFrom::Start(range.start - 1))
                .and_then(|_| file.read_exact(&mut before))
                .map_err(|e| io_error(path, &e))?;
        }
        file.seek(SeekFrom::Start(range.start))
            .map_err(|e| io_error(path, &e))?;
        let mut rows = Rows::new(file.take(range.end.saturating_sub(range.start)));
        rows.before_block = before[0];
        Ok(PlainCsvReader {
            path: path.to_path_buf(),
            rows,
            store: vec![true; columns.len()],
            columns,
            header_cells,
            header_ahead: range.start == 0,
            lines_before,
            row: 0..0,
            cell_ends: Vec::new(),
            position: 0,
            pending: None,
        })
    }

    /// Whether it stopped at a `"`: the range is then not quote-free, and its rows must be
    /// read by [`CsvReader`] instead (it returns no row from the block that holds it on).
    pub fn found_quote(&self) -> bool {
        self.rows.quoted
    }

    /// How many lines the reader has gone through (at the end: all the lines it read).
    pub fn lines_read(&self) -> u64 {
        self.rows.line_ends
    }

    /// Moves to the next row (its bytes in `self.row`); its line number, or `None` at the
    /// end (or at the block's end, unless it `may_read` the next block).
    fn advance(&mut self, may_read: bool) -> Result<Option<u64>, RunError> {
        let start = self.rows.next_start;
        self.position = start.byte;
        match self
            .rows
            .next(&mut self.cell_ends, may_read)
            .map_err(|e| io_error(&self.path, &e))?
        {
            Some(row) => {
                self.row = row;
                Ok(Some(self.lines_before + 1 + self.rows.row_line_ends))
            }
            None => Ok(None),
        }
    }

    /// Ends the cells of the row at `line` (its commas are found with it); a row without
    /// as many cells as the header is an error (as the `csv` crate makes it).
    fn split_cells(&mut self, line: u64) -> Result<(), RunError> {
        self.cell_ends.push(self.row.len());
        if self.cell_ends.len() == self.header_cells {
            return Ok(());
        }
        Err(RunError::BadFile {
            path: self.path.clone(),
            line,
            problem: cell_count_problem(self.cell_ends.len() as u64, self.header_cells as u64),
        })
    }

    /// Parses the declared fields of the row at `line` into `row`.
    fn parse_row(&mut self, line: u64, row: &mut [Value]) -> Result<(), RowProblem> {
        let ends = &self.cell_ends;
        match self.rows.text(self.row.clone()) {
            Ok(text) => parse_fields(&mut self.columns, &self.store, row, line, |i| {
                Ok(cell_range(ends, i)
                    .and_then(|r| text.get(r))
                    .unwrap_or_default())
            }),
            Err(bytes) => parse_fields(&mut self.columns, &self.store, row, line, |i| {
                let cell = cell_range(ends, i).map_or(&[][..], |r| &bytes[r]);
                std::str::from_utf8(cell).map_err(|_| cell)
            }),
        }
    }
}

impl PlainCsvReader {
    /// Like [`RowReader::next_row`] for the next rows of the block at once (at most
    /// [`ROWS_AT_ONCE`]; none only at the end): reads them into `rows` as [`Scalar`](crate::exec::Scalar)s,
    /// each field's cells parsed in one loop (fields not marked in `wanted` are only
    /// checked). Whether there are rows. An error met after some rows is returned by the
    /// next call, once they are used.
    pub fn next_rows(&mut self, wanted: &[bool], rows: &mut ScalarRows) -> Result<bool, RunError> {
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        rows.clear(self.columns.len(), self.header_cells);
        while rows.len() < ROWS_AT_ONCE {
            if !self.header_ahead {
                self.read_plain_rows(rows);
                if rows.len() == ROWS_AT_ONCE {
                    break;
                }
            }
            match self.next_line(rows.is_empty()) {
                Ok(Some(line)) => rows.push(self.row.clone(), line, &self.cell_ends),
                Ok(None) => break,
                Err(error) if rows.is_empty() => return Err(error),
                Err(error) => {
                    self.pending = Some(error);
                    break;
                }
            }
        }
        let block = (self.rows.block.bytes(), self.rows.block.is_text());
        let fields = self.columns.iter_mut().zip(wanted).enumerate();
        for (field, ((column, parser), &wanted)) in fields {
            rows.parse_field((field, *column), parser, wanted, block);
        }
        Ok(!rows.is_empty())
    }

    /// Reads the plain rows ahead in the block into `rows` (see [`Marks::plain_rows`]):
    /// the common rows, read off the marks without a row at a time.
    fn read_plain_rows(&mut self, rows: &mut ScalarRows) {
        let first = rows.len();
        let line = self.lines_before + 1 + self.rows.line_ends;
        if self.rows.plain_rows(self.header_cells, rows) > 0 {
            rows.number_lines(first, line);
            let last = rows.row_at(rows.len() - 1);
            self.position = self.rows.block_offset + last.start as u64;
        }
    }

    /// The bytes of the block the last rows lie in (see [`ScalarRows::row_at`]).
    pub fn block_bytes(&self) -> &[u8] {
        self.rows.block.bytes()
    }

    /// The text of declared field `field` of row `r` of `rows`, the rows last read.
    pub fn field_text(&self, rows: &ScalarRows, r: usize, field: usize) -> Option<&str> {
        let column = self.columns.get(field)?.0;
        self.rows.text(rows.cell_at(r, column)).ok()
    }

    /// Moves to the next row after the header and finds its cells; its line number, or
    /// `None` at the end (or at the block's end, unless it `may_read` the next block).
    fn next_line(&mut self, may_read: bool) -> Result<Option<u64>, RunError> {
        if self.header_ahead {
            self.header_ahead = false;
            self.advance(true)?;
        }
        let Some(line) = self.advance(may_read)? else {
            return Ok(None);
        };
        self.split_cells(line)?;
        Ok(Some(line))
    }
}

/// Where cell `i` of a row lies in it, given where each cell ends.
fn cell_range(ends: &[usize], i: usize) -> Option<Range<usize>> {
    let start = match i {
        0 => 0,
        _ => ends.get(i - 1)? + 1,
    };
    Some(start..*ends.get(i)?)
}

impl RowReader for PlainCsvReader {
    fn store_only(&mut self, store: &[bool]) {
        self.store = store.to_vec();
    }

    fn cell_text(&self, i: usize) -> Option<&str> {
        let cell = cell_range(&self.cell_ends, self.columns[i].0)?;
        let start = self.row.start;
        self.rows.text(start + cell.start..start + cell.end).ok()
    }

    fn position(&self) -> u64 {
        self.position
    }

    fn next_row(&mut self, row: &mut [Value]) -> Result<Option<Result<u64, RowProblem>>, RunError> {
        let Some(line) = self.next_line(true)? else {
            return Ok(None);
        };
        Ok(Some(self.parse_row(line, row).map(|()| line)))
    }
}

/// A place in the range, as the `csv` crate marks where the reading of a row begins:
/// just after the first line-end byte of the row above (the rest of a `\r\n`, and empty
/// lines, are read with the next row).
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    /// Its offset.
    byte: u64,
}

/// The rows of a range: the non-empty runs of bytes between line-end bytes, read a block
/// of whole lines at a time.
struct Rows {
    file: Take<File>,
    /// The lines read.
    block: Block,
    /// Where the block's commas and line ends lie.
    marks: Marks,
    /// Where the bytes of the block not read yet start.
    next: usize,
    /// The offset of the block in the range.
    block_offset: u64,
    /// The start of the line after the block, read but not ended yet.
    partial: Vec<u8>,
    /// Whether the file has no more bytes (or no more quote-free bytes).
    at_end: bool,
    /// Whether a block held a `"` (reading stops there).
    quoted: bool,
    /// The line ends read so far (`\n`, `\r\n` and a lone `\r` each count once).
    line_ends: u64,
    /// The line ends before the row last returned.
    row_line_ends: u64,
    /// The byte before the block (a `\r` makes a `\n` first in the block no line end).
    before_block: u8,
    /// Where the reading of the next row begins.
    next_start: Mark,
}

impl Rows {
    fn new(file: Take<File>) -> Rows {
        Rows {
            file,
            block: Block::Bytes(Vec::new()),
            marks: Marks::default(),
            next: 0,
            block_offset: 0,
            partial: Vec::new(),
            at_end: false,
            quoted: false,
            line_ends: 0,
            row_line_ends: 0,
            before_block: 0,
            next_start: Mark::default(),
        }
    }

    /// Where the next row lies in the block (valid until the next call), or `None` at the
    /// end (or at the block's end, unless it `may_read` the next block); `commas` is set
    /// to where its commas lie in it.
    fn next(
        &mut self,
        commas: &mut Vec<usize>,
        may_read: bool,
    ) -> std::io::Result<Option<Range<usize>>> {
        loop {
            let bytes = self.block.bytes();
            commas.clear();
            if let Some(end) = self.marks.row_end(bytes, self.next, commas) {
                let row = self.next..end;
                let before = row
                    .end
                    .checked_sub(1)
                    .map_or(self.before_block, |b| bytes[b]);
                self.row_line_ends = self.line_ends;
                self.line_ends += u64::from(bytes[row.end] == b'\r' || before != b'\r');
                self.next = row.end + 1;
                if !row.is_empty() {
                    self.next_start = self.mark();
                    return Ok(Some(row));
                }
            } else if self.next < bytes.len() {
                let row = self.next..bytes.len();
                self.row_line_ends = self.line_ends;
                self.next = row.end;
                self.next_start = self.mark();
                return Ok(Some(row));
            } else if self.at_end || !may_read {
                return Ok(None);
            } else {
                self.read_block()?;
            }
        }
    }

    /// Reads the plain rows from the next one on into `sink` (see [`Marks::plain_rows`]);
    /// how many it read.
    fn plain_rows(&mut self, cells: usize, sink: &mut impl PlainRowSink) -> usize {
        let (stop, rows) = self
            .marks
            .plain_rows((self.block.bytes(), self.next), cells, sink);
        if rows > 0 {
            self.line_ends += rows as u64;
            self.row_line_ends = self.line_ends - 1;
            self.next = stop;
            self.next_start = self.mark();
        }
        rows
    }

    /// The text in `range` of the block, or its bytes when they are not valid UTF-8.
    fn text(&self, range: Range<usize>) -> Result<&str, &[u8]> {
        match &self.block {
            Block::Text(text) => text.get(range).ok_or(&[]),
            Block::Bytes(bytes) => {
                let bytes = bytes.get(range).unwrap_or_default();
                std::str::from_utf8(bytes).map_err(|_| bytes)
            }
        }
    }

    /// Where the bytes not read yet begin.
    fn mark(&self) -> Mark {
        Mark {
            byte: self.block_offset + self.next as u64,
        }
    }

    /// Replaces the block (all read) with the next lines: the partial line, and what
    /// follows it up to the last line end in a block's worth of bytes (or the file's end).
    fn read_block(&mut self) -> std::io::Result<()> {
        let mut bytes = std::mem::replace(&mut self.block, Block::Bytes(Vec::new())).into_bytes();
        self.before_block = bytes.last().copied().unwrap_or(self.before_block);
        self.block_offset += bytes.len() as u64;
        self.next = 0;
        bytes.clear();
        bytes.append(&mut self.partial);
        loop {
            let start = bytes.len();
            let read = (&mut self.file)
                .take(BLOCK_BYTES as u64)
                .read_to_end(&mut bytes)?;
            if read == 0 {
                self.at_end = true;
                break;
            }
            if let Some(last) = memchr::memrchr2(b'\n', b'\r', &bytes[start..]) {
                self.partial.extend_from_slice(&bytes[start + last + 1..]);
                bytes.truncate(start + last + 1);
                break;
            }
            if bytes.len() > MAX_BLOCK_BYTES {
                break;
            }
        }
        if bytes.len() > MAX_BLOCK_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a line is longer than 4 GiB, more than a row may hold",
            ));
        }
        if memchr::memchr(b'"', &bytes).is_some() {
            self.quoted = true;
            self.at_end = true;
            bytes.clear();
        }
        self.block = Block::new(bytes);
        self.marks.reset();
        Ok(())
    }
}

/// Whole lines read from the file: text when they are all valid UTF-8 (checked once for
/// the block; rows and cells are then slices of it), else bytes (each row checked alone).
enum Block {
    Text(String),
    Bytes(Vec<u8>),
}

impl Block {
    fn new(bytes: Vec<u8>) -> Block {
        if simdutf8::basic::from_utf8(&bytes).is_err() {
            return Block::Bytes(bytes);
        }
        // SAFETY: simdutf8 has just checked that `bytes` is valid UTF-8 (with SIMD, about
        // ten times faster than `String::from_utf8` on the large blocks read here).
        Block::Text(unsafe { String::from_utf8_unchecked(bytes) })
    }

    fn is_text(&self) -> bool {
        matches!(self, Block::Text(_))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Block::Text(text) => text.as_bytes(),
            Block::Bytes(bytes) => bytes,
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        match self {
            Block::Text(text) => text.into_bytes(),
            Block::Bytes(bytes) => bytes,
        }
    }
}
