//! Fuzz target: arbitrary bytes as a multipart/mixed statement request (boundary `b`), then,
//! for what splits, the statements parsed and matched to the parts, and every part's bytes
//! tried as the JWS of a signed statement. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_xapi::multipart::{MultipartLimits, match_attachments, split_statement_request};
use xc_xapi::signature::check_signature;
use xc_xapi::{XapiVersion, parse_statements, parse_strict};

fuzz_target!(|data: &[u8]| {
    let limits = MultipartLimits {
        max_parts: 16,
        max_header_bytes: 256,
    };
    let Ok(request) = split_statement_request("multipart/mixed; boundary=b", data, limits) else {
        return;
    };
    let Ok(value) = parse_strict(request.statements) else {
        return;
    };
    let version = XapiVersion::LATEST_2_0;
    let Ok(statements) = parse_statements(&value, version) else {
        return;
    };
    let _ = match_attachments(&statements, &request.attachments);
    for statement in &statements {
        for part in &request.attachments {
            let _ = check_signature(statement, part.body, version);
        }
    }
});
