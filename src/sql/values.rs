//! SQL stage: every per-entity value as one query, a chain of CTEs.
//!
//! The chain starts from the entity table and adds columns, one CTE each, in an order
//! where everything a value reads comes before it: a stream pass (the aggregates the plan
//! reads together, grouped per entity and left-joined), a `let`, a population function
//! (a window over all entities), a segment or a segmentation. Each CTE is named after
//! what it adds and carries a comment with the `.seg` line it comes from.

use std::collections::HashSet;

use super::column::Column;
use super::expr::Exprs;
use super::{Cte, Origin};
use crate::check::hir::{AggFunc, AggId, PopFunc, TExpr, TExprKind};
use crate::check::types::Ty;
use crate::exec::decimal_text;
use crate::plan::Plan;

/// Something the values query computes, as one CTE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    /// Aggregates read by one pass over a stream: `(stage, pass)` of the plan.
    Pass(usize, usize),
    /// One aggregate that the plan did not schedule (read alone).
    Lone(AggId),
    Let(usize),
    Population(usize),
    Segment(usize),
    Segmentation(usize),
}

/// Builds the chain of CTEs.
pub struct Values<'a> {
    x: Exprs<'a>,
    plan: &'a Plan,
    origin: &'a Origin<'a>,
    done: HashSet<Node>,
    /// The CTEs so far, in order.
    pub ctes: Vec<Cte>,
}

impl<'a> Values<'a> {
    /// A chain holding the entity table only.
    pub fn new(x: Exprs<'a>, plan: &'a Plan, origin: &'a Origin<'a>) -> Values<'a> {
        let hir = x.hir;
        let d = x.dialect;
        let fields: Vec<String> = (0..hir.entity.fields.len())
            .map(|f| format!("v.{}", d.ident(&Column::Field(f).name(hir))))
            .collect();
        let entity = Cte {
            name: "entity".into(),
            comment: origin.line("entity", &hir.entity.name, hir.entity.span),
            body: format!(
                "SELECT {} FROM {} AS v",
                fields.join(", "),
                d.ident(&hir.entity.name)
            ),
        };
        Values {
            x,
            plan,
            origin,
            done: HashSet::new(),
            ctes: vec![entity],
        }
    }

    /// Makes sure every value `e` reads is a column of the chain.
    pub fn need(&mut self, e: &TExpr) {
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match &e.kind {
                TExprKind::Let(l) => self.add(Node::Let(*l)),
                TExprKind::Aggregate(a) => self.add(self.pass_of(*a)),
                TExprKind::Population(p) => self.add(Node::Population(*p)),
                TExprKind::Segment(s) => self.add(Node::Segment(*s)),
                TExprKind::SegmentOf(g, _) | TExprKind::SegmentationName(g) => {
                    self.add(Node::Segmentation(*g))
                }
                _ => {}
            }
            stack.extend(e.children());
        }
    }

    /// Adds a standalone segment (and what it reads).
    pub fn segment(&mut self, s: usize) {
        self.add(Node::Segment(s));
    }

    /// Adds a segmentation (and what it reads).
    pub fn segmentation(&mut self, g: usize) {
        self.add(Node::Segmentation(g));
    }

    /// Adds a `let` (and what it reads).
    pub fn let_value(&mut self, l: usize) {
        self.add(Node::Let(l));
    }

    /// The name of the last CTE (the one with every column).
    pub fn last(&self) -> &str {
        &self.ctes[self.ctes.len() - 1].name
    }

    fn pass_of(&self, a: AggId) -> Node {
        for (s, stage) in self.plan.stages.iter().enumerate() {
            for (p, pass) in stage.passes.iter().enumerate() {
                if pass.aggregates.contains(&a) {
                    return Node::Pass(s, p);
                }
            }
        }
        Node::Lone(a)
    }

    fn add(&mut self, node: Node) {
        if !self.done.insert(node) {
            return;
        }
        let hir = self.x.hir;
        match node {
            Node::Pass(s, p) => {
                let aggregates = self.plan.stages[s].passes[p].aggregates.clone();
                self.pass(&aggregates);
            }
            Node::Lone(a) => self.pass(&[a]),
            Node::Let(l) => {
                let def = &hir.lets[l];
                self.need(&def.expr);
                let sql = self.x.sql(&def.expr);
                let comment = self.origin.line("let", &def.name, def.span);
                self.column(format!("let_{}", def.name), comment, Column::Let(l), sql);
            }
            Node::Population(p) => self.population(p),
            Node::Segment(s) => {
                let def = &hir.segments[s];
                self.need(&def.condition);
                let sql = self.x.holds(&def.condition);
                let comment = self.origin.line("segment", &def.name, def.span);
                self.column(
                    format!("segment_{}", def.name),
                    comment,
                    Column::Segment(s),
                    sql,
                );
            }
            Node::Segmentation(g) => {
                let def = &hir.segmentations[g];
                def.rules
                    .iter()
                    .flat_map(|r| &r.condition)
                    .for_each(|c| self.need(c));
                let mut sql = String::from("CASE");
                for rule in &def.rules {
                    let name = self.x.dialect.string(&rule.name);
                    match &rule.condition {
                        Some(c) => sql += &format!(" WHEN {} THEN {name}", self.x.sql(c)),
                        None => sql += &format!(" ELSE {name}"),
                    }
                }
                sql += " END";
                let comment = self.origin.line("segmentation", &def.name, def.span);
                let name = format!("segmentation_{}", def.name);
                self.column(name, comment, Column::Segmentation(g), sql);
            }
        }
    }

    /// A CTE adding one column computed from the previous CTE's row `v`.
    fn column(&mut self, name: String, comment: String, column: Column, sql: String) {
        let d = self.x.dialect;
        let body = format!(
            "SELECT v.*, {sql} AS {} FROM {} AS v",
            d.ident(&column.name(self.x.hir)),
            self.last()
        );
        self.ctes.push(Cte {
            name,
            comment,
            body,
        });
    }

    /// A CTE adding the aggregates of one pass over a stream: grouped per entity over the
    /// events dated on or before as_of whose key has an entity, left-joined (an entity
    /// without events gets each aggregate's empty value).
    fn pass(&mut self, aggregates: &[AggId]) {
        let hir = self.x.hir;
        for &a in aggregates {
            if let Some(filter) = &hir.aggregates[a].filter {
                self.need(filter);
            }
        }
        let stream = hir.aggregates[aggregates[0]].stream;
        let x = self.x.in_stream(stream);
        let d = x.dialect;
        let prev = self.last().to_string();
        let events = Events::new(x, stream, &prev);
        let mut grouped = Vec::new();
        let mut joins = Vec::new();
        let mut outer = Vec::new();
        for (i, &a) in aggregates.iter().enumerate() {
            let column = d.ident(&Column::Aggregate(a).name(hir));
            match agg_sql(&x, a) {
                Some(sql) => {
                    grouped.push(format!("{sql} AS {column}"));
                    outer.push(empty_value(&x, a, &format!("g.{column}")));
                }
                None => {
                    let alias = format!("w{i}");
                    joins.push(format!(
                        "LEFT JOIN ({}) AS {alias} ON {alias}.k = v.{}",
                        events.ranked(a),
                        d.ident(&events.key_name)
                    ));
                    outer.push(format!("{alias}.x AS {column}"));
                }
            }
        }
        let mut body = format!("SELECT v.*, {} FROM {prev} AS v", outer.join(", "));
        if !grouped.is_empty() {
            body += &format!(
                "\n    LEFT JOIN (SELECT {} AS k, {}\n      {}\n      GROUP BY {}) AS g ON g.k = v.{}",
                events.key,
                grouped.join(",\n        "),
                events.taking_part(None),
                events.key,
                d.ident(&events.key_name)
            );
        }
        for join in joins {
            body += &format!("\n    {join}");
        }
        let texts: Vec<&str> = aggregates
            .iter()
            .map(|&a| hir.aggregates[a].text.as_str())
            .collect();
        let record = &hir.streams[stream].record;
        let comment = self.origin.line(
            "events",
            &format!("{}: {}", record.name, texts.join(", ")),
            hir.aggregates[aggregates[0]].span,
        );
        let name = format!("pass_{}_{}", record.name, self.ctes.len());
        self.ctes.push(Cte {
            name,
            comment,
            body,
        });
    }

    /// A CTE adding a population function: a window over all entities (`ntile`,
    /// `percent_rank`) or one value for all (`percentile`, `mean`).
    fn population(&mut self, p: usize) {
        let hir = self.x.hir;
        let def = &hir.populations[p];
        self.need(&def.arg);
        let d = self.x.dialect;
        let arg = self.x.sql(&def.arg);
        let column = d.ident(&Column::Population(p).name(hir));
        let prev = self.last().to_string();
        // `below`: how many entities have a strictly smaller value; `n`: how many have one.
        let below = format!("(rank() OVER (PARTITION BY ({arg}) IS NULL ORDER BY {arg}) - 1)");
        let n = format!("count({arg}) OVER ()");
        let body = match def.func {
            PopFunc::Ntile(buckets) => {
                let score = d.int_div(&format!("{buckets} * {below}"), &n);
                format!(
                    "SELECT v.*, CASE WHEN {arg} IS NULL THEN NULL ELSE {} END AS {column} FROM {prev} AS v",
                    d.cast(&format!("{score} + 1"), &Ty::Int)
                )
            }
            PopFunc::PercentRank => format!(
                "SELECT v.*, CASE WHEN {arg} IS NULL THEN NULL WHEN {n} = 1 THEN {} ELSE {} / ({n} - 1) END AS {column} FROM {prev} AS v",
                d.cast("0", &Ty::Float),
                d.cast(&below, &Ty::Float)
            ),
            PopFunc::Percentile(fraction) => {
                let exact = matches!(def.arg.ty.ty, Ty::Int | Ty::Decimal);
                let x = if exact {
                    d.cast("s.x", &Ty::Decimal)
                } else {
                    "s.x".to_string()
                };
                let fraction = d.cast(&decimal_text(fraction), &Ty::Decimal);
                format!(
                    "SELECT v.*, q.value AS {column} FROM {prev} AS v CROSS JOIN (\n      \
                     SELECT {} AS value FROM (\n        \
                     SELECT min(CASE WHEN s.i = floor(s.pos) THEN {x} END) AS a,\n          \
                     min(CASE WHEN s.i = ceil(s.pos) THEN {x} END) AS b,\n          \
                     min(s.pos - floor(s.pos)) AS f\n        \
                     FROM (SELECT v.x, row_number() OVER (ORDER BY v.x) - 1 AS i,\n            \
                     {fraction} * (count(*) OVER () - 1) AS pos\n          \
                     FROM (SELECT {arg} AS x FROM {prev} AS v) AS v WHERE v.x IS NOT NULL) AS s) AS t) AS q",
                    match exact {
                        true => d.decimal_to_float("t.a + (t.b - t.a) * t.f"),
                        false => d.cast("t.a + (t.b - t.a) * t.f", &Ty::Float),
                    },
                )
            }
            PopFunc::Mean => {
                let mean = match def.arg.ty.ty {
                    Ty::Int | Ty::Decimal => {
                        d.exact_avg(&format!("sum({arg})"), &format!("count({arg})"))
                    }
                    _ => d.float_mean(&arg),
                };
                format!(
                    "SELECT v.*, q.value AS {column} FROM {prev} AS v CROSS JOIN (\n      \
                     SELECT {mean} AS value FROM {prev} AS v) AS q"
                )
            }
        };
        let comment = self.origin.line("population", &def.text, def.span);
        self.ctes.push(Cte {
            name: format!("population_{p}"),
            comment,
            body,
        });
    }
}

/// The events of a stream that take part in a run, joined to their entity's values.
struct Events<'a> {
    x: Exprs<'a>,
    stream: usize,
    /// The events table's key column, qualified (`e."customer_id"`).
    key: String,
    /// The key field's name.
    key_name: String,
    /// The CTE the entity values come from.
    values: String,
}

impl<'a> Events<'a> {
    fn new(x: Exprs<'a>, stream: usize, values: &str) -> Events<'a> {
        let s = &x.hir.streams[stream];
        Events {
            x,
            stream,
            key: x.event(s.key_field),
            key_name: s.record.fields[s.key_field].name.clone(),
            values: values.to_string(),
        }
    }

    /// `FROM events JOIN values WHERE on or before as_of [AND condition]`.
    fn taking_part(&self, condition: Option<String>) -> String {
        let x = &self.x;
        let d = x.dialect;
        let s = &x.hir.streams[self.stream];
        let mut wheres = Vec::new();
        if let Some(t) = s.time_field {
            let time = x.event(t);
            let day = match s.record.fields[t].ty.ty {
                Ty::DateTime => d.cast(&time, &Ty::Date),
                _ => time.clone(),
            };
            let as_of = x.sql(&TExpr {
                kind: TExprKind::AsOf,
                ty: crate::check::types::Type::of(Ty::Date),
                span: s.record.span,
            });
            wheres.push(format!("({time} IS NULL OR {day} <= {as_of})"));
        }
        wheres.extend(condition);
        format!(
            "FROM {} AS e JOIN {} AS v ON v.{} = {}\n      WHERE {}",
            d.ident(&s.record.name),
            self.values,
            d.ident(&self.key_name),
            self.key,
            wheres.join(" AND ")
        )
    }

    /// `mode`, `first`, `last` of aggregate `a`: one row per entity (`k`, `x`), the value
    /// ranked first among the entity's events that take part.
    fn ranked(&self, a: AggId) -> String {
        let x = &self.x;
        let agg = &x.hir.aggregates[a];
        let s = &x.hir.streams[self.stream];
        let field = x.event(agg.field.unwrap_or(s.key_field));
        let mut condition = format!("{field} IS NOT NULL");
        if let Some(filter) = &agg.filter {
            condition += &format!(" AND {}", x.holds(filter));
        }
        let from = self.taking_part(Some(condition));
        let key = &self.key;
        let inner = match agg.func {
            AggFunc::Mode => format!(
                "SELECT {key} AS k, {field} AS x, row_number() OVER (PARTITION BY {key} ORDER BY count(*) DESC, {field}) AS r\n        {from}\n        GROUP BY {key}, {field}"
            ),
            _ => {
                let time = s.time_field.map_or("NULL".to_string(), |t| x.event(t));
                let dir = if agg.func == AggFunc::First {
                    "ASC"
                } else {
                    "DESC"
                };
                format!(
                    "SELECT {key} AS k, {field} AS x, row_number() OVER (PARTITION BY {key} ORDER BY {time} {dir} NULLS LAST, {field}) AS r\n        {from}"
                )
            }
        };
        format!("SELECT ranked.k, ranked.x FROM ({inner}) AS ranked WHERE ranked.r = 1")
    }
}

/// The grouped SQL of an aggregate, or `None` for those ranked per entity (`mode`,
/// `first`, `last`).
fn agg_sql(x: &Exprs, a: AggId) -> Option<String> {
    let agg = &x.hir.aggregates[a];
    let d = x.dialect;
    let filter = agg.filter.as_ref().map(|f| x.holds(f));
    let field = agg.field.map(|f| x.event(f));
    let when = |value: &str| match &filter {
        Some(f) => format!("CASE WHEN {f} THEN {value} END"),
        None => value.to_string(),
    };
    let value = || when(field.as_deref().unwrap_or("1"));
    Some(match agg.func {
        AggFunc::Count | AggFunc::Exists => format!("count({})", when("1")),
        AggFunc::Sum => d.cast(&format!("sum({})", value()), &agg.ty.ty),
        AggFunc::Avg => {
            let field_ty = agg
                .field
                .map(|f| &x.hir.streams[agg.stream].record.fields[f].ty.ty);
            match field_ty {
                Some(Ty::Int | Ty::Decimal) => {
                    d.exact_avg(&format!("sum({})", value()), &format!("count({})", value()))
                }
                _ => d.cast(&format!("avg({})", value()), &Ty::Float),
            }
        }
        AggFunc::Min => format!("min({})", value()),
        AggFunc::Max => format!("max({})", value()),
        AggFunc::CountDistinct => format!("count(DISTINCT {})", value()),
        AggFunc::Mode | AggFunc::First | AggFunc::Last => return None,
    })
}

/// An aggregate's value for an entity, given its grouped value (null when the entity has
/// no events): `count` and `count_distinct` are 0, `exists` false, `sum` 0 of its type.
fn empty_value(x: &Exprs, a: AggId, grouped: &str) -> String {
    let agg = &x.hir.aggregates[a];
    let d = x.dialect;
    let column = d.ident(&Column::Aggregate(a).name(x.hir));
    let sql = match agg.func {
        AggFunc::Count | AggFunc::CountDistinct => format!("COALESCE({grouped}, 0)"),
        AggFunc::Exists => format!("COALESCE({grouped}, 0) > 0"),
        AggFunc::Sum => format!("COALESCE({grouped}, {})", d.cast("0", &agg.ty.ty)),
        _ => grouped.to_string(),
    };
    format!("{} AS {column}", d.cast(&sql, &agg.ty.ty))
}
