//! `seg plan RULES`: print the evaluation plan.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `seg plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program's root `.seg` file.
    rules: PathBuf,
    /// Plan as for `seg run --with-values` (every `let` is computed).
    #[arg(long)]
    with_values: bool,
}

/// Prints the plan, or the program's errors.
pub fn run(args: &Args) -> ExitCode {
    let Some((_, hir)) = super::compile_or_report(&args.rules) else {
        return ExitCode::from(1);
    };
    let plan = seg::plan::plan(&hir, args.with_values);
    print!("{}", seg::plan::listing(&plan, &hir));
    ExitCode::SUCCESS
}
