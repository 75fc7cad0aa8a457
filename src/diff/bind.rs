//! Diff stage, inputs: splitting `--data` and `--param` pairs between the two programs,
//! so that each program is given exactly the names it declares.

use std::fmt;

use miette::Diagnostic;
use thiserror::Error;

use crate::check::hir::Hir;
use crate::check::suggest::help_for;
use crate::diagnostics::Located;
use crate::syntax::Span;

/// One of the two programs compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The program before the change.
    Old,
    /// The program after the change.
    New,
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Program::Old => "old",
            Program::New => "new",
        })
    }
}

/// Why the command line's inputs do not fit the two programs.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum BindError {
    /// `--data NAME=...` naming no entity or stream of either program.
    #[error("`--data {name}=...` names no entity or events stream of either program")]
    #[diagnostic(code(seg::diff::unknown_data), help("{help}"))]
    UnknownData {
        /// The name given.
        name: String,
        /// The names that may be bound.
        help: String,
    },

    /// `--param NAME=...` naming no param of either program.
    #[error("`--param {name}=...` names no param of either program")]
    #[diagnostic(code(seg::diff::unknown_param), help("{help}"))]
    UnknownParam {
        /// The name given.
        name: String,
        /// The params declared.
        help: String,
    },

    /// An entity or stream of one program with no `--data`.
    #[error("the {program} program has no data for `{name}`")]
    #[diagnostic(
        code(seg::diff::missing_data),
        help(
            "bind a file with `--data {name}=FILE.csv` (or .ndjson); each program reads the `--data` names it declares"
        )
    )]
    MissingData {
        /// The program lacking data.
        program: Program,
        /// Its entity or stream.
        name: String,
    },
}

impl Located for BindError {
    fn location(&self) -> Option<Span> {
        None
    }
}

/// Name/value pairs split between the programs, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bindings<T> {
    /// The pairs whose name the old program declares.
    pub old: Vec<(String, T)>,
    /// The pairs whose name the new program declares.
    pub new: Vec<(String, T)>,
}

/// Splits `--data` bindings: each program gets the ones naming its entity or streams.
/// A name neither program declares is an error, and so is an entity or stream left
/// without data.
pub fn bind_data<T: Clone>(
    old: &Hir,
    new: &Hir,
    data: &[(String, T)],
) -> Result<Bindings<T>, BindError> {
    let (old_names, new_names) = (data_names(old), data_names(new));
    let bindings = split(&old_names, &new_names, data, |name| {
        BindError::UnknownData {
            name: name.to_string(),
            help: help_for(
                name,
                "entity or events name",
                either(&old_names, &new_names),
            ),
        }
    })?;
    require(Program::Old, &old_names, &bindings.old)?;
    require(Program::New, &new_names, &bindings.new)?;
    Ok(bindings)
}

/// Splits `--param` overrides: each program gets the ones naming its params; a name
/// neither program declares is an error.
pub fn bind_params<T: Clone>(
    old: &Hir,
    new: &Hir,
    params: &[(String, T)],
) -> Result<Bindings<T>, BindError> {
    let (old_names, new_names) = (param_names(old), param_names(new));
    split(&old_names, &new_names, params, |name| {
        BindError::UnknownParam {
            name: name.to_string(),
            help: help_for(name, "param", either(&old_names, &new_names)),
        }
    })
}

/// The names a program's `--data` may bind: its entity, then its streams.
fn data_names(hir: &Hir) -> Vec<&str> {
    let streams = hir.streams.iter().map(|s| s.record.name.as_str());
    std::iter::once(hir.entity.name.as_str())
        .chain(streams)
        .collect()
}

/// The names a program's `--param` may set.
fn param_names(hir: &Hir) -> Vec<&str> {
    hir.params.iter().map(|p| p.name.as_str()).collect()
}

/// The names of either program, each once: the old program's, then the new one's others.
fn either<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<&'a str> {
    let others = new.iter().filter(|n| !old.contains(n));
    old.iter().chain(others).copied().collect()
}

/// Gives each program the pairs it declares; `unknown` makes the error for the others.
fn split<T: Clone>(
    old: &[&str],
    new: &[&str],
    pairs: &[(String, T)],
    unknown: impl Fn(&str) -> BindError,
) -> Result<Bindings<T>, BindError> {
    let mut bindings = Bindings {
        old: Vec::new(),
        new: Vec::new(),
    };
    for pair in pairs {
        let name = pair.0.as_str();
        if !old.contains(&name) && !new.contains(&name) {
            return Err(unknown(name));
        }
        if old.contains(&name) {
            bindings.old.push(pair.clone());
        }
        if new.contains(&name) {
            bindings.new.push(pair.clone());
        }
    }
    Ok(bindings)
}

/// Checks that every declared name is bound.
fn require<T>(program: Program, names: &[&str], bound: &[(String, T)]) -> Result<(), BindError> {
    match names.iter().find(|n| !bound.iter().any(|(b, _)| b == *n)) {
        Some(name) => Err(BindError::MissingData {
            program,
            name: name.to_string(),
        }),
        None => Ok(()),
    }
}
