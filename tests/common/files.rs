//! Finding files in a folder tree, for the test files that need it (each includes this
//! file with `#[path = "common/files.rs"] mod files;`).

use std::path::{Path, PathBuf};

/// Every file below `dir`, in its subfolders too, sorted; only those with `extension`
/// when one is given. Panics when a folder cannot be read.
pub fn files_below(dir: &Path, extension: Option<&str>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            files.extend(files_below(&path, extension));
        } else if extension.is_none_or(|x| path.extension().is_some_and(|e| e == x)) {
            files.push(path);
        }
    }
    files.sort();
    files
}
