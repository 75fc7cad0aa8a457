//! Syntax stage: one file's text → [`Module`], by the pest grammar in `grammar/seg.pest`.
//!
//! There is one small function per grammar rule. Each walks its pair's children (keywords
//! and punctuation skipped) and matches only the rules the grammar lets occur there.
//! Literals are checked here, so that a bad date or an oversized integer gets its own error.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use pest::Parser;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, ConstPrattParser, Op};
use rust_decimal::Decimal;

use super::ast::{
    ActionDecl, BaseType, BinaryOp, Bound, CampaignClause, CampaignDecl, ClauseKind,
    DatasetExpectation, DoStmt, DurationUnit, Expectation, Expr, ExprKind, FieldDecl, Ident,
    Import, Item, LetDecl, Literal, MetricDecl, Module, NamedArg, ParamDecl, PolicyDecl, RankKey,
    RecordDecl, RecordField, RecordKind, SegmentCondition, SegmentDecl, SegmentRef, SegmentRule,
    SegmentationDecl, StrLit, TestDecl, TestStmt, TestStmtKind, TypeExpr, UnaryOp, VariantDecl,
};
use super::error::{SyntaxError, from_pest};
use super::span::{FileId, Span};

/// The pest parser generated from `grammar/seg.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/seg.pest"]
struct SegParser;

/// Results of the tree-building functions.
type Result<T> = std::result::Result<T, SyntaxError>;

/// Operator precedence, loosest first. Comparisons do not chain: see [`Builder::infix`].
static PRATT: ConstPrattParser<Rule, 17> = ConstPrattParser::new_const(pest::pratt_precedence![
    Op::infix(Rule::or_op, Assoc::Left),
    Op::infix(Rule::and_op, Assoc::Left),
    Op::prefix(Rule::not_op),
    Op::infix(Rule::eq, Assoc::Left)
        | Op::infix(Rule::ne, Assoc::Left)
        | Op::infix(Rule::lt, Assoc::Left)
        | Op::infix(Rule::le, Assoc::Left)
        | Op::infix(Rule::gt, Assoc::Left)
        | Op::infix(Rule::ge, Assoc::Left)
        | Op::postfix(Rule::in_tail)
        | Op::postfix(Rule::between_tail)
        | Op::postfix(Rule::is_null_tail),
    Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left),
    Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left),
    Op::prefix(Rule::neg),
]);

/// Parses one file's text (without a byte-order mark) into its module.
///
/// A text that does not follow the grammar gives one error (the furthest point pest reached);
/// otherwise every item with a bad literal or a chained comparison gives its first error.
pub fn parse_module(file: FileId, text: &str) -> std::result::Result<Module, Vec<SyntaxError>> {
    super::nesting::check(file, text).map_err(|e| vec![e])?;
    let mut pairs =
        SegParser::parse(Rule::module, text).map_err(|err| vec![from_pest(&err, file, text)])?;
    let builder = Builder {
        file,
        comments: line_comments(text),
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for pair in pairs.next().into_iter().flat_map(parts) {
        match pair.as_rule() {
            Rule::item => match builder.item(pair) {
                Ok(item) => items.push(item),
                Err(err) => errors.push(err),
            },
            Rule::EOI => {}
            rule => unreachable!("{rule:?} in parse_module"),
        }
    }
    if errors.is_empty() {
        Ok(Module { file, items })
    } else {
        Err(errors)
    }
}

/// A pair's children without keywords and punctuation, which carry no meaning of their own.
fn parts(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|child| !is_token(child.as_rule()))
}

/// Whether a rule is a keyword or punctuation that the tree does not keep.
fn is_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_import
            | Rule::kw_entity
            | Rule::kw_key
            | Rule::kw_events
            | Rule::kw_time
            | Rule::kw_param
            | Rule::kw_let
            | Rule::kw_segment
            | Rule::kw_segmentation
            | Rule::kw_action
            | Rule::kw_campaign
            | Rule::kw_policy
            | Rule::kw_max_campaigns
            | Rule::kw_metric
            | Rule::kw_test
            | Rule::kw_enum
            | Rule::kw_when
            | Rule::kw_audience
            | Rule::kw_priority
            | Rule::kw_window
            | Rule::kw_holdout
            | Rule::kw_budget
            | Rule::kw_cap
            | Rule::kw_rank
            | Rule::kw_by
            | Rule::kw_salt
            | Rule::kw_do
            | Rule::kw_variant
            | Rule::kw_as_of
            | Rule::kw_load
            | Rule::kw_expect
            | Rule::kw_gets
            | Rule::kw_nothing
            | Rule::kw_from
            | Rule::kw_with
            | Rule::kw_share
            | Rule::kw_count
            | Rule::kw_overlap
            | Rule::kw_exhaustive
            | Rule::kw_if
            | Rule::kw_then
            | Rule::kw_else
            | Rule::kw_where
            | Rule::kw_in
            | Rule::kw_between
            | Rule::kw_and
            | Rule::kw_is
            | Rule::kw_null
            | Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::colon
            | Rule::equals
            | Rule::dot
            | Rule::range
    )
}

/// `text` without the whitespace and `//` comments at its end.
pub(super) fn trim_trivia_end(text: &str) -> &str {
    let mut code = text.trim_end();
    loop {
        let line_start = code.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&code[line_start..]) {
            Some(at) => code = code[..line_start + at].trim_end(),
            None => return code,
        }
    }
}

/// Where the `//` that starts a comment stands in one line, if anywhere (not in a string).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let (mut in_string, mut escaped) = (false, false);
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b'\\' if in_string => {
                escaped = !escaped;
                continue;
            }
            b'"' if !escaped => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// A value the grammar guarantees to be present (the rule that fills it is not optional).
fn required<T>(slot: Option<T>, what: &str) -> T {
    slot.unwrap_or_else(|| unreachable!("the grammar guarantees {what}"))
}

/// Builds AST nodes for one file.
struct Builder {
    /// The file every span points into.
    file: FileId,
    /// Each line's start, and where a comment starts on it, if one does.
    comments: Vec<(usize, Option<usize>)>,
}

/// Each line's start in `text`, and where a comment starts on it (see [`comment_start`]).
fn line_comments(text: &str) -> Vec<(usize, Option<usize>)> {
    let mut start = 0;
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        lines.push((start, comment_start(line).map(|at| start + at)));
        start += line.len();
    }
    lines
}

// ───────────────────────────── Items ─────────────────────────────

impl Builder {
    /// The one place where pest spans become our [`Span`].
    ///
    /// A rule that ends in an optional part also holds the whitespace and comments pest
    /// skipped before trying that part; they are cut off.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        let end = self.code_end(pair.get_input(), span.start(), span.end());
        Span::new(self.file, span.start(), end)
    }

    /// The end of `text[start..end]` without the whitespace and comments at its end, as
    /// [`trim_trivia_end`] gives it, but with the comments found once per file, not once
    /// per node (a long line holds many nodes).
    fn code_end(&self, text: &str, start: usize, end: usize) -> usize {
        let mut end = start + text[start..end].trim_end().len();
        while end > start {
            let line = self
                .comments
                .partition_point(|&(line_start, _)| line_start < end);
            match self.comments.get(line.saturating_sub(1)) {
                Some(&(_, Some(comment))) if comment >= start && comment < end => {
                    end = start + text[start..comment].trim_end().len();
                }
                _ => break,
            }
        }
        end
    }

    /// `item`: one top-level item.
    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        let mut item = None;
        for child in parts(pair) {
            item = Some(match child.as_rule() {
                Rule::import_decl => Item::Import(self.import_decl(child)?),
                Rule::entity_decl => Item::Entity(self.record_decl(child, RecordKind::Entity)?),
                Rule::events_decl => Item::Events(self.record_decl(child, RecordKind::Events)?),
                Rule::param_decl => Item::Param(self.param_decl(child)?),
                Rule::let_decl => Item::Let(self.let_decl(child)?),
                Rule::segment_decl => Item::Segment(self.segment_decl(child)?),
                Rule::segmentation_decl => Item::Segmentation(self.segmentation_decl(child)?),
                Rule::action_decl => Item::Action(self.action_decl(child)?),
                Rule::campaign_decl => Item::Campaign(self.campaign_decl(child)?),
                Rule::policy_decl => Item::Policy(self.policy_decl(child)?),
                Rule::metric_decl => Item::Metric(self.metric_decl(child)?),
                Rule::test_decl => Item::Test(self.test_decl(child)?),
                rule => unreachable!("{rule:?} in item"),
            });
        }
        Ok(required(item, "an item"))
    }

    /// `import "file.seg"`
    fn import_decl(&self, pair: Pair<'_, Rule>) -> Result<Import> {
        let span = self.span(&pair);
        let mut path = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::str_lit => path = Some(self.str_lit(&child)?),
                rule => unreachable!("{rule:?} in import_decl"),
            }
        }
        Ok(Import {
            path: required(path, "an import path"),
            span,
        })
    }

    /// `entity NAME key FIELD { ... }` and `events NAME [time FIELD] { ... }`
    fn record_decl(&self, pair: Pair<'_, Rule>, kind: RecordKind) -> Result<RecordDecl> {
        let span = self.span(&pair);
        let (mut name, mut key_or_time, mut fields) = (None, None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::entity_name | Rule::events_name => name = Some(self.ident(&child)),
                Rule::field_name => key_or_time = Some(self.ident(&child)),
                Rule::field_decl => fields.push(self.field_decl(child)?),
                rule => unreachable!("{rule:?} in record_decl"),
            }
        }
        Ok(RecordDecl {
            kind,
            name: required(name, "a record name"),
            key_or_time,
            fields,
            span,
        })
    }

    /// `action NAME { ... }`
    fn action_decl(&self, pair: Pair<'_, Rule>) -> Result<ActionDecl> {
        let span = self.span(&pair);
        let (mut name, mut fields) = (None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::action_name => name = Some(self.ident(&child)),
                Rule::field_decl => fields.push(self.field_decl(child)?),
                rule => unreachable!("{rule:?} in action_decl"),
            }
        }
        Ok(ActionDecl {
            name: required(name, "an action name"),
            fields,
            span,
        })
    }

    /// `name: type`
    fn field_decl(&self, pair: Pair<'_, Rule>) -> Result<FieldDecl> {
        let span = self.span(&pair);
        let (mut name, mut ty) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::field_name => name = Some(self.ident(&child)),
                Rule::type_expr => ty = Some(self.type_expr(child)?),
                rule => unreachable!("{rule:?} in field_decl"),
            }
        }
        Ok(FieldDecl {
            name: required(name, "a field name"),
            ty: required(ty, "a type"),
            span,
        })
    }

    /// `param NAME: TYPE = LITERAL`
    fn param_decl(&self, pair: Pair<'_, Rule>) -> Result<ParamDecl> {
        let span = self.span(&pair);
        let (mut name, mut ty, mut default) = (None, None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::param_name => name = Some(self.ident(&child)),
                Rule::type_expr => ty = Some(self.type_expr(child)?),
                Rule::signed_literal => default = Some(self.signed_literal(child)?),
                rule => unreachable!("{rule:?} in param_decl"),
            }
        }
        Ok(ParamDecl {
            name: required(name, "a parameter name"),
            ty: required(ty, "a parameter type"),
            default: required(default, "a default"),
            span,
        })
    }

    /// `let NAME = EXPR`
    fn let_decl(&self, pair: Pair<'_, Rule>) -> Result<LetDecl> {
        let span = self.span(&pair);
        let (mut name, mut value) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::let_name => name = Some(self.ident(&child)),
                Rule::expr => value = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in let_decl"),
            }
        }
        Ok(LetDecl {
            name: required(name, "a let name"),
            value: required(value, "a value"),
            span,
        })
    }

    /// `segment NAME ["label"] when EXPR`
    fn segment_decl(&self, pair: Pair<'_, Rule>) -> Result<SegmentDecl> {
        let span = self.span(&pair);
        let (mut name, mut label, mut condition) = (None, None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::segment_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::expr => condition = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in segment_decl"),
            }
        }
        Ok(SegmentDecl {
            name: required(name, "a segment name"),
            label,
            condition: required(condition, "a condition"),
            span,
        })
    }

    /// `segmentation NAME ["label"] { segment ... }`
    fn segmentation_decl(&self, pair: Pair<'_, Rule>) -> Result<SegmentationDecl> {
        let span = self.span(&pair);
        let (mut name, mut label, mut segments) = (None, None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::segmentation_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::segment_rule => segments.push(self.segment_rule(child)?),
                rule => unreachable!("{rule:?} in segmentation_decl"),
            }
        }
        Ok(SegmentationDecl {
            name: required(name, "a segmentation name"),
            label,
            segments,
            span,
        })
    }

    /// `segment NAME ["label"] (when EXPR | otherwise)` inside a segmentation.
    fn segment_rule(&self, pair: Pair<'_, Rule>) -> Result<SegmentRule> {
        let span = self.span(&pair);
        let (mut name, mut label, mut condition) = (None, None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::segment_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::expr => condition = Some(SegmentCondition::When(self.expr(child)?)),
                Rule::otherwise => condition = Some(SegmentCondition::Otherwise(self.span(&child))),
                rule => unreachable!("{rule:?} in segment_rule"),
            }
        }
        Ok(SegmentRule {
            name: required(name, "a segment name"),
            label,
            condition: required(condition, "a segment condition"),
            span,
        })
    }

    /// `policy { max_campaigns N }`
    fn policy_decl(&self, pair: Pair<'_, Rule>) -> Result<PolicyDecl> {
        let span = self.span(&pair);
        let mut max = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::int_lit => max = Some((self.int_lit(&child)?, self.span(&child))),
                rule => unreachable!("{rule:?} in policy_decl"),
            }
        }
        let (max_campaigns, max_span) = required(max, "`max_campaigns N`");
        Ok(PolicyDecl {
            max_campaigns,
            max_span,
            span,
        })
    }

    /// `metric NAME ["label"] = EXPR`
    fn metric_decl(&self, pair: Pair<'_, Rule>) -> Result<MetricDecl> {
        let span = self.span(&pair);
        let (mut name, mut label, mut value) = (None, None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::metric_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::expr => value = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in metric_decl"),
            }
        }
        Ok(MetricDecl {
            name: required(name, "a metric name"),
            label,
            value: required(value, "a metric value"),
            span,
        })
    }
}

// ───────────────────────────── Types ─────────────────────────────

impl Builder {
    /// `TYPE[?]`
    fn type_expr(&self, pair: Pair<'_, Rule>) -> Result<TypeExpr> {
        let span = self.span(&pair);
        let (mut base, mut nullable) = (None, false);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::prim_type => base = Some(prim_type(&child)),
                Rule::enum_type => base = Some(BaseType::Enum(self.enum_type(child)?)),
                Rule::nullable => nullable = true,
                rule => unreachable!("{rule:?} in type_expr"),
            }
        }
        Ok(TypeExpr {
            base: required(base, "a base type"),
            nullable,
            span,
        })
    }

    /// `enum("a", "b", ...)`: its values.
    fn enum_type(&self, pair: Pair<'_, Rule>) -> Result<Vec<StrLit>> {
        let mut values = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::str_lit => values.push(self.str_lit(&child)?),
                rule => unreachable!("{rule:?} in enum_type"),
            }
        }
        Ok(values)
    }
}

/// `int`, `decimal`, `float`, `bool`, `string`, `date` or `datetime`.
fn prim_type(pair: &Pair<'_, Rule>) -> BaseType {
    match pair.as_str() {
        "int" => BaseType::Int,
        "decimal" => BaseType::Decimal,
        "float" => BaseType::Float,
        "bool" => BaseType::Bool,
        "string" => BaseType::String,
        "date" => BaseType::Date,
        "datetime" => BaseType::DateTime,
        other => unreachable!("{other:?} in prim_type"),
    }
}

// ───────────────────────────── Campaigns ─────────────────────────────

impl Builder {
    /// `campaign NAME ["label"] { clauses }`
    fn campaign_decl(&self, pair: Pair<'_, Rule>) -> Result<CampaignDecl> {
        let span = self.span(&pair);
        let (mut name, mut label, mut clauses) = (None, None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::campaign_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::clause => clauses.push(self.clause(child)?),
                rule => unreachable!("{rule:?} in campaign_decl"),
            }
        }
        Ok(CampaignDecl {
            name: required(name, "a campaign name"),
            label,
            clauses,
            span,
        })
    }

    /// One campaign clause.
    fn clause(&self, pair: Pair<'_, Rule>) -> Result<CampaignClause> {
        let span = self.span(&pair);
        let mut kind = None;
        for child in parts(pair) {
            kind = Some(match child.as_rule() {
                Rule::audience_clause => ClauseKind::Audience(self.single_expr(child)?),
                Rule::priority_clause => ClauseKind::Priority(self.priority_clause(child)?),
                Rule::window_clause => self.window_clause(child)?,
                Rule::holdout_clause => ClauseKind::Holdout(self.holdout_clause(child)?),
                Rule::budget_clause => ClauseKind::Budget(self.budget_clause(child)?),
                Rule::cap_clause => ClauseKind::Cap(self.cap_clause(child)?),
                Rule::rank_clause => ClauseKind::RankBy(self.rank_clause(child)?),
                Rule::salt_clause => ClauseKind::Salt(self.salt_clause(child)?),
                Rule::do_stmt => ClauseKind::Do(self.do_stmt(child)?),
                Rule::variant_decl => ClauseKind::Variant(self.variant_decl(child)?),
                rule => unreachable!("{rule:?} in clause"),
            });
        }
        Ok(CampaignClause {
            kind: required(kind, "a clause"),
            span,
        })
    }

    /// `audience EXPR` (and any rule whose only content is one expression).
    fn single_expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let mut value = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::expr => value = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in single_expr"),
            }
        }
        Ok(required(value, "an expression"))
    }

    /// `priority N`
    fn priority_clause(&self, pair: Pair<'_, Rule>) -> Result<i64> {
        let mut value = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::signed_int => value = Some(self.signed_int(child)?),
                rule => unreachable!("{rule:?} in priority_clause"),
            }
        }
        Ok(required(value, "a priority"))
    }

    /// `window DATE .. DATE`
    fn window_clause(&self, pair: Pair<'_, Rule>) -> Result<ClauseKind> {
        let mut dates = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::date_lit => dates.push(self.date_lit(&child)?),
                rule => unreachable!("{rule:?} in window_clause"),
            }
        }
        match dates[..] {
            [from, to] => Ok(ClauseKind::Window(from, to)),
            _ => unreachable!("the grammar guarantees two dates in window_clause"),
        }
    }

    /// `holdout N%`
    fn holdout_clause(&self, pair: Pair<'_, Rule>) -> Result<Decimal> {
        let mut value = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::percent_lit => value = Some(self.percent_lit(&child, false)?),
                rule => unreachable!("{rule:?} in holdout_clause"),
            }
        }
        Ok(required(value, "a percentage"))
    }

    /// `budget NUMBER`
    fn budget_clause(&self, pair: Pair<'_, Rule>) -> Result<Decimal> {
        let mut value = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::decimal_lit => value = Some(self.decimal_lit(&child, false)?),
                Rule::int_lit => value = Some(Decimal::from(self.int_lit(&child)?)),
                rule => unreachable!("{rule:?} in budget_clause"),
            }
        }
        Ok(required(value, "a budget"))
    }

    /// `cap N`
    fn cap_clause(&self, pair: Pair<'_, Rule>) -> Result<i64> {
        let mut value = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::int_lit => value = Some(self.int_lit(&child)?),
                rule => unreachable!("{rule:?} in cap_clause"),
            }
        }
        Ok(required(value, "a cap"))
    }

    /// `rank by KEY, ...`
    fn rank_clause(&self, pair: Pair<'_, Rule>) -> Result<Vec<RankKey>> {
        let mut keys = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::rank_key => keys.push(self.rank_key(child)?),
                rule => unreachable!("{rule:?} in rank_clause"),
            }
        }
        Ok(keys)
    }

    /// `EXPR [asc|desc]`
    fn rank_key(&self, pair: Pair<'_, Rule>) -> Result<RankKey> {
        let (mut expr, mut descending, mut explicit_direction) = (None, false, false);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::expr => expr = Some(self.expr(child)?),
                Rule::direction => {
                    explicit_direction = true;
                    descending = child.as_str() == "desc";
                }
                rule => unreachable!("{rule:?} in rank_key"),
            }
        }
        Ok(RankKey {
            expr: required(expr, "a sort key"),
            descending,
            explicit_direction,
        })
    }

    /// `salt "text"`
    fn salt_clause(&self, pair: Pair<'_, Rule>) -> Result<String> {
        let mut salt = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::str_lit => salt = Some(self.str_lit(&child)?.value),
                rule => unreachable!("{rule:?} in salt_clause"),
            }
        }
        Ok(required(salt, "a salt"))
    }

    /// `do ACTION(field: EXPR, ...) [when EXPR]`
    fn do_stmt(&self, pair: Pair<'_, Rule>) -> Result<DoStmt> {
        let span = self.span(&pair);
        let (mut action, mut args, mut when) = (None, Vec::new(), None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::action_name => action = Some(self.ident(&child)),
                Rule::named_arg => args.push(self.named_arg(child)?),
                Rule::expr => when = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in do_stmt"),
            }
        }
        Ok(DoStmt {
            action: required(action, "an action"),
            args,
            when,
            span,
        })
    }

    /// `field: EXPR`
    fn named_arg(&self, pair: Pair<'_, Rule>) -> Result<NamedArg> {
        let (mut name, mut value) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::field_name => name = Some(self.ident(&child)),
                Rule::expr => value = Some(self.expr(child)?),
                rule => unreachable!("{rule:?} in named_arg"),
            }
        }
        Ok(NamedArg {
            name: required(name, "a field name"),
            value: required(value, "a value"),
        })
    }

    /// `variant NAME ["label"] N% { do ... }`
    fn variant_decl(&self, pair: Pair<'_, Rule>) -> Result<VariantDecl> {
        let (mut name, mut label, mut weight, mut actions) = (None, None, None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::variant_name => name = Some(self.ident(&child)),
                Rule::label => label = Some(self.str_lit(&child)?),
                Rule::percent_lit => {
                    weight = Some((self.percent_lit(&child, false)?, self.span(&child)));
                }
                Rule::do_stmt => actions.push(self.do_stmt(child)?),
                rule => unreachable!("{rule:?} in variant_decl"),
            }
        }
        let (weight, weight_span) = required(weight, "a variant weight");
        Ok(VariantDecl {
            name: required(name, "a variant name"),
            label,
            weight,
            weight_span,
            actions,
        })
    }
}

// ───────────────────────────── Tests ─────────────────────────────

impl Builder {
    /// `test "name" { statements }`
    fn test_decl(&self, pair: Pair<'_, Rule>) -> Result<TestDecl> {
        let span = self.span(&pair);
        let (mut name, mut statements) = (None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::test_name => name = Some(self.str_lit(&child)?),
                Rule::test_stmt => statements.push(self.test_stmt(child)?),
                rule => unreachable!("{rule:?} in test_decl"),
            }
        }
        Ok(TestDecl {
            name: required(name, "a test name"),
            statements,
            span,
        })
    }

    /// One test statement.
    fn test_stmt(&self, pair: Pair<'_, Rule>) -> Result<TestStmt> {
        let span = self.span(&pair);
        let mut kind = None;
        for child in parts(pair) {
            kind = Some(match child.as_rule() {
                Rule::as_of_stmt => TestStmtKind::AsOf(self.as_of_stmt(child)?),
                Rule::param_stmt => self.param_stmt(child)?,
                Rule::load_stmt => self.load_stmt(child)?,
                Rule::record_stmt => self.record_stmt(child)?,
                Rule::expect_stmt => TestStmtKind::Expect(self.expect_stmt(child)?),
                rule => unreachable!("{rule:?} in test_stmt"),
            });
        }
        Ok(TestStmt {
            kind: required(kind, "a test statement"),
            span,
        })
    }

    /// `as_of DATE`
    fn as_of_stmt(&self, pair: Pair<'_, Rule>) -> Result<NaiveDate> {
        let mut date = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::date_lit => date = Some(self.date_lit(&child)?),
                rule => unreachable!("{rule:?} in as_of_stmt"),
            }
        }
        Ok(required(date, "a date"))
    }

    /// `param NAME = LITERAL`
    fn param_stmt(&self, pair: Pair<'_, Rule>) -> Result<TestStmtKind> {
        let (mut name, mut value) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::param_name => name = Some(self.ident(&child)),
                Rule::signed_literal => value = Some(self.signed_literal(child)?),
                rule => unreachable!("{rule:?} in param_stmt"),
            }
        }
        Ok(TestStmtKind::Param(
            required(name, "a parameter"),
            required(value, "a value"),
        ))
    }

    /// `load NAME "file"`
    fn load_stmt(&self, pair: Pair<'_, Rule>) -> Result<TestStmtKind> {
        let (mut name, mut path) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::record_name => name = Some(self.ident(&child)),
                Rule::str_lit => path = Some(self.str_lit(&child)?),
                rule => unreachable!("{rule:?} in load_stmt"),
            }
        }
        Ok(TestStmtKind::Load(
            required(name, "a record name"),
            required(path, "a file"),
        ))
    }

    /// `NAME { field: literal, ... }`
    fn record_stmt(&self, pair: Pair<'_, Rule>) -> Result<TestStmtKind> {
        let (mut name, mut fields) = (None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::record_name => name = Some(self.ident(&child)),
                Rule::record_field => fields.push(self.record_field(child)?),
                rule => unreachable!("{rule:?} in record_stmt"),
            }
        }
        Ok(TestStmtKind::Record(
            required(name, "a record name"),
            fields,
        ))
    }

    /// `field: literal`
    fn record_field(&self, pair: Pair<'_, Rule>) -> Result<RecordField> {
        let (mut name, mut value) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::field_name => name = Some(self.ident(&child)),
                Rule::signed_literal => {
                    value = Some((self.span(&child), self.signed_literal(child)?));
                }
                rule => unreachable!("{rule:?} in record_field"),
            }
        }
        let (value_span, value) = required(value, "a field value");
        Ok(RecordField {
            name: required(name, "a field name"),
            value,
            value_span,
        })
    }

    /// `expect "key" ...`
    fn expect_stmt(&self, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let (mut key, mut expectation) = (None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::str_lit => key = Some(self.str_lit(&child)?),
                Rule::expect_in => expectation = Some((Self::expect_in as Expecter, child)),
                Rule::expect_compare => {
                    expectation = Some((Self::expect_compare as Expecter, child))
                }
                Rule::expect_null => expectation = Some((Self::expect_null as Expecter, child)),
                Rule::expect_nothing => {
                    expectation = Some((Self::expect_nothing as Expecter, child))
                }
                Rule::expect_gets => expectation = Some((Self::expect_gets as Expecter, child)),
                Rule::expect_dataset => {
                    return self.expect_dataset(child).map(Expectation::Dataset);
                }
                rule => unreachable!("{rule:?} in expect_stmt"),
            }
        }
        let (build, tail) = required(expectation, "an expectation");
        build(self, required(key, "a key"), tail)
    }

    /// `share(G) BOUND`, `count(G) BOUND`, `overlap(G, G) BOUND`, `S exhaustive`
    fn expect_dataset(&self, pair: Pair<'_, Rule>) -> Result<DatasetExpectation> {
        let inner = required(parts(pair).next(), "a data-set expectation");
        let rule = inner.as_rule();
        let (mut groups, mut bound, mut name) = (Vec::new(), None, None);
        for child in parts(inner) {
            match child.as_rule() {
                Rule::group_ref => groups.push(self.group_ref(child)),
                Rule::expect_bound => bound = Some(self.expect_bound(child)?),
                Rule::segmentation_name => name = Some(self.ident(&child)),
                rule => unreachable!("{rule:?} in expect_dataset"),
            }
        }
        let mut groups = groups.into_iter();
        let mut group = || required(groups.next(), "a group");
        Ok(match rule {
            Rule::expect_share => DatasetExpectation::Share {
                group: group(),
                bound: required(bound, "a bound"),
            },
            Rule::expect_count => DatasetExpectation::Count {
                group: group(),
                bound: required(bound, "a bound"),
            },
            Rule::expect_overlap => {
                let (first, second) = (group(), group());
                DatasetExpectation::Overlap {
                    first,
                    second,
                    bound: required(bound, "a bound"),
                }
            }
            Rule::expect_exhaustive => DatasetExpectation::Exhaustive {
                segmentation: required(name, "a segmentation"),
            },
            rule => unreachable!("{rule:?} in expect_dataset"),
        })
    }

    /// `NAME[.NAME]`
    fn group_ref(&self, pair: Pair<'_, Rule>) -> SegmentRef {
        let mut names = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::segment_name => names.push(self.ident(&child)),
                rule => unreachable!("{rule:?} in group_ref"),
            }
        }
        let mut names = names.into_iter();
        SegmentRef {
            first: required(names.next(), "a name"),
            second: names.next(),
        }
    }

    /// `between A and B` or `OP LITERAL`
    fn expect_bound(&self, pair: Pair<'_, Rule>) -> Result<Bound> {
        let span = self.span(&pair);
        let (mut op, mut values) = (None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::eq | Rule::ne | Rule::lt | Rule::le | Rule::gt | Rule::ge => {
                    op = Some(binary_op(child.as_rule()))
                }
                Rule::signed_literal => values.push(self.signed_literal(child)?),
                rule => unreachable!("{rule:?} in expect_bound"),
            }
        }
        let mut values = values.into_iter();
        let first = required(values.next(), "a value");
        Ok(match op {
            Some(op) => Bound::Compare {
                op,
                value: first,
                span,
            },
            None => Bound::Between {
                low: first,
                high: required(values.next(), "an upper bound"),
                span,
            },
        })
    }

    /// `[not] in SEGMENT[.SEGMENT]`
    fn expect_in(&self, key: StrLit, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let (mut negated, mut names) = (false, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::negated => negated = true,
                Rule::segment_name => names.push(self.ident(&child)),
                rule => unreachable!("{rule:?} in expect_in"),
            }
        }
        let mut names = names.into_iter();
        let first = required(names.next(), "a segment name");
        let segment = SegmentRef {
            first,
            second: names.next(),
        };
        Ok(Expectation::InSegment {
            key,
            segment,
            negated,
        })
    }

    /// `.name OP literal`
    fn expect_compare(&self, key: StrLit, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let (mut name, mut op, mut value) = (None, None, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::name => name = Some(self.ident(&child)),
                Rule::eq | Rule::ne | Rule::lt | Rule::le | Rule::gt | Rule::ge => {
                    op = Some(binary_op(child.as_rule()));
                }
                Rule::signed_literal => {
                    value = Some((self.span(&child), self.signed_literal(child)?))
                }
                rule => unreachable!("{rule:?} in expect_compare"),
            }
        }
        let (value_span, value) = required(value, "an expected value");
        let (name, op) = (required(name, "a value name"), required(op, "an operator"));
        Ok(Expectation::Compare {
            key,
            name,
            op,
            value,
            value_span,
        })
    }

    /// `.name is [not] null`
    fn expect_null(&self, key: StrLit, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let (mut name, mut negated) = (None, false);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::name => name = Some(self.ident(&child)),
                Rule::negated => negated = true,
                rule => unreachable!("{rule:?} in expect_null"),
            }
        }
        Ok(Expectation::IsNull {
            key,
            name: required(name, "a value name"),
            negated,
        })
    }

    /// `gets nothing [from CAMPAIGN]`
    fn expect_nothing(&self, key: StrLit, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let mut from = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::gets_from => from = Some(self.gets_from(child)),
                rule => unreachable!("{rule:?} in expect_nothing"),
            }
        }
        Ok(Expectation::GetsNothing { key, from })
    }

    /// `gets ACTION [from CAMPAIGN] [with { ... }]`
    fn expect_gets(&self, key: StrLit, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let (mut action, mut from, mut with) = (None, None, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::action_name => action = Some(self.ident(&child)),
                Rule::gets_from => from = Some(self.gets_from(child)),
                Rule::with_fields => with = self.with_fields(child)?,
                rule => unreachable!("{rule:?} in expect_gets"),
            }
        }
        Ok(Expectation::Gets {
            key,
            action: required(action, "an action"),
            from,
            with,
        })
    }

    /// `from CAMPAIGN`
    fn gets_from(&self, pair: Pair<'_, Rule>) -> Ident {
        let mut campaign = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::campaign_name => campaign = Some(self.ident(&child)),
                rule => unreachable!("{rule:?} in gets_from"),
            }
        }
        required(campaign, "a campaign name")
    }

    /// `with { field: literal, ... }`
    fn with_fields(&self, pair: Pair<'_, Rule>) -> Result<Vec<RecordField>> {
        let mut fields = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::record_field => fields.push(self.record_field(child)?),
                rule => unreachable!("{rule:?} in with_fields"),
            }
        }
        Ok(fields)
    }
}

/// The builder of one `expect` form, given the key.
type Expecter = for<'i> fn(&Builder, StrLit, Pair<'i, Rule>) -> Result<Expectation>;

// ───────────────────────────── Expressions ─────────────────────────────

impl Builder {
    /// `expr`: an `if` or an operator expression.
    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let mut expr = None;
        for child in parts(pair) {
            expr = Some(match child.as_rule() {
                Rule::if_expr => self.if_expr(child)?,
                Rule::logic => self.operators(child)?,
                rule => unreachable!("{rule:?} in expr"),
            });
        }
        Ok(required(expr, "an expression"))
    }

    /// `if c then a else b`
    fn if_expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let mut parts_of_if = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::expr => parts_of_if.push(self.expr(child)?),
                rule => unreachable!("{rule:?} in if_expr"),
            }
        }
        let Ok([cond, then, otherwise]) = <[Expr; 3]>::try_from(parts_of_if) else {
            unreachable!("the grammar guarantees three parts in if_expr")
        };
        let kind = ExprKind::If {
            cond: cond.into(),
            then: then.into(),
            otherwise: otherwise.into(),
        };
        Ok(Expr { kind, span })
    }

    /// `logic` and `bound`: a flat run of operands and operators, by precedence.
    fn operators(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        PRATT
            .map_primary(|operand| self.operand(operand))
            .map_prefix(|op, rhs| Ok(self.prefix(&op, rhs?)))
            .map_infix(|lhs, op, rhs| self.infix(lhs?, &op, rhs?))
            .map_postfix(|lhs, op| self.postfix(lhs?, op))
            .parse(parts(pair))
    }

    /// `not x` and `-x`.
    fn prefix(&self, op: &Pair<'_, Rule>, operand: Expr) -> Expr {
        let op_kind = match op.as_rule() {
            Rule::not_op => UnaryOp::Not,
            Rule::neg => UnaryOp::Neg,
            rule => unreachable!("{rule:?} in prefix"),
        };
        let span = self.span(op).to(operand.span);
        Expr {
            kind: ExprKind::Unary {
                op: op_kind,
                operand: operand.into(),
            },
            span,
        }
    }

    /// `a OP b`; a comparison whose left side is already a comparison is an error.
    fn infix(&self, lhs: Expr, op: &Pair<'_, Rule>, rhs: Expr) -> Result<Expr> {
        let (op, op_span) = (binary_op(op.as_rule()), self.span(op));
        if op.is_comparison() {
            no_chain(&lhs, op_span)?;
        }
        let span = lhs.span.to(rhs.span);
        Ok(Expr {
            kind: ExprKind::Binary {
                op,
                lhs: lhs.into(),
                rhs: rhs.into(),
            },
            span,
        })
    }

    /// `x [not] in [..]`, `x [not] between a and b`, `x is [not] null`.
    fn postfix(&self, lhs: Expr, op: Pair<'_, Rule>) -> Result<Expr> {
        let op_span = self.span(&op);
        no_chain(&lhs, op_span)?;
        let span = lhs.span.to(op_span);
        let kind = match op.as_rule() {
            Rule::in_tail => self.in_tail(lhs, op)?,
            Rule::between_tail => self.between_tail(lhs, op)?,
            Rule::is_null_tail => is_null_tail(lhs, op),
            rule => unreachable!("{rule:?} in postfix"),
        };
        Ok(Expr { kind, span })
    }

    /// `[not] in [items]`
    fn in_tail(&self, operand: Expr, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let (mut negated, mut list) = (false, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::negated => negated = true,
                Rule::expr => list.push(self.expr(child)?),
                rule => unreachable!("{rule:?} in in_tail"),
            }
        }
        Ok(ExprKind::In {
            operand: operand.into(),
            list,
            negated,
        })
    }

    /// `[not] between LOW and HIGH`
    fn between_tail(&self, operand: Expr, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let (mut negated, mut bounds) = (false, Vec::new());
        for child in parts(pair) {
            match child.as_rule() {
                Rule::negated => negated = true,
                Rule::bound => bounds.push(self.operators(child)?),
                rule => unreachable!("{rule:?} in between_tail"),
            }
        }
        let Ok([low, high]) = <[Expr; 2]>::try_from(bounds) else {
            unreachable!("the grammar guarantees two bounds in between_tail")
        };
        Ok(ExprKind::Between {
            operand: operand.into(),
            low: low.into(),
            high: high.into(),
            negated,
        })
    }

    /// An operand: call, path, parentheses, literal or name.
    fn operand(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let mut expr = None;
        for child in parts(pair) {
            let span = self.span(&child);
            let kind = match child.as_rule() {
                Rule::call => self.call(child)?,
                Rule::path => self.path(child),
                Rule::paren => ExprKind::Paren(self.single_expr(child)?.into()),
                Rule::literal => ExprKind::Literal(self.literal(child)?),
                Rule::as_of_ref | Rule::name => ExprKind::Name(self.ident(&child)),
                rule => unreachable!("{rule:?} in operand"),
            };
            expr = Some(Expr { kind, span });
        }
        Ok(required(expr, "an operand"))
    }

    /// `f(args)` with an optional `where` filter.
    fn call(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let (mut func, mut args, mut filter) = (None, Vec::new(), None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::name => func = Some(self.ident(&child)),
                Rule::expr => args.push(self.expr(child)?),
                Rule::filter => filter = Some(Box::new(self.single_expr(child)?)),
                rule => unreachable!("{rule:?} in call"),
            }
        }
        Ok(ExprKind::Call {
            func: required(func, "a function name"),
            args,
            filter,
        })
    }

    /// `A.B`
    fn path(&self, pair: Pair<'_, Rule>) -> ExprKind {
        let mut names = Vec::new();
        for child in parts(pair) {
            match child.as_rule() {
                Rule::name => names.push(self.ident(&child)),
                rule => unreachable!("{rule:?} in path"),
            }
        }
        let Ok([first, second]) = <[Ident; 2]>::try_from(names) else {
            unreachable!("the grammar guarantees two names in path")
        };
        ExprKind::Path(first, second)
    }

    /// Any name rule (and `as_of`): its text and span.
    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }
}

/// Rejects a comparison applied to an unparenthesised comparison.
fn no_chain(lhs: &Expr, op_span: Span) -> Result<()> {
    let chained = match &lhs.kind {
        ExprKind::Binary { op, .. } => op.is_comparison(),
        ExprKind::In { .. } | ExprKind::Between { .. } | ExprKind::IsNull { .. } => true,
        _ => false,
    };
    if chained {
        return Err(SyntaxError::ChainedComparison {
            first: lhs.span,
            second: op_span,
        });
    }
    Ok(())
}

/// `is [not] null`
fn is_null_tail(operand: Expr, pair: Pair<'_, Rule>) -> ExprKind {
    let mut negated = false;
    for child in parts(pair) {
        match child.as_rule() {
            Rule::negated => negated = true,
            rule => unreachable!("{rule:?} in is_null_tail"),
        }
    }
    ExprKind::IsNull {
        operand: operand.into(),
        negated,
    }
}

/// The binary operator of an operator rule.
fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::or_op => BinaryOp::Or,
        Rule::and_op => BinaryOp::And,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::mul => BinaryOp::Mul,
        Rule::div => BinaryOp::Div,
        rule => unreachable!("{rule:?} in binary_op"),
    }
}

// ───────────────────────────── Literals ─────────────────────────────

impl Builder {
    /// A literal in an expression.
    fn literal(&self, pair: Pair<'_, Rule>) -> Result<Literal> {
        let mut literal = None;
        for child in parts(pair) {
            literal = Some(match child.as_rule() {
                Rule::datetime_lit => Literal::DateTime(self.datetime_lit(&child)?),
                Rule::date_lit => Literal::Date(self.date_lit(&child)?),
                Rule::bad_number => return Err(self.bad_number(&child)),
                Rule::duration_lit => self.duration_lit(&child)?,
                Rule::percent_lit => Literal::Percent(self.percent_lit(&child, false)?),
                Rule::decimal_lit => Literal::Decimal(self.decimal_lit(&child, false)?),
                Rule::int_lit => Literal::Int(self.int_lit(&child)?),
                Rule::str_lit => Literal::String(self.str_lit(&child)?.value),
                Rule::bool_lit => Literal::Bool(child.as_str() == "true"),
                Rule::null_lit => Literal::Null,
                rule => unreachable!("{rule:?} in literal"),
            });
        }
        Ok(required(literal, "a literal"))
    }

    /// A literal with an optional leading `-`.
    fn signed_literal(&self, pair: Pair<'_, Rule>) -> Result<Literal> {
        let mut literal = None;
        for child in parts(pair) {
            literal = Some(match child.as_rule() {
                Rule::negative_number => self.negative_number(child)?,
                Rule::literal => self.literal(child)?,
                rule => unreachable!("{rule:?} in signed_literal"),
            });
        }
        Ok(required(literal, "a literal"))
    }

    /// `-N`, `-N.M`, `-N%`
    fn negative_number(&self, pair: Pair<'_, Rule>) -> Result<Literal> {
        let mut literal = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::neg => {}
                Rule::percent_lit => {
                    literal = Some(Literal::Percent(self.percent_lit(&child, true)?))
                }
                Rule::decimal_lit => {
                    literal = Some(Literal::Decimal(self.decimal_lit(&child, true)?))
                }
                Rule::int_lit => literal = Some(Literal::Int(self.signed_digits(&child, true)?)),
                rule => unreachable!("{rule:?} in negative_number"),
            }
        }
        Ok(required(literal, "a number"))
    }

    /// `[-]N`
    fn signed_int(&self, pair: Pair<'_, Rule>) -> Result<i64> {
        let (mut negative, mut value) = (false, None);
        for child in parts(pair) {
            match child.as_rule() {
                Rule::neg => negative = true,
                Rule::int_lit => value = Some(self.signed_digits(&child, negative)?),
                rule => unreachable!("{rule:?} in signed_int"),
            }
        }
        Ok(required(value, "an integer"))
    }

    /// An unsigned integer literal.
    fn int_lit(&self, pair: &Pair<'_, Rule>) -> Result<i64> {
        self.signed_digits(pair, false)
    }

    /// Digits as an `i64`, negated first when `negative` (so the minimum fits).
    fn signed_digits(&self, pair: &Pair<'_, Rule>, negative: bool) -> Result<i64> {
        let digits = pair.as_str();
        let text = if negative {
            format!("-{digits}")
        } else {
            digits.to_string()
        };
        text.parse().map_err(|_| SyntaxError::InvalidLiteral {
            message: format!("integer `{text}` does not fit in 64 bits"),
            label: "too large".to_string(),
            span: self.span(pair),
            help: Some(format!("integers range from {} to {}", i64::MIN, i64::MAX)),
        })
    }

    /// `12.50`, keeping the written scale.
    fn decimal_lit(&self, pair: &Pair<'_, Rule>, negative: bool) -> Result<Decimal> {
        self.exact_decimal(pair, pair.as_str(), negative)
    }

    /// `10%`, `33.33%`: the number as written (at most two decimals).
    fn percent_lit(&self, pair: &Pair<'_, Rule>, negative: bool) -> Result<Decimal> {
        let text = pair.as_str();
        let number = text.trim_end_matches('%');
        let decimals = number
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        if decimals > 2 {
            return Err(SyntaxError::InvalidLiteral {
                message: format!("percentage `{text}` has more than two decimals"),
                label: "too precise".to_string(),
                span: self.span(pair),
                help: Some(
                    "a percentage has at most two digits after the point, as in `33.33%`"
                        .to_string(),
                ),
            });
        }
        self.exact_decimal(pair, number, negative)
    }

    /// A decimal number held exactly, or an error naming the literal.
    fn exact_decimal(
        &self,
        pair: &Pair<'_, Rule>,
        number: &str,
        negative: bool,
    ) -> Result<Decimal> {
        let text = if negative {
            format!("-{number}")
        } else {
            number.to_string()
        };
        Decimal::from_str_exact(&text).map_err(|_| SyntaxError::InvalidLiteral {
            message: format!("number `{}` cannot be held exactly", pair.as_str()),
            label: "too many digits".to_string(),
            span: self.span(pair),
            help: Some("a decimal holds at most 28 significant digits".to_string()),
        })
    }

    /// `30 days`
    fn duration_lit(&self, pair: &Pair<'_, Rule>) -> Result<Literal> {
        let text = pair.as_str();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(digits_end);
        let count: i64 = digits.parse().map_err(|_| SyntaxError::InvalidLiteral {
            message: format!("duration `{text}` is too long"),
            label: "too large".to_string(),
            span: self.span(pair),
            help: Some(format!("the count of a duration is at most {}", i64::MAX)),
        })?;
        let unit = match unit.trim_start_matches([' ', '\t']) {
            "day" | "days" => DurationUnit::Day,
            "week" | "weeks" => DurationUnit::Week,
            "month" | "months" => DurationUnit::Month,
            "year" | "years" => DurationUnit::Year,
            other => unreachable!("{other:?} in duration_lit"),
        };
        Ok(Literal::Duration(count, unit))
    }

    /// `YYYY-MM-DD`, which must exist.
    fn date_lit(&self, pair: &Pair<'_, Rule>) -> Result<NaiveDate> {
        let text = pair.as_str();
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            let (label, help) = date_problem(text);
            SyntaxError::InvalidLiteral {
                message: format!("`{text}` is not a valid date"),
                label: label.to_string(),
                span: self.span(pair),
                help: Some(help),
            }
        })
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fraction]]`, which must exist.
    fn datetime_lit(&self, pair: &Pair<'_, Rule>) -> Result<NaiveDateTime> {
        let text = pair.as_str();
        let format = if text.matches(':').count() == 2 {
            "%Y-%m-%dT%H:%M:%S%.f"
        } else {
            "%Y-%m-%dT%H:%M"
        };
        NaiveDateTime::parse_from_str(text, format).map_err(|_| {
            let date = text.split_once('T').map_or(text, |(date, _)| date);
            let (label, help) = match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(_) => (
                    "no such time",
                    "hours run from 00 to 23, minutes and seconds from 00 to 59".to_string(),
                ),
                Err(_) => date_problem(date),
            };
            SyntaxError::InvalidLiteral {
                message: format!("`{text}` is not a valid date and time"),
                label: label.to_string(),
                span: self.span(pair),
                help: Some(help),
            }
        })
    }

    /// A number directly followed by `-digit` that is not a date: always an error.
    fn bad_number(&self, pair: &Pair<'_, Rule>) -> SyntaxError {
        let text = pair.as_str();
        let help = match text.split_once('-') {
            Some((left, right)) if right.chars().all(|c| c.is_ascii_digit()) => format!(
                "write a date as `YYYY-MM-DD`; to subtract, put spaces around `-`: `{left} - {right}`"
            ),
            _ => "write a date as `YYYY-MM-DD` and a date and time as `YYYY-MM-DDTHH:MM[:SS]`"
                .to_string(),
        };
        SyntaxError::InvalidLiteral {
            message: format!("`{text}` is not a valid number or date"),
            label: "a number directly followed by `-`".to_string(),
            span: self.span(pair),
            help: Some(help),
        }
    }

    /// A string literal (any of `str_lit`, `label`, `test_name`), its escapes decoded.
    fn str_lit(&self, pair: &Pair<'_, Rule>) -> Result<StrLit> {
        let span = self.span(pair);
        let text = pair.as_str();
        let inner = &text[1..text.len() - 1];
        let value = unescape(inner).map_err(|bad| self.bad_escape(span, bad))?;
        Ok(StrLit { value, span })
    }

    /// The error for a bad escape at `bad.start..bad.end` inside the quotes of `literal`.
    fn bad_escape(&self, literal: Span, bad: BadEscape) -> SyntaxError {
        let start = literal.start as usize + 1 + bad.start;
        let span = Span::new(self.file, start, start + bad.text.len());
        SyntaxError::InvalidLiteral {
            message: bad.message,
            label: "bad escape".to_string(),
            span,
            help: Some(
                "the escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and `\\u{…}` with 1 to 6 hex \
                 digits naming a Unicode character"
                    .to_string(),
            ),
        }
    }
}

/// What is wrong with an escape, for the error.
struct BadEscape {
    /// Byte offset of the backslash inside the quotes.
    start: usize,
    /// The escape as written.
    text: String,
    /// The error message.
    message: String,
}

/// Decodes `\"`, `\\`, `\n`, `\r`, `\t` and `\u{…}` in the text between a string's quotes.
fn unescape(inner: &str) -> std::result::Result<String, BadEscape> {
    let mut value = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(backslash) = rest.find('\\') {
        value.push_str(&rest[..backslash]);
        let escape = &rest[backslash..];
        let (c, len) = escape_char(escape, inner.len() - escape.len())?;
        value.push(c);
        rest = &escape[len..];
    }
    value.push_str(rest);
    Ok(value)
}

/// The character of the escape at the start of `escape` (at byte `start`), and its length.
fn escape_char(escape: &str, start: usize) -> std::result::Result<(char, usize), BadEscape> {
    let c = match escape.chars().nth(1) {
        Some('"') => '"',
        Some('\\') => '\\',
        Some('n') => '\n',
        Some('r') => '\r',
        Some('t') => '\t',
        Some('u') => return unicode_escape(escape, start),
        other => {
            let text = other.map_or("\\".to_string(), |c| format!("\\{c}"));
            let message = format!("unknown escape `{text}` in a string");
            return Err(BadEscape {
                start,
                text,
                message,
            });
        }
    };
    Ok((c, 2))
}

/// The character of the `\u{…}` escape at the start of `escape`, and its length.
fn unicode_escape(escape: &str, start: usize) -> std::result::Result<(char, usize), BadEscape> {
    let Some(close) = escape.strip_prefix("\\u{").and_then(|hex| hex.find('}')) else {
        let text = escape.chars().take(3).collect::<String>();
        let message = "`\\u` must be followed by `{`, 1 to 6 hex digits and `}`".to_string();
        return Err(BadEscape {
            start,
            text,
            message,
        });
    };
    let len = close + 4;
    let text = escape[..len].to_string();
    let hex = &escape[3..len - 1];
    if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let message = format!("`{text}` must hold 1 to 6 hex digits");
        return Err(BadEscape {
            start,
            text,
            message,
        });
    }
    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
        Some(c) => Ok((c, len)),
        None => {
            let message = format!("`{text}` is not a Unicode character");
            Err(BadEscape {
                start,
                text,
                message,
            })
        }
    }
}

/// Why a `YYYY-MM-DD` text is not a date: a label and a help naming the month's length.
fn date_problem(text: &str) -> (&'static str, String) {
    let mut numbers = text
        .splitn(3, '-')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let (year, month) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    let first = i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, 1));
    let Some(first) = first else {
        return ("no such month", "months run from 01 to 12".to_string());
    };
    let next = first.checked_add_months(chrono::Months::new(1));
    let days = next.map_or(31, |next| next.signed_duration_since(first).num_days());
    (
        "no such day",
        format!(
            "{} {} has {days} days",
            month_name(first.month()),
            first.year()
        ),
    )
}

/// The English name of a month (1–12).
fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or("that month")
}
