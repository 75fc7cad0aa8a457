//! Report stage, HTML: the campaigns — an overview table, then one card per campaign
//! with its funnel, cost against budget, budget curve, balance checks and samples.

use super::super::model::{Balance, CampaignReport, Covariate, Report};
use super::curve::budget_curve;
use super::funnel::{funnel, gauge};
use super::svg::{ACCENT, CUT, HOLDOUT, Svg, TRACK, category};
use super::text::{decimal, escape, percent, px, ratio, thousands};
use super::{heads, kpi, name_html, pill, table, td, th, tr};

/// The campaigns section (empty when the program has none).
pub(super) fn section(report: &Report) -> String {
    if report.campaigns.is_empty() {
        return String::new();
    }
    let cards: String = report.campaigns.iter().map(card).collect();
    format!(
        r#"<section id="campaigns"><h2>Campaigns</h2><div class="card">{}</div>{cards}</section>"#,
        overview(report)
    )
}

fn overview(report: &Report) -> String {
    let head = heads(
        &["campaign"],
        &[
            "priority", "audience", "eligible", "accepted", "treated", "holdout", "cut", "cost",
            "budget",
        ],
    );
    let rows: String = report.campaigns.iter().map(overview_row).collect();
    table("data", &head, &rows)
}

fn status(c: &CampaignReport) -> String {
    if c.active {
        pill("ok", "active")
    } else {
        pill("off", "inactive")
    }
}

fn overview_row(c: &CampaignReport) -> String {
    let name = format!(
        r##"<a href="#campaign-{}">{}</a>{}"##,
        escape(&c.name),
        name_html(&c.name, c.label.as_deref()),
        if c.active { String::new() } else { status(c) }
    );
    let counts = [
        c.audience, c.eligible, c.accepted, c.treated, c.holdout, c.cut,
    ];
    let mut cells = vec![td(&name, false), td(&c.priority.to_string(), true)];
    cells.extend(counts.iter().map(|n| td(&thousands(*n), true)));
    cells.push(td(&escape(&decimal(&c.cost)), true));
    let budget = c.budget.as_deref().map_or("–".to_string(), decimal);
    cells.push(td(&escape(&budget), true));
    tr("", &cells)
}

fn card(c: &CampaignReport) -> String {
    let head = format!(
        r#"<div class="card-head"><h3>{}</h3><span class="pills">{}{}</span></div>"#,
        name_html(&c.name, c.label.as_deref()),
        pill("plain", &format!("priority {}", c.priority)),
        status(c)
    );
    let body = if c.active {
        let split = format!(
            r#"<div class="split"><div>{}{}</div>{}</div>"#,
            cost_block(c),
            samples(c),
            balance_block(c)
        );
        [kpis(c), funnel_block(c), split].concat()
    } else {
        r#"<p class="notice">Inactive: the report date lies outside this campaign's window, so it reaches nobody.</p>"#.to_string()
    };
    format!(
        r#"<article class="card campaign" id="campaign-{}">{head}{body}</article>"#,
        escape(&c.name)
    )
}

fn kpis(c: &CampaignReport) -> String {
    let of_audience = percent(ratio(c.eligible as f64, c.audience as f64));
    let split = format!(
        "{} treated · {} holdout",
        thousands(c.treated),
        thousands(c.holdout)
    );
    let cost_note = c
        .budget
        .as_deref()
        .map_or("no budget".to_string(), |b| format!("of {}", decimal(b)));
    let tiles = [
        kpi("Audience", &thousands(c.audience), "audience holds"),
        kpi(
            "Eligible",
            &thousands(c.eligible),
            &format!("{of_audience} of audience"),
        ),
        kpi(
            "Candidates",
            &thousands(c.candidates),
            &format!("{} skipped", thousands(c.skipped)),
        ),
        kpi("Accepted", &thousands(c.accepted), &split),
        kpi("Cut", &thousands(c.cut), &limits(c)),
        kpi("Cost", &decimal(&c.cost), &cost_note),
    ];
    format!(r#"<div class="kpis">{}</div>"#, tiles.concat())
}

/// The campaign's limits in words (`budget 1,000 · cap 300`).
fn limits(c: &CampaignReport) -> String {
    let budget = c
        .budget
        .as_deref()
        .map(|b| format!("budget {}", decimal(b)));
    let cap = c.cap.map(|k| format!("cap {}", thousands(k)));
    let both: Vec<String> = budget.into_iter().chain(cap).collect();
    if both.is_empty() {
        "no budget or cap".to_string()
    } else {
        both.join(" · ")
    }
}

fn funnel_block(c: &CampaignReport) -> String {
    let holdout = format!("{} configured", percent(c.holdout_share));
    let mut legend = vec![swatch(HOLDOUT, "holdout", c.holdout, &holdout)];
    for (i, v) in c.variants.iter().enumerate() {
        let name = name_html(&v.name, v.label.as_deref());
        let weight = format!("weight {}", percent(v.weight));
        legend.push(swatch(category(i), &name, v.treated, &weight));
    }
    legend.push(swatch(CUT, "cut", c.cut, "not reached"));
    format!(
        r#"<div class="block"><h4>Funnel</h4><div class="scroll">{}</div><div class="legend">{}</div></div>"#,
        funnel(c),
        legend.concat()
    )
}

/// A legend entry; `name` is markup.
fn swatch(colour: &str, name: &str, count: u64, note: &str) -> String {
    format!(
        r#"<span class="swatch"><i style="background:{colour}"></i>{name} <b>{}</b> <span class="muted">{}</span></span>"#,
        thousands(count),
        escape(note)
    )
}

fn cost_block(c: &CampaignReport) -> String {
    let cost: f64 = c.cost.parse().unwrap_or(0.0);
    let mut parts = vec![r#"<div class="block"><h4>Cost and limits</h4>"#.to_string()];
    if let Some(budget) = &c.budget {
        let limit: f64 = budget.parse().unwrap_or(0.0);
        parts.push(format!(
            r#"<p class="gauge-text">cost <b>{}</b> of budget <b>{}</b> <span class="muted">· {} used</span></p>"#,
            escape(&decimal(&c.cost)),
            escape(&decimal(budget)),
            percent(ratio(cost, limit)),
        ));
        parts.push(gauge("cost against budget", cost, limit));
    }
    if let Some(cap) = c.cap {
        parts.push(format!(
            r#"<p class="gauge-text">treated <b>{}</b> of cap <b>{}</b></p>"#,
            thousands(c.treated),
            thousands(cap),
        ));
        parts.push(gauge("treated against cap", c.treated as f64, cap as f64));
    }
    if c.budget.is_none() && c.cap.is_none() {
        parts.push(format!(
            r#"<p class="gauge-text">cost <b>{}</b> <span class="muted">· no budget or cap: every candidate is accepted</span></p>"#,
            escape(&decimal(&c.cost))
        ));
    }
    parts.extend([stopped(c), curve_block(c), "</div>".to_string()]);
    parts.concat()
}

fn stopped(c: &CampaignReport) -> String {
    let Some(cut) = &c.cut_at else {
        return r#"<p class="stop">The walk reached every candidate: nobody was cut.</p>"#
            .to_string();
    };
    format!(
        r#"<p class="stop">The <b>{}</b> ran out at candidate <b>#{}</b> (key <code>{}</code>, rank by <code>{}</code>): {} cut from there on.</p>"#,
        escape(&cut.limit),
        thousands(cut.position),
        escape(&cut.key),
        escape(&cut.rank_values.join(", ")),
        thousands(c.cut)
    )
}

fn curve_block(c: &CampaignReport) -> String {
    if c.budget_curve.is_empty() {
        return String::new();
    }
    let rows: String = c
        .budget_curve
        .iter()
        .map(|p| {
            let current = if (p.fraction - 1.0).abs() < 1e-9 {
                "current"
            } else {
                ""
            };
            let cells = [
                td(&format!("{:.0}%", p.fraction * 100.0), true),
                td(&escape(&decimal(&p.budget)), true),
                td(&thousands(p.accepted), true),
                td(&thousands(p.treated), true),
                td(&escape(&decimal(&p.cost)), true),
            ];
            tr(current, &cells)
        })
        .collect();
    let head = heads(&[], &["budget", "amount", "accepted", "treated", "cost"]);
    format!(
        r#"<h4>Budget curve</h4><div class="legend"><span class="swatch"><i style="background:{ACCENT}"></i>accepted</span><span class="swatch"><i class="dash" style="background:{}"></i>treated</span></div>{}{}"#,
        category(1),
        budget_curve(&c.name, &c.budget_curve),
        table("data compact", &head, &rows)
    )
}

fn balance_block(c: &CampaignReport) -> String {
    let Some(b) = &c.balance else {
        return r#"<div class="block"><h4>Balance checks</h4><p class="muted">No holdout and no variants: nothing to compare.</p></div>"#.to_string();
    };
    format!(
        r#"<div class="block"><h4>Balance checks</h4>{}{}{}</div>"#,
        verdict(b),
        split_table(b),
        covariate_table(&b.covariates)
    )
}

fn verdict(b: &Balance) -> String {
    let p = if b.p_value < 0.001 {
        format!("{:.1e}", b.p_value)
    } else {
        format!("{:.3}", b.p_value)
    };
    let detail = format!("chi-square {:.2}, p = {p}", b.chi_square);
    if b.mismatch {
        format!(r#"<p class="verdict bad">Sample-ratio mismatch <span>{detail}</span></p>"#)
    } else {
        format!(r#"<p class="verdict good">Split as configured <span>{detail}</span></p>"#)
    }
}

fn split_table(b: &Balance) -> String {
    let total: u64 = b.groups.iter().map(|g| g.observed).sum();
    let rows: String = b
        .groups
        .iter()
        .map(|g| {
            let cells = [
                td(&escape(&g.name), false),
                td(&thousands(g.observed), true),
                td(&format!("{:.1}", g.expected), true),
                td(&format!("{:+.1}", g.observed as f64 - g.expected), true),
                td(&percent(ratio(g.observed as f64, total as f64)), true),
            ];
            tr("", &cells)
        })
        .collect();
    let head = heads(&["group"], &["observed", "expected", "difference", "share"]);
    format!(
        r#"<p class="caption">Split of all {} candidates (before the cut)</p>{}"#,
        thousands(total),
        table("data compact", &head, &rows)
    )
}

fn covariate_table(covariates: &[Covariate]) -> String {
    if covariates.is_empty() {
        return String::new();
    }
    let rows: String = covariates.iter().map(covariate_row).collect();
    let mut head = heads(&["metric"], &["holdout", "treated", "SMD"]);
    head.push(th("−0.5 · 0 · +0.5", false));
    format!(
        r#"<p class="caption">Accepted holdout against treated, per metric (flagged in red when |SMD| &gt; 0.1)</p>{}"#,
        table("data compact", &head, &rows)
    )
}

fn covariate_row(cov: &Covariate) -> String {
    let show = |v: Option<f64>| v.map_or("–".to_string(), |x| format!("{x:.3}"));
    let smd = cov.smd.map_or("–".to_string(), |s| format!("{s:+.3}"));
    let cells = [
        td(&escape(&cov.metric), false),
        td(&show(cov.holdout_mean), true),
        td(&show(cov.treated_mean), true),
        format!(r#"<td class="num smd">{smd}</td>"#),
        td(&smd_dot(cov.smd, cov.flagged), false),
    ];
    tr(if cov.flagged { "flagged" } else { "" }, &cells)
}

/// A dot on a −0.5 … +0.5 axis, the ±0.1 band shaded.
fn smd_dot(smd: Option<f64>, flagged: bool) -> String {
    const WIDTH: f64 = 120.0;
    let x = |v: f64| WIDTH / 2.0 + v.clamp(-0.5, 0.5) * (WIDTH - 12.0);
    let mut svg = Svg::new(WIDTH, 16.0, "standardised mean difference");
    svg.rect((0.0, 6.0, WIDTH, 4.0), TRACK, r#" rx="2""#);
    let band = (x(-0.1), 2.0, x(0.1) - x(-0.1), 12.0);
    svg.rect(band, "#dcefe3", r#" rx="2""#);
    svg.line((x(0.0), 1.0), (x(0.0), 15.0), "axis");
    if let Some(s) = smd {
        let fill = if flagged { "#d64545" } else { "#3c9a5f" };
        let dot = format!(r#"<circle cx="{}" cy="8" r="5" fill="{fill}"/>"#, px(x(s)));
        svg.raw(&dot);
    }
    svg.finish()
}

fn samples(c: &CampaignReport) -> String {
    if c.samples.is_empty() {
        return String::new();
    }
    let items: String = c
        .samples
        .iter()
        .map(|s| {
            let keys: String = s
                .keys
                .iter()
                .map(|k| format!("<code>{}</code>", escape(k)))
                .collect();
            format!(
                r#"<div><span class="sample-name">{}</span>{keys}</div>"#,
                escape(&s.variant)
            )
        })
        .collect();
    format!(r#"<div class="block samples"><h4>Sample keys</h4>{items}</div>"#)
}
