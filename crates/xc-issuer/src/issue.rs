//! Issuing credentials for recognised outcomes: each is built ([`crate::outcome_credential`]),
//! signed with the three suites, and recorded with its issuance entry in the transparency log
//! in one store transaction. The log entry holds no personal data: it is the JCS form of
//! `{"type": "issuance", "credential": <id>, "digest": "sha256:<hex of the JCS form of the
//! signed credential>", "issuedAt": <time>}`, so anyone holding the credential can recompute
//! the leaf and check its inclusion proof.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use xc_credentials::Canonicaliser;
use xc_credentials::jcs::canonicalize;
use xc_credentials::status_list::set_credential_status;
use xc_store::{IssuedCredentialRecord, LogAppend, NewIssuedCredential, OutcomeRecord, Store};

use crate::credential::{CredentialError, timestamp};
use crate::status::credential_status_entries;
use crate::{IssuerError, sign_outcome_credential};
use crate::{IssuerKeys, IssuerProfile, OutcomeCredentialInput, outcome_credential};

/// One outcome to issue for, with its provider's display name.
#[derive(Debug, Clone, Copy)]
pub struct ToIssue<'a> {
    pub outcome: &'a OutcomeRecord,
    pub provider_name: &'a str,
}

/// A fresh `urn:uuid:` (version 4) from the system's random source.
pub fn new_credential_id() -> Result<String, IssuerError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| IssuerError::Random)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    Ok(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

pub(crate) fn new_salt() -> Result<String, IssuerError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| IssuerError::Random)?;
    Ok(hex::encode(bytes))
}

/// The bytes of a credential's issuance entry in the log (see the module doc).
pub fn issuance_entry(signed_credential: &Value, issued_at: OffsetDateTime) -> Vec<u8> {
    let digest = Sha256::digest(canonicalize(signed_credential).as_bytes());
    let id = signed_credential
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    canonicalize(&json!({
        "type": "issuance",
        "credential": id,
        "digest": format!("sha256:{}", hex::encode(digest)),
        "issuedAt": timestamp(issued_at),
    }))
    .into_bytes()
}

/// Builds and signs one credential for each of `outcomes` (all recognised), ready to record:
/// the CPU-heavy half of [`issue_outcome_credentials`], with no store. `first_index` is the log
/// size the credentials will be appended at: credential `i` carries the status-list entries of
/// index `first_index + i` (its issuance entry's position, see [`crate::status`]), so nothing
/// else may be appended before they are recorded.
pub fn prepare_outcome_credentials(
    keys: &IssuerKeys,
    issuer: &IssuerProfile,
    canonicaliser: &Canonicaliser,
    outcomes: &[ToIssue<'_>],
    at: OffsetDateTime,
    first_index: u64,
) -> Result<Vec<NewIssuedCredential>, IssuerError> {
    let mut new = Vec::with_capacity(outcomes.len());
    for (offset, item) in outcomes.iter().enumerate() {
        let id = new_credential_id()?;
        let salt = new_salt()?;
        let credential = outcome_credential(
            issuer,
            keys.did(),
            &OutcomeCredentialInput {
                credential_id: &id,
                outcome: item.outcome,
                provider_name: item.provider_name,
                identity_salt: &salt,
                issued_at: at,
            },
        )?;
        let mut credential = credential;
        if let Value::Object(fields) = &mut credential {
            set_credential_status(
                fields,
                &credential_status_entries(&issuer.base_url, first_index + offset as u64),
            );
        }
        let signed = sign_outcome_credential(keys, &credential, at, canonicaliser)?;
        new.push(NewIssuedCredential {
            id,
            outcome: item.outcome.id,
            learner: item.outcome.learner,
            log_entry: issuance_entry(&signed, at),
            document: signed.to_string(),
            prepared_for: Some(first_index + offset as u64),
        });
    }
    Ok(new)
}

/// Records prepared credentials with their log entries in one transaction (the store half of
/// [`issue_outcome_credentials`]). Answers the stored credentials in order.
/// `prepared_for` is the position the credentials were prepared for; the store refuses them in
/// the same transaction (`Conflict { field: "log_index" }`, nothing kept) if anything else was
/// appended meanwhile (another issuer on the same store), since their status entries would then
/// point at other credentials' positions.
pub async fn record_issued(
    store: &dyn Store,
    new: Vec<NewIssuedCredential>,
    prepared_for: u64,
    at: OffsetDateTime,
) -> Result<Vec<IssuedCredentialRecord>, IssuerError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let LogAppend { first_index, .. } = store.issue_credentials(&new, at).await?;
    if first_index != prepared_for {
        return Err(IssuerError::Log(format!(
            "credentials prepared for log position {prepared_for} were appended at {first_index}: \
             something else appended meanwhile; run one issuer per store"
        )));
    }
    Ok(new
        .into_iter()
        .enumerate()
        .map(|(offset, credential)| IssuedCredentialRecord {
            id: credential.id,
            outcome: credential.outcome,
            learner: credential.learner,
            log_index: first_index + offset as u64,
            issued_at: at,
            document: credential.document,
        })
        .collect())
}

/// Issues one credential for each of `outcomes` (all recognised, none issued before) and records
/// them with their log entries in one transaction. Answers the stored credentials in order.
pub async fn issue_outcome_credentials(
    store: &dyn Store,
    keys: &IssuerKeys,
    issuer: &IssuerProfile,
    canonicaliser: &Canonicaliser,
    outcomes: &[ToIssue<'_>],
    at: OffsetDateTime,
) -> Result<Vec<IssuedCredentialRecord>, IssuerError> {
    let first_index = store.log_size().await?;
    let new = prepare_outcome_credentials(keys, issuer, canonicaliser, outcomes, at, first_index)?;
    record_issued(store, new, first_index, at).await
}

impl From<CredentialError> for IssuerError {
    fn from(error: CredentialError) -> Self {
        IssuerError::Credential(error.to_string())
    }
}
