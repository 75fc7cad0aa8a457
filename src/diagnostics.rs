//! Rendering diagnostics of every stage, once, at the edge: as miette reports (with or
//! without colour), JSON, or GitHub workflow commands.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, Report};
use serde_json::json;

use crate::check::CheckError;
use crate::exec::RunError;
use crate::syntax::{SourceMap, Span, SyntaxError};

/// A diagnostic of any stage, with the source location it points at.
pub trait Located: Diagnostic + Clone + Send + Sync + 'static {
    /// The primary span, if the diagnostic points into a `.seg` file.
    fn location(&self) -> Option<Span>;
}

impl Located for SyntaxError {
    fn location(&self) -> Option<Span> {
        self.span()
    }
}

impl Located for CheckError {
    fn location(&self) -> Option<Span> {
        Some(self.span())
    }
}

impl Located for RunError {
    fn location(&self) -> Option<Span> {
        self.span()
    }
}

/// How `seg check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Reports with source excerpts.
    Human,
    /// One JSON array of diagnostics.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
    /// A SARIF 2.1.0 log (for code-scanning tools).
    Sarif,
}

/// `"warning"` or `"error"`, from the diagnostic's miette severity (none means error).
pub fn severity_of<D: Diagnostic + ?Sized>(diagnostic: &D) -> &'static str {
    match diagnostic.severity() {
        Some(miette::Severity::Warning) => "warning",
        Some(miette::Severity::Advice) => "note",
        _ => "error",
    }
}

/// A miette report for a diagnostic, with the source text it points into.
pub fn report<D: Located>(diagnostic: &D, sources: &SourceMap) -> Report {
    let report = Report::new(diagnostic.clone());
    match diagnostic.location() {
        Some(span) if (span.file.0 as usize) < sources.iter().count() => {
            let file = sources.get(span.file);
            report.with_source_code(NamedSource::new(
                file.path.display().to_string(),
                file.text.clone(),
            ))
        }
        _ => report,
    }
}

/// The human rendering of a diagnostic (`colour` for a terminal).
pub fn render_human<D: Located>(diagnostic: &D, sources: &SourceMap, colour: bool) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let long_line = points_into_long_line(diagnostic, sources);
    let report = if long_line {
        Report::new(diagnostic.clone())
    } else {
        report(diagnostic, sources)
    };
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    if let (true, (Some(file), Some((line, column)), _)) =
        (long_line, position(diagnostic, sources))
    {
        out.push_str(&format!("  at {file}:{line}:{column}\n"));
    }
    out
}

/// Lines longer than this (generated rules) are not shown as excerpts: only their place.
const LONGEST_EXCERPT_LINE: usize = 1000;

/// Whether the diagnostic's span lies on a line too long to show.
fn points_into_long_line<D: Located>(diagnostic: &D, sources: &SourceMap) -> bool {
    let Some(span) = diagnostic.location() else {
        return false;
    };
    if span.file.0 as usize >= sources.iter().count() {
        return false;
    }
    let bytes = sources.get(span.file).text.as_bytes();
    let at = (span.start as usize).min(bytes.len());
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    end - start > LONGEST_EXCERPT_LINE
}

/// A diagnostic as a JSON object: code, message, file, line, column, help.
pub fn to_json<D: Located>(
    diagnostic: &D,
    sources: &SourceMap,
    severity: &str,
) -> serde_json::Value {
    let (file, start, end) = position(diagnostic, sources);
    json!({
        "severity": severity,
        "code": diagnostic.code().map(|c| c.to_string()),
        "message": diagnostic.to_string(),
        "file": file,
        "line": start.map(|p| p.0),
        "column": start.map(|p| p.1),
        "end_line": end.map(|p| p.0),
        "end_column": end.map(|p| p.1),
        "help": diagnostic.help().map(|h| h.to_string()),
    })
}

/// A diagnostic as a GitHub Actions workflow command.
pub fn to_github<D: Located>(diagnostic: &D, sources: &SourceMap, severity: &str) -> String {
    let (file, start, end) = position(diagnostic, sources);
    let code = diagnostic.code().map(|c| c.to_string()).unwrap_or_default();
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={file}"));
    }
    if let (Some((line, col)), Some((end_line, end_col))) = (start, end) {
        props.push(format!(
            "line={line},col={col},endLine={end_line},endColumn={end_col}"
        ));
    }
    props.push(format!("title={code}"));
    let mut message = diagnostic.to_string();
    if let Some(help) = diagnostic.help() {
        message.push_str(&format!(" (help: {help})"));
    }
    format!(
        "::{severity} {}::{}",
        props.join(","),
        message.replace('%', "%25").replace('\n', "%0A")
    )
}

type LineCol = Option<(usize, usize)>;

fn position<D: Located>(diagnostic: &D, sources: &SourceMap) -> (Option<String>, LineCol, LineCol) {
    match diagnostic.location() {
        Some(span) if (span.file.0 as usize) < sources.iter().count() => {
            let file = sources.get(span.file).path.display().to_string();
            (
                Some(file),
                Some(sources.line_col(span.file, span.start)),
                Some(sources.line_col(span.file, span.end)),
            )
        }
        _ => (None, None, None),
    }
}

/// A diagnostic as a SARIF 2.1.0 `result` object.
pub fn to_sarif_result<D: Located>(
    diagnostic: &D,
    sources: &SourceMap,
    severity: &str,
) -> serde_json::Value {
    let (file, start, end) = position(diagnostic, sources);
    let mut message = diagnostic.to_string();
    if let Some(help) = diagnostic.help() {
        message.push_str(&format!(" (help: {help})"));
    }
    let mut result = json!({
        "ruleId": diagnostic.code().map_or_else(|| "seg".to_string(), |c| c.to_string()),
        "level": severity,
        "message": { "text": message },
    });
    if let (Some(file), Some((line, col)), Some((end_line, end_col))) = (file, start, end) {
        result["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": sarif_uri(&file) },
                "region": { "startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col.max(1) }
            }
        }]);
    }
    result
}

/// A SARIF 2.1.0 log with one run of seg holding `results`.
pub fn sarif_log(results: &[serde_json::Value]) -> serde_json::Value {
    let mut rule_ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<serde_json::Value> = rule_ids.iter().map(|id| json!({ "id": id })).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "seg", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A file path as a SARIF artifact URI: relative paths stay relative references, absolute
/// ones become `file://` URIs.
fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let encoded: String = path
        .chars()
        .map(|c| {
            if c == ' ' {
                "%20".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}
