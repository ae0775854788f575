//! Mutual recognition between cities (长三角互认, issue 4 §8), the verifier's side: which keys of
//! another bank to pin from its DID document, a key resolver over the pinned keys, reading the
//! tree head and inclusion proof another bank serves, and the verdict on a credential brought
//! from it — accepted, with what was checked, or refused with one specific reason (a bank
//! taken off the list and a distrusted key included).
//!
//! Nothing here fetches: the caller (xc-web) fetches the other bank's documents and hands them
//! in, and verification itself is [`crate::verify_issued_credential`] with the pinned keys, so a
//! credential from another bank is checked exactly as our own are.

use serde_json::Value;
use xc_credentials::{StaticKeyResolver, VerificationKey, VerifyError};
use xc_merkle::{Hash, InclusionProof, TreeHead};
use xc_store::{PinnedKey, PinnedKeyRecord, SignedTreeHead, TreeHeadSignature, TrustedBankRecord};

use crate::{InclusionReport, IssuerPublicKeys, ProofOutcome, StatusReport, VerificationReport};

/// Why another bank's DID document cannot be pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("not a DID document: {0}")]
    NotADidDocument(String),
    #[error("the DID document is for {found}, not {expected}: the base URL and the DID disagree")]
    DidMismatch { expected: String, found: String },
    #[error("the DID document lists no key under assertionMethod: it signs no credentials")]
    NoAssertionKeys,
}

/// The keys to pin from another bank's DID document: every key it lists under
/// `assertionMethod` (one listed only under `verificationMethod` signs no credentials). The
/// document's `id` must be `expected_did`, the DID its base URL gives.
pub fn keys_to_pin(document: &Value, expected_did: &str) -> Result<Vec<PinnedKey>, PinError> {
    if !document.is_object() || document.get("verificationMethod").is_none() {
        return Err(PinError::NotADidDocument(
            "a JSON object with verificationMethod is expected".into(),
        ));
    }
    let found = document.get("id").and_then(Value::as_str).unwrap_or("");
    if found != expected_did {
        return Err(PinError::DidMismatch {
            expected: expected_did.to_owned(),
            found: found.to_owned(),
        });
    }
    let keys = IssuerPublicKeys::from_json(document)
        .map_err(|error| PinError::NotADidDocument(error.to_string()))?;
    let pinned: Vec<PinnedKey> = keys
        .trusted_keys()
        .map(|(key_id, key)| PinnedKey {
            key_id: key_id.to_owned(),
            public_key_multibase: key.to_multikey(),
        })
        .collect();
    if pinned.is_empty() {
        return Err(PinError::NoAssertionKeys);
    }
    Ok(pinned)
}

/// A resolver that trusts exactly the pinned keys still trusted (a distrusted key resolves to
/// nothing). A stored key that no longer reads as a Multikey is an error naming it (the trust
/// list was changed behind the platform's back).
pub fn pinned_resolver(keys: &[PinnedKeyRecord]) -> Result<StaticKeyResolver, String> {
    let mut resolver = StaticKeyResolver::new();
    for pinned in keys.iter().filter(|pinned| pinned.distrusted.is_none()) {
        let key = VerificationKey::from_multikey(&pinned.key.public_key_multibase)
            .map_err(|error| format!("pinned key {}: {error}", pinned.key.key_id))?;
        resolver.insert(&pinned.key.key_id, key);
    }
    Ok(resolver)
}

/// Whether `bank` may vouch for `credential` at all, before any signature is checked: it must be
/// on the list (not removed), and no proof of the credential may name a key this bank has
/// distrusted (such a credential is refused with the key and the reason, not as altered).
pub fn check_still_trusted(
    credential: &Value,
    bank: &TrustedBankRecord,
) -> Result<(), ExternalRefusal> {
    if let Some(removed) = &bank.removed {
        return Err(ExternalRefusal::RemovedIssuer {
            issuer: bank.did.clone(),
            reason: removed.reason.clone(),
        });
    }
    let proofs = match credential.get("proof") {
        Some(Value::Array(proofs)) => proofs.iter().collect(),
        Some(proof) => vec![proof],
        None => Vec::new(),
    };
    for method in proofs
        .iter()
        .filter_map(|proof| proof.get("verificationMethod")?.as_str())
    {
        if let Some(distrusted) = bank
            .keys
            .iter()
            .find(|pinned| pinned.key.key_id == method)
            .and_then(|pinned| pinned.distrusted.as_ref())
        {
            return Err(ExternalRefusal::DistrustedKey {
                key_id: method.to_owned(),
                reason: distrusted.reason.clone(),
            });
        }
    }
    Ok(())
}

/// Reads the tree head another bank serves at `/log/tree-head` (`tree_size`, `root_hash`,
/// `timestamp`, `signatures` with `key_id`, `algorithm`, `signature`, hex); `None` when it is
/// not of that shape.
pub fn served_tree_head(value: &Value) -> Option<SignedTreeHead> {
    let signatures = value
        .get("signatures")?
        .as_array()?
        .iter()
        .map(|signature| {
            Some(TreeHeadSignature {
                key_id: signature.get("key_id")?.as_str()?.to_owned(),
                algorithm: signature.get("algorithm")?.as_str()?.to_owned(),
                signature: hex::decode(signature.get("signature")?.as_str()?).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(SignedTreeHead {
        head: TreeHead {
            size: value.get("tree_size")?.as_u64()?,
            root_hash: Hash::parse_hex(value.get("root_hash")?.as_str()?).ok()?,
            timestamp_ms: value.get("timestamp")?.as_u64()?,
        },
        signatures,
    })
}

/// Reads the inclusion proof another bank serves at `/log/proof/inclusion` (`leaf_index`,
/// `tree_size`, `inclusion_path` in hex); `None` when it is not of that shape.
pub fn served_inclusion_proof(value: &Value) -> Option<InclusionProof> {
    Some(InclusionProof {
        leaf_index: value.get("leaf_index")?.as_u64()?,
        tree_size: value.get("tree_size")?.as_u64()?,
        path: value
            .get("inclusion_path")?
            .as_array()?
            .iter()
            .map(|hash| Hash::parse_hex(hash.as_str()?).ok())
            .collect::<Option<Vec<_>>>()?,
    })
}

/// Why a credential brought from another bank is refused. Each has its own stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalRefusal {
    /// Not an Open Badges credential we can read (not an object, unknown context, no proof).
    #[error("this is not an Open Badges credential this bank can read: {0}")]
    NotACredential(String),
    #[error("the issuer {issuer} is not on this bank's trust list")]
    UntrustedIssuer { issuer: String },
    #[error("the issuer {issuer} was taken off this bank's trust list: {reason}")]
    RemovedIssuer { issuer: String, reason: String },
    #[error("the credential is signed with {key_id}, which this bank no longer trusts: {reason}")]
    DistrustedKey { key_id: String, reason: String },
    #[error("the credential was altered or is not signed by its issuer: {reason}")]
    BadSignature { reason: String },
    #[error(
        "the credential carries no Ed25519 (eddsa-rdfc-2022 or eddsa-jcs-2022) proof: one is required"
    )]
    NoEddsaProof,
    #[error("the credential has expired: {reason}")]
    Expired { reason: String },
    #[error("the credential is not valid yet: {reason}")]
    NotYetValid { reason: String },
    #[error("the issuing bank has revoked this credential")]
    Revoked,
    #[error("the issuing bank has suspended this credential")]
    Suspended,
    #[error("the credential's status cannot be told: {reason}")]
    StatusUnknown { reason: String },
    #[error("the credential's log inclusion does not hold: {reason}")]
    NotInLog { reason: String },
}

impl ExternalRefusal {
    /// The stable code of the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            ExternalRefusal::NotACredential(_) => "credential_unreadable",
            ExternalRefusal::UntrustedIssuer { .. } | ExternalRefusal::RemovedIssuer { .. } => {
                "untrusted_issuer"
            }
            ExternalRefusal::DistrustedKey { .. } => "credential_key_distrusted",
            ExternalRefusal::BadSignature { .. } => "credential_altered",
            ExternalRefusal::NoEddsaProof => "credential_no_eddsa_proof",
            ExternalRefusal::Expired { .. } => "credential_expired",
            ExternalRefusal::NotYetValid { .. } => "credential_not_yet_valid",
            ExternalRefusal::Revoked => "credential_revoked",
            ExternalRefusal::Suspended => "credential_suspended",
            ExternalRefusal::StatusUnknown { .. } => "credential_status_unknown",
            ExternalRefusal::NotInLog { .. } => "credential_not_in_log",
        }
    }
}

/// What was checked of an accepted credential, in words kept with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The pinned keys whose proofs verified, in proof order.
    pub verified_with: Vec<String>,
    /// `active`, `no status`, or `not checked: <why>`.
    pub status: String,
    /// `included at <index> of <size>`, or `not checked: <why>`.
    pub inclusion: String,
}

/// The verdict on a brought credential from its verification report (made with the pinned keys
/// of the bank its issuer names): every proof present must verify and at least one must be an
/// Ed25519 suite; the validity period must hold; a revoked, suspended or unreadable status, or a
/// failed inclusion proof, refuses it. A status list or log that could not be reached does not
/// refuse it: the acceptance says it was not checked.
pub fn judge_external(report: &VerificationReport) -> Result<Accepted, ExternalRefusal> {
    if let Err(error) = &report.document {
        return Err(ExternalRefusal::NotACredential(error.to_string()));
    }
    let mut verified_with = Vec::with_capacity(report.proofs.len());
    for proof in &report.proofs {
        match &proof.outcome {
            ProofOutcome::Verified => {
                verified_with.push(proof.key_id.clone().unwrap_or_default());
            }
            ProofOutcome::Failed(error) => {
                return Err(ExternalRefusal::BadSignature {
                    reason: signature_reason(error),
                });
            }
            ProofOutcome::NotChecked => {
                return Err(ExternalRefusal::NotACredential(
                    "its proofs could not be checked".into(),
                ));
            }
        }
    }
    if !report.proofs.iter().any(|proof| {
        proof
            .cryptosuite
            .as_deref()
            .is_some_and(|suite| suite.starts_with("eddsa-"))
    }) {
        return Err(ExternalRefusal::NoEddsaProof);
    }
    match &report.validity.result {
        Ok(()) => {}
        Err(error @ VerifyError::Expired { .. }) => {
            return Err(ExternalRefusal::Expired {
                reason: error.to_string(),
            });
        }
        Err(error @ VerifyError::NotYetValid { .. }) => {
            return Err(ExternalRefusal::NotYetValid {
                reason: error.to_string(),
            });
        }
        Err(other) => return Err(ExternalRefusal::NotACredential(other.to_string())),
    }
    let status = match &report.status {
        StatusReport::Active => "active".to_owned(),
        StatusReport::NoStatus => "no status".to_owned(),
        StatusReport::NotChecked { reason } => format!("not checked: {reason}"),
        StatusReport::Revoked => return Err(ExternalRefusal::Revoked),
        StatusReport::Suspended => return Err(ExternalRefusal::Suspended),
        StatusReport::Unknown { reason } => {
            return Err(ExternalRefusal::StatusUnknown {
                reason: reason.clone(),
            });
        }
    };
    let inclusion = match &report.inclusion {
        InclusionReport::Included {
            leaf_index,
            tree_size,
            ..
        } => format!("included at {leaf_index} of {tree_size}"),
        InclusionReport::NotChecked { reason } => format!("not checked: {reason}"),
        InclusionReport::Failed(error) => {
            return Err(ExternalRefusal::NotInLog {
                reason: error.to_string(),
            });
        }
    };
    Ok(Accepted {
        verified_with,
        status,
        inclusion,
    })
}

/// A failed proof in words: a key the bank's entry does not hold is told apart, since
/// refreshing the entry may fix it.
fn signature_reason(error: &VerifyError) -> String {
    match error {
        VerifyError::UnknownKey {
            verification_method,
            ..
        } => format!(
            "it is signed with {verification_method}, a key not pinned for its bank: refresh \
             the bank's trust-list entry if the bank has a new key"
        ),
        other => other.to_string(),
    }
}
