//! Erasure on the learner's request (PIPL art. 47), through the API and the page: the identity
//! goes, the sessions end, the learning records stay; a wrong confirmation word erases nothing;
//! nobody but the citizen themself may ask.

use axum::http::{Method, StatusCode, header};
use serde_json::json;
use xc_domain::LearnerScope;

use crate::app::{PASSWORD, Session, TestApp, TestResponse};
use crate::bank_fixture::*;

/// One recognised outcome of the Huangpu citizen; the ID look-up hash of their record.
async fn learner_with_an_outcome(app: &TestApp) -> Vec<u8> {
    let bank = app.sign_in("bank").await;
    publish_calligraphy(app, &bank).await;
    let provider = app.sign_in("provider").await;
    let response = submit(app, &provider, calligraphy("E-1", &app.huangpu_national_id)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let lookup = app
        .store
        .get_learner(&LearnerScope::All, app.huangpu_learner)
        .await
        .unwrap()
        .national_id_lookup;
    assert_eq!(
        app.store
            .find_learner_by_national_id(&lookup)
            .await
            .unwrap(),
        Some(app.huangpu_learner)
    );
    lookup
}

async fn erase_via_api(
    app: &TestApp,
    session: Option<&Session>,
    body: serde_json::Value,
) -> TestResponse {
    app.json(Method::POST, "/api/v1/me/erasure", body, session)
        .await
}

/// The identity is gone, the records stay, the erasure was audited once.
async fn assert_erased(app: &TestApp, lookup: &[u8]) {
    assert_eq!(
        app.store.find_learner_by_national_id(lookup).await.unwrap(),
        None,
        "nobody is found by the old ID number"
    );
    let record = app
        .store
        .get_learner(&LearnerScope::All, app.huangpu_learner)
        .await
        .unwrap();
    assert_ne!(record.display_name, "黄浦学员");
    assert_eq!(record.national_id.masked, "已删除");
    assert_eq!(
        outcomes_of(app, app.huangpu_learner).await,
        1,
        "outcomes stay"
    );
    assert!(
        app.store
            .learner_erasure(app.huangpu_learner)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(app.audit_count("learner.erase").await, 1);
    // The old account cannot sign in again.
    let sign_in = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "citizen-huangpu", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        sign_in.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        sign_in.text()
    );
}

/// Whether the response tells the browser to drop its session cookie.
fn clears_session(response: &TestResponse) -> bool {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|value| {
            let value = value.to_str().unwrap_or_default();
            value.starts_with("xc_session=;") && value.contains("Max-Age=0")
        })
}

#[tokio::test]
async fn a_citizen_erases_their_record_through_the_api_and_the_records_stay() {
    let app = TestApp::new().await;
    let lookup = learner_with_an_outcome(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;
    // A second session of the same person (a phone and a computer) ends too.
    let other_device = app.sign_in("citizen-huangpu").await;

    let response = erase_via_api(&app, Some(&citizen), json!({"confirm": "注销"})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert!(clears_session(&response), "{:?}", response.headers);
    let body = response.json();
    assert_eq!(body["learner_id"], app.huangpu_learner.get());
    assert!(body["erased_at"].is_string());
    assert!(!body["erased"].as_array().unwrap().is_empty());
    let kept = body["kept"].as_array().unwrap();
    assert!(
        kept.iter().any(
            |k| k["what"].as_str().unwrap().contains("learning outcomes")
                && !k["why"].as_str().unwrap().is_empty()
        ),
        "{body}"
    );

    for session in [&citizen, &other_device] {
        let me = app.get("/api/v1/me", Some(session)).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text());
    }
    assert_erased(&app, &lookup).await;
    // Asking again with the old session changes nothing.
    let again = erase_via_api(&app, Some(&citizen), json!({"confirm": "注销"})).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("learner.erase").await, 1);
    // The other citizen is untouched.
    let xuhui = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get("/api/v1/me/archive", Some(&xuhui)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_or_missing_confirmation_word_erases_nothing() {
    let app = TestApp::new().await;
    let lookup = learner_with_an_outcome(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;
    for (body, field) in [
        (json!({"confirm": "删除"}), "confirm"),
        (json!({"confirm": "erased"}), "confirm"),
        (json!({"confirm": ""}), "confirm"),
        (json!({}), "confirm"),
        (json!({"confirm": 1}), "confirm"),
        (json!({"confirm": "注销", "everything": true}), "everything"),
    ] {
        let response = erase_via_api(&app, Some(&citizen), body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}");
        assert!(!clears_session(&response));
    }
    assert_eq!(app.audit_count("learner.erase").await, 0);
    assert!(
        app.store
            .learner_erasure(app.huangpu_learner)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.store
            .find_learner_by_national_id(&lookup)
            .await
            .unwrap(),
        Some(app.huangpu_learner)
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&citizen)).await.status,
        StatusCode::OK,
        "the session still works"
    );
    // The English word works as well.
    let response = erase_via_api(&app, Some(&citizen), json!({"confirm": " Erase "})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_erased(&app, &lookup).await;
}

#[tokio::test]
async fn only_a_citizen_with_a_learner_record_may_ask_and_the_api_is_documented() {
    let app = TestApp::new().await;
    learner_with_an_outcome(&app).await;
    for username in ["bank", "provider", "admin-huangpu", "city-admin", "auditor"] {
        let session = app.sign_in(username).await;
        let response = erase_via_api(&app, Some(&session), json!({"confirm": "注销"})).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{username}");
        assert_eq!(response.error_code(), "forbidden");
    }
    let anonymous = erase_via_api(&app, None, json!({"confirm": "注销"})).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // A cookie-authenticated write needs the CSRF header.
    let citizen = app.sign_in("citizen-huangpu").await;
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/me/erasure")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &citizen.cookie)
        .body(axum::body::Body::from(r#"{"confirm":"注销"}"#))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("learner.erase").await, 0);

    let openapi = app.get("/api/openapi.json", None).await.json();
    let post = &openapi["paths"]["/api/v1/me/erasure"]["post"];
    assert!(post.is_object(), "missing from the OpenAPI document");
    for status in ["200", "401", "403", "409", "422"] {
        assert!(post["responses"][status].is_object(), "{status}");
    }
    let schemas = &openapi["components"]["schemas"];
    assert!(schemas["ErasureRequest"].is_object());
    assert!(schemas["ErasureResponse"].is_object());
}

#[tokio::test]
async fn the_erase_page_explains_offers_the_download_and_confirms_by_the_typed_word() {
    let app = TestApp::new().await;
    let lookup = learner_with_an_outcome(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;

    // Linked from the account page and the archive.
    let account = app.get("/account", Some(&citizen)).await.text();
    assert!(account.contains("href=\"/me/erase\""), "{account}");
    let archive = app.get("/me/archive", Some(&citizen)).await.text();
    assert!(archive.contains("href=\"/me/erase\""));

    let page = app.get("/me/erase", Some(&citizen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<h1>注销账户</h1>"), "{html}");
    let download = html.find("/api/v1/me/export.json").expect("download link");
    assert!(html.contains("/api/v1/me/export.xlsx"));
    let form = html.find("action=\"/me/erase\"").expect("the form");
    assert!(download < form, "the download comes first");
    assert!(html.contains("会被删除的信息") && html.contains("会保留的记录，以及原因"));
    assert!(html.contains("请输入“注销”两个字"));
    assert!(html.contains(&format!("name=\"csrf\" value=\"{}\"", citizen.csrf)));

    let english = app
        .send(
            axum::http::Request::builder()
                .uri("/me/erase")
                .header(header::COOKIE, format!("{}; xc_lang=en", citizen.cookie))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(english.contains("Type the word erase"), "{english}");
    assert!(english.contains("What is kept, and why"));

    // Staff have nothing to erase here; anonymous visitors sign in first.
    let bank = app.sign_in("bank").await;
    assert_eq!(
        app.get("/me/erase", Some(&bank)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get("/account", Some(&bank))
            .await
            .text()
            .contains("/me/erase")
    );
    let anonymous = app.get("/me/erase", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers[header::LOCATION], "/login");

    // Without the CSRF token: refused, nothing erased.
    let forged = app
        .form("/me/erase", &[("confirm", "注销")], &citizen.cookie)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // A wrong word: the form again, the error next to the field, what was typed kept.
    let wrong = app
        .form(
            "/me/erase",
            &[("csrf", &citizen.csrf), ("confirm", "删除")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = wrong.text();
    assert!(html.contains("id=\"confirm-error\""), "{html}");
    assert!(html.contains("请准确输入“注销”两个字"));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"confirm-error\""));
    assert!(html.contains("value=\"删除\""));
    assert_eq!(app.audit_count("learner.erase").await, 0);
    assert_eq!(
        app.get("/account", Some(&citizen)).await.status,
        StatusCode::OK
    );

    // The word: erased, signed out, a plain confirmation.
    let done = app
        .form(
            "/me/erase",
            &[("csrf", &citizen.csrf), ("confirm", "注销")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.headers[header::LOCATION], "/erased");
    assert!(clears_session(&done), "{:?}", done.headers);
    let confirmation = app.get("/erased", None).await;
    assert_eq!(confirmation.status, StatusCode::OK);
    assert!(confirmation.text().contains("您的账户已注销"));
    let after = app.get("/account", Some(&citizen)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "signed out");
    assert_erased(&app, &lookup).await;
}
