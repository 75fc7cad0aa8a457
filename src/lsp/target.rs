//! Language server: the name under the cursor, in the program the cursor's file belongs
//! to — what hover, go to definition, references and rename start from.

use std::path::Path;

use lsp_types::{Location, Position};

use super::analysis::{Analysis, Workspace};
use super::documents::file_uri;
use super::index::{Index, Occurrence};
use super::position::LineIndex;
use crate::check::hir::Hir;
use crate::syntax::{FileId, Program, Span};

/// A program that parsed, its index, and a position in one of its files.
pub struct Target<'a> {
    /// The program.
    pub program: &'a Program,
    /// Its index of names.
    pub index: Index,
    /// The file of the position.
    pub file: FileId,
    /// The byte offset of the position in that file.
    pub offset: u32,
    /// The HIR of the program, or of its latest version that checked.
    pub hir: Option<&'a Hir>,
    /// The lines of each file, by file id.
    lines: Vec<LineIndex>,
}

impl<'a> Target<'a> {
    /// The first program that includes the file at `path` and parsed, with the offset of
    /// `position` in that file.
    pub fn at(workspace: &'a Workspace, path: &Path, position: Position) -> Option<Target<'a>> {
        let hir = workspace.snapshot_of(path).and_then(|s| s.hir.as_ref());
        workspace
            .analyses_of(path)
            .into_iter()
            .find_map(|analysis| Target::in_analysis(analysis, path, position, hir))
    }

    /// The same position in every program that includes the file and parsed.
    pub fn all(workspace: &'a Workspace, path: &Path, position: Position) -> Vec<Target<'a>> {
        workspace
            .analyses_of(path)
            .into_iter()
            .filter_map(|analysis| Target::in_analysis(analysis, path, position, None))
            .collect()
    }

    fn in_analysis(
        analysis: &'a Analysis,
        path: &Path,
        position: Position,
        earlier_hir: Option<&'a Hir>,
    ) -> Option<Target<'a>> {
        let program = analysis.program.as_ref()?;
        let file = analysis.file_id(path)?;
        let lines: Vec<LineIndex> = program
            .sources
            .iter()
            .map(|(_, source)| LineIndex::new(&source.text))
            .collect();
        let text = &program.sources.get(file).text;
        let offset = lines.get(file.0 as usize)?.offset(text, position);
        Some(Target {
            program,
            index: Index::new(program),
            file,
            offset: u32::try_from(offset).ok()?,
            hir: analysis.hir.as_ref().or(earlier_hir),
            lines,
        })
    }

    /// The name under the cursor.
    pub fn occurrence(&self) -> Option<&Occurrence> {
        self.index.at(self.file, self.offset)
    }

    /// The source text a span covers (empty when out of range).
    pub fn text(&self, span: Span) -> &'a str {
        let text = &self.program.sources.get(span.file).text;
        text.get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// The LSP location of a span.
    pub fn location(&self, span: Span) -> Option<Location> {
        let source = self.program.sources.get(span.file);
        let uri = file_uri(&source.path)?;
        let range = self
            .lines
            .get(span.file.0 as usize)?
            .range(&source.text, span);
        Some(Location::new(uri, range))
    }
}
