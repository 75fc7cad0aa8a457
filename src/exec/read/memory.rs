//! Exec stage, readers: rows already in memory (the records of a `test` block).

use std::sync::Arc;

use super::{RowProblem, RowReader};
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// Hands out typed rows one by one.
pub struct MemoryReader {
    rows: Arc<Vec<(u64, Vec<Value>)>>,
    next: usize,
}

impl MemoryReader {
    /// A reader over `rows`, from the first.
    pub fn new(rows: Arc<Vec<(u64, Vec<Value>)>>) -> MemoryReader {
        MemoryReader { rows, next: 0 }
    }
}

impl RowReader for MemoryReader {
    fn next_row(&mut self, row: &mut [Value]) -> Result<Option<Result<u64, RowProblem>>, RunError> {
        let Some((line, values)) = self.rows.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        for (slot, value) in row.iter_mut().zip(values) {
            *slot = value.clone();
        }
        Ok(Some(Ok(*line)))
    }
}
