//! The fuzz targets: one function per entry point, each taking one input and panicking on
//! a defect. Shared by the mutation fuzzer that `cargo test` runs (`tests/fuzz.rs`) and by
//! the `cargo fuzz` targets (`fuzz/fuzz_targets/`), so that both exercise the same code.
//!
//! A defect is a panic anywhere in seg, a stack overflow (which aborts the process), a
//! diagnostic whose span or labels leave its source or that miette cannot render, or the
//! formatter giving text that does not parse to the same program or formats differently
//! again. Errors about the input are not defects: they are rendered every way the CLI
//! renders them, and dropped. Run each target on [`on_command_stack`], as `seg` does.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use miette::Diagnostic;
use seg::check::hir::{Field, Hir};
use seg::diagnostics::{Located, render_human, to_github, to_json, to_sarif_result};
use seg::exec::read::{self, PlainCsvReader, RowReader};
use seg::exec::write::{WriteOptions, write_outputs};
use seg::exec::{RunInput, Source, Value};
use seg::fmt::{FmtError, format_source};
use seg::syntax::SourceMap;

/// Runs `f` on a thread with the stack `seg` runs its commands on; `Err` if it panicked.
pub fn on_command_stack<T: Send + 'static>(
    name: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::Result<T> {
    std::thread::Builder::new()
        .name(name)
        .stack_size(seg::COMMAND_STACK_BYTES)
        .spawn(f)
        .expect("a fuzz thread starts")
        .join()
}

/// `seg check`, `seg fmt`, `seg plan` and `seg test` on one program text, as if it were
/// the file `input.seg` in `folder` (its imports and test `load`s are read from there).
pub fn check_program(folder: &Path, text: &str) {
    format_text(&folder.join("input.seg"), text);
    check_unformatted(folder, text);
}

/// [`check_program`] without `seg fmt`.
pub fn check_unformatted(folder: &Path, text: &str) {
    let path = folder.join("input.seg");
    let program = match seg::syntax::load_program_from_text(&path, text) {
        Ok(program) => program,
        Err((sources, errors)) => return diagnose(&errors, &sources),
    };
    let hir = match seg::check::check(&program) {
        Ok(hir) => hir,
        Err(errors) => return diagnose(&errors, &program.sources),
    };
    diagnose(&seg::lint::lint(&program, &hir), &program.sources);
    let plan = seg::plan::plan(&hir, true);
    let _ = seg::plan::listing(&plan, &hir);
    for result in seg::testing::run_tests(&program, &hir, None) {
        let _ = result.passed();
    }
}

/// `seg fmt`: the formatted text must format to itself; a refusal must be a syntax error.
pub fn format_text(path: &Path, text: &str) {
    match format_source(text) {
        Ok(formatted) => match format_source(&formatted) {
            Ok(again) => assert!(again == formatted, "formatting twice changes the text"),
            Err(error) => panic!("the formatted text does not format: {error:?}"),
        },
        Err(FmtError::Syntax(errors)) => {
            let mut sources = SourceMap::default();
            sources.add(path, text);
            diagnose(&errors, &sources);
        }
        Err(error) => panic!("seg fmt refuses a file that parses: {error:?}"),
    }
}

/// The program the readers are fuzzed against: every field type, nullable or not.
const SCHEMA: &str = r#"
entity customer key id {
  id: string
  n: int
  amount: decimal?
  score: float
  ok: bool?
  born: date
  seen: datetime?
  tier: enum("gold", "silver")
  note: string?
}

events orders time at {
  id: string
  at: datetime
  qty: int?
  price: decimal
  kind: enum("a", "b")?
  day: date?
  flag: bool
  ratio: float?
}
"#;

fn schema() -> &'static Hir {
    static SCHEMA_HIR: OnceLock<Hir> = OnceLock::new();
    SCHEMA_HIR.get_or_init(|| {
        let program = seg::syntax::load_program_from_text(Path::new("schema.seg"), SCHEMA)
            .unwrap_or_else(|_| panic!("the fuzz schema parses"));
        seg::check::check(&program).unwrap_or_else(|_| panic!("the fuzz schema checks"))
    })
}

/// The CSV or NDJSON reader on `bytes` as a file, against the entity's and the stream's
/// fields. A CSV file without `"` is read by the quote-free reader too, which must give
/// exactly what the `csv` crate's reader gives.
pub fn read_data(bytes: &[u8], ndjson: bool) {
    let hir = schema();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir
        .path()
        .join(if ndjson { "data.ndjson" } else { "data.csv" });
    std::fs::write(&path, bytes).expect("the data file is written");
    let source = Source::File(path.clone());
    let records = std::iter::once(&hir.entity).chain(hir.streams.iter().map(|s| &s.record));
    for (i, record) in records.enumerate() {
        let store: Vec<bool> = (0..record.fields.len()).map(|f| (f + i) % 3 != 0).collect();
        let opened = read::open(&source, &record.name, &record.fields);
        let all = read_all(opened, &record.fields, None);
        let some = read_all(
            read::open(&source, &record.name, &record.fields),
            &record.fields,
            Some(&store),
        );
        if !ndjson && !bytes.contains(&b'"') {
            let size = bytes.len() as u64;
            let plain = PlainCsvReader::open_range(&path, &record.name, &record.fields, 0..size, 0)
                .map(|r| Box::new(r) as Box<dyn RowReader>);
            let plain = read_all(plain, &record.fields, None);
            assert_eq!(
                all, plain,
                "the quote-free reader differs from the csv reader"
            );
        }
        let _ = some;
    }
}

/// Upper bound on the rows read from one file (fuzzed files are small).
const MAX_ROWS: usize = 100_000;

/// Every row of a reader as text: values, problems and the error it stops with.
fn read_all(
    opened: Result<Box<dyn RowReader>, seg::exec::RunError>,
    fields: &[Field],
    store: Option<&[bool]>,
) -> Vec<String> {
    let mut reader = match opened {
        Ok(reader) => reader,
        Err(error) => {
            diagnose(std::slice::from_ref(&error), &SourceMap::default());
            return vec![format!("{error:?}")];
        }
    };
    if let Some(store) = store {
        reader.store_only(store);
    }
    let mut trace = Vec::new();
    let mut row = vec![Value::Null; fields.len()];
    for _ in 0..MAX_ROWS {
        match reader.next_row(&mut row) {
            Ok(None) => return trace,
            Ok(Some(Ok(line))) => {
                let cells: Vec<Option<&str>> =
                    (0..fields.len()).map(|i| reader.cell_text(i)).collect();
                trace.push(format!("{line}: {row:?} {cells:?}"));
            }
            Ok(Some(Err(problem))) => trace.push(format!("{problem:?}")),
            Err(error) => {
                diagnose(std::slice::from_ref(&error), &SourceMap::default());
                trace.push(format!("{error:?}"));
                return trace;
            }
        }
        let _ = reader.position();
    }
    panic!("a reader gives more than {MAX_ROWS} rows for a small file");
}

/// `seg run`, `seg dry-run` and `seg explain` on a program and data files: `data[0]` is
/// bound to the entity, `data[1..]` to the events streams in declared order (an NDJSON file
/// when it starts with `{`, otherwise CSV; an empty file when missing). The bits of
/// `options` choose `--max-rejects`, `--with-values`, campaign details and spreadsheet-safe
/// output.
pub fn run_program(text: &str, data: &[&[u8]], options: u8) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("rules.seg");
    std::fs::write(&root, text).expect("the program is written");
    let (program, hir) = match seg::compile(&root) {
        Ok(compiled) => compiled,
        Err(seg::CompileError::Syntax(sources, errors)) => return diagnose(&errors, &sources),
        Err(seg::CompileError::Check(sources, errors)) => return diagnose(&errors, &sources),
    };
    let names = std::iter::once(&hir.entity).chain(hir.streams.iter().map(|s| &s.record));
    let bound: Vec<(String, Source)> = names
        .enumerate()
        .map(|(i, record)| {
            let bytes = data.get(i).copied().unwrap_or_default();
            let ndjson = bytes.first() == Some(&b'{');
            let file = format!("{i}.{}", if ndjson { "ndjson" } else { "csv" });
            let path: PathBuf = dir.path().join(file);
            std::fs::write(&path, bytes).expect("a data file is written");
            (record.name.clone(), Source::File(path))
        })
        .collect();
    let input = RunInput {
        data: bound,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date"),
        params: Vec::new(),
        max_rejects: (options & 1 != 0).then_some(2),
    };
    let mut plan = seg::plan::plan(&hir, options & 2 != 0);
    plan.keep_details = options & 4 != 0;
    let outcome = match seg::exec::run(&hir, &plan, &input) {
        Ok(outcome) => outcome,
        Err(error) => return diagnose(&[error], &program.sources),
    };
    let write = WriteOptions {
        rejects: input.max_rejects.is_some(),
        spreadsheet_safe: options & 8 != 0,
    };
    if let Err(error) = write_outputs(&hir, &outcome, &dir.path().join("out"), write) {
        diagnose(&[error], &program.sources);
    }
    if plan.keep_details {
        match seg::report::build(&hir, &outcome, "rules.seg", 3) {
            Ok(report) => {
                let _ = seg::report::render_terminal(&report, false);
                let _ = seg::report::render_html(&report);
            }
            Err(error) => diagnose(&[error], &program.sources),
        }
    }
    // A power-assert breakdown shows and evaluates every sub-expression, its time the
    // square of an expression's size: a generated program is explained only when small.
    if let Some(key) = outcome.keys.first().filter(|_| text.len() <= MAX_EXPLAINED) {
        match seg::explain::explain(&hir, &input, key) {
            Ok(explanation) => drop(seg::explain::render_human(&explanation)),
            Err(error) => diagnose(&[error], &program.sources),
        }
    }
}

/// The longest program [`run_program`] explains (in bytes).
const MAX_EXPLAINED: usize = 16 << 10;

/// Splits one fuzz input into [`run_program`]'s arguments: the program, then the data
/// files, separated by NUL bytes; the options are the first byte.
pub fn run_program_bytes(bytes: &[u8]) {
    let Some((&options, rest)) = bytes.split_first() else {
        return;
    };
    let mut parts = rest.split(|&b| b == 0);
    let Some(Ok(text)) = parts.next().map(std::str::from_utf8) else {
        return;
    };
    let data: Vec<&[u8]> = parts.collect();
    run_program(text, &data, options);
}

/// Checks each diagnostic's place and renders it every way the CLI does.
pub fn diagnose<D: Located>(diagnostics: &[D], sources: &SourceMap) {
    for d in diagnostics {
        if let Some(span) = d.location() {
            let files = sources.iter().count();
            assert!((span.file.0 as usize) < files, "`{d}` points into no file");
            let text = &sources.get(span.file).text;
            let (start, end) = (span.start as usize, span.end as usize);
            in_text(text, start, end, d);
            for label in d.labels().into_iter().flatten() {
                in_text(text, label.offset(), label.offset() + label.len(), d);
            }
        }
        // `render_human` falls back to this when miette cannot render the report.
        let unrendered = format!("error: {d}\n");
        assert!(
            render_human(d, sources, false) != unrendered,
            "miette cannot render `{d}`"
        );
        let _ = render_human(d, sources, true);
        let severity = seg::diagnostics::severity_of(d);
        let _ = to_json(d, sources, severity);
        let _ = to_github(d, sources, severity);
        let _ = to_sarif_result(d, sources, severity);
    }
}

/// Asserts that `start..end` is a range of whole characters of `text`.
fn in_text<D: Diagnostic>(text: &str, start: usize, end: usize, d: &D) {
    assert!(
        start <= end && end <= text.len(),
        "`{d}` points at {start}..{end}, outside its file of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "`{d}` points at {start}..{end}, inside a character"
    );
}
