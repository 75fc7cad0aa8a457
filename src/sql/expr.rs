//! SQL stage: typed expressions as SQL.
//!
//! Per-entity values are columns of the row aliased `v` (see [`Column`]); the fields of
//! the event a `where` looks at are columns of the row aliased `e`. SQL's own
//! three-valued logic is the language's, so `and`, `or`, `not`, comparisons, `in` and
//! `between` translate directly; the rest (division by zero, calendar steps, dates
//! compared with datetimes, integer literals that must stay 64-bit, text as `seg run`
//! writes it) is spelled out.

use chrono::NaiveDate;

use super::column::Column;
use super::dialect::Dialect;
use crate::check::hir::{Const, Hir, ScalarFn, StreamId, TExpr, TExprKind};
use crate::check::types::Ty;
use crate::exec::{Value, decimal_text};
use crate::syntax::ast::{BinaryOp, DurationUnit};
use crate::syntax::datetime_text;

/// Turns the expressions of one program, for one run, into SQL.
#[derive(Clone, Copy)]
pub struct Exprs<'a> {
    /// The program.
    pub hir: &'a Hir,
    /// The engine.
    pub dialect: Dialect,
    /// The run's date.
    pub as_of: NaiveDate,
    /// Each param's value (defaults overridden by `--param`).
    pub params: &'a [Value],
    /// The stream whose events `e` stands for (inside a `where`).
    pub stream: Option<StreamId>,
}

impl<'a> Exprs<'a> {
    /// The same, inside a `where` over the events of `stream`.
    pub fn in_stream(self, stream: StreamId) -> Exprs<'a> {
        Exprs {
            stream: Some(stream),
            ..self
        }
    }

    /// The SQL of `e`.
    pub fn sql(&self, e: &TExpr) -> String {
        let d = self.dialect;
        if e.ty.ty == Ty::Duration {
            // A duration is only ever a value of its own as a `let` written by
            // `--with-values`; as an operand, `date ± duration` reads it by `duration`.
            let (n, unit) = self.duration(e);
            let unit = match unit {
                DurationUnit::Day => "days",
                DurationUnit::Week => "weeks",
                DurationUnit::Month => "months",
                DurationUnit::Year => "years",
            };
            return format!("({} || ' {unit}')", d.cast(&n, &Ty::String));
        }
        match &e.kind {
            TExprKind::Const(c) => self.constant(c, &e.ty.ty),
            TExprKind::AsOf => self.date(self.as_of),
            TExprKind::Param(p) => self.value(&self.params[*p], &e.ty.ty),
            TExprKind::EntityField(f) => self.entity(Column::Field(*f)),
            TExprKind::EventField(f) => self.event(*f),
            TExprKind::Let(l) => self.entity(Column::Let(*l)),
            TExprKind::Segment(s) => self.entity(Column::Segment(*s)),
            TExprKind::SegmentOf(g, i) => {
                let name = &self.hir.segmentations[*g].rules[*i].name;
                let column = self.entity(Column::Segmentation(*g));
                format!("COALESCE({column} = {}, FALSE)", d.string(name))
            }
            TExprKind::SegmentationName(g) => self.entity(Column::Segmentation(*g)),
            TExprKind::Aggregate(a) => self.entity(Column::Aggregate(*a)),
            TExprKind::Population(p) => self.entity(Column::Population(*p)),
            // Metrics are computed by reports (`seg dry-run`), never by a run.
            TExprKind::MetricAgg(..) => "NULL".into(),
            TExprKind::Neg(x) => format!("(-{})", self.operand(x)),
            TExprKind::Not(x) => format!("(NOT {})", self.sql(x)),
            TExprKind::Binary(op, a, b) => self.binary(*op, a, b, &e.ty.ty),
            TExprKind::In(x, items, negated) => self.member(x, items, *negated),
            TExprKind::Between(x, lo, hi, negated) => {
                let not = if *negated { "NOT " } else { "" };
                let (x_sql, lo_sql) = self.comparable(x, lo);
                let (_, hi_sql) = self.comparable(x, hi);
                format!("({x_sql} {not}BETWEEN {lo_sql} AND {hi_sql})")
            }
            TExprKind::IsNull(x, negated) => {
                let not = if *negated { "NOT " } else { "" };
                format!("({} IS {not}NULL)", self.sql(x))
            }
            TExprKind::If(c, a, b) => format!(
                "CASE WHEN {} THEN {} ELSE {} END",
                self.sql(c),
                self.typed(a, &e.ty.ty),
                self.typed(b, &e.ty.ty)
            ),
            TExprKind::Call(f, args) => self.call(*f, args, &e.ty.ty),
        }
    }

    /// A condition where null counts as false (`when`, `where`, `audience`).
    pub fn holds(&self, e: &TExpr) -> String {
        format!("COALESCE({}, FALSE)", self.sql(e))
    }

    /// `e` as a value of type `ty` (a null branch typed, a number widened).
    pub fn typed(&self, e: &TExpr, ty: &Ty) -> String {
        if e.ty.ty == *ty {
            return self.sql(e);
        }
        match &e.kind {
            TExprKind::Const(Const::Null) => self.dialect.null(ty),
            _ if matches!(ty, Ty::Decimal | Ty::Float) => self.number(e, ty),
            _ => self.sql(e),
        }
    }

    /// A number as a decimal or a float (a decimal made a float is the nearest one).
    fn number(&self, e: &TExpr, ty: &Ty) -> String {
        match (&e.ty.ty, ty) {
            (Ty::Decimal, Ty::Float) => self.dialect.decimal_to_float(&self.sql(e)),
            _ => self.dialect.cast(&self.sql(e), ty),
        }
    }

    /// A per-entity column of the row aliased `v`.
    pub fn entity(&self, column: Column) -> String {
        format!("v.{}", self.dialect.ident(&column.name(self.hir)))
    }

    /// Field `f` of the event aliased `e`.
    pub fn event(&self, f: usize) -> String {
        let name = match self.stream {
            Some(s) => &self.hir.streams[s].record.fields[f].name,
            None => &self.hir.entity.fields[f].name,
        };
        format!("e.{}", self.dialect.ident(name))
    }

    /// `e` written as `seg run` writes its values (for `concat`, keys and exports).
    pub fn text(&self, e: &TExpr) -> String {
        self.dialect.text(&self.sql(e), &e.ty.ty)
    }

    /// A run-time value as a literal of type `ty`.
    pub fn value(&self, value: &Value, ty: &Ty) -> String {
        let d = self.dialect;
        match value {
            Value::Null => d.null(ty),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Int(n) if matches!(ty, Ty::Decimal | Ty::Float) => d.cast(&n.to_string(), ty),
            Value::Int(n) => d.cast(&n.to_string(), &Ty::Int),
            Value::Decimal(x) if *ty == Ty::Float => d.cast(&decimal_text(*x), ty),
            Value::Decimal(x) => d.cast(&decimal_text(*x), &Ty::Decimal),
            Value::Float(x) => d.cast(&d.string(&format!("{x:?}")), &Ty::Float),
            Value::Str(s) => d.string(s),
            Value::Date(date) => self.date(*date),
            Value::DateTime(t) => format!("TIMESTAMP {}", d.string(&datetime_text(t))),
            Value::Duration(n, unit) => format!("{n} {unit:?}"),
        }
    }

    fn constant(&self, c: &Const, ty: &Ty) -> String {
        match c {
            // Small literals stay readable where their type cannot matter.
            Const::Int(n) if *ty == Ty::Int && i32::try_from(*n).is_ok() => n.to_string(),
            Const::Decimal(x) if *ty == Ty::Decimal => decimal_text(*x),
            _ => self.value(&Value::from(c), ty),
        }
    }

    fn date(&self, date: NaiveDate) -> String {
        format!("DATE {}", self.dialect.string(&date.to_string()))
    }

    /// An operand of arithmetic: integer literals are made 64-bit (an engine may type
    /// `2147483647 + 1` as 32-bit and fail).
    fn operand(&self, e: &TExpr) -> String {
        match &e.kind {
            TExprKind::Const(Const::Int(n)) => self.dialect.cast(&n.to_string(), &Ty::Int),
            _ => self.sql(e),
        }
    }

    fn binary(&self, op: BinaryOp, a: &TExpr, b: &TExpr, ty: &Ty) -> String {
        let d = self.dialect;
        match op {
            BinaryOp::And => format!("({} AND {})", self.sql(a), self.sql(b)),
            BinaryOp::Or => format!("({} OR {})", self.sql(a), self.sql(b)),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let (a, b) = self.comparable(a, b);
                format!("({a} {} {b})", comparison(op))
            }
            BinaryOp::Div => {
                let (a, b) = (self.number(a, &Ty::Float), self.number(b, &Ty::Float));
                format!("({a} / NULLIF({b}, 0))")
            }
            BinaryOp::Add | BinaryOp::Sub if b.ty.ty == Ty::Duration => {
                let (n, unit) = self.duration(b);
                d.shift(&self.sql(a), &n, unit, op == BinaryOp::Sub, ty)
            }
            BinaryOp::Add if a.ty.ty == Ty::Duration => {
                let (n, unit) = self.duration(a);
                d.shift(&self.sql(b), &n, unit, false, ty)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
                let symbol = match op {
                    BinaryOp::Add => "+",
                    BinaryOp::Sub => "-",
                    _ => "*",
                };
                let (a, b) = (self.arithmetic(a, ty), self.arithmetic(b, ty));
                format!("({a} {symbol} {b})")
            }
        }
    }

    /// An operand of `+ - *` with result type `ty`: a float result computes in floats,
    /// a decimal one in decimals.
    fn arithmetic(&self, e: &TExpr, ty: &Ty) -> String {
        match ty {
            Ty::Float | Ty::Decimal if e.ty.ty != *ty => self.number(e, ty),
            _ => self.operand(e),
        }
    }

    /// A duration operand as an integer SQL expression and its unit.
    fn duration(&self, e: &TExpr) -> (String, DurationUnit) {
        match &e.kind {
            TExprKind::Const(Const::Duration(n, unit)) => (n.to_string(), *unit),
            TExprKind::Call(ScalarFn::MakeDuration(unit), args) => (self.operand(&args[0]), *unit),
            TExprKind::Let(l) => self.duration(&self.hir.lets[*l].expr),
            TExprKind::Param(p) => match &self.params[*p] {
                Value::Duration(n, unit) => (n.to_string(), *unit),
                _ => ("NULL".into(), DurationUnit::Day),
            },
            TExprKind::If(c, x, y) => {
                let (x, unit) = self.duration(x);
                let (y, _) = self.duration(y);
                (
                    format!("CASE WHEN {} THEN {x} ELSE {y} END", self.sql(c)),
                    unit,
                )
            }
            _ => ("NULL".into(), DurationUnit::Day),
        }
    }

    /// Both sides of a comparison; a date compared with a datetime is that day's 00:00.
    fn comparable(&self, a: &TExpr, b: &TExpr) -> (String, String) {
        let side = |x: &TExpr, other: &TExpr| match (&x.ty.ty, &other.ty.ty) {
            (Ty::Date, Ty::DateTime) => self.dialect.cast(&self.sql(x), &Ty::DateTime),
            _ => self.sql(x),
        };
        (side(a, b), side(b, a))
    }

    fn member(&self, x: &TExpr, items: &[TExpr], negated: bool) -> String {
        let x_sql = self.sql(x);
        if items.is_empty() {
            let none = if negated { "TRUE" } else { "FALSE" };
            return format!("CASE WHEN {x_sql} IS NULL THEN NULL ELSE {none} END");
        }
        let not = if negated { "NOT " } else { "" };
        let list: Vec<String> = items.iter().map(|i| self.comparable(x, i).1).collect();
        format!("({x_sql} {not}IN ({}))", list.join(", "))
    }

    fn call(&self, f: ScalarFn, args: &[TExpr], ty: &Ty) -> String {
        let d = self.dialect;
        let arg = |i: usize| self.sql(&args[i]);
        let date = |i: usize| match args[i].ty.ty {
            Ty::DateTime => d.cast(&arg(i), &Ty::Date),
            _ => arg(i),
        };
        let list = |typed: bool| {
            let sqls: Vec<String> = args
                .iter()
                .map(|a| {
                    if typed {
                        self.typed(a, ty)
                    } else {
                        self.sql(a)
                    }
                })
                .collect();
            sqls.join(", ")
        };
        match f {
            ScalarFn::DaysBetween => d.days_between(&date(0), &date(1)),
            ScalarFn::Date => date(0),
            ScalarFn::Year => d.date_part("YEAR", &date(0)),
            ScalarFn::Month => d.date_part("MONTH", &date(0)),
            ScalarFn::Day => d.date_part("DAY", &date(0)),
            ScalarFn::Weekday => d.date_part("ISODOW", &date(0)),
            ScalarFn::Age => self.age(&date(0)),
            ScalarFn::Abs => format!("abs({})", arg(0)),
            ScalarFn::Round => self.round(&args[0], args.get(1)),
            // Cast back: `floor` of a decimal is a decimal, of an int an int.
            ScalarFn::Floor => d.cast(&format!("floor({})", arg(0)), ty),
            ScalarFn::Ceil => d.cast(&format!("ceil({})", arg(0)), ty),
            // Nulls are skipped, as in the engines' own `least`/`greatest`.
            ScalarFn::Least => format!("least({})", list(true)),
            ScalarFn::Greatest => format!("greatest({})", list(true)),
            ScalarFn::Coalesce => format!("COALESCE({})", list(true)),
            ScalarFn::Lower => format!("lower({})", arg(0)),
            ScalarFn::Upper => format!("upper({})", arg(0)),
            ScalarFn::Trim => format!("trim({})", arg(0)),
            ScalarFn::Length => d.cast(&format!("length({})", arg(0)), &Ty::Int),
            ScalarFn::Contains => d.text_test("contains", &arg(0), &arg(1)),
            ScalarFn::StartsWith => d.text_test("starts_with", &arg(0), &arg(1)),
            ScalarFn::EndsWith => d.text_test("ends_with", &arg(0), &arg(1)),
            ScalarFn::Concat => {
                // A null argument adds nothing; the result is never null.
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| format!("COALESCE({}, '')", self.text(a)))
                    .collect();
                format!("({})", parts.join(" || "))
            }
            // Durations are only ever operands of `date ± duration`, handled there.
            ScalarFn::MakeDuration(_) => "NULL".into(),
        }
    }

    /// `age(d)`: whole years from `d` to as_of (a 29 February birthday is reached on
    /// 1 March in other years).
    fn age(&self, date: &str) -> String {
        let d = self.dialect;
        let as_of = self.date(self.as_of);
        let year = |x: &str| d.date_part("YEAR", x);
        let month_day = |x: &str| {
            format!(
                "({} * 100 + {})",
                d.date_part("MONTH", x),
                d.date_part("DAY", x)
            )
        };
        format!(
            "({} - {} - CASE WHEN {} < {} THEN 1 ELSE 0 END)",
            year(&as_of),
            year(date),
            month_day(&as_of),
            month_day(date)
        )
    }

    /// `round(x, digits)`, half away from zero, for every numeric type.
    fn round(&self, x: &TExpr, digits: Option<&TExpr>) -> String {
        let d = self.dialect;
        let digits = digits.map_or("0".to_string(), |n| self.sql(n));
        let x_sql = self.sql(x);
        match x.ty.ty {
            Ty::Float => {
                let scale = format!("power(10.0, {digits})");
                let scaled = format!("({x_sql} * {scale})");
                format!(
                    "(CASE WHEN {scaled} < 0 THEN ceil({scaled} - 0.5) ELSE floor({scaled} + 0.5) END / {scale})"
                )
            }
            Ty::Decimal => d.cast(&format!("round({x_sql}, {digits})"), &Ty::Decimal),
            _ => d.cast(
                &format!("round({}, {digits})", d.cast(&x_sql, &Ty::Decimal)),
                &Ty::Int,
            ),
        }
    }
}

fn comparison(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        _ => ">=",
    }
}
