//! Fuzz target: arbitrary text as a Bitstring Status List `encodedList` (multibase, base64url,
//! GZIP with a size limit). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_credentials::status_list::{StatusList, StatusPurpose};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = StatusList::decode(StatusPurpose::Revocation, text) {
        let _ = list.get(u64::from(data.len() as u32) * 977);
    }
});
