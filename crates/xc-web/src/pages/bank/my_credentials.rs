//! A learner's own credentials (issue 4): `/me/credentials` lists every credential the credit
//! bank issued them with its status; `/me/credentials/{id}` is a printable certificate (A4 by
//! the print styles every printable page shares) with a QR code of the credential's public URL,
//! which a verifier opens; `/me/credentials/{id}/download` is the signed JSON as an attachment;
//! `/me/credentials/clr.json` is the whole archive as a signed CLR 2.0 `ClrCredential`.
//! Only the learner's own: another's credential is 404, as if it did not exist.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::Value;
use xc_store::{CredentialStatus, IssuedCredentialRecord};

use super::super::templates::*;
use super::super::{Chrome, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::own_learner;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/credentials", get(my_credentials))
        .route("/me/credentials/clr.json", get(download_clr))
        .route("/me/credentials/{id}", get(certificate))
        .route("/me/credentials/{id}/download", get(download))
}

/// The bare UUID of a `urn:uuid:` id (what the page paths carry).
fn uuid_of(id: &str) -> &str {
    id.strip_prefix("urn:uuid:").unwrap_or(id)
}

fn status_words(status: CredentialStatus, t: &'static Text) -> &'static str {
    if status.revoked {
        t.credential_status_revoked
    } else if status.suspended {
        t.credential_status_suspended
    } else {
        t.credential_status_active
    }
}

/// The signed-in learner's credential `id` (a bare UUID), or 404.
async fn own_credential(
    state: &AppState,
    identity: &Identity,
    id: &str,
) -> AppResult<IssuedCredentialRecord> {
    let learner = own_learner(identity)?;
    let credential = state
        .store
        .get_issued_credential(&format!("urn:uuid:{id}"))
        .await?;
    if credential.learner != learner {
        return Err(AppError::NotFound { what: "credential" });
    }
    Ok(credential)
}

async fn status_of(state: &AppState, id: &str) -> AppResult<CredentialStatus> {
    Ok(CredentialStatus::of(
        &state.store.credential_status_changes(Some(id)).await?,
    ))
}

fn text_at(document: &Value, pointer: &str) -> String {
    match document.pointer(pointer) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

async fn my_credentials(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = credentials_page(&state, &identity, &uri, None).await;
    page(&identity, &uri, result)
}

/// The learner's credentials with the share form and their shares; `error` is why the share
/// form was refused (the page is then answered with 422).
pub(super) async fn credentials_page(
    state: &AppState,
    identity: &Identity,
    uri: &Uri,
    error: Option<String>,
) -> AppResult<Response> {
    let learner = own_learner(identity)?;
    let chrome = Chrome::new(identity, uri.path());
    let t = chrome.t;
    let mut rows = Vec::new();
    for credential in state.store.learner_credentials(learner).await? {
        let document: Value = serde_json::from_str(&credential.document).unwrap_or_default();
        rows.push(MyCredentialRow {
            uuid: uuid_of(&credential.id).to_owned(),
            achievement: text_at(&document, "/name"),
            credits: text_at(&document, "/credentialSubject/creditsEarned"),
            issued_at: date_time(credential.issued_at),
            status: status_words(status_of(state, &credential.id).await?, t),
        });
    }
    let now = time::OffsetDateTime::now_utc();
    let shares = crate::sharing::my_shares(state, identity)
        .await?
        .into_iter()
        .map(|share| MyShareRow {
            id: share.id,
            created_at: date_time(share.created_at),
            expires_at: date_time(share.expires_at),
            credentials: share.items.len(),
            views: share.view_count,
            state: super::share::state_words(share.state_at(now), t),
            open: share.state_at(now) == xc_store::ShareState::Open,
        })
        .collect();
    let failed = error.is_some();
    let mut response = render(&MyCredentialsPage {
        rows,
        field_options: super::share::field_options(t),
        shares,
        error,
        chrome,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn certificate(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let credential = own_credential(&state, &identity, &id).await?;
        let chrome = Chrome::new(&identity, uri.path());
        let t = chrome.t;
        let document: Value = serde_json::from_str(&credential.document).unwrap_or_default();
        let verify_url = format!(
            "{}/credentials/{}",
            state.issuer.profile().base_url,
            uuid_of(&credential.id)
        );
        let qr_svg = xc_credentials::learner_code::learner_code_svg(&verify_url)
            .map_err(|error| AppError::Internal(error.into()))?;
        render(&CertificatePage {
            issuer: state.issuer.profile().name.clone(),
            achievement: text_at(&document, "/name"),
            criteria: text_at(
                &document,
                "/credentialSubject/achievement/criteria/narrative",
            ),
            provider: text_at(&document, "/credentialSubject/achievement/creator/name"),
            level: text_at(
                &document,
                "/credentialSubject/achievement/alignment/0/targetName",
            ),
            credits: text_at(&document, "/credentialSubject/creditsEarned"),
            achieved_on: text_at(&document, "/credentialSubject/activityEndDate")
                .chars()
                .take(10)
                .collect(),
            issued_at: date_time(credential.issued_at),
            credential_id: credential.id.clone(),
            uuid: uuid_of(&credential.id).to_owned(),
            status: status_words(status_of(&state, &credential.id).await?, t),
            verify_url,
            qr_svg,
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn download(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let credential = own_credential(&state, &identity, &id).await?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"credential-{}.json\"",
                        uuid_of(&credential.id)
                    ),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            credential.document,
        )
            .into_response())
    }
    .await;
    page(&identity, &uri, result)
}

/// The learner's whole archive as a signed CLR 2.0 `ClrCredential` (made now, every issued
/// credential inside as issued), as an attachment.
async fn download_clr(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = async {
        let learner = own_learner(&identity)?;
        let clr = state
            .issuer
            .clr_for(&*state.store, learner, state.config.clock.now())
            .await?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"learning-record-clr.json\"".to_owned(),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            clr.to_string(),
        )
            .into_response())
    }
    .await;
    page(&identity, &uri, result)
}
