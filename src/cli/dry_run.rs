//! `seg dry-run RULES --data … --as-of …`: evaluate everything, write no assignment or
//! action files, and report who would get what (terminal, `--json`, `--report`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use seg::report::{Report, build, render_html, render_terminal};

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
    /// List N example keys per campaign variant and holdout.
    #[arg(long, value_name = "N", default_value_t = 0)]
    sample: usize,
}

/// Evaluates the program and prints the report.
pub fn run(args: &Args) -> ExitCode {
    let Some((program, hir)) = super::compile_or_report(&args.inputs.rules) else {
        return ExitCode::from(1);
    };
    let mut plan = seg::plan::plan(&hir, false);
    plan.keep_details = true;
    let name = args.inputs.rules.display().to_string();
    let progress = super::progress::progress(args.inputs.quiet);
    let outcome =
        seg::exec::run_with_progress(&hir, &plan, &args.inputs.run_input(), progress.as_ref());
    progress.stage("report");
    let report = outcome.and_then(|outcome| build(&hir, &outcome, &name, args.sample));
    drop(progress);
    let report = match report {
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
