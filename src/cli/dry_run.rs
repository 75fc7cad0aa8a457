//! `seg dry-run RULES --data … --as-of …`: evaluate everything, write no assignment or
//! action files, and report who would get what (terminal, `--json`, `--report`);
//! `--compare` adds how the assignments moved since an earlier run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seg::check::hir::Hir;
use seg::diff::{self, Assignments, Options, Run};
use seg::exec::RunError;
use seg::report::{Comparison, Report, build, render_html, render_terminal};

use super::inputs::Inputs;

/// Arguments of `seg dry-run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Also write the report as JSON (schema: docs/report-schema.md).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page (opens offline).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// List N example keys per campaign variant and holdout (and, with `--compare`, per
    /// group of moving entities).
    #[arg(long, value_name = "N", default_value_t = 0)]
    sample: usize,
    /// Compare with the `assignments.csv` of an earlier `seg run`: how segments and
    /// campaign memberships moved since.
    #[arg(long, value_name = "PREVIOUS_ASSIGNMENTS.csv")]
    compare: Option<PathBuf>,
}

/// Evaluates the program and prints the report.
pub fn run(args: &Args) -> ExitCode {
    let Some((program, hir)) = super::compile_or_report(&args.inputs.rules) else {
        return ExitCode::from(1);
    };
    let previous = match read_previous(args) {
        Ok(previous) => previous,
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            return ExitCode::from(1);
        }
    };
    let report = match evaluate(args, &hir, previous) {
        Ok(report) => report,
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            return ExitCode::from(1);
        }
    };
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    print!("{}", render_terminal(&report, colour));
    match write_json(args, &report).and_then(|()| write_html(args, &report)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// The file given to `--compare` and what it assigned.
type Previous<'a> = (&'a Path, Assignments);

/// The earlier run's assignments, with `--compare` (read before the run, so that a bad
/// file fails fast).
fn read_previous(args: &Args) -> Result<Option<Previous<'_>>, diff::ReadError> {
    let read = |path| diff::read_assignments(path).map(|a| (path, a));
    args.compare.as_deref().map(read).transpose()
}

/// Runs the program and builds its report, with the comparison when there is one.
fn evaluate(args: &Args, hir: &Hir, previous: Option<Previous>) -> Result<Report, RunError> {
    let mut plan = seg::plan::plan(hir, false);
    plan.keep_details = true;
    let name = args.inputs.rules.display().to_string();
    let progress = super::progress::progress(args.inputs.quiet, args.inputs.timings);
    let outcome =
        seg::exec::run_with_progress(hir, &plan, &args.inputs.run_input(), progress.as_ref())?;
    progress.stage("report");
    let mut report = build(hir, &outcome, &name, args.sample)?;
    let current = Run {
        hir,
        outcome: &outcome,
    };
    report.compare = previous.map(|p| comparison(p, current, args.sample));
    Ok(report)
}

/// The earlier run's assignments against this run's, `sample` keys per group.
fn comparison((path, previous): Previous, current: Run, sample: usize) -> Comparison {
    Comparison {
        previous: path.display().to_string(),
        diff: diff::compare_previous(previous, current, Options { sample }),
    }
}

fn write_json(args: &Args, report: &Report) -> Result<(), String> {
    let Some(path) = &args.json else {
        return Ok(());
    };
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn write_html(args: &Args, report: &Report) -> Result<(), String> {
    let Some(path) = &args.report else {
        return Ok(());
    };
    std::fs::write(path, render_html(report))
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}
