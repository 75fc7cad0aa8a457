//! `seg run RULES --data NAME=FILE... --as-of DATE --out DIR`: evaluate and write outputs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use seg::exec::write;

use super::inputs::Inputs;

/// Arguments of `seg run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The output folder (replaced as a whole when the run succeeds).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Add one column per `let` to assignments.csv.
    #[arg(long)]
    with_values: bool,
    /// Prefix with `'` every text cell a spreadsheet would read as a formula (starting
    /// with =, +, -, @, tab or carriage return); numbers are written as they are.
    #[arg(long)]
    spreadsheet_safe: bool,
}

/// Runs the program and writes its outputs, or reports why it cannot.
pub fn run(args: &Args) -> ExitCode {
    let started = Instant::now();
    // What an interrupted run into the same folder left behind goes first (so that a
    // folder renamed aside comes back even if this run fails).
    write::remove_stale(&args.out);
    let Some((program, hir)) = super::compile_or_report(&args.inputs.rules) else {
        return ExitCode::from(1);
    };
    let plan = seg::plan::plan(&hir, args.with_values);
    let input = args.inputs.run_input();
    let progress = super::progress::progress(args.inputs.quiet, args.inputs.timings);
    let outcome = seg::exec::run_with_progress(&hir, &plan, &input, progress.as_ref());
    progress.stage("write outputs");
    let outcome = outcome.and_then(|outcome| {
        let options = write::WriteOptions {
            rejects: args.inputs.max_rejects.is_some(),
            spreadsheet_safe: args.spreadsheet_safe,
        };
        write::write_outputs(&hir, &outcome, &args.out, options).map(|()| outcome)
    });
    drop(progress);
    match outcome {
        Ok(outcome) => {
            let events: u64 = outcome.stream_counts.iter().map(|c| c.read).sum();
            eprintln!(
                "seg: {} entities, {} events, {} campaigns as of {} → {} ({:.2} s)",
                outcome.keys.len(),
                events,
                outcome.campaigns.len(),
                args.inputs.as_of,
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            // The process ends now: the system takes its memory back at once, where
            // dropping the outcome would free a million keys and columns one by one.
            std::mem::forget(outcome);
            ExitCode::SUCCESS
        }
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            ExitCode::from(1)
        }
    }
}
