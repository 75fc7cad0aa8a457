//! Report stage, HTML: a campaign's funnel (audience → eligible → candidates →
//! accepted, split into holdout and variants) and gauges of cost against budget.

use super::super::model::CampaignReport;
use super::svg::{ACCENT, CUT, HOLDOUT, Svg, TRACK, category};
use super::text::{escape, percent, px, ratio, thousands};

/// Room for the stage names.
const LABEL_WIDTH: f64 = 100.0;
/// Length of the audience's bar.
const BAR_WIDTH: f64 = 520.0;
/// Room for a stage's count and share.
const VALUE_WIDTH: f64 = 150.0;
/// Room for what left between two stages.
const DROP_WIDTH: f64 = 250.0;
/// Height of one stage's row.
const ROW: f64 = 40.0;

/// A piece of a stage's bar.
struct Piece {
    value: u64,
    colour: &'static str,
    tip: String,
}

/// One stage: its name, count, bar pieces, and what left since the stage before.
struct Stage {
    name: &'static str,
    count: u64,
    pieces: Vec<Piece>,
    drop: Option<(u64, &'static str)>,
}

/// A piece named `name` (for its tooltip).
fn piece(name: &str, value: u64, colour: &'static str) -> Piece {
    let tip = format!("{name}: {}", thousands(value));
    Piece { value, colour, tip }
}

fn stages(c: &CampaignReport) -> [Stage; 4] {
    let cut_by = match c.cut_at.as_ref().map(|cut| cut.limit.as_str()) {
        Some("cap") => "cut by the cap",
        Some(_) => "cut by the budget",
        None => "cut",
    };
    let variants = c.variants.iter().enumerate();
    let accepted = std::iter::once(piece("holdout", c.holdout, HOLDOUT))
        .chain(variants.map(|(i, v)| piece(&v.name, v.treated, category(i))))
        .collect();
    let policy = c.audience.saturating_sub(c.eligible);
    [
        Stage {
            name: "Audience",
            count: c.audience,
            pieces: vec![piece("audience", c.audience, "#b9c6ea")],
            drop: None,
        },
        Stage {
            name: "Eligible",
            count: c.eligible,
            pieces: vec![piece("eligible", c.eligible, "#8ea3de")],
            drop: Some((policy, "held back by the policy")),
        },
        Stage {
            name: "Candidates",
            count: c.candidates,
            pieces: vec![
                piece("accepted", c.accepted, ACCENT),
                piece("cut", c.cut, CUT),
            ],
            drop: Some((c.skipped, "skipped: no action applies")),
        },
        Stage {
            name: "Accepted",
            count: c.accepted,
            pieces: accepted,
            drop: Some((c.cut, cut_by)),
        },
    ]
}

/// The funnel of a campaign as an SVG chart.
pub(super) fn funnel(c: &CampaignReport) -> String {
    let stages = stages(c);
    let max = stages.iter().map(|s| s.count).max().unwrap_or(0) as f64;
    let width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH + DROP_WIDTH;
    let mut svg = Svg::new(width, ROW * 4.0, &format!("funnel of {}", c.name));
    for (i, stage) in stages.iter().enumerate() {
        stage_row(&mut svg, stage, i as f64 * ROW, max, c.audience);
    }
    svg.finish()
}

/// One stage at height `y`: its name, its bar (the longest `max`), its count and share
/// of the audience, and what left before it.
fn stage_row(svg: &mut Svg, stage: &Stage, y: f64, max: f64, audience: u64) {
    svg.text((0.0, y + 25.0), "start", "label strong", stage.name);
    svg.rect((LABEL_WIDTH, y + 8.0, BAR_WIDTH, 24.0), TRACK, r#" rx="4""#);
    let mut x = LABEL_WIDTH;
    for p in stage.pieces.iter().filter(|p| p.value > 0) {
        let w = BAR_WIDTH * ratio(p.value as f64, max);
        svg.raw(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="24" fill="{}"><title>{}</title></rect>"#,
            px(x),
            px(y + 8.0),
            px(w),
            p.colour,
            escape(&p.tip)
        ));
        x += w;
    }
    let share = percent(ratio(stage.count as f64, audience as f64));
    let value = format!(
        r#"{}<tspan class="muted" dx="8">{share}</tspan>"#,
        thousands(stage.count)
    );
    let at = LABEL_WIDTH + BAR_WIDTH;
    svg.text((at + 12.0, y + 25.0), "start", "value strong", &value);
    if let Some((lost, why)) = stage.drop {
        let class = if lost > 0 { "drop" } else { "drop zero" };
        let text = format!("−{} {why}", thousands(lost));
        svg.text((at + VALUE_WIDTH, y + 25.0), "start", class, &text);
    }
}

/// A bullet gauge: `value` against `limit` (a marker), both drawn to the larger.
pub(super) fn gauge(title: &str, value: f64, limit: f64) -> String {
    const WIDTH: f64 = 420.0;
    let scale = value.max(limit);
    let mut svg = Svg::new(WIDTH, 26.0, title);
    svg.rect((0.0, 4.0, WIDTH, 18.0), TRACK, r#" rx="4""#);
    let over = value > limit;
    let fill = if over { "#d64545" } else { ACCENT };
    svg.rect(
        (0.0, 4.0, WIDTH * ratio(value, scale), 18.0),
        fill,
        r#" rx="4""#,
    );
    let mark = (WIDTH * ratio(limit, scale)).clamp(1.0, WIDTH - 1.0);
    svg.line((mark, 0.0), (mark, 26.0), "limit");
    svg.finish()
}
