//! The pages of sharing and verifying credentials (issue 4), over `crate::sharing`:
//!
//! - `POST /me/shares` (the share form on `/me/credentials`: ticked credentials, ticked fields,
//!   1/7/30 days) makes a share and shows it at `/me/shares/{id}`: the link, its QR code, the
//!   views, and a button that revokes it at once (`POST /me/shares/{id}/revoke`);
//! - `/s/{token}`, the page a share link opens, for anyone: the issuer, what the holder chose
//!   to show, and each credential's checks; a revoked or expired share says so and nothing
//!   else (410);
//! - `/verify`: paste (`POST /verify`) or upload (`POST /verify/upload`, at most 1 MB) a
//!   credential, a proof bundle or an SD-JWT, or paste a share link (which is then opened);
//!   the result lists every check with its verdict and the specific reason of a failure.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use time::OffsetDateTime;
use xc_domain::{ShareDuration, ShareField};
use xc_issuer::{InclusionReport, ProofOutcome, StatusReport, VerificationReport};
use xc_store::ShareState;

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use super::FormFields;
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::sharing::{self, OpenedShare, VERIFY_UPLOAD_LIMIT_BYTES, Verified, VerifyInput};
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/shares", post(create_share))
        .route("/me/shares/{id}", get(my_share))
        .route("/me/shares/{id}/revoke", post(revoke_share))
        .route("/s/{token}", get(shared))
        .route("/verify", get(verify_form).post(verify_pasted))
        .route(
            "/verify/upload",
            post(verify_uploaded)
                .layer(DefaultBodyLimit::max(VERIFY_UPLOAD_LIMIT_BYTES + 16 * 1024)),
        )
}

pub(super) fn state_words(state: ShareState, t: &'static Text) -> &'static str {
    match state {
        ShareState::Open => t.share_state_open,
        ShareState::Revoked => t.share_state_revoked,
        ShareState::Expired => t.share_state_expired,
    }
}

fn field_label(field: ShareField, t: &'static Text) -> &'static str {
    match field {
        ShareField::HolderName => t.share_holder_name,
        ShareField::Achievement => t.credential_achievement,
        ShareField::Provider => t.credential_provider,
        ShareField::Credits => t.credential_credits,
        ShareField::Level => t.credential_level,
        ShareField::Dates => t.share_dates,
    }
}

/// The share form's checkboxes: the achievement is ticked to start with.
pub(super) fn field_options(t: &'static Text) -> Vec<FieldOption> {
    ShareField::ALL
        .into_iter()
        .map(|field| FieldOption {
            code: field.code(),
            label: field_label(field, t),
            checked: field == ShareField::Achievement,
        })
        .collect()
}

/// The label of a disclosed claim.
fn claim_label(claim: &str, t: &'static Text) -> &'static str {
    match claim {
        "holder_name" => t.share_holder_name,
        "achievement" => t.credential_achievement,
        "provider" => t.credential_provider,
        "credits" => t.credential_credits,
        "level" => t.credential_level,
        "achieved_on" => t.credential_achieved_on,
        _ => t.credential_issued_at,
    }
}

fn labelled(disclosed: &[(&'static str, String)], t: &'static Text) -> Vec<(&'static str, String)> {
    disclosed
        .iter()
        .map(|(claim, value)| (claim_label(claim, t), value.clone()))
        .collect()
}

fn passed(label: impl Into<String>, detail: String, t: &'static Text) -> CheckRow {
    CheckRow {
        label: label.into(),
        class: "recognised",
        verdict: t.check_ok,
        detail,
    }
}

fn failed(label: impl Into<String>, detail: String, t: &'static Text) -> CheckRow {
    CheckRow {
        label: label.into(),
        class: "rejected",
        verdict: t.check_failed,
        detail,
    }
}

fn not_checked(label: impl Into<String>, detail: String, t: &'static Text) -> CheckRow {
    CheckRow {
        label: label.into(),
        class: "expired",
        verdict: t.check_not_checked,
        detail,
    }
}

/// Every check of a report in words. `whole` false (a share): the validity period's dates are
/// left out, as the holder may not have chosen to show them.
fn report_checks(report: &VerificationReport, t: &'static Text, whole: bool) -> Vec<CheckRow> {
    let mut checks = Vec::new();
    match &report.document {
        Ok(()) => checks.push(passed(t.check_document, String::new(), t)),
        Err(error) => checks.push(failed(t.check_document, error.to_string(), t)),
    }
    for proof in &report.proofs {
        let label = format!(
            "{} {}",
            t.check_proof,
            proof.cryptosuite.as_deref().unwrap_or("?")
        );
        checks.push(match &proof.outcome {
            ProofOutcome::Verified => passed(label, String::new(), t),
            ProofOutcome::Failed(error) => failed(label, error.to_string(), t),
            ProofOutcome::NotChecked => not_checked(label, String::new(), t),
        });
    }
    let period = if whole {
        format!(
            "{} – {}",
            report.validity.valid_from.as_deref().unwrap_or(""),
            report.validity.valid_until.as_deref().unwrap_or("")
        )
    } else {
        String::new()
    };
    checks.push(match &report.validity.result {
        Ok(()) => passed(t.check_validity, period, t),
        Err(error) => failed(t.check_validity, error.to_string(), t),
    });
    checks.push(match &report.status {
        StatusReport::Active | StatusReport::NoStatus => {
            passed(t.check_status, t.credential_status_active.to_owned(), t)
        }
        StatusReport::Revoked => failed(t.check_status, t.credential_status_revoked.to_owned(), t),
        StatusReport::Suspended => {
            failed(t.check_status, t.credential_status_suspended.to_owned(), t)
        }
        StatusReport::NotChecked { reason } => not_checked(t.check_status, reason.clone(), t),
        StatusReport::Unknown { reason } => failed(t.check_status, reason.clone(), t),
    });
    checks.push(match &report.inclusion {
        InclusionReport::Included {
            leaf_index,
            tree_size,
            ..
        } => passed(t.check_inclusion, format!("#{leaf_index} / {tree_size}"), t),
        InclusionReport::NotChecked { reason } => not_checked(t.check_inclusion, reason.clone(), t),
        InclusionReport::Failed(error) => failed(t.check_inclusion, error.to_string(), t),
    });
    checks
}

async fn create_share(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let made = async {
        let form = FormFields::new(pairs?, &["credential", "field", "days"])?;
        let fields = form.all("field");
        let fields = ShareField::parse_set(fields.iter().map(String::as_str))?;
        let duration = ShareDuration::parse(&form.one("days"))?;
        sharing::create_share(&state, &identity, &form.all("credential"), fields, duration).await
    }
    .await;
    let result = match made {
        Ok(share) => Ok(Redirect::to(&format!("/me/shares/{}", share.id)).into_response()),
        Err(AppError::Invalid { reason, .. }) => {
            super::my_credentials::credentials_page(&state, &identity, &uri, Some(reason)).await
        }
        Err(other) => Err(other),
    };
    page(&identity, &uri, result)
}

fn share_id(text: &str) -> AppResult<i64> {
    text.parse()
        .map_err(|_| AppError::NotFound { what: "share" })
}

async fn my_share(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let share = sharing::my_share(&state, &identity, share_id(&id)?).await?;
        let chrome = Chrome::new(&identity, uri.path());
        let t = chrome.t;
        let url = sharing::share_url(&state, &share.token);
        let qr_svg = xc_credentials::learner_code::learner_code_svg(&url)
            .map_err(|error| AppError::Internal(error.into()))?;
        let now = OffsetDateTime::now_utc();
        render(&SharePage {
            id: share.id,
            qr_svg,
            url,
            state: state_words(share.state_at(now), t),
            open: share.state_at(now) == ShareState::Open,
            fields: share
                .fields
                .iter()
                .map(|field| field_label(*field, t))
                .collect::<Vec<_>>()
                .join("、"),
            credentials: share.items.len(),
            created_at: date_time(share.created_at),
            expires_at: date_time(share.expires_at),
            views: share.view_count,
            last_viewed: share.last_viewed_at.map(date_time).unwrap_or_default(),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn revoke_share(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        FormFields::new(form?, &[])?;
        let share = sharing::revoke_share(&state, &identity, share_id(&id)?).await?;
        Ok(Redirect::to(&format!("/me/shares/{}", share.id)).into_response())
    }
    .await;
    page(&identity, &uri, result)
}

async fn shared(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(token): Path<String>,
) -> Response {
    let result = shared_page(&state, &identity, &uri, &token).await;
    page(&identity, &uri, result)
}

async fn shared_page(
    state: &AppState,
    identity: &Identity,
    uri: &Uri,
    token: &str,
) -> AppResult<Response> {
    let chrome = Chrome::new(identity, uri.path());
    let t = chrome.t;
    let mut response = match sharing::open_share(state, token).await? {
        OpenedShare::Closed(closed) => {
            let mut response = render(&SharedPage {
                closed: Some(match closed {
                    ShareState::Revoked => t.shared_revoked,
                    _ => t.shared_expired,
                }),
                issuer_name: String::new(),
                issuer_did: String::new(),
                expires_at: String::new(),
                cards: Vec::new(),
                chrome,
            })?;
            *response.status_mut() = StatusCode::GONE;
            response
        }
        OpenedShare::Open {
            issuer_name,
            issuer_did,
            expires_at,
            credentials,
        } => render(&SharedPage {
            closed: None,
            issuer_name,
            issuer_did,
            expires_at: date_time(expires_at),
            cards: credentials
                .iter()
                .map(|credential| {
                    let mut checks = vec![match &credential.disclosed {
                        Ok(_) => passed(t.check_presentation, String::new(), t),
                        Err(error) => failed(t.check_presentation, error.to_string(), t),
                    }];
                    checks.extend(report_checks(&credential.report, t, false));
                    SharedCard {
                        valid: credential.disclosed.is_ok() && credential.report.is_valid(),
                        fields: credential
                            .disclosed
                            .as_ref()
                            .map(|disclosed| labelled(disclosed, t))
                            .unwrap_or_default(),
                        checks,
                        sd_jwt: credential.presentation.clone(),
                    }
                })
                .collect(),
            chrome,
        })?,
    };
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response.headers_mut().insert(
        axum::http::HeaderName::from_static("x-robots-tag"),
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

async fn verify_form(identity: Identity, uri: Uri) -> Response {
    let chrome = Chrome::new(&identity, uri.path());
    let result = render(&VerifyPage {
        chrome,
        text: String::new(),
        error: None,
        result: None,
    });
    page(&identity, &uri, result)
}

/// Verifies `text` (pasted or the uploaded file's) and renders the page: the result, or the
/// problem with the input (422), with the text kept in the form.
async fn verify_page(
    state: &AppState,
    identity: &Identity,
    uri: &Uri,
    text: String,
    field: &str,
) -> AppResult<Response> {
    let chrome = Chrome::new(identity, "/verify");
    let t = chrome.t;
    let outcome = match sharing::parse_input(&text, field) {
        Ok(VerifyInput::ShareLink(token)) => {
            return Ok(Redirect::to(&format!("/s/{token}")).into_response());
        }
        Ok(input) => sharing::verify_input(state, input).await.map(Some),
        Err(error) => Err(error),
    };
    let (result, error) = match outcome {
        Ok(Some(Verified::Credential(report))) => (
            Some(VerifyResult {
                valid: report.is_valid(),
                issuer: report.issuer.clone().unwrap_or_default(),
                fields: Vec::new(),
                checks: report_checks(&report, t, true),
            }),
            None,
        ),
        Ok(Some(Verified::Presentation { issuer, result })) => (
            Some(match result {
                Ok(disclosed) => VerifyResult {
                    valid: true,
                    issuer: issuer.unwrap_or_default(),
                    fields: labelled(&disclosed, t),
                    checks: vec![passed(t.check_presentation, String::new(), t)],
                },
                Err(error) => VerifyResult {
                    valid: false,
                    issuer: String::new(),
                    fields: Vec::new(),
                    checks: vec![failed(t.check_presentation, error.to_string(), t)],
                },
            }),
            None,
        ),
        Ok(None) => (None, None),
        Err(AppError::Invalid { reason, .. }) => (None, Some(reason)),
        Err(other) => return Err(other),
    };
    let refused = error.is_some();
    let _ = uri;
    let mut response = render(&VerifyPage {
        chrome,
        text,
        error,
        result,
    })?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn verify_pasted(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let form = FormFields::new(form?, &["text"])?;
        verify_page(&state, &identity, &uri, form.one("text"), "text").await
    }
    .await;
    page(&identity, &uri, result)
}

/// Reads the upload form: `csrf` first, then `file` (at most [`VERIFY_UPLOAD_LIMIT_BYTES`],
/// UTF-8 text). A file is small enough to be held in memory; a larger one is refused while it
/// is read.
pub(super) async fn read_verify_upload(
    identity: &Identity,
    mut multipart: Multipart,
) -> AppResult<String> {
    let too_large = || AppError::FileTooLarge {
        limit: VERIFY_UPLOAD_LIMIT_BYTES as u64,
    };
    let read_error = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!(
                "the upload could not be read: {}",
                error.body_text()
            ))
        }
    };
    let mut csrf_checked = false;
    let mut content: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(read_error)? {
            if bytes.len() + chunk.len() > VERIFY_UPLOAD_LIMIT_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => {
                let token = String::from_utf8_lossy(&bytes);
                if !identity.csrf_matches(&token) {
                    return Err(AppError::Csrf);
                }
                csrf_checked = true;
            }
            "file" if csrf_checked => content = Some(bytes),
            "file" => return Err(AppError::Csrf),
            other => {
                return Err(AppError::invalid(
                    other,
                    format!("unknown form field '{other}': send the file only"),
                ));
            }
        }
    }
    if !csrf_checked {
        return Err(AppError::Csrf);
    }
    let bytes = content
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| AppError::invalid("file", "choose a credential file to upload"))?;
    String::from_utf8(bytes).map_err(|_| {
        AppError::invalid(
            "file",
            "the file is not text (UTF-8): upload the credential's JSON file",
        )
    })
}

async fn verify_uploaded(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let result = async {
        let multipart = multipart.map_err(|rejection| {
            AppError::BadRequest(format!(
                "send the file as a form upload: {}",
                rejection.body_text()
            ))
        })?;
        match read_verify_upload(&identity, multipart).await {
            Ok(text) => verify_page(&state, &identity, &uri, text, "file").await,
            Err(AppError::Invalid { reason, .. }) => {
                let chrome = Chrome::new(&identity, "/verify");
                let mut response = render(&VerifyPage {
                    chrome,
                    text: String::new(),
                    error: Some(reason),
                    result: None,
                })?;
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                Ok(response)
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
