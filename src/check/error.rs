//! Check stage: the errors name resolution and type checking report.
//!
//! Every variant has a stable code (`seg::check::...`), a labelled span and a help line.

use miette::Diagnostic;
use thiserror::Error;

use crate::syntax::Span;

/// A problem found while resolving names and checking types.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum CheckError {
    /// A name that is not declared anywhere.
    #[error("unknown name `{name}`")]
    #[diagnostic(code(seg::check::unknown_name), help("{help}"))]
    UnknownName {
        /// The name as written.
        name: String,
        /// Where it stands.
        #[label("{label}")]
        span: Span,
        /// What the name is not (depends on where it stands).
        label: String,
        /// A suggestion or what names may be used.
        help: String,
    },

    /// `stream.field` or an event field that the stream does not declare.
    #[error("`{record}` has no field `{field}`")]
    #[diagnostic(code(seg::check::unknown_field), help("{help}"))]
    UnknownField {
        /// The entity, stream or action.
        record: String,
        /// The field as written.
        field: String,
        /// Where it stands.
        #[label("unknown field")]
        span: Span,
        /// A suggestion or the declared fields.
        help: String,
    },

    /// `segmentation.segment` where the segment is not in that segmentation.
    #[error("segmentation `{segmentation}` has no segment `{segment}`")]
    #[diagnostic(code(seg::check::unknown_segment), help("{help}"))]
    UnknownSegment {
        /// The segmentation.
        segmentation: String,
        /// The segment as written.
        segment: String,
        /// Where it stands.
        #[label("unknown segment")]
        span: Span,
        /// A suggestion or the declared segments.
        help: String,
    },

    /// A `do` naming an action that is not declared.
    #[error("unknown action `{name}`")]
    #[diagnostic(code(seg::check::unknown_action), help("{help}"))]
    UnknownAction {
        /// The action as written.
        name: String,
        /// Where it stands.
        #[label("no `action {name}` is declared")]
        span: Span,
        /// A suggestion or the declared actions.
        help: String,
    },

    /// A call to a function the language does not have.
    #[error("unknown function `{name}`")]
    #[diagnostic(code(seg::check::unknown_function), help("{help}"))]
    UnknownFunction {
        /// The function as written.
        name: String,
        /// Where it stands.
        #[label("not a function of the language")]
        span: Span,
        /// A suggestion.
        help: String,
    },

    /// A value of the wrong type.
    #[error("type mismatch: {context} expects {expected}, found {found}")]
    #[diagnostic(code(seg::check::type_mismatch), help("{help}"))]
    TypeMismatch {
        /// Where the value is used (e.g. "`+`", "the payload field `value`").
        context: String,
        /// What was expected.
        expected: String,
        /// The type found.
        found: String,
        /// Where the value stands.
        #[label("this is {found}")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// A condition that is not a bool.
    #[error("{context} must be a bool, found {found}")]
    #[diagnostic(
        code(seg::check::not_bool),
        help("write a comparison such as `x > 0`, or a bool field, let or segment")
    )]
    NotBool {
        /// Which condition (e.g. "a `when` condition").
        context: String,
        /// The type found.
        found: String,
        /// Where it stands.
        #[label("this is {found}")]
        span: Span,
    },

    /// A value that may be null where null is not allowed.
    #[error("{context} cannot be null, but this value may be null ({found})")]
    #[diagnostic(code(seg::check::nullable_value), help("{help}"))]
    NullableValue {
        /// Where the value is used.
        context: String,
        /// The nullable type found.
        found: String,
        /// Where it stands.
        #[label("may be null")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// An aggregate whose first argument is not an events stream.
    #[error("`{func}` aggregates an events stream, but `{name}` is not one")]
    #[diagnostic(code(seg::check::not_a_stream), help("{help}"))]
    NotAStream {
        /// The aggregate function.
        func: String,
        /// What was written instead.
        name: String,
        /// Where it stands.
        #[label("not an `events` stream")]
        span: Span,
        /// The streams declared.
        help: String,
    },

    /// `first`/`last` on a stream without a time field.
    #[error("`{func}` needs a time order, but events `{stream}` has no `time` field")]
    #[diagnostic(
        code(seg::check::no_time_field),
        help(
            "declare the stream as `events {stream} time FIELD {{ ... }}` with a date or datetime field"
        )
    )]
    NoTimeField {
        /// `first` or `last`.
        func: String,
        /// The stream.
        stream: String,
        /// Where the call stands.
        #[label("needs `time`")]
        span: Span,
    },

    /// An events stream without the entity's key field.
    #[error("events `{stream}` lacks the entity key `{key}: {key_type}`")]
    #[diagnostic(
        code(seg::check::missing_entity_key),
        help(
            "every events stream must hold the entity key with the same name and type, e.g. `{key}: {key_type}`"
        )
    )]
    MissingEntityKey {
        /// The stream.
        stream: String,
        /// The entity's key field.
        key: String,
        /// Its type.
        key_type: String,
        /// The stream's declaration.
        #[label("no field `{key}: {key_type}` here")]
        span: Span,
    },

    /// A string literal that is not one of an enum's values.
    #[error("`\"{value}\"` is not a value of {enum_type}")]
    #[diagnostic(code(seg::check::enum_value), help("{help}"))]
    EnumValue {
        /// The literal.
        value: String,
        /// The enum type.
        enum_type: String,
        /// Where the literal stands.
        #[label("not in the enum")]
        span: Span,
        /// A suggestion or the allowed values.
        help: String,
    },

    /// A `do` that omits a non-nullable payload field.
    #[error("`do {action}` is missing the payload field `{field}`")]
    #[diagnostic(
        code(seg::check::missing_payload_field),
        help("add `{field}: ...` ({field_type}); only nullable fields may be left out")
    )]
    MissingPayloadField {
        /// The action.
        action: String,
        /// The missing field.
        field: String,
        /// Its type.
        field_type: String,
        /// The `do` statement.
        #[label("`{field}` not given")]
        span: Span,
    },

    /// A test record without a non-nullable field.
    #[error("the `{record}` record is missing the field `{field}`")]
    #[diagnostic(
        code(seg::check::missing_record_field),
        help("add `{field}: ...` ({field_type}); only nullable fields may be left out")
    )]
    MissingRecordField {
        /// The entity or stream.
        record: String,
        /// The missing field.
        field: String,
        /// Its type.
        field_type: String,
        /// The record's name.
        #[label("`{field}` not given")]
        span: Span,
    },

    /// A `do` giving a field the action does not declare.
    #[error("action `{action}` has no payload field `{field}`")]
    #[diagnostic(code(seg::check::unknown_payload_field), help("{help}"))]
    UnknownPayloadField {
        /// The action.
        action: String,
        /// The field as written.
        field: String,
        /// Where it stands.
        #[label("unknown field")]
        span: Span,
        /// A suggestion or the declared fields.
        help: String,
    },

    /// A payload field given twice.
    #[error("payload field `{field}` is given twice")]
    #[diagnostic(
        code(seg::check::duplicate_payload_field),
        help("give each field once")
    )]
    DuplicatePayloadField {
        /// The field.
        field: String,
        /// The second occurrence.
        #[label("given again here")]
        span: Span,
    },

    /// Variant weights that do not add up to 100%.
    #[error("the variant weights of campaign `{campaign}` add up to {total}%, not 100%")]
    #[diagnostic(
        code(seg::check::variant_weights),
        help("adjust the weights so that they add up to exactly 100%")
    )]
    VariantWeights {
        /// The campaign.
        campaign: String,
        /// The sum written.
        total: String,
        /// The campaign name.
        #[label("weights add up to {total}%")]
        span: Span,
    },

    /// A percent outside [0%, 100%].
    #[error("{context} must be between 0% and 100%, found {value}%")]
    #[diagnostic(
        code(seg::check::percent_range),
        help("write a percent from 0% to 100%")
    )]
    PercentRange {
        /// What the percent is.
        context: String,
        /// The value written.
        value: String,
        /// Where it stands.
        #[label("out of range")]
        span: Span,
    },

    /// `budget` on a campaign whose actions have no `cost` field.
    #[error("campaign `{campaign}` has a budget, but none of its actions has a `cost` field")]
    #[diagnostic(
        code(seg::check::budget_without_cost),
        help(
            "add `cost: decimal` to an action the campaign uses, or use `cap` to limit the number of entities"
        )
    )]
    BudgetWithoutCost {
        /// The campaign.
        campaign: String,
        /// The budget clause.
        #[label("nothing to count against this budget")]
        span: Span,
    },

    /// `otherwise` before the last segment of a segmentation.
    #[error("`otherwise` must be the last segment of segmentation `{segmentation}`")]
    #[diagnostic(
        code(seg::check::otherwise_not_last),
        help(
            "move segment `{segment}` to the end: segments after `otherwise` can never be reached"
        )
    )]
    OtherwiseNotLast {
        /// The segmentation.
        segmentation: String,
        /// The `otherwise` segment.
        segment: String,
        /// The `otherwise` keyword.
        #[label("not last")]
        span: Span,
    },

    /// Two items (or fields, segments, variants) with the same name.
    #[error("`{name}` is defined twice")]
    #[diagnostic(code(seg::check::duplicate_name), help("{help}"))]
    DuplicateName {
        /// The name.
        name: String,
        /// The second definition.
        #[label("defined again here")]
        span: Span,
        /// The first definition, when in the same file.
        #[label("first defined here")]
        first: Option<Span>,
        /// How to fix it.
        help: String,
    },

    /// `let`s (and segments) that depend on each other in a cycle.
    #[error("`{name}` depends on itself: {cycle}")]
    #[diagnostic(
        code(seg::check::cyclic_definition),
        help("break the cycle: one of these values must be defined without the others")
    )]
    CyclicDefinition {
        /// The first name of the cycle.
        name: String,
        /// The cycle, `a → b → a`.
        cycle: String,
        /// The definition of `name`.
        #[label("part of a cycle")]
        span: Span,
    },

    /// Definitions that depend on population functions (or filtered aggregates) of each
    /// other so deeply that a run would need too many passes.
    #[error(
        "`{name}` needs {levels} levels of population functions and aggregates, more than {max}"
    )]
    #[diagnostic(
        code(seg::check::too_many_levels),
        help(
            "each level is one more pass over the events and all entities, keeping a column per entity; compute it from fewer nested population functions"
        )
    )]
    TooManyLevels {
        /// The first definition past the limit.
        name: String,
        /// The levels it needs.
        levels: usize,
        /// The limit.
        max: usize,
        /// Its definition.
        #[label("needs {levels} levels")]
        span: Span,
    },

    /// No entity, or more than one.
    #[error("{message}")]
    #[diagnostic(code(seg::check::entity_count), help("{help}"))]
    EntityCount {
        /// What is wrong.
        message: String,
        /// The second entity (or the program's start when there is none).
        #[label("here")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// An entity key that is not one of its fields.
    #[error("entity `{entity}` has no field `{key}` to be its key")]
    #[diagnostic(code(seg::check::unknown_key), help("{help}"))]
    UnknownKey {
        /// The entity.
        entity: String,
        /// The key as written.
        key: String,
        /// Where it stands.
        #[label("not a field of the entity")]
        span: Span,
        /// A suggestion or the fields.
        help: String,
    },

    /// A `time` field that is not a date or datetime.
    #[error(
        "the time field `{field}` of events `{stream}` must be a date or datetime, found {found}"
    )]
    #[diagnostic(code(seg::check::bad_time_field), help("{help}"))]
    BadTimeField {
        /// The stream.
        stream: String,
        /// The field.
        field: String,
        /// Its type, or "not declared".
        found: String,
        /// Where it stands.
        #[label("not a non-null date or datetime field")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// A campaign clause that may appear once, given twice; or `do` beside variants.
    #[error("{message}")]
    #[diagnostic(code(seg::check::bad_clause), help("{help}"))]
    BadClause {
        /// What is wrong.
        message: String,
        /// The offending clause.
        #[label("here")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// A campaign without `audience`.
    #[error("campaign `{campaign}` has no `audience`")]
    #[diagnostic(
        code(seg::check::missing_audience),
        help("add `audience CONDITION`, e.g. `audience lifecycle.churned and email_opt_in`")
    )]
    MissingAudience {
        /// The campaign.
        campaign: String,
        /// Its name.
        #[label("needs an `audience`")]
        span: Span,
    },

    /// A call with the wrong number of arguments.
    #[error("`{func}` takes {expected}, found {found}")]
    #[diagnostic(code(seg::check::argument_count), help("the call is `{signature}`"))]
    ArgumentCount {
        /// The function.
        func: String,
        /// How many it takes, in words.
        expected: String,
        /// How many were given.
        found: usize,
        /// Its signature.
        signature: String,
        /// The call.
        #[label("wrong number of arguments")]
        span: Span,
    },

    /// An argument that must be a constant (or in a range) and is not.
    #[error("{message}")]
    #[diagnostic(code(seg::check::invalid_argument), help("{help}"))]
    InvalidArgument {
        /// What is wrong.
        message: String,
        /// The argument.
        #[label("here")]
        span: Span,
        /// How to fix it.
        help: String,
    },

    /// A construct used where the language does not allow it (`where` outside aggregates,
    /// an aggregate in a metric's bare scope, `A.B` that is no path...).
    #[error("{message}")]
    #[diagnostic(code(seg::check::misplaced), help("{help}"))]
    Misplaced {
        /// What is wrong.
        message: String,
        /// Where it stands.
        #[label("not allowed here")]
        span: Span,
        /// What is allowed instead.
        help: String,
    },
}

impl CheckError {
    /// The primary span (its file is the one to render against).
    pub fn span(&self) -> Span {
        match self {
            CheckError::UnknownName { span, .. }
            | CheckError::UnknownField { span, .. }
            | CheckError::UnknownSegment { span, .. }
            | CheckError::UnknownAction { span, .. }
            | CheckError::UnknownFunction { span, .. }
            | CheckError::TypeMismatch { span, .. }
            | CheckError::NotBool { span, .. }
            | CheckError::NullableValue { span, .. }
            | CheckError::NotAStream { span, .. }
            | CheckError::NoTimeField { span, .. }
            | CheckError::MissingEntityKey { span, .. }
            | CheckError::EnumValue { span, .. }
            | CheckError::MissingPayloadField { span, .. }
            | CheckError::MissingRecordField { span, .. }
            | CheckError::UnknownPayloadField { span, .. }
            | CheckError::DuplicatePayloadField { span, .. }
            | CheckError::VariantWeights { span, .. }
            | CheckError::PercentRange { span, .. }
            | CheckError::BudgetWithoutCost { span, .. }
            | CheckError::OtherwiseNotLast { span, .. }
            | CheckError::DuplicateName { span, .. }
            | CheckError::CyclicDefinition { span, .. }
            | CheckError::TooManyLevels { span, .. }
            | CheckError::EntityCount { span, .. }
            | CheckError::UnknownKey { span, .. }
            | CheckError::BadTimeField { span, .. }
            | CheckError::BadClause { span, .. }
            | CheckError::MissingAudience { span, .. }
            | CheckError::ArgumentCount { span, .. }
            | CheckError::InvalidArgument { span, .. }
            | CheckError::Misplaced { span, .. } => *span,
        }
    }
}
