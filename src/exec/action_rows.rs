//! Exec stage: the rows a run emits for one action, kept flat.
//!
//! A run at a million customers emits about half a million action rows. Each row's payload
//! (the action's fields, in declared order) lies in one vector shared by all the rows of
//! the action, `width` values per row, instead of a vector of its own: half a million
//! allocations fewer, and about a third less memory for the rows.

use std::ops::Range;

use super::value::Value;

/// The rows of one action, in output order.
#[derive(Debug, Clone, Default)]
pub struct ActionRows {
    /// How many values a payload has (the action's fields).
    width: usize,
    /// Who each row is for and where it comes from.
    heads: Vec<Head>,
    /// The payloads, one after another.
    values: Vec<Value>,
}

/// Who a row is for and where it comes from.
#[derive(Debug, Clone, Copy)]
struct Head {
    entity: u32,
    campaign: u32,
    variant: u16,
}

/// One emitted action row.
#[derive(Debug, Clone, Copy)]
pub struct ActionRow<'a> {
    /// The entity.
    pub entity: u32,
    /// Index of the campaign in program order.
    pub campaign: usize,
    /// The variant index.
    pub variant: u16,
    /// Payload values in the action's declared order.
    pub values: &'a [Value],
}

impl ActionRows {
    /// No rows yet, of an action with `width` fields.
    pub fn new(width: usize) -> ActionRows {
        ActionRows {
            width,
            heads: Vec::new(),
            values: Vec::new(),
        }
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// Makes room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.heads.reserve_exact(rows);
        self.values.reserve_exact(rows * self.width);
    }

    /// Appends a row; `payload` gives its values (as many as the action has fields).
    pub fn push(
        &mut self,
        entity: u32,
        campaign: usize,
        variant: u16,
        payload: impl IntoIterator<Item = Value>,
    ) {
        let end = self.values.len() + self.width;
        self.values.extend(payload.into_iter().take(self.width));
        self.values.resize(end, Value::Null);
        self.heads.push(Head {
            entity,
            campaign: campaign as u32,
            variant,
        });
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> ActionRow<'_> {
        let head = self.heads[i];
        ActionRow {
            entity: head.entity,
            campaign: head.campaign as usize,
            variant: head.variant,
            values: &self.values[i * self.width..(i + 1) * self.width],
        }
    }

    /// The rows in `rows`, in order.
    pub fn rows(&self, rows: Range<usize>) -> impl Iterator<Item = ActionRow<'_>> {
        rows.map(|i| self.row(i))
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = ActionRow<'_>> {
        self.rows(0..self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_back_what_was_pushed_in_order() {
        let mut rows = ActionRows::new(2);
        rows.reserve(2);
        rows.push(7, 1, 0, [Value::Int(1), Value::Null]);
        rows.push(3, 0, 2, [Value::Int(2), Value::Bool(true)]);
        let seen: Vec<(u32, usize, u16, Vec<Value>)> = rows
            .iter()
            .map(|r| (r.entity, r.campaign, r.variant, r.values.to_vec()))
            .collect();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].0, seen[0].1, seen[0].2), (7, 1, 0));
        assert_eq!(format!("{:?}", seen[1].3), "[Int(2), Bool(true)]");
        assert_eq!(rows.rows(1..2).map(|r| r.entity).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn an_action_without_fields_has_rows_with_empty_payloads() {
        let mut rows = ActionRows::new(0);
        rows.push(1, 0, 0, []);
        rows.push(2, 0, 0, []);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.values.is_empty()));
    }
}
