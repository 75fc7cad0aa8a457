//! Exec stage: evaluating an expression for a batch of consecutive entities at once.
//!
//! [`World::eval`] walks the expression tree once per entity; over a million entities the
//! walk itself costs more than the work. A [`Batch`] walks the tree once per batch of up
//! to [`parallel::CHUNK`](super::parallel) entities, each node computing a [`Vector`] of
//! results in a tight loop. The results are exactly those of [`World::eval`]: every node
//! is evaluated only for the entities where the row evaluator would evaluate it (the
//! *selection*: `and`/`or` short-circuit, `if` branches, `in` stopping at a match, the
//! first matching segment), with the same per-value rules. Inside, a selection is the list
//! of its positions in the batch and values are computed for those positions only, so a
//! narrow selection (the last rules of a segmentation) costs little.
//!
//! Results are stored by type (`vector.rs`): columns are read without building a
//! [`Value`] per entity, a constant is kept once, and comparisons, arithmetic, logic,
//! `between`, `in`, `if`, `is null` and the date functions run typed loops
//! (`vector_ops.rs`). Kinds without a typed loop (strings, durations, mixed kinds, other
//! functions) go value by value through the rules of `eval.rs`. `let`s and segments are
//! memoized per entity, as in a [`Row`](super::Row).

use super::column::Column;
use super::eval::{Args, Overflow, PopValue, World, between, compare_op, negate, operate};
use super::value::Value;
use super::vector::Vector;
use super::vector_ops;
use crate::check::hir::{ScalarFn, TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;

/// Positions in a batch, ascending: the entities an expression is evaluated for.
type At = [u32];

type Eval = Result<Vector, Overflow>;

/// A memoized per-entity result: the values, and for which entities they are known.
struct Memo<T> {
    values: Vec<T>,
    known: Vec<bool>,
}

/// A memoized `let`: its values by batch position (once one is known), and which are.
#[derive(Default)]
struct LetMemo {
    values: Option<Vector>,
    known: Vec<bool>,
}

/// The entities `start..start + len`, with their memoized `let`s and segments.
pub struct Batch<'a, 'w> {
    world: &'a World<'w>,
    start: usize,
    len: usize,
    lets: Vec<LetMemo>,
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
            lets: (0..hir.lets.len()).map(|_| LetMemo::default()).collect(),
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
    pub fn eval(&mut self, e: &TExpr, sel: &[bool]) -> Result<Vec<Value>, Overflow> {
        let at = positions(sel);
        let values = self.vector(e, &at)?.into_values();
        Ok(self.spread(&at, values, Value::Null))
    }

    /// `e`'s value for every entity of the batch, stored by type.
    pub(super) fn vector_of_all(&mut self, e: &TExpr) -> Eval {
        let at: Vec<u32> = (0..self.len as u32).collect();
        self.vector(e, &at)
    }

    /// `e`'s value for the entities marked in `sel` only, in batch order.
    pub fn selected(&mut self, e: &TExpr, sel: &[bool]) -> Result<Vec<Value>, Overflow> {
        let at = positions(sel);
        Ok(self.vector(e, &at)?.into_values())
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
    pub fn let_values(&mut self, i: usize, sel: &[bool]) -> Result<Vec<Value>, Overflow> {
        let at = positions(sel);
        let values = self.let_at(i, &at)?.into_values();
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
    fn vector(&mut self, e: &TExpr, at: &At) -> Eval {
        let world = self.world;
        let n = at.len();
        if let Some(column) = self.column(e) {
            return Ok(Vector::read(column, self.start, at));
        }
        Ok(match &e.kind {
            TExprKind::Const(c) => Vector::Same(Value::from(c), n),
            TExprKind::AsOf => Vector::Same(Value::Date(world.as_of), n),
            TExprKind::Param(i) => Vector::Same(world.params[*i].clone(), n),
            // An event field outside `where` has no event to read.
            TExprKind::EventField(_) => Vector::nulls(n),
            TExprKind::Population(i) => match &world.populations[*i] {
                Some(PopValue::Scalar(v)) => Vector::Same(v.clone(), n),
                Some(PopValue::PerEntity(_)) | None => unreachable!("read above as a column"),
            },
            TExprKind::Let(i) => self.let_at(*i, at)?,
            TExprKind::Segment(i) => {
                Vector::Bools(self.segment_at(*i, at)?.into_iter().map(Some).collect())
            }
            TExprKind::SegmentOf(i, j) => Vector::Bools(
                self.segment_index_at(*i, at)?
                    .into_iter()
                    .map(|found| Some(found == Some(*j)))
                    .collect(),
            ),
            TExprKind::SegmentationName(i) => {
                let rules = &world.hir.segmentations[*i].rules;
                Vector::Values(
                    self.segment_index_at(*i, at)?
                        .into_iter()
                        .map(|found| {
                            found.map_or(Value::Null, |j| Value::Str(rules[j].name.as_str().into()))
                        })
                        .collect(),
                )
            }
            TExprKind::EntityField(_) | TExprKind::Aggregate(_) | TExprKind::MetricAgg(..) => {
                unreachable!("columns are read above; metric aggregates by the metrics report")
            }
            TExprKind::Neg(x) => {
                let x = self.vector(x, at)?;
                match vector_ops::negate(&x, e) {
                    Some(negated) => negated?,
                    None => each_value(&[x], |v| negate(v[0].clone(), e))?,
                }
            }
            TExprKind::Not(x) => vector_ops::not(&self.vector(x, at)?),
            TExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                self.logic(*op, a, b, at)?
            }
            TExprKind::Binary(op, a, b) => {
                let x = self.vector(a, at)?;
                let y = self.vector(b, at)?;
                binary(*op, x, y, e)?
            }
            TExprKind::In(x, items, negated) => self.in_list(x, items, *negated, at)?,
            TExprKind::Between(x, lo, hi, negated) => {
                let args = [
                    self.vector(x, at)?,
                    self.vector(lo, at)?,
                    self.vector(hi, at)?,
                ];
                match vector_ops::between(&args[0], &args[1], &args[2], *negated) {
                    Some(held) => held,
                    None => each_value(&args, |v| Ok(between(&v[0], &v[1], &v[2], *negated)))?,
                }
            }
            TExprKind::IsNull(x, negated) => {
                let nulls = self.null_flags(x, at)?;
                Vector::Bools(
                    nulls
                        .into_iter()
                        .map(|null| Some(null != *negated))
                        .collect(),
                )
            }
            TExprKind::If(c, a, b) => {
                let holds = self.truths(c, at)?;
                let then_at = select(at, &holds, true);
                let else_at = select(at, &holds, false);
                let then = self.vector(a, &then_at)?;
                let other = self.vector(b, &else_at)?;
                Vector::choose(&holds, then, other)
            }
            TExprKind::Call(f, args) => self.call(*f, args, at, e)?,
        })
    }

    /// The column `e` reads, when it reads one: an entity field, an aggregate, a
    /// per-entity population function, a materialized `let`, or a `let` that names one
    /// of those.
    fn column(&self, e: &TExpr) -> Option<&'a Column> {
        let world = self.world;
        match &e.kind {
            TExprKind::EntityField(i) => Some(&world.entity[*i]),
            TExprKind::Aggregate(i) => match &world.aggregates[*i] {
                Some(column) => Some(column),
                None => unreachable!("the plan computes aggregate {i} before it is read"),
            },
            TExprKind::Population(i) => match &world.populations[*i] {
                Some(PopValue::PerEntity(column)) => Some(column),
                Some(PopValue::Scalar(_)) => None,
                None => unreachable!("the plan computes population function {i} before it is read"),
            },
            TExprKind::Let(i) => match &world.lets[*i] {
                Some(column) => Some(column),
                // A `let` that names a column has that column's values.
                None => self.column(&world.program().lets[*i].expr),
            },
            _ => None,
        }
    }

    /// Whether `e` is true at each position of `at`.
    fn truths(&mut self, e: &TExpr, at: &At) -> Result<Vec<bool>, Overflow> {
        Ok(self.vector(e, at)?.holds())
    }

    /// Whether `e` is null at each position of `at` (a column is asked without reading
    /// its values).
    fn null_flags(&mut self, e: &TExpr, at: &At) -> Result<Vec<bool>, Overflow> {
        if let Some(column) = self.column(e) {
            let start = self.start;
            return Ok(at
                .iter()
                .map(|&k| column.is_null(start + k as usize))
                .collect());
        }
        Ok(self.vector(e, at)?.null_flags())
    }

    fn segment_at(&mut self, i: usize, at: &At) -> Result<Vec<bool>, Overflow> {
        if let Some((_, segments)) = &self.world.memberships {
            let column = &segments[i];
            return Ok(at
                .iter()
                .map(|&k| column[self.start + k as usize])
                .collect());
        }
        let missing = missing(&self.segments[i].known, at);
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
        let missing = missing(&self.segmentations[i].known, at);
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
                undecided = select(&undecided, &matched, false);
            }
            let found = missing.iter().map(|&k| found[k as usize]).collect();
            remember(&mut self.segmentations[i], &missing, found, self.len);
        }
        Ok(recall(&self.segmentations[i], at))
    }

    fn let_at(&mut self, i: usize, at: &At) -> Eval {
        if let Some(column) = &self.world.lets[i] {
            return Ok(Vector::read(column, self.start, at));
        }
        let missing = missing(&self.lets[i].known, at);
        if missing.is_empty() {
            return Ok(self.lets[i].recall(at));
        }
        let expr = &self.world.program().lets[i].expr;
        let values = self.vector(expr, &missing)?;
        self.lets[i].remember(&missing, &values, self.len);
        if missing.len() == at.len() {
            return Ok(values);
        }
        Ok(self.lets[i].recall(at))
    }

    fn logic(&mut self, op: BinaryOp, a: &TExpr, b: &TExpr, at: &At) -> Eval {
        let x = self.vector(a, at)?.truths();
        // `false and …` is false and `true or …` is true without reading the right side.
        let deciding = Some(op == BinaryOp::Or);
        let undecided: Vec<bool> = x.iter().map(|&x| x != deciding).collect();
        let rest = select(at, &undecided, true);
        let mut y = self.vector(b, &rest)?.truths().into_iter();
        let combine = match op {
            BinaryOp::And => vector_ops::and,
            _ => vector_ops::or,
        };
        Ok(Vector::Bools(
            x.into_iter()
                .zip(undecided)
                .map(|(x, undecided)| match undecided {
                    true => combine(x, y.next().flatten()),
                    false => x,
                })
                .collect(),
        ))
    }

    fn in_list(&mut self, x: &TExpr, items: &[TExpr], negated: bool, at: &At) -> Eval {
        let v = self.vector(x, at)?;
        let nulls = v.null_flags();
        // Indices into `at` of the entities not decided yet.
        let mut undecided: Vec<u32> = (0..at.len() as u32)
            .filter(|&i| !nulls[i as usize])
            .collect();
        let mut saw_null = vec![false; at.len()];
        let mut out: Vec<Option<bool>> = vec![None; at.len()];
        for item in items {
            if undecided.is_empty() {
                break;
            }
            let item_at: Vec<u32> = undecided.iter().map(|&i| at[i as usize]).collect();
            let w = self.vector(item, &item_at)?;
            let equal = equals(&v.gather(&undecided), &w);
            let w_nulls = w.null_flags();
            let mut still = Vec::with_capacity(undecided.len());
            for (j, &i) in undecided.iter().enumerate() {
                match equal[j] {
                    Some(true) => out[i as usize] = Some(!negated),
                    None if w_nulls[j] => {
                        saw_null[i as usize] = true;
                        still.push(i);
                    }
                    _ => still.push(i),
                }
            }
            undecided = still;
        }
        for i in undecided {
            // No item is equal: unknown if an item was null.
            out[i as usize] = (!saw_null[i as usize]).then_some(negated);
        }
        Ok(Vector::Bools(out))
    }

    fn call(&mut self, f: ScalarFn, args: &[TExpr], at: &At, e: &TExpr) -> Eval {
        let mut columns = Vec::with_capacity(args.len());
        for arg in args {
            columns.push(self.vector(arg, at)?);
        }
        if let Some(typed) = vector_ops::date_function(f, &columns) {
            return Ok(typed);
        }
        let world = self.world;
        each_value(&columns, |values| {
            world.apply(f, values.iter().cloned().collect(), e)
        })
    }
}

/// A comparison or arithmetic operator applied to two vectors: typed when their kinds
/// allow, else value by value.
fn binary(op: BinaryOp, x: Vector, y: Vector, e: &TExpr) -> Eval {
    let typed = if op.is_comparison() {
        vector_ops::compare(op, &x, &y).map(Ok)
    } else {
        vector_ops::arithmetic(op, &x, &y, e)
    };
    match typed {
        Some(result) => result,
        None => each_value(&[x, y], |v| operate(op, v[0].clone(), v[1].clone(), e)),
    }
}

/// Whether `v` equals `w` at each position (null when either is null or they do not
/// compare), as `compare_op(==)`.
fn equals(v: &Vector, w: &Vector) -> Vec<Option<bool>> {
    match vector_ops::compare(BinaryOp::Eq, v, w) {
        Some(equal) => equal.truths(),
        None => (0..v.len())
            .map(|j| compare_op(BinaryOp::Eq, &v.value(j), &w.value(j)).truth())
            .collect(),
    }
}

/// `f` of the arguments' values at each position (the row evaluator's rule, for kinds
/// without a typed loop), stored by type when the results allow.
fn each_value(args: &[Vector], f: impl Fn(&Args) -> Result<Value, Overflow>) -> Eval {
    let n = args.first().map_or(0, Vector::len);
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let values: Args = args.iter().map(|a| a.value(k)).collect();
        out.push(f(&values)?);
    }
    Ok(Vector::from_values(out))
}

impl LetMemo {
    /// The memoized values at positions `at` (all known).
    fn recall(&self, at: &At) -> Vector {
        match &self.values {
            Some(values) => values.gather(at),
            None => Vector::nulls(at.len()),
        }
    }

    /// Stores the values computed at positions `at` of a batch of `len` entities.
    fn remember(&mut self, at: &At, values: &Vector, len: usize) {
        if self.known.is_empty() {
            self.known = vec![false; len];
        }
        self.values
            .get_or_insert_with(|| Vector::blank(values.kind(), len))
            .put(at, values);
        at.iter().for_each(|&k| self.known[k as usize] = true);
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

/// The positions of `at` whose flag in `flags` is `wanted`.
fn select(at: &At, flags: &[bool], wanted: bool) -> Vec<u32> {
    // Without a branch per position: every position is written, the count advances only
    // for the wanted ones.
    let mut out = vec![0; at.len()];
    let mut n = 0;
    for (&k, &flag) in at.iter().zip(flags) {
        out[n] = k;
        n += usize::from(flag == wanted);
    }
    out.truncate(n);
    out
}

/// The positions of `at` a memo (which knows the positions marked in `known`) does not
/// know yet.
fn missing(known: &[bool], at: &At) -> Vec<u32> {
    at.iter()
        .copied()
        .filter(|&k| !known.get(k as usize).copied().unwrap_or(false))
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
