//! `seg explain RULES --data … --as-of … --key KEY`: run the program as `seg run` does and
//! explain one entity: every value, segment test and campaign step.

use std::process::ExitCode;

use seg::explain::{Explanation, explain, render_human};

use super::inputs::Inputs;

/// Arguments of `seg explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The key of the entity to explain, as written in assignments.csv.
    #[arg(long, value_name = "KEY")]
    key: String,
    /// How to print the explanation (json: schema in docs/explain.md).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// How `seg explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Plain text with power-assert drawings.
    Human,
    /// One JSON object.
    Json,
}

/// Runs the program and prints the explanation of one entity.
pub fn run(args: &Args) -> ExitCode {
    let Some((program, hir)) = super::compile_or_report(&args.inputs.rules) else {
        return ExitCode::from(1);
    };
    match explain(&hir, &args.inputs.run_input(), &args.key) {
        Ok(explanation) => print(&explanation, args.format),
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            ExitCode::from(1)
        }
    }
}

fn print(explanation: &Explanation, format: Format) -> ExitCode {
    match format {
        Format::Human => print!("{}", render_human(explanation)),
        Format::Json => match serde_json::to_string_pretty(explanation) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: cannot write the explanation as JSON: {e}");
                return ExitCode::from(1);
            }
        },
    }
    ExitCode::SUCCESS
}
