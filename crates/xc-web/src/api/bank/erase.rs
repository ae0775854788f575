//! A learner's erasure of their own record (PIPL art. 47). The operation is
//! `crate::bank::erase`'s, shared with the page `/me/erase`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::bank::erase as ops;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Erase your own learner record (citizens; PIPL art. 47).
///
/// Send the confirmation word `注销` (or `erase`) as `confirm`; anything else is a 422 naming
/// `confirm` and nothing is erased. Your name, ID and phone numbers and finer places are erased;
/// your learning records stay under the bare learner id (the response lists what was kept and
/// why; see also docs/privacy.md). Every account of yours is disabled and its sessions end; the
/// response clears the session cookie. Download your data first: afterwards nothing personal is
/// left to download. Audited as `learner.erase`.
#[utoipa::path(post, path = "/api/v1/me/erasure", tag = "my data", request_body = ErasureRequest,
    responses(
        (status = 200, description = "Erased; the session cookie is cleared", body = ErasureResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a citizen with a learner record", body = ErrorBody),
        (status = 409, description = "Already erased", body = ErrorBody),
        (status = 422, description = "The confirmation word is wrong or missing (field confirm)", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn erase_my_data(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ErasureRequest>,
) -> AppResult<Response> {
    let erased = ops::erase_own(&state, &identity, body.confirm.as_deref()).await?;
    Ok((
        [(header::SET_COOKIE, erased.clear_session.to_string())],
        Json(ErasureResponse::from(&erased)),
    )
        .into_response())
}
