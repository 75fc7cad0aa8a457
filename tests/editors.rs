//! The TextMate grammar of the VS Code extension (`editors/vscode/syntaxes/seg.tmLanguage.json`),
//! run by the engine VS Code uses (`vscode-textmate` with `vscode-oniguruma`, under node):
//! snapshots of the token scopes of the reference programs and the rule sets, and targeted
//! checks of the cases a regex grammar gets wrong most easily.
//!
//! Needs `npm ci --prefix editors/vscode` (`.ci/run` does it); without it the tests fail.

use std::path::Path;
use std::process::Command;

#[path = "common/files.rs"]
mod files;

use files::files_below;

// ───────────────────────────── Helpers ─────────────────────────────

/// The crate's folder.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Panics with the command to run when the npm packages are not installed.
fn require_node_modules() {
    let modules = root().join("editors/vscode/node_modules");
    for package in ["vscode-textmate", "vscode-oniguruma"] {
        assert!(
            modules.join(package).join("package.json").exists(),
            "{package} is not installed in editors/vscode/node_modules: \
             run `npm ci --prefix editors/vscode` (node and npm are needed for this test)"
        );
    }
}

/// The tokens of a file: one line per token, `LINE:COL "TEXT" SCOPES`.
fn tokenize(file: &Path) -> String {
    require_node_modules();
    let output = Command::new("node")
        .arg(root().join("editors/vscode/test/tokenize.js"))
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (is it installed?): {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tokenize.js failed on {}: {stderr}",
        file.display()
    );
    String::from_utf8(output.stdout).expect("tokenize.js prints UTF-8")
}

/// The tokens of a text.
fn tokenize_text(text: &str) -> Vec<Token> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snippet.seg");
    std::fs::write(&file, text).unwrap();
    tokenize(&file).lines().map(Token::parse).collect()
}

/// One token as printed by `tokenize.js`.
#[derive(Debug)]
struct Token {
    line: usize,
    text: String,
    scopes: Vec<String>,
}

impl Token {
    fn parse(line: &str) -> Token {
        let (pos, rest) = line.split_once(' ').unwrap();
        let line_no = pos.split_once(':').unwrap().0.parse().unwrap();
        // The text is a JSON string; find its end by decoding a prefix.
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let text = de.next().unwrap().unwrap();
        let scopes = rest[de.byte_offset()..]
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Token {
            line: line_no,
            text,
            scopes,
        }
    }

    /// Whether one of the token's scopes starts with `prefix` (TextMate's selector rule).
    fn has(&self, prefix: &str) -> bool {
        self.scopes
            .iter()
            .any(|s| s == prefix || s.starts_with(&format!("{prefix}.")))
    }
}

/// The tokens whose text is exactly `text`, panicking if there are none.
fn find<'a>(tokens: &'a [Token], text: &str) -> Vec<&'a Token> {
    let found: Vec<&Token> = tokens.iter().filter(|t| t.text == text).collect();
    assert!(!found.is_empty(), "no token {text:?} in {tokens:#?}");
    found
}

/// Asserts that every token `text` has a scope starting with `scope`.
#[track_caller]
fn assert_scope(tokens: &[Token], text: &str, scope: &str) {
    for token in find(tokens, text) {
        assert!(token.has(scope), "{text:?} should be {scope}: {token:?}");
    }
}

/// Asserts that at least one token `text` has a scope starting with `scope`.
#[track_caller]
fn assert_some_scope(tokens: &[Token], text: &str, scope: &str) {
    let found = find(tokens, text);
    assert!(
        found.iter().any(|t| t.has(scope)),
        "some {text:?} should be {scope}: {found:#?}"
    );
}

/// Asserts that no token `text` has a scope starting with `scope`.
#[track_caller]
fn assert_not_scope(tokens: &[Token], text: &str, scope: &str) {
    for token in find(tokens, text) {
        assert!(
            !token.has(scope),
            "{text:?} should not be {scope}: {token:?}"
        );
    }
}

// ───────────────────────────── Snapshots ─────────────────────────────

/// The reference programs and the rule sets, each with a snapshot of its token scopes.
#[test]
fn token_scopes_of_the_reference_programs_and_rules() {
    let mut files = Vec::new();
    files.extend(files_below(
        &root().join("../shared/spec/examples"),
        Some("seg"),
    ));
    let examples = files.len();
    files.extend(files_below(&root().join("rules"), Some("seg")));
    assert!(examples >= 3, "the reference programs are missing");
    assert!(files.len() > examples, "no rules/**/*.seg");
    for file in files {
        let name = if let Ok(rel) = file.strip_prefix(root().join("rules")) {
            format!("rules/{}", rel.display())
        } else {
            format!("examples/{}", file.file_name().unwrap().to_string_lossy())
        };
        let tokens = tokenize(&file);
        // Nothing in these well-formed programs is invalid.
        assert!(
            !tokens.contains("invalid."),
            "{name}: invalid tokens\n{tokens}"
        );
        insta::assert_snapshot!(name.trim_end_matches(".seg").replace('/', "__"), tokens);
    }
}

// ───────────────────────────── Targeted checks ─────────────────────────────

#[test]
fn comments_and_strings_do_not_swallow_each_other() {
    let tokens =
        tokenize_text("let a = \"http://x\" // say \"hi\" and not 2026-06-30\nlet b = 1\n");
    // A string containing `//` stays a string and ends at its quote.
    assert_scope(&tokens, "http://x", "string.quoted.double");
    // A comment containing `"` stays a comment to the end of the line.
    let comment = find(&tokens, " say \"hi\" and not 2026-06-30");
    assert!(comment[0].has("comment.line.double-slash"));
    assert_eq!(comment[0].scopes.len(), 1, "{comment:?}");
    // The next line is code again.
    assert_scope(&tokens, "let", "keyword.declaration");
    assert_scope(&tokens, "b", "entity.name.variable.let");
}

#[test]
fn an_unterminated_string_ends_with_its_line() {
    let tokens = tokenize_text("let s = \"open // not a comment\nlet t = 1\n");
    assert_scope(&tokens, "open // not a comment", "string.quoted.double");
    assert_scope(&tokens, "let", "keyword.declaration.let");
    assert_scope(&tokens, "t", "entity.name.variable.let");
    assert_scope(&tokens, "1", "constant.numeric.integer");
}

#[test]
fn escapes_in_strings() {
    let tokens = tokenize_text(r#"let s = "a\"b\\c\n\t\r\u{4E2D}d\q""#);
    for escape in [r#"\""#, r"\\", r"\n", r"\t", r"\r"] {
        assert_scope(&tokens, escape, "constant.character.escape");
    }
    assert_scope(&tokens, r"\u{4E2D}", "constant.character.escape.unicode");
    assert_scope(&tokens, r"\q", "invalid.illegal.escape");
    // The escaped quote does not end the string: `d` is still inside it.
    assert_scope(&tokens, "d", "string.quoted.double");
}

#[test]
fn dates_durations_percents_and_numbers() {
    let tokens = tokenize_text(
        "let a = as_of - 30 days\n\
         let b = 2026-06-30\n\
         let c = 2026-06-30T09:30:00\n\
         campaign k {\n  holdout 12.5%\n  budget 1000.50\n  window 2026-01-01 .. 2026-03-31\n}\n",
    );
    assert_scope(&tokens, "2026-06-30", "constant.other.date");
    assert_scope(&tokens, "2026-06-30T09:30:00", "constant.other.datetime");
    assert_scope(&tokens, "2026-01-01", "constant.other.date");
    assert_scope(&tokens, "..", "keyword.operator.range");
    assert_scope(&tokens, "30 ", "constant.numeric.duration");
    assert_scope(&tokens, "days", "keyword.other.unit");
    assert_scope(&tokens, "12.5", "constant.numeric.percent");
    assert_scope(&tokens, "%", "keyword.other.unit.percent");
    assert_scope(&tokens, "1000.50", "constant.numeric.decimal");
    assert_scope(&tokens, "as_of", "variable.language");
    assert_scope(&tokens, "holdout", "keyword.other.clause");
    assert_scope(&tokens, "window", "keyword.other.clause");
}

#[test]
fn keywords_operators_and_constants() {
    let tokens = tokenize_text(
        "let a = if not x in [1, 2] then true else null\n\
         let b = y is not null and z between 1 and 2 or w\n",
    );
    for word in ["not", "in", "is", "and", "or", "between"] {
        assert_scope(&tokens, word, "keyword.operator.word");
    }
    for word in ["if", "then", "else"] {
        assert_scope(&tokens, word, "keyword.control");
    }
    assert_scope(&tokens, "true", "constant.language");
    assert_scope(&tokens, "null", "constant.language");
}

#[test]
fn clause_words_are_keywords_only_where_a_clause_starts() {
    let tokens = tokenize_text(
        "let cap_used = count(sent)\n\
         let cap = 3\n\
         let window_days = days_between(a, b)\n\
         campaign c \"Label\" {\n\
         \x20 audience cap_used < cap and not budget_left\n\
         \x20 cap 2\n\
         \x20 priority -1\n\
         \x20 rank by cap desc, window_days\n\
         \x20 salt \"s\"\n\
         \x20 variant v 50% {\n\
         \x20   do coupon(value: cap) when cap > 1\n\
         \x20 }\n\
         }\n",
    );
    assert_not_scope(&tokens, "cap_used", "keyword");
    assert_some_scope(&tokens, "cap_used", "variable.other");
    assert_not_scope(&tokens, "window_days", "keyword");
    assert_not_scope(&tokens, "budget_left", "keyword");
    // `cap` is a name in expressions and a keyword at the start of its clause.
    let caps = find(&tokens, "cap");
    let keyword_lines: Vec<usize> = caps
        .iter()
        .filter(|t| t.has("keyword"))
        .map(|t| t.line)
        .collect();
    assert_eq!(keyword_lines, [6], "{caps:#?}");
    assert_scope(&tokens, "c", "entity.name.type.campaign");
    assert_scope(&tokens, "v", "entity.name.variant");
    assert_scope(&tokens, "coupon", "entity.name.function.action");
    assert_scope(&tokens, "audience", "keyword.other.clause");
    assert_scope(&tokens, "priority", "keyword.other.clause");
    assert_scope(&tokens, "rank", "keyword.other.clause");
    assert_scope(&tokens, "by", "keyword.other.clause");
    assert_scope(&tokens, "salt", "keyword.other.clause");
    assert_scope(&tokens, "do", "keyword.other.clause");
    assert_scope(&tokens, "desc", "keyword.other.order");
    assert_scope(&tokens, "value", "variable.other.field");
}

#[test]
fn a_clause_right_after_a_brace_is_a_clause() {
    let tokens = tokenize_text("campaign c { priority 1 }\npolicy { max_campaigns 2 }\n");
    assert_scope(&tokens, "priority", "keyword.other.clause");
    assert_scope(&tokens, "policy", "keyword.declaration.policy");
    assert_scope(&tokens, "max_campaigns", "keyword.other.max-campaigns");
}

#[test]
fn functions_types_and_names_in_declarations() {
    let tokens = tokenize_text(
        "entity client key id {\n  id: string\n  date: date?\n  tier: enum(\"a\", \"b\")\n}\n\
         events txns time at { id: string, at: datetime }\n\
         param min_age: int = 18\n\
         segmentation life \"L\" {\n  segment young when age(date) < min_age\n  segment old otherwise\n}\n\
         let d = date(at_time)\n\
         let n = count(txns where at > as_of - 1 week)\n\
         metric spend \"S\" = sum(total)\n\
         segment s when life.young\n",
    );
    assert_scope(&tokens, "entity", "keyword.declaration");
    assert_some_scope(&tokens, "client", "entity.name.type.entity");
    assert_scope(&tokens, "key", "keyword.other.key");
    assert_some_scope(&tokens, "txns", "entity.name.type.events");
    assert_some_scope(&tokens, "min_age", "entity.name.variable.parameter");
    assert_some_scope(&tokens, "life", "entity.name.namespace.segmentation");
    assert_some_scope(&tokens, "young", "entity.name.segment");
    assert_scope(&tokens, "spend", "entity.name.variable.metric");
    assert_scope(&tokens, "string", "storage.type");
    assert_scope(&tokens, "enum", "storage.type");
    assert_scope(&tokens, "?", "keyword.operator.optional");
    // `date` is a type after `:`, a function before `(`, and a name otherwise.
    let dates = find(&tokens, "date");
    let scopes: Vec<&str> = dates.iter().map(|t| t.scopes[0].as_str()).collect();
    assert_eq!(
        scopes,
        [
            "variable.other.field.seg",
            "storage.type.primitive.seg",
            "variable.other.seg",
            "support.function.builtin.seg"
        ]
    );
    assert_scope(&tokens, "age", "support.function.builtin");
    assert_scope(&tokens, "count", "support.function.aggregate");
    assert_scope(&tokens, "sum", "support.function.aggregate");
    assert_scope(&tokens, "where", "keyword.other.where");
    // `segmentation.segment`
    let life = find(&tokens, "life");
    assert!(life[1].has("variable.other.object"), "{life:?}");
    assert_scope(&tokens, ".", "punctuation.accessor");
}

#[test]
fn test_blocks() {
    let tokens = tokenize_text(
        "test \"t\" {\n  as_of 2026-06-30\n  param min_age = 21\n  load client \"c.csv\"\n\
         \x20 client { id: \"a\", date: 2020-02-29 }\n\
         \x20 expect \"a\".n == 2\n  expect \"a\" not in life.young\n\
         \x20 expect \"a\" gets offer from camp with { x: 1 }\n\
         \x20 expect \"a\" gets nothing // no\n  expect share(life.old) between 0% and 10%\n\
         \x20 expect life exhaustive\n}\n",
    );
    assert_scope(&tokens, "test", "keyword.declaration");
    assert_scope(&tokens, "as_of", "keyword.other.as-of");
    assert_scope(&tokens, "load", "keyword.other.load");
    assert_scope(&tokens, "expect", "keyword.other.expect");
    assert_scope(&tokens, "gets", "keyword.other.gets");
    assert_scope(&tokens, "nothing", "keyword.other.nothing");
    assert_scope(&tokens, "from", "keyword.other.from");
    assert_scope(&tokens, "with", "keyword.other.with");
    assert_scope(&tokens, "offer", "entity.name.function.action");
    assert_scope(&tokens, "camp", "entity.name.type.campaign");
    assert_scope(&tokens, "share", "support.function");
    assert_scope(&tokens, "exhaustive", "keyword.other.exhaustive");
    assert_scope(&tokens, "n", "variable.other.property");
    assert_scope(&tokens, " no", "comment.line");
}
