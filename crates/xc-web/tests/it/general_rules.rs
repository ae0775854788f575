//! The general rules through the API and the pages: staff read the rules in force and their
//! history, publish new versions that recognition uses at once, and every bad input is refused
//! by row and field with nothing stored; nobody who may not manage standards reads or publishes
//! them.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Session, TestApp, TestResponse, csrf_of};
use crate::bank_fixture::queued;

async fn publish_nonformal(app: &TestApp, session: &Session, rules: Value) -> TestResponse {
    app.json(
        Method::POST,
        "/api/v1/general-rules/nonformal",
        json!({ "rules": rules }),
        Some(session),
    )
    .await
}

async fn publish_grades(app: &TestApp, session: &Session, levels: Value) -> TestResponse {
    app.json(
        Method::POST,
        "/api/v1/general-rules/grade-mapping",
        json!({ "levels": levels }),
        Some(session),
    )
    .await
}

/// (row, field) of every problem of a refusal.
fn problems(response: &TestResponse) -> Vec<(u64, String)> {
    response.json()["error"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems: {}", response.text()))
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn grades(levels: [u8; 5]) -> Value {
    let codes = ["grade_5", "grade_4", "grade_3", "grade_2", "grade_1"];
    Value::Array(
        codes
            .iter()
            .zip(levels)
            .map(|(grade, level)| json!({"grade": grade, "level": level}))
            .collect(),
    )
}

#[tokio::test]
async fn a_published_hours_rule_is_used_by_recognition_at_once_and_kept_in_the_history() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let provider = app.sign_in("provider").await;

    let before = app.get("/api/v1/general-rules", Some(&bank)).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text());
    let body = before.json();
    let kinds: Vec<&str> = body["nonformal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "non_formal_training",
            "venue_learning",
            "community_course",
            "mooc"
        ]
    );
    assert_eq!(body["nonformal"][2]["hours_per_credit"], "16");
    assert_eq!(body["nonformal"][2]["version"], Value::Null, "the default");
    assert_eq!(body["grade_mapping"][4]["level"], 6, "一级 → 6 by default");
    assert_eq!(body["history"], json!([]));

    let first = queued(&app, &provider, "GR-1", &app.huangpu_national_id).await;
    let case = app
        .get(&format!("/api/v1/review-queue/{first}"), Some(&bank))
        .await;
    assert_eq!(
        case.json()["general_rule_credits"],
        "1.5",
        "24 h at 16 h a credit"
    );

    let published = publish_nonformal(
        &app,
        &bank,
        json!([{"kind": "community_course", "hours_per_credit": 12, "maximum": "4"}]),
    )
    .await;
    assert_eq!(
        published.status,
        StatusCode::CREATED,
        "{}",
        published.text()
    );
    let body = published.json();
    assert_eq!(body["nonformal"][2]["version"], 1);
    assert_eq!(body["nonformal"][2]["hours_per_credit"], "12");
    assert_eq!(body["nonformal"][2]["maximum"], "4");
    let entry = &body["history"][0];
    assert_eq!(entry["subject"], "nonformal");
    assert_eq!(entry["kind"], "community_course");
    assert_eq!(entry["published_by"], "bank");
    assert_eq!(
        entry["changes"],
        json!([
            {"field": "hours_per_credit", "before": "16", "after": "12"},
            {"field": "maximum", "before": null, "after": "4"},
        ])
    );
    assert_eq!(app.audit_count("general_rules.publish").await, 1);

    // Recognition uses the new version from the moment it is published.
    let second = queued(&app, &provider, "GR-2", &app.xuhui_national_id).await;
    let case = app
        .get(&format!("/api/v1/review-queue/{second}"), Some(&bank))
        .await;
    assert_eq!(
        case.json()["general_rule_credits"],
        "2",
        "24 h at 12 h a credit"
    );

    let mapped = publish_grades(&app, &bank, grades([2, 3, 4, 5, 7])).await;
    assert_eq!(mapped.status, StatusCode::CREATED, "{}", mapped.text());
    let body = mapped.json();
    assert_eq!(body["grade_mapping_version"], 1);
    assert_eq!(body["grade_mapping"][4]["level"], 7);
    assert_eq!(
        body["history"][1]["changes"],
        json!([{"field": "grade_1", "before": "6", "after": "7"}])
    );
    assert_eq!(app.audit_count("grade_mapping.publish").await, 1);

    // The page shows the same, newest first, and the forms hold the rules in force.
    let page = app.get("/bank/general-rules", Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("value=\"12\"") && html.contains("value=\"7\""),
        "{html}"
    );
    assert!(
        html.contains("每学分学时: 16 → 12") && html.contains("一级/高级技师: 6 → 7"),
        "{html}"
    );
}

#[tokio::test]
async fn bad_rules_and_mappings_are_refused_by_row_and_field_and_store_nothing() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let refused = publish_nonformal(
        &app,
        &bank,
        json!([
            {"kind": "mooc", "hours_per_credit": "20"},
            {"kind": "community_course", "hours_per_credit": "16", "step": "-0.5"},
            {"kind": "academic_course", "hours_per_credit": "16"},
            {"kind": "venue_learning", "hours_per_credit": "0"},
            {"kind": "non_formal_training", "hours_per_credit": "16", "maximum": "0.1"},
            {"kind": "mooc", "hours_per_credit": "20"},
        ]),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(
        problems(&refused),
        [
            (2, "step".to_owned()),
            (3, "kind".to_owned()),
            (4, "hours_per_credit".to_owned()),
            (5, "maximum".to_owned()),
            (6, "kind".to_owned()),
        ]
    );
    assert_eq!(refused.error_field(), "step");

    for (levels, expected) in [
        (grades([2, 3, 4, 6, 5]), (5, "level")),
        (grades([2, 3, 11, 5, 6]), (3, "level")),
        (json!([{"grade": "grade_5", "level": 2}]), (0, "grade")),
        (json!([{"grade": "十级", "level": 2}]), (1, "grade")),
    ] {
        let refused = publish_grades(&app, &bank, levels).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text()
        );
        assert_eq!(problems(&refused)[0], (expected.0, expected.1.to_owned()));
    }

    // Nothing changed, an unknown field: refused, naming the field.
    let same = publish_grades(&app, &bank, grades([2, 3, 4, 5, 6])).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(same.error_field(), "rules");
    let unknown = app
        .json(
            Method::POST,
            "/api/v1/general-rules/nonformal",
            json!({"rules": [{"kind": "mooc", "credits": 1}]}),
            Some(&bank),
        )
        .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.text());
    assert!(unknown.text().contains("credits"), "{}", unknown.text());

    let after = app.get("/api/v1/general-rules", Some(&bank)).await.json();
    assert_eq!(after["history"], json!([]));
    assert_eq!(after["nonformal"][3]["hours_per_credit"], "16");
    assert_eq!(app.audit_count("general_rules.publish").await, 0);
    assert_eq!(app.audit_count("grade_mapping.publish").await, 0);
}

#[tokio::test]
async fn only_those_who_manage_standards_read_or_publish_the_general_rules() {
    // Credit-bank staff and city admins (Action::ManageStandards); nobody else.
    let app = TestApp::new().await;
    for username in ["provider", "citizen-huangpu", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/api/v1/general-rules", Some(&session))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert_eq!(
            app.get("/bank/general-rules", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        let refused = publish_grades(&app, &session, grades([2, 3, 4, 5, 7])).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(
        app.get("/api/v1/general-rules", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.audit_count("grade_mapping.publish").await, 0);
}

#[tokio::test]
async fn staff_publish_through_the_forms_and_see_refusals_by_row() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let html = app.get("/bank/general-rules", Some(&bank)).await.text();
    assert!(html.contains("还没有发布过版本"), "{html}");
    let token = csrf_of(&html);
    let row = |kind: &'static str, hours: &'static str, step: &'static str| {
        [
            ("kind", kind),
            ("hours_per_credit", hours),
            ("step", step),
            ("maximum", ""),
        ]
    };
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend(row("non_formal_training", "16", "0.5"));
    fields.extend(row("venue_learning", "", ""));
    fields.extend(row("community_course", "16", "0.3"));
    fields.extend(row("mooc", "abc", "0.5"));
    let refused = app
        .form("/bank/general-rules/nonformal", &fields, &bank.cookie)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("没有发布")
            && html.contains("<td class=\"num\">3</td>")
            && html.contains("<td class=\"num\">4</td>"),
        "the problems by row: {html}"
    );
    assert!(
        html.contains("value=\"abc\""),
        "what was typed is kept: {html}"
    );
    assert_eq!(app.audit_count("general_rules.publish").await, 0);

    let mut fields = vec![("csrf", token.as_str())];
    fields.extend(row("non_formal_training", "16", "0.5"));
    fields.extend(row("venue_learning", "", ""));
    fields.extend(row("community_course", "16", "0.5"));
    fields.extend(row("mooc", "16", "0.5"));
    let published = app
        .form("/bank/general-rules/nonformal", &fields, &bank.cookie)
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let page = app
        .get("/bank/general-rules?published=1", Some(&bank))
        .await
        .text();
    assert!(
        page.contains("新版本已发布") && page.contains("不折算"),
        "{page}"
    );
    assert_eq!(app.audit_count("general_rules.publish").await, 1);

    let grade_fields = [
        ("csrf", token.as_str()),
        ("grade", "grade_5"),
        ("level", "2"),
        ("grade", "grade_4"),
        ("level", "3"),
        ("grade", "grade_3"),
        ("level", ""),
        ("grade", "grade_2"),
        ("level", "5"),
        ("grade", "grade_1"),
        ("level", "6"),
    ];
    let refused = app
        .form(
            "/bank/general-rules/grade-mapping",
            &grade_fields,
            &bank.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("<td class=\"num\">3</td>"),
        "{}",
        refused.text()
    );
    let unknown = app
        .form(
            "/bank/general-rules/grade-mapping",
            &[("csrf", token.as_str()), ("grades", "x")],
            &bank.cookie,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let forged = app
        .form(
            "/bank/general-rules/grade-mapping",
            &grade_fields[1..],
            &bank.cookie,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(app.audit_count("grade_mapping.publish").await, 0);
}
