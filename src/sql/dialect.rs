//! SQL stage: what differs between the engines a program compiles to.
//!
//! Everything dialect-specific goes through [`Dialect`]: identifier quoting, type names,
//! integer division, calendar arithmetic, the md5 bucket, how a value is written as text
//! (the way `seg run` writes it), and the statements that load and export files.

use std::fmt;

use crate::check::types::Ty;
use crate::syntax::ast::DurationUnit;

/// An SQL engine the program can be compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// DuckDB (1.3 or later; tested with 2.0).
    Duckdb,
    /// PostgreSQL (13 or later; tested with 15).
    Postgres,
    /// Spark SQL (Databricks; tested with Spark 4.3).
    Spark,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
        })
    }
}

/// The scale of the decimal type where the engine needs one (DuckDB, Spark): decimals
/// are exact to this many digits after the point.
pub const DECIMAL_SCALE: u32 = 10;

impl Dialect {
    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal.
    pub fn string(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    /// The column type that holds values of `ty`.
    pub fn type_name(self, ty: &Ty) -> String {
        match (self, ty) {
            (_, Ty::Bool) => "BOOLEAN".into(),
            (_, Ty::Int) => "BIGINT".into(),
            (Dialect::Postgres, Ty::Decimal) => "NUMERIC".into(),
            (_, Ty::Decimal) => format!("DECIMAL(38, {DECIMAL_SCALE})"),
            (Dialect::Postgres, Ty::Float) => "DOUBLE PRECISION".into(),
            (_, Ty::Float) => "DOUBLE".into(),
            (Dialect::Postgres, Ty::String | Ty::Enum(_)) => "TEXT COLLATE \"C\"".into(),
            (Dialect::Spark, Ty::String | Ty::Enum(_)) => "STRING".into(),
            (_, Ty::String | Ty::Enum(_)) => "VARCHAR".into(),
            (_, Ty::Date) => "DATE".into(),
            (_, Ty::DateTime) => "TIMESTAMP".into(),
            (_, Ty::Duration | Ty::Null | Ty::Error) => "VARCHAR".into(),
        }
    }

    /// `CAST(sql AS type)` for values of `ty`.
    pub fn cast(self, sql: &str, ty: &Ty) -> String {
        let name = match (self, ty) {
            // A collation is not part of a cast's target type.
            (Dialect::Postgres, Ty::String | Ty::Enum(_)) => "TEXT".to_string(),
            _ => self.type_name(ty),
        };
        format!("CAST({sql} AS {name})")
    }

    /// A null of the type of `ty` (so that `CASE` and `UNION` branches agree).
    pub fn null(self, ty: &Ty) -> String {
        match ty {
            Ty::Null | Ty::Error | Ty::Duration => "NULL".into(),
            _ => self.cast("NULL", ty),
        }
    }

    /// Whole-number division of two non-negative integers.
    pub fn int_div(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Duckdb => format!("({a} // {b})"),
            Dialect::Postgres => format!("({a} / {b})"),
            Dialect::Spark => format!("({a} DIV {b})"),
        }
    }

    /// `date ± n unit` (`n` an integer expression, negated when `minus`); months and
    /// years are calendar steps clamped to the month's last day. `ty` is `Date` or
    /// `DateTime`, and so is the result.
    pub fn shift(self, value: &str, n: &str, unit: DurationUnit, minus: bool, ty: &Ty) -> String {
        let (n, unit_name) = match unit {
            DurationUnit::Day => (n.to_string(), "DAY"),
            DurationUnit::Week => (format!("7 * ({n})"), "DAY"),
            DurationUnit::Month => (n.to_string(), "MONTH"),
            DurationUnit::Year => (format!("12 * ({n})"), "MONTH"),
        };
        let sign = if minus { "-" } else { "+" };
        let shifted = match self {
            Dialect::Duckdb => format!("({value} {sign} to_{}s({n}))", unit_name.to_lowercase()),
            Dialect::Postgres => {
                format!(
                    "({value} {sign} ({n}) * INTERVAL '1 {}')",
                    unit_name.to_lowercase()
                )
            }
            Dialect::Spark => match unit_name {
                "DAY" => format!("({value} {sign} make_interval(0, 0, 0, {n}))"),
                _ => format!("({value} {sign} make_interval(0, {n}))"),
            },
        };
        self.cast(&shifted, ty)
    }

    /// Whole days from date `a` to date `b` (signed).
    pub fn days_between(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Spark => format!("CAST(datediff({b}, {a}) AS BIGINT)"),
            _ => format!("CAST(({b} - {a}) AS BIGINT)"),
        }
    }

    /// A part of a date as a BIGINT: `YEAR`, `MONTH`, `DAY`, or the ISO weekday.
    pub fn date_part(self, part: &str, date: &str) -> String {
        match (self, part) {
            (Dialect::Duckdb, "ISODOW") => format!("CAST(isodow({date}) AS BIGINT)"),
            (Dialect::Postgres, "ISODOW") => format!("CAST(EXTRACT(ISODOW FROM {date}) AS BIGINT)"),
            (Dialect::Spark, "ISODOW") => {
                format!("CAST(((dayofweek({date}) + 5) % 7) + 1 AS BIGINT)")
            }
            _ => format!("CAST(EXTRACT({part} FROM {date}) AS BIGINT)"),
        }
    }

    /// Whether string `s` contains, starts with or ends with `part` (`how`: `contains`,
    /// `starts_with`, `ends_with`).
    pub fn text_test(self, how: &str, s: &str, part: &str) -> String {
        match (self, how) {
            (Dialect::Postgres, "contains") => format!("(strpos({s}, {part}) > 0)"),
            (Dialect::Postgres, "ends_with") => {
                format!("(right({s}, length({part})) = {part})")
            }
            (Dialect::Spark, "contains") => format!("(instr({s}, {part}) > 0)"),
            (Dialect::Spark, "starts_with") => format!("startswith({s}, {part})"),
            (Dialect::Spark, "ends_with") => format!("endswith({s}, {part})"),
            _ => format!("{how}({s}, {part})"),
        }
    }

    /// The md5 bucket of LANGUAGE.md section 6: the first four bytes of the md5 of `text`,
    /// big-endian, modulo 10000.
    pub fn md5_bucket(self, text: &str) -> String {
        let hex = format!("substr(md5({text}), 1, 8)");
        match self {
            Dialect::Duckdb => format!("(CAST('0x' || {hex} AS BIGINT) % 10000)"),
            Dialect::Postgres => {
                format!("(('x' || lpad({hex}, 16, '0'))::bit(64)::bigint % 10000)")
            }
            Dialect::Spark => format!("(CAST(conv({hex}, 16, 10) AS BIGINT) % 10000)"),
        }
    }

    /// `sql` (a value of type `ty`) written as `seg run` writes it: decimals without
    /// trailing zeros, datetimes as `YYYY-MM-DDTHH:MM:SS` (a fraction only when not zero),
    /// booleans as `true`/`false`; null stays null.
    pub fn text(self, sql: &str, ty: &Ty) -> String {
        match ty {
            Ty::String | Ty::Enum(_) => sql.to_string(),
            Ty::Decimal => {
                let text = self.cast(sql, &Ty::String);
                format!(
                    "CASE WHEN {text} LIKE '%.%' \
                     THEN trim(TRAILING '.' FROM trim(TRAILING '0' FROM {text})) ELSE {text} END"
                )
            }
            Ty::DateTime => match self {
                Dialect::Duckdb => format!(
                    "CASE WHEN microsecond({sql}) % 1000000 = 0 \
                     THEN strftime({sql}, '%Y-%m-%dT%H:%M:%S') \
                     ELSE rtrim(strftime({sql}, '%Y-%m-%dT%H:%M:%S.%f'), '0') END"
                ),
                Dialect::Postgres => format!(
                    "rtrim(rtrim(to_char({sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '0'), '.')"
                ),
                Dialect::Spark => format!("date_format({sql}, \"yyyy-MM-dd'T'HH:mm:ss\")"),
            },
            Ty::Bool => format!("CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END"),
            // Whole floats without a fraction or exponent, as Rust writes them.
            Ty::Float => format!(
                "CASE WHEN {sql} = floor({sql}) AND abs({sql}) < 9e18 THEN {} ELSE {} END",
                self.cast(&self.cast(sql, &Ty::Int), &Ty::String),
                self.float_text(sql)
            ),
            _ => self.cast(sql, &Ty::String),
        }
    }

    /// A float that is not whole in positional notation (Spark writes `4.0E-4`).
    fn float_text(self, sql: &str) -> String {
        let text = self.cast(sql, &Ty::String);
        if self != Dialect::Spark {
            return text;
        }
        let mantissa = format!("substring_index({text}, 'E', 1)");
        let exponent = format!("CAST(substring_index({text}, 'E', -1) AS INT)");
        let sign = format!("CASE WHEN {sql} < 0 THEN '-' ELSE '' END");
        let digits = format!("replace(replace({mantissa}, '-', ''), '.', '')");
        format!(
            "CASE WHEN instr({text}, 'E') = 0 THEN {text} \
             WHEN {exponent} < 0 THEN concat({sign}, '0.', repeat('0', -{exponent} - 1), {digits}) \
             ELSE concat({sign}, substr({digits}, 1, {exponent} + 1), '.', substr({digits}, {exponent} + 2)) END"
        )
    }

    /// `DROP` then `CREATE` a table (or a temporary table) from a query.
    pub fn create_table(self, name: &str, temporary: bool, query: &str) -> String {
        let temp = if temporary { "TEMPORARY " } else { "" };
        match self {
            // Tables in the warehouse, even for intermediate results: a view (cached or
            // not) keeps the plan of everything before it, which Spark analyses again and
            // again along a long chain until it runs out of memory.
            Dialect::Spark => format!(
                "DROP TABLE IF EXISTS {name};\nCREATE TABLE {name} USING parquet AS\n{query};\n"
            ),
            _ => format!("DROP TABLE IF EXISTS {name};\nCREATE {temp}TABLE {name} AS\n{query};\n"),
        }
    }

    /// The average `sum / count` of exact numbers (`sum` an exact integer or decimal) as
    /// the float nearest to its exact value, as `seg run` computes `avg` and `mean`.
    pub fn exact_avg(self, sum: &str, count: &str) -> String {
        match self {
            // DuckDB divides decimals in floats: divide the sum's digits (its text
            // without the point, scale 10, then 10 more) as integers, and read the
            // quotient's text back as a float, which rounds correctly.
            Dialect::Duckdb => {
                let digits = format!(
                    "CAST(replace(CAST(CAST({sum} AS DECIMAL(38, {DECIMAL_SCALE})) AS VARCHAR), '.', '') AS HUGEINT)"
                );
                format!(
                    "CAST(CAST({digits} * CAST(10000000000 AS HUGEINT) // {count} AS VARCHAR) || 'e-20' AS DOUBLE)"
                )
            }
            // Spark keeps 20 digits after the point for these operand types (fewer for
            // wider ones); NUMERIC division in PostgreSQL keeps at least 16 significant.
            Dialect::Spark => self.cast(
                &format!("CAST({sum} AS DECIMAL(28, 10)) / CAST({count} AS DECIMAL(10, 0))"),
                &Ty::Float,
            ),
            Dialect::Postgres => self.cast(
                &format!("{} / {count}", self.cast(sum, &Ty::Decimal)),
                &Ty::Float,
            ),
        }
    }

    /// The mean of float values `x` as `seg run` computes it: summed one by one in
    /// ascending order, then divided by their count.
    pub fn float_mean(self, x: &str) -> String {
        match self {
            Dialect::Duckdb => format!(
                "(list_reduce(list({x} ORDER BY {x}) FILTER (WHERE {x} IS NOT NULL), lambda a, b: a + b) / count({x}))"
            ),
            Dialect::Postgres => format!("(sum({x} ORDER BY {x}) / count({x}))"),
            Dialect::Spark => format!(
                "(aggregate(array_sort(collect_list({x})), CAST(0 AS DOUBLE), (a, b) -> a + b) / count({x}))"
            ),
        }
    }

    /// A decimal as the float nearest to it (through its text: DuckDB's own cast may
    /// miss by one unit in the last place).
    pub fn decimal_to_float(self, sql: &str) -> String {
        match self {
            Dialect::Duckdb => self.cast(&self.cast(sql, &Ty::String), &Ty::Float),
            _ => self.cast(sql, &Ty::Float),
        }
    }

    /// `sql` (text) in an `ORDER BY` that sorts by bytes (UTF-8 byte order), whatever
    /// the database's collation.
    pub fn bytewise(self, sql: &str) -> String {
        match self {
            Dialect::Postgres => format!("({sql}) COLLATE \"C\""),
            _ => sql.to_string(),
        }
    }

    /// Statements run first: times are read and written in UTC.
    pub fn prelude(self) -> &'static str {
        match self {
            Dialect::Duckdb => "SET TimeZone = 'UTC';\n",
            Dialect::Postgres => "SET TIME ZONE 'UTC';\nSET client_min_messages = warning;\n",
            Dialect::Spark => "SET spark.sql.session.timeZone = UTC;\n",
        }
    }
}
