//! Credit-bank staff's page of issued credentials, `/bank/credentials`: find a credential by
//! learner id or credential id, see its status and every change, and suspend, reinstate or
//! revoke it with a reason (through `api::credential_status::change_status`, as the API). A
//! staff read of a learner's credentials is audited (`credential.list`), as archive reads are.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use xc_domain::{Action, LearnerId};
use xc_store::{AuditEvent, CredentialStatus, IssuedCredentialRecord, StatusAction};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use crate::AppState;
use crate::api::credential_status::change_status;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Text;
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/bank/credentials", get(credentials).post(change))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FindQuery {
    find: Option<String>,
    changed: Option<String>,
}

fn action_words(action: StatusAction, t: &'static Text) -> &'static str {
    match action {
        StatusAction::Revoke => t.credential_action_revoke,
        StatusAction::Suspend => t.credential_action_suspend,
        StatusAction::Reinstate => t.credential_action_reinstate,
    }
}

/// The credentials `find` names: a credential id, or every credential of a learner id.
async fn found(
    state: &AppState,
    identity: &Identity,
    find: &str,
) -> AppResult<Vec<IssuedCredentialRecord>> {
    if find.starts_with("urn:uuid:") {
        return match state.store.get_issued_credential(find).await {
            Ok(credential) => Ok(vec![credential]),
            Err(xc_store::StoreError::NotFound { .. }) => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        };
    }
    let learner: i64 = find.parse().map_err(|_| {
        AppError::invalid(
            "find",
            format!("'{find}' is neither a learner id (a number) nor a credential id (urn:uuid:…)"),
        )
    })?;
    let learner = LearnerId::new(learner);
    let credentials = state.store.learner_credentials(learner).await?;
    let audit = AuditEvent::new(
        identity.actor(),
        "credential.list",
        "learner",
        learner.get(),
    )
    .with_detail(serde_json::json!({ "credentials": credentials.len() }));
    state.store.append_audit(&audit).await?;
    Ok(credentials)
}

async fn credentials_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    find: String,
    notice: bool,
    error: Option<AppError>,
) -> AppResult<Response> {
    identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff read and change a credential's status",
    )?;
    let chrome = Chrome::new(identity, path);
    let t = chrome.t;
    let find = find.trim().to_owned();
    let (credentials, error) = match (find.is_empty(), error) {
        (true, error) => (Vec::new(), error),
        (false, error) => match found(state, identity, &find).await {
            Ok(credentials) => (credentials, error),
            Err(error @ AppError::Invalid { .. }) => (Vec::new(), Some(error)),
            Err(other) => return Err(other),
        },
    };
    let mut rows = Vec::with_capacity(credentials.len());
    for credential in credentials {
        let changes = state
            .store
            .credential_status_changes(Some(&credential.id))
            .await?;
        let status = CredentialStatus::of(&changes);
        let document: serde_json::Value =
            serde_json::from_str(&credential.document).unwrap_or_default();
        rows.push(CredentialStaffRow {
            achievement: document["name"].as_str().unwrap_or_default().to_owned(),
            issued_at: date_time(credential.issued_at),
            status: if status.revoked {
                t.credential_status_revoked
            } else if status.suspended {
                t.credential_status_suspended
            } else {
                t.credential_status_active
            },
            revoked: status.revoked,
            suspended: status.suspended,
            history: changes
                .iter()
                .map(|change| {
                    format!(
                        "{} · {} · {}",
                        date_time(change.decided_at),
                        action_words(change.action, t),
                        change.reason
                    )
                })
                .collect(),
            id: credential.id,
        });
    }
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&CredentialsStaffPage {
        notice: notice.then_some(t.credential_changed_notice),
        searched: !find.is_empty(),
        find,
        rows,
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn credentials(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<FindQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        credentials_page(
            &state,
            &identity,
            uri.path(),
            query.find.unwrap_or_default(),
            query.changed.is_some(),
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ChangeForm {
    credential: String,
    action: String,
    reason: String,
    find: String,
}

async fn change(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<ChangeForm>,
) -> Response {
    let result = async {
        let form = form?;
        match change_status(
            &state,
            &identity,
            form.credential.clone(),
            &form.action,
            &form.reason,
        )
        .await
        {
            Ok(_) => {
                let find: String = form_urlencoded::byte_serialize(form.find.as_bytes()).collect();
                Ok(
                    Redirect::to(&format!("/bank/credentials?find={find}&changed=1"))
                        .into_response(),
                )
            }
            Err(error @ AppError::Invalid { .. }) => {
                credentials_page(&state, &identity, uri.path(), form.find, false, Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
