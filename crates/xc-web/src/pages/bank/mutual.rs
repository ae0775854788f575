//! The pages of mutual recognition between cities (issue 4 §8), over `crate::mutual`:
//!
//! - `/bank/trust` (credit-bank staff): the trust list with each bank's DID, address, pinned
//!   keys and institution number, a form that adds a bank by name and address
//!   (`POST /bank/trust`), and a button per bank that fetches its keys again
//!   (`POST /bank/trust/{id}/refresh`); taking trust back with a reason: a bank off the list
//!   (`POST /bank/trust/{id}/remove`) or back on it (`…/restore`), a key distrusted for good
//!   (`…/distrust`, the key in the form);
//! - `/me/credentials/bring` (learners): paste (`POST /me/credentials/bring`) or upload
//!   (`POST /me/credentials/bring/upload`, at most 1 MB) a credential from another city's bank;
//!   the answer is what was accepted and how this bank recognises it, or the specific reason it
//!   was refused; below, every credential the learner brought.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use xc_store::{ExternalOutcomeRecord, OutcomeRecord, TrustChange, TrustedBankRecord, Withdrawal};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use super::FormFields;
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::mutual;
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bank/trust", get(trust_list).post(add_bank))
        .route("/bank/trust/{id}/refresh", post(refresh_bank))
        .route("/bank/trust/{id}/{change}", post(change_bank))
        .route("/me/credentials/bring", get(bring_form).post(bring_pasted))
        .route(
            "/me/credentials/bring/upload",
            post(bring_uploaded)
                .layer(DefaultBodyLimit::max(mutual::BRING_LIMIT_BYTES + 16 * 1024)),
        )
}

// ---- the trust list ---------------------------------------------------------------------------

fn withdrawn(withdrawal: &Withdrawal) -> String {
    format!("{}：{}", date_time(withdrawal.at), withdrawal.reason)
}

fn bank_row(bank: &TrustedBankRecord) -> TrustedBankRow {
    TrustedBankRow {
        id: bank.id,
        name: bank.name.clone(),
        did: bank.did.clone(),
        base_url: bank.base_url.clone(),
        institution: bank.institution.get(),
        refreshed_at: date_time(bank.refreshed_at),
        keys: bank
            .keys
            .iter()
            .map(|pinned| PinnedKeyRow {
                key_id: pinned.key.key_id.clone(),
                multikey: pinned.key.public_key_multibase.clone(),
                distrusted: pinned.distrusted.as_ref().map(withdrawn),
            })
            .collect(),
        removed: bank.removed.as_ref().map(withdrawn),
    }
}

async fn trust_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<String>,
    typed: (String, String),
    error: Option<AppError>,
) -> AppResult<Response> {
    let banks = mutual::trusted_banks(state, identity).await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&TrustListPage {
        chrome: Chrome::new(identity, "/bank/trust"),
        rows: banks.iter().map(bank_row).collect(),
        notice,
        name: typed.0,
        base_url: typed.1,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|error| error.to_string()),
    })?;
    Ok((status, response).into_response())
}

async fn trust_list(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = trust_page(&state, &identity, None, Default::default(), None).await;
    page(&identity, &uri, result)
}

/// Whether a refusal is shown on the form (the caller's to correct) rather than as an error page.
fn shown_on_form(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::BankFetch(_)
            | AppError::DidDocument(_)
    )
}

async fn add_bank(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let form = FormFields::new(form?, &["name", "base_url"])?;
        let (name, base_url) = (form.one("name"), form.one("base_url"));
        match mutual::add_trusted_bank(&state, &identity, &name, &base_url).await {
            Ok(bank) => {
                let notice = format!("{} {}", chrome_text(&identity).trust_added, bank.name);
                trust_page(&state, &identity, Some(notice), Default::default(), None).await
            }
            Err(error) if shown_on_form(&error) => {
                trust_page(&state, &identity, None, (name, base_url), Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

fn chrome_text(identity: &Identity) -> &'static Text {
    identity.prefs.lang.text()
}

async fn refresh_bank(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        FormFields::new(form?, &[])?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound {
            what: "trusted bank",
        })?;
        let refreshed = mutual::refresh_trusted_bank(&state, &identity, id).await;
        let notice = refreshed.map(|(bank, new_keys)| {
            let t = chrome_text(&identity);
            format!("{}：{} {new_keys}", bank.name, t.trust_refreshed)
        });
        after_change(&state, &identity, notice).await
    }
    .await;
    page(&identity, &uri, result)
}

/// The list again after a change of one entry: with `notice` when it was made, or with the
/// refusal on the form when it is the caller's to correct.
async fn after_change(
    state: &AppState,
    identity: &Identity,
    notice: AppResult<String>,
) -> AppResult<Response> {
    match notice {
        Ok(notice) => trust_page(state, identity, Some(notice), Default::default(), None).await,
        Err(error) if shown_on_form(&error) => {
            trust_page(state, identity, None, Default::default(), Some(error)).await
        }
        Err(other) => Err(other),
    }
}

/// `POST /bank/trust/{id}/remove|restore|distrust` with the reason (and, to distrust, the
/// key's id): the list again with what was recorded, or with the refusal on the form.
async fn change_bank(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path((id, change)): Path<(String, String)>,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let not_found = || AppError::NotFound {
            what: "trusted bank",
        };
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let (form, change) = match change.as_str() {
            "remove" => (FormFields::new(form?, &["reason"])?, TrustChange::Remove),
            "restore" => (FormFields::new(form?, &["reason"])?, TrustChange::Restore),
            "distrust" => {
                let form = FormFields::new(form?, &["reason", "key_id"])?;
                let key_id = form.one("key_id").trim().to_owned();
                (form, TrustChange::Distrust { key_id })
            }
            _ => return Err(not_found()),
        };
        let changed =
            mutual::change_trust(&state, &identity, id, change, &form.one("reason")).await;
        let notice =
            changed.map(|bank| format!("{} {}", chrome_text(&identity).trust_changed, bank.name));
        after_change(&state, &identity, notice).await
    }
    .await;
    page(&identity, &uri, result)
}

// ---- a brought outcome under review ----------------------------------------------------------

/// The provenance of `outcome` for its reviewer, `None` when it was not brought from another
/// bank. The issuing bank's level and credits are read from the credential as stored.
pub(super) async fn external_view(
    state: &AppState,
    outcome: xc_domain::credit::OutcomeId,
) -> AppResult<Option<ExternalView>> {
    let Some(record) = state.store.external_outcome(outcome).await? else {
        return Ok(None);
    };
    let bank = state.store.trusted_bank(record.bank).await?;
    let document: serde_json::Value = serde_json::from_str(&record.provenance.document)
        .map_err(|error| AppError::Internal(error.into()))?;
    let subject = &document["credentialSubject"];
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    Ok(Some(ExternalView {
        bank: bank.name,
        credential_id: record.provenance.credential_id,
        their_level: text(&subject["achievement"]["alignment"][0]["targetName"]),
        their_credits: text(&subject["creditsEarned"]),
        verified_at: date_time(record.provenance.verified_at),
        status_check: record.provenance.status_check,
        inclusion_check: record.provenance.inclusion_check,
    }))
}

// ---- bringing a credential --------------------------------------------------------------------

fn brought_row(
    external: &ExternalOutcomeRecord,
    outcome: &OutcomeRecord,
    bank: &TrustedBankRecord,
    t: &'static Text,
) -> BroughtRow {
    let badge = super::badge(outcome.status, false, t);
    BroughtRow {
        title: outcome.submitted.title.as_str().to_owned(),
        bank: bank.name.clone(),
        badge: badge.label,
        badge_class: badge.class,
        verified_at: date_time(external.provenance.verified_at),
        verified_with: external.provenance.verified_with.clone(),
        status_check: external.provenance.status_check.clone(),
        inclusion_check: external.provenance.inclusion_check.clone(),
    }
}

/// The bring page: the result or refusal of what was just brought, the form (with the text
/// kept after a refusal), and the learner's brought credentials.
async fn bring_page(
    state: &AppState,
    identity: &Identity,
    text: String,
    outcome: Option<AppResult<mutual::BroughtResult>>,
) -> AppResult<Response> {
    let chrome = Chrome::new(identity, "/me/credentials/bring");
    let t = chrome.t;
    let (result, error, status) = match outcome {
        None => (None, None, StatusCode::OK),
        Some(Ok(brought)) => (
            Some(BroughtShown {
                stored_now: brought.brought.stored_now,
                row: brought_row(&brought.external, &brought.outcome, &brought.bank, t),
            }),
            None,
            if brought.brought.stored_now {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
        ),
        Some(Err(
            error @ (AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::ExternalCredential(_)),
        )) => {
            let status = error.status();
            (None, Some(error), status)
        }
        Some(Err(other)) => return Err(other),
    };
    let rows = mutual::my_brought(state, identity)
        .await?
        .iter()
        .map(|(external, outcome, bank)| brought_row(external, outcome, bank, t))
        .collect();
    let error_code = match &error {
        Some(AppError::ExternalCredential(refusal)) => refusal.code().to_owned(),
        _ => String::new(),
    };
    let response = render(&BringPage {
        chrome,
        text: if result.is_some() {
            String::new()
        } else {
            text
        },
        result,
        error: error.map(|error| error.to_string()),
        error_code,
        rows,
    })?;
    Ok((status, response).into_response())
}

async fn bring_form(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = async {
        identity.require_to(xc_domain::Action::BringCredentials, BRING_WHY)?;
        bring_page(&state, &identity, String::new(), None).await
    }
    .await;
    page(&identity, &uri, result)
}

const BRING_WHY: &str = "only a learner brings credentials into their own archive";

/// Reads and brings `text`; a problem with the input is shown on the page like a refusal.
async fn bring_text(
    state: &AppState,
    identity: &Identity,
    text: String,
    field: &str,
) -> AppResult<Response> {
    let outcome = match mutual::parse_brought(&text, field) {
        Ok((credential, bundle)) => {
            mutual::bring_credential(state, identity, credential, bundle).await
        }
        Err(error) => Err(error),
    };
    bring_page(state, identity, text, Some(outcome)).await
}

async fn bring_pasted(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let form = FormFields::new(form?, &["text"])?;
        identity.require_to(xc_domain::Action::BringCredentials, BRING_WHY)?;
        bring_text(&state, &identity, form.one("text"), "text").await
    }
    .await;
    page(&identity, &uri, result)
}

async fn bring_uploaded(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let result = async {
        identity.require_to(xc_domain::Action::BringCredentials, BRING_WHY)?;
        let multipart = multipart.map_err(|rejection| {
            AppError::BadRequest(format!(
                "send the file as a form upload: {}",
                rejection.body_text()
            ))
        })?;
        match super::share::read_verify_upload(&identity, multipart).await {
            Ok(text) => bring_text(&state, &identity, text, "file").await,
            Err(error @ AppError::Invalid { .. }) => {
                bring_page(&state, &identity, String::new(), Some(Err(error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
