//! Report stage, HTML: the budget curve — accepted and treated entities at 25 % to
//! 200 % of a campaign's budget.

use super::super::model::BudgetPoint;
use super::svg::{ACCENT, Svg, category};
use super::text::{decimal, escape, px, thousands};

const WIDTH: f64 = 460.0;
const HEIGHT: f64 = 230.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 48.0;
/// Horizontal grid lines (besides zero).
const TICKS: f64 = 4.0;

/// A round step for about `ticks` grid lines up to `max` (at least 1).
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| raw <= m * magnitude)
        .unwrap_or(10.0);
    step * magnitude
}

/// Maps fractions of the budget and entity counts to the plot.
struct Scale {
    max_fraction: f64,
    max_count: f64,
}

impl Scale {
    fn x(&self, fraction: f64) -> f64 {
        LEFT + (WIDTH - LEFT - RIGHT) * fraction / self.max_fraction
    }

    fn y(&self, count: f64) -> f64 {
        HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * count / self.max_count
    }
}

/// The budget curve of a campaign as an SVG line chart.
pub(super) fn budget_curve(campaign: &str, points: &[BudgetPoint]) -> String {
    let top = points.iter().map(|p| p.accepted).max().unwrap_or(0) as f64;
    let step = nice_step(top, TICKS);
    let scale = Scale {
        max_fraction: points.iter().map(|p| p.fraction).fold(1.0, f64::max),
        max_count: (top / step).ceil().max(1.0) * step,
    };
    let mut svg = Svg::new(WIDTH, HEIGHT, &format!("budget curve of {campaign}"));
    grid(&mut svg, &scale, step);
    current_budget(&mut svg, &scale);
    for p in points {
        let x = scale.x(p.fraction);
        svg.text(
            (x, HEIGHT - BOTTOM + 18.0),
            "middle",
            "tick",
            &escape(&decimal(&p.budget)),
        );
        let share = format!("{:.0}%", p.fraction * 100.0);
        svg.text((x, HEIGHT - BOTTOM + 33.0), "middle", "tick muted", &share);
    }
    series(
        &mut svg,
        &scale,
        points,
        |p| p.treated,
        category(1),
        "dashed",
    );
    series(&mut svg, &scale, points, |p| p.accepted, ACCENT, "solid");
    for p in points {
        let (x, y) = (scale.x(p.fraction), scale.y(p.accepted as f64));
        svg.text((x, y - 9.0), "middle", "point", &thousands(p.accepted));
    }
    svg.finish()
}

fn grid(svg: &mut Svg, scale: &Scale, step: f64) {
    let mut value = 0.0;
    while value <= scale.max_count + 0.5 {
        let y = scale.y(value);
        svg.line((LEFT, y), (WIDTH - RIGHT, y), "grid");
        svg.text(
            (LEFT - 8.0, y + 4.0),
            "end",
            "tick",
            &thousands(value as u64),
        );
        value += step;
    }
}

fn current_budget(svg: &mut Svg, scale: &Scale) {
    let x = scale.x(1.0);
    svg.line((x, TOP - 8.0), (x, HEIGHT - BOTTOM), "marker");
    svg.text(
        (x + 5.0, HEIGHT - BOTTOM - 6.0),
        "start",
        "tick muted",
        "current budget",
    );
}

fn series(
    svg: &mut Svg,
    scale: &Scale,
    points: &[BudgetPoint],
    count: fn(&BudgetPoint) -> u64,
    colour: &str,
    style: &str,
) {
    let path: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "{},{}",
                px(scale.x(p.fraction)),
                px(scale.y(count(p) as f64))
            )
        })
        .collect();
    svg.raw(&format!(
        r#"<polyline points="{}" fill="none" stroke="{colour}" class="{style}"/>"#,
        path.join(" ")
    ));
    for p in points {
        svg.raw(&format!(
            r#"<circle cx="{}" cy="{}" r="3.5" fill="{colour}"/>"#,
            px(scale.x(p.fraction)),
            px(scale.y(count(p) as f64))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(883.0, 4.0), 250.0);
        assert_eq!(nice_step(0.0, 4.0), 1.0);
        assert_eq!(nice_step(40.0, 4.0), 10.0);
        assert_eq!(nice_step(3.0, 4.0), 1.0);
    }
}
