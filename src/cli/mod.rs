//! Commands: the thin edge around the library. One file per subcommand; diagnostics are
//! rendered here and nowhere else.

mod check;
mod diff;
mod dry_run;
mod explain;
mod fmt;
mod inputs;
mod lsp;
mod paths;
mod plan;
mod progress;
mod run;
mod sql;
mod test;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use seg::CompileError;
use seg::diagnostics::{Located, render_human};
use seg::syntax::SourceMap;

/// seg: customer segmentation and campaign targeting rules.
#[derive(Debug, Parser)]
#[command(name = "seg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, resolve and type-check `.seg` files or folders.
    Check(check::Args),
    /// Run an old and a new program over the same data and report how assignments move.
    Diff(diff::Args),
    /// Evaluate everything and report who would get what, writing no outputs.
    DryRun(dry_run::Args),
    /// Run a program and explain one entity: every value, segment test and campaign step.
    Explain(explain::Args),
    /// Rewrite `.seg` files in the canonical layout (`--check`: print a diff, write nothing).
    Fmt(fmt::Args),
    /// Serve editors over the Language Server Protocol (stdin/stdout).
    Lsp(lsp::Args),
    /// Print the evaluation plan of a program, one numbered step per line.
    Plan(plan::Args),
    /// Evaluate a program over data files and write assignments, actions and a summary.
    Run(run::Args),
    /// Print an SQL script computing the same outputs inside DuckDB, PostgreSQL or Spark.
    Sql(sql::Args),
    /// Run the `test` blocks of `.seg` files or folders.
    Test(test::Args),
}

/// Runs the command line and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::DryRun(args) => dry_run::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Sql(args) => sql::run(&args),
        Command::Test(args) => test::run(&args),
    }
}

/// Whether diagnostics on standard error may use colour.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints diagnostics to standard error, each rendered against its source.
fn print_diagnostics<D: Located>(diagnostics: &[D], sources: &SourceMap) {
    let colour = colour();
    for d in diagnostics {
        eprint!("{}", render_human(d, sources, colour));
    }
}

/// Compiles a root file, printing its errors; `None` when it does not compile.
fn compile_or_report(path: &Path) -> Option<(seg::syntax::Program, seg::check::hir::Hir)> {
    match seg::compile(path) {
        Ok(compiled) => Some(compiled),
        Err(CompileError::Syntax(sources, errors)) => {
            print_diagnostics(&errors, &sources);
            None
        }
        Err(CompileError::Check(sources, errors)) => {
            print_diagnostics(&errors, &sources);
            eprintln!("{}", error_count(errors.len()));
            None
        }
    }
}

fn error_count(n: usize) -> String {
    if n == 1 {
        "1 error".to_string()
    } else {
        format!("{n} errors")
    }
}

/// `NAME=VALUE` arguments.
fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, found `{s}`")),
    }
}

/// `NAME=FILE` arguments.
fn parse_binding(s: &str) -> Result<(String, PathBuf), String> {
    parse_pair(s).map(|(k, v)| (k, PathBuf::from(v)))
}
