//! Revocation and suspension (W3C Bitstring Status List): where a credential's status lives,
//! the log entry of a change, and the signed list credentials.
//!
//! A credential's index in the status lists is its issuance entry's position in the log
//! (`issued_credentials.log_index`): unique, known before signing (the issuer appends one thing
//! at a time) and stored already. List `n` of a purpose holds indexes
//! `n·131072 … (n+1)·131072 − 1` (the spec's minimum length), at
//! `<base_url>/credentials/status/<purpose>/<n>`. Every issued credential carries two entries,
//! `revocation` and `suspension`, at the same index. The position is as public as the log entry
//! itself, so the list reveals nothing the log does not.
//!
//! A status change is appended to the log as the JCS form of `{"type": "status_change",
//! "credential": <id>, "action": "revoke" | "suspend" | "reinstate", "statusPurpose":
//! "revocation" | "suspension", "statusListIndex": "<index in its list>", "statusListCredential":
//! <list URL>, "changedAt": <time>}`; the reason stays in the store and the audit log (it may
//! name people, and the log is never erased).

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_credentials::jcs::canonicalize;
use xc_credentials::status_list::{StatusList, StatusListEntry, StatusPurpose};
use xc_credentials::{Canonicaliser, Cryptosuite, SignOptions};
use xc_store::{CredentialStatus, StatusAction, StatusChangeRecord};

use crate::credential::timestamp;
use crate::{IssuerError, IssuerKeys};

/// Entries per list: the spec's minimum (16 KiB), for group privacy.
pub const LIST_LENGTH: u64 = xc_credentials::status_list::MINIMUM_ENTRIES as u64;

/// The suites a status list credential is signed with: the fast JCS ones (a verifier fetches
/// the list often; RDF canonicalisation would cost milliseconds per request).
pub const STATUS_LIST_SUITES: [Cryptosuite; 2] =
    [Cryptosuite::EddsaJcs2022, Cryptosuite::Sm2Jcs2025];

/// The URL of list `list` of `purpose`.
pub fn status_list_url(base_url: &str, purpose: StatusPurpose, list: u64) -> String {
    format!("{base_url}/credentials/status/{}/{list}", purpose.as_str())
}

/// The entry of a credential at `status_index` in the lists of `purpose`.
pub fn status_entry(base_url: &str, purpose: StatusPurpose, status_index: u64) -> StatusListEntry {
    StatusListEntry {
        purpose,
        index: status_index % LIST_LENGTH,
        status_list_credential: status_list_url(base_url, purpose, status_index / LIST_LENGTH),
    }
}

/// The `credentialStatus` of a credential at `status_index`: revocation and suspension.
pub fn credential_status_entries(base_url: &str, status_index: u64) -> Vec<StatusListEntry> {
    [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .map(|purpose| status_entry(base_url, purpose, status_index))
        .collect()
}

fn purpose_of(action: StatusAction) -> StatusPurpose {
    match action {
        StatusAction::Revoke => StatusPurpose::Revocation,
        StatusAction::Suspend | StatusAction::Reinstate => StatusPurpose::Suspension,
    }
}

/// The bytes of a status change's log entry (see the module doc).
pub fn status_change_entry(
    base_url: &str,
    credential: &str,
    action: StatusAction,
    status_index: u64,
    at: OffsetDateTime,
) -> Vec<u8> {
    let entry = status_entry(base_url, purpose_of(action), status_index);
    canonicalize(&json!({
        "type": "status_change",
        "credential": credential,
        "action": action.as_str(),
        "statusPurpose": entry.purpose.as_str(),
        "statusListIndex": entry.index.to_string(),
        "statusListCredential": entry.status_list_credential,
        "changedAt": timestamp(at),
    }))
    .into_bytes()
}

/// List `list` of `purpose` as the changes leave it: a bit is set for each credential whose
/// status now is revoked (or suspended) and whose index falls in the list.
pub fn status_list(
    purpose: StatusPurpose,
    list: u64,
    changes: &[StatusChangeRecord],
) -> StatusList {
    let mut by_credential: std::collections::BTreeMap<&str, (u64, Vec<StatusChangeRecord>)> =
        std::collections::BTreeMap::new();
    for change in changes {
        by_credential
            .entry(change.credential.as_str())
            .or_insert_with(|| (change.status_index, Vec::new()))
            .1
            .push(change.clone());
    }
    let mut bits = StatusList::new(purpose, LIST_LENGTH as usize);
    for (index, changes) in by_credential.values() {
        if index / LIST_LENGTH != list {
            continue;
        }
        let status = CredentialStatus::of(changes);
        let set = match purpose {
            StatusPurpose::Revocation => status.revoked,
            StatusPurpose::Suspension => status.suspended,
        };
        if set {
            bits.set(index % LIST_LENGTH, true)
                .expect("an index modulo the length is in the list");
        }
    }
    bits
}

/// The signed `BitstringStatusListCredential` of list `list` of `purpose`, valid from `now`.
pub fn sign_status_list(
    keys: &IssuerKeys,
    base_url: &str,
    purpose: StatusPurpose,
    list: u64,
    changes: &[StatusChangeRecord],
    now: OffsetDateTime,
    canonicaliser: &Canonicaliser,
) -> Result<Value, IssuerError> {
    let unsigned = status_list(purpose, list, changes).to_credential(
        &status_list_url(base_url, purpose, list),
        keys.did(),
        now,
        None,
    );
    keys.keyring()
        .sign_credential(
            &unsigned,
            &STATUS_LIST_SUITES,
            &SignOptions::assertion_at(now),
            canonicaliser,
        )
        .map_err(|error| IssuerError::Credential(error.to_string()))
}
