//! Points, incentives and the learner's download of their own data. The operations are
//! `crate::bank::points`', shared with the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use xc_domain::credit::IncentiveId;

use super::super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::bank::points::{self as ops, ExportFormat};
use crate::bank::today;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Your points (学习积分): the balance and every ledger row, oldest first.
#[utoipa::path(get, path = "/api/v1/me/points", tag = "points",
    responses((status = 200, body = PointsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn get_my_points(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<PointsResponse>> {
    let account = ops::my_points(&state, &identity).await?;
    Ok(Json(PointsResponse::from(&account)))
}

/// The incentives the city offers for points, by id (anyone signed in).
#[utoipa::path(get, path = "/api/v1/incentives", tag = "points",
    responses((status = 200, body = Vec<IncentiveResponse>), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(in crate::api) async fn list_incentives(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<Vec<IncentiveResponse>>> {
    let today = today();
    Ok(Json(
        ops::incentives(&state, &identity)
            .await?
            .iter()
            .map(|incentive| IncentiveResponse::of(incentive, today))
            .collect(),
    ))
}

/// Define an incentive (city admins and credit-bank staff).
#[utoipa::path(post, path = "/api/v1/incentives", tag = "points", request_body = IncentiveRequest,
    responses(
        (status = 201, body = IncentiveResponse),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The code is in use", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn create_incentive(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<IncentiveRequest>,
) -> AppResult<(StatusCode, Json<IncentiveResponse>)> {
    let id = ops::create_incentive(&state, &identity, &body.into_text()).await?;
    let incentive = ops::incentive(&state, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(IncentiveResponse::of(&incentive, today())),
    ))
}

/// End an incentive's offer on a last day (city admins and credit-bank staff); redemptions
/// already made stay.
///
/// 422 (`available_until`) for a day that is not a date, in the past (before yesterday), before
/// the incentive's first day, or after a last day it already has (which would extend it).
#[utoipa::path(post, path = "/api/v1/incentives/{id}/end", tag = "points",
    request_body = EndIncentiveRequest,
    params(("id" = i64, Path, description = "Incentive id")),
    responses(
        (status = 200, body = IncentiveResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn end_incentive(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EndIncentiveRequest>,
) -> AppResult<Json<IncentiveResponse>> {
    let id = IncentiveId::parse(&id).map_err(|_| AppError::NotFound { what: "incentive" })?;
    let incentive =
        ops::end_incentive(&state, &identity, id, body.available_until.as_deref()).await?;
    Ok(Json(IncentiveResponse::of(&incentive, today())))
}

/// Redeem your points for an incentive today (learners).
///
/// 422 (`incentive`) with the reason when it is not offered today or your balance does not
/// cover its cost (checked again as the spending is written, so two redemptions at once cannot
/// overdraw); 404 for an unknown code.
#[utoipa::path(post, path = "/api/v1/me/incentives/{code}/redeem", tag = "points",
    params(("code" = String, Path, description = "Incentive code, e.g. enrolment_priority")),
    responses(
        (status = 200, body = RedeemResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn redeem_incentive(
    State(state): State<AppState>,
    identity: Identity,
    Path(code): Path<String>,
) -> AppResult<Json<RedeemResponse>> {
    let (incentive, balance) = ops::redeem(&state, &identity, &code).await?;
    Ok(Json(RedeemResponse {
        incentive: incentive.code.to_string(),
        spent: incentive.cost.get(),
        balance,
    }))
}

/// Report learning events that earn points (provider staff, for their own institution; a city
/// admin names `provider_id`).
///
/// Attendance, check-ins, course completions and volunteering hours, each with the provider's
/// own reference (unique per provider), the learner (ID number or learner id), the activity,
/// when it happened and, for volunteering, the hours. Each is awarded under the city's points
/// policy, caps counted against the learner's ledger and the earlier items of the list; the
/// answer says per item `awarded`, `capped` or `already_recorded`. Any invalid item makes the
/// whole list a 422 with `problems` (by item index, `row`, and field): nothing is written.
#[utoipa::path(post, path = "/api/v1/points/events", tag = "points", request_body = PointsEventsRequest,
    responses(
        (status = 200, body = PointsEventsResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(in crate::api) async fn record_points_events(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<PointsEventsRequest>,
) -> AppResult<Json<PointsEventsResponse>> {
    let (provider, inputs) = body.into_inputs();
    let provider = provider.map(|id| id.to_string());
    let results = ops::record_events(&state, &identity, provider.as_deref(), &inputs).await?;
    Ok(Json(PointsEventsResponse {
        items: results.iter().map(PointsEventResponse::from).collect(),
    }))
}

/// The points policy in force (points per activity, daily and yearly caps) and every published
/// version with who published it and when (anyone signed in).
#[utoipa::path(get, path = "/api/v1/points/policy", tag = "points",
    responses((status = 200, body = PointsPolicyResponse), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(in crate::api) async fn get_points_policy(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<PointsPolicyResponse>> {
    let (history, standards) = ops::points_policy(&state, &identity).await?;
    Ok(Json(PointsPolicyResponse::of(&history, &standards)))
}

/// Publish a new version of the points policy (credit-bank staff and city admins).
///
/// The whole policy: one rule per activity that earns points. It applies to events from now
/// on; points already awarded are never recomputed. 422 names the field at fault, e.g.
/// `attendance.daily_cap` (a cap below one event's points) or `check_in.yearly_cap` (below the
/// daily cap).
#[utoipa::path(post, path = "/api/v1/points/policy", tag = "points", request_body = PointsPolicyRequest,
    responses(
        (status = 201, body = PointsPolicyResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn publish_points_policy(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<PointsPolicyRequest>,
) -> AppResult<(StatusCode, Json<PointsPolicyResponse>)> {
    ops::publish_points_policy(&state, &identity, &body.into_inputs()).await?;
    let (history, standards) = ops::points_policy(&state, &identity).await?;
    Ok((
        StatusCode::CREATED,
        Json(PointsPolicyResponse::of(&history, &standards)),
    ))
}

/// A download: the body with its type, as an attachment, never cached.
pub(crate) fn attachment(content_type: &str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The file name of a learner's download.
pub(crate) fn export_file_name(learner: xc_domain::LearnerId, format: ExportFormat) -> String {
    format!("xuecheng-learner-{learner}-{}.{}", today(), format.as_str())
}

/// All your data as JSON (PIPL art. 45): account details (your ID and phone numbers in full:
/// they are yours), consents, outcomes with their decisions, conversion applications and the
/// points ledger. Only ever your own; each download is audited (`learner.export`).
#[utoipa::path(get, path = "/api/v1/me/export.json", tag = "my data",
    responses(
        (status = 200, description = "An attachment", content_type = "application/json", body = Object),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn export_my_data_json(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Response> {
    let download = ops::export_own(&state, &identity, ExportFormat::Json).await?;
    Ok(attachment(
        "application/json; charset=utf-8",
        &export_file_name(download.learner, ExportFormat::Json),
        download.body,
    ))
}

/// All your data as an Excel workbook (XLSX): one sheet a kind of record, Chinese headers. Only
/// ever your own; each download is audited (`learner.export`).
#[utoipa::path(get, path = "/api/v1/me/export.xlsx", tag = "my data",
    responses(
        (status = 200, description = "An attachment",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn export_my_data_xlsx(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Response> {
    let download = ops::export_own(&state, &identity, ExportFormat::Xlsx).await?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &export_file_name(download.learner, ExportFormat::Xlsx),
        download.body,
    ))
}
