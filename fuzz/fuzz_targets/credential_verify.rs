//! Fuzz target: arbitrary bytes as a credential through JSON parsing, `verify_credential`
//! (every suite) and the status-entry and status-list readers. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xc_credentials::status_list::{StatusList, StatusListEntry};
use xc_credentials::{
    Canonicaliser, ContextLoader, Keyring, SigningKey, VerifyOptions, verify_credential,
};

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut keyring = Keyring::new();
    keyring.insert(
        SigningKey::ed25519_from_secret_bytes(
            "did:web:credit-bank.xuecheng.example#key-1",
            &[11; 32],
        )
        .unwrap(),
    );
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let options = VerifyOptions::assertion_at(time::OffsetDateTime::UNIX_EPOCH);
    let _ = verify_credential(&document, &keyring, &options, &canonicaliser);
    let _ = StatusListEntry::from_credential(&document);
    let _ = StatusList::from_credential(&document);
});
