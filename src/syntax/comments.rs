//! Syntax stage: the `//` comments of a file, which the tree does not keep.
//!
//! The formatter needs them with their positions to write them back where they were.

use super::span::{FileId, Span};

/// A `//` comment as written: from `//` to the end of its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The text, `//` included, without the line end and trailing whitespace.
    pub text: String,
    /// Where `text` stands.
    pub span: Span,
}

/// The comments of one file's text, in source order.
///
/// A comment starts at `//` outside a string literal and runs to the end of the line.
pub fn comments(file: FileId, text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => at = string_end(bytes, at),
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                let end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| at + n);
                let comment = text[at..end].trim_end();
                found.push(Comment {
                    text: comment.to_string(),
                    span: Span::new(file, at, at + comment.len()),
                });
                at = end;
            }
            _ => at += 1,
        }
    }
    found
}

/// The offset just past the string literal whose opening quote is at `start` (or the end of
/// its line, for a string left open).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(String, u32)> {
        comments(FileId(0), source)
            .into_iter()
            .map(|c| (c.text, c.span.start))
            .collect()
    }

    #[test]
    fn comments_run_to_the_end_of_the_line_outside_strings() {
        let source = "let a = \"// no\" // yes \r\nlet b = 1 / 2 //x\n// last";
        assert_eq!(
            texts(source),
            vec![
                ("// yes".to_string(), 16),
                ("//x".to_string(), 39),
                ("// last".to_string(), 43)
            ]
        );
    }

    #[test]
    fn an_escaped_quote_does_not_end_a_string() {
        assert_eq!(texts(r#"let a = "\" // no" // yes"#).len(), 1);
    }
}
