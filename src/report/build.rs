//! Report stage: building the [`Report`] from a run's [`Outcome`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::model::*;
use super::stats;
use crate::check::hir::{Campaign, Hir};
use crate::exec::{
    CampaignDetails, CampaignResult, HOLDOUT, MetricInputs, Outcome, RunError, Value, cut_point,
    decimal_text,
};

/// A standardised mean difference above this flags an imbalanced control group.
const SMD_LIMIT: f64 = 0.1;

/// Groups smaller than this are too small for the balance of a metric to mean much.
const MIN_GROUP: usize = 30;

/// The budget fractions of the budget curve.
const BUDGET_FRACTIONS: [&str; 5] = ["0.25", "0.5", "1", "1.5", "2"];

/// Builds the report of a run made with `plan.keep_details`.
pub fn build(
    hir: &Hir,
    outcome: &Outcome,
    program: &str,
    samples: usize,
) -> Result<Report, RunError> {
    let n = outcome.keys.len();
    let inputs = MetricInputs::compute(&outcome.world, n)?;
    let mut report = Report {
        program: program.to_string(),
        as_of: outcome.world.as_of.format("%Y-%m-%d").to_string(),
        entities: n as u64,
        inputs: input_counts(hir, outcome),
        segmentations: segmentation_sizes(hir, outcome),
        segments: segment_sizes(hir, outcome),
        crosstabs: crosstabs(hir, outcome),
        campaigns: Vec::new(),
        contention: contention(hir, outcome),
        metrics: metric_table(hir, outcome, &inputs)?,
        warnings: Vec::new(),
        compare: None,
    };
    for result in &outcome.campaigns {
        report
            .campaigns
            .push(campaign_report(hir, outcome, result, &inputs, samples));
    }
    report.warnings = warnings(&report);
    Ok(report)
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn input_counts(hir: &Hir, outcome: &Outcome) -> Vec<InputCounts> {
    let entity = &outcome.entity_counts;
    let mut rows = vec![InputCounts {
        name: hir.entity.name.clone(),
        read: entity.read,
        after_as_of: 0,
        orphans: 0,
        rejects: entity.rejects,
    }];
    for (stream, c) in hir.streams.iter().zip(&outcome.stream_counts) {
        rows.push(InputCounts {
            name: stream.record.name.clone(),
            read: c.read,
            after_as_of: c.after_as_of,
            orphans: c.orphans,
            rejects: c.rejects,
        });
    }
    rows
}

fn segmentation_sizes(hir: &Hir, outcome: &Outcome) -> Vec<SegmentationSizes> {
    let total = outcome.keys.len() as u64;
    hir.segmentations
        .iter()
        .zip(&outcome.segmentations)
        .map(|(s, column)| {
            let mut sizes = vec![0u64; s.rules.len() + 1];
            for v in column {
                sizes[v.map_or(s.rules.len(), |i| i as usize)] += 1;
            }
            let names = s
                .rules
                .iter()
                .map(|r| (r.name.clone(), r.label.clone()))
                .chain([("(none)".to_string(), None)]);
            let segments = names
                .zip(sizes)
                .map(|((name, label), size)| GroupSize {
                    name,
                    label,
                    size,
                    share: share(size, total),
                })
                .collect();
            SegmentationSizes {
                name: s.name.clone(),
                label: s.label.clone(),
                segments,
            }
        })
        .collect()
}

fn segment_sizes(hir: &Hir, outcome: &Outcome) -> Vec<GroupSize> {
    let total = outcome.keys.len() as u64;
    hir.segments
        .iter()
        .zip(&outcome.segments)
        .map(|(s, column)| {
            let size = column.iter().filter(|b| **b).count() as u64;
            GroupSize {
                name: s.name.clone(),
                label: s.label.clone(),
                size,
                share: share(size, total),
            }
        })
        .collect()
}

fn crosstabs(hir: &Hir, outcome: &Outcome) -> Vec<Crosstab> {
    let mut tables = Vec::new();
    for a in 0..hir.segmentations.len() {
        for b in a + 1..hir.segmentations.len() {
            let (sa, sb) = (&hir.segmentations[a], &hir.segmentations[b]);
            let mut counts = vec![vec![0u64; sb.rules.len() + 1]; sa.rules.len() + 1];
            for (x, y) in outcome.segmentations[a]
                .iter()
                .zip(&outcome.segmentations[b])
            {
                let r = x.map_or(sa.rules.len(), |i| i as usize);
                let c = y.map_or(sb.rules.len(), |i| i as usize);
                counts[r][c] += 1;
            }
            let names = |s: &crate::check::hir::Segmentation| {
                s.rules
                    .iter()
                    .map(|r| r.name.clone())
                    .chain(["(none)".to_string()])
                    .collect()
            };
            tables.push(Crosstab {
                rows: sa.name.clone(),
                columns: sb.name.clone(),
                row_names: names(sa),
                column_names: names(sb),
                counts,
            });
        }
    }
    tables
}

/// The size of a contention group, and how many of it each campaign (or none) accepted.
type ContentionCounts = (u64, BTreeMap<Option<usize>, u64>);

/// Entities whose audience holds in two or more active campaigns, grouped by that set;
/// each group counts how many of its entities each campaign accepted (an entity may be
/// accepted by several when the policy allows), and how many no campaign took.
fn contention(hir: &Hir, outcome: &Outcome) -> Vec<Contention> {
    let n = outcome.keys.len();
    let mut accepted_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (run, result) in outcome.campaigns.iter().enumerate() {
        for &(e, _) in &result.accepted {
            accepted_by[e as usize].push(run);
        }
    }
    let mut groups: BTreeMap<Vec<usize>, ContentionCounts> = BTreeMap::new();
    for (e, winners) in accepted_by.iter().enumerate() {
        let set: Vec<usize> = outcome
            .campaigns
            .iter()
            .enumerate()
            .filter(|(_, r)| r.details.as_ref().is_some_and(|d| d.audience[e]))
            .map(|(run, _)| run)
            .collect();
        if set.len() < 2 {
            continue;
        }
        let (size, counts) = groups.entry(set).or_default();
        *size += 1;
        if winners.is_empty() {
            *counts.entry(None).or_default() += 1;
        }
        for &run in winners {
            *counts.entry(Some(run)).or_default() += 1;
        }
    }
    let name = |run: usize| hir.campaigns[outcome.campaigns[run].campaign].name.clone();
    groups
        .into_iter()
        .map(|(set, (size, winners))| Contention {
            campaigns: set.iter().map(|&r| name(r)).collect(),
            entities: size,
            won_by: winners
                .into_iter()
                .map(|(w, entities)| Winner {
                    campaign: w.map_or("(none)".into(), name),
                    entities,
                })
                .collect(),
        })
        .collect()
}

fn campaign_report(
    hir: &Hir,
    outcome: &Outcome,
    r: &CampaignResult,
    inputs: &MetricInputs,
    samples: usize,
) -> CampaignReport {
    let c = &hir.campaigns[r.campaign];
    let details = r.details.as_ref();
    let ranked = details.map_or(&[][..], |d| &d.ranked[..]);
    CampaignReport {
        name: c.name.clone(),
        label: c.label.clone(),
        priority: c.priority,
        active: r.active,
        audience: details.map_or(0, |d| d.audience.iter().filter(|b| **b).count() as u64),
        eligible: r.eligible,
        skipped: r.skipped,
        candidates: ranked.len() as u64,
        holdout: r.holdout,
        treated: r.treated,
        cut: r.cut,
        accepted: r.holdout + r.treated,
        holdout_share: f64::from(c.holdout_bp) / 10_000.0,
        variants: c
            .variants
            .iter()
            .zip(&r.variant_counts)
            .map(|(v, n)| VariantCount {
                name: v.name.clone(),
                label: v.label.clone(),
                weight: f64::from(v.weight_bp) / 10_000.0,
                treated: *n,
            })
            .collect(),
        cost: decimal_text(r.total_cost),
        budget: c.budget.map(decimal_text),
        cap: c.cap,
        cut_at: cut_at(c, outcome, r, ranked),
        budget_curve: budget_curve(c, ranked),
        balance: details.and_then(|d| balance(hir, c, r, d, inputs)),
        samples: sample_keys(c, outcome, r, samples),
    }
}

fn cut_at(
    c: &Campaign,
    outcome: &Outcome,
    r: &CampaignResult,
    ranked: &[crate::exec::Candidate],
) -> Option<CutAt> {
    let end = (r.holdout + r.treated) as usize;
    let first_cut = ranked.get(end).filter(|_| r.cut > 0)?;
    let over_budget = c.budget.is_some_and(|b| r.total_cost + first_cut.cost > b);
    Some(CutAt {
        position: end as u64 + 1,
        key: outcome.keys[first_cut.entity as usize].to_string(),
        rank_values: first_cut.rank.iter().map(Value::text).collect(),
        limit: if over_budget {
            "budget".into()
        } else {
            "cap".into()
        },
    })
}

fn budget_curve(c: &Campaign, ranked: &[crate::exec::Candidate]) -> Vec<BudgetPoint> {
    let Some(budget) = c.budget.filter(|_| !ranked.is_empty()) else {
        return Vec::new();
    };
    BUDGET_FRACTIONS
        .iter()
        .filter_map(|f| f.parse::<Decimal>().ok())
        .map(|f| {
            let at = budget * f;
            let cut = cut_point(ranked, Some(at), c.cap);
            BudgetPoint {
                fraction: f.to_f64().unwrap_or(0.0),
                budget: decimal_text(at),
                accepted: cut.end as u64,
                treated: cut.treated,
                cost: decimal_text(cut.cost),
            }
        })
        .collect()
}

/// Sample-ratio test over the candidates, and covariate balance of the accepted.
fn balance(
    hir: &Hir,
    c: &Campaign,
    r: &CampaignResult,
    d: &CampaignDetails,
    inputs: &MetricInputs,
) -> Option<Balance> {
    if c.holdout_bp == 0 && !c.has_variants {
        return None;
    }
    let mut observed = vec![0u64; c.variants.len() + 1];
    for candidate in &d.ranked {
        observed[if candidate.variant == HOLDOUT {
            0
        } else {
            candidate.variant as usize + 1
        }] += 1;
    }
    let total = d.ranked.len() as f64;
    let rest = 1.0 - f64::from(c.holdout_bp) / 10_000.0;
    let mut expected = vec![total * f64::from(c.holdout_bp) / 10_000.0];
    expected.extend(
        c.variants
            .iter()
            .map(|v| total * rest * f64::from(v.weight_bp) / 10_000.0),
    );
    let names =
        std::iter::once("holdout".to_string()).chain(c.variants.iter().map(|v| v.name.clone()));
    let groups: Vec<SplitGroup> = names
        .zip(&observed)
        .zip(&expected)
        .map(|((name, o), e)| SplitGroup {
            name,
            observed: *o,
            expected: *e,
        })
        .collect();
    let used: Vec<usize> = (0..observed.len()).filter(|&i| expected[i] > 0.0).collect();
    let (chi_square, p_value) = stats::chi_square(
        &used.iter().map(|&i| observed[i]).collect::<Vec<_>>(),
        &used.iter().map(|&i| expected[i]).collect::<Vec<_>>(),
    )
    .unwrap_or((0.0, 1.0));
    Some(Balance {
        groups,
        chi_square,
        p_value,
        mismatch: p_value < 0.001,
        covariates: covariates(hir, r, inputs),
    })
}

fn covariates(hir: &Hir, r: &CampaignResult, inputs: &MetricInputs) -> Vec<Covariate> {
    let mut out = Vec::new();
    for (m, metric) in hir.metrics.iter().enumerate() {
        let Some(column) = inputs.first_argument(m) else {
            continue;
        };
        let numbers = |holdout: bool| -> Vec<f64> {
            r.accepted
                .iter()
                .filter(|(_, v)| (*v == HOLDOUT) == holdout)
                .filter_map(|(e, _)| as_number(&column[*e as usize]))
                .collect()
        };
        let (holdout_values, treated_values) = (numbers(true), numbers(false));
        let (holdout_n, treated_n) = (holdout_values.len(), treated_values.len());
        let (h, t) = (
            stats::mean_variance(&holdout_values),
            stats::mean_variance(&treated_values),
        );
        let smd = match (t, h) {
            (Some(t), Some(h)) => stats::smd(t, h),
            _ => None,
        };
        out.push(Covariate {
            metric: metric.name.clone(),
            holdout_mean: h.map(|x| x.0),
            treated_mean: t.map(|x| x.0),
            smd,
            flagged: smd.is_some_and(|s| s.abs() > SMD_LIMIT)
                && holdout_n >= MIN_GROUP
                && treated_n >= MIN_GROUP,
        });
    }
    out
}

/// A metric argument as a number (a bool counts as 0 or 1).
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => other.as_f64(),
    }
}

fn sample_keys(c: &Campaign, outcome: &Outcome, r: &CampaignResult, samples: usize) -> Vec<Sample> {
    if samples == 0 {
        return Vec::new();
    }
    let names = std::iter::once(("holdout".to_string(), HOLDOUT)).chain(
        c.variants
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.clone(), i as u16)),
    );
    names
        .map(|(variant, id)| Sample {
            variant,
            keys: r
                .accepted
                .iter()
                .filter(|(_, v)| *v == id)
                .take(samples)
                .map(|(e, _)| outcome.keys[*e as usize].to_string())
                .collect(),
        })
        .filter(|s| !s.keys.is_empty())
        .collect()
}

fn metric_table(
    hir: &Hir,
    outcome: &Outcome,
    inputs: &MetricInputs,
) -> Result<MetricTable, RunError> {
    let mut rows = Vec::new();
    let all: Vec<u32> = outcome.by_key.clone();
    let mut push = |kind: &str, group: String, members: Vec<u32>| -> Result<(), RunError> {
        let values = inputs
            .values(&outcome.world, &members)?
            .iter()
            .map(Value::text)
            .collect();
        rows.push(MetricRow {
            kind: kind.into(),
            group,
            size: members.len() as u64,
            values,
        });
        Ok(())
    };
    push("population", "all".into(), all.clone())?;
    for (s, column) in hir.segments.iter().zip(&outcome.segments) {
        push(
            "segment",
            s.name.clone(),
            all.iter()
                .copied()
                .filter(|&e| column[e as usize])
                .collect(),
        )?;
    }
    for (s, column) in hir.segmentations.iter().zip(&outcome.segmentations) {
        for (i, rule) in s.rules.iter().enumerate() {
            let members = all
                .iter()
                .copied()
                .filter(|&e| column[e as usize] == Some(i as u16))
                .collect();
            push("segmentation", format!("{}.{}", s.name, rule.name), members)?;
        }
        let unassigned: Vec<u32> = all
            .iter()
            .copied()
            .filter(|&e| column[e as usize].is_none())
            .collect();
        if !unassigned.is_empty() {
            push("segmentation", format!("{}.(none)", s.name), unassigned)?;
        }
    }
    for r in &outcome.campaigns {
        let c = &hir.campaigns[r.campaign];
        let groups = std::iter::once(("holdout".to_string(), HOLDOUT)).chain(
            c.variants
                .iter()
                .enumerate()
                .map(|(i, v)| (v.name.clone(), i as u16)),
        );
        for (name, id) in groups {
            let members = r
                .accepted
                .iter()
                .filter(|(_, v)| *v == id)
                .map(|(e, _)| *e)
                .collect();
            push("campaign", format!("{}:{name}", c.name), members)?;
        }
    }
    Ok(MetricTable {
        names: hir.metrics.iter().map(|m| m.name.clone()).collect(),
        labels: hir.metrics.iter().map(|m| m.label.clone()).collect(),
        rows,
    })
}

fn warnings(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for c in &report.campaigns {
        if !c.active {
            out.push(format!(
                "campaign `{}` is inactive: as_of {} is outside its window",
                c.name, report.as_of
            ));
        } else if c.accepted == 0 {
            out.push(format!(
                "campaign `{}` reaches nobody (audience {}, eligible {}, skipped {})",
                c.name, c.audience, c.eligible, c.skipped
            ));
        }
        if let Some(b) = &c.balance {
            if b.mismatch {
                out.push(format!(
                    "campaign `{}`: sample-ratio mismatch (chi-square {:.2}, p = {:.2e})",
                    c.name, b.chi_square, b.p_value
                ));
            }
            for cov in b.covariates.iter().filter(|c| c.flagged) {
                out.push(format!("campaign `{}`: holdout and treated differ on `{}` (standardised mean difference {:.2})", c.name, cov.metric, cov.smd.unwrap_or(0.0)));
            }
        }
    }
    for input in report.inputs.iter().filter(|i| i.rejects > 0) {
        out.push(format!(
            "{} rows of `{}` were rejected",
            input.rejects, input.name
        ));
    }
    out
}
