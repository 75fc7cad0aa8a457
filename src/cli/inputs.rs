//! The arguments shared by the commands that evaluate a program over data
//! (`seg run`, `seg dry-run`).

use std::path::PathBuf;

use chrono::NaiveDate;
use seg::exec::{RunInput, Source};

/// A program and the data to evaluate it over.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// The program's root `.seg` file.
    pub rules: PathBuf,
    /// Bind the entity or an events stream to a file: `NAME=FILE.csv` (or `.ndjson`).
    #[arg(long = "data", value_name = "NAME=FILE", value_parser = super::parse_binding, required = true)]
    pub data: Vec<(String, PathBuf)>,
    /// The date the run is as of (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: NaiveDate,
    /// Override a `param`: `NAME=VALUE` (a string is given bare).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = super::parse_pair)]
    pub params: Vec<(String, String)>,
    /// Let up to N rows that do not fit their schema go to rejects.csv instead of failing.
    #[arg(long, value_name = "N")]
    pub max_rejects: Option<u64>,
    /// Show no progress bar (it is shown only when standard error is a terminal).
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how long each stage took (reading each file, population functions,
    /// segments, campaigns, writing) to standard error, instead of a progress bar.
    #[arg(long)]
    pub timings: bool,
}

impl Inputs {
    /// The library's description of the run.
    pub fn run_input(&self) -> RunInput {
        let data = self
            .data
            .iter()
            .map(|(name, path)| (name.clone(), Source::File(path.clone())))
            .collect();
        RunInput {
            data,
            as_of: self.as_of,
            params: self.params.clone(),
            max_rejects: self.max_rejects,
        }
    }
}
