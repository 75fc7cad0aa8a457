//! Plan stage: [`Hir`] → [`Plan`], the order in which a run computes things.
//!
//! Values are grouped into levels. Entity fields and params are level 0. An event
//! aggregate is one level above what its `where` reads (it needs a pass over its stream
//! once those values are known); a population function is one level above its argument.
//! Each level's aggregates are computed by one pass per stream, then its population
//! functions. Segments and campaigns come last. Only what the outputs need is planned.

mod levels;
mod listing;

use crate::check::hir::{AggId, Hir, LetId, PopId, StreamId};

/// What a run must compute, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Stages in order; stage `i` holds level `i + 1`.
    pub stages: Vec<Stage>,
    /// Campaign indices in run order (priority descending, then program order).
    pub campaign_order: Vec<usize>,
    /// Whether `let` values are written (`--with-values`).
    pub with_values: bool,
    /// Whether campaigns keep their audiences and ranked candidates (for reports).
    pub keep_details: bool,
}

/// One level of the plan.
#[derive(Debug, Clone, Default)]
pub struct Stage {
    /// `let`s to compute for every entity before the passes (their values feed `where`s).
    pub materialize: Vec<LetId>,
    /// One pass per stream that has aggregates at this level.
    pub passes: Vec<StreamPass>,
    /// Population functions at this level.
    pub populations: Vec<PopId>,
}

/// One read of an events file, feeding several aggregates.
#[derive(Debug, Clone)]
pub struct StreamPass {
    /// The stream read.
    pub stream: StreamId,
    /// The aggregates it feeds (may be empty: the stream is still read once, to count
    /// and validate its rows).
    pub aggregates: Vec<AggId>,
    /// Whether this is the stream's first pass (which counts rows for the summary).
    pub first: bool,
}

/// Plans a checked program. `with_values` adds every `let` to the outputs.
pub fn plan(hir: &Hir, with_values: bool) -> Plan {
    let needed = levels::Needed::collect(hir, with_values);
    let levels = levels::Levels::compute(hir, &needed);
    let top = levels.max_level();
    let mut stages: Vec<Stage> = (0..top.max(1)).map(|_| Stage::default()).collect();
    let mut seen_streams = vec![false; hir.streams.len()];
    for level in 1..=top.max(1) {
        let stage = &mut stages[level - 1];
        for (stream, seen) in seen_streams.iter_mut().enumerate() {
            let aggregates: Vec<AggId> = needed
                .aggregates
                .iter()
                .copied()
                .filter(|&a| hir.aggregates[a].stream == stream && levels.aggregate(a) == level)
                .collect();
            if !aggregates.is_empty() || (level == top.max(1) && !*seen) {
                stage.passes.push(StreamPass {
                    stream,
                    aggregates,
                    first: !*seen,
                });
                *seen = true;
            }
        }
        stage.populations = needed
            .populations
            .iter()
            .copied()
            .filter(|&p| levels.population(p) == level)
            .collect();
    }
    levels::assign_materialized(hir, &needed, &levels, &mut stages);
    Plan {
        stages,
        campaign_order: campaign_order(hir),
        with_values,
        keep_details: false,
    }
}

/// Campaigns by priority, highest first; ties keep program order.
fn campaign_order(hir: &Hir) -> Vec<usize> {
    let mut order: Vec<usize> = (0..hir.campaigns.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(hir.campaigns[c].priority));
    order
}

pub use listing::listing;
