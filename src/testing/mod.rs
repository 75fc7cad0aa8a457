//! Test stage: running a program's `test` blocks (LANGUAGE.md section 8).
//!
//! Each test becomes a run over in-memory rows (its records and loaded files) as of its
//! date, on the same evaluation path as `seg run`; then every `expect` is checked against
//! the outcome. [`run_tests`] returns one [`TestResult`] per test, in program order.

mod data;
mod expect;

use std::path::PathBuf;

use crate::check::hir::Hir;
use crate::exec::{self, RunInput};
use crate::plan;
use crate::syntax::{Program, ast};

/// The result of one `test` block.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The file it is in.
    pub file: PathBuf,
    /// Its line.
    pub line: usize,
    /// Failed expectations (or the reason the test could not run); empty when it passed.
    pub failures: Vec<Failure>,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Why a test failed: a line and what was expected and found.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The line of the statement.
    pub line: usize,
    /// The statement as written (or what went wrong).
    pub statement: String,
    /// What differed, one line each.
    pub details: Vec<String>,
}

/// Runs every test of a checked program whose name contains `filter`.
pub fn run_tests(program: &Program, hir: &Hir, filter: Option<&str>) -> Vec<TestResult> {
    let plan = plan::plan(hir, true);
    let mut results = Vec::new();
    for module in &program.modules {
        for item in &module.items {
            let ast::Item::Test(test) = item else {
                continue;
            };
            if filter.is_some_and(|f| !test.name.value.contains(f)) {
                continue;
            }
            results.push(run_one(program, hir, &plan, test));
        }
    }
    results
}

fn run_one(program: &Program, hir: &Hir, plan: &plan::Plan, test: &ast::TestDecl) -> TestResult {
    let file = program.sources.get(test.span.file);
    let line = |span: crate::syntax::Span| program.sources.line_col(span.file, span.start).0;
    let mut result = TestResult {
        name: test.name.value.clone(),
        file: file.path.clone(),
        line: line(test.span),
        failures: Vec::new(),
    };
    let setup = match data::Setup::build(hir, test, &file.path, &line) {
        Ok(setup) => setup,
        Err(failures) => {
            result.failures = failures;
            return result;
        }
    };
    let input = RunInput {
        data: setup.data,
        as_of: setup.as_of,
        params: setup.params,
        max_rejects: None,
    };
    match exec::run(hir, plan, &input) {
        Ok(outcome) => {
            let checker = expect::Checker::new(hir, &outcome);
            for stmt in &test.statements {
                if let ast::TestStmtKind::Expect(expectation) = &stmt.kind
                    && let Err(details) = checker.check(expectation)
                {
                    result.failures.push(Failure {
                        line: line(stmt.span),
                        statement: statement_text(file, stmt.span),
                        details,
                    });
                }
            }
        }
        Err(error) => result.failures.push(Failure {
            line: line(test.span),
            statement: "the test's data could not be evaluated".into(),
            details: vec![error.to_string()],
        }),
    }
    result
}

/// The source text of a statement, on one line.
fn statement_text(file: &crate::syntax::SourceFile, span: crate::syntax::Span) -> String {
    let text = file
        .text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
