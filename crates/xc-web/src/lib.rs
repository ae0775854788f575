//! The web face of xuecheng: one axum [`router`] serving the server-rendered pages, the JSON API
//! under `/api/v1` (described by the OpenAPI 3.1 document at `/api/openapi.json`, browsable at
//! `/api/docs` with no network), `/healthz`, `/readyz` and Prometheus `/metrics`.
//!
//! Path of a request: `metrics::track` (counts and times it) → `auth::identify` (session cookie
//! or bearer token → `Identity`, preferences, CSRF) → the handler (parses input into domain
//! types through the extractors in `extract`, asks `Identity` for the principal, calls the store
//! with the principal's scope) → `AppError` or a response.

pub mod accounts;
pub mod api;
pub mod auth;
mod error;
mod extract;
pub mod i18n;
mod metrics;
pub mod pages;
mod views;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tower_http::trace::TraceLayer;
use xc_privacy::PiiVault;
use xc_store::{Overview, Store};

pub use error::{AppError, AppResult, ErrorBody};

/// The largest request body accepted anywhere (forms and JSON alike).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Settings of the web layer, from the `[web]` section of the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on whenever the site is served over HTTPS).
    pub secure_cookies: bool,
    pub session_ttl: time::Duration,
    pub login_max_failures: usize,
    pub login_window: Duration,
    /// How long the city figures on the home and district pages may be stale.
    pub overview_ttl: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: time::Duration::hours(12),
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            overview_ttl: Duration::from_secs(10),
        }
    }
}

/// City (`None`) and district figures with the time they were counted.
type OverviewCache = HashMap<Option<String>, (Instant, Overview)>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub vault: PiiVault,
    pub config: Arc<WebConfig>,
    throttle: Arc<auth::LoginThrottle>,
    metrics: Arc<metrics::Metrics>,
    overviews: Arc<tokio::sync::Mutex<OverviewCache>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store.engine())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, vault: PiiVault, config: WebConfig) -> Self {
        Self {
            store,
            vault,
            throttle: Arc::new(auth::LoginThrottle::new(
                config.login_max_failures,
                config.login_window,
            )),
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::new()),
            overviews: Arc::default(),
        }
    }

    /// City or district figures, cached for `overview_ttl` so busy pages do not count a million
    /// rows on every view.
    pub async fn overview(
        &self,
        district: Option<&xc_domain::DistrictCode>,
    ) -> AppResult<Overview> {
        let key = district.map(|d| d.as_str().to_owned());
        let mut cache = self.overviews.lock().await;
        if let Some((at, overview)) = cache.get(&key)
            && at.elapsed() < self.config.overview_ttl
        {
            return Ok(overview.clone());
        }
        let year = time::OffsetDateTime::now_utc().year();
        let overview = self.store.overview(district, year).await?;
        cache.insert(key, (Instant::now(), overview.clone()));
        Ok(overview)
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api_routes, openapi) = api::routes().split_for_parts();
    let openapi_json = Arc::new(openapi.clone());
    Router::new()
        .merge(pages::routes())
        .merge(api_routes)
        .route(
            "/api/openapi.json",
            get(move || async move { Json(openapi_json.as_ref().clone()) }),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", openapi),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::serve))
        .route("/static/app.css", get(stylesheet))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the store answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, format!("ready ({})", state.store.engine())).into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            AppError::Unavailable.into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}
