//! Language server: hover. The type and nullability of a name, and what it is: a field's
//! schema line, a segment's label and condition, a `let`'s definition, an action's payload,
//! a campaign's summary, a param's declaration, a built-in function's signature.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::builtins::function_named;
use super::index::Symbol;
use super::target::Target;
use crate::check::hir::Hir;
use crate::check::types::Type;
use crate::syntax::Span;
use crate::syntax::ast::{
    CampaignDecl, ClauseKind, FieldDecl, Item, LetDecl, ParamDecl, SegmentCondition, SegmentDecl,
    SegmentationDecl, StrLit,
};

/// The hover of the name under the cursor, of `as_of`, or of a built-in function's name.
pub fn hover(target: &Target) -> Option<Hover> {
    let (markdown, span) = match target.occurrence() {
        Some(occurrence) => (describe(target, &occurrence.symbol)?, occurrence.span),
        None => builtin_at(target)?,
    };
    let range = target.location(span).map(|location| location.range);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range,
    })
}

/// The Markdown describing a symbol, from the item that declares it.
fn describe(target: &Target, symbol: &Symbol) -> Option<String> {
    let text = match (symbol, declaring_item(target, symbol)?) {
        (Symbol::Entity(_), Item::Entity(record)) => card(target.text(record.span), "entity", None),
        (Symbol::Stream(_), Item::Events(record)) => card(target.text(record.span), "events", None),
        (Symbol::EntityField(field), Item::Entity(record)) => {
            let owner = format!("field of entity `{}`", record.name.name);
            field_line(target, field_named(&record.fields, field)?, &owner)
        }
        (Symbol::StreamField(stream, field), Item::Events(record)) => {
            let owner = format!("field of events `{stream}`");
            field_line(target, field_named(&record.fields, field)?, &owner)
        }
        (Symbol::Param(name), Item::Param(decl)) => param(target, name, decl),
        (Symbol::Let(name), Item::Let(decl)) => let_value(target, name, decl),
        (Symbol::Segment(name), Item::Segment(decl)) => segment(target, name, decl),
        (Symbol::Segmentation(_), Item::Segmentation(decl)) => segmentation(target, decl),
        (Symbol::SegmentOf(_, segment), Item::Segmentation(decl)) => {
            segment_of(target, decl, segment)?
        }
        (Symbol::Action(_), Item::Action(decl)) => {
            card(target.text(decl.span), "action payload", None)
        }
        (Symbol::ActionField(action, field), Item::Action(decl)) => {
            let owner = format!("payload field of action `{action}`");
            field_line(target, field_named(&decl.fields, field)?, &owner)
        }
        (Symbol::Campaign(_), Item::Campaign(decl)) => campaign(target, decl),
        (Symbol::Metric(_), Item::Metric(decl)) => card(target.text(decl.span), "metric", None),
        _ => return None,
    };
    Some(text)
}

/// The item whose text holds the declaration of a symbol.
fn declaring_item<'a>(target: &Target<'a>, symbol: &Symbol) -> Option<&'a Item> {
    let declared = target.index.definition(symbol)?.span;
    target
        .program
        .modules
        .iter()
        .flat_map(|m| &m.items)
        .find(|item| {
            let span = item.span();
            span.file == declared.file && span.start <= declared.start && declared.end <= span.end
        })
}

fn field_named<'a>(fields: &'a [FieldDecl], name: &str) -> Option<&'a FieldDecl> {
    fields.iter().find(|f| f.name.name == name)
}

/// A param's declaration, and whether it may be null.
fn param(target: &Target, name: &str, decl: &ParamDecl) -> String {
    let declared = target
        .hir
        .and_then(|hir| hir.params.iter().find(|p| p.name == name));
    let about = match declared {
        Some(p) => format!("param — {}", nullability(&p.ty)),
        None => "param".to_string(),
    };
    card(target.text(decl.span), &about, None)
}

/// A `let`'s type (from the HIR), whether it may be null, and its definition.
fn let_value(target: &Target, name: &str, decl: &LetDecl) -> String {
    let ty = let_type(target.hir, name);
    let heading = match &ty {
        Some(ty) => format!("let {name}: {ty}"),
        None => format!("let {name}"),
    };
    let about = match &ty {
        Some(ty) => format!("let — {}", nullability(ty)),
        None => "let — its type is known once the program checks".to_string(),
    };
    card(&heading, &about, Some(target.text(decl.span)))
}

/// A standalone segment: its label and condition.
fn segment(target: &Target, name: &str, decl: &SegmentDecl) -> String {
    card(
        &format!("segment {name}: bool"),
        &labelled(decl.label.as_ref(), "segment — never null"),
        Some(&format!("when {}", target.text(decl.condition.span))),
    )
}

/// A segment of a segmentation: its label and condition.
fn segment_of(target: &Target, decl: &SegmentationDecl, segment: &str) -> Option<String> {
    let rule = decl.segments.iter().find(|r| r.name.name == segment)?;
    let condition = match &rule.condition {
        SegmentCondition::When(e) => format!("when {}", target.text(e.span)),
        SegmentCondition::Otherwise(_) => "otherwise".into(),
    };
    let segmentation = &decl.name.name;
    let about = format!("segment of `{segmentation}` — never null (false outside it)");
    Some(card(
        &format!("{segmentation}.{segment}: bool"),
        &labelled(rule.label.as_ref(), &about),
        Some(&condition),
    ))
}

/// A field's schema line, what it belongs to, and whether it may be null.
fn field_line(target: &Target, decl: &FieldDecl, owner: &str) -> String {
    let may_be_null = if decl.ty.nullable {
        "may be null"
    } else {
        "never null"
    };
    card(
        target.text(decl.span),
        &format!("{owner} — {may_be_null}"),
        None,
    )
}

/// A segmentation: its value's type, label and segments.
fn segmentation(target: &Target, decl: &SegmentationDecl) -> String {
    let names: Vec<String> = decl
        .segments
        .iter()
        .map(|s| format!("{:?}", s.name.name))
        .collect();
    let rules: Vec<String> = decl
        .segments
        .iter()
        .map(|rule| match &rule.condition {
            SegmentCondition::When(e) => {
                format!("segment {} when {}", rule.name.name, target.text(e.span))
            }
            SegmentCondition::Otherwise(_) => format!("segment {} otherwise", rule.name.name),
        })
        .collect();
    let about = "segmentation — the entity's segment, or null when none matches";
    card(
        &format!("{}: enum({})?", decl.name.name, names.join(", ")),
        &labelled(decl.label.as_ref(), about),
        Some(&rules.join("\n")),
    )
}

/// A campaign's summary: label, then each clause on one line (variants with their actions).
fn campaign(target: &Target, decl: &CampaignDecl) -> String {
    let lines: Vec<String> = decl
        .clauses
        .iter()
        .map(|clause| match &clause.kind {
            ClauseKind::Variant(v) => {
                let actions: Vec<&str> = v.actions.iter().map(|d| d.action.name.as_str()).collect();
                format!(
                    "variant {} {}% → {}",
                    v.name.name,
                    v.weight,
                    if actions.is_empty() {
                        "nothing".to_string()
                    } else {
                        format!("do {}", actions.join(", "))
                    }
                )
            }
            _ => one_line(target.text(clause.span)),
        })
        .collect();
    card(
        &format!("campaign {}", decl.name.name),
        &labelled(decl.label.as_ref(), "campaign"),
        Some(&lines.join("\n")),
    )
}

/// The type of a `let`, from the HIR.
fn let_type(hir: Option<&Hir>, name: &str) -> Option<Type> {
    let hir = hir?;
    hir.lets
        .iter()
        .find(|l| l.name == name)
        .map(|l| l.expr.ty.clone())
}

/// "may be null" or "never null".
fn nullability(ty: &Type) -> &'static str {
    if ty.nullable {
        "may be null"
    } else {
        "never null"
    }
}

/// What a name is, after its label when it has one: `"高" — segment of ...`.
fn labelled(label: Option<&StrLit>, what: &str) -> String {
    match label {
        Some(label) => format!("\"{}\" — {what}", label.value),
        None => what.to_string(),
    }
}

/// A hover: the name's signature as code, a line saying what it is, and the source that
/// defines it, if any.
fn card(signature: &str, about: &str, definition: Option<&str>) -> String {
    let mut text = format!("{}\n{about}", code(signature));
    if let Some(definition) = definition {
        text.push('\n');
        text.push_str(&code(definition));
    }
    text
}

/// Source text on one line, its runs of white space made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fenced `seg` code block.
fn code(text: &str) -> String {
    format!("```seg\n{text}\n```")
}

/// What `as_of` is, or a built-in function's signature when the cursor is on its name
/// before `(`.
fn builtin_at(target: &Target) -> Option<(String, Span)> {
    let text = &target.program.sources.get(target.file).text;
    let offset = text.floor_char_boundary(target.offset as usize);
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..offset]
        .rfind(|c: char| !is_name(c))
        .map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(|c: char| !is_name(c))
        .map_or(text.len(), |i| offset + i);
    let word = text.get(start..end)?;
    let span = Span::new(target.file, start, end);
    if word == "as_of" {
        let what = "the date of the run (`--as-of`, or a test's `as_of`) — never null";
        return Some((card("as_of: date", what, None), span));
    }
    let called = text[end..].trim_start().starts_with('(');
    let function = function_named(word).filter(|_| called)?;
    Some((card(function.signature, function.summary, None), span))
}

#[cfg(test)]
mod tests {
    use lsp_types::Url;

    use super::*;
    use crate::lsp::Workspace;
    use crate::lsp::documents::canonical;
    use crate::lsp::position::LineIndex;

    /// One name of each kind, with a label in Chinese and a nullable field.
    const PROGRAM: &str = r#"entity member key id {
  id: string
  city: string?
}

events orders time at {
  id: string
  at: datetime
  amount: decimal
}

param lapse: int = 30
let spend = sum(orders.amount where at > as_of - days(lapse))
segment vip "大客户" when spend > 100 and city == "上海"
segmentation tier "等级" {
  segment high "高" when spend > 10
  segment rest otherwise
}
action coupon {
  value: decimal
  cost: decimal?
}
campaign c "活动" {
  audience tier.high and vip
  priority 2
  holdout 10%
  variant a 50% { do coupon(value: spend) }
  variant b 50% { }
}
metric reach = rate(vip)
"#;

    #[test]
    fn hovers_of_every_declaration() {
        let Ok(folder) = tempfile::tempdir() else {
            panic!("a temporary folder");
        };
        let path = canonical(folder.path()).join("hover.seg");
        std::fs::write(&path, PROGRAM).unwrap_or_else(|e| panic!("{e}"));
        let Ok(uri) = Url::from_file_path(&path) else {
            panic!("an absolute path");
        };
        let mut workspace = Workspace::default();
        workspace.open(uri, 1, PROGRAM.to_string());
        workspace.analyze();
        let lines = LineIndex::new(PROGRAM);
        let start = lines.position(PROGRAM, 0);
        let Some(first) = Target::at(&workspace, &path, start) else {
            panic!("the program parses");
        };
        let mut shown = String::new();
        for occurrence in first.index.occurrences.iter().filter(|o| o.is_definition) {
            let position = lines.position(PROGRAM, occurrence.span.start as usize);
            let Some(target) = Target::at(&workspace, &path, position) else {
                panic!("the program parses");
            };
            let markdown = match hover(&target).map(|h| h.contents) {
                Some(HoverContents::Markup(markup)) => markup.value,
                other => format!("{other:?}"),
            };
            shown.push_str(&format!("──── {:?}\n{markdown}\n", occurrence.symbol));
        }
        insta::assert_snapshot!(shown);
    }
}
