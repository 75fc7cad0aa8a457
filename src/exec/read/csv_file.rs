//! Exec stage, readers: RFC 4180 CSV with a header row (the `csv` crate).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::cell::CellParser;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// A CSV file (or a byte range of one) read row by row.
pub struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    /// For each declared field: its column index and parser.
    columns: Vec<(usize, CellParser)>,
    /// For each declared field: whether its value is stored in the row (or only checked).
    store: Vec<bool>,
    /// Added to the reader's line numbers (the lines before a range).
    first_line: u64,
}

impl CsvReader {
    /// Opens the file and matches its header against the declared fields.
    pub fn open(path: &Path, record: &str, fields: &[Field]) -> Result<CsvReader, RunError> {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        let mut reader = builder(true).from_reader(boxed(file));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e, 0))?
            .clone();
        let columns = match_columns(path, record, fields, &header)?;
        Ok(CsvReader {
            path: path.to_path_buf(),
            reader,
            record: csv::ByteRecord::new(),
            store: vec![true; columns.len()],
            columns,
            first_line: 0,
        })
    }

    /// Reads the rows in `range` of the file (which starts at 0, with the header, or at a
    /// line start after it); line numbers are counted from `lines_before` + 1.
    pub fn open_range(
        path: &Path,
        record: &str,
        fields: &[Field],
        range: Range<u64>,
        lines_before: u64,
    ) -> Result<CsvReader, RunError> {
        let header = CsvReader::open(path, record, fields)?;
        let mut file = File::open(path).map_err(|e| io_error(path, &e))?;
        file.seek(SeekFrom::Start(range.start))
            .map_err(|e| io_error(path, &e))?;
        let reader =
            builder(range.start == 0).from_reader(boxed(file.take(range.end - range.start)));
        Ok(CsvReader {
            reader,
            first_line: lines_before,
            ..header
        })
    }

    /// How many lines the reader has gone through (at the end: all the lines it read).
    pub fn lines_read(&self) -> u64 {
        self.reader.position().line().saturating_sub(1)
    }
}

fn builder(has_headers: bool) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder.has_headers(has_headers).flexible(false);
    builder
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
            .map_err(|e| csv_error(&self.path, &e, self.first_line))?;
        if !more {
            return Ok(None);
        }
        let line = self.first_line + self.record.position().map_or(0, |p| p.line());
        let cells = self.columns.iter_mut().zip(&self.store).zip(row.iter_mut());
        for (((i, parser), &store), slot) in cells {
            let bytes = self.record.get(*i).unwrap_or_default();
            let parsed = match std::str::from_utf8(bytes) {
                Ok(text) if store => parser.parse(text).map(|v| *slot = v),
                Ok(text) => parser.check(text),
                Err(_) => Err("the cell is not valid UTF-8".to_string()),
            };
            if let Err(problem) = parsed {
                let value = String::from_utf8_lossy(bytes).into_owned();
                return Ok(Some(Err(RowProblem {
                    line,
                    column: parser.name.clone(),
                    value,
                    problem,
                })));
            }
        }
        Ok(Some(Ok(line)))
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> RunError {
    RunError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn csv_error(path: &Path, e: &csv::Error, lines_before: u64) -> RunError {
    let line = lines_before + e.position().map_or(0, |p| p.line());
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} cells, but the header has {expected_len}")
        }
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    RunError::BadFile {
        path: path.to_path_buf(),
        line,
        problem,
    }
}
