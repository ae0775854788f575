//! Conversion endpoints: credit-bank staff keep programmes and their rules and decide
//! applications; a learner previews and applies for their own outcomes. The operations are
//! `crate::bank::conversion`'s, shared with the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use xc_domain::credit::{ApplicationId, ConversionRuleId, ProgrammeId, Version};
use xc_store::{ConversionRuleVersion, RuleTarget};

use super::super::types::*;
use super::super::{code_in_path, page_of};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::conversion as ops;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};

/// Every target programme, with how many rules it has in force (anyone signed in: learners
/// choose a programme here to preview).
#[utoipa::path(get, path = "/api/v1/programmes", tag = "conversion",
    responses((status = 200, body = Vec<ProgrammeResponse>), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(in crate::api) async fn list_programmes(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<Vec<ProgrammeResponse>>> {
    identity.require()?;
    let rules = state.conversion_rules();
    Ok(Json(
        rules
            .programmes()
            .map(|programme| ProgrammeResponse::of(programme, &rules))
            .collect(),
    ))
}

/// Create a target programme (credit-bank staff).
#[utoipa::path(post, path = "/api/v1/programmes", tag = "conversion", request_body = ProgrammeRequest,
    responses(
        (status = 201, body = ProgrammeResponse),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The institution already has a programme with this code", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn create_programme(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ProgrammeRequest>,
) -> AppResult<(StatusCode, Json<ProgrammeResponse>)> {
    let id = ops::create_programme(&state, &identity, &body.into_text()).await?;
    let rules = state.conversion_rules();
    let programme = rules
        .programme(id)
        .ok_or(AppError::NotFound { what: "programme" })?;
    Ok((
        StatusCode::CREATED,
        Json(ProgrammeResponse::of(programme, &rules)),
    ))
}

/// One programme with its rules in force, in the order the engine tries them (higher priority
/// first, then lower rule id), each with its code, version and body (anyone signed in).
#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "conversion",
    params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, body = ProgrammeDetailResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(in crate::api) async fn get_programme(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<ProgrammeDetailResponse>> {
    identity.require()?;
    let id = code_in_path(&id, ProgrammeId::parse)?;
    let rules = state.conversion_rules();
    let programme = rules
        .programme(id)
        .ok_or(AppError::NotFound { what: "programme" })?;
    Ok(Json(ProgrammeDetailResponse::of(programme, &rules)?))
}

/// The stored version just published (the rules in force hold it unless a later publication
/// came first).
async fn published_version(
    state: &AppState,
    id: ConversionRuleId,
    version: Version,
) -> AppResult<ConversionRuleVersion> {
    if let Some((current, _)) = state.conversion_rules().current(id)
        && current.version == version
    {
        return Ok(current.clone());
    }
    state
        .store
        .list_conversion_rule_versions()
        .await?
        .into_iter()
        .find(|v| v.id == id && v.version == version)
        .ok_or(AppError::NotFound {
            what: "conversion rule version",
        })
}

async fn published_rule(
    state: &AppState,
    (id, version): (ConversionRuleId, Version),
) -> AppResult<(StatusCode, Json<RuleResponse>)> {
    let stored = published_version(state, id, version).await?;
    Ok((StatusCode::CREATED, Json(RuleResponse::of(&stored)?)))
}

/// Publish a new conversion rule of a programme (credit-bank staff).
///
/// Checked on its own and against the programme's rules in force: a rule that can never be met
/// (e.g. `min_level` 11, or only culture-and-leisure outcomes) or that contradicts another (the
/// same conditions granting something else, a course exempted for other credits) is a 422 naming
/// the field (`min_level`, `category`, `grant`, `rule` …) with the reason. Applies to proposals
/// made from now on.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/rules", tag = "conversion", request_body = NewRuleRequest,
    params(("id" = i64, Path, description = "Programme id")),
    responses(
        (status = 201, body = RuleResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The programme already has a rule with this code", body = ErrorBody),
        (status = 422, description = "The rule can never be met or contradicts another; `field` and `message` say which and why", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn create_rule(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewRuleRequest>,
) -> AppResult<(StatusCode, Json<RuleResponse>)> {
    let programme = code_in_path(&id, ProgrammeId::parse)?;
    let (code, text) = body.into_parts();
    let target = RuleTarget::New {
        programme,
        code: code.trim().to_owned(),
    };
    let published = ops::publish_rule(&state, &identity, target, &text).await?;
    published_rule(&state, published).await
}

/// Publish the next version of a conversion rule (credit-bank staff).
///
/// The body is the whole new content, checked as a new rule is. Applications already made keep
/// the version they were proposed under. Publishing a retired rule's next version puts it back
/// in force.
#[utoipa::path(post, path = "/api/v1/rules/{id}/versions", tag = "conversion", request_body = RuleContentRequest,
    params(("id" = i64, Path, description = "Conversion rule id")),
    responses(
        (status = 201, body = RuleResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A field is wrong, the rule contradicts another, or nothing changed", body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn publish_rule_version(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RuleContentRequest>,
) -> AppResult<(StatusCode, Json<RuleResponse>)> {
    let id = code_in_path(&id, ConversionRuleId::parse)?;
    let published = ops::publish_rule(
        &state,
        &identity,
        RuleTarget::Existing(id),
        &body.into_text(),
    )
    .await?;
    published_rule(&state, published).await
}

/// Retire a conversion rule (credit-bank staff): a new version marked retired, so it no longer
/// applies; what was decided under it stays. 422 (`rule`) when it is already retired.
#[utoipa::path(post, path = "/api/v1/rules/{id}/retire", tag = "conversion",
    params(("id" = i64, Path, description = "Conversion rule id")),
    responses(
        (status = 201, description = "The retiring version", body = RuleResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn retire_rule(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<RuleResponse>)> {
    let id = code_in_path(&id, ConversionRuleId::parse)?;
    let version = ops::retire_rule(&state, &identity, id).await?;
    published_rule(&state, (id, version)).await
}

/// What your recognised outcomes convert into in a programme today (learners; nothing is
/// stored).
///
/// Each line names the rule that matched and the outcomes it uses; every other rule of the
/// programme is listed with why it did not apply; outcomes that cannot convert at all, and those
/// no rule used, are listed too. Earlier approved conversions count against the programme's cap.
#[utoipa::path(get, path = "/api/v1/me/programmes/{id}/proposal", tag = "conversion",
    params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, body = ProposalResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn preview_conversion(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<ProposalResponse>> {
    ops::applicant(&identity)?;
    let programme = code_in_path(&id, ProgrammeId::parse)?;
    let (proposal, outcomes) = ops::preview(&state, &identity, programme).await?;
    Ok(Json(ProposalResponse::of(
        &proposal,
        &outcomes,
        &state.conversion_rules(),
    )))
}

/// Apply to convert your recognised outcomes into a programme (learners).
///
/// The proposal is computed and stored with its explanation for credit-bank staff to decide.
/// 409 while your earlier application for the programme is still open; 422 (`programme_id`)
/// when nothing would convert (the preview says why for each rule) or there is no such
/// programme.
#[utoipa::path(post, path = "/api/v1/me/conversion-applications", tag = "conversion", request_body = ApplicationRequest,
    responses(
        (status = 201, body = ApplicationResponse),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "An application for this programme is still open", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn apply_for_conversion(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ApplicationRequest>,
) -> AppResult<(StatusCode, Json<ApplicationResponse>)> {
    ops::applicant(&identity)?;
    let programme = ProgrammeId::parse(&body.programme_id.to_string())
        .map_err(|invalid| AppError::invalid("programme_id", invalid.reason))?;
    let application = match ops::apply(&state, &identity, programme).await {
        Err(AppError::NotFound { what: "programme" }) => {
            return Err(AppError::invalid(
                "programme_id",
                format!("there is no programme {programme}"),
            ));
        }
        Err(AppError::Invalid { field, reason }) if field == "programme" => {
            return Err(AppError::Invalid {
                field: "programme_id".to_owned(),
                reason,
            });
        }
        other => other?,
    };
    Ok((
        StatusCode::CREATED,
        Json(ApplicationResponse::of(
            &application,
            &state.conversion_rules(),
        )?),
    ))
}

/// Your conversion applications, oldest first (learners).
#[utoipa::path(get, path = "/api/v1/me/conversion-applications", tag = "conversion",
    responses((status = 200, body = Vec<ApplicationResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn list_my_applications(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<Vec<ApplicationResponse>>> {
    let applications = ops::my_applications(&state, &identity).await?;
    let rules = state.conversion_rules();
    Ok(Json(
        applications
            .iter()
            .map(|application| ApplicationResponse::of(application, &rules))
            .collect::<AppResult<_>>()?,
    ))
}

/// Open conversion applications, oldest first (credit-bank staff; audited).
#[utoipa::path(get, path = "/api/v1/conversion-applications", tag = "conversion", params(ApplicationQuery),
    responses((status = 200, body = ApplicationPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn list_open_applications(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ApplicationQuery>,
) -> AppResult<Json<ApplicationPage>> {
    let page = page_of(query.offset, query.limit)?;
    let open = ops::open_applications(&state, &identity, page).await?;
    let rules = state.conversion_rules();
    Ok(Json(ApplicationPage {
        items: open
            .items
            .iter()
            .map(|application| ApplicationResponse::of(application, &rules))
            .collect::<AppResult<_>>()?,
        total: open.total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// One conversion application: for the learner it belongs to and for credit-bank staff (staff
/// reads are audited); 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/conversion-applications/{id}", tag = "conversion",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(in crate::api) async fn get_application(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<ApplicationResponse>> {
    let id = code_in_path(&id, ApplicationId::parse)?;
    let application = ops::read_application(&state, &identity, id).await?;
    Ok(Json(ApplicationResponse::of(
        &application,
        &state.conversion_rules(),
    )?))
}

/// Approve (all lines, or only the listed `lines`, with a `reason` for the others) or reject
/// (with a `reason`) an open application (credit-bank staff).
///
/// 409 when it was decided meanwhile; 422 (`lines`) for a line the application does not have.
/// The decision, the lines' marks and the audit entry are written together.
#[utoipa::path(post, path = "/api/v1/conversion-applications/{id}/decision", tag = "conversion", request_body = ApplicationDecisionRequest,
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "Decided: the application as it now stands", body = ApplicationResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided meanwhile", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = [])))]
pub(in crate::api) async fn decide_application(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationDecisionRequest>,
) -> AppResult<Json<ApplicationResponse>> {
    identity.require_to(
        xc_domain::Action::DecideConversion,
        "only credit-bank staff decide conversion applications",
    )?;
    let id = code_in_path(&id, ApplicationId::parse)?;
    let decision = body.into_text().parse()?;
    let application = ops::decide(&state, &identity, id, decision).await?;
    Ok(Json(ApplicationResponse::of(
        &application,
        &state.conversion_rules(),
    )?))
}
