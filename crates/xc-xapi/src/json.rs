//! Reading a request body into JSON the way xAPI needs it, and walking it with paths.
//!
//! `serde_json::from_slice` keeps the last of two equal keys; xAPI says "a Statement MUST use
//! each property no more than one time", so [`parse_strict`] rejects duplicate keys at any depth.
//! serde_json's own recursion limit (128 levels) bounds the depth. [`Obj`] is the walker the
//! validator uses: every lookup knows its path, nulls are refused where the spec forbids them,
//! and unknown keys are named.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

use crate::error::{Result, XapiError};

/// Parses `bytes` as one JSON value, refusing duplicate keys in any object.
pub fn parse_strict(bytes: &[u8]) -> Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| XapiError::bad_request("", format!("invalid JSON: {error}")))?;
    Ok(value)
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?}: each property may appear only once"
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// `parent.key`, or `key` at the root.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub(crate) fn index(parent: &str, position: usize) -> String {
    format!("{parent}[{position}]")
}

/// The JSON type of a value, in words, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An error saying `value` at `path` has the wrong JSON type.
pub(crate) fn wrong_type(path: &str, expected: &str, value: &Value) -> XapiError {
    if value.is_null() {
        XapiError::bad_request(path, "must not be null")
    } else {
        XapiError::bad_request(path, format!("must be {expected}, not {}", kind(value)))
    }
}

/// A JSON object being validated, with its path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) path: &'a str,
}

impl<'a> Obj<'a> {
    /// `value` as an object, or an error naming `path`.
    pub(crate) fn new(value: &'a Value, path: &'a str) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Obj { map, path }),
            other => Err(wrong_type(path, "an object", other)),
        }
    }

    /// Refuses any key not in `allowed`; the error names the key and the keys allowed (xAPI
    /// keys are case sensitive, so `Actor` is reported as unknown, with `actor` among those
    /// allowed).
    pub(crate) fn only(&self, what: &str, allowed: &[&str]) -> Result<()> {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(XapiError::bad_request(
                    join(self.path, key),
                    format!(
                        "is not a property of {what} (allowed: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The value under `key`, refusing `null` (allowed only inside extensions).
    pub(crate) fn get(&self, key: &str) -> Result<Option<&'a Value>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Null) => Err(XapiError::bad_request(
                join(self.path, key),
                "must not be null (leave the property out instead)",
            )),
            Some(value) => Ok(Some(value)),
        }
    }

    /// The value under `key`, which must be present.
    pub(crate) fn required(&self, key: &str, what: &str) -> Result<&'a Value> {
        self.get(key)?.ok_or_else(|| {
            XapiError::bad_request(join(self.path, key), format!("is required in {what}"))
        })
    }

    /// An optional string under `key`.
    pub(crate) fn string(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(&join(self.path, key), "a string", other)),
        }
    }

    /// An optional boolean under `key` (`"true"` is a string, not a boolean).
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(wrong_type(&join(self.path, key), "a boolean", other)),
        }
    }

    /// An optional number under `key` (`"1"` is a string, not a number).
    pub(crate) fn number(&self, key: &str) -> Result<Option<&'a Number>> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::Number(number)) => Ok(Some(number)),
            Some(other) => Err(wrong_type(&join(self.path, key), "a number", other)),
        }
    }

    /// An optional array under `key`.
    pub(crate) fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(wrong_type(&join(self.path, key), "an array", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(parse_strict(br#"{"a":1,"a":2}"#).is_err());
        assert!(parse_strict(br#"{"a":{"b":1,"c":[{"d":1,"d":1}]}}"#).is_err());
        assert!(parse_strict(br#"{"a":{"b":1},"b":{"a":1}}"#).is_ok());
    }

    #[test]
    fn trailing_garbage_and_bad_json_are_refused() {
        assert!(parse_strict(br#"{"a":1} x"#).is_err());
        assert!(parse_strict(b"{").is_err());
        assert!(parse_strict(b"").is_err());
        let deep = "[".repeat(10_000);
        assert!(parse_strict(deep.as_bytes()).is_err());
    }
}
