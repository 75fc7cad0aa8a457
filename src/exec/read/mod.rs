//! Exec stage, readers: CSV and NDJSON files bound with `--data`, parsed against a schema.
//!
//! [`open`] checks that every declared column is present before any row is read; then
//! [`RowReader::next_row`] fills one typed row at a time (or says what is wrong with it).

mod cell;
mod csv_file;
mod ndjson_file;

use std::path::Path;

pub use cell::{parse_date, parse_datetime, parse_decimal};

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
}

/// Opens a data file for the declared fields, checking its columns first.
pub fn open(path: &Path, record: &str, fields: &[Field]) -> Result<Box<dyn RowReader>, RunError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "ndjson" | "jsonl" => Ok(Box::new(ndjson_file::NdjsonReader::open(
            path, record, fields,
        )?)),
        _ => Ok(Box::new(csv_file::CsvReader::open(path, record, fields)?)),
    }
}
