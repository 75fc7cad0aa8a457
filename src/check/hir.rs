//! Check stage output: the resolved, typed program (HIR).
//!
//! Every name is an id into one of the tables of [`Hir`]; every expression carries its
//! [`Type`]. Event aggregates and population functions are hoisted out of expressions into
//! tables of their own (deduplicated), so the plan can schedule them.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::types::Type;
use crate::syntax::Span;
use crate::syntax::ast::{BinaryOp, DurationUnit};

/// Index of a `let`.
pub type LetId = usize;
/// Index of a `param`.
pub type ParamId = usize;
/// Index of a standalone `segment`.
pub type SegmentId = usize;
/// Index of a `segmentation`.
pub type SegmentationId = usize;
/// Index of an events stream.
pub type StreamId = usize;
/// Index of a hoisted event aggregate.
pub type AggId = usize;
/// Index of a hoisted population function.
pub type PopId = usize;
/// Index of an `action`.
pub type ActionId = usize;

/// The checked program.
#[derive(Debug, Clone)]
pub struct Hir {
    /// The one entity.
    pub entity: Record,
    /// Index of the key field in `entity.fields`.
    pub key_field: usize,
    /// Events streams, in program order.
    pub streams: Vec<Stream>,
    /// Parameters, in program order.
    pub params: Vec<Param>,
    /// `let`s, in program order.
    pub lets: Vec<Let>,
    /// Standalone segments, in program order.
    pub segments: Vec<Segment>,
    /// Segmentations, in program order.
    pub segmentations: Vec<Segmentation>,
    /// Hoisted event aggregates.
    pub aggregates: Vec<Aggregate>,
    /// Hoisted population functions.
    pub populations: Vec<Population>,
    /// Actions, in program order.
    pub actions: Vec<Action>,
    /// Campaigns, in program order.
    pub campaigns: Vec<Campaign>,
    /// `policy { max_campaigns N }`, if given.
    pub max_campaigns: Option<u32>,
    /// Metrics, in program order.
    pub metrics: Vec<Metric>,
}

/// A declared field of the entity, a stream or an action.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Where it is declared.
    pub span: Span,
}

/// The entity or an events stream's shape.
#[derive(Debug, Clone)]
pub struct Record {
    /// The declared name.
    pub name: String,
    /// Fields in declared order.
    pub fields: Vec<Field>,
    /// Where it is declared.
    pub span: Span,
}

impl Record {
    /// The index of the field called `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// An events stream.
#[derive(Debug, Clone)]
pub struct Stream {
    /// Name and fields.
    pub record: Record,
    /// Index of the entity key field in this stream's fields.
    pub key_field: usize,
    /// Index of the `time` field, if declared.
    pub time_field: Option<usize>,
}

/// A parameter with its default.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its declared type.
    pub ty: Type,
    /// The default value.
    pub default: Const,
    /// Where it is declared.
    pub span: Span,
}

/// A `let`.
#[derive(Debug, Clone)]
pub struct Let {
    /// Its name.
    pub name: String,
    /// Its definition.
    pub expr: TExpr,
    /// Where it is declared.
    pub span: Span,
}

/// A standalone segment.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Its name.
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// Membership condition (null is false).
    pub condition: TExpr,
    /// Where it is declared.
    pub span: Span,
}

/// A segmentation: ordered rules, the first match wins.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// Its name.
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// The segments in order.
    pub rules: Vec<SegmentRule>,
    /// Where it is declared.
    pub span: Span,
}

/// One segment of a segmentation.
#[derive(Debug, Clone)]
pub struct SegmentRule {
    /// Its name.
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// `when` condition; `None` for `otherwise`.
    pub condition: Option<TExpr>,
    /// Where it is declared.
    pub span: Span,
}

/// Aggregate functions over one entity's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFunc {
    /// `count(E)`
    Count,
    /// `exists(E)`
    Exists,
    /// `sum(E.f)`
    Sum,
    /// `avg(E.f)`
    Avg,
    /// `min(E.f)`
    Min,
    /// `max(E.f)`
    Max,
    /// `count_distinct(E.f)`
    CountDistinct,
    /// `mode(E.f)`
    Mode,
    /// `first(E.f)`
    First,
    /// `last(E.f)`
    Last,
}

impl AggFunc {
    /// The function's name in source.
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Exists => "exists",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::CountDistinct => "count_distinct",
            AggFunc::Mode => "mode",
            AggFunc::First => "first",
            AggFunc::Last => "last",
        }
    }

    /// The aggregate called `name`, if any.
    pub fn from_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "exists" => AggFunc::Exists,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "count_distinct" => AggFunc::CountDistinct,
            "mode" => AggFunc::Mode,
            "first" => AggFunc::First,
            "last" => AggFunc::Last,
            _ => return None,
        })
    }

    /// Whether the function takes the stream itself (`count(E)`) rather than a field.
    pub fn takes_stream(self) -> bool {
        matches!(self, AggFunc::Count | AggFunc::Exists)
    }
}

/// A hoisted event aggregate: one accumulator per entity, fed by one stream.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// The function.
    pub func: AggFunc,
    /// The stream it reads.
    pub stream: StreamId,
    /// The aggregated field (not for `count`/`exists`).
    pub field: Option<usize>,
    /// The `where` filter, evaluated per event (null is false).
    pub filter: Option<TExpr>,
    /// The result type.
    pub ty: Type,
    /// The source text (canonical), for plan listings and deduplication.
    pub text: String,
    /// Where the call stands (first occurrence).
    pub span: Span,
}

/// Population functions over all entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopFunc {
    /// `ntile(x, n)`
    Ntile(i64),
    /// `percentile(x, p)`
    Percentile(Decimal),
    /// `percent_rank(x)`
    PercentRank,
    /// `mean(x)`
    Mean,
}

impl PopFunc {
    /// Whether the result is one value for the whole population (not per entity).
    pub fn is_scalar(self) -> bool {
        matches!(self, PopFunc::Percentile(_) | PopFunc::Mean)
    }
}

/// A hoisted population function.
#[derive(Debug, Clone)]
pub struct Population {
    /// The function and its constant argument.
    pub func: PopFunc,
    /// The per-entity value it ranges over.
    pub arg: TExpr,
    /// The result type.
    pub ty: Type,
    /// The source text (canonical).
    pub text: String,
    /// The argument's source text (canonical): functions over the same argument share
    /// its sort.
    pub arg_text: String,
    /// Where the call stands (first occurrence).
    pub span: Span,
}

/// An action's payload shape.
#[derive(Debug, Clone)]
pub struct Action {
    /// Its name.
    pub name: String,
    /// Payload fields in declared order.
    pub fields: Vec<Field>,
    /// Index of the `cost` field, if declared.
    pub cost_field: Option<usize>,
    /// Where it is declared.
    pub span: Span,
}

/// One `do` statement: an action with a value for every payload field.
#[derive(Debug, Clone)]
pub struct Do {
    /// The action.
    pub action: ActionId,
    /// One value per payload field, in the action's declared order (omitted nullable fields are null constants).
    pub values: Vec<TExpr>,
    /// The `when` condition, if any.
    pub when: Option<TExpr>,
    /// Where it stands.
    pub span: Span,
}

/// A variant of a campaign.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its name (`treated` for a campaign without variants).
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// Weight in basis points (10000 = 100%).
    pub weight_bp: u32,
    /// Its actions.
    pub dos: Vec<Do>,
}

/// One `rank by` key.
#[derive(Debug, Clone)]
pub struct RankKey {
    /// The value to sort by.
    pub expr: TExpr,
    /// Descending order.
    pub descending: bool,
}

/// A campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// Its name.
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// Who may take part.
    pub audience: TExpr,
    /// Higher runs first.
    pub priority: i64,
    /// Active only when as_of lies within (inclusive).
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Holdout in basis points.
    pub holdout_bp: u32,
    /// Total cost limit of treated entities.
    pub budget: Option<Decimal>,
    /// Limit on the number of treated entities.
    pub cap: Option<u64>,
    /// Ordering for the budget/cap walk (the entity key ascending breaks ties).
    pub rank_by: Vec<RankKey>,
    /// Hash salt (default: the campaign's name).
    pub salt: String,
    /// Variants; a campaign without variants has one, `treated`, of weight 100%.
    pub variants: Vec<Variant>,
    /// Whether the program declared variants.
    pub has_variants: bool,
    /// Where it is declared.
    pub span: Span,
}

impl Campaign {
    /// Whether a run as of `as_of` lies inside the campaign's window (always, without one).
    pub fn active_on(&self, as_of: NaiveDate) -> bool {
        self.window
            .is_none_or(|(from, to)| from <= as_of && as_of <= to)
    }
}

/// Aggregate functions of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricFunc {
    /// `count()`
    Count,
    /// `rate(p)`
    Rate,
    /// `sum(x)`
    Sum,
    /// `avg(x)`
    Avg,
    /// `min(x)`
    Min,
    /// `max(x)`
    Max,
    /// `percentile(x, p)`
    Percentile(Decimal),
}

/// A metric: an expression over entity aggregates.
#[derive(Debug, Clone)]
pub struct Metric {
    /// Its name.
    pub name: String,
    /// Display label, if any.
    pub label: Option<String>,
    /// The formula; metric aggregates appear as [`TExprKind::MetricAgg`].
    pub expr: TExpr,
    /// Where it is declared.
    pub span: Span,
}

/// A constant value known at check time.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A date.
    Date(NaiveDate),
    /// A datetime.
    DateTime(chrono::NaiveDateTime),
    /// A duration.
    Duration(i64, DurationUnit),
}

/// Built-in scalar functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarFn {
    /// `days_between(a, b)`
    DaysBetween,
    /// `date(dt)`
    Date,
    /// `year(d)`
    Year,
    /// `month(d)`
    Month,
    /// `day(d)`
    Day,
    /// `weekday(d)`
    Weekday,
    /// `age(d)`
    Age,
    /// `abs(x)`
    Abs,
    /// `round(x, digits)`
    Round,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `least(a, ...)`
    Least,
    /// `greatest(a, ...)`
    Greatest,
    /// `coalesce(a, ...)`
    Coalesce,
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `trim(s)`
    Trim,
    /// `length(s)`
    Length,
    /// `contains(s, part)`
    Contains,
    /// `starts_with(s, part)`
    StartsWith,
    /// `ends_with(s, part)`
    EndsWith,
    /// `concat(a, ...)`
    Concat,
    /// `days(n)`, `weeks(n)`, `months(n)`, `years(n)`
    MakeDuration(DurationUnit),
}

/// A typed expression.
#[derive(Debug, Clone)]
pub struct TExpr {
    /// What it computes.
    pub kind: TExprKind,
    /// Its type.
    pub ty: Type,
    /// Where it stands.
    pub span: Span,
}

/// The forms of typed expressions.
#[derive(Debug, Clone)]
pub enum TExprKind {
    /// A constant.
    Const(Const),
    /// The run's as_of date.
    AsOf,
    /// A parameter.
    Param(ParamId),
    /// A field of the entity.
    EntityField(usize),
    /// A field of the current event (inside `where`).
    EventField(usize),
    /// A `let`.
    Let(LetId),
    /// A standalone segment (bool).
    Segment(SegmentId),
    /// Membership in one segment of a segmentation (bool).
    SegmentOf(SegmentationId, usize),
    /// The name of the entity's segment in a segmentation (or null).
    SegmentationName(SegmentationId),
    /// A hoisted event aggregate.
    Aggregate(AggId),
    /// A hoisted population function.
    Population(PopId),
    /// A metric aggregate over entities (metrics only).
    MetricAgg(MetricFunc, Option<Box<TExpr>>),
    /// `-x`
    Neg(Box<TExpr>),
    /// `not x`
    Not(Box<TExpr>),
    /// `a OP b`
    Binary(BinaryOp, Box<TExpr>, Box<TExpr>),
    /// `x [not] in [...]`
    In(Box<TExpr>, Vec<TExpr>, bool),
    /// `x [not] between a and b`
    Between(Box<TExpr>, Box<TExpr>, Box<TExpr>, bool),
    /// `x is [not] null`
    IsNull(Box<TExpr>, bool),
    /// `if c then a else b`
    If(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    /// A scalar function call.
    Call(ScalarFn, Vec<TExpr>),
}

impl TExpr {
    /// The direct sub-expressions, in source order.
    pub fn children(&self) -> Vec<&TExpr> {
        match &self.kind {
            TExprKind::Const(_)
            | TExprKind::AsOf
            | TExprKind::Param(_)
            | TExprKind::EntityField(_)
            | TExprKind::EventField(_)
            | TExprKind::Let(_)
            | TExprKind::Segment(_)
            | TExprKind::SegmentOf(..)
            | TExprKind::SegmentationName(_)
            | TExprKind::Aggregate(_)
            | TExprKind::Population(_) => Vec::new(),
            TExprKind::MetricAgg(_, arg) => arg.iter().map(|a| a.as_ref()).collect(),
            TExprKind::Neg(x) | TExprKind::Not(x) | TExprKind::IsNull(x, _) => vec![x],
            TExprKind::Binary(_, a, b) => vec![a, b],
            TExprKind::In(x, items, _) => std::iter::once(x.as_ref()).chain(items).collect(),
            TExprKind::Between(x, a, b, _) | TExprKind::If(x, a, b) => vec![x, a, b],
            TExprKind::Call(_, args) => args.iter().collect(),
        }
    }
}
