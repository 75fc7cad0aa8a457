//! Lint stage: sets of values of one expression (a union of intervals, plus null), the
//! ground the condition analysis stands on.
//!
//! A [`Domain`] says which values an expression can take at all (its type, its
//! nullability, a known range such as `1..5` for `ntile(x, 5)`); a [`Set`] is the part of
//! a domain where some condition holds. Ints and dates are discrete: `x > 3` on an int is
//! stored as `x >= 4`, so `x > 3` and `x >= 4` are the same set.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use chrono::{Days, NaiveDate, NaiveDateTime, TimeDelta};
use rust_decimal::Decimal;

use crate::syntax::ast::BinaryOp;
use crate::syntax::{datetime_text, write_string_literal};

/// One value of a domain. Values of one domain always share a variant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    /// A bool.
    Bool(bool),
    /// An int, decimal or float.
    Num(Decimal),
    /// A string or enum value.
    Str(String),
    /// A date.
    Date(NaiveDate),
    /// A datetime.
    Time(NaiveDateTime),
    /// How two values compare (the domain of `a < b` for two non-constant values).
    Order(Ordering),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Bool(b) => write!(f, "{b}"),
            Key::Num(n) => write!(f, "{}", n.normalize()),
            Key::Str(s) => write_string_literal(f, s),
            Key::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Key::Time(t) => f.write_str(&datetime_text(t)),
            Key::Order(Ordering::Less) => f.write_str("<"),
            Key::Order(Ordering::Equal) => f.write_str("="),
            Key::Order(Ordering::Greater) => f.write_str(">"),
        }
    }
}

/// What kind of values a domain holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Whole numbers (discrete).
    Int,
    /// Decimals and floats (dense).
    Real,
    /// Strings.
    Text,
    /// Enum values (finitely many).
    Enum,
    /// `false`, `true`.
    Bool,
    /// Dates (discrete).
    Date,
    /// Datetimes (dense).
    Time,
    /// `<`, `=`, `>`: how two values compare.
    Order,
}

impl Kind {
    /// Whether `x > c` is `x >= c + 1` in this kind.
    fn is_discrete(self) -> bool {
        matches!(self, Kind::Int | Kind::Date)
    }
}

/// An interval of values; bounds may be open, closed or absent.
#[derive(Debug, Clone, PartialEq)]
struct Interval {
    lo: Bound<Key>,
    hi: Bound<Key>,
}

impl Interval {
    /// Every value.
    fn everything() -> Interval {
        Interval {
            lo: Unbounded,
            hi: Unbounded,
        }
    }

    /// Just `key`.
    fn point(key: Key) -> Interval {
        Interval {
            lo: Included(key.clone()),
            hi: Included(key),
        }
    }

    fn is_empty(&self) -> bool {
        match (&self.lo, &self.hi) {
            (Unbounded, _) | (_, Unbounded) => false,
            (Included(a), Included(b)) => a > b,
            (Included(a) | Excluded(a), Included(b) | Excluded(b)) => a >= b,
        }
    }

    fn contains(&self, key: &Key) -> bool {
        let above = match &self.lo {
            Unbounded => true,
            Included(lo) => key >= lo,
            Excluded(lo) => key > lo,
        };
        let below = match &self.hi {
            Unbounded => true,
            Included(hi) => key <= hi,
            Excluded(hi) => key < hi,
        };
        above && below
    }

    fn intersect(&self, other: &Interval) -> Interval {
        let lo = match cmp_lower(&self.lo, &other.lo) {
            Ordering::Less => other.lo.clone(),
            _ => self.lo.clone(),
        };
        let hi = match cmp_upper(&self.hi, &other.hi) {
            Ordering::Greater => other.hi.clone(),
            _ => self.hi.clone(),
        };
        Interval { lo, hi }
    }

    /// The same values with closed bounds, for a discrete kind (`> 3` becomes `>= 4`);
    /// `None` when no value is left.
    fn discretized(self) -> Option<Interval> {
        let lo = match self.lo {
            Included(k) => Included(round_up(k)),
            Excluded(k) => Included(step(&k, 1)?),
            Unbounded => Unbounded,
        };
        let hi = match self.hi {
            Included(k) => Included(round_down(k)),
            Excluded(k) => Included(step(&round_up(k), -1)?),
            Unbounded => Unbounded,
        };
        Some(Interval { lo, hi })
    }

    /// A value inside the interval, preferring round ones (`91` rather than `90.5`).
    fn sample(&self, kind: Kind) -> Option<Key> {
        let candidates = match (&self.lo, &self.hi) {
            (Included(lo), _) => vec![lo.clone()],
            (Excluded(lo), hi) => above(lo, hi),
            (Unbounded, Included(hi)) => vec![hi.clone()],
            (Unbounded, Excluded(hi)) => below(hi),
            (Unbounded, Unbounded) => origin(kind).into_iter().collect(),
        };
        candidates.into_iter().find(|k| self.contains(k))
    }
}

/// Orders two lower bounds: absent first; at one value a closed bound comes first.
fn cmp_lower(a: &Bound<Key>, b: &Bound<Key>) -> Ordering {
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Less,
        (_, Unbounded) => Ordering::Greater,
        (Included(x) | Excluded(x), Included(y) | Excluded(y)) => x
            .cmp(y)
            .then_with(|| matches!(a, Excluded(_)).cmp(&matches!(b, Excluded(_)))),
    }
}

/// Orders two upper bounds: absent last; at one value an open bound comes first.
fn cmp_upper(a: &Bound<Key>, b: &Bound<Key>) -> Ordering {
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Greater,
        (_, Unbounded) => Ordering::Less,
        (Included(x) | Excluded(x), Included(y) | Excluded(y)) => x
            .cmp(y)
            .then_with(|| matches!(a, Included(_)).cmp(&matches!(b, Included(_)))),
    }
}

/// Whether an interval ending at `hi` and one starting at `lo` (not before it) leave no
/// value between them.
fn touches(hi: &Bound<Key>, lo: &Bound<Key>) -> bool {
    match (hi, lo) {
        (Unbounded, _) | (_, Unbounded) => true,
        (Excluded(h), Excluded(l)) => l < h,
        (Included(h) | Excluded(h), Included(l) | Excluded(l)) => l <= h,
    }
}

/// The complement of a bound: `< 3` ends where `>= 3` starts.
fn flip(bound: &Bound<Key>) -> Bound<Key> {
    match bound {
        Included(k) => Excluded(k.clone()),
        Excluded(k) => Included(k.clone()),
        Unbounded => Unbounded,
    }
}

/// The smallest whole value at or above `key` (a date is whole already).
fn round_up(key: Key) -> Key {
    match key {
        Key::Num(n) => Key::Num(n.ceil()),
        other => other,
    }
}

/// The largest whole value at or below `key`.
fn round_down(key: Key) -> Key {
    match key {
        Key::Num(n) => Key::Num(n.floor()),
        other => other,
    }
}

/// The whole value `by` steps away: for an open bound `> 3` of an int, `4`.
fn step(key: &Key, by: i64) -> Option<Key> {
    match key {
        Key::Num(n) => n.floor().checked_add(Decimal::from(by)).map(Key::Num),
        Key::Date(d) if by >= 0 => d
            .checked_add_days(Days::new(by.unsigned_abs()))
            .map(Key::Date),
        Key::Date(d) => d
            .checked_sub_days(Days::new(by.unsigned_abs()))
            .map(Key::Date),
        other => Some(other.clone()),
    }
}

/// Candidates just above an open lower bound `lo`, before `hi`.
fn above(lo: &Key, hi: &Bound<Key>) -> Vec<Key> {
    let mut candidates = Vec::new();
    match lo {
        Key::Num(n) => candidates.extend(n.checked_add(Decimal::ONE).map(Key::Num)),
        Key::Str(s) => {
            candidates.push(Key::Str(format!("{s}a")));
            candidates.push(Key::Str(format!("{s}\u{0}")));
        }
        Key::Time(t) => {
            candidates.extend(t.checked_add_signed(TimeDelta::seconds(1)).map(Key::Time));
        }
        Key::Bool(_) | Key::Date(_) | Key::Order(_) => {}
    }
    candidates.extend(midpoint(lo, hi));
    candidates
}

/// Candidates just below an open upper bound `hi` (no lower bound).
fn below(hi: &Key) -> Vec<Key> {
    match hi {
        Key::Num(n) => n
            .checked_sub(Decimal::ONE)
            .map(Key::Num)
            .into_iter()
            .collect(),
        Key::Str(_) => vec![Key::Str(String::new())],
        Key::Time(t) => t
            .checked_sub_signed(TimeDelta::days(1))
            .map(Key::Time)
            .into_iter()
            .collect(),
        Key::Bool(_) | Key::Date(_) | Key::Order(_) => Vec::new(),
    }
}

/// The value halfway between `lo` and a bounded `hi`, for numbers and datetimes.
fn midpoint(lo: &Key, hi: &Bound<Key>) -> Option<Key> {
    let (Included(hi) | Excluded(hi)) = hi else {
        return None;
    };
    match (lo, hi) {
        (Key::Num(a), Key::Num(b)) => {
            let sum = a.checked_add(*b)?;
            sum.checked_div(Decimal::TWO).map(Key::Num)
        }
        (Key::Time(a), Key::Time(b)) => a.checked_add_signed((*b - *a) / 2).map(Key::Time),
        _ => None,
    }
}

/// A natural example value of a kind with no bound at all.
fn origin(kind: Kind) -> Option<Key> {
    match kind {
        Kind::Int | Kind::Real => Some(Key::Num(Decimal::ZERO)),
        Kind::Text => Some(Key::Str(String::new())),
        Kind::Date => NaiveDate::from_ymd_opt(2000, 1, 1).map(Key::Date),
        Kind::Time => NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(Key::Time),
        Kind::Enum | Kind::Bool | Kind::Order => None,
    }
}

/// A set of values of one domain: some intervals, and maybe null.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Set {
    /// Whether null is in the set.
    null: bool,
    /// Sorted, disjoint, non-empty intervals.
    intervals: Vec<Interval>,
}

impl Set {
    /// No value at all.
    pub(crate) fn empty() -> Set {
        Set {
            null: false,
            intervals: Vec::new(),
        }
    }

    /// Whether the set holds no value, null included.
    pub(crate) fn is_empty(&self) -> bool {
        !self.null && self.intervals.is_empty()
    }

    /// Whether null is in the set.
    pub(crate) fn has_null(&self) -> bool {
        self.null
    }

    /// The values in both sets.
    pub(crate) fn intersect(&self, other: &Set, domain: &Domain) -> Set {
        let mut intervals = Vec::new();
        for a in &self.intervals {
            for b in &other.intervals {
                intervals.push(a.intersect(b));
            }
        }
        domain.set(self.null && other.null, intervals)
    }

    /// The values in either set.
    pub(crate) fn union(&self, other: &Set, domain: &Domain) -> Set {
        let intervals = self.intervals.iter().chain(&other.intervals).cloned();
        domain.set(self.null || other.null, intervals.collect())
    }

    /// The values of `self` that are not in `other`.
    pub(crate) fn minus(&self, other: &Set, domain: &Domain) -> Set {
        let complement = Set {
            null: !other.null,
            intervals: line_complement(&other.intervals),
        };
        self.intersect(&complement, domain)
    }

    /// A non-null value of the set, if it has one.
    pub(crate) fn sample(&self, domain: &Domain) -> Option<Key> {
        self.intervals.iter().find_map(|i| i.sample(domain.kind))
    }

    /// The set without null.
    pub(crate) fn without_null(&self) -> Set {
        Set {
            null: false,
            intervals: self.intervals.clone(),
        }
    }
}

/// The values outside sorted, disjoint intervals (null aside).
fn line_complement(intervals: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut start: Option<Bound<Key>> = Some(Unbounded);
    for interval in intervals {
        if let (Some(lo), false) = (&start, matches!(interval.lo, Unbounded)) {
            out.push(Interval {
                lo: lo.clone(),
                hi: flip(&interval.lo),
            });
        }
        start = match &interval.hi {
            Unbounded => None,
            hi => Some(flip(hi)),
        };
    }
    if let Some(lo) = start {
        out.push(Interval { lo, hi: Unbounded });
    }
    out.retain(|i| !i.is_empty());
    out
}

/// The values an expression can take: its kind, and every value it may have.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Domain {
    kind: Kind,
    full: Set,
}

impl Domain {
    /// Every value of a kind (and null when `nullable`).
    pub(crate) fn line(kind: Kind, nullable: bool) -> Domain {
        Domain {
            kind,
            full: Set {
                null: nullable,
                intervals: vec![Interval::everything()],
            },
        }
    }

    /// The numbers from `lo` to `hi` (both included; `None` is no bound).
    pub(crate) fn numbers(
        kind: Kind,
        lo: Option<Decimal>,
        hi: Option<Decimal>,
        nullable: bool,
    ) -> Domain {
        let bound = |b: Option<Decimal>| b.map_or(Unbounded, |n| Included(Key::Num(n)));
        let interval = Interval {
            lo: bound(lo),
            hi: bound(hi),
        };
        let mut domain = Domain::line(kind, nullable);
        domain.full = domain.set(nullable, vec![interval]);
        domain
    }

    /// Finitely many values (an enum's, `false` and `true`, `<` `=` `>`).
    pub(crate) fn points(
        kind: Kind,
        keys: impl IntoIterator<Item = Key>,
        nullable: bool,
    ) -> Domain {
        let mut domain = Domain::line(kind, nullable);
        let intervals = keys.into_iter().map(Interval::point).collect();
        domain.full = domain.set(nullable, intervals);
        domain
    }

    /// What kind of values the domain holds.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// Every value of the domain.
    pub(crate) fn full(&self) -> &Set {
        &self.full
    }

    /// Every non-null value of the domain.
    pub(crate) fn non_null(&self) -> Set {
        self.full.without_null()
    }

    /// Null, when the domain has it.
    pub(crate) fn null(&self) -> Set {
        Set {
            null: self.full.null,
            intervals: Vec::new(),
        }
    }

    /// Whether null is a value of the domain.
    pub(crate) fn is_nullable(&self) -> bool {
        self.full.null
    }

    /// The non-null values `v` of the domain for which `v op key` holds.
    pub(crate) fn compare(&self, op: BinaryOp, key: Key) -> Set {
        let intervals = match op {
            BinaryOp::Eq => vec![Interval::point(key)],
            BinaryOp::Ne => line_complement(&[Interval::point(key)]),
            BinaryOp::Lt => vec![Interval {
                lo: Unbounded,
                hi: Excluded(key),
            }],
            BinaryOp::Le => vec![Interval {
                lo: Unbounded,
                hi: Included(key),
            }],
            BinaryOp::Gt => vec![Interval {
                lo: Excluded(key),
                hi: Unbounded,
            }],
            BinaryOp::Ge => vec![Interval {
                lo: Included(key),
                hi: Unbounded,
            }],
            _ => Vec::new(),
        };
        self.set(false, intervals).intersect(&self.non_null(), self)
    }

    /// The lowest and highest values, when the domain is a bounded range of numbers.
    pub(crate) fn bounds(&self) -> (Option<&Key>, Option<&Key>) {
        let lo = self.full.intervals.first().and_then(|i| match &i.lo {
            Included(k) | Excluded(k) => Some(k),
            Unbounded => None,
        });
        let hi = self.full.intervals.last().and_then(|i| match &i.hi {
            Included(k) | Excluded(k) => Some(k),
            Unbounded => None,
        });
        (lo, hi)
    }

    /// A set in normal form: discrete bounds closed, empty intervals gone, the rest
    /// sorted and merged.
    fn set(&self, null: bool, intervals: Vec<Interval>) -> Set {
        let mut intervals: Vec<Interval> = intervals
            .into_iter()
            .filter_map(|i| {
                if self.kind.is_discrete() {
                    i.discretized()
                } else {
                    Some(i)
                }
            })
            .filter(|i| !i.is_empty())
            .collect();
        intervals.sort_by(|a, b| cmp_lower(&a.lo, &b.lo));
        let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
        for interval in intervals {
            match merged.last_mut() {
                Some(last) if touches(&last.hi, &interval.lo) => {
                    if cmp_upper(&interval.hi, &last.hi) == Ordering::Greater {
                        last.hi = interval.hi;
                    }
                }
                _ => merged.push(interval),
            }
        }
        Set {
            null,
            intervals: merged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn int(n: i64) -> Key {
        Key::Num(Decimal::from(n))
    }

    fn ints() -> Domain {
        Domain::line(Kind::Int, true)
    }

    const OPS: [BinaryOp; 6] = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
    ];

    fn holds(op: BinaryOp, a: i64, b: i64) -> bool {
        match op {
            BinaryOp::Eq => a == b,
            BinaryOp::Ne => a != b,
            BinaryOp::Lt => a < b,
            BinaryOp::Le => a <= b,
            BinaryOp::Gt => a > b,
            _ => a >= b,
        }
    }

    fn contains(set: &Set, v: i64) -> bool {
        set.intervals.iter().any(|i| i.contains(&int(v)))
    }

    #[test]
    fn greater_than_three_is_at_least_four_on_ints() {
        let d = ints();
        assert_eq!(
            d.compare(BinaryOp::Gt, int(3)),
            d.compare(BinaryOp::Ge, int(4))
        );
        let half = d.compare(BinaryOp::Gt, Key::Num(Decimal::new(35, 1)));
        assert_eq!(half, d.compare(BinaryOp::Ge, int(4)));
    }

    #[test]
    fn a_gap_between_two_ranges_yields_its_first_value() {
        let d = ints();
        let covered = d
            .compare(BinaryOp::Le, int(90))
            .union(&d.compare(BinaryOp::Gt, int(180)), &d);
        let gap = d.non_null().minus(&covered, &d);
        assert_eq!(gap.sample(&d), Some(int(91)));
    }

    #[test]
    fn enum_complements_stay_inside_the_enum() {
        let keys = ["a", "b", "c"].map(|s| Key::Str(s.into()));
        let d = Domain::points(Kind::Enum, keys, false);
        let not_a = d
            .non_null()
            .minus(&d.compare(BinaryOp::Eq, Key::Str("a".into())), &d);
        assert_eq!(not_a.sample(&d), Some(Key::Str("b".into())));
        assert!(
            not_a
                .minus(&d.compare(BinaryOp::Gt, Key::Str("a".into())), &d)
                .is_empty()
        );
    }

    #[test]
    fn dense_gaps_yield_a_value_inside() {
        let d = Domain::line(Kind::Real, false);
        let half = Key::Num(Decimal::new(5, 1));
        let covered = d
            .compare(BinaryOp::Lt, half.clone())
            .union(&d.compare(BinaryOp::Gt, half.clone()), &d);
        assert_eq!(d.non_null().minus(&covered, &d).sample(&d), Some(half));
        let open = d
            .compare(BinaryOp::Gt, int(1))
            .intersect(&d.compare(BinaryOp::Lt, int(2)), &d);
        assert_eq!(open.sample(&d), Some(Key::Num(Decimal::new(15, 1))));
    }

    proptest! {
        /// Set operations agree with evaluating the comparisons value by value.
        #[test]
        fn set_operations_match_pointwise_evaluation(
            ops in proptest::collection::vec((0usize..6, -5i64..5), 1..4),
            ops2 in proptest::collection::vec((0usize..6, -5i64..5), 1..4),
        ) {
            let d = ints();
            let build = |ops: &[(usize, i64)]| ops.iter().fold(d.non_null(), |acc, (op, c)| {
                acc.intersect(&d.compare(OPS[*op], int(*c)), &d)
            });
            let (a, b) = (build(&ops), build(&ops2));
            let in_a = |v| ops.iter().all(|(op, c)| holds(OPS[*op], v, *c));
            let in_b = |v| ops2.iter().all(|(op, c)| holds(OPS[*op], v, *c));
            for v in -8i64..8 {
                prop_assert_eq!(contains(&a.union(&b, &d), v), in_a(v) || in_b(v));
                prop_assert_eq!(contains(&a.minus(&b, &d), v), in_a(v) && !in_b(v));
                prop_assert_eq!(contains(&a.intersect(&b, &d), v), in_a(v) && in_b(v));
            }
            let diff = a.minus(&b, &d);
            if let Some(Key::Num(n)) = diff.sample(&d) {
                let v = i64::try_from(n).unwrap_or(i64::MAX);
                prop_assert!(in_a(v) && !in_b(v));
            }
        }
    }
}
