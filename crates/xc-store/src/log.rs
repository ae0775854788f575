//! The records of the transparency log (SPEC C4): the entries appended to the RFC 9162 Merkle
//! tree, and the signed tree heads published over it. The tree's nodes themselves are
//! `xc_merkle` values ([`Hash`], [`NodeId`]); see [`crate::TransparencyLogStore`] for what a store
//! keeps and in which transaction.

use time::OffsetDateTime;
use xc_domain::credit::OutcomeId;
use xc_domain::{LearnerId, UserId};
use xc_merkle::{Hash, TreeHead};

/// What a log entry records. The entry's bytes say the rest; the kind and subject let `audit`
/// and the pages find entries without parsing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogEntryKind {
    /// A credential was issued.
    Issuance,
    /// A credential's status changed (revoked, suspended, reinstated).
    StatusChange,
}

impl LogEntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LogEntryKind::Issuance => "issuance",
            LogEntryKind::StatusChange => "status_change",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "issuance" => Some(LogEntryKind::Issuance),
            "status_change" => Some(LogEntryKind::StatusChange),
            _ => None,
        }
    }
}

/// One entry to append. `entry` is exactly what the leaf hashes (`SHA-256(0x00 || entry)`); it
/// holds no personal data in clear, since the log is never erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    pub kind: LogEntryKind,
    /// What the entry is about, e.g. a credential id.
    pub subject: String,
    pub entry: Vec<u8>,
}

/// A stored entry at its position in the log (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntryRecord {
    pub index: u64,
    pub kind: LogEntryKind,
    pub subject: String,
    pub entry: Vec<u8>,
    pub appended_at: OffsetDateTime,
}

/// What an append did: the entries took positions `first_index..new_size`, and the tree of
/// `new_size` leaves has `new_root`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogAppend {
    pub first_index: u64,
    pub new_size: u64,
    pub new_root: Hash,
}

/// One signature over a tree head's signed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHeadSignature {
    /// The verification method, e.g. `did:web:bank.example#key-1`.
    pub key_id: String,
    /// The algorithm, e.g. `Ed25519` or `SM2-SM3`.
    pub algorithm: String,
    pub signature: Vec<u8>,
}

/// A tree head with the signatures the log published it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTreeHead {
    pub head: TreeHead,
    pub signatures: Vec<TreeHeadSignature>,
}

/// A credential to record as issued, with the log entry that records its issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssuedCredential {
    /// `urn:uuid:…`
    pub id: String,
    pub outcome: OutcomeId,
    pub learner: LearnerId,
    /// The signed credential as issued (JSON text, kept byte for byte).
    pub document: String,
    /// The bytes of its issuance entry in the log.
    pub log_entry: Vec<u8>,
    /// The log position the credential was signed for (its status-list entries point there):
    /// the store refuses the whole call as `Conflict { field: "log_index" }` when its entry
    /// would land anywhere else, as when another issuer appended meanwhile. `None`: no check.
    pub prepared_for: Option<u64>,
}

/// The issuance entries of credentials to record, in order; `Invalid { field: "credentials" }`
/// when there is nothing to issue. What both engines append before storing the credentials.
pub fn issuance_entries(
    credentials: &[NewIssuedCredential],
) -> crate::StoreResult<Vec<NewLogEntry>> {
    if credentials.is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "credentials",
            reason: "nothing to issue".into(),
        });
    }
    Ok(credentials
        .iter()
        .map(|credential| NewLogEntry {
            kind: LogEntryKind::Issuance,
            subject: credential.id.clone(),
            entry: credential.log_entry.clone(),
        })
        .collect())
}

/// Refuses credentials whose issuance entries would not land where they were signed for:
/// `first_index` is where the store is appending the first of them, in the same transaction.
pub fn check_prepared_positions(
    credentials: &[NewIssuedCredential],
    first_index: u64,
) -> crate::StoreResult<()> {
    let misplaced = credentials.iter().enumerate().any(|(offset, credential)| {
        credential
            .prepared_for
            .is_some_and(|position| position != first_index + offset as u64)
    });
    if misplaced {
        return Err(crate::StoreError::Conflict { field: "log_index" });
    }
    Ok(())
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredentialRecord {
    pub id: String,
    pub outcome: OutcomeId,
    pub learner: LearnerId,
    /// Its issuance entry's position in the log.
    pub log_index: u64,
    pub issued_at: OffsetDateTime,
    pub document: String,
}

// ---- what both engines share ----------------------------------------------------------------

/// The nodes an append of `entries` to a log of `old_size` completes, and the new root, from the
/// stored frontier (`frontier_hashes`, in `AppendPlan::frontier_nodes` order). Both engines read
/// the frontier and insert the result in the append's transaction.
pub fn nodes_completed_by(
    old_size: u64,
    frontier_hashes: &[Hash],
    entries: &[NewLogEntry],
) -> crate::StoreResult<xc_merkle::AppendedNodes> {
    let plan = xc_merkle::AppendPlan::new(old_size, entries.len() as u64).map_err(|error| {
        crate::StoreError::Invalid {
            field: "entries",
            reason: error.to_string(),
        }
    })?;
    let leaves: Vec<Hash> = entries
        .iter()
        .map(|entry| xc_merkle::hash_leaf(&entry.entry))
        .collect();
    plan.compute(frontier_hashes, &leaves)
        .map_err(|error| crate::StoreError::corrupt("merkle_nodes", error.to_string()))
}

/// The frontier an append to a log of `size` reads first.
pub fn append_frontier(size: u64) -> crate::StoreResult<Vec<xc_merkle::NodeId>> {
    xc_merkle::nodes_for_root(size)
        .map_err(|error| crate::StoreError::corrupt("log_entries", error.to_string()))
}

/// A tree head's signatures as stored: `[{"key_id", "algorithm", "signature" (hex)}]`.
pub fn signatures_to_json(signatures: &[TreeHeadSignature]) -> serde_json::Value {
    serde_json::Value::Array(
        signatures
            .iter()
            .map(|signature| {
                serde_json::json!({
                    "key_id": signature.key_id,
                    "algorithm": signature.algorithm,
                    "signature": hex::encode(&signature.signature),
                })
            })
            .collect(),
    )
}

/// The inverse of [`signatures_to_json`]; anything else is a corrupt row.
pub fn signatures_from_json(
    value: &serde_json::Value,
) -> crate::StoreResult<Vec<TreeHeadSignature>> {
    let corrupt = || crate::StoreError::corrupt("log_tree_heads.signatures", value.to_string());
    let items = value.as_array().ok_or_else(corrupt)?;
    items
        .iter()
        .map(|item| {
            let text = |key: &str| item.get(key).and_then(serde_json::Value::as_str);
            Ok(TreeHeadSignature {
                key_id: text("key_id").ok_or_else(corrupt)?.to_owned(),
                algorithm: text("algorithm").ok_or_else(corrupt)?.to_owned(),
                signature: hex::decode(text("signature").ok_or_else(corrupt)?)
                    .map_err(|_| corrupt())?,
            })
        })
        .collect()
}

/// A stored hash that must be 32 bytes.
pub fn stored_hash(table: &'static str, bytes: &[u8]) -> crate::StoreResult<Hash> {
    Hash::from_slice(bytes).map_err(|error| crate::StoreError::corrupt(table, error.to_string()))
}

/// The rule [`crate::TransparencyLogStore::record_tree_head`] applies against the latest head.
pub fn tree_head_may_follow(latest: Option<&TreeHead>, next: &TreeHead) -> crate::StoreResult<()> {
    match latest {
        Some(latest)
            if next.size < latest.size
                || next.timestamp_ms < latest.timestamp_ms
                || (next.size == latest.size && next.root_hash != latest.root_hash) =>
        {
            Err(crate::StoreError::Conflict { field: "tree_head" })
        }
        _ => Ok(()),
    }
}

// ---- reading proofs through any store -----------------------------------------------------------

fn proof_request(error: xc_merkle::ProofRequestError) -> crate::StoreError {
    crate::StoreError::Invalid {
        field: "tree_size",
        reason: error.to_string(),
    }
}

fn assembled(error: xc_merkle::PlanAssemblyError) -> crate::StoreError {
    crate::StoreError::corrupt("merkle_nodes", error.to_string())
}

/// The root of the log's first `size` entries, folded from the stored nodes (one read).
pub async fn log_root(store: &dyn crate::Store, size: u64) -> crate::StoreResult<Hash> {
    let plan = xc_merkle::RootPlan::new(size).map_err(proof_request)?;
    let hashes = store.read_log_nodes(plan.nodes()).await?;
    plan.assemble(&hashes).map_err(assembled)
}

/// The inclusion proof of entry `index` in the tree of `size` entries (one read).
pub async fn log_inclusion_proof(
    store: &dyn crate::Store,
    index: u64,
    size: u64,
) -> crate::StoreResult<xc_merkle::InclusionProof> {
    let plan = xc_merkle::InclusionProofPlan::new(index, size).map_err(proof_request)?;
    let hashes = store.read_log_nodes(plan.nodes()).await?;
    plan.assemble(&hashes).map_err(assembled)
}

/// The consistency proof from the tree of `old_size` entries to that of `new_size` (one read).
pub async fn log_consistency_proof(
    store: &dyn crate::Store,
    old_size: u64,
    new_size: u64,
) -> crate::StoreResult<xc_merkle::ConsistencyProof> {
    let plan = xc_merkle::ConsistencyProofPlan::new(old_size, new_size).map_err(proof_request)?;
    let hashes = store.read_log_nodes(plan.nodes()).await?;
    plan.assemble(&hashes).map_err(assembled)
}

/// What staff do to an issued credential's status (issue 4). A revocation is final; a
/// suspension lasts until it is reinstated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusAction {
    Revoke,
    Suspend,
    Reinstate,
}

impl StatusAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Revoke => "revoke",
            StatusAction::Suspend => "suspend",
            StatusAction::Reinstate => "reinstate",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "revoke" => Some(StatusAction::Revoke),
            "suspend" => Some(StatusAction::Suspend),
            "reinstate" => Some(StatusAction::Reinstate),
            _ => None,
        }
    }

    /// The status list the action changes a bit of: `revocation` or `suspension`.
    pub fn purpose(self) -> &'static str {
        match self {
            StatusAction::Revoke => "revocation",
            StatusAction::Suspend | StatusAction::Reinstate => "suspension",
        }
    }
}

/// A credential's status now: the fold of its changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CredentialStatus {
    pub revoked: bool,
    pub suspended: bool,
}

impl CredentialStatus {
    /// The status after `action`, or why the action does not apply (a revoked credential
    /// changes no more; a suspension needs an active credential, a reinstatement a suspended
    /// one).
    pub fn after(self, action: StatusAction) -> Result<CredentialStatus, &'static str> {
        if self.revoked {
            return Err("the credential is revoked: a revocation is final");
        }
        match action {
            StatusAction::Revoke => Ok(CredentialStatus {
                revoked: true,
                ..self
            }),
            StatusAction::Suspend if self.suspended => Err("the credential is already suspended"),
            StatusAction::Suspend => Ok(CredentialStatus {
                suspended: true,
                ..self
            }),
            StatusAction::Reinstate if !self.suspended => Err("the credential is not suspended"),
            StatusAction::Reinstate => Ok(CredentialStatus {
                suspended: false,
                ..self
            }),
        }
    }

    /// The status after every change of `changes` (one credential's, in order).
    pub fn of(changes: &[StatusChangeRecord]) -> CredentialStatus {
        changes
            .iter()
            .fold(CredentialStatus::default(), |status, change| {
                status.after(change.action).unwrap_or(status)
            })
    }
}

/// A change of a credential's status to record, with its log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatusChange {
    pub credential: String,
    pub action: StatusAction,
    /// Why (required; kept in the store and the audit log, not in the log entry).
    pub reason: String,
    pub decided_by: Option<UserId>,
    pub decided_at: OffsetDateTime,
    /// The bytes of its status-change entry in the log.
    pub log_entry: Vec<u8>,
}

/// A recorded change of a credential's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChangeRecord {
    pub id: i64,
    pub credential: String,
    pub action: StatusAction,
    pub reason: String,
    pub decided_by: Option<UserId>,
    pub decided_at: OffsetDateTime,
    /// Its status-change entry's position in the log.
    pub log_index: u64,
    /// The credential's position in the status lists (its issuance entry's log index).
    pub status_index: u64,
}
