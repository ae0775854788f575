//! Sharing credentials for verification and verifying them, as JSON (issue 4; the operations
//! are `crate::sharing`, the same the pages use): a learner makes, lists and revokes shares;
//! anyone reads what a share link shows (`GET /api/v1/shares/{token}`, each read a counted
//! view; 410 once revoked or expired) and verifies a credential or SD-JWT
//! (`POST /api/v1/verify`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_domain::{ShareDuration, ShareField};
use xc_issuer::VerificationReport;
use xc_store::ShareState;

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::sharing::{self, OpenedShare, Verified, VerifyInput};

use super::types::{CreateShareRequest, ShareResponse, SharesResponse, VerifyRequest};

fn response(state: &AppState, share: xc_store::ShareRecord) -> ShareResponse {
    let url = sharing::share_url(state, &share.token);
    ShareResponse::of(share, url, OffsetDateTime::now_utc())
}

/// Shares some of the signed-in learner's credentials, showing only the chosen fields.
#[utoipa::path(post, path = "/api/v1/me/shares", tag = "sharing", request_body = CreateShareRequest,
    responses(
        (status = 201, body = ShareResponse),
        (status = 422, description = "The field at fault is named", body = ErrorBody),
    ))]
pub(super) async fn create_share(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(request): ApiJson<CreateShareRequest>,
) -> AppResult<(StatusCode, Json<ShareResponse>)> {
    let fields = ShareField::parse_set(request.fields.iter().map(String::as_str))?;
    let duration = ShareDuration::parse(&request.days.to_string())?;
    let share =
        sharing::create_share(&state, &identity, &request.credentials, fields, duration).await?;
    Ok((StatusCode::CREATED, Json(response(&state, share))))
}

/// The signed-in learner's shares with their view counts, newest first.
#[utoipa::path(get, path = "/api/v1/me/shares", tag = "sharing",
    responses((status = 200, body = SharesResponse)))]
pub(super) async fn list_my_shares(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<SharesResponse>> {
    let shares = sharing::my_shares(&state, &identity).await?;
    Ok(Json(SharesResponse {
        shares: shares
            .into_iter()
            .map(|share| response(&state, share))
            .collect(),
    }))
}

/// Revokes one of the signed-in learner's shares at once.
#[utoipa::path(post, path = "/api/v1/me/shares/{id}/revoke", tag = "sharing",
    params(("id" = i64, Path, description = "The share id")),
    responses(
        (status = 200, body = ShareResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Revoked already", body = ErrorBody),
    ))]
pub(super) async fn revoke_share(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<ShareResponse>> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::invalid("id", format!("'{id}' is not a share id")))?;
    let share = sharing::revoke_share(&state, &identity, id).await?;
    Ok(Json(response(&state, share)))
}

/// A verification report as the API answers it. For a share (`whole` false), without the
/// credential's id (with it, anyone could fetch the whole credential) and without its dates
/// (the learner may not have chosen to show them): the verdicts only.
fn report_json(report: &VerificationReport, whole: bool) -> Value {
    let mut value = report.to_json();
    if !whole && let Some(object) = value.as_object_mut() {
        object.remove("credential");
        if let Some(validity) = object.get_mut("validity").and_then(Value::as_object_mut) {
            validity.remove("validFrom");
            validity.remove("validUntil");
        }
    }
    value
}

fn disclosed_json(disclosed: &[(&'static str, String)]) -> Value {
    Value::Object(
        disclosed
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect(),
    )
}

/// What a share link shows, verified now; each read is a counted view. 410 when the learner
/// revoked it or it expired.
#[utoipa::path(get, path = "/api/v1/shares/{token}", tag = "sharing",
    params(("token" = String, Path, description = "The token of the share link")),
    responses(
        (status = 200, description = "The issuer, and per credential the disclosed claims (or why the presentation is refused) and the checks of the credential", body = Object),
        (status = 404, body = ErrorBody),
        (status = 410, description = "Revoked or expired", body = ErrorBody),
    ))]
pub(super) async fn get_share(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<Value>> {
    match sharing::open_share(&state, &token).await? {
        OpenedShare::Closed(ShareState::Revoked) => Err(AppError::Gone(
            "this share was revoked by its holder".into(),
        )),
        OpenedShare::Closed(_) => Err(AppError::Gone("this share has expired".into())),
        OpenedShare::Open {
            issuer_name,
            issuer_did,
            expires_at,
            credentials,
        } => Ok(Json(json!({
            "issuer": {"id": issuer_did, "name": issuer_name},
            "expiresAt": super::types::rfc3339(expires_at),
            "credentials": credentials.iter().map(|credential| {
                let mut item = report_json(&credential.report, false);
                item["sdJwt"] = json!(credential.presentation);
                match &credential.disclosed {
                    Ok(disclosed) => {
                        item["presentation"] = json!({"ok": true});
                        item["disclosed"] = disclosed_json(disclosed);
                    }
                    Err(error) => {
                        item["presentation"] = json!({"ok": false, "reason": error.to_string()});
                        item["valid"] = json!(false);
                    }
                }
                item
            }).collect::<Vec<_>>(),
        }))),
    }
}

/// Verifies a credential (or proof bundle) or an SD-JWT VC presentation: every check with its
/// own verdict and, when it fails, the specific reason.
#[utoipa::path(post, path = "/api/v1/verify", tag = "sharing", request_body = VerifyRequest,
    responses(
        (status = 200, description = "`valid` and each check; for an SD-JWT, the disclosed claims or the reason it is refused", body = Object),
        (status = 422, description = "Nothing to verify, or not a credential; the field is named", body = ErrorBody),
    ))]
pub(super) async fn verify(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> AppResult<Json<Value>> {
    let input = match (request.credential, request.sd_jwt, request.text) {
        (Some(credential), None, None) => {
            VerifyInput::Credential(sharing::credential_of(credential, "credential")?)
        }
        (None, Some(text), None) => match sharing::parse_input(&text, "sd_jwt")? {
            VerifyInput::SdJwt(text) => VerifyInput::SdJwt(text),
            _ => {
                return Err(AppError::invalid(
                    "sd_jwt",
                    "not an SD-JWT: a compact SD-JWT is <JWT>~<disclosure>~…~",
                ));
            }
        },
        (None, None, Some(text)) => sharing::parse_input(&text, "text")?,
        _ => {
            return Err(AppError::invalid(
                "credential",
                "send exactly one of credential, sd_jwt or text",
            ));
        }
    };
    Ok(Json(verified_json(
        sharing::verify_input(&state, input).await?,
    )))
}

fn verified_json(verified: Verified) -> Value {
    match verified {
        Verified::Credential(report) => {
            let mut value = report_json(&report, true);
            value["kind"] = json!("credential");
            value
        }
        Verified::Presentation { issuer, result } => match result {
            Ok(disclosed) => json!({
                "kind": "sd_jwt", "valid": true, "issuer": issuer,
                "disclosed": disclosed_json(&disclosed),
            }),
            Err(error) => json!({"kind": "sd_jwt", "valid": false, "reason": error.to_string()}),
        },
    }
}
