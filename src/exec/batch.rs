//! Exec stage: evaluating an expression for a batch of consecutive entities at once.
//!
//! [`World::eval`] walks the expression tree once per entity; over a million entities the
//! walk itself costs more than the work. A [`Batch`] walks the tree once per batch of up
//! to [`parallel::CHUNK`](super::parallel) entities, each node computing a vector of
//! values in a tight loop. The results are exactly those of [`World::eval`]: every node
//! is evaluated only for the entities where the row evaluator would evaluate it (the
//! *selection*: `and`/`or` short-circuit, `if` branches, `in` stopping at a match, the
//! first matching segment), with the same per-value rules (shared with `eval.rs`).
//! `let`s and segments are memoized per entity, as in a [`Row`](super::Row).

use std::cmp::Ordering;

use super::eval::{
    Args, Overflow, PopValue, World, between, logic, negate, no_match, operate, short_circuit,
};
use super::value::{Value, compare};
use crate::check::hir::{TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;

/// Which entities of a batch an expression is evaluated for.
pub type Selection = [bool];

/// Values of a batch; an entity outside the selection holds null.
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

    /// `e`'s value for each selected entity (null for the others).
    pub fn eval(&mut self, e: &TExpr, sel: &Selection) -> Eval {
        let world = self.world;
        Ok(match &e.kind {
            TExprKind::Const(c) => self.broadcast(&Value::from(c), sel),
            TExprKind::AsOf => self.broadcast(&Value::Date(world.as_of), sel),
            TExprKind::Param(i) => self.broadcast(&world.params[*i], sel),
            TExprKind::EntityField(i) => self.read(sel, |e| world.entity[*i].get(e)),
            // An event field outside `where` has no event to read.
            TExprKind::EventField(_) => vec![Value::Null; self.len],
            TExprKind::Aggregate(i) => match &world.aggregates[*i] {
                Some(column) => self.read(sel, |e| column.get(e)),
                None => unreachable!("the plan computes aggregate {i} before it is read"),
            },
            TExprKind::Population(i) => match &world.populations[*i] {
                Some(PopValue::PerEntity(column)) => self.read(sel, |e| column.get(e)),
                Some(PopValue::Scalar(v)) => self.broadcast(v, sel),
                None => unreachable!("the plan computes population function {i} before it is read"),
            },
            TExprKind::Let(i) => self.let_values(*i, sel)?,
            TExprKind::Segment(i) => {
                let held = self.segment(*i, sel)?;
                map_selected(sel, |k| Value::Bool(held[k]))
            }
            TExprKind::SegmentOf(i, j) => {
                let found = self.segment_index(*i, sel)?;
                map_selected(sel, |k| Value::Bool(found[k] == Some(*j)))
            }
            TExprKind::SegmentationName(i) => {
                let found = self.segment_index(*i, sel)?;
                let rules = &world.hir.segmentations[*i].rules;
                map_selected(sel, |k| {
                    found[k].map_or(Value::Null, |j| Value::Str(rules[j].name.as_str().into()))
                })
            }
            TExprKind::MetricAgg(..) => {
                unreachable!("metric aggregates are evaluated by the metrics report")
            }
            TExprKind::Neg(x) => {
                let v = self.eval(x, sel)?;
                v.into_iter().map(|v| negate(v, e)).collect::<Eval>()?
            }
            TExprKind::Not(x) => self
                .eval(x, sel)?
                .into_iter()
                .map(|v| v.truth().map_or(Value::Null, |b| Value::Bool(!b)))
                .collect(),
            TExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                self.logic(*op, a, b, sel)?
            }
            TExprKind::Binary(op, a, b) => {
                let x = self.eval(a, sel)?;
                if let TExprKind::Const(c) = &b.kind {
                    // The common `x OP constant`: no vector of copies of the constant.
                    let c = Value::from(c);
                    return x
                        .into_iter()
                        .map(|x| operate(*op, x, c.clone(), e))
                        .collect();
                }
                let y = self.eval(b, sel)?;
                x.into_iter()
                    .zip(y)
                    .map(|(x, y)| operate(*op, x, y, e))
                    .collect::<Eval>()?
            }
            TExprKind::In(x, items, negated) => self.in_list(x, items, *negated, sel)?,
            TExprKind::Between(x, lo, hi, negated) => {
                let (v, lo, hi) = (self.eval(x, sel)?, self.eval(lo, sel)?, self.eval(hi, sel)?);
                (0..self.len)
                    .map(|k| between(&v[k], &lo[k], &hi[k], *negated))
                    .collect()
            }
            TExprKind::IsNull(x, negated) => self
                .eval(x, sel)?
                .into_iter()
                .map(|v| Value::Bool(v.is_null() != *negated))
                .collect(),
            TExprKind::If(c, a, b) => {
                let holds = self.holds(c, sel)?;
                let otherwise: Vec<bool> = (0..self.len).map(|k| sel[k] && !holds[k]).collect();
                let then = self.eval(a, &holds)?;
                let other = self.eval(b, &otherwise)?;
                then.into_iter()
                    .zip(other)
                    .zip(holds)
                    .map(|((t, o), h)| if h { t } else { o })
                    .collect()
            }
            TExprKind::Call(f, args) => {
                let mut columns = Vec::with_capacity(args.len());
                for arg in args {
                    columns.push(self.eval(arg, sel)?.into_iter());
                }
                let mut out = Vec::with_capacity(self.len);
                for &selected in sel {
                    let values: Args = columns.iter_mut().flat_map(|c| c.next()).collect();
                    out.push(if selected {
                        world.apply(*f, values, e)?
                    } else {
                        Value::Null
                    });
                }
                out
            }
        })
    }

    /// Whether `e` is true for each selected entity (null counts as false).
    pub fn holds(&mut self, e: &TExpr, sel: &Selection) -> Result<Vec<bool>, Overflow> {
        Ok(self.eval(e, sel)?.iter().map(Value::holds).collect())
    }

    /// Segment membership of standalone segment `i`, for the selected entities.
    pub fn segment(&mut self, i: usize, sel: &Selection) -> Result<Vec<bool>, Overflow> {
        if let Some((_, segments)) = &self.world.memberships {
            let column = &segments[i];
            return Ok((0..self.len).map(|k| column[self.start + k]).collect());
        }
        let missing = self.missing(&self.segments[i], sel);
        if let Some(missing) = missing {
            let condition = &self.world.program().segments[i].condition;
            let held = self.holds(condition, &missing)?;
            remember(&mut self.segments[i], &missing, held, self.len);
        }
        Ok(self.segments[i].values.clone())
    }

    /// The index of each selected entity's segment in segmentation `i` (first match).
    pub fn segment_index(
        &mut self,
        i: usize,
        sel: &Selection,
    ) -> Result<Vec<Option<usize>>, Overflow> {
        if let Some((segmentations, _)) = &self.world.memberships {
            let column = &segmentations[i];
            return Ok((0..self.len)
                .map(|k| column[self.start + k].map(usize::from))
                .collect());
        }
        let missing = self.missing(&self.segmentations[i], sel);
        if let Some(mut undecided) = missing {
            let asked = undecided.clone();
            let mut found = vec![None; self.len];
            let world = self.world;
            for (j, rule) in world.program().segmentations[i].rules.iter().enumerate() {
                let matched = match &rule.condition {
                    Some(c) => self.holds(c, &undecided)?,
                    None => undecided.clone(),
                };
                for k in 0..self.len {
                    if undecided[k] && matched[k] {
                        found[k] = Some(j);
                        undecided[k] = false;
                    }
                }
            }
            remember(&mut self.segmentations[i], &asked, found, self.len);
        }
        Ok(self.segmentations[i].values.clone())
    }

    /// The value of `let` `i` for each selected entity.
    pub fn let_values(&mut self, i: usize, sel: &Selection) -> Eval {
        if let Some(column) = &self.world.lets[i] {
            return Ok(self.read(sel, |e| column.get(e)));
        }
        if let Some(missing) = self.missing(&self.lets[i], sel) {
            let expr = &self.world.program().lets[i].expr;
            let values = self.eval(expr, &missing)?;
            remember(&mut self.lets[i], &missing, values, self.len);
        }
        let memo = &self.lets[i].values;
        Ok(map_selected(sel, |k| memo[k].clone()))
    }

    /// The selected entities a memo does not know yet, if any.
    fn missing<T>(&self, memo: &Memo<T>, sel: &Selection) -> Option<Vec<bool>> {
        let missing: Vec<bool> = (0..self.len)
            .map(|k| sel[k] && !memo.known.get(k).copied().unwrap_or(false))
            .collect();
        missing.contains(&true).then_some(missing)
    }

    fn logic(&mut self, op: BinaryOp, a: &TExpr, b: &TExpr, sel: &Selection) -> Eval {
        let x: Vec<Option<bool>> = self.eval(a, sel)?.iter().map(Value::truth).collect();
        let decided: Vec<Option<Value>> = x.iter().map(|&x| short_circuit(op, x)).collect();
        let rest: Vec<bool> = (0..self.len)
            .map(|k| sel[k] && decided[k].is_none())
            .collect();
        let y = self.eval(b, &rest)?;
        Ok(decided
            .into_iter()
            .zip(x)
            .zip(y)
            .zip(rest)
            .map(|(((decided, x), y), rest)| match decided {
                Some(v) => v,
                None if rest => logic(op, x, y.truth()),
                None => Value::Null,
            })
            .collect())
    }

    fn in_list(&mut self, x: &TExpr, items: &[TExpr], negated: bool, sel: &Selection) -> Eval {
        let v = self.eval(x, sel)?;
        let mut undecided: Vec<bool> = (0..self.len).map(|k| sel[k] && !v[k].is_null()).collect();
        let mut saw_null = vec![false; self.len];
        let mut out: Values = vec![Value::Null; self.len];
        for item in items {
            let w = self.eval(item, &undecided)?;
            for k in 0..self.len {
                if !undecided[k] {
                    continue;
                }
                match compare(&v[k], &w[k]) {
                    Some(Ordering::Equal) => {
                        out[k] = Value::Bool(!negated);
                        undecided[k] = false;
                    }
                    None if w[k].is_null() => saw_null[k] = true,
                    _ => {}
                }
            }
        }
        for k in 0..self.len {
            if undecided[k] {
                out[k] = no_match(saw_null[k], negated);
            }
        }
        Ok(out)
    }

    fn broadcast(&self, value: &Value, sel: &Selection) -> Values {
        map_selected(sel, |_| value.clone())
    }

    fn read(&self, sel: &Selection, get: impl Fn(usize) -> Value) -> Values {
        map_selected(sel, |k| get(self.start + k))
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

/// `f(k)` for each selected position, null elsewhere.
fn map_selected(sel: &Selection, f: impl Fn(usize) -> Value) -> Values {
    sel.iter()
        .enumerate()
        .map(|(k, &s)| if s { f(k) } else { Value::Null })
        .collect()
}

/// Stores the values computed for the entities in `computed`.
fn remember<T: Default + Clone>(memo: &mut Memo<T>, computed: &[bool], values: Vec<T>, len: usize) {
    if memo.known.is_empty() {
        memo.known = vec![false; len];
        memo.values = vec![T::default(); len];
    }
    for (k, value) in values.into_iter().enumerate() {
        if computed[k] {
            memo.values[k] = value;
            memo.known[k] = true;
        }
    }
}
