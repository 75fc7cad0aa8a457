//! Diff stage: campaign funnels side by side, and who changes campaign assignment.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::assignments::{Assignments, Labelled};
use super::matching::{Pair, matched};
use super::{Keys, Move, Presence, Run, union_by_name};

/// What one campaign did in one run (as in `summary.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignStats {
    /// Whether as_of lies inside its window.
    pub active: bool,
    /// Entities whose audience held and whom the policy allowed.
    pub eligible: u64,
    /// Eligible entities with no would-be action.
    pub skipped: u64,
    /// Accepted entities in the holdout group.
    pub holdout: u64,
    /// Accepted treated entities.
    pub treated: u64,
    /// Candidates cut by the budget or cap.
    pub cut: u64,
    /// Total cost of the treated entities.
    pub total_cost: Decimal,
    /// Accepted treated entities per variant, in program order.
    pub variants: Vec<(String, u64)>,
}

/// One campaign (matched by name) in both runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDiff {
    /// The campaign's name.
    pub name: String,
    /// Which programs declare it.
    pub presence: Presence,
    /// Its counts in the old run, if the old program declares it (and the old side is a
    /// run: an `assignments.csv` has no counts).
    pub old: Option<CampaignStats>,
    /// Its counts in the new run, if the new program declares it.
    pub new: Option<CampaignStats>,
    /// Entities whose assignment in this campaign changed, by (old, new) variant
    /// (`None`: not accepted; `holdout`: the control group), largest first.
    pub changes: Vec<Move>,
}

/// One count of a campaign in both runs (absent when the program lacks the campaign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// `eligible`, `skipped`, `holdout`, `treated`, `cut`, `total_cost`, or a variant name.
    pub name: String,
    /// The old run's value.
    pub old: Option<Decimal>,
    /// The new run's value.
    pub new: Option<Decimal>,
}

/// Reads one count of a campaign's stats.
type Count = fn(&CampaignStats) -> Decimal;

impl Measure {
    /// New minus old, a missing side counting as 0.
    pub fn delta(&self) -> Decimal {
        let old = self.old.unwrap_or_default();
        self.new.unwrap_or_default().saturating_sub(old)
    }
}

impl CampaignDiff {
    /// Entities whose assignment in this campaign changed.
    pub fn changed(&self) -> u64 {
        self.changes.iter().map(|m| m.keys.count).sum()
    }

    /// The funnel counts and the total cost, old and new.
    pub fn measures(&self) -> Vec<Measure> {
        let fields: [(&str, Count); 6] = [
            ("eligible", |s| s.eligible.into()),
            ("skipped", |s| s.skipped.into()),
            ("holdout", |s| s.holdout.into()),
            ("treated", |s| s.treated.into()),
            ("cut", |s| s.cut.into()),
            ("total_cost", |s| s.total_cost),
        ];
        fields
            .iter()
            .map(|(name, get)| Measure {
                name: name.to_string(),
                old: self.old.as_ref().map(get),
                new: self.new.as_ref().map(get),
            })
            .collect()
    }

    /// Treated entities per variant of either program (matched by name), old and new.
    pub fn variant_measures(&self) -> Vec<Measure> {
        let (old, new) = (variants(&self.old), variants(&self.new));
        union_by_name(
            old.iter().map(|(n, _)| n.as_str()),
            new.iter().map(|(n, _)| n.as_str()),
        )
        .into_iter()
        .map(|(name, o, n)| Measure {
            name: name.to_string(),
            old: o.map(|i| old[i].1.into()),
            new: n.map(|i| new[i].1.into()),
        })
        .collect()
    }

    /// Whether the campaign is in both programs with the same counts and members.
    pub fn is_unchanged(&self) -> bool {
        self.presence == Presence::Both && self.old == self.new && self.changes.is_empty()
    }
}

/// The per-variant counts of one side (none when the program lacks the campaign).
fn variants(stats: &Option<CampaignStats>) -> &[(String, u64)] {
    stats.as_ref().map_or(&[], |s| s.variants.as_slice())
}

/// One side's campaign (each entity's variant in it), if it has it.
type Side<'a> = Option<&'a Labelled>;

/// Who changes assignment in every campaign of either side; marks the entities whose
/// campaign assignment changed. The counts of each run are left out (see [`add_stats`]).
pub(super) fn compare_all(
    old: &Assignments,
    new: &Assignments,
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> Vec<CampaignDiff> {
    let names = union_by_name(
        old.campaigns.iter().map(|c| c.name.as_str()),
        new.campaigns.iter().map(|c| c.name.as_str()),
    );
    names
        .into_iter()
        .map(|(name, o, n)| {
            let sides = (o.map(|i| &old.campaigns[i]), n.map(|i| &new.campaigns[i]));
            compare(name, sides, pairs, limit, changed)
        })
        .collect()
}

/// One campaign on both sides.
fn compare(
    name: &str,
    (old, new): (Side, Side),
    pairs: &[Pair],
    limit: usize,
    changed: &mut [bool],
) -> CampaignDiff {
    let mut changes: BTreeMap<(Option<&str>, Option<&str>), Keys> = BTreeMap::new();
    for m in matched(pairs) {
        let from = old.and_then(|c| c.label_of(m.old));
        let to = new.and_then(|c| c.label_of(m.new));
        if from != to {
            changes.entry((from, to)).or_default().add(m.key, limit);
            changed[m.index] = true;
        }
    }
    let mut changes: Vec<Move> = changes
        .into_iter()
        .map(|((from, to), keys)| Move {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            keys,
        })
        .collect();
    changes.sort_by_key(|m| std::cmp::Reverse(m.keys.count));
    CampaignDiff {
        name: name.to_string(),
        presence: Presence::of(old.is_some(), new.is_some()),
        old: None,
        new: None,
        changes,
    }
}

/// Adds what only a run has: each campaign's counts in the runs that declare it.
pub(super) fn add_stats(campaigns: &mut [CampaignDiff], old: Run, new: Run) {
    for c in campaigns {
        c.old = stats(old, &c.name);
        c.new = stats(new, &c.name);
    }
}

/// The counts of the campaign `name` in one run, if the program declares it.
fn stats(run: Run, name: &str) -> Option<CampaignStats> {
    let i = run.hir.campaigns.iter().position(|c| c.name == name)?;
    let result = run.outcome.campaigns.iter().find(|r| r.campaign == i)?;
    let names = run.hir.campaigns[i].variants.iter().map(|v| v.name.clone());
    Some(CampaignStats {
        active: result.active,
        eligible: result.eligible,
        skipped: result.skipped,
        holdout: result.holdout,
        treated: result.treated,
        cut: result.cut,
        total_cost: result.total_cost,
        variants: names.zip(result.variant_counts.iter().copied()).collect(),
    })
}
