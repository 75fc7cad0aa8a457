//! The `seg` command line; see `seg --help`.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

fn main() -> ExitCode {
    seg_cli::main()
}

#[path = "cli/mod.rs"]
mod seg_cli;
