//! Report stage, HTML: with `--compare`, how the assignments moved since an earlier run —
//! a migration matrix per segmentation as a heatmap-like table (rows: the earlier run,
//! columns: this run), the entries and exits of the standalone segments, and who changes
//! campaign membership.

use super::super::model::{Comparison, Report};
use super::svg::heat;
use super::text::{escape, ratio, thousands};
use super::{heads, kpi, name_html, pill, table, td, th, tr};
use crate::diff::{
    CampaignDiff, Keys, Move, Presence, SegmentDiff, SegmentationDiff, headline, percent,
};

/// How `(none)` (no segment, or not in the campaign) is shown.
const NONE: &str = "(none)";

/// The comparison section (empty without `--compare`).
pub(super) fn section(report: &Report) -> String {
    let Some(comparison) = &report.compare else {
        return String::new();
    };
    let diff = &comparison.diff;
    let mut cards = vec![summary(comparison)];
    cards.extend(
        diff.segmentations
            .iter()
            .map(|s| segmentation_card(report, s)),
    );
    cards.push(segments_card(report, &diff.segments));
    cards.push(campaigns_card(&diff.campaigns));
    format!(
        r#"<section id="compare"><h2>Changes since the previous run</h2>{}</section>"#,
        cards.concat()
    )
}

/// The file compared with, and how many entities changed.
fn summary(comparison: &Comparison) -> String {
    let diff = &comparison.diff;
    let e = &diff.entities;
    let tiles = [
        kpi(
            "Changed",
            &percent(diff.changed.count, diff.total()),
            &format!(
                "{} of {}",
                thousands(diff.changed.count),
                thousands(diff.total())
            ),
        ),
        kpi(
            "Campaign lists",
            &thousands(diff.campaign_changed.count),
            "changed campaign:variant",
        ),
        kpi("Added", &thousands(e.added.count), "only in this run"),
        kpi(
            "Removed",
            &thousands(e.removed.count),
            "only in the earlier run",
        ),
    ]
    .concat();
    format!(
        r#"<div class="card"><h3>{}</h3><p class="caption">This run against <code>{}</code>: an entity changes when its segment in a segmentation, a standalone segment or its <code>campaign:variant</code> list differs; added and removed entities count as changed</p><div class="kpis">{tiles}</div></div>"#,
        escape(&headline(diff)),
        escape(&comparison.previous)
    )
}

/// `(new)` or `(removed)` for an item only one side has.
fn presence_pill(presence: Presence) -> String {
    match presence {
        Presence::Both => String::new(),
        Presence::OldOnly => pill("off", "removed"),
        Presence::NewOnly => pill("plain", "new"),
    }
}

/// The label this run's program gives segment `name` of segmentation `segmentation`.
fn segment_label<'r>(report: &'r Report, segmentation: &str, name: &str) -> Option<&'r str> {
    let sizes = report
        .segmentations
        .iter()
        .find(|s| s.name == segmentation)?;
    let group = sizes.segments.iter().find(|g| g.name == name)?;
    group.label.as_deref()
}

/// A segment name with its label (`(none)` for no segment).
fn segment_html(report: &Report, segmentation: &str, name: &Option<String>) -> String {
    match name {
        Some(name) => name_html(name, segment_label(report, segmentation, name)),
        None => name_html(NONE, None),
    }
}

/// One segmentation: its migration matrix and its moves.
fn segmentation_card(report: &Report, s: &SegmentationDiff) -> String {
    let label = report
        .segmentations
        .iter()
        .find(|g| g.name == s.name)
        .and_then(|g| g.label.as_deref());
    let moves = if s.moves.is_empty() {
        String::new()
    } else {
        moves_table(&s.moves, |name| segment_html(report, &s.name, name))
    };
    format!(
        r#"<div class="card"><h3>{}{}</h3><p class="caption">{} of {} entities move ({}); rows: the earlier run, columns: this run, the diagonal stayed; darker cells hold more movers</p><div class="scroll">{}</div>{moves}</div>"#,
        name_html(&s.name, label),
        presence_pill(s.presence),
        thousands(s.moved),
        thousands(s.entities),
        percent(s.moved, s.entities),
        matrix(report, s)
    )
}

/// The migration matrix: counts by earlier (row) and current (column) segment, with
/// totals; the moving cells shaded by count.
fn matrix(report: &Report, s: &SegmentationDiff) -> String {
    let mut head = vec![th("earlier \\ now", false)];
    head.extend(s.columns.iter().map(|c| {
        format!(
            r#"<th class="num">{}</th>"#,
            segment_html(report, &s.name, c)
        )
    }));
    head.push(th("total", true));
    let most = most_moved(s);
    let mut rows: String = s
        .rows
        .iter()
        .zip(&s.counts)
        .map(|(row, counts)| matrix_row(report, s, (row, counts), most))
        .collect();
    rows.push_str(&totals_row(s));
    table("data migration", &head, &rows)
}

/// The largest count off the diagonal (what the darkest cell holds).
fn most_moved(s: &SegmentationDiff) -> u64 {
    s.moves.iter().map(|m| m.keys.count).max().unwrap_or(0)
}

/// One earlier segment's row: where its entities are now.
fn matrix_row(
    report: &Report,
    s: &SegmentationDiff,
    (row, counts): (&Option<String>, &Vec<u64>),
    most: u64,
) -> String {
    let mut cells = vec![format!("<th>{}</th>", segment_html(report, &s.name, row))];
    cells.extend(
        s.columns
            .iter()
            .zip(counts)
            .map(|(column, &count)| matrix_cell((row, column), count, most)),
    );
    cells.push(format!(
        r#"<td class="num total">{}</td>"#,
        thousands(counts.iter().sum())
    ));
    tr("", &cells)
}

/// A cell: grey on the diagonal, shaded by count elsewhere, faint when empty.
fn matrix_cell((from, to): (&Option<String>, &Option<String>), count: u64, most: u64) -> String {
    let tip = format!(
        "{} → {}: {}",
        from.as_deref().unwrap_or(NONE),
        to.as_deref().unwrap_or(NONE),
        thousands(count)
    );
    let (class, style) = if from == to {
        ("stay", String::new())
    } else if count == 0 {
        ("zero", String::new())
    } else {
        let (fill, light) = heat(ratio(count as f64, most as f64));
        let class = if light { "move light" } else { "move" };
        (class, format!(r#" style="background:{fill}""#))
    };
    format!(
        r#"<td class="num {class}"{style} title="{}">{}</td>"#,
        escape(&tip),
        thousands(count)
    )
}

/// The bottom row: entities per current segment, and everyone compared.
fn totals_row(s: &SegmentationDiff) -> String {
    let mut cells = vec!["<th>total</th>".to_string()];
    cells.extend((0..s.columns.len()).map(|c| {
        let sum: u64 = s.counts.iter().filter_map(|row| row.get(c)).sum();
        format!(r#"<td class="num total">{}</td>"#, thousands(sum))
    }));
    cells.push(format!(
        r#"<td class="num total">{}</td>"#,
        thousands(s.entities)
    ));
    tr("totals", &cells)
}

/// Sample keys as code, `…` when there are more.
fn sample_html(keys: &Keys) -> String {
    let mut items: Vec<String> = keys
        .sample
        .iter()
        .map(|k| format!("<code>{}</code>", escape(k)))
        .collect();
    if keys.count > keys.sample.len() as u64 && !items.is_empty() {
        items.push("…".to_string());
    }
    items.join(" ")
}

/// Moves (between segments or variants), largest first, with sample keys; `name` shows
/// a segment or variant.
fn moves_table(moves: &[Move], name: impl Fn(&Option<String>) -> String) -> String {
    let rows: String = moves
        .iter()
        .map(|m| {
            let cells = [
                td(&name(&m.from), false),
                td(&name(&m.to), false),
                td(&thousands(m.keys.count), true),
                td(&sample_html(&m.keys), false),
            ];
            tr("", &cells)
        })
        .collect();
    let mut head = heads(&["from", "to"], &["entities"]);
    head.push(th("sample", false));
    table("data compact", &head, &rows)
}

/// Every standalone segment: its size in each run, entries and exits.
fn segments_card(report: &Report, segments: &[SegmentDiff]) -> String {
    if segments.is_empty() {
        return String::new();
    }
    let rows: String = segments.iter().map(|s| segment_row(report, s)).collect();
    let mut head = heads(
        &["segment"],
        &["earlier", "now", "change", "entries", "exits"],
    );
    head.extend([th("entering", false), th("leaving", false)]);
    format!(
        r#"<div class="card"><h3>Standalone segments</h3><p class="caption">Entries: members now and not before; exits: members before and not now (entities in both runs)</p><div class="scroll">{}</div></div>"#,
        table("data", &head, &rows)
    )
}

fn segment_row(report: &Report, s: &SegmentDiff) -> String {
    let label = report
        .segments
        .iter()
        .find(|g| g.name == s.name)
        .and_then(|g| g.label.as_deref());
    let cells = [
        td(
            &format!("{}{}", name_html(&s.name, label), presence_pill(s.presence)),
            false,
        ),
        td(&thousands(s.old_size), true),
        td(&thousands(s.new_size), true),
        td(&signed(s.old_size, s.new_size), true),
        td(&thousands(s.entries.count), true),
        td(&thousands(s.exits.count), true),
        td(&sample_html(&s.entries), false),
        td(&sample_html(&s.exits), false),
    ];
    let still = s.entries.count + s.exits.count == 0;
    tr(if still { "empty" } else { "" }, &cells)
}

/// `new - old` with its sign: `+5`, `-3`, `0`.
fn signed(old: u64, new: u64) -> String {
    match new.cmp(&old) {
        std::cmp::Ordering::Greater => format!("+{}", thousands(new - old)),
        std::cmp::Ordering::Less => format!("-{}", thousands(old - new)),
        std::cmp::Ordering::Equal => "0".to_string(),
    }
}

/// Who changes membership, per campaign that changed; the others named on one line.
fn campaigns_card(campaigns: &[CampaignDiff]) -> String {
    if campaigns.is_empty() {
        return String::new();
    }
    let (unchanged, changed): (Vec<&CampaignDiff>, Vec<&CampaignDiff>) =
        campaigns.iter().partition(|c| c.is_unchanged());
    let blocks: String = changed.iter().map(|c| campaign_block(c)).collect();
    let names: Vec<String> = unchanged
        .iter()
        .map(|c| format!("<code>{}</code>", escape(&c.name)))
        .collect();
    let rest = if names.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="caption">Unchanged: {}</p>"#, names.join(", "))
    };
    format!(
        r#"<div class="card"><h3>Campaign membership</h3><p class="caption">Entities whose variant changed, by campaign (<i>(none)</i>: not accepted; <code>holdout</code>: the control group)</p>{blocks}{rest}</div>"#
    )
}

/// One campaign's title and its changes.
fn campaign_block(c: &CampaignDiff) -> String {
    let variant = |name: &Option<String>| escape(name.as_deref().unwrap_or(NONE));
    let changes = if c.changes.is_empty() {
        String::new()
    } else {
        moves_table(&c.changes, variant)
    };
    format!(
        r#"<p class="moved-campaign"><code>{}</code>{} <span class="muted">{} changed</span></p>{changes}"#,
        escape(&c.name),
        presence_pill(c.presence),
        thousands(c.changed())
    )
}
