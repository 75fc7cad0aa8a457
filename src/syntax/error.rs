//! Syntax stage: the errors of reading and parsing `.seg` files, and the translation of
//! pest's parse errors into them (human names for every grammar rule).

use miette::Diagnostic;
use pest::error::{ErrorVariant, InputLocation};
use thiserror::Error;

use super::parser::{Rule, trim_trivia_end};
use super::span::{FileId, Span};

/// An error found while reading or parsing a program's files.
///
/// Every variant's primary span (see [`SyntaxError::span`]) names the file to render it against.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum SyntaxError {
    /// The text does not follow the grammar at this point.
    #[error("expected {expected}")]
    #[diagnostic(code(seg::syntax::unexpected))]
    Unexpected {
        /// What the grammar allows here, in words (`a segment name after `segment``).
        expected: String,
        /// What stands there instead (`a string`, `` `priority` ``, `the end of the file`).
        found: String,
        /// The unexpected token (empty at the end of the file).
        #[label("found {found}")]
        span: Span,
        /// A hint, when one applies.
        #[help]
        help: Option<String>,
    },

    /// A literal that is well formed but has no value (`2026-02-30`, an integer over 64 bits).
    #[error("{message}")]
    #[diagnostic(code(seg::syntax::invalid_literal))]
    InvalidLiteral {
        /// What is wrong, quoting the literal.
        message: String,
        /// A short note at the literal.
        label: String,
        /// The literal, or the part of it that is wrong.
        #[label("{label}")]
        span: Span,
        /// How to write it instead, when that can be said.
        #[help]
        help: Option<String>,
    },

    /// A string literal without its closing quote on the same line.
    #[error("unterminated string")]
    #[diagnostic(
        code(seg::syntax::unterminated_string),
        help(
            "close the string with `\"` on the same line; write `\\n` for a line break inside it"
        )
    )]
    UnterminatedString {
        /// From the opening quote to the end of the line.
        #[label("this string is not closed")]
        span: Span,
    },

    /// A reserved word where a name was expected (`let and = 1`).
    #[error("`{word}` is a reserved word and cannot be a name")]
    #[diagnostic(
        code(seg::syntax::reserved_word),
        help(
            "choose another name; the reserved words are `and`, `or`, `not`, `in`, `is`, `null`, \
             `true`, `false`, `if`, `then`, `else`, `between`, `where`, `when`, `otherwise` and `as_of`"
        )
    )]
    ReservedWord {
        /// The reserved word.
        word: String,
        /// Where it stands.
        #[label("a name is expected here")]
        span: Span,
    },

    /// A comparison applied to the result of another comparison (`a < b < c`).
    #[error("comparisons do not chain")]
    #[diagnostic(
        code(seg::syntax::chained_comparison),
        help("join the comparisons with `and`, as in `a < b and b < c`")
    )]
    ChainedComparison {
        /// The first comparison.
        #[label("this comparison")]
        first: Span,
        /// The operator that would compare its result again.
        #[label("is compared again here")]
        second: Span,
    },

    /// `not` or `if` used as the operand of an operator without parentheses.
    #[error("{what} must be in parentheses here")]
    #[diagnostic(code(seg::syntax::needs_parentheses))]
    NeedsParentheses {
        /// What must be parenthesised (`` `not` ``, `an `if` expression`).
        what: String,
        /// The keyword that starts it.
        #[label("needs parentheses")]
        span: Span,
        /// Why, with an example.
        #[help]
        help: String,
    },

    /// An expression nested too deeply to be read safely (a generated file, usually).
    #[error("this expression is too complex: {what}")]
    #[diagnostic(
        code(seg::syntax::too_complex),
        help("split it into several `let`s, each naming a part of it")
    )]
    TooComplex {
        /// What exceeds the limit (`more than 1000 brackets`).
        what: String,
        /// Where the limit is passed.
        #[label("the limit is passed here")]
        span: Span,
    },

    /// A file (the root or an import) that cannot be read.
    #[error("cannot read `{path}`")]
    #[diagnostic(code(seg::syntax::import_not_found))]
    ImportNotFound {
        /// The path as written in the import, or as given for the root file.
        path: String,
        /// The `import` path literal; none for the root file.
        #[label("imported here")]
        span: Option<Span>,
        /// Why it could not be read, and where it was looked for.
        #[help]
        reason: String,
    },

    /// Files that import each other in a circle.
    #[error("import cycle `{chain}`")]
    #[diagnostic(
        code(seg::syntax::import_cycle),
        help(
            "remove one of the imports in `{chain}`; a file may not import itself, directly or through others"
        )
    )]
    ImportCycle {
        /// The files of the cycle, `a.seg → b.seg → a.seg`.
        chain: String,
        /// The import that closes the cycle.
        #[label("this import closes the cycle")]
        span: Span,
    },
}

impl SyntaxError {
    /// The primary span: its `file` tells which source the error is rendered against.
    ///
    /// `None` only for a root file that could not be read.
    pub fn span(&self) -> Option<Span> {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::InvalidLiteral { span, .. }
            | SyntaxError::UnterminatedString { span }
            | SyntaxError::ReservedWord { span, .. }
            | SyntaxError::NeedsParentheses { span, .. }
            | SyntaxError::TooComplex { span, .. }
            | SyntaxError::ImportCycle { span, .. } => Some(*span),
            SyntaxError::ChainedComparison { second, .. } => Some(*second),
            SyntaxError::ImportNotFound { span, .. } => *span,
        }
    }
}

/// Turns pest's error (furthest position and the rules expected there) into a [`SyntaxError`].
pub(super) fn from_pest(err: &pest::error::Error<Rule>, file: FileId, text: &str) -> SyntaxError {
    let pos = match err.location {
        InputLocation::Pos(pos) | InputLocation::Span((pos, _)) => pos,
    };
    let positives: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let found = Token::at(text, pos);
    let (before, before_end) = Token::before(text, pos);
    let span = if found == Token::End {
        end_of_file_span(file, text, before_end)
    } else {
        Span::new(file, pos, pos + found.len())
    };
    if let Some(special) = special_case(&found, positives, span) {
        return special;
    }
    let expected = expected_phrase(positives, &before);
    let help = found_help(&found).or_else(|| positives.iter().find_map(|&rule| rule_help(rule)));
    SyntaxError::Unexpected {
        expected,
        found: found.describe(),
        span,
        help,
    }
}

/// Where to point at the end of the file: right after the last token, or at its last
/// character when nothing follows it (a label past the last character is not shown).
fn end_of_file_span(file: FileId, text: &str, last_token_end: usize) -> Span {
    if last_token_end < text.len() {
        return Span::new(file, last_token_end, last_token_end);
    }
    let last_char = text.chars().next_back().map_or(0, char::len_utf8);
    Span::new(file, text.len() - last_char, text.len())
}

/// Errors that say more than "expected X": open strings, reserved words, missing parentheses.
fn special_case(found: &Token<'_>, positives: &[Rule], span: Span) -> Option<SyntaxError> {
    let wants = |what: Wanted| positives.iter().any(|&rule| describe(rule).wanted == what);
    match *found {
        Token::String { closed: false, .. } => Some(SyntaxError::UnterminatedString { span }),
        Token::Word(word) if is_reserved(word) && wants(Wanted::Name) => {
            Some(SyntaxError::ReservedWord {
                word: word.to_string(),
                span,
            })
        }
        Token::Word("not") if wants(Wanted::Operand) => Some(SyntaxError::NeedsParentheses {
            what: "`not`".to_string(),
            span,
            help: "`not` applies to a whole comparison; write `a == (not b)`, or `not (a == b)`"
                .to_string(),
        }),
        Token::Word("if") if wants(Wanted::Operand) => Some(SyntaxError::NeedsParentheses {
            what: "an `if` expression".to_string(),
            span,
            help: "`if … then … else …` stands alone as a whole value; as an operand write \
                   `(if c then a else b)`"
                .to_string(),
        }),
        _ => None,
    }
}

/// "a segment name after `segment`", "`when` or `otherwise`", "an expression".
fn expected_phrase(positives: &[Rule], before: &Token<'_>) -> String {
    let continues = positives
        .iter()
        .any(|&rule| describe(rule).rank == Rank::Continuation);
    let mut names: Vec<Name> = positives
        .iter()
        .filter(|&&rule| !(continues && continues_operand(rule)))
        .map(|&rule| describe(rule))
        .collect();
    if names.iter().any(|name| name.rank != Rank::Optional) {
        names.retain(|name| name.rank != Rank::Optional);
    }
    names.sort_by_key(|name| name.rank);
    let mut texts: Vec<&str> = Vec::new();
    for name in &names {
        if !texts.contains(&name.text) {
            texts.push(name.text);
        }
    }
    texts.truncate(4);
    let mut phrase = join_or(&texts);
    if let Some(context) = before.context().filter(|_| !continues) {
        phrase.push_str(&format!(" after `{context}`"));
    }
    phrase
}

/// Tokens that, right after an operand, could only continue it (a call's `(`, a path's `.`,
/// `is null`): "an operator" already says so.
fn continues_operand(rule: Rule) -> bool {
    matches!(rule, Rule::lparen | Rule::dot | Rule::kw_is)
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(texts: &[&str]) -> String {
    match texts {
        [] => "something else".to_string(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A hint attached to an expected rule (what an item, clause or type may be).
fn rule_help(rule: Rule) -> Option<String> {
    let text = match rule {
        Rule::item => {
            "an item starts with `import`, `entity`, `events`, `param`, `let`, `segment`, \
             `segmentation`, `action`, `campaign`, `policy`, `metric` or `test`"
        }
        Rule::clause => {
            "a campaign clause is `audience`, `priority`, `window`, `holdout`, `budget`, `cap`, \
             `rank by`, `salt`, `do` or `variant`"
        }
        Rule::test_stmt => {
            "a test statement is `as_of`, `param`, `load`, `expect` or a record such as \
             `customer { customer_id: \"c1\" }`"
        }
        Rule::type_expr => {
            "the types are `int`, `decimal`, `float`, `bool`, `string`, `date`, `datetime` and \
             `enum(\"a\", \"b\")`, each optionally followed by `?`"
        }
        _ => return None,
    };
    Some(text.to_string())
}

/// A hint about the unexpected token itself.
fn found_help(found: &Token<'_>) -> Option<String> {
    match found {
        Token::Word("where") => Some(
            "`where` filters an aggregate and stands right after its first argument, as in \
             `count(orders where amount > 5)`"
                .to_string(),
        ),
        _ => None,
    }
}

/// Whether a word is one of the reserved words (`reserved` in `grammar/seg.pest`), which
/// are never names.
pub fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word)
}

/// Words that are never names.
const RESERVED: [&str; 16] = [
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
];

/// Words of the language after which "after `word`" helps the reader.
const KEYWORDS: [&str; 46] = [
    "import",
    "entity",
    "key",
    "events",
    "time",
    "param",
    "let",
    "segment",
    "segmentation",
    "action",
    "campaign",
    "policy",
    "max_campaigns",
    "metric",
    "test",
    "enum",
    "when",
    "audience",
    "priority",
    "window",
    "holdout",
    "budget",
    "cap",
    "rank",
    "by",
    "salt",
    "do",
    "variant",
    "as_of",
    "load",
    "expect",
    "gets",
    "nothing",
    "from",
    "with",
    "if",
    "then",
    "else",
    "where",
    "in",
    "between",
    "and",
    "or",
    "not",
    "is",
    "otherwise",
];

/// The symbols of two characters.
const TWO_CHAR_SYMBOLS: [&str; 5] = ["==", "!=", "<=", ">=", ".."];

/// Symbols after which "after `symbol`" helps the reader.
const OPERATORS: [&str; 13] = [
    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", ".", "..", ":",
];

/// What kind of thing a rule stands for, for the special cases.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// A name of some role.
    Name,
    /// The start of an operand.
    Operand,
    /// Anything else.
    Other,
}

/// How early a rule is listed among several expectations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// A token written as is: `}`, `when`.
    Token,
    /// A kind of thing: a name, an expression, a type.
    Thing,
    /// Optional and never alone (a label): dropped when anything else is expected.
    Optional,
    /// Something that could have continued what came before (an operator).
    Continuation,
    /// Something that starts afresh (an item, the end of the file).
    Fresh,
}

/// The human name of a rule.
struct Name {
    /// The words shown (`a segment name`, `` `when` ``).
    text: &'static str,
    /// Where it goes in a list.
    rank: Rank,
    /// What kind of thing it is.
    wanted: Wanted,
}

/// Gives every grammar rule a human name (exhaustive: a new rule must be named here).
fn describe(rule: Rule) -> Name {
    use Rank::{Continuation, Fresh, Optional, Thing, Token as Tok};
    use Wanted::{Name as N, Operand as Op, Other as O};
    let (text, rank, wanted) = match rule {
        Rule::EOI => ("the end of the file", Optional, O),
        Rule::WHITESPACE | Rule::COMMENT => ("a space or a comment", Thing, O),
        Rule::word_char => ("a letter, digit or `_`", Thing, O),
        Rule::reserved => ("a reserved word", Thing, O),
        Rule::name_body => ("a name", Thing, N),
        Rule::duration_unit => ("`days`, `weeks`, `months` or `years`", Tok, O),
        Rule::string_body => ("a string", Thing, O),
        Rule::name => ("a name", Thing, N),
        Rule::entity_name => ("an entity name", Thing, N),
        Rule::events_name => ("an events stream name", Thing, N),
        Rule::field_name => ("a field name", Thing, N),
        Rule::param_name => ("a parameter name", Thing, N),
        Rule::let_name => ("a name", Thing, N),
        Rule::segment_name => ("a segment name", Thing, N),
        Rule::segmentation_name => ("a segmentation name", Thing, N),
        Rule::action_name => ("an action name", Thing, N),
        Rule::campaign_name => ("a campaign name", Thing, N),
        Rule::metric_name => ("a metric name", Thing, N),
        Rule::variant_name => ("a variant name", Thing, N),
        Rule::record_name => ("an entity or events name", Thing, N),
        Rule::kw_import => ("`import`", Tok, O),
        Rule::kw_entity => ("`entity`", Tok, O),
        Rule::kw_key => ("`key`", Tok, O),
        Rule::kw_events => ("`events`", Tok, O),
        Rule::kw_time => ("`time`", Tok, O),
        Rule::kw_param => ("`param`", Tok, O),
        Rule::kw_let => ("`let`", Tok, O),
        Rule::kw_segment => ("`segment`", Tok, O),
        Rule::kw_segmentation => ("`segmentation`", Tok, O),
        Rule::kw_action => ("`action`", Tok, O),
        Rule::kw_campaign => ("`campaign`", Tok, O),
        Rule::kw_policy => ("`policy`", Tok, O),
        Rule::kw_max_campaigns => ("`max_campaigns`", Tok, O),
        Rule::kw_metric => ("`metric`", Tok, O),
        Rule::kw_test => ("`test`", Tok, O),
        Rule::kw_enum => ("`enum`", Tok, O),
        Rule::kw_when => ("`when`", Tok, O),
        Rule::kw_audience => ("`audience`", Tok, O),
        Rule::kw_priority => ("`priority`", Tok, O),
        Rule::kw_window => ("`window`", Tok, O),
        Rule::kw_holdout => ("`holdout`", Tok, O),
        Rule::kw_budget => ("`budget`", Tok, O),
        Rule::kw_cap => ("`cap`", Tok, O),
        Rule::kw_rank => ("`rank`", Tok, O),
        Rule::kw_by => ("`by`", Tok, O),
        Rule::kw_salt => ("`salt`", Tok, O),
        Rule::kw_do => ("`do`", Tok, O),
        Rule::kw_variant => ("`variant`", Tok, O),
        Rule::kw_as_of => ("`as_of`", Tok, O),
        Rule::kw_load => ("`load`", Tok, O),
        Rule::kw_expect => ("`expect`", Tok, O),
        Rule::kw_gets => ("`gets`", Tok, O),
        Rule::kw_nothing => ("`nothing`", Tok, O),
        Rule::kw_from => ("`from`", Tok, O),
        Rule::kw_with => ("`with`", Tok, O),
        Rule::kw_share => ("`share`", Tok, O),
        Rule::kw_count => ("`count`", Tok, O),
        Rule::kw_overlap => ("`overlap`", Tok, O),
        Rule::kw_exhaustive => ("`exhaustive`", Tok, O),
        Rule::kw_if => ("`if`", Tok, O),
        Rule::kw_then => ("`then`", Tok, O),
        Rule::kw_else => ("`else`", Tok, O),
        Rule::kw_where => ("`where`", Continuation, O),
        Rule::kw_in => ("`in`", Tok, O),
        Rule::kw_between => ("`between`", Tok, O),
        Rule::kw_and => ("`and`", Tok, O),
        Rule::kw_is => ("`is`", Tok, O),
        Rule::kw_null => ("`null`", Tok, O),
        Rule::lbrace => ("`{`", Tok, O),
        Rule::rbrace => ("`}`", Tok, O),
        Rule::lparen => ("`(`", Tok, O),
        Rule::rparen => ("`)`", Tok, O),
        Rule::lbracket => ("`[`", Tok, O),
        Rule::rbracket => ("`]`", Tok, O),
        Rule::comma => ("`,`", Tok, O),
        Rule::colon => ("`:`", Tok, O),
        Rule::equals => ("`=`", Tok, O),
        Rule::dot => ("`.`", Tok, O),
        Rule::range => ("`..`", Tok, O),
        Rule::literal | Rule::signed_literal => ("a literal value", Thing, O),
        Rule::negative_number | Rule::decimal_lit | Rule::int_lit => ("a number", Thing, O),
        Rule::signed_int => ("an integer", Thing, O),
        Rule::datetime_lit => ("a date and time", Thing, O),
        Rule::date_lit => ("a date such as `2026-06-30`", Thing, O),
        Rule::bad_number => ("a number", Thing, O),
        Rule::duration_lit => ("a duration", Thing, O),
        Rule::percent_lit => ("a percentage such as `10%`", Thing, O),
        Rule::str_lit => ("a string", Thing, O),
        Rule::label => ("a label", Optional, O),
        Rule::test_name => ("a test name in quotes", Thing, O),
        Rule::bool_lit => ("`true` or `false`", Thing, O),
        Rule::null_lit => ("`null`", Thing, O),
        Rule::type_expr | Rule::prim_type | Rule::enum_type => ("a type", Thing, O),
        Rule::nullable => ("`?`", Optional, O),
        Rule::expr
        | Rule::comparison
        | Rule::additive
        | Rule::if_expr
        | Rule::logic
        | Rule::bound
        | Rule::not_op
        | Rule::neg
        | Rule::operand
        | Rule::call
        | Rule::path
        | Rule::paren
        | Rule::as_of_ref => ("an expression", Thing, Op),
        Rule::filter => ("`where`", Continuation, O),
        Rule::logic_op
        | Rule::compare_op
        | Rule::arith_op
        | Rule::or_op
        | Rule::and_op
        | Rule::eq
        | Rule::ne
        | Rule::le
        | Rule::ge
        | Rule::lt
        | Rule::gt
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::in_tail
        | Rule::between_tail
        | Rule::is_null_tail => ("an operator", Continuation, O),
        Rule::negated => ("`not`", Continuation, O),
        Rule::module | Rule::item => ("an item", Fresh, O),
        Rule::import_decl => ("`import`", Tok, O),
        Rule::entity_decl => ("`entity`", Tok, O),
        Rule::events_decl => ("`events`", Tok, O),
        Rule::action_decl => ("`action`", Tok, O),
        Rule::field_block | Rule::record_fields => ("`{`", Tok, O),
        Rule::field_decl => ("a field declaration", Thing, O),
        Rule::param_decl => ("`param`", Tok, O),
        Rule::let_decl => ("`let`", Tok, O),
        Rule::segment_decl | Rule::segment_rule => ("`segment`", Tok, O),
        Rule::segmentation_decl => ("`segmentation`", Tok, O),
        Rule::otherwise => ("`otherwise`", Tok, O),
        Rule::policy_decl => ("`policy`", Tok, O),
        Rule::metric_decl => ("`metric`", Tok, O),
        Rule::campaign_decl => ("`campaign`", Tok, O),
        Rule::clause => ("a campaign clause", Thing, O),
        Rule::audience_clause => ("`audience`", Tok, O),
        Rule::priority_clause => ("`priority`", Tok, O),
        Rule::window_clause => ("`window`", Tok, O),
        Rule::holdout_clause => ("`holdout`", Tok, O),
        Rule::budget_clause => ("`budget`", Tok, O),
        Rule::cap_clause => ("`cap`", Tok, O),
        Rule::rank_clause => ("`rank by`", Tok, O),
        Rule::rank_key => ("an expression", Thing, Op),
        Rule::direction => ("`asc` or `desc`", Continuation, O),
        Rule::salt_clause => ("`salt`", Tok, O),
        Rule::do_stmt => ("`do`", Tok, O),
        Rule::named_arg => ("a payload field", Thing, O),
        Rule::variant_decl => ("`variant`", Tok, O),
        Rule::test_decl => ("`test`", Tok, O),
        Rule::test_stmt => ("a test statement", Thing, O),
        Rule::as_of_stmt => ("`as_of`", Tok, O),
        Rule::param_stmt => ("`param`", Tok, O),
        Rule::load_stmt => ("`load`", Tok, O),
        Rule::record_stmt => ("a test record", Thing, O),
        Rule::record_field => ("a record field", Thing, O),
        Rule::expect_stmt => ("`expect`", Tok, O),
        Rule::expect_in => ("`in`", Tok, O),
        Rule::expect_compare | Rule::expect_null => ("`.`", Tok, O),
        Rule::expect_nothing | Rule::expect_gets => ("`gets`", Tok, O),
        Rule::gets_from => ("`from`", Tok, O),
        Rule::with_fields => ("`with`", Tok, O),
        Rule::expect_dataset => ("a data-set expectation", Thing, O),
        Rule::expect_share => ("`share`", Tok, O),
        Rule::expect_count => ("`count`", Tok, O),
        Rule::expect_overlap => ("`overlap`", Tok, O),
        Rule::expect_exhaustive => ("`exhaustive`", Tok, O),
        Rule::group_ref => ("a segment or campaign", Thing, O),
        Rule::expect_bound => ("`between` or a comparison", Thing, O),
    };
    Name { text, rank, wanted }
}

/// A token of source text, as far as error messages need to know it.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    /// No text left.
    End,
    /// A run of letters, digits and `_` (also numbers).
    Word(&'a str),
    /// A string literal, up to its closing quote or the end of its line.
    String {
        /// The literal as written.
        text: &'a str,
        /// Whether its closing quote is on the same line.
        closed: bool,
    },
    /// Any other character, or a two-character operator.
    Symbol(&'a str),
}

impl<'a> Token<'a> {
    /// The token starting at byte `pos`.
    fn at(text: &'a str, pos: usize) -> Token<'a> {
        let rest = text.get(pos..).unwrap_or("");
        let Some(first) = rest.chars().next() else {
            return Token::End;
        };
        if first == '"' {
            return string_token(rest);
        }
        let word_len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        if word_len > 0 {
            return Token::Word(&rest[..word_len]);
        }
        Token::Symbol(symbol_prefix(rest, first))
    }

    /// The last token before byte `pos` (skipping whitespace and comments) and where it ends.
    fn before(text: &'a str, pos: usize) -> (Token<'a>, usize) {
        let code = trim_trivia_end(text.get(..pos).unwrap_or(""));
        match code.chars().next_back() {
            Some(last) => (last_token(code, last), code.len()),
            None => (Token::End, 0),
        }
    }

    /// Its length in bytes.
    fn len(&self) -> usize {
        match self {
            Token::End => 0,
            Token::Word(text) | Token::String { text, .. } | Token::Symbol(text) => text.len(),
        }
    }

    /// How a message names it: `` `priority` ``, `a string`, `the end of the file`.
    fn describe(&self) -> String {
        match self {
            Token::End => "the end of the file".to_string(),
            Token::String { .. } => "a string".to_string(),
            Token::Word(text) | Token::Symbol(text) => format!("`{text}`"),
        }
    }

    /// The keyword or operator worth naming in "after `…`", if this is one.
    fn context(&self) -> Option<&'a str> {
        match *self {
            Token::Word(word) if KEYWORDS.contains(&word) => Some(word),
            Token::Symbol(symbol) if OPERATORS.contains(&symbol) => Some(symbol),
            _ => None,
        }
    }
}

/// Whether a character may be part of a word.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The string literal at the start of `rest` (which starts with `"`).
fn string_token(rest: &str) -> Token<'_> {
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut escaped = false;
    for (i, c) in rest[..line_end].char_indices().skip(1) {
        match c {
            '"' if !escaped => {
                return Token::String {
                    text: &rest[..=i],
                    closed: true,
                };
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    Token::String {
        text: &rest[..line_end],
        closed: false,
    }
}

/// A two-character operator at the start of `rest`, or its first character.
fn symbol_prefix(rest: &str, first: char) -> &str {
    match TWO_CHAR_SYMBOLS
        .iter()
        .find(|pair| rest.starts_with(**pair))
    {
        Some(pair) => &rest[..pair.len()],
        None => &rest[..first.len_utf8()],
    }
}

/// The last token of a line of code that ends with `last`.
fn last_token(code: &str, last: char) -> Token<'_> {
    if is_word_char(last) {
        let start = code.rfind(|c: char| !is_word_char(c)).map_or(0, |i| i + 1);
        return Token::Word(&code[start..]);
    }
    if last == '"' {
        return Token::String {
            text: "\"",
            closed: true,
        };
    }
    match TWO_CHAR_SYMBOLS.iter().find(|pair| code.ends_with(**pair)) {
        Some(pair) => Token::Symbol(&code[code.len() - pair.len()..]),
        None => Token::Symbol(&code[code.len() - last.len_utf8()..]),
    }
}
