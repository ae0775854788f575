//! `TestApp`: a fresh store with the suite's fixture city and one account per role, and helpers
//! to send requests through the router.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use xc_backend::testing::TestStore;
use xc_domain::{DistrictCode, InstitutionId, LearnerId, NationalId, Password, Role, Username};
use xc_privacy::PiiVault;
use xc_store::{Actor, AuditEvent, NewLearner, NewUser, RoleAssignment};

/// The public base URL the test app issues under (its DID is `did:web:bank.example.org`).
pub const TEST_BASE_URL: &str = "https://bank.example.org";

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub router: Router,
    pub store: TestStore,
    pub huangpu_learner: LearnerId,
    pub xuhui_learner: LearnerId,
    pub provider_learner: LearnerId,
    /// The ID numbers of the three learners, as a provider would write them in an upload.
    pub huangpu_national_id: String,
    pub xuhui_national_id: String,
    pub provider_national_id: String,
    /// Where uploads are spooled: a test can check that nothing is left behind.
    pub upload_dir: tempfile::TempDir,
    /// The app's background follow-up of uploads: a test waits for it with `idle`.
    pub follow_ups: xc_bank::FollowUps,
    /// The app's issuer (its keys live in `upload_dir/issuer`).
    pub issuer: std::sync::Arc<xc_issuer::Issuer>,
    pub vault: PiiVault,
    /// The app's clock: manual, at the start of the test (5 s into a minute); a test moves it
    /// with `advance`.
    pub clock: xc_web::clock::Clock,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn error_field(&self) -> String {
        self.json()["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `name=value` of every Set-Cookie header.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect()
    }
}

/// A signed-in browser: its cookies and the CSRF token for writes.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// A valid ID number for a birth year, distinct per `sequence`.
/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned()
}

pub fn national_id(region: &str, year: i32, sequence: u16) -> String {
    let birth = time::Date::from_calendar_date(year, time::Month::March, 14).unwrap();
    NationalId::from_parts(region, birth, sequence)
        .unwrap()
        .expose()
        .to_owned()
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::at(TEST_BASE_URL).await
    }

    /// A test app whose issuer serves at `base_url` (its DID is did:web of that host).
    pub async fn at(base_url: &str) -> TestApp {
        TestApp::at_with(base_url, xc_web::bank_client::BankClient::default()).await
    }

    /// A test app at `base_url` that fetches from other banks with `bank_client` (e.g. one that
    /// trusts a test CA through its extra roots, as `mutual.extra_roots` configures).
    pub async fn at_with(base_url: &str, bank_client: xc_web::bank_client::BankClient) -> TestApp {
        let store = TestStore::fresh().await;
        xc_store::suite::load_fixture_city(&*store).await;
        let vault = PiiVault::random();
        let learner =
            |name: &str, region: &str, district: &str, seq: u16, registered_by: Option<i64>| {
                let id = NationalId::parse(&national_id(region, 1955, seq)).unwrap();
                let (sealed, lookup) = vault.seal_national_id(&id).unwrap();
                NewLearner {
                    display_name: name.into(),
                    national_id: sealed,
                    national_id_lookup: lookup,
                    birth_year: 1955,
                    gender: id.gender(),
                    district: DistrictCode::parse(district).unwrap(),
                    subdistrict: None,
                    neighbourhood: None,
                    phone: None,
                    interests: vec![],
                    registered_at: time::OffsetDateTime::now_utc(),
                    registered_by: registered_by.map(InstitutionId::new),
                }
            };
        let audit = AuditEvent::new(
            Actor::System("test".into()),
            "learner.create",
            "learner",
            "new",
        );
        let huangpu_learner = store
            .create_learner(&learner("黄浦学员", "310101", "310101", 11, None), &audit)
            .await
            .unwrap();
        let xuhui_learner = store
            .create_learner(&learner("徐汇学员", "310104", "310104", 21, None), &audit)
            .await
            .unwrap();
        let provider_learner = store
            .create_learner(
                &learner("学院学员", "310101", "310101", 31, Some(1)),
                &audit,
            )
            .await
            .unwrap();
        let hash = xc_privacy::passwords::hash_password(&Password::parse(PASSWORD).unwrap());
        // user name, role, district, institution, learner
        type Account<'a> = (
            &'a str,
            Role,
            Option<&'a str>,
            Option<i64>,
            Option<LearnerId>,
        );
        let accounts: [Account<'_>; 8] = [
            (
                "citizen-huangpu",
                Role::Citizen,
                None,
                None,
                Some(huangpu_learner),
            ),
            (
                "citizen-xuhui",
                Role::Citizen,
                None,
                None,
                Some(xuhui_learner),
            ),
            (
                "admin-huangpu",
                Role::DistrictAdmin,
                Some("310101"),
                None,
                None,
            ),
            (
                "admin-xuhui",
                Role::DistrictAdmin,
                Some("310104"),
                None,
                None,
            ),
            ("provider", Role::ProviderStaff, None, Some(1), None),
            ("bank", Role::CreditBankStaff, None, None, None),
            ("city-admin", Role::CityAdmin, None, None, None),
            ("auditor", Role::Auditor, None, None, None),
        ];
        for (username, role, district, institution, learner) in accounts {
            let user = NewUser {
                username: Username::parse(username).unwrap(),
                password_hash: Some(hash.clone()),
                display_name: username.into(),
                role: RoleAssignment {
                    role,
                    district: district.map(|d| DistrictCode::parse(d).unwrap()),
                    institution: institution.map(InstitutionId::new),
                },
                learner,
            };
            store
                .create_user(
                    &user,
                    &AuditEvent::new(Actor::System("test".into()), "user.create", "user", "new"),
                )
                .await
                .unwrap();
        }
        let upload_dir = tempfile::tempdir().unwrap();
        let issuer = std::sync::Arc::new(
            xc_issuer::Issuer::open(
                &upload_dir.path().join("issuer"),
                xc_issuer::IssuerProfile {
                    name: "学城终身教育学分银行".into(),
                    base_url: base_url.into(),
                },
            )
            .unwrap(),
        );
        let start = time::OffsetDateTime::now_utc()
            .unix_timestamp()
            .div_euclid(60)
            * 60
            + 5;
        let clock =
            xc_web::clock::Clock::manual(time::OffsetDateTime::from_unix_timestamp(start).unwrap());
        let state = xc_web::AppState::new(
            store.store.clone(),
            vault.clone(),
            xc_web::WebConfig {
                upload_dir: Some(upload_dir.path().join("uploads")),
                issue_owed_at_start: false,
                clock: clock.clone(),
                bank_client,
                ..xc_web::WebConfig::default()
            },
            issuer.clone(),
        )
        .await
        .unwrap();
        TestApp {
            follow_ups: state.follow_ups.clone(),
            router: xc_web::router(state),
            store,
            huangpu_learner,
            xuhui_learner,
            provider_learner,
            huangpu_national_id: national_id("310101", 1955, 11),
            xuhui_national_id: national_id("310104", 1955, 21),
            provider_national_id: national_id("310101", 1955, 31),
            upload_dir,
            issuer,
            vault,
            clock,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, session: Option<&Session>) -> TestResponse {
        let mut request = Request::builder().method(Method::GET).uri(uri);
        if let Some(session) = session {
            request = request.header(header::COOKIE, &session.cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A page as the signed-in user sees it, with extra cookies (language, elder mode).
    pub async fn get_with_cookies(
        &self,
        uri: &str,
        session: &Session,
        cookies: &str,
    ) -> TestResponse {
        let request = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header(header::COOKIE, format!("{}; {cookies}", session.cookie));
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn json(
        &self,
        method: Method,
        uri: &str,
        body: Value,
        session: Option<&Session>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(session) = session {
            request = request
                .header(header::COOKIE, &session.cookie)
                .header("x-csrf-token", &session.csrf);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Posts `multipart/form-data`: each part is (name, file name, content). With a session,
    /// sends its cookie (and, for the API, its CSRF header).
    pub async fn multipart(
        &self,
        uri: &str,
        parts: &[(&str, Option<&str>, &[u8])],
        cookie: Option<&str>,
        csrf_header: Option<&str>,
    ) -> TestResponse {
        let boundary = "xc-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, file_name, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file_name {
                Some(file_name) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = Request::builder().method(Method::POST).uri(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = csrf_header {
            request = request.header("x-csrf-token", csrf);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Files left in the upload spool directory (none once every request has ended).
    pub fn spooled_files(&self) -> usize {
        std::fs::read_dir(self.upload_dir.path().join("uploads"))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }

    pub async fn bearer_get(&self, uri: &str, token: &str) -> TestResponse {
        let request = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form the way a browser does, with the visitor's cookie and CSRF token.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)], cookie: &str) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie);
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn sign_in(&self, username: &str) -> Session {
        let response = self
            .json(
                Method::POST,
                "/api/v1/session",
                serde_json::json!({"username": username, "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let cookie = response
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("xc_session="))
            .expect("session cookie");
        Session {
            cookie,
            csrf: response.json()["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn audit_count(&self, action: &str) -> u64 {
        let filter = xc_store::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        self.store
            .list_audit(&filter, xc_store::PageRequest::default())
            .await
            .unwrap()
            .total
    }

    pub async fn learner_count(&self) -> u64 {
        self.store
            .list_learners(
                &xc_domain::LearnerScope::All,
                &Default::default(),
                xc_store::PageRequest::default(),
            )
            .await
            .unwrap()
            .total
    }

    /// A visitor's anonymous cookie header and CSRF token, as a browser gets them from a page.
    pub async fn visitor(&self) -> (String, String) {
        let response = self.get("/register", None).await;
        let cookie = response
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("xc_csrf="))
            .expect("csrf cookie");
        let token = cookie.trim_start_matches("xc_csrf=").to_owned();
        assert!(
            response.text().contains(&token),
            "the form carries the token"
        );
        (cookie, token)
    }
}

/// Stores an outcome of institution 1 for the Huangpu learner that matches the calligraphy
/// specification, straight through the credit bank (not the web), so it is recognised but no
/// credential is issued: what a failed issuance leaves behind.
pub async fn store_recognised_without_credential(
    app: &TestApp,
    external_id: &str,
) -> xc_domain::credit::OutcomeId {
    let standards = xc_bank::Standards::load(&*app.store).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let input = xc_bank::OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        learner_id: Some(app.huangpu_learner.get().to_string()),
        kind: Some("社区教育/老年教育课程".into()),
        title: Some("书法(楷书)".into()),
        achieved_on: Some("2026-06-30".into()),
        hours: Some("32".into()),
        score: Some("合格".into()),
        evidence_kind: Some("certificate_number".into()),
        evidence: Some(format!("CERT-{external_id}")),
        ..Default::default()
    };
    let options = xc_bank::BatchOptions {
        provider: InstitutionId::new(1),
        submitted_by: None,
        actor: Actor::System("test".into()),
        file_name: "single".into(),
        all_or_nothing: true,
        today: now.date(),
        now,
        limits: xc_import::Limits::default(),
    };
    let submission = xc_bank::submit_one(&*app.store, &app.vault, &standards, &input, &options)
        .await
        .unwrap();
    let id = submission.written.id();
    assert_eq!(
        app.store.get_outcome(id).await.unwrap().status,
        xc_store::OutcomeStatus::Recognised
    );
    id
}
