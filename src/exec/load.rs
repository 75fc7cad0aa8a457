//! Exec stage: binding data files and params, and loading the entity file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::column::Column;
use super::error::RunError;
use super::key_index::{Duplicate, KeyHasher, KeyHashes, KeyIndex};
use super::read::{self, PlainCsvReader, RowProblem, RowReader, ScalarRows, Source};
use super::scalar::Scalar;
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
    /// The keys hashed for the index.
    hashes: KeyHashes,
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
    let hasher = KeyHasher::default();
    let (name, fields) = (&hir.entity.name, &hir.entity.fields);
    let in_parts = in_parts(source, name, fields, |reader| {
        let part = read_plain_entity_part(hir, reader, keep, &hasher)?;
        Ok(EntityPart {
            lines_spanned: reader.lines_read(),
            ..part
        })
    });
    let parts = match in_parts {
        Some(parts) => parts,
        None => {
            let mut reader = reader;
            vec![read_entity_part(hir, reader.as_mut(), keep, &hasher)]
        }
    };
    join_entity_parts(hir, source.path(), parts, hasher, rejects)
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

impl EntityPart {
    /// No rows yet.
    fn new(hir: &Hir) -> EntityPart {
        EntityPart {
            columns: entity_columns(hir),
            keys: Vec::new(),
            hashes: KeyHashes::default(),
            lines: Vec::new(),
            problems: Vec::new(),
            read: 0,
            lines_spanned: 0,
        }
    }

    /// Takes the key and line of a good row (its cells go into the columns).
    fn keep_row(&mut self, hasher: &KeyHasher, key: &Value, line: u64) {
        let shared: Arc<str> = match key {
            Value::Str(s) => s.clone(),
            other => Arc::from(other.text()),
        };
        self.hashes.push(hasher, &shared);
        self.keys.push(shared);
        self.lines.push(line);
    }

    /// Takes a good row read as scalars: its `cells` (`text(i)` is field `i`'s text), on
    /// `line`.
    fn keep_scalars<'t>(
        &mut self,
        hir: &Hir,
        hasher: &KeyHasher,
        (cells, text): (&[Scalar], impl Fn(usize) -> &'t str),
        line: u64,
    ) {
        let key = match cells[hir.key_field] {
            Scalar::Text(..) => Value::Str(Arc::from(text(hir.key_field))),
            other => other.plain_value().unwrap_or_default(),
        };
        self.keep_row(hasher, &key, line);
        let mut key = Some(key);
        for (i, (column, &cell)) in self.columns.iter_mut().zip(cells).enumerate() {
            match (key.take_if(|_| i == hir.key_field), cell) {
                (Some(key), _) => column.push(key),
                (None, Scalar::Text(..)) => column.push_scalar(cell, text(i)),
                (None, _) => column.push_scalar(cell, ""),
            }
        }
    }

    /// Keeps a bad row's problem while the part keeps fewer than `keep`.
    fn reject(&mut self, problem: RowProblem, keep: usize) {
        if self.problems.len() < keep {
            self.problems.push(problem);
        }
    }
}

/// Reads the rows of one part into columns, hashing their keys for the index.
fn read_entity_part(
    hir: &Hir,
    reader: &mut dyn RowReader,
    keep: usize,
    hasher: &KeyHasher,
) -> Result<EntityPart, RunError> {
    let mut part = EntityPart::new(hir);
    let mut row = vec![Value::Null; hir.entity.fields.len()];
    while let Some(result) = reader.next_row(&mut row)? {
        part.read += 1;
        match result {
            Ok(line) => {
                part.keep_row(hasher, &row[hir.key_field], line);
                for (column, value) in part.columns.iter_mut().zip(row.iter_mut()) {
                    column.push(std::mem::replace(value, Value::Null));
                }
            }
            Err(problem) => part.reject(problem, keep),
        }
    }
    Ok(part)
}

/// [`read_entity_part`] for a quote-free part of a CSV file: cells are read as
/// [`Scalar`]s, and repeated strings (a city, an enum) are found in their column's
/// dictionary by their text, without a value built for each.
fn read_plain_entity_part(
    hir: &Hir,
    reader: &mut PlainCsvReader,
    keep: usize,
    hasher: &KeyHasher,
) -> Result<EntityPart, RunError> {
    let fields = &hir.entity.fields;
    let mut part = EntityPart::new(hir);
    let wanted = vec![true; fields.len()];
    let mut rows = ScalarRows::default();
    while reader.next_rows(&wanted, &mut rows)? {
        for r in 0..rows.len() {
            part.read += 1;
            let cells = match rows.get(r) {
                Ok(cells) => cells,
                Err(problem) => {
                    part.reject(problem.clone(), keep);
                    continue;
                }
            };
            let text = |i: usize| reader.field_text(&rows, r, i).unwrap_or_default();
            part.keep_scalars(hir, hasher, (cells, text), rows.line(r));
        }
    }
    Ok(part)
}

/// The good rows of the parts of the entity file, in file order, before keys are checked.
#[derive(Default)]
struct EntityRows {
    /// The key of each row.
    keys: Vec<Arc<str>>,
    /// The line of each row in the file.
    lines: Vec<u64>,
    /// Per part: its first row, and its keys hashed.
    hashes: Vec<(u32, KeyHashes)>,
    /// Per part, its columns.
    columns: Vec<Vec<Column>>,
    /// The bad rows the parts kept, at their lines in the file.
    problems: Vec<RowProblem>,
    /// Data rows read.
    read: u64,
}

impl EntityRows {
    /// Adds the rows of a part, which starts after `lines_before` lines of the file.
    fn add(&mut self, part: EntityPart, lines_before: u64) {
        self.hashes.push((self.keys.len() as u32, part.hashes));
        if self.keys.is_empty() && lines_before == 0 {
            // The first part: its rows are taken as they are, not copied.
            self.keys = part.keys;
            self.lines = part.lines;
        } else {
            self.keys.extend(part.keys);
            (self.lines).extend(part.lines.iter().map(|line| line + lines_before));
        }
        self.problems
            .extend(part.problems.into_iter().map(|mut problem| {
                problem.line += lines_before;
                problem
            }));
        self.columns.push(part.columns);
        self.read += part.read;
    }
}

/// Joins the parts in file order: keys indexed (a repeated key is a bad row), bad rows
/// reported at their lines in the file, columns appended. The parts before one that
/// failed are joined (and their bad rows reported) before its error is returned.
fn join_entity_parts(
    hir: &Hir,
    path: &Path,
    parts: Vec<Result<EntityPart, RunError>>,
    hasher: KeyHasher,
    rejects: &mut RejectSink,
) -> Result<EntityTable, RunError> {
    let mut rows = EntityRows::default();
    let mut failure = None;
    let mut lines_before = 0;
    for part in parts {
        match part {
            Ok(part) => {
                let spanned = part.lines_spanned;
                rows.add(part, lines_before);
                lines_before += spanned;
            }
            Err(e) => {
                failure = Some(e.after_lines(lines_before));
                break;
            }
        }
    }
    let (mut index, duplicates) = KeyIndex::build(hasher, &rows.keys, &rows.hashes);
    rows.hashes = Vec::new();
    let mut problems = std::mem::take(&mut rows.problems);
    problems.extend(duplicate_problems(hir, &rows, &duplicates));
    problems.sort_by_key(|problem| problem.line);
    let counts = FileCounts {
        read: rows.read,
        rejects: problems.len() as u64,
        ..FileCounts::default()
    };
    for problem in problems {
        rejects.reject(path, problem)?;
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let kept = kept_rows(rows.keys.len(), &duplicates);
    if !duplicates.is_empty() {
        index.renumber(&entity_numbers(&kept));
        let mut kept_iter = kept.iter();
        rows.keys
            .retain(|_| kept_iter.next().copied().unwrap_or(true));
    }
    let columns = join_columns(hir, rows.columns, &kept);
    let by_key = sorted_by_key(&rows.keys);
    Ok(EntityTable {
        columns,
        keys: rows.keys,
        index,
        by_key,
        counts,
    })
}

/// The bad row of each duplicate key, with the line of the first row with that key.
fn duplicate_problems<'a>(
    hir: &'a Hir,
    rows: &'a EntityRows,
    duplicates: &'a [Duplicate],
) -> impl Iterator<Item = RowProblem> + 'a {
    duplicates.iter().map(|d| {
        let key = &rows.keys[d.row as usize];
        RowProblem {
            line: rows.lines[d.row as usize],
            column: hir.entity.fields[hir.key_field].name.clone(),
            value: key.to_string(),
            problem: format!(
                "duplicate key `{key}` (first on line {})",
                rows.lines[d.first as usize]
            ),
        }
    })
}

/// Whether each of `rows` rows is kept (is not a duplicate).
fn kept_rows(rows: usize, duplicates: &[Duplicate]) -> Vec<bool> {
    let mut kept = vec![true; rows];
    duplicates.iter().for_each(|d| kept[d.row as usize] = false);
    kept
}

/// The entity number of each kept row: how many kept rows come before it.
fn entity_numbers(kept: &[bool]) -> Vec<u32> {
    let mut next = 0;
    kept.iter()
        .map(|&k| {
            let number = next;
            next += u32::from(k);
            number
        })
        .collect()
}

/// Each field's column: the kept rows of the parts' columns, in order (fields on all cores).
fn join_columns(hir: &Hir, parts: Vec<Vec<Column>>, kept: &[bool]) -> Vec<Column> {
    let mut by_field: Vec<Vec<Column>> = entity_columns(hir).into_iter().map(|c| vec![c]).collect();
    for part in parts {
        by_field
            .iter_mut()
            .zip(part)
            .for_each(|(field, column)| field.push(column));
    }
    by_field
        .into_par_iter()
        .map(|columns| {
            let mut columns = columns.into_iter();
            let mut joined = columns.next().unwrap_or_else(Column::untyped);
            let mut start = 0;
            for column in columns {
                let end = start + column.len();
                joined.append(column, &kept[start..end]);
                start = end;
            }
            joined.shrink();
            joined
        })
        .collect()
}

/// Entity numbers sorted by key (byte order).
fn sorted_by_key(keys: &[Arc<str>]) -> Vec<u32> {
    let mut by_key: Vec<u32> = (0..keys.len() as u32).collect();
    by_key.par_sort_unstable_by(|&a, &b| {
        keys[a as usize].as_bytes().cmp(keys[b as usize].as_bytes())
    });
    by_key
}

/// `read` over each part of a CSV file (a small file is one part), on all cores, in file
/// order; `None` for other sources (NDJSON, rows in memory) or when a part met a `"` (a
/// quoted cell may hold a line end, so the parts may be cut wrong): the caller then reads
/// the source with its ordinary reader.
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
