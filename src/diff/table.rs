//! Diff renderings: one table type, printed as aligned text or as a GitHub-flavoured
//! Markdown table.

use unicode_width::UnicodeWidthStr;

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    /// Names and keys.
    Left,
    /// Numbers.
    Right,
}

/// A table: a header row and body rows of the same width.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// Column titles.
    header: Vec<String>,
    /// Alignment per column.
    align: Vec<Align>,
    /// Body rows.
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<(String, Align)>) -> Table {
        let (header, align) = columns.into_iter().unzip();
        Table {
            header,
            align,
            rows: Vec::new(),
        }
    }

    /// Adds a body row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Aligned text, each line indented by `indent` and without trailing spaces.
    pub fn text(&self, indent: &str) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| self.lines().map(|row| row[c].width()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in self.lines() {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .zip(&self.align)
                .map(|((cell, &width), &align)| pad(cell, width, align))
                .collect();
            out.push_str(indent);
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured Markdown table (`|` in cells escaped).
    pub fn markdown(&self) -> String {
        let rule: Vec<&str> = self
            .align
            .iter()
            .map(|a| match a {
                Align::Left => "---",
                Align::Right => "--:",
            })
            .collect();
        let mut out = markdown_row(&self.header);
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            out.push_str(&markdown_row(row));
        }
        out
    }

    /// The header, then the body rows.
    fn lines(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.header).chain(&self.rows)
    }
}

/// A cell padded to `width` display columns.
fn pad(cell: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(cell.width()));
    match align {
        Align::Left => format!("{cell}{fill}"),
        Align::Right => format!("{fill}{cell}"),
    }
}

fn markdown_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}
