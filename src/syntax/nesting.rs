//! Syntax stage: refusing expressions too deep to parse and check safely.
//!
//! The parser, the checker and the evaluator recurse over expressions. Before a file is
//! parsed, its text is scanned for brackets nested deeper than [`MAX_BRACKETS`] and for
//! statements with more than [`MAX_OPERATORS`] operators (a chain `a + b + ...` or a run
//! of `not`s nests one level per operator). No rule written by a person comes near
//! either; a generated or corrupted file gets an error instead of a stack overflow.

use super::error::SyntaxError;
use super::span::{FileId, Span};

/// The deepest bracket nesting accepted.
pub const MAX_BRACKETS: usize = 1000;

/// The most operators accepted in one statement.
pub const MAX_OPERATORS: usize = 10_000;

/// The words that start a statement or a clause: the operator count starts again there,
/// unless the word stands where an operand does (none of them is reserved, so `cap` or
/// `let` may name a field or a `let`, and `cap + cap + ...` is one statement).
const STATEMENT_WORDS: [&str; 23] = [
    "let",
    "segment",
    "segmentation",
    "campaign",
    "action",
    "entity",
    "events",
    "param",
    "policy",
    "test",
    "import",
    "when",
    "otherwise",
    "expect",
    "load",
    "do",
    "variant",
    "audience",
    "priority",
    "holdout",
    "budget",
    "cap",
    "rank",
];

/// The operator words.
const OPERATOR_WORDS: [&str; 9] = [
    "and", "or", "not", "in", "between", "is", "if", "then", "else",
];

/// The first place where `text` nests too deeply, as an error.
pub fn check(file: FileId, text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut operators = 0usize;
    // Whether the last token could end an operand (so a word after it starts a statement);
    // after an operator, a bracket, `,`, `.`, `:` or `where` an operand follows.
    let mut after_operand = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        after_operand = match b {
            b' ' | b'\t' | b'\r' | b'\n' => after_operand,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_line(bytes, i) - 1;
                after_operand
            }
            b'"' => {
                i = skip_string(bytes, i);
                true
            }
            b'(' | b'[' => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return Err(too_deep(file, i, "brackets", MAX_BRACKETS));
                }
                false
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                true
            }
            b'{' | b'}' => {
                operators = 0;
                true
            }
            b'+' | b'-' | b'*' | b'/' | b'<' | b'>' | b'=' | b'!' => {
                operators += 1;
                false
            }
            b',' | b'.' | b':' => false,
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let end = word_end(bytes, i);
                let word = &text[i..end];
                let operator = OPERATOR_WORDS.contains(&word);
                if STATEMENT_WORDS.contains(&word) && after_operand {
                    operators = 0;
                } else if operator {
                    operators += 1;
                }
                i = end - 1;
                !(operator || word == "where")
            }
            _ => true,
        };
        if operators > MAX_OPERATORS {
            return Err(too_deep(
                file,
                i,
                "operators in one statement",
                MAX_OPERATORS,
            ));
        }
        i += 1;
    }
    Ok(())
}

fn too_deep(file: FileId, at: usize, what: &str, limit: usize) -> SyntaxError {
    SyntaxError::TooComplex {
        what: format!("more than {limit} {what}"),
        span: Span::new(file, at, at + 1),
    }
}

/// The index of the string's closing quote (or of the line end of an unclosed one).
fn skip_string(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i.min(bytes.len())
}

/// The index of the line end (or the text's end).
fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| from + n)
}

/// The index just past the word starting at `from`.
fn word_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .map_or(bytes.len(), |n| from + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(expr: &str) -> String {
        format!("entity c key id {{\n  id: string\n}}\nlet x = {expr}\n")
    }

    #[test]
    fn ordinary_rules_pass() {
        let text = program("if (a + 1) * 2 >= 3 and not b then \"x // (\" else [1, 2] // ((((");
        assert_eq!(check(FileId(0), &text), Ok(()));
    }

    #[test]
    fn deep_brackets_are_refused_at_the_first_bracket_too_many() {
        let n = MAX_BRACKETS + 1;
        let text = program(&format!("{}1{}", "(".repeat(n), ")".repeat(n)));
        let Err(SyntaxError::TooComplex { span, .. }) = check(FileId(0), &text) else {
            panic!("deep brackets pass");
        };
        let first = text.find('(').unwrap_or_default();
        assert_eq!(span.start as usize, first + MAX_BRACKETS);
    }

    #[test]
    fn long_operator_chains_and_runs_of_not_are_refused() {
        let chain = program(&vec!["1"; MAX_OPERATORS + 2].join(" + "));
        assert!(check(FileId(0), &chain).is_err());
        let nots = program(&format!("{}true", "not ".repeat(MAX_OPERATORS + 1)));
        assert!(check(FileId(0), &nots).is_err());
        // Statement words are not reserved: as operands they do not end the statement.
        for word in STATEMENT_WORDS {
            let chain = program(&vec![word; MAX_OPERATORS + 2].join(" + "));
            assert!(
                check(FileId(0), &chain).is_err(),
                "`{word} + {word} + ...` passes"
            );
            let call = program(&format!(
                "f({})",
                vec![word; MAX_OPERATORS + 2].join(", not ")
            ));
            assert!(
                check(FileId(0), &call).is_err(),
                "`f({word}, not {word}...` passes"
            );
        }
        let many_lets: String = (0..MAX_OPERATORS)
            .map(|i| format!("let x{i} = 1 + 1\n"))
            .collect();
        assert_eq!(check(FileId(0), &many_lets), Ok(()));
        let many_expects: String = (0..MAX_OPERATORS)
            .map(|i| format!("  expect \"c{i}\".x >= -1\n"))
            .collect();
        let test = format!("test \"t\" {{\n  as_of 2026-06-30\n{many_expects}}}\n");
        assert_eq!(check(FileId(0), &test), Ok(()));
    }
}
