//! Lint stage: reading a condition as sets of values. [`Analyzer::conditions`] turns a
//! condition into alternatives ([`Conj`], joined by `or`), each a conjunction that
//! confines some values ([`Dim`]s) to a [`Set`].
//!
//! A value is an expression compared with constants, named by its canonical text
//! (`recency`, `days_between(signup_date, as_of)`); two non-constant sides make one value,
//! how they compare (`recency <= churn_days`); any other bool expression (`vip`,
//! `rfm.champions`, `exists(orders)`) is a value of its own. `not` is pushed down to the
//! comparisons with the three-valued logic of the language: `not x > 3` holds for
//! `x <= 3`, not for a null `x`.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::alternatives::{Conj, Dim, DimId, Shape, constrain, either, product};
use super::domains::{Types, bool_domain};
use super::intervals::{Domain, Key, Kind, Set};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

/// A constant side of a comparison.
#[derive(Debug, Clone)]
enum Constant {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    Date(NaiveDate),
    Time(NaiveDateTime),
}

/// The constant an expression is, if it is a literal (or a negated number literal).
fn constant(e: &Expr) -> Option<Constant> {
    match &e.unparenthesized().kind {
        ExprKind::Literal(lit) => literal(lit),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match constant(operand)? {
            Constant::Num(n) => Some(Constant::Num(-n)),
            _ => None,
        },
        _ => None,
    }
}

fn literal(lit: &Literal) -> Option<Constant> {
    Some(match lit {
        Literal::Int(n) => Constant::Num(Decimal::from(*n)),
        Literal::Decimal(d) => Constant::Num(*d),
        Literal::Percent(p) => Constant::Num(p.checked_div(Decimal::ONE_HUNDRED)?),
        Literal::String(s) => Constant::Str(s.clone()),
        Literal::Bool(b) => Constant::Bool(*b),
        Literal::Null => Constant::Null,
        Literal::Date(d) => Constant::Date(*d),
        Literal::DateTime(t) => Constant::Time(*t),
        Literal::Duration(..) => return None,
    })
}

/// A constant as a value of a domain of `kind`, when it is one.
fn key_of(c: &Constant, kind: Kind) -> Option<Key> {
    Some(match (c, kind) {
        (Constant::Num(n), Kind::Int | Kind::Real) => Key::Num(*n),
        (Constant::Str(s), Kind::Text | Kind::Enum) => Key::Str(s.clone()),
        (Constant::Bool(b), Kind::Bool) => Key::Bool(*b),
        (Constant::Date(d), Kind::Date) => Key::Date(*d),
        (Constant::Date(d), Kind::Time) => Key::Time(d.and_time(NaiveTime::MIN)),
        (Constant::Time(t), Kind::Time) => Key::Time(*t),
        _ => return None,
    })
}

/// The text of a condition as it acts: itself, or its negation.
fn source(e: &Expr, positive: bool) -> String {
    if positive {
        e.unparenthesized().to_string()
    } else {
        format!("not {}", e.unparenthesized())
    }
}

/// Turns conditions into alternatives over values; the values of all conditions given
/// to one analyzer are shared, so their sets can be compared.
pub(super) struct Analyzer<'a> {
    types: &'a Types<'a>,
    dims: Vec<Dim>,
    index: HashMap<Shape, DimId>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer reading types from `types`.
    pub(super) fn new(types: &'a Types<'a>) -> Analyzer<'a> {
        Analyzer {
            types,
            dims: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The values met so far.
    pub(super) fn dims(&self) -> &[Dim] {
        &self.dims
    }

    /// A condition as alternatives; `None` when it is too large or holds parts of
    /// unknown type.
    pub(super) fn conditions(&mut self, e: &Expr) -> Option<Vec<Conj>> {
        self.nnf(e, true)
    }

    /// The alternatives of `e` (`positive`) or of `not e`.
    fn nnf(&mut self, e: &Expr, positive: bool) -> Option<Vec<Conj>> {
        match &e.unparenthesized().kind {
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => self.junction(lhs, rhs, positive, positive),
            ExprKind::Binary {
                op: BinaryOp::Or,
                lhs,
                rhs,
            } => self.junction(lhs, rhs, positive, !positive),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => self.nnf(operand, !positive),
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                self.comparison(lhs, *op, rhs, positive, &source(e, positive))
            }
            ExprKind::Between {
                operand,
                low,
                high,
                negated,
            } => self.between(
                operand,
                low,
                high,
                positive != *negated,
                &source(e, positive),
            ),
            ExprKind::In {
                operand,
                list,
                negated,
            } => self.in_list(operand, list, positive != *negated, &source(e, positive)),
            ExprKind::IsNull { operand, negated } => {
                self.is_null(operand, positive != *negated, &source(e, positive))
            }
            ExprKind::Literal(Literal::Bool(b)) if *b == positive => Some(vec![Conj::always()]),
            ExprKind::Literal(Literal::Bool(_) | Literal::Null) => Some(vec![never(e, positive)]),
            ExprKind::Path(..) if self.types.segment_of(e).is_some() => {
                self.segment_of(e, positive)
            }
            _ => self.atom(e, positive),
        }
    }

    /// `a and b` (`conjunctive`) or `a or b`, each side taken as it acts.
    fn junction(
        &mut self,
        a: &Expr,
        b: &Expr,
        positive: bool,
        conjunctive: bool,
    ) -> Option<Vec<Conj>> {
        let a = self.nnf(a, positive)?;
        let b = self.nnf(b, positive)?;
        if conjunctive {
            product(&a, &b, &self.dims)
        } else {
            either(a, b)
        }
    }

    /// `lhs op rhs`, or its negation.
    fn comparison(
        &mut self,
        lhs: &Expr,
        op: BinaryOp,
        rhs: &Expr,
        positive: bool,
        source: &str,
    ) -> Option<Vec<Conj>> {
        match (constant(lhs).is_some(), constant(rhs).is_some()) {
            (false, true) => self.against(lhs, op, rhs, positive, source),
            (true, false) => self.against(rhs, op.flipped(), lhs, positive, source),
            (false, false) => self.pair(lhs, op, rhs, positive, source),
            (true, true) => None,
        }
    }

    /// `value op c` for a constant `c`, or its negation.
    fn against(
        &mut self,
        value: &Expr,
        op: BinaryOp,
        c: &Expr,
        positive: bool,
        source: &str,
    ) -> Option<Vec<Conj>> {
        let constant = constant(c)?;
        if let Constant::Null = constant {
            let note = format!(
                "a comparison with `null` is never true; write `{} is null`",
                value.unparenthesized()
            );
            return Some(vec![Conj::never_because(source, Some(note))]);
        }
        let dim = self.value(value)?;
        let Some(key) = key_of(&constant, self.dims[dim].domain().kind()) else {
            let text = format!("{} {} {}", value.unparenthesized(), op.symbol(), c);
            let nullable = self.dims[dim].domain().is_nullable();
            return Some(self.text_atom(text, nullable, positive, source));
        };
        let set = |d: &Domain| {
            let holds = d.compare(op, key.clone());
            if positive {
                holds
            } else {
                d.non_null().minus(&holds, d)
            }
        };
        Some(vec![constrain(&self.dims, dim, set, source)])
    }

    /// `lhs op rhs` for two non-constant sides: how they compare is the value.
    fn pair(
        &mut self,
        lhs: &Expr,
        op: BinaryOp,
        rhs: &Expr,
        positive: bool,
        source: &str,
    ) -> Option<Vec<Conj>> {
        let (left, right) = (lhs.unparenthesized(), rhs.unparenthesized());
        let nullable = self.types.nullable(lhs)? || self.types.nullable(rhs)?;
        let (shape, op) = if left.to_string() <= right.to_string() {
            (Shape::Pair(left.to_string(), right.to_string()), op)
        } else {
            (
                Shape::Pair(right.to_string(), left.to_string()),
                op.flipped(),
            )
        };
        let orders = [Ordering::Less, Ordering::Equal, Ordering::Greater];
        let domain = Domain::points(Kind::Order, orders.map(Key::Order), nullable);
        let dim = self.dim(shape, domain);
        let set = |d: &Domain| {
            let holds = d.compare(op, Key::Order(Ordering::Equal));
            if positive {
                holds
            } else {
                d.non_null().minus(&holds, d)
            }
        };
        Some(vec![constrain(&self.dims, dim, set, source)])
    }

    /// `x between low and high` (`inside`), or `x not between low and high`.
    fn between(
        &mut self,
        x: &Expr,
        low: &Expr,
        high: &Expr,
        inside: bool,
        source: &str,
    ) -> Option<Vec<Conj>> {
        let above = self.comparison(x, BinaryOp::Ge, low, inside, source)?;
        let below = self.comparison(x, BinaryOp::Le, high, inside, source)?;
        if inside {
            product(&above, &below, &self.dims)
        } else {
            either(above, below)
        }
    }

    /// `x in [...]` (`member`), or `x not in [...]`.
    fn in_list(
        &mut self,
        x: &Expr,
        list: &[Expr],
        member: bool,
        source: &str,
    ) -> Option<Vec<Conj>> {
        let constants: Option<Vec<Constant>> = list.iter().map(constant).collect();
        if let (Some(constants), None) = (&constants, constant(x)) {
            let dim = self.value(x)?;
            let kind = self.dims[dim].domain().kind();
            let has_null = constants.iter().any(|c| matches!(c, Constant::Null));
            let keys: Option<Vec<Key>> = constants
                .iter()
                .filter(|c| !matches!(c, Constant::Null))
                .map(|c| key_of(c, kind))
                .collect();
            if let Some(keys) = keys {
                let set = |d: &Domain| member_set(d, &keys, has_null, member);
                return Some(vec![constrain(&self.dims, dim, set, source)]);
            }
        }
        let mut alternatives: Option<Vec<Conj>> = None;
        for item in list {
            let one = self.comparison(x, BinaryOp::Eq, item, member, source)?;
            alternatives = Some(match alternatives {
                None => one,
                Some(so_far) if member => either(so_far, one)?,
                Some(so_far) => product(&so_far, &one, &self.dims)?,
            });
        }
        alternatives
    }

    /// `x is null` (`null`), or `x is not null`.
    fn is_null(&mut self, x: &Expr, null: bool, source: &str) -> Option<Vec<Conj>> {
        let dim = self.value(x)?;
        let set = |d: &Domain| if null { d.null() } else { d.non_null() };
        Some(vec![constrain(&self.dims, dim, set, source)])
    }

    /// `tier.private`: the segmentation `tier`'s value is `"private"` (an entity in no
    /// segment of `tier` is in none of its segments, never null).
    fn segment_of(&mut self, e: &Expr, positive: bool) -> Option<Vec<Conj>> {
        let (segmentation, segment, domain) = self.types.segment_of(e)?;
        let dim = self.dim(Shape::Value(segmentation), domain);
        let key = Key::Str(segment);
        let set = |d: &Domain| {
            let holds = d.compare(BinaryOp::Eq, key.clone());
            if positive {
                holds
            } else {
                d.full().minus(&holds, d)
            }
        };
        Some(vec![constrain(&self.dims, dim, set, &source(e, positive))])
    }

    /// Any other bool expression: a value of its own.
    fn atom(&mut self, e: &Expr, positive: bool) -> Option<Vec<Conj>> {
        let dim = self.value(e)?;
        if self.dims[dim].domain().kind() != Kind::Bool {
            return None;
        }
        let set = |d: &Domain| d.compare(BinaryOp::Eq, Key::Bool(positive));
        Some(vec![constrain(&self.dims, dim, set, &source(e, positive))])
    }

    /// A comparison the analysis cannot read (a date against a datetime): a bool value
    /// named by its text.
    fn text_atom(
        &mut self,
        text: String,
        nullable: bool,
        positive: bool,
        source: &str,
    ) -> Vec<Conj> {
        let dim = self.dim(Shape::Value(text), bool_domain(nullable));
        let set = |d: &Domain| d.compare(BinaryOp::Eq, Key::Bool(positive));
        vec![constrain(&self.dims, dim, set, source)]
    }

    /// The value an expression is, registered on first sight.
    fn value(&mut self, e: &Expr) -> Option<DimId> {
        let shape = Shape::Value(e.unparenthesized().to_string());
        if let Some(&dim) = self.index.get(&shape) {
            return Some(dim);
        }
        let domain = self.types.domain(e)?;
        Some(self.dim(shape, domain))
    }

    /// The value of a shape, registered with `domain` on first sight.
    fn dim(&mut self, shape: Shape, domain: Domain) -> DimId {
        if let Some(&dim) = self.index.get(&shape) {
            return dim;
        }
        self.dims.push(Dim::new(shape.clone(), domain));
        self.index.insert(shape, self.dims.len() - 1);
        self.dims.len() - 1
    }
}

/// The values of a domain that are (`member`) or are not among `keys`; a null in the list
/// makes "not among" unknown, so never true.
fn member_set(d: &Domain, keys: &[Key], has_null: bool, member: bool) -> Set {
    let among = keys.iter().fold(Set::empty(), |acc, k| {
        acc.union(&d.compare(BinaryOp::Eq, k.clone()), d)
    });
    match (member, has_null) {
        (true, _) => among,
        (false, true) => Set::empty(),
        (false, false) => d.non_null().minus(&among, d),
    }
}

/// The alternative of a literal that never holds (`false`, `null`, `not true`).
fn never(e: &Expr, positive: bool) -> Conj {
    Conj::never_because(&source(e, positive), None)
}
