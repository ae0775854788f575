//! Bitstring Status List end to end: a signed revocation list and a signed suspension list, a
//! credential carrying both entries, and each way a status check can fail.

use serde_json::{Value, json};
use xc_credentials::status_list::{
    StatusList, StatusListEntry, StatusListError, StatusPurpose, check_credential_status,
    check_status, set_credential_status,
};
use xc_credentials::{Cryptosuite, VerifyError};

use crate::sign_and_verify::{keyring, now, signed_with, unsigned_credential};
use crate::support::{at, bundled_canonicaliser};

const REVOCATION_URL: &str = "https://credit-bank.xuecheng.example/status/revocation/1";
const SUSPENSION_URL: &str = "https://credit-bank.xuecheng.example/status/suspension/1";
const ISSUER: &str = "did:web:credit-bank.xuecheng.example";

fn signed_list(list: &StatusList, url: &str) -> Value {
    let unsigned = list.to_credential(url, ISSUER, at("2026-01-01T00:00:00Z"), None);
    keyring()
        .sign_credential(
            &unsigned,
            &[Cryptosuite::EddsaJcs2022],
            &xc_credentials::SignOptions::assertion_at(at("2026-01-01T00:00:00Z")),
            &bundled_canonicaliser(),
        )
        .unwrap()
}

fn entry(purpose: StatusPurpose, index: u64) -> StatusListEntry {
    StatusListEntry {
        purpose,
        index,
        status_list_credential: match purpose {
            StatusPurpose::Revocation => REVOCATION_URL,
            StatusPurpose::Suspension => SUSPENSION_URL,
        }
        .into(),
    }
}

fn check(entry: &StatusListEntry, list_credential: &Value) -> Result<bool, StatusListError> {
    check_status(
        entry,
        list_credential,
        &keyring(),
        &now(),
        &bundled_canonicaliser(),
    )
    .map(|check| check.is_set)
}

#[test]
fn a_credential_with_both_entries_is_active_then_suspended_then_revoked() {
    let mut credential = unsigned_credential();
    let entries = [
        entry(StatusPurpose::Revocation, 4242),
        entry(StatusPurpose::Suspension, 77),
    ];
    set_credential_status(credential.as_object_mut().unwrap(), &entries);
    let signed = keyring()
        .sign_credential(
            &credential,
            &[Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022],
            &xc_credentials::SignOptions::assertion_at(at("2025-03-01T08:00:00Z")),
            &bundled_canonicaliser(),
        )
        .unwrap();
    // The entry survives RDFC canonicalisation (its terms are in the VC 2.0 context).
    xc_credentials::verify_credential(&signed, &keyring(), &now(), &bundled_canonicaliser())
        .unwrap();

    let mut revocation = StatusList::new(StatusPurpose::Revocation, 0);
    let mut suspension = StatusList::new(StatusPurpose::Suspension, 0);
    let report = |revocation: &StatusList, suspension: &StatusList| {
        let lists = [
            (REVOCATION_URL, signed_list(revocation, REVOCATION_URL)),
            (SUSPENSION_URL, signed_list(suspension, SUSPENSION_URL)),
        ];
        check_credential_status(
            &signed,
            &|url| {
                lists
                    .iter()
                    .find(|(list_url, _)| *list_url == url)
                    .map(|(_, list)| list.clone())
            },
            &keyring(),
            &now(),
            &bundled_canonicaliser(),
        )
        .unwrap()
    };
    let active = report(&revocation, &suspension);
    assert_eq!(active.checks.len(), 2);
    assert!(!active.is_revoked() && !active.is_suspended());

    suspension.set(77, true).unwrap();
    let suspended = report(&revocation, &suspension);
    assert!(suspended.is_suspended() && !suspended.is_revoked());

    suspension.set(77, false).unwrap();
    revocation.set(4242, true).unwrap();
    let revoked = report(&revocation, &suspension);
    assert!(revoked.is_revoked() && !revoked.is_suspended());
}

#[test]
fn neighbouring_bits_do_not_leak_into_a_check() {
    let mut list = StatusList::new(StatusPurpose::Revocation, 0);
    list.set(10, true).unwrap();
    let signed = signed_list(&list, REVOCATION_URL);
    assert!(check(&entry(StatusPurpose::Revocation, 10), &signed).unwrap());
    assert!(!check(&entry(StatusPurpose::Revocation, 9), &signed).unwrap());
    assert!(!check(&entry(StatusPurpose::Revocation, 11), &signed).unwrap());
}

#[test]
fn a_list_of_the_wrong_purpose_is_refused() {
    let suspension = signed_list(
        &StatusList::new(StatusPurpose::Suspension, 0),
        REVOCATION_URL,
    );
    assert_eq!(
        check(&entry(StatusPurpose::Revocation, 1), &suspension),
        Err(StatusListError::PurposeMismatch {
            entry: StatusPurpose::Revocation,
            list: StatusPurpose::Suspension
        })
    );
}

#[test]
fn an_index_past_the_list_is_refused() {
    let signed = signed_list(
        &StatusList::new(StatusPurpose::Revocation, 0),
        REVOCATION_URL,
    );
    assert_eq!(
        check(&entry(StatusPurpose::Revocation, 131_072), &signed),
        Err(StatusListError::IndexOutOfRange {
            index: 131_072,
            entries: 131_072
        })
    );
}

#[test]
fn a_tampered_list_fails_its_proof() {
    let mut list = StatusList::new(StatusPurpose::Revocation, 0);
    list.set(5, true).unwrap();
    let mut signed = signed_list(&list, REVOCATION_URL);
    // Someone clears the revoked bit in the published list.
    signed["credentialSubject"]["encodedList"] =
        Value::String(StatusList::new(StatusPurpose::Revocation, 0).encode());
    assert!(matches!(
        check(&entry(StatusPurpose::Revocation, 5), &signed),
        Err(StatusListError::StatusListCredentialInvalid(
            VerifyError::SignatureMismatch { .. }
        ))
    ));
}

#[test]
fn a_list_served_under_another_url_or_missing_is_refused() {
    let signed = signed_list(
        &StatusList::new(StatusPurpose::Revocation, 0),
        SUSPENSION_URL,
    );
    assert!(matches!(
        check(&entry(StatusPurpose::Revocation, 1), &signed),
        Err(StatusListError::StatusListCredentialIdMismatch { .. })
    ));
    let mut credential = signed_with(&[Cryptosuite::EddsaJcs2022]);
    credential["credentialStatus"] = entry(StatusPurpose::Revocation, 3).to_json();
    assert_eq!(
        check_credential_status(
            &credential,
            &|_| None,
            &keyring(),
            &now(),
            &bundled_canonicaliser()
        ),
        Err(StatusListError::StatusListCredentialUnavailable {
            url: REVOCATION_URL.into()
        })
    );
}

#[test]
fn an_unsigned_list_or_a_non_list_credential_is_refused() {
    let unsigned = StatusList::new(StatusPurpose::Revocation, 0).to_credential(
        REVOCATION_URL,
        ISSUER,
        at("2026-01-01T00:00:00Z"),
        None,
    );
    assert_eq!(
        check(&entry(StatusPurpose::Revocation, 1), &unsigned),
        Err(StatusListError::StatusListCredentialInvalid(
            VerifyError::MissingProof
        ))
    );
    let mut not_a_list = signed_with(&[Cryptosuite::EddsaJcs2022]);
    not_a_list["id"] = json!(REVOCATION_URL);
    let resigned = keyring()
        .sign_credential(
            &{
                let mut unsigned = not_a_list.clone();
                unsigned.as_object_mut().unwrap().remove("proof");
                unsigned
            },
            &[Cryptosuite::EddsaJcs2022],
            &xc_credentials::SignOptions::assertion_at(at("2026-01-01T00:00:00Z")),
            &bundled_canonicaliser(),
        )
        .unwrap();
    assert!(matches!(
        check(&entry(StatusPurpose::Revocation, 1), &resigned),
        Err(StatusListError::MalformedStatusListCredential { .. })
    ));
}
