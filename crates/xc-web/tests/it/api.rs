//! The JSON API: registration, sessions, CSRF, scoping, audit, tokens, and bad input on every
//! path answered with 4xx naming the field, with nothing stored.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{PASSWORD, TestApp, national_id};

fn registration(username: &str, id: &str) -> serde_json::Value {
    json!({
        "username": username,
        "password": "a long enough password",
        "display_name": "王秀英",
        "national_id": id,
        "district_code": "310101",
        "phone": "13812345678",
        "consent": true
    })
}

#[tokio::test]
async fn health_readiness_metrics_and_the_openapi_document() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.text().contains(app.store.engine()));
    app.get("/api/v1/districts", None).await;
    let metrics = app.get("/metrics", None).await.text();
    assert!(
        metrics.contains("xuecheng_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/api/v1/districts\""), "{metrics}");
    let openapi = app.get("/api/openapi.json", None).await.json();
    assert!(
        openapi["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        openapi["openapi"]
    );
    for path in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/register",
        "/api/v1/overview",
        "/api/v1/districts",
        "/api/v1/districts/{code}",
        "/api/v1/districts/{code}/subdistricts",
        "/api/v1/subdistricts/{code}/neighbourhoods",
        "/api/v1/sites",
        "/api/v1/sites/{id}",
        "/api/v1/learners",
        "/api/v1/learners/{id}",
        "/api/v1/audit",
        "/api/v1/institutions/{id}/tokens",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} is missing from the OpenAPI document"
        );
    }
    let docs = app.get("/api/docs/", None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        !docs.text().contains("https://"),
        "the reference page loads nothing from the network"
    );
}

#[tokio::test]
async fn geography_and_sites() {
    let app = TestApp::new().await;
    let districts = app.get("/api/v1/districts", None).await.json();
    assert_eq!(districts.as_array().unwrap().len(), 2);
    assert_eq!(districts[0]["name"], "黄浦区");
    let subs = app
        .get("/api/v1/districts/310101/subdistricts", None)
        .await
        .json();
    assert_eq!(subs.as_array().unwrap().len(), 2);
    let hoods = app
        .get("/api/v1/subdistricts/310101002/neighbourhoods", None)
        .await
        .json();
    assert_eq!(hoods[0]["position_generated"], true);
    let sites = app
        .get("/api/v1/sites?kind=community_school&limit=1", None)
        .await
        .json();
    assert_eq!(sites["total"], 2);
    assert_eq!(sites["items"].as_array().unwrap().len(), 1);
    let overview = app
        .get("/api/v1/overview?district=310104", None)
        .await
        .json();
    assert_eq!(overview["learners"], 1);
    assert_eq!(
        app.get("/api/v1/sites/4", None).await.json()["kind"],
        "elder_university"
    );
    assert_eq!(
        app.get("/api/v1/districts/310199", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/sites/999", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_query_strings_and_paths_name_the_parameter() {
    let app = TestApp::new().await;
    let cases = [
        ("/api/v1/sites?kind=cinema", "kind"),
        ("/api/v1/sites?district=12", "district_code"),
        ("/api/v1/sites?limit=0", "limit"),
        ("/api/v1/sites?limit=many", "limit"),
        ("/api/v1/sites?colour=red", "colour"),
        ("/api/v1/districts/abc", "district_code"),
        ("/api/v1/sites/-4", "site_id"),
        ("/api/v1/overview?district=999999", "district_code"),
    ];
    for (uri, field) in cases {
        let response = app.get(uri, None).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{uri}: {}", response.text());
        assert!(
            !response.json()["error"]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    let unknown = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error_code(), "not_found");
}

#[tokio::test]
async fn citizens_register_and_see_only_masked_personal_data() {
    let app = TestApp::new().await;
    let id = national_id("310101", 1950, 101);
    let response = app
        .json(
            Method::POST,
            "/api/v1/register",
            registration("wang.xiuying", &id),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(app.audit_count("citizen.register").await, 1);
    let response = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "Wang.Xiuying", "password": "a long enough password"}),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let cookie = response
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("xc_session="))
        .unwrap();
    let session = crate::app::Session {
        cookie,
        csrf: response.json()["csrf_token"].as_str().unwrap().to_owned(),
    };
    let me = app.get("/api/v1/me", Some(&session)).await;
    let body = me.text();
    assert!(
        !body.contains(&id),
        "the full ID number never leaves the server"
    );
    assert!(!body.contains("13812345678"), "nor the full phone number");
    let me = me.json();
    assert_eq!(me["role"], "citizen");
    assert_eq!(
        me["learner"]["national_id_masked"],
        format!("{}**********{}", &id[..4], &id[14..])
    );
    assert_eq!(me["learner"]["phone_masked"], "138****5678");
    assert_eq!(me["learner"]["birth_year"], 1950);
}

#[tokio::test]
async fn registration_refuses_bad_input_and_stores_nothing() {
    let app = TestApp::new().await;
    let before = app.learner_count().await;
    let good = national_id("310101", 1950, 101);
    let mut wrong_check = good.clone();
    wrong_check.replace_range(17..18, if &good[17..] == "1" { "2" } else { "1" });
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (registration("ok.name", &wrong_check), 422, "national_id"),
        (registration("ok.name", "12345"), 422, "national_id"),
        (registration("x", &good), 422, "username"),
        (
            {
                let mut r = registration("ok.name", &good);
                r["password"] = json!("short");
                r
            },
            422,
            "password",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["consent"] = json!(false);
                r
            },
            422,
            "consent",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["district_code"] = json!("310199");
                r
            },
            422,
            "district_code",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["phone"] = json!("12345");
                r
            },
            422,
            "phone",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["display_name"] = json!(" ");
                r
            },
            422,
            "display_name",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["is_admin"] = json!(true);
                r
            },
            422,
            "is_admin",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r.as_object_mut().unwrap().remove("consent");
                r
            },
            422,
            "consent",
        ),
        (
            {
                let mut r = registration("ok.name", &good);
                r["consent"] = json!("yes");
                r
            },
            422,
            "consent",
        ),
        (registration("citizen-huangpu", &good), 409, "username"),
        // Erased accounts are renamed erased-<id>: nobody may choose such a name.
        (registration("erased-5", &good), 422, "username"),
    ];
    for (body, status, field) in cases {
        let response = app
            .json(Method::POST, "/api/v1/register", body.clone(), None)
            .await;
        assert_eq!(
            response.status.as_u16(),
            status,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}: {}", response.text());
    }
    // The same person twice.
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/register",
            registration("first.one", &good),
            None
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let again = app
        .json(
            Method::POST,
            "/api/v1/register",
            registration("second.one", &good),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_field(), "national_id");
    assert_eq!(
        app.learner_count().await,
        before + 1,
        "only the one good registration was stored"
    );
    assert_eq!(app.audit_count("citizen.register").await, 1);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_client_errors() {
    let app = TestApp::new().await;
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/register")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\"username\": "))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_code(), "bad_request");
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/register")
        .header("content-type", "text/plain")
        .body(axum::body::Body::from("hello"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
    let huge = json!({"username": "x".repeat(100_000)});
    let response = app.json(Method::POST, "/api/v1/register", huge, None).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.text()
    );
    assert_eq!(response.error_code(), "payload_too_large");
    let wrong_type = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": 5, "password": "x"}),
            None,
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_type.error_field(), "username");
}

#[tokio::test]
async fn sign_in_failures_are_uniform_and_throttled() {
    let app = TestApp::new().await;
    let wrong = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "auditor", "password": "wrong password"}),
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let nobody = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "no.such.user", "password": "wrong password"}),
            None,
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.json(),
        nobody.json(),
        "the answer does not reveal whether the account exists"
    );
    for _ in 0..4 {
        app.json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "auditor", "password": "wrong password"}),
            None,
        )
        .await;
    }
    let blocked = app
        .json(
            Method::POST,
            "/api/v1/session",
            json!({"username": "auditor", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        blocked.text()
    );
    assert!(blocked.headers.get("retry-after").is_some());
    // Another account is not blocked by someone guessing at this one.
    app.sign_in("bank").await;
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_write() {
    let app = TestApp::new().await;
    let session = app.sign_in("citizen-huangpu").await;
    let forged = crate::app::Session {
        csrf: "not-the-token".into(),
        ..session.clone()
    };
    let response = app
        .json(
            Method::PATCH,
            "/api/v1/me",
            json!({"display_name": "改名"}),
            Some(&forged),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.error_code(), "csrf");
    let response = app
        .json(
            Method::PATCH,
            "/api/v1/me",
            json!({"display_name": "改名", "phone": "13900001111"}),
            Some(&session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["display_name"], "citizen-huangpu");
    assert_eq!(response.json()["learner"]["display_name"], "改名");
    assert_eq!(response.json()["learner"]["phone_masked"], "139****1111");
    assert_eq!(app.audit_count("learner.contact_change").await, 1);
    let bad = app
        .json(
            Method::PATCH,
            "/api/v1/me",
            json!({"phone": "555"}),
            Some(&session),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_field(), "phone");
    assert_eq!(
        app.audit_count("learner.contact_change").await,
        1,
        "a refused change is not stored or audited"
    );
    let signed_out = app
        .json(Method::DELETE, "/api/v1/session", json!({}), Some(&session))
        .await;
    assert_eq!(signed_out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", Some(&session)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn district_admins_see_only_their_district_and_citizens_only_themselves() {
    let app = TestApp::new().await;
    let huangpu_admin = app.sign_in("admin-huangpu").await;
    let own = app
        .get(
            &format!("/api/v1/learners/{}", app.huangpu_learner),
            Some(&huangpu_admin),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let other = app
        .get(
            &format!("/api/v1/learners/{}", app.xuhui_learner),
            Some(&huangpu_admin),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "another district's learner does not exist for this admin"
    );
    let list = app
        .get("/api/v1/learners", Some(&huangpu_admin))
        .await
        .json();
    assert_eq!(list["total"], 2);
    let widened = app
        .get("/api/v1/learners?district=310104", Some(&huangpu_admin))
        .await
        .json();
    assert_eq!(widened["total"], 0, "a filter cannot widen the scope");

    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}", app.huangpu_learner),
            Some(&citizen)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}", app.xuhui_learner),
            Some(&citizen)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/learners", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );

    let provider = app.sign_in("provider").await;
    let theirs = app.get("/api/v1/learners", Some(&provider)).await.json();
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["id"], app.provider_learner.get());

    assert_eq!(
        app.get("/api/v1/learners/1", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn staff_reads_of_personal_data_are_audited_and_the_auditor_reads_the_log() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    app.get(
        &format!("/api/v1/learners/{}", app.xuhui_learner),
        Some(&bank),
    )
    .await;
    app.get("/api/v1/learners", Some(&bank)).await;
    assert_eq!(app.audit_count("learner.read").await, 1);
    assert_eq!(app.audit_count("learner.list").await, 1);
    let citizen = app.sign_in("citizen-xuhui").await;
    app.get(
        &format!("/api/v1/learners/{}", app.xuhui_learner),
        Some(&citizen),
    )
    .await;
    assert_eq!(
        app.audit_count("learner.read").await,
        1,
        "reading your own record is not a staff read"
    );
    assert_eq!(
        app.get("/api/v1/audit", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
    let auditor = app.sign_in("auditor").await;
    let log = app
        .get("/api/v1/audit?action=learner.read", Some(&auditor))
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.json()["total"], 1);
    assert_eq!(
        log.json()["items"][0]["subject_id"],
        app.xuhui_learner.to_string()
    );
    assert!(
        log.json()["items"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("user:")
    );
}

#[tokio::test]
async fn the_auditor_cannot_change_anything() {
    let app = TestApp::new().await;
    let auditor = app.sign_in("auditor").await;
    let body = json!({"display_name": "新学员", "national_id": national_id("310101", 1960, 7), "district_code": "310101"});
    let response = app
        .json(Method::POST, "/api/v1/learners", body, Some(&auditor))
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.json(
            Method::PATCH,
            "/api/v1/me",
            json!({"display_name": "x"}),
            Some(&auditor)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let token = app
        .json(
            Method::POST,
            "/api/v1/institutions/1/tokens",
            json!({"name": "x"}),
            Some(&auditor),
        )
        .await;
    assert_eq!(token.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_register_learners_within_their_scope() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin-huangpu").await;
    let body = |district: &str, seq| json!({"display_name": "新学员", "national_id": national_id("310101", 1960, seq), "district_code": district, "subdistrict_code": "310101002", "interests": ["health"]});
    let created = app
        .json(
            Method::POST,
            "/api/v1/learners",
            body("310101", 7),
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["interests"], json!(["health"]));
    let elsewhere = app.json(Method::POST, "/api/v1/learners", json!({"display_name": "新学员", "national_id": national_id("310104", 1960, 8), "district_code": "310104"}), Some(&admin)).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let mismatch = app.json(Method::POST, "/api/v1/learners", json!({"display_name": "x", "national_id": national_id("310104", 1960, 9), "district_code": "310104", "subdistrict_code": "310101002"}), Some(&app.sign_in("city-admin").await)).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mismatch.error_field(), "subdistrict_code");
    let bad_topic = app.json(Method::POST, "/api/v1/learners", json!({"display_name": "x", "national_id": national_id("310101", 1960, 10), "district_code": "310101", "interests": ["astrology"]}), Some(&admin)).await;
    assert_eq!(bad_topic.error_field(), "topic");
    assert_eq!(
        app.audit_count("learner.create").await,
        3 + 1,
        "three fixture learners and the one created here"
    );
}

#[tokio::test]
async fn institutions_use_bearer_tokens_scoped_to_themselves() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let other = app
        .json(
            Method::POST,
            "/api/v1/institutions/2/tokens",
            json!({"name": "教务系统"}),
            Some(&provider),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let created = app
        .json(
            Method::POST,
            "/api/v1/institutions/1/tokens",
            json!({"name": "教务系统"}),
            Some(&provider),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let token = created.json()["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("xct_"));
    let learners = app.bearer_get("/api/v1/learners", &token).await;
    assert_eq!(learners.status, StatusCode::OK);
    assert_eq!(learners.json()["total"], 1);
    assert_eq!(
        app.bearer_get(&format!("/api/v1/learners/{}", app.xuhui_learner), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.bearer_get("/api/v1/learners", "xct_not-a-token")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let audit = app.audit_count("api_token.create").await;
    assert_eq!(audit, 1);
    let empty_name = app
        .json(
            Method::POST,
            "/api/v1/institutions/1/tokens",
            json!({"name": "  "}),
            Some(&provider),
        )
        .await;
    assert_eq!(empty_name.error_field(), "name");
}
