//! Fuzz target: arbitrary text as the version header, a query string's pairs, an
//! Accept-Language header, a timestamp and a duration. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_xapi::format::AcceptLanguage;
use xc_xapi::query::StatementQuery;
use xc_xapi::types::{Duration, Timestamp};
use xc_xapi::{XapiVersion, langtag};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = XapiVersion::from_header(Some(text));
    let _ = langtag::is_well_formed(text);
    let _ = Timestamp::parse(text, "t");
    if let Ok(duration) = Duration::parse(text, "d") {
        let _ = duration.comparison_form();
    }
    let _ = AcceptLanguage::parse(text);
    let pairs: Vec<(&str, &str)> = text
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    let _ = StatementQuery::parse(pairs);
});
