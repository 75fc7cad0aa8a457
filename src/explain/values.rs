//! Explain stage: runtime values as JSON and as the literals a reader of rules expects.

use std::str::FromStr;

use serde::{Serialize, Serializer};
use serde_json::{Number, Value as Json};

use crate::exec::Value;
use crate::syntax::write_string_literal;

/// A value as JSON: null, a boolean, a number (exact decimals and integers keep their
/// output text) or, for text, dates, datetimes and durations, their output text.
pub fn json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => Json::Number(Number::from(*n)),
        Value::Decimal(_) | Value::Float(_) => {
            let text = value.text();
            Number::from_str(&text).map_or(Json::String(text), Json::Number)
        }
        Value::Str(_) | Value::Date(_) | Value::DateTime(_) | Value::Duration(..) => {
            Json::String(value.text())
        }
    }
}

/// Serializes a value as [`json`] does (for `#[serde(serialize_with)]`).
pub fn serialize<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    json(value).serialize(serializer)
}

/// Serializes `(name, value)` pairs as one JSON object.
pub fn serialize_fields<S: Serializer>(
    fields: &[(String, Value)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let object: serde_json::Map<String, Json> = fields
        .iter()
        .map(|(name, value)| (name.clone(), json(value)))
        .collect();
    object.serialize(serializer)
}

/// A value as it would be written in rules: text quoted, null as `null`.
pub fn literal(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Str(s) => {
            let mut out = String::new();
            let _ = write_string_literal(&mut out, s);
            out
        }
        other => other.text(),
    }
}

/// The plural of an entity or stream name, for sentences (`customers`, `branches`).
pub fn plural(name: &str) -> String {
    let consonant_y = name.ends_with('y')
        && !name.ends_with("ay")
        && !name.ends_with("ey")
        && !name.ends_with("oy")
        && !name.ends_with("uy");
    if consonant_y {
        format!("{}ies", &name[..name.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        format!("{name}es")
    } else {
        format!("{name}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let d = rust_decimal::Decimal::new(750, 2);
        assert_eq!(json(&Value::Decimal(d)).to_string(), "7.5");
        assert_eq!(json(&Value::Float(0.1)).to_string(), "0.1");
        assert_eq!(json(&Value::Float(f64::NAN)), Json::String("NaN".into()));
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("customer"), "customers");
        assert_eq!(plural("branch"), "branches");
        assert_eq!(plural("company"), "companies");
        assert_eq!(plural("day"), "days");
    }
}
