//! Language server: the buffers the editor has open, with their versions. An open buffer
//! takes precedence over the file on disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::Url;

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

    /// Replaces the text of an open buffer (the whole text: the server asks for full
    /// synchronisation). An unknown buffer is opened.
    pub fn change(&mut self, uri: Url, version: i32, text: String) -> Option<PathBuf> {
        self.open(uri, version, text)
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
