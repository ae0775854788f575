//! The learner code (申学码) end to end: the learner's page and its code each minute, staff
//! checking in with it (points once, one xAPI statement), every refusal recording nothing, and
//! who may check in where.

use axum::http::{Method, StatusCode};
use serde_json::json;
use xc_credentials::learner_code::LearnerCodePurpose;
use xc_domain::LearnerId;

use crate::app::{Session, TestApp, csrf_of};

async fn code_now(app: &TestApp, learner: &Session) -> serde_json::Value {
    let response = app.get("/api/v1/me/learner-code", Some(learner)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn token_now(app: &TestApp, learner: &Session) -> String {
    code_now(app, learner).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn scan(app: &TestApp, staff: &Session, site: i64, code: &str) -> crate::app::TestResponse {
    app.json(
        Method::POST,
        &format!("/api/v1/sites/{site}/check-ins"),
        json!({ "code": code }),
        Some(staff),
    )
    .await
}

async fn balance(app: &TestApp, learner: &Session) -> i64 {
    app.get("/api/v1/me/points", Some(learner)).await.json()["balance"]
        .as_i64()
        .unwrap()
}

async fn statements(app: &TestApp) -> Vec<serde_json::Value> {
    app.store
        .query_statements(&xc_xapi::query::Filter::default(), None)
        .await
        .unwrap()
        .statements
        .iter()
        .map(|stored| stored.statement.to_json())
        .collect()
}

async fn check_ins(app: &TestApp, learner: LearnerId) -> usize {
    app.store.learner_check_ins(learner).await.unwrap().len()
}

fn data_token(html: &str) -> String {
    html.split("data-token=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the code page carries its token")
        .to_owned()
}

#[tokio::test]
async fn the_code_page_shows_a_qr_code_and_a_fresh_code_each_minute() {
    let app = TestApp::new().await;
    let learner = app.sign_in("citizen-huangpu").await;
    let page = app.get("/me/code", Some(&learner)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("/static/learner-code.js"));
    assert!(
        html.contains("href=\"/me/code\""),
        "a refresh link for no script"
    );
    assert_eq!(
        page.headers.get("cache-control").unwrap(),
        "no-store",
        "a code is never cached"
    );
    let first = data_token(&html);
    assert_eq!(first.len(), 111);
    let signer = app.issuer.learner_codes();
    let now = app.clock.now();
    let verified = signer
        .verify(&first, LearnerCodePurpose::CheckIn, now)
        .unwrap();
    assert_eq!(verified.handle, signer.handle(app.huangpu_learner));

    // The script's source: the next code is due at the next minute.
    let code = code_now(&app, &learner).await;
    let refresh_at = time::OffsetDateTime::parse(
        code["refresh_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        refresh_at.unix_timestamp(),
        (now.unix_timestamp() / 60 + 1) * 60
    );
    assert!(code["svg"].as_str().unwrap().contains("<svg"));

    // A minute on, a new code; a minute later still, the first one has expired (a minute's
    // grace) while the next is still good.
    app.clock.advance(time::Duration::minutes(1));
    let next = token_now(&app, &learner).await;
    assert_ne!(next, first);
    app.clock.advance(time::Duration::minutes(1));
    let later = app.clock.now();
    assert!(
        signer
            .verify(&next, LearnerCodePurpose::CheckIn, later)
            .is_ok()
    );
    assert!(
        signer
            .verify(&first, LearnerCodePurpose::CheckIn, later)
            .is_err()
    );

    // Elder mode: the same page, big.
    let elder = app
        .get_with_cookies("/me/code", &learner, "xc_elder=1")
        .await
        .text();
    assert!(elder.contains("class=\"elder\""), "{elder}");
    assert!(elder.contains("class=\"learner-code\""));
    // Staff without a learner record have no code.
    let staff = app.sign_in("provider").await;
    assert_eq!(
        app.get("/api/v1/me/learner-code", Some(&staff))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/me/learner-code", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_valid_code_checks_in_once_with_points_and_a_statement() {
    let app = TestApp::new().await;
    let learner = app.sign_in("citizen-huangpu").await;
    let staff = app.sign_in("provider").await;
    let token = token_now(&app, &learner).await;
    app.clock.advance(time::Duration::seconds(30));

    let response = scan(&app, &staff, 1, &format!("  {token}\r\n")).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    assert_eq!(body["learner"], "黄***");
    assert_eq!(body["site_id"], 1);
    assert_eq!(body["site_name"], "黄浦区社区学院");
    assert_eq!(body["points"], 1);
    assert!(
        !response.text().contains("黄浦学员"),
        "the full name never leaves"
    );
    assert_eq!(balance(&app, &learner).await, 1);
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 1);
    assert_eq!(app.audit_count("check_in.record").await, 1);

    let stored = statements(&app).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let statement = &stored[0];
    assert_eq!(
        statement["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/attended"
    );
    assert_eq!(
        statement["actor"]["account"],
        json!({"homePage": crate::app::TEST_BASE_URL, "name": app.huangpu_learner.to_string()})
    );
    assert_eq!(statement["object"]["objectType"], "Activity");
    assert_eq!(
        statement["object"]["id"],
        format!("{}/sites/1", crate::app::TEST_BASE_URL)
    );
    assert!(!statement.to_string().contains("黄浦学员"));

    // The same code again: refused as replayed, nothing more recorded.
    let replay = scan(&app, &staff, 1, &token).await;
    assert_eq!(replay.status, StatusCode::CONFLICT, "{}", replay.text());
    assert_eq!(replay.error_code(), "learner_code_replayed");
    assert_eq!(replay.error_field(), "code");
    assert_eq!(balance(&app, &learner).await, 1);
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 1);
    assert_eq!(statements(&app).await.len(), 1);
    assert_eq!(app.audit_count("check_in.record").await, 1);

    // A new code the same day checks in again; the daily cap of the default policy (5
    // attendances) still leaves room.
    let second = token_now(&app, &learner).await;
    let again = scan(&app, &staff, 1, &second).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(balance(&app, &learner).await, 2);
    assert_eq!(statements(&app).await.len(), 2);
}

#[tokio::test]
async fn expired_forged_malformed_and_share_codes_are_refused_and_record_nothing() {
    let app = TestApp::new().await;
    let learner = app.sign_in("citizen-huangpu").await;
    let staff = app.sign_in("provider").await;

    let old = token_now(&app, &learner).await;
    let current = {
        app.clock.advance(time::Duration::minutes(3));
        token_now(&app, &learner).await
    };
    let mut forged = current.clone().into_bytes();
    // Change one character of the signature (the last ones are signature bytes).
    let last = forged.len() - 5;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let signer = app.issuer.learner_codes();
    let share = signer
        .issue(
            signer.handle(app.huangpu_learner),
            LearnerCodePurpose::Share,
            app.clock.now(),
        )
        .unwrap();
    let foreign = {
        let elsewhere = tempfile::tempdir().unwrap();
        let other =
            xc_issuer::LearnerCodeSigner::open_or_create(elsewhere.path(), "did:web:other.example")
                .unwrap();
        other
            .issue(
                signer.handle(app.huangpu_learner),
                LearnerCodePurpose::CheckIn,
                app.clock.now(),
            )
            .unwrap()
    };
    for (code, expected, status) in [
        (
            old.as_str(),
            "learner_code_expired",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            forged.as_str(),
            "learner_code_forged",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            foreign.as_str(),
            "learner_code_forged",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            share.as_str(),
            "learner_code_wrong_purpose",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "hello",
            "learner_code_malformed",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "",
            "learner_code_malformed",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let response = scan(&app, &staff, 1, code).await;
        assert_eq!(response.status, status, "{expected}: {}", response.text());
        assert_eq!(response.error_code(), expected, "{}", response.text());
        assert_eq!(response.error_field(), "code");
    }
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 0);
    assert_eq!(balance(&app, &learner).await, 0);
    assert!(statements(&app).await.is_empty());
    assert_eq!(app.audit_count("check_in.record").await, 0);
    // The current code, never refused, still works once.
    let response = scan(&app, &staff, 1, &current).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
}

#[tokio::test]
async fn only_staff_who_run_the_site_check_in_there() {
    let app = TestApp::new().await;
    let learner = app.sign_in("citizen-huangpu").await;
    // Site 1: institution 1 in Huangpu; site 2: no institution, Huangpu; site 4: institution 2,
    // Xuhui.
    for (user, site) in [
        ("provider", 4),
        ("admin-xuhui", 1),
        ("admin-huangpu", 4),
        ("bank", 1),
        ("auditor", 1),
        ("citizen-xuhui", 1),
        ("citizen-huangpu", 1),
    ] {
        let staff = app.sign_in(user).await;
        let token = token_now(&app, &learner).await;
        let response = scan(&app, &staff, site, &token).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{user} at site {site}: {}",
            response.text()
        );
        let page = app
            .get(&format!("/sites/{site}/check-in"), Some(&staff))
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} at site {site}");
    }
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 0);
    assert_eq!(balance(&app, &learner).await, 0);
    for (user, site) in [("admin-huangpu", 2), ("city-admin", 4), ("provider", 1)] {
        let staff = app.sign_in(user).await;
        let token = token_now(&app, &learner).await;
        let response = scan(&app, &staff, site, &token).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{user}: {}",
            response.text()
        );
    }
    let staff = app.sign_in("provider").await;
    let token = token_now(&app, &learner).await;
    assert_eq!(
        scan(&app, &staff, 999, &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/sites/1/check-ins",
            json!({"code": token}),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_staff_page_checks_in_and_shows_the_verdict_in_words() {
    let app = TestApp::new().await;
    let learner = app.sign_in("citizen-huangpu").await;
    let staff = app.sign_in("provider").await;
    let form = app.get("/sites/1/check-in", Some(&staff)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let html = form.text();
    assert!(html.contains("黄浦区社区学院"));
    assert!(html.contains("name=\"code\""));
    assert!(html.contains("/static/check-in.js"));
    let csrf = csrf_of(&html);
    let token = token_now(&app, &learner).await;

    let done = app
        .form(
            "/sites/1/check-in",
            &[("csrf", &csrf), ("code", &token)],
            &staff.cookie,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let html = done.text();
    assert!(html.contains("签到成功"), "{html}");
    assert!(html.contains("黄***"));
    assert!(!html.contains("黄浦学员"));

    let replay = app
        .form(
            "/sites/1/check-in",
            &[("csrf", &csrf), ("code", &token)],
            &staff.cookie,
        )
        .await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    let html = replay.text();
    assert!(html.contains("未能签到"), "{html}");
    assert!(html.contains("这个码已经用过了"));
    assert!(html.contains("data-code=\"learner_code_replayed\""));
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 1);

    // A form without its CSRF token records nothing.
    let token = token_now(&app, &learner).await;
    let refused = app
        .form("/sites/1/check-in", &[("code", &token)], &staff.cookie)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(check_ins(&app, app.huangpu_learner).await, 1);

    // The scripts are served.
    for script in ["/static/learner-code.js", "/static/check-in.js"] {
        let response = app.get(script, None).await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(response.text().contains("use strict"));
    }
}

#[tokio::test]
async fn staff_find_the_sites_they_check_in_at() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let page = app.get("/check-in", Some(&provider)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("href=\"/sites/1/check-in\""), "{html}");
    assert!(
        !html.contains("href=\"/sites/4/check-in\""),
        "another institution's site"
    );
    assert!(html.contains("href=\"/check-in\""), "in the navigation");
    let district = app
        .get("/check-in", Some(&app.sign_in("admin-huangpu").await))
        .await
        .text();
    for site in [1, 2, 3] {
        assert!(district.contains(&format!("href=\"/sites/{site}/check-in\"")));
    }
    assert!(!district.contains("href=\"/sites/4/check-in\""));
    // Pages: past the last one, no site; a page number that is not one is refused, named.
    let past = app.get("/check-in?page=2", Some(&provider)).await.text();
    assert!(!past.contains("href=\"/sites/1/check-in\""), "{past}");
    let bad = app.get("/check-in?page=two", Some(&provider)).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("page"), "{}", bad.text());
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get("/check-in", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get("/me/code", Some(&citizen))
            .await
            .text()
            .contains("href=\"/check-in\"")
    );
}
