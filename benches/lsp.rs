//! The language server's re-check after an edit, as `seg lsp` does after each keystroke:
//!
//! - `edit_recheck`: one open buffer of a 2,000-line program, changed (one line,
//!   alternately two texts so that no parse can be reused), then re-parsed, checked and
//!   linted. The budget in `docs/editors.md` is well under 100 ms.
//! - `edit_importer_recheck`: the same 2,000 lines imported by a small open file that is
//!   edited; the imported file's parse is reused, so only checking and linting remain.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_types::{TextDocumentContentChangeEvent, Url};
use seg::lsp::Workspace;

/// Lines the generated program has at least.
const LINES: usize = 2_000;

const HEADER: &str = r#"// Generated for the language server benchmark.
entity shopper key shopper_id {
  shopper_id: string
  joined_on: date
  region: enum("north", "south", "east", "west")
  email_ok: bool
}

events purchases time bought_at {
  shopper_id: string
  bought_at: datetime
  total: decimal
  channel: enum("store", "app", "web")
}
"#;

/// One block of rules, its names ending with `_{i}`.
fn block(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"
param lapse_{i}: int = {days}

let gap_{i}    = days_between(max(purchases.bought_at), as_of)
let spend_{i}  = sum(purchases.total where bought_at > as_of - {days} days)
let trips_{i}  = count(purchases where channel in ["store", "app"])
let band_{i}   = ntile(spend_{i}, 5)

segmentation stage_{i} {{
  segment regular_{i} when gap_{i} <= lapse_{i}
  segment lapsed_{i}  when gap_{i} > lapse_{i} and trips_{i} > 0
  segment rest_{i}    otherwise
}}

action offer_{i} {{
  channel: enum("sms", "email")
  cost: decimal
}}

campaign revive_{i} {{
  audience stage_{i}.lapsed_{i} and email_ok and band_{i} >= 3
  priority {priority}
  rank by spend_{i} desc
  do offer_{i}(channel: "email", cost: 1.50)
}}
"#,
        days = 30 + i % 300,
        priority = i % 50,
    );
}

/// The generated program's text.
fn program_text() -> String {
    let mut text = String::from(HEADER);
    let mut i = 0;
    while text.lines().count() < LINES {
        block(&mut text, i);
        i += 1;
    }
    text
}

fn recheck(c: &mut Criterion) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("generated.seg");
    let text = program_text();
    std::fs::write(&path, &text).expect("the program is written");
    let edited = text.replacen("param lapse_0: int = 30", "param lapse_0: int = 31", 1);
    assert_ne!(text, edited, "the edit changes one line");
    let uri = Url::from_file_path(&path).expect("an absolute path");

    let mut workspace = Workspace::default();
    workspace.open(uri.clone(), 0, text.clone());
    workspace.analyze();
    let problems: usize = workspace.analyses().map(|a| a.problems.len()).sum();
    assert_eq!(problems, 0, "the generated program checks without warnings");

    let lines = text.lines().count();
    let mut group = c.benchmark_group(format!("lsp_{lines}_lines"));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    let mut version = 0;
    group.bench_function("edit_recheck", |b| {
        b.iter(|| {
            version += 1;
            let now = if version % 2 == 0 { &text } else { &edited };
            let change = TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: now.clone(),
            };
            if let Some(path) = workspace.change(uri.clone(), version, vec![change]) {
                workspace.reanalyze(&path);
            }
            black_box(workspace.analyses().count())
        })
    });
    group.finish();
    recheck_importer(c, &text);
}

/// The edit of a small file that imports the large one.
fn recheck_importer(c: &mut Criterion, imported: &str) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(folder.path().join("generated.seg"), imported).expect("written");
    let path = folder.path().join("main.seg");
    let text = "import \"generated.seg\"\n\nsegment big_spender when spend_0 > 100\n";
    let edited = text.replace("100", "200");
    std::fs::write(&path, text).expect("written");
    let uri = Url::from_file_path(&path).expect("an absolute path");
    let mut workspace = Workspace::default();
    workspace.open(uri.clone(), 0, text.to_string());
    workspace.analyze();
    let problems: usize = workspace.analyses().map(|a| a.problems.len()).sum();
    assert_eq!(problems, 0, "the program checks without warnings");

    let mut group = c.benchmark_group(format!("lsp_{}_lines", imported.lines().count()));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    let mut version = 0;
    group.bench_function("edit_importer_recheck", |b| {
        b.iter(|| {
            version += 1;
            let now = if version % 2 == 0 {
                text
            } else {
                edited.as_str()
            };
            let change = TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: now.to_string(),
            };
            if let Some(path) = workspace.change(uri.clone(), version, vec![change]) {
                workspace.reanalyze(&path);
            }
            black_box(workspace.analyses().count())
        })
    });
    group.finish();
}

criterion_group!(benches, recheck);
criterion_main!(benches);
