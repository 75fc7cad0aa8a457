//! Exec stage: [`Plan`] + data files → [`Outcome`] (segments, campaigns, actions, counts).
//!
//! [`run`] loads the entity file once into columns (keys interned), streams each events
//! file once per plan level into per-entity accumulators, computes population functions,
//! then segments and campaigns. Writing the outcome is [`write`]'s job.

mod accumulate;
mod action_rows;
mod batch;
mod campaign;
mod column;
mod error;
mod eval;
mod feed;
mod filter;
mod fold;
mod key_index;
mod load;
mod metrics;
mod mode;
mod parallel;
mod population;
mod progress;
pub mod read;
mod scalar;
mod stream;
mod value;
mod vector;
mod vector_ops;
pub mod write;

use std::sync::Arc;

use chrono::NaiveDate;

pub use action_rows::{ActionRow, ActionRows};
pub use campaign::{
    CampaignDetails, CampaignResult, Candidate, CutPoint, HOLDOUT, bucket, cut_point,
};
pub use column::Column;
pub use error::RunError;
pub use eval::compare_op;
pub use eval::{Memberships, Overflow, PopValue, Row, World};
pub use load::{RejectSink, Rejected, bind_params};
pub use metrics::MetricInputs;
pub use progress::{NoProgress, Progress};
pub use read::Source;
pub use scalar::Scalar;
pub use value::{Value, compare, decimal_text};

use crate::check::hir::Hir;
use crate::plan::Plan;
use key_index::Keys;
use stream::Streams;

/// What a run is given besides the program.
#[derive(Debug, Clone)]
pub struct RunInput {
    /// `--data NAME=FILE` bindings (or in-memory rows, for tests).
    pub data: Vec<(String, Source)>,
    /// The run's date.
    pub as_of: NaiveDate,
    /// `--param K=V` overrides, as written.
    pub params: Vec<(String, String)>,
    /// How many bad rows may go to rejects.csv instead of failing the run.
    pub max_rejects: Option<u64>,
}

impl RunInput {
    /// The source bound to the entity or stream `name` (the last `--data` for it wins).
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.data
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, source)| source)
    }
}

/// Row counts of one data file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// Data rows read (all of them).
    pub read: u64,
    /// Events dated after as_of (streams only).
    pub after_as_of: u64,
    /// Events whose key has no entity (streams only).
    pub orphans: u64,
    /// Orphans that are also dated after as_of, counted in both counts above (streams
    /// only), so that `read = used + rejects + orphans + after_as_of - orphans_after_as_of`.
    pub orphans_after_as_of: u64,
    /// Rows sent to rejects.csv.
    pub rejects: u64,
    /// Events of a known entity dated on or before as_of (or undated): those offered to
    /// the stream's aggregates, whether or not a `where` keeps them (streams only).
    pub used: u64,
}

/// Everything a run computed.
pub struct Outcome<'h> {
    /// Every value computed per entity (fields, aggregates, population functions,
    /// materialized `let`s), to evaluate any expression after the run.
    pub world: World<'h>,
    /// Entity keys in their output text form, by entity index.
    pub keys: Vec<Arc<str>>,
    /// Entity indices sorted by key (byte order).
    pub by_key: Vec<u32>,
    /// Per segmentation, each entity's segment index.
    pub segmentations: Vec<Vec<Option<u16>>>,
    /// Per standalone segment, each entity's membership.
    pub segments: Vec<Vec<bool>>,
    /// Campaign results in run order.
    pub campaigns: Vec<CampaignResult>,
    /// Emitted actions per action, in output order.
    pub actions: Vec<ActionRows>,
    /// `let` values per let per entity (only with `--with-values`).
    pub lets: Option<Vec<Vec<Value>>>,
    /// Counts of the entity file.
    pub entity_counts: FileCounts,
    /// Counts per events stream.
    pub stream_counts: Vec<FileCounts>,
    /// Rows sent to rejects.csv.
    pub rejected: Vec<Rejected>,
}

/// Runs a planned program over data files.
pub fn run<'h>(hir: &'h Hir, plan: &Plan, input: &RunInput) -> Result<Outcome<'h>, RunError> {
    run_with_progress(hir, plan, input, &NoProgress)
}

/// [`run`], reporting progress as it goes.
pub fn run_with_progress<'h>(
    hir: &'h Hir,
    plan: &Plan,
    input: &RunInput,
    progress: &dyn Progress,
) -> Result<Outcome<'h>, RunError> {
    let files = load::bind_files(hir, input)?;
    let params = load::bind_params(hir, &input.params)?;
    let mut readers = load::open_all(hir, &files)?;
    let mut rejects = RejectSink::new(input.max_rejects);
    progress.file(&hir.entity.name, files[0].size());
    let entity = load::load_entity(hir, &files[0], readers.remove(0), &mut rejects)?;
    let mut world = World::new(hir, input.as_of, params, entity.columns);
    let mut streams = Streams {
        files: files[1..].to_vec(),
        readers: readers.into_iter().map(Some).collect(),
        counts: vec![FileCounts::default(); hir.streams.len()],
        rejects,
        progress,
    };
    for stage in &plan.stages {
        let keys = Keys {
            keys: &entity.keys,
            index: &entity.index,
        };
        streams.run_stage(&mut world, stage, keys)?;
    }
    let n = entity.keys.len();
    progress.stage("segments");
    world.memberships = Some(segment_all(&world, n)?);
    progress.stage("campaigns");
    let (campaigns, actions) = campaign::run_campaigns(
        &world,
        &plan.campaign_order,
        &entity.keys,
        &entity.by_key,
        plan.keep_details,
    )?;
    let lets = if plan.with_values {
        progress.stage("let values");
        Some(let_columns(&world, n)?)
    } else {
        None
    };
    // The row evaluator (explain, seg test) computes segments itself from here on.
    let (segmentations, segments) = world.memberships.take().unwrap_or_default();
    Ok(Outcome {
        world,
        keys: entity.keys,
        by_key: entity.by_key,
        segmentations,
        segments,
        campaigns,
        actions,
        lets,
        entity_counts: entity.counts,
        stream_counts: streams.counts,
        rejected: streams.rejects.into_rows(),
    })
}

/// Segment membership of every entity.
fn segment_all(world: &World, n: usize) -> Result<Memberships, RunError> {
    let hir = world.program();
    let batches = parallel::for_batches(world, n, |batch| {
        let all = batch.all();
        let mut found = Vec::with_capacity(hir.segmentations.len());
        for i in 0..hir.segmentations.len() {
            let column = batch.segment_index(i, &all)?;
            found.push(column.into_iter().map(|s| s.map(|s| s as u16)).collect());
        }
        let mut held = Vec::with_capacity(hir.segments.len());
        for i in 0..hir.segments.len() {
            held.push(batch.segment(i, &all)?);
        }
        Ok((found, held))
    })?;
    let mut all: Memberships = (
        vec![Vec::with_capacity(n); hir.segmentations.len()],
        vec![Vec::with_capacity(n); hir.segments.len()],
    );
    for (found, held) in batches {
        join_columns(&mut all.0, found);
        join_columns(&mut all.1, held);
    }
    Ok(all)
}

/// Every `let`'s value for every entity (for `--with-values`).
fn let_columns(world: &World, n: usize) -> Result<Vec<Vec<Value>>, RunError> {
    let lets = world.program().lets.len();
    let batches = parallel::for_batches(world, n, |batch| {
        let all = batch.all();
        let mut columns = Vec::with_capacity(lets);
        for i in 0..lets {
            columns.push(batch.let_values(i, &all)?);
        }
        Ok(columns)
    })?;
    let mut columns = vec![Vec::with_capacity(n); lets];
    for part in batches {
        join_columns(&mut columns, part);
    }
    Ok(columns)
}

/// Appends each part column to its column.
fn join_columns<T>(columns: &mut [Vec<T>], parts: Vec<Vec<T>>) {
    columns
        .iter_mut()
        .zip(parts)
        .for_each(|(column, part)| column.extend(part));
}
