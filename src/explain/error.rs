//! Explain stage: errors (a failed run, an unknown key) and finding the entity by key.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::hir::Hir;
use crate::check::suggest::closest;
use crate::diagnostics::Located;
use crate::exec::{Outcome, RunError};
use crate::syntax::Span;

/// How many keys on each side of where the unknown key would sort are considered for a
/// "did you mean".
const NEIGHBOURS: usize = 50;

/// Why an entity cannot be explained.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum ExplainError {
    /// The run itself failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),

    /// No entity has the key.
    #[error("no `{entity}` has the key `{key}`")]
    #[diagnostic(code(seg::explain::unknown_key), help("{help}"))]
    UnknownKey {
        /// The entity's name.
        entity: String,
        /// The key given.
        key: String,
        /// A nearby key, or the keys around it.
        help: String,
    },
}

impl Located for ExplainError {
    fn location(&self) -> Option<Span> {
        match self {
            ExplainError::Run(e) => e.span(),
            ExplainError::UnknownKey { .. } => None,
        }
    }
}

/// The index of the entity whose key (output text) is `key`.
pub(super) fn find_entity(outcome: &Outcome, hir: &Hir, key: &str) -> Result<usize, ExplainError> {
    if let Some(e) = outcome.keys.iter().position(|k| **k == *key) {
        return Ok(e);
    }
    Err(ExplainError::UnknownKey {
        entity: hir.entity.name.clone(),
        key: key.to_string(),
        help: nearby(outcome, key),
    })
}

/// "did you mean" among the keys that sort near `key`, else those two neighbours.
fn nearby(outcome: &Outcome, key: &str) -> String {
    let sorted = |i: usize| &*outcome.keys[outcome.by_key[i] as usize];
    let at = outcome
        .by_key
        .partition_point(|&e| outcome.keys[e as usize].as_bytes() < key.as_bytes());
    let window = at.saturating_sub(NEIGHBOURS)..(at + NEIGHBOURS).min(outcome.by_key.len());
    if let Some(best) = closest(key, window.map(sorted)) {
        return format!("did you mean `{best}`?");
    }
    let around: Vec<String> = [at.checked_sub(1), Some(at)]
        .into_iter()
        .flatten()
        .filter(|&i| i < outcome.by_key.len())
        .map(|i| format!("`{}`", sorted(i)))
        .collect();
    match around.as_slice() {
        [] => "the data holds no entity".to_string(),
        [one] => format!("the nearest key in order is {one}"),
        _ => format!("the keys nearest in order are {}", around.join(" and ")),
    }
}
