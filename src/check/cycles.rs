//! Check stage: cyclic definitions among `let`s, segments and segmentations, and chains of
//! them that would need too many plan levels.

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
                    .map(|r| match *r {
                        Node::Let(i) => i,
                        Node::Segment(i) => lets.len() + i,
                        Node::Segmentation(i) => lets.len() + segments.len() + i,
                    })
                    .collect()
            })
            .collect();
        let components = strong_components(&edges);
        let mut reported = vec![false; nodes.len()];
        let errors_before = self.errors.len();
        for start in 0..nodes.len() {
            if reported[start] {
                continue;
            }
            let component = components[start];
            let in_component = |n: usize| components[n] == component;
            if let Some(path) = find_cycle(start, &edges, &in_component) {
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
        if self.errors.len() == errors_before {
            let exprs: Vec<Vec<&TExpr>> = nodes.iter().map(|n| n.3.clone()).collect();
            let counts = (lets.len(), segments.len());
            let levels = node_levels(&exprs, &edges, counts, &self.aggregates, &self.populations);
            let too_deep = (0..nodes.len())
                .filter(|&n| levels[n] > MAX_LEVELS)
                .min_by_key(|&n| levels[n]);
            if let Some(n) = too_deep {
                self.error(CheckError::TooManyLevels {
                    name: nodes[n].1.clone(),
                    levels: levels[n],
                    max: MAX_LEVELS,
                    span: nodes[n].2,
                });
            }
        }
    }
}

/// The most plan levels a program may need. Each level is a pass over the events files
/// (when it has aggregates) and over all entities, and keeps its values for every entity
/// until the end of the run; real programs need two to four (docs/decisions.md).
pub(super) const MAX_LEVELS: usize = 64;

/// The plan level of each definition (as `plan::levels` computes it: an aggregate is one
/// level above what its `where` reads, a population function one above its argument),
/// without recursing from one definition into another, so that a long chain of `let`s
/// cannot overflow the stack. `edges` must be free of cycles. Definitions are numbered
/// `let`s first, then segments (`counts.0` lets), then segmentations (after `counts.1`
/// segments).
fn node_levels(
    exprs: &[Vec<&TExpr>],
    edges: &[Vec<usize>],
    counts: (usize, usize),
    aggregates: &[Aggregate],
    populations: &[Population],
) -> Vec<usize> {
    let mut levels: Vec<Option<usize>> = vec![None; exprs.len()];
    for start in 0..exprs.len() {
        let mut stack = vec![(start, false)];
        while let Some((n, ready)) = stack.pop() {
            if levels[n].is_some() {
                continue;
            }
            if ready {
                let known = |node: Node| {
                    let i = match node {
                        Node::Let(i) => i,
                        Node::Segment(i) => counts.0 + i,
                        Node::Segmentation(i) => counts.0 + counts.1 + i,
                    };
                    levels[i].unwrap_or(0)
                };
                let level = exprs[n]
                    .iter()
                    .map(|e| expr_level(e, aggregates, populations, &known))
                    .max()
                    .unwrap_or(0);
                levels[n] = Some(level);
            } else {
                stack.push((n, true));
                stack.extend(
                    edges[n]
                        .iter()
                        .filter(|&&d| levels[d].is_none())
                        .map(|&d| (d, false)),
                );
            }
        }
    }
    levels.into_iter().map(|l| l.unwrap_or(0)).collect()
}

/// The level of an expression, given the levels of the definitions it reads.
fn expr_level(
    e: &TExpr,
    aggregates: &[Aggregate],
    populations: &[Population],
    known: &dyn Fn(Node) -> usize,
) -> usize {
    let own = match &e.kind {
        TExprKind::Let(i) => known(Node::Let(*i)),
        TExprKind::Segment(i) => known(Node::Segment(*i)),
        TExprKind::SegmentOf(i, _) | TExprKind::SegmentationName(i) => {
            known(Node::Segmentation(*i))
        }
        TExprKind::Aggregate(i) => {
            1 + aggregates[*i]
                .filter
                .as_ref()
                .map_or(0, |f| expr_level(f, aggregates, populations, known))
        }
        TExprKind::Population(i) => {
            1 + expr_level(&populations[*i].arg, aggregates, populations, known)
        }
        _ => 0,
    };
    e.children()
        .into_iter()
        .map(|c| expr_level(c, aggregates, populations, known))
        .fold(own, usize::max)
}

/// A path from `start` back to itself, if one exists (depth-first), through the nodes
/// `inside` accepts: `start`'s strongly connected component, since no other node leads
/// back to `start` (so the path is the one a search of the whole graph finds, found in
/// time proportional to the component).
fn find_cycle(
    start: usize,
    edges: &[Vec<usize>],
    inside: &dyn Fn(usize) -> bool,
) -> Option<Vec<usize>> {
    let mut visited = vec![false; edges.len()];
    let mut path = vec![start];
    fn walk(
        node: usize,
        start: usize,
        edges: &[Vec<usize>],
        inside: &dyn Fn(usize) -> bool,
        visited: &mut [bool],
        path: &mut Vec<usize>,
    ) -> bool {
        for &next in &edges[node] {
            if next == start {
                return true;
            }
            if !visited[next] && inside(next) {
                visited[next] = true;
                path.push(next);
                if walk(next, start, edges, inside, visited, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(start, start, edges, inside, &mut visited, &mut path).then_some(path)
}

/// The strongly connected component of each node (Tarjan's algorithm, without
/// recursion): two nodes share a number when each leads to the other.
fn strong_components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let (mut next_index, mut next_component) = (0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // Each frame: a node and how many of its edges have been followed.
        let mut frames = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut followed)) = frames.last_mut() {
            if let Some(&next) = edges[node].get(*followed) {
                *followed += 1;
                if index[next] == UNSEEN {
                    index[next] = next_index;
                    low[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    frames.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_share_a_component_exactly_when_each_leads_to_the_other() {
        // 0 → 1 → 2 → 0 is a cycle, 3 → 4 → 3 another, 5 → 0 and 6 (itself) alone.
        let edges = vec![
            vec![1],
            vec![2],
            vec![0],
            vec![4, 0],
            vec![3],
            vec![0],
            vec![6],
        ];
        let c = strong_components(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] == c[4] && c[3] != c[0]);
        let distinct = |a: usize, b: usize| c[a] != c[b];
        assert!(distinct(5, 0) && distinct(5, 3) && distinct(6, 0) && distinct(6, 5));
    }

    #[test]
    fn a_long_chain_has_one_component_per_node_and_no_cycle() {
        let edges: Vec<Vec<usize>> = (0..50_000).map(|i| vec![i + 1]).chain([vec![]]).collect();
        let c = strong_components(&edges);
        let mut sorted = c.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), edges.len());
        let inside = |n: usize| c[n] == c[0];
        assert_eq!(find_cycle(0, &edges, &inside), None);
    }

    #[test]
    fn the_cycle_found_is_the_path_through_the_component() {
        let edges = vec![vec![3, 1], vec![2], vec![0], vec![]];
        let c = strong_components(&edges);
        let inside = |n: usize| c[n] == c[0];
        assert_eq!(find_cycle(0, &edges, &inside), Some(vec![0, 1, 2]));
    }
}
