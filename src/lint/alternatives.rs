//! Lint stage: the alternatives of a condition. A [`Conj`] is a conjunction confining
//! some values ([`Dim`]s) to sets, or a contradiction with the [`Reason`] why it can
//! never hold; a condition is a list of them, joined by `or`.

use std::collections::BTreeMap;

use super::intervals::{Domain, Key, Kind, Set};

/// The most alternatives a condition may expand to before the analysis gives up.
const MAX_ALTERNATIVES: usize = 64;

/// Index of a [`Dim`] among the values of one analysis.
pub(super) type DimId = usize;

/// How a value is named.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    /// An expression (`recency`), by its canonical text.
    Value(String),
    /// How two expressions compare (`recency` against `churn_days`).
    Pair(String, String),
}

/// One value that conditions constrain.
#[derive(Debug, Clone)]
pub(super) struct Dim {
    shape: Shape,
    domain: Domain,
    /// The same kind of values without what the program adds (int-ness, range,
    /// non-nullability), to tell whether those explain a contradiction.
    relaxed: Domain,
}

impl Dim {
    /// A value of this shape and domain.
    pub(super) fn new(shape: Shape, domain: Domain) -> Dim {
        let relaxed = Domain::line(relaxed_kind(domain.kind()), true);
        Dim {
            shape,
            domain,
            relaxed,
        }
    }

    /// The values it can take.
    pub(super) fn domain(&self) -> &Domain {
        &self.domain
    }

    /// An entity's value written for a message: `` `recency = 91` ``, `` `a < b` ``.
    pub(super) fn example(&self, key: &Key) -> String {
        match &self.shape {
            Shape::Value(text) => format!("`{text} = {key}`"),
            Shape::Pair(left, right) => format!("`{left} {key} {right}`"),
        }
    }

    /// A null value written for a message: `` `recency` null ``.
    pub(super) fn null_example(&self) -> String {
        match &self.shape {
            Shape::Value(text) => format!("`{text}` null"),
            Shape::Pair(left, right) => format!("`{left}` or `{right}` null"),
        }
    }

    /// Why a set of this value that is empty in the program is not empty in general
    /// (`relaxed` is the set over the relaxed domain).
    fn note(&self, relaxed: &Set) -> Option<String> {
        let Shape::Value(text) = &self.shape else {
            return None;
        };
        if relaxed.without_null().is_empty() {
            return Some(format!("`{text}` is never null"));
        }
        let range = match self.domain.bounds() {
            (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
            (Some(lo), None) => format!(" of at least {lo}"),
            (None, Some(hi)) => format!(" of at most {hi}"),
            (None, None) => String::new(),
        };
        match self.domain.kind() {
            Kind::Int => Some(format!("`{text}` is a whole number{range}")),
            Kind::Real if !range.is_empty() => Some(format!("`{text}` is a number{range}")),
            _ => None,
        }
    }
}

/// The kind a value would have if nothing but its values' form were known.
fn relaxed_kind(kind: Kind) -> Kind {
    match kind {
        Kind::Int | Kind::Real => Kind::Real,
        Kind::Enum => Kind::Text,
        other => other,
    }
}

/// Why an alternative can never hold: the conditions that contradict, and what about the
/// value makes them contradict, if anything beyond the conditions themselves.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reason {
    sources: Vec<String>,
    note: Option<String>,
}

impl Reason {
    /// The reason as a sentence: `` `x > 5` and `x < 3` cannot both hold ``.
    pub(super) fn text(&self) -> String {
        let quoted: Vec<String> = self.sources.iter().map(|s| format!("`{s}`")).collect();
        let (list, verb) = match quoted.as_slice() {
            [one] => (one.clone(), "can never hold"),
            [a, b] => (format!("{a} and {b}"), "cannot both hold"),
            [init @ .., last] => (format!("{} and {last}", init.join(", ")), "cannot all hold"),
            [] => ("the condition".to_string(), "can never hold"),
        };
        match &self.note {
            Some(note) => format!("{list} {verb}: {note}"),
            None => format!("{list} {verb}"),
        }
    }
}

/// What one alternative says about one value.
#[derive(Debug, Clone)]
struct Constraint {
    set: Set,
    relaxed: Set,
    sources: Vec<String>,
}

impl Constraint {
    /// Both constraints at once.
    fn meet(&self, other: &Constraint, dim: &Dim) -> Constraint {
        let mut sources = self.sources.clone();
        for s in &other.sources {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
        Constraint {
            set: self.set.intersect(&other.set, &dim.domain),
            relaxed: self.relaxed.intersect(&other.relaxed, &dim.relaxed),
            sources,
        }
    }

    /// Why this constraint holds for no value.
    fn reason(&self, dim: &Dim) -> Reason {
        let note = if self.relaxed.is_empty() {
            None
        } else {
            dim.note(&self.relaxed)
        };
        Reason {
            sources: self.sources.clone(),
            note,
        }
    }
}

/// One alternative of a condition: a conjunction of constraints on values, or a
/// contradiction.
#[derive(Debug, Clone)]
pub(super) struct Conj {
    constraints: BTreeMap<DimId, Constraint>,
    dead: Option<Reason>,
}

impl Conj {
    /// No constraint: holds for every entity.
    pub(super) fn always() -> Conj {
        Conj {
            constraints: BTreeMap::new(),
            dead: None,
        }
    }

    /// Holds for no entity, for this reason.
    fn never(reason: Reason) -> Conj {
        Conj {
            constraints: BTreeMap::new(),
            dead: Some(reason),
        }
    }

    /// Holds for no entity: `source` can never hold, because of `note` if given.
    pub(super) fn never_because(source: &str, note: Option<String>) -> Conj {
        Conj::never(Reason {
            sources: vec![source.to_string()],
            note,
        })
    }

    /// Why the alternative never holds, if it never does.
    pub(super) fn contradiction(&self) -> Option<&Reason> {
        self.dead.as_ref()
    }

    /// The set each constrained value must lie in (for an alternative that may hold).
    pub(super) fn sets(&self) -> impl Iterator<Item = (DimId, &Set)> {
        self.constraints.iter().map(|(dim, c)| (*dim, &c.set))
    }
}

/// Every alternative of `a` together with every alternative of `b`; `None` when there
/// would be too many.
pub(super) fn product(a: &[Conj], b: &[Conj], dims: &[Dim]) -> Option<Vec<Conj>> {
    if a.len() * b.len() > MAX_ALTERNATIVES {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| meet(x, y, dims)))
            .collect(),
    )
}

/// Both alternatives at once.
fn meet(a: &Conj, b: &Conj, dims: &[Dim]) -> Conj {
    if a.dead.is_some() {
        return a.clone();
    }
    if b.dead.is_some() {
        return b.clone();
    }
    let mut out = a.clone();
    for (dim, constraint) in &b.constraints {
        let merged = match out.constraints.get(dim) {
            Some(existing) => existing.meet(constraint, &dims[*dim]),
            None => constraint.clone(),
        };
        if merged.set.is_empty() {
            return Conj::never(merged.reason(&dims[*dim]));
        }
        out.constraints.insert(*dim, merged);
    }
    out
}

/// The alternatives of `a` and those of `b`; `None` when there would be too many.
pub(super) fn either(mut a: Vec<Conj>, b: Vec<Conj>) -> Option<Vec<Conj>> {
    a.extend(b);
    (a.len() <= MAX_ALTERNATIVES).then_some(a)
}

/// The alternative "value `dim` lies in `set`", written as `source`. `set` computes the
/// set for a domain, so the set over the relaxed domain is computed the same way.
pub(super) fn constrain(
    dims: &[Dim],
    dim: DimId,
    set: impl Fn(&Domain) -> Set,
    source: &str,
) -> Conj {
    let d = &dims[dim];
    let constraint = Constraint {
        set: set(&d.domain),
        relaxed: set(&d.relaxed),
        sources: vec![source.to_string()],
    };
    if constraint.set.is_empty() {
        return Conj::never(constraint.reason(d));
    }
    let mut conj = Conj::always();
    conj.constraints.insert(dim, constraint);
    conj
}
