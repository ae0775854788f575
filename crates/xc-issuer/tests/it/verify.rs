//! Offline verification of an issued credential: the report says which check failed and why for
//! each kind of bad input, and a credential whose JSON is only reordered or re-spaced still
//! verifies.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use xc_credentials::{
    Canonicaliser, ContextError, ContextLoader, KeyAlgorithm, KeyError, VerifyError,
};
use xc_issuer::testing::{SAMPLE_LEAF_INDEX, SAMPLE_LOG_SIZE, SampleIssuance, sample_issuance};
use xc_issuer::{
    InclusionError, InclusionReport, IssuerKeys, IssuerPublicKeys, ProofBundle, ProofOutcome,
    PublicKeysError, StatusReport, VerificationReport, VerifyInputs, verify_issued_credential,
};
use xc_merkle::ProofVerificationError;

const LIST_URL: &str = "https://bank.example.org/status/revocation/1";
const NOW: OffsetDateTime = datetime!(2027-03-01 12:00 UTC);

struct World {
    _dir: tempfile::TempDir,
    sample: SampleIssuance,
    public: IssuerPublicKeys,
    canonicaliser: Canonicaliser,
}

fn world(revoked: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let sample = sample_issuance(dir.path(), LIST_URL, revoked, &canonicaliser);
    let public = IssuerPublicKeys::from_json(&sample.keys.did_document()).unwrap();
    World {
        _dir: dir,
        sample,
        public,
        canonicaliser,
    }
}

impl World {
    fn check_with(
        &self,
        credential: &Value,
        keys: &IssuerPublicKeys,
        bundle: &ProofBundle,
        now: OffsetDateTime,
    ) -> VerificationReport {
        let list = self.sample.status_list.clone();
        let lists = move |_: &str| Some(list.clone());
        verify_issued_credential(
            credential,
            &VerifyInputs {
                keys,
                tree_head: bundle.tree_head.as_ref(),
                inclusion_proof: bundle.inclusion_proof.as_ref(),
                status_list: Some(&lists),
                now,
            },
            &self.canonicaliser,
        )
    }

    fn check(&self, credential: &Value) -> VerificationReport {
        self.check_with(credential, &self.public, &self.sample.bundle(), NOW)
    }
}

fn failures(report: &VerificationReport) -> Vec<(usize, &VerifyError)> {
    report
        .proofs
        .iter()
        .filter_map(|proof| match &proof.outcome {
            ProofOutcome::Failed(error) => Some((proof.index, error)),
            _ => None,
        })
        .collect()
}

fn assert_all_proofs_mismatch(report: &VerificationReport) {
    let failed = failures(report);
    assert_eq!(failed.len(), 3, "{report:#?}");
    for (index, error) in failed {
        assert!(
            matches!(error, VerifyError::SignatureMismatch { index: i, .. } if *i == index),
            "{error:?}"
        );
    }
    assert!(!report.is_valid());
}

#[test]
fn an_issued_credential_verifies_with_its_status_and_log_inclusion() {
    let world = world(false);
    let report = world.check(&world.sample.credential);
    assert!(report.is_valid(), "{report:#?}");
    assert_eq!(report.proofs.len(), 3);
    let suites: Vec<_> = report
        .proofs
        .iter()
        .map(|proof| proof.cryptosuite.as_deref().unwrap())
        .collect();
    assert_eq!(
        suites,
        ["eddsa-rdfc-2022", "eddsa-jcs-2022", "sm2-jcs-2025"]
    );
    assert_eq!(
        report.proofs[2].key_id.as_deref(),
        Some("did:web:bank.example.org#sm2-1")
    );
    assert_eq!(report.status, StatusReport::Active);
    assert_eq!(
        report.inclusion,
        InclusionReport::Included {
            leaf_index: SAMPLE_LEAF_INDEX,
            tree_size: SAMPLE_LOG_SIZE,
            signed_by: vec![
                "did:web:bank.example.org#ed25519-1".into(),
                "did:web:bank.example.org#sm2-1".into()
            ],
        }
    );
    let json = report.to_json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["status"]["status"], "active");
    assert_eq!(json["logInclusion"]["inclusion"], "included");
}

/// Writes JSON with every object's members in reverse order and odd spacing.
fn reordered(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .rev()
                .map(|(key, value)| format!("\n   {} :\t{}", json!(key), reordered(value)))
                .collect();
            format!("{{ {} \n}}", members.join(" ,"))
        }
        Value::Array(items) => format!(
            "[ {} ]",
            items.iter().map(reordered).collect::<Vec<_>>().join(" , ")
        ),
        other => other.to_string(),
    }
}

#[test]
fn reordered_and_respaced_json_still_verifies() {
    let world = world(false);
    let text = reordered(&world.sample.credential);
    assert!(text.contains("\n   \"validUntil\" :\t"), "{text}");
    let parsed: Value = serde_json::from_str(&text).unwrap();
    let report = world.check(&parsed);
    assert!(report.is_valid(), "{report:#?}");
}

#[test]
fn a_changed_value_fails_every_proof_and_the_log_inclusion() {
    let world = world(false);
    let mut changed = world.sample.credential.clone();
    changed["credentialSubject"]["creditsEarned"] = json!(9);
    let report = world.check(&changed);
    assert_all_proofs_mismatch(&report);
    assert!(
        matches!(
            report.inclusion,
            InclusionReport::Failed(InclusionError::Proof(
                ProofVerificationError::RootMismatch { .. }
            ))
        ),
        "{:?}",
        report.inclusion
    );
}

#[test]
fn an_added_property_fails_every_proof() {
    let world = world(false);
    let mut added = world.sample.credential.clone();
    added["description"] = json!("加了一句");
    assert_all_proofs_mismatch(&world.check(&added));
    let mut nested = world.sample.credential.clone();
    nested["credentialSubject"]["achievement"]["description"] = json!("加了一句");
    assert_all_proofs_mismatch(&world.check(&nested));
}

#[test]
fn a_removed_property_fails_every_proof() {
    let world = world(false);
    let mut removed = world.sample.credential.clone();
    removed.as_object_mut().unwrap().remove("validUntil");
    assert_all_proofs_mismatch(&world.check(&removed));
}

#[test]
fn a_wrong_context_is_refused_before_any_proof() {
    let world = world(false);
    let mut unknown = world.sample.credential.clone();
    unknown["@context"][1] = json!("https://example.org/my-own-context.json");
    let report = world.check(&unknown);
    assert_eq!(
        report.document,
        Err(VerifyError::Context(ContextError::UnknownContext {
            url: "https://example.org/my-own-context.json".into()
        }))
    );
    assert!(
        report
            .proofs
            .iter()
            .all(|proof| proof.outcome == ProofOutcome::NotChecked)
    );
    assert!(!report.is_valid());
    let json = report.to_json();
    assert_eq!(json["document"]["ok"], false);

    // A context we do hold but the credential was not signed with: the proofs' own @context
    // no longer matches.
    let mut other = world.sample.credential.clone();
    other["@context"][1] = json!("https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json");
    let report = world.check(&other);
    assert!(report.document.is_ok());
    let failed = failures(&report);
    assert!(
        matches!(failed[1].1, VerifyError::ProofContextMismatch { index: 1 }),
        "{failed:?}"
    );
    assert!(!report.is_valid());
}

#[test]
fn a_wrong_proof_purpose_is_named() {
    let world = world(false);
    let mut wrong = world.sample.credential.clone();
    wrong["proof"][2]["proofPurpose"] = json!("authentication");
    let report = world.check(&wrong);
    assert_eq!(failures(&report).len(), 1);
    assert_eq!(
        failures(&report)[0].1,
        &VerifyError::WrongProofPurpose {
            index: 2,
            expected: "assertionMethod".into(),
            found: "authentication".into()
        }
    );
    assert!(!report.is_valid());
}

#[test]
fn expired_and_not_yet_valid_credentials_are_named() {
    let world = world(false);
    let bundle = world.sample.bundle();
    let expired = world.check_with(
        &world.sample.credential,
        &world.public,
        &bundle,
        datetime!(2031-07-01 00:00 UTC),
    );
    assert_eq!(
        expired.validity.result,
        Err(VerifyError::Expired {
            valid_until: "2031-06-30T23:59:59Z".into()
        })
    );
    assert!(failures(&expired).is_empty(), "the proofs themselves hold");
    assert!(!expired.is_valid());
    assert_eq!(expired.to_json()["validity"]["ok"], false);

    let early = world.check_with(
        &world.sample.credential,
        &world.public,
        &bundle,
        datetime!(2026-11-29 09:00 UTC),
    );
    assert_eq!(
        early.validity.result,
        Err(VerifyError::NotYetValid {
            valid_from: "2026-11-29T09:30:15Z".into()
        })
    );
    assert!(!early.is_valid());
}

#[test]
fn a_revoked_credential_is_reported_revoked() {
    let world = world(true);
    let report = world.check(&world.sample.credential);
    assert_eq!(report.status, StatusReport::Revoked);
    assert!(failures(&report).is_empty());
    assert!(!report.is_valid());
    assert_eq!(report.to_json()["status"]["status"], "revoked");
}

#[test]
fn status_without_a_list_is_not_checked_and_a_tampered_list_is_unknown() {
    let world = world(false);
    let bundle = world.sample.bundle();
    let report = verify_issued_credential(
        &world.sample.credential,
        &VerifyInputs {
            keys: &world.public,
            tree_head: bundle.tree_head.as_ref(),
            inclusion_proof: bundle.inclusion_proof.as_ref(),
            status_list: None,
            now: NOW,
        },
        &world.canonicaliser,
    );
    assert!(matches!(report.status, StatusReport::NotChecked { .. }));
    assert!(report.is_valid(), "a check not made does not fail");

    let mut tampered = world.sample.status_list.clone();
    tampered["credentialSubject"]["encodedList"] =
        json!("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
    let lists = move |_: &str| Some(tampered.clone());
    let report = verify_issued_credential(
        &world.sample.credential,
        &VerifyInputs {
            keys: &world.public,
            tree_head: None,
            inclusion_proof: None,
            status_list: Some(&lists),
            now: NOW,
        },
        &world.canonicaliser,
    );
    let StatusReport::Unknown { reason } = &report.status else {
        panic!("{:?}", report.status)
    };
    assert!(reason.contains("signature does not match"), "{reason}");
    assert!(!report.is_valid());
    assert!(matches!(
        report.inclusion,
        InclusionReport::NotChecked { .. }
    ));
}

#[test]
fn unknown_and_untrusted_keys_are_refused_and_rotated_out_keys_still_verify() {
    let world = world(false);
    // Another issuer's keys: every key unknown, the tree head unverifiable.
    let other_dir = tempfile::tempdir().unwrap();
    let other = IssuerKeys::open_or_create(other_dir.path(), "did:web:other.example").unwrap();
    let other_keys = IssuerPublicKeys::from_json(&other.did_document()).unwrap();
    let report = world.check_with(
        &world.sample.credential,
        &other_keys,
        &world.sample.bundle(),
        NOW,
    );
    let failed = failures(&report);
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .iter()
            .all(|(_, e)| matches!(e, VerifyError::UnknownKey { .. })),
        "{failed:?}"
    );
    assert!(matches!(
        report.inclusion,
        InclusionReport::Failed(InclusionError::TreeHeadSignature(_))
    ));

    // The issuer's own Ed25519 key, marked untrusted by the verifier.
    let mut distrusted = world.public.clone();
    assert!(distrusted.distrust("did:web:bank.example.org#ed25519-1", "reported compromised"));
    let report = world.check_with(
        &world.sample.credential,
        &distrusted,
        &world.sample.bundle(),
        NOW,
    );
    let failed = failures(&report);
    assert_eq!(failed.len(), 2, "the SM2 proof still holds: {failed:?}");
    for (_, error) in &failed {
        assert!(
            matches!(
                error,
                VerifyError::KeyResolution {
                    source: KeyError::NotTrusted { reason, .. }, ..
                } if reason == "reported compromised"
            ),
            "{error:?}"
        );
    }
    assert!(!report.is_valid());

    // A key the DID document does not list for assertions is not trusted either.
    let mut document = world.sample.keys.did_document();
    document["assertionMethod"] = json!(["did:web:bank.example.org#ed25519-1"]);
    let limited = IssuerPublicKeys::from_json(&document).unwrap();
    let report = world.check_with(
        &world.sample.credential,
        &limited,
        &world.sample.bundle(),
        NOW,
    );
    let failed = failures(&report);
    assert_eq!(failed.len(), 1);
    assert!(
        matches!(
            failed[0].1,
            VerifyError::KeyResolution {
                source: KeyError::NotTrusted { .. },
                index: 2,
                ..
            }
        ),
        "{failed:?}"
    );

    // After a rotation the published document still holds the old keys: old credentials verify.
    let mut keys = world.sample.keys;
    keys.rotate(KeyAlgorithm::Ed25519).unwrap();
    keys.rotate(KeyAlgorithm::Sm2).unwrap();
    let rotated = IssuerPublicKeys::from_json(&keys.did_document()).unwrap();
    let list = world.sample.status_list.clone();
    let lists = move |_: &str| Some(list.clone());
    let report = verify_issued_credential(
        &world.sample.credential,
        &VerifyInputs {
            keys: &rotated,
            tree_head: Some(&world.sample.tree_head),
            inclusion_proof: Some(&world.sample.inclusion_proof),
            status_list: Some(&lists),
            now: NOW,
        },
        &world.canonicaliser,
    );
    assert!(report.is_valid(), "{report:#?}");
}

#[test]
fn a_tampered_inclusion_proof_or_tree_head_is_refused_with_the_reason() {
    let world = world(false);
    let mut bundle = world.sample.bundle();
    bundle.inclusion_proof.as_mut().unwrap().path[1].0[0] ^= 1;
    let report = world.check_with(&world.sample.credential, &world.public, &bundle, NOW);
    assert!(
        matches!(
            report.inclusion,
            InclusionReport::Failed(InclusionError::Proof(
                ProofVerificationError::RootMismatch { .. }
            ))
        ),
        "{:?}",
        report.inclusion
    );
    assert!(!report.is_valid());

    let mut bundle = world.sample.bundle();
    bundle.inclusion_proof.as_mut().unwrap().path.pop();
    let report = world.check_with(&world.sample.credential, &world.public, &bundle, NOW);
    assert!(matches!(
        report.inclusion,
        InclusionReport::Failed(InclusionError::Proof(
            ProofVerificationError::WrongProofLength { .. }
        ))
    ));

    let mut bundle = world.sample.bundle();
    bundle.inclusion_proof.as_mut().unwrap().leaf_index = SAMPLE_LEAF_INDEX + 1;
    let report = world.check_with(&world.sample.credential, &world.public, &bundle, NOW);
    assert!(matches!(report.inclusion, InclusionReport::Failed(_)));

    // The head's root changed to fit a forged log: its signatures no longer hold.
    let mut bundle = world.sample.bundle();
    bundle.tree_head.as_mut().unwrap().head.root_hash.0[31] ^= 1;
    let report = world.check_with(&world.sample.credential, &world.public, &bundle, NOW);
    let InclusionReport::Failed(InclusionError::TreeHeadSignature(reason)) = &report.inclusion
    else {
        panic!("{:?}", report.inclusion)
    };
    assert!(reason.contains("does not match the tree head"), "{reason}");
    assert!(!report.is_valid());

    let mut bundle = world.sample.bundle();
    bundle.tree_head.as_mut().unwrap().head.timestamp_ms += 1;
    let report = world.check_with(&world.sample.credential, &world.public, &bundle, NOW);
    assert!(matches!(
        report.inclusion,
        InclusionReport::Failed(InclusionError::TreeHeadSignature(_))
    ));

    let none = ProofBundle::default();
    let report = world.check_with(&world.sample.credential, &world.public, &none, NOW);
    assert!(matches!(
        report.inclusion,
        InclusionReport::NotChecked { .. }
    ));
}

#[test]
fn the_proof_bundle_round_trips_and_bad_bundles_name_the_problem() {
    let world = world(false);
    let mut bundle = world.sample.bundle();
    bundle.credential = Some(world.sample.credential.clone());
    let text = serde_json::to_string_pretty(&bundle.to_json()).unwrap();
    assert_eq!(ProofBundle::parse(&text).unwrap(), bundle);

    let missing = json!({"treeHead": {"rootHash": "00", "timestamp": 1, "signatures": []}});
    let error = ProofBundle::parse(&serde_json::to_string_pretty(&missing).unwrap()).unwrap_err();
    assert!(
        error.to_string().contains("missing field `treeSize`")
            && error.to_string().contains("line"),
        "{error}"
    );
    let mut short = bundle.to_json();
    short["inclusionProof"]["path"][0] = json!("abcd");
    let error = ProofBundle::from_value(short).unwrap_err();
    assert!(
        error.to_string().starts_with("inclusionProof.path[0]:"),
        "{error}"
    );
    let unknown = json!({"treeHeads": {}});
    let error = ProofBundle::from_value(unknown).unwrap_err();
    assert!(
        error.to_string().contains("unknown field `treeHeads`"),
        "{error}"
    );
}

#[test]
fn keys_are_read_from_a_jwks_too_and_bad_key_files_name_the_key() {
    use base64::Engine as _;
    let world = world(false);
    let jwk = |key: &xc_credentials::SigningKey| match key.verification_key() {
        xc_credentials::VerificationKey::Ed25519(public) => json!({
            "kid": key.key_id(), "kty": "OKP", "crv": "Ed25519",
            "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public.as_bytes()),
        }),
        other => json!({"kid": key.key_id(), "publicKeyMultibase": other.to_multikey()}),
    };
    let jwks = json!({"keys": world.sample.keys.all().into_iter().map(jwk).collect::<Vec<_>>()});
    let keys = IssuerPublicKeys::from_json(&jwks).unwrap();
    let report = world.check_with(&world.sample.credential, &keys, &world.sample.bundle(), NOW);
    assert!(report.is_valid(), "{report:#?}");

    assert_eq!(
        IssuerPublicKeys::from_json(&json!({"id": "x"})).unwrap_err(),
        PublicKeysError::UnknownFormat
    );
    let bad = json!({"keys": [{"kid": "did:web:x#k", "kty": "RSA", "n": "AQAB"}]});
    let error = IssuerPublicKeys::from_json(&bad).unwrap_err().to_string();
    assert!(
        error.starts_with("keys[0]: unsupported key type"),
        "{error}"
    );
    let mut document = world.sample.keys.did_document();
    document["verificationMethod"][1]["publicKeyMultibase"] = json!("not a key");
    let error = IssuerPublicKeys::from_json(&document)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("verificationMethod[1]:"), "{error}");
}
