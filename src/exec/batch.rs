//! Exec stage: evaluating an expression for a batch of consecutive entities at once.
//!
//! [`World::eval`] walks the expression tree once per entity; over a million entities the
//! walk itself costs more than the work. A [`Batch`] walks the tree once per batch of up
//! to [`parallel::CHUNK`](super::parallel) entities, each node computing a vector of
//! values in a tight loop. The results are exactly those of [`World::eval`]: every node
//! is evaluated only for the entities where the row evaluator would evaluate it (the
//! *selection*: `and`/`or` short-circuit, `if` branches, `in` stopping at a match, the
//! first matching segment), with the same per-value rules (shared with `eval.rs`).
//! Inside, a selection is the list of its positions in the batch and values are computed
//! for those positions only, so a narrow selection (the last rules of a segmentation)
//! costs little. `let`s and segments are memoized per entity, as in a
//! [`Row`](super::Row).

use std::cmp::Ordering;

use super::eval::{
    Args, Overflow, PopValue, World, between, logic, negate, no_match, operate, short_circuit,
};
use super::value::{Value, compare};
use crate::check::hir::{TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;

/// Positions in a batch, ascending: the entities an expression is evaluated for.
type At = [u32];

/// One value per position of an [`At`].
type Values = Vec<Value>;

type Eval = Result<Values, Overflow>;

/// A memoized per-entity result: the values, and for which entities they are known.
struct Memo<T> {
    values: Vec<T>,
    known: Vec<bool>,
}

/// The entities `start..start + len`, with their memoized `let`s and segments.
pub struct Batch<'a, 'w> {
    world: &'a World<'w>,
    start: usize,
    len: usize,
    lets: Vec<Memo<Value>>,
    segments: Vec<Memo<bool>>,
    segmentations: Vec<Memo<Option<usize>>>,
}

impl<'a, 'w> Batch<'a, 'w> {
    /// A batch of `len` entities from entity `start`.
    pub fn new(world: &'a World<'w>, start: usize, len: usize) -> Batch<'a, 'w> {
        let hir = world.program();
        Batch {
            world,
            start,
            len,
            lets: memos(hir.lets.len()),
            segments: memos(hir.segments.len()),
            segmentations: memos(hir.segmentations.len()),
        }
    }

    /// How many entities it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The entity index of batch position `k`.
    pub fn entity(&self, k: usize) -> usize {
        self.start + k
    }

    /// Every entity of the batch.
    pub fn all(&self) -> Vec<bool> {
        vec![true; self.len]
    }

    /// `e`'s value for each entity marked in `sel` (null for the others).
    pub fn eval(&mut self, e: &TExpr, sel: &[bool]) -> Eval {
        let at = positions(sel);
        let values = self.values(e, &at)?;
        Ok(self.spread(&at, values, Value::Null))
    }

    /// Whether `e` is true for each entity marked in `sel` (null counts as false).
    pub fn holds(&mut self, e: &TExpr, sel: &[bool]) -> Result<Vec<bool>, Overflow> {
        let at = positions(sel);
        let held = self.truths(e, &at)?;
        Ok(self.spread(&at, held, false))
    }

    /// Membership of standalone segment `i`, for each entity marked in `sel`.
    pub fn segment(&mut self, i: usize, sel: &[bool]) -> Result<Vec<bool>, Overflow> {
        let at = positions(sel);
        let held = self.segment_at(i, &at)?;
        Ok(self.spread(&at, held, false))
    }

    /// The index of each marked entity's segment in segmentation `i` (first match).
    pub fn segment_index(
        &mut self,
        i: usize,
        sel: &[bool],
    ) -> Result<Vec<Option<usize>>, Overflow> {
        let at = positions(sel);
        let found = self.segment_index_at(i, &at)?;
        Ok(self.spread(&at, found, None))
    }

    /// The value of `let` `i` for each entity marked in `sel`.
    pub fn let_values(&mut self, i: usize, sel: &[bool]) -> Eval {
        let at = positions(sel);
        let values = self.let_at(i, &at)?;
        Ok(self.spread(&at, values, Value::Null))
    }

    /// Values at `at` put in their positions of a whole batch; `fill` elsewhere.
    fn spread<T: Clone>(&self, at: &At, values: Vec<T>, fill: T) -> Vec<T> {
        let mut out = vec![fill; self.len];
        for (&k, v) in at.iter().zip(values) {
            out[k as usize] = v;
        }
        out
    }

    /// `e`'s value at each position of `at`.
    fn values(&mut self, e: &TExpr, at: &At) -> Eval {
        let world = self.world;
        Ok(match &e.kind {
            TExprKind::Const(c) => vec![Value::from(c); at.len()],
            TExprKind::AsOf => vec![Value::Date(world.as_of); at.len()],
            TExprKind::Param(i) => vec![world.params[*i].clone(); at.len()],
            TExprKind::EntityField(i) => self.read(at, |e| world.entity[*i].get(e)),
            // An event field outside `where` has no event to read.
            TExprKind::EventField(_) => vec![Value::Null; at.len()],
            TExprKind::Aggregate(i) => match &world.aggregates[*i] {
                Some(column) => self.read(at, |e| column.get(e)),
                None => unreachable!("the plan computes aggregate {i} before it is read"),
            },
            TExprKind::Population(i) => match &world.populations[*i] {
                Some(PopValue::PerEntity(column)) => self.read(at, |e| column.get(e)),
                Some(PopValue::Scalar(v)) => vec![v.clone(); at.len()],
                None => unreachable!("the plan computes population function {i} before it is read"),
            },
            TExprKind::Let(i) => self.let_at(*i, at)?,
            TExprKind::Segment(i) => self
                .segment_at(*i, at)?
                .into_iter()
                .map(Value::Bool)
                .collect(),
            TExprKind::SegmentOf(i, j) => self
                .segment_index_at(*i, at)?
                .into_iter()
                .map(|found| Value::Bool(found == Some(*j)))
                .collect(),
            TExprKind::SegmentationName(i) => {
                let rules = &world.hir.segmentations[*i].rules;
                self.segment_index_at(*i, at)?
                    .into_iter()
                    .map(|found| {
                        found.map_or(Value::Null, |j| Value::Str(rules[j].name.as_str().into()))
                    })
                    .collect()
            }
            TExprKind::MetricAgg(..) => {
                unreachable!("metric aggregates are evaluated by the metrics report")
            }
            TExprKind::Neg(x) => self
                .values(x, at)?
                .into_iter()
                .map(|v| negate(v, e))
                .collect::<Eval>()?,
            TExprKind::Not(x) => self
                .values(x, at)?
                .into_iter()
                .map(|v| v.truth().map_or(Value::Null, |b| Value::Bool(!b)))
                .collect(),
            TExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                self.logic(*op, a, b, at)?
            }
            TExprKind::Binary(op, a, b) => {
                let x = self.values(a, at)?;
                if let TExprKind::Const(c) = &b.kind {
                    // The common `x OP constant`: no vector of copies of the constant.
                    let c = Value::from(c);
                    return x
                        .into_iter()
                        .map(|x| operate(*op, x, c.clone(), e))
                        .collect();
                }
                let y = self.values(b, at)?;
                x.into_iter()
                    .zip(y)
                    .map(|(x, y)| operate(*op, x, y, e))
                    .collect::<Eval>()?
            }
            TExprKind::In(x, items, negated) => self.in_list(x, items, *negated, at)?,
            TExprKind::Between(x, lo, hi, negated) => {
                let v = self.values(x, at)?;
                let lo = self.values(lo, at)?;
                let hi = self.values(hi, at)?;
                (0..at.len())
                    .map(|k| between(&v[k], &lo[k], &hi[k], *negated))
                    .collect()
            }
            TExprKind::IsNull(x, negated) => self
                .values(x, at)?
                .into_iter()
                .map(|v| Value::Bool(v.is_null() != *negated))
                .collect(),
            TExprKind::If(c, a, b) => {
                let holds = self.truths(c, at)?;
                let (then_at, else_at) = split(at, &holds);
                let mut then = self.values(a, &then_at)?.into_iter();
                let mut other = self.values(b, &else_at)?.into_iter();
                holds
                    .iter()
                    .map(|&h| if h { then.next() } else { other.next() })
                    .map(Option::unwrap_or_default)
                    .collect()
            }
            TExprKind::Call(f, args) => {
                let mut columns = Vec::with_capacity(args.len());
                for arg in args {
                    columns.push(self.values(arg, at)?.into_iter());
                }
                let mut out = Vec::with_capacity(at.len());
                for _ in at {
                    let mut values = Args::new();
                    columns
                        .iter_mut()
                        .for_each(|c| values.push(c.next().unwrap_or_default()));
                    out.push(world.apply(*f, values, e)?);
                }
                out
            }
        })
    }

    /// Whether `e` is true at each position of `at`.
    fn truths(&mut self, e: &TExpr, at: &At) -> Result<Vec<bool>, Overflow> {
        Ok(self.values(e, at)?.iter().map(Value::holds).collect())
    }

    fn segment_at(&mut self, i: usize, at: &At) -> Result<Vec<bool>, Overflow> {
        if let Some((_, segments)) = &self.world.memberships {
            let column = &segments[i];
            return Ok(at
                .iter()
                .map(|&k| column[self.start + k as usize])
                .collect());
        }
        let missing = missing(&self.segments[i], at);
        if !missing.is_empty() {
            let condition = &self.world.program().segments[i].condition;
            let held = self.truths(condition, &missing)?;
            remember(&mut self.segments[i], &missing, held, self.len);
        }
        Ok(recall(&self.segments[i], at))
    }

    fn segment_index_at(&mut self, i: usize, at: &At) -> Result<Vec<Option<usize>>, Overflow> {
        if let Some((segmentations, _)) = &self.world.memberships {
            let column = &segmentations[i];
            return Ok(at
                .iter()
                .map(|&k| column[self.start + k as usize].map(usize::from))
                .collect());
        }
        let missing = missing(&self.segmentations[i], at);
        if !missing.is_empty() {
            let mut found = vec![None; self.len];
            let mut undecided = missing.clone();
            let world = self.world;
            for (j, rule) in world.program().segmentations[i].rules.iter().enumerate() {
                if undecided.is_empty() {
                    break;
                }
                let matched = match &rule.condition {
                    Some(c) => self.truths(c, &undecided)?,
                    None => vec![true; undecided.len()],
                };
                for (&k, &m) in undecided.iter().zip(&matched) {
                    if m {
                        found[k as usize] = Some(j);
                    }
                }
                undecided = split(&undecided, &matched).1;
            }
            let found = missing.iter().map(|&k| found[k as usize]).collect();
            remember(&mut self.segmentations[i], &missing, found, self.len);
        }
        Ok(recall(&self.segmentations[i], at))
    }

    fn let_at(&mut self, i: usize, at: &At) -> Eval {
        if let Some(column) = &self.world.lets[i] {
            return Ok(self.read(at, |e| column.get(e)));
        }
        let missing = missing(&self.lets[i], at);
        if !missing.is_empty() {
            let expr = &self.world.program().lets[i].expr;
            let values = self.values(expr, &missing)?;
            remember(&mut self.lets[i], &missing, values, self.len);
        }
        Ok(recall(&self.lets[i], at))
    }

    fn logic(&mut self, op: BinaryOp, a: &TExpr, b: &TExpr, at: &At) -> Eval {
        let x: Vec<Option<bool>> = self.values(a, at)?.iter().map(Value::truth).collect();
        let decided: Vec<Option<Value>> = x.iter().map(|&x| short_circuit(op, x)).collect();
        let undecided: Vec<bool> = decided.iter().map(Option::is_none).collect();
        let rest = split(at, &undecided).0;
        let mut y = self.values(b, &rest)?.into_iter();
        Ok(decided
            .into_iter()
            .zip(x)
            .map(|(decided, x)| match decided {
                Some(v) => v,
                None => logic(op, x, y.next().and_then(|y| y.truth())),
            })
            .collect())
    }

    fn in_list(&mut self, x: &TExpr, items: &[TExpr], negated: bool, at: &At) -> Eval {
        let v = self.values(x, at)?;
        // Indices into `at` of the entities not decided yet.
        let mut undecided: Vec<usize> = (0..at.len()).filter(|&i| !v[i].is_null()).collect();
        let mut saw_null = vec![false; at.len()];
        let mut out: Values = vec![Value::Null; at.len()];
        for item in items {
            if undecided.is_empty() {
                break;
            }
            let item_at: Vec<u32> = undecided.iter().map(|&i| at[i]).collect();
            let w = self.values(item, &item_at)?;
            let mut still = Vec::with_capacity(undecided.len());
            for (&i, w) in undecided.iter().zip(&w) {
                match compare(&v[i], w) {
                    Some(Ordering::Equal) => out[i] = Value::Bool(!negated),
                    None if w.is_null() => {
                        saw_null[i] = true;
                        still.push(i);
                    }
                    _ => still.push(i),
                }
            }
            undecided = still;
        }
        for i in undecided {
            out[i] = no_match(saw_null[i], negated);
        }
        Ok(out)
    }

    fn read(&self, at: &At, get: impl Fn(usize) -> Value) -> Values {
        at.iter().map(|&k| get(self.start + k as usize)).collect()
    }
}

fn memos<T>(n: usize) -> Vec<Memo<T>> {
    (0..n)
        .map(|_| Memo {
            values: Vec::new(),
            known: Vec::new(),
        })
        .collect()
}

/// The positions marked in a whole-batch selection.
fn positions(sel: &[bool]) -> Vec<u32> {
    (0..sel.len() as u32).filter(|&k| sel[k as usize]).collect()
}

/// The positions of `at` where `keep` is true, and those where it is false.
fn split(at: &At, keep: &[bool]) -> (Vec<u32>, Vec<u32>) {
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (&k, &keep) in at.iter().zip(keep) {
        if keep {
            kept.push(k);
        } else {
            dropped.push(k);
        }
    }
    (kept, dropped)
}

/// The positions of `at` a memo does not know yet.
fn missing<T>(memo: &Memo<T>, at: &At) -> Vec<u32> {
    at.iter()
        .copied()
        .filter(|&k| !memo.known.get(k as usize).copied().unwrap_or(false))
        .collect()
}

/// Stores the values computed at positions `at`.
fn remember<T: Default + Clone>(memo: &mut Memo<T>, at: &At, values: Vec<T>, len: usize) {
    if memo.known.is_empty() {
        memo.known = vec![false; len];
        memo.values = vec![T::default(); len];
    }
    for (&k, value) in at.iter().zip(values) {
        memo.values[k as usize] = value;
        memo.known[k as usize] = true;
    }
}

/// The memoized values at positions `at` (all known).
fn recall<T: Clone>(memo: &Memo<T>, at: &At) -> Vec<T> {
    at.iter()
        .map(|&k| memo.values[k as usize].clone())
        .collect()
}
