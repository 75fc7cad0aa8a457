//! Formatting stage (`seg fmt`): the text of one file → the same program in its canonical
//! layout (described in `docs/fmt.md`), every comment kept.
//!
//! The printer walks the tree and reads from the original text only what the tree does not
//! hold: the comments, where the author left blank lines, and where braces stand. The result
//! is parsed again and compared with the original tree, spans ignored, and its comments with
//! the original's; any difference is an error, so formatting never changes a program.

mod align;
mod campaign;
mod error;
mod expr;
mod items;
mod layout;
mod printer;
mod source;
mod test_block;

pub use error::FmtError;

use crate::syntax::ast::Module;
use crate::syntax::{FileId, comments, parse_module};

/// Formats one file's text: the canonical layout, comments kept, LF line ends, no
/// byte-order mark. Formatting a formatted text gives it back unchanged.
pub fn format_source(text: &str) -> Result<String, FmtError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let module = parse_module(FileId(0), text).map_err(FmtError::Syntax)?;
    let formatted = printer::print(&module, text, comments(FileId(0), text));
    check_soundness(text, &module, &formatted)?;
    Ok(formatted)
}

/// Refuses a formatted text that says something else than the original: another tree
/// (spans aside) or other comments.
fn check_soundness(original: &str, module: &Module, formatted: &str) -> Result<(), FmtError> {
    let reparsed = parse_module(FileId(0), formatted).map_err(|_| FmtError::ChangedProgram)?;
    if reparsed.without_spans() != module.without_spans() {
        return Err(FmtError::ChangedProgram);
    }
    let comment_texts = |text: &str| {
        let mut texts: Vec<String> = comments(FileId(0), text)
            .into_iter()
            .map(|c| c.text)
            .collect();
        texts.sort();
        texts
    };
    let (before, after) = (comment_texts(original), comment_texts(formatted));
    if before != after {
        return Err(FmtError::ChangedComments {
            before: before.len(),
            after: after.len(),
        });
    }
    Ok(())
}
