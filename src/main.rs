//! The `seg` command line; see `seg --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    seg_cli::main()
}

#[path = "cli/mod.rs"]
mod seg_cli;
