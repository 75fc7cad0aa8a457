//! Language server: running the syntax, check and lint stages over the programs the open
//! buffers belong to — the same functions `seg check` runs — with each file's parse kept
//! until its text changes, so an edit re-parses one file and re-checks its program.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::{fs, io};

use lsp_types::{TextDocumentContentChangeEvent, Url};

use super::diagnostics::Problem;
use super::documents::{Documents, canonical};
use crate::check::hir::Hir;
use crate::syntax::ast::{Item, Module};
use crate::syntax::{FileId, Files, Program, SourceMap, SyntaxError, load_program_with};

/// The open buffers and what is known about the programs they belong to.
#[derive(Default)]
pub struct Workspace {
    /// The open buffers.
    documents: Documents,
    /// Parses of files, kept until their text changes.
    parses: ParseCache,
    /// The latest analysis of each program root.
    analyses: BTreeMap<PathBuf, Analysis>,
    /// The latest program of each root that parsed (and its HIR from the latest check
    /// that passed), for completion while a file does not parse.
    last_good: HashMap<PathBuf, Arc<Snapshot>>,
}

/// One program as the stages left it.
pub struct Analysis {
    /// The root file.
    pub root: PathBuf,
    /// Every file read, by the loader's names.
    pub sources: SourceMap,
    /// The program, when every file parsed.
    pub program: Option<Program>,
    /// The HIR, when the program checked.
    pub hir: Option<Hir>,
    /// Syntax or check errors, or lint warnings: what `seg check` would print.
    pub problems: Vec<Problem>,
}

/// A program that parsed, and the HIR of the latest check of its root that passed.
pub struct Snapshot {
    /// The program.
    pub program: Program,
    /// The HIR, if the program (or an earlier version of it) checked.
    pub hir: Option<Hir>,
}

impl Workspace {
    /// Opens or replaces a buffer; `None` when the URI is not a file.
    pub fn open(&mut self, uri: Url, version: i32, text: String) -> Option<PathBuf> {
        self.documents.open(uri, version, text)
    }

    /// Applies the changes of one `didChange` to a buffer.
    pub fn change(
        &mut self,
        uri: Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<PathBuf> {
        self.documents.change(uri, version, changes)
    }

    /// Closes a buffer: its file on disk counts again.
    pub fn close(&mut self, uri: &Url) -> Option<PathBuf> {
        self.documents.close(uri)
    }

    /// The open buffers.
    pub fn documents(&self) -> &Documents {
        &self.documents
    }

    /// Analyses every program an open buffer belongs to, and forgets the others.
    pub fn analyze(&mut self) {
        for root in self.open_roots() {
            self.analyze_root(&root);
        }
    }

    /// After an edit of the file at `changed`: analyses again the programs it belongs to,
    /// and those of open buffers not analysed yet; forgets the others.
    pub fn reanalyze(&mut self, changed: &Path) {
        let affected: BTreeSet<PathBuf> = self.roots_of(changed).into_iter().collect();
        for root in self.open_roots() {
            if affected.contains(&root) || !self.analyses.contains_key(&root) {
                self.analyze_root(&root);
            }
        }
    }

    /// The roots of the programs of the open buffers; the analyses of other roots are
    /// dropped.
    fn open_roots(&mut self) -> BTreeSet<PathBuf> {
        let open: Vec<PathBuf> = self.documents.paths().cloned().collect();
        let mut roots = BTreeSet::new();
        for path in &open {
            roots.extend(self.roots_of(path));
        }
        self.analyses.retain(|root, _| roots.contains(root));
        self.last_good.retain(|root, _| roots.contains(root));
        roots
    }

    /// The current analyses.
    pub fn analyses(&self) -> impl Iterator<Item = &Analysis> {
        self.analyses.values()
    }

    /// The analyses whose program includes the file at `path` (canonical).
    pub fn analyses_of(&self, path: &Path) -> Vec<&Analysis> {
        self.analyses
            .values()
            .filter(|analysis| analysis.file_id(path).is_some())
            .collect()
    }

    /// The latest program including `path` that parsed.
    pub fn snapshot_of(&self, path: &Path) -> Option<&Snapshot> {
        self.last_good
            .values()
            .map(Arc::as_ref)
            .find(|snapshot| file_of(&snapshot.program.sources, path).is_some())
    }

    /// The module of the open file at `path` with the text it was parsed from: its
    /// current text when it parses, otherwise the latest text that did.
    pub fn module_of(&mut self, path: &Path) -> Option<(Module, String)> {
        let text = self.documents.get(path)?.text.clone();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        match self.parses.any_parse(path, &text) {
            Ok(module) => Some((module, text)),
            Err(_) => {
                let (old_text, module) = self.parses.last_good.get(path)?.clone();
                Some((module, old_text))
            }
        }
    }

    /// Keeps the program of an analysis that parsed, and its HIR when it checked.
    fn remember(&mut self, analysis: &Analysis) {
        let Some(program) = &analysis.program else {
            return;
        };
        let hir = analysis.hir.clone().or_else(|| {
            let earlier = self.last_good.get(&analysis.root)?;
            earlier.hir.clone()
        });
        let snapshot = Snapshot {
            program: program.clone(),
            hir,
        };
        self.last_good
            .insert(analysis.root.clone(), Arc::new(snapshot));
    }

    /// Analyses the program rooted at `root` and keeps the result.
    fn analyze_root(&mut self, root: &Path) {
        let analysis = self.load_check_lint(root);
        self.remember(&analysis);
        self.analyses.insert(root.to_path_buf(), analysis);
    }

    /// Loads, checks and lints the program rooted at `root`, as `seg check` does.
    fn load_check_lint(&mut self, root: &Path) -> Analysis {
        let mut files = Buffers {
            documents: &self.documents,
            parses: &mut self.parses,
        };
        let program = match load_program_with(root, &mut files) {
            Ok(program) => program,
            Err((sources, errors)) => {
                return Analysis {
                    root: root.to_path_buf(),
                    sources,
                    program: None,
                    hir: None,
                    problems: errors.iter().map(Problem::of).collect(),
                };
            }
        };
        let (hir, problems) = match crate::check::check(&program) {
            Ok(hir) => {
                let lints = crate::lint::lint(&program, &hir);
                (Some(hir), lints.iter().map(Problem::of).collect())
            }
            Err(errors) => (None, errors.iter().map(Problem::of).collect()),
        };
        Analysis {
            root: root.to_path_buf(),
            sources: program.sources.clone(),
            program: Some(program),
            hir,
            problems,
        }
    }

    /// The program roots that include the file at `path`: the `.seg` files of its folder
    /// that no other file there imports and that import it, directly or not; the file
    /// itself when there are none (as `seg check` treats a folder).
    fn roots_of(&mut self, path: &Path) -> Vec<PathBuf> {
        let folder = path.parent().unwrap_or(Path::new("."));
        let mut candidates: BTreeSet<PathBuf> = seg_files_in(folder);
        candidates.insert(path.to_path_buf());
        let imported: BTreeSet<PathBuf> = candidates
            .iter()
            .flat_map(|file| self.imports_of(file))
            .collect();
        let roots: Vec<PathBuf> = candidates
            .iter()
            .filter(|file| !imported.contains(*file))
            .filter(|file| *file == path || self.reaches(file, path))
            .cloned()
            .collect();
        if roots.is_empty() {
            vec![path.to_path_buf()]
        } else {
            roots
        }
    }

    /// Whether the program rooted at `from` imports `target`, directly or not.
    fn reaches(&mut self, from: &Path, target: &Path) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_path_buf()];
        while let Some(file) = stack.pop() {
            for import in self.imports_of(&file) {
                if import == target {
                    return true;
                }
                if seen.insert(import.clone()) {
                    stack.push(import);
                }
            }
        }
        false
    }

    /// The canonical paths a file imports (none when it cannot be read or parsed).
    fn imports_of(&mut self, file: &Path) -> Vec<PathBuf> {
        let Ok(text) = read(&self.documents, file) else {
            return Vec::new();
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let Ok(module) = self.parses.any_parse(file, text) else {
            return Vec::new();
        };
        let folder = file.parent().unwrap_or(Path::new("."));
        let imports = module.items.iter().filter_map(|item| match item {
            Item::Import(import) => Some(canonical(&folder.join(&import.path.value))),
            _ => None,
        });
        imports.collect()
    }
}

impl Analysis {
    /// The id of the file at `path` (canonical) in this program, if it is part of it.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        file_of(&self.sources, path)
    }
}

/// The id of the file at `path` (canonical) among `sources`.
pub fn file_of(sources: &SourceMap, path: &Path) -> Option<FileId> {
    sources
        .iter()
        .find(|(_, file)| canonical(&file.path) == path)
        .map(|(id, _)| id)
}

/// The `.seg` files directly in a folder, canonical.
fn seg_files_in(folder: &Path) -> BTreeSet<PathBuf> {
    let Ok(entries) = fs::read_dir(folder) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "seg") && path.is_file())
        .map(|path| canonical(&path))
        .collect()
}

/// The text of a file: its open buffer, or the file on disk.
fn read(documents: &Documents, path: &Path) -> io::Result<String> {
    match documents.get(path) {
        Some(document) => Ok(document.text.clone()),
        None => fs::read_to_string(path),
    }
}

/// One file's parse, and the text it is of.
struct CachedParse {
    text: String,
    result: Result<Module, Vec<SyntaxError>>,
}

/// Parses by canonical path and file id, each reused while the file's text is the same.
#[derive(Default)]
struct ParseCache {
    parses: HashMap<(PathBuf, FileId), CachedParse>,
    /// How many texts were parsed (the tests check that an edit parses one file).
    #[cfg(test)]
    parsed: usize,
    /// The latest text of each file that parsed, with its module.
    last_good: HashMap<PathBuf, (String, Module)>,
}

impl ParseCache {
    /// The parse of `text` as file `file`, from the cache when the text is unchanged.
    fn parse(&mut self, path: &Path, file: FileId, text: &str) -> Result<Module, Vec<SyntaxError>> {
        let key = (path.to_path_buf(), file);
        if let Some(cached) = self.parses.get(&key)
            && cached.text == text
        {
            return cached.result.clone();
        }
        let result = crate::syntax::parse_module(file, text);
        #[cfg(test)]
        {
            self.parsed += 1;
        }
        if let Ok(module) = &result {
            self.last_good
                .insert(path.to_path_buf(), (text.to_string(), module.clone()));
        }
        let cached = CachedParse {
            text: text.to_string(),
            result: result.clone(),
        };
        self.parses.insert(key, cached);
        result
    }

    /// A parse of `text` under any file id (for what does not depend on ids: imports,
    /// the outline).
    fn any_parse(&mut self, path: &Path, text: &str) -> Result<Module, Vec<SyntaxError>> {
        let cached = self
            .parses
            .iter()
            .find(|((p, _), cached)| p == path && cached.text == text);
        match cached {
            Some((_, cached)) => cached.result.clone(),
            None => self.parse(path, FileId(0), text),
        }
    }
}

/// The loader's view of the files: open buffers over the disk, parses from the cache.
struct Buffers<'a> {
    documents: &'a Documents,
    parses: &'a mut ParseCache,
}

impl Files for Buffers<'_> {
    fn read(&mut self, path: &Path) -> io::Result<String> {
        read(self.documents, path)
    }

    fn parse(&mut self, file: FileId, path: &Path, text: &str) -> Result<Module, Vec<SyntaxError>> {
        self.parses.parse(&canonical(path), file, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "entity member key id {\n  id: string\n  spend: decimal\n}\n";
    const MAIN: &str = "import \"lib.seg\"\n\nsegment big when spend > 100\n";

    /// A change replacing the whole text.
    fn whole(text: &str) -> Vec<TextDocumentContentChangeEvent> {
        vec![TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.to_string(),
        }]
    }

    /// A folder with `lib.seg` and `main.seg` (which imports it), `main.seg` open.
    fn opened() -> (tempfile::TempDir, Workspace, Url) {
        let Ok(folder) = tempfile::tempdir() else {
            panic!("a temporary folder");
        };
        let write = |name: &str, text: &str| {
            std::fs::write(folder.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
        };
        write("lib.seg", LIB);
        write("main.seg", MAIN);
        let Ok(uri) = Url::from_file_path(canonical(&folder.path().join("main.seg"))) else {
            panic!("an absolute path");
        };
        let mut workspace = Workspace::default();
        workspace.open(uri.clone(), 1, MAIN.to_string());
        workspace.analyze();
        (folder, workspace, uri)
    }

    #[test]
    fn an_edit_parses_only_the_edited_file() {
        let (_folder, mut workspace, uri) = opened();
        let before = workspace.parses.parsed;
        let Some(path) = workspace.change(uri, 2, whole(&MAIN.replace("100", "200"))) else {
            panic!("a file URI");
        };
        workspace.reanalyze(&path);
        assert_eq!(workspace.parses.parsed - before, 1);
        let analyses: Vec<&Analysis> = workspace.analyses().collect();
        assert_eq!(analyses.len(), 1);
        assert!(analyses[0].hir.is_some() && analyses[0].problems.is_empty());
    }

    #[test]
    fn an_imported_file_belongs_to_its_importer() {
        let (folder, mut workspace, _uri) = opened();
        let lib = canonical(&folder.path().join("lib.seg"));
        assert_eq!(
            workspace.roots_of(&lib),
            vec![canonical(&folder.path().join("main.seg"))]
        );
        assert_eq!(workspace.analyses_of(&lib).len(), 1);
    }

    #[test]
    fn a_file_that_stops_parsing_keeps_its_last_program() {
        let (_folder, mut workspace, uri) = opened();
        let Some(path) = workspace.change(uri, 2, whole(&format!("{MAIN}let x = ("))) else {
            panic!("a file URI");
        };
        workspace.reanalyze(&path);
        let codes: Vec<Option<String>> = workspace
            .analyses()
            .flat_map(|a| a.problems.iter().map(|p| p.code.clone()))
            .collect();
        assert_eq!(codes, vec![Some("seg::syntax::unexpected".to_string())]);
        let Some(snapshot) = workspace.snapshot_of(&path) else {
            panic!("the earlier program is kept");
        };
        assert_eq!(snapshot.program.modules.len(), 2);
        assert!(snapshot.hir.is_some());
        let Some((module, text)) = workspace.module_of(&path) else {
            panic!("the earlier module is kept");
        };
        assert_eq!((module.items.len(), text.as_str()), (2, MAIN));
    }

    #[test]
    fn an_edit_leaves_the_programs_of_other_folders_alone() {
        let (_folder, mut workspace, uri) = opened();
        let Ok(other) = tempfile::tempdir() else {
            panic!("a temporary folder");
        };
        let other_path = canonical(other.path()).join("other.seg");
        let Ok(other_uri) = Url::from_file_path(&other_path) else {
            panic!("an absolute path");
        };
        workspace.open(other_uri, 1, LIB.to_string());
        workspace.reanalyze(&other_path);
        let snapshot = |workspace: &Workspace, root: &Path| {
            workspace
                .last_good
                .get(root)
                .cloned()
                .unwrap_or_else(|| panic!("analysed"))
        };
        let before = snapshot(&workspace, &other_path);
        let Some(path) = workspace.change(uri, 2, whole(&MAIN.replace("100", "200"))) else {
            panic!("a file URI");
        };
        let main_before = snapshot(&workspace, &path);
        workspace.reanalyze(&path);
        assert!(Arc::ptr_eq(&before, &snapshot(&workspace, &other_path)));
        assert!(!Arc::ptr_eq(&main_before, &snapshot(&workspace, &path)));
    }
}
