//! Language server tests: every request at every position of the reference programs
//! (and past the ends of lines and files) answers without panicking.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Url};

use super::completion::{Vocabulary, complete};
use super::documents::canonical;
use super::target::Target;
use super::{Workspace, definition, hover, rename};

/// The reference programs next to the repository, copied into a temporary folder.
fn reference_programs() -> (tempfile::TempDir, Vec<PathBuf>) {
    let Ok(folder) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/examples");
    let mut copies = Vec::new();
    for entry in std::fs::read_dir(&examples).into_iter().flatten().flatten() {
        let copy = canonical(folder.path()).join(entry.file_name());
        std::fs::copy(entry.path(), &copy).unwrap_or_else(|e| panic!("{e}"));
        copies.push(copy);
    }
    (folder, copies)
}

#[test]
fn every_request_at_every_position_answers() {
    let (_folder, files) = reference_programs();
    assert!(!files.is_empty(), "the reference programs are found");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let Ok(uri) = Url::from_file_path(&path) else {
            panic!("an absolute path");
        };
        let mut workspace = Workspace::default();
        workspace.open(uri, 1, text.clone());
        workspace.analyze();
        let vocabulary = workspace
            .snapshot_of(&path)
            .map(|s| Vocabulary::new(&s.program, s.hir.as_ref()))
            .unwrap_or_default();
        let lines = text.lines().count() as u32;
        for line in 0..=lines + 1 {
            let width = text.lines().nth(line as usize).map_or(0, |l| l.len()) as u32;
            for character in (0..=width + 2).chain([u32::MAX]) {
                let position = Position::new(line, character);
                let Some(target) = Target::at(&workspace, &path, position) else {
                    panic!("{} parses", path.display());
                };
                let _ = hover::hover(&target);
                let _ = definition::definition(&target);
                let _ = rename::prepare(&target);
                let offset = target.offset as usize;
                let _ = complete(&vocabulary, &text[..text.floor_char_boundary(offset)]);
                let targets = [target];
                let _ = definition::references(&targets, true);
                let _ = rename::rename(&targets, "renamed");
            }
        }
    }
}
