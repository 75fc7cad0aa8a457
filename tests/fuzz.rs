//! A mutation fuzzer over the entry points in `tests/fuzz/targets.rs` (the same ones the
//! `cargo fuzz` targets in `fuzz/` call), driven by `cargo test`.
//!
//! Inputs are the repository's own `.seg` files and CSV/NDJSON fixtures, mutated: bytes
//! flipped, spans inserted, deleted or duplicated, two files spliced, tokens swapped or
//! replaced by keywords, operators and literals, deep nestings of every kind of expression
//! inserted, text truncated. Each input runs on a thread with the CLI's stack, within a
//! time limit; a panic or a timeout fails the test with the input saved under
//! `target/tmp/fuzz/`. A stack overflow aborts the test binary: the thread's name (and
//! the `*.current` file beside the saved inputs) says which input it was.
//!
//! Deterministic: `SEG_FUZZ_SEED` (default 1) seeds the generator and
//! `SEG_FUZZ_ITERATIONS` multiplies the number of inputs (default 1); `SEG_FUZZ_CASE=N`
//! runs only input `N` of each target. Files in `tests/fuzz/regressions/` are inputs that
//! once failed, run unmutated: a `.seg` file through every stage (`.nofmt.seg`: all but
//! `seg fmt`), a `.csv` or `.ndjson` file through the readers, a `.run` file as a fuzz
//! input of the whole pipeline (options byte, program, NUL-separated data files).

#[path = "fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Inputs per target in one `cargo test` run (times `SEG_FUZZ_ITERATIONS`).
const CHECK_INPUTS: u64 = 2500;
const READ_INPUTS: u64 = 2500;
const RUN_INPUTS: u64 = 800;
const DEEP_INPUTS: u64 = 48;

/// The longest one input may take (debug build, shared machine).
const TIME_LIMIT: Duration = Duration::from_secs(20);

// ───────────────────────────── Random numbers ─────────────────────────────

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ───────────────────────────── Seeds ─────────────────────────────

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Files under the repository's `rules/`, `examples/` and `tests/` ending in one of `exts`.
fn files_with(exts: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() && !path.ends_with("tests/fuzz") {
                walk(&path, exts, out);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["rules", "examples", "tests"] {
        walk(&repo().join(dir), exts, &mut out);
    }
    out
}

/// Every `.seg` file of the repository: its folder (for imports) and text.
fn seg_seeds() -> Vec<(PathBuf, String)> {
    files_with(&["seg"])
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.parent()?.to_path_buf(), text))
        })
        .collect()
}

/// The first few kilobytes of every data file (cut at a line end), and whether it is NDJSON.
fn data_seeds() -> Vec<(Vec<u8>, bool)> {
    files_with(&["csv", "ndjson", "jsonl"])
        .into_iter()
        .filter_map(|p| {
            let mut bytes = std::fs::read(&p).ok()?;
            if bytes.len() > 4096 {
                let cut = bytes[..4096]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .unwrap_or(4096);
                bytes.truncate(cut + 1);
            }
            let ndjson = p.extension().is_some_and(|e| e != "csv");
            Some((bytes, ndjson))
        })
        .collect()
}

/// A program with the data beside it: each `tests/fixtures/*/*/rules.seg` or `*.seg` whose
/// entity and streams all have a file named after them in its folder.
fn run_seeds() -> Vec<(String, Vec<Vec<u8>>)> {
    let mut seeds = Vec::new();
    for path in files_with(&["seg"]) {
        let Ok((_, hir)) = seg::compile(&path) else {
            continue;
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        let names = std::iter::once(&hir.entity).chain(hir.streams.iter().map(|s| &s.record));
        let data: Option<Vec<Vec<u8>>> = names
            .map(|r| {
                ["csv", "ndjson"]
                    .iter()
                    .find_map(|ext| std::fs::read(folder.join(format!("{}.{ext}", r.name))).ok())
            })
            .collect();
        if let (Some(data), Ok(text)) = (data, std::fs::read_to_string(&path)) {
            seeds.push((text, data));
        }
    }
    seeds
}

// ───────────────────────────── Mutations ─────────────────────────────

const WORDS: &[&str] = &[
    "let",
    "segment",
    "segmentation",
    "campaign",
    "action",
    "entity",
    "events",
    "param",
    "policy",
    "test",
    "import",
    "when",
    "otherwise",
    "expect",
    "load",
    "do",
    "variant",
    "audience",
    "priority",
    "holdout",
    "budget",
    "cap",
    "rank",
    "by",
    "asc",
    "desc",
    "salt",
    "window",
    "metric",
    "max_campaigns",
    "key",
    "time",
    "enum",
    "as_of",
    "gets",
    "nothing",
    "from",
    "with",
    "share",
    "count",
    "overlap",
    "exhaustive",
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "true",
    "false",
    "if",
    "then",
    "else",
    "between",
    "where",
    "int",
    "decimal",
    "float",
    "bool",
    "string",
    "date",
    "datetime",
    "sum",
    "min",
    "max",
    "avg",
    "mode",
    "first",
    "last",
    "ntile",
    "rank",
    "percentile",
    "coalesce",
    "abs",
    "round",
    "days_since",
    "days",
    "weeks",
    "months",
    "years",
    "day",
];

const PUNCTUATION: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "..", "=", "==", "!=", "<", "<=", ">", ">=", "+",
    "-", "*", "/", "%", "?", "\"", "//", "\n", "\r\n", "\t", " ", "\\", "\u{0}",
];

const LITERALS: &[&str] = &[
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999999999999",
    "0.0000000000000000000000000001",
    "1.5",
    "100%",
    "0.01%",
    "100.001%",
    "2026-06-30",
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "2026-06-30T23:59:59",
    "2026-06-30T24:00",
    "2026-13-01T00:00:00.123456789123",
    "30 days",
    "9999999999 years",
    "\"\"",
    "\"é\\u{1F600}\"",
    "\"\\\"\"",
    "\"a\\nb\"",
    "é",
    "日本",
    "\u{1F600}",
    "\u{FEFF}",
    "1e400",
    "NaN",
    "inf",
    "-0",
    "2026-6",
    "1-2",
];

/// A random token: a keyword, an operator or a literal.
fn token(rng: &mut Rng) -> &'static str {
    match rng.below(3) {
        0 => rng.word(WORDS),
        1 => rng.word(PUNCTUATION),
        _ => rng.word(LITERALS),
    }
}

/// A random span of `bytes`: `start..end`, mostly short.
fn span(rng: &mut Rng, len: usize) -> (usize, usize) {
    let start = rng.below(len + 1);
    let max = if rng.chance(4) {
        len - start
    } else {
        16.min(len - start)
    };
    (start, start + rng.below(max + 1))
}

/// One mutation of `bytes`; `other` is another seed to splice with.
fn mutate_once(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8]) {
    let len = bytes.len();
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            bytes[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(len + 1);
            let b = rng.next() as u8;
            bytes.insert(i, b);
        }
        2 => {
            let (a, b) = span(rng, len);
            bytes.drain(a..b);
        }
        3 => {
            let (a, b) = span(rng, len);
            let copy = bytes[a..b].to_vec();
            let at = rng.below(len + 1);
            bytes.splice(
                at..at,
                copy.iter()
                    .copied()
                    .cycle()
                    .take(copy.len() * (1 + rng.below(4))),
            );
        }
        4 => {
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
        }
        5 => {
            let (a, b) = span(rng, len);
            let (c, d) = span(rng, other.len());
            bytes.splice(a..b, other[c..d].iter().copied());
        }
        6 => bytes.truncate(rng.below(len + 1)),
        7 | 8 => {
            let at = rng.below(len + 1);
            let t = token(rng);
            bytes.splice(at..at, t.bytes());
        }
        9 => swap_tokens(rng, bytes),
        _ => replace_token(rng, bytes),
    }
}

/// Where the whitespace-separated tokens of `bytes` lie.
fn tokens(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, bytes.len()));
    }
    out
}

fn swap_tokens(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let tokens = tokens(bytes);
    if tokens.len() < 2 {
        return;
    }
    let (mut x, mut y) = (*rng.pick(&tokens), *rng.pick(&tokens));
    if x.0 > y.0 {
        std::mem::swap(&mut x, &mut y);
    }
    if x.1 > y.0 {
        return;
    }
    let mut out = bytes[..x.0].to_vec();
    out.extend_from_slice(&bytes[y.0..y.1]);
    out.extend_from_slice(&bytes[x.1..y.0]);
    out.extend_from_slice(&bytes[x.0..x.1]);
    out.extend_from_slice(&bytes[y.1..]);
    *bytes = out;
}

fn replace_token(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let tokens = tokens(bytes);
    if tokens.is_empty() {
        return;
    }
    let (a, b) = *rng.pick(&tokens);
    let t = token(rng);
    bytes.splice(a..b, t.bytes());
}

/// A few mutations of `seed`.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8], most: usize) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(most) {
        mutate_once(rng, &mut bytes, other);
    }
    bytes
}

// ───────────────────────────── Deep nestings ─────────────────────────────

/// The kinds of expression that nest.
const NESTINGS: [&str; 14] = [
    "parens",
    "neg",
    "not",
    "plus",
    "mixed_arith",
    "and_or",
    "if_else",
    "if_cond",
    "if_then",
    "call",
    "list",
    "between",
    "where",
    "mixed",
];

/// An expression of kind `kind` nested `depth` levels deep around the int operand `atom`;
/// `bool` says whether it is a condition (otherwise an int).
fn nested(rng: &mut Rng, kind: &str, depth: usize, atom: &str) -> (String, bool) {
    let mut s = String::new();
    match kind {
        "parens" => s = format!("{}{atom}{}", "(".repeat(depth), ")".repeat(depth)),
        "neg" => s = format!("{}{atom}", "- ".repeat(depth)),
        "not" => return (format!("{}{atom} > 0", "not ".repeat(depth)), true),
        "plus" => s = vec![atom; depth + 1].join(" + "),
        "mixed_arith" => {
            s.push_str(atom);
            for _ in 0..depth {
                s.push_str(rng.word(&[" + ", " - ", " * ", " / "]));
                s.push_str(atom);
            }
        }
        "and_or" => {
            let parts: Vec<String> = (0..=depth).map(|_| format!("{atom} > 0")).collect();
            let mut out = parts[0].clone();
            for p in &parts[1..] {
                out.push_str(rng.word(&[" and ", " or ", " and not "]));
                out.push_str(p);
            }
            return (out, true);
        }
        "if_else" => {
            s = format!(
                "{}{atom}",
                format!("if {atom} > 0 then {atom} else ").repeat(depth)
            )
        }
        "if_cond" => {
            let cond = format!(
                "{}{atom} > 0{}",
                "if ".repeat(depth),
                " then true else false".repeat(depth)
            );
            return (cond, true);
        }
        "if_then" => {
            let open = format!("if {atom} > 1 then ").repeat(depth);
            s = format!("{open}{atom}{}", format!(" else {atom}").repeat(depth));
        }
        "call" => {
            let f = *rng.pick(&["abs(", "coalesce(", "round("]);
            s = format!("{}{atom}{}", f.repeat(depth), ")".repeat(depth));
        }
        "list" => {
            let inner = format!("{}{atom}{}", "(".repeat(depth), ")".repeat(depth));
            return (
                format!("{atom} in [{inner}, {}]", vec![atom; depth].join(", ")),
                true,
            );
        }
        "between" => {
            let bound = format!("{}{atom}{}", "(".repeat(depth), ")".repeat(depth));
            return (format!("{atom} between {bound} and {atom}"), true);
        }
        "where" => {
            return (
                format!(
                    "{atom} > 0 and ({}{atom} > 0{})",
                    "(".repeat(depth),
                    ")".repeat(depth)
                ),
                true,
            );
        }
        _ => {
            // Every level a different kind: brackets, signs, `not`, `if`, calls.
            let mut close = String::new();
            for _ in 0..depth {
                match rng.below(5) {
                    0 => {
                        s.push('(');
                        close.insert(0, ')');
                    }
                    1 => s.push_str("- "),
                    2 => {
                        s.push_str("abs(");
                        close.insert(0, ')');
                    }
                    3 => {
                        s.push_str(&format!("if {atom} > 0 then "));
                        close.insert_str(0, &format!(" else {atom}"));
                    }
                    _ => {
                        s.push_str(&format!("{atom} + "));
                    }
                }
            }
            s = format!("{s}{atom}{close}");
        }
    }
    (s, false)
}

/// How deep to nest: near or past the limits of `seg::syntax::too_complex`, or shallow.
fn depth(rng: &mut Rng, kind: &str) -> usize {
    let brackets = matches!(kind, "parens" | "call" | "list" | "between" | "where");
    let (limit, per_level) = match kind {
        _ if brackets => (1000, 1),
        "if_else" | "if_cond" | "if_then" => (10_000, 4),
        "mixed" => (2000, 1),
        _ => (10_000, 1),
    };
    let top = limit / per_level;
    match rng.below(4) {
        0 => rng.below(50),
        1 => top - rng.below(top / 10),
        2 => top + 1 + rng.below(10),
        _ => rng.below(top),
    }
}

/// A program that puts a deep expression where each kind of statement takes one, around
/// the operand `atom` (which names a field, an aggregate, or a word that starts statements),
/// and whether to format it: `seg fmt` indents an `if` inside another `if` one level
/// deeper, so its output for thousands of them takes hundreds of megabytes (left alone: no
/// one writes that; see docs/reliability.md).
fn deep_program(rng: &mut Rng) -> (String, String, bool) {
    let kind = *rng.pick(&NESTINGS);
    let atom = *rng.pick(&["v", "cap", "let", "count(orders)", "rank", "1"]);
    let n = depth(rng, kind);
    let (expr, is_bool) = nested(rng, kind, n, atom);
    let cond = if is_bool {
        expr.clone()
    } else {
        format!("{expr} > 0")
    };
    let int = if is_bool {
        format!("if {expr} then 1 else 0")
    } else {
        expr.clone()
    };
    let body = match rng.below(6) {
        0 => format!("let deep = {int}\nsegment s when deep > 0\n"),
        1 => format!("segment s when {cond}\n"),
        2 => format!("segmentation g {{\n  segment a when {cond}\n  segment b otherwise\n}}\n"),
        3 => format!(
            "campaign k {{\n  audience {cond}\n  rank by {int} desc\n  do a(cost: 1, n: {int}) when {cond}\n}}\n"
        ),
        4 => format!("metric m = {int}\nsegment s when v > 0\n"),
        _ => format!("let x = count(orders where {cond})\nsegment s when x > 0\n"),
    };
    let text = format!(
        "entity customer key id {{\n  id: string\n  v: int\n  cap: int\n  let: int\n  rank: int\n}}\n\
         events orders time at {{\n  id: string\n  at: datetime\n  amount: decimal\n}}\n\
         action a {{\n  cost: decimal\n  n: int\n}}\n{body}\
         test \"t\" {{\n  as_of 2026-06-30\n  customer {{ id: \"c1\", v: 2, cap: 1, let: 0, rank: -1 }}\n  \
         orders {{ id: \"c1\", at: 2026-01-01T00:00:00, amount: 1.5 }}\n  expect \"c1\" in s\n}}\n"
    );
    let formatted = n <= 300 || !matches!(kind, "if_else" | "if_then" | "if_cond" | "mixed");
    (format!("{kind} of {n} around `{atom}`"), text, formatted)
}

const DEEP_DATA: &str = "id,v,cap,let,rank\nc1,2,1,0,-1\nc2,-3,0,5,7\n";
const DEEP_EVENTS: &str = "id,at,amount\nc1,2026-01-01T00:00:00,1.5\nc2,2026-02-01T00:00:00,-2\n";

// ───────────────────────────── Running inputs ─────────────────────────────

/// Runs `input` on the CLI's stack within [`TIME_LIMIT`]; on a panic or a timeout, saves
/// it as `target/tmp/fuzz/<target>-<case>.<ext>` and fails.
fn run_case(target: &str, case: &str, ext: &str, input: &[u8], f: impl FnOnce() + Send + 'static) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{target}.current")), input);
    let save = || {
        let path = dir.join(format!("{target}-{case}.{ext}"));
        let _ = std::fs::write(&path, input);
        path
    };
    let (done, finished) = mpsc::channel();
    let name = format!("fuzz {target} {case}");
    std::thread::spawn(move || {
        let _ = done.send(targets::on_command_stack(name, f).is_ok());
    });
    match finished.recv_timeout(TIME_LIMIT) {
        Ok(true) => {}
        Ok(false) => panic!(
            "{target} input {case} panicked; saved as {}",
            save().display()
        ),
        Err(_) => panic!(
            "{target} input {case} took over {TIME_LIMIT:?}; saved as {}",
            save().display()
        ),
    }
}

/// Runs `inputs` generated inputs (or only `SEG_FUZZ_CASE`), reporting the rate.
fn fuzz(target: &str, inputs: u64, mut one: impl FnMut(&mut Rng, u64)) {
    let seed = env_number("SEG_FUZZ_SEED", 1);
    let total = inputs * env_number("SEG_FUZZ_ITERATIONS", 1);
    let only = std::env::var("SEG_FUZZ_CASE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let started = Instant::now();
    for case in 0..total {
        // Each case has its own generator, so that any one can be run alone.
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(case));
        if only.is_none_or(|n| n == case) {
            one(&mut rng, case);
        }
    }
    eprintln!(
        "fuzz {target}: {total} inputs (seed {seed}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// ───────────────────────────── Targets ─────────────────────────────

/// Every regression input runs through the target its folder names, unmutated.
#[test]
fn regressions_stay_fixed() {
    let dir = repo().join("tests/fuzz/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).expect("a regression input");
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let case = name.clone();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_string();
        let input = bytes.clone();
        match ext.as_str() {
            "seg" => run_case("regression", &case, "seg", &bytes, move || {
                let text = String::from_utf8_lossy(&input);
                if name.ends_with(".nofmt.seg") {
                    targets::check_unformatted(&dir_of_inputs(), &text);
                } else {
                    targets::check_program(&dir_of_inputs(), &text);
                }
                let mut bytes = vec![0u8];
                bytes.extend_from_slice(&input);
                targets::run_program_bytes(&bytes);
            }),
            "csv" | "ndjson" => {
                let ndjson = ext == "ndjson";
                run_case("regression", &name, &ext, &bytes, move || {
                    targets::read_data(&input, ndjson)
                })
            }
            "run" => run_case("regression", &name, "run", &bytes, move || {
                targets::run_program_bytes(&input)
            }),
            _ => {}
        }
    }
}

/// A million operands that are words starting statements (`cap` names a field) once got
/// past `seg::syntax::too_complex`, which began counting operators again at each, and
/// overflowed the stack; too large to keep as a file.
#[test]
fn a_chain_of_statement_words_is_too_complex_not_a_stack_overflow() {
    let text = format!(
        "entity customer key id {{\n  id: string\n  cap: int\n}}\nlet x = {}\n",
        vec!["cap"; 1_000_000].join(" + ")
    );
    let input = text.clone();
    run_case(
        "regression",
        "cap + cap + ...",
        "seg",
        text.as_bytes(),
        move || {
            let program = seg::syntax::load_program_from_text(Path::new("chain.seg"), &input);
            let Err((_, errors)) = program else {
                panic!("a million operators in one statement pass");
            };
            assert!(matches!(
                errors[..],
                [seg::syntax::SyntaxError::TooComplex { .. }]
            ));
        },
    );
}

fn dir_of_inputs() -> PathBuf {
    repo().join("tests/fuzz/regressions")
}

/// Parser, checker, lints, planner, formatter and test runner on mutated `.seg` files.
#[test]
fn fuzz_check() {
    let seeds = seg_seeds();
    assert!(seeds.len() > 50, "the .seg seeds are found");
    fuzz("check", CHECK_INPUTS, |rng, case| {
        let (folder, seed) = rng.pick(&seeds).clone();
        let other = rng.pick(&seeds).1.clone();
        let bytes = mutate(rng, seed.as_bytes(), other.as_bytes(), 4);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let input = text.clone();
        run_case(
            "check",
            &case.to_string(),
            "seg",
            text.as_bytes(),
            move || targets::check_program(&folder, &input),
        );
    });
}

/// Every stage, down to the evaluator on the CLI's thread pool, on deep expressions of
/// every kind, in every place an expression may stand.
#[test]
fn fuzz_deep_nesting() {
    fuzz("deep", DEEP_INPUTS, |rng, case| {
        let (what, text, formatted) = deep_program(rng);
        let folder = dir_of_inputs();
        let check_text = text.clone();
        run_case(
            "deep",
            &format!("{case} ({what})"),
            "seg",
            text.as_bytes(),
            move || {
                if formatted {
                    targets::check_program(&folder, &check_text)
                } else {
                    targets::check_unformatted(&folder, &check_text)
                }
            },
        );
        let data = [DEEP_DATA.as_bytes(), DEEP_EVENTS.as_bytes()];
        let options = rng.next() as u8;
        let input = text.clone();
        run_case(
            "deep-run",
            &format!("{case} ({what})"),
            "seg",
            text.as_bytes(),
            move || targets::run_program(&input, &data, options),
        );
    });
}

/// Cell-level mutations of CSV and NDJSON text: quotes, separators, line ends, odd values.
const CELLS: &[&str] = &[
    ",",
    "\"",
    "\"\"",
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "true",
    "TRUE",
    "1",
    "0",
    "-0",
    "2026-02-29",
    "2025-02-29",
    "2026-06-30T12:00:00Z",
    "2026-06-30 12:00:00",
    "2026-06-30T12:00:00+02:00",
    "9999-12-31T23:59:59.999999999",
    "99999999999999999999999999999.9",
    "1e308",
    "1e400",
    "-1e-400",
    "NaN",
    "inf",
    "9223372036854775808",
    "gold",
    "silver",
    "\u{FEFF}",
    "é",
    "\u{0}",
    "\\u0000",
    "\\ud800",
    "\"\\u00e9\"",
    "{\"id\":1}",
    "[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{}}}}",
    "id",
    "\t",
    " ",
];

/// The CSV and NDJSON readers on mutated data files.
#[test]
fn fuzz_readers() {
    let seeds = data_seeds();
    assert!(seeds.len() > 10, "the data seeds are found");
    let schema_csv = "id,n,amount,score,ok,born,seen,tier,note,at,qty,price,kind,day,flag,ratio\n\
        c1,1,2.50,0.5,true,2026-01-01,2026-01-01T10:00:00,gold,,2026-01-01T10:00:00,1,9.99,a,,false,\n";
    let schema_json = "{\"id\":\"c1\",\"n\":1,\"amount\":null,\"score\":1.5,\"born\":\"2026-01-01\",\
        \"tier\":\"silver\",\"at\":\"2026-01-01T10:00:00\",\"price\":\"1.50\",\"flag\":true}\n";
    fuzz("read", READ_INPUTS, |rng, case| {
        let (seed, ndjson) = match rng.below(4) {
            0 => (schema_csv.as_bytes().to_vec(), false),
            1 => (schema_json.as_bytes().to_vec(), true),
            _ => rng.pick(&seeds).clone(),
        };
        let other = rng.pick(&seeds).0.clone();
        let mut bytes = seed;
        for _ in 0..1 + rng.below(4) {
            if rng.chance(2) {
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, rng.pick(CELLS).bytes());
            } else {
                mutate_once(rng, &mut bytes, &other);
            }
        }
        let ext = if ndjson { "ndjson" } else { "csv" };
        let input = bytes.clone();
        run_case("read", &case.to_string(), ext, &bytes, move || {
            targets::read_data(&input, ndjson)
        });
    });
}

/// `seg run`, the report and `seg explain` on a mutated program with mutated data.
#[test]
fn fuzz_run() {
    let seeds = run_seeds();
    assert!(seeds.len() >= 3, "programs with data are found");
    fuzz("run", RUN_INPUTS, |rng, case| {
        let (text, data) = rng.pick(&seeds).clone();
        let text = if rng.chance(3) {
            text
        } else {
            let other = rng.pick(&seeds).0.clone();
            let bytes = mutate(rng, text.as_bytes(), other.as_bytes(), 2);
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let data: Vec<Vec<u8>> = data
            .iter()
            .map(|d| {
                if rng.chance(2) {
                    d.clone()
                } else {
                    let mut bytes = d.clone();
                    for _ in 0..1 + rng.below(3) {
                        if rng.chance(2) {
                            let at = rng.below(bytes.len() + 1);
                            bytes.splice(at..at, rng.pick(CELLS).bytes());
                        } else {
                            mutate_once(rng, &mut bytes, d);
                        }
                    }
                    bytes
                }
            })
            .collect();
        let options = rng.next() as u8;
        let mut input = vec![options];
        input.extend_from_slice(text.as_bytes());
        for d in &data {
            input.push(0);
            input.extend_from_slice(d);
        }
        let bytes = input.clone();
        run_case("run", &case.to_string(), "run", &input, move || {
            targets::run_program_bytes(&bytes)
        });
    });
}
