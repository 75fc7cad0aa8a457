//! Report stage, HTML: bar charts and stacked bars (segment sizes, who won what).

use super::svg::{NONE, Name, Svg, TRACK};
use super::text::{escape, percent, px, ratio, thousands};

/// Font size of chart labels.
const FONT: f64 = 13.0;
/// Height of one bar's row.
const ROW: f64 = 28.0;
/// Length of the longest bar.
const TRACK_WIDTH: f64 = 220.0;
/// Room for the count and share after a bar.
const VALUE_WIDTH: f64 = 110.0;

/// One bar: a named group, its size and share of all entities.
pub(super) struct Bar<'a> {
    /// Its name and label.
    pub(super) name: Name<'a>,
    /// Entities in it.
    pub(super) size: u64,
    /// Its share of all entities.
    pub(super) share: f64,
    /// Its colour.
    pub(super) colour: &'a str,
}

/// Horizontal bars, the longest for the biggest group, each with its count and share.
pub(super) fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let label_width = bars.iter().map(|b| b.name.width(FONT)).fold(0.0, f64::max) + 14.0;
    let max = bars.iter().map(|b| b.size).max().unwrap_or(0) as f64;
    let height = ROW * bars.len() as f64 + 4.0;
    let mut svg = Svg::new(label_width + TRACK_WIDTH + VALUE_WIDTH, height, title);
    for (i, bar) in bars.iter().enumerate() {
        let y = i as f64 * ROW;
        let length = TRACK_WIDTH * ratio(bar.size as f64, max);
        svg.text(
            (label_width - 10.0, y + 19.0),
            "end",
            "label",
            &bar.name.tspans(),
        );
        svg.rect(
            (label_width, y + 6.0, TRACK_WIDTH, 16.0),
            TRACK,
            r#" rx="3""#,
        );
        let tip = format!(
            "<title>{}: {} ({})</title>",
            escape(bar.name.name),
            thousands(bar.size),
            percent(bar.share)
        );
        svg.raw(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="16" rx="3" fill="{}">{tip}</rect>"#,
            px(label_width),
            px(y + 6.0),
            px(length),
            bar.colour
        ));
        svg.text(
            (label_width + TRACK_WIDTH + 10.0, y + 19.0),
            "start",
            "value",
            &format!(
                r#"{}<tspan class="muted" dx="8">{}</tspan>"#,
                thousands(bar.size),
                percent(bar.share)
            ),
        );
    }
    svg.finish()
}

/// One part of a stacked bar.
pub(super) struct Part {
    /// How many entities.
    pub(super) value: u64,
    /// Its colour.
    pub(super) colour: &'static str,
    /// Its tooltip (plain text).
    pub(super) tip: String,
}

/// A bar `width` wide split into parts by value (a pale bar when all are zero).
pub(super) fn stacked(title: &str, parts: &[Part], width: f64, height: f64) -> String {
    let total: u64 = parts.iter().map(|p| p.value).sum();
    let mut svg = Svg::new(width, height, title);
    svg.rect((0.0, 0.0, width, height), NONE, r#" rx="3""#);
    let mut x = 0.0;
    for part in parts.iter().filter(|p| p.value > 0) {
        let w = width * ratio(part.value as f64, total as f64);
        svg.raw(&format!(
            r#"<rect x="{}" y="0" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
            px(x),
            px(w),
            px(height),
            part.colour,
            escape(&part.tip)
        ));
        x += w;
    }
    svg.finish()
}
