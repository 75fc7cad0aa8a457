//! Language server: the language's built-in functions and keywords, for completion and
//! hover (the functions of `../shared/spec/LANGUAGE.md` sections 3 and 7).

/// A built-in function: its name, its signature and what it computes.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    /// The name as called.
    pub name: &'static str,
    /// The call as the reference writes it.
    pub signature: &'static str,
    /// What it returns.
    pub summary: &'static str,
}

const fn function(name: &'static str, signature: &'static str, summary: &'static str) -> Function {
    Function {
        name,
        signature,
        summary,
    }
}

/// Every built-in function: scalar functions, event aggregates, population functions
/// and metric aggregates.
pub const FUNCTIONS: &[Function] = &[
    function(
        "days_between",
        "days_between(a, b) -> int",
        "whole days from date(a) to date(b), signed",
    ),
    function("date", "date(dt) -> date", "the date of a datetime"),
    function("year", "year(d) -> int", "the year of a date"),
    function("month", "month(d) -> int", "the month of a date, 1 to 12"),
    function("day", "day(d) -> int", "the day of the month"),
    function("weekday", "weekday(d) -> int", "1 = Monday … 7 = Sunday"),
    function("age", "age(d) -> int", "whole years from d to as_of"),
    function("abs", "abs(x)", "the absolute value"),
    function("round", "round(x, digits)", "rounded half away from zero"),
    function("floor", "floor(x)", "rounded down"),
    function("ceil", "ceil(x)", "rounded up"),
    function("least", "least(a, b, …)", "the smallest argument"),
    function("greatest", "greatest(a, b, …)", "the largest argument"),
    function(
        "coalesce",
        "coalesce(a, b, …)",
        "the first argument that is not null",
    ),
    function("lower", "lower(s) -> string", "lower case (Unicode-aware)"),
    function("upper", "upper(s) -> string", "upper case (Unicode-aware)"),
    function(
        "trim",
        "trim(s) -> string",
        "without leading and trailing white space",
    ),
    function("length", "length(s) -> int", "the number of characters"),
    function(
        "contains",
        "contains(s, part) -> bool",
        "whether `part` occurs in `s`",
    ),
    function(
        "starts_with",
        "starts_with(s, part) -> bool",
        "whether `s` starts with `part`",
    ),
    function(
        "ends_with",
        "ends_with(s, part) -> bool",
        "whether `s` ends with `part`",
    ),
    function(
        "concat",
        "concat(a, b, …) -> string",
        "the arguments' texts joined",
    ),
    function("days", "days(n) -> duration", "a duration of n days"),
    function("weeks", "weeks(n) -> duration", "a duration of n weeks"),
    function(
        "months",
        "months(n) -> duration",
        "a duration of n calendar months",
    ),
    function(
        "years",
        "years(n) -> duration",
        "a duration of n calendar years",
    ),
    function(
        "count",
        "count(E [where p]) -> int",
        "events of the entity (in a metric: `count()`, entities)",
    ),
    function(
        "exists",
        "exists(E [where p]) -> bool",
        "whether the entity has such an event",
    ),
    function(
        "sum",
        "sum(E.f [where p])",
        "the sum of a field over the entity's events; 0 of none",
    ),
    function(
        "avg",
        "avg(E.f [where p]) -> float?",
        "the average of a field over the entity's events",
    ),
    function(
        "min",
        "min(E.f [where p])",
        "the smallest value of a field over the entity's events",
    ),
    function(
        "max",
        "max(E.f [where p])",
        "the largest value of a field over the entity's events",
    ),
    function(
        "count_distinct",
        "count_distinct(E.f [where p]) -> int",
        "distinct values of a field",
    ),
    function(
        "mode",
        "mode(E.f [where p])",
        "the most frequent value, ties to the smallest",
    ),
    function(
        "first",
        "first(E.f [where p])",
        "the value at the earliest time",
    ),
    function(
        "last",
        "last(E.f [where p])",
        "the value at the latest time",
    ),
    function(
        "ntile",
        "ntile(x, n) -> int?",
        "the bucket, 1 to n, of x among all entities",
    ),
    function(
        "percentile",
        "percentile(x, p) -> float?",
        "the p-th percentile of x over all entities",
    ),
    function(
        "percent_rank",
        "percent_rank(x) -> float?",
        "the share of entities with a smaller x",
    ),
    function(
        "mean",
        "mean(x) -> float?",
        "the average of x over all entities",
    ),
    function(
        "rate",
        "rate(p) -> float",
        "in a metric: the share of entities where p holds",
    ),
];

/// The event aggregates, whose first argument is an events stream.
pub const AGGREGATES: &[&str] = &[
    "count",
    "exists",
    "sum",
    "avg",
    "min",
    "max",
    "count_distinct",
    "mode",
    "first",
    "last",
];

/// The language's keywords.
pub const KEYWORDS: &[&str] = &[
    "import",
    "entity",
    "key",
    "events",
    "time",
    "param",
    "let",
    "segment",
    "segmentation",
    "when",
    "otherwise",
    "action",
    "campaign",
    "audience",
    "priority",
    "window",
    "holdout",
    "budget",
    "cap",
    "rank",
    "by",
    "asc",
    "desc",
    "salt",
    "do",
    "variant",
    "policy",
    "max_campaigns",
    "metric",
    "test",
    "as_of",
    "load",
    "expect",
    "gets",
    "nothing",
    "from",
    "with",
    "where",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
    "in",
    "between",
    "is",
    "null",
    "true",
    "false",
    "int",
    "decimal",
    "float",
    "bool",
    "string",
    "date",
    "datetime",
    "enum",
];

/// The built-in function called `name`.
pub fn function_named(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
