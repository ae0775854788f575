//! The records of mutual recognition between cities (长三角互认, issue 4 §8): the trust list of
//! other cities' credit banks, the keys pinned for each, and the provenance of every outcome a
//! learner brought from one of them (migration 0016); trust taken back — a bank removed from
//! the list (and restored), a pinned key distrusted — as appended changes (migration 0018).
//!
//! A trusted bank is an institution of kind `credit_bank` too, so an outcome brought from it is
//! an ordinary outcome with that institution as provider and the credential's id as external
//! id: recognition, review and conversion treat it as any other, and bringing one credential
//! twice stores nothing.

use async_trait::async_trait;
use time::OffsetDateTime;
use xc_domain::credit::OutcomeId;
use xc_domain::{InstitutionId, LearnerId, UserId};

use crate::{AuditEvent, NewOutcome, StoreResult, Written};

/// A public key of a trusted bank as pinned: its verification method id (`did:web:…#key`) and
/// the key as a Multikey (`z6Mk…` Ed25519, `zEP…` SM2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKey {
    pub key_id: String,
    pub public_key_multibase: String,
}

/// A pinned key as stored, with when it was first pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKeyRecord {
    pub key: PinnedKey,
    pub pinned_at: OffsetDateTime,
    /// When, by whom and why this bank stopped trusting the key (for good), if it did.
    pub distrusted: Option<Withdrawal>,
}

/// Trust taken back: when, by whom and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub at: OffsetDateTime,
    pub by: Option<UserId>,
    pub reason: String,
}

/// A change of a trust-list entry after it was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustChange {
    /// The bank's credentials are no longer accepted (those brought before stay).
    Remove,
    /// A removed bank is on the list again.
    Restore,
    /// Proofs made with this pinned key are no longer accepted, for good (e.g. the bank
    /// reported it stolen).
    Distrust { key_id: String },
}

impl TrustChange {
    /// The `change` column's value.
    pub fn as_str(&self) -> &'static str {
        match self {
            TrustChange::Remove => "remove",
            TrustChange::Restore => "restore",
            TrustChange::Distrust { .. } => "distrust",
        }
    }

    /// The key a change names (a distrust's), for the `key_id` column.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            TrustChange::Distrust { key_id } => Some(key_id),
            TrustChange::Remove | TrustChange::Restore => None,
        }
    }

    /// Reads the `change` and `key_id` columns back.
    pub fn from_columns(change: &str, key_id: Option<String>) -> Result<Self, String> {
        match (change, key_id) {
            ("remove", None) => Ok(TrustChange::Remove),
            ("restore", None) => Ok(TrustChange::Restore),
            ("distrust", Some(key_id)) => Ok(TrustChange::Distrust { key_id }),
            (other, key) => Err(format!("'{other}' with key {key:?} is not a trust change")),
        }
    }
}

/// A `trust_list_changes` row as both engines select it: `change`, `key_id`, `reason`,
/// `changed_at` (as the engine stores time) and `changed_by`.
pub type TrustChangeRow<Time> = (String, Option<String>, String, Time, Option<i64>);

/// Reads a [`TrustChangeRow`] whose time is decoded already.
pub fn trust_change_of(
    row: TrustChangeRow<OffsetDateTime>,
) -> crate::StoreResult<(TrustChange, Withdrawal)> {
    let (change, key_id, reason, at, by) = row;
    let change = TrustChange::from_columns(&change, key_id)
        .map_err(|reason| crate::StoreError::corrupt("change", reason))?;
    Ok((
        change,
        Withdrawal {
            at,
            by: by.map(UserId::new),
            reason,
        },
    ))
}

/// A change to record on entry `bank`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrustChange {
    pub bank: i64,
    pub change: TrustChange,
    /// Why, in words staff will read later; never blank.
    pub reason: String,
    pub at: OffsetDateTime,
    pub by: Option<UserId>,
}

/// A bank to put on the trust list, with the keys its DID document listed when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrustedBank {
    /// What people call it, e.g. 杭州市学分银行.
    pub name: String,
    /// Its issuer DID (`did:web:…`).
    pub did: String,
    /// Where its DID document, tree heads and status lists are fetched from (no trailing slash).
    pub base_url: String,
    pub keys: Vec<PinnedKey>,
    pub added_at: OffsetDateTime,
    pub added_by: Option<UserId>,
}

/// A bank on the trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedBankRecord {
    pub id: i64,
    /// The institution (kind `credit_bank`) its outcomes are submitted under.
    pub institution: InstitutionId,
    pub name: String,
    pub did: String,
    pub base_url: String,
    pub added_at: OffsetDateTime,
    pub added_by: Option<UserId>,
    /// When its keys were last fetched (the time it was added, until refreshed).
    pub refreshed_at: OffsetDateTime,
    /// Every key ever pinned, oldest first (distrusted ones marked).
    pub keys: Vec<PinnedKeyRecord>,
    /// When, by whom and why the bank was taken off the list, while it is off.
    pub removed: Option<Withdrawal>,
}

impl TrustedBankRecord {
    /// The pinned keys still trusted.
    pub fn trusted_keys(&self) -> impl Iterator<Item = &PinnedKeyRecord> {
        self.keys.iter().filter(|key| key.distrusted.is_none())
    }

    /// Applies the entry's recorded changes, oldest first, to what was read of it: the last
    /// removal or restoration decides whether it is on the list; a distrust marks its key.
    pub fn apply_changes(
        &mut self,
        changes: impl IntoIterator<Item = (TrustChange, Withdrawal)>,
    ) -> StoreResult<()> {
        for (change, withdrawal) in changes {
            match change {
                TrustChange::Remove => self.removed = Some(withdrawal),
                TrustChange::Restore => self.removed = None,
                TrustChange::Distrust { key_id } => {
                    let key = self
                        .keys
                        .iter_mut()
                        .find(|pinned| pinned.key.key_id == key_id)
                        .ok_or_else(|| {
                            crate::StoreError::corrupt(
                                "key_id",
                                format!("a distrusted key {key_id} that was never pinned"),
                            )
                        })?;
                    key.distrusted = Some(withdrawal);
                }
            }
        }
        Ok(())
    }
}

/// An outcome brought from a trusted bank, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExternalOutcome {
    /// The outcome: its provider is the bank's institution, its external id the credential id.
    pub outcome: NewOutcome,
    pub bank: i64,
    pub provenance: Provenance,
}

/// Where an external outcome came from and what was checked when it was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The credential's `id`.
    pub credential_id: String,
    /// Lower-case hex SHA-256 of `document`.
    pub credential_sha256: String,
    /// The credential exactly as brought.
    pub document: String,
    pub verified_at: OffsetDateTime,
    /// The pinned keys whose proofs verified.
    pub verified_with: Vec<String>,
    /// The status check in words (`active`, `no status`, `not checked: …`).
    pub status_check: String,
    /// The log inclusion check in words (`included at … of …`, `not checked: …`).
    pub inclusion_check: String,
}

/// An external outcome as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalOutcomeRecord {
    pub outcome: OutcomeId,
    pub learner: LearnerId,
    pub bank: i64,
    pub provenance: Provenance,
}

/// The trust list and the outcomes brought under it. Every change is audited in its own
/// transaction; pinned keys and provenance are never changed or removed (triggers).
#[async_trait]
pub trait TrustListStore {
    /// Puts a bank on the list: its institution (kind `credit_bank`, no district), the entry
    /// and its keys, with the audit entry (subject: the new entry's id), in one transaction.
    /// `Conflict { field: "did" }` when the DID is listed already; `Invalid { field: "keys" }`
    /// without a key and `Invalid { field: "name" }` with a blank name. Nothing is kept when
    /// refused.
    async fn add_trusted_bank(
        &self,
        bank: &NewTrustedBank,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord>;
    /// Pins the keys of `keys` the entry does not hold yet and sets `refreshed_at`, with the
    /// audit entry, in one transaction; keys held already are kept as they are. A key id held
    /// with other key material is `Conflict { field: "keys" }` (a key id never changes its key)
    /// and nothing changes. `NotFound { what: "trusted bank" }` for an unknown id.
    async fn pin_trusted_bank_keys(
        &self,
        bank: i64,
        keys: &[PinnedKey],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord>;
    /// Records `change` with the audit entry (subject: the entry's id) in one transaction and
    /// answers the entry as it is now. Refused, with nothing written: a blank reason
    /// (`Invalid { field: "reason" }`); removing a bank that is off the list or restoring one
    /// that is on it (`Conflict { field: "bank" }`); distrusting a key the entry never pinned
    /// (`Invalid { field: "key_id" }`) or one distrusted already (`Conflict { field: "key_id" }`);
    /// an unknown entry (`NotFound { what: "trusted bank" }`).
    async fn change_trust(
        &self,
        change: &NewTrustChange,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord>;
    /// Every entry, by name.
    async fn trusted_banks(&self) -> StoreResult<Vec<TrustedBankRecord>>;
    /// `NotFound { what: "trusted bank" }` for an unknown id.
    async fn trusted_bank(&self, id: i64) -> StoreResult<TrustedBankRecord>;
    async fn trusted_bank_by_did(&self, did: &str) -> StoreResult<Option<TrustedBankRecord>>;
    /// Stores an external outcome (as `OutcomeStore::submit_outcome` does, its automatic
    /// decision included) and its provenance, with the audit entry (subject: the outcome's id),
    /// in one transaction. `Invalid { field: "provider" }` when the outcome's provider is not the
    /// bank's institution or its external id is not the credential id. When the bank's
    /// credential is held already, nothing is written and the answer is `AlreadyStored` with
    /// the outcome that holds it (whoever brought it).
    async fn record_external_outcome(
        &self,
        outcome: &NewExternalOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written>;
    /// The provenance of `outcome`, `None` when it was not brought from another bank.
    async fn external_outcome(
        &self,
        outcome: OutcomeId,
    ) -> StoreResult<Option<ExternalOutcomeRecord>>;
    /// The outcomes `learner` brought, newest first.
    async fn learner_external_outcomes(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ExternalOutcomeRecord>>;
}

/// Checks what both engines refuse before writing a new entry.
pub fn check_new_trusted_bank(bank: &NewTrustedBank) -> StoreResult<()> {
    if bank.name.trim().is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "name",
            reason: "give the bank's name, e.g. 杭州市学分银行".into(),
        });
    }
    if bank.keys.is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "keys",
            reason: "the bank's DID document lists no key for credentials".into(),
        });
    }
    Ok(())
}

/// Checks a change against the entry as held, before writing it (see
/// [`TrustListStore::change_trust`]).
pub fn check_trust_change(change: &NewTrustChange, held: &TrustedBankRecord) -> StoreResult<()> {
    if change.reason.trim().is_empty() {
        return Err(crate::StoreError::Invalid {
            field: "reason",
            reason: "say why, for whoever reads the trust list later".into(),
        });
    }
    match &change.change {
        TrustChange::Remove if held.removed.is_some() => {
            Err(crate::StoreError::Conflict { field: "bank" })
        }
        TrustChange::Restore if held.removed.is_none() => {
            Err(crate::StoreError::Conflict { field: "bank" })
        }
        TrustChange::Remove | TrustChange::Restore => Ok(()),
        TrustChange::Distrust { key_id } => {
            match held.keys.iter().find(|pinned| pinned.key.key_id == *key_id) {
                None => Err(crate::StoreError::Invalid {
                    field: "key_id",
                    reason: format!("{key_id} is not a key pinned for {}", held.name),
                }),
                Some(pinned) if pinned.distrusted.is_some() => {
                    Err(crate::StoreError::Conflict { field: "key_id" })
                }
                Some(_) => Ok(()),
            }
        }
    }
}

/// Checks that an external outcome is the bank's credential, before writing it.
pub fn check_external_outcome(
    outcome: &NewExternalOutcome,
    bank: &TrustedBankRecord,
) -> StoreResult<()> {
    if outcome.outcome.submitted.provider != bank.institution
        || outcome.outcome.external_id != outcome.provenance.credential_id
    {
        return Err(crate::StoreError::Invalid {
            field: "provider",
            reason: "an external outcome is submitted by its bank's institution under the \
                     credential's id"
                .into(),
        });
    }
    Ok(())
}

/// The verified-with key ids as the `verified_with` column holds them (a JSON array).
pub fn key_ids_column(keys: &[String]) -> String {
    serde_json::Value::from(keys.to_vec()).to_string()
}

/// The key ids of a `verified_with` column; `Err` with why when it is not a JSON array of text.
pub fn key_ids_from_column(text: &str) -> Result<Vec<String>, String> {
    serde_json::from_str(text).map_err(|error| format!("not a JSON list of key ids: {error}"))
}
