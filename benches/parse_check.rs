//! The front end on one large rule file: a generated program of about 20,000 lines (one
//! entity, two events streams, then blocks of params, lets, a segmentation, segments, an
//! action and a campaign, each block with its own names). Measures parsing, checking, and
//! the whole of `seg check` (parse, check, lint).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use seg::syntax::{Program, load_program_from_text};

/// Lines the generated program has at least.
const LINES: usize = 20_000;

const HEADER: &str = r#"// Generated for the parse/check benchmark.
entity shopper key shopper_id {
  shopper_id: string
  joined_on: date
  region: enum("north", "south", "east", "west")
  email_ok: bool
  sms_ok: bool
}

events purchases time bought_at {
  shopper_id: string
  bought_at: datetime
  total: decimal
  aisle: string
  channel: enum("store", "app", "web")
}

events visits time seen_at {
  shopper_id: string
  seen_at: datetime
  page: string
}
"#;

/// Words that vary the names of each block.
const WORDS: [&str; 12] = [
    "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper",
    "kestrel", "lotus",
];

/// One block of rules; every name in it ends with `_{w}{i}`.
fn block(out: &mut String, i: usize) {
    let n = format!("{}{i}", WORDS[i % WORDS.len()]);
    let (days, share, cut) = (30 + i % 300, 50 + i % 40, 100 + i % 900);
    let _ = write!(
        out,
        r#"
// Block {i}.
param lapse_{n}: int = {days}

let gap_{n}     = days_between(max(purchases.bought_at), as_of)
let spend_{n}   = sum(purchases.total where bought_at > as_of - {days} days)
let trips_{n}   = count(purchases where channel in ["store", "app"])
let views_{n}   = count(visits where seen_at > as_of - 30 days and page != "home")
let fav_{n}     = mode(purchases.aisle)
let tenure_{n}  = days_between(joined_on, as_of)
let reach_{n}   = email_ok or sms_ok
let band_{n}    = ntile(spend_{n}, 5)

segmentation stage_{n} {{
  segment fresh_{n}   when tenure_{n} <= 30
  segment regular_{n} when gap_{n} <= lapse_{n}
  segment drifting_{n} when gap_{n} <= 2 * lapse_{n} and views_{n} > 0
  segment lapsed_{n}  when gap_{n} > lapse_{n}
  segment rest_{n}    otherwise
}}

segment big_{n} when spend_{n} >= percentile(spend_{n}, 0.{share}) and band_{n} >= 4
segment busy_{n} when trips_{n} between 3 and 20 and region in ["north", "east"]

action offer_{n} {{
  channel: enum("sms", "email")
  aisle: string?
  cost: decimal
}}

campaign revive_{n} {{
  audience stage_{n}.lapsed_{n} and reach_{n} and not busy_{n}
  priority {priority}
  holdout 10%
  budget {cut}
  rank by spend_{n} desc
  do offer_{n}(channel: if sms_ok then "sms" else "email", aisle: fav_{n}, cost: 2.50)
}}
"#,
        priority = i % 50,
    );
}

/// The generated program's text and its number of lines.
fn program_text() -> (String, usize) {
    let mut text = String::from(HEADER);
    let mut i = 0;
    while text.lines().count() < LINES {
        block(&mut text, i);
        i += 1;
    }
    let lines = text.lines().count();
    (text, lines)
}

fn parse(path: &Path, text: &str) -> Program {
    match load_program_from_text(path, text) {
        Ok(program) => program,
        Err((_, errors)) => panic!("{} syntax errors in the generated program", errors.len()),
    }
}

fn parse_check(c: &mut Criterion) {
    let (text, lines) = program_text();
    let path = Path::new("generated.seg");
    let program = parse(path, &text);
    let hir = match seg::check::check(&program) {
        Ok(hir) => hir,
        Err(errors) => panic!("{} check errors in the generated program", errors.len()),
    };
    let lints = seg::lint::lint(&program, &hir);
    assert!(
        lints.is_empty(),
        "{} lints in the generated program",
        lints.len()
    );

    let mut group = c.benchmark_group(format!("front_end_{lines}_lines"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("parse", |b| b.iter(|| parse(path, black_box(&text))));
    group.bench_function("check", |b| {
        b.iter(|| seg::check::check(black_box(&program)).is_ok())
    });
    group.bench_function("parse_check_lint", |b| {
        b.iter(|| {
            let program = parse(path, black_box(&text));
            let hir = seg::check::check(&program).is_ok_and(|hir| {
                black_box(seg::lint::lint(&program, &hir));
                true
            });
            black_box(hir)
        })
    });
    group.finish();
}

criterion_group!(benches, parse_check);
criterion_main!(benches);
