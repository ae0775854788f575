//! The register of accredited providers for credit-bank staff. The operations are
//! `crate::bank::accreditation`'s, shared with the pages.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::bank::accreditation as ops;
use crate::bank::today;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Every accreditation decision, in the order made, each with where its provider stands today
/// (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/accreditations", tag = "specifications",
    responses((status = 200, body = Vec<AccreditationResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn list_accreditations(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<Vec<AccreditationResponse>>> {
    let (records, standards) = ops::accreditations(&state, &identity).await?;
    let today = today();
    Ok(Json(
        records
            .iter()
            .map(|record| {
                AccreditationResponse::of(
                    record,
                    standards.accreditation(record.decision.provider, today),
                )
            })
            .collect(),
    ))
}

/// Accredit an institution or withdraw its accreditation (credit-bank staff).
///
/// In force at once. Earlier days keep their answer: an outcome achieved while the provider was
/// accredited stays an accredited provider's outcome. 422 with the field (`provider_id`,
/// `decision`, `from`, `until`, `reason`) for bad input, nothing recorded.
#[utoipa::path(post, path = "/api/v1/accreditations", tag = "specifications", request_body = AccreditationRequest,
    responses(
        (status = 201, body = AccreditationResponse),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn record_accreditation(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<AccreditationRequest>,
) -> AppResult<(StatusCode, Json<AccreditationResponse>)> {
    let id = ops::record(&state, &identity, &body.into_text()).await?;
    let (records, standards) = ops::accreditations(&state, &identity).await?;
    let record = records
        .iter()
        .find(|record| record.id == id)
        .ok_or(AppError::NotFound {
            what: "accreditation",
        })?;
    let status = standards.accreditation(record.decision.provider, today());
    Ok((
        StatusCode::CREATED,
        Json(AccreditationResponse::of(record, status)),
    ))
}
