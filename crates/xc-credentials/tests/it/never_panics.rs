//! "Never panics" property tests over the parsers an attacker can feed: the credential JSON and
//! verify path, the status list pieces, SD-JWT and the learner code. They run the same inputs
//! as the cargo-fuzz targets in `fuzz/` (which need nightly), so plain `cargo test` exercises
//! them: arbitrary text, and valid inputs with bytes changed, cut or inserted.

use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_credentials::learner_code::{
    LearnerCodeKeys, LearnerCodePurpose, LearnerHandleKey, issue_learner_code, verify_learner_code,
};
use xc_credentials::sd_jwt::{IssueOptions, SdJwtVerifyOptions, issue_sd_jwt, verify_sd_jwt};
use xc_credentials::status_list::{StatusList, StatusListEntry, StatusPurpose};
use xc_credentials::{Cryptosuite, SigningKey, StaticKeyResolver, verify_credential};

use crate::sign_and_verify::{keyring, now, signed_with};
use crate::support::bundled_canonicaliser;

/// Applies one edit to `text`: replace, delete or insert a byte at a position (kept valid
/// UTF-8 by working on chars).
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

fn signed_credential_text() -> String {
    signed_with(&[Cryptosuite::EddsaJcs2022]).to_string()
}

fn sd_jwt_text() -> (String, StaticKeyResolver) {
    let key = SigningKey::ed25519_from_secret_bytes("did:web:x.example#k", &[3; 32]).unwrap();
    let claims = json!({ "iss": "x", "a": 1, "b": { "c": [1, 2, 3] } });
    let issued = issue_sd_jwt(
        claims.as_object().unwrap(),
        &IssueOptions {
            typ: "example+sd-jwt".into(),
            disclosable: vec!["/a".into(), "/b".into(), "/b/c/1".into()],
            decoys_per_object: 1,
            holder_key: Some(key.verification_key().clone()),
        },
        &key,
    )
    .unwrap()
    .with_key_binding(&key, "aud", "nonce", OffsetDateTime::UNIX_EPOCH)
    .unwrap();
    (
        issued.serialize(),
        StaticKeyResolver::new().with_key("did:web:x.example#k", key.verification_key().clone()),
    )
}

fn learner_code() -> (String, LearnerCodeKeys, OffsetDateTime) {
    let key = SigningKey::ed25519_from_secret_bytes("did:web:x.example#lc", &[4; 32]).unwrap();
    let now = OffsetDateTime::from_unix_timestamp(1_767_225_630).unwrap();
    let handle = LearnerHandleKey::new(&[1; 32]).unwrap().handle("l");
    let token = issue_learner_code(&key, 1, handle, LearnerCodePurpose::CheckIn, now).unwrap();
    (
        token,
        LearnerCodeKeys::new().with_key(1, key.verification_key().clone()),
        now,
    )
}

/// The body of the fuzz target `credential_verify`.
fn credential_input(text: &str) {
    if let Ok(document) = serde_json::from_str::<Value>(text) {
        let _ = verify_credential(&document, &keyring(), &now(), &bundled_canonicaliser());
        let _ = StatusListEntry::from_credential(&document);
        let _ = StatusList::from_credential(&document);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn credential_parser_never_panics_on_text(text in ".{0,400}") {
        credential_input(&text);
    }

    #[test]
    fn credential_verify_never_panics_on_mutations(
        position in any::<usize>(), edit in any::<u8>(), character in any::<char>()
    ) {
        credential_input(&mutate(&signed_credential_text(), position, edit, character));
    }

    #[test]
    fn status_list_decoder_never_panics(text in "u[A-Za-z0-9_-]{0,200}", index in any::<u64>()) {
        if let Ok(list) = StatusList::decode(StatusPurpose::Revocation, &text) {
            let _ = list.get(index);
        }
    }

    #[test]
    fn sd_jwt_verifier_never_panics(
        text in "[A-Za-z0-9_.~-]{0,300}",
        position in any::<usize>(), edit in any::<u8>(), character in any::<char>()
    ) {
        let (valid, resolver) = sd_jwt_text();
        let options = SdJwtVerifyOptions::at(OffsetDateTime::UNIX_EPOCH);
        let _ = verify_sd_jwt(&text, &resolver, &options);
        let _ = verify_sd_jwt(&mutate(&valid, position, edit, character), &resolver, &options);
    }

    #[test]
    fn learner_code_verifier_never_panics(
        text in "[A-Za-z0-9_-]{100,120}",
        position in any::<usize>(), edit in any::<u8>(), character in any::<char>()
    ) {
        let (valid, keys, now) = learner_code();
        let _ = verify_learner_code(&text, &keys, LearnerCodePurpose::CheckIn, now);
        let mutated = mutate(&valid, position, edit, character);
        let result = verify_learner_code(&mutated, &keys, LearnerCodePurpose::CheckIn, now);
        // A changed code never verifies (a replaced char may decode to the same bytes only
        // if it is the same char).
        prop_assert!(mutated == valid || result.is_err());
    }
}
