//! Explain stage: one entity's events, read again, and what each event aggregate did with
//! them (after as_of, filtered out by `where`, null, considered), as the run's stream
//! pass decides it.

use super::model::EventCounts;
use crate::check::hir::{AggId, Stream};
use crate::exec::read::{self, RowReader};
use crate::exec::{RunError, RunInput, Value, World};

/// Per aggregate id: what it did with the entity's events (`None` for aggregates the
/// run did not compute).
pub(super) fn count_events(
    world: &World,
    input: &RunInput,
    entity: usize,
    key: &str,
) -> Result<Vec<Option<EventCounts>>, RunError> {
    let hir = world.program();
    let mut counts: Vec<Option<EventCounts>> = vec![None; hir.aggregates.len()];
    for (s, stream) in hir.streams.iter().enumerate() {
        let aggregates: Vec<AggId> = (0..hir.aggregates.len())
            .filter(|&a| hir.aggregates[a].stream == s && world.aggregates[a].is_some())
            .collect();
        let source = input.source(&stream.record.name);
        let Some(source) = source.filter(|_| !aggregates.is_empty()) else {
            continue;
        };
        let reader = read::open(source, &stream.record.name, &stream.record.fields)?;
        let pass = Pass {
            world,
            stream,
            aggregates: &aggregates,
            entity,
            key,
        };
        for (a, c) in aggregates.iter().zip(pass.read(reader)?) {
            counts[*a] = Some(c);
        }
    }
    Ok(counts)
}

/// One read of a stream for one entity.
struct Pass<'a, 'w> {
    world: &'a World<'w>,
    stream: &'a Stream,
    aggregates: &'a [AggId],
    entity: usize,
    key: &'a str,
}

impl Pass<'_, '_> {
    fn read(&self, mut reader: Box<dyn RowReader>) -> Result<Vec<EventCounts>, RunError> {
        let mut counts: Vec<EventCounts> = self.aggregates.iter().map(|&a| self.empty(a)).collect();
        let mut row = crate::exec::Row::new(self.world.program(), self.entity);
        row.event = vec![Value::Null; self.stream.record.fields.len()];
        while let Some(result) = reader.next_row(&mut row.event)? {
            // Rows that do not fit the schema were rejected by the run.
            if result.is_err() || !self.is_ours(&row.event[self.stream.key_field]) {
                continue;
            }
            if self.after_as_of(&row.event) {
                for c in &mut counts {
                    c.of_entity += 1;
                    c.after_as_of = c.after_as_of.map(|n| n + 1);
                }
                continue;
            }
            for (c, &a) in counts.iter_mut().zip(self.aggregates) {
                c.of_entity += 1;
                self.classify(a, &mut row, c)?;
            }
        }
        Ok(counts)
    }

    fn empty(&self, a: AggId) -> EventCounts {
        let aggregate = &self.world.program().aggregates[a];
        EventCounts {
            stream: self.stream.record.name.clone(),
            of_entity: 0,
            after_as_of: self.stream.time_field.map(|_| 0),
            filtered_out: aggregate.filter.as_ref().map(|_| 0),
            null_skipped: aggregate.field.map(|_| 0),
            considered: 0,
        }
    }

    /// Whether the event's key is this entity's (compared in output text form).
    fn is_ours(&self, key: &Value) -> bool {
        match key {
            Value::Str(s) => **s == *self.key,
            other => other.text() == self.key,
        }
    }

    fn after_as_of(&self, event: &[Value]) -> bool {
        self.stream
            .time_field
            .and_then(|t| event[t].as_date())
            .is_some_and(|d| d > self.world.as_of)
    }

    /// Counts one event dated up to as_of for aggregate `a`.
    fn classify(
        &self,
        a: AggId,
        row: &mut crate::exec::Row,
        counts: &mut EventCounts,
    ) -> Result<(), RunError> {
        let aggregate = &self.world.program().aggregates[a];
        if let Some(filter) = &aggregate.filter
            && !self.world.eval(filter, row)?.holds()
        {
            counts.filtered_out = counts.filtered_out.map(|n| n + 1);
            return Ok(());
        }
        if aggregate.field.is_some_and(|f| row.event[f].is_null()) {
            counts.null_skipped = counts.null_skipped.map(|n| n + 1);
        } else {
            counts.considered += 1;
        }
        Ok(())
    }
}
