//! The web face of xuecheng: one axum [`router`] serving the server-rendered pages, the JSON API
//! under `/api/v1` (described by the OpenAPI 3.1 document at `/api/openapi.json`, browsable at
//! `/api/docs` with no network), `/healthz`, `/readyz` and Prometheus `/metrics`.
//!
//! Path of a request: `metrics::track` (counts and times it) → `auth::identify` (session cookie
//! or bearer token → `Identity`, preferences, CSRF) → the handler (parses input into domain
//! types through the extractors in `extract`, asks `Identity` for the principal, calls the store
//! with the principal's scope) → `AppError` or a response.
//!
//! The credit bank (`bank`) is served to three roles: provider staff submit outcomes (one at a
//! time or as a CSV/XLSX upload), credit-bank staff work the review queue and publish outcome
//! specifications, and learners read their archive. The standards recognition runs against are
//! held in [`AppState`] and replaced after every publication.
//!
//! Conversion, points and the data download (`bank::conversion`, `bank::points`): credit-bank
//! staff keep target programmes and their conversion rules (held in [`AppState`] like the
//! standards, and replaced after every publication) and decide learners' applications; a learner
//! previews what their outcomes convert into, applies, reads their points, redeems incentives
//! and downloads everything held about them.
//!
//! Mutual recognition between cities (`mutual`): credit-bank staff keep a trust list of other
//! cities' banks (keys pinned from their DID documents); a learner brings a credential from one
//! of them, which is verified against the list and recognised here under this bank's rules.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod bank;
pub mod bank_client;
mod cache;
pub mod clock;
mod error;
mod extract;
pub mod i18n;
pub mod issuing;
pub mod learner_code;
pub mod learning_records;
mod metrics;
pub mod mutual;
pub mod pages;
pub mod sharing;
mod views;
pub mod xapi;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use cache::TtlCache;
use tower_http::trace::TraceLayer;
use xc_bank::{BankError, ConversionRules, Standards};
use xc_domain::{DistrictCode, SubdistrictCode};
use xc_privacy::PiiVault;
use xc_store::{
    District, Neighbourhood, Overview, PageRequest, Paged, Site, SiteFilter, Store, Subdistrict,
};

pub use error::{AppError, AppResult, ErrorBody};

/// The largest request body accepted anywhere (forms and JSON alike), except the uploads below.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The largest outcome file a provider may upload (CSV or XLSX).
pub const UPLOAD_LIMIT_BYTES: u64 = 100 * 1024 * 1024;

/// The body limit of the upload routes: the file plus the multipart framing and the small
/// fields around it. The file itself is held to [`UPLOAD_LIMIT_BYTES`] while it is streamed.
pub const UPLOAD_BODY_LIMIT_BYTES: usize = UPLOAD_LIMIT_BYTES as usize + 64 * 1024;

/// The body limit of an API list of points events (JSON, at most 1,000 events).
pub const POINTS_EVENTS_LIMIT_BYTES: usize = 1024 * 1024;

/// The body limit of an API list of outcomes (JSON).
pub const OUTCOME_LIST_LIMIT_BYTES: usize = 4 * 1024 * 1024;

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
    /// Where uploads are spooled while they are checked and stored (`DATA_DIR/uploads` in the
    /// binary); the system's temporary directory when `None`. Each file is removed when its
    /// request ends.
    pub upload_dir: Option<PathBuf>,
    /// Issue the credentials still owed (recognised outcomes without one) in the background as
    /// soon as the state is built; otherwise only after the first batch or failed issuance.
    pub issue_owed_at_start: bool,
    /// The time learner codes are issued and checked by (the system clock; tests set their own).
    pub clock: clock::Clock,
    /// Fetches from other banks (mutual recognition), built once from the `[mutual]` section:
    /// the roots it trusts and whether plain HTTP may leave this machine.
    pub bank_client: bank_client::BankClient,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: time::Duration::hours(12),
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            overview_ttl: Duration::from_secs(10),
            upload_dir: None,
            issue_owed_at_start: true,
            clock: clock::Clock::system(),
            bank_client: bank_client::BankClient::default(),
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
    /// The recognition standards in force: read by every submission, replaced (never changed in
    /// place) after a publication.
    standards: Arc<RwLock<Arc<Standards>>>,
    /// Publications and the reloads after them, one at a time, so a slower reload can never
    /// put back older standards than a faster one.
    publishing: Arc<tokio::sync::Mutex<()>>,
    /// The target programmes and the conversion rules in force: read by every preview and
    /// application, replaced (never changed in place) after a programme is created or a rule
    /// published or retired.
    conversion_rules: Arc<RwLock<Arc<ConversionRules>>>,
    /// Changes to programmes and rules and the reloads after them, one at a time (as for the
    /// standards).
    publishing_rules: Arc<tokio::sync::Mutex<()>>,
    /// The background worker that follows up committed uploads (their points), started with
    /// the state; it resumes any batch an earlier run left unfinished.
    pub follow_ups: xc_bank::FollowUps,
    /// The credit bank as issuer: its keys, profile and DID (issue 4).
    pub issuer: Arc<xc_issuer::Issuer>,
    /// Wakes the background issuer (`issuing::issue_owed_forever`).
    issuance: Arc<tokio::sync::Notify>,
    /// The learning record store's writes under way (`xapi`, issue 5).
    lrs: Arc<xapi::Lrs>,
    /// The walk that applies stored statements (archive, points) and its lock
    /// (`learning_records`, issue 5 §4).
    integrating: Arc<learning_records::Integrating>,
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
    /// The state of a running application, with the credit bank's standards and conversion
    /// rules loaded from the store. Starts the background issuer (a task on the current
    /// runtime), which issues what is owed at once when `config.issue_owed_at_start`, and the
    /// walk that applies stored xAPI statements (`learning_records`), which runs at once.
    pub async fn new(
        store: Arc<dyn Store>,
        vault: PiiVault,
        config: WebConfig,
        issuer: Arc<xc_issuer::Issuer>,
    ) -> Result<Self, BankError> {
        let standards = Standards::load(&*store).await?;
        let conversion_rules = ConversionRules::load(&*store).await?;
        let follow_ups = xc_bank::FollowUps::start(store.clone()).await?;
        let issuance = Arc::new(tokio::sync::Notify::new());
        tokio::spawn(issuing::issue_owed_forever(
            issuer.clone(),
            store.clone(),
            issuance.clone(),
            config.issue_owed_at_start,
        ));
        let state = Self {
            lrs: Arc::new(xapi::Lrs::default()),
            integrating: learning_records::new_integrating(),
            follow_ups,
            issuer,
            issuance,
            standards: Arc::new(RwLock::new(Arc::new(standards))),
            publishing: Arc::new(tokio::sync::Mutex::new(())),
            conversion_rules: Arc::new(RwLock::new(Arc::new(conversion_rules))),
            publishing_rules: Arc::new(tokio::sync::Mutex::new(())),
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
        };
        tokio::spawn(learning_records::integrate_forever(state.clone()));
        Ok(state)
    }

    /// The standards in force now (a snapshot: a publication meanwhile does not change it).
    pub fn standards(&self) -> Arc<Standards> {
        // A poisoned lock only means a reload panicked after taking it; the value is whole.
        self.standards
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Holds publications to one at a time; reload with [`AppState::reload_standards`] before
    /// letting go.
    pub(crate) async fn publishing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.publishing.lock().await
    }

    /// Loads the standards from the store again and puts them in force.
    pub(crate) async fn reload_standards(&self) -> AppResult<()> {
        let standards = Arc::new(Standards::load(&*self.store).await?);
        *self
            .standards
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = standards;
        Ok(())
    }

    /// The programmes and conversion rules in force now (a snapshot, like [`AppState::standards`]).
    pub fn conversion_rules(&self) -> Arc<ConversionRules> {
        self.conversion_rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Holds changes to programmes and rules to one at a time; reload with
    /// [`AppState::reload_conversion_rules`] before letting go.
    pub(crate) async fn publishing_rules(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.publishing_rules.lock().await
    }

    /// Loads the programmes and rules from the store again and puts them in force.
    pub(crate) async fn reload_conversion_rules(&self) -> AppResult<()> {
        let rules = Arc::new(ConversionRules::load(&*self.store).await?);
        *self
            .conversion_rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = rules;
        Ok(())
    }

    /// Where upload spool files go.
    pub(crate) fn upload_dir(&self) -> PathBuf {
        self.config
            .upload_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir)
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
    let (api_routes, mut openapi) = api::routes().split_for_parts();
    xapi::openapi::document(&mut openapi);
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
        .route(
            "/static/learner-code.js",
            get(|| script(include_str!("../static/learner-code.js"))),
        )
        .route(
            "/static/check-in.js",
            get(|| script(include_str!("../static/check-in.js"))),
        )
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        // xAPI authenticates its own clients (HTTP Basic), outside the pages' sessions.
        .merge(xapi::routes())
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

/// One of the few scripts the pages use (each page works without it).
async fn script(source: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        source,
    )
        .into_response()
}
