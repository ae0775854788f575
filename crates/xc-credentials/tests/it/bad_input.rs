//! Bad input: each change to a signed credential is refused with the specific reason, for each
//! suite (changed value, added or removed property, wrong context, wrong proof purpose, expired,
//! not yet valid, unknown key, malformed proof value, unsupported suite).

use serde_json::Value;
use xc_credentials::{
    ContextError, Cryptosuite, StaticKeyResolver, VerifyError, VerifyOptions, verify_credential,
};

use crate::sign_and_verify::{keyring, now, signed_with};
use crate::support::{at, bundled_canonicaliser};

fn verify(document: &Value) -> Result<(), VerifyError> {
    verify_at(document, &now())
}

fn verify_at(document: &Value, options: &VerifyOptions) -> Result<(), VerifyError> {
    verify_credential(document, &keyring(), options, &bundled_canonicaliser()).map(|_| ())
}

/// Runs `check` on a credential signed with each suite alone.
fn for_each_suite(check: impl Fn(Cryptosuite, Value)) {
    for suite in Cryptosuite::ALL {
        let signed = signed_with(&[suite]);
        assert!(
            verify(&signed).is_ok(),
            "{suite}: the untouched credential verifies"
        );
        check(suite, signed);
    }
}

fn assert_signature_mismatch(suite: Cryptosuite, result: Result<(), VerifyError>, what: &str) {
    match result {
        Err(VerifyError::SignatureMismatch { cryptosuite, .. }) => assert_eq!(cryptosuite, suite),
        other => panic!("{suite}, {what}: expected a signature mismatch, got {other:?}"),
    }
}

#[test]
fn a_changed_value_breaks_the_signature() {
    for_each_suite(|suite, mut signed| {
        signed["credentialSubject"]["creditsEarned"] = 25.into();
        assert_signature_mismatch(suite, verify(&signed), "changed credits");
    });
}

#[test]
fn an_added_property_breaks_the_signature() {
    for_each_suite(|suite, mut signed| {
        signed["credentialSubject"]["achievement"]["fieldOfStudy"] = "Law".into();
        signed["credentialSubject"]["achievement"]["specialization"] = "Forgery".into();
        assert_signature_mismatch(suite, verify(&signed), "added property");
    });
}

#[test]
fn a_removed_property_breaks_the_signature() {
    for_each_suite(|suite, mut signed| {
        signed["credentialSubject"]["achievement"]
            .as_object_mut()
            .unwrap()
            .remove("criteria");
        assert_signature_mismatch(suite, verify(&signed), "removed property");
    });
}

#[test]
fn a_changed_proof_option_breaks_the_signature() {
    for_each_suite(|suite, mut signed| {
        signed["proof"]["created"] = "2025-03-01T09:00:00Z".into();
        assert_signature_mismatch(suite, verify(&signed), "changed created");
    });
}

#[test]
fn an_unknown_context_is_refused_before_anything_else() {
    for_each_suite(|_, mut signed| {
        signed["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json".into();
        assert_eq!(
            verify(&signed),
            Err(VerifyError::Context(ContextError::UnknownContext {
                url: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json".into()
            }))
        );
    });
}

#[test]
fn an_added_known_context_breaks_the_signature_or_the_proof_context() {
    for_each_suite(|suite, mut signed| {
        signed["@context"]
            .as_array_mut()
            .unwrap()
            .push("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json".into());
        match (suite, verify(&signed)) {
            // The JCS proofs name the document's @context; a longer one starts with it, so the
            // proof is checked over the document with the proof's @context and still holds: the
            // extra context changes no term used here. RDFC: same N-Quads, still verifies.
            (_, Ok(())) => {}
            (_, Err(VerifyError::SignatureMismatch { .. })) => {}
            (_, other) => panic!("{suite}: {other:?}"),
        }
        // A proof @context that the document does not start with is refused as such.
        if suite != Cryptosuite::EddsaRdfc2022 {
            signed["proof"]["@context"] =
                serde_json::json!(["https://www.w3.org/ns/credentials/v2"]);
            signed["@context"] = serde_json::json!([
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                "https://www.w3.org/ns/credentials/v2"
            ]);
            assert_eq!(
                verify(&signed),
                Err(VerifyError::ProofContextMismatch { index: 0 })
            );
        }
    });
}

#[test]
fn a_wrong_proof_purpose_is_refused() {
    for_each_suite(|_, mut signed| {
        signed["proof"]["proofPurpose"] = "authentication".into();
        assert_eq!(
            verify(&signed),
            Err(VerifyError::WrongProofPurpose {
                index: 0,
                expected: "assertionMethod".into(),
                found: "authentication".into()
            })
        );
    });
    // Asking for another purpose than the proof states is refused the same way.
    let signed = signed_with(&[Cryptosuite::EddsaJcs2022]);
    let mut options = now();
    options.expected_proof_purpose = "authentication".into();
    assert!(matches!(
        verify_at(&signed, &options),
        Err(VerifyError::WrongProofPurpose { .. })
    ));
}

#[test]
fn expired_and_not_yet_valid_credentials_are_refused() {
    for_each_suite(|_, signed| {
        assert_eq!(
            verify_at(
                &signed,
                &VerifyOptions::assertion_at(at("2035-03-01T08:00:01Z"))
            ),
            Err(VerifyError::Expired {
                valid_until: "2035-03-01T08:00:00Z".into()
            })
        );
        assert_eq!(
            verify_at(
                &signed,
                &VerifyOptions::assertion_at(at("2025-03-01T07:59:59Z"))
            ),
            Err(VerifyError::NotYetValid {
                valid_from: "2025-03-01T08:00:00Z".into()
            })
        );
    });
}

#[test]
fn a_proof_created_in_the_future_or_expired_is_refused() {
    let signed = signed_with(&[Cryptosuite::EddsaJcs2022]);
    let mut early = signed.clone();
    early["validFrom"] = "2020-01-01T00:00:00Z".into();
    // validFrom changed, so only the date checks (which come first) are meaningful here.
    assert!(matches!(
        verify_at(
            &early,
            &VerifyOptions::assertion_at(at("2024-01-01T00:00:00Z"))
        ),
        Err(VerifyError::ProofCreatedInFuture { index: 0, .. })
    ));
    // A proof created within the allowed clock skew ahead of now is fine; beyond it, it is not.
    let just_signed = VerifyOptions::assertion_at(at("2025-03-01T07:58:00Z"));
    let mut valid_early = signed.clone();
    valid_early["validFrom"] = "2025-03-01T07:00:00Z".into();
    assert!(matches!(
        verify_at(&valid_early, &just_signed),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let mut expiring = signed;
    expiring["proof"]["expires"] = "2025-06-01T00:00:00Z".into();
    assert!(matches!(
        verify(&expiring),
        Err(VerifyError::ProofExpired { index: 0, .. })
    ));
}

#[test]
fn an_unknown_key_is_refused() {
    for_each_suite(|_, signed| {
        let result = verify_credential(
            &signed,
            &StaticKeyResolver::new(),
            &now(),
            &bundled_canonicaliser(),
        );
        assert!(
            matches!(result, Err(VerifyError::UnknownKey { index: 0, .. })),
            "{result:?}"
        );
    });
}

#[test]
fn a_key_of_another_algorithm_is_refused() {
    let signed = signed_with(&[Cryptosuite::Sm2Jcs2025]);
    let keyring = keyring();
    let ed25519_key = keyring
        .key(crate::sign_and_verify::ED25519_KEY_ID)
        .unwrap()
        .verification_key()
        .clone();
    let resolver =
        StaticKeyResolver::new().with_key(crate::sign_and_verify::SM2_KEY_ID, ed25519_key);
    assert!(matches!(
        verify_credential(&signed, &resolver, &now(), &bundled_canonicaliser()),
        Err(VerifyError::KeyDoesNotFitSuite { .. })
    ));
}

#[test]
fn a_malformed_proof_value_is_refused() {
    for_each_suite(|_, signed| {
        for (value, why) in [
            ("uAAAA", "not base58btc"),
            ("z0OIl", "invalid base58"),
            ("z3yZe7d", "too short"),
        ] {
            let mut changed = signed.clone();
            changed["proof"]["proofValue"] = value.into();
            assert!(
                matches!(
                    verify(&changed),
                    Err(VerifyError::MalformedProofValue { index: 0, .. })
                ),
                "{why}"
            );
        }
    });
}

#[test]
fn an_unsupported_cryptosuite_or_proof_type_is_refused() {
    let mut signed = signed_with(&[Cryptosuite::EddsaJcs2022]);
    signed["proof"]["cryptosuite"] = "ecdsa-jcs-2019".into();
    assert_eq!(
        verify(&signed),
        Err(VerifyError::UnsupportedCryptosuite {
            index: 0,
            cryptosuite: "ecdsa-jcs-2019".into()
        })
    );
    signed["proof"]["type"] = "Ed25519Signature2020".into();
    assert!(matches!(
        verify(&signed),
        Err(VerifyError::UnsupportedProofType { .. })
    ));
}

#[test]
fn one_bad_proof_in_a_set_fails_the_whole_credential() {
    let mut signed = signed_with(&Cryptosuite::ALL);
    signed["proof"][1]["proofValue"] = signed["proof"][0]["proofValue"].clone();
    assert!(matches!(
        verify(&signed),
        Err(VerifyError::SignatureMismatch { index: 1, .. })
    ));
    let mut missing = signed_with(&Cryptosuite::ALL);
    missing.as_object_mut().unwrap().remove("proof");
    assert_eq!(verify(&missing), Err(VerifyError::MissingProof));
}
