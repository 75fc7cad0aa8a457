//! Lint stage: regions of entities (one set per value, the other values free) and what is
//! left of some regions once others are taken away — whether earlier segments cover a
//! later one, and which entities no segment covers.

use std::collections::BTreeMap;

use super::alternatives::{Conj, Dim, DimId};
use super::intervals::Set;

/// The most pieces a remainder may split into before the analysis gives up.
const MAX_PIECES: usize = 4096;

/// The entities whose values lie in these sets (a value not listed is free).
pub(super) type Region = BTreeMap<DimId, Set>;

/// The regions of the alternatives that may hold.
pub(super) fn regions(alternatives: &[Conj]) -> Vec<Region> {
    alternatives
        .iter()
        .filter(|c| c.contradiction().is_none())
        .map(|c| c.sets().map(|(dim, set)| (dim, set.clone())).collect())
        .collect()
}

/// What is left of `target` once every region of `cuts` is taken away; `None` when the
/// remainder grows too large to tell.
pub(super) fn remainder(
    target: Vec<Region>,
    cuts: &[&Region],
    dims: &[Dim],
) -> Option<Vec<Region>> {
    let mut left = target;
    for cut in cuts {
        left = left.iter().flat_map(|r| subtract(r, cut, dims)).collect();
        if left.len() > MAX_PIECES {
            return None;
        }
    }
    Some(left)
}

/// Whether some entity lies in both regions.
pub(super) fn overlap(a: &Region, b: &Region, dims: &[Dim]) -> bool {
    a.iter().all(|(dim, set)| {
        b.get(dim)
            .is_none_or(|other| !set.intersect(other, dims[*dim].domain()).is_empty())
    })
}

/// `region` without `cut`, as disjoint pieces: for each value `cut` constrains, the part
/// outside it (with the earlier values inside).
fn subtract(region: &Region, cut: &Region, dims: &[Dim]) -> Vec<Region> {
    let mut inside = region.clone();
    let mut pieces = Vec::new();
    for (dim, cut_set) in cut {
        let domain = dims[*dim].domain();
        let have = inside.get(dim).unwrap_or(domain.full()).clone();
        let within = have.intersect(cut_set, domain);
        if within.is_empty() {
            return vec![region.clone()];
        }
        let outside = have.minus(cut_set, domain);
        if !outside.is_empty() {
            let mut piece = inside.clone();
            piece.insert(*dim, outside);
            pieces.push(piece);
        }
        inside.insert(*dim, within);
    }
    pieces
}
