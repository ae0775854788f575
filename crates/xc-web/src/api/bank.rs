//! The credit bank's endpoints: provider staff submit outcomes (one, a JSON list, or a CSV/XLSX
//! upload), credit-bank staff work the review queue and publish specifications, learners and
//! scoped staff read archives. The operations are `crate::bank`'s, shared with the pages.
//! Conversion's endpoints are in [`conversion`]; points', incentives' and the data download's in
//! [`points`]; a learner's erasure of their own record in [`erase`].

pub(super) mod accreditation;
pub(super) mod conversion;
pub(super) mod erase;
pub(super) mod general_rules;
pub(super) mod points;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use xc_domain::LearnerId;
use xc_domain::credit::{OutcomeId, OutcomeKind, SpecificationId};
use xc_store::{ReviewFilter, SpecificationTarget};

use super::types::*;
use super::{code_in_path, page_of};
use crate::auth::Identity;
use crate::bank;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::{AppState, OUTCOME_LIST_LIMIT_BYTES};
use xc_bank::learning_records::{decode_position, learner_activity};

/// Activity items an archive answer holds when `activity_limit` is left out.
const ACTIVITY_PAGE: u32 = 20;

/// Submit one learning outcome to the credit bank.
///
/// Provider staff submit for their own institution; a city admin names `provider_id`. The
/// outcome is recognised at once when exactly one specification matches it, and queued for
/// review otherwise (the answer then lists the closest specifications and what the general
/// hours rule would give). Submitting an `external_id` again stores nothing: 200 with
/// `already_stored`.
#[utoipa::path(post, path = "/api/v1/outcomes", tag = "outcomes", request_body = OutcomeRequest,
    responses(
        (status = 201, description = "Stored", body = SubmissionResponse),
        (status = 200, description = "Already stored before: nothing stored now", body = SubmissionResponse),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Every problem by field, in `problems`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn submit_outcome(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<OutcomeRequest>,
) -> AppResult<(StatusCode, Json<SubmissionResponse>)> {
    bank::submitter(&identity)?;
    let (input, provider) = body.into_input(1);
    let provider = provider.map(|id| id.to_string());
    let result = bank::submit_outcome(&state, &identity, provider.as_deref(), &input).await?;
    let status = if result.already_stored {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(SubmissionResponse::of(&result, &state.standards())),
    ))
}

fn batch_status(response: &BatchResponse) -> StatusCode {
    if response.batch_id.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Submit a list of outcomes (at most 10,000, 4 MB).
///
/// Checked like an uploaded file: every item, then the valid ones stored in one transaction
/// (all of them or, with `all_or_nothing` — the default — none unless every item is valid).
/// 201 when a batch was stored, 200 with the report when nothing was.
#[utoipa::path(post, path = "/api/v1/outcome-batches", tag = "outcomes", request_body = OutcomeBatchRequest,
    responses(
        (status = 201, description = "A batch was stored", body = BatchResponse),
        (status = 200, description = "Nothing stored: the report says why", body = BatchResponse),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn submit_outcome_batch(
    State(state): State<AppState>,
    identity: Identity,
    body: Result<ApiJson<OutcomeBatchRequest>, AppError>,
) -> AppResult<(StatusCode, Json<BatchResponse>)> {
    bank::submitter(&identity)?;
    let ApiJson(body) = body.map_err(|error| match error {
        AppError::PayloadTooLarge { .. } => AppError::PayloadTooLarge {
            limit: OUTCOME_LIST_LIMIT_BYTES,
        },
        other => other,
    })?;
    let all_or_nothing = body.all_or_nothing.unwrap_or(true);
    let mut items = Vec::with_capacity(body.items.len());
    for (index, item) in body.items.into_iter().enumerate() {
        let (input, provider) = item.into_input(index as u64 + 1);
        if provider.is_some() {
            return Err(AppError::invalid(
                format!("items[{index}].provider_id"),
                "give provider_id once, for the whole batch",
            ));
        }
        items.push(input);
    }
    let provider = body.provider_id.map(|id| id.to_string());
    let result = bank::import_list(
        &state,
        &identity,
        provider.as_deref(),
        &items,
        all_or_nothing,
    )
    .await?;
    let response = BatchResponse::of(&result, all_or_nothing);
    Ok((batch_status(&response), Json(response)))
}

/// Upload a CSV or XLSX file of outcomes (at most 100 MB).
///
/// `multipart/form-data` with the file in the field `file`, and optionally `all_or_nothing`
/// (default true) and, for city admins, `provider_id`. The header row may use the Chinese names
/// of the template (`/provider/outcomes/template.csv`). A file that cannot be read (a missing
/// column, an unknown encoding) is a 422 listing every problem, and nothing is stored; problems
/// with rows are in the report. Uploading the same file again stores nothing twice.
#[utoipa::path(post, path = "/api/v1/outcome-batches/upload", tag = "outcomes",
    request_body(content = OutcomeUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "A batch was stored", body = BatchResponse),
        (status = 200, description = "Nothing stored: the report says why", body = BatchResponse),
        (status = 403, body = ErrorBody),
        (status = 413, description = "The file is over 100 MB", body = ErrorBody),
        (status = 422, description = "The file cannot be read; `problems` lists why", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn upload_outcome_batch(
    State(state): State<AppState>,
    identity: Identity,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<BatchResponse>)> {
    bank::submitter(&identity)?;
    let multipart = multipart.map_err(|rejection| {
        AppError::BadRequest(format!(
            "send the file as multipart/form-data in a field named file ({})",
            rejection.body_text()
        ))
    })?;
    let upload = bank::receive_upload(&state, &identity, multipart, false).await?;
    let all_or_nothing = upload.all_or_nothing;
    let result = bank::import_upload(&state, &identity, upload).await?;
    let response = BatchResponse::of(&result, all_or_nothing);
    Ok((batch_status(&response), Json(response)))
}

/// One outcome with its decisions.
///
/// For the provider that submitted it, credit-bank staff, the learner, and staff whose scope
/// holds the learner (404 for anyone else). Staff reads are audited.
#[utoipa::path(get, path = "/api/v1/outcomes/{id}", tag = "outcomes",
    params(("id" = i64, Path, description = "Outcome id")),
    responses((status = 200, body = OutcomeResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn get_outcome(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<OutcomeResponse>> {
    let id = code_in_path(&id, OutcomeId::parse)?;
    let (outcome, decisions) = bank::read_outcome(&state, &identity, id).await?;
    Ok(Json(OutcomeResponse::of(&outcome, &decisions)))
}

/// Outcomes waiting for review, oldest first (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/review-queue", tag = "review", params(ReviewQueueQuery),
    responses((status = 200, body = ReviewQueuePage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn list_review_queue(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ReviewQueueQuery>,
) -> AppResult<Json<ReviewQueuePage>> {
    let filter = ReviewFilter {
        provider: query
            .provider
            .as_deref()
            .map(|text| {
                xc_domain::InstitutionId::parse(text)
                    .map_err(|invalid| AppError::invalid("provider", invalid.reason))
            })
            .transpose()?,
        kind: query
            .kind
            .as_deref()
            .map(OutcomeKind::parse_written)
            .transpose()?,
    };
    let page = page_of(query.offset, query.limit)?;
    let queue = bank::review_queue(&state, &identity, &filter, page).await?;
    Ok(Json(ReviewQueuePage {
        items: queue
            .items
            .iter()
            .map(|outcome| OutcomeResponse::of(outcome, &[]))
            .collect(),
        total: queue.total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// The review case of one outcome: evidence, closest specifications with what differs, the
/// general-rule suggestion and the learner's other outcomes (credit-bank staff; audited).
#[utoipa::path(get, path = "/api/v1/review-queue/{id}", tag = "review",
    params(("id" = i64, Path, description = "Outcome id")),
    responses((status = 200, body = ReviewCaseResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn get_review_case(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<ReviewCaseResponse>> {
    let id = code_in_path(&id, OutcomeId::parse)?;
    let (case, learner) = bank::review_case(&state, &identity, id).await?;
    Ok(Json(ReviewCaseResponse::of(
        &case,
        learner,
        &state.standards(),
    )))
}

/// Accept or reject an outcome in review (credit-bank staff).
///
/// 409 when it was decided meanwhile. The decision, the outcome's new status and the audit
/// entry are written together.
#[utoipa::path(post, path = "/api/v1/outcomes/{id}/decision", tag = "review", request_body = DecisionRequest,
    params(("id" = i64, Path, description = "Outcome id")),
    responses(
        (status = 200, description = "Decided: the outcome with its decisions", body = OutcomeResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided meanwhile", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(super) async fn decide_outcome(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> AppResult<Json<OutcomeResponse>> {
    identity.require_to(
        xc_domain::Action::ReviewOutcomes,
        "only credit-bank staff decide on outcomes",
    )?;
    let id = code_in_path(&id, OutcomeId::parse)?;
    let decision = body.into_text().parse()?;
    bank::decide(&state, &identity, id, decision).await?;
    let outcome = state.store.get_outcome(id).await?;
    let decisions = state.store.list_decisions(id).await?;
    Ok(Json(OutcomeResponse::of(&outcome, &decisions)))
}

/// The current version of every outcome specification (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/specifications", tag = "specifications",
    responses((status = 200, body = Vec<SpecificationVersionResponse>), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn list_specifications(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<Vec<SpecificationVersionResponse>>> {
    identity.require_to(
        xc_domain::Action::ManageStandards,
        "only credit-bank staff manage specifications",
    )?;
    let versions = state.store.list_specification_versions().await?;
    Ok(Json(
        bank::current_versions(&versions)
            .map(SpecificationVersionResponse::from)
            .collect(),
    ))
}

/// Publish a new outcome specification (version 1) of an institution (credit-bank staff).
///
/// The standards in force are reloaded at once: later submissions are recognised against it.
#[utoipa::path(post, path = "/api/v1/specifications", tag = "specifications", request_body = NewSpecificationRequest,
    responses(
        (status = 201, body = SpecificationVersionResponse),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The provider already uses the code", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(super) async fn create_specification(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<NewSpecificationRequest>,
) -> AppResult<(StatusCode, Json<SpecificationVersionResponse>)> {
    let (provider, code, content) = body.into_parts();
    let provider = xc_domain::InstitutionId::parse(&provider.to_string())
        .map_err(|invalid| AppError::invalid("provider_id", invalid.reason))?;
    let target = SpecificationTarget::New {
        provider,
        code: code.trim().to_owned(),
    };
    published(&state, &identity, target, &content).await
}

async fn published(
    state: &AppState,
    identity: &Identity,
    target: SpecificationTarget,
    content: &bank::SpecificationText,
) -> AppResult<(StatusCode, Json<SpecificationVersionResponse>)> {
    let (id, version) = bank::publish(state, identity, target, content).await?;
    let history = state.store.specification_history(id).await?;
    let stored = history
        .iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound {
            what: "specification version",
        })?;
    Ok((
        StatusCode::CREATED,
        Json(SpecificationVersionResponse::from(stored)),
    ))
}

/// One specification with every version, oldest first (credit-bank staff).
#[utoipa::path(get, path = "/api/v1/specifications/{id}", tag = "specifications",
    params(("id" = i64, Path, description = "Specification id")),
    responses((status = 200, body = SpecificationHistoryResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn get_specification(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<SpecificationHistoryResponse>> {
    identity.require_to(
        xc_domain::Action::ManageStandards,
        "only credit-bank staff manage specifications",
    )?;
    let id = code_in_path(&id, SpecificationId::parse)?;
    let history = state.store.specification_history(id).await?;
    let first = history.first().ok_or(AppError::NotFound {
        what: "specification",
    })?;
    Ok(Json(SpecificationHistoryResponse {
        id: first.id.get(),
        provider_id: first.provider.get(),
        code: first.code.clone(),
        versions: history
            .iter()
            .map(SpecificationVersionResponse::from)
            .collect(),
    }))
}

/// Publish the next version of a specification (credit-bank staff).
///
/// The body is the whole new content. Outcomes recognised under earlier versions keep what they
/// were granted; later submissions are recognised against the new version.
#[utoipa::path(post, path = "/api/v1/specifications/{id}/versions", tag = "specifications", request_body = SpecificationContentRequest,
    params(("id" = i64, Path, description = "Specification id")),
    responses(
        (status = 201, body = SpecificationVersionResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A field is wrong, or nothing changed", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(super) async fn publish_specification_version(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SpecificationContentRequest>,
) -> AppResult<(StatusCode, Json<SpecificationVersionResponse>)> {
    let id = code_in_path(&id, SpecificationId::parse)?;
    published(
        &state,
        &identity,
        SpecificationTarget::Existing(id),
        &body.into_text(),
    )
    .await
}

/// A learner's archive (学习档案): outcomes newest first, filtered, one page at a time
/// (`offset`, `limit`), with totals over every outcome the filters keep and `total_items`.
///
/// A citizen reads only their own (see `/api/v1/me/archive`); staff read the learners in their
/// scope (404 otherwise). Every staff read is audited (`archive.read`).
#[utoipa::path(get, path = "/api/v1/learners/{id}/archive", tag = "archive", params(("id" = i64, Path, description = "Learner id"), ArchiveQuery),
    responses((status = 200, body = ArchiveResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn get_learner_archive(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ArchiveQuery>,
) -> AppResult<Json<ArchiveResponse>> {
    let id = code_in_path(&id, LearnerId::parse)?;
    archive_of(&state, &identity, id, query).await
}

/// Your own learning archive (citizens): outcomes newest first, one page at a time (`offset`,
/// `limit`), with totals over every outcome the filters keep and `total_items`.
#[utoipa::path(get, path = "/api/v1/me/archive", tag = "archive", params(ArchiveQuery),
    responses((status = 200, body = ArchiveResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub(super) async fn get_my_archive(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ArchiveQuery>,
) -> AppResult<Json<ArchiveResponse>> {
    let id = bank::own_learner(&identity)?;
    archive_of(&state, &identity, id, query).await
}

async fn archive_of(
    state: &AppState,
    identity: &Identity,
    learner: LearnerId,
    query: ArchiveQuery,
) -> AppResult<Json<ArchiveResponse>> {
    let filter = bank::parse_archive_filter(
        query.kind.as_deref(),
        query.year.as_deref(),
        query.field.as_deref(),
    )?;
    let page = page_of(query.offset, query.limit)?;
    let before = query
        .activity_before
        .as_deref()
        .map(|text| decode_position("activity_before", text))
        .transpose()?;
    let activity_limit = match query.activity_limit {
        None => ACTIVITY_PAGE,
        Some(limit @ 1..=100) => limit,
        Some(_) => {
            return Err(AppError::invalid(
                "activity_limit",
                "ask for 1 to 100 items",
            ));
        }
    };
    let (_, archive) = bank::read_archive(state, identity, learner, &filter).await?;
    let activity =
        learner_activity(&*state.store, learner, &filter, before, activity_limit).await?;
    Ok(Json(ArchiveResponse::of(&archive, page, &activity)))
}
