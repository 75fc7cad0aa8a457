//! Lint stage: segments that earlier segments of their segmentation always take first
//! (`unreachable_segment`), and segmentations without `otherwise` that leave entities in
//! no segment (`segmentation_gap`).

use miette::LabeledSpan;

use super::alternatives::Dim;
use super::conditions::Analyzer;
use super::coverage::{Region, overlap, regions, remainder};
use super::diagnostic::Lint;
use super::domains::Types;
use super::intervals::Set;
use super::walk;
use crate::syntax::Program;
use crate::syntax::ast::{Item, SegmentCondition, SegmentationDecl};

/// The warnings about every segmentation of the program.
pub(super) fn lints(program: &Program, types: &Types) -> Vec<Lint> {
    walk::items(program)
        .filter_map(|item| match item {
            Item::Segmentation(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| Segmentation::new(s, types).lints())
        .collect()
}

/// One segmentation, its segments read as regions of entities.
struct Segmentation<'a> {
    decl: &'a SegmentationDecl,
    /// Per segment, the entities its condition takes (`otherwise`: all of them);
    /// `None` when the condition cannot be analysed.
    rules: Vec<Option<Vec<Region>>>,
    dims: Vec<Dim>,
}

impl<'a> Segmentation<'a> {
    fn new(decl: &'a SegmentationDecl, types: &Types) -> Segmentation<'a> {
        let mut analyzer = Analyzer::new(types);
        let rules = decl
            .segments
            .iter()
            .map(|rule| match &rule.condition {
                SegmentCondition::When(e) => analyzer.conditions(e).map(|c| regions(&c)),
                SegmentCondition::Otherwise(_) => Some(vec![Region::new()]),
            })
            .collect();
        Segmentation {
            decl,
            rules,
            dims: analyzer.dims().to_vec(),
        }
    }

    fn lints(&self) -> Vec<Lint> {
        let unreachable = (0..self.rules.len()).filter_map(|k| self.unreachable(k));
        unreachable.chain(self.gap()).collect()
    }

    /// The warning for segment `k` when earlier segments take every entity it would.
    ///
    /// A segment whose condition never holds is left to `never_true`.
    fn unreachable(&self, k: usize) -> Option<Lint> {
        let target = self.rules[k].as_ref().filter(|r| !r.is_empty())?;
        let earlier: Vec<usize> = (0..k).filter(|&j| self.rules[j].is_some()).collect();
        if !self.covers(target, &earlier) {
            return None;
        }
        let covering = self.takers(target, earlier);
        let rule = &self.decl.segments[k];
        let names: Vec<String> = covering
            .iter()
            .map(|&j| format!("`{}`", self.decl.segments[j].name.name))
            .collect();
        let labels = covering.iter().map(|&j| {
            let name = &self.decl.segments[j].name;
            LabeledSpan::new_with_span(Some("comes first".into()), name.span)
        });
        Some(Lint::UnreachableSegment {
            segmentation: self.decl.name.name.clone(),
            segment: rule.name.name.clone(),
            span: rule.name.span,
            covering: labels.collect(),
            help: format!(
                "every entity it would take falls into {} first (the first match wins); reorder the segments, or narrow the earlier condition",
                or_list(&names)
            ),
        })
    }

    /// Whether the segments `by` together take every entity of `target`.
    fn covers(&self, target: &[Region], by: &[usize]) -> bool {
        let cuts: Vec<&Region> = by
            .iter()
            .filter_map(|&j| self.rules[j].as_ref())
            .flatten()
            .collect();
        remainder(target.to_vec(), &cuts, &self.dims).is_some_and(|left| left.is_empty())
    }

    /// The segments among `earlier` that take some entity of `target`, the first match
    /// winning: each is given what the segments before it left.
    fn takers(&self, target: &[Region], earlier: Vec<usize>) -> Vec<usize> {
        let mut left = target.to_vec();
        let mut takers = Vec::new();
        for j in earlier {
            let Some(regions) = &self.rules[j] else {
                continue;
            };
            if left
                .iter()
                .any(|l| regions.iter().any(|r| overlap(l, r, &self.dims)))
            {
                takers.push(j);
            }
            let cuts: Vec<&Region> = regions.iter().collect();
            match remainder(left, &cuts, &self.dims) {
                Some(rest) => left = rest,
                None => break,
            }
        }
        takers
    }

    /// The warning for a segmentation whose segments, all over one value, leave some of
    /// its values out (an `otherwise` leaves none).
    fn gap(&self) -> Option<Lint> {
        let [dim] = self.dims.as_slice() else {
            return None;
        };
        let analysed: Vec<&Vec<Region>> = self
            .rules
            .iter()
            .map(Option::as_ref)
            .collect::<Option<_>>()?;
        let cuts: Vec<&Region> = analysed.into_iter().flatten().collect();
        let left = remainder(vec![Region::new()], &cuts, &self.dims)?;
        let gap = left.iter().fold(Set::empty(), |acc, region| {
            let set = region.get(&0).unwrap_or(dim.domain().full());
            acc.union(set, dim.domain())
        });
        self.gap_lint(dim, &gap)
    }

    fn gap_lint(&self, dim: &Dim, gap: &Set) -> Option<Lint> {
        let add = "add `segment NAME otherwise` as the last segment, or widen the conditions";
        let (example, help) = match (gap.sample(dim.domain()), gap.has_null()) {
            (Some(key), true) => (
                dim.example(&key),
                format!(
                    "an entity with {} matches none either; {add}",
                    dim.null_example()
                ),
            ),
            (Some(key), false) => (dim.example(&key), add.to_string()),
            (None, true) => (dim.null_example(), add.to_string()),
            (None, false) => return None,
        };
        Some(Lint::SegmentationGap {
            segmentation: self.decl.name.name.clone(),
            example,
            span: self.decl.name.span,
            help,
        })
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
fn or_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
