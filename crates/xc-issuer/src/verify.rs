//! Verifying a credential the bank issued, offline: every proof (through
//! `xc_credentials::verify_proof`, so each failure is a [`VerifyError`]), the validity period,
//! the status (when the status list credential is given), and inclusion in the transparency log
//! (when a signed tree head and an inclusion proof are given). Nothing is fetched here; the
//! answer is a [`VerificationReport`] saying, for each check, that it passed, why it failed, or
//! why it was not made.
//!
//! The inclusion proof travels in a **proof bundle** (docs/credentials.md): a JSON object with
//! `treeHead` and `inclusionProof`, and optionally the `credential` itself, so one file can
//! carry a credential with its proof. See [`ProofBundle`].

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_credentials::credential::{parse_date_time, verify_proof};
use xc_credentials::status_list::{StatusListError, check_credential_status};
use xc_credentials::{
    Canonicaliser, KeyResolver, VerifyError, VerifyOptions, check_validity_period,
};
use xc_merkle::{Hash, InclusionProof, ProofVerificationError, TreeHead, hash_leaf};
use xc_store::{SignedTreeHead, TreeHeadSignature};

use crate::{issuance_entry, verify_tree_head_signatures};

// ---- the proof bundle ---------------------------------------------------------------------------

/// A signed tree head and the inclusion proof of one credential's issuance entry under it, and
/// optionally the credential. JSON (hashes and signatures in lower-case hex):
///
/// ```json
/// {
///   "credential": { ... },
///   "treeHead": {"treeSize": 3, "rootHash": "<64 hex>", "timestamp": 1764410400000,
///                "signatures": [{"keyId": "did:web:…#ed25519-1", "algorithm": "Ed25519",
///                                "signature": "<hex>"}]},
///   "inclusionProof": {"leafIndex": 1, "treeSize": 3, "path": ["<64 hex>", ...]}
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProofBundle {
    pub credential: Option<Value>,
    pub tree_head: Option<SignedTreeHead>,
    pub inclusion_proof: Option<InclusionProof>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBundle {
    credential: Option<Value>,
    tree_head: Option<RawTreeHead>,
    inclusion_proof: Option<RawInclusionProof>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTreeHead {
    tree_size: u64,
    root_hash: String,
    timestamp: u64,
    signatures: Vec<RawSignature>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSignature {
    key_id: String,
    algorithm: String,
    signature: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawInclusionProof {
    leaf_index: u64,
    tree_size: u64,
    path: Vec<String>,
}

/// Why a proof bundle could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Not JSON, or not of the bundle's shape (serde_json names the line, column and field).
    #[error("{0}")]
    Shape(#[from] serde_json::Error),
    /// A hash or signature that is not what it must be.
    #[error("{field}: {reason}")]
    Value { field: String, reason: String },
}

fn hash_field(field: String, text: &str) -> Result<Hash, BundleError> {
    Hash::parse_hex(text).map_err(|error| BundleError::Value {
        field,
        reason: error.to_string(),
    })
}

impl ProofBundle {
    /// Reads a bundle from JSON text.
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        let raw: RawBundle = serde_json::from_str(text)?;
        Self::from_raw(raw)
    }

    /// Reads a bundle from a JSON value already parsed.
    pub fn from_value(value: Value) -> Result<Self, BundleError> {
        let raw: RawBundle = serde_json::from_value(value)?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawBundle) -> Result<Self, BundleError> {
        let tree_head = raw
            .tree_head
            .map(|head| -> Result<SignedTreeHead, BundleError> {
                let signatures = head
                    .signatures
                    .into_iter()
                    .enumerate()
                    .map(|(index, signature)| {
                        Ok(TreeHeadSignature {
                            signature: hex::decode(&signature.signature).map_err(|error| {
                                BundleError::Value {
                                    field: format!("treeHead.signatures[{index}].signature"),
                                    reason: format!("not hex: {error}"),
                                }
                            })?,
                            key_id: signature.key_id,
                            algorithm: signature.algorithm,
                        })
                    })
                    .collect::<Result<_, BundleError>>()?;
                Ok(SignedTreeHead {
                    head: TreeHead {
                        size: head.tree_size,
                        root_hash: hash_field("treeHead.rootHash".into(), &head.root_hash)?,
                        timestamp_ms: head.timestamp,
                    },
                    signatures,
                })
            })
            .transpose()?;
        let inclusion_proof = raw
            .inclusion_proof
            .map(|proof| -> Result<InclusionProof, BundleError> {
                Ok(InclusionProof {
                    leaf_index: proof.leaf_index,
                    tree_size: proof.tree_size,
                    path: proof
                        .path
                        .iter()
                        .enumerate()
                        .map(|(index, text)| {
                            hash_field(format!("inclusionProof.path[{index}]"), text)
                        })
                        .collect::<Result<_, _>>()?,
                })
            })
            .transpose()?;
        Ok(ProofBundle {
            credential: raw.credential,
            tree_head,
            inclusion_proof,
        })
    }

    /// The bundle as JSON (members that are `None` are left out).
    pub fn to_json(&self) -> Value {
        let mut bundle = serde_json::Map::new();
        if let Some(credential) = &self.credential {
            bundle.insert("credential".into(), credential.clone());
        }
        if let Some(head) = &self.tree_head {
            bundle.insert("treeHead".into(), tree_head_json(head));
        }
        if let Some(proof) = &self.inclusion_proof {
            bundle.insert(
                "inclusionProof".into(),
                json!({
                    "leafIndex": proof.leaf_index,
                    "treeSize": proof.tree_size,
                    "path": proof.path.iter().map(Hash::to_hex).collect::<Vec<_>>(),
                }),
            );
        }
        Value::Object(bundle)
    }
}

/// A signed tree head as the proof bundle writes it.
pub fn tree_head_json(head: &SignedTreeHead) -> Value {
    json!({
        "treeSize": head.head.size,
        "rootHash": head.head.root_hash.to_hex(),
        "timestamp": head.head.timestamp_ms,
        "signatures": head.signatures.iter().map(|signature| json!({
            "keyId": signature.key_id,
            "algorithm": signature.algorithm,
            "signature": hex::encode(&signature.signature),
        })).collect::<Vec<_>>(),
    })
}

// ---- the report ---------------------------------------------------------------------------------

/// One proof of the credential and what became of it.
#[derive(Debug, PartialEq, Eq)]
pub struct ProofReport {
    /// Its position in the proof set.
    pub index: usize,
    /// Its `cryptosuite`, as written.
    pub cryptosuite: Option<String>,
    /// Its `verificationMethod`, as written.
    pub key_id: Option<String>,
    pub outcome: ProofOutcome,
}

/// What became of one proof.
#[derive(Debug, PartialEq, Eq)]
pub enum ProofOutcome {
    Verified,
    Failed(VerifyError),
    /// Not checked because the document as a whole is not a credential we can read.
    NotChecked,
}

/// The credential's validity period at the time of checking.
#[derive(Debug, PartialEq, Eq)]
pub struct ValidityReport {
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// `NotYetValid`, `Expired` or `MalformedDate` when not valid now.
    pub result: Result<(), VerifyError>,
}

/// The credential's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusReport {
    /// The credential has no `credentialStatus`: nothing can revoke it.
    NoStatus,
    /// Every status entry was checked and none is set.
    Active,
    /// A revocation entry is set.
    Revoked,
    /// A suspension entry is set (and no revocation entry).
    Suspended,
    /// The status list was not available (not given, not reachable).
    NotChecked { reason: String },
    /// The status list was there but the status cannot be told (a bad list, another list…).
    Unknown { reason: String },
}

/// Why the credential's log inclusion does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InclusionError {
    #[error("the tree head's signatures do not verify: {0}")]
    TreeHeadSignature(String),
    #[error(
        "the inclusion proof is for a tree of {proof_size} entries, the tree head for {head_size}"
    )]
    ProofForAnotherTree { proof_size: u64, head_size: u64 },
    #[error("the credential's issuance entry cannot be recomputed: {0}")]
    NoIssuanceEntry(String),
    #[error("the inclusion proof does not hold: {0}")]
    Proof(ProofVerificationError),
}

/// Whether the credential's issuance entry is in the log under a signed tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InclusionReport {
    /// The entry is at `leaf_index` of the tree of `tree_size` entries whose head `signed_by`
    /// signed.
    Included {
        leaf_index: u64,
        tree_size: u64,
        signed_by: Vec<String>,
    },
    NotChecked {
        reason: String,
    },
    Failed(InclusionError),
}

/// Everything checked about one credential.
#[derive(Debug, PartialEq, Eq)]
pub struct VerificationReport {
    /// The credential's `id`, if it has one.
    pub credential_id: Option<String>,
    /// The issuer's id (`issuer` or `issuer.id`).
    pub issuer: Option<String>,
    /// The document as a whole: a JSON object, every `@context` known, at least one proof.
    pub document: Result<(), VerifyError>,
    pub proofs: Vec<ProofReport>,
    pub validity: ValidityReport,
    pub status: StatusReport,
    pub inclusion: InclusionReport,
}

impl VerificationReport {
    /// Whether everything that was checked holds (checks not made do not count against it).
    pub fn is_valid(&self) -> bool {
        self.document.is_ok()
            && !self.proofs.is_empty()
            && self
                .proofs
                .iter()
                .all(|proof| proof.outcome == ProofOutcome::Verified)
            && self.validity.result.is_ok()
            && matches!(
                self.status,
                StatusReport::NoStatus | StatusReport::Active | StatusReport::NotChecked { .. }
            )
            && !matches!(self.inclusion, InclusionReport::Failed(_))
    }

    /// The report as JSON: `valid`, and per check `ok` with a `reason` when not.
    pub fn to_json(&self) -> Value {
        let outcome = |result: &Result<(), VerifyError>| match result {
            Ok(()) => json!({"ok": true}),
            Err(error) => json!({"ok": false, "reason": error.to_string()}),
        };
        let status = match &self.status {
            StatusReport::NoStatus => json!({"status": "none"}),
            StatusReport::Active => json!({"status": "active"}),
            StatusReport::Revoked => json!({"status": "revoked"}),
            StatusReport::Suspended => json!({"status": "suspended"}),
            StatusReport::NotChecked { reason } => {
                json!({"status": "not_checked", "reason": reason})
            }
            StatusReport::Unknown { reason } => json!({"status": "unknown", "reason": reason}),
        };
        let inclusion = match &self.inclusion {
            InclusionReport::Included {
                leaf_index,
                tree_size,
                signed_by,
            } => json!({"inclusion": "included", "leafIndex": leaf_index,
                        "treeSize": tree_size, "signedBy": signed_by}),
            InclusionReport::NotChecked { reason } => {
                json!({"inclusion": "not_checked", "reason": reason})
            }
            InclusionReport::Failed(error) => {
                json!({"inclusion": "failed", "reason": error.to_string()})
            }
        };
        let mut validity = outcome(&self.validity.result);
        validity["validFrom"] = json!(self.validity.valid_from);
        validity["validUntil"] = json!(self.validity.valid_until);
        json!({
            "valid": self.is_valid(),
            "credential": self.credential_id,
            "issuer": self.issuer,
            "document": outcome(&self.document),
            "proofs": self.proofs.iter().map(|proof| {
                let mut item = match &proof.outcome {
                    ProofOutcome::Verified => json!({"ok": true}),
                    ProofOutcome::Failed(error) => json!({"ok": false, "reason": error.to_string()}),
                    ProofOutcome::NotChecked => json!({"ok": false, "reason": "not checked: the document is not readable"}),
                };
                item["index"] = json!(proof.index);
                item["cryptosuite"] = json!(proof.cryptosuite);
                item["keyId"] = json!(proof.key_id);
                item
            }).collect::<Vec<_>>(),
            "validity": validity,
            "status": status,
            "logInclusion": inclusion,
        })
    }
}

// ---- verifying ----------------------------------------------------------------------------------

impl std::fmt::Debug for VerifyInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyInputs")
            .field("tree_head", &self.tree_head)
            .field("inclusion_proof", &self.inclusion_proof)
            .field("status_list", &self.status_list.is_some())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Answers the status list credential for a `statusListCredential` URL, or `None`.
pub type StatusListSource<'a> = dyn Fn(&str) -> Option<Value> + 'a;

/// What a credential is checked against besides itself.
pub struct VerifyInputs<'a> {
    /// The issuer's keys (e.g. [`crate::IssuerPublicKeys`]); they check the proofs, the tree
    /// head's signatures and the status list credential's proofs.
    pub keys: &'a dyn KeyResolver,
    /// The signed tree head the inclusion proof leads to.
    pub tree_head: Option<&'a SignedTreeHead>,
    /// The inclusion proof of the credential's issuance entry.
    pub inclusion_proof: Option<&'a InclusionProof>,
    /// The status list credential for a `statusListCredential` URL, when the caller has it;
    /// `None` as a whole when the caller has no status lists at all.
    pub status_list: Option<&'a StatusListSource<'a>>,
    /// The time to check validity against.
    pub now: OffsetDateTime,
}

/// Checks `credential` (see the module doc). Never fails: whatever is wrong is in the report.
pub fn verify_issued_credential(
    credential: &Value,
    inputs: &VerifyInputs<'_>,
    canonicaliser: &Canonicaliser,
) -> VerificationReport {
    let options = VerifyOptions::assertion_at(inputs.now);
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let issuer = credential
        .get("issuer")
        .and_then(|issuer| issuer.as_str().or_else(|| issuer.get("id")?.as_str()))
        .map(str::to_owned);
    let proofs: Vec<&Value> = match credential.get("proof") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    let document = if !credential.is_object() {
        Err(VerifyError::NotAnObject)
    } else if let Err(error) = canonicaliser.contexts().check_document_contexts(credential) {
        Err(VerifyError::Context(error))
    } else if proofs.is_empty() {
        Err(VerifyError::MissingProof)
    } else {
        Ok(())
    };
    let proof_maps: Vec<&serde_json::Map<String, Value>> = proofs
        .iter()
        .filter_map(|proof| proof.as_object())
        .collect();
    let proofs = proofs
        .iter()
        .enumerate()
        .map(|(index, proof)| ProofReport {
            index,
            cryptosuite: text(proof.get("cryptosuite")),
            key_id: text(proof.get("verificationMethod")),
            outcome: match (proof.as_object(), &document) {
                (_, Err(_)) => ProofOutcome::NotChecked,
                (None, _) => ProofOutcome::Failed(VerifyError::MalformedProof {
                    index,
                    reason: "a proof must be a JSON object".into(),
                }),
                (Some(proof), Ok(())) => match verify_proof(
                    credential,
                    proof,
                    index,
                    &proof_maps,
                    inputs.keys,
                    &options,
                    canonicaliser,
                ) {
                    Ok(_) => ProofOutcome::Verified,
                    Err(error) => ProofOutcome::Failed(error),
                },
            },
        })
        .collect();
    let validity = ValidityReport {
        valid_from: text(credential.get("validFrom")),
        valid_until: text(credential.get("validUntil")),
        result: check_validity_period(credential, inputs.now).map(|_| ()),
    };
    VerificationReport {
        credential_id: text(credential.get("id")),
        issuer,
        document,
        proofs,
        validity,
        status: status_of(credential, inputs, &options, canonicaliser),
        inclusion: inclusion_of(credential, inputs),
    }
}

fn status_of(
    credential: &Value,
    inputs: &VerifyInputs<'_>,
    options: &VerifyOptions,
    canonicaliser: &Canonicaliser,
) -> StatusReport {
    if credential.get("credentialStatus").is_none() {
        return StatusReport::NoStatus;
    }
    let Some(status_list) = inputs.status_list else {
        return StatusReport::NotChecked {
            reason: "no status list credential was given".into(),
        };
    };
    match check_credential_status(credential, status_list, inputs.keys, options, canonicaliser) {
        Ok(report) if report.is_revoked() => StatusReport::Revoked,
        Ok(report) if report.is_suspended() => StatusReport::Suspended,
        Ok(_) => StatusReport::Active,
        Err(StatusListError::StatusListCredentialUnavailable { url }) => StatusReport::NotChecked {
            reason: format!("the status list {url} is not available"),
        },
        Err(error) => StatusReport::Unknown {
            reason: error.to_string(),
        },
    }
}

fn inclusion_of(credential: &Value, inputs: &VerifyInputs<'_>) -> InclusionReport {
    let Some(head) = inputs.tree_head else {
        return InclusionReport::NotChecked {
            reason: "no signed tree head was given".into(),
        };
    };
    let Some(proof) = inputs.inclusion_proof else {
        return InclusionReport::NotChecked {
            reason: "no inclusion proof was given".into(),
        };
    };
    let signed_by = match verify_tree_head_signatures(head, inputs.keys) {
        Ok(signed_by) => signed_by,
        Err(reason) => return InclusionReport::Failed(InclusionError::TreeHeadSignature(reason)),
    };
    if proof.tree_size != head.head.size {
        return InclusionReport::Failed(InclusionError::ProofForAnotherTree {
            proof_size: proof.tree_size,
            head_size: head.head.size,
        });
    }
    let issued_at = match credential.get("validFrom").and_then(Value::as_str) {
        None => {
            return InclusionReport::Failed(InclusionError::NoIssuanceEntry(
                "it has no validFrom, the issuance time its entry records".into(),
            ));
        }
        Some(text) => match parse_date_time(text) {
            Some(moment) => moment,
            None => {
                return InclusionReport::Failed(InclusionError::NoIssuanceEntry(format!(
                    "validFrom {text:?} is not a date-time"
                )));
            }
        },
    };
    let leaf = hash_leaf(&issuance_entry(credential, issued_at));
    match proof.verify(&leaf, &head.head.root_hash) {
        Ok(()) => InclusionReport::Included {
            leaf_index: proof.leaf_index,
            tree_size: proof.tree_size,
            signed_by,
        },
        Err(error) => InclusionReport::Failed(InclusionError::Proof(error)),
    }
}
