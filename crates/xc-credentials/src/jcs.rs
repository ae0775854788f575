//! JSON Canonicalization Scheme (RFC 8785): object members sorted by the UTF-16 code units of
//! their names, no insignificant white space, strings escaped as ECMAScript's `JSON.stringify`
//! does, and numbers written as ECMAScript's `Number.prototype.toString` does (via `ryu-js`).
//!
//! Own implementation rather than `serde_jcs` so a proof can be left out of the canonical form
//! while writing it ([`canonicalize_without_member`]) instead of cloning the whole document
//! first: verification of a JCS proof costs little more than the signature check itself.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// Largest integer an IEEE 754 double holds exactly (2^53); larger integers are written as the
/// double they round to, as ECMAScript would.
const LARGEST_EXACT_INTEGER: u64 = 1 << 53;

/// The canonical form of `value`.
pub fn canonicalize(value: &Value) -> String {
    let mut output = String::with_capacity(256);
    write_value(&mut output, value);
    output
}

/// The canonical form of the object `value` as if `member` were absent (used to take `proof`
/// out of a secured document). A value that is not an object is written whole.
pub fn canonicalize_without_member(value: &Value, member: &str) -> String {
    let mut output = String::with_capacity(1024);
    match value {
        Value::Object(map) => write_object(&mut output, map, Some(member)),
        other => write_value(&mut output, other),
    }
    output
}

fn write_value(output: &mut String, value: &Value) {
    match value {
        Value::Null => output.push_str("null"),
        Value::Bool(true) => output.push_str("true"),
        Value::Bool(false) => output.push_str("false"),
        Value::Number(number) => write_number(output, number),
        Value::String(text) => write_string(output, text),
        Value::Array(items) => {
            output.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    output.push(',');
                }
                write_value(output, item);
            }
            output.push(']');
        }
        Value::Object(map) => write_object(output, map, None),
    }
}

fn write_object(output: &mut String, map: &Map<String, Value>, skipped_member: Option<&str>) {
    let mut members: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != skipped_member)
        .collect();
    // Names that are plain ASCII sort the same by bytes and by UTF-16; only compare code units
    // when either name needs it.
    members.sort_by(|(left, _), (right, _)| {
        if left.is_ascii() && right.is_ascii() {
            left.as_bytes().cmp(right.as_bytes())
        } else {
            left.encode_utf16().cmp(right.encode_utf16())
        }
    });
    output.push('{');
    for (index, (name, member)) in members.into_iter().enumerate() {
        if index > 0 {
            output.push(',');
        }
        write_string(output, name);
        output.push(':');
        write_value(output, member);
    }
    output.push('}');
}

fn write_number(output: &mut String, number: &Number) {
    if let Some(unsigned) = number.as_u64().filter(|n| *n <= LARGEST_EXACT_INTEGER) {
        let _ = write!(output, "{unsigned}");
    } else if let Some(signed) = number
        .as_i64()
        .filter(|n| n.unsigned_abs() <= LARGEST_EXACT_INTEGER)
    {
        let _ = write!(output, "{signed}");
    } else {
        // serde_json never holds NaN or infinities, so the number is finite.
        let double = number.as_f64().unwrap_or(0.0);
        if double == 0.0 {
            // Both zeros are written "0".
            output.push('0');
        } else {
            let mut buffer = ryu_js::Buffer::new();
            output.push_str(buffer.format_finite(double));
        }
    }
}

fn write_string(output: &mut String, text: &str) {
    output.push('"');
    for character in text.chars() {
        match character {
            '"' => output.push_str("\\\""),
            '\\' => output.push_str("\\\\"),
            '\u{8}' => output.push_str("\\b"),
            '\u{c}' => output.push_str("\\f"),
            '\n' => output.push_str("\\n"),
            '\r' => output.push_str("\\r"),
            '\t' => output.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                let _ = write!(output, "\\u{:04x}", control as u32);
            }
            other => output.push(other),
        }
    }
    output.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let value: Value = serde_json::from_str(input).unwrap();
        assert_eq!(canonicalize(&value), expected, "input {input}");
    }

    #[test]
    fn rfc_8785_section_3_2_2_example() {
        check(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#,
        );
    }

    #[test]
    fn rfc_8785_section_3_2_3_sorts_names_by_utf16_code_units() {
        check(
            r#"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
                "\u00f6": "Latin Small Letter O With Diaeresis"}"#,
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"דּ\":\"Hebrew Letter Dalet With Dagesh\"}",
        );
    }

    #[test]
    fn numbers_follow_ecmascript() {
        check(
            "[0, -0, 0.0, 1, -1, 1.5, 100, 1e21, 1e20, 123456789012, 9007199254740993, -9007199254740993, 5e-7, 0.000001]",
            "[0,0,0,1,-1,1.5,100,1e+21,100000000000000000000,123456789012,9007199254740992,-9007199254740992,5e-7,0.000001]",
        );
    }

    #[test]
    fn leaving_out_a_member_equals_removing_it() {
        let with: Value = serde_json::from_str(r#"{"b":1,"proof":{"x":1},"a":[2]}"#).unwrap();
        assert_eq!(
            canonicalize_without_member(&with, "proof"),
            r#"{"a":[2],"b":1}"#
        );
    }
}
