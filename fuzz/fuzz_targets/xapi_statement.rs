//! Fuzz target: arbitrary bytes as a statement body (one statement or a batch) under both
//! versions; every statement that parses must serialise to JSON that parses again to an
//! equivalent statement, and the output formats and the index must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_xapi::{XapiVersion, agents, compare, format, parse_statement, parse_statements, parse_strict};

fuzz_target!(|data: &[u8]| {
    for version in [XapiVersion::LATEST_1_0, XapiVersion::LATEST_2_0] {
        let Ok(value) = parse_strict(data) else {
            return;
        };
        let Ok(statements) = parse_statements(&value, version) else {
            continue;
        };
        for statement in &statements {
            let again = parse_statement(&statement.to_json(), version)
                .expect("a statement's own serialisation is valid");
            assert!(compare::equivalent(statement, &again));
            let _ = format::to_ids(statement).to_json();
            let _ = agents::StatementIndex::of(statement);
        }
    }
});
