//! `seg check PATH...`: parse, resolve and type-check files or folders.
//!
//! Each file given is a program root; in a folder, see [`roots`].

use std::path::PathBuf;
use std::process::ExitCode;

use seg::CompileError;
use seg::diagnostics::{Format, Located, render_human, to_github, to_json};
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
