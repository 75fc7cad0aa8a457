//! Exec stage, readers: RFC 4180 CSV with a header row (the `csv` crate). Large files
//! without quotes are read in parts by [`super::plain_csv::PlainCsvReader`] instead.

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
    reader: csv::Reader<Box<dyn Read + Send>>,
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
            .from_reader(boxed(file));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .clone();
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
        self.reader.position().line().saturating_sub(1)
    }

    /// For each declared field, its column and parser; and how many cells the header has
    /// (every row must have as many).
    pub(super) fn into_columns(mut self) -> Result<(Vec<(usize, CellParser)>, usize), RunError> {
        let header_cells = self
            .reader
            .byte_headers()
            .map_err(|e| csv_error(&self.path, &e))?
            .len();
        Ok((self.columns, header_cells))
    }
}

fn boxed(read: impl Read + Send + 'static) -> Box<dyn Read + Send> {
    Box::new(BufReader::with_capacity(1 << 20, read))
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
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(&self.path, &e))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
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
            Ok(text) => parser.check(text),
            Err(_) => Err("the cell is not valid UTF-8".to_string()),
        };
        if let Err(problem) = parsed {
            return Err(RowProblem {
                line,
                column: parser.name.clone(),
                value: text
                    .map_or_else(|b| String::from_utf8_lossy(b).into_owned(), str::to_string),
                problem,
            });
        }
    }
    Ok(())
}

/// A file that cannot be read.
pub(super) fn io_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> RunError {
    let line = e.position().map_or(0, |p| p.line());
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
