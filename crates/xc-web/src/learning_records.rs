//! The learning record store joined to the credit bank (issue 5 §4, §5), served: the operations
//! pages and API share (as `accounts` does) over `xc_bank::learning_records`, and the background
//! walk that applies stored statements.
//!
//! A statement request is answered once its statements are stored; then it wakes the walk
//! (`integrate_later`), which applies every statement stored since its mark (the archive's
//! timeline rows, the points the rules award) a page at a time. The walk also runs at start, so a
//! crash between storing and applying only delays the application. Linking an actor applies the
//! actor's past statements in the request, under the same lock as the walk, so the two never
//! award one statement at the same moment (each award is idempotent by its reference anyway).

use std::sync::Arc;

use tokio::sync::{Mutex, Notify};
use xc_bank::BankError;
use xc_bank::learning_records::{
    self as records, ActorLinked, Integration, RulesInForce, StatementRuleInput, StatementRules,
};
use xc_domain::credit::Version;
use xc_domain::{Action, LearnerId};
use xc_store::{Actor, ActorErasureCounts, StoreError};

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};

/// The word an administrator types to confirm an actor's erasure (or "delete").
pub const ERASE_ACTOR_WORD: &str = "删除";

const WHY_INTEGRATION: &str = "only credit-bank staff and city administrators manage the learning record store's rules and links";
const WHY_ERASE: &str = "only a city administrator erases an actor from the learning record store";

/// The walk's wake-up and the lock the walk and links take turns under.
#[derive(Debug, Default)]
pub struct Integrating {
    wake: Notify,
    lock: Mutex<()>,
}

/// What statements are applied under now: the platform's home page, the rules and the
/// standards in force.
pub async fn integration(state: &AppState) -> AppResult<Integration> {
    let RulesInForce { rules, .. } = records::rules_in_force(&*state.store).await?;
    Ok(Integration {
        home_page: state.issuer.profile().base_url.clone(),
        rules,
        standards: state.standards(),
    })
}

/// Wakes the walk (after statements were stored). Never waits.
pub(crate) fn integrate_later(state: &AppState) {
    state.integrating.wake.notify_one();
}

/// Applies every statement stored since the walk's mark, now (under the walk's lock).
pub async fn integrate_now(state: &AppState) -> AppResult<records::Applied> {
    let _turn = state.integrating.lock.lock().await;
    let integration = integration(state).await?;
    let now = state.config.clock.now();
    Ok(records::integrate_pending(
        &*state.store,
        &integration,
        now,
        Actor::System("lrs-integration".into()),
    )
    .await?)
}

/// The background walk: once at start, then whenever woken, until the process ends.
pub(crate) async fn integrate_forever(state: AppState) {
    loop {
        match integrate_now(&state).await {
            Ok(applied) if applied.statements > 0 => tracing::info!(
                statements = applied.statements,
                timeline = applied.timeline,
                points = applied.points,
                outcomes.proposed = applied.proposed,
                outcomes.recognised = applied.recognised,
                outcomes.untrusted = applied.untrusted,
                "learning records applied"
            ),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "applying learning records stopped; retried on the next wake")
            }
        }
        state.integrating.wake.notified().await;
    }
}

/// The rules in force and every earlier version.
pub async fn rules(
    state: &AppState,
    identity: &Identity,
) -> AppResult<(
    RulesInForce,
    Vec<(xc_store::StatementRulesVersion, StatementRules)>,
)> {
    identity.require_to(Action::ManageLrsIntegration, WHY_INTEGRATION)?;
    let history = records::rule_history(&*state.store).await?;
    let in_force = match history.last() {
        Some((stored, rules)) => RulesInForce {
            version: Some(stored.version),
            rules: rules.clone(),
        },
        None => RulesInForce::default(),
    };
    Ok((in_force, history))
}

/// Publishes staff's rules as the next version (refused whole with every problem by row and
/// field, nothing stored).
pub async fn publish_rules(
    state: &AppState,
    identity: &Identity,
    inputs: &[StatementRuleInput],
) -> AppResult<(Version, StatementRules)> {
    let principal = identity.require_to(Action::ManageLrsIntegration, WHY_INTEGRATION)?;
    let standards = state.standards();
    Ok(records::publish_rules(
        &*state.store,
        inputs,
        &standards,
        state.config.clock.now(),
        principal.user_id,
        identity.actor(),
    )
    .await?)
}

/// Links the actor `agent` (the xAPI `agent` parameter's JSON) to `learner` and applies the
/// actor's past statements once.
pub async fn link_actor(
    state: &AppState,
    identity: &Identity,
    agent: &str,
    learner: LearnerId,
) -> AppResult<ActorLinked> {
    let principal = identity.require_to(Action::ManageLrsIntegration, WHY_INTEGRATION)?;
    let agent = records::parse_agent(agent)?;
    let _turn = state.integrating.lock.lock().await;
    let integration = integration(state).await?;
    records::link_actor(
        &*state.store,
        &state.vault,
        &integration,
        &agent,
        learner,
        principal.user_id,
        state.config.clock.now(),
        identity.actor(),
    )
    .await
    .map_err(|error| match error {
        // The learner is named in the request's body: the caller's field to correct.
        BankError::Store(StoreError::NotFound { what: "learner" }) => {
            AppError::invalid("learner_id", "no learner has this id")
        }
        other => other.into(),
    })
}

/// Deletes everything the learning record store holds about `agent`, once `confirm` is the
/// confirmation word (`删除` or `delete`).
pub async fn erase_actor(
    state: &AppState,
    identity: &Identity,
    agent: &str,
    confirm: &str,
) -> AppResult<ActorErasureCounts> {
    identity.require_to(Action::EraseLrsActor, WHY_ERASE)?;
    let agent = records::parse_agent(agent)?;
    let word = confirm.trim();
    if word != ERASE_ACTOR_WORD && !word.eq_ignore_ascii_case("delete") {
        return Err(AppError::invalid(
            "confirm",
            format!("type {ERASE_ACTOR_WORD} (or delete) to confirm the erasure"),
        ));
    }
    let _turn = state.integrating.lock.lock().await;
    Ok(records::erase_actor(&*state.store, &state.vault, &agent, identity.actor()).await?)
}

/// A new, idle walk state for `AppState`.
pub(crate) fn new_integrating() -> Arc<Integrating> {
    Arc::new(Integrating::default())
}
