//! A large archive is shown a page at a time, on the pages (30 outcomes, older/newer links that
//! keep the filters) and in the API (`offset`, `limit`, `total_items`), while the totals stay
//! over every outcome.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::TestApp;
use crate::bank_fixture::*;

const OUTCOMES: usize = 35;

/// 35 outcomes of the Huangpu citizen, "课程 00" achieved first and "课程 34" last, all in 2025.
async fn large_archive(app: &TestApp) {
    let provider = app.sign_in("provider").await;
    let items: Vec<_> = (0..OUTCOMES)
        .map(|i| {
            let mut item = outcome(
                &format!("PG-{i:02}"),
                &app.huangpu_national_id,
                &format!("课程 {i:02}"),
                "8",
            );
            item["achieved_on"] = json!(format!("2025-{:02}-{:02}", 1 + i / 28, 1 + i % 28));
            item
        })
        .collect();
    let response = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": items }),
            Some(&provider),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(outcomes_of(app, app.huangpu_learner).await, OUTCOMES);
}

/// The titles on an archive page, in order.
fn titles(html: &str) -> Vec<String> {
    html.split("<h3>")
        .skip(1)
        .filter_map(|rest| rest.split(" <span").next())
        .filter(|title| title.starts_with("课程 "))
        .map(str::to_owned)
        .collect()
}

fn course(i: usize) -> String {
    format!("课程 {i:02}")
}

#[tokio::test]
async fn the_archive_page_shows_thirty_outcomes_at_a_time_newest_first() {
    let app = TestApp::new().await;
    large_archive(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;

    let first = app.get("/me/archive", Some(&citizen)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let html = first.text();
    let expected: Vec<String> = (5..OUTCOMES).rev().map(course).collect();
    assert_eq!(titles(&html), expected, "the newest 30");
    assert!(
        html.contains("<dd>35</dd>"),
        "totals over everything: {html}"
    );
    assert!(html.contains("第 1 页，共 2 页"));
    assert!(
        html.contains(
            "href=\"/me/archive?page=2\" rel=\"next\" id=\"older-records\">较早的记录</a>"
        )
    );
    assert!(!html.contains("较新的记录"));

    let second = app.get("/me/archive?page=2", Some(&citizen)).await;
    assert_eq!(second.status, StatusCode::OK);
    let html = second.text();
    let expected: Vec<String> = (0..5).rev().map(course).collect();
    assert_eq!(titles(&html), expected, "the rest");
    assert!(html.contains("<dd>35</dd>"));
    assert!(html.contains("href=\"/me/archive\" rel=\"prev\" id=\"newer-records\">较新的记录</a>"));
    assert!(!html.contains("较早的记录"));

    // Past the end: nothing listed, a way back.
    let past = app.get("/me/archive?page=9", Some(&citizen)).await;
    assert_eq!(past.status, StatusCode::OK);
    let html = past.text();
    assert!(titles(&html).is_empty());
    assert!(html.contains("这一页没有记录了"));
    assert!(html.contains("href=\"/me/archive?page=2\" rel=\"prev\""));

    // Filters are kept in the links (the & escaped in HTML as &#38;).
    let filtered = app
        .get(
            "/me/archive?year=2025&kind=community_course",
            Some(&citizen),
        )
        .await
        .text();
    assert!(
        filtered.contains("href=\"/me/archive?kind=community_course&#38;year=2025&#38;page=2\""),
        "{filtered}"
    );
    let english = app
        .get_with_cookies("/me/archive?page=2", &citizen, "xc_lang=en")
        .await
        .text();
    assert!(english.contains("Newer records") && english.contains("Page 2 of 2"));

    for bad in ["0", "abc", "-1"] {
        let response = app
            .get(&format!("/me/archive?page={bad}"), Some(&citizen))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(response.text().contains("page"), "{bad}");
    }

    // Staff in scope read the same pages.
    let admin = app.sign_in("admin-huangpu").await;
    let staff = app
        .get(
            &format!("/learners/{}/archive?page=2", app.huangpu_learner),
            Some(&admin),
        )
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text());
    let html = staff.text();
    assert_eq!(titles(&html).len(), 5);
    assert!(html.contains(&format!(
        "href=\"/learners/{}/archive\" rel=\"prev\"",
        app.huangpu_learner
    )));
}

#[tokio::test]
async fn the_archive_api_pages_with_offset_and_limit_and_names_bad_values() {
    let app = TestApp::new().await;
    large_archive(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;
    let title = |body: &serde_json::Value, index: usize| {
        body["items"][index]["outcome"]["title"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let all = app.get("/api/v1/me/archive", Some(&citizen)).await.json();
    assert_eq!(all["total_items"], 35);
    assert_eq!(
        (all["offset"].as_u64(), all["limit"].as_u64()),
        (Some(0), Some(50))
    );
    assert_eq!(all["items"].as_array().unwrap().len(), 35);

    let first = app
        .get("/api/v1/me/archive?limit=10", Some(&citizen))
        .await
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    assert_eq!(title(&first, 0), course(34));
    assert_eq!(first["totals"]["outcomes"], 35, "totals over everything");
    assert_eq!(first["total_items"], 35);

    let last = app
        .get("/api/v1/me/archive?offset=30&limit=10", Some(&citizen))
        .await
        .json();
    assert_eq!(last["items"].as_array().unwrap().len(), 5);
    assert_eq!(title(&last, 4), course(0));
    let past = app
        .get("/api/v1/me/archive?offset=100", Some(&citizen))
        .await
        .json();
    assert!(past["items"].as_array().unwrap().is_empty());
    assert_eq!(past["total_items"], 35);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x&limit=5", "offset"),
    ] {
        let response = app
            .get(&format!("/api/v1/me/archive?{query}"), Some(&citizen))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{query}");
    }

    let bank = app.sign_in("bank").await;
    let staff = app
        .get(
            &format!(
                "/api/v1/learners/{}/archive?offset=5&limit=5",
                app.huangpu_learner
            ),
            Some(&bank),
        )
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text());
    let body = staff.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    assert_eq!(title(&body, 0), course(29));
    assert_eq!(body["total_items"], 35);

    let openapi = app.get("/api/openapi.json", None).await.json();
    for path in ["/api/v1/me/archive", "/api/v1/learners/{id}/archive"] {
        let names: Vec<&str> = openapi["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(
            names.contains(&"offset") && names.contains(&"limit"),
            "{path}: {names:?}"
        );
    }
    assert!(
        openapi["components"]["schemas"]["ArchiveResponse"]["properties"]["total_items"]
            .is_object()
    );
}
