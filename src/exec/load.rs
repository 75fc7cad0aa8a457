//! Exec stage: binding data files and params, loading the entity file, and the stream
//! passes and population functions of each plan level.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use rayon::prelude::*;

use super::accumulate::{Accumulator, PassState};
use super::column::Column;
use super::error::RunError;
use super::eval::{Row, World};
use super::filter::Filter;
use super::key_index::{KeyIndex, Keys};
use super::parallel::concat_batches;
use super::population;
use super::progress::Progress;
use super::read::{self, PlainCsvReader, RowProblem, RowReader, Source};
use super::value::Value;
use super::{FileCounts, RunInput};
use crate::check::hir::{Const, Field, Hir, PopId, TExpr, TExprKind};
use crate::check::suggest::help_for;
use crate::check::types::{Ty, Type};
use crate::plan::{Stage, StreamPass};
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

/// The events files of a run, with their row counts, bad rows and progress.
pub struct Streams<'a> {
    /// Where each stream's rows come from, in program order.
    pub files: Vec<Source>,
    /// Readers opened (and their columns checked) before any work, taken by first passes.
    pub readers: Vec<Option<Box<dyn RowReader>>>,
    /// Row counts per stream, from each stream's first pass.
    pub counts: Vec<FileCounts>,
    /// Where bad rows go.
    pub rejects: RejectSink,
    /// Told about bytes read and stages.
    pub progress: &'a dyn Progress,
}

impl Streams<'_> {
    /// One plan level: materialized `let`s, stream passes, then population functions.
    pub fn run_stage(
        &mut self,
        world: &mut World,
        stage: &Stage,
        index: Keys,
    ) -> Result<(), RunError> {
        let n = index.count();
        for &l in &stage.materialize {
            self.progress
                .stage(&format!("let {} for every entity", world.hir.lets[l].name));
            let column = per_entity(world, &world.program().lets[l].expr, n)?;
            world.lets[l] = Some(Column::from_values(column));
        }
        for pass in &stage.passes {
            let columns = self.pass(world, pass, index)?;
            for (a, column) in pass.aggregates.iter().zip(columns) {
                world.aggregates[*a] = Some(column);
            }
        }
        for group in same_argument(world.hir, &stage.populations) {
            let names: Vec<&str> = group
                .iter()
                .map(|&p| world.hir.populations[p].text.as_str())
                .collect();
            self.progress
                .stage(&format!("population {}", names.join(", ")));
            let values = per_entity(world, &world.program().populations[group[0]].arg, n)?;
            let ranking = population::Ranking::new(&values);
            for p in group {
                let func = world.hir.populations[p].func;
                world.populations[p] = Some(population::compute(func, &ranking));
            }
        }
        Ok(())
    }

    fn pass(
        &mut self,
        world: &World,
        pass: &StreamPass,
        index: Keys,
    ) -> Result<Vec<Column>, RunError> {
        let stream = pass.stream;
        let record = &world.hir.streams[stream].record;
        self.progress.file(&record.name, self.files[stream].size());
        let feeder = Feeder {
            world,
            pass,
            index,
            progress: self.progress,
            done: AtomicU64::new(0),
            keep: self.rejects.capacity(),
        };
        let in_parts = in_parts(
            &self.files[stream],
            &record.name,
            &record.fields,
            |reader| {
                let part = feeder.feed(reader)?;
                Ok(Part {
                    lines: reader.lines_read(),
                    ..part
                })
            },
        );
        let parts = match in_parts {
            Some(parts) => parts,
            None => {
                feeder.done.store(0, AtomicOrdering::Relaxed);
                let mut reader = match self.readers[stream].take() {
                    Some(reader) if pass.first => reader,
                    _ => read::open(&self.files[stream], &record.name, &record.fields)?,
                };
                vec![feeder.feed(reader.as_mut())]
            }
        };
        self.merge(world, pass, parts)
    }

    /// Joins the parts of a stream in file order: counts, bad rows (renumbered to the
    /// file's lines) and accumulators.
    fn merge(
        &mut self,
        world: &World,
        pass: &StreamPass,
        parts: Vec<Result<Part, RunError>>,
    ) -> Result<Vec<Column>, RunError> {
        let path = self.files[pass.stream].path().to_path_buf();
        let mut counts = FileCounts::default();
        let mut lines_before = 0;
        let mut merged: Option<PassState> = None;
        for part in parts {
            let part = part.map_err(|e| e.after_lines(lines_before))?;
            counts.read += part.counts.read;
            counts.after_as_of += part.counts.after_as_of;
            counts.orphans += part.counts.orphans;
            counts.rejects += part.counts.rejects;
            counts.orphans_after_as_of += part.counts.orphans_after_as_of;
            counts.used += part.counts.used;
            if pass.first {
                for mut problem in part.problems {
                    problem.line += lines_before;
                    self.rejects.reject(&path, problem)?;
                }
            }
            lines_before += part.lines;
            merged = Some(match merged {
                None => part.state,
                Some(mut earlier) => {
                    earlier
                        .merge(part.state)
                        .map_err(|(i, o)| o.at(&world.program().aggregates[pass.aggregates[i]]))?;
                    earlier
                }
            });
        }
        if pass.first {
            self.counts[pass.stream] = counts;
        }
        let empty = empty_values(world, pass);
        Ok(match merged {
            Some(state) => state.finish(&empty),
            None => Vec::new(),
        })
    }
}

/// Each aggregate's value for an entity without events.
fn empty_values(world: &World, pass: &StreamPass) -> Vec<Value> {
    let hir = world.program();
    let record = &hir.streams[pass.stream].record;
    pass.aggregates
        .iter()
        .map(|&a| {
            let agg = &hir.aggregates[a];
            Accumulator::empty_value(agg.func, agg.field.map(|f| &record.fields[f].ty.ty))
        })
        .collect()
}

/// `read` over each part of a large CSV file, on all cores, in file order; `None` when the
/// file is not split (small, NDJSON, rows in memory) or a part met a `"` (a quoted cell
/// may hold a line end, so the parts may be cut wrong): the caller then reads the file in
/// one piece.
fn in_parts<T: Send>(
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
const PARTS: u64 = 2;

/// What one part of a stream read left behind.
struct Part {
    /// The accumulators of the pass, over this part's events.
    state: PassState,
    /// Its row counts.
    counts: FileCounts,
    /// Its first bad rows (line numbers counted from the part's start).
    problems: Vec<RowProblem>,
    /// How many lines it spans.
    lines: u64,
}

/// The population functions of a stage grouped by argument (in order of first use).
fn same_argument(hir: &Hir, populations: &[PopId]) -> Vec<Vec<PopId>> {
    let mut groups: Vec<Vec<PopId>> = Vec::new();
    for &p in populations {
        let arg = &hir.populations[p].arg_text;
        match groups
            .iter_mut()
            .find(|g| hir.populations[g[0]].arg_text == *arg)
        {
            Some(group) => group.push(p),
            None => groups.push(vec![p]),
        }
    }
    groups
}

/// Feeds events to the accumulators of one pass.
struct Feeder<'a, 'w> {
    world: &'a World<'w>,
    pass: &'a StreamPass,
    index: Keys<'a>,
    progress: &'a dyn Progress,
    /// Bytes read by all parts, for the progress bar.
    done: AtomicU64,
    /// How many bad rows a part keeps (more would fail the run anyway).
    keep: usize,
}

impl Feeder<'_, '_> {
    /// Reads every row of `reader`, feeding each event that passes a filter to its aggregates.
    fn feed(&self, reader: &mut dyn RowReader) -> Result<Part, RunError> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let mut part = Part {
            state: PassState::new(self.accumulators(), self.index.count()),
            counts: FileCounts::default(),
            problems: Vec::new(),
            lines: 0,
        };
        let filters: Vec<Option<Filter>> = self
            .pass
            .aggregates
            .iter()
            .map(|&a| hir.aggregates[a].filter.as_ref().map(Filter::compile))
            .collect();
        let key_is_text = matches!(s.record.fields[s.key_field].ty.ty, Ty::String);
        reader.store_only(&self.stored_fields(key_is_text));
        let mut row = Row::new(hir, usize::MAX);
        row.event = vec![Value::Null; s.record.fields.len()];
        let mut key_text = String::new();
        let mut last: (String, Option<usize>) = (String::new(), None);
        let mut reported = 0;
        while let Some(result) = reader.next_row(&mut row.event)? {
            part.counts.read += 1;
            if part.counts.read.is_multiple_of(PROGRESS_EVERY) {
                reported = self.report(reader.position(), reported);
            }
            if let Err(problem) = result {
                part.counts.rejects += 1;
                if part.problems.len() < self.keep {
                    part.problems.push(problem);
                }
                continue;
            }
            let time = s.time_field.map(|t| &row.event[t]);
            let after_as_of = time
                .and_then(Value::as_date)
                .is_some_and(|d| d > self.world.as_of);
            let time = time.and_then(Value::as_datetime);
            let entity = match reader.cell_text(s.key_field) {
                // Events are often grouped by entity, and in the entity file's order:
                // the key of the row before, then the entity after it, are tried first.
                Some(text) if key_is_text && text == last.0 => last.1,
                Some(text) if key_is_text => {
                    last.0.clear();
                    last.0.push_str(text);
                    let next = last.1.map_or(0, |e| e + 1);
                    last.1 = match self.index.keys.get(next) {
                        Some(key) if **key == *text => Some(next),
                        _ => self.index.find(text),
                    };
                    last.1
                }
                _ => lookup(&row.event[s.key_field], self.index, &mut key_text),
            };
            if after_as_of {
                part.counts.after_as_of += 1;
            }
            let Some(entity) = entity else {
                part.counts.orphans += 1;
                part.counts.orphans_after_as_of += u64::from(after_as_of);
                continue;
            };
            if after_as_of {
                continue;
            }
            part.counts.used += 1;
            if row.entity != entity {
                row.reset(entity);
            }
            let slot = part.state.slot(entity);
            let aggregates = part
                .state
                .accumulators
                .iter_mut()
                .zip(&self.pass.aggregates);
            for ((acc, &a), filter) in aggregates.zip(&filters) {
                if let Some(filter) = filter
                    && !filter.holds(self.world, &mut row)?
                {
                    continue;
                }
                let agg = &hir.aggregates[a];
                let value = agg.field.map_or(&Value::Null, |f| &row.event[f]);
                acc.add(slot, value, time).map_err(|o| o.at(agg))?;
            }
        }
        self.report(reader.position(), reported);
        Ok(part)
    }

    /// Which event fields the pass reads as values: the time, the aggregated fields and
    /// the fields that filters read; the key too, unless it is looked up by its text.
    fn stored_fields(&self, key_is_text: bool) -> Vec<bool> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let mut store = vec![false; s.record.fields.len()];
        store[s.key_field] = !key_is_text;
        s.time_field.iter().for_each(|&t| store[t] = true);
        for &a in &self.pass.aggregates {
            let agg = &hir.aggregates[a];
            agg.field.iter().for_each(|&f| store[f] = true);
            let mut stack: Vec<&TExpr> = agg.filter.iter().collect();
            while let Some(e) = stack.pop() {
                if let TExprKind::EventField(f) = e.kind {
                    store[f] = true;
                }
                stack.extend(e.children());
            }
        }
        store
    }

    fn accumulators(&self) -> Vec<Accumulator> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        self.pass
            .aggregates
            .iter()
            .map(|&a| {
                let agg = &hir.aggregates[a];
                Accumulator::new(agg.func, agg.field.map(|f| &s.record.fields[f].ty.ty))
            })
            .collect()
    }

    /// Adds what this part read since its last report to the shared total.
    fn report(&self, position: u64, reported: u64) -> u64 {
        let delta = position.saturating_sub(reported);
        let total = self.done.fetch_add(delta, AtomicOrdering::Relaxed) + delta;
        self.progress.read(total);
        position
    }
}

/// How many rows pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// An expression's value for every entity.
fn per_entity(world: &World, expr: &TExpr, n: usize) -> Result<Vec<Value>, RunError> {
    concat_batches(world, n, |batch| Ok(batch.eval(expr, &batch.all())?))
}

/// The entity index of an event's key.
fn lookup(key: &Value, index: Keys, buffer: &mut String) -> Option<usize> {
    match key {
        Value::Str(s) => index.find(s),
        other => {
            buffer.clear();
            other.write_text(buffer);
            index.find(buffer)
        }
    }
}
