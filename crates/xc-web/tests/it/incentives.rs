//! Staff's incentives page (激励): credit-bank staff and city admins list incentives, define one
//! and end one's offer on a last day; every refusal is a page with the field marked and what was
//! typed kept, and stores and audits nothing; learners see the result on their points page. The
//! API ends an incentive with the same checks.

use axum::http::{Method, StatusCode};
use serde_json::json;
use time::Duration;

use crate::app::{Session, TestApp, TestResponse, csrf_of};
use crate::conversion_fixture::conversion_ready;

async fn post(
    app: &TestApp,
    uri: &str,
    fields: &[(&str, &str)],
    session: &Session,
) -> TestResponse {
    app.form(uri, fields, &session.cookie).await
}

fn today() -> time::Date {
    xc_web::bank::today()
}

#[tokio::test]
async fn staff_define_and_end_incentives_and_bad_input_is_shown_by_field_with_nothing_stored() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    conversion_ready(&app, &bank).await;

    let page = app.get("/bank/incentives", Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("还没有激励项目。"), "{html}");
    assert!(
        html.contains("href=\"/bank/incentives\""),
        "in the navigation: {html}"
    );
    let token = csrf_of(&html);
    let create =
        |code: &'static str, cost: &'static str, from: &'static str, until: &'static str| {
            let token = token.clone();
            let bank = &bank;
            let app = &app;
            async move {
                post(
                    app,
                    "/bank/incentives",
                    &[
                        ("csrf", &token),
                        ("code", code),
                        ("name", "热门课程优先报名"),
                        ("cost", cost),
                        ("available_from", from),
                        ("available_until", until),
                    ],
                    bank,
                )
                .await
            }
        };

    // Each bad field: 422, the field marked, what was typed kept, nothing stored or audited.
    for (code, cost, from, until, field, typed) in [
        ("enrolment_priority", "0", "", "", "cost", "value=\"0\""),
        ("enrolment_priority", "八", "", "", "cost", "value=\"八\""),
        (
            "Enrolment Priority",
            "8",
            "",
            "",
            "code",
            "value=\"Enrolment Priority\"",
        ),
        (
            "enrolment_priority",
            "8",
            "2026-13-01",
            "",
            "available_from",
            "value=\"2026-13-01\"",
        ),
        (
            "enrolment_priority",
            "8",
            "2026-09-01",
            "2026-08-01",
            "available_until",
            "value=\"2026-08-01\"",
        ),
    ] {
        let refused = create(code, cost, from, until).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            refused.text()
        );
        let html = refused.text();
        let marked = format!("name=\"{field}\"");
        let input = &html[html
            .find(&marked)
            .unwrap_or_else(|| panic!("{field}: {html}"))..];
        let input = &input[..input.find('>').unwrap()];
        assert!(input.contains("aria-invalid=\"true\""), "{field}: {input}");
        assert!(input.contains(typed), "{field}: {input}");
        assert!(html.contains("id=\"form-error\""), "{html}");
        assert!(html.contains("热门课程优先报名"), "the name is kept");
    }
    assert!(app.store.list_incentives().await.unwrap().is_empty());
    assert_eq!(app.audit_count("incentive.create").await, 0);

    let created = create("enrolment_priority", "8", "2020-01-01", "").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    assert_eq!(created.headers["location"], "/bank/incentives?created=1");
    let html = app
        .get("/bank/incentives?created=1", Some(&bank))
        .await
        .text();
    assert!(html.contains("激励已新建"), "{html}");
    assert!(
        html.contains("热门课程优先报名 <span class=\"badge recognised\">提供中</span>"),
        "{html}"
    );
    assert!(html.contains("2020-01-01 起"), "{html}");
    let taken = create("enrolment_priority", "9", "", "").await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());
    assert!(
        taken
            .text()
            .contains("value=\"enrolment_priority\" aria-invalid=\"true\"")
    );
    assert_eq!(app.store.list_incentives().await.unwrap().len(), 1);
    let future = create("museum_ticket", "5", "2099-01-01", "").await;
    assert_eq!(future.status, StatusCode::SEE_OTHER, "{}", future.text());
    let incentives = app.store.list_incentives().await.unwrap();
    let (priority, museum) = (incentives[0].id.get(), incentives[1].id.get());

    // Ending: a bad or past day, a day before the first, refused next to that incentive.
    let yesterday = (today() - Duration::days(1)).to_string();
    let tomorrow = (today() + Duration::days(1)).to_string();
    for (id, day, words) in [
        (priority, "next week", "is not a date"),
        (priority, "", "give the last day"),
        (priority, "2020-06-01", "is in the past"),
        (museum, tomorrow.as_str(), "first offered on 2099-01-01"),
    ] {
        let refused = post(
            &app,
            &format!("/bank/incentives/{id}/end"),
            &[("csrf", &token), ("available_until", day)],
            &bank,
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{day}: {}",
            refused.text()
        );
        let html = refused.text();
        assert!(html.contains(&format!("id=\"end-error-{id}\"")), "{html}");
        assert!(html.contains(words), "{words}: {html}");
        assert!(
            html.contains(&format!(
                "name=\"available_until\" inputmode=\"numeric\" value=\"{day}\" aria-invalid=\"true\""
            )),
            "{html}"
        );
    }
    assert!(
        app.store
            .list_incentives()
            .await
            .unwrap()
            .iter()
            .all(|i| i.available_until.is_none())
    );
    assert_eq!(app.audit_count("incentive.end").await, 0);
    for (uri, status) in [
        ("/bank/incentives/999/end", StatusCode::NOT_FOUND),
        ("/bank/incentives/abc/end", StatusCode::NOT_FOUND),
    ] {
        let response = post(
            &app,
            uri,
            &[("csrf", &token), ("available_until", &tomorrow)],
            &bank,
        )
        .await;
        assert_eq!(response.status, status, "{uri}");
    }
    let unknown_field = post(
        &app,
        &format!("/bank/incentives/{priority}/end"),
        &[("csrf", &token), ("last", &tomorrow)],
        &bank,
    )
    .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Ending yesterday stops it at once: learners can no longer redeem it.
    let ended = post(
        &app,
        &format!("/bank/incentives/{priority}/end"),
        &[("csrf", &token), ("available_until", &yesterday)],
        &bank,
    )
    .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.text());
    assert_eq!(ended.headers["location"], "/bank/incentives?ended=1");
    assert_eq!(app.audit_count("incentive.end").await, 1);
    let html = app
        .get("/bank/incentives?ended=1", Some(&bank))
        .await
        .text();
    assert!(html.contains("已设定最后一天"), "{html}");
    assert!(
        html.contains("热门课程优先报名 <span class=\"badge expired\">不在兑换期内</span>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("2020-01-01 至 {yesterday}")),
        "{html}"
    );
    // A later last day would extend it: refused.
    let extend = post(
        &app,
        &format!("/bank/incentives/{priority}/end"),
        &[("csrf", &token), ("available_until", &tomorrow)],
        &bank,
    )
    .await;
    assert_eq!(extend.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        extend.text().contains("would extend it"),
        "{}",
        extend.text()
    );

    let citizen = app.sign_in("citizen-huangpu").await;
    let points = app.get("/me/points", Some(&citizen)).await.text();
    assert!(
        points.contains("热门课程优先报名 <span class=\"badge expired\">不在兑换期内</span>"),
        "{points}"
    );
    assert!(
        !points.contains("href=\"/bank/incentives\""),
        "no staff link for learners"
    );
    let redeem = post(
        &app,
        "/me/points/redeem",
        &[("csrf", &csrf_of(&points)), ("code", "enrolment_priority")],
        &citizen,
    )
    .await;
    assert_eq!(
        redeem.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        redeem.text()
    );

    // City admins manage incentives too; English and elder mode render; others are refused.
    let city = app.sign_in("city-admin").await;
    let english = app
        .get_with_cookies("/bank/incentives", &city, "xc_lang=en; xc_elder=1")
        .await;
    assert_eq!(english.status, StatusCode::OK);
    let english = english.text();
    assert!(
        english.contains("<html lang=\"en\" class=\"elder\">"),
        "{english}"
    );
    assert!(
        english.contains("Stop offering") && english.contains("New incentive"),
        "{english}"
    );
    for who in ["citizen-huangpu", "provider", "admin-huangpu", "auditor"] {
        let session = app.sign_in(who).await;
        assert_eq!(
            app.get("/bank/incentives", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let token = csrf_of(&app.get("/account", Some(&session)).await.text());
        let refused = post(
            &app,
            "/bank/incentives",
            &[
                ("csrf", &token),
                ("code", "x_y"),
                ("name", "x"),
                ("cost", "1"),
            ],
            &session,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(app.store.list_incentives().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_api_ends_an_incentive_with_the_same_checks_and_documents_it() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let created = app
        .json(
            Method::POST,
            "/api/v1/incentives",
            json!({"code": "museum_ticket", "name": "博物馆门票", "cost": 5,
                   "available_from": "2020-01-01"}),
            Some(&bank),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let uri = format!("/api/v1/incentives/{}/end", created.json()["id"]);
    for (body, field) in [
        (json!({"available_until": "2020-06-01"}), "available_until"),
        (json!({"available_until": "soon"}), "available_until"),
        (json!({}), "available_until"),
        (json!({"until": "2099-01-01"}), "until"),
    ] {
        let refused = app
            .json(Method::POST, &uri, body.clone(), Some(&bank))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.error_field(), field, "{body}");
    }
    assert_eq!(app.audit_count("incentive.end").await, 0);
    let citizen = app.sign_in("citizen-huangpu").await;
    let yesterday = (today() - Duration::days(1)).to_string();
    let forbidden = app
        .json(
            Method::POST,
            &uri,
            json!({"available_until": yesterday}),
            Some(&citizen),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let missing = app
        .json(
            Method::POST,
            "/api/v1/incentives/999/end",
            json!({"available_until": yesterday}),
            Some(&bank),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let ended = app
        .json(
            Method::POST,
            &uri,
            json!({"available_until": yesterday}),
            Some(&bank),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    assert_eq!(ended.json()["available_until"], yesterday);
    assert_eq!(ended.json()["offered_today"], false);
    assert_eq!(app.audit_count("incentive.end").await, 1);
    let document = app.get("/api/openapi.json", None).await.json();
    assert!(
        document["paths"]["/api/v1/incentives/{id}/end"]["post"].is_object(),
        "documented"
    );
}
