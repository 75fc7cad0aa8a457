//! `seg diff OLD NEW --data NAME=FILE... --as-of DATE`: run two versions of a program over
//! the same data and report how assignments move (see `docs/diff.md`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seg::check::hir::Hir;
use seg::diff::{self, About, Bindings, Diff, Options, Program, Run};
use seg::exec::{Outcome, RunInput, Source};
use seg::syntax::SourceMap;

/// How `seg diff` prints the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Aligned text tables, for a terminal.
    Human,
    /// One JSON object (schema in docs/diff.md).
    Json,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
}

/// Arguments of `seg diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program before the change (root `.seg` file).
    old: PathBuf,
    /// The program after the change (root `.seg` file).
    new: PathBuf,
    /// Bind an entity or events stream to a file: `NAME=FILE.csv` (or `.ndjson`); each
    /// program reads the names it declares.
    #[arg(long = "data", value_name = "NAME=FILE", value_parser = super::parse_binding, required = true)]
    data: Vec<(String, PathBuf)>,
    /// The date both runs are as of (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: NaiveDate,
    /// Override a `param` in each program that declares it: `NAME=VALUE`.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = super::parse_pair)]
    params: Vec<(String, String)>,
    /// How to print the diff.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit with 1 when more than this share of entities changes assignment (`2%`).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    fail_if_moved: Option<Decimal>,
    /// How many sample keys to show per group of moving entities.
    #[arg(long, value_name = "N", default_value_t = 3)]
    sample: usize,
}

/// A compiled program and where it came from.
struct Compiled {
    which: Program,
    path: PathBuf,
    sources: SourceMap,
    hir: Hir,
}

/// Runs both programs, prints the diff; 1 on an error or when `--fail-if-moved` trips.
pub fn run(args: &Args) -> ExitCode {
    let (Some(old), Some(new)) = (
        compile(Program::Old, &args.old),
        compile(Program::New, &args.new),
    ) else {
        return ExitCode::from(1);
    };
    let Some((old_outcome, new_outcome)) = run_both(args, &old, &new) else {
        return ExitCode::from(1);
    };
    let options = Options {
        sample: args.sample,
    };
    let diff = diff::compare(side(&old, &old_outcome), side(&new, &new_outcome), options);
    print!("{}", render(args, &diff));
    verdict(args, &diff)
}

/// One side of the comparison.
fn side<'a>(program: &'a Compiled, outcome: &'a Outcome<'a>) -> Run<'a> {
    Run {
        hir: &program.hir,
        outcome,
    }
}

/// Binds the inputs and runs both programs, the old one first; `None` after an error.
fn run_both<'h>(
    args: &Args,
    old: &'h Compiled,
    new: &'h Compiled,
) -> Option<(Outcome<'h>, Outcome<'h>)> {
    let (data, params) = bind(args, old, new)?;
    let old_outcome = execute(args, old, data.old, params.old)?;
    let new_outcome = execute(args, new, data.new, params.new)?;
    Some((old_outcome, new_outcome))
}

/// Compiles one program, printing its errors.
fn compile(which: Program, path: &Path) -> Option<Compiled> {
    let (program, hir) = super::compile_or_report(path)?;
    Some(Compiled {
        which,
        path: path.to_path_buf(),
        sources: program.sources,
        hir,
    })
}

type Split = (Bindings<Source>, Bindings<String>);

/// Splits `--data` and `--param` between the programs, printing why they do not fit.
fn bind(args: &Args, old: &Compiled, new: &Compiled) -> Option<Split> {
    let data: Vec<(String, Source)> = args
        .data
        .iter()
        .map(|(name, path)| (name.clone(), Source::File(path.clone())))
        .collect();
    let split = diff::bind_data(&old.hir, &new.hir, &data)
        .and_then(|data| Ok((data, diff::bind_params(&old.hir, &new.hir, &args.params)?)));
    split
        .map_err(|error| super::print_diagnostics(&[error], &new.sources))
        .ok()
}

/// Runs one program over its data, printing its errors with the program named.
fn execute<'h>(
    args: &Args,
    program: &'h Compiled,
    data: Vec<(String, Source)>,
    params: Vec<(String, String)>,
) -> Option<Outcome<'h>> {
    let plan = seg::plan::plan(&program.hir, false);
    let input = RunInput {
        data,
        as_of: args.as_of,
        params,
        max_rejects: None,
    };
    seg::exec::run(&program.hir, &plan, &input)
        .map_err(|error| {
            eprintln!(
                "seg diff: the {} program `{}` cannot run",
                program.which,
                program.path.display()
            );
            super::print_diagnostics(&[error], &program.sources);
        })
        .ok()
}

fn render(args: &Args, diff: &Diff) -> String {
    let about = About {
        old: args.old.display().to_string(),
        new: args.new.display().to_string(),
        as_of: args.as_of,
    };
    match args.format {
        Format::Human => diff::render_human(diff, &about),
        Format::Json => diff::render_json(diff, &about),
        Format::Markdown => diff::render_markdown(diff, &about),
    }
}

/// 1 when more entities moved than `--fail-if-moved` allows, else 0.
fn verdict(args: &Args, diff: &Diff) -> ExitCode {
    match args.fail_if_moved {
        Some(limit) if diff.moved_more_than(limit) => {
            eprintln!(
                "seg diff: {}, more than the {}% that --fail-if-moved allows",
                diff::headline(diff),
                seg::exec::decimal_text(limit)
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// `2%`, `2` or `0.5%`: a percentage from 0 to 100.
fn parse_percent(s: &str) -> Result<Decimal, String> {
    let number = s.strip_suffix('%').unwrap_or(s);
    match number.trim().parse::<Decimal>() {
        Ok(p) if p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED => Ok(p),
        _ => Err(format!(
            "expected a percentage from 0% to 100% such as `2%`, found `{s}`"
        )),
    }
}
