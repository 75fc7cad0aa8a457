//! Formatting stage: why a file was not formatted.

use miette::Diagnostic;
use thiserror::Error;

use crate::diagnostics::Located;
use crate::syntax::{Span, SyntaxError};

/// Why [`super::format_source`] gave no text. Whatever the reason, nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum FmtError {
    /// The file does not parse: there is nothing to format.
    #[error("the file does not parse")]
    #[diagnostic(code(seg::fmt::syntax))]
    Syntax(Vec<SyntaxError>),

    /// The formatted text would not parse, or would parse to a different program.
    #[error("formatting would change the program")]
    #[diagnostic(
        code(seg::fmt::changed_program),
        help("this is a bug in `seg fmt`; the file was left as it was")
    )]
    ChangedProgram,

    /// The formatted text would not hold the same comments.
    #[error("formatting would change the comments ({before} before, {after} after)")]
    #[diagnostic(
        code(seg::fmt::changed_comments),
        help("this is a bug in `seg fmt`; the file was left as it was")
    )]
    ChangedComments {
        /// How many comments the file has.
        before: usize,
        /// How many the formatted text would have.
        after: usize,
    },
}

impl Located for FmtError {
    fn location(&self) -> Option<Span> {
        None
    }
}
