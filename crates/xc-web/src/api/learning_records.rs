//! The learning record store joined to the credit bank (issue 5 §4, §5): `GET|POST
//! /api/v1/lrs/rules` (the statement rules that award points and propose outcomes, versioned), `POST
//! /api/v1/lrs/actor-links` (an actor linked to the learner it is, their past statements
//! applied once) and `POST /api/v1/lrs/actor-erasure` (everything about one actor deleted). The
//! operations are `crate::learning_records`', shared with the pages.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use xc_domain::LearnerId;

use super::types::*;
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::learning_records as ops;

/// The statement rules in force and every version (credit-bank staff, city administrators).
#[utoipa::path(get, path = "/api/v1/lrs/rules", tag = "learning records",
    responses((status = 200, body = StatementRulesResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn get_statement_rules(
    State(state): State<AppState>,
    identity: Identity,
) -> AppResult<Json<StatementRulesResponse>> {
    let (in_force, history) = ops::rules(&state, &identity).await?;
    Ok(Json(StatementRulesResponse {
        version: in_force.version.map(|v| v.get()),
        rules: in_force
            .rules
            .rules()
            .iter()
            .map(StatementRuleResponse::from)
            .collect(),
        history: history
            .iter()
            .map(|(stored, rules)| StatementRulesVersionResponse::of(stored, rules))
            .collect(),
    }))
}

/// Publish the next version of the statement rules (the whole list). Statements a learning
/// platform stores from then on earn what the first matching rule with an award awards, through
/// the points ledger and its caps, once per statement; and the first matching rule with a
/// `specification` submits the learner's outcome of that specification for recognition (the
/// outcome `xapi:<statement id>` of the specification's provider: recognised automatically on
/// an exact match, otherwise in the review queue), once per statement, only from the provider's
/// own LRS client or the platform's check-ins. A rule that could never award or propose
/// anything (among them a `specification` that is not a published one's id) is refused with its
/// reason: 422 with `problems` by row (the rule's place, from 1) and field; nothing is stored.
#[utoipa::path(post, path = "/api/v1/lrs/rules", tag = "learning records",
    request_body = StatementRulesRequest,
    responses((status = 201, body = StatementRulesVersionResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn publish_statement_rules(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<StatementRulesRequest>,
) -> AppResult<(StatusCode, Json<StatementRulesVersionResponse>)> {
    let inputs: Vec<_> = body.rules.iter().map(StatementRuleItem::input).collect();
    ops::publish_rules(&state, &identity, &inputs).await?;
    let (_, history) = ops::rules(&state, &identity).await?;
    let (stored, rules) = history.last().ok_or_else(|| {
        crate::error::AppError::Internal(anyhow::anyhow!("published rules not found"))
    })?;
    Ok((
        StatusCode::CREATED,
        Json(StatementRulesVersionResponse::of(stored, rules)),
    ))
}

/// Link an xAPI actor to the learner it is (credit-bank staff, city administrators): the
/// actor's past statements join the learner's archive and earn their points, exactly once;
/// statements stored later follow. Audited (`xapi_actor.link`, the actor only as a keyed hash).
/// 422 `agent` for an identifier that is not one Agent's, 422 `learner_id` for an unknown
/// learner, 409 `agent` when the actor is linked to another learner.
#[utoipa::path(post, path = "/api/v1/lrs/actor-links", tag = "learning records",
    request_body = ActorLinkRequest,
    responses((status = 200, body = ActorLinkResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn link_actor(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ActorLinkRequest>,
) -> AppResult<Json<ActorLinkResponse>> {
    let linked = ops::link_actor(
        &state,
        &identity,
        &body.agent.to_string(),
        LearnerId::new(body.learner_id),
    )
    .await?;
    Ok(Json(ActorLinkResponse {
        linked: linked.linked,
        applied: linked.applied.into(),
    }))
}

/// Delete everything the learning record store holds about one actor (city administrators, on
/// the person's request; PIPL art. 47): the statements naming the actor as actor, object,
/// authority, instructor or team member, their documents, attachments no other statement lists,
/// and their links. Points and outcomes already earned stay (docs/privacy.md). Audited
/// (`xapi_actor.erase`) without the identifier in clear. 422 `confirm` without the word.
#[utoipa::path(post, path = "/api/v1/lrs/actor-erasure", tag = "learning records",
    request_body = ActorErasureRequest,
    responses((status = 200, body = ActorErasureResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub(super) async fn erase_actor(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(body): ApiJson<ActorErasureRequest>,
) -> AppResult<Json<ActorErasureResponse>> {
    let counts =
        ops::erase_actor(&state, &identity, &body.agent.to_string(), &body.confirm).await?;
    Ok(Json(counts.into()))
}
