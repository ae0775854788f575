//! The issuer's public face (issue 4), for anyone, without signing in: the DID document and
//! JWKS of the issuer's keys, the transparency log's signed tree heads, inclusion and
//! consistency proofs and entries, and a credential by its id.
//!
//! Proofs are served only up to the latest signed tree head (a verifier checks a proof against
//! a head it holds the signatures of). A credential is served to whoever names its id: ids are
//! random (122 bits) and never listed publicly, and a credential names its holder only by a
//! salted hash, so the id works like a capability the holder hands to a verifier. Listing a
//! learner's credentials stays with the learner and staff.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use xc_store::{log_consistency_proof, log_inclusion_proof};

use crate::AppState;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiQuery;

use super::types::{
    ConsistencyProofResponse, ConsistencyQuery, EntriesQuery, InclusionProofResponse,
    InclusionQuery, LogEntriesResponse, LogEntryResponse, TreeHeadResponse,
};

/// The most entries one page of the log holds.
pub(super) const MAX_ENTRIES: u32 = 1000;

fn public_json(value: serde_json::Value, max_age: u32) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        value.to_string(),
    )
        .into_response()
}

/// The issuer's DID document (did:web): every key, current and rotated out, as a Multikey.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "credentials",
    responses((status = 200, description = "The DID document", content_type = "application/json", body = Object)))]
pub(super) async fn get_did_document(State(state): State<AppState>) -> Response {
    public_json(state.issuer.keys().did_document(), 300)
}

/// The issuer's keys as a JWKS: Ed25519 as OKP, SM2 as EC with `crv` `SM2`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "credentials",
    responses((status = 200, description = "The JWKS", content_type = "application/json", body = Object)))]
pub(super) async fn get_jwks(State(state): State<AppState>) -> Response {
    public_json(state.issuer.keys().jwks(), 300)
}

async fn latest_signed_size(state: &AppState) -> AppResult<u64> {
    Ok(state
        .store
        .latest_tree_head()
        .await?
        .map_or(0, |head| head.head.size))
}

/// The latest signed tree head.
#[utoipa::path(get, path = "/log/tree-head", tag = "credentials",
    responses(
        (status = 200, body = TreeHeadResponse),
        (status = 404, description = "No head has been signed yet", body = ErrorBody),
    ))]
pub(super) async fn get_latest_tree_head(
    State(state): State<AppState>,
) -> AppResult<Json<TreeHeadResponse>> {
    let head = state
        .store
        .latest_tree_head()
        .await?
        .ok_or(AppError::NotFound { what: "tree head" })?;
    Ok(Json(head.into()))
}

/// The tree head signed for exactly `size` entries.
#[utoipa::path(get, path = "/log/tree-heads/{size}", tag = "credentials",
    params(("size" = String, Path, description = "A tree size")),
    responses(
        (status = 200, body = TreeHeadResponse),
        (status = 404, description = "No head was signed for this size", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(super) async fn get_tree_head(
    State(state): State<AppState>,
    Path(size): Path<String>,
) -> AppResult<Json<TreeHeadResponse>> {
    let size: u64 = size.parse().map_err(|_| {
        AppError::invalid(
            "size",
            format!("'{size}' is not a tree size: write a whole number"),
        )
    })?;
    Ok(Json(state.store.tree_head_of_size(size).await?.into()))
}

/// The inclusion proof of one entry (by position, or the issuance entry of a credential) in
/// the tree of a signed head.
#[utoipa::path(get, path = "/log/proof/inclusion", tag = "credentials",
    params(InclusionQuery),
    responses(
        (status = 200, body = InclusionProofResponse),
        (status = 404, description = "No such credential", body = ErrorBody),
        (status = 422, description = "The parameter at fault is named", body = ErrorBody),
    ))]
pub(super) async fn get_inclusion_proof(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> AppResult<Json<InclusionProofResponse>> {
    let signed = latest_signed_size(&state).await?;
    if query.tree_size == 0 || query.tree_size > signed {
        return Err(AppError::invalid(
            "tree_size",
            format!("tree_size must be 1 to {signed}, the size of the latest signed tree head"),
        ));
    }
    let leaf_index = match (query.leaf_index, query.credential.as_deref()) {
        (Some(index), None) => index,
        (None, Some(credential)) => {
            state
                .store
                .get_issued_credential(credential)
                .await?
                .log_index
        }
        _ => {
            return Err(AppError::invalid(
                "leaf_index",
                "give either leaf_index or credential (one of them)",
            ));
        }
    };
    if leaf_index >= query.tree_size {
        return Err(AppError::invalid(
            "leaf_index",
            format!(
                "entry {leaf_index} is not in the tree of {} entries",
                query.tree_size
            ),
        ));
    }
    let proof = log_inclusion_proof(&*state.store, leaf_index, query.tree_size).await?;
    let entry = state
        .store
        .log_entries(leaf_index, 1)
        .await?
        .pop()
        .ok_or(AppError::NotFound { what: "log entry" })?;
    Ok(Json(InclusionProofResponse {
        leaf_index,
        tree_size: query.tree_size,
        leaf_hash: xc_merkle::hash_leaf(&entry.entry).to_hex(),
        inclusion_path: proof.path.iter().map(|hash| hash.to_hex()).collect(),
    }))
}

/// The consistency proof between two tree sizes, the larger at most the latest signed head's.
#[utoipa::path(get, path = "/log/proof/consistency", tag = "credentials",
    params(ConsistencyQuery),
    responses(
        (status = 200, body = ConsistencyProofResponse),
        (status = 422, description = "The parameter at fault is named", body = ErrorBody),
    ))]
pub(super) async fn get_consistency_proof(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> AppResult<Json<ConsistencyProofResponse>> {
    let signed = latest_signed_size(&state).await?;
    if query.second == 0 || query.second > signed {
        return Err(AppError::invalid(
            "second",
            format!("second must be 1 to {signed}, the size of the latest signed tree head"),
        ));
    }
    if query.first == 0 || query.first > query.second {
        return Err(AppError::invalid(
            "first",
            format!("first must be 1 to second ({})", query.second),
        ));
    }
    let proof = log_consistency_proof(&*state.store, query.first, query.second).await?;
    Ok(Json(ConsistencyProofResponse {
        first: query.first,
        second: query.second,
        consistency_path: proof.path.iter().map(|hash| hash.to_hex()).collect(),
    }))
}

/// Entries of the log in order, from a position.
#[utoipa::path(get, path = "/log/entries", tag = "credentials",
    params(EntriesQuery),
    responses(
        (status = 200, body = LogEntriesResponse),
        (status = 422, description = "The parameter at fault is named", body = ErrorBody),
    ))]
pub(super) async fn list_log_entries(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> AppResult<Json<LogEntriesResponse>> {
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_ENTRIES {
        return Err(AppError::invalid(
            "limit",
            format!("limit must be 1 to {MAX_ENTRIES}"),
        ));
    }
    let from = query.from.unwrap_or(0);
    let log_size = state.store.log_size().await?;
    if from > log_size {
        return Err(AppError::invalid(
            "from",
            format!("the log holds {log_size} entries: from must be 0 to {log_size}"),
        ));
    }
    let entries = state.store.log_entries(from, limit).await?;
    Ok(Json(LogEntriesResponse {
        log_size,
        entries: entries.into_iter().map(LogEntryResponse::from).collect(),
    }))
}

/// A credential as issued (byte for byte), by its id: `urn:uuid:…` or the bare UUID.
#[utoipa::path(get, path = "/credentials/{id}", tag = "credentials",
    params(("id" = String, Path, description = "The credential id")),
    responses(
        (status = 200, description = "The signed credential", content_type = "application/json", body = Object),
        (status = 404, body = ErrorBody),
    ))]
pub(super) async fn get_credential(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let credential = state
        .store
        .get_issued_credential(&super::credential_status::credential_id(id))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (
                axum::http::HeaderName::from_static("x-robots-tag"),
                "noindex",
            ),
        ],
        credential.document,
    )
        .into_response())
}
