//! The CI job of `docs/ci.md`, run for real: its script is taken from the page and run
//! on this repository's `rules/` against a base revision whose retail rules differ.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first ```sh block of docs/ci.md: the job's script.
fn script_from_docs() -> String {
    let page = std::fs::read_to_string(root().join("docs/ci.md")).expect("docs/ci.md");
    let start = page.find("```sh\n").expect("docs/ci.md has a ```sh block") + "```sh\n".len();
    let end = page[start..].find("```").expect("the block ends") + start;
    page[start..end].to_string()
}

/// A copy of `rules/` whose retail members count as active for 120 days instead of 90.
fn base_checkout(dir: &Path) -> PathBuf {
    let base = dir.join("base");
    let _ = std::fs::remove_dir_all(&base);
    copy_dir(&root().join("rules"), &base.join("rules"));
    let membership = base.join("rules/retail/membership.seg");
    let text = std::fs::read_to_string(&membership).expect("membership.seg");
    let changed = text.replace(
        "param active_days: int = 90",
        "param active_days: int = 120",
    );
    assert_ne!(
        changed, text,
        "the retail rules still declare `param active_days: int = 90`"
    );
    std::fs::write(&membership, changed).expect("write base rules");
    base
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

#[test]
fn the_documented_ci_job_passes_on_the_project_rules() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci_job");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let script = dir.join("seg-ci.sh");
    std::fs::write(&script, script_from_docs()).expect("write script");
    let base = base_checkout(&dir);
    let out = dir.join("reports");
    let seg_dir = Path::new(env!("CARGO_BIN_EXE_seg"))
        .parent()
        .expect("binary folder");
    let path = format!(
        "{}:{}",
        seg_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg(&script)
        .arg(&base)
        .arg(&out)
        .current_dir(root())
        .env("PATH", path)
        .output()
        .expect("bash runs the job");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the CI job failed:\n{log}");
    let junit = std::fs::read_to_string(out.join("seg-junit.xml")).expect("JUnit report");
    assert!(
        junit.contains("<testsuites") && junit.contains("failures=\"0\""),
        "{junit}"
    );
    let diff = std::fs::read_to_string(out.join("seg-diff.md")).expect("diff comment");
    assert!(
        diff.contains('|') && diff.contains("lifecycle"),
        "the diff shows the lifecycle matrix:\n{diff}"
    );
}
