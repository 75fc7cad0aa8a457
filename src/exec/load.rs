//! Exec stage: binding data files and params, and loading the entity file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::column::Column;
use super::error::RunError;
use super::key_index::KeyIndex;
use super::read::{self, PlainCsvReader, RowProblem, RowReader, Source};
use super::value::Value;
use super::{FileCounts, RunInput};
use crate::check::hir::{Const, Field, Hir};
use crate::check::suggest::help_for;
use crate::check::types::{Ty, Type};
use crate::syntax::ast::Literal;

/// A row sent to rejects.csv.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The file it came from.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: RowProblem,
}

/// Collects bad rows up to `--max-rejects`; past that (or without it) a bad row is an error.
pub struct RejectSink {
    max: Option<u64>,
    rows: Vec<Rejected>,
}

impl RejectSink {
    /// A sink that takes up to `max` rows.
    pub fn new(max: Option<u64>) -> RejectSink {
        RejectSink {
            max,
            rows: Vec::new(),
        }
    }

    /// Takes a bad row, or turns it into the error that stops the run.
    pub fn reject(&mut self, path: &Path, problem: RowProblem) -> Result<(), RunError> {
        if self.max.is_some_and(|max| (self.rows.len() as u64) < max) {
            self.rows.push(Rejected {
                path: path.to_path_buf(),
                problem,
            });
            return Ok(());
        }
        let RowProblem {
            line,
            column,
            value,
            problem,
        } = problem;
        let problem = if value.is_empty() || problem.contains(&value) {
            problem
        } else {
            format!("{problem} (value `{value}`)")
        };
        Err(RunError::BadRow {
            path: path.to_path_buf(),
            line,
            column,
            problem,
        })
    }

    /// How many bad rows it can still be offered before one of them stops the run.
    pub fn capacity(&self) -> usize {
        self.max.map_or(1, |max| {
            max.saturating_sub(self.rows.len() as u64) as usize + 1
        })
    }

    /// The rows taken.
    pub fn into_rows(self) -> Vec<Rejected> {
        self.rows
    }
}

/// The file of the entity (index 0) and of each stream, in program order.
pub fn bind_files(hir: &Hir, input: &RunInput) -> Result<Vec<Source>, RunError> {
    let data = &input.data;
    let names: Vec<&str> = std::iter::once(hir.entity.name.as_str())
        .chain(hir.streams.iter().map(|s| s.record.name.as_str()))
        .collect();
    for (name, _) in data {
        if !names.contains(&name.as_str()) {
            let help = help_for(name, "entity or events name", names.iter().copied());
            return Err(RunError::UnknownData {
                name: name.clone(),
                help,
            });
        }
    }
    names
        .iter()
        .map(|name| {
            input
                .source(name)
                .cloned()
                .ok_or_else(|| RunError::MissingData {
                    name: name.to_string(),
                })
        })
        .collect()
}

/// Parameter values: defaults, overridden by `--param K=V`.
pub fn bind_params(hir: &Hir, overrides: &[(String, String)]) -> Result<Vec<Value>, RunError> {
    let mut values: Vec<Value> = hir.params.iter().map(|p| Value::from(&p.default)).collect();
    for (name, text) in overrides {
        let Some(i) = hir.params.iter().position(|p| p.name == *name) else {
            let help = help_for(name, "param", hir.params.iter().map(|p| p.name.as_str()));
            return Err(RunError::BadParam {
                message: format!("unknown param `{name}`"),
                help,
            });
        };
        let ty = &hir.params[i].ty;
        values[i] = param_value(text, ty).map_err(|expected| RunError::BadParam {
            message: format!("`--param {name}={text}`: expected {expected}"),
            help: format!("`{name}` is declared as {ty}"),
        })?;
    }
    Ok(values)
}

/// A `--param` value: a literal of the param's type; a string is given bare.
fn param_value(text: &str, ty: &Type) -> Result<Value, String> {
    let literal = match &ty.ty {
        _ if text == "null" && ty.nullable => Literal::Null,
        Ty::String | Ty::Enum(_) => Literal::String(text.to_string()),
        Ty::Int => text
            .parse()
            .map(Literal::Int)
            .map_err(|_| "an integer".to_string())?,
        Ty::Decimal | Ty::Float => match text.strip_suffix('%') {
            Some(p) => Literal::Percent(read::parse_decimal(p)?),
            None if text.contains('.') => Literal::Decimal(read::parse_decimal(text)?),
            None => text
                .parse()
                .map(Literal::Int)
                .map_err(|_| "a number".to_string())?,
        },
        Ty::Bool => match text {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            _ => return Err("`true` or `false`".into()),
        },
        Ty::Date => Literal::Date(read::parse_date(text)?),
        Ty::DateTime => Literal::DateTime(read::parse_datetime(text)?),
        Ty::Duration | Ty::Null | Ty::Error => return Err("a literal".into()),
    };
    crate::check::literal_to_const(&literal, ty).map(|c: Const| Value::from(&c))
}

/// Opens every bound file (checking columns) before any row is read.
pub fn open_all(hir: &Hir, files: &[Source]) -> Result<Vec<Box<dyn RowReader>>, RunError> {
    let mut readers = vec![read::open(&files[0], &hir.entity.name, &hir.entity.fields)?];
    for (stream, path) in hir.streams.iter().zip(&files[1..]) {
        readers.push(read::open(
            path,
            &stream.record.name,
            &stream.record.fields,
        )?);
    }
    Ok(readers)
}

/// The entity file in columns, with its keys.
pub struct EntityTable {
    /// One column per declared field.
    pub columns: Vec<Column>,
    /// Key text by entity index.
    pub keys: Vec<Arc<str>>,
    /// Entity number by key text.
    pub index: KeyIndex,
    /// Entity indices sorted by key (byte order).
    pub by_key: Vec<u32>,
    /// Row counts.
    pub counts: FileCounts,
}

/// The rows of one part of the entity file, before keys are checked.
struct EntityPart {
    /// One column per declared field, one row per good row.
    columns: Vec<Column>,
    /// The key of each good row.
    keys: Vec<Arc<str>>,
    /// The line of each good row (counted from the part's start).
    lines: Vec<u64>,
    /// Its first bad rows, in line order.
    problems: Vec<RowProblem>,
    /// Data rows read.
    read: u64,
    /// How many lines it spans (when it is one of several parts).
    lines_spanned: u64,
}

/// Loads the entity file (a large CSV file in parallel parts); a duplicate key is a bad
/// row, reported at its line with the line of the first.
pub fn load_entity(
    hir: &Hir,
    source: &Source,
    reader: Box<dyn RowReader>,
    rejects: &mut RejectSink,
) -> Result<EntityTable, RunError> {
    let keep = rejects.capacity();
    let (name, fields) = (&hir.entity.name, &hir.entity.fields);
    let in_parts = in_parts(source, name, fields, |reader| {
        let part = read_entity_part(hir, reader, keep)?;
        Ok(EntityPart {
            lines_spanned: reader.lines_read(),
            ..part
        })
    });
    let parts = match in_parts {
        Some(parts) => parts,
        None => {
            let mut reader = reader;
            vec![read_entity_part(hir, reader.as_mut(), keep)]
        }
    };
    join_entity_parts(hir, source.path(), parts, rejects)
}

/// An empty column per entity field. A text key is unique, so its column stores each
/// row's string (a dictionary would only fill up and be converted).
fn entity_columns(hir: &Hir) -> Vec<Column> {
    let fields = &hir.entity.fields;
    let text_key = matches!(fields[hir.key_field].ty.ty, Ty::String);
    (0..fields.len())
        .map(|i| {
            if i == hir.key_field && text_key {
                Column::strings()
            } else {
                Column::for_type(&fields[i].ty.ty)
            }
        })
        .collect()
}

/// Reads the rows of one part into columns.
fn read_entity_part(
    hir: &Hir,
    reader: &mut dyn RowReader,
    keep: usize,
) -> Result<EntityPart, RunError> {
    let fields = &hir.entity.fields;
    let mut part = EntityPart {
        columns: entity_columns(hir),
        keys: Vec::new(),
        lines: Vec::new(),
        problems: Vec::new(),
        read: 0,
        lines_spanned: 0,
    };
    let mut row = vec![Value::Null; fields.len()];
    while let Some(result) = reader.next_row(&mut row)? {
        part.read += 1;
        match result {
            Ok(line) => {
                part.keys.push(match &row[hir.key_field] {
                    Value::Str(s) => s.clone(),
                    other => Arc::from(other.text()),
                });
                part.lines.push(line);
                for (column, value) in part.columns.iter_mut().zip(row.iter_mut()) {
                    column.push(std::mem::replace(value, Value::Null));
                }
            }
            Err(problem) if part.problems.len() < keep => part.problems.push(problem),
            Err(_) => {}
        }
    }
    Ok(part)
}

/// Joins the parts in file order: keys indexed (a repeated key is a bad row), bad rows
/// renumbered to the file's lines, columns appended.
fn join_entity_parts(
    hir: &Hir,
    path: &Path,
    parts: Vec<Result<EntityPart, RunError>>,
    rejects: &mut RejectSink,
) -> Result<EntityTable, RunError> {
    let fields = &hir.entity.fields;
    let mut table = EntityTable {
        columns: entity_columns(hir),
        keys: Vec::new(),
        index: KeyIndex::default(),
        by_key: Vec::new(),
        counts: FileCounts::default(),
    };
    let mut first_line: Vec<u64> = Vec::new();
    let mut lines_before = 0;
    for part in parts {
        let part = part.map_err(|e| e.after_lines(lines_before))?;
        table.counts.read += part.read;
        table.index.reserve(&table.keys, part.keys.len());
        let mut problems = part.problems.into_iter().peekable();
        let mut kept = Vec::with_capacity(part.keys.len());
        for (key, line) in part.keys.into_iter().zip(part.lines) {
            let line = line + lines_before;
            while let Some(mut problem) = problems.next_if(|p| p.line + lines_before < line) {
                problem.line += lines_before;
                table.counts.rejects += 1;
                rejects.reject(path, problem)?;
            }
            table.keys.push(key);
            if let Err(e) = table.index.insert(&table.keys, table.keys.len() as u32 - 1) {
                let key = table.keys.pop().unwrap_or_default();
                table.counts.rejects += 1;
                let problem = RowProblem {
                    line,
                    column: fields[hir.key_field].name.clone(),
                    value: key.to_string(),
                    problem: format!(
                        "duplicate key `{key}` (first on line {})",
                        first_line[e as usize]
                    ),
                };
                rejects.reject(path, problem)?;
                kept.push(false);
                continue;
            }
            first_line.push(line);
            kept.push(true);
        }
        for mut problem in problems {
            problem.line += lines_before;
            table.counts.rejects += 1;
            rejects.reject(path, problem)?;
        }
        for (column, part_column) in table.columns.iter_mut().zip(part.columns) {
            column.append(part_column, &kept);
        }
        lines_before += part.lines_spanned;
    }
    table.columns.iter_mut().for_each(Column::shrink);
    let mut by_key: Vec<u32> = (0..table.keys.len() as u32).collect();
    by_key.par_sort_unstable_by(|&a, &b| {
        table.keys[a as usize]
            .as_bytes()
            .cmp(table.keys[b as usize].as_bytes())
    });
    table.by_key = by_key;
    Ok(table)
}

/// `read` over each part of a large CSV file, on all cores, in file order; `None` when the
/// file is not split (small, NDJSON, rows in memory) or a part met a `"` (a quoted cell
/// may hold a line end, so the parts may be cut wrong): the caller then reads the file in
/// one piece.
pub(super) fn in_parts<T: Send>(
    source: &Source,
    record: &str,
    fields: &[Field],
    read: impl Fn(&mut PlainCsvReader) -> Result<T, RunError> + Sync,
) -> Option<Vec<Result<T, RunError>>> {
    let path = match source {
        Source::File(path) if !read::is_ndjson(path) => path,
        _ => return None,
    };
    let parts: Vec<(Result<T, RunError>, bool)> = read::split_csv(path, PARTS)?
        .par_iter()
        .map(
            |range| match PlainCsvReader::open_range(path, record, fields, range.clone(), 0) {
                Ok(mut reader) => (read(&mut reader), reader.found_quote()),
                Err(e) => (Err(e), false),
            },
        )
        .collect();
    let quoted = parts.iter().any(|(_, quoted)| *quoted);
    (!quoted).then(|| parts.into_iter().map(|(part, _)| part).collect())
}

/// How many parts a large CSV events file is read in, in parallel. Fixed, so that results
/// never depend on the number of threads.
pub(super) const PARTS: u64 = 2;
