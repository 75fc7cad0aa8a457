//! Report stage: the dry-run report as data. Every format (terminal, JSON, HTML) renders
//! this one model, so they always agree. Field order is the JSON key order
//! (`docs/report-schema.md`).

use serde::{Serialize, Serializer};

use crate::diff::{Diff, changes_json};

/// Everything `seg dry-run` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The program's root file.
    pub program: String,
    /// The run's date.
    pub as_of: String,
    /// How many entities were loaded.
    pub entities: u64,
    /// Row counts of the input files.
    pub inputs: Vec<InputCounts>,
    /// Sizes per segmentation, unassigned included.
    pub segmentations: Vec<SegmentationSizes>,
    /// Sizes of the standalone segments.
    pub segments: Vec<GroupSize>,
    /// Two segmentations against each other (every pair, in program order).
    pub crosstabs: Vec<Crosstab>,
    /// Campaigns in run order.
    pub campaigns: Vec<CampaignReport>,
    /// Entities whose audience holds in several campaigns, and who won them.
    pub contention: Vec<Contention>,
    /// Every metric for the population, each segment, each variant and holdout.
    pub metrics: MetricTable,
    /// Things to look at before sending.
    pub warnings: Vec<String>,
    /// How the assignments moved since an earlier run, with `--compare`.
    pub compare: Option<Comparison>,
}

/// The assignments of this run against those of an earlier run's `assignments.csv`.
///
/// Serialized as `previous`, then the keys of `seg diff --format json` from `entity` on,
/// campaigns with their membership changes only (`docs/report-schema.md`).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The earlier run's `assignments.csv`, as given.
    pub previous: String,
    /// The earlier run (old) against this one (new).
    pub diff: Diff,
}

impl Serialize for Comparison {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serde_json::Map::new();
        map.insert("previous".to_string(), self.previous.clone().into());
        map.extend(changes_json(&self.diff));
        map.serialize(serializer)
    }
}

/// Row counts of one input file.
#[derive(Debug, Clone, Serialize)]
pub struct InputCounts {
    /// The entity or stream.
    pub name: String,
    /// Data rows read.
    pub read: u64,
    /// Events after as_of.
    pub after_as_of: u64,
    /// Events without an entity.
    pub orphans: u64,
    /// Rows rejected.
    pub rejects: u64,
}

/// A named group's size and share of all entities.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSize {
    /// The segment's name (`(none)` for the unassigned).
    pub name: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// Entities in it.
    pub size: u64,
    /// `size` / all entities (0 when there are none).
    pub share: f64,
}

/// One segmentation's segment sizes.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentationSizes {
    /// The segmentation.
    pub name: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// Each segment in order, then `(none)` for the unassigned (always present).
    pub segments: Vec<GroupSize>,
}

/// Entity counts of one segmentation (rows) against another (columns).
#[derive(Debug, Clone, Serialize)]
pub struct Crosstab {
    /// The row segmentation.
    pub rows: String,
    /// The column segmentation.
    pub columns: String,
    /// Row segment names, then `(none)`.
    pub row_names: Vec<String>,
    /// Column segment names, then `(none)`.
    pub column_names: Vec<String>,
    /// `counts[r][c]`.
    pub counts: Vec<Vec<u64>>,
}

/// One campaign's funnel and checks.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    /// The campaign.
    pub name: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// Its priority.
    pub priority: i64,
    /// Whether as_of lies in its window.
    pub active: bool,
    /// Entities whose audience holds, whatever the policy says.
    pub audience: u64,
    /// Audience members the policy still allowed.
    pub eligible: u64,
    /// Eligible entities without a would-be action.
    pub skipped: u64,
    /// Eligible entities with a would-be action.
    pub candidates: u64,
    /// Accepted entities in the control group.
    pub holdout: u64,
    /// Accepted treated entities.
    pub treated: u64,
    /// Candidates cut by the budget or cap.
    pub cut: u64,
    /// `holdout + treated`.
    pub accepted: u64,
    /// The configured holdout share.
    pub holdout_share: f64,
    /// Treated entities per variant.
    pub variants: Vec<VariantCount>,
    /// Total cost of the treated.
    pub cost: String,
    /// The budget, if any.
    pub budget: Option<String>,
    /// The cap, if any.
    pub cap: Option<u64>,
    /// Where the walk stopped, when the budget or cap cut someone.
    pub cut_at: Option<CutAt>,
    /// Accepted count and cost at 25 %, 50 %, 100 %, 150 % and 200 % of the budget.
    pub budget_curve: Vec<BudgetPoint>,
    /// Sample-ratio and covariate balance, for campaigns with a holdout or variants.
    pub balance: Option<Balance>,
    /// Example keys per variant (and `holdout`), with `--sample N`.
    pub samples: Vec<Sample>,
}

/// Treated entities of one variant.
#[derive(Debug, Clone, Serialize)]
pub struct VariantCount {
    /// The variant (`treated` without variants).
    pub name: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// Its configured share of the non-holdout entities.
    pub weight: f64,
    /// Accepted treated entities in it.
    pub treated: u64,
}

/// The first candidate the walk cut.
#[derive(Debug, Clone, Serialize)]
pub struct CutAt {
    /// Its 1-based position in `rank by` order.
    pub position: u64,
    /// Its key.
    pub key: String,
    /// Its `rank by` values, as written in outputs.
    pub rank_values: Vec<String>,
    /// `budget` or `cap`.
    pub limit: String,
}

/// The walk at another budget.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetPoint {
    /// The share of the configured budget (0.25 … 2).
    pub fraction: f64,
    /// That budget.
    pub budget: String,
    /// Accepted entities (holdout included).
    pub accepted: u64,
    /// Treated entities.
    pub treated: u64,
    /// Their cost.
    pub cost: String,
}

/// Whether holdout and variants are balanced.
#[derive(Debug, Clone, Serialize)]
pub struct Balance {
    /// Observed and expected counts per group (holdout first, then variants).
    pub groups: Vec<SplitGroup>,
    /// Pearson's chi-square statistic of the observed split.
    pub chi_square: f64,
    /// Its p-value.
    pub p_value: f64,
    /// Whether p < 0.001 (a sample-ratio mismatch).
    pub mismatch: bool,
    /// Per metric: the standardised mean difference of the treated against the holdout
    /// (flagged above 0.1 when both groups have at least 30 entities).
    pub covariates: Vec<Covariate>,
}

/// One group of a split.
#[derive(Debug, Clone, Serialize)]
pub struct SplitGroup {
    /// `holdout` or a variant.
    pub name: String,
    /// Candidates in it (the split happens before the budget/cap walk).
    pub observed: u64,
    /// What the configured shares predict.
    pub expected: f64,
}

/// A metric's balance between holdout and treated.
#[derive(Debug, Clone, Serialize)]
pub struct Covariate {
    /// The metric.
    pub metric: String,
    /// Mean of its per-entity value in the holdout.
    pub holdout_mean: Option<f64>,
    /// Mean among the treated.
    pub treated_mean: Option<f64>,
    /// Standardised mean difference.
    pub smd: Option<f64>,
    /// Whether |smd| > 0.1 with at least 30 entities in each group.
    pub flagged: bool,
}

/// Example keys of one group.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// `holdout` or a variant.
    pub variant: String,
    /// The first keys in key order.
    pub keys: Vec<String>,
}

/// Entities whose audience holds in the same set of campaigns.
#[derive(Debug, Clone, Serialize)]
pub struct Contention {
    /// The campaigns (run order).
    pub campaigns: Vec<String>,
    /// How many entities.
    pub entities: u64,
    /// How many of them each campaign accepted (an entity accepted by two campaigns counts
    /// under both), and `(none)` for those no campaign took.
    pub won_by: Vec<Winner>,
}

/// How many of a contention group a campaign took.
#[derive(Debug, Clone, Serialize)]
pub struct Winner {
    /// The campaign (or `(none)`).
    pub campaign: String,
    /// How many entities.
    pub entities: u64,
}

/// Metrics per group.
#[derive(Debug, Clone, Serialize)]
pub struct MetricTable {
    /// Metric names, in program order.
    pub names: Vec<String>,
    /// Their labels.
    pub labels: Vec<Option<String>>,
    /// One row per group.
    pub rows: Vec<MetricRow>,
}

/// Metric values of one group.
#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    /// `population`, `segment`, `segmentation` or `campaign`.
    pub kind: String,
    /// `all`, `vip`, `lifecycle.churned`, `winback:holdout`, ...
    pub group: String,
    /// Entities in the group.
    pub size: u64,
    /// One value per metric, as written in outputs (empty for null).
    pub values: Vec<String>,
}
