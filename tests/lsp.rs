//! End-to-end tests of `seg lsp` with a real LSP client: the pytest suite of `tests/lsp/`
//! (pytest-lsp) drives the built binary over stdio — diagnostics, hover, completion, go to
//! definition and references across imports, formatting, rename, document symbols, a
//! malformed request, and the VS Code extension's launch command.
//!
//! Needs `python3 -m pip install pytest pytest-lsp` (`.ci/run` does it); the VS Code check
//! also needs `npm ci --prefix editors/vscode`.

use std::path::Path;
use std::process::Command;

#[test]
fn pytest_lsp_suite_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .args(["-m", "pytest", "tests/lsp", "-q", "-p", "no:cacheprovider"])
        .current_dir(root)
        .env("SEG_BIN", env!("CARGO_BIN_EXE_seg"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 (is it installed?): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "pytest tests/lsp failed (install its packages with \
         `python3 -m pip install pytest pytest-lsp`):\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}
