//! Lint stage: what values an expression of the AST can take — its type and nullability
//! from the HIR, and a range where one is known (`count(...)` is at least 0,
//! `ntile(x, 5)` lies in 1..5, `6 - ntile(x, 5)` too).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::intervals::{Domain, Key, Kind};
use super::walk;
use crate::check::hir::{AggFunc, Const, Hir, PopFunc, ScalarFn, Segmentation, TExpr, TExprKind};
use crate::check::types::Ty;
use crate::syntax::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};

/// The typed HIR expression of each AST expression, found by its span.
pub(super) struct Types<'h> {
    hir: &'h Hir,
    by_span: HashMap<Span, &'h TExpr>,
}

impl<'h> Types<'h> {
    /// Indexes every expression of the HIR by its span.
    pub(super) fn new(hir: &'h Hir) -> Types<'h> {
        let by_span = walk::hir_expressions(hir)
            .into_iter()
            .map(|e| (e.span, e))
            .collect();
        Types { hir, by_span }
    }

    /// The checked program.
    pub(super) fn hir(&self) -> &'h Hir {
        self.hir
    }

    /// The typed form of an expression as written (parentheses included: the checker
    /// gives a parenthesised expression the span of its parentheses).
    ///
    /// `None` for an expression the HIR does not hold, such as the `where` of an
    /// aggregate written a second time (the checker keeps the first).
    pub(super) fn of(&self, e: &Expr) -> Option<&'h TExpr> {
        match (self.by_span.get(&e.span), &e.kind) {
            (Some(t), _) => Some(t),
            (None, ExprKind::Paren(inner)) => self.of(inner),
            (None, _) => None,
        }
    }

    /// The values an expression can take, when it is of a type the analysis knows.
    pub(super) fn domain(&self, e: &Expr) -> Option<Domain> {
        let t = self.of(e)?;
        if let TExprKind::SegmentationName(i) = t.kind {
            return self.segmentation(i).map(|(_, domain)| domain);
        }
        let nullable = t.ty.nullable;
        Some(match &t.ty.ty {
            Ty::Int => self.numbers(Kind::Int, t, nullable),
            Ty::Decimal | Ty::Float => self.numbers(Kind::Real, t, nullable),
            Ty::String => Domain::line(Kind::Text, nullable),
            Ty::Enum(values) => enum_domain(values.iter(), nullable),
            Ty::Bool => bool_domain(nullable),
            Ty::Date => Domain::line(Kind::Date, nullable),
            Ty::DateTime => Domain::line(Kind::Time, nullable),
            Ty::Duration | Ty::Null | Ty::Error => return None,
        })
    }

    /// Whether an expression may be null.
    pub(super) fn nullable(&self, e: &Expr) -> Option<bool> {
        match self.domain(e) {
            Some(domain) => Some(domain.is_nullable()),
            None => self.of(e).map(|t| t.ty.nullable),
        }
    }

    /// For `tier.private`: the segmentation's name, the segment's, and the segmentation's
    /// values.
    pub(super) fn segment_of(&self, e: &Expr) -> Option<(String, String, Domain)> {
        let TExprKind::SegmentOf(i, j) = self.of(e)?.kind else {
            return None;
        };
        let (segmentation, domain) = self.segmentation(i)?;
        let segment = segmentation.rules.get(j)?;
        Some((segmentation.name.clone(), segment.name.clone(), domain))
    }

    /// A segmentation and its values: the names of its segments, and null unless it
    /// ends with `otherwise`.
    fn segmentation(&self, i: usize) -> Option<(&'h Segmentation, Domain)> {
        let segmentation = self.hir.segmentations.get(i)?;
        let names = segmentation.rules.iter().map(|r| &r.name);
        let nullable = segmentation.rules.iter().all(|r| r.condition.is_some());
        Some((segmentation, enum_domain(names, nullable)))
    }

    /// The numbers an expression can take, within its known range.
    fn numbers(&self, kind: Kind, t: &TExpr, nullable: bool) -> Domain {
        let range = self.range(t).unwrap_or(Range::ANY);
        Domain::numbers(kind, range.lo, range.hi, nullable)
    }

    /// The range of a numeric expression; `None` when it only ever is null.
    fn range(&self, t: &TExpr) -> Option<Range> {
        Some(match &t.kind {
            TExprKind::Const(Const::Int(n)) => Range::point(Decimal::from(*n)),
            TExprKind::Const(Const::Decimal(d)) => Range::point(*d),
            TExprKind::Const(Const::Null) => return None,
            TExprKind::Let(i) => return self.hir.lets.get(*i).and_then(|l| self.range(&l.expr)),
            TExprKind::Aggregate(i) => self.aggregate_range(*i),
            TExprKind::Population(i) => self.population_range(*i),
            TExprKind::Neg(x) => self.range(x)?.negated(),
            TExprKind::Binary(BinaryOp::Add, a, b) => self.range(a)?.plus(self.range(b)?),
            TExprKind::Binary(BinaryOp::Sub, a, b) => self.range(a)?.plus(self.range(b)?.negated()),
            TExprKind::If(_, a, b) => match (self.range(a), self.range(b)) {
                (Some(a), Some(b)) => a.hull(b),
                (a, b) => return a.or(b),
            },
            TExprKind::Call(f, _) => call_range(*f),
            _ => Range::ANY,
        })
    }

    fn aggregate_range(&self, i: usize) -> Range {
        match self.hir.aggregates.get(i).map(|a| a.func) {
            Some(AggFunc::Count | AggFunc::CountDistinct) => Range::at_least(Decimal::ZERO),
            _ => Range::ANY,
        }
    }

    fn population_range(&self, i: usize) -> Range {
        match self.hir.populations.get(i).map(|p| p.func) {
            Some(PopFunc::Ntile(n)) => Range::between(Decimal::ONE, Decimal::from(n)),
            Some(PopFunc::PercentRank) => Range::between(Decimal::ZERO, Decimal::ONE),
            _ => Range::ANY,
        }
    }
}

/// The values of an enum (or of a segmentation: its segment names).
fn enum_domain<'a>(values: impl Iterator<Item = &'a String>, nullable: bool) -> Domain {
    Domain::points(Kind::Enum, values.map(|v| Key::Str(v.clone())), nullable)
}

/// `false` and `true`.
pub(super) fn bool_domain(nullable: bool) -> Domain {
    Domain::points(Kind::Bool, [Key::Bool(false), Key::Bool(true)], nullable)
}

/// The range of a scalar function's result, whatever its arguments.
fn call_range(f: ScalarFn) -> Range {
    let between = |lo: i64, hi: i64| Range::between(Decimal::from(lo), Decimal::from(hi));
    match f {
        ScalarFn::Abs | ScalarFn::Length => Range::at_least(Decimal::ZERO),
        ScalarFn::Month => between(1, 12),
        ScalarFn::Day => between(1, 31),
        ScalarFn::Weekday => between(1, 7),
        _ => Range::ANY,
    }
}

/// Closed bounds of a number; `None` is no bound.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: Option<Decimal>,
    hi: Option<Decimal>,
}

impl Range {
    const ANY: Range = Range { lo: None, hi: None };

    fn point(n: Decimal) -> Range {
        Range::between(n, n)
    }

    fn between(lo: Decimal, hi: Decimal) -> Range {
        Range {
            lo: Some(lo),
            hi: Some(hi),
        }
    }

    fn at_least(lo: Decimal) -> Range {
        Range {
            lo: Some(lo),
            hi: None,
        }
    }

    fn negated(self) -> Range {
        Range {
            lo: self.hi.map(|n| -n),
            hi: self.lo.map(|n| -n),
        }
    }

    /// The range of a sum (a bound that overflows is no bound).
    fn plus(self, other: Range) -> Range {
        let add = |a: Option<Decimal>, b: Option<Decimal>| a?.checked_add(b?);
        Range {
            lo: add(self.lo, other.lo),
            hi: add(self.hi, other.hi),
        }
    }

    /// The smallest range holding both.
    fn hull(self, other: Range) -> Range {
        let pick = |a: Option<Decimal>, b: Option<Decimal>, f: fn(Decimal, Decimal) -> Decimal| {
            Some(f(a?, b?))
        };
        Range {
            lo: pick(self.lo, other.lo, Decimal::min),
            hi: pick(self.hi, other.hi, Decimal::max),
        }
    }
}
