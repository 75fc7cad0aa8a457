//! `seg sql RULES --as-of DATE --dialect duckdb|postgres|spark`: print the SQL script that
//! computes the same outputs as `seg run` inside an existing engine.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use seg::exec::RunError;
use seg::sql::{Dialect, SqlOptions};

/// Arguments of `seg sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program's root `.seg` file.
    rules: PathBuf,
    /// The date the run is as of (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: NaiveDate,
    /// The engine the script is for.
    #[arg(long, value_enum, default_value_t = Dialect::Duckdb)]
    dialect: Dialect,
    /// Override a `param`: `NAME=VALUE` (a string is given bare).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = super::parse_pair)]
    params: Vec<(String, String)>,
    /// Add one column per `let` to the assignments table (as `seg run --with-values`).
    #[arg(long)]
    with_values: bool,
    /// Start the script with statements that load this file into the entity's or a
    /// stream's table: `NAME=FILE.csv` (DuckDB also reads `.ndjson`).
    #[arg(long = "data", value_name = "NAME=FILE", value_parser = super::parse_binding)]
    data: Vec<(String, PathBuf)>,
    /// End the script with statements that write the result tables as CSV files in
    /// this folder, as `seg run --out` does (the folder and its `actions/` are created now).
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
}

/// Prints the script, or the program's errors.
pub fn run(args: &Args) -> ExitCode {
    let Some((program, hir)) = super::compile_or_report(&args.rules) else {
        return ExitCode::from(1);
    };
    let options = SqlOptions {
        dialect: args.dialect,
        as_of: args.as_of,
        params: args.params.clone(),
        with_values: args.with_values,
        data: args.data.clone(),
        export: args.export.clone(),
    };
    let script = seg::sql::compile(&program, &hir, &options).and_then(|script| {
        if let Some(dir) = &args.export {
            std::fs::create_dir_all(dir.join("actions")).map_err(|e| RunError::Io {
                action: "create",
                path: dir.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(script)
    });
    match script {
        Ok(script) => {
            print!("{script}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            super::print_diagnostics(&[error], &program.sources);
            ExitCode::from(1)
        }
    }
}
