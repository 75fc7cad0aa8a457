//! Finding `.seg` files among the paths given to a command: all of them (`seg fmt`), or the
//! program roots (`seg check`, `seg test`).
//!
//! Each file given is a program root. In a folder (searched recursively), every `.seg`
//! file that no other file of the folder imports is a root, so a shared `schema.seg` is
//! checked through the files that import it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use seg::syntax::{FileId, ast, parse_module};

/// The program roots among the given paths.
pub fn roots(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut roots = Vec::new();
    for path in paths {
        if path.is_dir() {
            let files = files_in(path)?;
            let imported: BTreeSet<PathBuf> = files.iter().flat_map(|f| imports_of(f)).collect();
            roots.extend(
                files
                    .into_iter()
                    .filter(|f| !imported.contains(&canonical(f))),
            );
        } else if path.exists() {
            roots.push(path.clone());
        } else {
            return Err(format!("no such file or folder: `{}`", path.display()));
        }
    }
    Ok(roots)
}

/// The files named, and the `*.seg` files below the folders named, in a stable order.
pub fn seg_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(files_in(path)?);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("no such file or folder: `{}`", path.display()));
        }
    }
    Ok(files)
}

/// The `*.seg` files below a folder, recursively, sorted.
fn files_in(dir: &Path) -> Result<BTreeSet<PathBuf>, String> {
    let mut files = BTreeSet::new();
    collect_seg_files(dir, &mut files)
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    Ok(files)
}

/// Adds the `*.seg` files below `dir` (recursively) to `out`.
fn collect_seg_files(dir: &Path, out: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_seg_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "seg") {
            out.insert(path);
        }
    }
    Ok(())
}

/// The canonical paths a file imports (none when it does not parse).
fn imports_of(file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    if !text.contains("import") {
        return Vec::new(); // no `import` item can stand in it: spare the parse
    }
    let Ok(module) = parse_module(FileId(0), text.trim_start_matches('\u{feff}')) else {
        return Vec::new();
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    module
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Import(import) => Some(canonical(&dir.join(&import.path.value))),
            _ => None,
        })
        .collect()
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
