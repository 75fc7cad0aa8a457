//! `seg test PATH... [--filter TEXT] [--junit FILE]`: run `test` blocks, report like
//! `cargo test`, and optionally write JUnit XML.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use seg::testing::{TestResult, run_tests};

use super::paths::roots;

/// Arguments of `seg test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `.seg` files or folders (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Also write the results as JUnit XML.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// Runs every test; exit 1 when one fails or a program does not compile.
pub fn run(args: &Args) -> ExitCode {
    let roots = match roots(&args.paths) {
        Ok(roots) => roots,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut suites = Vec::new();
    let mut broken = false;
    for root in &roots {
        let Some((program, hir)) = super::compile_or_report(root) else {
            broken = true;
            continue;
        };
        let results = run_tests(&program, &hir, args.filter.as_deref());
        if !results.is_empty() {
            print_suite(root, &results);
            suites.push((root.clone(), results));
        }
    }
    let passed: usize = suites
        .iter()
        .map(|(_, r)| r.iter().filter(|t| t.passed()).count())
        .sum();
    let failed: usize = suites
        .iter()
        .map(|(_, r)| r.iter().filter(|t| !t.passed()).count())
        .sum();
    println!("{passed} passed, {failed} failed");
    if let Some(path) = &args.junit
        && let Err(e) = write_junit(path, &suites)
    {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return ExitCode::from(1);
    }
    if failed > 0 || broken {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_suite(root: &Path, results: &[TestResult]) {
    println!(
        "\nrunning {} test{} in {}",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        root.display()
    );
    for result in results {
        println!(
            "test {} ... {}",
            result.name,
            if result.passed() { "ok" } else { "FAILED" }
        );
    }
    let failures: Vec<&TestResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for result in failures {
            println!(
                "\n---- {} ({}:{})",
                result.name,
                result.file.display(),
                result.line
            );
            print!("{}", failure_text(result));
        }
    }
}

/// What failed in a test, one indented block per failed statement.
fn failure_text(result: &TestResult) -> String {
    let mut text = String::new();
    for failure in &result.failures {
        text.push_str(&format!("  line {}: {}\n", failure.line, failure.statement));
        for detail in &failure.details {
            text.push_str(&format!("    {detail}\n"));
        }
    }
    text
}

fn write_junit(path: &Path, suites: &[(PathBuf, Vec<TestResult>)]) -> std::io::Result<()> {
    let mut report = Report::new("seg test");
    for (root, results) in suites {
        let mut suite = TestSuite::new(root.display().to_string());
        for result in results {
            let status = if result.passed() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(
                    result
                        .failures
                        .first()
                        .map_or(String::new(), |f| f.statement.clone()),
                );
                status.set_description(failure_text(result));
                status
            };
            let mut case = TestCase::new(result.name.clone(), status);
            case.set_classname(format!("{}:{}", result.file.display(), result.line));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(std::io::Error::other)?;
    std::fs::write(path, xml)
}
