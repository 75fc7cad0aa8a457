//! Exec stage: feeding the events of one part of a stream to the accumulators of a pass,
//! as rows of values (any reader, any filter) or as typed scalars (a quote-free CSV file
//! whose filters compare fields with constants; see `scalar.rs`).

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use chrono::NaiveDate;

use super::FileCounts;
use super::accumulate::{Accumulator, NO_SLOT, Overflowed, PassState};
use super::error::RunError;
use super::eval::{Row, World};
use super::filter::Filter;
use super::key_index::Keys;
use super::progress::Progress;
use super::read::{CellParser, PlainCsvReader, RowProblem, RowReader, ScalarRows};
use super::value::Value;
use crate::check::hir::{TExpr, TExprKind};
use crate::check::types::Ty;
use crate::plan::StreamPass;

/// What one part of a stream read left behind.
pub struct Part {
    /// The accumulators of the pass, over this part's events.
    pub state: PassState,
    /// Its row counts.
    pub counts: FileCounts,
    /// Its first bad rows (line numbers counted from the part's start).
    pub problems: Vec<RowProblem>,
    /// How many lines it spans.
    pub lines: u64,
}

/// Feeds events to the accumulators of one pass.
pub struct Feeder<'a, 'w> {
    /// The world so far (filters may read its `let`s).
    pub world: &'a World<'w>,
    /// The pass.
    pub pass: &'a StreamPass,
    /// The entities by key.
    pub index: Keys<'a>,
    /// Told about bytes read.
    pub progress: &'a dyn Progress,
    /// Bytes read by all parts, for the progress bar.
    pub done: AtomicU64,
    /// How many bad rows a part keeps (more would fail the run anyway).
    pub keep: usize,
}

impl Feeder<'_, '_> {
    /// Reads every row of `reader`, feeding each event that passes a filter to its aggregates.
    pub fn feed(&self, reader: &mut dyn RowReader) -> Result<Part, RunError> {
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
    pub fn typed_plan(&self) -> Option<TypedPlan<'_>> {
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

    /// [`Feeder::feed`] through the typed event path: rows are read a block's worth at a
    /// time as [`Scalar`]s (a field at a time), each distinct filter is tested once per
    /// event, and texts become values only when kept.
    pub fn feed_scalars(
        &self,
        reader: &mut PlainCsvReader,
        plan: &TypedPlan,
    ) -> Result<Part, RunError> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let mut part = self.new_part();
        let mut rows = ScalarRows::default();
        let mut parsers: Vec<CellParser> = s.record.fields.iter().map(CellParser::new).collect();
        let mut slots = Vec::new();
        let mut test_slots = vec![Vec::new(); plan.tests.len()];
        let mut keys = KeyCache::default();
        let mut reported = 0;
        while reader.next_rows(&plan.wanted, &mut rows)? {
            reported = self.entity_slots(
                &mut part,
                (reader, &rows),
                (&mut keys, &mut slots),
                reported,
            );
            let block = reader.block_bytes();
            for (passing, test) in test_slots.iter_mut().zip(&plan.tests) {
                passing_slots(test, (&rows, block), &slots, passing);
            }
            let events = (&slots[..], &test_slots[..]);
            self.add_rows(&mut part, plan, (&rows, block), events, &mut parsers)?;
        }
        self.report(reader.position(), reported);
        Ok(part)
    }

    /// Sets `slots` to the slot of each row's entity, [`NO_SLOT`] for a bad row, an
    /// orphan or an event after as_of (counting the rows, and keeping bad rows'
    /// problems); the position last reported.
    fn entity_slots(
        &self,
        part: &mut Part,
        (reader, rows): (&PlainCsvReader, &ScalarRows),
        (keys, slots): (&mut KeyCache, &mut Vec<u32>),
        mut reported: u64,
    ) -> u64 {
        let s = &self.world.program().streams[self.pass.stream];
        slots.clear();
        for r in 0..rows.len() {
            reported = self.count_row(part, reader.position(), reported);
            if let Err(problem) = rows.get(r) {
                self.reject(part, problem.clone());
                slots.push(NO_SLOT);
                continue;
            }
            let entity = reader
                .field_text(rows, r, s.key_field)
                .and_then(|text| keys.find(self.index, text));
            let date = s.time_field.and_then(|t| rows.scalar(r, t).as_date());
            let entity = self.admit(&mut part.counts, date, entity);
            slots.push(entity.map_or(NO_SLOT, |e| part.state.slot(e) as u32));
        }
        reported
    }

    /// Adds the events of a batch of rows (their texts in `block`) to the accumulators:
    /// row `r` is an event of the entity in slot `slots[r]` (unless [`NO_SLOT`]), and one
    /// that passes test `t` of the entity in `test_slots[t][r]`. An overflow is reported
    /// for the first row (then aggregate) it happened at, as feeding a row at a time would.
    fn add_rows(
        &self,
        part: &mut Part,
        plan: &TypedPlan,
        (rows, block): (&ScalarRows, &[u8]),
        (slots, test_slots): (&[u32], &[Vec<u32>]),
        parsers: &mut [CellParser],
    ) -> Result<(), RunError> {
        let hir = self.world.program();
        let s = &hir.streams[self.pass.stream];
        let time = |r: usize| s.time_field.and_then(|t| rows.scalar(r, t).as_datetime());
        let (scalars, stride) = rows.scalars();
        let mut first_overflow: Option<(usize, usize)> = None;
        let aggregates = part
            .state
            .accumulators
            .iter_mut()
            .zip(&self.pass.aggregates);
        for (k, ((acc, &a), test)) in aggregates.zip(&plan.test_of).enumerate() {
            let field = hir.aggregates[a].field;
            let events = test.map_or(slots, |t| &test_slots[t]);
            let text = |bytes: &[u8]| {
                let text = std::str::from_utf8(bytes).unwrap_or_default();
                field.map_or(Value::Null, |f| parsers[f].parse(text).unwrap_or_default())
            };
            let cells = (scalars, stride, field);
            if let Err((r, _)) = acc.add_scalars(events, cells, time, block, text) {
                first_overflow = Some(first_overflow.map_or((r, k), |first| first.min((r, k))));
            }
        }
        match first_overflow {
            Some((_, k)) => Err(Overflowed.at(&hir.aggregates[self.pass.aggregates[k]])),
            None => Ok(()),
        }
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
pub struct TypedPlan<'e> {
    /// The fields read as scalars (the others are only checked).
    wanted: Vec<bool>,
    /// The distinct filters of the pass's aggregates.
    tests: Vec<Filter<'e>>,
    /// For each aggregate, the index of its filter in `tests`.
    test_of: Vec<Option<usize>>,
}

/// Sets `passing` to the slots of the events among `rows` (their texts in `block`, their
/// entities' slots in `slots`) that pass `test`, [`NO_SLOT`] for the other rows.
fn passing_slots(
    test: &Filter,
    (rows, block): (&ScalarRows, &[u8]),
    slots: &[u32],
    passing: &mut Vec<u32>,
) {
    passing.clear();
    passing.extend(slots.iter().enumerate().map(|(r, &slot)| {
        let holds = || test.holds_for(rows.row_scalars(r), block) == Some(true);
        if slot != NO_SLOT && holds() {
            slot
        } else {
            NO_SLOT
        }
    }));
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
