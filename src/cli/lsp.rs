//! `seg lsp`: the language server, over stdin and stdout (`docs/editors.md`).

use std::process::ExitCode;

/// Arguments of `seg lsp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; the server always speaks over stdin/stdout.
    #[arg(long)]
    stdio: bool,
}

/// Serves one editor until it asks the server to exit; exit 1 when the connection fails.
pub fn run(args: &Args) -> ExitCode {
    let _ = args.stdio;
    match seg::lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}
