//! `seg check PATH...`: parse, resolve, type-check and lint files or folders.
//!
//! Each file given is a program root; in a folder, see [`roots`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use seg::CompileError;
use seg::diagnostics::{
    Format, Located, render_human, sarif_log, severity_of, to_github, to_json, to_sarif_result,
};
use seg::syntax::SourceMap;

use super::paths::roots;

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

/// Checks every root and prints all diagnostics; exit 1 on errors (or warnings with
/// `--deny-warnings`).
pub fn run(args: &Args) -> ExitCode {
    let roots = match roots(&args.paths) {
        Ok(roots) => roots,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut printer = Printer::new(args.format);
    let mut files = BTreeSet::new();
    for root in &roots {
        let sources = match seg::compile(root) {
            Ok((program, hir)) => {
                printer.print(&seg::lint::lint(&program, &hir), &program.sources);
                program.sources
            }
            Err(CompileError::Syntax(sources, errors)) => {
                printer.print(&errors, &sources);
                sources
            }
            Err(CompileError::Check(sources, errors)) => {
                printer.print(&errors, &sources);
                sources
            }
        };
        files.extend(
            sources
                .iter()
                .map(|(_, f)| f.path.canonicalize().unwrap_or_else(|_| f.path.clone())),
        );
    }
    printer.finish(files.len());
    let failed = printer.errors > 0 || (args.deny_warnings && printer.warnings > 0);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints diagnostics in the chosen format and counts them by severity.
struct Printer {
    format: Format,
    collected: Vec<serde_json::Value>,
    errors: usize,
    warnings: usize,
}

impl Printer {
    fn new(format: Format) -> Printer {
        Printer {
            format,
            collected: Vec::new(),
            errors: 0,
            warnings: 0,
        }
    }

    fn print<D: Located>(&mut self, diagnostics: &[D], sources: &SourceMap) {
        for d in diagnostics {
            let severity = severity_of(d);
            if severity == "warning" {
                self.warnings += 1;
            } else {
                self.errors += 1;
            }
            match self.format {
                Format::Human => eprint!("{}", render_human(d, sources, super::colour())),
                Format::Json => self.collected.push(to_json(d, sources, severity)),
                Format::Sarif => self.collected.push(to_sarif_result(d, sources, severity)),
                Format::Github => println!("{}", to_github(d, sources, severity)),
            }
        }
    }

    fn finish(&self, files: usize) {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let summary = format!(
            "checked {}: {}, {}",
            plural(files, "file"),
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        );
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&self.collected).unwrap_or_default()
            ),
            Format::Sarif => println!(
                "{}",
                serde_json::to_string_pretty(&sarif_log(&self.collected)).unwrap_or_default()
            ),
            Format::Human | Format::Github => {}
        }
        eprintln!("{summary}");
    }
}
