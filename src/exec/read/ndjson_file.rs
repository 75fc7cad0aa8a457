//! Exec stage, readers: NDJSON (one JSON object per line). Keys are field names; a string
//! is parsed like a CSV cell, a number by its text, `null` is null.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;

use super::cell::CellParser;
use super::csv_file::escape_invalid_utf8;
use super::{RowProblem, RowReader};
use crate::check::hir::Field;
use crate::exec::error::RunError;
use crate::exec::value::Value;

/// An NDJSON file read line by line.
pub struct NdjsonReader {
    path: PathBuf,
    reader: BufReader<File>,
    /// The bytes of the line last read.
    buffer: Vec<u8>,
    line: u64,
    parsers: Vec<CellParser>,
    /// The first record, read ahead to check the keys before any work.
    first: Option<(u64, String)>,
    /// Bytes read so far.
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
            reader: BufReader::with_capacity(1 << 20, file),
            buffer: Vec::new(),
            line: 0,
            parsers: fields.iter().map(CellParser::new).collect(),
            first: None,
            bytes: 0,
        };
        reader.first = reader.next_nonempty_line()?;
        if let Some((line, text)) = &reader.first {
            let members = reader.members(*line, text)?;
            let has = |name: &str| members.iter().any(|(key, _)| key == name);
            if let Some(missing) = fields.iter().find(|f| !has(&f.name)) {
                let found: Vec<&str> = members.iter().map(|(key, _)| key.as_str()).collect();
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

    fn bad_file(&self, line: u64, problem: String) -> RunError {
        RunError::BadFile {
            path: self.path.clone(),
            line,
            problem,
        }
    }

    /// The next line that is not blank, without its line end (and, on line 1, without a
    /// byte-order mark); a line that is not UTF-8 is an error.
    fn next_nonempty_line(&mut self) -> Result<Option<(u64, String)>, RunError> {
        loop {
            self.buffer.clear();
            let read = self.reader.read_until(b'\n', &mut self.buffer);
            let n = read.map_err(|e| self.bad_file(self.line + 1, e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            self.bytes += n as u64;
            let mut bytes = self.buffer.as_slice();
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if self.line == 1 {
                bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let valid = &bytes[..e.valid_up_to()];
                    let column = String::from_utf8_lossy(valid).chars().count() + 1;
                    let wrong = &bytes[e.valid_up_to()..][..e.error_len().unwrap_or(1)];
                    let problem = format!(
                        "the line is not valid UTF-8: `{}` at column {column} (JSON text is UTF-8)",
                        escape_invalid_utf8(wrong)
                    );
                    return Err(self.bad_file(self.line, problem));
                }
            };
            if !text.trim().is_empty() {
                return Ok(Some((self.line, text.to_string())));
            }
        }
    }

    /// The members of the JSON object on `line`, in order, repeated keys kept.
    fn members(&self, line: u64, text: &str) -> Result<Vec<(String, Json)>, RunError> {
        match serde_json::from_str::<Members>(text) {
            Ok(Members(members)) => Ok(members),
            Err(e) => Err(self.bad_file(line, json_problem(text, &e))),
        }
    }
}

/// What is wrong with a line that is not one JSON object, and where (serde_json counts
/// lines and byte columns within the text it was given, which is the one line).
fn json_problem(text: &str, e: &serde_json::Error) -> String {
    if e.is_data() {
        return "the line is not a JSON object (NDJSON has one object per line)".into();
    }
    if e.is_eof() {
        return "the JSON object does not end on this line (NDJSON has one object per line)".into();
    }
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&position).unwrap_or(&message);
    let byte = e.column().saturating_sub(1);
    let column = text.char_indices().take_while(|(i, _)| *i < byte).count() + 1;
    format!("invalid JSON at column {column}: {message}")
}

/// The members of a JSON object in order, a repeated key kept each time (a
/// `serde_json::Map` keeps only the last value, silently).
struct Members(Vec<(String, Json)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Members, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Json>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visit)
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
        let members = self.members(line, &text)?;
        for (parser, slot) in self.parsers.iter_mut().zip(row.iter_mut()) {
            let mut values = members.iter().filter(|(key, _)| *key == parser.name);
            let (value, repeated) = (values.next().map(|(_, v)| v), values.next());
            match parse_member(parser, value, repeated.map(|(_, v)| v)) {
                Ok(v) => *slot = v,
                Err((value, problem)) => {
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

/// The value of a field from its member of the record (and a second member with the same
/// key, which is an error); or the value's text and what is wrong.
fn parse_member(
    parser: &mut CellParser,
    value: Option<&Json>,
    repeated: Option<&Json>,
) -> Result<Value, (String, String)> {
    if let Some(again) = repeated {
        let problem = "the key appears more than once in this record".to_string();
        return Err((again.to_string(), problem));
    }
    let with_text = |text: String| move |problem: String| (text, problem);
    match value {
        None => Err((String::new(), "the key is absent from this record".into())),
        Some(Json::Null) => parser.parse("").map_err(with_text("null".into())),
        Some(Json::String(s)) if s.is_empty() => match parser.parse("") {
            Err(problem) => Err((String::new(), problem)),
            Ok(_) => Err((
                String::new(),
                "an empty string; write null for no value".into(),
            )),
        },
        Some(Json::String(s)) => parser.parse(s).map_err(with_text(s.clone())),
        Some(Json::Number(n)) => {
            let text = n.to_string();
            if parser.is_text() && text.contains('e') {
                let problem = "a JSON number with an exponent is no text value (its digits \
                               are not kept as written); write it as a JSON string"
                    .to_string();
                return Err((text, problem));
            }
            parser.parse(&text).map_err(with_text(text))
        }
        Some(Json::Bool(b)) => {
            let text = if *b { "true" } else { "false" };
            parser.parse(text).map_err(with_text(text.into()))
        }
        Some(other) => Err((
            other.to_string(),
            "a JSON array or object is no field value".into(),
        )),
    }
}
