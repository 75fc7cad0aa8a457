//! Explain stage: the power-assert drawing of a [`Node`]: its text, and under it the
//! value of every sub-expression, each hanging from the operator or name that makes it.
//!
//! ```text
//! recency <= 90
//! |       |
//! 94      false
//! ```

use unicode_width::UnicodeWidthStr;

use super::model::Node;
use super::values::literal;

/// The lines of the drawing (the first is the expression's text).
pub(super) fn draw(node: &Node) -> Vec<String> {
    let mut marks = Vec::new();
    collect(node, &mut marks);
    // Rightmost first; a column keeps the outermost sub-expression drawn there.
    marks.sort_by_key(|m| std::cmp::Reverse(m.0));
    marks.dedup_by_key(|m| m.0);
    let rows = place(&marks);
    let mut lines = vec![node.expr.clone()];
    let Some(&last) = rows.iter().max() else {
        return lines;
    };
    lines.push(line(marks.iter().map(|(c, _)| (*c, "|"))));
    for r in 0..=last {
        let items = marks.iter().zip(&rows).filter_map(|((c, label), &row)| {
            use std::cmp::Ordering::{Equal, Greater, Less};
            match row.cmp(&r) {
                Equal => Some((*c, label.as_str())),
                Greater => Some((*c, "|")),
                Less => None,
            }
        });
        lines.push(line(items));
    }
    lines
}

/// Every sub-expression whose value the text does not already show, pre-order.
fn collect(node: &Node, marks: &mut Vec<(usize, String)>) {
    if !node.literal {
        let label = match &node.error {
            Some(_) => "(overflow)".to_string(),
            None => literal(&node.value),
        };
        marks.push((node.column, label));
    }
    for part in &node.parts {
        collect(part, marks);
    }
}

/// The row of each mark (taken right to left): the first row where its label ends at
/// least one space before everything already to its right, labels and pipes alike.
fn place(marks: &[(usize, String)]) -> Vec<usize> {
    let mut leftmost: Vec<usize> = Vec::new();
    let mut rows = Vec::with_capacity(marks.len());
    for (column, label) in marks {
        let end = column + label.width();
        let row = leftmost
            .iter()
            .position(|&l| end < l)
            .unwrap_or(leftmost.len());
        if row == leftmost.len() {
            leftmost.push(usize::MAX);
        }
        // The label in its row, and its pipe in every row above.
        leftmost[..=row].iter_mut().for_each(|l| *l = *column);
        rows.push(row);
    }
    rows
}

/// One line from `(column, text)` items that do not overlap.
fn line<'a>(items: impl Iterator<Item = (usize, &'a str)>) -> String {
    let mut items: Vec<(usize, &str)> = items.collect();
    items.sort_by_key(|(c, _)| *c);
    let mut out = String::new();
    let mut width = 0;
    for (column, text) in items {
        out.extend(std::iter::repeat_n(' ', column.saturating_sub(width)));
        out.push_str(text);
        width = width.max(column) + text.width();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Value;

    fn node(expr: &str, column: usize, value: Value, parts: Vec<Node>) -> Node {
        Node {
            expr: expr.to_string(),
            value,
            error: None,
            parts,
            events: None,
            statistic: None,
            column,
            literal: false,
        }
    }

    #[test]
    fn values_hang_under_their_operators() {
        let mut ninety = node("90", 11, Value::Int(90), Vec::new());
        ninety.literal = true;
        let recency = node("recency", 0, Value::Int(94), Vec::new());
        let root = node(
            "recency <= 90",
            8,
            Value::Bool(false),
            vec![recency, ninety],
        );
        assert_eq!(
            draw(&root).join("\n"),
            "recency <= 90\n|       |\n94      false"
        );
    }

    #[test]
    fn long_values_move_down() {
        let a = node("a", 0, Value::Str("long text".into()), Vec::new());
        let b = node("b", 5, Value::Int(1), Vec::new());
        let root = node("a == b", 2, Value::Bool(false), vec![a, b]);
        assert_eq!(
            draw(&root).join("\n"),
            "a == b\n| |  |\n| |  1\n| false\n\"long text\""
        );
    }
}
