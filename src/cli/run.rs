//! `seg run RULES --data NAME=FILE... --as-of DATE --out DIR`: evaluate and write outputs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use seg::exec::{RunInput, Source, write};

/// Arguments of `seg run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program's root `.seg` file.
    rules: PathBuf,
    /// Bind the entity or an events stream to a file: `NAME=FILE.csv` (or `.ndjson`).
    #[arg(long = "data", value_name = "NAME=FILE", value_parser = super::parse_binding, required = true)]
    data: Vec<(String, PathBuf)>,
    /// The date the run is as of (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: NaiveDate,
    /// Override a `param`: `NAME=VALUE` (a string is given bare).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = super::parse_pair)]
    params: Vec<(String, String)>,
    /// The output folder (replaced as a whole when the run succeeds).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Add one column per `let` to assignments.csv.
    #[arg(long)]
    with_values: bool,
    /// Let up to N rows that do not fit their schema go to rejects.csv instead of failing.
    #[arg(long, value_name = "N")]
    max_rejects: Option<u64>,
}

/// Runs the program and writes its outputs, or reports why it cannot.
pub fn run(args: &Args) -> ExitCode {
    let started = Instant::now();
    let Some((program, hir)) = super::compile_or_report(&args.rules) else {
        return ExitCode::from(1);
    };
    let plan = seg::plan::plan(&hir, args.with_values);
    let data = args
        .data
        .iter()
        .map(|(name, path)| (name.clone(), Source::File(path.clone())))
        .collect();
    let input = RunInput {
        data,
        as_of: args.as_of,
        params: args.params.clone(),
        max_rejects: args.max_rejects,
    };
    let outcome = seg::exec::run(&hir, &plan, &input).and_then(|outcome| {
        write::write_outputs(&hir, &outcome, &args.out, args.max_rejects.is_some())
            .map(|()| outcome)
    });
    match outcome {
        Ok(outcome) => {
            let events: u64 = outcome.stream_counts.iter().map(|c| c.read).sum();
            eprintln!(
                "seg: {} entities, {} events, {} campaigns as of {} → {} ({:.2} s)",
                outcome.keys.len(),
                events,
                outcome.campaigns.len(),
                args.as_of,
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            ExitCode::from(1)
        }
    }
}
