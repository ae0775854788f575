//! The learning record store's HTTP face under `/xapi/` (issue 5, SPEC C5; docs/xapi.md): the
//! Statement, State, Activity Profile, Agent Profile, Activities, Agents and About resources of
//! xAPI 1.0.3 and 2.0, for learning platforms authenticated by HTTP Basic credentials
//! ([`clients`]). These routes sit outside the pages' session middleware: xAPI has its own
//! authentication, its own error statuses (`AppError::Xapi`) and answers every request with
//! `X-Experience-API-Version` and the CORS headers browsers' xAPI clients need.
//!
//! The validation, formats and document rules are `xc_xapi`'s; storage is `LrsStore`. What this
//! layer owns: reading a request in either syntax ([`request`]), who may do what, what the LRS
//! assigns to a statement, the `more` links, and `X-Experience-API-Consistent-Through`
//! ([`Lrs::consistent_through`]).

pub mod clients;
mod definitions;
mod documents;
pub(crate) mod openapi;
mod request;
mod statements;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::json;
use time::OffsetDateTime;
use xc_store::{from_micros, micros};
use xc_xapi::XapiVersion;
use xc_xapi::documents::DocumentResource;
use xc_xapi::version::VERSION_HEADER;

use crate::AppState;
use crate::error::AppResult;
use request::XapiRequest;

/// The largest request body the LRS accepts (a batch of statements with its attachments, or
/// one document); larger is 413.
pub const XAPI_BODY_LIMIT_BYTES: usize = 32 * 1024 * 1024;

/// The header naming the time up to which every stored statement is visible.
pub(crate) const CONSISTENT_THROUGH: &str = "x-experience-api-consistent-through";

/// The versions `/xapi/about` lists: every 1.0.x patch and 2.0.0 are accepted.
const ABOUT_VERSIONS: [&str; 5] = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"];

/// What the LRS keeps between requests: the statement writes under way, for
/// `X-Experience-API-Consistent-Through`.
#[derive(Debug, Default)]
pub struct Lrs {
    /// `(stored in microseconds, ticket)` of every statement write not yet committed.
    in_flight: Mutex<BTreeMap<(i64, u64), ()>>,
    tickets: AtomicU64,
}

/// A statement write under way; dropping it (committed or failed) ends it.
pub(crate) struct InFlight<'a> {
    lrs: &'a Lrs,
    key: (i64, u64),
    stored: OffsetDateTime,
}

impl InFlight<'_> {
    /// The `stored` time of the write's statements (microsecond precision, as stored).
    pub(crate) fn stored(&self) -> OffsetDateTime {
        self.stored
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.lrs
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl Lrs {
    /// Starts a statement write: its `stored` time is taken now, under the same lock
    /// [`Lrs::consistent_through`] reads, so no answer can claim a time this write's statements
    /// are not yet visible at.
    pub(crate) fn begin_write(&self) -> InFlight<'_> {
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = OffsetDateTime::now_utc();
        let stored = from_micros(micros(now)).unwrap_or(now);
        let key = (micros(stored), ticket);
        in_flight.insert(key, ());
        InFlight {
            lrs: self,
            key,
            stored,
        }
    }

    /// The latest time up to which every statement stored is visible to queries: just before
    /// the earliest write under way, or just before now. (One process: the writes of another
    /// process on the same PostgreSQL database are not seen here; docs/xapi.md.)
    pub(crate) fn consistent_through(&self) -> OffsetDateTime {
        let in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let earliest = match in_flight.keys().next() {
            Some((stored, _)) => from_micros(*stored).unwrap_or_else(|_| OffsetDateTime::now_utc()),
            None => OffsetDateTime::now_utc(),
        };
        earliest - time::Duration::microseconds(1)
    }
}

/// The `/xapi/` routes, with their own body limit and headers.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/xapi/statements", any(statements))
        .route("/xapi/activities/state", any(state_documents))
        .route("/xapi/activities/profile", any(activity_profiles))
        .route("/xapi/agents/profile", any(agent_profiles))
        .route("/xapi/activities", any(activities))
        .route("/xapi/agents", any(agents))
        .route("/xapi/about", any(about))
        .layer(DefaultBodyLimit::max(XAPI_BODY_LIMIT_BYTES))
        .layer(middleware::from_fn(xapi_headers))
}

/// Sets `X-Experience-API-Version` on a response.
pub(crate) fn with_version(mut response: Response, version: XapiVersion) -> Response {
    response.headers_mut().insert(
        VERSION_HEADER,
        HeaderValue::from_static(version.response_header()),
    );
    response
}

const CORS_ALLOW_HEADERS: &str = "Authorization, Content-Type, Content-Length, If-Match, If-None-Match, X-Experience-API-Version, Accept-Language";
const CORS_EXPOSE_HEADERS: &str = "ETag, Last-Modified, Content-Type, X-Experience-API-Version, X-Experience-API-Consistent-Through";

/// Answers CORS preflights, and gives every answer the version header (the request's family,
/// when a handler did not set it) and the CORS headers.
async fn xapi_headers(request: Request, next: Next) -> Response {
    let sent = request.headers().get(VERSION_HEADER).is_some();
    let requested = request
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| XapiVersion::parse(v.trim()))
        .unwrap_or(XapiVersion::LATEST_2_0);
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let refused_for_lack_of_version = !sent && response.status() == StatusCode::BAD_REQUEST;
    let headers = response.headers_mut();
    if !headers.contains_key(VERSION_HEADER) {
        // A request without the header is, historically, a 0.9 request (before 1.0 there was
        // no header), which this LRS does not serve: the refusal says so, as both suites
        // accept. Otherwise the request's family, or the latest.
        let answered = if refused_for_lack_of_version {
            "0.9"
        } else {
            requested.response_header()
        };
        headers.insert(VERSION_HEADER, HeaderValue::from_static(answered));
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, PUT, POST, DELETE, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(CORS_ALLOW_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSE_HEADERS),
    );
    response
}

fn answer(result: AppResult<Response>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn statements(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Every answer to a GET of statements carries X-Experience-API-Consistent-Through,
    // refusals included (Communication 2.1.3); taken before the request is read.
    let reading = method == Method::GET
        || method == Method::HEAD
        || uri
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "method=GET"));
    let consistent_through = state.lrs.consistent_through();
    let mut response = answer(
        async {
            let request = XapiRequest::read(method, &uri, headers, body)?;
            statements::handle(&state, request).await
        }
        .await,
    );
    if reading && !response.headers().contains_key(CONSISTENT_THROUGH) {
        let text = xc_xapi::types::Timestamp::from_datetime(consistent_through).to_rfc3339();
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().insert(CONSISTENT_THROUGH, value);
        }
    }
    response
}

async fn document(
    state: &AppState,
    resource: DocumentResource,
    (method, uri, headers, body): (Method, Uri, HeaderMap, Bytes),
) -> Response {
    answer(
        async {
            let request = XapiRequest::read(method, &uri, headers, body)?;
            documents::handle(state, resource, request).await
        }
        .await,
    )
}

async fn state_documents(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    document(
        &state,
        DocumentResource::State,
        (method, uri, headers, body),
    )
    .await
}

async fn activity_profiles(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    document(
        &state,
        DocumentResource::ActivityProfile,
        (method, uri, headers, body),
    )
    .await
}

async fn agent_profiles(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    document(
        &state,
        DocumentResource::AgentProfile,
        (method, uri, headers, body),
    )
    .await
}

async fn activities(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(
        async {
            let request = XapiRequest::read(method, &uri, headers, body)?;
            definitions::activities(&state, request).await
        }
        .await,
    )
}

async fn agents(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(
        async {
            let request = XapiRequest::read(method, &uri, headers, body)?;
            definitions::agents(&state, request).await
        }
        .await,
    )
}

/// The About resource: no credentials and no version header needed.
async fn about(method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return request::bad("method", "the About resource takes GET and HEAD").into_response();
    }
    Json(json!({"version": ABOUT_VERSIONS, "extensions": {}})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistency_stays_before_every_write_under_way() {
        let lrs = Lrs::default();
        let first = lrs.begin_write();
        let second = lrs.begin_write();
        assert!(first.stored() <= second.stored());
        assert!(lrs.consistent_through() < first.stored());
        drop(first);
        assert!(
            lrs.consistent_through() < second.stored(),
            "the later write is still under way"
        );
        let stored = second.stored();
        drop(second);
        // A clock step past the microsecond the write was stored at.
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert!(lrs.consistent_through() >= stored, "nothing under way: now");
        assert_eq!(stored.nanosecond() % 1_000, 0, "stored to the microsecond");
    }
}
