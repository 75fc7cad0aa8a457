//! Syntax stage: the abstract syntax tree of one `.seg` file, with a [`Span`] on every node.
//!
//! Names are not resolved here; the check stage turns this tree into typed HIR.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

pub use super::span::{FileId, Span};

/// One parsed source file: its items in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// The file these items come from.
    pub file: FileId,
    /// Top-level items, in source order.
    pub items: Vec<Item>,
}

/// A name as written, with its position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The identifier text (ASCII).
    pub name: String,
    /// Where it stands.
    pub span: Span,
}

/// A string literal as written (escapes already decoded), with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// The decoded text.
    pub value: String,
    /// Where the literal (quotes included) stands.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `import "file.seg"`
    Import(Import),
    /// `entity NAME key FIELD { ... }`
    Entity(RecordDecl),
    /// `events NAME [time FIELD] { ... }`
    Events(RecordDecl),
    /// `param NAME: TYPE = LITERAL`
    Param(ParamDecl),
    /// `let NAME = EXPR`
    Let(LetDecl),
    /// `segment NAME ["label"] when EXPR`
    Segment(SegmentDecl),
    /// `segmentation NAME ["label"] { segment ... }`
    Segmentation(SegmentationDecl),
    /// `action NAME { field: type ... }`
    Action(ActionDecl),
    /// `campaign NAME ["label"] { clauses }`
    Campaign(CampaignDecl),
    /// `policy { max_campaigns N }`
    Policy(PolicyDecl),
    /// `metric NAME ["label"] = EXPR`
    Metric(MetricDecl),
    /// `test "name" { statements }`
    Test(TestDecl),
}

impl Item {
    /// Where the item stands.
    pub fn span(&self) -> Span {
        match self {
            Item::Import(import) => import.span,
            Item::Entity(record) | Item::Events(record) => record.span,
            Item::Param(param) => param.span,
            Item::Let(decl) => decl.span,
            Item::Segment(segment) => segment.span,
            Item::Segmentation(segmentation) => segmentation.span,
            Item::Action(action) => action.span,
            Item::Campaign(campaign) => campaign.span,
            Item::Policy(policy) => policy.span,
            Item::Metric(metric) => metric.span,
            Item::Test(test) => test.span,
        }
    }
}

/// `import "path"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The path as written, relative to the importing file.
    pub path: StrLit,
    /// The whole item.
    pub span: Span,
}

/// Whether a record declaration is the entity or an events stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `entity NAME key FIELD`
    Entity,
    /// `events NAME [time FIELD]`
    Events,
}

/// An `entity` or `events` block: a name, its key or time field, and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDecl {
    /// Entity or events.
    pub kind: RecordKind,
    /// The entity's or stream's name.
    pub name: Ident,
    /// For an entity, the `key` field (always present); for events, the `time` field.
    pub key_or_time: Option<Ident>,
    /// Declared fields, in order.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `name: type` inside an entity, events or action block.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The field name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// A written type: a base type and an optional `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The type without nullability.
    pub base: BaseType,
    /// Whether `?` follows.
    pub nullable: bool,
    /// The whole type expression.
    pub span: Span,
}

/// The base types of the language.
#[derive(Debug, Clone, PartialEq)]
pub enum BaseType {
    /// `int`
    Int,
    /// `decimal`
    Decimal,
    /// `float`
    Float,
    /// `bool`
    Bool,
    /// `string`
    String,
    /// `date`
    Date,
    /// `datetime`
    DateTime,
    /// `enum("a", "b", ...)`
    Enum(Vec<StrLit>),
}

/// `param NAME: TYPE = LITERAL`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// The parameter's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// The default, a (signed) literal.
    pub default: Literal,
    /// The whole item.
    pub span: Span,
}

/// `let NAME = EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    /// The value's name.
    pub name: Ident,
    /// Its definition.
    pub value: Expr,
    /// The whole item.
    pub span: Span,
}

/// `segment NAME ["label"] when EXPR` (standalone).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDecl {
    /// The segment's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// The membership condition.
    pub condition: Expr,
    /// The whole item.
    pub span: Span,
}

/// `segmentation NAME ["label"] { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationDecl {
    /// The segmentation's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// Its segments, in order (first match wins).
    pub segments: Vec<SegmentRule>,
    /// The whole item.
    pub span: Span,
}

/// One `segment NAME ["label"] (when EXPR | otherwise)` inside a segmentation.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRule {
    /// The segment's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// `when EXPR` or `otherwise`.
    pub condition: SegmentCondition,
    /// The whole rule.
    pub span: Span,
}

/// The condition of a segment inside a segmentation.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentCondition {
    /// `when EXPR`
    When(Expr),
    /// `otherwise` (its span is the keyword's)
    Otherwise(Span),
}

/// `action NAME { field: type ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDecl {
    /// The action's name.
    pub name: Ident,
    /// Payload fields, in declared order.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `campaign NAME ["label"] { clauses }`.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDecl {
    /// The campaign's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// Clauses in source order (the check stage enforces "each once").
    pub clauses: Vec<CampaignClause>,
    /// The whole item.
    pub span: Span,
}

/// One clause of a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignClause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// The clauses a campaign may hold.
#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    /// `audience EXPR`
    Audience(Expr),
    /// `priority INT` (signed)
    Priority(i64),
    /// `window DATE .. DATE`
    Window(NaiveDate, NaiveDate),
    /// `holdout N%` (the percent as written, e.g. `10` for `10%`)
    Holdout(Decimal),
    /// `budget NUMBER`
    Budget(Decimal),
    /// `cap INT`
    Cap(i64),
    /// `rank by EXPR [asc|desc], ...`
    RankBy(Vec<RankKey>),
    /// `salt "text"`
    Salt(String),
    /// `do ACTION(...) [when EXPR]`
    Do(DoStmt),
    /// `variant NAME ["label"] N% { do ... }`
    Variant(VariantDecl),
}

/// One `rank by` key.
#[derive(Debug, Clone, PartialEq)]
pub struct RankKey {
    /// The value to sort by.
    pub expr: Expr,
    /// `desc` given (default ascending).
    pub descending: bool,
    /// Whether `asc` or `desc` was written out (for the formatter).
    pub explicit_direction: bool,
}

/// `do ACTION(field: EXPR, ...) [when EXPR]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DoStmt {
    /// The action emitted.
    pub action: Ident,
    /// Payload values by field name, in written order.
    pub args: Vec<NamedArg>,
    /// Optional condition.
    pub when: Option<Expr>,
    /// The whole statement.
    pub span: Span,
}

/// `name: EXPR` in a `do` payload.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArg {
    /// The payload field.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
}

/// `variant NAME ["label"] N% { do ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantDecl {
    /// The variant's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// The weight as written (`50` for `50%`).
    pub weight: Decimal,
    /// Where the weight stands.
    pub weight_span: Span,
    /// Its `do` statements (may be empty).
    pub actions: Vec<DoStmt>,
}

/// `policy { max_campaigns N }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDecl {
    /// The most campaigns one entity may be accepted into.
    pub max_campaigns: i64,
    /// Where the number stands.
    pub max_span: Span,
    /// The whole item.
    pub span: Span,
}

/// `metric NAME ["label"] = EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDecl {
    /// The metric's name.
    pub name: Ident,
    /// Optional display label.
    pub label: Option<StrLit>,
    /// The aggregate expression.
    pub value: Expr,
    /// The whole item.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it stands (parentheses included when written).
    pub span: Span,
}

/// The expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A bare name (`recency`, `as_of`, `vip`, `lifecycle`).
    Name(Ident),
    /// `a.b`: a segmentation's segment, or an events stream's field.
    Path(Ident, Ident),
    /// `f(args)` or an aggregate `f(E.x where p)`.
    Call {
        /// The function name.
        func: Ident,
        /// Positional arguments.
        args: Vec<Expr>,
        /// `where` filter after the first argument, for aggregates.
        filter: Option<Box<Expr>>,
    },
    /// `-x` or `not x`.
    Unary {
        /// Which operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a OP b` for arithmetic, logic and comparison operators.
    Binary {
        /// Which operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x [not] in [a, b, ...]`
    In {
        /// The tested value.
        operand: Box<Expr>,
        /// The list items.
        list: Vec<Expr>,
        /// `not in`.
        negated: bool,
    },
    /// `x [not] between a and b` (inclusive)
    Between {
        /// The tested value.
        operand: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `not between`.
        negated: bool,
    },
    /// `x is [not] null`
    IsNull {
        /// The tested value.
        operand: Box<Expr>,
        /// `is not null`.
        negated: bool,
    },
    /// `if c then a else b`
    If {
        /// The condition.
        cond: Box<Expr>,
        /// Value when the condition holds.
        then: Box<Expr>,
        /// Value otherwise (also when the condition is null).
        otherwise: Box<Expr>,
    },
    /// `( e )`, kept so the formatter can write the parentheses back.
    Paren(Box<Expr>),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x`
    Not,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Whether this is one of the six comparison operators.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    /// The comparison with its operands swapped: `a OP b` is `b OP.flipped() a`
    /// (`90 >= x` is `x <= 90`); other operators are their own.
    pub fn flipped(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::Le => BinaryOp::Ge,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::Ge => BinaryOp::Le,
            other => other,
        }
    }
}

/// Calendar or fixed units of a duration literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `day` / `days`
    Day,
    /// `week` / `weeks`
    Week,
    /// `month` / `months`
    Month,
    /// `year` / `years`
    Year,
}

/// Literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `42` (a leading `-` folded in where a signed literal is allowed)
    Int(i64),
    /// `12.50` (exact; the written scale is kept)
    Decimal(Decimal),
    /// `"text"`
    String(String),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// `2026-06-30`
    Date(NaiveDate),
    /// `2026-06-30T09:30:00`
    DateTime(NaiveDateTime),
    /// `30 days`
    Duration(i64, DurationUnit),
    /// `10%`: the number as written (`10`), meaning the decimal 10/100.
    Percent(Decimal),
}

/// `test "name" { statements }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TestDecl {
    /// The test's name.
    pub name: StrLit,
    /// Its statements, in order.
    pub statements: Vec<TestStmt>,
    /// The whole item.
    pub span: Span,
}

/// One statement of a test block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestStmt {
    /// What the statement says.
    pub kind: TestStmtKind,
    /// The whole statement.
    pub span: Span,
}

/// Test statements.
#[derive(Debug, Clone, PartialEq)]
pub enum TestStmtKind {
    /// `as_of DATE`
    AsOf(NaiveDate),
    /// `param NAME = LITERAL`
    Param(Ident, Literal),
    /// `NAME { field: literal, ... }`: one entity or event record.
    Record(Ident, Vec<RecordField>),
    /// `load NAME "file"`
    Load(Ident, StrLit),
    /// `expect ...`
    Expect(Expectation),
}

/// `field: literal` in a test record or a `with { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordField {
    /// The field name.
    pub name: Ident,
    /// Its value (a signed literal).
    pub value: Literal,
    /// Where the value stands.
    pub value_span: Span,
}

/// A segment reference in a test: a standalone segment or `segmentation.segment` (in a
/// data-set expectation also a campaign or `campaign.variant`).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRef {
    /// The standalone segment, or the segmentation.
    pub first: Ident,
    /// The segment inside the segmentation, if any.
    pub second: Option<Ident>,
}

/// The forms of `expect`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// `expect K [not] in S`
    InSegment {
        /// The entity key, as a string literal.
        key: StrLit,
        /// The segment.
        segment: SegmentRef,
        /// `not in`.
        negated: bool,
    },
    /// `expect K.name OP literal`
    Compare {
        /// The entity key.
        key: StrLit,
        /// The value's name (field, let, segment...).
        name: Ident,
        /// A comparison operator.
        op: BinaryOp,
        /// The expected literal.
        value: Literal,
        /// Where the literal stands.
        value_span: Span,
    },
    /// `expect K.name is [not] null`
    IsNull {
        /// The entity key.
        key: StrLit,
        /// The value's name.
        name: Ident,
        /// `is not null`.
        negated: bool,
    },
    /// `expect K gets ACTION [from CAMPAIGN] [with { ... }]`
    Gets {
        /// The entity key.
        key: StrLit,
        /// The action expected.
        action: Ident,
        /// The campaign it must come from, if given.
        from: Option<Ident>,
        /// Payload fields to check (only these).
        with: Vec<RecordField>,
    },
    /// `expect K gets nothing [from CAMPAIGN]`
    GetsNothing {
        /// The entity key.
        key: StrLit,
        /// The campaign, if given.
        from: Option<Ident>,
    },
    /// An expectation over the test's whole data set (an extension of section 8).
    Dataset(DatasetExpectation),
}

/// Expectations over all the entities of a test (`docs/extensions.md`).
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetExpectation {
    /// `expect share(GROUP) BOUND`
    Share {
        /// The group.
        group: SegmentRef,
        /// The bound its share must meet (percents or fractions).
        bound: Bound,
    },
    /// `expect count(GROUP) BOUND`
    Count {
        /// The group.
        group: SegmentRef,
        /// The bound its size must meet.
        bound: Bound,
    },
    /// `expect overlap(GROUP, GROUP) BOUND`
    Overlap {
        /// The first group.
        first: SegmentRef,
        /// The second group.
        second: SegmentRef,
        /// The bound the number of entities in both must meet.
        bound: Bound,
    },
    /// `expect SEGMENTATION exhaustive`
    Exhaustive {
        /// The segmentation that must assign every entity.
        segmentation: Ident,
    },
}

/// The bound of a data-set expectation.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// `between LOW and HIGH` (inclusive)
    Between {
        /// The lower bound.
        low: Literal,
        /// The upper bound.
        high: Literal,
        /// Where the bound stands.
        span: Span,
    },
    /// `OP VALUE`
    Compare {
        /// A comparison operator.
        op: BinaryOp,
        /// The value compared with.
        value: Literal,
        /// Where the bound stands.
        span: Span,
    },
}
