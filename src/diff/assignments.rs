//! Diff stage, input: [`Assignments`], what a run assigned to each entity by name — the
//! view every comparison works on. It is built from a run (HIR + outcome) or read from
//! the `assignments.csv` of an earlier run (`read.rs`).

use std::sync::Arc;

use super::Run;
use crate::check::hir::Campaign;
use crate::exec::HOLDOUT;

/// The name the outputs give the control group.
const HOLDOUT_NAME: &str = "holdout";

/// What one run assigned to each entity, by name: per entity key its segment in each
/// segmentation, its standalone segments and its `campaign:variant` memberships.
///
/// Entities are in key (byte) order; every column below has one cell per entity, in
/// that order.
#[derive(Debug, Clone)]
pub struct Assignments {
    /// Entity keys in their output text form, sorted.
    pub(super) keys: Vec<Arc<str>>,
    /// Segmentations in program order: each entity's segment, if any.
    pub(super) segmentations: Vec<Labelled>,
    /// Standalone segments in program order (read from a file: in order of appearance,
    /// until aligned): who holds each.
    pub(super) segments: Vec<Membership>,
    /// Campaigns, ordered as the segments: each entity's variant (`holdout` for the
    /// control group), if the campaign accepted it.
    pub(super) campaigns: Vec<Labelled>,
}

/// A named column giving each entity at most one of a few names (a segmentation's
/// segment, a campaign's variant).
#[derive(Debug, Clone)]
pub(super) struct Labelled {
    /// The segmentation or campaign.
    pub name: String,
    /// The names an entity may get (declared order for a run).
    pub labels: Vec<String>,
    /// Each entity's name, as an index into `labels`.
    pub of: Vec<Option<u16>>,
}

/// A named column saying which entities hold a standalone segment.
#[derive(Debug, Clone)]
pub(super) struct Membership {
    /// The segment.
    pub name: String,
    /// Whether each entity holds it.
    pub members: Vec<bool>,
}

impl Labelled {
    /// The name entity `e` has here, if any.
    pub fn label_of(&self, e: usize) -> Option<&str> {
        self.of[e].map(|i| self.labels[usize::from(i)].as_str())
    }

    /// Puts `like` first among the labels, in its order, then the others as they were;
    /// labels of `like` that are missing are added (held by nobody).
    fn relabel(&mut self, like: &[String]) {
        let mut labels: Vec<String> = like.to_vec();
        labels.extend(self.labels.iter().filter(|l| !like.contains(l)).cloned());
        let moved: Vec<Option<u16>> = self
            .labels
            .iter()
            .map(|l| labels.iter().position(|n| n == l).and_then(to_u16))
            .collect();
        for cell in &mut self.of {
            *cell = cell.and_then(|i| moved[usize::from(i)]);
        }
        self.labels = labels;
    }
}

/// `i` as a label index (a run or a file read has fewer than `u16::MAX` labels).
fn to_u16(i: usize) -> Option<u16> {
    u16::try_from(i).ok()
}

impl Assignments {
    /// What a run assigned: every segmentation, standalone segment and campaign the
    /// program declares, in program order, held by nobody or many.
    pub fn of_run(run: Run) -> Assignments {
        let order = KeyOrder(run.outcome.by_key.iter().map(|&e| e as usize).collect());
        Assignments {
            keys: order.apply(&run.outcome.keys),
            segmentations: segmentations_of(run, &order),
            segments: segments_of(run, &order),
            campaigns: campaigns_of(run, &order),
        }
    }

    /// Aligns the names of an earlier run's file with the program now run (`current`):
    /// segments, standalone segments and campaigns that `current` declares come first,
    /// in its order, followed by those only the file shows. A file cannot show a name
    /// nobody held, so the names `current` declares are taken as declared before too
    /// (held by nobody); a segmentation is declared when the file has its column.
    pub(super) fn align_to(&mut self, current: &Assignments) {
        for s in &mut self.segmentations {
            if let Some(now) = current.segmentations.iter().find(|n| n.name == s.name) {
                s.relabel(&now.labels);
            }
        }
        let n = self.keys.len();
        self.segments = align(std::mem::take(&mut self.segments), &current.segments, |m| {
            Membership {
                name: m.name.clone(),
                members: vec![false; n],
            }
        });
        self.campaigns = align(
            std::mem::take(&mut self.campaigns),
            &current.campaigns,
            |c| Labelled {
                name: c.name.clone(),
                labels: Vec::new(),
                of: vec![None; n],
            },
        );
    }
}

/// A run's entity indices in key order.
struct KeyOrder(Vec<usize>);

impl KeyOrder {
    /// A per-entity column of the run, in key order.
    fn apply<T: Clone>(&self, column: &[T]) -> Vec<T> {
        self.0.iter().map(|&e| column[e].clone()).collect()
    }
}

/// Each segmentation of a run: its segment names and each entity's segment.
fn segmentations_of(run: Run, order: &KeyOrder) -> Vec<Labelled> {
    let columns = run.hir.segmentations.iter().zip(&run.outcome.segmentations);
    columns
        .map(|(s, column)| Labelled {
            name: s.name.clone(),
            labels: s.rules.iter().map(|r| r.name.clone()).collect(),
            of: order.apply(column),
        })
        .collect()
}

/// Each standalone segment of a run and who holds it.
fn segments_of(run: Run, order: &KeyOrder) -> Vec<Membership> {
    let columns = run.hir.segments.iter().zip(&run.outcome.segments);
    columns
        .map(|(s, column)| Membership {
            name: s.name.clone(),
            members: order.apply(column),
        })
        .collect()
}

/// Each campaign of a run: its variant names (then `holdout`) and each entity's variant.
fn campaigns_of(run: Run, order: &KeyOrder) -> Vec<Labelled> {
    let campaigns = run.hir.campaigns.iter().enumerate();
    campaigns
        .map(|(c, campaign)| Labelled {
            name: campaign.name.clone(),
            labels: variant_names(campaign),
            of: order.apply(&campaign_column(run, c)),
        })
        .collect()
}

/// Each entity's variant index in campaign `c` ([`HOLDOUT`] as the last label), by
/// entity index.
fn campaign_column(run: Run, c: usize) -> Vec<Option<u16>> {
    let mut column = vec![None; run.outcome.keys.len()];
    let holdout = to_u16(run.hir.campaigns[c].variants.len());
    let result = run.outcome.campaigns.iter().find(|r| r.campaign == c);
    for &(e, variant) in result.map_or(&[][..], |r| r.accepted.as_slice()) {
        column[e as usize] = if variant == HOLDOUT {
            holdout
        } else {
            Some(variant)
        };
    }
    column
}

/// A campaign's variant names, then `holdout`.
fn variant_names(campaign: &Campaign) -> Vec<String> {
    let names = campaign.variants.iter().map(|v| v.name.clone());
    names.chain([HOLDOUT_NAME.to_string()]).collect()
}

/// Something with a name, to be matched by it.
trait Named {
    fn name(&self) -> &str;
}

impl Named for Labelled {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for Membership {
    fn name(&self) -> &str {
        &self.name
    }
}

/// `items` ordered like `like` (an item `like` has and `items` lacks made by `empty`),
/// then the items `like` lacks, in their order.
fn align<T: Named>(items: Vec<T>, like: &[T], empty: impl Fn(&T) -> T) -> Vec<T> {
    let mut rest: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let mut out: Vec<T> = like
        .iter()
        .map(|wanted| {
            let found = rest
                .iter_mut()
                .find(|item| item.as_ref().is_some_and(|i| i.name() == wanted.name()));
            found
                .and_then(Option::take)
                .unwrap_or_else(|| empty(wanted))
        })
        .collect();
    out.extend(rest.into_iter().flatten());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabel_puts_the_program_order_first_and_keeps_every_entity() {
        let mut column = Labelled {
            name: "tier".into(),
            labels: vec!["b".into(), "x".into()],
            of: vec![Some(0), None, Some(1)],
        };
        column.relabel(&["a".into(), "b".into()]);
        assert_eq!(column.labels, ["a", "b", "x"]);
        let cells: Vec<Option<&str>> = (0..3).map(|e| column.label_of(e)).collect();
        assert_eq!(cells, [Some("b"), None, Some("x")]);
    }

    #[test]
    fn align_orders_like_the_program_and_adds_what_nobody_held() {
        let member = |name: &str| Membership {
            name: name.into(),
            members: vec![true],
        };
        let aligned = align(
            vec![member("gone"), member("b")],
            &[member("a"), member("b")],
            |m| Membership {
                name: m.name.clone(),
                members: vec![false],
            },
        );
        let shown: Vec<(&str, bool)> = aligned
            .iter()
            .map(|m| (m.name.as_str(), m.members[0]))
            .collect();
        assert_eq!(shown, [("a", false), ("b", true), ("gone", true)]);
    }
}
