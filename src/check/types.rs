//! Check stage: the static types of values, with nullability.

use std::fmt;
use std::sync::Arc;

/// A base type (without nullability).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// 64-bit integer.
    Int,
    /// Exact decimal.
    Decimal,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// UTF-8 text.
    String,
    /// Calendar date.
    Date,
    /// Date and time (UTC).
    DateTime,
    /// A span of days or calendar months.
    Duration,
    /// A string restricted to these values (in declared order).
    Enum(Arc<[String]>),
    /// The type of the literal `null`: fits anywhere.
    Null,
    /// A type that could not be determined because of an earlier error.
    Error,
}

/// A type with its nullability (`T` or `T?`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Type {
    /// The base type.
    pub ty: Ty,
    /// Whether values may be null.
    pub nullable: bool,
}

impl Type {
    /// A non-nullable type.
    pub fn of(ty: Ty) -> Type {
        Type {
            ty,
            nullable: false,
        }
    }

    /// A nullable type.
    pub fn nullable(ty: Ty) -> Type {
        Type { ty, nullable: true }
    }

    /// The error type (assignable to and from anything, to avoid cascades).
    pub fn error() -> Type {
        Type::of(Ty::Error)
    }

    /// This type, nullable when `nullable` is true (otherwise unchanged).
    pub fn or_null(self, nullable: bool) -> Type {
        Type {
            nullable: self.nullable || nullable,
            ..self
        }
    }

    /// Whether this is a numeric type (int, decimal, float).
    pub fn is_numeric(&self) -> bool {
        matches!(self.ty, Ty::Int | Ty::Decimal | Ty::Float | Ty::Error)
    }

    /// Whether this is text (string or enum).
    pub fn is_text(&self) -> bool {
        matches!(self.ty, Ty::String | Ty::Enum(_) | Ty::Error)
    }

    /// Whether this is a date or a datetime.
    pub fn is_temporal(&self) -> bool {
        matches!(self.ty, Ty::Date | Ty::DateTime | Ty::Error)
    }

    /// Whether this is the error type or null literal type (already reported / fits anything).
    pub fn is_wild(&self) -> bool {
        matches!(self.ty, Ty::Error | Ty::Null)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Int => f.write_str("int"),
            Ty::Decimal => f.write_str("decimal"),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::String => f.write_str("string"),
            Ty::Date => f.write_str("date"),
            Ty::DateTime => f.write_str("datetime"),
            Ty::Duration => f.write_str("duration"),
            Ty::Enum(values) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                write!(f, "enum({})", quoted.join(", "))
            }
            Ty::Null => f.write_str("null"),
            Ty::Error => f.write_str("unknown"),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nullable && !matches!(self.ty, Ty::Null) {
            write!(f, "{}?", self.ty)
        } else {
            write!(f, "{}", self.ty)
        }
    }
}

/// The numeric type two numeric operands combine to (`int` < `decimal` < `float`).
pub fn numeric_join(a: &Ty, b: &Ty) -> Ty {
    match (a, b) {
        (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
        (Ty::Float, _) | (_, Ty::Float) => Ty::Float,
        (Ty::Decimal, _) | (_, Ty::Decimal) => Ty::Decimal,
        _ => Ty::Int,
    }
}

/// The common type of two branches (`if`, `coalesce`, `least`...), if they have one.
pub fn common_type(a: &Type, b: &Type) -> Option<Type> {
    let nullable = a.nullable || b.nullable;
    let ty = match (&a.ty, &b.ty) {
        (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
        (Ty::Null, other) | (other, Ty::Null) => return Some(Type::nullable(other.clone())),
        (x, y) if x == y => x.clone(),
        (x, y) if a.is_numeric() && b.is_numeric() => numeric_join(x, y),
        (Ty::Enum(_) | Ty::String, Ty::Enum(_) | Ty::String) => Ty::String,
        (Ty::Date | Ty::DateTime, Ty::Date | Ty::DateTime) => Ty::DateTime,
        _ => return None,
    };
    Some(Type { ty, nullable })
}

/// Whether values of type `a` and `b` can be compared with `==` and `<`.
pub fn comparable(a: &Type, b: &Type) -> bool {
    a.is_wild()
        || b.is_wild()
        || (a.is_numeric() && b.is_numeric())
        || (a.is_text() && b.is_text())
        || (a.is_temporal() && b.is_temporal())
        || (a.ty == Ty::Bool && b.ty == Ty::Bool)
}
