//! Test stage: a test's date, params and data (inline records and loaded files) as
//! in-memory rows for the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use super::Failure;
use crate::check::hir::{Field, Hir};
use crate::check::literal_to_const;
use crate::exec::read::{self, Source};
use crate::exec::{RunError, Value};
use crate::syntax::{Span, ast};

/// What a test runs on.
pub struct Setup {
    /// The test's `as_of`.
    pub as_of: NaiveDate,
    /// `param` overrides, in the command line's text form.
    pub params: Vec<(String, String)>,
    /// Rows for the entity and every stream.
    pub data: Vec<(String, Source)>,
}

type Rows = Vec<(u64, Vec<Value>)>;

impl Setup {
    /// Collects a test's statements into a setup, or the reasons it cannot run.
    pub fn build(
        hir: &Hir,
        test: &ast::TestDecl,
        file: &Path,
        line: &dyn Fn(Span) -> usize,
    ) -> Result<Setup, Vec<Failure>> {
        let mut failures = Vec::new();
        let mut as_of = None;
        let mut params = Vec::new();
        let mut rows: BTreeMap<String, Rows> = BTreeMap::new();
        for stmt in &test.statements {
            let at = line(stmt.span);
            let result = match &stmt.kind {
                ast::TestStmtKind::AsOf(date) => {
                    as_of = Some(*date);
                    Ok(())
                }
                ast::TestStmtKind::Param(name, value) => {
                    params.push((name.name.clone(), param_text(value)));
                    Ok(())
                }
                ast::TestStmtKind::Record(target, fields) => record(hir, target, fields, at)
                    .map(|row| rows.entry(target.name.clone()).or_default().push(row)),
                ast::TestStmtKind::Load(target, path) => load(
                    hir,
                    target,
                    &file.parent().unwrap_or(Path::new(".")).join(&path.value),
                )
                .map(|loaded| rows.entry(target.name.clone()).or_default().extend(loaded)),
                ast::TestStmtKind::Expect(_) => Ok(()),
            };
            if let Err(details) = result {
                failures.push(Failure {
                    line: at,
                    statement: "the test's data is not valid".into(),
                    details,
                });
            }
        }
        let Some(as_of) = as_of else {
            failures.push(Failure {
                line: line(test.span),
                statement: "the test has no `as_of`".into(),
                details: vec!["add `as_of YYYY-MM-DD`".into()],
            });
            return Err(failures);
        };
        if !failures.is_empty() {
            return Err(failures);
        }
        let label =
            |name: &str| PathBuf::from(format!("{} (test records of `{name}`)", file.display()));
        let names = std::iter::once(hir.entity.name.clone())
            .chain(hir.streams.iter().map(|s| s.record.name.clone()));
        let data = names
            .map(|name| {
                let source = Source::Rows {
                    label: label(&name),
                    rows: Arc::new(rows.remove(&name).unwrap_or_default()),
                };
                (name, source)
            })
            .collect();
        Ok(Setup {
            as_of,
            params,
            data,
        })
    }
}

/// A literal in the `--param` text form (strings bare).
fn param_text(value: &ast::Literal) -> String {
    match value {
        ast::Literal::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The declared fields of the entity or stream called `name`.
fn fields_of<'h>(hir: &'h Hir, name: &ast::Ident) -> Result<&'h [Field], Vec<String>> {
    if hir.entity.name == name.name {
        return Ok(&hir.entity.fields);
    }
    match hir.streams.iter().find(|s| s.record.name == name.name) {
        Some(stream) => Ok(&stream.record.fields),
        None => Err(vec![format!(
            "`{}` is neither the entity nor an events stream",
            name.name
        )]),
    }
}

/// One inline record as a row in declared field order.
fn record(
    hir: &Hir,
    target: &ast::Ident,
    given: &[ast::RecordField],
    line: usize,
) -> Result<(u64, Vec<Value>), Vec<String>> {
    let fields = fields_of(hir, target)?;
    let mut problems = Vec::new();
    for f in given {
        if !fields.iter().any(|d| d.name == f.name.name) {
            problems.push(format!("`{}` has no field `{}`", target.name, f.name.name));
        }
    }
    let mut row = Vec::with_capacity(fields.len());
    for field in fields {
        match given.iter().find(|f| f.name.name == field.name) {
            Some(f) => match literal_to_const(&f.value, &field.ty) {
                Ok(c) => row.push(Value::from(&c)),
                Err(expected) => {
                    problems.push(format!(
                        "`{}`: expected {expected}, found `{}`",
                        field.name, f.value
                    ));
                    row.push(Value::Null);
                }
            },
            None if field.ty.nullable => row.push(Value::Null),
            None => {
                problems.push(format!(
                    "`{}` is missing the field `{}` ({})",
                    target.name, field.name, field.ty
                ));
                row.push(Value::Null);
            }
        }
    }
    if problems.is_empty() {
        Ok((line as u64, row))
    } else {
        Err(problems)
    }
}

/// Every row of a CSV or NDJSON file, for `load NAME "file"`.
fn load(hir: &Hir, target: &ast::Ident, path: &Path) -> Result<Rows, Vec<String>> {
    let fields = fields_of(hir, target)?;
    let failed = |e: RunError| vec![e.to_string()];
    let mut reader =
        read::open(&Source::File(path.to_path_buf()), &target.name, fields).map_err(failed)?;
    let mut rows = Vec::new();
    let mut row = vec![Value::Null; fields.len()];
    while let Some(result) = reader.next_row(&mut row).map_err(failed)? {
        match result {
            Ok(line) => rows.push((line, row.clone())),
            Err(p) => {
                return Err(vec![format!(
                    "{}:{}: column `{}`: {}",
                    path.display(),
                    p.line,
                    p.column,
                    p.problem
                )]);
            }
        }
    }
    Ok(rows)
}
