//! Explain stage: [`Outcome`] of a full run + one key → [`Explanation`] (`seg explain`).
//!
//! [`explain`] runs the whole program exactly as `seg run` does (every `let` planned,
//! campaign details kept), then explains one entity from the outcome: each `let` with
//! its definition broken down power-assert style, what each event aggregate did with the
//! entity's events (read again, this entity only), the statistic behind each population
//! function, every segment tried with a counterfactual where one comparison decides, and
//! every campaign step. Sub-expressions are evaluated by the run's own [`World`].

mod breakdown;
mod campaigns;
mod diagram;
mod error;
mod events;
mod human;
mod model;
mod populations;
mod printer;
mod segments;
mod values;

pub use error::ExplainError;
pub use human::render_human;
pub use model::*;

use crate::check::hir::Hir;
use crate::exec::{Outcome, Row, RunInput, World};

/// Runs the program over the input and explains the entity whose key is `key`.
pub fn explain(hir: &Hir, input: &RunInput, key: &str) -> Result<Explanation, ExplainError> {
    let mut plan = crate::plan::plan(hir, true);
    plan.keep_details = true;
    let outcome = crate::exec::run(hir, &plan, input)?;
    let entity = error::find_entity(&outcome, hir, key)?;
    let mut explainer = Explainer::new(&outcome, input, entity)?;
    Ok(explainer.explanation())
}

/// The state of one explanation: the run's outcome, the entity, and the facts about its
/// events and population functions gathered up front.
struct Explainer<'o, 'h> {
    outcome: &'o Outcome<'h>,
    entity: usize,
    /// The entity's memoized values.
    row: Row,
    /// Per aggregate id.
    events: Vec<Option<EventCounts>>,
    /// Per population id.
    statistics: Vec<Option<Statistic>>,
}

impl<'o, 'h> Explainer<'o, 'h> {
    fn new(
        outcome: &'o Outcome<'h>,
        input: &RunInput,
        entity: usize,
    ) -> Result<Self, ExplainError> {
        let world = &outcome.world;
        let key = &outcome.keys[entity];
        Ok(Explainer {
            outcome,
            entity,
            row: Row::new(world.program(), entity),
            events: events::count_events(world, input, entity, key)?,
            statistics: populations::statistics(world, entity, outcome.keys.len())?,
        })
    }

    fn world(&self) -> &'o World<'h> {
        &self.outcome.world
    }

    /// The program as checked (its expressions print as written).
    fn hir(&self) -> &'h Hir {
        self.outcome.world.hir
    }

    fn key(&self) -> &'o str {
        &self.outcome.keys[self.entity]
    }

    fn explanation(&mut self) -> Explanation {
        let hir = self.hir();
        let world = self.world();
        Explanation {
            entity: hir.entity.name.clone(),
            key_field: hir.entity.fields[hir.key_field].name.clone(),
            key: self.key().to_string(),
            as_of: world.as_of.format("%Y-%m-%d").to_string(),
            params: hir
                .params
                .iter()
                .zip(&world.params)
                .map(|(p, v)| Named {
                    name: p.name.clone(),
                    value: v.clone(),
                })
                .collect(),
            lets: self.lets(),
            segmentations: self.segmentations(),
            segments: self.segments(),
            campaigns: self.campaigns(),
        }
    }

    fn lets(&mut self) -> Vec<LetTrace> {
        let hir = self.hir();
        hir.lets
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let definition = self.breakdown(&l.expr);
                let value = match &self.outcome.lets {
                    Some(columns) => columns[i][self.entity].clone(),
                    None => definition.value.clone(),
                };
                LetTrace {
                    name: l.name.clone(),
                    value,
                    definition,
                }
            })
            .collect()
    }
}
