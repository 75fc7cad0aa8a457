//! Exec stage: metrics (LANGUAGE.md section 7) over groups of entities — the whole
//! population, a segment, a campaign variant or holdout.
//!
//! Each metric aggregate's argument is evaluated once per entity ([`MetricInputs`]); a
//! group's metric is then its aggregates over the group's rows, combined by the metric's
//! formula (`sum(monetary) / count()`).

use rust_decimal::Decimal;

use super::error::RunError;
use super::eval::{Row, World};
use super::fold::to_const;
use super::population;
use super::value::{Value, total_order};
use crate::check::hir::{Metric, MetricFunc, TExpr, TExprKind};

/// The per-entity arguments of every metric aggregate, in formula order.
pub struct MetricInputs {
    /// Per metric, per aggregate (pre-order in its formula): the argument per entity
    /// (empty for `count()`).
    columns: Vec<Vec<Vec<Value>>>,
}

impl MetricInputs {
    /// Evaluates every metric aggregate's argument for every entity.
    pub fn compute(world: &World, entities: usize) -> Result<MetricInputs, RunError> {
        let mut columns = Vec::new();
        for metric in &world.hir.metrics {
            let mut per_agg = Vec::new();
            for (_, arg) in aggregates(&metric.expr) {
                let mut column = Vec::new();
                if let Some(arg) = arg {
                    let mut row = Row::new(world.program(), 0);
                    column.reserve(entities);
                    for e in 0..entities {
                        row.reset(e);
                        column.push(world.eval(arg, &mut row)?);
                    }
                }
                per_agg.push(column);
            }
            columns.push(per_agg);
        }
        Ok(MetricInputs { columns })
    }

    /// The per-entity argument of metric `m`'s first aggregate (none for `count()`).
    pub fn first_argument(&self, m: usize) -> Option<&[Value]> {
        self.columns
            .get(m)?
            .first()
            .filter(|c| !c.is_empty())
            .map(Vec::as_slice)
    }

    /// Every metric's value over the entities of `group`.
    pub fn values(&self, world: &World, group: &[u32]) -> Result<Vec<Value>, RunError> {
        world
            .hir
            .metrics
            .iter()
            .zip(&self.columns)
            .map(|(m, cols)| metric_value(world, m, cols, group))
            .collect()
    }
}

/// The metric aggregates of a formula, pre-order, with their arguments.
fn aggregates(e: &TExpr) -> Vec<(MetricFunc, Option<&TExpr>)> {
    let mut out = Vec::new();
    collect(e, &mut out);
    out
}

fn collect<'e>(e: &'e TExpr, out: &mut Vec<(MetricFunc, Option<&'e TExpr>)>) {
    if let TExprKind::MetricAgg(func, arg) = &e.kind {
        out.push((*func, arg.as_deref()));
        return;
    }
    for child in e.children() {
        collect(child, out);
    }
}

fn metric_value(
    world: &World,
    metric: &Metric,
    columns: &[Vec<Value>],
    group: &[u32],
) -> Result<Value, RunError> {
    let funcs = aggregates(&metric.expr);
    let mut results = Vec::with_capacity(funcs.len());
    for ((func, _), column) in funcs.iter().zip(columns) {
        let values: Vec<&Value> = group
            .iter()
            .filter_map(|&e| column.get(e as usize))
            .collect();
        results.push(aggregate(*func, group.len(), &values));
    }
    let mut formula = metric.expr.clone();
    substitute(&mut formula, &mut results.into_iter());
    Ok(world.eval(&formula, &mut Row::new(world.program(), 0))?)
}

/// Replaces each metric aggregate (pre-order) by its value.
fn substitute(e: &mut TExpr, values: &mut impl Iterator<Item = Value>) {
    if matches!(e.kind, TExprKind::MetricAgg(..)) {
        e.kind = TExprKind::Const(to_const(values.next().unwrap_or(Value::Null)));
        return;
    }
    for child in super::fold::children_mut(e) {
        substitute(child, values);
    }
}

/// One metric aggregate over a group's values (`count()` needs only the group size).
fn aggregate(func: MetricFunc, size: usize, values: &[&Value]) -> Value {
    let present: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    match func {
        MetricFunc::Count => Value::Int(size as i64),
        MetricFunc::Rate if size == 0 => Value::Null,
        MetricFunc::Rate => {
            Value::Float(values.iter().filter(|v| v.holds()).count() as f64 / size as f64)
        }
        MetricFunc::Sum => sum(&present),
        MetricFunc::Avg => population::mean(&present),
        MetricFunc::Min => present
            .iter()
            .min_by(|a, b| total_order(a, b))
            .map_or(Value::Null, |v| (*v).clone()),
        MetricFunc::Max => present
            .iter()
            .max_by(|a, b| total_order(a, b))
            .map_or(Value::Null, |v| (*v).clone()),
        MetricFunc::Percentile(p) => {
            let mut sorted = present;
            sorted.sort_by(|a, b| total_order(a, b));
            population::percentile(&sorted, p)
        }
    }
}

/// An exact sum for ints and decimals, a float sum otherwise; 0 for no values.
fn sum(values: &[&Value]) -> Value {
    if values.iter().all(|v| matches!(v, Value::Int(_))) {
        let total: Option<i64> = values.iter().try_fold(0i64, |acc, v| match v {
            Value::Int(n) => acc.checked_add(*n),
            _ => Some(acc),
        });
        if let Some(total) = total {
            return Value::Int(total);
        }
    }
    if values.iter().all(|v| v.as_decimal().is_some()) {
        let total = values.iter().try_fold(Decimal::ZERO, |acc, v| {
            acc.checked_add(v.as_decimal().unwrap_or_default())
        });
        if let Some(total) = total {
            return Value::Decimal(total);
        }
    }
    Value::Float(values.iter().filter_map(|v| v.as_f64()).sum())
}
