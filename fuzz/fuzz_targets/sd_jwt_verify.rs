//! Fuzz target: arbitrary text as a compact SD-JWT presentation through parsing and
//! `verify_sd_jwt` (signature, disclosures, key binding). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_credentials::sd_jwt::{SdJwt, SdJwtVerifyOptions, verify_sd_jwt};
use xc_credentials::{SigningKey, StaticKeyResolver};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = SigningKey::ed25519_from_secret_bytes("did:web:x.example#k", &[3; 32]).unwrap();
    let resolver =
        StaticKeyResolver::new().with_key("did:web:x.example#k", key.verification_key().clone());
    let _ = SdJwt::parse(text);
    let _ = verify_sd_jwt(
        text,
        &resolver,
        &SdJwtVerifyOptions::at(time::OffsetDateTime::UNIX_EPOCH),
    );
});
