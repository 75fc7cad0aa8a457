//! Syntax stage: source text → [`ast::Module`]s with spans. Grammar in `grammar/seg.pest`.
//!
//! [`load_program`] reads a root file and everything it imports; [`parse_module`] parses one text.

pub mod ast;
mod comments;
mod display;
mod error;
mod loader;
mod nesting;
mod parser;
mod source;
pub mod span;
mod spanless;

pub use comments::{Comment, comments};
pub use display::{datetime_text, write_string_literal};
pub use error::{SyntaxError, is_reserved};
pub use loader::{Files, Program, load_program, load_program_from_text, load_program_with};
pub use parser::parse_module;
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Span};
