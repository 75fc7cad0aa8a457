//! The CSV reader on arbitrary bytes, against a schema of every field type (see
//! `tests/fuzz/targets.rs`).

#![no_main]

#[path = "../../tests/fuzz/targets.rs"]
#[expect(dead_code, reason = "each target calls one of the entry points")]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    if let Err(panic) =
        targets::on_command_stack("read_csv".into(), move || targets::read_data(&data, false))
    {
        std::panic::resume_unwind(panic);
    }
});
