//! The `.seg` examples in the documentation must check: docs that lie are bugs.

use std::path::Path;

/// The ```seg blocks of a Markdown file.
fn seg_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```seg") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn readme_example_checks_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = seg_blocks(&readme);
    assert!(!blocks.is_empty(), "the README shows a .seg example");
    for (i, block) in blocks.iter().enumerate() {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("readme_{i}.seg"));
        std::fs::write(&path, block).expect("write example");
        assert!(
            seg::compile(&path).is_ok(),
            "README example {i} does not check:\n{block}"
        );
    }
}
