//! `seg fmt [--check] PATH...`: rewrite `.seg` files in the canonical layout, or, with
//! `--check`, print what would change and write nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seg::diagnostics::render_human;
use seg::fmt::{FmtError, format_source};
use seg::syntax::SourceMap;
use similar::TextDiff;

use super::paths::seg_files;

/// Arguments of `seg fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `.seg` files, or folders searched recursively for `*.seg` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write nothing: print a diff of what would change, and exit 1 if anything would.
    #[arg(long)]
    check: bool,
}

/// What became of one file.
enum Outcome {
    /// Already formatted.
    Unchanged,
    /// Rewritten, or (with `--check`) in need of it.
    Changed,
    /// Not read, not parsed, not formatted or not written; reported.
    Failed,
}

/// Formats (or checks) every file; exit 1 on a failure, or when `--check` finds a change.
pub fn run(args: &Args) -> ExitCode {
    let files = match seg_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let outcomes: Vec<Outcome> = files.iter().map(|f| format_file(f, args.check)).collect();
    let failed = outcomes.iter().any(|o| matches!(o, Outcome::Failed));
    let changed = outcomes.iter().any(|o| matches!(o, Outcome::Changed));
    if failed || (args.check && changed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Formats one file: rewrites it when it changes, or prints the diff with `check`.
fn format_file(path: &Path, check: bool) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return Outcome::Failed;
        }
    };
    let formatted = match format_source(&text) {
        Ok(formatted) => formatted,
        Err(error) => {
            report(path, &text, &error);
            return Outcome::Failed;
        }
    };
    if formatted == text {
        Outcome::Unchanged
    } else if check {
        print!("{}", diff(path, &text, &formatted));
        Outcome::Changed
    } else if let Err(e) = write_in_place(path, &formatted) {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        Outcome::Failed
    } else {
        eprintln!("formatted {}", path.display());
        Outcome::Changed
    }
}

/// Prints why a file was not formatted.
fn report(path: &Path, text: &str, error: &FmtError) {
    let mut sources = SourceMap::default();
    sources.add(path, text);
    match error {
        FmtError::Syntax(errors) => super::print_diagnostics(errors, &sources),
        other => {
            eprintln!("`{}`:", path.display());
            eprint!("{}", render_human(other, &sources, super::colour()));
        }
    }
}

/// A unified diff from the file as it is to the file formatted.
fn diff(path: &Path, text: &str, formatted: &str) -> String {
    let name = path.display().to_string();
    TextDiff::from_lines(text, formatted)
        .unified_diff()
        .context_radius(3)
        .header(&name, &format!("{name} (formatted)"))
        .to_string()
}

/// Replaces a file's text: writes a temporary file beside it, then renames it over the
/// file, so that the file is never half written. The file keeps its permissions.
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    temporary.write_all(text.as_bytes())?;
    temporary
        .as_file()
        .set_permissions(std::fs::metadata(path)?.permissions())?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}
