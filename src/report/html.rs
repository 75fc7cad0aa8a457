//! Report stage: the dry-run report as one self-contained HTML page — inline CSS and
//! inline SVG charts, no scripts, no network, the same bytes for the same report.

mod bars;
mod campaign;
mod compare;
mod curve;
mod funnel;
mod heatmap;
mod segments;
mod svg;
mod tables;
mod text;

use text::{escape, thousands};

use super::model::Report;

/// The page's style sheet, inlined into every report.
const STYLE: &str = include_str!("html/style.css");

/// Renders the report as a standalone HTML page (opens offline, no scripts).
pub fn render_html(report: &Report) -> String {
    let body = [
        header(report),
        nav(report),
        warnings(report),
        segments::segments(report),
        segments::crosstabs(report),
        campaign::section(report),
        tables::contention(report),
        tables::metrics(report),
        compare::section(report),
        inputs(report),
        footer(),
    ]
    .concat();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>seg dry-run · {} · {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        escape(&report.program),
        escape(&report.as_of)
    )
}

/// A name for prose and tables: its label, then the name in a quieter code style; an
/// unlabelled name stands alone.
fn name_html(name: &str, label: Option<&str>) -> String {
    match label {
        Some(label) => format!(
            r#"<span class="lbl">{}</span> <code class="key">{}</code>"#,
            escape(label),
            escape(name)
        ),
        None => format!(r#"<span class="lbl">{}</span>"#, escape(name)),
    }
}

/// A small rounded badge; `kind` is `ok`, `bad`, `off` or `plain`.
fn pill(kind: &str, text: &str) -> String {
    format!(r#"<span class="pill {kind}">{}</span>"#, escape(text))
}

/// A headline number with a caption above and a note below (`value` is plain text).
fn kpi(caption: &str, value: &str, note: &str) -> String {
    format!(
        r#"<div class="kpi"><span class="kpi-caption">{}</span><span class="kpi-value">{}</span><span class="kpi-note">{}</span></div>"#,
        escape(caption),
        escape(value),
        escape(note)
    )
}

/// A header cell (`numeric` right-aligns it); `text` is plain text.
fn th(text: &str, numeric: bool) -> String {
    let class = if numeric { r#" class="num""# } else { "" };
    format!("<th{class}>{}</th>", escape(text))
}

/// Header cells: `texts` left-aligned, then `numbers` right-aligned.
fn heads(texts: &[&str], numbers: &[&str]) -> Vec<String> {
    let texts = texts.iter().map(|t| th(t, false));
    texts.chain(numbers.iter().map(|t| th(t, true))).collect()
}

/// A data cell (`numeric` right-aligns it); `markup` is already escaped.
fn td(markup: &str, numeric: bool) -> String {
    let class = if numeric { r#" class="num""# } else { "" };
    format!("<td{class}>{markup}</td>")
}

/// A table row; `class` may be empty.
fn tr(class: &str, cells: &[String]) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(r#" class="{class}""#)
    };
    format!("<tr{class}>{}</tr>", cells.concat())
}

/// A table with a header row and body rows (markup).
fn table(class: &str, head: &[String], rows: &str) -> String {
    format!(
        r#"<table class="{class}"><thead><tr>{}</tr></thead><tbody>{rows}</tbody></table>"#,
        head.concat()
    )
}

fn header(report: &Report) -> String {
    let file = report
        .program
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&report.program);
    let active = report.campaigns.iter().filter(|c| c.active).count();
    let warnings = report.warnings.len();
    let tiles = [
        kpi("Entities", &thousands(report.entities), "loaded"),
        kpi("As of", &report.as_of, "report date"),
        kpi(
            "Campaigns",
            &thousands(report.campaigns.len() as u64),
            &format!("{active} active"),
        ),
        kpi(
            "Warnings",
            &thousands(warnings as u64),
            if warnings == 0 {
                "all clear"
            } else {
                "see below"
            },
        ),
    ]
    .concat();
    format!(
        r#"<header class="hero"><div class="eyebrow">seg · dry-run report</div><h1>{}</h1><p class="path"><code>{}</code> as of <b>{}</b></p><div class="kpis">{tiles}</div></header>"#,
        escape(file),
        escape(&report.program),
        escape(&report.as_of)
    )
}

fn nav(report: &Report) -> String {
    let mut links = vec![("warnings", "Warnings"), ("segments", "Segments")];
    if !report.crosstabs.is_empty() {
        links.push(("crosstabs", "Crosstabs"));
    }
    if !report.campaigns.is_empty() {
        links.push(("campaigns", "Campaigns"));
    }
    if !report.contention.is_empty() {
        links.push(("contention", "Contention"));
    }
    if !report.metrics.names.is_empty() {
        links.push(("metrics", "Metrics"));
    }
    if report.compare.is_some() {
        links.push(("compare", "Changes"));
    }
    links.push(("inputs", "Inputs"));
    let links: String = links
        .iter()
        .map(|(id, title)| format!(r##"<a href="#{id}">{title}</a>"##))
        .collect();
    format!(r#"<nav>{links}</nav>"#)
}

/// A warning with its backticked names as code.
fn warning_html(warning: &str) -> String {
    warning
        .split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(piece))
            } else {
                escape(piece)
            }
        })
        .collect()
}

fn warnings(report: &Report) -> String {
    if report.warnings.is_empty() {
        return r#"<section id="warnings" class="all-clear">No warnings: nothing to look at before sending.</section>"#.to_string();
    }
    let items: String = report
        .warnings
        .iter()
        .map(|w| format!("<li>{}</li>", warning_html(w)))
        .collect();
    format!(
        r#"<section id="warnings" class="warnings"><h2>⚠ {} to look at before sending</h2><ul>{items}</ul></section>"#,
        match report.warnings.len() {
            1 => "1 warning".to_string(),
            n => format!("{n} warnings"),
        }
    )
}

fn inputs(report: &Report) -> String {
    format!(
        r#"<section id="inputs"><h2>Inputs</h2><div class="card">{}</div></section>"#,
        tables::inputs(report)
    )
}

fn footer() -> String {
    r#"<footer>Written by <code>seg dry-run</code>: nothing was sent and no output files were written. The same inputs always give the same report.</footer>"#.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::model::*;
    use super::*;

    fn empty() -> Report {
        Report {
            program: "empty.seg".into(),
            as_of: "2026-06-30".into(),
            entities: 0,
            inputs: Vec::new(),
            segmentations: Vec::new(),
            segments: Vec::new(),
            crosstabs: Vec::new(),
            campaigns: Vec::new(),
            contention: Vec::new(),
            metrics: MetricTable {
                names: Vec::new(),
                labels: Vec::new(),
                rows: Vec::new(),
            },
            warnings: Vec::new(),
            compare: None,
        }
    }

    fn group(name: &str, label: Option<&str>, size: u64) -> GroupSize {
        GroupSize {
            name: name.into(),
            label: label.map(Into::into),
            size,
            share: 0.0,
        }
    }

    #[test]
    fn an_empty_report_renders_a_whole_page() {
        let html = render_html(&empty());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.ends_with("</html>\n"));
        assert!(html.contains("No warnings"));
        assert!(html.contains("The program declares no segments."));
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let hostile = "<b>\"x\"&'y'</b>";
        let mut report = empty();
        report.program = hostile.into();
        report.segmentations.push(SegmentationSizes {
            name: "s".into(),
            label: Some(hostile.into()),
            segments: vec![group("a", Some(hostile), 0), group("(none)", None, 0)],
        });
        report.segments.push(group("v", Some(hostile), 0));
        report.warnings.push(format!("segment `{hostile}` is odd"));
        let html = render_html(&report);
        assert!(!html.contains(hostile), "raw user text in the page");
        assert!(html.contains("&lt;b&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/b&gt;"));
    }

    #[test]
    fn the_same_report_gives_the_same_bytes() {
        let mut report = empty();
        report.entities = 3;
        report.segments.push(group("v", None, 2));
        assert_eq!(render_html(&report), render_html(&report));
    }
}
