//! Diff stage: two sets of assignments → [`Diff`], how every entity's assignment moved,
//! and its renderings. `seg diff` compares two runs over the same data (an old and a new
//! program); `seg dry-run --compare` compares the `assignments.csv` of an earlier run
//! with the run it makes.
//!
//! Both work on [`Assignments`], what a run assigned to each entity by name, built from a
//! run ([`Assignments::of_run`]) or read from a file ([`read_assignments`]). The
//! comparison is pure: it matches entities by key, segmentations, standalone segments
//! and campaigns by name. [`compare`] adds the campaign counts only runs have.
//! [`render_human`], [`render_markdown`] and [`render_json`] turn a [`Diff`] into text;
//! [`render_changes`] and [`changes_json`] render what a comparison with a file has.
//! [`bind`] splits the command line's `--data` and `--param` pairs between two programs.

mod assignments;
mod bind;
mod campaign;
mod human;
mod json;
mod markdown;
mod matching;
mod read;
mod segment;
mod segmentation;
mod table;
mod text;

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use assignments::Assignments;
pub use bind::{BindError, Bindings, Program, bind_data, bind_params};
pub use campaign::{CampaignDiff, CampaignStats, Measure};
pub use human::{render_changes, render_human};
pub use json::{changes_json, render_json};
pub use markdown::render_markdown;
pub use read::{ReadError, read_assignments};
pub use segment::SegmentDiff;
pub use segmentation::SegmentationDiff;
pub use text::{headline, percent};

use crate::check::hir::Hir;
use crate::exec::Outcome;
use matching::Pair;

/// One side of the comparison: a checked program and what its run computed.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The program.
    pub hir: &'a Hir,
    /// Its run over the data.
    pub outcome: &'a Outcome<'a>,
}

/// How much detail a diff keeps.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most sample keys kept per group of entities (matrix cell, entries, exits, ...).
    pub sample: usize,
}

/// Some entities: how many, and the first few keys in key (byte) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// How many entities.
    pub count: u64,
    /// The first keys, in key order, at most [`Options::sample`] of them.
    pub sample: Vec<Arc<str>>,
}

impl Keys {
    /// Counts one more entity, keeping its key while the sample has room.
    fn add(&mut self, key: &Arc<str>, limit: usize) {
        self.count += 1;
        if self.sample.len() < limit {
            self.sample.push(Arc::clone(key));
        }
    }
}

/// Entities going from one assignment to another (`None`: no segment, or not in the
/// campaign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The old segment or variant.
    pub from: Option<String>,
    /// The new segment or variant.
    pub to: Option<String>,
    /// The entities that move so.
    pub keys: Keys,
}

/// Which programs declare an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Both programs.
    Both,
    /// Only the old program: the item was removed.
    OldOnly,
    /// Only the new program: the item was added.
    NewOnly,
}

impl Presence {
    /// The presence of an item declared (or not) by each program.
    fn of(old: bool, new: bool) -> Presence {
        match (old, new) {
            (true, false) => Presence::OldOnly,
            (false, true) => Presence::NewOnly,
            _ => Presence::Both,
        }
    }

    /// `both`, `old` or `new`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Both => "both",
            Presence::OldOnly => "old",
            Presence::NewOnly => "new",
        }
    }
}

/// The entities of the two runs, matched by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entities {
    /// Entities of the old run.
    pub old: u64,
    /// Entities of the new run.
    pub new: u64,
    /// Entities present in both runs (the ones compared).
    pub both: u64,
    /// Entities only in the new run.
    pub added: Keys,
    /// Entities only in the old run.
    pub removed: Keys,
}

/// The effect of a rule change: how every assignment moves from the old program to the
/// new one over the same data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The entity's name in the new program (`customer`), for headlines.
    pub entity: String,
    /// The entities of both runs.
    pub entities: Entities,
    /// Entities whose assignment changed in any way: a segmentation, a standalone segment
    /// or a campaign membership; an added or removed entity counts as changed.
    pub changed: Keys,
    /// Entities in both runs whose `campaign:variant` list changed (as a set).
    pub campaign_changed: Keys,
    /// Segmentations of either program: old program order, then the new program's others.
    pub segmentations: Vec<SegmentationDiff>,
    /// Standalone segments of either program, in the same order.
    pub segments: Vec<SegmentDiff>,
    /// Campaigns of either program, in the same order (program order, not run order).
    pub campaigns: Vec<CampaignDiff>,
}

impl Diff {
    /// Entities of either run (the denominator of [`Diff::changed_share`]).
    pub fn total(&self) -> u64 {
        self.entities.both + self.entities.added.count + self.entities.removed.count
    }

    /// The share of entities whose assignment changed, from 0 to 1.
    pub fn changed_share(&self) -> f64 {
        share(self.changed.count, self.total())
    }

    /// Whether more than `percent` % of the entities changed assignment.
    pub fn moved_more_than(&self, percent: Decimal) -> bool {
        Decimal::from(self.changed.count) * Decimal::ONE_HUNDRED
            > percent * Decimal::from(self.total())
    }

    /// Whether nothing differs: both programs declare the same segmentations, segments
    /// and campaigns, no entity changed and every count is the same.
    pub fn is_empty(&self) -> bool {
        let both = |p: Presence| p == Presence::Both;
        self.changed.count == 0
            && self.segmentations.iter().all(|s| both(s.presence))
            && self
                .segments
                .iter()
                .all(|s| both(s.presence) && s.old_size == s.new_size)
            && self.campaigns.iter().all(CampaignDiff::is_unchanged)
    }
}

/// What a rendering says about the comparison besides the diff itself.
#[derive(Debug, Clone)]
pub struct About {
    /// How the old program is named (its path as given).
    pub old: String,
    /// How the new program is named.
    pub new: String,
    /// The date both runs are as of.
    pub as_of: NaiveDate,
}

/// Compares two runs over the same data, entity by entity, with each campaign's counts.
pub fn compare(old: Run, new: Run, options: Options) -> Diff {
    let (before, after) = (Assignments::of_run(old), Assignments::of_run(new));
    let mut diff = compare_views(&before, &after, &new.hir.entity.name, options);
    campaign::add_stats(&mut diff.campaigns, old, new);
    diff
}

/// Compares the assignments of an earlier run (read from its `assignments.csv`) with a
/// run, entity by entity. The file's names are first aligned with the program run (see
/// `docs/diff.md`); campaigns have no counts, only membership changes.
pub fn compare_previous(mut previous: Assignments, current: Run, options: Options) -> Diff {
    let now = Assignments::of_run(current);
    previous.align_to(&now);
    compare_views(&previous, &now, &current.hir.entity.name, options)
}

/// Compares two assignment views; `entity` names the entities in headlines.
fn compare_views(old: &Assignments, new: &Assignments, entity: &str, options: Options) -> Diff {
    let pairs = matching::pairs(&old.keys, &new.keys);
    let mut changed = vec![false; pairs.len()];
    let mut campaign_changed = vec![false; pairs.len()];
    let limit = options.sample;
    let segmentations = segmentation::compare_all(old, new, &pairs, limit, &mut changed);
    let segments = segment::compare_all(old, new, &pairs, limit, &mut changed);
    let campaigns = campaign::compare_all(old, new, &pairs, limit, &mut campaign_changed);
    for (flag, campaign) in changed.iter_mut().zip(&campaign_changed) {
        *flag |= *campaign;
    }
    Diff {
        entity: entity.to_string(),
        entities: matching::entities(old.keys.len(), new.keys.len(), &pairs, limit),
        changed: collect(&pairs, &changed, limit, |p| {
            p.old.is_none() || p.new.is_none()
        }),
        campaign_changed: collect(&pairs, &campaign_changed, limit, |_| false),
        segmentations,
        segments,
        campaigns,
    }
}

/// The keys whose flag is set, or that `also` picks.
fn collect(pairs: &[Pair], flags: &[bool], limit: usize, also: impl Fn(&Pair) -> bool) -> Keys {
    let mut keys = Keys::default();
    for (pair, &flag) in pairs.iter().zip(flags) {
        if flag || also(pair) {
            keys.add(&pair.key, limit);
        }
    }
    keys
}

/// Names of the items of two programs, matched by name: the old program's in order, then
/// the new program's others; each with its index in either program.
fn union_by_name<'a>(
    old: impl Iterator<Item = &'a str>,
    new: impl Iterator<Item = &'a str> + Clone,
) -> Vec<(&'a str, Option<usize>, Option<usize>)> {
    let find = |name: &str| new.clone().position(|n| n == name);
    let mut out: Vec<_> = old
        .enumerate()
        .map(|(i, name)| (name, Some(i), find(name)))
        .collect();
    for (j, name) in new.clone().enumerate() {
        if !out.iter().any(|(n, _, _)| *n == name) {
            out.push((name, None, Some(j)));
        }
    }
    out
}

/// `part / total`, 0 when there is nothing to divide.
fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}
