//! Mutual recognition between cities as JSON (issue 4 §8; the operations are `crate::mutual`,
//! the same the pages use): credit-bank staff keep the trust list of other cities' banks; a
//! learner brings a credential from one of them, which is verified against the list and, when
//! it holds, becomes an outcome here with its provenance (201; 200 when brought before). Staff
//! take trust back with a reason: a bank removed (or restored), a key distrusted.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use xc_store::TrustChange;

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::mutual::{self, BroughtResult};

use super::types::{
    AddTrustedBankRequest, BringCredentialRequest, DistrustKeyRequest, ExternalCredentialResponse,
    ExternalCredentialsResponse, RefreshedBankResponse, TrustChangeRequest, TrustedBankResponse,
    TrustedBanksResponse,
};

/// The trust list: other cities' credit banks whose credentials this bank accepts.
#[utoipa::path(get, path = "/api/v1/trusted-banks", tag = "mutual-recognition",
    responses(
        (status = 200, body = TrustedBanksResponse),
        (status = 403, body = ErrorBody),
    ))]
pub(super) async fn list_trusted_banks(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<TrustedBanksResponse>> {
    let banks = mutual::trusted_banks(&state, &identity).await?;
    Ok(Json(TrustedBanksResponse {
        banks: banks.iter().map(TrustedBankResponse::of).collect(),
    }))
}

/// Puts a bank on the trust list, pinning the keys its DID document lists now.
#[utoipa::path(post, path = "/api/v1/trusted-banks", tag = "mutual-recognition",
    request_body = AddTrustedBankRequest,
    responses(
        (status = 201, body = TrustedBankResponse),
        (status = 409, description = "Listed already", body = ErrorBody),
        (status = 422, description = "`not_a_did_document`, `did_mismatch`, `no_assertion_keys`, or a field at fault", body = ErrorBody),
        (status = 502, description = "`bank_unreachable`: not reachable, its TLS certificate not trusted, or plain http:// to another machine refused", body = ErrorBody),
    ))]
pub(super) async fn add_trusted_bank(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(request): ApiJson<AddTrustedBankRequest>,
) -> AppResult<(StatusCode, Json<TrustedBankResponse>)> {
    let bank =
        mutual::add_trusted_bank(&state, &identity, &request.name, &request.base_url).await?;
    Ok((StatusCode::CREATED, Json(TrustedBankResponse::of(&bank))))
}

/// Fetches a listed bank's DID document again and pins its new keys (old ones stay).
#[utoipa::path(post, path = "/api/v1/trusted-banks/{id}/refresh", tag = "mutual-recognition",
    params(("id" = i64, Path, description = "The trust-list entry")),
    responses(
        (status = 200, body = RefreshedBankResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A pinned key id now names another key", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 502, description = "`bank_unreachable`: not reachable, its TLS certificate not trusted, or plain http:// to another machine refused", body = ErrorBody),
    ))]
pub(super) async fn refresh_trusted_bank(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<RefreshedBankResponse>> {
    let (bank, new_keys) = mutual::refresh_trusted_bank(&state, &identity, entry_id(&id)?).await?;
    Ok(Json(RefreshedBankResponse {
        bank: TrustedBankResponse::of(&bank),
        new_keys,
    }))
}

/// A trust-list entry's id from the path.
fn entry_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::invalid("id", format!("'{id}' is not a trust-list entry id")))
}

/// Records a change of entry `id` (from the path) and answers the entry as it is now.
async fn change(
    state: &AppState,
    identity: &Identity,
    id: &str,
    change: TrustChange,
    reason: &str,
) -> AppResult<Json<TrustedBankResponse>> {
    let bank = mutual::change_trust(state, identity, entry_id(id)?, change, reason).await?;
    Ok(Json(TrustedBankResponse::of(&bank)))
}

/// Takes a bank off the trust list: credentials it issued are refused from now on
/// (`untrusted_issuer`, with the reason); outcomes brought before stay.
#[utoipa::path(post, path = "/api/v1/trusted-banks/{id}/remove", tag = "mutual-recognition",
    params(("id" = i64, Path, description = "The trust-list entry")),
    request_body = TrustChangeRequest,
    responses(
        (status = 200, body = TrustedBankResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Off the list already (`bank`)", body = ErrorBody),
        (status = 422, description = "A blank `reason`", body = ErrorBody),
    ))]
pub(super) async fn remove_trusted_bank(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TrustChangeRequest>,
) -> AppResult<Json<TrustedBankResponse>> {
    change(&state, &identity, &id, TrustChange::Remove, &request.reason).await
}

/// Puts a removed bank back on the trust list.
#[utoipa::path(post, path = "/api/v1/trusted-banks/{id}/restore", tag = "mutual-recognition",
    params(("id" = i64, Path, description = "The trust-list entry")),
    request_body = TrustChangeRequest,
    responses(
        (status = 200, body = TrustedBankResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "On the list already (`bank`)", body = ErrorBody),
        (status = 422, description = "A blank `reason`", body = ErrorBody),
    ))]
pub(super) async fn restore_trusted_bank(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TrustChangeRequest>,
) -> AppResult<Json<TrustedBankResponse>> {
    change(
        &state,
        &identity,
        &id,
        TrustChange::Restore,
        &request.reason,
    )
    .await
}

/// Stops trusting one pinned key of a bank, for good: credentials with a proof by it are
/// refused (`credential_key_distrusted`) and tree heads need another key's signature.
#[utoipa::path(post, path = "/api/v1/trusted-banks/{id}/distrust-key", tag = "mutual-recognition",
    params(("id" = i64, Path, description = "The trust-list entry")),
    request_body = DistrustKeyRequest,
    responses(
        (status = 200, body = TrustedBankResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Distrusted already (`key_id`)", body = ErrorBody),
        (status = 422, description = "A key not pinned for the bank (`key_id`) or a blank `reason`", body = ErrorBody),
    ))]
pub(super) async fn distrust_key(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DistrustKeyRequest>,
) -> AppResult<Json<TrustedBankResponse>> {
    let change = TrustChange::Distrust {
        key_id: request.key_id.trim().to_owned(),
    };
    self::change(&state, &identity, &id, change, &request.reason).await
}

async fn response(
    state: &AppState,
    result: &BroughtResult,
) -> AppResult<ExternalCredentialResponse> {
    let decisions = state.store.list_decisions(result.outcome.id).await?;
    Ok(ExternalCredentialResponse::of(
        result.brought.stored_now,
        &result.outcome,
        &decisions,
        &result.external,
        &result.bank,
    ))
}

/// Brings a credential from another city's credit bank: verified against the trust list, then
/// recorded as the learner's outcome with its provenance and recognised by this bank's rules.
#[utoipa::path(post, path = "/api/v1/me/external-credentials", tag = "mutual-recognition",
    request_body = BringCredentialRequest,
    responses(
        (status = 201, description = "Accepted and stored now", body = ExternalCredentialResponse),
        (status = 200, description = "Brought before: the outcome stored then", body = ExternalCredentialResponse),
        (status = 409, description = "Another learner brought it", body = ErrorBody),
        (status = 422, description = "Refused with a specific code: `untrusted_issuer`, `credential_altered`, `credential_expired`, `credential_revoked` …", body = ErrorBody),
    ))]
pub(super) async fn bring_credential(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(request): ApiJson<BringCredentialRequest>,
) -> AppResult<(StatusCode, Json<ExternalCredentialResponse>)> {
    let mut bundle = Map::new();
    bundle.insert("credential".into(), request.credential);
    if let Some(head) = request.tree_head {
        bundle.insert("treeHead".into(), head);
    }
    if let Some(proof) = request.inclusion_proof {
        bundle.insert("inclusionProof".into(), proof);
    }
    let (credential, bundle) = mutual::brought_of(Value::Object(bundle), "credential")?;
    let result = mutual::bring_credential(&state, &identity, credential, bundle).await?;
    let status = if result.brought.stored_now {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response(&state, &result).await?)))
}

/// The credentials the signed-in learner brought from other banks, newest first.
#[utoipa::path(get, path = "/api/v1/me/external-credentials", tag = "mutual-recognition",
    responses((status = 200, body = ExternalCredentialsResponse)))]
pub(super) async fn list_my_external_credentials(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<ExternalCredentialsResponse>> {
    let items = mutual::my_brought(&state, &identity).await?;
    let mut credentials = Vec::with_capacity(items.len());
    for (external, outcome, bank) in &items {
        let decisions = state.store.list_decisions(outcome.id).await?;
        credentials.push(ExternalCredentialResponse::of(
            false, outcome, &decisions, external, bank,
        ));
    }
    Ok(Json(ExternalCredentialsResponse { credentials }))
}
