//! Language server: the buffers the editor has open, with their versions. An open buffer
//! takes precedence over the file on disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Url};

use super::position::LineIndex;

/// One open buffer.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URI the editor named it by.
    pub uri: Url,
    /// The version of its latest change.
    pub version: i32,
    /// Its text as the editor has it.
    pub text: String,
}

/// The open buffers, by canonical file path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    /// Opens (or replaces) the buffer of `uri`; `None` when it is not a file.
    pub fn open(&mut self, uri: Url, version: i32, text: String) -> Option<PathBuf> {
        let path = file_path(&uri)?;
        let document = Document { uri, version, text };
        self.open.insert(path.clone(), document);
        Some(path)
    }

    /// Applies the changes of one `didChange` to an open buffer, in order: each replaces a
    /// range, or the whole text when it has none. An unknown buffer is opened with the
    /// changes applied to an empty text.
    pub fn change(
        &mut self,
        uri: Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<PathBuf> {
        let path = file_path(&uri)?;
        let mut text = self.open.remove(&path).map(|d| d.text).unwrap_or_default();
        for change in changes {
            apply(&mut text, change);
        }
        self.open
            .insert(path.clone(), Document { uri, version, text });
        Some(path)
    }

    /// Forgets the buffer of `uri`: the file on disk counts again.
    pub fn close(&mut self, uri: &Url) -> Option<PathBuf> {
        let path = file_path(uri)?;
        self.open.remove(&path);
        Some(path)
    }

    /// The open buffer of a file, by any path naming it.
    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(&canonical(path))
    }

    /// The canonical paths of the open buffers.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.open.keys()
    }
}

/// Applies one change to a text (a range past the end is clamped to it).
fn apply(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        Some(range) => {
            let lines = LineIndex::new(text);
            let start = lines.offset(text, range.start);
            let end = lines.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
        None => *text = change.text,
    }
}

/// The canonical path of a `file:` URI.
pub fn file_path(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path().ok().map(|path| canonical(&path))
}

/// The `file:` URI of a path (made absolute and canonical when it exists).
pub fn file_uri(path: &Path) -> Option<Url> {
    Url::from_file_path(canonical(path)).ok()
}

/// A path made absolute and free of links when the file exists; otherwise as given.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use lsp_types::{Position, Range};

    use super::*;

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn changes_apply_in_order() {
        let cases: &[(&str, Vec<TextDocumentContentChangeEvent>, &str)] = &[
            ("abc", vec![change(None, "xyz")], "xyz"),
            (
                "abc\ndef",
                vec![change(Some(((1, 1), (1, 2))), "E")],
                "abc\ndEf",
            ),
            // After a CJK character: UTF-16 positions.
            (
                "客户 x",
                vec![change(Some(((0, 3), (0, 4))), "y")],
                "客户 y",
            ),
            ("🦀a", vec![change(Some(((0, 2), (0, 3))), "b")], "🦀b"),
            (
                "let a = 1\n",
                vec![
                    change(Some(((0, 9), (0, 9))), " +"),
                    change(Some(((0, 11), (0, 11))), " 2"),
                ],
                "let a = 1 + 2\n",
            ),
            // Past the end: clamped.
            ("ab", vec![change(Some(((5, 0), (9, 9))), "!")], "ab!"),
            // A reversed range inserts at its start.
            ("abcd", vec![change(Some(((0, 3), (0, 1))), "-")], "abc-d"),
        ];
        for (before, changes, after) in cases {
            let mut text = before.to_string();
            for c in changes.clone() {
                apply(&mut text, c);
            }
            assert_eq!(&text, after, "{before:?}");
        }
    }
}
