//! Statement comparison (Data 2.3.1, "Statement Comparison Requirements"): two statements
//! match when they differ only where the spec lets an LRS change a statement. Used for the
//! `409 Conflict` on a re-used id (equal content is accepted again, different content is not)
//! and for checking a signed statement against its JWS payload.
//!
//! Ignored: `authority`, `stored`, `version` (assigned by the LRS); `id` and `timestamp` when
//! either side lacks them (the LRS assigns them); the Verb's `display` and Activity
//! `definition`s ("not considered part of the Statement itself"); the order of Group members
//! and of attachments; the serialisation of timestamps (compared as instants, already held in
//! UTC); the case of e-mail domains and of hex digits; `objectType` `Agent` / `Activity` where it
//! is the default; the number's spelling (`1` = `1.0`); duration digits beyond 0.01 s
//! (Data 4.6). Everything else counts, including extensions.

use serde_json::{Map, Number, Value};

use crate::model::Statement;
use crate::types::Duration;

/// Whether `a` and `b` are the same statement for the spec's comparison rules.
pub fn equivalent(a: &Statement, b: &Statement) -> bool {
    comparison_form(a, b) == comparison_form(b, a)
}

/// `statement` as the JSON that is compared with `other` (exposed for tests and for the
/// messages that say where two statements differ).
pub fn comparison_form(statement: &Statement, other: &Statement) -> Value {
    let mut json = statement.to_json();
    if let Value::Object(map) = &mut json {
        for key in ["authority", "stored", "version"] {
            map.remove(key);
        }
        if statement.id.is_none() || other.id.is_none() {
            map.remove("id");
        }
        if statement.timestamp.is_none() || other.timestamp.is_none() {
            map.remove("timestamp");
        }
    }
    normalise(&mut json, None);
    json
}

/// The first top-level property where `a` and `b` differ, for an error message.
pub fn first_difference(a: &Statement, b: &Statement) -> Option<String> {
    let (left, right) = (comparison_form(a, b), comparison_form(b, a));
    let (Value::Object(left), Value::Object(right)) = (&left, &right) else {
        return None;
    };
    let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|key| left.get(*key) != right.get(*key))
        .cloned()
}

fn normalise(value: &mut Value, key: Option<&str>) {
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64()
                && let Some(normal) = Number::from_f64(float)
            {
                *number = normal;
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                normalise(item, None);
            }
            if matches!(key, Some("member" | "attachments")) {
                items.sort_by_key(|item| item.to_string());
            }
        }
        Value::Object(map) => normalise_object(map, key),
        _ => {}
    }
}

fn normalise_object(map: &mut Map<String, Value>, key: Option<&str>) {
    if matches!(
        map.get("objectType").and_then(Value::as_str),
        Some("Agent" | "Activity")
    ) {
        map.remove("objectType");
    }
    if key == Some("verb") {
        map.remove("display");
    }
    // An Activity (it has an id and is neither a StatementRef nor an interaction component):
    // its definition is not part of the statement.
    if map.contains_key("definition") {
        map.remove("definition");
    }
    if let Some(Value::String(mbox)) = map.get_mut("mbox")
        && let Some((local, domain)) = mbox.rsplit_once('@')
    {
        *mbox = format!("{local}@{}", domain.to_ascii_lowercase());
    }
    for hex_key in ["mbox_sha1sum", "sha2"] {
        if let Some(Value::String(hex)) = map.get_mut(hex_key) {
            *hex = hex.to_ascii_lowercase();
        }
    }
    if key == Some("result")
        && let Some(Value::String(duration)) = map.get_mut("duration")
        && let Ok(parsed) = Duration::parse(duration, "")
    {
        *duration = parsed.comparison_form();
    }
    for (child_key, child) in map.iter_mut() {
        if child_key == "extensions" {
            // Values are compared as sent, numbers aside.
            normalise_numbers(child);
        } else {
            normalise(child, Some(child_key));
        }
    }
}

fn normalise_numbers(value: &mut Value) {
    match value {
        Value::Number(_) => normalise(value, None),
        Value::Array(items) => items.iter_mut().for_each(normalise_numbers),
        Value::Object(map) => map.values_mut().for_each(normalise_numbers),
        _ => {}
    }
}
