//! `seg run`, `seg dry-run` and `seg explain` on a program and data files in one input:
//! an options byte, the program, then the entity's and each stream's file, separated by
//! NUL bytes (see `run_program_bytes` in `tests/fuzz/targets.rs`).

#![no_main]

#[path = "../../tests/fuzz/targets.rs"]
#[expect(dead_code, reason = "each target calls one of the entry points")]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    if let Err(panic) =
        targets::on_command_stack("run".into(), move || targets::run_program_bytes(&data))
    {
        std::panic::resume_unwind(panic);
    }
});
