//! Erasure on request, `/me/erase`: what goes, what stays and why, the data download first, and a
//! form where the learner types the confirmation word; then `/erased`, a plain confirmation for
//! the person now signed out. Through `crate::bank::erase`, as the API.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use xc_domain::Action;

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::erase as ops;
use crate::error::{AppError, AppResult};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/erase", get(erase_form).post(erase))
        .route("/erased", get(erased))
}

fn erase_page(
    identity: &Identity,
    path: &str,
    typed: String,
    error: Option<&AppError>,
) -> AppResult<Response> {
    identity.require_to(
        Action::EraseOwnData,
        "only a learner asks for their own account to be erased",
    )?;
    let chrome = Chrome::new(identity, path);
    let status = error.map_or(StatusCode::OK, AppError::status);
    let response = render(&ErasePage {
        error: error.map(|_| chrome.t.erase_confirm_wrong),
        typed,
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn erase_form(identity: Identity, uri: Uri) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = erase_page(&identity, uri.path(), String::new(), None);
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseForm {
    #[serde(default)]
    confirm: String,
}

async fn erase(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<EraseForm>,
) -> Response {
    let result = async {
        let form = form?;
        match ops::erase_own(&state, &identity, Some(&form.confirm)).await {
            Ok(erased) => Ok((
                [(header::SET_COOKIE, erased.clear_session.to_string())],
                Redirect::to("/erased"),
            )
                .into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                erase_page(&identity, uri.path(), form.confirm, Some(&error))
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn erased(identity: Identity, uri: Uri) -> Response {
    let chrome = Chrome::new(&identity, uri.path());
    page(&identity, &uri, render(&ErasedPage { chrome }))
}
