//! The public shapes of the transparency log and the issuer (issue 4; docs/credentials.md
//! "Serving the log"): signed tree heads, inclusion and consistency proofs, log entries. Hashes,
//! signatures and entry bytes are lowercase hex.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xc_store::{
    CredentialStatus, IssuedCredentialRecord, LogEntryRecord, SignedTreeHead, StatusChangeRecord,
};

use super::rfc3339;

/// One signature over the head's `TreeHeadDataV2` bytes (RFC 9162 §4.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHeadSignatureResponse {
    /// The verification method in the issuer's DID document, e.g. `did:web:host#ed25519-1`.
    pub key_id: String,
    /// `Ed25519` or `SM2-SM3`.
    pub algorithm: String,
    /// 64 bytes as hex (SM2: raw r ‖ s).
    pub signature: String,
}

/// A signed tree head.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHeadResponse {
    pub tree_size: u64,
    /// The RFC 9162 root of the first `tree_size` entries, hex.
    pub root_hash: String,
    /// Milliseconds since 1970 (what is signed).
    pub timestamp: u64,
    /// The same time as RFC 3339, for people.
    pub time: String,
    pub signatures: Vec<TreeHeadSignatureResponse>,
}

impl From<SignedTreeHead> for TreeHeadResponse {
    fn from(head: SignedTreeHead) -> Self {
        let time = time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(head.head.timestamp_ms) * 1_000_000,
        )
        .map(rfc3339)
        .unwrap_or_default();
        Self {
            tree_size: head.head.size,
            root_hash: head.head.root_hash.to_hex(),
            timestamp: head.head.timestamp_ms,
            time,
            signatures: head
                .signatures
                .into_iter()
                .map(|signature| TreeHeadSignatureResponse {
                    key_id: signature.key_id,
                    algorithm: signature.algorithm,
                    signature: hex::encode(signature.signature),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The size of a signed tree head to prove against.
    pub tree_size: u64,
    /// The entry's position (0-based); or give `credential` instead.
    pub leaf_index: Option<u64>,
    /// A credential id (`urn:uuid:…`): proves its issuance entry.
    pub credential: Option<String>,
}

/// The audit path of one entry (RFC 9162 §2.1.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofResponse {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// `SHA-256(0x00 ‖ entry)`, hex.
    pub leaf_hash: String,
    /// Sibling hashes from the leaf up, hex.
    pub inclusion_path: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The smaller tree size (at least 1).
    pub first: u64,
    /// The larger tree size, at most the latest signed head's.
    pub second: u64,
}

/// The consistency path between two tree sizes (RFC 9162 §2.1.4).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofResponse {
    pub first: u64,
    pub second: u64,
    pub consistency_path: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The first position (0-based); 0 when left out.
    pub from: Option<u64>,
    /// At most this many (1 to 1000; 100 when left out).
    pub limit: Option<u32>,
}

/// One entry of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntryResponse {
    pub index: u64,
    /// `issuance` or `status_change`.
    pub kind: String,
    /// What the entry is about (a credential id).
    pub subject: String,
    /// The exact bytes the leaf hashes, hex.
    pub entry: String,
    /// `SHA-256(0x00 ‖ entry)`, hex.
    pub leaf_hash: String,
    pub appended_at: String,
}

impl From<LogEntryRecord> for LogEntryResponse {
    fn from(record: LogEntryRecord) -> Self {
        Self {
            index: record.index,
            kind: record.kind.as_str().to_owned(),
            subject: record.subject,
            leaf_hash: xc_merkle::hash_leaf(&record.entry).to_hex(),
            entry: hex::encode(&record.entry),
            appended_at: rfc3339(record.appended_at),
        }
    }
}

/// A page of log entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntriesResponse {
    /// The number of entries in the log now.
    pub log_size: u64,
    pub entries: Vec<LogEntryResponse>,
}

/// A change of a credential's status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// `revoke` (final), `suspend` or `reinstate` (lifts a suspension).
    pub action: String,
    /// Why: required, kept in the audit log (not in the public log).
    pub reason: String,
}

/// A credential's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusNow {
    pub revoked: bool,
    pub suspended: bool,
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeResponse {
    pub credential_id: String,
    pub action: String,
    pub reason: String,
    pub decided_by: Option<i64>,
    pub decided_at: String,
    /// The position of its status-change entry in the transparency log.
    pub log_index: u64,
    /// The credential's status after it (for the change just made: now).
    pub status: StatusNow,
}

impl StatusChangeResponse {
    pub(crate) fn new(change: &StatusChangeRecord, status: CredentialStatus) -> Self {
        Self {
            credential_id: change.credential.clone(),
            action: change.action.as_str().to_owned(),
            reason: change.reason.clone(),
            decided_by: change.decided_by.map(|user| user.get()),
            decided_at: rfc3339(change.decided_at),
            log_index: change.log_index,
            status: StatusNow {
                revoked: status.revoked,
                suspended: status.suspended,
            },
        }
    }
}

/// A credential's status now, with every change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialStatusResponse {
    pub credential_id: String,
    pub learner_id: i64,
    pub outcome_id: i64,
    pub issued_at: String,
    /// Its issuance entry's position in the log (and in the status lists).
    pub log_index: u64,
    pub status: StatusNow,
    pub changes: Vec<StatusChangeResponse>,
}

impl CredentialStatusResponse {
    pub(crate) fn new(credential: IssuedCredentialRecord, changes: &[StatusChangeRecord]) -> Self {
        let mut so_far = Vec::new();
        let mut listed = Vec::new();
        for change in changes {
            so_far.push(change.clone());
            listed.push(StatusChangeResponse::new(
                change,
                CredentialStatus::of(&so_far),
            ));
        }
        let status = CredentialStatus::of(changes);
        Self {
            credential_id: credential.id,
            learner_id: credential.learner.get(),
            outcome_id: credential.outcome.get(),
            issued_at: rfc3339(credential.issued_at),
            log_index: credential.log_index,
            status: StatusNow {
                revoked: status.revoked,
                suspended: status.suspended,
            },
            changes: listed,
        }
    }
}
