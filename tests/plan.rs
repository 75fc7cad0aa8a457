//! Plan listings (`seg plan`) of the reference programs, the benchmark and the project's
//! own rules, snapshot-tested: what is computed, at which level, in which order.

use std::path::Path;

fn listing(path: &Path, with_values: bool) -> String {
    match seg::compile(path) {
        Ok((_, hir)) => seg::plan::listing(&seg::plan::plan(&hir, with_values), &hir),
        Err(_) => panic!("{} does not compile", path.display()),
    }
}

#[test]
fn reference_program_plans() {
    insta::glob!("../../shared/spec/examples", "*.seg", |path| {
        insta::assert_snapshot!(listing(path, false));
    });
}

#[test]
fn benchmark_plan() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/bench.seg");
    insta::assert_snapshot!(listing(&path, false));
}

#[test]
fn with_values_plans_every_let() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/unused_let.seg");
    insta::assert_snapshot!("unused_let_without_values", listing(&path, false));
    insta::assert_snapshot!("unused_let_with_values", listing(&path, true));
}

#[test]
fn aggregate_depending_on_population_takes_a_second_pass() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/second_pass.seg");
    insta::assert_snapshot!(listing(&path, false));
}
