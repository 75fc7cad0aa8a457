//! Formatter tests: every `.seg` file the project has formats idempotently and to the same
//! tree; snapshots of messy fixtures in `tests/fixtures/fmt/`; generated programs; and the
//! `seg fmt` command.

use std::path::{Path, PathBuf};

use seg::fmt::{FmtError, format_source};
use seg::syntax::{FileId, parse_module};

#[path = "common/files.rs"]
mod files;

use files::files_below;

// ───────────────────────────── Helpers ─────────────────────────────

/// The crate's folder.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.seg` files of the repository and the reference programs beside it.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "rules", "examples"] {
        files.extend(files_below(&root().join(dir), Some("seg")));
    }
    files.extend(files_below(
        &root().join("../shared/spec/examples"),
        Some("seg"),
    ));
    files.push(root().join("../shared/bench/bench.seg"));
    files.retain(|f| f.exists());
    files.sort();
    files
}

/// Formats a text that must format, panicking with the reason otherwise.
fn format_ok(text: &str) -> String {
    format_source(text).unwrap_or_else(|e| panic!("formatting failed: {e:?}\n{text}"))
}

/// Checks that formatting is idempotent and keeps the tree.
fn assert_sound(name: &str, text: &str) -> Option<String> {
    let once = match format_source(text) {
        Ok(once) => once,
        Err(FmtError::Syntax(_)) => return None,
        Err(e) => panic!("{name}: {e:?}"),
    };
    let twice = format_ok(&once);
    assert_same_text(
        &format!("{name}: formatting is not idempotent"),
        &once,
        &twice,
    );
    let before = parse_module(FileId(0), text.trim_start_matches('\u{feff}'));
    let after = parse_module(FileId(0), &once);
    assert_eq!(
        before.map(|m| m.without_spans()),
        after.map(|m| m.without_spans()),
        "{name}: the tree changed"
    );
    Some(once)
}

/// Panics with `context` and a diff when two texts differ.
fn assert_same_text(context: &str, expected: &str, actual: &str) {
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected, actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!("{context}\n{diff}");
    }
}

// ───────────────────────────── Corpus ─────────────────────────────

#[test]
fn every_seg_file_formats_idempotently_to_the_same_tree() {
    let files = corpus();
    assert!(files.len() > 20, "the corpus is found");
    let mut formatted = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a .seg file");
        if assert_sound(&file.display().to_string(), &text).is_some() {
            formatted += 1;
        }
    }
    assert!(formatted > 20, "most files parse");
}

// ───────────────────────────── Snapshots ─────────────────────────────

/// The formatted text of each messy fixture; formatting it again changes nothing.
#[test]
fn messy_fixtures_format_as_snapshotted() {
    insta::glob!("fixtures/fmt/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("read a fixture");
        let formatted = assert_sound(&path.display().to_string(), &text)
            .unwrap_or_else(|| panic!("{} does not parse", path.display()));
        insta::assert_snapshot!(formatted);
    });
}

// ───────────────────────────── Generated programs ─────────────────────────────

/// Random valid programs: trees shaped as the parser builds them, written out with random
/// whitespace and comments between their tokens.
mod generated {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use seg::syntax::Span;
    use seg::syntax::ast::*;

    // ── Trees ──

    fn ident(name: &str) -> Ident {
        Ident {
            name: name.to_string(),
            span: Span::default(),
        }
    }

    fn str_lit(value: String) -> StrLit {
        StrLit {
            value,
            span: Span::default(),
        }
    }

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    /// Names of values (some of them keywords elsewhere, which is allowed).
    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a",
            "b",
            "recency",
            "vip",
            "days",
            "window",
            "x1",
            "key",
            "an_unusually_long_name_that_makes_lines_overflow",
        ])
        .prop_map(str::to_string)
    }

    /// Names of records, params and actions: never a duration unit or `nothing`, which could
    /// join the token before them.
    fn plain_name() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["customer", "orders", "coupon", "x1", "tier"])
            .prop_map(str::to_string)
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-z 中文\"\\\\\n\t😀]{0,8}"
    }

    fn decimal(negative: bool) -> impl Strategy<Value = Decimal> {
        (0u32..100_000, 1usize..4).prop_map(move |(n, scale)| {
            let digits = format!("{n:0>width$}", width = scale + 1);
            let (int, frac) = digits.split_at(digits.len() - scale);
            let sign = if negative { "-" } else { "" };
            Decimal::from_str_exact(&format!("{sign}{int}.{frac}")).expect("a decimal")
        })
    }

    fn percent() -> impl Strategy<Value = Decimal> {
        (0u32..20_000, 0u32..3).prop_map(|(n, scale)| Decimal::new(i64::from(n), scale))
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2030, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a day of a month"))
    }

    fn datetime() -> impl Strategy<Value = NaiveDateTime> {
        (date(), 0u32..24, 0u32..60, 0u32..60, 0u32..1000).prop_map(|(d, h, m, s, ms)| {
            let time = NaiveTime::from_hms_milli_opt(h, m, s, ms).expect("a time");
            NaiveDateTime::new(d, time)
        })
    }

    fn unit() -> impl Strategy<Value = DurationUnit> {
        prop::sample::select(vec![
            DurationUnit::Day,
            DurationUnit::Week,
            DurationUnit::Month,
            DurationUnit::Year,
        ])
    }

    /// A literal as it may stand in an expression (numbers are not negative there).
    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            (0i64..100_000).prop_map(Literal::Int),
            decimal(false).prop_map(Literal::Decimal),
            text().prop_map(Literal::String),
            any::<bool>().prop_map(Literal::Bool),
            Just(Literal::Null),
            date().prop_map(Literal::Date),
            datetime().prop_map(Literal::DateTime),
            (0i64..400, unit()).prop_map(|(n, u)| Literal::Duration(n, u)),
            percent().prop_map(Literal::Percent),
        ]
    }

    /// A literal where a sign is allowed (defaults, test values).
    fn signed_literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            literal(),
            (-100_000i64..0).prop_map(Literal::Int),
            decimal(true).prop_map(Literal::Decimal),
            percent().prop_map(|p| Literal::Percent(-p)),
        ]
    }

    fn binary_op() -> impl Strategy<Value = BinaryOp> {
        use BinaryOp::*;
        prop::sample::select(vec![Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div])
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        prop_oneof![
            literal().prop_map(|l| expr(ExprKind::Literal(l))),
            name().prop_map(|n| expr(ExprKind::Name(ident(&n)))),
            (name(), name()).prop_map(|(a, b)| expr(ExprKind::Path(ident(&a), ident(&b)))),
            Just(expr(ExprKind::Name(ident("as_of")))),
        ]
    }

    /// Any expression, shaped as the parser builds it.
    pub fn any_expr() -> impl Strategy<Value = Expr> {
        let func = prop::sample::select(vec!["count", "f", "days_between", "coalesce"]);
        leaf()
            .prop_recursive(4, 32, 3, move |inner| {
                let boxed = |e: Expr| Box::new(e);
                prop_oneof![
                    (
                        func.clone(),
                        vec(inner.clone(), 0..3),
                        option::of(inner.clone())
                    )
                        .prop_map(|(f, args, filter)| {
                            let filter = filter.filter(|_| !args.is_empty()).map(Box::new);
                            expr(ExprKind::Call {
                                func: ident(f),
                                args,
                                filter,
                            })
                        }),
                    (any::<bool>(), inner.clone()).prop_map(move |(not, e)| {
                        let op = if not { UnaryOp::Not } else { UnaryOp::Neg };
                        expr(ExprKind::Unary {
                            op,
                            operand: boxed(e),
                        })
                    }),
                    (binary_op(), inner.clone(), inner.clone()).prop_map(move |(op, l, r)| {
                        expr(ExprKind::Binary {
                            op,
                            lhs: boxed(l),
                            rhs: boxed(r),
                        })
                    }),
                    (inner.clone(), vec(inner.clone(), 0..4), any::<bool>()).prop_map(
                        move |(e, list, negated)| {
                            expr(ExprKind::In {
                                operand: boxed(e),
                                list,
                                negated,
                            })
                        }
                    ),
                    (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(
                        move |(e, low, high, negated)| {
                            let (low, high) = (boxed(low), boxed(high));
                            expr(ExprKind::Between {
                                operand: boxed(e),
                                low,
                                high,
                                negated,
                            })
                        }
                    ),
                    (inner.clone(), any::<bool>()).prop_map(move |(e, negated)| {
                        expr(ExprKind::IsNull {
                            operand: boxed(e),
                            negated,
                        })
                    }),
                    (inner.clone(), inner.clone(), inner.clone()).prop_map(move |(c, t, o)| {
                        let (cond, then, otherwise) = (boxed(c), boxed(t), boxed(o));
                        expr(ExprKind::If {
                            cond,
                            then,
                            otherwise,
                        })
                    }),
                    inner.prop_map(move |e| expr(ExprKind::Paren(boxed(e)))),
                ]
            })
            .prop_map(shape)
    }

    /// How tightly an expression binds, as written at its top.
    fn level(e: &Expr) -> u8 {
        match &e.kind {
            ExprKind::If { .. } => 0,
            ExprKind::Binary {
                op: BinaryOp::Or, ..
            } => 1,
            ExprKind::Binary {
                op: BinaryOp::And, ..
            } => 2,
            ExprKind::Unary {
                op: UnaryOp::Not, ..
            } => 3,
            ExprKind::Binary { op, .. } if op.is_comparison() => 4,
            ExprKind::In { .. } | ExprKind::Between { .. } | ExprKind::IsNull { .. } => 4,
            ExprKind::Binary {
                op: BinaryOp::Add | BinaryOp::Sub,
                ..
            } => 5,
            ExprKind::Binary { .. } => 6,
            ExprKind::Unary {
                op: UnaryOp::Neg, ..
            } => 7,
            _ => 8,
        }
    }

    /// `e` shaped, in parentheses when it binds less tightly than `min`.
    fn operand(e: Expr, min: u8) -> Box<Expr> {
        let e = shape(e);
        Box::new(if level(&e) < min {
            expr(ExprKind::Paren(Box::new(e)))
        } else {
            e
        })
    }

    /// The tree the parser builds for the text of `e`: parentheses where precedence needs them.
    fn shape(e: Expr) -> Expr {
        let kind = match e.kind {
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = match op {
                    BinaryOp::Or => (1, 2),
                    BinaryOp::And => (2, 3),
                    BinaryOp::Add | BinaryOp::Sub => (5, 6),
                    BinaryOp::Mul | BinaryOp::Div => (6, 7),
                    _ => (5, 5),
                };
                ExprKind::Binary {
                    op,
                    lhs: operand(*lhs, l),
                    rhs: operand(*rhs, r),
                }
            }
            ExprKind::Unary { op, operand: x } => {
                let min = if op == UnaryOp::Not { 3 } else { 7 };
                ExprKind::Unary {
                    op,
                    operand: operand(*x, min),
                }
            }
            ExprKind::In {
                operand: x,
                list,
                negated,
            } => ExprKind::In {
                operand: operand(*x, 5),
                list: list.into_iter().map(shape).collect(),
                negated,
            },
            ExprKind::Between {
                operand: x,
                low,
                high,
                negated,
            } => ExprKind::Between {
                operand: operand(*x, 5),
                low: operand(*low, 5),
                high: operand(*high, 5),
                negated,
            },
            ExprKind::IsNull {
                operand: x,
                negated,
            } => ExprKind::IsNull {
                operand: operand(*x, 5),
                negated,
            },
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => ExprKind::If {
                cond: operand(*cond, 0),
                then: operand(*then, 0),
                otherwise: operand(*otherwise, 0),
            },
            ExprKind::Call { func, args, filter } => ExprKind::Call {
                func,
                args: args.into_iter().map(shape).collect(),
                filter: filter.map(|f| operand(*f, 0)),
            },
            ExprKind::Paren(inner) => ExprKind::Paren(operand(*inner, 0)),
            other => other,
        };
        expr(kind)
    }

    fn label() -> impl Strategy<Value = Option<StrLit>> {
        option::of(prop::sample::select(vec!["高价值", "RFM 八类", "a \"b\""]))
            .prop_map(|l| l.map(|l| str_lit(l.to_string())))
    }

    fn type_expr() -> impl Strategy<Value = TypeExpr> {
        let base = prop_oneof![
            prop::sample::select(vec![
                BaseType::Int,
                BaseType::Decimal,
                BaseType::Float,
                BaseType::Bool,
                BaseType::String,
                BaseType::Date,
                BaseType::DateTime,
            ]),
            vec(text(), 1..4).prop_map(|v| BaseType::Enum(v.into_iter().map(str_lit).collect())),
        ];
        (base, any::<bool>()).prop_map(|(base, nullable)| TypeExpr {
            base,
            nullable,
            span: Span::default(),
        })
    }

    fn fields() -> impl Strategy<Value = Vec<FieldDecl>> {
        vec((name(), type_expr()), 0..4).prop_map(|fields| {
            fields
                .into_iter()
                .map(|(n, ty)| FieldDecl {
                    name: ident(&n),
                    ty,
                    span: Span::default(),
                })
                .collect()
        })
    }

    fn do_stmt() -> impl Strategy<Value = DoStmt> {
        let arg = (name(), any_expr()).prop_map(|(n, value)| NamedArg {
            name: ident(&n),
            value,
        });
        (plain_name(), vec(arg, 0..4), option::of(any_expr())).prop_map(|(a, args, when)| DoStmt {
            action: ident(&a),
            args,
            when,
            span: Span::default(),
        })
    }

    fn clause() -> impl Strategy<Value = ClauseKind> {
        let rank_key =
            (any_expr(), any::<bool>(), any::<bool>()).prop_map(|(expr, desc, asc)| RankKey {
                expr,
                descending: desc,
                explicit_direction: desc || asc,
            });
        let variant = (name(), label(), percent(), vec(do_stmt(), 0..3)).prop_map(
            |(n, label, weight, actions)| VariantDecl {
                name: ident(&n),
                label,
                weight,
                weight_span: Span::default(),
                actions,
            },
        );
        let budget = prop_oneof![(0i64..100_000).prop_map(Decimal::from), decimal(false),];
        prop_oneof![
            any_expr().prop_map(ClauseKind::Audience),
            (-100i64..100).prop_map(ClauseKind::Priority),
            (date(), date()).prop_map(|(a, b)| ClauseKind::Window(a, b)),
            percent().prop_map(ClauseKind::Holdout),
            budget.prop_map(ClauseKind::Budget),
            (0i64..10_000).prop_map(ClauseKind::Cap),
            vec(rank_key, 1..3).prop_map(ClauseKind::RankBy),
            text().prop_map(ClauseKind::Salt),
            do_stmt().prop_map(ClauseKind::Do),
            variant.prop_map(ClauseKind::Variant),
        ]
    }

    fn record_field() -> impl Strategy<Value = RecordField> {
        (name(), signed_literal()).prop_map(|(n, value)| RecordField {
            name: ident(&n),
            value,
            value_span: Span::default(),
        })
    }

    fn expectation() -> impl Strategy<Value = Expectation> {
        let key = || text().prop_map(str_lit);
        let op = prop::sample::select(vec![
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
        ]);
        prop_oneof![
            (key(), name(), option::of(name()), any::<bool>()).prop_map(
                |(key, first, second, negated)| Expectation::InSegment {
                    key,
                    segment: SegmentRef {
                        first: ident(&first),
                        second: second.map(|s| ident(&s))
                    },
                    negated,
                }
            ),
            (key(), name(), op, signed_literal()).prop_map(|(key, n, op, value)| {
                Expectation::Compare {
                    key,
                    name: ident(&n),
                    op,
                    value,
                    value_span: Span::default(),
                }
            }),
            (key(), name(), any::<bool>()).prop_map(|(key, n, negated)| {
                Expectation::IsNull {
                    key,
                    name: ident(&n),
                    negated,
                }
            }),
            (
                key(),
                plain_name(),
                option::of(name()),
                vec(record_field(), 0..4)
            )
                .prop_map(|(key, action, from, with)| Expectation::Gets {
                    key,
                    action: ident(&action),
                    from: from.map(|f| ident(&f)),
                    with,
                }),
            (key(), option::of(name())).prop_map(|(key, from)| Expectation::GetsNothing {
                key,
                from: from.map(|f| ident(&f)),
            }),
        ]
    }

    fn test_stmt() -> impl Strategy<Value = TestStmtKind> {
        prop_oneof![
            date().prop_map(TestStmtKind::AsOf),
            (plain_name(), signed_literal()).prop_map(|(n, l)| TestStmtKind::Param(ident(&n), l)),
            (plain_name(), vec(record_field(), 0..5))
                .prop_map(|(n, fields)| TestStmtKind::Record(ident(&n), fields)),
            (plain_name(), text()).prop_map(|(n, p)| TestStmtKind::Load(ident(&n), str_lit(p))),
            expectation().prop_map(TestStmtKind::Expect),
        ]
    }

    fn segment_rule() -> impl Strategy<Value = SegmentRule> {
        (name(), label(), option::of(any_expr())).prop_map(|(n, label, when)| SegmentRule {
            name: ident(&n),
            label,
            condition: when.map_or(
                SegmentCondition::Otherwise(Span::default()),
                SegmentCondition::When,
            ),
            span: Span::default(),
        })
    }

    fn item() -> impl Strategy<Value = Item> {
        let span = Span::default();
        prop_oneof![
            text().prop_map(move |p| Item::Import(Import {
                path: str_lit(p),
                span
            })),
            (name(), name(), fields()).prop_map(move |(n, key, fields)| {
                let kind = RecordKind::Entity;
                Item::Entity(RecordDecl {
                    kind,
                    name: ident(&n),
                    key_or_time: Some(ident(&key)),
                    fields,
                    span,
                })
            }),
            (name(), option::of(name()), fields()).prop_map(move |(n, time, fields)| {
                let key_or_time = time.map(|t| ident(&t));
                Item::Events(RecordDecl {
                    kind: RecordKind::Events,
                    name: ident(&n),
                    key_or_time,
                    fields,
                    span,
                })
            }),
            (plain_name(), type_expr(), signed_literal()).prop_map(move |(n, ty, default)| {
                Item::Param(ParamDecl {
                    name: ident(&n),
                    ty,
                    default,
                    span,
                })
            }),
            (name(), any_expr()).prop_map(move |(n, value)| {
                Item::Let(LetDecl {
                    name: ident(&n),
                    value,
                    span,
                })
            }),
            (name(), label(), any_expr()).prop_map(move |(n, label, condition)| {
                Item::Segment(SegmentDecl {
                    name: ident(&n),
                    label,
                    condition,
                    span,
                })
            }),
            (name(), label(), vec(segment_rule(), 1..4)).prop_map(move |(n, label, segments)| {
                Item::Segmentation(SegmentationDecl {
                    name: ident(&n),
                    label,
                    segments,
                    span,
                })
            }),
            (plain_name(), fields()).prop_map(move |(n, fields)| {
                Item::Action(ActionDecl {
                    name: ident(&n),
                    fields,
                    span,
                })
            }),
            (name(), label(), vec(clause(), 0..6)).prop_map(move |(n, label, clauses)| {
                let clauses = clauses
                    .into_iter()
                    .map(|kind| CampaignClause { kind, span })
                    .collect();
                Item::Campaign(CampaignDecl {
                    name: ident(&n),
                    label,
                    clauses,
                    span,
                })
            }),
            (0i64..5).prop_map(move |max_campaigns| {
                Item::Policy(PolicyDecl {
                    max_campaigns,
                    max_span: span,
                    span,
                })
            }),
            (name(), label(), any_expr()).prop_map(move |(n, label, value)| {
                Item::Metric(MetricDecl {
                    name: ident(&n),
                    label,
                    value,
                    span,
                })
            }),
            (text(), vec(test_stmt(), 0..5)).prop_map(move |(n, statements)| {
                let statements = statements
                    .into_iter()
                    .map(|kind| TestStmt { kind, span })
                    .collect();
                Item::Test(TestDecl {
                    name: str_lit(n),
                    statements,
                    span,
                })
            }),
        ]
    }

    /// A module of generated items.
    pub fn module() -> impl Strategy<Value = Module> {
        vec(item(), 0..8).prop_map(|items| Module {
            file: seg::syntax::FileId(0),
            items,
        })
    }

    // ── Tokens ──

    /// Separators between tokens: spaces, line ends, blank lines, comments.
    const SEPARATORS: [&str; 9] = [
        " ",
        " ",
        " ",
        "\n",
        "\n\n\n",
        "  // c\n",
        "\n  // own line\n",
        "\t",
        "\r\n",
    ];

    /// The text of tokens joined by separators chosen by `choices`.
    pub fn messy(tokens: &[String], choices: &[u8]) -> String {
        let mut text = String::new();
        for (i, token) in tokens.iter().enumerate() {
            if i > 0 {
                let choice = choices.get(i % choices.len().max(1)).copied().unwrap_or(0);
                text.push_str(SEPARATORS[usize::from(choice) % SEPARATORS.len()]);
            }
            text.push_str(token);
        }
        text
    }

    fn quoted(s: &str) -> String {
        Literal::String(s.to_string()).to_string()
    }

    fn push(out: &mut Vec<String>, token: impl Into<String>) {
        out.push(token.into());
    }

    /// The tokens of an expression (with a trailing comma in calls of two arguments).
    fn expr_tokens(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Literal(l) => push(out, l.to_string()),
            ExprKind::Name(id) => push(out, &id.name),
            ExprKind::Path(a, b) => push(out, format!("{}.{}", a.name, b.name)),
            ExprKind::Call { func, args, filter } => {
                push(out, &func.name);
                push(out, "(");
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        push(out, ",");
                    }
                    expr_tokens(arg, out);
                    if let (0, Some(filter)) = (i, filter) {
                        push(out, "where");
                        expr_tokens(filter, out);
                    }
                }
                if args.len() == 2 {
                    push(out, ",");
                }
                push(out, ")");
            }
            ExprKind::Unary { op, operand } => {
                push(out, if *op == UnaryOp::Not { "not" } else { "-" });
                expr_tokens(operand, out);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                expr_tokens(lhs, out);
                push(out, op.symbol());
                expr_tokens(rhs, out);
            }
            ExprKind::In {
                operand,
                list,
                negated,
            } => {
                expr_tokens(operand, out);
                if *negated {
                    push(out, "not");
                }
                push(out, "in");
                push(out, "[");
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        push(out, ",");
                    }
                    expr_tokens(item, out);
                }
                push(out, "]");
            }
            ExprKind::Between {
                operand,
                low,
                high,
                negated,
            } => {
                expr_tokens(operand, out);
                if *negated {
                    push(out, "not");
                }
                push(out, "between");
                expr_tokens(low, out);
                push(out, "and");
                expr_tokens(high, out);
            }
            ExprKind::IsNull { operand, negated } => {
                expr_tokens(operand, out);
                push(out, "is");
                if *negated {
                    push(out, "not");
                }
                push(out, "null");
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                push(out, "if");
                expr_tokens(cond, out);
                push(out, "then");
                expr_tokens(then, out);
                push(out, "else");
                expr_tokens(otherwise, out);
            }
            ExprKind::Paren(inner) => {
                push(out, "(");
                expr_tokens(inner, out);
                push(out, ")");
            }
        }
    }

    fn type_tokens(ty: &TypeExpr, out: &mut Vec<String>) {
        match &ty.base {
            BaseType::Enum(values) => {
                push(out, "enum");
                push(out, "(");
                let values: Vec<String> = values.iter().map(|v| quoted(&v.value)).collect();
                push(out, values.join(","));
                push(out, ")");
            }
            base => push(out, format!("{base:?}").to_lowercase()),
        }
        if ty.nullable {
            push(out, "?");
        }
    }

    fn fields_tokens(fields: &[FieldDecl], out: &mut Vec<String>) {
        push(out, "{");
        for field in fields {
            push(out, &field.name.name);
            push(out, ":");
            type_tokens(&field.ty, out);
            push(out, ",");
        }
        push(out, "}");
    }

    fn label_tokens(label: &Option<StrLit>, out: &mut Vec<String>) {
        if let Some(label) = label {
            push(out, quoted(&label.value));
        }
    }

    fn do_tokens(stmt: &DoStmt, out: &mut Vec<String>) {
        push(out, "do");
        push(out, &stmt.action.name);
        push(out, "(");
        for (i, arg) in stmt.args.iter().enumerate() {
            if i > 0 {
                push(out, ",");
            }
            push(out, &arg.name.name);
            push(out, ":");
            expr_tokens(&arg.value, out);
        }
        push(out, ")");
        if let Some(when) = &stmt.when {
            push(out, "when");
            expr_tokens(when, out);
        }
    }

    fn clause_tokens(kind: &ClauseKind, out: &mut Vec<String>) {
        match kind {
            ClauseKind::Audience(e) => {
                push(out, "audience");
                expr_tokens(e, out);
            }
            ClauseKind::Priority(n) => push(out, format!("priority {n}")),
            ClauseKind::Window(a, b) => push(out, format!("window {a} .. {b}")),
            ClauseKind::Holdout(p) => push(out, format!("holdout {p}%")),
            ClauseKind::Budget(b) => push(out, format!("budget {b}")),
            ClauseKind::Cap(n) => push(out, format!("cap {n}")),
            ClauseKind::RankBy(keys) => {
                push(out, "rank");
                push(out, "by");
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        push(out, ",");
                    }
                    expr_tokens(&key.expr, out);
                    match (key.descending, key.explicit_direction) {
                        (true, _) => push(out, "desc"),
                        (false, true) => push(out, "asc"),
                        (false, false) => {}
                    }
                }
            }
            ClauseKind::Salt(s) => push(out, format!("salt {}", quoted(s))),
            ClauseKind::Do(stmt) => do_tokens(stmt, out),
            ClauseKind::Variant(v) => {
                push(out, "variant");
                push(out, &v.name.name);
                label_tokens(&v.label, out);
                push(out, format!("{}%", v.weight));
                push(out, "{");
                v.actions.iter().for_each(|d| do_tokens(d, out));
                push(out, "}");
            }
        }
    }

    fn record_tokens(fields: &[RecordField], out: &mut Vec<String>) {
        push(out, "{");
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                push(out, ",");
            }
            push(out, &field.name.name);
            push(out, ":");
            push(out, field.value.to_string());
        }
        push(out, "}");
    }

    fn expect_tokens(e: &Expectation, out: &mut Vec<String>) {
        push(out, "expect");
        match e {
            Expectation::InSegment {
                key,
                segment,
                negated,
            } => {
                push(out, quoted(&key.value));
                if *negated {
                    push(out, "not");
                }
                push(out, "in");
                let second = segment
                    .second
                    .as_ref()
                    .map_or(String::new(), |s| format!(".{}", s.name));
                push(out, format!("{}{second}", segment.first.name));
            }
            Expectation::Compare {
                key,
                name,
                op,
                value,
                ..
            } => {
                push(out, format!("{}.{}", quoted(&key.value), name.name));
                push(out, op.symbol());
                push(out, value.to_string());
            }
            Expectation::IsNull { key, name, negated } => {
                push(out, format!("{}.{}", quoted(&key.value), name.name));
                push(out, "is");
                if *negated {
                    push(out, "not");
                }
                push(out, "null");
            }
            Expectation::Gets {
                key,
                action,
                from,
                with,
            } => {
                push(out, quoted(&key.value));
                push(out, "gets");
                push(out, &action.name);
                if let Some(from) = from {
                    push(out, format!("from {}", from.name));
                }
                if !with.is_empty() {
                    push(out, "with");
                    record_tokens(with, out);
                }
            }
            Expectation::GetsNothing { key, from } => {
                push(out, quoted(&key.value));
                push(out, "gets nothing");
                if let Some(from) = from {
                    push(out, format!("from {}", from.name));
                }
            }
            Expectation::Dataset(dataset) => dataset_tokens(dataset, out),
        }
    }

    fn dataset_tokens(dataset: &DatasetExpectation, out: &mut Vec<String>) {
        let group = |g: &SegmentRef| match &g.second {
            Some(second) => format!("{}.{}", g.first.name, second.name),
            None => g.first.name.clone(),
        };
        let (head, bound) = match dataset {
            DatasetExpectation::Share { group: g, bound } => {
                (format!("share({})", group(g)), Some(bound))
            }
            DatasetExpectation::Count { group: g, bound } => {
                (format!("count({})", group(g)), Some(bound))
            }
            DatasetExpectation::Overlap {
                first,
                second,
                bound,
            } => (
                format!("overlap({}, {})", group(first), group(second)),
                Some(bound),
            ),
            DatasetExpectation::Exhaustive { segmentation } => {
                (format!("{} exhaustive", segmentation.name), None)
            }
        };
        push(out, head);
        match bound {
            Some(Bound::Between { low, high, .. }) => {
                push(out, format!("between {low} and {high}"))
            }
            Some(Bound::Compare { op, value, .. }) => push(out, format!("{} {value}", op.symbol())),
            None => {}
        }
    }

    fn test_tokens(kind: &TestStmtKind, out: &mut Vec<String>) {
        match kind {
            TestStmtKind::AsOf(d) => push(out, format!("as_of {d}")),
            TestStmtKind::Param(n, l) => push(out, format!("param {} = {l}", n.name)),
            TestStmtKind::Record(n, fields) => {
                push(out, &n.name);
                record_tokens(fields, out);
            }
            TestStmtKind::Load(n, p) => push(out, format!("load {} {}", n.name, quoted(&p.value))),
            TestStmtKind::Expect(e) => expect_tokens(e, out),
        }
    }

    /// The tokens of a module.
    pub fn tokens(module: &Module) -> Vec<String> {
        let mut out = Vec::new();
        for item in &module.items {
            item_tokens(item, &mut out);
        }
        out
    }

    fn item_tokens(item: &Item, out: &mut Vec<String>) {
        match item {
            Item::Import(i) => push(out, format!("import {}", quoted(&i.path.value))),
            Item::Entity(r) | Item::Events(r) => {
                let (kw, sub) = if r.kind == RecordKind::Entity {
                    ("entity", "key")
                } else {
                    ("events", "time")
                };
                push(out, kw);
                push(out, &r.name.name);
                if let Some(k) = &r.key_or_time {
                    push(out, format!("{sub} {}", k.name));
                }
                fields_tokens(&r.fields, out);
            }
            Item::Param(p) => {
                push(out, format!("param {}", p.name.name));
                push(out, ":");
                type_tokens(&p.ty, out);
                push(out, "=");
                push(out, p.default.to_string());
            }
            Item::Let(l) => {
                push(out, format!("let {}", l.name.name));
                push(out, "=");
                expr_tokens(&l.value, out);
            }
            Item::Segment(s) => {
                push(out, format!("segment {}", s.name.name));
                label_tokens(&s.label, out);
                push(out, "when");
                expr_tokens(&s.condition, out);
            }
            Item::Segmentation(s) => {
                push(out, format!("segmentation {}", s.name.name));
                label_tokens(&s.label, out);
                push(out, "{");
                for rule in &s.segments {
                    push(out, format!("segment {}", rule.name.name));
                    label_tokens(&rule.label, out);
                    match &rule.condition {
                        SegmentCondition::When(e) => {
                            push(out, "when");
                            expr_tokens(e, out);
                        }
                        SegmentCondition::Otherwise(_) => push(out, "otherwise"),
                    }
                }
                push(out, "}");
            }
            Item::Action(a) => {
                push(out, format!("action {}", a.name.name));
                fields_tokens(&a.fields, out);
            }
            Item::Campaign(c) => {
                push(out, format!("campaign {}", c.name.name));
                label_tokens(&c.label, out);
                push(out, "{");
                c.clauses
                    .iter()
                    .for_each(|clause| clause_tokens(&clause.kind, out));
                push(out, "}");
            }
            Item::Policy(p) => push(
                out,
                format!("policy {{ max_campaigns {} }}", p.max_campaigns),
            ),
            Item::Metric(m) => {
                push(out, format!("metric {}", m.name.name));
                label_tokens(&m.label, out);
                push(out, "=");
                expr_tokens(&m.value, out);
            }
            Item::Test(t) => {
                push(out, format!("test {}", quoted(&t.name.value)));
                push(out, "{");
                t.statements.iter().for_each(|s| test_tokens(&s.kind, out));
                push(out, "}");
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/fmt.proptest-regressions",
        ))),
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// A generated program, written messily, parses to the generated tree; formatting it is
    /// sound and idempotent.
    #[test]
    fn generated_programs_format_soundly(
        module in generated::module(),
        choices in proptest::collection::vec(0u8..=255, 1..64),
    ) {
        let source = generated::messy(&generated::tokens(&module), &choices);
        let parsed = parse_module(FileId(0), &source)
            .unwrap_or_else(|e| panic!("the generated text does not parse: {e:?}\n{source}"));
        proptest::prop_assert_eq!(parsed.without_spans(), module.without_spans(), "{}", source);
        let once = format_ok(&source);
        let twice = format_ok(&once);
        proptest::prop_assert_eq!(&once, &twice, "not idempotent for\n{}", source);
    }
}

// ───────────────────────────── The command ─────────────────────────────

mod command {
    use std::fs;
    use std::path::Path;
    use std::process::{Command, Output};

    /// Runs `seg fmt` with the given arguments.
    fn seg_fmt(args: &[&str], paths: &[&Path]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_seg"))
            .arg("fmt")
            .args(args)
            .args(paths)
            .env("NO_COLOR", "1")
            .output()
            .expect("run seg")
    }

    fn stdout(output: &Output) -> String {
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn stderr(output: &Output) -> String {
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    #[test]
    fn check_prints_a_diff_and_exits_1_when_a_file_would_change() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("messy.seg");
        fs::write(&file, "let a=1\nlet b = a  and  true\n").expect("write");
        let output = seg_fmt(&["--check"], &[&file]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let diff = stdout(&output);
        assert!(diff.contains("-let a=1\n"), "{diff}");
        assert!(diff.contains("+let a = 1\n"), "{diff}");
        assert!(diff.contains("+let b = a and true\n"), "{diff}");
        assert!(diff.contains("(formatted)"), "{diff}");
        let text = fs::read_to_string(&file).expect("read");
        assert_eq!(
            text, "let a=1\nlet b = a  and  true\n",
            "--check writes nothing"
        );
    }

    #[test]
    fn check_exits_0_and_prints_nothing_on_formatted_files() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("tidy.seg");
        fs::write(&file, "let a = 1\nlet b = a and true\n").expect("write");
        let output = seg_fmt(&["--check"], &[&file]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), "");
    }

    #[test]
    fn without_check_files_in_folders_are_rewritten_in_place() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let nested = dir.path().join("rules/retail");
        fs::create_dir_all(&nested).expect("create folders");
        let messy = nested.join("messy.seg");
        let tidy = dir.path().join("tidy.seg");
        let other = nested.join("notes.txt");
        fs::write(&messy, "\u{feff}segment vip when x>1 // big\r\n").expect("write");
        fs::write(&tidy, "let a = 1\n").expect("write");
        fs::write(&other, "let a=1\n").expect("write");
        let output = seg_fmt(&[], &[dir.path()]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let formatted = fs::read_to_string(&messy).expect("read");
        assert_eq!(formatted, "segment vip when x > 1  // big\n");
        assert_eq!(fs::read_to_string(&tidy).expect("read"), "let a = 1\n");
        assert_eq!(
            fs::read_to_string(&other).expect("read"),
            "let a=1\n",
            "only .seg files"
        );
        let leftovers = fs::read_dir(&nested).expect("list").count();
        assert_eq!(leftovers, 2, "no temporary file is left behind");
        let again = seg_fmt(&["--check"], &[dir.path()]);
        assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    }

    #[test]
    fn a_file_that_does_not_parse_is_reported_left_alone_and_exits_1() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let broken = dir.path().join("broken.seg");
        let messy = dir.path().join("messy.seg");
        fs::write(&broken, "let a = \n").expect("write");
        fs::write(&messy, "let a=1\n").expect("write");
        let output = seg_fmt(&[], &[&broken, &messy]);
        assert_eq!(output.status.code(), Some(1));
        let errors = stderr(&output);
        assert!(errors.contains("seg::syntax::unexpected"), "{errors}");
        assert!(errors.contains("broken.seg"), "{errors}");
        assert_eq!(fs::read_to_string(&broken).expect("read"), "let a = \n");
        assert_eq!(
            fs::read_to_string(&messy).expect("read"),
            "let a = 1\n",
            "the others are formatted"
        );
    }

    #[test]
    fn a_missing_path_is_a_usage_error() {
        let output = seg_fmt(&["--check"], &[Path::new("no/such/file.seg")]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains("no such file or folder"));
    }
}

// ───────────────────────────── The documentation ─────────────────────────────

/// The examples of `docs/fmt.md` are formatted: the page shows what `seg fmt` writes.
#[test]
fn the_layout_documentation_shows_formatted_code() {
    let page = std::fs::read_to_string(root().join("docs/fmt.md")).expect("docs/fmt.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line) {
            (None, "```seg") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks.len() >= 5, "the page has examples");
    for block in blocks {
        assert_same_text(
            "docs/fmt.md shows unformatted code",
            &block,
            &format_ok(&block),
        );
    }
}

// ───────────────────────────── Small cases ─────────────────────────────

#[test]
fn empty_files_and_files_of_comments() {
    assert_eq!(format_ok(""), "");
    assert_eq!(format_ok("\u{feff}\n\n"), "");
    assert_eq!(format_ok("// c"), "// c\n");
    assert_eq!(format_ok("\n\n// c   \r\n\n\n\n// d\n\n"), "// c\n\n// d\n");
}

#[test]
fn a_file_that_does_not_parse_gives_its_syntax_errors() {
    match format_source("let a = ") {
        Err(FmtError::Syntax(errors)) => assert_eq!(errors.len(), 1),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn crlf_and_a_byte_order_mark_give_lf_without_a_mark() {
    let text = "\u{feff}let a = 1 // one\r\nlet b = 2\r\n";
    assert_eq!(format_ok(text), "let a = 1  // one\nlet b = 2\n");
}

#[test]
fn a_comment_between_operands_breaks_the_chain_and_stays() {
    let text = "segment s when a // first\n and b\n";
    assert_eq!(format_ok(text), "segment s when a  // first\n  and b\n");
}

#[test]
fn a_comment_where_nothing_breaks_goes_before_the_statement() {
    let text = "campaign c {\n  audience f // why\n (a)\n}\n";
    assert_eq!(
        format_ok(text),
        "campaign c {\n  // why\n  audience f(a)\n}\n"
    );
}

#[test]
fn a_comment_between_arguments_puts_one_argument_per_line() {
    let text = "let x = f(a, // why\n b)\n";
    assert_eq!(format_ok(text), "let x = f(\n  a,  // why\n  b\n)\n");
}
