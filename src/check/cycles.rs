//! Check stage: cyclic definitions among `let`s, segments and segmentations.

use super::Checker;
use super::hir::{Aggregate, Let, Population, Segment, Segmentation, TExpr, TExprKind};
use crate::check::CheckError;
use crate::syntax::Span;

/// A definition that other definitions may depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Let(usize),
    Segment(usize),
    Segmentation(usize),
}

/// The definitions an expression refers to, looking through hoisted aggregates and
/// population functions.
fn references(
    expr: &TExpr,
    aggregates: &[Aggregate],
    populations: &[Population],
    out: &mut Vec<Node>,
) {
    match &expr.kind {
        TExprKind::Let(i) => out.push(Node::Let(*i)),
        TExprKind::Segment(i) => out.push(Node::Segment(*i)),
        TExprKind::SegmentOf(i, _) | TExprKind::SegmentationName(i) => {
            out.push(Node::Segmentation(*i))
        }
        TExprKind::Aggregate(i) => {
            if let Some(filter) = &aggregates[*i].filter {
                references(filter, aggregates, populations, out);
            }
        }
        TExprKind::Population(i) => references(&populations[*i].arg, aggregates, populations, out),
        _ => {}
    }
    for child in expr.children() {
        references(child, aggregates, populations, out);
    }
}

impl Checker<'_> {
    /// Reports each cycle once, at its first definition in program order.
    pub(super) fn check_cycles(
        &mut self,
        lets: &[Let],
        segments: &[Segment],
        segmentations: &[Segmentation],
    ) {
        let nodes: Vec<(Node, String, Span, Vec<&TExpr>)> =
            lets.iter()
                .enumerate()
                .map(|(i, l)| (Node::Let(i), l.name.clone(), l.span, vec![&l.expr]))
                .chain(
                    segments.iter().enumerate().map(|(i, s)| {
                        (Node::Segment(i), s.name.clone(), s.span, vec![&s.condition])
                    }),
                )
                .chain(segmentations.iter().enumerate().map(|(i, s)| {
                    (
                        Node::Segmentation(i),
                        s.name.clone(),
                        s.span,
                        s.rules
                            .iter()
                            .filter_map(|r| r.condition.as_ref())
                            .collect(),
                    )
                }))
                .collect();
        let edges: Vec<Vec<usize>> = nodes
            .iter()
            .map(|(_, _, _, exprs)| {
                let mut refs = Vec::new();
                for e in exprs {
                    references(e, &self.aggregates, &self.populations, &mut refs);
                }
                refs.iter()
                    .filter_map(|r| nodes.iter().position(|(n, ..)| n == r))
                    .collect()
            })
            .collect();
        let mut reported = vec![false; nodes.len()];
        for start in 0..nodes.len() {
            if reported[start] {
                continue;
            }
            if let Some(path) = find_cycle(start, &edges) {
                for &n in &path {
                    reported[n] = true;
                }
                let names: Vec<&str> = path
                    .iter()
                    .chain(std::iter::once(&start))
                    .map(|&n| nodes[n].1.as_str())
                    .collect();
                self.error(CheckError::CyclicDefinition {
                    name: nodes[start].1.clone(),
                    cycle: names.join(" → "),
                    span: nodes[start].2,
                });
            }
        }
    }
}

/// A path from `start` back to itself, if one exists (depth-first).
fn find_cycle(start: usize, edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut visited = vec![false; edges.len()];
    let mut path = vec![start];
    fn walk(
        node: usize,
        start: usize,
        edges: &[Vec<usize>],
        visited: &mut [bool],
        path: &mut Vec<usize>,
    ) -> bool {
        for &next in &edges[node] {
            if next == start {
                return true;
            }
            if !visited[next] {
                visited[next] = true;
                path.push(next);
                if walk(next, start, edges, visited, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(start, start, edges, &mut visited, &mut path).then_some(path)
}
