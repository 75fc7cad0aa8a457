//! Report stage, HTML: a tiny inline-SVG writer and the report's colours.

use super::text::{escape, px, text_width};

/// Colours of categories (segments, variants, campaigns), in order.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948", "#9c755f",
    "#ff9da7", "#8cd17d", "#a0cbe8", "#d4a6c8",
];

/// The colour of the holdout.
pub(super) const HOLDOUT: &str = "#8a94a6";
/// The colour of the unassigned `(none)` and of nobody.
pub(super) const NONE: &str = "#cfd5dd";
/// The colour of cut candidates.
pub(super) const CUT: &str = "#f1a7a1";
/// The colour of single-series charts.
pub(super) const ACCENT: &str = "#3f63c7";
/// The colour of chart tracks and grid lines.
pub(super) const TRACK: &str = "#edf0f4";

/// The colour of the `i`-th category.
pub(super) fn category(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A heatmap cell colour for `t` in 0..=1 (pale to deep blue), and whether its text
/// should be light.
pub(super) fn heat(t: f64) -> (String, bool) {
    let t = t.clamp(0.0, 1.0);
    let (low, high) = ([240.0, 244.0, 252.0], [32.0, 64.0, 160.0]);
    let channel = |i: usize| (low[i] + (high[i] - low[i]) * t).round() as u8;
    let colour = format!("#{:02x}{:02x}{:02x}", channel(0), channel(1), channel(2));
    (colour, t > 0.5)
}

/// An SVG picture being drawn, in pixels.
pub(super) struct Svg {
    width: f64,
    height: f64,
    title: String,
    body: String,
}

impl Svg {
    /// An empty picture with an accessible title.
    pub(super) fn new(width: f64, height: f64, title: &str) -> Self {
        Svg {
            width,
            height,
            title: escape(title),
            body: String::new(),
        }
    }

    /// A rectangle; `extra` holds more attributes, already escaped.
    pub(super) fn rect(&mut self, (x, y, w, h): (f64, f64, f64, f64), fill: &str, extra: &str) {
        self.body.push_str(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{extra}/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
        ));
    }

    /// A line from `a` to `b`; `class` styles it.
    pub(super) fn line(&mut self, a: (f64, f64), b: (f64, f64), class: &str) {
        self.body.push_str(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="{class}"/>"#,
            px(a.0),
            px(a.1),
            px(b.0),
            px(b.1)
        ));
    }

    /// A text at `(x, y)` (baseline); `anchor` is `start`, `middle` or `end` and
    /// `content` is markup (escaped text or `tspan`s).
    pub(super) fn text(&mut self, (x, y): (f64, f64), anchor: &str, class: &str, content: &str) {
        self.body.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="{anchor}" class="{class}">{content}</text>"#,
            px(x),
            px(y)
        ));
    }

    /// Raw markup, already escaped.
    pub(super) fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    /// The finished `<svg>` element.
    pub(super) fn finish(self) -> String {
        format!(
            r#"<svg class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title>{}</svg>"#,
            self.body,
            w = px(self.width),
            h = px(self.height),
            t = self.title,
        )
    }
}

/// A name for charts: its label (if any) first, then the name in a quieter style.
pub(super) struct Name<'a> {
    /// The program name (`newcomer`).
    pub(super) name: &'a str,
    /// Its label (`新入会`), if any.
    pub(super) label: Option<&'a str>,
}

impl Name<'_> {
    /// The name as SVG text content.
    pub(super) fn tspans(&self) -> String {
        match self.label {
            Some(label) => format!(
                r#"{}<tspan class="key" dx="6">{}</tspan>"#,
                escape(label),
                escape(self.name)
            ),
            None => escape(self.name),
        }
    }

    /// Its rough width at `font_size` (the name is drawn smaller after a label).
    pub(super) fn width(&self, font_size: f64) -> f64 {
        match self.label {
            Some(label) => {
                text_width(label, font_size) + 6.0 + text_width(self.name, font_size * 0.85)
            }
            None => text_width(self.name, font_size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_runs_from_pale_to_deep() {
        assert_eq!(heat(0.0), ("#f0f4fc".to_string(), false));
        assert_eq!(heat(1.0), ("#2040a0".to_string(), true));
    }

    #[test]
    fn svg_escapes_its_title() {
        let svg = Svg::new(10.0, 10.0, "a<b").finish();
        assert!(svg.contains("<title>a&lt;b</title>"));
    }
}
