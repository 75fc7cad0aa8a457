//! Check stage: AST modules → resolved, typed [`hir::Hir`], or every error found.
//!
//! [`check`] collects the declarations of all files, checks the schema items (entity,
//! events, params, actions), then every expression (lets lazily, in dependency order),
//! campaigns and metrics, and finally looks for cyclic definitions.

mod calls;
mod campaign;
mod cycles;
mod decls;
mod error;
mod expr;
pub mod hir;
mod schema;
pub(crate) mod suggest;
mod test_blocks;
pub mod types;

use std::collections::HashMap;

pub use error::CheckError;
pub use schema::{literal_to_const, literal_type_name};

use crate::syntax::{Program, Span, ast};
use hir::{Aggregate, Hir, Population, Record, TExpr};
use types::Type;

/// Checks a loaded program. Errors come sorted by position.
pub fn check(program: &Program) -> Result<Hir, Vec<CheckError>> {
    let items: Vec<&ast::Item> = program
        .modules
        .iter()
        .flat_map(|m| m.items.iter())
        .collect();
    let mut checker = Checker::new(&items);
    let hir = checker.run(&items);
    let mut errors = checker.errors;
    if errors.is_empty()
        && let Some(hir) = hir
    {
        return Ok(hir);
    }
    errors.sort_by_key(|e| e.span());
    Err(errors)
}

/// What a top-level name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decl {
    Entity,
    Events(usize),
    Param(usize),
    Let(usize),
    Segment(usize),
    Segmentation(usize),
    Action(usize),
    Campaign,
    Metric,
}

/// Where names in an expression are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Per entity: fields, lets, params, segments.
    Entity,
    /// Inside `where` of an aggregate over this stream: its fields first.
    Event(usize),
    /// The top of a metric formula: only metric aggregates.
    Metric,
}

/// The inference state of a `let`.
#[derive(Debug, Clone)]
enum LetState {
    Pending,
    InProgress,
    Done(TExpr),
}

/// Resolution and type-checking state for one program.
struct Checker<'a> {
    names: HashMap<String, (Decl, Span)>,
    entity: Option<Record>,
    key_field: Option<usize>,
    bad_time_streams: Vec<usize>,
    streams: Vec<hir::Stream>,
    pending_stream_decls: Vec<Span>,
    params: Vec<hir::Param>,
    let_items: Vec<&'a ast::LetDecl>,
    let_states: Vec<LetState>,
    segment_items: Vec<&'a ast::SegmentDecl>,
    segmentation_items: Vec<&'a ast::SegmentationDecl>,
    campaign_items: Vec<&'a ast::CampaignDecl>,
    actions: Vec<hir::Action>,
    aggregates: Vec<Aggregate>,
    aggregate_index: HashMap<String, usize>,
    populations: Vec<Population>,
    population_index: HashMap<String, usize>,
    errors: Vec<CheckError>,
}

impl<'a> Checker<'a> {
    fn new(items: &[&'a ast::Item]) -> Checker<'a> {
        let mut checker = Checker {
            names: HashMap::new(),
            entity: None,
            key_field: None,
            bad_time_streams: Vec::new(),
            streams: Vec::new(),
            pending_stream_decls: Vec::new(),
            params: Vec::new(),
            let_items: Vec::new(),
            let_states: Vec::new(),
            segment_items: Vec::new(),
            segmentation_items: Vec::new(),
            campaign_items: Vec::new(),
            actions: Vec::new(),
            aggregates: Vec::new(),
            aggregate_index: HashMap::new(),
            populations: Vec::new(),
            population_index: HashMap::new(),
            errors: Vec::new(),
        };
        checker.declare_all(items);
        checker
    }

    /// Checks everything; returns the HIR when the schema items could be built.
    fn run(&mut self, items: &[&'a ast::Item]) -> Option<Hir> {
        let lets = self.check_lets();
        let segments = self.check_segments();
        let segmentations = self.check_segmentations();
        let campaigns = self.check_campaigns(items);
        let max_campaigns = self.check_policy(items);
        let metrics = self.check_metrics(items);
        self.check_cycles(&lets, &segments, &segmentations);
        self.check_tests(items, &segmentations);
        let entity = self.entity.clone()?;
        Some(Hir {
            entity,
            key_field: self.key_field?,
            streams: std::mem::take(&mut self.streams),
            params: std::mem::take(&mut self.params),
            lets,
            segments,
            segmentations,
            aggregates: std::mem::take(&mut self.aggregates),
            populations: std::mem::take(&mut self.populations),
            actions: std::mem::take(&mut self.actions),
            campaigns,
            max_campaigns,
            metrics,
        })
    }

    fn error(&mut self, error: CheckError) {
        self.errors.push(error);
    }

    /// Checks every `let` (those not yet reached through a reference).
    fn check_lets(&mut self) -> Vec<hir::Let> {
        (0..self.let_items.len())
            .map(|id| {
                let expr = self.let_expr(id);
                let item = self.let_items[id];
                hir::Let {
                    name: item.name.name.clone(),
                    expr,
                    span: item.name.span,
                }
            })
            .collect()
    }

    /// The typed definition of a `let`, checking it on first use.
    fn let_expr(&mut self, id: usize) -> TExpr {
        match &self.let_states[id] {
            LetState::Done(expr) => return expr.clone(),
            LetState::InProgress => {
                let span = self.let_items[id].value.span;
                return TExpr {
                    kind: hir::TExprKind::Let(id),
                    ty: Type::error(),
                    span,
                };
            }
            LetState::Pending => {}
        }
        self.let_states[id] = LetState::InProgress;
        let item = self.let_items[id];
        let expr = self.expr(&item.value, Scope::Entity);
        self.let_states[id] = LetState::Done(expr.clone());
        expr
    }

    fn check_segments(&mut self) -> Vec<hir::Segment> {
        let items = self.segment_items.clone();
        items
            .iter()
            .map(|item| hir::Segment {
                name: item.name.name.clone(),
                label: item.label.as_ref().map(|l| l.value.clone()),
                condition: self.condition(
                    &item.condition,
                    "a segment's `when` condition",
                    Scope::Entity,
                ),
                span: item.name.span,
            })
            .collect()
    }

    fn check_segmentations(&mut self) -> Vec<hir::Segmentation> {
        let items = self.segmentation_items.clone();
        items
            .iter()
            .map(|item| self.check_segmentation(item))
            .collect()
    }

    fn check_segmentation(&mut self, item: &ast::SegmentationDecl) -> hir::Segmentation {
        let last = item.segments.len().saturating_sub(1);
        let mut rules = Vec::new();
        for (i, rule) in item.segments.iter().enumerate() {
            let condition = match &rule.condition {
                ast::SegmentCondition::When(e) => {
                    Some(self.condition(e, "a segment's `when` condition", Scope::Entity))
                }
                ast::SegmentCondition::Otherwise(span) => {
                    if i != last {
                        self.error(CheckError::OtherwiseNotLast {
                            segmentation: item.name.name.clone(),
                            segment: rule.name.name.clone(),
                            span: *span,
                        });
                    }
                    None
                }
            };
            rules.push(hir::SegmentRule {
                name: rule.name.name.clone(),
                label: rule.label.as_ref().map(|l| l.value.clone()),
                condition,
                span: rule.name.span,
            });
        }
        hir::Segmentation {
            name: item.name.name.clone(),
            label: item.label.as_ref().map(|l| l.value.clone()),
            rules,
            span: item.name.span,
        }
    }

    fn check_policy(&mut self, items: &[&ast::Item]) -> Option<u32> {
        let mut result = None;
        let mut seen = false;
        for item in items {
            let ast::Item::Policy(policy) = item else {
                continue;
            };
            if seen {
                self.error(CheckError::BadClause {
                    message: "the program has more than one `policy`".into(),
                    span: policy.span,
                    help: "keep one `policy { max_campaigns N }`".into(),
                });
            }
            seen = true;
            match u32::try_from(policy.max_campaigns) {
                Ok(n) => result = Some(n),
                Err(_) => self.error(CheckError::InvalidArgument {
                    message: format!("`max_campaigns` must be from 0 to {}, found {}", u32::MAX, policy.max_campaigns),
                    span: policy.max_span,
                    help: "write how many campaigns one entity may take part in, e.g. `max_campaigns 1`".into(),
                }),
            }
        }
        result
    }

    fn check_metrics(&mut self, items: &[&ast::Item]) -> Vec<hir::Metric> {
        let mut metrics = Vec::new();
        for item in items {
            let ast::Item::Metric(metric) = item else {
                continue;
            };
            let expr = self.expr(&metric.value, Scope::Metric);
            metrics.push(hir::Metric {
                name: metric.name.name.clone(),
                label: metric.label.as_ref().map(|l| l.value.clone()),
                expr,
                span: metric.name.span,
            });
        }
        metrics
    }
}
