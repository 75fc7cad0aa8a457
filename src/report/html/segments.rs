//! Report stage, HTML: segment sizes (a composition strip and bars per segmentation,
//! bars for the standalone segments) and crosstabs as heatmaps.

use super::super::model::{Crosstab, GroupSize, Report, SegmentationSizes};
use super::bars::{Bar, Part, bar_chart, stacked};
use super::heatmap::{Axes, heatmap};
use super::name_html;
use super::svg::{ACCENT, NONE, Name, category};
use super::text::{escape, percent, thousands};

fn group_name(g: &GroupSize) -> Name<'_> {
    Name {
        name: &g.name,
        label: g.label.as_deref(),
    }
}

/// The colour of the `i`-th of a segmentation's groups (the last one is `(none)`).
fn segment_colour(s: &SegmentationSizes, i: usize) -> &'static str {
    if i + 1 == s.segments.len() {
        NONE
    } else {
        category(i)
    }
}

fn segmentation_card(s: &SegmentationSizes) -> String {
    let bars: Vec<Bar> = s
        .segments
        .iter()
        .enumerate()
        .map(|(i, g)| Bar {
            name: group_name(g),
            size: g.size,
            share: g.share,
            colour: segment_colour(s, i),
        })
        .collect();
    let parts: Vec<Part> = s
        .segments
        .iter()
        .enumerate()
        .map(|(i, g)| Part {
            value: g.size,
            colour: segment_colour(s, i),
            tip: format!("{}: {} ({})", g.name, thousands(g.size), percent(g.share)),
        })
        .collect();
    format!(
        r#"<div class="card"><h3>{}</h3><span class="stack wide">{}</span>{}</div>"#,
        name_html(&s.name, s.label.as_deref()),
        stacked(&format!("composition of {}", s.name), &parts, 520.0, 12.0),
        bar_chart(&format!("segment sizes of {}", s.name), &bars)
    )
}

/// Segment sizes: a card per segmentation, one for the standalone segments.
pub(super) fn segments(report: &Report) -> String {
    let mut cards: Vec<String> = report.segmentations.iter().map(segmentation_card).collect();
    if !report.segments.is_empty() {
        let bars: Vec<Bar> = report
            .segments
            .iter()
            .map(|g| Bar {
                name: group_name(g),
                size: g.size,
                share: g.share,
                colour: ACCENT,
            })
            .collect();
        cards.push(format!(
            r#"<div class="card"><h3>Standalone segments</h3><p class="caption">They may overlap: shares are of all {} entities</p>{}</div>"#,
            thousands(report.entities),
            bar_chart("standalone segment sizes", &bars)
        ));
    }
    if cards.is_empty() {
        cards
            .push(r#"<div class="card muted">The program declares no segments.</div>"#.to_string());
    }
    format!(
        r#"<section id="segments"><h2>Segments</h2><div class="grid">{}</div></section>"#,
        cards.concat()
    )
}

/// The names and labels of a segmentation's groups, `(none)` unlabelled.
fn axis<'a>(report: &'a Report, segmentation: &str, names: &'a [String]) -> Vec<Name<'a>> {
    let sizes = report.segmentations.iter().find(|s| s.name == segmentation);
    names
        .iter()
        .map(|name| Name {
            name,
            label: sizes
                .and_then(|s| s.segments.iter().find(|g| &g.name == name))
                .and_then(|g| g.label.as_deref()),
        })
        .collect()
}

fn segmentation_title(report: &Report, name: &str) -> String {
    let label = report
        .segmentations
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.label.as_deref());
    name_html(name, label)
}

fn crosstab_card(report: &Report, t: &Crosstab) -> String {
    let axes = Axes {
        rows: axis(report, &t.rows, &t.row_names),
        columns: axis(report, &t.columns, &t.column_names),
    };
    format!(
        r#"<div class="card"><h3>{} <span class="times">×</span> {}</h3><p class="caption">rows: {}, columns: {}; darker cells hold more entities</p><div class="scroll">{}</div></div>"#,
        segmentation_title(report, &t.rows),
        segmentation_title(report, &t.columns),
        escape(&t.rows),
        escape(&t.columns),
        heatmap(t, &axes, report.entities)
    )
}

/// A heatmap card per crosstab (empty without crosstabs).
pub(super) fn crosstabs(report: &Report) -> String {
    if report.crosstabs.is_empty() {
        return String::new();
    }
    let cards: String = report
        .crosstabs
        .iter()
        .map(|t| crosstab_card(report, t))
        .collect();
    format!(r#"<section id="crosstabs"><h2>Crosstabs</h2>{cards}</section>"#)
}
