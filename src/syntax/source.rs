//! Syntax stage: the loaded source files, so diagnostics can show the text they point at.

use std::path::{Path, PathBuf};

use super::span::FileId;

/// One loaded `.seg` file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path it was read from (as given or as resolved from an import).
    pub path: PathBuf,
    /// Its text, without a leading byte-order mark.
    pub text: String,
}

/// Every file of a program, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file (a leading UTF-8 byte-order mark is dropped) and returns its id.
    pub fn add(&mut self, path: &Path, text: &str) -> FileId {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text: text.to_string(),
        });
        FileId((self.files.len() - 1) as u32)
    }

    /// The file with this id.
    ///
    /// Ids are only ever made by [`SourceMap::add`], so the index is in range.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of the file read from `path`, if it was loaded.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// All files with their ids, in load order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column (in characters) of a byte offset in a file.
    pub fn line_col(&self, id: FileId, offset: u32) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = (offset as usize).min(text.len());
        let before = &text[..text.floor_char_boundary(offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}
