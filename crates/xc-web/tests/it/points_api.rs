//! Points over the API: providers report learning events (awarded, capped, already recorded;
//! a bad list refused whole by item and field), and credit-bank staff change the city's points
//! policy (a new version each time, history kept, the ledger never recomputed).

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::TestApp;

fn attendance(reference: &str, learner: i64, day: &str) -> serde_json::Value {
    json!({"reference": reference, "learner_id": learner, "activity": "attendance", "occurred_at": day})
}

fn today() -> String {
    // The bank's day is Shanghai's.
    time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap())
        .date()
        .to_string()
}

#[tokio::test]
async fn the_openapi_document_describes_the_points_endpoints() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    assert!(openapi["paths"]["/api/v1/points/events"]["post"].is_object());
    assert!(openapi["paths"]["/api/v1/points/policy"]["get"].is_object());
    assert!(openapi["paths"]["/api/v1/points/policy"]["post"].is_object());
}

#[tokio::test]
async fn provider_events_are_awarded_under_the_caps_once_each() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let learner = app.huangpu_learner.get();
    let day = today();
    // Six attendances in a day: the default daily cap of 5 cuts the sixth to nothing.
    let mut items: Vec<_> = (0..6)
        .map(|n| attendance(&format!("ATT-{n}"), learner, &day))
        .collect();
    items.push(json!({
        "reference": "VOL-1", "national_id": app.huangpu_national_id,
        "activity": "志愿服务时长", "occurred_at": format!("{day}T10:00:00+08:00"), "hours": "2.5"
    }));
    let answer = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": items}),
            Some(&provider),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    let results = body["items"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    assert_eq!(results[0]["result"], "awarded");
    assert_eq!(results[0]["points"], 1);
    assert_eq!(results[0]["learner_id"], learner);
    assert_eq!(results[5]["result"], "capped");
    assert_eq!(results[5]["points"], 0);
    assert_eq!(results[5]["cap"], "daily");
    assert_eq!(results[6]["result"], "awarded");
    assert_eq!(results[6]["points"], 5);
    assert_eq!(
        app.store.points_balance(app.huangpu_learner).await.unwrap(),
        10
    );
    assert_eq!(app.audit_count("points.events").await, 1);

    // The same list again: every item already recorded, nothing added, still audited.
    let again = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": items}),
            Some(&provider),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    // The sixth attendance earned nothing, so the ledger holds no row for it: it is capped
    // again (still nothing), every other item is already recorded.
    for (index, item) in again.json()["items"].as_array().unwrap().iter().enumerate() {
        let expected = if index == 5 {
            "capped"
        } else {
            "already_recorded"
        };
        assert_eq!(item["result"], expected, "item {index}");
        assert_eq!(item["points"], 0, "item {index}");
    }
    assert_eq!(
        app.store.points_balance(app.huangpu_learner).await.unwrap(),
        10
    );
    assert_eq!(app.audit_count("points.events").await, 2);
}

#[tokio::test]
async fn a_bad_event_list_is_refused_whole_by_item_and_field() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let learner = app.huangpu_learner.get();
    let day = today();
    let items = json!([
        attendance("OK-1", learner, &day),
        attendance("OK-1", learner, &day),
        {"reference": "V-1", "learner_id": learner, "activity": "volunteering_hour", "occurred_at": day},
        {"reference": "C-1", "learner_id": learner, "activity": "dancing", "occurred_at": "2026-02-30"},
        attendance("U-1", 999_999, &day),
        {"reference": "R-1", "learner_id": learner, "activity": "recognised_outcome", "occurred_at": day},
    ]);
    let refused = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": items}),
            Some(&provider),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let problems: Vec<(i64, String)> = refused.json()["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        (1, "reference"),
        (2, "hours"),
        (3, "activity"),
        (3, "occurred_at"),
        (4, "learner_id"),
        (5, "activity"),
    ] {
        assert!(
            problems.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} missing from {problems:?}"
        );
    }
    assert!(!problems.iter().any(|(row, _)| *row == 0), "{problems:?}");
    assert_eq!(
        app.store.points_balance(app.huangpu_learner).await.unwrap(),
        0
    );
    assert_eq!(app.audit_count("points.events").await, 0);
}

#[tokio::test]
async fn only_provider_staff_report_events() {
    let app = TestApp::new().await;
    let items = json!({"items": [attendance("A-1", app.huangpu_learner.get(), &today())]});
    for user in ["bank", "citizen-huangpu", "auditor"] {
        let session = app.sign_in(user).await;
        let answer = app
            .json(
                Method::POST,
                "/api/v1/points/events",
                items.clone(),
                Some(&session),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}");
    }
    let anonymous = app
        .json(Method::POST, "/api/v1/points/events", items, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_points_policy_is_versioned_and_applies_from_now_on() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let provider = app.sign_in("provider").await;
    let learner = app.huangpu_learner.get();
    let day = today();

    let before = app.get("/api/v1/points/policy", Some(&bank)).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text());
    assert!(before.json()["version"].is_null());
    assert!(before.json()["history"].as_array().unwrap().is_empty());

    let first = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": [attendance("P-1", learner, &day)]}),
            Some(&provider),
        )
        .await;
    assert_eq!(first.json()["items"][0]["points"], 1);

    let policy = json!({"rules": [
        {"activity": "attendance", "points": 3, "daily_cap": "6"},
        {"activity": "recognised_outcome", "points": 5, "yearly_cap": 200},
    ]});
    let published = app
        .json(Method::POST, "/api/v1/points/policy", policy, Some(&bank))
        .await;
    assert_eq!(
        published.status,
        StatusCode::CREATED,
        "{}",
        published.text()
    );
    let body = published.json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["rules"][0]["activity"], "attendance");
    assert_eq!(body["rules"][0]["points"], 3);
    assert_eq!(body["history"].as_array().unwrap().len(), 1);
    assert!(body["history"][0]["published_by"].is_i64());
    assert_eq!(app.audit_count("points_policy.publish").await, 1);

    // The new version applies to later events; the earlier award stays as it was.
    let later = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": [attendance("P-2", learner, &day), attendance("P-3", learner, &day),
                {"reference": "K-1", "learner_id": learner, "activity": "check_in", "occurred_at": day}]}),
            Some(&provider),
        )
        .await;
    assert_eq!(
        later.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "check-ins earn nothing now"
    );
    assert_eq!(later.json()["error"]["problems"][0]["row"], 2);
    let later = app
        .json(
            Method::POST,
            "/api/v1/points/events",
            json!({"items": [attendance("P-2", learner, &day), attendance("P-3", learner, &day)]}),
            Some(&provider),
        )
        .await;
    let results = later.json()["items"].clone();
    assert_eq!(results[0]["points"], 3);
    // 1 (old version) + 3 = 4 held today: the cap of 6 leaves 2.
    assert_eq!(results[1]["result"], "capped");
    assert_eq!(results[1]["points"], 2);
    let ledger = app.store.list_points(app.huangpu_learner).await.unwrap();
    assert_eq!(
        ledger.iter().map(|r| r.entry.points).collect::<Vec<_>>(),
        vec![1, 3, 2]
    );

    // Bad values name their field; nothing is published.
    for (rules, field) in [
        (
            json!([{"activity": "attendance", "points": 3, "daily_cap": 2}]),
            "attendance.daily_cap",
        ),
        (
            json!([{"activity": "check_in", "points": 1, "daily_cap": 5, "yearly_cap": 3}]),
            "check_in.yearly_cap",
        ),
        (
            json!([{"activity": "attendance", "points": "many"}]),
            "attendance.points",
        ),
        (json!([{"activity": "dancing", "points": 1}]), "activity"),
    ] {
        let refused = app
            .json(
                Method::POST,
                "/api/v1/points/policy",
                json!({"rules": rules}),
                Some(&bank),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text()
        );
        assert_eq!(refused.error_field(), field);
    }
    let provider_try = app
        .json(
            Method::POST,
            "/api/v1/points/policy",
            json!({"rules": []}),
            Some(&provider),
        )
        .await;
    assert_eq!(provider_try.status, StatusCode::FORBIDDEN);
    let history = app
        .get("/api/v1/points/policy", Some(&provider))
        .await
        .json();
    assert_eq!(history["history"].as_array().unwrap().len(), 1);
    assert_eq!(history["version"], 1);
}

#[tokio::test]
async fn staff_change_the_policy_on_its_page_and_see_the_field_at_fault() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let page = app.get("/bank/points-policy", Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("name=\"attendance.points\""), "{html}");
    assert!(html.contains("尚未发布过版本"), "{html}");

    let mut fields = vec![("csrf", bank.csrf.as_str())];
    fields.extend([
        ("attendance.points", "2"),
        ("attendance.daily_cap", "1"),
        ("check_in.points", "1"),
    ]);
    let refused = app.form("/bank/points-policy", &fields, &bank.cookie).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let html = refused.text();
    assert!(html.contains("attendance.daily_cap"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert!(
        app.store
            .list_points_policy_versions()
            .await
            .unwrap()
            .is_empty()
    );

    fields[2] = ("attendance.daily_cap", "6");
    let published = app.form("/bank/points-policy", &fields, &bank.cookie).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let after = app
        .get("/bank/points-policy?published=1", Some(&bank))
        .await
        .text();
    assert!(after.contains("版本 1"), "{after}");
    let versions = app.store.list_points_policy_versions().await.unwrap();
    assert_eq!(versions.len(), 1);

    let provider = app.sign_in("provider").await;
    let forbidden = app.get("/bank/points-policy", Some(&provider)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}
