//! Exec stage: the stream passes and population functions of each plan level.

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use super::FileCounts;
use super::accumulate::{Accumulator, PassState};
use super::column::Column;
use super::error::RunError;
use super::eval::{Row, World};
use super::filter::Filter;
use super::key_index::Keys;
use super::load::{RejectSink, in_parts};
use super::parallel::concat_batches;
use super::population;
use super::progress::Progress;
use super::read::{self, RowProblem, RowReader, Source};
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
        let mut after_last = 0;
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
                // the key of the row before, then the entities after the last one
                // found, are tried first.
                Some(text) if key_is_text && text == last.0 => last.1,
                Some(text) if key_is_text => {
                    last.0.clear();
                    last.0.push_str(text);
                    last.1 = self.index.find_from(after_last, text);
                    after_last = last.1.map_or(after_last, |e| e + 1);
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
