//! Language server: hover. The type and nullability of a name, and what it is: a field's
//! schema line, a segment's label and condition, a `let`'s definition, an action's payload,
//! a campaign's summary, a param's declaration, a built-in function's signature.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::builtins::function_named;
use super::index::Symbol;
use super::target::Target;
use crate::check::hir::Hir;
use crate::check::types::Type;
use crate::syntax::ast::{
    CampaignDecl, ClauseKind, FieldDecl, Item, RecordDecl, SegmentCondition, SegmentationDecl,
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

/// The Markdown describing a symbol.
fn describe(target: &Target, symbol: &Symbol) -> Option<String> {
    let items = || target.program.modules.iter().flat_map(|m| &m.items);
    let text = match symbol {
        Symbol::Entity(_) | Symbol::Stream(_) => {
            let record = items().find_map(|item| record_named(item, symbol))?;
            code(target.text(record.span))
        }
        Symbol::EntityField(field) => {
            let (record, decl) = items().find_map(|item| match item {
                Item::Entity(r) => Some((r, field_named(&r.fields, field)?)),
                _ => None,
            })?;
            field_line(
                target,
                decl,
                &format!("field of entity `{}`", record.name.name),
            )
        }
        Symbol::StreamField(stream, field) => {
            let decl = items().find_map(|item| match item {
                Item::Events(r) if r.name.name == *stream => field_named(&r.fields, field),
                _ => None,
            })?;
            field_line(target, decl, &format!("field of events `{stream}`"))
        }
        Symbol::Param(name) => {
            let param = items().find_map(|item| match item {
                Item::Param(p) if p.name.name == *name => Some(p),
                _ => None,
            })?;
            let ty = target
                .hir
                .and_then(|hir| hir.params.iter().find(|p| p.name == *name));
            let note = ty.map(|p| nullability(&p.ty)).unwrap_or_default();
            format!("{}\nparam{note}", code(target.text(param.span)))
        }
        Symbol::Let(name) => {
            let decl = items().find_map(|item| match item {
                Item::Let(l) if l.name.name == *name => Some(l),
                _ => None,
            })?;
            let ty = let_type(target.hir, name);
            let heading = match &ty {
                Some(ty) => format!("let {name}: {ty}"),
                None => format!("let {name}"),
            };
            let note = ty.as_ref().map(nullability).unwrap_or_default();
            format!(
                "{}\n{}\n{note}",
                code(&heading),
                code(target.text(decl.span))
            )
        }
        Symbol::Segment(name) => {
            let decl = items().find_map(|item| match item {
                Item::Segment(s) if s.name.name == *name => Some(s),
                _ => None,
            })?;
            let label = decl.label.as_ref().map(|l| format!("\"{}\"\n\n", l.value));
            format!(
                "{}\nsegment — never null\n\n{}\n{}",
                code(&format!("segment {name}: bool")),
                label.unwrap_or_default(),
                code(&format!("when {}", target.text(decl.condition.span)))
            )
        }
        Symbol::Segmentation(name) => segmentation(target, segmentation_named(target, name)?),
        Symbol::SegmentOf(segmentation, segment) => {
            let decl = segmentation_named(target, segmentation)?;
            let rule = decl.segments.iter().find(|r| r.name.name == *segment)?;
            let condition = match &rule.condition {
                SegmentCondition::When(e) => format!("when {}", target.text(e.span)),
                SegmentCondition::Otherwise(_) => "otherwise".into(),
            };
            let label = rule.label.as_ref().map(|l| format!("\"{}\" — ", l.value));
            format!(
                "{}\n{}segment of `{segmentation}` — never null (false outside it)\n{}",
                code(&format!("{segmentation}.{segment}: bool")),
                label.unwrap_or_default(),
                code(&condition)
            )
        }
        Symbol::Action(name) => {
            let decl = items().find_map(|item| match item {
                Item::Action(a) if a.name.name == *name => Some(a),
                _ => None,
            })?;
            format!("{}\naction payload", code(target.text(decl.span)))
        }
        Symbol::ActionField(action, field) => {
            let decl = items().find_map(|item| match item {
                Item::Action(a) if a.name.name == *action => field_named(&a.fields, field),
                _ => None,
            })?;
            field_line(target, decl, &format!("payload field of action `{action}`"))
        }
        Symbol::Campaign(name) => campaign(
            target,
            items().find_map(|item| match item {
                Item::Campaign(c) if c.name.name == *name => Some(c),
                _ => None,
            })?,
        ),
        Symbol::Metric(name) => {
            let decl = items().find_map(|item| match item {
                Item::Metric(m) if m.name.name == *name => Some(m),
                _ => None,
            })?;
            format!("{}\nmetric", code(target.text(decl.span)))
        }
    };
    Some(text)
}

/// The record an entity or stream symbol names, if `item` is it.
fn record_named<'a>(item: &'a Item, symbol: &Symbol) -> Option<&'a RecordDecl> {
    match (item, symbol) {
        (Item::Entity(r), Symbol::Entity(name)) | (Item::Events(r), Symbol::Stream(name))
            if r.name.name == *name =>
        {
            Some(r)
        }
        _ => None,
    }
}

fn field_named<'a>(fields: &'a [FieldDecl], name: &str) -> Option<&'a FieldDecl> {
    fields.iter().find(|f| f.name.name == name)
}

fn segmentation_named<'a>(target: &Target<'a>, name: &str) -> Option<&'a SegmentationDecl> {
    target
        .program
        .modules
        .iter()
        .flat_map(|m| &m.items)
        .find_map(|item| match item {
            Item::Segmentation(s) if s.name.name == name => Some(s),
            _ => None,
        })
}

/// A field's schema line, what it belongs to, and whether it may be null.
fn field_line(target: &Target, decl: &FieldDecl, owner: &str) -> String {
    let may_be_null = if decl.ty.nullable {
        "may be null"
    } else {
        "never null"
    };
    format!("{}\n{owner} — {may_be_null}", code(target.text(decl.span)))
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
    let label = decl.label.as_ref().map(|l| format!("\"{}\"\n\n", l.value));
    format!(
        "{}\n{}the entity's segment, or null when none matches\n{}",
        code(&format!("{}: enum({})?", decl.name.name, names.join(", "))),
        label.unwrap_or_default(),
        code(&rules.join("\n"))
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
    let label = decl.label.as_ref().map(|l| format!("\"{}\"\n\n", l.value));
    format!(
        "{}\n{}{}",
        code(&format!("campaign {}", decl.name.name)),
        label.unwrap_or_default(),
        code(&lines.join("\n"))
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

/// "may be null" or "never null", after a dash.
fn nullability(ty: &Type) -> String {
    if ty.nullable {
        " — may be null".into()
    } else {
        " — never null".into()
    }
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
fn builtin_at(target: &Target) -> Option<(String, crate::syntax::Span)> {
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
    let span = crate::syntax::Span::new(target.file, start, end);
    if word == "as_of" {
        let what = "the date of the run (`--as-of`, or a test's `as_of`) — never null";
        return Some((format!("{}\n{what}", code("as_of: date")), span));
    }
    let called = text[end..].trim_start().starts_with('(');
    let function = function_named(word).filter(|_| called)?;
    Some((
        format!("{}\n{}", code(function.signature), function.summary),
        span,
    ))
}
