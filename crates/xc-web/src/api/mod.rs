//! The JSON API under `/api/v1`. Every endpoint is annotated for the OpenAPI document, which is
//! generated from this code (`utoipa`), never written by hand. Request bodies and query strings
//! are read strictly (unknown fields are refused, see `extract`); responses are the types in
//! [`types`], separate from the store's records.

mod bank;
pub(crate) mod credential_status;
mod learner_code;
mod learning_records;
mod mutual;
mod share;
mod transparency;
pub mod types;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xc_domain::{
    Action, DistrictCode, InstitutionId, LearnerId, SiteId, SiteKind, SubdistrictCode,
};
use xc_privacy::tokens::{new_secret, secret_hash};
use xc_store::{AuditEvent, AuditFilter, LearnerFilter, NewApiToken, PageRequest, SiteFilter};

use crate::accounts;
use crate::auth::{self, API_TOKEN_PREFIX, Identity};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::{
    AppState, OUTCOME_LIST_LIMIT_BYTES, POINTS_EVENTS_LIMIT_BYTES, UPLOAD_BODY_LIMIT_BYTES,
};
use types::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "xuecheng API",
        description = "The JSON API of xuecheng (学城), the lifelong-learning platform of a learning city. \
            Errors always have the shape {\"error\":{\"code\",\"message\",\"field\"}}. \
            Browsers sign in with POST /api/v1/session and send the returned csrf_token in the \
            X-CSRF-Token header on every write; institutions use a bearer token.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "Signing in and out; the current account"),
        (name = "geography", description = "Districts, subdistricts, neighbourhoods"),
        (name = "sites", description = "Learning sites"),
        (name = "learners", description = "Learner accounts (staff, scoped)"),
        (name = "audit", description = "The append-only audit log"),
        (name = "institutions", description = "Institution API tokens"),
        (name = "outcomes", description = "Credit bank: learning outcomes submitted by providers"),
        (name = "review", description = "Credit bank: the review queue and recognition decisions"),
        (name = "specifications", description = "Credit bank: recognition standards, versioned: outcome specifications, the general rules (non-formal hours, grade mapping) and accredited providers"),
        (name = "archive", description = "Learning archives (学习档案)"),
        (name = "learning records", description = "The learning record store joined to the credit bank: statement rules that award points, actors linked to learners, an actor's erasure"),
        (name = "conversion", description = "Credit bank: target programmes, conversion rules (versioned) and learners' conversion applications"),
        (name = "points", description = "Credit bank: points (学习积分) and the incentives they unlock"),
        (name = "credentials", description = "The credit bank as issuer, public: DID document, JWKS, the transparency log (signed tree heads, proofs, entries) and credentials by id"),
        (name = "mutual-recognition", description = "Mutual recognition between cities (长三角互认): the trust list of other credit banks (pinned keys) and credentials learners bring from them"),
        (name = "sharing", description = "Sharing credentials for verification (SD-JWT VC, only the fields chosen, revocable, views counted) and verifying a credential or presentation"),
        (name = "learner code", description = "The learner code (申学码): a learner's code, fresh each minute, and staff checking learners in at a site by scanning it"),
        (name = "my data", description = "A learner's download of everything held about them, and the erasure of their record on request"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Institution API token (xct_…)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

/// Every API route with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me, change_me))
        .routes(routes!(register))
        .routes(routes!(overview))
        .routes(routes!(list_districts))
        .routes(routes!(get_district))
        .routes(routes!(list_subdistricts))
        .routes(routes!(list_neighbourhoods))
        .routes(routes!(list_sites))
        .routes(routes!(get_site))
        .routes(routes!(list_learners, create_learner))
        .routes(routes!(get_learner))
        .routes(routes!(list_audit))
        .routes(routes!(create_api_token))
        .routes(routes!(bank::submit_outcome))
        .routes(routes!(bank::get_outcome))
        .routes(routes!(bank::list_review_queue))
        .routes(routes!(bank::get_review_case))
        .routes(routes!(bank::decide_outcome))
        .routes(routes!(
            bank::list_specifications,
            bank::create_specification
        ))
        .routes(routes!(bank::get_specification))
        .routes(routes!(bank::publish_specification_version))
        .routes(routes!(bank::general_rules::get_general_rules))
        .routes(routes!(bank::general_rules::publish_nonformal_rules))
        .routes(routes!(bank::general_rules::publish_grade_mapping))
        .routes(routes!(
            bank::accreditation::list_accreditations,
            bank::accreditation::record_accreditation
        ))
        .routes(routes!(bank::get_learner_archive))
        .routes(routes!(bank::get_my_archive))
        .routes(routes!(
            bank::conversion::list_programmes,
            bank::conversion::create_programme
        ))
        .routes(routes!(bank::conversion::get_programme))
        .routes(routes!(bank::conversion::create_rule))
        .routes(routes!(bank::conversion::publish_rule_version))
        .routes(routes!(bank::conversion::retire_rule))
        .routes(routes!(bank::conversion::preview_conversion))
        .routes(routes!(
            bank::conversion::list_my_applications,
            bank::conversion::apply_for_conversion
        ))
        .routes(routes!(bank::conversion::list_open_applications))
        .routes(routes!(bank::conversion::get_application))
        .routes(routes!(bank::conversion::decide_application))
        .routes(routes!(bank::points::get_my_points))
        .routes(routes!(
            bank::points::list_incentives,
            bank::points::create_incentive
        ))
        .routes(routes!(bank::points::end_incentive))
        .routes(routes!(bank::points::redeem_incentive))
        .routes(routes!(
            bank::points::get_points_policy,
            bank::points::publish_points_policy
        ))
        .routes(routes!(bank::points::export_my_data_json))
        .routes(routes!(bank::points::export_my_data_xlsx))
        .routes(routes!(bank::erase::erase_my_data))
        .routes(routes!(transparency::get_did_document))
        .routes(routes!(transparency::get_jwks))
        .routes(routes!(transparency::get_latest_tree_head))
        .routes(routes!(transparency::get_tree_head))
        .routes(routes!(transparency::get_inclusion_proof))
        .routes(routes!(transparency::get_consistency_proof))
        .routes(routes!(transparency::list_log_entries))
        .routes(routes!(transparency::get_credential))
        .routes(routes!(
            credential_status::get_credential_status,
            credential_status::change_credential_status
        ))
        .routes(routes!(credential_status::get_status_list))
        .routes(routes!(share::list_my_shares, share::create_share))
        .routes(routes!(share::revoke_share))
        .routes(routes!(share::get_share))
        // A credential or SD-JWT to verify may be larger than a form.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(share::verify))
                .layer(DefaultBodyLimit::max(
                    crate::sharing::VERIFY_UPLOAD_LIMIT_BYTES,
                )),
        )
        .routes(routes!(
            mutual::list_trusted_banks,
            mutual::add_trusted_bank
        ))
        .routes(routes!(mutual::refresh_trusted_bank))
        .routes(routes!(mutual::remove_trusted_bank))
        .routes(routes!(mutual::restore_trusted_bank))
        .routes(routes!(mutual::distrust_key))
        // A credential brought from another bank may be larger than a form.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(
                    mutual::list_my_external_credentials,
                    mutual::bring_credential
                ))
                .layer(DefaultBodyLimit::max(crate::mutual::BRING_LIMIT_BYTES)),
        )
        .routes(routes!(learner_code::get_my_learner_code))
        .routes(routes!(learner_code::check_in_learner))
        .routes(routes!(
            learning_records::get_statement_rules,
            learning_records::publish_statement_rules
        ))
        .routes(routes!(learning_records::link_actor))
        .routes(routes!(learning_records::erase_actor))
        // Larger bodies than anywhere else, for these routes only.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(bank::submit_outcome_batch))
                .layer(DefaultBodyLimit::max(OUTCOME_LIST_LIMIT_BYTES)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(bank::points::record_points_events))
                .layer(DefaultBodyLimit::max(POINTS_EVENTS_LIMIT_BYTES)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(bank::upload_outcome_batch))
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT_BYTES)),
        )
}

pub(crate) fn page_of(offset: Option<u64>, limit: Option<u32>) -> AppResult<PageRequest> {
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > PageRequest::MAX_LIMIT {
        return Err(AppError::invalid(
            "limit",
            format!("limit must be 1 to {}", PageRequest::MAX_LIMIT),
        ));
    }
    Ok(PageRequest::new(offset.unwrap_or(0), limit))
}

pub(crate) fn code_in_path<T>(
    text: &str,
    parse: fn(&str) -> Result<T, xc_domain::Invalid>,
) -> AppResult<T> {
    parse(text).map_err(AppError::from)
}

/// Sign in with a user name and password.
///
/// Sets the session cookie and returns the CSRF token to send as `X-CSRF-Token` on writes.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionResponse),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let ip = auth::client_ip(request.extensions());
    let ApiJson(body) = ApiJson::<SignInRequest>::from_request(request, &state).await?;
    let (user, session) = auth::sign_in(&state, &body.username, &body.password, &ip).await?;
    let me = MeResponse::of(&state, &user).await?;
    let cookie = auth::session_cookie(&session.secret, &state);
    Ok((
        [(header::SET_COOKIE, cookie.to_string())],
        Json(SessionResponse {
            user: me,
            csrf_token: session.record.csrf_token,
        }),
    )
        .into_response())
}

use axum::extract::FromRequest;

/// Sign out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out")),
    security(("session" = [])))]
async fn sign_out(State(state): State<AppState>, identity: Identity) -> AppResult<Response> {
    let cookie = auth::sign_out(&state, &identity).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie.to_string())],
    )
        .into_response())
}

/// The signed-in account, with its learner record for citizens.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)),
    security(("session" = [])))]
async fn me(State(state): State<AppState>, identity: Identity) -> AppResult<Json<MeResponse>> {
    identity.require()?;
    let user = identity
        .user
        .as_ref()
        .ok_or(AppError::Forbidden("an API token has no account"))?;
    Ok(Json(MeResponse::of(&state, user).await?))
}

/// Change your own name, mobile number or interests.
#[utoipa::path(patch, path = "/api/v1/me", tag = "session", request_body = ContactChangeRequest,
    responses((status = 200, body = MeResponse), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
async fn change_me(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ContactChangeRequest>,
) -> AppResult<Json<MeResponse>> {
    accounts::change_contact(
        &state,
        &identity,
        body.display_name.as_deref(),
        body.phone.as_deref(),
        body.interests.as_deref(),
    )
    .await?;
    let user = identity.user.as_ref().ok_or(AppError::Unauthenticated)?;
    Ok(Json(MeResponse::of(&state, user).await?))
}

/// Register a learner account (self-service).
#[utoipa::path(post, path = "/api/v1/register", tag = "session", request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse),
        (status = 409, description = "User name or ID number already registered", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    ))]
async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> AppResult<(StatusCode, Json<RegisterResponse>)> {
    let (learner_id, user_id) =
        accounts::register_citizen(&state, &body.into_registration()).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            learner_id: learner_id.get(),
            user_id: user_id.get(),
        }),
    ))
}

/// Figures for the whole city, or one district.
#[utoipa::path(get, path = "/api/v1/overview", tag = "geography", params(OverviewQuery),
    responses((status = 200, body = OverviewResponse), (status = 422, body = ErrorBody)))]
async fn overview(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> AppResult<Json<OverviewResponse>> {
    let district = query
        .district
        .as_deref()
        .map(DistrictCode::parse)
        .transpose()?;
    if let Some(code) = &district {
        state.store.get_district(code).await?;
    }
    Ok(Json(OverviewResponse::from(
        state.overview(district.as_ref()).await?,
    )))
}

/// All districts of the city.
#[utoipa::path(get, path = "/api/v1/districts", tag = "geography", responses((status = 200, body = Vec<DistrictResponse>)))]
async fn list_districts(State(state): State<AppState>) -> AppResult<Json<Vec<DistrictResponse>>> {
    Ok(Json(
        state
            .store
            .list_districts()
            .await?
            .into_iter()
            .map(DistrictResponse::from)
            .collect(),
    ))
}

/// One district.
#[utoipa::path(get, path = "/api/v1/districts/{code}", tag = "geography",
    params(("code" = String, Path, description = "6-digit district code (GB/T 2260)")),
    responses((status = 200, body = DistrictResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_district(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<DistrictResponse>> {
    let code = code_in_path(&code, DistrictCode::parse)?;
    Ok(Json(state.store.get_district(&code).await?.into()))
}

/// The subdistricts (街道/镇) of a district.
#[utoipa::path(get, path = "/api/v1/districts/{code}/subdistricts", tag = "geography",
    params(("code" = String, Path, description = "6-digit district code")),
    responses((status = 200, body = Vec<SubdistrictResponse>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_subdistricts(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<SubdistrictResponse>>> {
    let code = code_in_path(&code, DistrictCode::parse)?;
    state.store.get_district(&code).await?;
    Ok(Json(
        state
            .store
            .list_subdistricts(&code)
            .await?
            .into_iter()
            .map(SubdistrictResponse::from)
            .collect(),
    ))
}

/// The neighbourhoods (居委会/村委会) of a subdistrict.
#[utoipa::path(get, path = "/api/v1/subdistricts/{code}/neighbourhoods", tag = "geography",
    params(("code" = String, Path, description = "9-digit subdistrict code")),
    responses((status = 200, body = Vec<NeighbourhoodResponse>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_neighbourhoods(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<NeighbourhoodResponse>>> {
    let code = code_in_path(&code, SubdistrictCode::parse)?;
    state.store.get_subdistrict(&code).await?;
    Ok(Json(
        state
            .store
            .list_neighbourhoods(&code)
            .await?
            .into_iter()
            .map(NeighbourhoodResponse::from)
            .collect(),
    ))
}

/// Learning sites, filtered and paged.
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", params(SiteQuery),
    responses((status = 200, body = SitePage), (status = 422, body = ErrorBody)))]
async fn list_sites(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SiteQuery>,
) -> AppResult<Json<SitePage>> {
    let filter = SiteFilter {
        district: query
            .district
            .as_deref()
            .map(DistrictCode::parse)
            .transpose()?,
        subdistrict: query
            .subdistrict
            .as_deref()
            .map(SubdistrictCode::parse)
            .transpose()?,
        kind: query.kind.as_deref().map(SiteKind::parse).transpose()?,
        institution: None,
    };
    let page = page_of(query.offset, query.limit)?;
    let sites = state.store.list_sites(&filter, page).await?;
    Ok(Json(SitePage {
        items: sites.items.into_iter().map(SiteResponse::from).collect(),
        total: sites.total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// One learning site.
#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "sites",
    params(("id" = i64, Path, description = "Site id")),
    responses((status = 200, body = SiteResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_site(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<SiteResponse>> {
    let id = code_in_path(&id, SiteId::parse)?;
    Ok(Json(state.store.get_site(id).await?.into()))
}

/// Learners in your scope (staff only): a district admin sees their district, provider staff
/// the learners of their institution. Every call is audited.
#[utoipa::path(get, path = "/api/v1/learners", tag = "learners", params(LearnerQuery),
    responses((status = 200, body = LearnerPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
async fn list_learners(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<LearnerQuery>,
) -> AppResult<Json<LearnerPage>> {
    let filter = LearnerFilter {
        district: query
            .district
            .as_deref()
            .map(DistrictCode::parse)
            .transpose()?,
        subdistrict: query
            .subdistrict
            .as_deref()
            .map(SubdistrictCode::parse)
            .transpose()?,
    };
    let page = page_of(query.offset, query.limit)?;
    let learners = accounts::list_learners(&state, &identity, &filter, page).await?;
    Ok(Json(LearnerPage {
        items: learners
            .items
            .into_iter()
            .map(LearnerResponse::from)
            .collect(),
        total: learners.total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// Register a learner on someone's behalf (provider staff, district or city admins).
#[utoipa::path(post, path = "/api/v1/learners", tag = "learners", request_body = NewLearnerRequest,
    responses((status = 201, body = LearnerResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
async fn create_learner(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<NewLearnerRequest>,
) -> AppResult<(StatusCode, Json<LearnerResponse>)> {
    let id = accounts::register_learner(&state, &identity, &body.into_input()).await?;
    let learner = state
        .store
        .get_learner(&xc_domain::LearnerScope::All, id)
        .await?;
    Ok((StatusCode::CREATED, Json(learner.into())))
}

/// One learner, if in your scope (404 otherwise, so scope does not reveal who exists).
#[utoipa::path(get, path = "/api/v1/learners/{id}", tag = "learners",
    params(("id" = i64, Path, description = "Learner id")),
    responses((status = 200, body = LearnerResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
async fn get_learner(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> AppResult<Json<LearnerResponse>> {
    let id = code_in_path(&id, LearnerId::parse)?;
    Ok(Json(
        accounts::read_learner(&state, &identity, id).await?.into(),
    ))
}

/// The audit log, newest first (auditors and city admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
async fn list_audit(
    State(state): State<AppState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    identity.require_to(
        Action::ReadAuditLog,
        "only auditors and city admins read the audit log",
    )?;
    let page = page_of(query.offset, query.limit)?;
    let filter = AuditFilter {
        action: query.action,
        subject_kind: query.subject_kind,
        subject_id: query.subject_id,
    };
    let entries = state.store.list_audit(&filter, page).await?;
    Ok(Json(AuditPage {
        items: entries
            .items
            .into_iter()
            .map(AuditEntryResponse::from)
            .collect(),
        total: entries.total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// Create an API token for an institution's systems. The secret is shown once.
#[utoipa::path(post, path = "/api/v1/institutions/{id}/tokens", tag = "institutions", request_body = NewTokenRequest,
    params(("id" = i64, Path, description = "Institution id")),
    responses((status = 201, body = NewTokenResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
async fn create_api_token(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> AppResult<(StatusCode, HeaderMap, Json<NewTokenResponse>)> {
    let principal = identity.require_to(
        Action::CreateApiToken,
        "only provider staff and city admins create API tokens",
    )?;
    let institution = code_in_path(&id, InstitutionId::parse)?;
    if matches!(identity.via, auth::Via::ApiToken { .. }) {
        return Err(AppError::Forbidden("an API token cannot create API tokens"));
    }
    if let xc_domain::Scope::Institution(own) = principal.scope
        && own != institution
    {
        return Err(AppError::Forbidden(
            "you can create tokens only for your own institution",
        ));
    }
    state.store.get_institution(institution).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid(
            "name",
            "a token name has 1 to 80 characters",
        ));
    }
    let secret = new_secret(API_TOKEN_PREFIX);
    let token = NewApiToken {
        token_hash: secret_hash(&secret),
        institution,
        name: name.to_owned(),
        created_by: principal.user_id,
        created_at: time::OffsetDateTime::now_utc(),
    };
    let audit = AuditEvent::new(identity.actor(), "api_token.create", "api_token", "new")
        .with_detail(serde_json::json!({ "institution": institution.get(), "name": name }));
    let id = state.store.create_api_token(&token, &audit).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    Ok((
        StatusCode::CREATED,
        headers,
        Json(NewTokenResponse {
            id,
            institution_id: institution.get(),
            name: name.to_owned(),
            token: secret,
        }),
    ))
}
