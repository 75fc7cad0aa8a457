//! Syntax stage: reading a program's files. The root file and every file it imports,
//! recursively, each parsed once, with import cycles and unreadable files reported.
//!
//! Files come from the disk, or from a [`Files`] of the caller's (an editor serves its
//! unsaved buffers and reuses the parses of files that did not change).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::ast::{Item, Module, StrLit};
use super::error::SyntaxError;
use super::parser::parse_module;
use super::source::SourceMap;
use super::span::FileId;

/// A parsed program: its source files and one module per file.
#[derive(Debug, Clone)]
pub struct Program {
    /// Every file read, so diagnostics can show their text.
    pub sources: SourceMap,
    /// One module per file, in load order (the root first, then imports depth first).
    pub modules: Vec<Module>,
}

/// Where a load gets each file's text, and its parse.
pub trait Files {
    /// The text of the file at `path` (as the loader names it: the root as given, an
    /// import joined to its importer's folder).
    fn read(&mut self, path: &Path) -> io::Result<String>;

    /// The module of one file's text (`text` has no byte-order mark), its spans in `file`.
    /// A cache may return an earlier parse of the same text and file id.
    fn parse(&mut self, file: FileId, path: &Path, text: &str) -> Result<Module, Vec<SyntaxError>> {
        let _ = path;
        parse_module(file, text)
    }
}

/// The files on disk, each parsed when read.
struct Disk;

impl Files for Disk {
    fn read(&mut self, path: &Path) -> io::Result<String> {
        fs::read_to_string(path)
    }
}

/// Reads and parses the file at `root` and everything it imports.
///
/// On failure, returns the files read so far (to render the errors against) and the errors
/// of every file, not only the first one that failed.
pub fn load_program(root: &Path) -> Result<Program, (SourceMap, Vec<SyntaxError>)> {
    load_program_with(root, &mut Disk)
}

/// Reads and parses the file at `root` and everything it imports, each file from `files`.
pub fn load_program_with(
    root: &Path,
    files: &mut dyn Files,
) -> Result<Program, (SourceMap, Vec<SyntaxError>)> {
    let mut loader = Loader::new(files);
    match loader.files.read(root) {
        Ok(text) => loader.load(root, &text),
        Err(err) => loader
            .errors
            .push(not_found(root, &root.display().to_string(), None, &err)),
    }
    loader.finish()
}

/// Parses `text` as if it were the file at `path` (for tests and editors), following its
/// imports relative to `path`'s folder.
pub fn load_program_from_text(
    path: &Path,
    text: &str,
) -> Result<Program, (SourceMap, Vec<SyntaxError>)> {
    let mut disk = Disk;
    let mut loader = Loader::new(&mut disk);
    loader.load(path, text);
    loader.finish()
}

/// The state of one load: files read, modules parsed, errors met, and the import chain.
struct Loader<'f> {
    /// Where texts and parses come from.
    files: &'f mut dyn Files,
    /// Every file read.
    sources: SourceMap,
    /// Modules parsed, in load order.
    modules: Vec<Module>,
    /// Errors of all files.
    errors: Vec<SyntaxError>,
    /// Canonical path → file, for files already read.
    loaded: HashMap<PathBuf, FileId>,
    /// The files being loaded, outermost first (canonical path, as shown to the user).
    chain: Vec<(PathBuf, String)>,
}

impl<'f> Loader<'f> {
    /// A load that reads from `files`.
    fn new(files: &'f mut dyn Files) -> Loader<'f> {
        Loader {
            files,
            sources: SourceMap::default(),
            modules: Vec::new(),
            errors: Vec::new(),
            loaded: HashMap::new(),
            chain: Vec::new(),
        }
    }

    /// Parses one file's text and, depth first, the files it imports.
    fn load(&mut self, path: &Path, text: &str) {
        let canonical = canonical(path);
        let file = self.sources.add(path, text);
        self.loaded.insert(canonical.clone(), file);
        let text = self.sources.get(file).text.as_str();
        let module = match self.files.parse(file, path, text) {
            Ok(module) => module,
            Err(errors) => return self.errors.extend(errors),
        };
        let imports = imports_of(&module);
        self.modules.push(module);
        self.chain
            .push((canonical, shown_name(path, self.chain.first())));
        let folder = path.parent().unwrap_or(Path::new(""));
        for import in imports {
            self.import(folder, &import);
        }
        self.chain.pop();
    }

    /// Follows one `import`: an error for a cycle or an unreadable file, nothing for a file
    /// already loaded, otherwise loads it.
    fn import(&mut self, folder: &Path, import: &StrLit) {
        let path = folder.join(&import.value);
        let canonical = canonical(&path);
        if let Some(start) = self.chain.iter().position(|(open, _)| *open == canonical) {
            return self.errors.push(self.cycle(start, import));
        }
        if self.loaded.contains_key(&canonical) {
            return;
        }
        match self.files.read(&path) {
            Ok(text) => self.load(&path, &text),
            Err(err) => self
                .errors
                .push(not_found(&path, &import.value, Some(import), &err)),
        }
    }

    /// The error for an import that leads back to `self.chain[start]`.
    fn cycle(&self, start: usize, import: &StrLit) -> SyntaxError {
        let mut names: Vec<&str> = self.chain[start..]
            .iter()
            .map(|(_, name)| name.as_str())
            .collect();
        names.push(&self.chain[start].1);
        SyntaxError::ImportCycle {
            chain: names.join(" → "),
            span: import.span,
        }
    }

    /// The program, or everything read and every error.
    fn finish(self) -> Result<Program, (SourceMap, Vec<SyntaxError>)> {
        if self.errors.is_empty() {
            Ok(Program {
                sources: self.sources,
                modules: self.modules,
            })
        } else {
            Err((self.sources, self.errors))
        }
    }
}

/// The paths of a module's `import` items, in order.
fn imports_of(module: &Module) -> Vec<StrLit> {
    let imports = module.items.iter().filter_map(|item| match item {
        Item::Import(import) => Some(import.path.clone()),
        _ => None,
    });
    imports.collect()
}

/// A path made absolute and free of links, so one file reached two ways is one file.
/// A path that cannot be resolved (an unsaved editor buffer) stays as it is.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How a file is named in an import cycle: relative to the root file's folder when inside it.
fn shown_name(path: &Path, root: Option<&(PathBuf, String)>) -> String {
    let root_folder = root.and_then(|(root, _)| root.parent());
    let relative = root_folder.and_then(|folder| {
        canonical(path)
            .strip_prefix(folder)
            .ok()
            .map(Path::to_path_buf)
    });
    let shown = relative
        .as_deref()
        .or_else(|| path.file_name().map(Path::new))
        .unwrap_or(path);
    shown.display().to_string()
}

/// The error for a file that cannot be read.
fn not_found(path: &Path, written: &str, import: Option<&StrLit>, err: &io::Error) -> SyntaxError {
    let why = match err.kind() {
        io::ErrorKind::NotFound => "the file does not exist".to_string(),
        io::ErrorKind::PermissionDenied => "permission to read it is denied".to_string(),
        io::ErrorKind::InvalidData => "the file is not UTF-8 text".to_string(),
        io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        _ => err.to_string().to_lowercase(),
    };
    SyntaxError::ImportNotFound {
        path: written.to_string(),
        span: import.map(|import| import.span),
        reason: format!("{why} (looked for `{}`)", path.display()),
    }
}
