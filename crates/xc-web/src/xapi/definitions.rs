//! The Activities resource (Communication 2.5: the canonical definition of an activity, every
//! definition received merged) and the Agents resource (2.4: the Person Object of everything
//! known about an agent).

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use xc_xapi::model::Actor;
use xc_xapi::scope::Access;
use xc_xapi::types::Iri;

use super::clients::{authenticate, require};
use super::request::{XapiRequest, bad};
use super::with_version;
use crate::AppState;
use crate::error::{AppError, AppResult};

/// Refuses every parameter but `allowed`, and repeats.
fn only(request: &XapiRequest, allowed: &str) -> AppResult<String> {
    let mut value = None;
    for (name, text) in &request.params {
        if name != allowed {
            return Err(bad(
                name,
                format!("is not a parameter here: send only {allowed}"),
            ));
        }
        if value.replace(text.clone()).is_some() {
            return Err(bad(name, "is given twice"));
        }
    }
    value.ok_or_else(|| bad(allowed, "is required"))
}

pub(crate) async fn activities(state: &AppState, request: XapiRequest) -> AppResult<Response> {
    let client = authenticate(&*state.store, &request).await?;
    let version = request.version()?;
    require(&client, Access::Definitions)?;
    if request.method != Method::GET {
        return Err(bad("method", "the Activities resource takes GET and HEAD"));
    }
    let id = Iri::parse(&only(&request, "activityId")?, "activityId").map_err(AppError::Xapi)?;
    let mut activity = json!({"objectType": "Activity", "id": id.as_str()});
    if let Some(definition) = state.store.activity_definition(id.as_str()).await? {
        activity["definition"] = serde_json::to_value(definition).unwrap_or_default();
    }
    Ok(with_version(axum::Json(activity).into_response(), version))
}

pub(crate) async fn agents(state: &AppState, request: XapiRequest) -> AppResult<Response> {
    let client = authenticate(&*state.store, &request).await?;
    let version = request.version()?;
    require(&client, Access::Definitions)?;
    if request.method != Method::GET {
        return Err(bad("method", "the Agents resource takes GET and HEAD"));
    }
    let agent = match xc_xapi::parse_agent_parameter(&only(&request, "agent")?, "agent")
        .map_err(AppError::Xapi)?
    {
        Actor::Agent(agent) => agent,
        Actor::Group(_) => return Err(bad("agent", "must be an Agent, not a Group")),
    };
    let mut known = state
        .store
        .agents_seen(&xc_xapi::agents::ifi_key(&agent.ifi))
        .await?;
    if known.is_empty() {
        known.push(agent);
    }
    Ok(with_version(
        axum::Json(xc_xapi::agents::person(&known)).into_response(),
        version,
    ))
}
