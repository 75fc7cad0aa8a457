//! Formatting stage: `test` blocks — one statement per line; records and `with { ... }`
//! filled up to the line width, continued under their first field.

use crate::syntax::ast::{
    Bound, DatasetExpectation, Expectation, Ident, RecordField, SegmentRef, TestDecl, TestStmt,
    TestStmtKind,
};

use super::items::quoted;
use super::layout::{Layout, WIDTH, width};
use super::printer::Printer;

impl Printer<'_> {
    /// `test "name" { statements }`.
    pub(super) fn test(&mut self, decl: &TestDecl) {
        let header = format!("test {}", quoted(&decl.name.value));
        let braces = (
            self.source.find(decl.name.span.end, b'{'),
            decl.span.end.saturating_sub(1),
        );
        let statements = &decl.statements;
        let first = statements.first().map(|s| s.span.start);
        self.block(0, header, braces, first, |p, seq| {
            let indent = seq.indent;
            p.sequence(
                statements,
                seq,
                |s| s.span,
                |_, _| false,
                |p, _, stmt| {
                    p.test_stmt(stmt, indent);
                },
            );
        });
    }

    /// One statement of a test.
    fn test_stmt(&mut self, stmt: &TestStmt, indent: usize) {
        match &stmt.kind {
            TestStmtKind::AsOf(date) => {
                self.push_code(indent, format!("as_of {}", date.format("%Y-%m-%d")));
            }
            TestStmtKind::Param(name, value) => {
                self.push_code(indent, format!("param {} = {value}", name.name));
            }
            TestStmtKind::Record(name, fields) => {
                let layout = self.record(format!("{} {{", name.name), fields, stmt, indent);
                self.push_layout(indent, layout);
            }
            TestStmtKind::Load(name, path) => {
                self.push_code(
                    indent,
                    format!("load {} {}", name.name, quoted(&path.value)),
                );
            }
            TestStmtKind::Expect(expectation) => self.expectation(expectation, stmt, indent),
        }
    }

    /// `expect ...`.
    fn expectation(&mut self, expectation: &Expectation, stmt: &TestStmt, indent: usize) {
        let not = |negated: bool| if negated { "not " } else { "" };
        let from = |campaign: &Option<Ident>| {
            campaign
                .as_ref()
                .map_or(String::new(), |c| format!(" from {}", c.name))
        };
        let code = match expectation {
            Expectation::InSegment {
                key,
                segment,
                negated,
            } => {
                let second = segment.second.as_ref();
                let path = second.map_or(String::new(), |s| format!(".{}", s.name));
                let key = quoted(&key.value);
                format!(
                    "expect {key} {}in {}{path}",
                    not(*negated),
                    segment.first.name
                )
            }
            Expectation::Compare {
                key,
                name,
                op,
                value,
                ..
            } => format!(
                "expect {}.{} {} {value}",
                quoted(&key.value),
                name.name,
                op.symbol()
            ),
            Expectation::IsNull { key, name, negated } => {
                let key = quoted(&key.value);
                format!("expect {key}.{} is {}null", name.name, not(*negated))
            }
            Expectation::Gets {
                key,
                action,
                from: campaign,
                with,
            } => {
                let head = format!("expect {} gets {}", quoted(&key.value), action.name);
                let head = format!("{head}{}", from(campaign));
                if !with.is_empty() {
                    let layout = self.record(format!("{head} with {{"), with, stmt, indent);
                    self.push_layout(indent, layout);
                    return;
                }
                head
            }
            Expectation::GetsNothing {
                key,
                from: campaign,
            } => {
                format!(
                    "expect {} gets nothing{}",
                    quoted(&key.value),
                    from(campaign)
                )
            }
            Expectation::Dataset(dataset) => format!("expect {}", dataset_text(dataset)),
        };
        self.push_code(indent, code);
    }

    /// `head field: value, ... }` filled up to the line width, further lines starting under
    /// the first field; a comment between fields ends its line. The statement ends with the
    /// record's `}`.
    fn record(
        &mut self,
        head: String,
        fields: &[RecordField],
        stmt: &TestStmt,
        indent: usize,
    ) -> Layout {
        let close = stmt.span.end.saturating_sub(1);
        let Some((first, rest)) = fields.split_first() else {
            return Layout::text(format!("{head}}}"));
        };
        self.hoist_before(first.name.span.start);
        let column = indent + width(&head) + 1;
        let mut layout = Layout::text(format!("{head} {}", field_text(first)));
        self.hoist_before(first.value_span.end);
        let mut after = first.value_span.end;
        for (k, field) in rest.iter().enumerate() {
            let field_code = field_text(field);
            let tail = if k + 1 == rest.len() { " }" } else { "," };
            layout.push_str(",");
            let start = field.name.span.start;
            let fits = layout.end_col(indent) + 1 + width(&field_code) + tail.len() <= WIDTH;
            if fits && !self.comments.any_in(after, start) {
                layout.push_str(&format!(" {field_code}"));
            } else {
                self.gap(&mut layout, after, start, column);
                layout.push_line(column, Layout::text(field_code));
            }
            self.hoist_before(field.value_span.end);
            after = field.value_span.end;
        }
        self.gap_before_close(&mut layout, after, close);
        layout.push_str(" }");
        layout
    }

    /// A comment after the last field of a record ends the line (after the `}`); comments
    /// on lines of their own before the `}` go before the statement.
    fn gap_before_close(&mut self, layout: &mut Layout, after: u32, close: u32) {
        if let Some(comment) = self.comments.take_trailing(&self.source, after, close) {
            layout.attach(comment);
        }
        self.hoist_before(close);
    }
}

/// `field: value`.
fn field_text(field: &RecordField) -> String {
    format!("{}: {}", field.name.name, field.value)
}

/// A data-set expectation after `expect`, in canonical form.
fn dataset_text(dataset: &DatasetExpectation) -> String {
    let group = |g: &SegmentRef| match &g.second {
        Some(second) => format!("{}.{}", g.first.name, second.name),
        None => g.first.name.clone(),
    };
    let bound = |b: &Bound| match b {
        Bound::Between { low, high, .. } => format!("between {low} and {high}"),
        Bound::Compare { op, value, .. } => format!("{} {value}", op.symbol()),
    };
    match dataset {
        DatasetExpectation::Share { group: g, bound: b } => {
            format!("share({}) {}", group(g), bound(b))
        }
        DatasetExpectation::Count { group: g, bound: b } => {
            format!("count({}) {}", group(g), bound(b))
        }
        DatasetExpectation::Overlap {
            first,
            second,
            bound: b,
        } => {
            format!("overlap({}, {}) {}", group(first), group(second), bound(b))
        }
        DatasetExpectation::Exhaustive { segmentation } => {
            format!("{} exhaustive", segmentation.name)
        }
    }
}
