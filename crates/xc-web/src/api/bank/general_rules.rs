//! The general rules (non-formal hours rules, the grade mapping) for credit-bank staff. The
//! operations are `crate::bank::general_rules`', shared with the pages.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::bank::general_rules as ops;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

async fn answer(state: &AppState, identity: &Identity) -> AppResult<Json<GeneralRulesResponse>> {
    let rules = ops::general_rules(state, identity).await?;
    Ok(Json(GeneralRulesResponse::from(&rules)))
}

/// The general rules in force (non-formal hours → credits per kind, vocational grade →
/// framework level) and every published version with who published it, when, and what changed
/// (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/general-rules", tag = "specifications",
    responses((status = 200, body = GeneralRulesResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn get_general_rules(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<GeneralRulesResponse>> {
    answer(&state, &identity).await
}

/// Publish a new version of the non-formal hours rules (credit-bank staff).
///
/// Each listed kind whose rule changes gets its next version; earlier versions and the decisions
/// and specifications made under them never change. Recognition uses the new rules at once.
/// 422 with `problems` (row, field, reason) for bad rows, nothing stored; 422 `rules` when
/// nothing changes.
#[utoipa::path(post, path = "/api/v1/general-rules/nonformal", tag = "specifications", request_body = NonFormalRulesRequest,
    responses(
        (status = 201, body = GeneralRulesResponse),
        (status = 403, body = ErrorBody),
        (status = 422, description = "A row is wrong, or nothing changed", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn publish_nonformal_rules(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<NonFormalRulesRequest>,
) -> AppResult<(StatusCode, Json<GeneralRulesResponse>)> {
    ops::publish_nonformal_rules(&state, &identity, &body.into_rows()).await?;
    Ok((StatusCode::CREATED, answer(&state, &identity).await?))
}

/// Publish a new version of the vocational grade mapping (credit-bank staff).
///
/// Every grade exactly once, a higher grade never below a lower one. Specifications published
/// earlier keep the level they were published with. 422 with `problems` for bad rows (row 0:
/// a grade missing), nothing stored; 422 `rules` when nothing changes.
#[utoipa::path(post, path = "/api/v1/general-rules/grade-mapping", tag = "specifications", request_body = GradeMappingRequest,
    responses(
        (status = 201, body = GeneralRulesResponse),
        (status = 403, body = ErrorBody),
        (status = 422, description = "A row is wrong, a grade missing, or nothing changed", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn publish_grade_mapping(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<GradeMappingRequest>,
) -> AppResult<(StatusCode, Json<GeneralRulesResponse>)> {
    ops::publish_grade_mapping(&state, &identity, &body.into_rows()).await?;
    Ok((StatusCode::CREATED, answer(&state, &identity).await?))
}
