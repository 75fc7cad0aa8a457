//! Exec stage: one value per entity, stored by type.
//!
//! A [`Value`] takes 24 bytes; a column of dates takes 4 per entity, a column of bools 1,
//! and a column of repeated strings (a city, a category, an enum) 4, its distinct values
//! stored once. Every per-entity result of a run (entity fields, aggregates, population
//! functions, materialized `let`s) is kept as a [`Column`]. A column starts typed and
//! falls back to plain values the first time it is given a value of another kind, so
//! what is read back is always exactly what was stored.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::scalar::Scalar;
use super::value::Value;
use crate::check::types::Ty;

/// How many distinct strings a column stores as a dictionary; a column with more (such as
/// a key) stores each row's string itself.
const DICTIONARY_LIMIT: usize = 1 << 16;

/// One value per entity.
#[derive(Debug, Clone)]
pub enum Column {
    /// Bools.
    Bools(Typed<bool>),
    /// Whole numbers.
    Ints(Typed<i64>),
    /// Whole numbers that all fit in 32 bits (counts, ranks), as [`Column::shrink`] leaves
    /// a finished column of ints.
    SmallInts(Typed<i32>),
    /// Exact numbers.
    Decimals(Typed<Decimal>),
    /// Floats.
    Floats(Typed<f64>),
    /// Dates.
    Dates(Typed<NaiveDate>),
    /// Datetimes.
    DateTimes(Typed<NaiveDateTime>),
    /// Strings with few distinct values: an id per row into a dictionary.
    Dictionary(Dictionary),
    /// Strings with many distinct values.
    Strings(Vec<Option<Arc<str>>>),
    /// Values of any kind.
    Values(Vec<Value>),
    /// Only nulls so far (this many): typed by the first value that is not null.
    Untyped(usize),
}

/// Values of one Rust type, with a bit per row for nulls.
#[derive(Debug, Clone, Default)]
pub struct Typed<T> {
    values: Vec<T>,
    /// Bit `i` set: row `i` is null. Only as long as the last null needs.
    nulls: Vec<u64>,
}

/// Strings stored once each, and per row the index of its string.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    ids: Vec<u32>,
    strings: Vec<Arc<str>>,
    index: FxHashMap<Arc<str>, u32>,
}

/// The id of a null row in a [`Dictionary`].
const NULL_ID: u32 = u32::MAX;

impl<T: Copy + Default + Send + Sync> Typed<T> {
    /// `value(row)` for the rows `0..rows` (`None` is null), computed on all cores.
    fn from_fn(rows: usize, value: impl Fn(usize) -> Option<T> + Sync) -> Typed<T> {
        let values = (0..rows)
            .into_par_iter()
            .map(|row| value(row).unwrap_or_default())
            .collect();
        let word = |w: usize| {
            (w * 64..rows.min(w * 64 + 64))
                .filter(|&row| value(row).is_none())
                .fold(0u64, |bits, row| bits | 1 << (row % 64))
        };
        let mut nulls: Vec<u64> = (0..rows.div_ceil(64)).into_par_iter().map(word).collect();
        let needed = nulls
            .iter()
            .rposition(|&w| w != 0)
            .map_or(0, |last| last + 1);
        nulls.truncate(needed);
        Typed { values, nulls }
    }
}

impl<T: Copy + Default> Typed<T> {
    fn push(&mut self, value: Option<T>) {
        let row = self.values.len();
        self.values.push(value.unwrap_or_default());
        if value.is_none() {
            self.set_null(row);
        }
    }

    fn set_null(&mut self, row: usize) {
        let word = row / 64;
        if self.nulls.len() <= word {
            self.nulls.resize(word + 1, 0);
        }
        self.nulls[word] |= 1 << (row % 64);
    }

    /// Appends the rows of `other` marked in `keep`: all of them at once, values copied
    /// and null bits moved, when all are kept.
    fn append(&mut self, other: &Typed<T>, keep: &[bool]) {
        if !keep.iter().all(|&k| k) {
            let rows = (0..other.len()).filter(|&row| keep[row]);
            return rows.for_each(|row| self.push(other.get(row)));
        }
        let start = self.values.len();
        self.values.extend_from_slice(&other.values);
        for (w, &word) in other.nulls.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                self.set_null(start + w * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
    }

    /// The value of row `row` (`None` for null).
    pub(super) fn get(&self, row: usize) -> Option<T> {
        let null = self
            .nulls
            .get(row / 64)
            .is_some_and(|w| w >> (row % 64) & 1 == 1);
        (!null).then(|| self.values[row])
    }

    fn len(&self) -> usize {
        self.values.len()
    }
}

impl Dictionary {
    /// Adds a row; `false` when the dictionary is full and `text` is not in it.
    fn push(&mut self, text: Option<&Arc<str>>) -> bool {
        match text {
            Some(text) => self.push_text(text, || text.clone()),
            None => {
                self.ids.push(NULL_ID);
                true
            }
        }
    }

    /// Adds a row of text `text`, found by its text (`shared` gives its string the first
    /// time); `false` when the dictionary is full and `text` is not in it.
    fn push_text(&mut self, text: &str, shared: impl FnOnce() -> Arc<str>) -> bool {
        self.restore_index();
        let id = match self.index.get(text) {
            Some(&id) => id,
            None if self.strings.len() >= DICTIONARY_LIMIT => return false,
            None => {
                let id = self.strings.len() as u32;
                let text = shared();
                self.strings.push(text.clone());
                self.index.insert(text, id);
                id
            }
        };
        self.ids.push(id);
        true
    }

    fn get(&self, row: usize) -> Option<&Arc<str>> {
        self.strings.get(self.ids[row] as usize)
    }

    /// Whether the strings of `other` fit in this dictionary with its own.
    fn can_take(&self, other: &Dictionary) -> bool {
        self.strings.len() + other.strings.len() <= DICTIONARY_LIMIT
    }

    /// Rebuilds the index of the strings if [`Column::shrink`] dropped it.
    fn restore_index(&mut self) {
        if self.index.is_empty() && !self.strings.is_empty() {
            self.index = (self.strings.iter().cloned()).zip(0..).collect();
        }
    }

    /// This dictionary's id of each string of `other`, adding those it lacks.
    fn ids_of(&mut self, other: &Dictionary) -> Vec<u32> {
        self.restore_index();
        let mut ids = Vec::with_capacity(other.strings.len());
        for text in &other.strings {
            let next = self.strings.len() as u32;
            let id = *self.index.entry(text.clone()).or_insert(next);
            if id == next {
                self.strings.push(text.clone());
            }
            ids.push(id);
        }
        ids
    }
}

impl Column {
    /// An empty column for values of a declared type.
    pub fn for_type(ty: &Ty) -> Column {
        match ty {
            Ty::Bool => Column::Bools(Typed::default()),
            Ty::Int => Column::Ints(Typed::default()),
            Ty::Decimal => Column::Decimals(Typed::default()),
            Ty::Float => Column::Floats(Typed::default()),
            Ty::Date => Column::Dates(Typed::default()),
            Ty::DateTime => Column::DateTimes(Typed::default()),
            Ty::String | Ty::Enum(_) => Column::Dictionary(Dictionary::default()),
            Ty::Duration | Ty::Null | Ty::Error => Column::Values(Vec::new()),
        }
    }

    /// An empty column of strings with many distinct values (such as keys).
    pub fn strings() -> Column {
        Column::Strings(Vec::new())
    }

    /// The column of whole numbers `value(row)` for the rows `0..rows` (`None` is null),
    /// in 32 bits when they all fit; computed on all cores.
    pub fn from_ints(rows: usize, value: impl Fn(usize) -> Option<i64> + Sync) -> Column {
        let small = |row| value(row).map(i32::try_from);
        if (0..rows)
            .into_par_iter()
            .all(|row| !matches!(small(row), Some(Err(_))))
        {
            return Column::SmallInts(Typed::from_fn(rows, |row| small(row)?.ok()));
        }
        Column::Ints(Typed::from_fn(rows, value))
    }

    /// The column of exact numbers `value(row)` for the rows `0..rows` (`None` is null).
    pub fn from_decimals(rows: usize, value: impl Fn(usize) -> Option<Decimal> + Sync) -> Column {
        Column::Decimals(Typed::from_fn(rows, value))
    }

    /// A column of strings given as ids into `strings` (distinct; `None` is null), stored
    /// as a dictionary when there are few strings.
    pub fn from_ids(strings: Vec<Arc<str>>, ids: impl Iterator<Item = Option<u32>>) -> Column {
        if strings.len() > DICTIONARY_LIMIT {
            let text = |id: Option<u32>| id.map(|id| strings[id as usize].clone());
            return Column::Strings(ids.map(text).collect());
        }
        Column::Dictionary(Dictionary {
            ids: ids.map(|id| id.unwrap_or(NULL_ID)).collect(),
            strings,
            index: FxHashMap::default(),
        })
    }

    /// The column of floats `value(row)` for the rows `0..rows` (`None` is null).
    pub fn from_floats(rows: usize, value: impl Fn(usize) -> Option<f64> + Sync) -> Column {
        Column::Floats(Typed::from_fn(rows, value))
    }

    /// An empty column, typed by the first value that is not null.
    pub fn untyped() -> Column {
        Column::Untyped(0)
    }

    /// The column whose row `i` is `values[rows[i]]` (`empty` for a row past the end of
    /// `values`), built on all cores when every value is null or of one plain kind (bools,
    /// numbers, dates, datetimes); `None` for other values.
    pub fn gathered(values: &[Value], rows: &[u32], empty: &Value) -> Option<Column> {
        let first = values.iter().chain([empty]).find(|v| !v.is_null())?;
        let kind = std::mem::discriminant(first);
        let one_kind = |v: &Value| v.is_null() || std::mem::discriminant(v) == kind;
        if !(one_kind(empty) && values.par_iter().all(one_kind)) {
            return None;
        }
        let at = |row: usize| values.get(rows[row] as usize).unwrap_or(empty);
        let n = rows.len();
        Some(match first {
            Value::Bool(_) => Column::Bools(Typed::from_fn(n, |row| at(row).truth())),
            Value::Int(_) => Column::from_ints(n, |row| match at(row) {
                Value::Int(v) => Some(*v),
                _ => None,
            }),
            Value::Decimal(_) => Column::from_decimals(n, |row| at(row).as_decimal()),
            Value::Float(_) => Column::from_floats(n, |row| at(row).as_f64()),
            Value::Date(_) => Column::Dates(Typed::from_fn(n, |row| at(row).as_date())),
            Value::DateTime(_) => Column::DateTimes(Typed::from_fn(n, |row| at(row).as_datetime())),
            _ => return None,
        })
    }

    /// A column of `values`, typed after the first value that is not null.
    pub fn from_values(values: Vec<Value>) -> Column {
        let mut column = Column::untyped();
        for value in values {
            column.push(value);
        }
        column.shrink();
        column
    }

    /// Adds a row read by the typed path: `text` is the cell's text when `scalar` is a
    /// text (and is not read otherwise). Repeated strings are found in a dictionary by
    /// their text, without building a value.
    pub fn push_scalar(&mut self, scalar: Scalar, text: &str) {
        match (&mut *self, scalar) {
            (_, Scalar::Null) => self.push_null(),
            (Column::Bools(c), Scalar::Bool(b)) => c.push(Some(b)),
            (Column::Ints(c), Scalar::Int(n)) => c.push(Some(n)),
            (Column::Decimals(c), Scalar::Decimal(d)) => c.push(Some(d)),
            (Column::Floats(c), Scalar::Float(f)) => c.push(Some(f)),
            (Column::Dates(c), Scalar::Date(d)) => c.push(Some(d)),
            (Column::DateTimes(c), Scalar::DateTime(t)) => c.push(Some(t)),
            (Column::Dictionary(d), Scalar::Text(..)) => {
                if !d.push_text(text, || Arc::from(text)) {
                    self.push(Value::Str(Arc::from(text)));
                }
            }
            (_, scalar) => {
                let value = scalar.plain_value();
                self.push(value.unwrap_or_else(|| Value::Str(Arc::from(text))));
            }
        }
    }

    /// Adds a row.
    pub fn push(&mut self, value: Value) {
        match (&mut *self, &value) {
            (Column::SmallInts(c), _) => {
                let wide = c.values.iter().map(|&v| i64::from(v)).collect();
                *self = Column::Ints(Typed {
                    values: wide,
                    nulls: std::mem::take(&mut c.nulls),
                });
                self.push(value);
            }
            (Column::Untyped(nulls), Value::Null) => *nulls += 1,
            (Column::Untyped(nulls), _) => {
                let nulls = *nulls;
                *self = Column::for_value(&value);
                (0..nulls).for_each(|_| self.push_null());
                self.push(value);
            }
            (Column::Values(values), _) => values.push(value),
            (Column::Bools(c), Value::Bool(b)) => c.push(Some(*b)),
            (Column::Ints(c), Value::Int(n)) => c.push(Some(*n)),
            (Column::Decimals(c), Value::Decimal(d)) => c.push(Some(*d)),
            (Column::Floats(c), Value::Float(f)) => c.push(Some(*f)),
            (Column::Dates(c), Value::Date(d)) => c.push(Some(*d)),
            (Column::DateTimes(c), Value::DateTime(t)) => c.push(Some(*t)),
            (Column::Strings(c), Value::Str(_)) => c.push(string(value)),
            (Column::Strings(c), Value::Null) => c.push(None),
            (Column::Dictionary(d), Value::Str(s)) => {
                if !d.push(Some(s)) {
                    *self = Column::Strings(self.values().map(string).collect());
                    self.push(value);
                }
            }
            (column, Value::Null) => column.push_null(),
            _ => {
                *self = Column::Values(self.values().collect());
                self.push(value);
            }
        }
    }

    /// An empty column for values of `value`'s kind.
    fn for_value(value: &Value) -> Column {
        match value {
            Value::Bool(_) => Column::for_type(&Ty::Bool),
            Value::Int(_) => Column::for_type(&Ty::Int),
            Value::Decimal(_) => Column::for_type(&Ty::Decimal),
            Value::Float(_) => Column::for_type(&Ty::Float),
            Value::Date(_) => Column::for_type(&Ty::Date),
            Value::DateTime(_) => Column::for_type(&Ty::DateTime),
            Value::Str(_) => Column::for_type(&Ty::String),
            Value::Null | Value::Duration(..) => Column::Values(Vec::new()),
        }
    }

    fn push_null(&mut self) {
        match self {
            Column::Untyped(nulls) => *nulls += 1,
            Column::Bools(c) => c.push(None),
            Column::Ints(c) => c.push(None),
            Column::SmallInts(c) => c.push(None),
            Column::Decimals(c) => c.push(None),
            Column::Floats(c) => c.push(None),
            Column::Dates(c) => c.push(None),
            Column::DateTimes(c) => c.push(None),
            Column::Dictionary(d) => {
                d.push(None);
            }
            Column::Strings(c) => c.push(None),
            Column::Values(c) => c.push(Value::Null),
        }
    }

    /// The value of row `row`.
    pub fn get(&self, row: usize) -> Value {
        match self {
            Column::Bools(c) => c.get(row).map_or(Value::Null, Value::Bool),
            Column::Ints(c) => c.get(row).map_or(Value::Null, Value::Int),
            Column::SmallInts(c) => c.get(row).map_or(Value::Null, |n| Value::Int(i64::from(n))),
            Column::Decimals(c) => c.get(row).map_or(Value::Null, Value::Decimal),
            Column::Floats(c) => c.get(row).map_or(Value::Null, Value::Float),
            Column::Dates(c) => c.get(row).map_or(Value::Null, Value::Date),
            Column::DateTimes(c) => c.get(row).map_or(Value::Null, Value::DateTime),
            Column::Dictionary(d) => d.get(row).map_or(Value::Null, |s| Value::Str(s.clone())),
            Column::Strings(c) => c[row].clone().map_or(Value::Null, Value::Str),
            Column::Values(c) => c[row].clone(),
            Column::Untyped(_) => Value::Null,
        }
    }

    /// How many rows it has.
    pub fn len(&self) -> usize {
        match self {
            Column::Bools(c) => c.len(),
            Column::Ints(c) => c.len(),
            Column::SmallInts(c) => c.len(),
            Column::Decimals(c) => c.len(),
            Column::Floats(c) => c.len(),
            Column::Dates(c) => c.len(),
            Column::DateTimes(c) => c.len(),
            Column::Dictionary(d) => d.ids.len(),
            Column::Strings(c) => c.len(),
            Column::Values(c) => c.len(),
            Column::Untyped(nulls) => *nulls,
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row's value, in order.
    pub fn values(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Appends the rows of `other` marked in `keep` (taking `other` whole when this
    /// column is empty and every row is kept).
    pub fn append(&mut self, other: Column, keep: &[bool]) {
        if self.is_empty() && keep.iter().all(|&k| k) {
            *self = other;
            return;
        }
        let kept = |row: &usize| keep[*row];
        match (&mut *self, other) {
            (Column::Bools(a), Column::Bools(b)) => a.append(&b, keep),
            (Column::Ints(a), Column::Ints(b)) => a.append(&b, keep),
            (Column::Decimals(a), Column::Decimals(b)) => a.append(&b, keep),
            (Column::Floats(a), Column::Floats(b)) => a.append(&b, keep),
            (Column::Dates(a), Column::Dates(b)) => a.append(&b, keep),
            (Column::DateTimes(a), Column::DateTimes(b)) => a.append(&b, keep),
            (Column::Strings(a), Column::Strings(b)) => a.extend(kept_of(b, keep)),
            (Column::Values(a), Column::Values(b)) => a.extend(kept_of(b, keep)),
            (Column::Dictionary(a), Column::Dictionary(b)) if a.can_take(&b) => {
                let ids = a.ids_of(&b);
                let id = |r: usize| ids.get(b.ids[r] as usize).map_or(NULL_ID, |&id| id);
                a.ids.extend((0..b.ids.len()).filter(kept).map(id));
            }
            (_, other) => (0..other.len())
                .filter(kept)
                .for_each(|r| self.push(other.get(r))),
        }
    }

    /// Frees what building the column needed and reading it does not.
    pub fn shrink(&mut self) {
        match self {
            Column::Dictionary(d) => {
                d.index = FxHashMap::default();
                d.ids.shrink_to_fit();
            }
            Column::Values(c) => c.shrink_to_fit(),
            Column::Strings(c) => c.shrink_to_fit(),
            Column::Bools(c) => c.values.shrink_to_fit(),
            Column::Ints(c) if c.values.par_iter().all(|&v| i32::try_from(v).is_ok()) => {
                let small = c.values.par_iter().map(|&v| v as i32).collect();
                *self = Column::SmallInts(Typed {
                    values: small,
                    nulls: std::mem::take(&mut c.nulls),
                });
            }
            Column::Ints(c) => c.values.shrink_to_fit(),
            Column::SmallInts(c) => c.values.shrink_to_fit(),
            Column::Decimals(c) => c.values.shrink_to_fit(),
            Column::Floats(c) => c.values.shrink_to_fit(),
            Column::Dates(c) => c.values.shrink_to_fit(),
            Column::DateTimes(c) => c.values.shrink_to_fit(),
            Column::Untyped(_) => {}
        }
    }
}

/// The items of `items` marked in `keep`, moved out in order.
fn kept_of<'a, T: 'a>(items: Vec<T>, keep: &'a [bool]) -> impl Iterator<Item = T> + 'a {
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, &k)| k.then_some(item))
}

/// A column's typed storage, borrowed, for readers that take many rows without building
/// a [`Value`] for each (the batch evaluator).
pub(super) enum ColumnView<'a> {
    /// Bools.
    Bools(&'a Typed<bool>),
    /// Whole numbers.
    Ints(&'a Typed<i64>),
    /// Whole numbers stored in 32 bits.
    SmallInts(&'a Typed<i32>),
    /// Exact numbers.
    Decimals(&'a Typed<Decimal>),
    /// Floats.
    Floats(&'a Typed<f64>),
    /// Dates.
    Dates(&'a Typed<NaiveDate>),
    /// Datetimes.
    DateTimes(&'a Typed<NaiveDateTime>),
    /// Only nulls.
    Nulls,
    /// Strings, or values of mixed kinds: read with [`Column::get`].
    Other,
}

impl Column {
    /// The column's storage, to read rows by type.
    pub(super) fn view(&self) -> ColumnView<'_> {
        match self {
            Column::Bools(c) => ColumnView::Bools(c),
            Column::Ints(c) => ColumnView::Ints(c),
            Column::SmallInts(c) => ColumnView::SmallInts(c),
            Column::Decimals(c) => ColumnView::Decimals(c),
            Column::Floats(c) => ColumnView::Floats(c),
            Column::Dates(c) => ColumnView::Dates(c),
            Column::DateTimes(c) => ColumnView::DateTimes(c),
            Column::Untyped(_) => ColumnView::Nulls,
            Column::Dictionary(_) | Column::Strings(_) | Column::Values(_) => ColumnView::Other,
        }
    }

    /// Whether row `row` is null, without building its value.
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Column::Bools(c) => c.get(row).is_none(),
            Column::Ints(c) => c.get(row).is_none(),
            Column::SmallInts(c) => c.get(row).is_none(),
            Column::Decimals(c) => c.get(row).is_none(),
            Column::Floats(c) => c.get(row).is_none(),
            Column::Dates(c) => c.get(row).is_none(),
            Column::DateTimes(c) => c.get(row).is_none(),
            Column::Dictionary(d) => d.get(row).is_none(),
            Column::Strings(c) => c[row].is_none(),
            Column::Values(c) => c[row].is_null(),
            Column::Untyped(_) => true,
        }
    }
}

/// The string of a value read from a string column.
fn string(value: Value) -> Option<Arc<str>> {
    match value {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &[Value], column: &Column) -> bool {
        column.len() == a.len()
            && a.iter()
                .zip(column.values())
                .all(|(x, y)| format!("{x:?}") == format!("{y:?}"))
    }

    #[test]
    fn typed_values_read_back_with_their_nulls() {
        let values: Vec<Value> = (0..200)
            .map(|i| {
                if i % 7 == 3 {
                    Value::Null
                } else {
                    Value::Int(i)
                }
            })
            .collect();
        let column = Column::from_values(values.clone());
        assert!(
            matches!(column, Column::SmallInts(_)),
            "small ints take 4 bytes"
        );
        assert!(same(&values, &column));
        let mut wide = values.clone();
        wide.push(Value::Int(i64::MAX));
        let column = Column::from_values(wide.clone());
        assert!(matches!(column, Column::Ints(_)));
        assert!(same(&wide, &column));
    }

    #[test]
    fn gathered_columns_are_the_columns_of_the_gathered_values() {
        fn date(d: u32) -> Option<NaiveDate> {
            NaiveDate::from_num_days_from_ce_opt(730_000 + d as i32)
        }
        let kinds: [fn(u32) -> Value; 6] = [
            |i| Value::Bool(i % 3 == 0),
            |i| Value::Int(i64::from(i) - 50),
            |i| Value::Decimal(Decimal::new(i64::from(i), 2)),
            |i| Value::Float(f64::from(i) / 4.0),
            |i| date(i).map_or(Value::Null, Value::Date),
            |i| {
                let time = date(i).and_then(|d| d.and_hms_opt(1, 2, 3));
                time.map_or(Value::Null, Value::DateTime)
            },
        ];
        for kind in kinds {
            // Values by slot, every fifth null; 300 rows reading them (nulls in several
            // 64-row words), and rows past the end reading `empty`.
            let values: Vec<Value> = (0..100)
                .map(|i| if i % 5 == 2 { Value::Null } else { kind(i) })
                .collect();
            let rows: Vec<u32> = (0..300).map(|r| (r * 37) % 130).collect();
            let empty = kind(7);
            let expected: Vec<Value> = (rows.iter())
                .map(|&r| values.get(r as usize).unwrap_or(&empty).clone())
                .collect();
            let column = Column::gathered(&values, &rows, &empty);
            let typed_alike = |c: &Column| std::mem::discriminant(c);
            let column = column.unwrap_or_else(|| panic!("{:?} has a plain kind", kind(1)));
            assert!(same(&expected, &column), "{:?}", kind(1));
            assert_eq!(
                typed_alike(&column),
                typed_alike(&Column::from_values(expected))
            );
        }
        let mixed = [Value::Int(1), Value::Decimal(Decimal::ONE)];
        assert!(Column::gathered(&mixed, &[0, 1], &Value::Null).is_none());
        let text = [Value::Str(Arc::from("a"))];
        assert!(Column::gathered(&text, &[0], &Value::Null).is_none());
        assert!(Column::gathered(&[Value::Int(1)], &[0, 1], &Value::Bool(true)).is_none());
    }

    #[test]
    fn scalars_pushed_read_back_as_the_values_pushed() {
        let row = "tea,fruit";
        let tea = (Scalar::text(0..3), "tea");
        let fruit = (Scalar::text(4..9), "fruit");
        let mut texts = Column::for_type(&Ty::String);
        for (scalar, text) in [tea, fruit, (Scalar::Null, ""), tea] {
            texts.push_scalar(scalar, text);
        }
        assert!(matches!(&texts, Column::Dictionary(d) if d.strings.len() == 2));
        let text = |s: &str| Value::Str(Arc::from(s));
        assert!(same(
            &[text("tea"), text(&row[4..9]), Value::Null, text("tea")],
            &texts
        ));
        let mut dates = Column::for_type(&Ty::Date);
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
        dates.push_scalar(Scalar::Date(day), "");
        dates.push_scalar(Scalar::Null, "");
        assert!(same(&[Value::Date(day), Value::Null], &dates));
        // A scalar of another kind turns the column into plain values, as `push` does.
        dates.push_scalar(Scalar::Int(3), "");
        assert!(matches!(dates, Column::Values(_)));
    }

    #[test]
    fn a_full_dictionary_of_pushed_texts_turns_into_strings() {
        let mut column = Column::for_type(&Ty::String);
        let texts: Vec<String> = (0..DICTIONARY_LIMIT + 3).map(|i| format!("c{i}")).collect();
        for text in &texts {
            column.push_scalar(Scalar::text(0..text.len()), text);
        }
        assert!(matches!(column, Column::Strings(_)));
        let values: Vec<Value> = texts
            .iter()
            .map(|t| Value::Str(Arc::from(t.as_str())))
            .collect();
        assert!(same(&values, &column));
    }

    #[test]
    fn a_small_int_column_given_a_large_int_widens() {
        let mut column = Column::from_values(vec![Value::Int(1), Value::Null]);
        column.push(Value::Int(1 << 40));
        assert!(same(
            &[Value::Int(1), Value::Null, Value::Int(1 << 40)],
            &column
        ));
    }

    #[test]
    fn a_value_of_another_kind_turns_the_column_into_plain_values() {
        let values = vec![
            Value::Decimal(Decimal::new(150, 2)),
            Value::Null,
            Value::Int(5),
        ];
        let column = Column::from_values(values.clone());
        assert!(matches!(column, Column::Values(_)));
        assert!(same(&values, &column));
    }

    #[test]
    fn repeated_strings_share_a_dictionary_and_many_distinct_ones_do_not() {
        let few: Vec<Value> = (0..1000)
            .map(|i| Value::Str(Arc::from(["tea", "fruit"][i % 2])))
            .collect();
        let column = Column::from_values(few.clone());
        assert!(matches!(&column, Column::Dictionary(d) if d.strings.len() == 2));
        assert!(same(&few, &column));
        let many: Vec<Value> = (0..DICTIONARY_LIMIT + 10)
            .map(|i| {
                if i == 7 {
                    Value::Null
                } else {
                    Value::Str(Arc::from(format!("C{i}")))
                }
            })
            .collect();
        let column = Column::from_values(many.clone());
        assert!(matches!(column, Column::Strings(_)));
        assert!(same(&many, &column));
    }

    #[test]
    fn append_takes_the_kept_rows_in_order() {
        let mut column = Column::from_values(vec![Value::Bool(true)]);
        let other = Column::from_values(vec![Value::Bool(false), Value::Null, Value::Bool(true)]);
        column.append(other, &[true, true, false]);
        assert!(same(
            &[Value::Bool(true), Value::Bool(false), Value::Null],
            &column
        ));
    }

    #[test]
    fn appended_dictionaries_share_their_strings() {
        let text = |s: &str| Value::Str(Arc::from(s));
        let mut column = Column::from_values(vec![text("b"), Value::Null, text("a")]);
        let other = Column::from_values(vec![text("c"), text("a"), Value::Null, text("b")]);
        column.append(other, &[true, true, true, false]);
        let expected = [
            text("b"),
            Value::Null,
            text("a"),
            text("c"),
            text("a"),
            Value::Null,
        ];
        assert!(same(&expected, &column));
        let Column::Dictionary(d) = &column else {
            panic!("still a dictionary: {column:?}")
        };
        assert_eq!(d.strings.len(), 3);
    }

    #[test]
    fn an_empty_column_takes_a_whole_part_as_it_is() {
        let mut column = Column::for_type(&Ty::String);
        let many: Vec<Value> = (0..DICTIONARY_LIMIT + 1)
            .map(|i| Value::Str(Arc::from(i.to_string())))
            .collect();
        let part = Column::from_values(many.clone());
        column.append(part, &vec![true; many.len()]);
        assert!(matches!(column, Column::Strings(_)));
        assert!(same(&many, &column));
    }
}
