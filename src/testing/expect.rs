//! Test stage: checking one `expect` against a run's outcome.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::check::hir::{Hir, TExpr, TExprKind};
use crate::exec::{HOLDOUT, Outcome, PopValue, Row, Value};
use crate::syntax::ast::{self, Bound, DatasetExpectation, Expectation, Literal};

/// Checks expectations against one outcome.
pub struct Checker<'o, 'h> {
    hir: &'h Hir,
    outcome: &'o Outcome<'h>,
}

type Check = Result<(), Vec<String>>;

impl<'o, 'h> Checker<'o, 'h> {
    /// A checker for a finished run.
    pub fn new(hir: &'h Hir, outcome: &'o Outcome<'h>) -> Self {
        Checker { hir, outcome }
    }

    /// `Ok` when the expectation holds, otherwise what was expected and found.
    pub fn check(&self, expectation: &Expectation) -> Check {
        match expectation {
            Expectation::InSegment {
                key,
                segment,
                negated,
            } => self.in_segment(&key.value, segment, *negated),
            Expectation::Compare {
                key,
                name,
                op,
                value,
                ..
            } => self.compare(&key.value, &name.name, *op, value),
            Expectation::IsNull { key, name, negated } => {
                self.is_null(&key.value, &name.name, *negated)
            }
            Expectation::Gets {
                key,
                action,
                from,
                with,
            } => self.gets(&key.value, &action.name, from.as_ref(), with),
            Expectation::GetsNothing { key, from } => self.gets_nothing(&key.value, from.as_ref()),
            Expectation::Dataset(dataset) => self.dataset(dataset),
        }
    }

    /// A data-set expectation: over every entity of the test.
    fn dataset(&self, dataset: &DatasetExpectation) -> Check {
        let n = self.outcome.keys.len();
        let (measured, shown, bound) = match dataset {
            DatasetExpectation::Share { group, bound } => {
                let size = self.members(group)?.iter().filter(|b| **b).count();
                let share = if n == 0 {
                    Decimal::ZERO
                } else {
                    Decimal::from(size) / Decimal::from(n)
                };
                let text = format!("{:.2}% ({size} of {n})", share * Decimal::ONE_HUNDRED);
                (
                    Value::Decimal(share),
                    format!("share({})", group_text(group)),
                    Some((bound, text)),
                )
            }
            DatasetExpectation::Count { group, bound } => {
                let size = self.members(group)?.iter().filter(|b| **b).count() as i64;
                (
                    Value::Int(size),
                    format!("count({})", group_text(group)),
                    Some((bound, size.to_string())),
                )
            }
            DatasetExpectation::Overlap {
                first,
                second,
                bound,
            } => {
                let (a, b) = (self.members(first)?, self.members(second)?);
                let both = a.iter().zip(&b).filter(|(x, y)| **x && **y).count() as i64;
                let shown = format!("overlap({}, {})", group_text(first), group_text(second));
                (Value::Int(both), shown, Some((bound, both.to_string())))
            }
            DatasetExpectation::Exhaustive { segmentation } => {
                return self.exhaustive(&segmentation.name);
            }
        };
        let Some((bound, found)) = bound else {
            return Ok(());
        };
        if bound_holds(&measured, bound) {
            return Ok(());
        }
        Err(vec![
            format!("expected: {shown} {}", bound_text(bound)),
            format!("found:    {found}"),
        ])
    }

    /// Per entity: whether it is in a segment, a segmentation's segment, a campaign
    /// (accepted, holdout included) or one campaign variant (`holdout` for the control group).
    fn members(&self, group: &ast::SegmentRef) -> Result<Vec<bool>, Vec<String>> {
        let n = self.outcome.keys.len();
        let name = group.first.name.as_str();
        if let Some(r) = self
            .outcome
            .campaigns
            .iter()
            .find(|r| self.hir.campaigns[r.campaign].name == name)
        {
            let campaign = &self.hir.campaigns[r.campaign];
            let wanted: Option<u16> = match &group.second {
                None => None,
                Some(v) if v.name == "holdout" => Some(HOLDOUT),
                Some(v) => match campaign.variants.iter().position(|x| x.name == v.name) {
                    Some(i) => Some(i as u16),
                    None => {
                        return Err(vec![format!(
                            "campaign `{name}` has no variant `{}`",
                            v.name
                        )]);
                    }
                },
            };
            let mut members = vec![false; n];
            for &(e, variant) in &r.accepted {
                members[e as usize] = wanted.is_none_or(|w| w == variant);
            }
            return Ok(members);
        }
        match &group.second {
            None => match self.hir.segments.iter().position(|s| s.name == name) {
                Some(i) => Ok(self.outcome.segments[i].clone()),
                None => Err(vec![format!("`{name}` is not a segment or campaign")]),
            },
            Some(inner) => {
                let Some(i) = self.hir.segmentations.iter().position(|s| s.name == name) else {
                    return Err(vec![format!("`{name}` is not a segmentation or campaign")]);
                };
                let Some(j) = self.hir.segmentations[i]
                    .rules
                    .iter()
                    .position(|r| r.name == inner.name)
                else {
                    return Err(vec![format!(
                        "segmentation `{name}` has no segment `{}`",
                        inner.name
                    )]);
                };
                Ok(self.outcome.segmentations[i]
                    .iter()
                    .map(|s| *s == Some(j as u16))
                    .collect())
            }
        }
    }

    fn exhaustive(&self, segmentation: &str) -> Check {
        let Some(i) = self
            .hir
            .segmentations
            .iter()
            .position(|s| s.name == segmentation)
        else {
            return Err(vec![format!("`{segmentation}` is not a segmentation")]);
        };
        let unassigned: Vec<&str> = self
            .outcome
            .by_key
            .iter()
            .filter(|&&e| self.outcome.segmentations[i][e as usize].is_none())
            .map(|&e| &*self.outcome.keys[e as usize])
            .collect();
        if unassigned.is_empty() {
            return Ok(());
        }
        let sample: Vec<String> = unassigned
            .iter()
            .take(5)
            .map(|k| format!("\"{k}\""))
            .collect();
        Err(vec![
            format!("expected: every entity in a segment of `{segmentation}`"),
            format!(
                "found:    {} in none, e.g. {}",
                unassigned.len(),
                sample.join(", ")
            ),
        ])
    }

    fn entity(&self, key: &str) -> Result<usize, Vec<String>> {
        self.outcome
            .keys
            .iter()
            .position(|k| &**k == key)
            .ok_or_else(|| vec![format!("no entity has the key \"{key}\"")])
    }

    fn in_segment(&self, key: &str, segment: &ast::SegmentRef, negated: bool) -> Check {
        let e = self.entity(key)?;
        let (is_in, shown, actual) = match &segment.second {
            Some(inner) => {
                let Some(s) = self
                    .hir
                    .segmentations
                    .iter()
                    .position(|s| s.name == segment.first.name)
                else {
                    return Err(vec![format!(
                        "`{}` is not a segmentation",
                        segment.first.name
                    )]);
                };
                let rules = &self.hir.segmentations[s].rules;
                let Some(j) = rules.iter().position(|r| r.name == inner.name) else {
                    return Err(vec![format!(
                        "segmentation `{}` has no segment `{}`",
                        segment.first.name, inner.name
                    )]);
                };
                let current = self.outcome.segmentations[s][e];
                let actual = current.map_or("in no segment of it".to_string(), |c| {
                    format!("in `{}.{}`", segment.first.name, rules[c as usize].name)
                });
                (
                    current == Some(j as u16),
                    format!("{}.{}", segment.first.name, inner.name),
                    actual,
                )
            }
            None => {
                let Some(s) = self
                    .hir
                    .segments
                    .iter()
                    .position(|s| s.name == segment.first.name)
                else {
                    return Err(vec![format!(
                        "`{}` is not a standalone segment",
                        segment.first.name
                    )]);
                };
                let held = self.outcome.segments[s][e];
                (
                    held,
                    segment.first.name.clone(),
                    if held {
                        "in it".into()
                    } else {
                        "not in it".into()
                    },
                )
            }
        };
        if is_in != negated {
            return Ok(());
        }
        let want = if negated { "not in" } else { "in" };
        Err(vec![
            format!("expected: \"{key}\" {want} {shown}"),
            format!("found:    \"{key}\" is {actual}"),
        ])
    }

    /// The value of a name for an entity: a field, `let`, segment or segmentation.
    fn value_of(&self, e: usize, name: &str) -> Result<(Value, Option<&'h TExpr>), Vec<String>> {
        let world = &self.outcome.world;
        if let Some(i) = self.hir.entity.field(name) {
            return Ok((world.entity[i].get(e), None));
        }
        let mut row = Row::new(self.hir, e);
        let failed =
            |err: crate::exec::Overflow| vec![crate::exec::RunError::from(err).to_string()];
        if let Some(i) = self.hir.lets.iter().position(|l| l.name == name) {
            return Ok((
                world.let_value(i, &mut row).map_err(failed)?,
                Some(&self.hir.lets[i].expr),
            ));
        }
        if let Some(i) = self.hir.segments.iter().position(|s| s.name == name) {
            return Ok((Value::Bool(self.outcome.segments[i][e]), None));
        }
        if let Some(i) = self.hir.segmentations.iter().position(|s| s.name == name) {
            let value = self.outcome.segmentations[i][e].map_or(Value::Null, |j| {
                Value::Str(
                    self.hir.segmentations[i].rules[j as usize]
                        .name
                        .as_str()
                        .into(),
                )
            });
            return Ok((value, None));
        }
        Err(vec![format!(
            "`{name}` is not an entity field, `let`, segment or segmentation"
        )])
    }

    fn compare(&self, key: &str, name: &str, op: ast::BinaryOp, expected: &Literal) -> Check {
        let e = self.entity(key)?;
        let (actual, definition) = self.value_of(e, name)?;
        let want = literal_value(expected);
        if crate::exec::compare_op(op, &actual, &want).holds() {
            return Ok(());
        }
        let mut details = vec![
            format!("expected: \"{key}\".{name} {} {expected}", op.symbol()),
            format!("found:    {}", shown(&actual)),
        ];
        if let Some(definition) = definition {
            details.extend(self.inputs(e, definition));
        }
        Err(details)
    }

    fn is_null(&self, key: &str, name: &str, negated: bool) -> Check {
        let e = self.entity(key)?;
        let (actual, definition) = self.value_of(e, name)?;
        if actual.is_null() != negated {
            return Ok(());
        }
        let want = if negated { "is not null" } else { "is null" };
        let mut details = vec![
            format!("expected: \"{key}\".{name} {want}"),
            format!("found:    {}", shown(&actual)),
        ];
        if let Some(definition) = definition {
            details.extend(self.inputs(e, definition));
        }
        Err(details)
    }

    /// One level down: the values a `let` was computed from.
    fn inputs(&self, e: usize, definition: &TExpr) -> Vec<String> {
        let mut refs = Vec::new();
        direct_inputs(definition, &mut refs);
        let world = &self.outcome.world;
        let mut row = Row::new(self.hir, e);
        let mut lines = Vec::new();
        for r in refs {
            let (name, value) = match &r.kind {
                TExprKind::AsOf => ("as_of".to_string(), Value::Date(world.as_of)),
                TExprKind::EntityField(i) => (
                    self.hir.entity.fields[*i].name.clone(),
                    world.entity[*i].get(e),
                ),
                TExprKind::Let(i) => (
                    self.hir.lets[*i].name.clone(),
                    world.let_value(*i, &mut row).unwrap_or(Value::Null),
                ),
                TExprKind::Param(i) => (self.hir.params[*i].name.clone(), world.params[*i].clone()),
                TExprKind::Aggregate(i) => (
                    self.hir.aggregates[*i].text.clone(),
                    world.aggregates[*i]
                        .as_ref()
                        .map_or(Value::Null, |c| c.get(e)),
                ),
                TExprKind::Population(i) => (
                    self.hir.populations[*i].text.clone(),
                    match &world.populations[*i] {
                        Some(PopValue::PerEntity(c)) => c.get(e),
                        Some(PopValue::Scalar(v)) => v.clone(),
                        None => Value::Null,
                    },
                ),
                _ => continue,
            };
            let line = format!("  from {name} = {}", shown(&value));
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        lines
    }

    fn rows(
        &self,
        e: usize,
        action: Option<usize>,
        campaign: Option<&ast::Ident>,
    ) -> Result<Vec<(usize, crate::exec::ActionRow<'o>)>, Vec<String>> {
        let campaign = match campaign {
            Some(c) => match self.hir.campaigns.iter().position(|x| x.name == c.name) {
                Some(i) => Some(i),
                None => return Err(vec![format!("`{}` is not a campaign", c.name)]),
            },
            None => None,
        };
        let mut out = Vec::new();
        for (a, rows) in self.outcome.actions.iter().enumerate() {
            if action.is_some_and(|x| x != a) {
                continue;
            }
            out.extend(
                rows.iter()
                    .filter(|r| r.entity as usize == e && campaign.is_none_or(|c| c == r.campaign))
                    .map(|r| (a, r)),
            );
        }
        Ok(out)
    }

    fn gets(
        &self,
        key: &str,
        action: &str,
        from: Option<&ast::Ident>,
        with: &[ast::RecordField],
    ) -> Check {
        let e = self.entity(key)?;
        let Some(a) = self.hir.actions.iter().position(|x| x.name == action) else {
            return Err(vec![format!("`{action}` is not an action")]);
        };
        let fields = &self.hir.actions[a].fields;
        for f in with {
            if !fields.iter().any(|d| d.name == f.name.name) {
                return Err(vec![format!(
                    "action `{action}` has no field `{}`",
                    f.name.name
                )]);
            }
        }
        let rows = self.rows(e, Some(a), from)?;
        let matches = |row: &crate::exec::ActionRow<'_>| {
            with.iter().all(|f| {
                let i = fields
                    .iter()
                    .position(|d| d.name == f.name.name)
                    .unwrap_or(0);
                same(&row.values[i], &literal_value(&f.value))
            })
        };
        if rows.iter().any(|(_, r)| matches(r)) {
            return Ok(());
        }
        let source = from.map_or(String::new(), |c| format!(" from {}", c.name));
        let wanted: Vec<String> = with
            .iter()
            .map(|f| format!("{}: {}", f.name.name, f.value))
            .collect();
        let mut details = vec![format!(
            "expected: \"{key}\" gets {action}{source}{}",
            if wanted.is_empty() {
                String::new()
            } else {
                format!(" with {{ {} }}", wanted.join(", "))
            }
        )];
        if rows.is_empty() {
            details.push(format!("found:    no `{action}` action{source}"));
        }
        for (_, row) in rows {
            details.push(format!(
                "found:    {} from {} ({})",
                self.payload(a, row),
                self.hir.campaigns[row.campaign].name,
                self.hir.campaigns[row.campaign].variants[row.variant as usize].name
            ));
        }
        Err(details)
    }

    fn gets_nothing(&self, key: &str, from: Option<&ast::Ident>) -> Check {
        let e = self.entity(key)?;
        let rows = self.rows(e, None, from)?;
        if rows.is_empty() {
            return Ok(());
        }
        let source = from.map_or(String::new(), |c| format!(" from {}", c.name));
        let mut details = vec![format!("expected: \"{key}\" gets nothing{source}")];
        for (a, row) in rows {
            details.push(format!(
                "found:    {} {} from {}",
                self.hir.actions[a].name,
                self.payload(a, row),
                self.hir.campaigns[row.campaign].name
            ));
        }
        Err(details)
    }

    fn payload(&self, action: usize, row: crate::exec::ActionRow<'_>) -> String {
        let fields: Vec<String> = self.hir.actions[action]
            .fields
            .iter()
            .zip(row.values)
            .map(|(f, v)| format!("{}: {}", f.name, shown(v)))
            .collect();
        format!("{{ {} }}", fields.join(", "))
    }
}

/// The references a definition reads directly (fields, lets, params, aggregates, population functions).
fn direct_inputs<'t>(e: &'t TExpr, out: &mut Vec<&'t TExpr>) {
    match e.kind {
        TExprKind::AsOf
        | TExprKind::EntityField(_)
        | TExprKind::Let(_)
        | TExprKind::Param(_)
        | TExprKind::Aggregate(_)
        | TExprKind::Population(_) => out.push(e),
        _ => {}
    }
    for child in e.children() {
        direct_inputs(child, out);
    }
}

/// A literal as a value, without a declared type to convert it to.
fn literal_value(lit: &Literal) -> Value {
    match lit {
        Literal::Int(n) => Value::Int(*n),
        Literal::Decimal(d) => Value::Decimal(*d),
        Literal::Percent(p) => Value::Decimal(*p / Decimal::ONE_HUNDRED),
        Literal::String(s) => Value::Str(s.as_str().into()),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
        Literal::Date(d) => Value::Date(*d),
        Literal::DateTime(dt) => Value::DateTime(*dt),
        Literal::Duration(n, unit) => Value::Duration(*n, *unit),
    }
}

/// Equality for `with { ... }`: equal values, or both null.
fn same(a: &Value, b: &Value) -> bool {
    (a.is_null() && b.is_null()) || crate::exec::compare(a, b) == Some(Ordering::Equal)
}

/// A value as a test report shows it (strings quoted, null spelled out).
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Str(s) => format!("{s:?}"),
        other => other.text(),
    }
}

/// Whether a measured value meets a bound (a percent means its fraction).
fn bound_holds(measured: &Value, bound: &Bound) -> bool {
    match bound {
        Bound::Between { low, high, .. } => {
            crate::exec::compare_op(ast::BinaryOp::Ge, measured, &literal_value(low)).holds()
                && crate::exec::compare_op(ast::BinaryOp::Le, measured, &literal_value(high))
                    .holds()
        }
        Bound::Compare { op, value, .. } => {
            crate::exec::compare_op(*op, measured, &literal_value(value)).holds()
        }
    }
}

fn bound_text(bound: &Bound) -> String {
    match bound {
        Bound::Between { low, high, .. } => format!("between {low} and {high}"),
        Bound::Compare { op, value, .. } => format!("{} {value}", op.symbol()),
    }
}

fn group_text(group: &ast::SegmentRef) -> String {
    match &group.second {
        Some(second) => format!("{}.{}", group.first.name, second.name),
        None => group.first.name.clone(),
    }
}
