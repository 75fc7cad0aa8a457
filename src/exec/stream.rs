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
use super::read::{self, CellRows, RowProblem, RowReader, RowRefs, Source};
use super::value::Value;
use super::value_ref::ValueRef;
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

impl<'a> Feeder<'a, '_> {
    /// Reads every row of `reader`, feeding each event that passes a filter to its
    /// aggregates. Values are borrowed from the reader's text when it can
    /// ([`CellRows`]) and no filter needs the event as values.
    fn feed(&self, reader: &mut dyn RowReader) -> Result<Part, RunError> {
        let mut feeding = self.start();
        match reader.as_cell_rows() {
            Some(cells) if !feeding.needs_row => self.feed_cells(cells, &mut feeding)?,
            _ => self.feed_values(reader, &mut feeding)?,
        }
        Ok(feeding.part)
    }

    /// Reads a reader that parses borrowed values.
    fn feed_cells(&self, reader: &mut dyn CellRows, feeding: &mut Feeding) -> Result<(), RunError> {
        let s = &self.world.program().streams[self.pass.stream];
        let store = self.stored_fields(feeding.key_is_text);
        while let Some(line) = reader.next_split()? {
            feeding.count_row(self, reader.position());
            let mut event = RowRefs::new();
            if let Err(problem) = reader.parse_cells(line, &store, &mut event) {
                feeding.reject(problem, self.keep);
                continue;
            }
            let entity = match reader.cell_text(s.key_field) {
                Some(text) if feeding.key_is_text => feeding.keys.find(text, self.index),
                _ => feeding.keys.find_value(event[s.key_field], self.index),
            };
            self.offer(feeding, entity, &event)?;
        }
        self.report(reader.position(), feeding.reported);
        Ok(())
    }

    /// Reads a reader that parses values (and feeds filters that need them as values).
    fn feed_values(
        &self,
        reader: &mut dyn RowReader,
        feeding: &mut Feeding,
    ) -> Result<(), RunError> {
        let s = &self.world.program().streams[self.pass.stream];
        reader.store_only(&self.stored_fields(feeding.key_is_text));
        let mut values = vec![Value::Null; s.record.fields.len()];
        while let Some(result) = reader.next_row(&mut values)? {
            feeding.count_row(self, reader.position());
            if let Err(problem) = result {
                feeding.reject(problem, self.keep);
                continue;
            }
            let entity = match reader.cell_text(s.key_field) {
                Some(text) if feeding.key_is_text => feeding.keys.find(text, self.index),
                _ => feeding
                    .keys
                    .find_value((&values[s.key_field]).into(), self.index),
            };
            if feeding.needs_row {
                feeding.row.event.clone_from(&values);
            }
            let event: RowRefs = values.iter().map(ValueRef::from).collect();
            self.offer(feeding, entity, &event)?;
        }
        self.report(reader.position(), feeding.reported);
        Ok(())
    }

    /// A part with nothing read yet.
    fn start(&self) -> Feeding<'a> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let mut filters: Vec<Filter> = Vec::new();
        let filter_of = (self.pass.aggregates.iter())
            .map(|&a| {
                let filter = Filter::compile(hir.aggregates[a].filter.as_ref()?);
                Some(match filters.iter().position(|f| f.same(&filter)) {
                    Some(i) => i,
                    None => {
                        filters.push(filter);
                        filters.len() - 1
                    }
                })
            })
            .collect();
        let needs_row = filters.iter().any(Filter::needs_row);
        Feeding {
            part: Part {
                state: PassState::new(self.accumulators(), self.index.count()),
                counts: FileCounts::default(),
                problems: Vec::new(),
                lines: 0,
            },
            verdicts: vec![None; filters.len()],
            filters,
            filter_of,
            needs_row,
            row: Row::new(hir, usize::MAX),
            key_is_text: matches!(s.record.fields[s.key_field].ty.ty, Ty::String),
            keys: KeyCache::default(),
            reported: 0,
        }
    }

    /// Counts one event of `entity` (`None`: no such entity) and feeds it to each
    /// aggregate whose filter it passes.
    fn offer(
        &self,
        feeding: &mut Feeding,
        entity: Option<usize>,
        event: &[ValueRef],
    ) -> Result<(), RunError> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let counts = &mut feeding.part.counts;
        let time = s.time_field.map(|t| event[t]);
        let after_as_of = time
            .and_then(ValueRef::as_date)
            .is_some_and(|d| d > self.world.as_of);
        counts.after_as_of += u64::from(after_as_of);
        let Some(entity) = entity else {
            counts.orphans += 1;
            counts.orphans_after_as_of += u64::from(after_as_of);
            return Ok(());
        };
        if after_as_of {
            return Ok(());
        }
        counts.used += 1;
        if feeding.needs_row && feeding.row.entity != entity {
            feeding.row.reset(entity);
        }
        let time = time.and_then(ValueRef::as_datetime);
        let state = &mut feeding.part.state;
        let slot = state.slot(entity);
        let aggregates = state.accumulators.iter_mut().zip(&self.pass.aggregates);
        feeding.verdicts.fill(None);
        for ((acc, &a), filter) in aggregates.zip(&feeding.filter_of) {
            if let &Some(f) = filter {
                let verdict = match feeding.verdicts[f] {
                    Some(verdict) => verdict,
                    None => feeding.filters[f].holds(self.world, event, &mut feeding.row)?,
                };
                feeding.verdicts[f] = Some(verdict);
                if !verdict {
                    continue;
                }
            }
            let agg = &hir.aggregates[a];
            let value = agg.field.map_or(ValueRef::Null, |f| event[f]);
            acc.add(slot, value, time).map_err(|o| o.at(agg))?;
        }
        Ok(())
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

/// What feeding one part keeps between events.
struct Feeding<'f> {
    /// What the part read so far.
    part: Part,
    /// The distinct filters of the pass's aggregates.
    filters: Vec<Filter<'f>>,
    /// Each aggregate's filter, as an index in `filters` (aggregates with the same
    /// condition share it, and it is tested once per event).
    filter_of: Vec<Option<usize>>,
    /// Whether the current event passes each filter, once tested.
    verdicts: Vec<Option<bool>>,
    /// Whether a filter is evaluated as written, on `row`.
    needs_row: bool,
    /// The entity and the current event as values, when `needs_row`.
    row: Row,
    /// Whether keys are text, looked up as written in the file.
    key_is_text: bool,
    /// The last key looked up.
    keys: KeyCache,
    /// The reader's position at the last progress report.
    reported: u64,
}

impl Feeding<'_> {
    /// Counts a row read, reporting progress now and then.
    fn count_row(&mut self, feeder: &Feeder, position: u64) {
        self.part.counts.read += 1;
        if self.part.counts.read.is_multiple_of(PROGRESS_EVERY) {
            self.reported = feeder.report(position, self.reported);
        }
    }

    /// Counts a bad row, keeping its problem while the part keeps fewer than `keep`.
    fn reject(&mut self, problem: RowProblem, keep: usize) {
        self.part.counts.rejects += 1;
        if self.part.problems.len() < keep {
            self.part.problems.push(problem);
        }
    }
}

/// Entity lookups by key, remembering the last: events are often grouped by entity, and
/// in the entity file's order, so the key of the row before, then the entity after it,
/// are tried first.
#[derive(Default)]
struct KeyCache {
    text: String,
    entity: Option<usize>,
}

impl KeyCache {
    /// The entity of a key's text.
    fn find(&mut self, text: &str, index: Keys) -> Option<usize> {
        if text == self.text {
            return self.entity;
        }
        self.text.clear();
        self.text.push_str(text);
        let next = self.entity.map_or(0, |e| e + 1);
        self.entity = match index.keys.get(next) {
            Some(key) if **key == *text => Some(next),
            _ => index.find(text),
        };
        self.entity
    }

    /// The entity of a key that is not text (or not read as written): its text is looked up.
    fn find_value(&mut self, key: ValueRef, index: Keys) -> Option<usize> {
        match key {
            ValueRef::Str(text) => self.find(text, index),
            other => self.find(&other.to_value().text(), index),
        }
    }
}
