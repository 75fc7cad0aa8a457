//! Syntax stage tests: the reference programs parse, AST and rendered-error snapshots over
//! `tests/fixtures/syntax/`, operator precedence, keywords as names, literals and imports.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};
use seg::syntax::ast::{Expr, ExprKind, Item, Literal, UnaryOp};
use seg::syntax::{
    FileId, Program, SourceMap, SyntaxError, load_program, load_program_from_text, parse_module,
};

// ───────────────────────────── Helpers ─────────────────────────────

/// A fixture's path relative to the crate root (the working directory of integration tests),
/// so that snapshots do not depend on where the crate is checked out.
fn relative(path: &Path) -> PathBuf {
    let components: Vec<_> = path.components().collect();
    let tests = components
        .iter()
        .rposition(|part| part.as_os_str() == "tests");
    tests.map_or_else(
        || path.to_path_buf(),
        |at| components[at..].iter().collect(),
    )
}

/// Errors rendered as a user sees them, without colour, each against its own file.
fn render(sources: &SourceMap, errors: Vec<SyntaxError>) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let mut out = String::new();
    for (i, error) in errors.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let file = error.span().map(|span| sources.get(span.file));
        let mut report = Report::new(error);
        if let Some(file) = file {
            let name = file.path.display().to_string();
            report = report.with_source_code(NamedSource::new(name, file.text.clone()));
        }
        handler
            .render_report(&mut out, report.as_ref())
            .expect("rendering into a String");
    }
    out
}

/// Loads a program from a file, panicking with the rendered errors if it does not load.
fn load_ok(path: &Path) -> Program {
    load_program(path).unwrap_or_else(|(sources, errors)| panic!("{}", render(&sources, errors)))
}

/// Parses one text, panicking with the rendered errors if it does not parse.
fn parse_ok(text: &str) -> seg::syntax::ast::Module {
    parse_module(FileId(0), text).unwrap_or_else(|errors| {
        let mut sources = SourceMap::default();
        sources.add(Path::new("inline.seg"), text);
        panic!("{}", render(&sources, errors))
    })
}

/// The errors of one text.
fn parse_err(text: &str) -> Vec<SyntaxError> {
    match parse_module(FileId(0), text) {
        Ok(module) => panic!("expected an error, parsed {module:#?}"),
        Err(errors) => errors,
    }
}

/// The value of `let x = <source>`, as a compact S-expression.
fn sexpr(source: &str) -> String {
    let module = parse_ok(&format!("let x = {source}"));
    match module.items.as_slice() {
        [Item::Let(decl)] => show(&decl.value),
        items => panic!("expected one let, got {items:#?}"),
    }
}

/// `(op lhs rhs)` notation for expressions, names and literals plain.
fn show(expr: &Expr) -> String {
    let list = |items: &[Expr]| items.iter().map(show).collect::<Vec<_>>().join(" ");
    match &expr.kind {
        ExprKind::Literal(literal) => show_literal(literal),
        ExprKind::Name(name) => name.name.clone(),
        ExprKind::Path(first, second) => format!("{}.{}", first.name, second.name),
        ExprKind::Call { func, args, filter } => match filter {
            Some(filter) => format!("{}({} where {})", func.name, list(args), show(filter)),
            None => format!("{}({})", func.name, list(args)),
        },
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => format!("(not {})", show(operand)),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => format!("(neg {})", show(operand)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), show(lhs), show(rhs))
        }
        ExprKind::In {
            operand,
            list: items,
            negated,
        } => {
            let op = if *negated { "not-in" } else { "in" };
            format!("({op} {} [{}])", show(operand), list(items))
        }
        ExprKind::Between {
            operand,
            low,
            high,
            negated,
        } => {
            let op = if *negated { "not-between" } else { "between" };
            format!("({op} {} {} {})", show(operand), show(low), show(high))
        }
        ExprKind::IsNull { operand, negated } => {
            let op = if *negated { "is-not-null" } else { "is-null" };
            format!("({op} {})", show(operand))
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            format!("(if {} {} {})", show(cond), show(then), show(otherwise))
        }
        ExprKind::Paren(inner) => format!("[{}]", show(inner)),
    }
}

/// A literal in [`show`]'s notation.
fn show_literal(literal: &Literal) -> String {
    match literal {
        Literal::Int(n) => n.to_string(),
        Literal::Decimal(d) => d.to_string(),
        Literal::Percent(p) => format!("{p}%"),
        Literal::String(s) => format!("{s:?}"),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".to_string(),
        other => format!("{other:?}"),
    }
}

/// A `{:#?}` dump with every span (`0:12..15`) removed, to compare trees regardless of layout.
fn without_spans(module: &seg::syntax::ast::Module) -> String {
    format!("{module:#?}")
        .lines()
        .filter(|line| !line.trim_start().starts_with("span:") && !line.contains("_span:"))
        .fold(String::new(), |mut out, line| {
            let _ = writeln!(out, "{line}");
            out
        })
}

// ───────────────────────────── Reference programs ─────────────────────────────

#[test]
fn reference_programs_parse() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let examples = std::fs::read_dir(shared.join("spec/examples")).expect("spec/examples exists");
    let mut paths: Vec<PathBuf> = examples
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    assert!(!paths.is_empty(), "no reference programs found");
    paths.push(shared.join("bench/bench.seg"));
    for path in paths {
        let program = load_ok(&path);
        assert!(
            !program.modules[0].items.is_empty(),
            "{} has no items",
            path.display()
        );
    }
}

// ───────────────────────────── Snapshots ─────────────────────────────

#[test]
fn ast_snapshots() {
    insta::glob!("fixtures/syntax/ok/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        insta::assert_debug_snapshot!(parse_ok(&text));
    });
}

#[test]
fn error_snapshots() {
    insta::glob!("fixtures/syntax/errors/{*.seg,*/main.seg}", |path| {
        let path = relative(path);
        let (sources, errors) = match load_program(&path) {
            Ok(_) => panic!("{} loaded without error", path.display()),
            Err(failure) => failure,
        };
        let mut snapshot = String::new();
        for (_, file) in sources.iter() {
            let _ = writeln!(snapshot, "----- {}\n{}", file.path.display(), file.text);
        }
        let _ = write!(snapshot, "----- errors\n{}", render(&sources, errors));
        insta::assert_snapshot!(snapshot);
    });
}

// ───────────────────────────── Precedence ─────────────────────────────

#[test]
fn not_takes_a_whole_comparison() {
    assert_eq!(sexpr("not a == b and c"), "(and (not (== a b)) c)");
    assert_eq!(sexpr("not a in [1] or b"), "(or (not (in a [1])) b)");
    assert_eq!(sexpr("not not a"), "(not (not a))");
    assert_eq!(sexpr("a and not b is null"), "(and a (not (is-null b)))");
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(sexpr("a or b and c"), "(or a (and b c))");
    assert_eq!(sexpr("a and b or c"), "(or (and a b) c)");
    assert_eq!(sexpr("a or b or c"), "(or (or a b) c)");
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(sexpr("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(sexpr("1 * 2 + 3"), "(+ (* 1 2) 3)");
    assert_eq!(sexpr("a - b - c"), "(- (- a b) c)");
    assert_eq!(sexpr("a / b * c"), "(* (/ a b) c)");
    assert_eq!(sexpr("(1 + 2) * 3"), "(* [(+ 1 2)] 3)");
    assert_eq!(sexpr("a + b < c * d"), "(< (+ a b) (* c d))");
}

#[test]
fn unary_minus_binds_tightest() {
    assert_eq!(sexpr("-x * y"), "(* (neg x) y)");
    assert_eq!(sexpr("a - -b"), "(- a (neg b))");
    assert_eq!(sexpr("-5"), "(neg 5)");
    assert_eq!(sexpr("--x"), "(neg (neg x))");
}

#[test]
fn between_owns_the_next_and() {
    assert_eq!(sexpr("a between 1 and 2 and c"), "(and (between a 1 2) c)");
    assert_eq!(
        sexpr("a not between x - 1 and x + 1"),
        "(not-between a (- x 1) (+ x 1))"
    );
    assert_eq!(sexpr("f between 2 and 3 or g"), "(or (between f 2 3) g)");
}

#[test]
fn membership_and_null_tests() {
    assert_eq!(sexpr("a in []"), "(in a [])");
    assert_eq!(sexpr("a not in [1, 2,]"), "(not-in a [1 2])");
    assert_eq!(sexpr("a + 1 in [b * 2]"), "(in (+ a 1) [(* b 2)])");
    assert_eq!(sexpr("a is not null"), "(is-not-null a)");
}

#[test]
fn if_stands_alone_or_in_parentheses() {
    assert_eq!(sexpr("if a then b else c"), "(if a b c)");
    assert_eq!(
        sexpr("if a then b else if c then d else e"),
        "(if a b (if c d e))"
    );
    assert_eq!(sexpr("f(if a then 1 else 2, x)"), "f((if a 1 2) x)");
    assert_eq!(sexpr("1 + (if a then 1 else 2)"), "(+ 1 [(if a 1 2)])");
    assert!(matches!(
        parse_err("let x = 1 + if a then 1 else 2")[..],
        [SyntaxError::NeedsParentheses { .. }]
    ));
}

#[test]
fn calls_paths_and_filters() {
    assert_eq!(sexpr("count()"), "count()");
    assert_eq!(
        sexpr("count(orders where amount > 5)"),
        "count(orders where (> amount 5))"
    );
    assert_eq!(
        sexpr("sum(orders.amount where x and y)"),
        "sum(orders.amount where (and x y))"
    );
    assert_eq!(
        sexpr("lifecycle.silent and vip"),
        "(and lifecycle.silent vip)"
    );
    assert_eq!(sexpr("as_of - 30 days"), "(- as_of Duration(30, Day))");
}

#[test]
fn comparisons_do_not_chain() {
    for source in [
        "a < b < c",
        "a == b != c",
        "a == b in [1]",
        "a is null is null",
        "a between 1 and 2 == true",
        "a in [1] between 1 and 2",
    ] {
        let errors = parse_err(&format!("let x = {source}"));
        assert!(
            matches!(errors[..], [SyntaxError::ChainedComparison { .. }]),
            "{source}: {errors:?}"
        );
    }
    assert_eq!(sexpr("(a < b) == c"), "(== [(< a b)] c)");
    assert_eq!(sexpr("a == (not b)"), "(== a [(not b)])");
}

#[test]
fn not_after_an_operator_needs_parentheses() {
    let errors = parse_err("let x = a == not b");
    assert!(
        matches!(errors[..], [SyntaxError::NeedsParentheses { .. }]),
        "{errors:?}"
    );
}

#[test]
fn where_stands_only_inside_a_call_after_its_first_argument() {
    assert!(matches!(
        parse_err("let x = a where b")[..],
        [SyntaxError::Unexpected { .. }]
    ));
    assert!(matches!(
        parse_err("let x = f(a, b where c)")[..],
        [SyntaxError::Unexpected { .. }]
    ));
    assert_eq!(sexpr("f(a where c, b)"), "f(a b where c)");
}

// ───────────────────────────── Names and keywords ─────────────────────────────

#[test]
fn keywords_outside_their_place_are_names() {
    let module = parse_ok(
        "let window = 1\nlet cap = window + days\nentity e key key { key: string, time: date }",
    );
    let Item::Entity(entity) = &module.items[2] else {
        panic!("expected an entity")
    };
    assert_eq!(
        entity.key_or_time.as_ref().map(|key| key.name.as_str()),
        Some("key")
    );
    assert_eq!(entity.fields[0].name.name, "key");
    assert_eq!(entity.fields[1].name.name, "time");
    assert_eq!(sexpr("window + cap"), "(+ window cap)");
}

#[test]
fn keywords_end_at_a_word_boundary() {
    assert_eq!(sexpr("notes and is_churned"), "(and notes is_churned)");
    assert_eq!(sexpr("android or order_id"), "(or android order_id)");
    assert_eq!(sexpr("nullable == truth"), "(== nullable truth)");
    assert_eq!(
        sexpr("x in [iffy, inner, between_dates, whereabouts]"),
        "(in x [iffy inner between_dates whereabouts])"
    );
}

#[test]
fn reserved_words_are_never_names() {
    for word in [
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
        "when",
        "otherwise",
        "as_of",
    ] {
        let errors = parse_err(&format!("let {word} = 1"));
        let [SyntaxError::ReservedWord { word: found, .. }] = &errors[..] else {
            panic!("`{word}`: {errors:?}");
        };
        assert_eq!(found, word);
    }
}

#[test]
fn do_takes_a_when_on_the_next_line() {
    let module =
        parse_ok("campaign c {\n  audience a and b\n  do x(v: 1)\n     when y\n  priority 2\n}");
    let Item::Campaign(campaign) = &module.items[0] else {
        panic!("expected a campaign")
    };
    assert_eq!(campaign.clauses.len(), 3, "{campaign:#?}");
    let seg::syntax::ast::ClauseKind::Do(action) = &campaign.clauses[1].kind else {
        panic!("expected a do clause")
    };
    assert_eq!(action.when.as_ref().map(show).as_deref(), Some("y"));
}

// ───────────────────────────── Literals and layout ─────────────────────────────

#[test]
fn signed_literals_fold_their_minus() {
    let module = parse_ok(
        "param a: int = -9223372036854775808\nparam b: decimal = -2.50\nparam c: decimal = -5%",
    );
    let defaults: Vec<String> = module
        .items
        .iter()
        .map(|item| match item {
            Item::Param(param) => show_literal(&param.default),
            other => panic!("expected a param, got {other:?}"),
        })
        .collect();
    assert_eq!(defaults, ["-9223372036854775808", "-2.50", "-5%"]);
}

#[test]
fn decimals_keep_their_written_scale() {
    assert_eq!(sexpr("12.50"), "12.50");
    assert_eq!(sexpr("0.5"), "0.5");
    assert_eq!(sexpr("33.30%"), "33.30%");
}

#[test]
fn durations_need_their_unit_on_the_same_line() {
    assert_eq!(sexpr("2 weeks"), "Duration(2, Week)");
    assert_eq!(sexpr("1 days"), "Duration(1, Day)");
    assert_eq!(sexpr("3\tmonths"), "Duration(3, Month)");
    assert!(matches!(
        parse_err("let x = 3\nmonths")[..],
        [SyntaxError::Unexpected { .. }]
    ));
    assert_eq!(sexpr("3 + dayz"), "(+ 3 dayz)");
}

#[test]
fn crlf_line_ends_and_comments_do_not_change_the_tree() {
    let text = "let a = 1\nsegment s \"标签\" when a > 0\n";
    let crlf = text.replace('\n', "\r\n");
    let commented = text.replace(' ', " // c\n ");
    assert_eq!(
        without_spans(&parse_ok(text)),
        without_spans(&parse_ok(&crlf))
    );
    assert_eq!(
        without_spans(&parse_ok(text)),
        without_spans(&parse_ok(&commented))
    );
    let with_bom = format!("\u{feff}{text}");
    let program = load_program_from_text(Path::new("bom.seg"), &with_bom)
        .unwrap_or_else(|(sources, errors)| panic!("{}", render(&sources, errors)));
    assert_eq!(
        without_spans(&parse_ok(text)),
        without_spans(&program.modules[0])
    );
}

#[test]
fn a_double_slash_inside_a_string_is_not_a_comment() {
    assert_eq!(sexpr("\"http://x\" // a comment"), "\"http://x\"");
}

#[test]
fn spans_cover_items_and_string_quotes_but_not_trailing_comments() {
    let text = "segment vip \"重要\" when spend > 10 // big spenders\n";
    let module = parse_ok(text);
    let Item::Segment(segment) = &module.items[0] else {
        panic!("expected a segment")
    };
    let label = segment.label.as_ref().expect("a label");
    assert_eq!(
        &text[label.span.start as usize..label.span.end as usize],
        "\"重要\""
    );
    assert_eq!(
        &text[segment.span.start as usize..segment.span.end as usize],
        "segment vip \"重要\" when spend > 10"
    );
}

// ───────────────────────────── Imports ─────────────────────────────

#[test]
fn a_file_imported_twice_is_loaded_once() {
    let program = load_ok(Path::new("tests/fixtures/syntax/imports/diamond/main.seg"));
    let names: Vec<String> = program
        .sources
        .iter()
        .map(|(_, file)| {
            file.path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["main.seg", "a.seg", "common.seg", "b.seg"]);
    assert_eq!(program.modules.len(), 4);
    let files: Vec<FileId> = program.modules.iter().map(|module| module.file).collect();
    assert_eq!(files, [FileId(0), FileId(1), FileId(2), FileId(3)]);
}

#[test]
fn text_imports_resolve_relative_to_its_path() {
    let path = Path::new("tests/fixtures/syntax/imports/diamond/unsaved.seg");
    let program = load_program_from_text(path, "import \"a.seg\"\nlet x = 1")
        .unwrap_or_else(|(sources, errors)| panic!("{}", render(&sources, errors)));
    assert_eq!(program.modules.len(), 3);
    assert_eq!(program.sources.get(FileId(0)).path, path);
}

#[test]
fn a_missing_root_file_is_reported_without_a_span() {
    let Err((sources, errors)) = load_program(Path::new("tests/fixtures/syntax/no_such_file.seg"))
    else {
        panic!("a missing file loaded");
    };
    assert!(matches!(
        errors[..],
        [SyntaxError::ImportNotFound { span: None, .. }]
    ));
    insta::assert_snapshot!(render(&sources, errors));
}

// ─── Expressions too deep to read safely ───

/// `seg check` on a generated file: its exit code and what it printed.
fn check_generated(name: &str, expr: &str) -> (Option<i32>, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("too_complex");
    std::fs::create_dir_all(&dir).expect("folder");
    let path = dir.join(format!("{name}.seg"));
    let text = format!("entity c key id {{\n  id: string\n}}\nlet x = {expr}\n");
    std::fs::write(&path, text).expect("write the rules");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("check")
        .arg(&path)
        .output()
        .expect("seg runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), printed)
}

#[test]
fn a_million_nested_brackets_or_operators_are_an_error_not_a_crash() {
    let n = 1_000_000;
    let cases = [
        (
            "brackets",
            format!("{}1{}", "(".repeat(n), ")".repeat(n)),
            "more than 1000 brackets",
        ),
        ("chain", vec!["1"; n].join("+"), "more than 10000 operators"),
        (
            "nots",
            format!("{}true", "not ".repeat(n)),
            "more than 10000 operators",
        ),
    ];
    for (name, expr, what) in cases {
        let (code, printed) = check_generated(name, &expr);
        assert_eq!(code, Some(1), "{name}: {printed}");
        assert!(
            printed.contains("seg::syntax::too_complex"),
            "{name}: {printed}"
        );
        assert!(printed.contains(what), "{name}: {printed}");
        // The line is too long to quote: the place is given instead.
        assert!(
            printed.contains(&format!("{name}.seg:4:")),
            "{name}: {printed}"
        );
    }
}
