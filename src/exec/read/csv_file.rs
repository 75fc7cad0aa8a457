//! Exec stage, readers: RFC 4180 CSV with a header row (the `csv` crate).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::cell::CellParser;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// A CSV file read row by row.
pub struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    /// For each declared field: its column index and parser.
    columns: Vec<(usize, CellParser)>,
}

impl CsvReader {
    /// Opens the file and matches its header against the declared fields.
    pub fn open(path: &Path, record: &str, fields: &[Field]) -> Result<CsvReader, RunError> {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .clone();
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
        Ok(CsvReader {
            path: path.to_path_buf(),
            reader,
            record: csv::ByteRecord::new(),
            columns,
        })
    }
}

impl RowReader for CsvReader {
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
        for ((i, parser), slot) in self.columns.iter_mut().zip(row.iter_mut()) {
            let bytes = self.record.get(*i).unwrap_or_default();
            let parsed = match std::str::from_utf8(bytes) {
                Ok(text) => parser.parse(text),
                Err(_) => Err("the cell is not valid UTF-8".to_string()),
            };
            match parsed {
                Ok(v) => *slot = v,
                Err(problem) => {
                    let value = String::from_utf8_lossy(bytes).into_owned();
                    return Ok(Some(Err(RowProblem {
                        line,
                        column: parser.name.clone(),
                        value,
                        problem,
                    })));
                }
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

fn csv_error(path: &Path, e: &csv::Error) -> RunError {
    let line = e.position().map_or(0, |p| p.line());
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
