//! Server-rendered pages (askama templates in `templates/`). Every flow works without
//! JavaScript: links and forms only, every form posting its CSRF token. Pages share one layout
//! ([`Chrome`]) with the language switch and the one-tap elder-mode control, both remembered in
//! cookies.

mod bank;
mod learner_code;
mod lrs_clients;
mod statements;
mod templates;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;
use xc_domain::{Action, DistrictCode, LearnerId, SubdistrictCode};
use xc_store::{AuditFilter, LearnerFilter, PageRequest};

use crate::AppState;
use crate::accounts::{self, Registration};
use crate::auth::{self, Identity};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiQuery, CsrfForm};
use crate::i18n::{ELDER_COOKIE, LANG_COOKIE, Lang, Prefs, Text};
use crate::views::{percent, role_label, site_kind_label, thousands};
use templates::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/districts/{code}", get(district))
        .route("/subdistricts/{code}", get(subdistrict))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/register", get(register_form).post(register))
        .route("/account", get(account).post(update_account))
        .route("/staff/learners", get(staff_learners))
        .route("/staff/learners/{id}", get(staff_learner))
        .route("/audit", get(audit_log))
        .route("/preferences", post(set_preferences))
        .merge(bank::routes())
        .merge(lrs_clients::routes())
        .merge(statements::routes())
        .merge(learner_code::routes())
}

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub t: &'static Text,
    pub lang: Lang,
    pub elder: bool,
    pub csrf: String,
    pub path: String,
    pub signed_in_as: Option<String>,
    pub can_list_learners: bool,
    pub can_read_audit: bool,
    /// A citizen with a learner record: "my learning archive".
    pub has_archive: bool,
    pub can_submit_outcomes: bool,
    pub can_review: bool,
    pub can_manage_standards: bool,
    /// A learner who may convert their outcomes (学分转换).
    pub can_convert: bool,
    pub can_manage_conversion: bool,
    pub can_decide_conversion: bool,
    pub can_manage_incentives: bool,
    pub can_manage_lrs_clients: bool,
    /// Staff who search the learning records (`/bank/statements`).
    pub can_search_statements: bool,
    /// Credit-bank staff: the trust list of mutual recognition.
    pub can_manage_trust_list: bool,
    pub can_manage_lrs_integration: bool,
    /// Staff who run sites: "check learners in".
    pub can_check_in: bool,
}

impl Chrome {
    fn new(identity: &Identity, path: &str) -> Chrome {
        let Prefs { lang, elder } = identity.prefs;
        let principal = identity.principal.as_ref();
        Chrome {
            t: lang.text(),
            lang,
            elder,
            csrf: identity.csrf_token().to_owned(),
            path: path.to_owned(),
            signed_in_as: identity.user.as_ref().map(|u| u.display_name.clone()),
            can_list_learners: principal.is_some_and(|p| p.may(Action::ReadLearners)),
            can_read_audit: principal.is_some_and(|p| p.may(Action::ReadAuditLog)),
            has_archive: principal.is_some_and(|p| p.learner_id.is_some()),
            can_submit_outcomes: principal.is_some_and(|p| p.may(Action::SubmitOutcomes)),
            can_review: principal.is_some_and(|p| p.may(Action::ReviewOutcomes)),
            can_manage_standards: principal.is_some_and(|p| p.may(Action::ManageStandards)),
            can_convert: principal.is_some_and(|p| p.may(Action::ApplyConversion)),
            can_manage_conversion: principal.is_some_and(|p| p.may(Action::ManageConversion)),
            can_decide_conversion: principal.is_some_and(|p| p.may(Action::DecideConversion)),
            can_manage_incentives: principal.is_some_and(|p| p.may(Action::ManageIncentives)),
            can_manage_lrs_clients: principal.is_some_and(|p| p.may(Action::ManageLrsClients)),
            can_search_statements: principal.is_some_and(|p| p.may(Action::SearchStatements)),
            can_manage_trust_list: principal.is_some_and(|p| p.may(Action::ManageTrustList)),
            can_manage_lrs_integration: principal
                .is_some_and(|p| p.may(Action::ManageLrsIntegration)),
            can_check_in: principal.is_some_and(|p| p.may(Action::CheckInLearners)),
        }
    }

    pub fn other_lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }
}

fn render(template: &impl Template) -> AppResult<Response> {
    let html = template
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Html(html).into_response())
}

/// Renders a failure as a page, with the status and code of [`AppError`].
fn error_page(identity: &Identity, path: &str, error: AppError) -> Response {
    error.log();
    let status = error.status();
    let chrome = Chrome::new(identity, path);
    let message = match &error {
        AppError::Internal(_) | AppError::Unavailable => chrome.t.error_title.to_owned(),
        other => other.to_string(),
    };
    let page = ErrorPage {
        chrome,
        status: status.as_u16(),
        code: error.code(),
        message,
        field: error.field(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, error.to_string()).into_response(),
    }
}

/// Wraps a page handler's result: errors become friendly pages.
fn page(identity: &Identity, uri: &Uri, result: AppResult<Response>) -> Response {
    result.unwrap_or_else(|error| error_page(identity, uri.path(), error))
}

/// One numbered page of a list shown `per_page` items at a time: the page number people see
/// (from 1), the store's request for it, and how many pages a total fills.
#[derive(Debug, Clone, Copy)]
struct ListPage {
    number: u64,
    per_page: u32,
}

impl ListPage {
    /// A page number already checked to be from 1 (see `bank::parse_page_number`).
    fn numbered(number: u64, per_page: u32) -> Self {
        ListPage {
            number: number.max(1),
            per_page,
        }
    }

    /// The `page` of a staff list's query string: left out or 0 is the first page.
    fn from_query(page: Option<u64>, per_page: u32) -> Self {
        Self::numbered(page.unwrap_or(1), per_page)
    }

    /// The items to ask the store for; a page past the largest offset asks past the end.
    fn request(self) -> PageRequest {
        PageRequest::new(
            (self.number - 1).saturating_mul(u64::from(self.per_page)),
            self.per_page,
        )
    }

    /// How many pages `total` items fill (at least one, empty).
    fn pages(self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.per_page)).max(1)
    }
}

/// 404 for any path no route matches: JSON under `/api`, a page elsewhere.
pub async fn not_found(request: axum::extract::Request) -> Response {
    let error = AppError::NotFound { what: "page" };
    match request.extensions().get::<Identity>() {
        Some(identity) if !request.uri().path().starts_with("/api/") => {
            error_page(identity, request.uri().path(), error)
        }
        _ => error.into_response(),
    }
}

async fn home(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = async {
        let overview = state.overview(None).await?;
        let districts = state.store.list_districts().await?;
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        render(&HomePage {
            figures: Figures::of(&overview, chrome.t),
            kinds: kind_rows(&overview, lang),
            districts: districts
                .into_iter()
                .map(|d| DistrictRow {
                    share_60_plus: percent(d.residents_60_plus, d.residents),
                    residents: thousands(d.residents),
                    code: d.code.to_string(),
                    name: d.name,
                })
                .collect(),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

fn kind_rows(overview: &xc_store::Overview, lang: Lang) -> Vec<KindRow> {
    overview
        .sites_by_kind
        .iter()
        .map(|(kind, count)| KindRow {
            label: site_kind_label(*kind, lang),
            count: thousands(*count),
        })
        .collect()
}

fn site_rows(sites: Vec<xc_store::Site>, lang: Lang) -> Vec<SiteRow> {
    sites
        .into_iter()
        .map(|s| SiteRow {
            kind: site_kind_label(s.kind, lang),
            name: s.name,
            address: s.address,
            opening_hours: crate::views::opening_hours(&s.opening_hours, lang),
            step_free: s.step_free,
        })
        .collect()
}

async fn district(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    let result = async {
        let code =
            DistrictCode::parse(&code).map_err(|_| AppError::NotFound { what: "district" })?;
        let view = state.district_view(&code).await?;
        let (district, overview, subdistricts, sites) =
            (view.district, view.overview, view.subdistricts, view.sites);
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        render(&DistrictPage {
            name: district.name,
            code: district.code.to_string(),
            figures: Figures::of(&overview, chrome.t),
            kinds: kind_rows(&overview, lang),
            subdistricts: subdistricts
                .into_iter()
                .map(|s| SubdistrictRow {
                    kind: match lang {
                        Lang::Zh => s.kind.label_zh(),
                        Lang::En => s.kind.label_en(),
                    },
                    share_60_plus: percent(s.residents_60_plus, s.residents),
                    residents: thousands(s.residents),
                    code: s.code.to_string(),
                    name: s.name,
                })
                .collect(),
            more_sites: sites.total > sites.items.len() as u64,
            sites: site_rows(sites.items, lang),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn subdistrict(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    let result = async {
        let code = SubdistrictCode::parse(&code).map_err(|_| AppError::NotFound {
            what: "subdistrict",
        })?;
        let view = state.subdistrict_view(&code).await?;
        let (subdistrict, district, neighbourhoods, sites) = (
            view.subdistrict,
            view.district,
            view.neighbourhoods,
            view.sites,
        );
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        let any_generated = neighbourhoods.iter().any(|n| n.position_generated);
        render(&SubdistrictPage {
            name: subdistrict.name,
            code: subdistrict.code.to_string(),
            district_name: district.name,
            district_code: district.code.to_string(),
            residents: thousands(subdistrict.residents),
            share_60_plus: percent(subdistrict.residents_60_plus, subdistrict.residents),
            neighbourhoods: neighbourhoods
                .into_iter()
                .map(|n| NeighbourhoodRow {
                    kind: match lang {
                        Lang::Zh => n.kind.label_zh(),
                        Lang::En => n.kind.label_en(),
                    },
                    share_60_plus: percent(n.residents_60_plus, n.residents),
                    residents: thousands(n.residents),
                    name: n.name,
                })
                .collect(),
            positions_generated: any_generated,
            more_sites: sites.total > sites.items.len() as u64,
            sites: site_rows(sites.items, lang),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_form(identity: Identity, uri: Uri) -> Response {
    let chrome = Chrome::new(&identity, uri.path());
    // Arriving from a successful registration: say so before asking to sign in.
    let notice = (uri.query() == Some("registered=1")).then_some(chrome.t.registered_sign_in);
    page(
        &identity,
        &uri,
        render(&LoginPage {
            chrome,
            username: String::new(),
            error: None,
            notice,
        }),
    )
}

async fn login(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    request: axum::extract::Request,
) -> Response {
    let ip = auth::client_ip(request.extensions());
    let form = match CsrfForm::<LoginForm>::from_request(request, &state).await {
        Ok(CsrfForm(form)) => form,
        Err(error) => return error_page(&identity, uri.path(), error),
    };
    match auth::sign_in(&state, &form.username, &form.password, &ip).await {
        Ok((_, session)) => {
            let cookie = auth::session_cookie(&session.secret, &state);
            (
                [(header::SET_COOKIE, cookie.to_string())],
                Redirect::to("/account"),
            )
                .into_response()
        }
        Err(error @ (AppError::WrongCredentials | AppError::TooManyAttempts { .. })) => {
            let status = error.status();
            let chrome = Chrome::new(&identity, uri.path());
            let page_html = LoginPage {
                chrome,
                username: form.username,
                error: Some(error.to_string()),
                notice: None,
            };
            match render(&page_html) {
                Ok(response) => (status, response).into_response(),
                Err(error) => error_page(&identity, uri.path(), error),
            }
        }
        Err(error) => error_page(&identity, uri.path(), error),
    }
}

use axum::extract::FromRequest;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmptyForm {}

async fn logout(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<EmptyForm>,
) -> Response {
    let result = async {
        form?;
        let cookie = auth::sign_out(&state, &identity).await?;
        Ok((
            [(header::SET_COOKIE, cookie.to_string())],
            Redirect::to("/"),
        )
            .into_response())
    }
    .await;
    page(&identity, &uri, result)
}

/// A form extractor that never rejects, so the handler can show the error as a page.
struct CsrfFormResult<T>(AppResult<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for CsrfFormResult<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(CsrfFormResult(
            CsrfForm::<T>::from_request(request, state)
                .await
                .map(|CsrfForm(form)| form),
        ))
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RegisterForm {
    username: String,
    password: String,
    display_name: String,
    national_id: String,
    district_code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    consent: Option<String>,
}

async fn district_options(state: &AppState, selected: &str) -> AppResult<Vec<DistrictOption>> {
    Ok(state
        .store
        .list_districts()
        .await?
        .into_iter()
        .map(|d| DistrictOption {
            selected: d.code.as_str() == selected,
            code: d.code.to_string(),
            name: d.name,
        })
        .collect())
}

async fn register_form(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = async {
        let chrome = Chrome::new(&identity, uri.path());
        render(&RegisterPage {
            chrome,
            districts: district_options(&state, "").await?,
            form: RegisterValues::default(),
            error: None,
            error_field: None,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn register(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<RegisterForm>,
) -> Response {
    let result = async {
        let form = form?;
        let registration = Registration {
            username: form.username.clone(),
            password: form.password.clone(),
            display_name: form.display_name.clone(),
            national_id: form.national_id.clone(),
            district_code: form.district_code.clone(),
            phone: Some(form.phone.clone()),
            consent: form.consent.is_some(),
        };
        match accounts::register_citizen(&state, &registration).await {
            Ok(_) => Ok(Redirect::to("/login?registered=1").into_response()),
            Err(error @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
                let status = error.status();
                let chrome = Chrome::new(&identity, uri.path());
                let values = RegisterValues {
                    username: form.username,
                    display_name: form.display_name,
                    national_id: form.national_id,
                    phone: form.phone,
                    consent: form.consent.is_some(),
                };
                let response = render(&RegisterPage {
                    chrome,
                    districts: district_options(&state, &form.district_code).await?,
                    form: values,
                    error_field: error.field(),
                    error: Some(error.to_string()),
                })?;
                Ok((status, response).into_response())
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn account_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    notice: Option<String>,
    error: Option<AppError>,
) -> AppResult<Response> {
    let user = identity.user.as_ref().ok_or(AppError::Unauthenticated)?;
    let chrome = Chrome::new(identity, path);
    let lang = chrome.lang;
    let (learner, consents) = match user.learner {
        Some(id) => {
            let learner = state
                .store
                .get_learner(&xc_domain::LearnerScope::Only(id), id)
                .await?;
            let consents = state.store.list_consents(id).await?;
            let district = state.store.get_district(&learner.district).await?;
            (
                Some(LearnerView::of(learner, district.name)),
                consents
                    .into_iter()
                    .map(|c| ConsentRow {
                        purpose: if c.purpose == crate::accounts::CONSENT_PURPOSE {
                            chrome.t.consent_purpose_archive.to_owned()
                        } else {
                            c.purpose
                        },
                        version: c.notice_version,
                        at: crate::views::date(c.at),
                    })
                    .collect(),
            )
        }
        None => (None, Vec::new()),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&AccountPage {
        display_name: user.display_name.clone(),
        username: user.username.to_string(),
        role: role_label(user.role.role, lang),
        scope: user
            .role
            .district
            .as_ref()
            .map(|d| d.to_string())
            .or(user.role.institution.map(|i| format!("#{i}"))),
        can_edit: identity
            .principal
            .as_ref()
            .is_some_and(|p| p.may(Action::ChangeOwnAccount))
            && learner.is_some(),
        can_erase: identity
            .principal
            .as_ref()
            .is_some_and(|p| p.may(Action::EraseOwnData)),
        learner,
        consents,
        notice,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn account(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let notice =
        (uri.query() == Some("saved=1")).then(|| identity.prefs.lang.text().saved.to_owned());
    let result = account_page(&state, &identity, uri.path(), notice, None).await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactForm {
    display_name: String,
    #[serde(default)]
    phone: String,
}

async fn update_account(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<ContactForm>,
) -> Response {
    let result = async {
        let form = form?;
        match accounts::change_contact(
            &state,
            &identity,
            Some(&form.display_name),
            Some(&form.phone),
            None,
        )
        .await
        {
            Ok(()) => Ok(Redirect::to("/account?saved=1").into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                account_page(&state, &identity, uri.path(), None, Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    page: Option<u64>,
}

const LEARNERS_PER_PAGE: u32 = 50;
const AUDIT_ENTRIES_PER_PAGE: u32 = 100;

async fn staff_learners(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ListQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let list_page = ListPage::from_query(query.page, LEARNERS_PER_PAGE);
        let learners = accounts::list_learners(
            &state,
            &identity,
            &LearnerFilter::default(),
            list_page.request(),
        )
        .await?;
        let chrome = Chrome::new(&identity, uri.path());
        render(&LearnersPage {
            total: thousands(learners.total as i64),
            learners: learners
                .items
                .into_iter()
                .map(|l| LearnerRow {
                    id: l.id.get(),
                    name: l.display_name,
                    national_id: l.national_id.masked,
                    district: l.district.to_string(),
                    birth_year: l.birth_year,
                })
                .collect(),
            page: list_page.number,
            pages: list_page.pages(learners.total),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn staff_learner(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        identity.require_to(Action::ReadLearners, "only staff can look up learners")?;
        let id = LearnerId::parse(&id).map_err(|_| AppError::NotFound { what: "learner" })?;
        let learner = accounts::read_learner(&state, &identity, id).await?;
        let district = state.store.get_district(&learner.district).await?;
        let chrome = Chrome::new(&identity, uri.path());
        render(&LearnerPage {
            id: id.get(),
            learner: LearnerView::of(learner, district.name),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

async fn audit_log(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ListQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        identity.require_to(
            Action::ReadAuditLog,
            "only auditors and city admins read the audit log",
        )?;
        let list_page = ListPage::from_query(query.page, AUDIT_ENTRIES_PER_PAGE);
        let entries = state
            .store
            .list_audit(&AuditFilter::default(), list_page.request())
            .await?;
        let chrome = Chrome::new(&identity, uri.path());
        render(&AuditPage {
            entries: entries
                .items
                .into_iter()
                .map(|e| AuditRow {
                    at: crate::views::date_time(e.at),
                    actor: e.actor,
                    action: e.action,
                    subject: format!("{} {}", e.subject_kind, e.subject_id),
                })
                .collect(),
            page: list_page.number,
            pages: list_page.pages(entries.total),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferencesForm {
    lang: Option<String>,
    elder: Option<String>,
    return_to: Option<String>,
}

/// Switches language or elder mode for a year, then goes back where the visitor was.
async fn set_preferences(
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<PreferencesForm>,
) -> Response {
    let result = (|| {
        let form = form?;
        let mut cookies = Vec::new();
        let year = time::Duration::days(365);
        if let Some(lang) = form.lang.as_deref() {
            Lang::parse(lang)
                .ok_or_else(|| AppError::invalid("lang", "language must be zh or en"))?;
            cookies.push(
                Cookie::build((LANG_COOKIE, lang.to_owned()))
                    .path("/")
                    .max_age(year)
                    .same_site(axum_extra::extract::cookie::SameSite::Lax)
                    .build(),
            );
        }
        if let Some(elder) = form.elder.as_deref() {
            let on = match elder {
                "1" | "on" => "1",
                "0" | "off" => "0",
                _ => {
                    return Err(AppError::invalid(
                        "elder",
                        "elder must be 1 (on) or 0 (off)",
                    ));
                }
            };
            cookies.push(
                Cookie::build((ELDER_COOKIE, on))
                    .path("/")
                    .max_age(year)
                    .same_site(axum_extra::extract::cookie::SameSite::Lax)
                    .build(),
            );
        }
        let target = form
            .return_to
            .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
            .unwrap_or_else(|| "/".to_owned());
        let mut response = Redirect::to(&target).into_response();
        for cookie in cookies {
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie.to_string().parse().map_err(
                    |e: axum::http::header::InvalidHeaderValue| AppError::Internal(e.into()),
                )?,
            );
        }
        Ok(response)
    })();
    page(&identity, &uri, result)
}

/// Figures shown as labelled numbers on the home and district pages.
#[derive(Debug)]
pub struct Figure {
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug)]
pub struct Figures(pub Vec<Figure>);

impl Figures {
    fn of(o: &xc_store::Overview, t: &'static Text) -> Figures {
        let mut figures = Vec::new();
        if o.districts > 1 {
            figures.push(Figure {
                label: t.districts,
                value: thousands(o.districts),
            });
        }
        figures.extend([
            Figure {
                label: t.subdistricts,
                value: thousands(o.subdistricts),
            },
            Figure {
                label: t.neighbourhoods,
                value: thousands(o.neighbourhoods),
            },
            Figure {
                label: t.residents,
                value: thousands(o.residents),
            },
            Figure {
                label: t.share_60_plus,
                value: percent(o.residents_60_plus, o.residents),
            },
            Figure {
                label: t.learning_sites,
                value: thousands(o.sites()),
            },
            Figure {
                label: t.learners,
                value: thousands(o.learners),
            },
            Figure {
                label: t.learners_60_plus,
                value: thousands(o.learners_60_plus),
            },
            Figure {
                label: t.teachers,
                value: thousands(o.teachers),
            },
            Figure {
                label: t.institutions,
                value: thousands(o.institutions),
            },
        ]);
        Figures(figures)
    }
}
