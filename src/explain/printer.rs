//! Explain stage: canonical text of typed expressions, with where each sub-expression
//! stands in it, so values can be drawn under the text.
//!
//! The HIR drops the parentheses of the source; this printer puts back those the
//! precedence rules of LANGUAGE.md section 3 need (and those around the operand of a
//! `not`, for the reader), so its text reads like the source and parses to the same
//! expression.

use crate::check::hir::{Const, Hir, ScalarFn, TExpr, TExprKind};
use crate::syntax::ast::{BinaryOp, DurationUnit, Literal};

/// Binding strength, loosest first (LANGUAGE.md section 3).
const IF: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const NEG: u8 = 7;
const ATOM: u8 = 8;

/// A sub-expression's place in the printed text (byte offsets).
pub(super) struct Part<'e> {
    /// The expression.
    pub expr: &'e TExpr,
    /// Where its own text starts (inside any parentheses the parent added).
    pub start: usize,
    /// Where its own text ends.
    pub end: usize,
    /// Where its value is drawn: the operator, keyword or name that makes it.
    pub anchor: usize,
    /// Its sub-expressions, in text order.
    pub parts: Vec<Part<'e>>,
}

/// An expression printed on one line.
pub(super) struct Printed<'e> {
    /// The text.
    pub text: String,
    /// The whole expression's place in it.
    pub root: Part<'e>,
}

/// Prints `e` in canonical form.
pub(super) fn print<'e>(hir: &Hir, e: &'e TExpr) -> Printed<'e> {
    let mut printer = Printer {
        hir,
        out: String::new(),
    };
    let root = printer.expr(e, IF);
    Printed {
        text: printer.out,
        root,
    }
}

/// Prints `e` in canonical form, text only.
pub(super) fn text(hir: &Hir, e: &TExpr) -> String {
    print(hir, e).text
}

struct Printer<'h> {
    hir: &'h Hir,
    out: String,
}

impl Printer<'_> {
    /// Prints `e`, in parentheses when it binds looser than `min`.
    fn expr<'e>(&mut self, e: &'e TExpr, min: u8) -> Part<'e> {
        let paren = precedence(e) < min;
        if paren {
            self.out.push('(');
        }
        let start = self.out.len();
        let (anchor, parts) = self.body(e);
        let end = self.out.len();
        if paren {
            self.out.push(')');
        }
        Part {
            expr: e,
            start,
            end,
            anchor,
            parts,
        }
    }

    fn body<'e>(&mut self, e: &'e TExpr) -> (usize, Vec<Part<'e>>) {
        let anchor = self.out.len();
        match &e.kind {
            TExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            TExprKind::Not(x) => {
                // `not a == b` means `not (a == b)`; the parentheses say so to the reader.
                self.out.push_str("not ");
                (anchor, vec![self.expr(x, ATOM)])
            }
            TExprKind::Neg(x) => {
                self.out.push('-');
                (anchor, vec![self.expr(x, ATOM)])
            }
            TExprKind::In(x, items, negated) => self.in_list(x, items, *negated),
            TExprKind::Between(x, lo, hi, negated) => self.between(x, lo, hi, *negated),
            TExprKind::IsNull(x, negated) => {
                let x = self.expr(x, ADD);
                let anchor = self.out.len() + 1;
                self.out
                    .push_str(if *negated { " is not null" } else { " is null" });
                (anchor, vec![x])
            }
            TExprKind::If(c, a, b) => {
                self.out.push_str("if ");
                let c = self.expr(c, IF);
                self.out.push_str(" then ");
                let a = self.expr(a, IF);
                self.out.push_str(" else ");
                let b = self.expr(b, IF);
                (anchor, vec![c, a, b])
            }
            TExprKind::Call(f, args) => {
                self.out.push_str(function_name(*f));
                self.out.push('(');
                let parts = self.list(args, IF);
                self.out.push(')');
                (anchor, parts)
            }
            _ => {
                let name = self.leaf(e);
                self.out.push_str(&name);
                (anchor, Vec::new())
            }
        }
    }

    fn binary<'e>(&mut self, op: BinaryOp, a: &'e TExpr, b: &'e TExpr) -> (usize, Vec<Part<'e>>) {
        let p = binary_precedence(op);
        // Comparisons do not chain; the other operators are left-associative.
        let left = if op.is_comparison() { p + 1 } else { p };
        let a = self.expr(a, left);
        self.out.push(' ');
        let anchor = self.out.len();
        self.out.push_str(op.symbol());
        self.out.push(' ');
        let b = self.expr(b, p + 1);
        (anchor, vec![a, b])
    }

    fn in_list<'e>(
        &mut self,
        x: &'e TExpr,
        items: &'e [TExpr],
        negated: bool,
    ) -> (usize, Vec<Part<'e>>) {
        let mut parts = vec![self.expr(x, ADD)];
        let anchor = self.out.len() + 1;
        self.out
            .push_str(if negated { " not in [" } else { " in [" });
        parts.extend(self.list(items, OR));
        self.out.push(']');
        (anchor, parts)
    }

    fn between<'e>(
        &mut self,
        x: &'e TExpr,
        lo: &'e TExpr,
        hi: &'e TExpr,
        negated: bool,
    ) -> (usize, Vec<Part<'e>>) {
        let x = self.expr(x, ADD);
        let anchor = self.out.len() + 1;
        self.out.push_str(if negated {
            " not between "
        } else {
            " between "
        });
        let lo = self.expr(lo, ADD);
        self.out.push_str(" and ");
        let hi = self.expr(hi, ADD);
        (anchor, vec![x, lo, hi])
    }

    /// Comma-separated expressions.
    fn list<'e>(&mut self, items: &'e [TExpr], min: u8) -> Vec<Part<'e>> {
        let mut parts = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            parts.push(self.expr(item, min));
        }
        parts
    }

    /// The text of an expression without sub-expressions.
    fn leaf(&self, e: &TExpr) -> String {
        let hir = self.hir;
        match &e.kind {
            TExprKind::Const(c) => const_text(c),
            TExprKind::AsOf => "as_of".to_string(),
            TExprKind::Param(i) => hir.params[*i].name.clone(),
            TExprKind::EntityField(i) => hir.entity.fields[*i].name.clone(),
            TExprKind::Let(i) => hir.lets[*i].name.clone(),
            TExprKind::Segment(i) => hir.segments[*i].name.clone(),
            TExprKind::SegmentOf(i, j) => {
                let s = &hir.segmentations[*i];
                format!("{}.{}", s.name, s.rules[*j].name)
            }
            TExprKind::SegmentationName(i) => hir.segmentations[*i].name.clone(),
            TExprKind::Aggregate(a) => hir.aggregates[*a].text.clone(),
            TExprKind::Population(p) => hir.populations[*p].text.clone(),
            _ => unreachable!(
                "event fields and metric aggregates stand only inside aggregates and metrics, \
                 which are printed as their own text"
            ),
        }
    }
}

fn precedence(e: &TExpr) -> u8 {
    match &e.kind {
        TExprKind::If(..) => IF,
        TExprKind::Binary(op, ..) => binary_precedence(*op),
        TExprKind::Not(_) => NOT,
        TExprKind::In(..) | TExprKind::Between(..) | TExprKind::IsNull(..) => COMPARE,
        TExprKind::Neg(_) => NEG,
        _ => ATOM,
    }
}

fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Mul | BinaryOp::Div => MUL,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            COMPARE
        }
    }
}

/// A constant as the literal that writes it.
fn const_text(c: &Const) -> String {
    let literal = match c {
        Const::Null => Literal::Null,
        Const::Bool(b) => Literal::Bool(*b),
        Const::Int(n) => Literal::Int(*n),
        Const::Decimal(d) => Literal::Decimal(*d),
        Const::Float(f) => return f.to_string(),
        Const::Str(s) => Literal::String(s.to_string()),
        Const::Date(d) => Literal::Date(*d),
        Const::DateTime(dt) => Literal::DateTime(*dt),
        Const::Duration(n, unit) => Literal::Duration(*n, *unit),
    };
    literal.to_string()
}

fn function_name(f: ScalarFn) -> &'static str {
    match f {
        ScalarFn::DaysBetween => "days_between",
        ScalarFn::Date => "date",
        ScalarFn::Year => "year",
        ScalarFn::Month => "month",
        ScalarFn::Day => "day",
        ScalarFn::Weekday => "weekday",
        ScalarFn::Age => "age",
        ScalarFn::Abs => "abs",
        ScalarFn::Round => "round",
        ScalarFn::Floor => "floor",
        ScalarFn::Ceil => "ceil",
        ScalarFn::Least => "least",
        ScalarFn::Greatest => "greatest",
        ScalarFn::Coalesce => "coalesce",
        ScalarFn::Lower => "lower",
        ScalarFn::Upper => "upper",
        ScalarFn::Trim => "trim",
        ScalarFn::Length => "length",
        ScalarFn::Contains => "contains",
        ScalarFn::StartsWith => "starts_with",
        ScalarFn::EndsWith => "ends_with",
        ScalarFn::Concat => "concat",
        ScalarFn::MakeDuration(DurationUnit::Day) => "days",
        ScalarFn::MakeDuration(DurationUnit::Week) => "weeks",
        ScalarFn::MakeDuration(DurationUnit::Month) => "months",
        ScalarFn::MakeDuration(DurationUnit::Year) => "years",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::syntax::load_program_from_text;

    /// The let's definition as the printer writes it.
    fn printed(definition: &str) -> String {
        let source = format!(
            "entity c key id {{ id: string\n a: int\n b: int\n s: string? }}\n\
             param p: int = 3\nlet x = {definition}\n"
        );
        let Ok(program) = load_program_from_text(Path::new("t.seg"), &source) else {
            panic!("`{definition}` does not parse");
        };
        let Ok(hir) = crate::check::check(&program) else {
            panic!("`{definition}` does not check");
        };
        super::text(&hir, &hir.lets[0].expr)
    }

    #[test]
    fn keeps_needed_parentheses_only() {
        assert_eq!(printed("(a + b) * 2"), "(a + b) * 2");
        assert_eq!(printed("a + (b * 2)"), "a + b * 2");
        assert_eq!(printed("a - (b - 1)"), "a - (b - 1)");
        assert_eq!(printed("not (a > 1 and b < p)"), "not (a > 1 and b < p)");
        assert_eq!(printed("not a between 1 and 2"), "not (a between 1 and 2)");
        assert_eq!(printed("(a > 1) == (b > 1)"), "(a > 1) == (b > 1)");
        assert_eq!(printed("-(a + 1)"), "-(a + 1)");
    }

    #[test]
    fn prints_keywords_and_literals() {
        assert_eq!(
            printed("s is not null or a not in [1, 2]"),
            "s is not null or a not in [1, 2]"
        );
        assert_eq!(printed("a between 1 and p + 1"), "a between 1 and p + 1");
        assert_eq!(
            printed("if a > 1 then \"x\" else s"),
            "if a > 1 then \"x\" else s"
        );
        assert_eq!(
            printed("coalesce(s, \"n\\\"a\")"),
            "coalesce(s, \"n\\\"a\")"
        );
        assert_eq!(
            printed("as_of - 30 days > 2026-01-01"),
            "as_of - 30 days > 2026-01-01"
        );
        assert_eq!(printed("a * 1.50"), "a * 1.50");
    }
}
