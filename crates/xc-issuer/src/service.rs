//! The issuer as the running application holds it: the keys, the bank's profile and one
//! canonicaliser, with the rule that issuing is one thing at a time. [`Issuer::issue_for`]
//! issues the credentials of outcomes just recognised; [`Issuer::issue_awaiting`] walks what is
//! still owed (recognised outcomes without a credential, e.g. after a batch import or a failed
//! issuance); after each issuance a new tree head is signed, so the published head covers it.
//!
//! Issuing is idempotent: an outcome that already has a credential, or is not recognised, is
//! skipped. Signing (RDF canonicalisation is milliseconds a credential) runs on the blocking
//! pool, so the server's request threads are never held by it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use xc_credentials::status_list::{StatusListEntry, StatusPurpose};
use xc_credentials::{Canonicaliser, ContextLoader};
use xc_domain::credit::OutcomeId;
use xc_domain::{InstitutionId, UserId};
use xc_store::{
    AuditEvent, IssuedCredentialRecord, NewIssuedCredential, NewStatusChange, OutcomeRecord,
    OutcomeStatus, StatusAction, StatusChangeRecord, Store, StoreError, log_inclusion_proof,
};

use crate::issue::{prepare_outcome_credentials, record_issued};
use crate::status::{sign_status_list, status_change_entry};
use crate::{
    IssuerError, IssuerKeys, IssuerProfile, IssuerPublicKeys, LearnerCodeSigner, ToIssue,
    VerificationReport, VerifyInputs, sign_tree_head, verify_issued_credential,
};

/// The `did:web` DID of a site served at `base_url` (`https://host[:port]`, no path): the host,
/// with a port written `%3A<port>` (W3C did:web §3.2). The DID document is then served at
/// `<base_url>/.well-known/did.json`.
pub fn did_web_of(base_url: &str) -> Result<String, IssuerError> {
    let invalid = |reason: &str| IssuerError::BaseUrl {
        url: base_url.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"))
        .ok_or_else(|| invalid("write it as https://host or http://host:port"))?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() {
        return Err(invalid("the host is missing"));
    }
    if host.contains(['/', '?', '#', '@', ' ']) {
        return Err(invalid(
            "only a host and port: the DID document is served at /.well-known/did.json",
        ));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(invalid("the host has characters a DNS name cannot have"));
    }
    Ok(format!("did:web:{}", host.replace(':', "%3A")))
}

/// The issuer of a running application (see the module doc).
#[derive(Debug)]
pub struct Issuer {
    keys: IssuerKeys,
    /// The learner code's own keys (not published: only this server checks a learner code).
    learner_codes: LearnerCodeSigner,
    profile: IssuerProfile,
    canonicaliser: Canonicaliser,
    /// Issuance and tree-head signing, one at a time: two issuers racing for one outcome would
    /// make one of them fail whole, and two signers for one head would refuse each other.
    issuing: tokio::sync::Mutex<()>,
}

impl Issuer {
    /// Opens (or creates) the keys in `key_directory` for the DID of `profile.base_url`.
    pub fn open(key_directory: &Path, profile: IssuerProfile) -> Result<Self, IssuerError> {
        let profile = IssuerProfile {
            base_url: profile.base_url.trim_end_matches('/').to_owned(),
            ..profile
        };
        let did = did_web_of(&profile.base_url)?;
        Ok(Self {
            keys: IssuerKeys::open_or_create(key_directory, &did)?,
            learner_codes: LearnerCodeSigner::open_or_create(key_directory, &did)?,
            profile,
            canonicaliser: Canonicaliser::new(ContextLoader::bundled()),
            issuing: tokio::sync::Mutex::new(()),
        })
    }

    pub fn keys(&self) -> &IssuerKeys {
        &self.keys
    }

    /// The keys of the learner code (申学码).
    pub fn learner_codes(&self) -> &LearnerCodeSigner {
        &self.learner_codes
    }

    pub fn profile(&self) -> &IssuerProfile {
        &self.profile
    }

    pub fn canonicaliser(&self) -> &Canonicaliser {
        &self.canonicaliser
    }

    /// Issues the credentials of `outcomes` that are recognised and have none yet, then signs a
    /// tree head over them. Answers the credentials issued now.
    pub async fn issue_for(
        self: &Arc<Self>,
        store: &dyn Store,
        outcomes: &[OutcomeId],
    ) -> Result<Vec<IssuedCredentialRecord>, IssuerError> {
        let _one_at_a_time = self.issuing.lock().await;
        let mut ids = outcomes.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut owed = Vec::with_capacity(ids.len());
        for id in &ids {
            let outcome = store.get_outcome(*id).await?;
            if outcome.status == OutcomeStatus::Recognised
                && store.outcome_credential(*id).await?.is_none()
            {
                owed.push(outcome);
            }
        }
        self.issue_locked(store, owed).await
    }

    /// Issues the next `limit` outcomes still owed a credential with ids after `after`, then
    /// signs a tree head. Answers how many were issued and the last id looked at (`None` when
    /// nothing is owed after `after`): call again with it until `None`.
    pub async fn issue_awaiting(
        self: &Arc<Self>,
        store: &dyn Store,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> Result<(usize, Option<OutcomeId>), IssuerError> {
        let _one_at_a_time = self.issuing.lock().await;
        let owed = store.outcomes_awaiting_credential(after, limit).await?;
        let last = owed.last().map(|outcome| outcome.id);
        let issued = self.issue_locked(store, owed).await?;
        Ok((issued.len(), last))
    }

    /// Changes an issued credential's status (see `TransparencyLogStore::change_credential_status`),
    /// appends its status-change entry and signs a tree head over it. `reason` is required.
    pub async fn change_status(
        self: &Arc<Self>,
        store: &dyn Store,
        credential: &str,
        action: StatusAction,
        reason: &str,
        decided_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> Result<StatusChangeRecord, IssuerError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(IssuerError::Store(StoreError::Invalid {
                field: "reason",
                reason: "say why the credential's status changes".into(),
            }));
        }
        let _one_at_a_time = self.issuing.lock().await;
        let issued = store.get_issued_credential(credential).await?;
        let at = OffsetDateTime::now_utc();
        let change = NewStatusChange {
            credential: issued.id.clone(),
            action,
            reason: reason.to_owned(),
            decided_by,
            decided_at: at,
            log_entry: status_change_entry(
                &self.profile.base_url,
                &issued.id,
                action,
                issued.log_index,
                at,
            ),
        };
        let recorded = store.change_credential_status(&change, audit).await?;
        sign_tree_head(store, &self.keys, OffsetDateTime::now_utc()).await?;
        Ok(recorded)
    }

    /// The learner's whole archive as a signed CLR 2.0 `ClrCredential` made now (see
    /// [`crate::clr`]): every credential issued to them, as issued. `Invalid { field:
    /// "credentials" }` when none has been issued yet.
    pub async fn clr_for(
        self: &Arc<Self>,
        store: &dyn Store,
        learner: xc_domain::LearnerId,
        at: OffsetDateTime,
    ) -> Result<serde_json::Value, IssuerError> {
        let issued = store.learner_credentials(learner).await?;
        let mut credentials = Vec::with_capacity(issued.len());
        for record in &issued {
            credentials.push(serde_json::from_str(&record.document).map_err(|error| {
                IssuerError::Credential(format!("stored credential {}: {error}", record.id))
            })?);
        }
        if credentials.is_empty() {
            return Err(IssuerError::Store(StoreError::Invalid {
                field: "credentials",
                reason:
                    "no credential has been issued to you yet: a learning record holds at least one"
                        .into(),
            }));
        }
        let clr_id = crate::new_credential_id()?;
        let salt = crate::issue::new_salt()?;
        let issuer = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            crate::sign_clr_credential(
                &issuer.keys,
                &issuer.profile,
                &crate::ClrInput {
                    clr_id: &clr_id,
                    learner,
                    credentials: &credentials,
                    identity_salt: &salt,
                    issued_at: at,
                },
                &issuer.canonicaliser,
            )
        })
        .await
        .map_err(|join| IssuerError::Credential(format!("the signing task stopped: {join}")))?
        .map_err(|error| IssuerError::Credential(error.to_string()))
    }

    /// The signed status list credential `list` of `purpose` as it stands now.
    pub async fn status_list_credential(
        &self,
        store: &dyn Store,
        purpose: StatusPurpose,
        list: u64,
    ) -> Result<serde_json::Value, IssuerError> {
        let changes = store.credential_status_changes(None).await?;
        sign_status_list(
            &self.keys,
            &self.profile.base_url,
            purpose,
            list,
            &changes,
            OffsetDateTime::now_utc(),
            &self.canonicaliser,
        )
    }

    /// The keys a verifier of this bank uses: the published DID document read back, so only
    /// keys listed under `assertionMethod` are trusted, as for any outside verifier.
    pub fn public_keys(&self) -> Result<IssuerPublicKeys, IssuerError> {
        IssuerPublicKeys::from_json(&self.keys.did_document())
            .map_err(|error| IssuerError::Credential(format!("the DID document: {error}")))
    }

    /// Checks `credential` as a verifier would (`verify_issued_credential`), with everything
    /// this bank can supply: its published keys, the status lists its `credentialStatus` names
    /// when they are this bank's, and, when the credential's id is one this bank issued and its
    /// entry is under the latest signed tree head, that head and the inclusion proof read from
    /// the store. The leaf is recomputed from the credential given, so a changed copy of an
    /// issued credential fails the inclusion check as well as its proofs. Verification runs on
    /// the blocking pool (RDF canonicalisation takes milliseconds), at the time the inputs are
    /// gathered: a status list signed just now is valid from this very second, so the check
    /// must not judge it by an earlier clock reading.
    pub async fn verify_with_store(
        self: &Arc<Self>,
        store: &dyn Store,
        credential: Value,
    ) -> Result<VerificationReport, IssuerError> {
        let lists_prefix = format!("{}/credentials/status/", self.profile.base_url);
        let mut lists = Vec::new();
        for entry in StatusListEntry::from_credential(&credential).unwrap_or_default() {
            let url = entry.status_list_credential;
            let Some((purpose, list)) = url
                .strip_prefix(&lists_prefix)
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(purpose, list)| {
                    Some((
                        StatusPurpose::parse(purpose).ok()?,
                        list.parse::<u64>().ok()?,
                    ))
                })
            else {
                continue;
            };
            if lists.iter().any(|(known, _)| known == &url) {
                continue;
            }
            let log_size = store.log_size().await?;
            if list * crate::status::LIST_LENGTH >= log_size.max(1) {
                continue;
            }
            lists.push((
                url,
                self.status_list_credential(store, purpose, list).await?,
            ));
        }
        let mut tree_head = None;
        let mut inclusion_proof = None;
        if let Some(id) = credential.get("id").and_then(Value::as_str) {
            match store.get_issued_credential(id).await {
                Ok(issued) => {
                    if let Some(head) = store.latest_tree_head().await?
                        && issued.log_index < head.head.size
                    {
                        inclusion_proof = Some(
                            log_inclusion_proof(store, issued.log_index, head.head.size).await?,
                        );
                        tree_head = Some(head);
                    }
                }
                Err(StoreError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        let keys = self.public_keys()?;
        let issuer = Arc::clone(self);
        let now = OffsetDateTime::now_utc();
        tokio::task::spawn_blocking(move || {
            let source = |url: &str| {
                lists
                    .iter()
                    .find(|(known, _)| known == url)
                    .map(|(_, list)| list.clone())
            };
            verify_issued_credential(
                &credential,
                &VerifyInputs {
                    keys: &keys,
                    tree_head: tree_head.as_ref(),
                    inclusion_proof: inclusion_proof.as_ref(),
                    status_list: Some(&source),
                    now,
                },
                &issuer.canonicaliser,
            )
        })
        .await
        .map_err(|join| IssuerError::Credential(format!("the verifying task stopped: {join}")))
    }

    async fn issue_locked(
        self: &Arc<Self>,
        store: &dyn Store,
        owed: Vec<OutcomeRecord>,
    ) -> Result<Vec<IssuedCredentialRecord>, IssuerError> {
        if owed.is_empty() {
            return Ok(Vec::new());
        }
        let mut providers: HashMap<InstitutionId, String> = HashMap::new();
        for outcome in &owed {
            let provider = outcome.submitted.provider;
            if let std::collections::hash_map::Entry::Vacant(slot) = providers.entry(provider) {
                slot.insert(store.get_institution(provider).await?.name);
            }
        }
        let at = OffsetDateTime::now_utc();
        // Read under the lock: nothing else of this issuer appends before these are recorded.
        let first_index = store.log_size().await?;
        let issuer = Arc::clone(self);
        let prepared: Vec<NewIssuedCredential> = tokio::task::spawn_blocking(move || {
            let items: Vec<ToIssue<'_>> = owed
                .iter()
                .map(|outcome| ToIssue {
                    outcome,
                    provider_name: &providers[&outcome.submitted.provider],
                })
                .collect();
            prepare_outcome_credentials(
                &issuer.keys,
                &issuer.profile,
                &issuer.canonicaliser,
                &items,
                at,
                first_index,
            )
        })
        .await
        .map_err(|join| IssuerError::Credential(format!("the signing task stopped: {join}")))??;
        let issued = record_issued(store, prepared, first_index, at).await?;
        sign_tree_head(store, &self.keys, OffsetDateTime::now_utc()).await?;
        Ok(issued)
    }
}
