//! Explain stage: what `seg explain` says about one entity, rendered as text by
//! [`super::render_human`] and serialized as JSON (schema: docs/explain.md).

use serde::Serialize;

use super::values::{serialize, serialize_fields};
use crate::exec::Value;

/// Everything `seg explain` says about one entity.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The entity's declared name (`customer`).
    pub entity: String,
    /// The key field's name.
    pub key_field: String,
    /// The entity's key, in its output text form.
    pub key: String,
    /// The run's date.
    pub as_of: String,
    /// Every param with the value the run used.
    pub params: Vec<Named>,
    /// Every `let` in program order.
    pub lets: Vec<LetTrace>,
    /// Every segmentation in program order.
    pub segmentations: Vec<SegmentationTrace>,
    /// Every standalone segment in program order.
    pub segments: Vec<SegmentTrace>,
    /// Every campaign in run order (priority, then program order).
    pub campaigns: Vec<CampaignTrace>,
}

/// A name and a value.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    /// The name.
    pub name: String,
    /// The value.
    #[serde(serialize_with = "serialize")]
    pub value: Value,
}

/// One sub-expression with its value for the entity: a power-assert tree.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// The sub-expression's canonical text.
    pub expr: String,
    /// Its value (null when it could not be computed, see `error`).
    #[serde(serialize_with = "serialize")]
    pub value: Value,
    /// Why the value could not be computed (an arithmetic overflow in a branch the run
    /// did not need).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its direct sub-expressions, in text order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Node>,
    /// For an event aggregate: what happened to the entity's events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<EventCounts>,
    /// For a population function: the statistic behind its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Statistic>,
    /// Display column (in the root's text) under which the value is drawn.
    #[serde(skip)]
    pub column: usize,
    /// Whether this is a literal, whose value the text already shows.
    #[serde(skip)]
    pub literal: bool,
}

/// What an event aggregate did with the entity's events.
#[derive(Debug, Clone, Serialize)]
pub struct EventCounts {
    /// The events stream.
    pub stream: String,
    /// The entity's rows in the stream's file (rows that do not fit the schema aside).
    pub of_entity: u64,
    /// Those dated after as_of (snapshot semantics); null for a stream without `time`.
    pub after_as_of: Option<u64>,
    /// Those the `where` filter left out; null without `where`.
    pub filtered_out: Option<u64>,
    /// Those skipped for a null value; null for `count` and `exists`.
    pub null_skipped: Option<u64>,
    /// Those the aggregate took.
    pub considered: u64,
}

/// The statistic behind a population function's value.
#[derive(Debug, Clone, Serialize)]
pub struct Statistic {
    /// `ntile`, `percent_rank`, `percentile` or `mean`.
    pub function: &'static str,
    /// The argument's text.
    pub argument: String,
    /// The argument's value for this entity.
    #[serde(serialize_with = "serialize")]
    pub argument_value: Value,
    /// Entities whose argument is strictly smaller (`ntile` and `percent_rank` of a
    /// non-null argument only).
    pub below: Option<u64>,
    /// Entities whose argument is not null (`N`).
    pub count: u64,
}

/// A `let` and its value.
#[derive(Debug, Clone, Serialize)]
pub struct LetTrace {
    /// Its name.
    pub name: String,
    /// Its value (as in `assignments.csv --with-values`).
    #[serde(serialize_with = "serialize")]
    pub value: Value,
    /// Its definition, broken down.
    pub definition: Node,
}

/// How the entity's segment in one segmentation was found.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentationTrace {
    /// The segmentation.
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// The segment the entity is in (null: none matched).
    pub segment: Option<String>,
    /// The segments tried, in order, up to the one that matched.
    pub tried: Vec<SegmentTry>,
    /// What would have changed the result, when it can be said for one comparison.
    pub counterfactual: Option<Counterfactual>,
}

/// One segment tried in a segmentation.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTry {
    /// The segment.
    pub segment: String,
    /// Its label.
    pub label: Option<String>,
    /// Its condition, broken down (null for `otherwise`).
    pub condition: Option<Node>,
    /// Whether it matched.
    pub matched: bool,
}

/// A standalone segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTrace {
    /// The segment.
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// Whether the entity is in it.
    pub held: bool,
    /// Its condition, broken down.
    pub condition: Node,
    /// What would have put the entity in it, when it can be said for one comparison.
    pub counterfactual: Option<Counterfactual>,
}

/// "Would be `active` if recency were <= 90; it is 94."
#[derive(Debug, Clone, Serialize)]
pub struct Counterfactual {
    /// The segment it would be in.
    pub segment: String,
    /// The compared value's text.
    pub subject: String,
    /// The comparison, with the subject on the left.
    pub op: &'static str,
    /// The constant it is compared with.
    #[serde(serialize_with = "serialize")]
    pub bound: Value,
    /// The constant's text (a literal, a param, `as_of - 30 days`...).
    pub bound_expr: String,
    /// The subject's value for this entity.
    #[serde(serialize_with = "serialize")]
    pub actual: Value,
    /// The sentence.
    pub text: String,
}

/// What became of the entity in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// as_of lies outside the campaign's window.
    Inactive,
    /// The audience does not hold.
    NotInAudience,
    /// The policy's campaign slots were taken by campaigns that ran before.
    NoPolicySlot,
    /// Eligible, but no `do` would act.
    Skipped,
    /// Accepted (treated or holdout).
    Accepted,
    /// Cut by the budget or cap walk.
    Cut,
}

/// One campaign's steps for the entity.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignTrace {
    /// The campaign.
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// Its priority.
    pub priority: i64,
    /// Its window, if any: `[from, to]`.
    pub window: Option<[String; 2]>,
    /// Whether as_of lies inside the window.
    pub active: bool,
    /// The audience, broken down (null when inactive).
    pub audience: Option<Node>,
    /// The policy's view, when a policy limits campaigns and the audience holds.
    pub policy: Option<PolicySlots>,
    /// Whether the entity was eligible (audience and policy).
    pub eligible: bool,
    /// Every `do` with whether its `when` holds (eligible entities only).
    pub would_be: Vec<WouldBe>,
    /// The hash draw (candidates only).
    pub draw: Option<Draw>,
    /// The place in the budget/cap walk (candidates only).
    pub rank: Option<RankPlace>,
    /// What became of the entity.
    pub status: Status,
    /// Why the walk stopped before the entity (cut entities only).
    pub cut: Option<CutFacts>,
    /// The actions emitted for the entity.
    pub actions: Vec<Emitted>,
    /// The entity's `campaign:variant` in `assignments.csv` (null when not accepted).
    pub assignment: Option<String>,
}

/// Campaign slots under `policy { max_campaigns N }`.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySlots {
    /// `N`.
    pub max_campaigns: u32,
    /// The campaigns that accepted the entity before this one ran.
    pub taken_by: Vec<String>,
}

/// One `do` of an eligible entity.
#[derive(Debug, Clone, Serialize)]
pub struct WouldBe {
    /// The variant it belongs to (`treated` without variants).
    pub variant: String,
    /// The action.
    pub action: String,
    /// Its `when`, broken down (null when it has none).
    pub when: Option<Node>,
    /// Whether it would act.
    pub holds: bool,
}

/// The md5 bucket and what it gave.
#[derive(Debug, Clone, Serialize)]
pub struct Draw {
    /// The salt hashed with the key.
    pub salt: String,
    /// `md5(salt:key)` mod 10000.
    pub bucket: u32,
    /// Buckets below this are holdout (the holdout in basis points).
    pub holdout_below: u32,
    /// `holdout` or the variant's name.
    pub variant: String,
}

/// The entity's place among the ranked candidates.
#[derive(Debug, Clone, Serialize)]
pub struct RankPlace {
    /// 1-based position in walk order.
    pub position: usize,
    /// Number of candidates.
    pub of: usize,
    /// How many candidates the walk accepted (positions 1 to this).
    pub accepted: usize,
    /// The `rank by` keys with the entity's values (empty: key order).
    pub by: Vec<RankValue>,
    /// The entity's cost if treated (0 for the holdout).
    #[serde(serialize_with = "serialize")]
    pub cost: Value,
}

/// One `rank by` key.
#[derive(Debug, Clone, Serialize)]
pub struct RankValue {
    /// The key's text.
    pub expr: String,
    /// `desc`.
    pub descending: bool,
    /// The entity's value.
    #[serde(serialize_with = "serialize")]
    pub value: Value,
}

/// Where and why the budget/cap walk stopped.
#[derive(Debug, Clone, Serialize)]
pub struct CutFacts {
    /// `budget`, `cap`, or both.
    pub by: Vec<&'static str>,
    /// 1-based position of the first cut candidate (the walk stopped there).
    pub stopped_at: usize,
    /// Its key.
    pub stopped_key: String,
    /// Its cost.
    #[serde(serialize_with = "serialize")]
    pub stopped_cost: Value,
    /// The cost of the treated candidates accepted before it.
    #[serde(serialize_with = "serialize")]
    pub cost_before: Value,
    /// How many treated candidates were accepted before it.
    pub treated_before: u64,
    /// The campaign's budget.
    #[serde(serialize_with = "serialize")]
    pub budget: Value,
    /// The campaign's cap.
    pub cap: Option<u64>,
}

/// One action row emitted for the entity.
#[derive(Debug, Clone, Serialize)]
pub struct Emitted {
    /// The action.
    pub action: String,
    /// The variant.
    pub variant: String,
    /// The payload, field by field in declared order.
    #[serde(serialize_with = "serialize_fields")]
    pub payload: Vec<(String, Value)>,
}
