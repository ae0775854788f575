//! Our own credentials: an Open Badges 3.0 credential signed with all three suites as one proof
//! set verifies; so does the same credential with its JSON keys reordered and re-spaced; and the
//! proofs carry what the house rules require (key ids with fragments, contexts by URL).

use serde_json::{Map, Value};
use xc_credentials::{
    Cryptosuite, KeyAlgorithm, Keyring, ProofRequest, SignError, SignOptions, SigningKey,
    VerifyOptions, sign_credential, verify_credential,
};

use crate::support::{at, bundled_canonicaliser, read_fixture};

pub(crate) const ED25519_KEY_ID: &str = "did:web:credit-bank.xuecheng.example#key-1";
pub(crate) const SM2_KEY_ID: &str = "did:web:credit-bank.xuecheng.example#sm2-key-1";

pub(crate) fn unsigned_credential() -> Value {
    serde_json::from_str(&read_fixture("ob3-credential.json")).unwrap()
}

pub(crate) fn keyring() -> Keyring {
    let mut keyring = Keyring::new();
    keyring.insert(SigningKey::ed25519_from_secret_bytes(ED25519_KEY_ID, &[11; 32]).unwrap());
    keyring.insert(SigningKey::sm2_from_secret_bytes(SM2_KEY_ID, &[22; 32]).unwrap());
    keyring
}

/// The credential signed with the given suites (created 2025-03-01) by the keyring's keys.
pub(crate) fn signed_with(suites: &[Cryptosuite]) -> Value {
    keyring()
        .sign_credential(
            &unsigned_credential(),
            suites,
            &SignOptions::assertion_at(at("2025-03-01T08:00:00Z")),
            &bundled_canonicaliser(),
        )
        .unwrap()
}

pub(crate) fn now() -> VerifyOptions {
    VerifyOptions::assertion_at(at("2026-01-15T00:00:00Z"))
}

#[test]
fn a_proof_set_of_all_three_suites_verifies() {
    let signed = signed_with(&Cryptosuite::ALL);
    let proofs = signed["proof"].as_array().unwrap();
    assert_eq!(proofs.len(), 3);
    for proof in proofs {
        let method = proof["verificationMethod"].as_str().unwrap();
        assert!(method.contains('#'), "{method}");
        assert_eq!(proof["type"], "DataIntegrityProof");
        assert!(proof["proofValue"].as_str().unwrap().starts_with('z'));
    }
    let verified =
        verify_credential(&signed, &keyring(), &now(), &bundled_canonicaliser()).unwrap();
    let suites: Vec<Cryptosuite> = verified
        .proofs
        .iter()
        .map(|proof| proof.cryptosuite)
        .collect();
    assert_eq!(suites, Cryptosuite::ALL);
    assert_eq!(verified.valid_until, Some(at("2035-03-01T08:00:00Z")));
}

#[test]
fn signing_is_deterministic_for_every_suite() {
    assert_eq!(
        signed_with(&Cryptosuite::ALL),
        signed_with(&Cryptosuite::ALL)
    );
}

#[test]
fn adding_a_proof_keeps_the_existing_one() {
    let first = signed_with(&[Cryptosuite::EddsaJcs2022]);
    let keyring = keyring();
    let both = sign_credential(
        &first,
        &[ProofRequest {
            key: keyring.key(SM2_KEY_ID).unwrap(),
            cryptosuite: Cryptosuite::Sm2Jcs2025,
        }],
        &SignOptions::assertion_at(at("2025-03-02T08:00:00Z")),
        &bundled_canonicaliser(),
    )
    .unwrap();
    assert_eq!(both["proof"][0], first["proof"]);
    verify_credential(&both, &keyring, &now(), &bundled_canonicaliser()).unwrap();
}

/// Rebuilds every object with its members in reverse order (serde_json keeps insertion order
/// only with `preserve_order`; the text below is what matters) and prints it with odd spacing.
fn reordered_and_respaced_text(value: &Value) -> String {
    fn write(value: &Value, out: &mut String, depth: usize) {
        match value {
            Value::Object(map) => {
                let members: Vec<(&String, &Value)> = map.iter().rev().collect();
                out.push_str("{\n");
                for (index, (name, member)) in members.iter().enumerate() {
                    out.push_str(&"   ".repeat(depth + 1));
                    out.push_str(&serde_json::to_string(name).unwrap());
                    out.push_str("  :\t");
                    write(member, out, depth + 1);
                    if index + 1 < members.len() {
                        out.push_str(" ,");
                    }
                    out.push('\n');
                }
                out.push_str(&"   ".repeat(depth));
                out.push('}');
            }
            Value::Array(items) => {
                out.push_str("[ ");
                for (index, item) in items.iter().enumerate() {
                    write(item, out, depth + 1);
                    if index + 1 < items.len() {
                        out.push_str(" ,  ");
                    }
                }
                out.push_str(" ]");
            }
            other => out.push_str(&serde_json::to_string(other).unwrap()),
        }
    }
    let mut out = String::new();
    write(value, &mut out, 0);
    out
}

#[test]
fn reordered_and_respaced_json_still_verifies_with_every_suite() {
    let signed = signed_with(&Cryptosuite::ALL);
    let text = reordered_and_respaced_text(&signed);
    assert_ne!(text, serde_json::to_string(&signed).unwrap());
    assert_ne!(text, serde_json::to_string_pretty(&signed).unwrap());
    let reparsed: Value = serde_json::from_str(&text).unwrap();
    let verified =
        verify_credential(&reparsed, &keyring(), &now(), &bundled_canonicaliser()).unwrap();
    assert_eq!(verified.proofs.len(), 3);
}

#[test]
fn a_key_cannot_sign_with_a_suite_of_another_algorithm() {
    let keyring = keyring();
    let error = sign_credential(
        &unsigned_credential(),
        &[ProofRequest {
            key: keyring.key(SM2_KEY_ID).unwrap(),
            cryptosuite: Cryptosuite::EddsaJcs2022,
        }],
        &SignOptions::assertion_at(at("2025-03-01T08:00:00Z")),
        &bundled_canonicaliser(),
    )
    .unwrap_err();
    assert!(
        matches!(error, SignError::KeyDoesNotFitSuite { .. }),
        "{error}"
    );
}

#[test]
fn signing_refuses_an_inline_context() {
    let mut document = unsigned_credential();
    let mut inline = Map::new();
    inline.insert("foo".into(), "https://example.org/foo".into());
    document["@context"]
        .as_array_mut()
        .unwrap()
        .push(Value::Object(inline));
    let keyring = keyring();
    let error = sign_credential(
        &document,
        &[ProofRequest {
            key: keyring.key(ED25519_KEY_ID).unwrap(),
            cryptosuite: Cryptosuite::EddsaJcs2022,
        }],
        &SignOptions::assertion_at(at("2025-03-01T08:00:00Z")),
        &bundled_canonicaliser(),
    )
    .unwrap_err();
    assert!(matches!(error, SignError::Context(_)), "{error}");
}

#[test]
fn a_rotated_key_signs_new_credentials_and_old_ones_still_verify() {
    let mut keyring = keyring();
    let old = signed_with(&[Cryptosuite::EddsaJcs2022, Cryptosuite::Sm2Jcs2025]);
    keyring.insert(
        SigningKey::ed25519_from_secret_bytes(
            "did:web:credit-bank.xuecheng.example#key-2",
            &[33; 32],
        )
        .unwrap(),
    );
    let new = keyring
        .sign_credential(
            &unsigned_credential(),
            &[Cryptosuite::EddsaJcs2022],
            &SignOptions::assertion_at(at("2025-04-01T08:00:00Z")),
            &bundled_canonicaliser(),
        )
        .unwrap();
    assert_eq!(
        new["proof"]["verificationMethod"],
        "did:web:credit-bank.xuecheng.example#key-2"
    );
    for document in [&old, &new] {
        verify_credential(document, &keyring, &now(), &bundled_canonicaliser()).unwrap();
    }
    let only_ed25519 = {
        let mut ring = Keyring::new();
        ring.insert(
            SigningKey::generate("did:web:example.org#key-1", KeyAlgorithm::Ed25519).unwrap(),
        );
        ring
    };
    assert!(matches!(
        only_ed25519.proof_requests(&[Cryptosuite::Sm2Jcs2025]),
        Err(SignError::NoKeyForSuite { .. })
    ));
}
