//! Syntax stage: canonical text of expressions and literals.
//!
//! Used to name hoisted aggregates in plan listings, to compare expressions while ignoring
//! spans and parentheses, and by the formatter.

use std::fmt::{self, Display, Write};

use chrono::{NaiveDateTime, Timelike};

use super::ast::{BinaryOp, DurationUnit, Expr, ExprKind, Literal, UnaryOp};

impl Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Decimal(d) => write!(f, "{d}"),
            Literal::String(s) => write_string_literal(f, s),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::DateTime(dt) => f.write_str(&datetime_text(dt)),
            Literal::Duration(n, unit) => write!(f, "{n} {}", unit_text(*n, *unit)),
            Literal::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// A datetime as `YYYY-MM-DDTHH:MM:SS`, with a fraction only when it is not zero.
pub fn datetime_text(dt: &NaiveDateTime) -> String {
    let mut text = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = dt.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        text.push('.');
        text.push_str(frac.trim_end_matches('0'));
    }
    text
}

fn unit_text(n: i64, unit: DurationUnit) -> &'static str {
    let singular = n == 1 || n == -1;
    match (unit, singular) {
        (DurationUnit::Day, true) => "day",
        (DurationUnit::Day, false) => "days",
        (DurationUnit::Week, true) => "week",
        (DurationUnit::Week, false) => "weeks",
        (DurationUnit::Month, true) => "month",
        (DurationUnit::Month, false) => "months",
        (DurationUnit::Year, true) => "year",
        (DurationUnit::Year, false) => "years",
    }
}

/// Writes `s` as a string literal with the language's escapes.
pub fn write_string_literal(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_control() => write!(out, "\\u{{{:X}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

impl Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(lit) => write!(f, "{lit}"),
            ExprKind::Name(id) => f.write_str(&id.name),
            ExprKind::Path(a, b) => write!(f, "{}.{}", a.name, b.name),
            ExprKind::Call { func, args, filter } => {
                write!(f, "{}(", func.name)?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                    if i == 0
                        && let Some(p) = filter
                    {
                        write!(f, " where {p}")?;
                    }
                }
                f.write_str(")")
            }
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => write!(f, "-{operand}"),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => write!(f, "not {operand}"),
            ExprKind::Binary { op, lhs, rhs } => write!(f, "{lhs} {} {rhs}", op.symbol()),
            ExprKind::In {
                operand,
                list,
                negated,
            } => {
                let not = if *negated { "not " } else { "" };
                let items: Vec<String> = list.iter().map(|e| e.to_string()).collect();
                write!(f, "{operand} {not}in [{}]", items.join(", "))
            }
            ExprKind::Between {
                operand,
                low,
                high,
                negated,
            } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{operand} {not}between {low} and {high}")
            }
            ExprKind::IsNull { operand, negated } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{operand} is {not}null")
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                write!(f, "if {cond} then {then} else {otherwise}")
            }
            ExprKind::Paren(inner) => write!(f, "({inner})"),
        }
    }
}

impl Expr {
    /// The expression without enclosing parentheses.
    pub fn unparenthesized(&self) -> &Expr {
        match &self.kind {
            ExprKind::Paren(inner) => inner.unparenthesized(),
            _ => self,
        }
    }

    /// The `and`-connected parts of this expression (itself when it is no conjunction).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match &self.unparenthesized().kind {
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => {
                let mut parts = lhs.conjuncts();
                parts.extend(rhs.conjuncts());
                parts
            }
            _ => vec![self.unparenthesized()],
        }
    }

    /// Whether two expressions are the same, ignoring spans and outer parentheses.
    pub fn same_as(&self, other: &Expr) -> bool {
        self.unparenthesized().to_string() == other.unparenthesized().to_string()
    }
}
