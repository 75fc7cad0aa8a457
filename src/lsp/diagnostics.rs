//! Language server: the diagnostics of an analysis as LSP diagnostics, one list per file
//! URI, with the codes and messages `seg check` prints.

use std::collections::BTreeMap;

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url,
};

use super::analysis::Analysis;
use super::documents::file_uri;
use super::position::LineIndex;
use crate::diagnostics::{Located, severity_of};
use crate::syntax::{FileId, Span};

/// A diagnostic of any stage, as the server keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where it points; `None` for a root file that could not be read.
    pub span: Option<Span>,
    /// `"error"`, `"warning"` or `"note"`.
    pub severity: &'static str,
    /// The stable code, e.g. `seg::check::unknown_name`.
    pub code: Option<String>,
    /// The message, as `seg check` prints it.
    pub message: String,
    /// The help line, if any.
    pub help: Option<String>,
    /// The other labelled places in the same file (e.g. the segments that cover an
    /// unreachable one), with their labels.
    pub related: Vec<(Span, String)>,
}

impl Problem {
    /// The problem of a syntax error, check error or lint.
    pub fn of<D: Located>(diagnostic: &D) -> Problem {
        let span = diagnostic.location();
        Problem {
            span,
            severity: severity_of(diagnostic),
            code: diagnostic.code().map(|code| code.to_string()),
            message: diagnostic.to_string(),
            help: diagnostic.help().map(|help| help.to_string()),
            related: span
                .map(|span| related(diagnostic, span))
                .unwrap_or_default(),
        }
    }

    /// The LSP diagnostic for the file at `uri`, its range in `text` (the text the span's
    /// offsets index).
    pub fn to_lsp(&self, uri: &Url, text: &str, lines: &LineIndex) -> Diagnostic {
        let related = self
            .related
            .iter()
            .map(|(span, label)| DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), lines.range(text, *span)),
                message: label.clone(),
            })
            .collect::<Vec<_>>();
        let range = lines.range(text, self.span.unwrap_or_default());
        let message = match &self.help {
            Some(help) => format!("{}\nhelp: {help}", self.message),
            None => self.message.clone(),
        };
        Diagnostic {
            range,
            severity: Some(match self.severity {
                "warning" => DiagnosticSeverity::WARNING,
                "note" => DiagnosticSeverity::INFORMATION,
                _ => DiagnosticSeverity::ERROR,
            }),
            code: self.code.clone().map(NumberOrString::String),
            source: Some("seg".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        }
    }
}

/// The diagnostics of every file the analyses read, by URI (an empty list for a file
/// without any, so that earlier ones are cleared). A file in several programs gets each
/// diagnostic once.
pub fn by_file<'a>(analyses: impl Iterator<Item = &'a Analysis>) -> BTreeMap<Url, Vec<Diagnostic>> {
    let mut files: BTreeMap<Url, Vec<Diagnostic>> = BTreeMap::new();
    for analysis in analyses {
        let mut lines: BTreeMap<FileId, LineIndex> = BTreeMap::new();
        for (id, file) in analysis.sources.iter() {
            if let Some(uri) = file_uri(&file.path) {
                files.entry(uri).or_default();
            }
            lines.insert(id, LineIndex::new(&file.text));
        }
        for problem in &analysis.problems {
            let file = problem.span.map_or(FileId(0), |span| span.file);
            let (Some(source), Some(lines)) = (source(analysis, file), lines.get(&file)) else {
                continue;
            };
            let Some(uri) = file_uri(&source.path) else {
                continue;
            };
            let diagnostic = problem.to_lsp(&uri, &source.text, lines);
            let list = files.entry(uri).or_default();
            if !list.contains(&diagnostic) {
                list.push(diagnostic);
            }
        }
    }
    files
}

/// The labelled places of a diagnostic other than its primary span, in the primary span's
/// file (a label without text is called `here`).
fn related<D: Located>(diagnostic: &D, primary: Span) -> Vec<(Span, String)> {
    let Some(labels) = diagnostic.labels() else {
        return Vec::new();
    };
    labels
        .filter_map(|label| {
            let start = label.offset();
            let span = Span::new(primary.file, start, start + label.len());
            let text = label.label().unwrap_or("here").to_string();
            (span != primary).then_some((span, text))
        })
        .collect()
}

/// The file with this id, if the analysis read it.
fn source(analysis: &Analysis, file: FileId) -> Option<&crate::syntax::SourceFile> {
    analysis
        .sources
        .iter()
        .find(|(id, _)| *id == file)
        .map(|(_, source)| source)
}
