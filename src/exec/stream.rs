//! Exec stage: the stream passes and population functions of each plan level.

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::FileCounts;
use super::accumulate::{Accumulator, PassState};
use super::column::Column;
use super::error::RunError;
use super::eval::{PopValue, Row, World};
use super::filter::Filter;
use super::key_index::Keys;
use super::load::{RejectSink, in_parts};
use super::parallel::concat_batches;
use super::population;
use super::progress::Progress;
use super::read::{self, CellParser, PlainCsvReader, RowProblem, RowReader, Source};
use super::scalar::Scalar;
use super::value::Value;
use crate::check::hir::{Hir, PopId, TExpr, TExprKind};
use crate::check::types::Ty;
use crate::plan::{Stage, StreamPass};

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
        let groups = same_argument(world.hir, &stage.populations);
        if !groups.is_empty() {
            let names: Vec<&str> = (groups.iter().flatten())
                .map(|&p| world.hir.populations[p].text.as_str())
                .collect();
            self.progress
                .stage(&format!("population {}", names.join(", ")));
        }
        // The groups are independent: each is ranked on its own task.
        let world_now = &*world;
        let computed: Vec<Result<Vec<(PopId, PopValue)>, RunError>> = groups
            .par_iter()
            .map(|group| population_group(world_now, group, n))
            .collect();
        for group in computed {
            for (p, value) in group? {
                world.populations[p] = Some(value);
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
        let typed = feeder.typed_plan();
        let in_parts = in_parts(
            &self.files[stream],
            &record.name,
            &record.fields,
            |reader| {
                let part = match &typed {
                    Some(plan) => feeder.feed_scalars(reader, plan)?,
                    None => feeder.feed(reader)?,
                };
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
        let mut part = self.new_part();
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
        let mut keys = KeyCache::default();
        let mut reported = 0;
        while let Some(result) = reader.next_row(&mut row.event)? {
            reported = self.count_row(&mut part, reader.position(), reported);
            if let Err(problem) = result {
                self.reject(&mut part, problem);
                continue;
            }
            let time = s.time_field.map(|t| &row.event[t]);
            let entity = match reader.cell_text(s.key_field) {
                Some(text) if key_is_text => keys.find(self.index, text),
                _ => lookup(&row.event[s.key_field], self.index, &mut key_text),
            };
            let date = time.and_then(Value::as_date);
            let Some(entity) = self.admit(&mut part.counts, date, entity) else {
                continue;
            };
            let time = time.and_then(Value::as_datetime);
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

    /// How the typed event path reads this pass, when it can: the key is a string and
    /// every filter only compares fields with constants.
    fn typed_plan(&self) -> Option<TypedPlan<'_>> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        if !matches!(s.record.fields[s.key_field].ty.ty, Ty::String) {
            return None;
        }
        let mut tests: Vec<Filter> = Vec::new();
        let mut test_of = Vec::new();
        for &a in &self.pass.aggregates {
            let Some(filter) = hir.aggregates[a].filter.as_ref().map(Filter::compile) else {
                test_of.push(None);
                continue;
            };
            if !filter.reads_fields_only() {
                return None;
            }
            test_of.push(Some(match tests.iter().position(|t| t.same_as(&filter)) {
                Some(i) => i,
                None => {
                    tests.push(filter);
                    tests.len() - 1
                }
            }));
        }
        Some(TypedPlan {
            wanted: self.stored_fields(true),
            tests,
            test_of,
        })
    }

    /// [`Feeder::feed`] through the typed event path: each row is read as [`Scalar`]s,
    /// each distinct filter is tested once, and texts become values only when kept.
    fn feed_scalars(
        &self,
        reader: &mut PlainCsvReader,
        plan: &TypedPlan,
    ) -> Result<Part, RunError> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let mut part = self.new_part();
        let mut cells = vec![Scalar::Null; s.record.fields.len()];
        let mut parsers: Vec<CellParser> = s.record.fields.iter().map(CellParser::new).collect();
        let mut held = vec![false; plan.tests.len()];
        let mut keys = KeyCache::default();
        let mut reported = 0;
        while let Some(result) = reader.next_scalars(&plan.wanted, &mut cells)? {
            reported = self.count_row(&mut part, reader.position(), reported);
            if let Err(problem) = result {
                self.reject(&mut part, problem);
                continue;
            }
            let time = s.time_field.map(|t| cells[t]);
            let entity = reader
                .cell_text(s.key_field)
                .and_then(|text| keys.find(self.index, text));
            let date = time.and_then(|t| t.as_date());
            let Some(entity) = self.admit(&mut part.counts, date, entity) else {
                continue;
            };
            let time = time.and_then(|t| t.as_datetime());
            let row = reader.row_bytes();
            for (held, test) in held.iter_mut().zip(&plan.tests) {
                *held = test.holds_for(&cells, row).unwrap_or(false);
            }
            let slot = part.state.slot(entity);
            let aggregates = part
                .state
                .accumulators
                .iter_mut()
                .zip(&self.pass.aggregates);
            for ((acc, &a), test) in aggregates.zip(&plan.test_of) {
                if test.is_some_and(|t| !held[t]) {
                    continue;
                }
                let agg = &hir.aggregates[a];
                let Some(f) = agg.field else {
                    acc.add_scalar(slot, Scalar::Null, row, time, |_| Value::Null)
                        .map_err(|o| o.at(agg))?;
                    continue;
                };
                let text = |bytes: &[u8]| {
                    let text = std::str::from_utf8(bytes).unwrap_or_default();
                    parsers[f].parse(text).unwrap_or_default()
                };
                acc.add_scalar(slot, cells[f], row, time, text)
                    .map_err(|o| o.at(agg))?;
            }
        }
        self.report(reader.position(), reported);
        Ok(part)
    }

    /// A part with no rows read yet.
    fn new_part(&self) -> Part {
        Part {
            state: PassState::new(self.accumulators(), self.index.count()),
            counts: FileCounts::default(),
            problems: Vec::new(),
            lines: 0,
        }
    }

    /// Counts a row read (at `position`), reporting progress now and then; the position
    /// last reported.
    fn count_row(&self, part: &mut Part, position: u64, reported: u64) -> u64 {
        part.counts.read += 1;
        match part.counts.read.is_multiple_of(PROGRESS_EVERY) {
            true => self.report(position, reported),
            false => reported,
        }
    }

    /// Counts a bad row, keeping its problem while the part keeps any.
    fn reject(&self, part: &mut Part, problem: RowProblem) {
        part.counts.rejects += 1;
        if part.problems.len() < self.keep {
            part.problems.push(problem);
        }
    }

    /// Counts an event on `date` whose key found `entity`: the entity when the event is
    /// used, `None` for an orphan or an event after the as-of date.
    fn admit(
        &self,
        counts: &mut FileCounts,
        date: Option<NaiveDate>,
        entity: Option<usize>,
    ) -> Option<usize> {
        let after_as_of = date.is_some_and(|d| d > self.world.as_of);
        counts.after_as_of += u64::from(after_as_of);
        let Some(entity) = entity else {
            counts.orphans += 1;
            counts.orphans_after_as_of += u64::from(after_as_of);
            return None;
        };
        if after_as_of {
            return None;
        }
        counts.used += 1;
        Some(entity)
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

/// How the typed event path reads a pass (see [`Feeder::feed_scalars`]).
struct TypedPlan<'e> {
    /// The fields read as scalars (the others are only checked).
    wanted: Vec<bool>,
    /// The distinct filters of the pass's aggregates.
    tests: Vec<Filter<'e>>,
    /// For each aggregate, the index of its filter in `tests`.
    test_of: Vec<Option<usize>>,
}

/// The entity of the key read last, and where to look for the next one.
#[derive(Default)]
struct KeyCache {
    /// The key read last.
    last: String,
    /// Its entity.
    entity: Option<usize>,
    /// The entity after the last one found.
    after_last: usize,
}

impl KeyCache {
    /// The entity of a key. Events are often grouped by entity, and in the entity file's
    /// order: the key of the row before, then the entities after the last one found, are
    /// tried first.
    fn find(&mut self, index: Keys, text: &str) -> Option<usize> {
        if text != self.last {
            self.last.clear();
            self.last.push_str(text);
            self.entity = index.find_from(self.after_last, text);
            self.after_last = self.entity.map_or(self.after_last, |e| e + 1);
        }
        self.entity
    }
}

/// How many rows pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// The population functions of one group (one argument), ranked once.
fn population_group(
    world: &World,
    group: &[PopId],
    n: usize,
) -> Result<Vec<(PopId, PopValue)>, RunError> {
    let values = per_entity(world, &world.program().populations[group[0]].arg, n)?;
    let ranking = population::Ranking::new(&values);
    let value = |p: PopId| population::compute(world.hir.populations[p].func, &ranking);
    Ok(group.iter().map(|&p| (p, value(p))).collect())
}

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
