//! Exec stage: errors of a run (bindings, data rows, arithmetic, output).

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::syntax::Span;

/// A problem that stops a run.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum RunError {
    /// An entity or events stream with no `--data NAME=FILE`.
    #[error("no data for `{name}`")]
    #[diagnostic(
        code(seg::run::missing_data),
        help("bind a file with `--data {name}=FILE.csv` (or .ndjson)")
    )]
    MissingData {
        /// The entity or stream.
        name: String,
    },

    /// `--data NAME=...` naming neither the entity nor a stream.
    #[error("`--data {name}=...` names no entity or events stream of the program")]
    #[diagnostic(code(seg::run::unknown_data), help("{help}"))]
    UnknownData {
        /// The name given.
        name: String,
        /// The names that may be bound.
        help: String,
    },

    /// A `--param` that is unknown or whose value does not fit its type.
    #[error("{message}")]
    #[diagnostic(code(seg::run::bad_param), help("{help}"))]
    BadParam {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: String,
    },

    /// A file that cannot be read or written.
    #[error("cannot {action} `{path}`: {reason}")]
    #[diagnostic(code(seg::run::io))]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },

    /// A data file without a column the schema declares.
    #[error("`{path}` has no column `{column}` for `{record}`")]
    #[diagnostic(code(seg::run::missing_column), help("the columns found are: {found}"))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The entity or stream.
        record: String,
        /// The missing column.
        column: String,
        /// The columns the file has.
        found: String,
    },

    /// A data row that does not fit its schema.
    #[error("{path}:{line}: column `{column}`: {problem}")]
    #[diagnostic(
        code(seg::run::bad_row),
        help("fix the row, or let up to N bad rows go to rejects.csv with `--max-rejects N`")
    )]
    BadRow {
        /// The file.
        path: PathBuf,
        /// Physical line (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// What is wrong, with the value.
        problem: String,
    },

    /// A data file that is not valid CSV/NDJSON at all.
    #[error("{path}:{line}: {problem}")]
    #[diagnostic(code(seg::run::bad_file))]
    BadFile {
        /// The file.
        path: PathBuf,
        /// Physical line.
        line: u64,
        /// What is wrong.
        problem: String,
    },

    /// Arithmetic that leaves the range of its type.
    #[error("arithmetic overflow")]
    #[diagnostic(
        code(seg::run::overflow),
        help(
            "the value leaves the range of its type (64-bit int, 28-digit decimal or the calendar)"
        )
    )]
    Overflow {
        /// The expression.
        #[label("overflows here")]
        span: Span,
    },
}

impl RunError {
    /// The same error in a part of a file that starts after `lines` lines (line numbers
    /// of a part read in parallel are counted from its own start).
    pub fn after_lines(self, lines: u64) -> RunError {
        match self {
            RunError::BadFile {
                path,
                line,
                problem,
            } => RunError::BadFile {
                path,
                line: line + lines,
                problem,
            },
            RunError::BadRow {
                path,
                line,
                column,
                problem,
            } => RunError::BadRow {
                path,
                line: line + lines,
                column,
                problem,
            },
            other => other,
        }
    }

    /// The span in the rules, for errors that point into them.
    pub fn span(&self) -> Option<Span> {
        match self {
            RunError::Overflow { span } => Some(*span),
            _ => None,
        }
    }
}
