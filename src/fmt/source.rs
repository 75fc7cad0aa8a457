//! Formatting stage: what the printer asks of the original text — where blank lines were,
//! which tokens share a line, where a brace stands — and the comments not yet written.

use crate::syntax::Comment;

/// The text being formatted (without a byte-order mark).
pub(super) struct Source<'s> {
    text: &'s str,
}

impl<'s> Source<'s> {
    /// Wraps the text.
    pub(super) fn new(text: &'s str) -> Self {
        Source { text }
    }

    /// The offset of the end of the text.
    pub(super) fn end(&self) -> u32 {
        self.text.len() as u32
    }

    /// The text between two offsets (empty when they do not fall on characters).
    fn slice(&self, from: u32, to: u32) -> &'s str {
        self.text.get(from as usize..to as usize).unwrap_or("")
    }

    /// Whether the whitespace right before `pos` holds a blank line.
    pub(super) fn blank_before(&self, pos: u32) -> bool {
        let before = self.slice(0, pos);
        let code = before.trim_end_matches([' ', '\t', '\r', '\n']);
        before[code.len()..].matches('\n').count() >= 2
    }

    /// Whether a blank line stands anywhere between `from` and `to`.
    pub(super) fn has_blank_line(&self, from: u32, to: u32) -> bool {
        let lines: Vec<&str> = self.slice(from, to).split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    /// Whether `from` and `to` are on the same line.
    pub(super) fn same_line(&self, from: u32, to: u32) -> bool {
        !self.slice(from, to).contains('\n')
    }

    /// The offset of the next `target` byte at or after `from`, outside comments and strings
    /// (the end of the text when there is none).
    pub(super) fn find(&self, from: u32, target: u8) -> u32 {
        let bytes = self.text.as_bytes();
        let mut at = from as usize;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b if b == target => return at as u32,
                b'/' if bytes.get(at + 1) == Some(&b'/') => {
                    at = bytes[at..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len(), |n| at + n + 1);
                }
                b'"' => at = self.string_end(at),
                _ => at += 1,
            }
        }
        self.end()
    }

    /// The offset just past the string literal that opens at `start`.
    fn string_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = start + 1;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b'\\' => at += 2,
                b'"' | b'\n' => return at + 1,
                _ => at += 1,
            }
        }
        bytes.len()
    }
}

/// The comments of the file in source order, and how many of them are already placed.
///
/// Comments are always placed in source order, so the placed ones are a prefix.
pub(super) struct Comments {
    list: Vec<Comment>,
    placed: usize,
}

impl Comments {
    /// All comments of the file, none placed yet.
    pub(super) fn new(list: Vec<Comment>) -> Self {
        Comments { list, placed: 0 }
    }

    /// Takes every comment not yet placed that starts before `pos`.
    pub(super) fn take_before(&mut self, pos: u32) -> Vec<Comment> {
        let from = self.placed;
        while self
            .list
            .get(self.placed)
            .is_some_and(|c| c.span.start < pos)
        {
            self.placed += 1;
        }
        self.list[from..self.placed].to_vec()
    }

    /// Takes the next comment if it starts in `after..limit` on the line where `after` is:
    /// a comment that ends the line of the code before it.
    pub(super) fn take_trailing(
        &mut self,
        source: &Source<'_>,
        after: u32,
        limit: u32,
    ) -> Option<Comment> {
        let next = self.list.get(self.placed)?;
        let start = next.span.start;
        if start < after || start >= limit || !source.same_line(after, start) {
            return None;
        }
        self.placed += 1;
        Some(next.clone())
    }

    /// Whether a comment not yet placed starts in `from..to`.
    pub(super) fn any_in(&self, from: u32, to: u32) -> bool {
        self.list[self.placed..]
            .iter()
            .any(|c| c.span.start >= from && c.span.start < to)
    }
}
