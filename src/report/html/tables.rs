//! Report stage, HTML: the tables — inputs, contention between campaigns, and the
//! metrics of every group.

use super::super::model::{Contention, MetricRow, Report};
use super::bars::{Part, stacked};
use super::svg::{NONE, category};
use super::text::{escape, metric_value, thousands};
use super::{heads, name_html, table, td, th, tr};

/// Row counts of the input files.
pub(super) fn inputs(report: &Report) -> String {
    let rows: String = report
        .inputs
        .iter()
        .map(|i| {
            let cells = [
                td(&format!("<code>{}</code>", escape(&i.name)), false),
                td(&thousands(i.read), true),
                td(&thousands(i.after_as_of), true),
                td(&thousands(i.orphans), true),
                td(&thousands(i.rejects), true),
            ];
            tr(if i.rejects > 0 { "rejects" } else { "" }, &cells)
        })
        .collect();
    let head = heads(
        &["input"],
        &["rows read", "after as_of", "orphans", "rejected"],
    );
    table("data", &head, &rows)
}

/// The colour of a campaign (by run order), `(none)` grey.
fn campaign_colour(report: &Report, name: &str) -> &'static str {
    report
        .campaigns
        .iter()
        .position(|c| c.name == name)
        .map_or(NONE, category)
}

/// Entities in several audiences, and which campaign took them.
pub(super) fn contention(report: &Report) -> String {
    if report.contention.is_empty() {
        return String::new();
    }
    let rows: String = report
        .contention
        .iter()
        .map(|c| contention_row(report, c))
        .collect();
    let mut head = heads(&["audiences"], &["entities"]);
    head.extend([th("taken by", false), th("", false)]);
    format!(
        r#"<section id="contention"><h2>Contention</h2><div class="card"><p class="caption">Entities whose audience holds in several campaigns, and the first campaign that accepted them (campaigns run by priority; <i>(none)</i>: no campaign took them)</p>{}</div></section>"#,
        table("data contention", &head, &rows)
    )
}

fn chip(report: &Report, campaign: &str) -> String {
    format!(
        r#"<span class="chip"><i style="background:{}"></i>{}</span>"#,
        campaign_colour(report, campaign),
        escape(campaign)
    )
}

fn contention_row(report: &Report, c: &Contention) -> String {
    let chips: String = c.campaigns.iter().map(|name| chip(report, name)).collect();
    let parts: Vec<Part> = c
        .won_by
        .iter()
        .map(|w| Part {
            value: w.entities,
            colour: campaign_colour(report, &w.campaign),
            tip: format!("{}: {}", w.campaign, thousands(w.entities)),
        })
        .collect();
    let winners: String = c
        .won_by
        .iter()
        .map(|w| {
            format!(
                "{} <b>{}</b>",
                chip(report, &w.campaign),
                thousands(w.entities)
            )
        })
        .collect();
    let bar = format!(
        r#"<span class="stack">{}</span>"#,
        stacked("taken by", &parts, 180.0, 14.0)
    );
    let cells = [
        td(&chips, false),
        td(&thousands(c.entities), true),
        td(&bar, false),
        format!(r#"<td class="winners">{winners}</td>"#),
    ];
    tr("", &cells)
}

/// The metrics table: one row per group, one column per metric.
pub(super) fn metrics(report: &Report) -> String {
    let m = &report.metrics;
    if m.names.is_empty() {
        return String::new();
    }
    let mut head = heads(&["group"], &["size"]);
    head.extend(m.names.iter().zip(&m.labels).map(|(name, label)| {
        format!(
            r#"<th class="num">{}</th>"#,
            name_html(name, label.as_deref())
        )
    }));
    let mut body = String::new();
    let mut kind = "";
    for row in &m.rows {
        if row.kind != kind {
            kind = &row.kind;
            body.push_str(&format!(
                r#"<tr class="group"><th colspan="{}">{}</th></tr>"#,
                m.names.len() + 2,
                kind_title(kind)
            ));
        }
        body.push_str(&metric_row(row));
    }
    format!(
        r#"<section id="metrics"><h2>Metrics</h2><div class="card scroll">{}</div></section>"#,
        table("data metrics", &head, &body)
    )
}

fn kind_title(kind: &str) -> String {
    match kind {
        "population" => "Everyone".to_string(),
        "segment" => "Segments".to_string(),
        "segmentation" => "Segmentations".to_string(),
        "campaign" => "Campaign groups (accepted)".to_string(),
        other => escape(other),
    }
}

fn metric_row(row: &MetricRow) -> String {
    let mut cells = vec![
        td(&format!("<code>{}</code>", escape(&row.group)), false),
        td(&thousands(row.size), true),
    ];
    cells.extend(row.values.iter().map(|v| {
        let shown = if v.is_empty() {
            "–".to_string()
        } else {
            escape(&metric_value(v))
        };
        td(&shown, true)
    }));
    tr(if row.size == 0 { "empty" } else { "" }, &cells)
}
