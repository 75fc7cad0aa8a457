//! Report stage: the dry-run report as terminal text (coloured on a terminal).

use std::fmt::Write;

use owo_colors::OwoColorize;
use unicode_width::UnicodeWidthStr;

use super::model::*;
use super::numbers::thousands;
use crate::diff::render_changes;

/// Renders the report as text; `colour` adds ANSI styles.
pub fn render(report: &Report, colour: bool) -> String {
    let mut out = Out {
        text: String::new(),
        colour,
    };
    out.line(&format!(
        "seg dry-run {} as of {}: {} entities",
        report.program,
        report.as_of,
        thousands(report.entities)
    ));
    inputs(&mut out, report);
    segmentations(&mut out, report);
    campaigns(&mut out, report);
    contention(&mut out, report);
    metrics(&mut out, report);
    compare(&mut out, report);
    warnings(&mut out, report);
    out.text
}

struct Out {
    text: String,
    colour: bool,
}

impl Out {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn heading(&mut self, s: &str) {
        self.text.push('\n');
        let styled = if self.colour {
            s.bold().to_string()
        } else {
            s.to_string()
        };
        self.line(&styled);
    }

    fn warn(&self, s: &str) -> String {
        if self.colour {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }

    fn table(&mut self, indent: usize, rows: &[Vec<String>]) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in rows {
            let mut line = " ".repeat(indent);
            for (c, cell) in row.iter().enumerate() {
                let pad = widths[c].saturating_sub(cell.width());
                let numeric = cell
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_digit() || ch == '-');
                if numeric && c > 0 {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
                line.push_str("  ");
            }
            self.line(line.trim_end());
        }
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn bar(share: f64) -> String {
    "█".repeat((share * 30.0).round() as usize)
}

fn inputs(out: &mut Out, report: &Report) {
    out.heading("Inputs");
    let rows: Vec<Vec<String>> = report
        .inputs
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                format!("{} rows", thousands(i.read)),
                format!("{} after as_of", thousands(i.after_as_of)),
                format!("{} orphans", thousands(i.orphans)),
                format!("{} rejected", thousands(i.rejects)),
            ]
        })
        .collect();
    out.table(2, &rows);
}

fn group_rows(groups: &[GroupSize]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                g.label.clone().unwrap_or_default(),
                thousands(g.size),
                percent(g.share),
                bar(g.share),
            ]
        })
        .collect()
}

fn segmentations(out: &mut Out, report: &Report) {
    for s in &report.segmentations {
        out.heading(&format!(
            "Segmentation {}{}",
            s.name,
            s.label.as_ref().map_or(String::new(), |l| format!(" {l}"))
        ));
        out.table(2, &group_rows(&s.segments));
    }
    if !report.segments.is_empty() {
        out.heading("Segments");
        out.table(2, &group_rows(&report.segments));
    }
}

fn campaigns(out: &mut Out, report: &Report) {
    for c in &report.campaigns {
        let label = c.label.as_ref().map_or(String::new(), |l| format!(" {l}"));
        out.heading(&format!(
            "Campaign {}{label} (priority {})",
            c.name, c.priority
        ));
        if !c.active {
            let text = out.warn("  inactive: as_of is outside its window");
            out.line(&text);
            continue;
        }
        out.line(&funnel(c));
        out.line(&format!(
            "  cost {}{}{}",
            c.cost,
            c.budget
                .as_ref()
                .map_or(String::new(), |b| format!(" of budget {b}")),
            c.cap.map_or(String::new(), |k| format!(", cap {k}"))
        ));
        if let Some(cut) = &c.cut_at {
            out.line(&format!(
                "  the {} ran out at position {} (key {}, rank by {})",
                cut.limit,
                thousands(cut.position),
                cut.key,
                cut.rank_values.join(", ")
            ));
        }
        budget_curve(out, c);
        balance(out, c);
        for sample in &c.samples {
            out.line(&format!(
                "  sample {}: {}",
                sample.variant,
                sample.keys.join(", ")
            ));
        }
    }
}

fn funnel(c: &CampaignReport) -> String {
    let split: Vec<String> = std::iter::once(format!("holdout {}", thousands(c.holdout)))
        .chain(
            c.variants
                .iter()
                .map(|v| format!("{} {}", v.name, thousands(v.treated))),
        )
        .collect();
    format!(
        "  audience {} → eligible {} → skipped {} → candidates {} → {} → cut {} → accepted {}",
        thousands(c.audience),
        thousands(c.eligible),
        thousands(c.skipped),
        thousands(c.candidates),
        split.join(" / "),
        thousands(c.cut),
        thousands(c.accepted)
    )
}

fn budget_curve(out: &mut Out, c: &CampaignReport) {
    if c.budget_curve.is_empty() {
        return;
    }
    out.line("  budget curve:");
    let rows: Vec<Vec<String>> = c
        .budget_curve
        .iter()
        .map(|p| {
            vec![
                format!("{:.0}%", p.fraction * 100.0),
                format!("budget {}", p.budget),
                format!("{} accepted", thousands(p.accepted)),
                format!("{} treated", thousands(p.treated)),
                format!("cost {}", p.cost),
            ]
        })
        .collect();
    out.table(4, &rows);
}

fn balance(out: &mut Out, c: &CampaignReport) {
    let Some(b) = &c.balance else { return };
    let groups: Vec<String> = b
        .groups
        .iter()
        .map(|g| {
            format!(
                "{} {} (expected {:.1})",
                g.name,
                thousands(g.observed),
                g.expected
            )
        })
        .collect();
    let verdict = if b.mismatch {
        out.warn("MISMATCH")
    } else {
        "ok".to_string()
    };
    out.line(&format!(
        "  split: {}; chi-square {:.2}, p = {:.3} {verdict}",
        groups.join(", "),
        b.chi_square,
        b.p_value
    ));
    for cov in &b.covariates {
        let show = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
        let verdict = if cov.flagged {
            out.warn("IMBALANCED")
        } else {
            "ok".to_string()
        };
        out.line(&format!(
            "    {}: holdout {} vs treated {}, SMD {} {verdict}",
            cov.metric,
            show(cov.holdout_mean),
            show(cov.treated_mean),
            show(cov.smd)
        ));
    }
}

fn contention(out: &mut Out, report: &Report) {
    if report.contention.is_empty() {
        return;
    }
    out.heading("Entities in several audiences");
    for c in &report.contention {
        let won: Vec<String> = c
            .won_by
            .iter()
            .map(|w| format!("{} {}", w.campaign, thousands(w.entities)))
            .collect();
        out.line(&format!(
            "  {} in {}: {}",
            thousands(c.entities),
            c.campaigns.join(" + "),
            won.join(", ")
        ));
    }
}

fn metrics(out: &mut Out, report: &Report) {
    if report.metrics.names.is_empty() {
        return;
    }
    out.heading("Metrics");
    let mut rows = vec![
        std::iter::once("group".to_string())
            .chain(std::iter::once("size".to_string()))
            .chain(report.metrics.names.iter().cloned())
            .collect::<Vec<_>>(),
    ];
    for row in &report.metrics.rows {
        let mut cells = vec![row.group.clone(), thousands(row.size)];
        cells.extend(row.values.iter().map(|v| short_number(v)));
        rows.push(cells);
    }
    out.table(2, &rows);
}

/// A float with many digits shortened to four decimals for reading (the JSON keeps all).
fn short_number(text: &str) -> String {
    match (text.parse::<f64>(), text.split_once('.')) {
        (Ok(x), Some((_, frac))) if frac.len() > 4 => {
            let mut s = format!("{x:.4}");
            while s.ends_with('0') {
                s.pop();
            }
            s
        }
        _ => text.to_string(),
    }
}

/// With `--compare`: how the assignments moved since the earlier run, as `seg diff`
/// prints them (campaigns with their membership changes only), indented.
fn compare(out: &mut Out, report: &Report) {
    let Some(comparison) = &report.compare else {
        return;
    };
    out.heading(&format!("Changes since {}", comparison.previous));
    for line in render_changes(&comparison.diff).lines() {
        if line.is_empty() {
            out.line("");
        } else {
            out.line(&format!("  {line}"));
        }
    }
}

fn warnings(out: &mut Out, report: &Report) {
    if report.warnings.is_empty() {
        return;
    }
    out.heading("Warnings");
    for w in &report.warnings {
        let text = out.warn(&format!("  ! {w}"));
        out.line(&text);
    }
    let _ = writeln!(out.text);
}
