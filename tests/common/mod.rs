//! Helpers shared by test files (each test file is a crate of its own and includes this
//! module with `mod common;`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// `../shared/bench/gen_data.py --customers N` data, generated once per target folder:
/// into a scratch folder renamed when complete, one generation at a time within a test
/// file (its tests run in parallel; test files run one after another).
pub fn generated(customers: u32) -> PathBuf {
    static GENERATING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = GENERATING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join(format!("bench{customers}"));
    if !dir.exists() {
        let scratch = tmp.join(format!("bench{customers}.partial"));
        let _ = std::fs::remove_dir_all(&scratch);
        let status = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_data.py"))
            .args(["--customers", &customers.to_string(), "--out"])
            .arg(&scratch)
            .status()
            .expect("python3 runs gen_data.py");
        assert!(status.success(), "gen_data.py failed");
        std::fs::rename(&scratch, &dir).expect("move the data into place");
    }
    dir
}
