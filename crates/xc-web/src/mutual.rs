//! Mutual recognition between cities (长三角互认, issue 4 §8) served; the operations pages and API
//! share, as `accounts` and `sharing` are.
//!
//! - **The trust list** (credit-bank staff, `Action::ManageTrustList`): a bank is added by its
//!   name and base URL; its DID document is fetched from `<base URL>/.well-known/did.json`, must
//!   be the DID the base URL gives (`did:web`, a port as `%3A<port>`), and the keys it lists
//!   under `assertionMethod` are pinned. A refresh fetches it again and pins new keys, keeping
//!   the old ones, so credentials signed before a rotation still verify. Both are audited
//!   (`trust_list.add`, `trust_list.refresh`). Trust is taken back by a change with its reason:
//!   a bank removed from the list (or restored), a pinned key distrusted for good
//!   (`trust_list.remove`, `trust_list.restore`, `trust_list.distrust_key`); outcomes brought
//!   before stay, later credentials are refused.
//! - **Bringing a credential** (a learner, `Action::BringCredentials`): the credential (or a
//!   proof bundle holding it) is checked in this order — an `OpenBadgeCredential` we can read;
//!   its issuer on the trust list; every proof verifies with the bank's pinned keys and one of
//!   them is Ed25519; valid now; its status in the bank's own status lists (fetched when
//!   reachable, else "not checked" in the result); log inclusion under the bank's signed tree
//!   head (the bundle's, or fetched) — then stored as an external outcome with its provenance
//!   and recognised by this bank's standards (`xc_bank::external`). Each refusal has its own
//!   reason (`xc_issuer::ExternalRefusal`); nothing is stored for a refused credential.
//!
//! Every fetch goes through the one [`BankClient`] of the state (`WebConfig::bank_client`): HTTPS
//! with the bundled Mozilla roots and the configured `mutual.extra_roots`, plain HTTP only to
//! this machine unless `mutual.allow_plain_http`, 10 s and 4 MB at most (`crate::bank_client`).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use xc_bank::{Brought, BroughtCredential};
use xc_credentials::status_list::StatusListEntry;
use xc_domain::Action;
use xc_issuer::mutual::{served_inclusion_proof, served_tree_head};
use xc_issuer::{
    ExternalRefusal, InclusionReport, ProofBundle, StatusReport, VerificationReport, VerifyInputs,
    check_still_trusted, did_web_of, judge_external, keys_to_pin, pinned_resolver,
    verify_issued_credential,
};
use xc_store::{
    AuditEvent, ExternalOutcomeRecord, NewTrustChange, NewTrustedBank, OutcomeRecord, Provenance,
    TrustChange, TrustedBankRecord,
};

use crate::AppState;
use crate::auth::Identity;
use crate::bank::own_learner;
use crate::bank_client::BankClient;
use crate::error::{AppError, AppResult};

/// The largest credential (or proof bundle) a learner brings.
pub const BRING_LIMIT_BYTES: usize = 1024 * 1024;

const TRUST_LIST_WHY: &str = "only credit-bank staff and city administrators keep the trust list";
const BRING_WHY: &str = "only a learner brings credentials into their own archive";

/// A base URL as entered, without a trailing slash, with the DID it gives.
fn base_url_and_did(text: &str) -> AppResult<(String, String)> {
    let base_url = text.trim().trim_end_matches('/').to_owned();
    let did =
        did_web_of(&base_url).map_err(|error| AppError::invalid("base_url", error.to_string()))?;
    Ok((base_url, did))
}

/// Fetches the DID document of the bank at `base_url` and answers the keys to pin.
async fn fetch_keys(
    client: &BankClient,
    base_url: &str,
    did: &str,
) -> AppResult<Vec<xc_store::PinnedKey>> {
    let document = client
        .fetch_json(&format!("{base_url}/.well-known/did.json"))
        .await
        .map_err(AppError::BankFetch)?;
    keys_to_pin(&document, did).map_err(AppError::DidDocument)
}

/// The trust list, by name (credit-bank staff).
pub async fn trusted_banks(
    state: &AppState,
    identity: &Identity,
) -> AppResult<Vec<TrustedBankRecord>> {
    identity.require_to(Action::ManageTrustList, TRUST_LIST_WHY)?;
    Ok(state.store.trusted_banks().await?)
}

/// Puts the bank at `base_url` on the trust list under `name`, pinning the keys of its DID
/// document as fetched now.
pub async fn add_trusted_bank(
    state: &AppState,
    identity: &Identity,
    name: &str,
    base_url: &str,
) -> AppResult<TrustedBankRecord> {
    let principal = identity.require_to(Action::ManageTrustList, TRUST_LIST_WHY)?;
    if name.trim().is_empty() {
        return Err(AppError::invalid(
            "name",
            "give the bank's name, e.g. 杭州市学分银行",
        ));
    }
    let (base_url, did) = base_url_and_did(base_url)?;
    if did == state.issuer.keys().did() {
        return Err(AppError::invalid(
            "base_url",
            "this is this bank's own address: list other cities' banks",
        ));
    }
    let keys = fetch_keys(&state.config.bank_client, &base_url, &did).await?;
    let audit = AuditEvent::new(identity.actor(), "trust_list.add", "trusted_bank", "new")
        .with_detail(json!({
            "name": name.trim(),
            "did": did,
            "base_url": base_url,
            "keys": keys.iter().map(|key| key.key_id.clone()).collect::<Vec<_>>(),
        }));
    let bank = NewTrustedBank {
        name: name.trim().to_owned(),
        did,
        base_url,
        keys,
        added_at: OffsetDateTime::now_utc(),
        added_by: principal.user_id,
    };
    Ok(state.store.add_trusted_bank(&bank, &audit).await?)
}

/// Fetches the DID document of trust-list entry `id` again and pins the keys it lists that are
/// new; keys pinned before stay. Answers the entry and how many keys were new.
pub async fn refresh_trusted_bank(
    state: &AppState,
    identity: &Identity,
    id: i64,
) -> AppResult<(TrustedBankRecord, usize)> {
    identity.require_to(Action::ManageTrustList, TRUST_LIST_WHY)?;
    let held = state.store.trusted_bank(id).await?;
    let keys = fetch_keys(&state.config.bank_client, &held.base_url, &held.did).await?;
    let new_keys: Vec<String> = keys
        .iter()
        .filter(|key| {
            !held
                .keys
                .iter()
                .any(|pinned| pinned.key.key_id == key.key_id)
        })
        .map(|key| key.key_id.clone())
        .collect();
    let audit = AuditEvent::new(identity.actor(), "trust_list.refresh", "trusted_bank", id)
        .with_detail(json!({"new_keys": new_keys}));
    let bank = state
        .store
        .pin_trusted_bank_keys(id, &keys, OffsetDateTime::now_utc(), &audit)
        .await?;
    Ok((bank, new_keys.len()))
}

/// Takes trust back from (or gives it back to) trust-list entry `id`, with the reason staff
/// give: see [`TrustChange`]. Audited as `trust_list.remove`, `trust_list.restore` or
/// `trust_list.distrust_key` with the reason (and the key) in the detail.
pub async fn change_trust(
    state: &AppState,
    identity: &Identity,
    id: i64,
    change: TrustChange,
    reason: &str,
) -> AppResult<TrustedBankRecord> {
    let principal = identity.require_to(Action::ManageTrustList, TRUST_LIST_WHY)?;
    let action = match &change {
        TrustChange::Remove => "trust_list.remove",
        TrustChange::Restore => "trust_list.restore",
        TrustChange::Distrust { .. } => "trust_list.distrust_key",
    };
    let audit = AuditEvent::new(identity.actor(), action, "trusted_bank", id).with_detail(json!({
        "reason": reason.trim(),
        "key_id": change.key_id(),
    }));
    let change = NewTrustChange {
        bank: id,
        change,
        reason: reason.to_owned(),
        at: OffsetDateTime::now_utc(),
        by: principal.user_id,
    };
    Ok(state.store.change_trust(&change, &audit).await?)
}

/// A credential accepted (now or before) from another bank.
#[derive(Debug)]
pub struct BroughtResult {
    pub bank: TrustedBankRecord,
    pub brought: Brought,
    pub outcome: OutcomeRecord,
    pub external: ExternalOutcomeRecord,
}

/// Reads what a learner brings: a credential, or a proof bundle holding one (its tree head and
/// inclusion proof are then used for the log check). `field` names the input at fault.
pub fn parse_brought(text: &str, field: &str) -> AppResult<(Value, ProofBundle)> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(AppError::invalid(
            field,
            "nothing brought: paste or upload the credential's JSON from the other bank",
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|error| {
        AppError::invalid(
            field,
            format!(
                "not JSON: {} at line {} column {}",
                error,
                error.line(),
                error.column()
            ),
        )
    })?;
    brought_of(value, field)
}

/// A credential or proof bundle given as JSON (see [`parse_brought`]).
pub fn brought_of(value: Value, field: &str) -> AppResult<(Value, ProofBundle)> {
    if !value.is_object() {
        return Err(AppError::invalid(
            field,
            "a credential is a JSON object ({…}), not a list or a single value",
        ));
    }
    if value.get("@context").is_none() && value.get("credential").is_some() {
        let mut bundle = ProofBundle::from_value(value)
            .map_err(|error| AppError::invalid(field, format!("not a proof bundle: {error}")))?;
        let credential = bundle.credential.take().unwrap_or_default();
        return Ok((credential, bundle));
    }
    Ok((value, ProofBundle::default()))
}

fn issuer_of(credential: &Value) -> Option<String> {
    let issuer = credential.get("issuer")?;
    issuer
        .as_str()
        .or_else(|| issuer.get("id")?.as_str())
        .map(str::to_owned)
}

fn is_open_badge(credential: &Value) -> bool {
    match credential.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "OpenBadgeCredential"),
        Some(Value::String(one)) => one == "OpenBadgeCredential",
        _ => false,
    }
}

/// The status list credentials a credential names under its bank's base URL, fetched; a list
/// that cannot be fetched is left out (its status is then "not checked").
async fn fetch_status_lists(
    client: &BankClient,
    credential: &Value,
    bank: &TrustedBankRecord,
) -> Vec<(String, Value)> {
    let prefix = format!("{}/", bank.base_url);
    let mut lists: Vec<(String, Value)> = Vec::new();
    for entry in StatusListEntry::from_credential(credential).unwrap_or_default() {
        let url = entry.status_list_credential;
        if !url.starts_with(&prefix) || lists.iter().any(|(known, _)| *known == url) {
            continue;
        }
        match client.fetch_json(&url).await {
            Ok(list) => lists.push((url, list)),
            Err(error) => tracing::info!(%error, "a status list of a trusted bank was not fetched"),
        }
    }
    lists
}

/// The bank's latest signed tree head and the inclusion proof of the credential under it,
/// fetched; `None` when either cannot be had.
async fn fetch_log_proof(
    client: &BankClient,
    credential: &Value,
    bank: &TrustedBankRecord,
) -> Option<(xc_store::SignedTreeHead, xc_merkle::InclusionProof)> {
    let id = credential.get("id")?.as_str()?;
    let head = served_tree_head(
        &client
            .fetch_json(&format!("{}/log/tree-head", bank.base_url))
            .await
            .ok()?,
    )?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("credential", id)
        .append_pair("tree_size", &head.head.size.to_string())
        .finish();
    let proof = served_inclusion_proof(
        &client
            .fetch_json(&format!("{}/log/proof/inclusion?{query}", bank.base_url))
            .await
            .ok()?,
    )?;
    Some((head, proof))
}

/// Verifies a credential brought by the signed-in learner against the trust list and, when it
/// holds, records it as their external outcome and lets this bank's standards recognise it
/// (see the module doc). Bringing the same credential again answers the outcome stored before.
pub async fn bring_credential(
    state: &AppState,
    identity: &Identity,
    credential: Value,
    bundle: ProofBundle,
) -> AppResult<BroughtResult> {
    identity.require_to(Action::BringCredentials, BRING_WHY)?;
    let learner = own_learner(identity)?;
    if !credential.is_object() || !is_open_badge(&credential) {
        return Err(AppError::ExternalCredential(
            ExternalRefusal::NotACredential("it is not an OpenBadgeCredential".into()),
        ));
    }
    let Some(issuer) = issuer_of(&credential) else {
        return Err(AppError::ExternalCredential(
            ExternalRefusal::NotACredential("it names no issuer".into()),
        ));
    };
    let Some(bank) = state.store.trusted_bank_by_did(&issuer).await? else {
        return Err(AppError::ExternalCredential(
            ExternalRefusal::UntrustedIssuer { issuer },
        ));
    };
    check_still_trusted(&credential, &bank).map_err(AppError::ExternalCredential)?;
    let keys = pinned_resolver(&bank.keys)
        .map_err(|reason| AppError::Internal(anyhow::anyhow!(reason)))?;
    let lists = fetch_status_lists(&state.config.bank_client, &credential, &bank).await;
    let (tree_head, inclusion_proof, log_source) = match (bundle.tree_head, bundle.inclusion_proof)
    {
        (Some(head), Some(proof)) => (Some(head), Some(proof), "the proof bundle brought"),
        _ => match fetch_log_proof(&state.config.bank_client, &credential, &bank).await {
            Some((head, proof)) => (Some(head), Some(proof), "the bank's log"),
            None => (None, None, "the bank's log could not be reached"),
        },
    };
    let canonicaliser_owner = state.issuer.clone();
    let now = OffsetDateTime::now_utc();
    let (report, credential) = tokio::task::spawn_blocking(move || {
        let source = |url: &str| {
            lists
                .iter()
                .find(|(known, _)| known == url)
                .map(|(_, list)| list.clone())
        };
        let report = verify_issued_credential(
            &credential,
            &VerifyInputs {
                keys: &keys,
                tree_head: tree_head.as_ref(),
                inclusion_proof: inclusion_proof.as_ref(),
                status_list: Some(&source),
                now,
            },
            canonicaliser_owner.canonicaliser(),
        );
        (report, credential)
    })
    .await
    .map_err(|join| AppError::Internal(anyhow::anyhow!("the verifying task stopped: {join}")))?;
    let accepted =
        judge_external(&with_reasons(report, log_source)).map_err(AppError::ExternalCredential)?;
    let document = credential.to_string();
    let provenance = Provenance {
        credential_id: credential
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                AppError::ExternalCredential(ExternalRefusal::NotACredential("it has no id".into()))
            })?
            .to_owned(),
        credential_sha256: hex::encode(Sha256::digest(document.as_bytes())),
        document,
        verified_at: now,
        verified_with: accepted.verified_with,
        status_check: accepted.status,
        inclusion_check: accepted.inclusion,
    };
    let standards = state.standards();
    let brought = xc_bank::record_brought(
        &*state.store,
        &standards,
        BroughtCredential {
            learner,
            bank: &bank,
            credential: &credential,
            provenance,
            actor: identity.actor(),
            now,
        },
    )
    .await?;
    if brought.stored_now
        && matches!(
            brought.recognition,
            xc_domain::credit::Recognition::Automatic { .. }
        )
    {
        crate::issuing::issue_recognised(state, &[brought.outcome]).await;
    }
    let outcome = state.store.get_outcome(brought.outcome).await?;
    let external =
        state
            .store
            .external_outcome(brought.outcome)
            .await?
            .ok_or(AppError::NotFound {
                what: "external outcome",
            })?;
    Ok(BroughtResult {
        bank,
        brought,
        outcome,
        external,
    })
}

/// The report with the "not checked" reasons saying where the inputs were looked for.
fn with_reasons(mut report: VerificationReport, log_source: &str) -> VerificationReport {
    if let InclusionReport::NotChecked { reason } = &mut report.inclusion {
        *reason = format!("{reason} ({log_source})");
    }
    if let StatusReport::NotChecked { reason } = &mut report.status {
        *reason = format!("{reason}: the issuing bank's status list could not be fetched");
    }
    report
}

/// What the signed-in learner brought from other banks, newest first, each with its outcome
/// and its bank.
pub async fn my_brought(
    state: &AppState,
    identity: &Identity,
) -> AppResult<Vec<(ExternalOutcomeRecord, OutcomeRecord, TrustedBankRecord)>> {
    let learner = own_learner(identity)?;
    let records = state.store.learner_external_outcomes(learner).await?;
    let banks = state.store.trusted_banks().await?;
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        let outcome = state.store.get_outcome(record.outcome).await?;
        let bank = banks
            .iter()
            .find(|bank| bank.id == record.bank)
            .cloned()
            .ok_or(AppError::NotFound {
                what: "trusted bank",
            })?;
        items.push((record, outcome, bank));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_brings_its_credential() {
        let (credential, bundle) = brought_of(
            json!({"credential": {"@context": ["x"], "id": "urn:uuid:1"}}),
            "text",
        )
        .unwrap();
        assert_eq!(credential["id"], "urn:uuid:1");
        assert!(bundle.tree_head.is_none());
        let (credential, _) = brought_of(json!({"@context": ["x"], "id": "a"}), "text").unwrap();
        assert_eq!(credential["id"], "a");
        assert!(brought_of(json!([1]), "text").is_err());
    }
}
