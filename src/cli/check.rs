//! `seg check PATH...`: parse, resolve and type-check files or folders.
//!
//! Each file given is a program root. In a folder, every `.seg` file that no other file
//! of the folder imports is a root (so a shared `schema.seg` is checked through the files
//! that import it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seg::CompileError;
use seg::diagnostics::{Format, Located, render_human, to_github, to_json};
use seg::syntax::{FileId, SourceMap, ast, parse_module};

/// Arguments of `seg check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `.seg` files or folders (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
}

/// Checks every root and prints all diagnostics; exit 1 when any error was found.
pub fn run(args: &Args) -> ExitCode {
    let roots = match roots(&args.paths) {
        Ok(roots) => roots,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut printer = Printer {
        format: args.format,
        json: Vec::new(),
        errors: 0,
    };
    for root in &roots {
        match seg::compile(root) {
            Ok(_) => {}
            Err(CompileError::Syntax(sources, errors)) => printer.print(&errors, &sources),
            Err(CompileError::Check(sources, errors)) => printer.print(&errors, &sources),
        }
    }
    printer.finish(roots.len());
    if printer.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

struct Printer {
    format: Format,
    json: Vec<serde_json::Value>,
    errors: usize,
}

impl Printer {
    fn print<D: Located>(&mut self, diagnostics: &[D], sources: &SourceMap) {
        self.errors += diagnostics.len();
        for d in diagnostics {
            match self.format {
                Format::Human => eprint!("{}", render_human(d, sources, super::colour())),
                Format::Json => self.json.push(to_json(d, sources, "error")),
                Format::Github => println!("{}", to_github(d, sources, "error")),
            }
        }
    }

    fn finish(&self, files: usize) {
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&self.json).unwrap_or_default()
            ),
            Format::Human if self.errors > 0 => eprintln!("{}", super::error_count(self.errors)),
            Format::Human => eprintln!(
                "checked {files} program{}: no problems",
                if files == 1 { "" } else { "s" }
            ),
            Format::Github => {}
        }
    }
}

/// The program roots among the given paths.
fn roots(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut roots = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = BTreeSet::new();
            collect_seg_files(path, &mut files)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
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
