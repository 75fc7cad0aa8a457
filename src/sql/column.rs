//! SQL stage: the per-entity columns of the values table and their names.
//!
//! Entity fields keep their names; everything derived is named `kind.name` (`let.recency`,
//! `segment.vip`, `agg.3`): a dot never appears in a field name, so no derived column can
//! clash with a field.

use crate::check::hir::{AggId, Hir, LetId, PopId, SegmentId, SegmentationId};

/// One per-entity value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// An entity field.
    Field(usize),
    /// A `let`.
    Let(LetId),
    /// A hoisted event aggregate.
    Aggregate(AggId),
    /// A hoisted population function.
    Population(PopId),
    /// A standalone segment (bool).
    Segment(SegmentId),
    /// A segmentation (the name of the entity's segment, or null).
    Segmentation(SegmentationId),
}

impl Column {
    /// Its column name in the values table.
    pub fn name(self, hir: &Hir) -> String {
        match self {
            Column::Field(f) => hir.entity.fields[f].name.clone(),
            Column::Let(l) => format!("let.{}", hir.lets[l].name),
            Column::Aggregate(a) => format!("agg.{a}"),
            Column::Population(p) => format!("pop.{p}"),
            Column::Segment(s) => format!("segment.{}", hir.segments[s].name),
            Column::Segmentation(g) => format!("segmentation.{}", hir.segmentations[g].name),
        }
    }
}
