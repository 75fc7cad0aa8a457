//! Plan stage: the plan as a numbered listing, one step per line (`seg plan`).

use std::fmt::Write;

use super::Plan;
use crate::check::hir::{Campaign, Hir, PopFunc};

/// The plan as text: one numbered step per line.
pub fn listing(plan: &Plan, hir: &Hir) -> String {
    let mut steps: Vec<String> = Vec::new();
    let key = &hir.entity.fields[hir.key_field].name;
    let fields = hir.entity.fields.len();
    let plural = if fields == 1 { "" } else { "s" };
    steps.push(format!(
        "load entity `{}` ({fields} field{plural}, key `{key}`)",
        hir.entity.name
    ));
    for (level, stage) in plan.stages.iter().enumerate() {
        let level = level + 1;
        for &l in &stage.materialize {
            steps.push(format!(
                "level {level}: compute `{}` for every entity (read by a `where`)",
                hir.lets[l].name
            ));
        }
        for pass in &stage.passes {
            let stream = &hir.streams[pass.stream].record.name;
            let aggregates: Vec<&str> = pass
                .aggregates
                .iter()
                .map(|&a| hir.aggregates[a].text.as_str())
                .collect();
            let what = if aggregates.is_empty() {
                "count rows only".to_string()
            } else {
                aggregates.join("; ")
            };
            steps.push(format!("level {level}: read `{stream}` once: {what}"));
        }
        for &p in &stage.populations {
            let pop = &hir.populations[p];
            let kind = if pop.func.is_scalar() {
                "one value"
            } else {
                "per entity"
            };
            let how = match pop.func {
                PopFunc::Ntile(_) | PopFunc::PercentRank | PopFunc::Percentile(_) => "sort",
                PopFunc::Mean => "sum",
            };
            steps.push(format!(
                "level {level}: population {} ({how} over all entities, {kind})",
                pop.text
            ));
        }
    }
    for s in &hir.segmentations {
        steps.push(format!(
            "segmentation `{}`: first match of {} segments",
            s.name,
            s.rules.len()
        ));
    }
    for s in &hir.segments {
        steps.push(format!("segment `{}`", s.name));
    }
    for &c in &plan.campaign_order {
        steps.push(campaign_step(hir, &hir.campaigns[c]));
    }
    let mut outputs = vec!["assignments.csv".to_string()];
    outputs.extend(
        hir.actions
            .iter()
            .map(|a| format!("actions/{}.csv", a.name)),
    );
    outputs.push("summary.json".into());
    let values = if plan.with_values {
        " (with `let` values)"
    } else {
        ""
    };
    steps.push(format!("write {}{values}", outputs.join(", ")));
    let mut out = String::new();
    let width = steps.len().to_string().len();
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(out, "{:>width$}. {step}", i + 1);
    }
    out
}

fn campaign_step(hir: &Hir, campaign: &Campaign) -> String {
    let mut parts = vec![format!("priority {}", campaign.priority)];
    if let Some((from, to)) = campaign.window {
        parts.push(format!("window {from} .. {to}"));
    }
    if campaign.holdout_bp > 0 {
        parts.push(format!("holdout {} bp", campaign.holdout_bp));
    }
    if campaign.has_variants {
        let variants: Vec<String> = campaign
            .variants
            .iter()
            .map(|v| format!("{} {} bp", v.name, v.weight_bp))
            .collect();
        parts.push(format!("variants {}", variants.join(", ")));
    }
    if let Some(budget) = campaign.budget {
        parts.push(format!("budget {budget}"));
    }
    if let Some(cap) = campaign.cap {
        parts.push(format!("cap {cap}"));
    }
    let mut actions: Vec<&str> = Vec::new();
    for d in campaign.variants.iter().flat_map(|v| &v.dos) {
        let name = hir.actions[d.action].name.as_str();
        if !actions.contains(&name) {
            actions.push(name);
        }
    }
    format!(
        "campaign `{}` ({}): eligible, bucket, rank, walk; emits {}",
        campaign.name,
        parts.join(", "),
        if actions.is_empty() {
            "nothing".to_string()
        } else {
            actions.join(", ")
        }
    )
}
