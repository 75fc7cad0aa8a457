//! The `seg` command line; see `seg --help`.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

/// Stack for the command's thread: parsing, checking and evaluating recurse over
/// expressions, and a generated rule may nest them very deeply (100,000 levels are fine).
const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    let command = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(seg_cli::main);
    match command.map(|thread| thread.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => ExitCode::from(101),
    }
}

#[path = "cli/mod.rs"]
mod seg_cli;
