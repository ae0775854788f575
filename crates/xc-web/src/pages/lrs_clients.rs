//! The learning record store's clients page, `/bank/lrs-clients` (credit-bank staff and city
//! administrators): every learning platform that reports into `/xapi/` with its key, scopes and
//! institution, and a form that creates one. The secret is shown once, on the page that answers
//! the form; only its hash is kept. Creation goes through `xapi::clients::create_client`, as the
//! `xuecheng lrs-client create` command does.

use axum::Router;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use xc_domain::{Action, InstitutionId};
use xc_xapi::scope::Scope;

use super::bank::FormFields;
use super::templates::{LrsClientRow, LrsClientsPage, NewClientShown, ScopeOption};
use super::{Chrome, CsrfFormResult, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::views::date_time;
use crate::xapi::clients::{ClientRequest, create_client, revoke_client};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bank/lrs-clients", get(clients).post(create))
        .route("/bank/lrs-clients/{key}/revoke", post(revoke))
}

const WHY: &str = "only credit-bank staff and city administrators manage learning platforms";

/// A scope in the page's words.
fn scope_label(scope: Scope, t: &'static Text) -> &'static str {
    match scope {
        Scope::All => t.lrs_scope_all,
        Scope::StatementsWrite => t.lrs_scope_statements_write,
        Scope::StatementsRead => t.lrs_scope_statements_read,
        Scope::StatementsReadMine => t.lrs_scope_statements_read_mine,
        Scope::State => t.lrs_scope_state,
        Scope::Profile => t.lrs_scope_profile,
    }
}

/// What the form held, shown again with a refusal.
#[derive(Debug, Default)]
struct Typed {
    name: String,
    institution: String,
    scopes: Vec<Scope>,
}

async fn clients_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    created: Option<NewClientShown>,
    typed: Option<(Typed, AppError)>,
) -> AppResult<Response> {
    identity.require_to(Action::ManageLrsClients, WHY)?;
    let chrome = Chrome::new(identity, path);
    let t = chrome.t;
    let rows = state
        .store
        .list_lrs_clients()
        .await?
        .into_iter()
        .map(|client| LrsClientRow {
            name: client.name,
            key: client.key,
            institution: client
                .institution
                .map(|i| i.get().to_string())
                .unwrap_or_default(),
            scopes: client
                .scopes
                .iter()
                .map(|s| scope_label(*s, t))
                .collect::<Vec<_>>()
                .join("、"),
            created_at: date_time(client.created_at),
            revoked_at: client.revoked_at.map(date_time),
        })
        .collect();
    let (typed, error) = match typed {
        Some((typed, error)) => (typed, Some(error)),
        None => (
            Typed {
                scopes: vec![Scope::StatementsWrite],
                ..Typed::default()
            },
            None,
        ),
    };
    let scope_options = Scope::ALL
        .into_iter()
        .map(|scope| ScopeOption {
            value: scope.as_str(),
            label: scope_label(scope, t),
            checked: typed.scopes.contains(&scope),
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&LrsClientsPage {
        endpoint: format!("{}/xapi/", state.issuer.profile().base_url),
        rows,
        created,
        name: typed.name,
        institution: typed.institution,
        scope_options,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn clients(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = clients_page(&state, &identity, uri.path(), None, None).await;
    page(&identity, &uri, result)
}

/// Reads the form's pairs (`name`, `institution`, `scope` repeated); unknown fields refused.
fn read_form(pairs: &[(String, String)]) -> AppResult<(Typed, AppResult<ClientRequest>)> {
    let mut typed = Typed::default();
    let mut bad_scope = None;
    for (name, value) in pairs {
        match name.as_str() {
            "name" => typed.name = value.clone(),
            "institution" => typed.institution = value.trim().to_owned(),
            "scope" => match Scope::parse(value, "scope") {
                Ok(scope) => typed.scopes.push(scope),
                Err(error) => bad_scope = Some(AppError::invalid("scope", error.reason)),
            },
            other => {
                return Err(AppError::invalid(
                    other.to_owned(),
                    "is not a field of this form",
                ));
            }
        }
    }
    let request = match bad_scope {
        Some(error) => Err(error),
        None => {
            let institution = if typed.institution.is_empty() {
                Ok(None)
            } else {
                InstitutionId::parse(&typed.institution)
                    .map(Some)
                    .map_err(AppError::from)
            };
            institution.map(|institution| ClientRequest {
                name: typed.name.clone(),
                institution,
                scopes: typed.scopes.clone(),
            })
        }
    };
    Ok((typed, request))
}

async fn create(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let principal = identity.require_to(Action::ManageLrsClients, WHY)?;
        let (typed, request) = read_form(&pairs?)?;
        let outcome = match request {
            Ok(request) => {
                create_client(&*state.store, &request, principal.user_id, identity.actor()).await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(created) => {
                let shown = NewClientShown {
                    name: typed.name.trim().to_owned(),
                    key: created.key,
                    secret: created.secret,
                };
                clients_page(&state, &identity, uri.path(), Some(shown), None).await
            }
            Err(error @ AppError::Invalid { .. }) => {
                clients_page(&state, &identity, uri.path(), None, Some((typed, error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

/// Revokes a platform's credentials (the form on each row), then shows the list again.
async fn revoke(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(key): Path<String>,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        identity.require_to(Action::ManageLrsClients, WHY)?;
        FormFields::new(pairs?, &[])?;
        revoke_client(
            &*state.store,
            &key,
            state.config.clock.now(),
            identity.actor(),
        )
        .await?;
        Ok(Redirect::to("/bank/lrs-clients").into_response())
    }
    .await;
    page(&identity, &uri, result)
}
