//! Lint stage: `// seg:allow(CODE, ...)` comments. Such a comment in the run of comment
//! lines directly above an item (or a segment of a segmentation, a campaign clause, a
//! `do` of a variant) silences those lints for everything inside it.

use super::diagnostic::Lint;
use crate::syntax::Program;
use crate::syntax::Span;
use crate::syntax::ast::{ClauseKind, Item};

/// The marker that opens a list of codes.
const MARKER: &str = "seg:allow(";

/// The prefix of every lint's full code.
const CODE_PREFIX: &str = "seg::lint::";

/// The parts of a program that `seg:allow` comments cover, with the codes they allow.
pub(super) struct Allows {
    scopes: Vec<(Span, Vec<String>)>,
}

impl Allows {
    /// Reads the comments above every item and member of the program.
    pub(super) fn new(program: &Program) -> Allows {
        let mut scopes = Vec::new();
        for module in &program.modules {
            let text = program.sources.get(module.file).text.as_str();
            for span in module.items.iter().flat_map(item_spans) {
                let codes = codes_above(text, span.start as usize);
                if !codes.is_empty() {
                    scopes.push((span, codes));
                }
            }
        }
        Allows { scopes }
    }

    /// Whether a comment allows this lint where it points.
    pub(super) fn silences(&self, lint: &Lint) -> bool {
        let at = lint.span();
        self.scopes.iter().any(|(span, codes)| {
            span.file == at.file
                && span.start <= at.start
                && at.end <= span.end
                && codes.iter().any(|c| c == lint.name())
        })
    }
}

/// The spans a comment may stand above: the item, and its segments, clauses and the
/// `do`s of its variants.
fn item_spans(item: &Item) -> Vec<Span> {
    let mut spans = vec![item.span()];
    match item {
        Item::Segmentation(s) => spans.extend(s.segments.iter().map(|r| r.span)),
        Item::Campaign(c) => {
            for clause in &c.clauses {
                spans.push(clause.span);
                if let ClauseKind::Variant(v) = &clause.kind {
                    spans.extend(v.actions.iter().map(|d| d.span));
                }
            }
        }
        _ => {}
    }
    spans
}

/// The short codes allowed by the comment lines directly above the line of `offset`
/// (a blank or code line ends the run).
fn codes_above(text: &str, offset: usize) -> Vec<String> {
    let mut codes = Vec::new();
    let mut end = line_start(text, offset);
    while end > 0 {
        let start = line_start(text, end - 1);
        let Some(comment) = text
            .get(start..end - 1)
            .and_then(|l| l.trim().strip_prefix("//"))
        else {
            break;
        };
        codes.extend(allowed(comment));
        end = start;
    }
    codes
}

/// Where the line holding `offset` starts.
fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1)
}

/// The codes of every `seg:allow(...)` in one comment, in short form.
fn allowed(comment: &str) -> Vec<String> {
    comment
        .match_indices(MARKER)
        .filter_map(|(at, _)| comment[at + MARKER.len()..].split_once(')'))
        .flat_map(|(list, _)| list.split(','))
        .map(str::trim)
        .map(|code| code.strip_prefix(CODE_PREFIX).unwrap_or(code).to_string())
        .filter(|code| !code.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_run_of_comment_lines_up_to_a_blank_line() {
        let text = "// seg:allow(never_true)\n\n// note\n  // seg:allow(unused_let, seg::lint::unused_param)\nlet x = 1\n";
        let offset = text.find("let x").unwrap_or_default();
        assert_eq!(codes_above(text, offset), ["unused_let", "unused_param"]);
    }

    #[test]
    fn code_lines_end_the_run() {
        let text = "// seg:allow(unused_let)\nlet y = 2\nlet x = 1\n";
        let offset = text.find("let x").unwrap_or_default();
        assert!(codes_above(text, offset).is_empty());
    }
}
