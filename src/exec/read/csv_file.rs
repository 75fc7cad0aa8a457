//! Exec stage, readers: RFC 4180 CSV with a header row (the `csv` crate). Large files
//! without quotes are read in parts by [`super::plain_csv::PlainCsvReader`] instead.
//!
//! Line numbers are physical lines (LANGUAGE.md section 9): a row's number is one more
//! than the line ends (`\n`, `\r\n` or a lone `\r`, each one line end) before its first
//! byte, counted by [`LineStarts`] as the `csv` crate reads the file (the crate's own count
//! stops at the first line-end byte after the row above, so it misses the `\n` of a
//! `\r\n` and empty lines).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::cell::CellParser;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// A CSV file read row by row.
pub struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<LineStarts<BufReader<File>>>,
    record: csv::ByteRecord,
    /// For each declared field: its column index and parser.
    columns: Vec<(usize, CellParser)>,
    /// For each declared field: whether its value is stored in the row (or only checked).
    store: Vec<bool>,
}

impl CsvReader {
    /// Opens the file and matches its header against the declared fields.
    pub fn open(path: &Path, record: &str, fields: &[Field]) -> Result<CsvReader, RunError> {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(LineStarts::new(BufReader::with_capacity(1 << 20, file)));
        let header = match reader.byte_headers() {
            Ok(header) => header.clone(),
            Err(e) => return Err(csv_error(path, &e, reader.get_mut())),
        };
        if header.is_empty() {
            return Err(RunError::BadFile {
                path: path.to_path_buf(),
                line: 1,
                problem: "the file is empty, but a CSV file starts with a header row naming \
                          its columns"
                    .into(),
            });
        }
        let columns = match_columns(path, record, fields, &header)?;
        Ok(CsvReader {
            path: path.to_path_buf(),
            reader,
            record: csv::ByteRecord::new(),
            store: vec![true; columns.len()],
            columns,
        })
    }

    /// How many lines the reader has gone through (at the end: all the lines it read).
    pub fn lines_read(&self) -> u64 {
        self.reader.get_ref().lines
    }

    /// For each declared field, its column and parser; and how many cells the header has
    /// (every row must have as many).
    pub(super) fn into_columns(mut self) -> Result<(Vec<(usize, CellParser)>, usize), RunError> {
        let header_cells = match self.reader.byte_headers() {
            Ok(header) => header.len(),
            Err(e) => return Err(csv_error(&self.path, &e, self.reader.get_mut())),
        };
        Ok((self.columns, header_cells))
    }
}

/// For each declared field, its column in the header (and a parser for its cells).
fn match_columns(
    path: &Path,
    record: &str,
    fields: &[Field],
    header: &csv::ByteRecord,
) -> Result<Vec<(usize, CellParser)>, RunError> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_string()
            } else {
                h.to_string()
            }
        })
        .collect();
    let mut columns = Vec::new();
    for field in fields {
        let positions: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| **n == field.name)
            .map(|(i, _)| i)
            .collect();
        match positions.as_slice() {
            [i] => columns.push((*i, CellParser::new(field))),
            [] => {
                return Err(RunError::MissingColumn {
                    path: path.to_path_buf(),
                    record: record.into(),
                    column: field.name.clone(),
                    found: names.join(", "),
                });
            }
            _ => {
                return Err(RunError::BadFile {
                    path: path.to_path_buf(),
                    line: 1,
                    problem: format!(
                        "the column `{}` appears {} times in the header",
                        field.name,
                        positions.len()
                    ),
                });
            }
        }
    }
    Ok(columns)
}

impl RowReader for CsvReader {
    fn store_only(&mut self, store: &[bool]) {
        self.store = store.to_vec();
    }

    fn cell_text(&self, i: usize) -> Option<&str> {
        let bytes = self.record.get(self.columns[i].0)?;
        std::str::from_utf8(bytes).ok()
    }

    fn position(&self) -> u64 {
        self.record.position().map_or(0, |p| p.byte())
    }

    fn next_row(&mut self, row: &mut [Value]) -> Result<Option<Result<u64, RowProblem>>, RunError> {
        let more = match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => more,
            Err(e) => return Err(csv_error(&self.path, &e, self.reader.get_mut())),
        };
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| {
            self.reader.get_mut().line_at(p.byte()).unwrap_or(p.line())
        });
        let record = &self.record;
        let parsed = parse_fields(&mut self.columns, &self.store, row, line, |i| {
            let bytes = record.get(i).unwrap_or_default();
            std::str::from_utf8(bytes).map_err(|_| bytes)
        });
        Ok(Some(parsed.map(|()| line)))
    }
}

/// Fills `row` from the cells of the row at `line`: each declared field's cell is parsed,
/// or only checked when the field is not stored. `cell(i)` is the text of column `i`, or
/// its bytes when they are not valid UTF-8.
pub(super) fn parse_fields<'a>(
    columns: &mut [(usize, CellParser)],
    store: &[bool],
    row: &mut [Value],
    line: u64,
    cell: impl Fn(usize) -> Result<&'a str, &'a [u8]>,
) -> Result<(), RowProblem> {
    let fields = columns.iter_mut().zip(store).zip(row.iter_mut());
    for (((i, parser), &store), slot) in fields {
        let text = cell(*i);
        let parsed = match text {
            Ok(text) if store => parser.parse(text).map(|v| *slot = v),
            Ok(text) => parser.check(text.as_bytes()),
            Err(_) => Err("the cell is not valid UTF-8".to_string()),
        };
        if let Err(problem) = parsed {
            return Err(RowProblem {
                line,
                column: parser.name.clone(),
                value: text.map_or_else(escape_invalid_utf8, str::to_string),
                problem,
            });
        }
    }
    Ok(())
}

/// The text of `bytes` with each byte that is not part of valid UTF-8 written `\xNN`
/// (so a message shows which bytes are wrong, where a replacement character would hide them).
pub(super) fn escape_invalid_utf8(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02X}"));
        }
    }
    text
}

/// A file that cannot be read.
pub(super) fn io_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// An error of the `csv` crate, at the physical line of the row it names.
fn csv_error<R>(path: &Path, e: &csv::Error, lines: &mut LineStarts<R>) -> RunError {
    let line = e
        .position()
        .map_or(0, |p| lines.line_at(p.byte()).unwrap_or(p.line()));
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => cell_count_problem(*len, *expected_len),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    RunError::BadFile {
        path: path.to_path_buf(),
        line,
        problem,
    }
}

/// What is wrong with a row that has `cells` cells when the header has `header_cells`.
pub(super) fn cell_count_problem(cells: u64, header_cells: u64) -> String {
    format!("the row has {cells} cells, but the header has {header_cells}")
}

/// Passes the file's bytes to the `csv` crate, noting on which physical line each row
/// the crate may read next starts. The crate begins reading a row just after the first
/// line-end byte of the row above (the rest of a `\r\n`, and empty lines, are read with
/// the row), so each run of line-end bytes is kept with the line of the byte after it
/// until the rows read have passed it.
struct LineStarts<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Line ends read so far: `\n`, `\r\n` and a lone `\r` each count once.
    lines: u64,
    /// The last byte read (a `\n` before the first).
    last: u8,
    /// Where the run of line-end bytes being read begins to be a row's start: just after
    /// its first byte (at 0 for the start of the file); `None` inside a row.
    run: Option<u64>,
    /// For each run of line-end bytes not passed yet: the offsets where reading a row may
    /// begin (from just after its first byte to its end), and the line after it.
    starts: VecDeque<(u64, u64, u64)>,
}

impl<R> LineStarts<R> {
    fn new(inner: R) -> LineStarts<R> {
        LineStarts {
            inner,
            offset: 0,
            lines: 0,
            last: b'\n',
            run: Some(0),
            starts: VecDeque::new(),
        }
    }

    /// The physical line of the row whose reading began at byte `offset`; `None` when the
    /// offset is not where a row may begin.
    fn line_at(&mut self, offset: u64) -> Option<u64> {
        while self.starts.front().is_some_and(|&(_, end, _)| end < offset) {
            self.starts.pop_front();
        }
        let &(start, _, line) = self.starts.front()?;
        (start <= offset).then_some(line)
    }

    /// Notes the line ends and runs of line-end bytes in `bytes`, the next bytes read.
    fn note(&mut self, bytes: &[u8]) {
        let mut from = 0;
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if i > from {
                self.end_run(self.offset + from as u64);
                self.last = bytes[i - 1];
            }
            let byte = bytes[i];
            self.lines += u64::from(byte == b'\r' || self.last != b'\r');
            self.last = byte;
            self.run.get_or_insert(self.offset + i as u64 + 1);
            from = i + 1;
        }
        if from < bytes.len() {
            self.end_run(self.offset + from as u64);
            self.last = bytes[bytes.len() - 1];
        }
        self.offset += bytes.len() as u64;
    }

    /// A row byte at `offset` ends the run of line-end bytes before it, if any.
    fn end_run(&mut self, offset: u64) {
        if let Some(start) = self.run.take() {
            self.starts.push_back((start, offset, self.lines + 1));
        }
    }
}

impl<R: Read> Read for LineStarts<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
    }
}
