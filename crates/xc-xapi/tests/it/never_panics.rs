//! "Never panics" properties over everything a client can send: statement bodies (arbitrary
//! bytes, and valid statements with characters changed, cut or inserted), the version header,
//! query strings, language tags, timestamps and durations. The cargo-fuzz target in `fuzz/`
//! (nightly) runs the same entry points; this copy runs in plain `cargo test`.

use proptest::prelude::*;
use xc_xapi::format::AcceptLanguage;
use xc_xapi::query::StatementQuery;
use xc_xapi::types::{Duration, Timestamp};
use xc_xapi::{
    XapiVersion, compare, langtag, parse_statement_bytes, parse_statements, parse_strict,
};

use crate::support::{full, full_2_0, sub};

fn mutate(text: &str, position: usize, edit: u8, character: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return character.to_string();
    }
    let position = position % chars.len();
    match edit % 3 {
        0 => chars[position] = character,
        1 => {
            chars.remove(position);
        }
        _ => chars.insert(position, character),
    }
    chars.into_iter().collect()
}

/// Everything the LRS does with a body, as the HTTP layer will.
fn exercise(bytes: &[u8]) {
    for version in [XapiVersion::LATEST_1_0, XapiVersion::LATEST_2_0] {
        if let Ok(value) = parse_strict(bytes)
            && let Ok(statements) = parse_statements(&value, version)
        {
            for statement in &statements {
                let json = statement.to_json();
                let again = xc_xapi::parse_statement(&json, version)
                    .expect("a statement's own serialisation is valid");
                assert!(compare::equivalent(statement, &again));
                let _ = xc_xapi::format::to_ids(statement).to_json();
                let _ = xc_xapi::agents::StatementIndex::of(statement);
            }
        }
        let _ = parse_statement_bytes(bytes, version);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn edited_statements(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<char>()), 1..4),
    ) {
        let base = [full(), sub(), full_2_0()][which].to_string();
        let mut text = base;
        for (position, edit, character) in edits {
            text = mutate(&text, position, edit, character);
        }
        exercise(text.as_bytes());
    }

    #[test]
    fn edited_statements_with_json_characters(
        which in 0usize..3,
        position in any::<usize>(),
        edit in any::<u8>(),
        character in prop::sample::select(vec!['{', '}', '[', ']', '"', ':', ',', '-', '0', 'T', 'Z', '@', 'n', '.', '\\']),
    ) {
        let base = [full(), sub(), full_2_0()][which].to_string();
        exercise(mutate(&base, position, edit, character).as_bytes());
    }

    #[test]
    fn arbitrary_multipart_bodies(
        bytes in proptest::collection::vec(
            prop::sample::select(vec![b'-', b'\r', b'\n', b'b', b':', b'{', b'}', b'x', b' ', 0u8]),
            0..300,
        ),
        header in "[ -~]{0,40}",
    ) {
        use xc_xapi::multipart::{MultipartLimits, split_statement_request};
        let limits = MultipartLimits { max_parts: 8, max_header_bytes: 32 };
        let _ = split_statement_request("multipart/mixed; boundary=b", &bytes, limits);
        let _ = split_statement_request("multipart/mixed; boundary=--b", &bytes, limits);
        let _ = split_statement_request(&header, &bytes, limits);
    }

    #[test]
    fn arbitrary_signatures(text in "[A-Za-z0-9_.=-]{0,200}", which in 0usize..2) {
        let mut statement = [full(), full_2_0()][which].clone();
        statement["attachments"] = serde_json::json!([{
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en": "signature"},
            "contentType": "application/octet-stream",
            "length": text.len(),
            "sha2": crate::support::SHA256
        }]);
        let version = [XapiVersion::LATEST_1_0, XapiVersion::LATEST_2_0][which];
        let statement = xc_xapi::parse_statement(&statement, version).unwrap();
        let _ = xc_xapi::signature::check_signature(&statement, text.as_bytes(), version);
    }

    #[test]
    fn headers_parameters_and_scalars(text in ".{0,64}") {
        let _ = XapiVersion::from_header(Some(&text));
        let _ = langtag::is_well_formed(&text);
        let _ = Timestamp::parse(&text, "t");
        if let Ok(duration) = Duration::parse(&text, "d") {
            let _ = duration.comparison_form();
        }
        let _ = AcceptLanguage::parse(&text);
        let _ = StatementQuery::parse([("agent", text.as_str())]);
        let _ = StatementQuery::parse([("since", text.as_str()), ("limit", text.as_str())]);
        let _ = StatementQuery::parse([(text.as_str(), text.as_str())]);
    }
}
