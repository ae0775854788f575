//! The learner code's API: `GET /api/v1/me/learner-code` (the signed-in learner's code for this
//! minute, which the phone page's script fetches each minute) and `POST
//! /api/v1/sites/{id}/check-ins` (a scanner app or page records a check-in). The operations are
//! `crate::learner_code`'s, shared with the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use xc_domain::SiteId;

use super::code_in_path;
use super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::learner_code as ops;

/// Your learner code (申学码) for this minute: a fresh signed token and its QR code. Fetch it
/// again at `refresh_at`; a code is accepted once, within a minute's grace.
#[utoipa::path(get, path = "/api/v1/me/learner-code", tag = "learner code",
    responses((status = 200, body = LearnerCodeResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn get_my_learner_code(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Response> {
    let code = ops::my_learner_code(&state, &identity).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(LearnerCodeResponse::from(code)),
    )
        .into_response())
}

/// Check a learner in at a site with their scanned learner code (staff who run the site:
/// the institution's provider staff, the district's administrators, city administrators).
/// Records the attendance once, awards its points under the city's policy and stores an xAPI
/// statement (`…/verbs/attended` the site). A refusal records nothing and says why:
/// `learner_code_expired`, `learner_code_replayed` (409), `learner_code_forged`,
/// `learner_code_wrong_purpose`, `learner_code_malformed`, `learner_code_not_yet_valid`,
/// `learner_code_unknown_learner` (422).
#[utoipa::path(post, path = "/api/v1/sites/{id}/check-ins", tag = "learner code",
    request_body = CheckInRequest,
    params(("id" = i64, Path, description = "Site id")),
    responses(
        (status = 201, body = CheckInResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "You do not run this site", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The code was already used", body = ErrorBody),
        (status = 422, description = "The code was refused (field `code`)", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn check_in_learner(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckInRequest>,
) -> AppResult<(StatusCode, Json<CheckInResponse>)> {
    let site = code_in_path(&id, SiteId::parse)?;
    let checked = ops::check_in(&state, &identity, site, &body.code).await?;
    Ok((StatusCode::CREATED, Json(CheckInResponse::from(checked))))
}
