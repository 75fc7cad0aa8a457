#![doc = include_str!("../ARCHITECTURE.md")]
// Bad input never panics: no unwrap or expect in the library.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod check;
pub mod diagnostics;
pub mod diff;
pub mod exec;
pub mod explain;
pub mod fmt;
pub mod lint;
pub mod lsp;
pub mod plan;
pub mod report;
pub mod sql;
pub mod syntax;
pub mod testing;

use std::path::Path;

/// The stack of the thread a `seg` command runs on. Parsing, checking, formatting and
/// evaluating recurse over expressions, and a generated rule may nest them as deeply as
/// `syntax` lets through (1,000 brackets, 10,000 operators a statement). The fuzzers run
/// their inputs on a stack of this size too.
pub const COMMAND_STACK_BYTES: usize = 512 << 20;

use check::hir::Hir;
use syntax::{Program, SourceMap};

/// Why a program could not be compiled: syntax errors, or check errors.
pub enum CompileError {
    /// The files could not be read or parsed.
    Syntax(SourceMap, Vec<syntax::SyntaxError>),
    /// The program parsed but does not check.
    Check(SourceMap, Vec<check::CheckError>),
}

/// Loads a program from its root file and checks it: the syntax and check stages.
pub fn compile(root: &Path) -> Result<(Program, Hir), CompileError> {
    let program = syntax::load_program(root)
        .map_err(|(sources, errors)| CompileError::Syntax(sources, errors))?;
    match check::check(&program) {
        Ok(hir) => Ok((program, hir)),
        Err(errors) => Err(CompileError::Check(program.sources, errors)),
    }
}
