//! Exec stage, readers: NDJSON (one JSON object per line). Keys are field names; a string
//! is parsed like a CSV cell, a number by its text, `null` is null.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::cell::CellParser;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// An NDJSON file read line by line.
pub struct NdjsonReader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<File>>,
    line: u64,
    parsers: Vec<CellParser>,
    /// The first record, read ahead to check the keys before any work.
    first: Option<(u64, String)>,
    /// Bytes read so far (line ends counted as one byte each).
    bytes: u64,
}

impl NdjsonReader {
    /// Opens the file and checks the first record's keys against the declared fields.
    pub fn open(path: &Path, record: &str, fields: &[Field]) -> Result<NdjsonReader, RunError> {
        let file = File::open(path).map_err(|e| RunError::Io {
            action: "read",
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut reader = NdjsonReader {
            path: path.to_path_buf(),
            lines: BufReader::with_capacity(1 << 20, file).lines(),
            line: 0,
            parsers: fields.iter().map(CellParser::new).collect(),
            first: None,
            bytes: 0,
        };
        reader.first = reader.next_nonempty_line()?;
        if let Some((line, text)) = &reader.first {
            let object = reader.object(*line, text)?;
            if let Some(missing) = fields.iter().find(|f| !object.contains_key(&f.name)) {
                let found: Vec<&str> = object.keys().map(String::as_str).collect();
                return Err(RunError::MissingColumn {
                    path: path.to_path_buf(),
                    record: record.into(),
                    column: missing.name.clone(),
                    found: found.join(", "),
                });
            }
        }
        Ok(reader)
    }

    fn next_nonempty_line(&mut self) -> Result<Option<(u64, String)>, RunError> {
        for text in self.lines.by_ref() {
            self.line += 1;
            let text = text.map_err(|e| RunError::BadFile {
                path: self.path.clone(),
                line: self.line,
                problem: e.to_string(),
            })?;
            self.bytes += text.len() as u64 + 1;
            let text = if self.line == 1 {
                text.trim_start_matches('\u{feff}').to_string()
            } else {
                text
            };
            if !text.trim().is_empty() {
                return Ok(Some((self.line, text)));
            }
        }
        Ok(None)
    }

    fn object(&self, line: u64, text: &str) -> Result<serde_json::Map<String, Json>, RunError> {
        match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(map)) => Ok(map),
            Ok(_) => Err(RunError::BadFile {
                path: self.path.clone(),
                line,
                problem: "the line is not a JSON object".into(),
            }),
            Err(e) => Err(RunError::BadFile {
                path: self.path.clone(),
                line,
                problem: format!("invalid JSON: {e}"),
            }),
        }
    }
}

impl RowReader for NdjsonReader {
    fn position(&self) -> u64 {
        self.bytes
    }

    fn next_row(&mut self, row: &mut [Value]) -> Result<Option<Result<u64, RowProblem>>, RunError> {
        let next = match self.first.take() {
            Some(first) => Some(first),
            None => self.next_nonempty_line()?,
        };
        let Some((line, text)) = next else {
            return Ok(None);
        };
        let object = self.object(line, &text)?;
        for (parser, slot) in self.parsers.iter_mut().zip(row.iter_mut()) {
            let column = parser.name.clone();
            let problem = |value: String, problem: String| RowProblem {
                line,
                column: column.clone(),
                value,
                problem,
            };
            let parsed = match object.get(&parser.name) {
                None => Err(problem(
                    String::new(),
                    "the key is absent from this record".into(),
                )),
                Some(Json::Null) => parser.parse("").map_err(|p| problem("null".into(), p)),
                Some(Json::String(s)) if s.is_empty() => Err(problem(
                    String::new(),
                    "an empty string; write null for no value".into(),
                )),
                Some(Json::String(s)) => parser.parse(s).map_err(|p| problem(s.clone(), p)),
                Some(Json::Number(n)) => parser
                    .parse(&n.to_string())
                    .map_err(|p| problem(n.to_string(), p)),
                Some(Json::Bool(b)) => parser
                    .parse(if *b { "true" } else { "false" })
                    .map_err(|p| problem(b.to_string(), p)),
                Some(other) => Err(problem(
                    other.to_string(),
                    "a JSON array or object is no field value".into(),
                )),
            };
            match parsed {
                Ok(v) => *slot = v,
                Err(p) => return Ok(Some(Err(p))),
            }
        }
        Ok(Some(Ok(line)))
    }
}
