//! Accredited providers through the API and the page: staff grant and withdraw, the decision is
//! in force at once and shown in review cases, bad input is refused with the field and nothing
//! recorded, and nobody who may not manage standards reads or records the register.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Session, TestApp, TestResponse, csrf_of};
use crate::bank_fixture::queued;

async fn decide(app: &TestApp, session: &Session, body: Value) -> TestResponse {
    app.json(Method::POST, "/api/v1/accreditations", body, Some(session))
        .await
}

#[tokio::test]
async fn a_grant_shows_in_review_cases_and_a_withdrawal_ends_it_from_its_day() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let provider = app.sign_in("provider").await;
    let outcome = queued(&app, &provider, "AC-1", &app.huangpu_national_id).await;
    let case = app
        .get(&format!("/api/v1/review-queue/{outcome}"), Some(&bank))
        .await;
    assert_eq!(case.json()["provider_accreditation"], "never");
    let page = app
        .get(&format!("/bank/review/{outcome}"), Some(&bank))
        .await
        .text();
    assert!(
        page.contains("不是认证机构") && page.contains("须人工审核"),
        "{page}"
    );

    let granted = decide(
        &app,
        &bank,
        json!({"provider_id": 1, "decision": "grant", "from": "2020-01-01", "reason": "经审核符合准入标准"}),
    )
    .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text());
    let body = granted.json();
    assert_eq!(body["status_today"], "accredited");
    assert_eq!(body["decided_by"], "bank");
    let case = app
        .get(&format!("/api/v1/review-queue/{outcome}"), Some(&bank))
        .await;
    assert_eq!(
        case.json()["provider_accreditation"],
        "accredited",
        "in force at once"
    );

    // Withdrawn after the outcome was achieved (2026-06-30): the outcome keeps its answer.
    let withdrawn = decide(
        &app,
        &bank,
        json!({"provider_id": 1, "decision": "withdraw", "from": "2026-07-01", "reason": "年度检查不合格"}),
    )
    .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::CREATED,
        "{}",
        withdrawn.text()
    );
    assert_eq!(withdrawn.json()["status_today"], "withdrawn");
    let case = app
        .get(&format!("/api/v1/review-queue/{outcome}"), Some(&bank))
        .await;
    assert_eq!(case.json()["provider_accreditation"], "accredited");

    let list = app.get("/api/v1/accreditations", Some(&bank)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["decision"], "grant");
    assert_eq!(list[1]["decision"], "withdraw");
    assert_eq!(app.audit_count("accreditation.record").await, 2);
    let page = app.get("/bank/providers", Some(&bank)).await.text();
    assert!(
        page.contains("经审核符合准入标准") && page.contains("认证已撤销"),
        "{page}"
    );
}

#[tokio::test]
async fn bad_decisions_are_refused_with_the_field_and_record_nothing() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    for (body, field) in [
        (
            json!({"provider_id": 1, "decision": "grant", "from": "2026-02-01", "until": "2026-01-01", "reason": "x"}),
            "until",
        ),
        (
            json!({"provider_id": 1, "decision": "withdraw", "until": "2026-01-01", "reason": "x"}),
            "until",
        ),
        (
            json!({"provider_id": 1, "decision": "suspend", "reason": "x"}),
            "decision",
        ),
        (
            json!({"provider_id": 1, "decision": "grant", "from": "2026/13/01", "reason": "x"}),
            "from",
        ),
        (
            json!({"provider_id": 1, "decision": "grant", "reason": "  "}),
            "reason",
        ),
        (
            json!({"provider_id": 9999, "decision": "grant", "reason": "x"}),
            "provider_id",
        ),
    ] {
        let refused = decide(&app, &bank, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.text()
        );
        assert_eq!(refused.error_field(), field, "{body}");
    }
    let unknown = decide(
        &app,
        &bank,
        json!({"provider_id": 1, "decision": "grant", "reason": "x", "level": 3}),
    )
    .await;
    assert!(unknown.status.is_client_error());
    assert!(unknown.text().contains("level"), "{}", unknown.text());

    let html = app.get("/bank/providers", Some(&bank)).await.text();
    let token = csrf_of(&html);
    let refused = app
        .form(
            "/bank/providers",
            &[
                ("csrf", token.as_str()),
                ("provider_id", "1"),
                ("decision", "grant"),
                ("from", "2026-02-01"),
                ("until", "2026-01-01"),
                ("reason", "审核通过"),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("aria-invalid") && html.contains("value=\"审核通过\""),
        "{html}"
    );
    let unknown_field = app
        .form(
            "/bank/providers",
            &[("csrf", token.as_str()), ("grade", "x")],
            &bank.cookie,
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.get("/api/v1/accreditations", Some(&bank))
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.audit_count("accreditation.record").await, 0);

    let recorded = app
        .form(
            "/bank/providers",
            &[
                ("csrf", token.as_str()),
                ("provider_id", "1"),
                ("decision", "grant"),
                ("from", ""),
                ("until", ""),
                ("reason", "审核通过"),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(
        recorded.status,
        StatusCode::SEE_OTHER,
        "{}",
        recorded.text()
    );
    assert_eq!(app.audit_count("accreditation.record").await, 1);
}

#[tokio::test]
async fn only_those_who_manage_standards_read_or_record_accreditations() {
    let app = TestApp::new().await;
    for username in ["provider", "citizen-huangpu", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/api/v1/accreditations", Some(&session))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert_eq!(
            app.get("/bank/providers", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        let refused = decide(
            &app,
            &session,
            json!({"provider_id": 1, "decision": "grant", "reason": "x"}),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(app.audit_count("accreditation.record").await, 0);
}

#[tokio::test]
async fn the_openapi_document_describes_the_general_rules_and_accreditations() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/api/v1/general-rules",
        "/api/v1/general-rules/nonformal",
        "/api/v1/general-rules/grade-mapping",
        "/api/v1/accreditations",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} is missing from the OpenAPI document"
        );
    }
    let schemas = &openapi["components"]["schemas"];
    for schema in [
        "GeneralRulesResponse",
        "NonFormalRulesRequest",
        "GradeMappingRequest",
        "AccreditationRequest",
        "AccreditationResponse",
    ] {
        assert!(schemas[schema].is_object(), "{schema} is missing");
    }
    let case = &schemas["ReviewCaseResponse"]["properties"]["provider_accreditation"];
    assert!(case.is_object(), "{}", schemas["ReviewCaseResponse"]);
}
