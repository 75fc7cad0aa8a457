//! Exec stage, readers: a byte range of a CSV file that holds no `"` (the parts that
//! [`super::split_csv`] makes), read without the `csv` crate.
//!
//! Without quotes, every line-end byte (`\n` or `\r`) ends a row and every `,` ends a cell.
//! The file is read in blocks of whole lines whose UTF-8 is checked once per block; rows
//! and their cells' ends are read off bit masks of the block's commas and line ends
//! ([`Marks`]), and cells are slices of the block's text. The rows,
//! values, bad cells, errors, line numbers and line counts are those [`CsvReader`] gives
//! for the same bytes: empty lines are skipped, and a row's line number is its physical
//! line, one more than the line ends (`\n`, `\r\n` or a lone `\r`) before it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Take};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::cell::CellParser;
use super::csv_file::{CsvReader, cell_count_problem, escape_invalid_utf8, io_error, parse_fields};
use super::marks::Marks;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::scalar::Scalar;
use crate::exec::value::Value;

/// How many bytes are read from the file at a time (a longer line is read in several).
const BLOCK_BYTES: usize = 1 << 20;

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

    /// Moves to the next row (its bytes in `self.row`); its line number, or `None` at the end.
    fn advance(&mut self) -> Result<Option<u64>, RunError> {
        let start = self.rows.next_start;
        self.position = start.byte;
        match self
            .rows
            .next(&mut self.cell_ends)
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
    /// Like [`RowReader::next_row`], but fills `row` with the [`Scalar`]s of the fields
    /// marked in `wanted` (the others are checked and left as they are); texts lie in
    /// [`PlainCsvReader::row_bytes`].
    pub fn next_scalars(
        &mut self,
        wanted: &[bool],
        row: &mut [Scalar],
    ) -> Result<Option<Result<u64, RowProblem>>, RunError> {
        let Some(line) = self.next_line()? else {
            return Ok(None);
        };
        Ok(Some(self.scalar_row(line, wanted, row).map(|()| line)))
    }

    /// Moves to the next row after the header and finds its cells; its line number, or
    /// `None` at the end.
    fn next_line(&mut self) -> Result<Option<u64>, RunError> {
        if self.header_ahead {
            self.header_ahead = false;
            self.advance()?;
        }
        let Some(line) = self.advance()? else {
            return Ok(None);
        };
        self.split_cells(line)?;
        Ok(Some(line))
    }

    /// The bytes of the row last read.
    pub fn row_bytes(&self) -> &[u8] {
        &self.rows.block.bytes()[self.row.clone()]
    }

    /// Parses the declared fields of the row at `line` into `row` as scalars, reading
    /// each cell's bytes (a block of valid UTF-8 is split at ASCII commas, so its cells
    /// are text; in a block that is not, each cell is checked). (The same loop as
    /// `csv_file::parse_fields`, written out: through one generic loop for both, the typed
    /// event path took 2% more instructions.)
    fn scalar_row(
        &mut self,
        line: u64,
        wanted: &[bool],
        row: &mut [Scalar],
    ) -> Result<(), RowProblem> {
        let all_text = self.rows.block.is_text();
        let bytes = self
            .rows
            .block
            .bytes()
            .get(self.row.clone())
            .unwrap_or_default();
        let fields = self.columns.iter_mut().zip(wanted).zip(row.iter_mut());
        for (((i, parser), &wanted), slot) in fields {
            let at = cell_range(&self.cell_ends, *i).unwrap_or_default();
            let cell = bytes.get(at.clone()).unwrap_or_default();
            let parsed = if !all_text && std::str::from_utf8(cell).is_err() {
                Err("the cell is not valid UTF-8".to_string())
            } else if wanted {
                parser.scalar(cell, at, slot)
            } else {
                parser.check(cell)
            };
            if let Err(problem) = parsed {
                return Err(RowProblem {
                    line,
                    column: parser.name.clone(),
                    value: std::str::from_utf8(cell)
                        .map_or_else(|_| escape_invalid_utf8(cell), str::to_string),
                    problem,
                });
            }
        }
        Ok(())
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
        let Some(line) = self.next_line()? else {
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
    /// end; `commas` is set to where its commas lie in it.
    fn next(&mut self, commas: &mut Vec<usize>) -> std::io::Result<Option<Range<usize>>> {
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
            } else if self.at_end {
                return Ok(None);
            } else {
                self.read_block()?;
            }
        }
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
