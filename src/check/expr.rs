//! Check stage: resolving names and inferring types of expressions.

use rust_decimal::Decimal;

use super::hir::{Const, TExpr, TExprKind};
use super::suggest::help_for;
use super::types::{Ty, Type, common_type, comparable, numeric_join};
use super::{Checker, Decl, Scope};
use crate::check::CheckError;
use crate::syntax::Span;
use crate::syntax::ast::{self, BinaryOp, ExprKind, Literal, UnaryOp};

impl Checker<'_> {
    /// Checks an expression in a scope.
    pub(super) fn expr(&mut self, e: &ast::Expr, scope: Scope) -> TExpr {
        match &e.kind {
            ExprKind::Literal(lit) => literal(lit, e.span),
            ExprKind::Name(id) => self.name(id, scope),
            ExprKind::Path(a, b) => self.path(a, b, e.span),
            ExprKind::Call { func, args, filter } => {
                self.call(func, args, filter.as_deref(), e.span, scope)
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand, e.span, scope),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, scope),
            ExprKind::In {
                operand,
                list,
                negated,
            } => self.in_list(operand, list, *negated, e.span, scope),
            ExprKind::Between {
                operand,
                low,
                high,
                negated,
            } => self.between(operand, low, high, *negated, e.span, scope),
            ExprKind::IsNull { operand, negated } => {
                let x = self.expr(operand, scope);
                typed(
                    TExprKind::IsNull(Box::new(x), *negated),
                    Type::of(Ty::Bool),
                    e.span,
                )
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.if_expr(cond, then, otherwise, e.span, scope),
            ExprKind::Paren(inner) => {
                let mut x = self.expr(inner, scope);
                x.span = e.span;
                x
            }
        }
    }

    /// Checks a condition: it must be a bool (null counts as false where it is used).
    pub(super) fn condition(&mut self, e: &ast::Expr, context: &str, scope: Scope) -> TExpr {
        let x = self.expr(e, scope);
        self.expect_bool(&x, context);
        x
    }

    pub(super) fn expect_bool(&mut self, x: &TExpr, context: &str) {
        if !matches!(x.ty.ty, Ty::Bool | Ty::Error | Ty::Null) {
            self.error(CheckError::NotBool {
                context: context.into(),
                found: x.ty.to_string(),
                span: x.span,
            });
        }
    }

    fn name(&mut self, id: &ast::Ident, scope: Scope) -> TExpr {
        if id.name == "as_of" {
            return typed(TExprKind::AsOf, Type::of(Ty::Date), id.span);
        }
        if let Scope::Event(stream) = scope {
            let record = &self.streams[stream].record;
            if let Some(i) = record.field(&id.name) {
                return typed(
                    TExprKind::EventField(i),
                    record.fields[i].ty.clone(),
                    id.span,
                );
            }
        }
        if scope == Scope::Metric {
            return self.misplaced(
                format!("`{}` stands outside an aggregate in a metric", id.name),
                id.span,
                "in a metric, every name stands inside `count()`, `rate`, `sum`, `avg`, `min`, `max` or `percentile`",
            );
        }
        if let Some(entity) = &self.entity
            && let Some(i) = entity.field(&id.name)
        {
            return typed(
                TExprKind::EntityField(i),
                entity.fields[i].ty.clone(),
                id.span,
            );
        }
        match self.names.get(&id.name).map(|(d, _)| *d) {
            Some(decl) => self.declared_name(decl, id),
            None => self.unknown_name(id, scope),
        }
    }

    fn declared_name(&mut self, decl: Decl, id: &ast::Ident) -> TExpr {
        let span = id.span;
        match decl {
            Decl::Let(i) => {
                let ty = self.let_expr(i).ty;
                typed(TExprKind::Let(i), ty, span)
            }
            Decl::Param(i) => typed(TExprKind::Param(i), self.params[i].ty.clone(), span),
            Decl::Segment(i) => typed(TExprKind::Segment(i), Type::of(Ty::Bool), span),
            Decl::Segmentation(i) => {
                let names: Vec<String> = self.segmentation_items[i]
                    .segments
                    .iter()
                    .map(|s| s.name.name.clone())
                    .collect();
                typed(
                    TExprKind::SegmentationName(i),
                    Type::nullable(Ty::Enum(names.into())),
                    span,
                )
            }
            Decl::Events(_) => self.misplaced(
                format!("events `{}` is not a value", id.name),
                span,
                &format!(
                    "aggregate it, e.g. `count({0})` or `max({0}.FIELD)`",
                    id.name
                ),
            ),
            Decl::Entity | Decl::Action(_) | Decl::Campaign | Decl::Metric => self.misplaced(
                format!("`{}` is not a value", id.name),
                span,
                "an expression may use entity fields, `let`s, `param`s, segments and segmentations",
            ),
        }
    }

    fn unknown_name(&mut self, id: &ast::Ident, scope: Scope) -> TExpr {
        let mut candidates: Vec<String> = Vec::new();
        if let Scope::Event(stream) = scope {
            candidates.extend(
                self.streams[stream]
                    .record
                    .fields
                    .iter()
                    .map(|f| f.name.clone()),
            );
        }
        if let Some(entity) = &self.entity {
            candidates.extend(entity.fields.iter().map(|f| f.name.clone()));
        }
        candidates.extend(
            self.names
                .iter()
                .filter(|(_, (d, _))| {
                    matches!(
                        d,
                        Decl::Let(_) | Decl::Param(_) | Decl::Segment(_) | Decl::Segmentation(_)
                    )
                })
                .map(|(n, _)| n.clone()),
        );
        candidates.sort();
        candidates.dedup();
        let help = help_for(&id.name, "name", candidates.iter().map(String::as_str));
        let label = match scope {
            Scope::Event(stream) => format!(
                "not a field of `{}`, nor an entity field, `let`, `param` or segment",
                self.streams[stream].record.name
            ),
            _ => "not an entity field, `let`, `param`, segment or segmentation".to_string(),
        };
        self.error(CheckError::UnknownName {
            name: id.name.clone(),
            label,
            span: id.span,
            help,
        });
        error_expr(id.span)
    }

    /// `a.b`: only a segmentation's segment is a value.
    fn path(&mut self, a: &ast::Ident, b: &ast::Ident, span: Span) -> TExpr {
        let is_field = self
            .entity
            .as_ref()
            .is_some_and(|e| e.field(&a.name).is_some());
        let decl = if is_field {
            Some(Decl::Entity)
        } else {
            self.names.get(&a.name).map(|(d, _)| *d)
        };
        match decl {
            Some(Decl::Segmentation(i)) => self.segment_of(i, a, b, span),
            Some(Decl::Events(_)) => self.misplaced(
                format!("`{}.{}` stands here outside an aggregate", a.name, b.name),
                span,
                &format!(
                    "an event field is read through an aggregate, e.g. `max({}.{})`",
                    a.name, b.name
                ),
            ),
            Some(_) => self.misplaced(
                format!("`{}` has no parts to select with `.`", a.name),
                span,
                "`A.B` names a segment of a segmentation, or an events field inside an aggregate",
            ),
            None => {
                let mut candidates: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, (d, _))| matches!(d, Decl::Segmentation(_) | Decl::Events(_)))
                    .map(|(n, _)| n.as_str())
                    .collect();
                candidates.sort();
                let help = help_for(&a.name, "segmentation", candidates);
                self.error(CheckError::UnknownName {
                    name: a.name.clone(),
                    label: "not a segmentation or events stream".into(),
                    span: a.span,
                    help,
                });
                error_expr(span)
            }
        }
    }

    fn segment_of(&mut self, i: usize, a: &ast::Ident, b: &ast::Ident, span: Span) -> TExpr {
        let segments = &self.segmentation_items[i].segments;
        if let Some(j) = segments.iter().position(|s| s.name.name == b.name) {
            return typed(TExprKind::SegmentOf(i, j), Type::of(Ty::Bool), span);
        }
        let names: Vec<&str> = segments.iter().map(|s| s.name.name.as_str()).collect();
        let help = help_for(&b.name, "segment", names);
        self.error(CheckError::UnknownSegment {
            segmentation: a.name.clone(),
            segment: b.name.clone(),
            span: b.span,
            help,
        });
        error_expr(span)
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, span: Span, scope: Scope) -> TExpr {
        let x = self.expr(operand, scope);
        match op {
            UnaryOp::Neg => {
                if !x.ty.is_numeric() && !matches!(x.ty.ty, Ty::Duration | Ty::Null) {
                    self.mismatch(
                        "unary `-`",
                        "a number",
                        &x,
                        "negate an int, decimal or float",
                    );
                }
                let ty = x.ty.clone();
                typed(TExprKind::Neg(Box::new(x)), ty, span)
            }
            UnaryOp::Not => {
                self.expect_bool(&x, "the operand of `not`");
                let ty = Type::of(Ty::Bool).or_null(x.ty.nullable);
                typed(TExprKind::Not(Box::new(x)), ty, span)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        scope: Scope,
    ) -> TExpr {
        let a = self.expr(lhs, scope);
        let b = self.expr(rhs, scope);
        let nullable = a.ty.nullable || b.ty.nullable;
        let ty = match op {
            BinaryOp::And | BinaryOp::Or => {
                let context = format!("an operand of `{}`", op.symbol());
                self.expect_bool(&a, &context);
                self.expect_bool(&b, &context);
                Type::of(Ty::Bool).or_null(nullable)
            }
            _ if op.is_comparison() => {
                self.comparison(&a, &b, lhs, rhs, op.symbol());
                Type::of(Ty::Bool).or_null(nullable)
            }
            BinaryOp::Add | BinaryOp::Sub => self.additive(op, &a, &b).or_null(nullable),
            BinaryOp::Mul | BinaryOp::Div => self.multiplicative(op, &a, &b).or_null(nullable),
            _ => unreachable!("{op:?} is a comparison"),
        };
        typed(TExprKind::Binary(op, Box::new(a), Box::new(b)), ty, span)
    }

    /// Checks that two operands compare, and that enum literals are among the enum's values.
    fn comparison(&mut self, a: &TExpr, b: &TExpr, lhs: &ast::Expr, rhs: &ast::Expr, op: &str) {
        if !comparable(&a.ty, &b.ty) {
            self.error(CheckError::TypeMismatch {
                context: format!("`{op}`"),
                expected: format!("a value comparable with {}", a.ty),
                found: b.ty.to_string(),
                span: b.span,
                help: format!(
                    "both sides must be numbers, texts, dates or bools; the left side is {}",
                    a.ty
                ),
            });
            return;
        }
        self.check_enum_literal(&a.ty, rhs);
        self.check_enum_literal(&b.ty, lhs);
    }

    /// A string literal compared with (or assigned to) an enum must be one of its values.
    pub(super) fn check_enum_literal(&mut self, ty: &Type, e: &ast::Expr) {
        let Ty::Enum(values) = &ty.ty else { return };
        let ExprKind::Literal(Literal::String(s)) = &e.unparenthesized().kind else {
            return;
        };
        if values.iter().any(|v| v == s) {
            return;
        }
        let help = match super::suggest::closest(s, values.iter().map(String::as_str)) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None => {
                let all: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                format!("the values are {}", all.join(", "))
            }
        };
        self.error(CheckError::EnumValue {
            value: s.clone(),
            enum_type: ty.ty.to_string(),
            span: e.span,
            help,
        });
    }

    fn additive(&mut self, op: BinaryOp, a: &TExpr, b: &TExpr) -> Type {
        if a.ty.is_wild() || b.ty.is_wild() {
            return Type::of(if a.ty.is_wild() {
                b.ty.ty.clone()
            } else {
                a.ty.ty.clone()
            });
        }
        if a.ty.is_numeric() && b.ty.is_numeric() {
            return Type::of(numeric_join(&a.ty.ty, &b.ty.ty));
        }
        if a.ty.is_temporal() && b.ty.ty == Ty::Duration {
            return Type::of(a.ty.ty.clone());
        }
        if op == BinaryOp::Add && a.ty.ty == Ty::Duration && b.ty.is_temporal() {
            return Type::of(b.ty.ty.clone());
        }
        let (culprit, expected, help) = additive_problem(op, a, b);
        let help = format!("the operands are {} and {}; {help}", a.ty, b.ty);
        self.mismatch(&format!("`{}`", op.symbol()), expected, culprit, &help);
        Type::error()
    }

    fn multiplicative(&mut self, op: BinaryOp, a: &TExpr, b: &TExpr) -> Type {
        for x in [a, b] {
            if !x.ty.is_numeric() && x.ty.ty != Ty::Null {
                self.mismatch(
                    &format!("`{}`", op.symbol()),
                    "a number",
                    x,
                    "multiply and divide ints, decimals and floats",
                );
                return Type::error();
            }
        }
        if op == BinaryOp::Div {
            // Division always yields a float, and null on division by zero.
            return Type::nullable(Ty::Float);
        }
        Type::of(numeric_join(&a.ty.ty, &b.ty.ty))
    }

    fn in_list(
        &mut self,
        operand: &ast::Expr,
        list: &[ast::Expr],
        negated: bool,
        span: Span,
        scope: Scope,
    ) -> TExpr {
        let x = self.expr(operand, scope);
        let mut nullable = x.ty.nullable;
        let mut items = Vec::new();
        for item in list {
            let y = self.expr(item, scope);
            nullable |= y.ty.nullable;
            self.comparison(&x, &y, operand, item, "in");
            items.push(y);
        }
        typed(
            TExprKind::In(Box::new(x), items, negated),
            Type::of(Ty::Bool).or_null(nullable),
            span,
        )
    }

    fn between(
        &mut self,
        operand: &ast::Expr,
        low: &ast::Expr,
        high: &ast::Expr,
        negated: bool,
        span: Span,
        scope: Scope,
    ) -> TExpr {
        let x = self.expr(operand, scope);
        let lo = self.expr(low, scope);
        let hi = self.expr(high, scope);
        self.comparison(&x, &lo, operand, low, "between");
        self.comparison(&x, &hi, operand, high, "between");
        let nullable = x.ty.nullable || lo.ty.nullable || hi.ty.nullable;
        let kind = TExprKind::Between(Box::new(x), Box::new(lo), Box::new(hi), negated);
        typed(kind, Type::of(Ty::Bool).or_null(nullable), span)
    }

    fn if_expr(
        &mut self,
        cond: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        span: Span,
        scope: Scope,
    ) -> TExpr {
        let c = self.condition(cond, "an `if` condition", scope);
        let a = self.expr(then, scope);
        let b = self.expr(otherwise, scope);
        let ty = match common_type(&a.ty, &b.ty) {
            Some(ty) => ty,
            None => {
                self.mismatch(
                    "the `else` branch",
                    &format!("the type of the `then` branch, {}", a.ty),
                    &b,
                    "both branches of `if` must have one type",
                );
                Type::error()
            }
        };
        typed(
            TExprKind::If(Box::new(c), Box::new(a), Box::new(b)),
            ty,
            span,
        )
    }

    pub(super) fn mismatch(&mut self, context: &str, expected: &str, found: &TExpr, help: &str) {
        if found.ty.ty == Ty::Error {
            return;
        }
        self.error(CheckError::TypeMismatch {
            context: context.into(),
            expected: expected.into(),
            found: found.ty.to_string(),
            span: found.span,
            help: help.into(),
        });
    }

    pub(super) fn misplaced(&mut self, message: String, span: Span, help: &str) -> TExpr {
        self.error(CheckError::Misplaced {
            message,
            span,
            help: help.into(),
        });
        error_expr(span)
    }
}

/// A typed expression node.
pub(super) fn typed(kind: TExprKind, ty: Type, span: Span) -> TExpr {
    TExpr { kind, ty, span }
}

/// A placeholder for an expression that failed to check (its error is already reported).
pub(super) fn error_expr(span: Span) -> TExpr {
    typed(TExprKind::Const(Const::Null), Type::error(), span)
}

/// The typed constant of a literal.
pub(super) fn literal(lit: &Literal, span: Span) -> TExpr {
    let (value, ty) = match lit {
        Literal::Int(n) => (Const::Int(*n), Ty::Int),
        Literal::Decimal(d) => (Const::Decimal(*d), Ty::Decimal),
        Literal::Percent(p) => (Const::Decimal(*p / Decimal::ONE_HUNDRED), Ty::Decimal),
        Literal::String(s) => (Const::Str(s.as_str().into()), Ty::String),
        Literal::Bool(b) => (Const::Bool(*b), Ty::Bool),
        Literal::Null => {
            return typed(
                TExprKind::Const(Const::Null),
                Type::nullable(Ty::Null),
                span,
            );
        }
        Literal::Date(d) => (Const::Date(*d), Ty::Date),
        Literal::DateTime(dt) => (Const::DateTime(*dt), Ty::DateTime),
        Literal::Duration(n, unit) => (Const::Duration(*n, *unit), Ty::Duration),
    };
    typed(TExprKind::Const(value), Type::of(ty), span)
}

/// Which operand of a bad `+`/`-` to blame, what it should be, and how to fix it.
fn additive_problem<'e>(
    op: BinaryOp,
    a: &'e TExpr,
    b: &'e TExpr,
) -> (&'e TExpr, &'static str, &'static str) {
    let is_duration = |x: &TExpr| x.ty.ty == Ty::Duration;
    if a.ty.is_text() || b.ty.is_text() {
        let culprit = if a.ty.is_text() { a } else { b };
        return (culprit, "a number", "to join texts, use `concat(a, b)`");
    }
    if a.ty.is_temporal() && b.ty.is_temporal() {
        return (
            b,
            "a duration",
            "to count the days between two dates, use `days_between(a, b)`",
        );
    }
    if a.ty.is_temporal() {
        return (
            b,
            "a duration",
            "write a duration such as `365 days`, or `days(n)` for an int `n`",
        );
    }
    if is_duration(a) && is_duration(b) {
        return (
            a,
            "a date or datetime",
            "a duration is added to a date or datetime: `as_of - 30 days`",
        );
    }
    if is_duration(a) && op == BinaryOp::Sub {
        return (
            a,
            "a date or datetime",
            "subtract the duration from the date: `as_of - 30 days`",
        );
    }
    if is_duration(a) || is_duration(b) {
        let culprit = if is_duration(a) { b } else { a };
        return (
            culprit,
            "a date or datetime",
            "a duration is added to a date or datetime: `as_of - 30 days`",
        );
    }
    let culprit = if a.ty.is_numeric() { b } else { a };
    (
        culprit,
        "a number",
        "add and subtract numbers, or a duration to or from a date",
    )
}
