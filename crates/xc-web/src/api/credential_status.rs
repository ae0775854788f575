//! Revocation and suspension of issued credentials (issue 4): credit-bank staff read a
//! credential's status and change it with a reason (audited, appended to the transparency log);
//! anyone reads the signed Bitstring Status List credentials the issued credentials point at.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use xc_credentials::status_list::StatusPurpose;
use xc_domain::Action;
use xc_store::{AuditEvent, CredentialStatus, StatusAction};

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;

use super::types::{CredentialStatusResponse, StatusChangeRequest, StatusChangeResponse};

/// A credential id as a path gives it: `urn:uuid:…` or the bare UUID.
pub(crate) fn credential_id(id: String) -> String {
    if id.starts_with("urn:uuid:") {
        id
    } else {
        format!("urn:uuid:{id}")
    }
}

/// A credential's status now and every change of it (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/credentials/{id}/status", tag = "credentials",
    params(("id" = String, Path, description = "The credential id (urn:uuid:… or the bare UUID)")),
    responses(
        (status = 200, body = CredentialStatusResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn get_credential_status(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<CredentialStatusResponse>> {
    identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff read and change a credential's status",
    )?;
    let credential = state
        .store
        .get_issued_credential(&credential_id(id))
        .await?;
    let changes = state
        .store
        .credential_status_changes(Some(&credential.id))
        .await?;
    Ok(Json(CredentialStatusResponse::new(credential, &changes)))
}

/// Revokes, suspends or reinstates a credential, with a reason (credit-bank staff).
#[utoipa::path(post, path = "/api/v1/credentials/{id}/status", tag = "credentials",
    params(("id" = String, Path, description = "The credential id (urn:uuid:… or the bare UUID)")),
    request_body = StatusChangeRequest,
    responses(
        (status = 201, body = StatusChangeResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A missing reason, an unknown action, or one that does not apply now (a revocation is final)", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn change_credential_status(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusChangeRequest>,
) -> AppResult<(StatusCode, Json<StatusChangeResponse>)> {
    let change = change_status(
        &state,
        &identity,
        credential_id(id),
        &body.action,
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(change)))
}

/// What the API and the staff page share: who may, the action parsed, the change recorded.
pub(crate) async fn change_status(
    state: &AppState,
    identity: &Identity,
    credential: String,
    action: &str,
    reason: &str,
) -> AppResult<StatusChangeResponse> {
    let principal = identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff read and change a credential's status",
    )?;
    let action = StatusAction::parse(action.trim()).ok_or_else(|| {
        AppError::invalid(
            "action",
            format!("'{action}' is not an action: write revoke, suspend or reinstate"),
        )
    })?;
    let audit = AuditEvent::new(
        identity.actor(),
        &format!("credential.{}", action.as_str()),
        "credential",
        &credential,
    )
    .with_detail(serde_json::json!({ "reason": reason.trim() }));
    let recorded = state
        .issuer
        .change_status(
            &*state.store,
            &credential,
            action,
            reason,
            principal.user_id,
            &audit,
        )
        .await?;
    let changes = state
        .store
        .credential_status_changes(Some(&credential))
        .await?;
    Ok(StatusChangeResponse::new(
        &recorded,
        CredentialStatus::of(&changes),
    ))
}

/// A signed `BitstringStatusListCredential` (public): `purpose` is `revocation` or
/// `suspension`; `list` the list number a credential's `statusListCredential` names.
#[utoipa::path(get, path = "/credentials/status/{purpose}/{list}", tag = "credentials",
    params(
        ("purpose" = String, Path, description = "revocation or suspension"),
        ("list" = String, Path, description = "The list number"),
    ),
    responses(
        (status = 200, description = "The signed status list credential", content_type = "application/json", body = Object),
        (status = 404, description = "No such purpose or list", body = ErrorBody),
    ))]
pub(super) async fn get_status_list(
    State(state): State<AppState>,
    Path((purpose, list)): Path<(String, String)>,
) -> AppResult<Response> {
    let purpose = StatusPurpose::parse(&purpose).map_err(|_| AppError::NotFound {
        what: "status list",
    })?;
    let list: u64 = list.parse().map_err(|_| AppError::NotFound {
        what: "status list",
    })?;
    let size = state.store.log_size().await?;
    if list > size / xc_issuer::status::LIST_LENGTH {
        return Err(AppError::NotFound {
            what: "status list",
        });
    }
    let credential = state
        .issuer
        .status_list_credential(&*state.store, purpose, list)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            // Verifiers may cache briefly; a change shows within a minute.
            (header::CACHE_CONTROL, "public, max-age=60"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        credential.to_string(),
    )
        .into_response())
}
