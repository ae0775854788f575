//! The Open Badges 3.0 credential of a recognised outcome: its shape, both proofs verifying
//! with the issuer's published keys, a changed value refused, and no personal data in clear.

use time::macros::{date, datetime};
use xc_credentials::{Canonicaliser, ContextLoader, VerifyOptions, verify_credential};
use xc_domain::credit::{Credits, FrameworkLevel, OutcomeCategory};
use xc_issuer::credential::CredentialError;
use xc_issuer::{
    IssuerKeys, IssuerProfile, OutcomeCredentialInput, outcome_credential, sign_outcome_credential,
};
use xc_store::{Grant, OutcomeRecord, OutcomeStatus};

const DID: &str = "did:web:bank.example.org";

fn recognised(grant: Option<Grant>) -> OutcomeRecord {
    OutcomeRecord {
        status: if grant.is_some() {
            OutcomeStatus::Recognised
        } else {
            OutcomeStatus::InReview
        },
        grant,
        ..xc_issuer::testing::sample_outcome()
    }
}

fn grant() -> Grant {
    Grant {
        category: OutcomeCategory::VocationalTraining,
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::from_hundredths(150).unwrap(),
        valid_until: Some(date!(2031 - 06 - 30)),
    }
}

fn profile() -> IssuerProfile {
    IssuerProfile {
        name: "学城终身教育学分银行".into(),
        base_url: "https://bank.example.org".into(),
    }
}

#[test]
fn a_recognised_outcome_becomes_a_signed_open_badge_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    let outcome = recognised(Some(grant()));
    let issued_at = datetime!(2026-11-29 09:30:15.25 UTC);
    let input = OutcomeCredentialInput {
        credential_id: "urn:uuid:6f1c8d7e-0b0a-4c61-9a49-2d4f1f0a9c11",
        outcome: &outcome,
        provider_name: "静安区社区学院",
        identity_salt: "c2FsdA",
        issued_at,
    };
    let credential = outcome_credential(&profile(), DID, &input).unwrap();
    assert_eq!(credential["type"][1], "OpenBadgeCredential");
    assert_eq!(credential["issuer"]["id"], DID);
    assert_eq!(credential["validFrom"], "2026-11-29T09:30:15Z");
    assert_eq!(credential["validUntil"], "2031-06-30T23:59:59Z");
    let subject = &credential["credentialSubject"];
    assert_eq!(subject["creditsEarned"], 1.5);
    assert_eq!(subject["achievement"]["creditsAvailable"], 1.5);
    assert_eq!(subject["achievement"]["name"], "书法(楷书)");
    assert_eq!(subject["achievement"]["alignment"][0]["targetCode"], "L2");
    assert_eq!(subject["achievement"]["creator"]["name"], "静安区社区学院");
    assert_eq!(subject["identifier"][0]["hashed"], true);
    let text = credential.to_string();
    assert!(!text.contains("learner:7"), "the holder is only hashed");

    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let signed = sign_outcome_credential(&keys, &credential, issued_at, &canonicaliser).unwrap();
    let proofs = signed["proof"].as_array().unwrap();
    assert_eq!(proofs.len(), 3);
    assert_eq!(proofs[0]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(proofs[1]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(proofs[2]["cryptosuite"], "sm2-jcs-2025");
    let verified = verify_credential(
        &signed,
        keys.keyring(),
        &VerifyOptions::assertion_at(datetime!(2026-12-01 00:00 UTC)),
        &canonicaliser,
    )
    .unwrap();
    assert_eq!(verified.proofs.len(), 3);

    let mut changed = signed.clone();
    changed["credentialSubject"]["creditsEarned"] = serde_json::json!(15);
    assert!(
        verify_credential(
            &changed,
            keys.keyring(),
            &VerifyOptions::assertion_at(datetime!(2026-12-01 00:00 UTC)),
            &canonicaliser,
        )
        .is_err()
    );
}

#[test]
fn only_recognised_outcomes_are_issued() {
    let outcome = recognised(None);
    let input = OutcomeCredentialInput {
        credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000",
        outcome: &outcome,
        provider_name: "静安区社区学院",
        identity_salt: "c2FsdA",
        issued_at: datetime!(2026-11-29 09:30 UTC),
    };
    assert!(matches!(
        outcome_credential(&profile(), DID, &input),
        Err(CredentialError::NotRecognised(42))
    ));
}
