//! Formatting stage: the file and its items other than campaigns and tests — imports,
//! records, params, lets, segments, segmentations, actions, the policy and metrics.

use crate::syntax::Span;
use crate::syntax::ast::{
    BaseType, FieldDecl, Item, LetDecl, Literal, MetricDecl, Module, ParamDecl, RecordDecl,
    RecordKind, SegmentCondition, SegmentDecl, SegmentRule, SegmentationDecl, StrLit, TypeExpr,
};

use super::align::{self, Cells};
use super::expr::{At, Element, List, Piece, text};
use super::layout::{Layout, WIDTH, width};
use super::printer::{Printer, Seq};

/// A string literal as the language writes it (canonical escapes).
pub(super) fn quoted(value: &str) -> String {
    Literal::String(value.to_string()).to_string()
}

/// ` "label"` after a name, or nothing.
pub(super) fn label_suffix(label: Option<&StrLit>) -> String {
    label.map_or(String::new(), |l| format!(" {}", quoted(&l.value)))
}

/// Whether an item is written as a block in braces over several lines; blocks are
/// separated from their neighbours by a blank line.
fn is_block(item: &Item) -> bool {
    match item {
        Item::Entity(_)
        | Item::Events(_)
        | Item::Segmentation(_)
        | Item::Action(_)
        | Item::Campaign(_)
        | Item::Test(_) => true,
        Item::Import(_)
        | Item::Param(_)
        | Item::Let(_)
        | Item::Segment(_)
        | Item::Policy(_)
        | Item::Metric(_) => false,
    }
}

/// For each item, its alignment group: consecutive items of one kind share one, so that
/// their trailing comments line up.
fn kind_groups(items: &[Item]) -> Vec<usize> {
    let mut groups = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let same_kind =
            i > 0 && std::mem::discriminant(&items[i - 1]) == std::mem::discriminant(item);
        let previous = groups.last().copied().unwrap_or(0);
        groups.push(if same_kind { previous } else { previous + 1 });
    }
    groups
}

/// The aligned cells of an item: `let` names, segment and metric names and labels.
fn item_cells(item: &Item) -> Option<Cells> {
    let label = |l: &Option<StrLit>| l.as_ref().map(|l| quoted(&l.value));
    match item {
        Item::Let(decl) => Some(align::name_label_cells(0, &decl.name.name, None)),
        Item::Segment(s) => Some(align::name_label_cells(
            1,
            &s.name.name,
            label(&s.label).as_deref(),
        )),
        Item::Metric(m) => Some(align::name_label_cells(
            2,
            &m.name.name,
            label(&m.label).as_deref(),
        )),
        _ => None,
    }
}

impl Printer<'_> {
    /// The whole file: items one after the other, blocks set apart by blank lines.
    pub(super) fn module(&mut self, module: &Module) {
        let columns = align::columns(&module.items, &self.source, Item::span, item_cells);
        let seq = Seq {
            indent: 0,
            close: self.source.end(),
        };
        let blank = |a: &Item, b: &Item| is_block(a) || is_block(b);
        let groups = kind_groups(&module.items);
        self.sequence(&module.items, &seq, Item::span, blank, |p, i, item| {
            p.group = groups[i];
            p.item(item, &columns[i]);
        });
    }

    /// One item; `columns` are the widths of its aligned cells.
    fn item(&mut self, item: &Item, columns: &[usize]) {
        match item {
            Item::Import(import) => {
                self.push_code(0, format!("import {}", quoted(&import.path.value)));
            }
            Item::Entity(record) | Item::Events(record) => self.record_decl(record),
            Item::Param(param) => self.push_code(0, param_text(param)),
            Item::Let(decl) => self.let_decl(decl, columns),
            Item::Segment(segment) => self.segment_decl(segment, columns),
            Item::Segmentation(segmentation) => self.segmentation(segmentation),
            Item::Action(action) => {
                let header = format!("action {}", action.name.name);
                self.fields_block(header, action.name.span.end, action.span, &action.fields);
            }
            Item::Campaign(campaign) => self.campaign(campaign),
            Item::Policy(policy) => self.push_code(
                0,
                format!("policy {{ max_campaigns {} }}", policy.max_campaigns),
            ),
            Item::Metric(metric) => self.metric(metric, columns),
            Item::Test(test) => self.test(test),
        }
    }

    /// Writes `prefix EXPR` as one statement at `indent`.
    pub(super) fn statement(&mut self, indent: usize, pieces: &[Piece<'_>], end: u32) {
        let layout = self.pieces(pieces, At::line(indent), end);
        self.push_layout(indent, layout);
    }

    /// `entity NAME key FIELD { ... }` or `events NAME [time FIELD] { ... }`.
    fn record_decl(&mut self, record: &RecordDecl) {
        let name = &record.name.name;
        let header = match (record.kind, &record.key_or_time) {
            (RecordKind::Entity, Some(key)) => format!("entity {name} key {}", key.name),
            (RecordKind::Events, Some(time)) => format!("events {name} time {}", time.name),
            (RecordKind::Entity, None) => format!("entity {name}"),
            (RecordKind::Events, None) => format!("events {name}"),
        };
        let header_end = record.key_or_time.as_ref().unwrap_or(&record.name).span.end;
        self.fields_block(header, header_end, record.span, &record.fields);
    }

    /// `header { name: type ... }`, one field per line; `header_end` is where the header's
    /// last token ends and `span` the whole item.
    fn fields_block(&mut self, header: String, header_end: u32, span: Span, fields: &[FieldDecl]) {
        let braces = (
            self.source.find(header_end, b'{'),
            span.end.saturating_sub(1),
        );
        let first = fields.first().map(|f| f.span.start);
        self.block(0, header, braces, first, |p, seq| {
            let indent = seq.indent;
            p.sequence(
                fields,
                seq,
                |f| f.span,
                |_, _| false,
                |p, _, field| p.field(field, indent),
            );
        });
    }

    /// `name: type`; an `enum` that does not fit (or holds comments between its values)
    /// puts its values on the lines after, filled, one level deeper.
    fn field(&mut self, field: &FieldDecl, indent: usize) {
        let code = format!("{}: {}", field.name.name, type_text(&field.ty));
        let BaseType::Enum(values) = &field.ty.base else {
            return self.push_code(indent, code);
        };
        let elements: Vec<Element<'_>> = values
            .iter()
            .map(|v| Element {
                start: v.span.start,
                pieces: vec![text(quoted(&v.value))],
                end: v.span.end,
            })
            .collect();
        let after_values = values.last().map_or(field.ty.span.start, |v| v.span.end);
        let list = List {
            open: self.source.find(field.ty.span.start, b'('),
            close: self.source.find(after_values, b')'),
            closing: ")",
            fill: true,
        };
        if !self.list_has_comments(&elements, &list) && indent + width(&code) <= WIDTH {
            return self.push_code(indent, code);
        }
        let head = Layout::text(format!("{}: enum(", field.name.name));
        let mut layout = self.list_lines(head, &elements, &list, At::line(indent));
        if field.ty.nullable {
            layout.push_str("?");
        }
        self.push_layout(indent, layout);
    }

    /// `let NAME = EXPR`.
    fn let_decl(&mut self, decl: &LetDecl, columns: &[usize]) {
        let head = align::name_and_label(&decl.name.name, None, columns);
        let pieces = [text(format!("let {head} = ")), Piece::Expr(&decl.value)];
        self.statement(0, &pieces, decl.span.end);
    }

    /// `segment NAME ["label"] when EXPR`.
    fn segment_decl(&mut self, segment: &SegmentDecl, columns: &[usize]) {
        let label = segment.label.as_ref().map(|l| quoted(&l.value));
        let head = align::name_and_label(&segment.name.name, label.as_deref(), columns);
        let pieces = [
            text(format!("segment {head} when ")),
            Piece::Expr(&segment.condition),
        ];
        self.statement(0, &pieces, segment.span.end);
    }

    /// `metric NAME ["label"] = EXPR`.
    fn metric(&mut self, metric: &MetricDecl, columns: &[usize]) {
        let label = metric.label.as_ref().map(|l| quoted(&l.value));
        let head = align::name_and_label(&metric.name.name, label.as_deref(), columns);
        let pieces = [
            text(format!("metric {head} = ")),
            Piece::Expr(&metric.value),
        ];
        self.statement(0, &pieces, metric.span.end);
    }

    /// `segmentation NAME ["label"] { ... }`, its segments' `when`s aligned.
    fn segmentation(&mut self, decl: &SegmentationDecl) {
        let header = format!(
            "segmentation {}{}",
            decl.name.name,
            label_suffix(decl.label.as_ref())
        );
        let header_end = decl
            .label
            .as_ref()
            .map_or(decl.name.span.end, |l| l.span.end);
        let braces = (
            self.source.find(header_end, b'{'),
            decl.span.end.saturating_sub(1),
        );
        let rules = &decl.segments;
        let columns = align::columns(
            rules,
            &self.source,
            |r| r.span,
            |rule| {
                let label = rule.label.as_ref().map(|l| quoted(&l.value));
                Some(align::name_label_cells(
                    0,
                    &rule.name.name,
                    label.as_deref(),
                ))
            },
        );
        let first = rules.first().map(|r| r.span.start);
        self.block(0, header, braces, first, |p, seq| {
            let indent = seq.indent;
            p.sequence(
                rules,
                seq,
                |r| r.span,
                |_, _| false,
                |p, i, rule| {
                    p.segment_rule(rule, &columns[i], indent);
                },
            );
        });
    }

    /// `segment NAME ["label"] when EXPR` or `... otherwise` inside a segmentation.
    fn segment_rule(&mut self, rule: &SegmentRule, columns: &[usize], indent: usize) {
        let label = rule.label.as_ref().map(|l| quoted(&l.value));
        let head = align::name_and_label(&rule.name.name, label.as_deref(), columns);
        match &rule.condition {
            SegmentCondition::When(condition) => {
                let pieces = [
                    text(format!("segment {head} when ")),
                    Piece::Expr(condition),
                ];
                self.statement(indent, &pieces, rule.span.end);
            }
            SegmentCondition::Otherwise(_) => {
                self.push_code(indent, format!("segment {head} otherwise"));
            }
        }
    }
}

/// `param NAME: TYPE = LITERAL`.
fn param_text(param: &ParamDecl) -> String {
    format!(
        "param {}: {} = {}",
        param.name.name,
        type_text(&param.ty),
        param.default
    )
}

/// A type as written: `int`, `enum("a", "b")?`.
fn type_text(ty: &TypeExpr) -> String {
    let base = match &ty.base {
        BaseType::Int => "int".to_string(),
        BaseType::Decimal => "decimal".to_string(),
        BaseType::Float => "float".to_string(),
        BaseType::Bool => "bool".to_string(),
        BaseType::String => "string".to_string(),
        BaseType::Date => "date".to_string(),
        BaseType::DateTime => "datetime".to_string(),
        BaseType::Enum(values) => {
            let values: Vec<String> = values.iter().map(|v| quoted(&v.value)).collect();
            format!("enum({})", values.join(", "))
        }
    };
    if ty.nullable {
        format!("{base}?")
    } else {
        base
    }
}
