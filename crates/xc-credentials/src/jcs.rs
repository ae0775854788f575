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
    // Copy runs of characters that need no escape in one go; only the quote, the backslash and
    // controls (all ASCII, so never inside a multi-byte UTF-8 sequence) are escaped.
    let mut run_start = 0;
    for (position, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        output.push_str(&text[run_start..position]);
        if escape.is_empty() {
            let _ = write!(output, "\\u{byte:04x}");
        } else {
            output.push_str(escape);
        }
        run_start = position + 1;
    }
    output.push_str(&text[run_start..]);
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

    proptest::proptest! {
        #[test]
        fn any_string_round_trips_through_its_canonical_form(text in "\\PC*|[\\x00-\\x7f]*") {
            let canonical = canonicalize(&Value::String(text.clone()));
            let read: Value = serde_json::from_str(&canonical).unwrap();
            proptest::prop_assert_eq!(read, Value::String(text));
        }

        #[test]
        fn member_order_never_changes_the_canonical_form(
            members in proptest::collection::btree_map("\\PC{0,6}", -1000i64..1000, 0..12)
        ) {
            let forwards: String = members
                .iter()
                .map(|(name, number)| format!("{}:{number}", serde_json::to_string(name).unwrap()))
                .collect::<Vec<_>>()
                .join(",");
            let backwards: String = members
                .iter()
                .rev()
                .map(|(name, number)| format!("{} : {number}", serde_json::to_string(name).unwrap()))
                .collect::<Vec<_>>()
                .join(" ,\n ");
            let one: Value = serde_json::from_str(&format!("{{{forwards}}}")).unwrap();
            let other: Value = serde_json::from_str(&format!("{{ {backwards} }}")).unwrap();
            proptest::prop_assert_eq!(canonicalize(&one), canonicalize(&other));
        }
    }
}
