//! Shapes of the mutual-recognition API (issue 4 §8): the trust list of other cities' credit
//! banks and the credentials learners bring from them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use xc_store::{
    DecisionRecord, ExternalOutcomeRecord, OutcomeRecord, TrustedBankRecord, Withdrawal,
};

use super::{OutcomeResponse, rfc3339};

/// A bank to put on the trust list: its keys are fetched from `<base_url>/.well-known/did.json`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTrustedBankRequest {
    /// What people call it, e.g. 杭州市学分银行.
    pub name: String,
    /// `http(s)://host[:port]`, no path: its DID is `did:web:host` (a port as `%3A<port>`).
    pub base_url: String,
}

/// A pinned key of a trusted bank.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinnedKeyResponse {
    pub key_id: String,
    /// Multikey (`z6Mk…` Ed25519, `zEP…` SM2).
    pub public_key_multibase: String,
    pub pinned_at: String,
    /// When and why this bank stopped trusting the key (for good); absent while trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distrusted: Option<WithdrawalResponse>,
}

/// Trust taken back: when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalResponse {
    pub at: String,
    pub reason: String,
}

impl WithdrawalResponse {
    fn of(withdrawal: &Withdrawal) -> Self {
        WithdrawalResponse {
            at: rfc3339(withdrawal.at),
            reason: withdrawal.reason.clone(),
        }
    }
}

/// Why a bank is removed from the trust list or restored to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustChangeRequest {
    /// Kept with the change and in the audit log; never blank.
    pub reason: String,
}

/// A pinned key to distrust for good, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrustKeyRequest {
    /// The key's id as pinned (`did:web:…#…`).
    pub key_id: String,
    /// Kept with the change and in the audit log; never blank.
    pub reason: String,
}

/// A bank on the trust list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrustedBankResponse {
    pub id: i64,
    pub name: String,
    pub did: String,
    pub base_url: String,
    /// The institution its outcomes are submitted under (specifications name it as provider).
    pub institution_id: i64,
    pub added_at: String,
    pub refreshed_at: String,
    /// Every key ever pinned, oldest first (rotated-out ones stay, distrusted ones say so).
    pub keys: Vec<PinnedKeyResponse>,
    /// When and why the bank was taken off the list, while it is off: its credentials are
    /// refused (`untrusted_issuer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<WithdrawalResponse>,
}

impl TrustedBankResponse {
    pub(crate) fn of(bank: &TrustedBankRecord) -> Self {
        TrustedBankResponse {
            id: bank.id,
            name: bank.name.clone(),
            did: bank.did.clone(),
            base_url: bank.base_url.clone(),
            institution_id: bank.institution.get(),
            added_at: rfc3339(bank.added_at),
            refreshed_at: rfc3339(bank.refreshed_at),
            keys: bank
                .keys
                .iter()
                .map(|pinned| PinnedKeyResponse {
                    key_id: pinned.key.key_id.clone(),
                    public_key_multibase: pinned.key.public_key_multibase.clone(),
                    pinned_at: rfc3339(pinned.pinned_at),
                    distrusted: pinned.distrusted.as_ref().map(WithdrawalResponse::of),
                })
                .collect(),
            removed: bank.removed.as_ref().map(WithdrawalResponse::of),
        }
    }
}

/// The trust list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrustedBanksResponse {
    pub banks: Vec<TrustedBankResponse>,
}

/// A refreshed entry and how many of its keys are new.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshedBankResponse {
    pub bank: TrustedBankResponse,
    pub new_keys: usize,
}

/// A credential brought from another bank, in the proof bundle's shape: the credential, and
/// optionally the bank's signed tree head and the credential's inclusion proof under it (as
/// `xuecheng verify` reads them); without them the bank's log is asked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BringCredentialRequest {
    /// The `OpenBadgeCredential` exactly as the other bank issued it.
    #[schema(value_type = Object)]
    pub credential: Value,
    #[schema(value_type = Option<Object>)]
    pub tree_head: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub inclusion_proof: Option<Value>,
}

/// Where an external outcome came from and what was checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenanceResponse {
    pub bank_id: i64,
    pub bank_name: String,
    pub issuer: String,
    pub credential_id: String,
    /// Hex SHA-256 of the credential as stored.
    pub credential_sha256: String,
    pub verified_at: String,
    /// The pinned keys whose proofs verified.
    pub verified_with: Vec<String>,
    /// `active`, `no status`, or `not checked: …`.
    pub status_check: String,
    /// `included at <index> of <size>`, or `not checked: …`.
    pub inclusion_check: String,
}

/// A credential brought from another bank: the outcome it became here and its provenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalCredentialResponse {
    /// `false` when it had been brought before (nothing was stored now).
    pub stored_now: bool,
    pub outcome: OutcomeResponse,
    pub provenance: ProvenanceResponse,
}

impl ExternalCredentialResponse {
    pub(crate) fn of(
        stored_now: bool,
        outcome: &OutcomeRecord,
        decisions: &[DecisionRecord],
        external: &ExternalOutcomeRecord,
        bank: &TrustedBankRecord,
    ) -> Self {
        let provenance = &external.provenance;
        ExternalCredentialResponse {
            stored_now,
            outcome: OutcomeResponse::of(outcome, decisions),
            provenance: ProvenanceResponse {
                bank_id: bank.id,
                bank_name: bank.name.clone(),
                issuer: bank.did.clone(),
                credential_id: provenance.credential_id.clone(),
                credential_sha256: provenance.credential_sha256.clone(),
                verified_at: rfc3339(provenance.verified_at),
                verified_with: provenance.verified_with.clone(),
                status_check: provenance.status_check.clone(),
                inclusion_check: provenance.inclusion_check.clone(),
            },
        }
    }
}

/// The credentials the signed-in learner brought, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalCredentialsResponse {
    pub credentials: Vec<ExternalCredentialResponse>,
}
