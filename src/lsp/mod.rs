//! Language server (`seg lsp`): the syntax, check, lint and fmt stages behind the Language
//! Server Protocol, over stdin/stdout — diagnostics, hover, go to definition, references,
//! completion, document symbols, formatting and rename for `.seg` files.
//!
//! `server` is the main loop; `documents` the open buffers; `analysis` runs the stages over
//! the programs the buffers belong to (re-parsing only files whose text changed); `index`
//! resolves every name of a program, `target` finds the one under the cursor, and each
//! feature has its module. `position` converts byte offsets to UTF-16 positions.

pub mod analysis;
mod builtins;
pub mod completion;
mod definition;
mod diagnostics;
pub mod documents;
mod formatting;
mod hover;
pub mod index;
pub mod position;
mod rename;
#[cfg(test)]
mod robustness;
mod server;
mod symbols;
mod target;

pub use analysis::Workspace;
pub use server::{ServerError, run_stdio, serve};
