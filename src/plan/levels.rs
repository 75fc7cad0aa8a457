//! Plan stage: which values the outputs need, and the level at which each is known.

use std::collections::BTreeSet;

use super::Stage;
use crate::check::hir::{AggId, Hir, LetId, PopId, TExpr, TExprKind};

/// The values the outputs need, by kind (sorted ids).
pub struct Needed {
    /// Needed `let`s.
    pub lets: BTreeSet<LetId>,
    /// Needed aggregates.
    pub aggregates: BTreeSet<AggId>,
    /// Needed population functions.
    pub populations: BTreeSet<PopId>,
    segments: BTreeSet<usize>,
    segmentations: BTreeSet<usize>,
}

impl Needed {
    /// Everything reachable from segments, segmentations, campaigns (and `let`s when
    /// their values are written).
    pub fn collect(hir: &Hir, with_values: bool) -> Needed {
        let mut needed = Needed {
            lets: BTreeSet::new(),
            aggregates: BTreeSet::new(),
            populations: BTreeSet::new(),
            segments: BTreeSet::new(),
            segmentations: BTreeSet::new(),
        };
        for i in 0..hir.segments.len() {
            needed.segment(hir, i);
        }
        for i in 0..hir.segmentations.len() {
            needed.segmentation(hir, i);
        }
        for campaign in &hir.campaigns {
            needed.expr(hir, &campaign.audience);
            for key in &campaign.rank_by {
                needed.expr(hir, &key.expr);
            }
            for d in campaign.variants.iter().flat_map(|v| &v.dos) {
                d.values
                    .iter()
                    .chain(&d.when)
                    .for_each(|e| needed.expr(hir, e));
            }
        }
        if with_values {
            for i in 0..hir.lets.len() {
                needed.let_(hir, i);
            }
        }
        needed
    }

    fn expr(&mut self, hir: &Hir, e: &TExpr) {
        match &e.kind {
            TExprKind::Let(i) => self.let_(hir, *i),
            TExprKind::Segment(i) => self.segment(hir, *i),
            TExprKind::SegmentOf(i, _) | TExprKind::SegmentationName(i) => {
                self.segmentation(hir, *i)
            }
            TExprKind::Aggregate(i) => {
                if self.aggregates.insert(*i)
                    && let Some(filter) = &hir.aggregates[*i].filter
                {
                    self.expr(hir, filter);
                }
            }
            TExprKind::Population(i) if self.populations.insert(*i) => {
                self.expr(hir, &hir.populations[*i].arg);
            }
            _ => {}
        }
        for child in e.children() {
            self.expr(hir, child);
        }
    }

    fn let_(&mut self, hir: &Hir, i: LetId) {
        if self.lets.insert(i) {
            self.expr(hir, &hir.lets[i].expr);
        }
    }

    fn segment(&mut self, hir: &Hir, i: usize) {
        if self.segments.insert(i) {
            self.expr(hir, &hir.segments[i].condition);
        }
    }

    fn segmentation(&mut self, hir: &Hir, i: usize) {
        if self.segmentations.insert(i) {
            for rule in &hir.segmentations[i].rules {
                if let Some(c) = &rule.condition {
                    self.expr(hir, c);
                }
            }
        }
    }
}

/// The level of every needed value (0: known from the entity file and params).
pub struct Levels {
    lets: Vec<Option<usize>>,
    aggregates: Vec<Option<usize>>,
    populations: Vec<Option<usize>>,
    segments: Vec<Option<usize>>,
    segmentations: Vec<Option<usize>>,
}

impl Levels {
    /// Computes the levels of the needed aggregates and population functions.
    pub fn compute(hir: &Hir, needed: &Needed) -> Levels {
        let mut levels = Levels {
            lets: vec![None; hir.lets.len()],
            aggregates: vec![None; hir.aggregates.len()],
            populations: vec![None; hir.populations.len()],
            segments: vec![None; hir.segments.len()],
            segmentations: vec![None; hir.segmentations.len()],
        };
        for &a in &needed.aggregates {
            levels.of_aggregate(hir, a);
        }
        for &p in &needed.populations {
            levels.of_population(hir, p);
        }
        levels
    }

    /// The highest level of any planned aggregate or population function.
    pub fn max_level(&self) -> usize {
        self.aggregates
            .iter()
            .chain(&self.populations)
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// An aggregate's level (needed aggregates only).
    pub fn aggregate(&self, a: AggId) -> usize {
        self.aggregates[a].unwrap_or(0)
    }

    /// A population function's level (needed ones only).
    pub fn population(&self, p: PopId) -> usize {
        self.populations[p].unwrap_or(0)
    }

    fn of_aggregate(&mut self, hir: &Hir, a: AggId) -> usize {
        if let Some(l) = self.aggregates[a] {
            return l;
        }
        let inner = hir.aggregates[a]
            .filter
            .as_ref()
            .map_or(0, |f| self.of_expr(hir, f));
        self.aggregates[a] = Some(inner + 1);
        inner + 1
    }

    fn of_population(&mut self, hir: &Hir, p: PopId) -> usize {
        if let Some(l) = self.populations[p] {
            return l;
        }
        let level = self.of_expr(hir, &hir.populations[p].arg) + 1;
        self.populations[p] = Some(level);
        level
    }

    /// The level at which an expression's value is known for every entity.
    pub fn of_expr(&mut self, hir: &Hir, e: &TExpr) -> usize {
        let own = match &e.kind {
            TExprKind::Let(i) => {
                self.memo(|s| &mut s.lets, *i, |s| s.of_expr(hir, &hir.lets[*i].expr))
            }
            TExprKind::Segment(i) => self.memo(
                |s| &mut s.segments,
                *i,
                |s| s.of_expr(hir, &hir.segments[*i].condition),
            ),
            TExprKind::SegmentOf(i, _) | TExprKind::SegmentationName(i) => self.memo(
                |s| &mut s.segmentations,
                *i,
                |s| {
                    hir.segmentations[*i]
                        .rules
                        .iter()
                        .filter_map(|r| r.condition.as_ref())
                        .map(|c| s.of_expr(hir, c))
                        .max()
                        .unwrap_or(0)
                },
            ),
            TExprKind::Aggregate(i) => self.of_aggregate(hir, *i),
            TExprKind::Population(i) => self.of_population(hir, *i),
            _ => 0,
        };
        e.children()
            .into_iter()
            .map(|c| self.of_expr(hir, c))
            .fold(own, usize::max)
    }

    /// A memoized level (the checker has ruled out cycles, so recursion ends).
    fn memo(
        &mut self,
        cache: fn(&mut Levels) -> &mut Vec<Option<usize>>,
        i: usize,
        compute: impl FnOnce(&mut Levels) -> usize,
    ) -> usize {
        if let Some(l) = cache(self)[i] {
            return l;
        }
        let l = compute(self);
        cache(self)[i] = Some(l);
        l
    }
}

/// Marks the `let`s read directly by `where` filters to be computed as columns first.
pub fn assign_materialized(hir: &Hir, needed: &Needed, levels: &Levels, stages: &mut [Stage]) {
    let mut done = BTreeSet::new();
    let mut by_level: Vec<AggId> = needed.aggregates.iter().copied().collect();
    by_level.sort_by_key(|&a| levels.aggregate(a));
    for a in by_level {
        let Some(filter) = &hir.aggregates[a].filter else {
            continue;
        };
        let mut lets = Vec::new();
        direct_lets(filter, &mut lets);
        let stage = levels.aggregate(a).saturating_sub(1);
        for l in lets {
            if done.insert(l) {
                stages[stage].materialize.push(l);
            }
        }
    }
}

fn direct_lets(e: &TExpr, out: &mut Vec<LetId>) {
    if let TExprKind::Let(i) = e.kind {
        out.push(i);
    }
    for child in e.children() {
        direct_lets(child, out);
    }
}
