//! The learner code's pages: `/me/code`, the learner's QR code for this minute (the page's
//! script fetches the next one each minute; the "show a new code" link does it without
//! JavaScript), and `/sites/{id}/check-in`, where staff who run the site scan codes (camera with
//! BarcodeDetector where the browser has it, and always a text field for a scanner gun or a
//! paste) and see the verdict in big words. Through `crate::learner_code`, as the API.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use xc_domain::SiteId;

use super::templates::*;
use super::{Chrome, CsrfFormResult, ListPage, ListQuery, page, render};
use crate::AppState;
use crate::api::code_in_path;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Text;
use crate::learner_code::{self as ops, CodeRefusal};
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/code", get(my_code))
        .route("/check-in", get(check_in_sites))
        .route("/sites/{id}/check-in", get(check_in_form).post(check_in))
}

async fn my_code(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let code = ops::my_learner_code(&state, &identity).await?;
        let local = code.refresh_at.to_offset(time::macros::offset!(+8));
        let mut response = render(&LearnerCodePage {
            chrome: Chrome::new(&identity, uri.path()),
            token: code.token,
            svg: code.svg,
            refresh_at_unix: code.refresh_at.unix_timestamp(),
            changes_at: format!("{:02}:{:02}", local.hour(), local.minute()),
        })?;
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        Ok(response)
    }
    .await;
    page(&identity, &uri, result)
}

/// How many sites a page of the check-in entry list shows.
const CHECK_IN_SITES_PER_PAGE: u32 = 100;

/// The sites the staff member checks learners in at, each linked to its check-in page, a
/// hundred a page (a district administrator runs many).
async fn check_in_sites(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ListQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        let list_page = ListPage::from_query(query.page, CHECK_IN_SITES_PER_PAGE);
        let sites = ops::my_check_in_sites(&state, &identity, list_page.request()).await?;
        render(&CheckInSitesPage {
            chrome: Chrome::new(&identity, uri.path()),
            page: list_page.number,
            pages: list_page.pages(sites.total),
            total: sites.total,
            sites: sites
                .items
                .into_iter()
                .map(|site| (site.id.get(), site.name))
                .collect(),
        })
    }
    .await;
    page(&identity, &uri, result)
}

fn refusal_words(refusal: CodeRefusal, t: &'static Text) -> &'static str {
    match refusal {
        CodeRefusal::Malformed => t.check_in_refused_malformed,
        CodeRefusal::Forged => t.check_in_refused_forged,
        CodeRefusal::Expired => t.check_in_refused_expired,
        CodeRefusal::NotYetValid => t.check_in_refused_not_yet_valid,
        CodeRefusal::WrongPurpose => t.check_in_refused_wrong_purpose,
        CodeRefusal::Replayed => t.check_in_refused_replayed,
        CodeRefusal::UnknownLearner => t.check_in_refused_unknown_learner,
    }
}

async fn check_in_form(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let site = ops::check_in_site(&state, &identity, code_in_path(&id, SiteId::parse)?).await?;
        render(&CheckInPage {
            chrome: Chrome::new(&identity, uri.path()),
            site_id: site.id.get(),
            site_name: site.name,
            done: None,
            refusal: None,
        })
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInForm {
    #[serde(default)]
    code: String,
}

async fn check_in(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<CheckInForm>,
) -> Response {
    let result: AppResult<Response> = async {
        let form = form?;
        let site_id = code_in_path(&id, SiteId::parse)?;
        let chrome = Chrome::new(&identity, uri.path());
        match ops::check_in(&state, &identity, site_id, &form.code).await {
            Ok(done) => render(&CheckInPage {
                site_id: done.site.id.get(),
                site_name: done.site.name.clone(),
                done: Some(CheckInDone {
                    learner: done.learner,
                    at: date_time(done.at),
                    points: done.points,
                }),
                refusal: None,
                chrome,
            }),
            Err(error @ AppError::LearnerCode(refusal)) => {
                let site = ops::check_in_site(&state, &identity, site_id).await?;
                let t = chrome.t;
                let response = render(&CheckInPage {
                    site_id: site.id.get(),
                    site_name: site.name,
                    done: None,
                    refusal: Some(CheckInRefused {
                        code: refusal.code(),
                        words: refusal_words(refusal, t),
                    }),
                    chrome,
                })?;
                Ok((error.status(), response).into_response())
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
