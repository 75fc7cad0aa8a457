//! `seg check`, `seg fmt`, `seg plan` and `seg test` on arbitrary text, as the file
//! `input.seg` beside `rules/retail/schema.seg` (so that `import "schema.seg"` resolves).
//! Seed the corpus with the repository's `.seg` files (see docs/reliability.md).

#![no_main]

#[path = "../../tests/fuzz/targets.rs"]
#[expect(dead_code, reason = "each target calls one of the entry points")]
mod targets;

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/retail");
    let text = text.to_string();
    // On the stack `seg` gives its commands; a panic in there is re-raised here.
    if let Err(panic) = targets::on_command_stack("check".into(), move || {
        targets::check_program(&folder, &text)
    }) {
        std::panic::resume_unwind(panic);
    }
});
