//! Check stage: function calls — event aggregates, population functions, metric
//! aggregates and scalar functions.

use rust_decimal::Decimal;

use super::expr::{error_expr, typed};
use super::hir::{AggFunc, Aggregate, MetricFunc, PopFunc, Population, ScalarFn, TExpr, TExprKind};
use super::suggest::help_for;
use super::types::{Ty, Type, common_type};
use super::{Checker, Decl, Scope};
use crate::check::CheckError;
use crate::syntax::Span;
use crate::syntax::ast::{self, DurationUnit, ExprKind, Literal};

/// Every function name of the language, for suggestions.
const FUNCTIONS: &[&str] = &[
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
    "ntile",
    "percentile",
    "percent_rank",
    "mean",
    "rate",
    "days_between",
    "date",
    "year",
    "month",
    "day",
    "weekday",
    "age",
    "abs",
    "round",
    "floor",
    "ceil",
    "least",
    "greatest",
    "coalesce",
    "lower",
    "upper",
    "trim",
    "length",
    "contains",
    "starts_with",
    "ends_with",
    "concat",
    "days",
    "weeks",
    "months",
    "years",
];

impl Checker<'_> {
    pub(super) fn call(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        filter: Option<&ast::Expr>,
        span: Span,
        scope: Scope,
    ) -> TExpr {
        let name = func.name.as_str();
        if scope == Scope::Metric {
            return self.metric_aggregate(func, args, filter, span);
        }
        if let Some(agg) = AggFunc::from_name(name) {
            return self.aggregate(agg, func, args, filter, span);
        }
        if let Some(f) = filter {
            self.misplaced(
                "`where` stands only inside an event aggregate".into(),
                f.span,
                &format!("`{name}` is not an aggregate over events; remove the `where`"),
            );
        }
        match name {
            "ntile" | "percentile" | "percent_rank" | "mean" => self.population(func, args, span),
            _ => self.scalar(func, args, span, scope),
        }
    }

    /// `count(E where p)`, `sum(E.f where p)`, ...: hoisted into the aggregate table.
    fn aggregate(
        &mut self,
        func: AggFunc,
        name: &ast::Ident,
        args: &[ast::Expr],
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> TExpr {
        let signature = if func.takes_stream() {
            format!("{}(EVENTS [where CONDITION])", func.name())
        } else {
            format!("{}(EVENTS.FIELD [where CONDITION])", func.name())
        };
        if args.len() != 1 {
            return self.arity(name, "one argument", args.len(), &signature, span);
        }
        let Some((stream, field)) = self.stream_argument(func, &args[0]) else {
            return error_expr(span);
        };
        if matches!(func, AggFunc::First | AggFunc::Last)
            && self.streams[stream].time_field.is_none()
            && !self.bad_time_streams.contains(&stream)
        {
            self.error(CheckError::NoTimeField {
                func: func.name().into(),
                stream: self.streams[stream].record.name.clone(),
                span,
            });
        }
        let ty = match field {
            Some(i) => self.aggregate_type(
                func,
                &self.streams[stream].record.fields[i].ty.clone(),
                &args[0],
            ),
            None => Type::of(if func == AggFunc::Exists {
                Ty::Bool
            } else {
                Ty::Int
            }),
        };
        let text = match filter {
            Some(f) => format!("{}({} where {})", func.name(), args[0], f),
            None => format!("{}({})", func.name(), args[0]),
        };
        let filter = filter.map(|f| self.condition(f, "a `where` condition", Scope::Event(stream)));
        let id = self.hoist_aggregate(Aggregate {
            func,
            stream,
            field,
            filter,
            ty: ty.clone(),
            text,
            span,
        });
        typed(TExprKind::Aggregate(id), ty, span)
    }

    fn hoist_aggregate(&mut self, aggregate: Aggregate) -> usize {
        if let Some(&id) = self.aggregate_index.get(&aggregate.text) {
            return id;
        }
        self.aggregate_index
            .insert(aggregate.text.clone(), self.aggregates.len());
        self.aggregates.push(aggregate);
        self.aggregates.len() - 1
    }

    /// Resolves `E` (for count/exists) or `E.f` (for the others).
    fn stream_argument(
        &mut self,
        func: AggFunc,
        arg: &ast::Expr,
    ) -> Option<(usize, Option<usize>)> {
        let (stream_name, field) = match &arg.unparenthesized().kind {
            ExprKind::Name(id) => (id, None),
            ExprKind::Path(a, b) => (a, Some(b)),
            _ => {
                self.not_a_stream(func, &arg.to_string(), arg.span);
                return None;
            }
        };
        let Some((Decl::Events(stream), _)) = self.names.get(&stream_name.name).copied() else {
            self.not_a_stream(func, &stream_name.name, stream_name.span);
            return None;
        };
        match (func.takes_stream(), field) {
            (true, None) => Some((stream, None)),
            (true, Some(_)) => {
                self.misplaced(
                    format!("`{}` counts events, not a field", func.name()),
                    arg.span,
                    &format!(
                        "write `{}({})`, and filter with `where`",
                        func.name(),
                        stream_name.name
                    ),
                );
                None
            }
            (false, None) => {
                self.misplaced(
                    format!("`{}` needs a field of `{}`", func.name(), stream_name.name),
                    arg.span,
                    &format!("write `{}({}.FIELD)`", func.name(), stream_name.name),
                );
                None
            }
            (false, Some(f)) => self.stream_field(stream, f).map(|i| (stream, Some(i))),
        }
    }

    fn stream_field(&mut self, stream: usize, field: &ast::Ident) -> Option<usize> {
        let record = &self.streams[stream].record;
        if let Some(i) = record.field(&field.name) {
            return Some(i);
        }
        let help = help_for(
            &field.name,
            "field",
            record.fields.iter().map(|f| f.name.as_str()),
        );
        self.error(CheckError::UnknownField {
            record: record.name.clone(),
            field: field.name.clone(),
            span: field.span,
            help,
        });
        None
    }

    fn not_a_stream(&mut self, func: AggFunc, name: &str, span: Span) {
        let streams: Vec<&str> = self
            .streams
            .iter()
            .map(|s| s.record.name.as_str())
            .collect();
        let owner = self.streams.iter().find(|s| s.record.field(name).is_some());
        let help = if let Some(stream) = owner {
            let call = if func.takes_stream() {
                format!("{}({})", func.name(), stream.record.name)
            } else {
                format!("{}({}.{name})", func.name(), stream.record.name)
            };
            format!(
                "`{name}` is a field of `{}`: did you mean `{call}`?",
                stream.record.name
            )
        } else if streams.is_empty() {
            "declare an `events` stream first; to combine values per entity use `least`, `greatest` or arithmetic".into()
        } else {
            format!(
                "aggregate one of the events streams: {}",
                streams
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        self.error(CheckError::NotAStream {
            func: func.name().into(),
            name: name.into(),
            span,
            help,
        });
    }

    fn aggregate_type(&mut self, func: AggFunc, field: &Type, arg: &ast::Expr) -> Type {
        let base = Type::of(field.ty.clone());
        match func {
            AggFunc::Count | AggFunc::Exists => unreachable!("count and exists take no field"),
            AggFunc::CountDistinct => Type::of(Ty::Int),
            AggFunc::Sum | AggFunc::Avg => {
                if !field.is_numeric() {
                    let found = typed(
                        TExprKind::Const(super::hir::Const::Null),
                        field.clone(),
                        arg.span,
                    );
                    self.mismatch(
                        &format!("`{}`", func.name()),
                        "a numeric field",
                        &found,
                        "sum and average int, decimal or float fields",
                    );
                    return Type::error();
                }
                if func == AggFunc::Sum {
                    base
                } else {
                    Type::nullable(Ty::Float)
                }
            }
            AggFunc::Min | AggFunc::Max | AggFunc::Mode | AggFunc::First | AggFunc::Last => {
                Type::nullable(base.ty)
            }
        }
    }

    /// `ntile(x, n)`, `percentile(x, p)`, `percent_rank(x)`, `mean(x)`: hoisted.
    fn population(&mut self, func: &ast::Ident, args: &[ast::Expr], span: Span) -> TExpr {
        let (arity, signature) = match func.name.as_str() {
            "ntile" => (2, "ntile(VALUE, N)"),
            "percentile" => (2, "percentile(VALUE, P)"),
            _ if func.name == "mean" => (1, "mean(VALUE)"),
            _ => (1, "percent_rank(VALUE)"),
        };
        if args.len() != arity {
            let words = if arity == 1 {
                "one argument"
            } else {
                "two arguments"
            };
            return self.arity(func, words, args.len(), signature, span);
        }
        let arg = self.expr(&args[0], Scope::Entity);
        let needs_number = matches!(func.name.as_str(), "percentile" | "mean");
        if needs_number && !arg.ty.is_numeric() {
            self.mismatch(
                &format!("`{}`", func.name),
                "a number",
                &arg,
                "population statistics range over numeric values",
            );
        }
        let Some(pop) = self.population_func(func, args) else {
            return error_expr(span);
        };
        let ty = match pop {
            PopFunc::Ntile(_) => Type::of(Ty::Int).or_null(arg.ty.nullable),
            PopFunc::PercentRank => Type::of(Ty::Float).or_null(arg.ty.nullable),
            PopFunc::Percentile(_) | PopFunc::Mean => Type::nullable(Ty::Float),
        };
        let text = format!(
            "{}({})",
            func.name,
            args.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let id = match self.population_index.get(&text) {
            Some(&id) => id,
            None => {
                self.population_index
                    .insert(text.clone(), self.populations.len());
                self.populations.push(Population {
                    func: pop,
                    arg,
                    ty: ty.clone(),
                    text,
                    arg_text: args[0].to_string(),
                    span,
                });
                self.populations.len() - 1
            }
        };
        typed(TExprKind::Population(id), ty, span)
    }

    fn population_func(&mut self, func: &ast::Ident, args: &[ast::Expr]) -> Option<PopFunc> {
        match func.name.as_str() {
            "ntile" => match literal_of(&args[1]) {
                Some(Literal::Int(n)) if *n >= 1 => Some(PopFunc::Ntile(*n)),
                _ => self.invalid(
                    &args[1],
                    "the `n` of `ntile` must be an integer literal of 1 or more",
                    "e.g. `ntile(monetary, 5)` for quintiles",
                ),
            },
            "percentile" => match literal_of(&args[1]).and_then(fraction) {
                Some(p) if p >= Decimal::ZERO && p <= Decimal::ONE => Some(PopFunc::Percentile(p)),
                _ => self.invalid(
                    &args[1],
                    "the `p` of `percentile` must be a number literal from 0 to 1",
                    "e.g. `percentile(monetary, 0.9)` for the 90th percentile",
                ),
            },
            "mean" => Some(PopFunc::Mean),
            _ => Some(PopFunc::PercentRank),
        }
    }

    fn invalid<T>(&mut self, arg: &ast::Expr, message: &str, help: &str) -> Option<T> {
        self.error(CheckError::InvalidArgument {
            message: message.into(),
            span: arg.span,
            help: help.into(),
        });
        None
    }

    /// `count()`, `rate(p)`, `sum(x)`, `avg(x)`, `min(x)`, `max(x)`, `percentile(x, p)` in a metric.
    fn metric_aggregate(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> TExpr {
        if let Some(f) = filter {
            return self.misplaced(
                "a metric aggregate takes no `where`".into(),
                f.span,
                "use `rate(condition)` or `sum(if condition then x else 0)`",
            );
        }
        let (func_kind, arity, signature) = match func.name.as_str() {
            "count" => (
                MetricFunc::Count,
                0,
                "count()` counts entities; to count events, define `let n = count(EVENTS)` and use `sum(n)",
            ),
            "rate" => (MetricFunc::Rate, 1, "rate(CONDITION)"),
            "sum" => (MetricFunc::Sum, 1, "sum(VALUE)"),
            "avg" => (MetricFunc::Avg, 1, "avg(VALUE)"),
            "min" => (MetricFunc::Min, 1, "min(VALUE)"),
            "max" => (MetricFunc::Max, 1, "max(VALUE)"),
            "percentile" => (
                MetricFunc::Percentile(Decimal::ZERO),
                2,
                "percentile(VALUE, P)",
            ),
            _ => {
                return self.misplaced(
                    format!("`{}` is not a metric aggregate", func.name),
                    func.span,
                    "a metric combines `count()`, `rate`, `sum`, `avg`, `min`, `max` and `percentile` over entities",
                );
            }
        };
        if args.len() != arity {
            let words = ["no arguments", "one argument", "two arguments"][arity];
            return self.arity(func, words, args.len(), signature, span);
        }
        let arg = args.first().map(|a| self.expr(a, Scope::Entity));
        if let Some(a) = &arg {
            let numeric = matches!(
                func_kind,
                MetricFunc::Sum | MetricFunc::Avg | MetricFunc::Percentile(_)
            );
            if numeric && !a.ty.is_numeric() && a.ty.ty != Ty::Null {
                let context = format!("the metric aggregate `{}`", func.name);
                self.mismatch(
                    &context,
                    "a number",
                    a,
                    "sum, average and percentiles range over numeric values",
                );
            }
        }
        let (func_kind, ty) = match (func_kind, &arg) {
            (MetricFunc::Count, _) => (func_kind, Type::of(Ty::Int)),
            (MetricFunc::Rate, Some(a)) => {
                self.expect_bool(a, "the condition of `rate`");
                (func_kind, Type::nullable(Ty::Float))
            }
            (MetricFunc::Percentile(_), Some(_)) => match self.population_func(
                &ast::Ident {
                    name: "percentile".into(),
                    span: func.span,
                },
                args,
            ) {
                Some(PopFunc::Percentile(p)) => {
                    (MetricFunc::Percentile(p), Type::nullable(Ty::Float))
                }
                _ => return error_expr(span),
            },
            (MetricFunc::Avg, Some(_)) => (func_kind, Type::nullable(Ty::Float)),
            (MetricFunc::Sum, Some(a)) => (func_kind, Type::of(a.ty.ty.clone())),
            (_, Some(a)) => (func_kind, Type::nullable(a.ty.ty.clone())),
            (_, None) => unreachable!("arity checked above"),
        };
        typed(TExprKind::MetricAgg(func_kind, arg.map(Box::new)), ty, span)
    }

    fn arity(
        &mut self,
        func: &ast::Ident,
        expected: &str,
        found: usize,
        signature: &str,
        span: Span,
    ) -> TExpr {
        self.error(CheckError::ArgumentCount {
            func: func.name.clone(),
            expected: expected.into(),
            found,
            signature: signature.into(),
            span,
        });
        error_expr(span)
    }

    /// Scalar functions: checks arity and argument types, and infers the result type.
    fn scalar(&mut self, func: &ast::Ident, args: &[ast::Expr], span: Span, scope: Scope) -> TExpr {
        let Some((f, min, max, signature)) = scalar_signature(&func.name) else {
            let help = match super::suggest::closest(&func.name, FUNCTIONS.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => {
                    "LANGUAGE.md section 3 lists the scalar, aggregate and population functions"
                        .into()
                }
            };
            self.error(CheckError::UnknownFunction {
                name: func.name.clone(),
                span: func.span,
                help,
            });
            return error_expr(span);
        };
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (1, 1) => "one argument".to_string(),
                (2, 2) => "two arguments".to_string(),
                (m, usize::MAX) => format!("{m} or more arguments"),
                (m, n) => format!("{m} to {n} arguments"),
            };
            return self.arity(func, &expected, args.len(), signature, span);
        }
        let xs: Vec<TExpr> = args.iter().map(|a| self.expr(a, scope)).collect();
        let ty = self.scalar_type(f, &func.name, &xs);
        typed(TExprKind::Call(f, xs), ty, span)
    }

    fn scalar_type(&mut self, f: ScalarFn, name: &str, xs: &[TExpr]) -> Type {
        let nullable = xs.iter().any(|x| x.ty.nullable);
        let context = format!("`{name}`");
        let want = |this: &mut Self, x: &TExpr, ok: bool, what: &str| {
            if !ok && !x.ty.is_wild() {
                this.mismatch(&context, what, x, &format!("see the signature of `{name}`"));
            }
        };
        match f {
            ScalarFn::DaysBetween => {
                for x in xs {
                    want(self, x, x.ty.is_temporal(), "a date or datetime");
                }
                Type::of(Ty::Int).or_null(nullable)
            }
            ScalarFn::Date
            | ScalarFn::Year
            | ScalarFn::Month
            | ScalarFn::Day
            | ScalarFn::Weekday
            | ScalarFn::Age => {
                want(self, &xs[0], xs[0].ty.is_temporal(), "a date or datetime");
                let ty = if f == ScalarFn::Date {
                    Ty::Date
                } else {
                    Ty::Int
                };
                Type::of(ty).or_null(nullable)
            }
            ScalarFn::Abs | ScalarFn::Floor | ScalarFn::Ceil | ScalarFn::Round => {
                want(self, &xs[0], xs[0].ty.is_numeric(), "a number");
                if let Some(d) = xs.get(1) {
                    want(self, d, d.ty.ty == Ty::Int, "an int number of digits");
                }
                Type::of(xs[0].ty.ty.clone()).or_null(nullable)
            }
            ScalarFn::Least | ScalarFn::Greatest | ScalarFn::Coalesce => {
                self.common_of(f, &context, xs)
            }
            ScalarFn::Lower | ScalarFn::Upper | ScalarFn::Trim => {
                want(self, &xs[0], xs[0].ty.is_text(), "a string");
                Type::of(Ty::String).or_null(nullable)
            }
            ScalarFn::Length => {
                want(self, &xs[0], xs[0].ty.is_text(), "a string");
                Type::of(Ty::Int).or_null(nullable)
            }
            ScalarFn::Contains | ScalarFn::StartsWith | ScalarFn::EndsWith => {
                for x in xs {
                    want(self, x, x.ty.is_text(), "a string");
                }
                Type::of(Ty::Bool).or_null(nullable)
            }
            ScalarFn::Concat => Type::of(Ty::String),
            ScalarFn::MakeDuration(_) => {
                want(self, &xs[0], matches!(xs[0].ty.ty, Ty::Int), "an int");
                Type::of(Ty::Duration).or_null(nullable)
            }
        }
    }

    /// `least`, `greatest`, `coalesce`: the common type of all arguments.
    fn common_of(&mut self, f: ScalarFn, context: &str, xs: &[TExpr]) -> Type {
        let mut ty = xs[0].ty.clone();
        for x in &xs[1..] {
            match common_type(&ty, &x.ty) {
                Some(t) => ty = t,
                None => {
                    self.mismatch(
                        context,
                        &format!("a value of the same type as the first, {}", xs[0].ty),
                        x,
                        "all arguments must share one type",
                    );
                    return Type::error();
                }
            }
        }
        let nullable = match f {
            // Nulls are skipped: the result is null only when every argument is.
            ScalarFn::Coalesce | ScalarFn::Least | ScalarFn::Greatest => {
                xs.iter().all(|x| x.ty.nullable)
            }
            _ => ty.nullable,
        };
        Type {
            ty: ty.ty,
            nullable,
        }
    }
}

/// A scalar function's id, arity range and signature.
fn scalar_signature(name: &str) -> Option<(ScalarFn, usize, usize, &'static str)> {
    const MANY: usize = usize::MAX;
    Some(match name {
        "days_between" => (ScalarFn::DaysBetween, 2, 2, "days_between(FROM, TO)"),
        "date" => (ScalarFn::Date, 1, 1, "date(DATETIME)"),
        "year" => (ScalarFn::Year, 1, 1, "year(DATE)"),
        "month" => (ScalarFn::Month, 1, 1, "month(DATE)"),
        "day" => (ScalarFn::Day, 1, 1, "day(DATE)"),
        "weekday" => (ScalarFn::Weekday, 1, 1, "weekday(DATE)"),
        "age" => (ScalarFn::Age, 1, 1, "age(BIRTH_DATE)"),
        "abs" => (ScalarFn::Abs, 1, 1, "abs(NUMBER)"),
        "round" => (ScalarFn::Round, 1, 2, "round(NUMBER, DIGITS)"),
        "floor" => (ScalarFn::Floor, 1, 1, "floor(NUMBER)"),
        "ceil" => (ScalarFn::Ceil, 1, 1, "ceil(NUMBER)"),
        "least" => (ScalarFn::Least, 1, MANY, "least(A, B, ...)"),
        "greatest" => (ScalarFn::Greatest, 1, MANY, "greatest(A, B, ...)"),
        "coalesce" => (ScalarFn::Coalesce, 1, MANY, "coalesce(A, B, ...)"),
        "lower" => (ScalarFn::Lower, 1, 1, "lower(TEXT)"),
        "upper" => (ScalarFn::Upper, 1, 1, "upper(TEXT)"),
        "trim" => (ScalarFn::Trim, 1, 1, "trim(TEXT)"),
        "length" => (ScalarFn::Length, 1, 1, "length(TEXT)"),
        "contains" => (ScalarFn::Contains, 2, 2, "contains(TEXT, PART)"),
        "starts_with" => (ScalarFn::StartsWith, 2, 2, "starts_with(TEXT, PART)"),
        "ends_with" => (ScalarFn::EndsWith, 2, 2, "ends_with(TEXT, PART)"),
        "concat" => (ScalarFn::Concat, 1, MANY, "concat(A, B, ...)"),
        "days" => (ScalarFn::MakeDuration(DurationUnit::Day), 1, 1, "days(N)"),
        "weeks" => (ScalarFn::MakeDuration(DurationUnit::Week), 1, 1, "weeks(N)"),
        "months" => (
            ScalarFn::MakeDuration(DurationUnit::Month),
            1,
            1,
            "months(N)",
        ),
        "years" => (ScalarFn::MakeDuration(DurationUnit::Year), 1, 1, "years(N)"),
        _ => return None,
    })
}

fn literal_of(e: &ast::Expr) -> Option<&Literal> {
    match &e.unparenthesized().kind {
        ExprKind::Literal(lit) => Some(lit),
        _ => None,
    }
}

fn fraction(lit: &Literal) -> Option<Decimal> {
    match lit {
        Literal::Int(n) => Some(Decimal::from(*n)),
        Literal::Decimal(d) => Some(*d),
        Literal::Percent(p) => Some(*p / Decimal::ONE_HUNDRED),
        _ => None,
    }
}
