//! Credit-bank staff's page of accredited providers, `/bank/providers`: every decision in the
//! order made with where its provider stands today, and one form that grants or withdraws an
//! accreditation (refused as typed, with the field, 422). Through `crate::bank::accreditation`,
//! as the API.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use xc_domain::credit::AccreditationStatus;

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use super::{PublishedQuery, name_of, provider_names};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::accreditation::{self as ops, AccreditationText};
use crate::bank::today;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Text;
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/bank/providers", get(providers).post(record))
}

/// Where a provider stands, in the page's words.
pub(super) fn status_label(status: AccreditationStatus, t: &'static Text) -> &'static str {
    match status {
        AccreditationStatus::Accredited { .. } => t.provider_accredited,
        AccreditationStatus::Expired { .. } => t.provider_expired,
        AccreditationStatus::Withdrawn { .. } => t.provider_withdrawn,
        AccreditationStatus::Never => t.provider_never,
    }
}

async fn providers_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    notice: bool,
    typed: Option<(AccreditationValues, AppError)>,
) -> AppResult<Response> {
    let (records, standards) = ops::accreditations(state, identity).await?;
    let names =
        provider_names(state, records.iter().map(|r| r.decision.provider).collect()).await?;
    let chrome = Chrome::new(identity, path);
    let t = chrome.t;
    let today = today();
    let rows = records
        .iter()
        .map(|record| {
            let decision = &record.decision;
            AccreditationRow {
                provider: format!(
                    "{} ({})",
                    name_of(&names, decision.provider),
                    decision.provider
                ),
                decision: if decision.accredited {
                    t.accreditation_grant
                } else {
                    t.accreditation_withdraw
                },
                from: decision.from.to_string(),
                until: decision
                    .until
                    .map(|until| until.to_string())
                    .unwrap_or_default(),
                decided_at: date_time(decision.decided_at),
                decided_by: record.decider.clone().unwrap_or_default(),
                reason: decision.reason.clone(),
                status_today: status_label(standards.accreditation(decision.provider, today), t),
            }
        })
        .collect();
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (AccreditationValues::default(), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&ProvidersPage {
        notice: notice.then_some(t.accreditation_recorded_notice),
        rows,
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn providers(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        providers_page(
            &state,
            &identity,
            uri.path(),
            query.published.is_some(),
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct AccreditationForm {
    provider_id: String,
    decision: String,
    from: String,
    until: String,
    reason: String,
}

async fn record(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<AccreditationForm>,
) -> Response {
    let result = async {
        let form = form?;
        let some = |text: &String| Some(text.clone());
        let text = AccreditationText {
            provider_id: some(&form.provider_id),
            decision: some(&form.decision),
            from: some(&form.from),
            until: some(&form.until),
            reason: some(&form.reason),
        };
        match ops::record(&state, &identity, &text).await {
            Ok(_) => Ok(Redirect::to("/bank/providers?published=1").into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                let values = AccreditationValues {
                    provider_id: form.provider_id,
                    decision: form.decision,
                    from: form.from,
                    until: form.until,
                    reason: form.reason,
                };
                providers_page(&state, &identity, uri.path(), false, Some((values, error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
