//! Language server: converting between byte offsets (the spans of every stage) and LSP
//! positions (0-based line, and character counted in UTF-16 code units).

use lsp_types::{Position, Range};

use crate::syntax::Span;

/// Where the lines of one text start, to convert offsets and positions both ways.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first character of each line (`0` first).
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`'s lines (a line ends after `\n`; a `\r` before it belongs to it).
    pub fn new(text: &str) -> LineIndex {
        let newlines = text.match_indices('\n').map(|(at, _)| at + 1);
        LineIndex {
            line_starts: std::iter::once(0).chain(newlines).collect(),
        }
    }

    /// The LSP position of a byte offset of `text` (clamped to the text, and moved back
    /// to the start of a character it falls inside).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = text.floor_char_boundary(offset.min(text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of an LSP position in `text`. A line past the end is the end of the
    /// text; a character past the end of its line is the line's end (before `\r\n`); a
    /// character inside a surrogate pair is the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len();
        };
        let line = &text[start..self.line_end(text, position.line as usize)];
        let mut units = 0;
        for (at, c) in line.char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + at;
            }
        }
        start + line.len()
    }

    /// The byte offset where a line's text ends (before its `\n` or `\r\n`).
    fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next - 1);
        let content = &text[self.line_starts[line]..next];
        next - usize::from(content.ends_with('\r'))
    }

    /// The LSP range of a span of `text`.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }

    /// The range covering all of `text`.
    pub fn whole(&self, text: &str) -> Range {
        Range::new(Position::new(0, 0), self.position(text, text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text, byte offset, expected (line, character).
    const CASES: &[(&str, usize, (u32, u32))] = &[
        ("", 0, (0, 0)),
        ("abc", 2, (0, 2)),
        ("abc\ndef", 4, (1, 0)),
        ("abc\ndef", 7, (1, 3)),
        ("abc\r\ndef", 5, (1, 0)),
        // 生 is 3 bytes and one UTF-16 unit.
        ("生命 x", 7, (0, 3)),
        // 🦀 is 4 bytes and two UTF-16 units.
        ("a🦀b", 5, (0, 3)),
        ("x\n\"客户\" y", 11, (1, 5)),
    ];

    #[test]
    fn offsets_become_utf16_positions() {
        for &(text, offset, (line, character)) in CASES {
            let index = LineIndex::new(text);
            assert_eq!(
                index.position(text, offset),
                Position::new(line, character),
                "{text:?} at {offset}"
            );
        }
    }

    #[test]
    fn positions_become_the_same_offsets() {
        for &(text, offset, (line, character)) in CASES {
            let index = LineIndex::new(text);
            assert_eq!(
                index.offset(text, Position::new(line, character)),
                offset,
                "{text:?} at {line}:{character}"
            );
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(7, 0)), text.len());
        assert_eq!(index.position(text, 99), Position::new(1, 2));
        // Inside the two units of 🦀: its start.
        let text = "a🦀b";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 2)), 1);
        // Inside the bytes of 生: its start.
        assert_eq!(LineIndex::new("生").position("生", 2), Position::new(0, 0));
    }

    #[test]
    fn whole_range_ends_after_the_last_character() {
        let text = "a\n生🦀";
        let index = LineIndex::new(text);
        assert_eq!(
            index.whole(text),
            Range::new(Position::new(0, 0), Position::new(1, 3))
        );
    }
}
