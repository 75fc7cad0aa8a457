//! Language server: the outline of one file (document symbols): the entity and events with
//! their fields, params, lets, segments, segmentations with their segments, actions,
//! campaigns, metrics and tests.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::position::LineIndex;
use crate::syntax::Span;
use crate::syntax::ast::{FieldDecl, Ident, Item, Module};

/// The symbols of a module, in source order; `text` is the text it was parsed from.
pub fn document_symbols(module: &Module, text: &str) -> Vec<DocumentSymbol> {
    let lines = LineIndex::new(text);
    let outline = Outline {
        text,
        lines: &lines,
    };
    module
        .items
        .iter()
        .filter_map(|item| outline.item(item))
        .collect()
}

/// Ranges of one text.
struct Outline<'a> {
    text: &'a str,
    lines: &'a LineIndex,
}

impl Outline<'_> {
    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        let symbol = match item {
            Item::Entity(r) => self
                .symbol(&r.name, "entity", SymbolKind::CLASS, r.span)
                .with(self.fields(&r.fields, SymbolKind::FIELD)),
            Item::Events(r) => self
                .symbol(&r.name, "events", SymbolKind::STRUCT, r.span)
                .with(self.fields(&r.fields, SymbolKind::FIELD)),
            Item::Param(p) => self.symbol(&p.name, "param", SymbolKind::CONSTANT, p.span),
            Item::Let(l) => self.symbol(&l.name, "let", SymbolKind::VARIABLE, l.span),
            Item::Segment(s) => self.symbol(&s.name, "segment", SymbolKind::BOOLEAN, s.span),
            Item::Segmentation(s) => {
                let segments = s
                    .segments
                    .iter()
                    .map(|rule| {
                        self.symbol(&rule.name, "segment", SymbolKind::ENUM_MEMBER, rule.span)
                    })
                    .collect();
                self.symbol(&s.name, "segmentation", SymbolKind::ENUM, s.span)
                    .with(segments)
            }
            Item::Action(a) => self
                .symbol(&a.name, "action", SymbolKind::INTERFACE, a.span)
                .with(self.fields(&a.fields, SymbolKind::PROPERTY)),
            Item::Campaign(c) => self.symbol(&c.name, "campaign", SymbolKind::EVENT, c.span),
            Item::Metric(m) => self.symbol(&m.name, "metric", SymbolKind::NUMBER, m.span),
            Item::Test(t) => {
                let name = Ident {
                    name: t.name.value.clone(),
                    span: t.name.span,
                };
                self.symbol(&name, "test", SymbolKind::METHOD, t.span)
            }
            Item::Import(_) | Item::Policy(_) => return None,
        };
        Some(symbol)
    }

    fn fields(&self, fields: &[FieldDecl], kind: SymbolKind) -> Vec<DocumentSymbol> {
        fields
            .iter()
            .map(|f| self.symbol(&f.name, "field", kind, f.span))
            .collect()
    }

    #[allow(deprecated)] // `deprecated` is a field every DocumentSymbol must still set
    fn symbol(&self, name: &Ident, detail: &str, kind: SymbolKind, span: Span) -> DocumentSymbol {
        DocumentSymbol {
            name: name.name.clone(),
            detail: Some(detail.to_string()),
            kind,
            tags: None,
            deprecated: None,
            range: self.lines.range(self.text, span),
            selection_range: self.lines.range(self.text, name.span),
            children: None,
        }
    }
}

/// Adding children to a symbol.
trait WithChildren {
    fn with(self, children: Vec<DocumentSymbol>) -> Self;
}

impl WithChildren for DocumentSymbol {
    fn with(mut self, children: Vec<DocumentSymbol>) -> DocumentSymbol {
        self.children = Some(children);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{FileId, parse_module};

    /// The outline as indented lines: name, detail, and where the name stands.
    fn outline(symbols: &[DocumentSymbol], depth: usize, out: &mut String) {
        for symbol in symbols {
            let at = symbol.selection_range.start;
            out.push_str(&format!(
                "{}{} ({}) {}:{}\n",
                "  ".repeat(depth),
                symbol.name,
                symbol.detail.as_deref().unwrap_or_default(),
                at.line,
                at.character
            ));
            outline(
                symbol.children.as_deref().unwrap_or_default(),
                depth + 1,
                out,
            );
        }
    }

    #[test]
    fn the_outline_follows_the_items() {
        let text = r#"import "schema.seg"
entity member key id { id: string }
param lapse: int = 30
let spend = 1
segment vip "大客户" when spend > 1
segmentation tier "等级" {
  segment high "高" when spend > 10
  segment rest otherwise
}
action coupon { value: decimal }
policy { max_campaigns 1 }
campaign c { audience vip do coupon(value: 1) }
metric reach = rate(vip)
test "t" { as_of 2026-06-30 }
"#;
        let Ok(module) = parse_module(FileId(0), text) else {
            panic!("the text parses");
        };
        let mut out = String::new();
        outline(&document_symbols(&module, text), 0, &mut out);
        insta::assert_snapshot!(out, @r#"
        member (entity) 1:7
          id (field) 1:23
        lapse (param) 2:6
        spend (let) 3:4
        vip (segment) 4:8
        tier (segmentation) 5:13
          high (segment) 6:10
          rest (segment) 7:10
        coupon (action) 9:7
          value (field) 9:16
        c (campaign) 11:9
        reach (metric) 12:7
        t (test) 13:5
        "#);
    }
}
