//! Exec stage, readers: CSV and NDJSON files bound with `--data`, parsed against a schema.
//!
//! [`open`] checks that every declared column is present before any row is read; then
//! [`RowReader::next_row`] fills one typed row at a time (or says what is wrong with it).

mod cell;
mod csv_file;
mod marks;
mod memory;
mod ndjson_file;
mod plain_csv;
mod scalar_rows;
mod split;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use cell::{CellColumn, CellParser, parse_date, parse_datetime, parse_decimal};
pub use csv_file::CsvReader;
pub use plain_csv::PlainCsvReader;
pub use scalar_rows::{ROWS_AT_ONCE, ScalarRows};
pub use split::split_csv;

use super::error::RunError;
use super::value::Value;
use crate::check::hir::Field;

/// What is wrong with one data row.
#[derive(Debug, Clone)]
pub struct RowProblem {
    /// Physical line of the row.
    pub line: u64,
    /// The column.
    pub column: String,
    /// The cell's text.
    pub value: String,
    /// What is wrong.
    pub problem: String,
}

/// Reads typed rows from a data file.
pub trait RowReader {
    /// Fills `row` (one value per declared field) with the next row. `Ok(None)` at the end;
    /// `Ok(Some(Err(problem)))` for a row that does not fit the schema.
    fn next_row(&mut self, row: &mut [Value]) -> Result<Option<Result<u64, RowProblem>>, RunError>;

    /// Asks the reader to store only the fields marked `true`; the others are still
    /// checked but left as they are. A reader may ignore this, but only if it also
    /// returns `None` from [`RowReader::cell_text`].
    fn store_only(&mut self, _store: &[bool]) {}

    /// The text of field `i` in the row last read, as written in the file, when the
    /// reader has it (a field it was told not to store is read this way).
    fn cell_text(&self, _i: usize) -> Option<&str> {
        None
    }

    /// How many bytes of the source have been read (for progress reports).
    fn position(&self) -> u64 {
        0
    }
}

/// Where the rows of the entity or an events stream come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A `.csv`, `.ndjson` or `.jsonl` file.
    File(PathBuf),
    /// Rows already typed in declared field order (test records), each with the line of
    /// the source it came from; `label` names them in messages.
    Rows {
        /// What the rows are, for messages (e.g. `tests.seg (records of orders)`).
        label: PathBuf,
        /// The rows.
        rows: Arc<Vec<(u64, Vec<Value>)>>,
    },
}

impl Source {
    /// The size of a file in bytes (0 for rows in memory or an unreadable file).
    pub fn size(&self) -> u64 {
        match self {
            Source::File(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
            Source::Rows { .. } => 0,
        }
    }

    /// The path that names this source in messages.
    pub fn path(&self) -> &Path {
        match self {
            Source::File(path) => path,
            Source::Rows { label, .. } => label,
        }
    }
}

/// Opens a source for the declared fields, checking a file's columns first.
pub fn open(
    source: &Source,
    record: &str,
    fields: &[Field],
) -> Result<Box<dyn RowReader>, RunError> {
    let path = match source {
        Source::File(path) => path,
        Source::Rows { rows, .. } => return Ok(Box::new(memory::MemoryReader::new(rows.clone()))),
    };
    match is_ndjson(path) {
        true => Ok(Box::new(ndjson_file::NdjsonReader::open(
            path, record, fields,
        )?)),
        false => Ok(Box::new(csv_file::CsvReader::open(path, record, fields)?)),
    }
}

/// Whether a data file is NDJSON (`.ndjson` or `.jsonl`, any case); any other is CSV.
pub fn is_ndjson(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ndjson") || e.eq_ignore_ascii_case("jsonl"))
}
