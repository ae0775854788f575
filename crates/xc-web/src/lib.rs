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
mod cache;
mod error;
mod extract;
pub mod i18n;
mod metrics;
pub mod pages;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use cache::TtlCache;
use tower_http::trace::TraceLayer;
use xc_domain::{DistrictCode, SubdistrictCode};
use xc_privacy::PiiVault;
use xc_store::{
    District, Neighbourhood, Overview, PageRequest, Paged, Site, SiteFilter, Store, Subdistrict,
};

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

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub vault: PiiVault,
    pub config: Arc<WebConfig>,
    throttle: Arc<auth::LoginThrottle>,
    metrics: Arc<metrics::Metrics>,
    overviews: Arc<TtlCache<Option<DistrictCode>, Overview>>,
    district_views: Arc<TtlCache<DistrictCode, DistrictView>>,
    subdistrict_views: Arc<TtlCache<SubdistrictCode, SubdistrictView>>,
}

/// What a district page lists.
#[derive(Debug, Clone)]
pub struct DistrictView {
    pub district: District,
    pub overview: Overview,
    pub subdistricts: Vec<Subdistrict>,
    pub sites: Paged<Site>,
}

/// What a subdistrict page lists.
#[derive(Debug, Clone)]
pub struct SubdistrictView {
    pub subdistrict: Subdistrict,
    pub district: District,
    pub neighbourhoods: Vec<Neighbourhood>,
    pub sites: Paged<Site>,
}

/// How many sites a subdistrict page lists (the API pages through the rest).
pub const SITES_ON_PAGE: u32 = 60;
/// How many sites a district page lists: its district-wide sites come first; the neighbourhood
/// learning points are on the subdistrict pages (a phone page must stay short).
pub const DISTRICT_SITES_ON_PAGE: u32 = 24;

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
            metrics: Arc::new(metrics::Metrics::new()),
            overviews: Arc::new(TtlCache::new(config.overview_ttl)),
            district_views: Arc::new(TtlCache::new(config.overview_ttl)),
            subdistrict_views: Arc::new(TtlCache::new(config.overview_ttl)),
            config: Arc::new(config),
        }
    }

    /// City or district figures, cached for `overview_ttl` so busy pages do not count a million
    /// rows on every view.
    pub async fn overview(&self, district: Option<&DistrictCode>) -> AppResult<Overview> {
        self.overviews
            .get_or_load(district.cloned(), || async {
                let year = time::OffsetDateTime::now_utc().year();
                Ok(self.store.overview(district, year).await?)
            })
            .await
    }

    /// A district with its figures, subdistricts and first sites, cached like the figures.
    pub async fn district_view(&self, code: &DistrictCode) -> AppResult<DistrictView> {
        self.district_views
            .get_or_load(code.clone(), || async {
                let district = self.store.get_district(code).await?;
                let overview = self.overview(Some(code)).await?;
                let subdistricts = self.store.list_subdistricts(code).await?;
                let filter = SiteFilter {
                    district: Some(code.clone()),
                    ..Default::default()
                };
                let sites = self
                    .store
                    .list_sites(&filter, PageRequest::new(0, DISTRICT_SITES_ON_PAGE))
                    .await?;
                Ok(DistrictView {
                    district,
                    overview,
                    subdistricts,
                    sites,
                })
            })
            .await
    }

    /// A subdistrict with its district, neighbourhoods and first sites, cached like the figures.
    pub async fn subdistrict_view(&self, code: &SubdistrictCode) -> AppResult<SubdistrictView> {
        self.subdistrict_views
            .get_or_load(code.clone(), || async {
                let subdistrict = self.store.get_subdistrict(code).await?;
                let district = self.store.get_district(&subdistrict.district).await?;
                let neighbourhoods = self.store.list_neighbourhoods(code).await?;
                let filter = SiteFilter {
                    subdistrict: Some(code.clone()),
                    ..Default::default()
                };
                let sites = self
                    .store
                    .list_sites(&filter, PageRequest::new(0, SITES_ON_PAGE))
                    .await?;
                Ok(SubdistrictView {
                    subdistrict,
                    district,
                    neighbourhoods,
                    sites,
                })
            })
            .await
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
