//! Language server: renaming a `let`, a segment or a param in every file that declares or
//! uses it, after checking that the position holds such a name and the new name is free.

use std::collections::HashMap;

use lsp_types::{Range, TextEdit, Url, WorkspaceEdit};

use super::index::Symbol;
use super::target::Target;
use crate::syntax::is_reserved;

/// Why a rename is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    /// The cursor is on no name.
    #[error("there is no name here to rename")]
    NoName,
    /// The name is not a let, segment or param.
    #[error("`{name}` is {what}; only a let, a segment or a param can be renamed")]
    NotRenamable {
        /// The name.
        name: String,
        /// What it is.
        what: String,
    },
    /// The new name is not an identifier.
    #[error("`{0}` is not a name: use letters, digits and `_`, not starting with a digit")]
    NotAnIdentifier(String),
    /// The new name is taken.
    #[error("`{0}` is already declared in this program")]
    Taken(String),
}

/// The range of the renamable name under the cursor.
pub fn prepare(target: &Target) -> Result<Range, RenameError> {
    let occurrence = target.occurrence().ok_or(RenameError::NoName)?;
    if !occurrence.symbol.is_renamable() {
        return Err(RenameError::NotRenamable {
            name: target.text(occurrence.span).to_string(),
            what: occurrence.symbol.describe(),
        });
    }
    target
        .location(occurrence.span)
        .map(|location| location.range)
        .ok_or(RenameError::NoName)
}

/// The edits that rename the name under the cursor to `new_name`, in every program the
/// file belongs to.
pub fn rename(targets: &[Target], new_name: &str) -> Result<WorkspaceEdit, RenameError> {
    if !is_identifier(new_name) {
        return Err(RenameError::NotAnIdentifier(new_name.to_string()));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for target in targets {
        prepare(target)?;
        let Some(occurrence) = target.occurrence() else {
            continue;
        };
        if is_declared(target, &occurrence.symbol, new_name) {
            return Err(RenameError::Taken(new_name.to_string()));
        }
        let places = target
            .index
            .occurrences_of(&occurrence.symbol)
            .filter_map(|o| target.location(o.span));
        for location in places {
            let edit = TextEdit::new(location.range, new_name.to_string());
            let edits = changes.entry(location.uri).or_default();
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
    }
    if changes.is_empty() {
        return Err(RenameError::NoName);
    }
    Ok(WorkspaceEdit::new(changes))
}

/// Whether renaming `symbol` to `name` would clash with a declaration: a top-level name
/// or an entity field (for a segment of a segmentation, another segment of it).
fn is_declared(target: &Target, symbol: &Symbol, name: &str) -> bool {
    target.index.occurrences.iter().any(|o| {
        o.is_definition
            && match (&o.symbol, symbol) {
                (Symbol::SegmentOf(s, other), Symbol::SegmentOf(renamed, _)) => {
                    s == renamed && other == name
                }
                (Symbol::SegmentOf(..), _) | (_, Symbol::SegmentOf(..)) => false,
                (Symbol::StreamField(..) | Symbol::ActionField(..), _) => false,
                _ => target.text(o.span) == name,
            }
    })
}

/// Whether `name` is a name of the language: ASCII letters, digits and `_`, not starting
/// with a digit, not a reserved word.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved(name)
}

#[cfg(test)]
mod tests {
    use super::is_identifier;

    #[test]
    fn identifiers_are_ascii_words() {
        for (name, ok) in [
            ("recency", true),
            ("_x1", true),
            ("1x", false),
            ("", false),
            ("a-b", false),
            ("客户", false),
            ("where", false),
            ("wherever", true),
        ] {
            assert_eq!(is_identifier(name), ok, "{name:?}");
        }
    }
}
