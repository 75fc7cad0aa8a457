//! Exec stage: the stream passes and population functions of each plan level.

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use super::FileCounts;
use super::accumulate::{Accumulator, PassState};
use super::column::Column;
use super::error::RunError;
use super::eval::{PopValue, World};
use super::feed::{Feeder, Part};
use super::key_index::Keys;
use super::load::{RejectSink, in_parts};
use super::parallel::concat_batches;
use super::population;
use super::progress::Progress;
use super::read::{self, RowReader, Source};
use super::value::Value;
use crate::check::hir::{Hir, PopId, TExpr};
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
        // One group at a time: each holds its argument, keys and ranks for every entity
        // (about 70 bytes per entity), so groups run at once would raise the peak memory.
        for group in same_argument(world.hir, &stage.populations) {
            let names: Vec<&str> = group
                .iter()
                .map(|&p| world.hir.populations[p].text.as_str())
                .collect();
            self.progress
                .stage(&format!("population {}", names.join(", ")));
            for (p, value) in population_group(world, &group, n)? {
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

/// The population functions of one group (one argument), ranked once.
fn population_group(
    world: &World,
    group: &[PopId],
    n: usize,
) -> Result<Vec<(PopId, PopValue)>, RunError> {
    let argument =
        population::Argument::evaluate(world, &world.program().populations[group[0]].arg, n)?;
    let ranking = population::Ranking::new(&argument);
    let value = |p: PopId| population::compute(world.hir.populations[p].func, &ranking);
    Ok(group.iter().map(|&p| (p, value(p))).collect())
}

/// An expression's value for every entity.
fn per_entity(world: &World, expr: &TExpr, n: usize) -> Result<Vec<Value>, RunError> {
    concat_batches(world, n, |batch| Ok(batch.eval(expr, &batch.all())?))
}
