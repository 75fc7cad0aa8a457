//! Report stage, HTML: a crosstab as a heatmap — one segmentation's segments (rows)
//! against another's (columns), cells coloured by count, with totals.

use super::super::model::Crosstab;
use super::svg::{Name, Svg, heat};
use super::text::{escape, percent, px, ratio, text_width, thousands};

const FONT: f64 = 13.0;
const HEADER: f64 = 46.0;
const ROW: f64 = 34.0;
const GAP: f64 = 3.0;

/// A crosstab's axes: the names and labels of its rows and columns.
pub(super) struct Axes<'a> {
    /// Row segments, then `(none)`.
    pub(super) rows: Vec<Name<'a>>,
    /// Column segments, then `(none)`.
    pub(super) columns: Vec<Name<'a>>,
}

/// Where the cells and totals go.
struct Layout {
    row_header: f64,
    cell: f64,
}

impl Layout {
    fn new(axes: &Axes) -> Self {
        let row_header = axes.rows.iter().map(|n| n.width(FONT)).fold(80.0, f64::max) + 16.0;
        let widest = axes.columns.iter().map(column_width).fold(64.0, f64::max);
        Layout {
            row_header,
            cell: widest + 14.0,
        }
    }

    /// The left edge of column `c` (the totals are column `columns`).
    fn x(&self, c: usize) -> f64 {
        self.row_header + c as f64 * self.cell
    }

    /// The middle of column `c`.
    fn centre(&self, c: usize) -> f64 {
        self.x(c) + self.cell / 2.0
    }

    /// The top of row `r` (the totals are row `rows`).
    fn y(r: usize) -> f64 {
        HEADER + r as f64 * ROW
    }

    /// The text baseline of row `r`.
    fn baseline(r: usize) -> f64 {
        Self::y(r) + ROW / 2.0 + 5.0
    }
}

/// A column header's width: its label on one line, its name under it.
fn column_width(name: &Name) -> f64 {
    let label = name.label.map_or(0.0, |l| text_width(l, FONT));
    label.max(text_width(name.name, FONT * 0.85))
}

/// The heatmap of `t` (`entities` is everyone, for shares in tooltips).
pub(super) fn heatmap(t: &Crosstab, axes: &Axes, entities: u64) -> String {
    let layout = Layout::new(axes);
    let (rows, columns) = (axes.rows.len(), axes.columns.len());
    let width = layout.x(columns + 1) + 4.0;
    let height = Layout::y(rows + 1) + 4.0;
    let mut svg = Svg::new(width, height, &format!("{} against {}", t.rows, t.columns));
    headers(&mut svg, &layout, axes);
    let max = t.counts.iter().flatten().copied().max().unwrap_or(0) as f64;
    for (r, counts) in t.counts.iter().enumerate() {
        for (c, &count) in counts.iter().enumerate() {
            let tip = format!(
                "{} × {}: {} ({} of all)",
                axes.rows.get(r).map_or("", |n| n.name),
                axes.columns.get(c).map_or("", |n| n.name),
                thousands(count),
                percent(ratio(count as f64, entities as f64))
            );
            let shade = ratio(count as f64, max);
            cell(&mut svg, &layout, (r, c), (count, shade), &tip);
        }
    }
    totals(&mut svg, &layout, t);
    svg.finish()
}

fn headers(svg: &mut Svg, layout: &Layout, axes: &Axes) {
    for (c, name) in axes.columns.iter().enumerate() {
        let x = layout.centre(c);
        match name.label {
            Some(label) => {
                svg.text((x, 20.0), "middle", "label strong", &escape(label));
                svg.text((x, 36.0), "middle", "key", &escape(name.name));
            }
            None => svg.text((x, 36.0), "middle", "label strong", &escape(name.name)),
        }
    }
    let totals = layout.centre(axes.columns.len());
    svg.text((totals, 36.0), "middle", "label muted", "total");
    let right = layout.row_header - 10.0;
    for (r, name) in axes.rows.iter().enumerate() {
        svg.text((right, Layout::baseline(r)), "end", "label", &name.tspans());
    }
    let y = Layout::baseline(axes.rows.len());
    svg.text((right, y), "end", "label muted", "total");
}

/// Cell `(r, c)` holding `count`, shaded by `shade` (0..=1).
fn cell(
    svg: &mut Svg,
    layout: &Layout,
    (r, c): (usize, usize),
    (count, shade): (u64, f64),
    tip: &str,
) {
    let (x, y) = (layout.x(c), Layout::y(r));
    let (fill, light) = heat(shade);
    svg.raw(&format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{fill}"><title>{}</title></rect>"#,
        px(x + GAP / 2.0),
        px(y + GAP / 2.0),
        px(layout.cell - GAP),
        px(ROW - GAP),
        escape(tip)
    ));
    let class = match (count, light) {
        (0, _) => "cell zero",
        (_, true) => "cell light",
        (_, false) => "cell",
    };
    svg.text(
        (layout.centre(c), Layout::baseline(r)),
        "middle",
        class,
        &thousands(count),
    );
}

/// Row totals on the right, column totals at the bottom, everyone in the corner.
fn totals(svg: &mut Svg, layout: &Layout, t: &Crosstab) {
    let (rows, columns) = (t.counts.len(), t.column_names.len());
    let mut total = |c: usize, r: usize, sum: u64| {
        let at = (layout.centre(c), Layout::baseline(r));
        svg.text(at, "middle", "cell total", &thousands(sum));
    };
    for (r, counts) in t.counts.iter().enumerate() {
        total(columns, r, counts.iter().sum());
    }
    for c in 0..columns {
        total(c, rows, t.counts.iter().filter_map(|row| row.get(c)).sum());
    }
    total(columns, rows, t.counts.iter().flatten().sum());
}
