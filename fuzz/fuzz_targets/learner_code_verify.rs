//! Fuzz target: arbitrary text as a learner code (申学码) token through parsing and
//! verification. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_credentials::SigningKey;
use xc_credentials::learner_code::{
    LearnerCodeKeys, LearnerCodePurpose, ParsedLearnerCode, verify_learner_code,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = SigningKey::ed25519_from_secret_bytes("did:web:x.example#lc", &[4; 32]).unwrap();
    let keys = LearnerCodeKeys::new().with_key(1, key.verification_key().clone());
    let _ = ParsedLearnerCode::parse(text);
    let _ = verify_learner_code(
        text,
        &keys,
        LearnerCodePurpose::CheckIn,
        time::OffsetDateTime::UNIX_EPOCH,
    );
});
