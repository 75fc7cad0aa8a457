//! Language server: completion. The names come from the latest version of the program
//! that parsed (so completion works while the line being typed does not parse); where the
//! cursor stands is read from the text before it: after `segmentation.` or `events.`,
//! inside the `where` of an aggregate (that stream's fields first), inside `do action(`
//! (its payload field names), after `do` (the actions), anywhere else (every value name,
//! `segmentation.segment`, the functions with their signatures, the keywords).

use lsp_types::{CompletionItem, CompletionItemKind, CompletionItemLabelDetails};

use super::builtins::{AGGREGATES, FUNCTIONS, KEYWORDS};
use crate::check::hir::Hir;
use crate::syntax::Program;
use crate::syntax::ast::{FieldDecl, Item, TypeExpr};

/// The names a program declares, with their types as far as known.
#[derive(Debug, Default)]
pub struct Vocabulary {
    entity_fields: Vec<Typed>,
    streams: Vec<(String, Vec<Typed>)>,
    lets: Vec<Typed>,
    params: Vec<Typed>,
    segments: Vec<String>,
    segmentations: Vec<(String, Vec<String>)>,
    actions: Vec<(String, Vec<Typed>)>,
}

/// A name and its type as written (empty when unknown).
#[derive(Debug, Clone)]
struct Typed {
    name: String,
    ty: String,
}

impl Vocabulary {
    /// The names of a program; the types of `let`s come from `hir` when there is one.
    pub fn new(program: &Program, hir: Option<&Hir>) -> Vocabulary {
        let written = |ty: &TypeExpr| {
            let text = &program.sources.get(ty.span.file).text;
            text.get(ty.span.start as usize..ty.span.end as usize)
                .unwrap_or_default()
                .to_string()
        };
        let fields = |fields: &[FieldDecl]| -> Vec<Typed> {
            fields
                .iter()
                .map(|f| Typed {
                    name: f.name.name.clone(),
                    ty: written(&f.ty),
                })
                .collect()
        };
        let mut vocabulary = Vocabulary::default();
        for item in program.modules.iter().flat_map(|m| &m.items) {
            match item {
                Item::Entity(r) => vocabulary.entity_fields = fields(&r.fields),
                Item::Events(r) => vocabulary
                    .streams
                    .push((r.name.name.clone(), fields(&r.fields))),
                Item::Param(p) => vocabulary.params.push(Typed {
                    name: p.name.name.clone(),
                    ty: written(&p.ty),
                }),
                Item::Let(l) => vocabulary.lets.push(Typed {
                    name: l.name.name.clone(),
                    ty: let_type(hir, &l.name.name),
                }),
                Item::Segment(s) => vocabulary.segments.push(s.name.name.clone()),
                Item::Segmentation(s) => vocabulary.segmentations.push((
                    s.name.name.clone(),
                    s.segments.iter().map(|r| r.name.name.clone()).collect(),
                )),
                Item::Action(a) => vocabulary
                    .actions
                    .push((a.name.name.clone(), fields(&a.fields))),
                Item::Import(_)
                | Item::Campaign(_)
                | Item::Policy(_)
                | Item::Metric(_)
                | Item::Test(_) => {}
            }
        }
        vocabulary
    }

    fn stream(&self, name: &str) -> Option<&[Typed]> {
        self.streams
            .iter()
            .find(|(stream, _)| stream == name)
            .map(|(_, fields)| fields.as_slice())
    }

    fn segmentation(&self, name: &str) -> Option<&[String]> {
        self.segmentations
            .iter()
            .find(|(segmentation, _)| segmentation == name)
            .map(|(_, segments)| segments.as_slice())
    }

    fn action(&self, name: &str) -> Option<&[Typed]> {
        self.actions
            .iter()
            .find(|(action, _)| action == name)
            .map(|(_, fields)| fields.as_slice())
    }
}

fn let_type(hir: Option<&Hir>, name: &str) -> String {
    hir.and_then(|hir| hir.lets.iter().find(|l| l.name == name))
        .map(|l| l.expr.ty.to_string())
        .unwrap_or_default()
}

/// Where the cursor stands, as far as completion cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// Right after `NAME.`.
    Member(String),
    /// Inside the `where` of an aggregate over this stream.
    Where(String),
    /// Where a payload field name of this action goes: `do action(` or after a `,`; with
    /// the names already written in the call.
    PayloadField(String, Vec<String>),
    /// Right after `do`.
    Action,
    /// Anywhere else.
    Anywhere,
}

/// The completions at the end of `before` (the text of the file up to the cursor).
pub fn complete(vocabulary: &Vocabulary, before: &str) -> Vec<CompletionItem> {
    match context(before) {
        Context::PayloadField(action, written) => {
            let fields = vocabulary.action(&action).unwrap_or_default();
            let left: Vec<Typed> = fields
                .iter()
                .filter(|f| !written.contains(&f.name))
                .cloned()
                .collect();
            let mut items = typed_items(&left, CompletionItemKind::PROPERTY, &action, "0");
            for item in &mut items {
                item.insert_text = Some(format!("{}: ", item.label));
            }
            items
        }
        Context::Member(owner) => members(vocabulary, &owner),
        Context::Where(stream) => {
            let fields = vocabulary.stream(&stream).unwrap_or_default();
            let mut items = typed_items(fields, CompletionItemKind::FIELD, &stream, "0");
            items.extend(anywhere(vocabulary, "1"));
            items
        }
        Context::Action => vocabulary
            .actions
            .iter()
            .map(|(name, fields)| {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                item(
                    name,
                    CompletionItemKind::FUNCTION,
                    &format!("action({})", names.join(", ")),
                    "0",
                )
            })
            .collect(),
        Context::Anywhere => anywhere(vocabulary, "0"),
    }
}

/// The segments of a segmentation or the fields of a stream, after `owner.`.
fn members(vocabulary: &Vocabulary, owner: &str) -> Vec<CompletionItem> {
    if let Some(segments) = vocabulary.segmentation(owner) {
        let detail = format!("segment of {owner}: bool");
        return segments
            .iter()
            .map(|s| item(s, CompletionItemKind::ENUM_MEMBER, &detail, "0"))
            .collect();
    }
    let fields = vocabulary.stream(owner).unwrap_or_default();
    typed_items(fields, CompletionItemKind::FIELD, owner, "0")
}

/// Every value name, `segmentation.segment`, `as_of`, the functions and the keywords.
fn anywhere(vocabulary: &Vocabulary, rank: &str) -> Vec<CompletionItem> {
    let mut items = typed_items(
        &vocabulary.entity_fields,
        CompletionItemKind::FIELD,
        "entity",
        rank,
    );
    items.extend(typed_items(
        &vocabulary.lets,
        CompletionItemKind::VARIABLE,
        "let",
        rank,
    ));
    items.extend(typed_items(
        &vocabulary.params,
        CompletionItemKind::CONSTANT,
        "param",
        rank,
    ));
    for segment in &vocabulary.segments {
        items.push(item(
            segment,
            CompletionItemKind::ENUM_MEMBER,
            "segment: bool",
            rank,
        ));
    }
    for (segmentation, segments) in &vocabulary.segmentations {
        items.push(item(
            segmentation,
            CompletionItemKind::ENUM,
            "segmentation",
            rank,
        ));
        for segment in segments {
            let label = format!("{segmentation}.{segment}");
            items.push(item(
                &label,
                CompletionItemKind::ENUM_MEMBER,
                "segment: bool",
                rank,
            ));
        }
    }
    for (stream, _) in &vocabulary.streams {
        items.push(item(stream, CompletionItemKind::STRUCT, "events", rank));
    }
    items.push(item("as_of", CompletionItemKind::CONSTANT, "date", rank));
    let later = format!("{rank}~");
    for function in FUNCTIONS {
        let mut call = item(
            function.name,
            CompletionItemKind::FUNCTION,
            function.signature,
            &later,
        );
        call.documentation = Some(lsp_types::Documentation::String(function.summary.into()));
        items.push(call);
    }
    for keyword in KEYWORDS {
        items.push(item(
            keyword,
            CompletionItemKind::KEYWORD,
            "keyword",
            &later,
        ));
    }
    items
}

fn typed_items(
    names: &[Typed],
    kind: CompletionItemKind,
    owner: &str,
    rank: &str,
) -> Vec<CompletionItem> {
    names
        .iter()
        .map(|typed| {
            let detail = if typed.ty.is_empty() {
                owner.to_string()
            } else {
                format!("{owner}: {}", typed.ty)
            };
            item(&typed.name, kind, &detail, rank)
        })
        .collect()
}

/// A completion item sorted by `rank` first, then by label.
fn item(label: &str, kind: CompletionItemKind, detail: &str, rank: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        label_details: Some(CompletionItemLabelDetails {
            detail: None,
            description: Some(detail.to_string()),
        }),
        sort_text: Some(format!("{rank}_{label}")),
        ..CompletionItem::default()
    }
}

/// Where the end of `before` stands.
pub fn context(before: &str) -> Context {
    let head = before.trim_end_matches(is_name_char);
    if let Some(owner) = head.strip_suffix('.') {
        let name = trailing_name(owner);
        if !name.is_empty() {
            return Context::Member(name.to_string());
        }
    }
    let open = open_calls(head);
    if let Some(call) = open.last()
        && let Some(action) = &call.action
    {
        let inside = &head[call.at + 1..];
        let after_separator = inside.rsplit([',', '(']).next().unwrap_or_default();
        if after_separator.trim().is_empty() {
            return Context::PayloadField(action.clone(), written_names(inside));
        }
    }
    for call in open.iter().rev() {
        let inside = &head[call.at + 1..];
        if AGGREGATES.contains(&call.callee.as_str()) && has_word(inside, "where") {
            return Context::Where(trailing_name(leading_name(inside)).to_string());
        }
    }
    if trailing_name(head.trim_end()) == "do" {
        return Context::Action;
    }
    Context::Anywhere
}

/// An unclosed `(` before the cursor.
#[derive(Debug)]
struct OpenCall {
    /// Byte offset of the `(`.
    at: usize,
    /// The name right before it.
    callee: String,
    /// The action, when the call is `do action(`.
    action: Option<String>,
}

/// Moves past the rest of a string literal whose opening `"` was just read (to its
/// closing `"`, or the end of its line when it is not closed yet).
fn skip_string(chars: &mut impl Iterator<Item = (usize, char)>) {
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' | '\n' => break,
            _ => {}
        }
    }
}

/// The calls open at the end of `text`, outermost first (strings and comments skipped).
fn open_calls(text: &str) -> Vec<OpenCall> {
    let mut open = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => skip_string(&mut chars),
            '/' if chars.peek().is_some_and(|&(_, next)| next == '/') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' => {
                let before = text[..at].trim_end();
                let callee = trailing_name(before);
                let keyword = trailing_name(before[..before.len() - callee.len()].trim_end());
                open.push(OpenCall {
                    at,
                    callee: callee.to_string(),
                    action: (keyword == "do").then(|| callee.to_string()),
                });
            }
            ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    open
}

/// The names written before a `:` directly inside a call (`channel: "sms", value: 1`),
/// not inside nested calls or strings.
fn written_names(inside: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut chars = inside.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => skip_string(&mut chars),
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => names.push(trailing_name(inside[..at].trim_end()).to_string()),
            _ => {}
        }
    }
    names
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The name at the end of `text` (empty when none).
fn trailing_name(text: &str) -> &str {
    let start = text.trim_end_matches(is_name_char).len();
    &text[start..]
}

/// The name at the start of `text`, after white space (empty when none).
fn leading_name(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    &text[..end]
}

/// Whether `word` stands in `text` as a whole word.
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !is_name_char(c)).any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_read_from_the_text_before_the_cursor() {
        let cases: &[(&str, Context)] = &[
            ("let x = lifecycle.ch", Context::Member("lifecycle".into())),
            ("let x = orders.", Context::Member("orders".into())),
            (
                "let x = count(orders where am",
                Context::Where("orders".into()),
            ),
            (
                "let x = sum(orders.amount where lower(ca",
                Context::Where("orders".into()),
            ),
            ("let x = count(orders where a > 1) + fr", Context::Anywhere),
            ("let x = count(orders wh", Context::Anywhere),
            (
                "  do coupon(",
                Context::PayloadField("coupon".into(), vec![]),
            ),
            (
                "  do coupon(channel: \"sms\", va",
                Context::PayloadField("coupon".into(), vec!["channel".into()]),
            ),
            ("  do coupon(channel: if sm", Context::Anywhere),
            (
                "  do coupon(channel: \"a,(:\", n: f(x: 1), va",
                Context::PayloadField("coupon".into(), vec!["channel".into(), "n".into()]),
            ),
            ("  do ", Context::Action),
            ("  do cou", Context::Action),
            ("// count(orders where\nlet y = ", Context::Anywhere),
            ("let 客户 = ", Context::Anywhere),
        ];
        for (before, expected) in cases {
            assert_eq!(&context(before), expected, "{before:?}");
        }
    }
}
