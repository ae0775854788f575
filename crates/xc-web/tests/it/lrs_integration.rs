//! The learning record store joined to the credit bank (issue 5 §4, §5) through the router:
//! statements from a platform join the learner's archive and earn points under the staff's
//! rules, once; an unknown actor is linked later and their past statements applied once; rules
//! that could never award are refused with the reason; statements of a provider's own platform
//! propose outcomes of its accredited course for recognition, once; an administrator erases
//! everything about one actor and nothing else. Every new input path's bad input is refused, nothing stored.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};
use xc_web::xapi::clients::{ClientRequest, create_client};
use xc_xapi::scope::Scope;

use crate::app::{Session, TEST_BASE_URL, TestApp, TestResponse, csrf_of};

const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const ATTENDED: &str = "http://adlnet.gov/expapi/verbs/attended";

async fn platform_client(app: &TestApp) -> String {
    client_of(app, "上海学习网", 1).await
}

/// The HTTP Basic authorization of a new LRS client of `institution`.
async fn client_of(app: &TestApp, name: &str, institution: i64) -> String {
    let created = create_client(
        &*app.store.store,
        &ClientRequest {
            name: name.into(),
            institution: Some(xc_domain::InstitutionId::new(institution)),
            scopes: vec![Scope::All],
        },
        None,
        xc_store::Actor::System("test".into()),
    )
    .await
    .unwrap();
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", created.key, created.secret))
    )
}

async fn post_statements(app: &TestApp, authorization: &str, body: Value) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response
}

fn completed(id: u32, actor: Value, scaled: f64) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{id:012}"),
        "actor": actor,
        "verb": {"id": COMPLETED, "display": {"zh-CN": "完成", "en-US": "completed"}},
        "object": {"id": format!("https://mooc.example/courses/{id}"),
                   "definition": {"name": {"zh-CN": "书法入门", "en-US": "Calligraphy basics"}}},
        "result": {"score": {"scaled": scaled}},
    })
}

fn learner_account(learner: xc_domain::LearnerId) -> Value {
    json!({"account": {"homePage": TEST_BASE_URL, "name": learner.to_string()}})
}

/// Waits (with a deadline) until the background walk has applied every stored statement.
async fn applied(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mark = app.store.integration_applied().await.unwrap();
        if app
            .store
            .statements_after(mark, 1)
            .await
            .unwrap()
            .is_empty()
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the walk did not apply the statements"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn publish(app: &TestApp, bank: &Session, rules: Value) -> TestResponse {
    app.json(
        Method::POST,
        "/api/v1/lrs/rules",
        json!({ "rules": rules }),
        Some(bank),
    )
    .await
}

async fn balance(app: &TestApp, learner: &Session) -> i64 {
    app.get("/api/v1/me/points", Some(learner)).await.json()["balance"]
        .as_i64()
        .unwrap()
}

async fn activity(app: &TestApp, learner: &Session) -> Vec<Value> {
    let archive = app.get("/api/v1/me/archive", Some(learner)).await;
    assert_eq!(archive.status, StatusCode::OK, "{}", archive.text());
    archive.json()["activity"]["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn statements_from_a_platform_join_the_archive_and_earn_points_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let published = publish(
        &app,
        &bank,
        json!([
            {"verb": COMPLETED, "min_scaled": 0.6, "award": "completion"},
            {"verb": ATTENDED, "award": "attendance"},
        ]),
    )
    .await;
    assert_eq!(
        published.status,
        StatusCode::CREATED,
        "{}",
        published.text()
    );
    assert_eq!(published.json()["version"], 1);
    let rules = app.get("/api/v1/lrs/rules", Some(&bank)).await.json();
    assert_eq!(rules["version"], 1);
    assert_eq!(rules["rules"][0]["award"], "completion");

    let platform = platform_client(&app).await;
    let me = learner_account(app.huangpu_learner);
    post_statements(
        &app,
        &platform,
        json!([completed(1, me.clone(), 0.8), completed(2, me.clone(), 0.4)]),
    )
    .await;
    // The platform's own statement (what a check-in stores): archive only, no points here.
    let own = xc_xapi::parse_statement(
        &json!({
            "id": "00000000-0000-4000-8000-000000000003",
            "actor": me,
            "verb": {"id": ATTENDED, "display": {"zh-CN": "出席"}},
            "object": {"id": format!("{TEST_BASE_URL}/sites/1")},
            "stored": "2026-11-01T08:00:00Z",
        }),
        xc_xapi::XapiVersion::LATEST_1_0,
    )
    .unwrap();
    app.store.insert_statements(&[own], &[]).await.unwrap();
    // A later statement wakes the walk, which applies the platform's statement too.
    post_statements(
        &app,
        &platform,
        completed(4, json!({"mbox": "mailto:nobody@example.com"}), 1.0),
    )
    .await;
    applied(&app).await;

    let learner = app.sign_in("citizen-huangpu").await;
    let items = activity(&app, &learner).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(
        items
            .iter()
            .any(|i| i["provider"] == "上海学习网" && i["activity_zh"] == "书法入门")
    );
    assert!(
        items
            .iter()
            .any(|i| i["provider"].is_null() && i["verb"] == ATTENDED)
    );
    // One completion at 0.8 earns 10; the 0.4 earns nothing; the platform's own attendance
    // earned its points when it happened, not here.
    assert_eq!(balance(&app, &learner).await, 10);
    // The same statement sent again earns nothing more.
    post_statements(
        &app,
        &platform,
        completed(1, learner_account(app.huangpu_learner), 0.8),
    )
    .await;
    applied(&app).await;
    assert_eq!(balance(&app, &learner).await, 10);

    // Paged, and filtered like the outcomes.
    let first = app
        .get("/api/v1/me/archive?activity_limit=2", Some(&learner))
        .await
        .json();
    assert_eq!(first["activity"]["items"].as_array().unwrap().len(), 2);
    let next = first["activity"]["next"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &format!("/api/v1/me/archive?activity_limit=2&activity_before={next}"),
            Some(&learner),
        )
        .await
        .json();
    assert_eq!(rest["activity"]["items"].as_array().unwrap().len(), 1);
    assert!(rest["activity"]["next"].is_null());
    let other_year = app
        .get("/api/v1/me/archive?year=2001", Some(&learner))
        .await
        .json();
    assert!(
        other_year["activity"]["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for bad in [
        "activity_before=soon",
        "activity_limit=0",
        "activity_limit=101",
    ] {
        let refused = app
            .get(&format!("/api/v1/me/archive?{bad}"), Some(&learner))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(refused.error_field().starts_with("activity_"), "{bad}");
    }
    // The page shows the activity in both languages and in elder mode.
    let page = app.get("/me/archive", Some(&learner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("学习活动") && html.contains("书法入门") && html.contains("上海学习网"));
    assert!(html.contains("80%"));
    let english = app
        .get_with_cookies("/me/archive", &learner, "xc_lang=en; xc_elder=1")
        .await
        .text();
    assert!(english.contains("Learning activity") && english.contains("Calligraphy basics"));
}

#[tokio::test]
async fn an_unknown_actor_is_linked_later_and_applied_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish(
        &app,
        &bank,
        json!([{"verb": COMPLETED, "award": "completion"}]),
    )
    .await;
    let platform = platform_client(&app).await;
    let ann = json!({"mbox": "mailto:ann@example.com"});
    post_statements(&app, &platform, completed(1, ann.clone(), 0.9)).await;
    applied(&app).await;
    let learner = app.sign_in("citizen-xuhui").await;
    assert!(activity(&app, &learner).await.is_empty());

    let link = |agent: Value, learner_id: i64| json!({"agent": agent, "learner_id": learner_id});
    let linked = app
        .json(
            Method::POST,
            "/api/v1/lrs/actor-links",
            link(ann.clone(), app.xuhui_learner.get()),
            Some(&bank),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text());
    assert_eq!(linked.json()["linked"], true);
    assert_eq!(linked.json()["applied"]["timeline"], 1);
    assert_eq!(linked.json()["applied"]["points"], 10);
    let again = app
        .json(
            Method::POST,
            "/api/v1/lrs/actor-links",
            link(ann.clone(), app.xuhui_learner.get()),
            Some(&bank),
        )
        .await
        .json();
    assert_eq!(
        (again["linked"].clone(), again["applied"]["points"].clone()),
        (json!(false), json!(0))
    );
    assert_eq!(balance(&app, &learner).await, 10);
    assert_eq!(activity(&app, &learner).await.len(), 1);
    assert_eq!(app.audit_count("xapi_actor.link").await, 1);

    // Bad input: each refused by name, nothing linked.
    let group = json!({"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]});
    for (body, status, field) in [
        (
            link(json!({"mbox": "ann@example.com"}), app.xuhui_learner.get()),
            422,
            "agent",
        ),
        (
            link(json!({"name": "no identifier"}), app.xuhui_learner.get()),
            422,
            "agent",
        ),
        (link(group, app.xuhui_learner.get()), 422, "agent"),
        (
            link(json!({"mbox": "mailto:bob@example.com"}), 999_999),
            422,
            "learner_id",
        ),
        (link(ann.clone(), app.huangpu_learner.get()), 409, "agent"),
        (
            json!({"agent": {"mbox": "mailto:bob@example.com"}, "learner": 1}),
            422,
            "learner",
        ),
    ] {
        let refused = app
            .json(
                Method::POST,
                "/api/v1/lrs/actor-links",
                body.clone(),
                Some(&bank),
            )
            .await;
        assert_eq!(refused.status.as_u16(), status, "{body} {}", refused.text());
        assert_eq!(refused.error_field(), field, "{body}");
    }
    assert_eq!(app.audit_count("xapi_actor.link").await, 1);
    let citizen = app
        .json(
            Method::POST,
            "/api/v1/lrs/actor-links",
            link(ann.clone(), app.xuhui_learner.get()),
            Some(&learner),
        )
        .await;
    assert_eq!(citizen.status, StatusCode::FORBIDDEN);

    // The page links too, and shows a refusal beside its form.
    let page = app.get("/bank/lrs-integration", Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.text());
    let bob = r#"{"mbox": "mailto:bob@example.com"}"#;
    let learner_id = app.huangpu_learner.get().to_string();
    let done = app
        .form(
            "/bank/lrs-integration/links",
            &[("csrf", &csrf), ("agent", bob), ("learner_id", &learner_id)],
            &bank.cookie,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("id=\"notice\""));
    let refused = app
        .form(
            "/bank/lrs-integration/links",
            &[("csrf", &csrf), ("agent", bob), ("learner_id", "abc")],
            &bank.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("id=\"link-error\""));
    assert_eq!(app.audit_count("xapi_actor.link").await, 2);
}

#[tokio::test]
async fn rules_that_could_never_award_are_refused_with_the_reason() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    for (rule, column) in [
        (
            json!({"verb": COMPLETED, "min_scaled": 1.5, "award": "completion"}),
            "min_scaled",
        ),
        (json!({"verb": "completed", "award": "completion"}), "verb"),
        (
            json!({"verb": "http://adlnet.gov/expapi/verbs/voided", "award": "completion"}),
            "verb",
        ),
        (
            json!({"verb": COMPLETED, "award": "volunteering_hour"}),
            "award",
        ),
        (json!({"verb": COMPLETED, "award": "dancing"}), "award"),
        (
            json!({"verb": COMPLETED, "activity_type": "course", "award": "completion"}),
            "activity_type",
        ),
    ] {
        let refused = publish(&app, &bank, json!([rule])).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}");
        assert_eq!(
            refused.json()["error"]["problems"][0]["column"],
            column,
            "{rule}"
        );
        assert_eq!(refused.json()["error"]["problems"][0]["row"], 1, "{rule}");
    }
    // A rule an earlier one always matches first could never award.
    let shadowed = publish(
        &app,
        &bank,
        json!([
            {"verb": COMPLETED, "award": "completion"},
            {"verb": COMPLETED, "min_scaled": 0.6, "award": "attendance"},
        ]),
    )
    .await;
    assert_eq!(shadowed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(shadowed.json()["error"]["problems"][0]["row"], 2);
    let unknown_field = publish(
        &app,
        &bank,
        json!([{"verb": COMPLETED, "award": "completion", "points": 5}]),
    )
    .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.get("/api/v1/lrs/rules", Some(&bank)).await.json()["version"].is_null());
    assert_eq!(app.audit_count("xapi_rules.publish").await, 0);
    let provider = app.sign_in("provider").await;
    assert_eq!(
        publish(&app, &provider, json!([])).await.status,
        StatusCode::FORBIDDEN
    );

    // The page: a refusal shown again as typed with its problems; a good form publishes.
    let page = app.get("/bank/lrs-integration", Some(&bank)).await;
    let csrf = csrf_of(&page.text());
    let refused = post_rule_form(&app, &bank, &csrf, ("sixty", "completion", "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("rules-error") && refused.text().contains("sixty"));
    let done = app
        .form(
            "/bank/lrs-integration/rules",
            &[
                ("csrf", &csrf),
                ("verb", COMPLETED),
                ("activity", ""),
                ("activity_type", ""),
                ("min_scaled", "0.6"),
                ("award", "completion"),
                ("verb", ""),
                ("activity", ""),
                ("activity_type", ""),
                ("min_scaled", ""),
                ("award", "attendance"),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let rules = app.get("/api/v1/lrs/rules", Some(&bank)).await.json();
    assert_eq!(rules["version"], 1);
    assert_eq!(rules["rules"].as_array().unwrap().len(), 1);
    assert_eq!(app.audit_count("xapi_rules.publish").await, 1);
    let openapi = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/api/v1/lrs/rules",
        "/api/v1/lrs/actor-links",
        "/api/v1/lrs/actor-erasure",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path}");
    }
}

#[tokio::test]
async fn an_administrator_erases_one_actor_and_nothing_else() {
    let app = TestApp::new().await;
    let platform = platform_client(&app).await;
    let ann = json!({"mbox": "mailto:ann@example.com"});
    let bob = json!({"mbox": "mailto:bob@example.com"});
    post_statements(
        &app,
        &platform,
        json!([
            completed(1, ann.clone(), 0.9),
            completed(2, bob.clone(), 0.9)
        ]),
    )
    .await;
    let erase = |agent: Value, confirm: &str| json!({"agent": agent, "confirm": confirm});
    let bank = app.sign_in("bank").await;
    let staff = app
        .json(
            Method::POST,
            "/api/v1/lrs/actor-erasure",
            erase(ann.clone(), "删除"),
            Some(&bank),
        )
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
    let admin = app.sign_in("city-admin").await;
    for (body, field) in [
        (erase(ann.clone(), "yes"), "confirm"),
        (erase(json!({"mbox": "ann"}), "删除"), "agent"),
    ] {
        let refused = app
            .json(
                Method::POST,
                "/api/v1/lrs/actor-erasure",
                body,
                Some(&admin),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.error_field(), field);
    }
    assert_eq!(app.audit_count("xapi_actor.erase").await, 0);
    let erased = app
        .json(
            Method::POST,
            "/api/v1/lrs/actor-erasure",
            erase(ann.clone(), "删除"),
            Some(&admin),
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    assert_eq!(erased.json()["statements"], 1);
    let left = app
        .store
        .query_statements(&xc_xapi::query::Filter::default(), None)
        .await
        .unwrap();
    assert_eq!(left.statements.len(), 1);
    assert_eq!(
        left.statements[0].statement.id.as_ref().unwrap().as_str(),
        "00000000-0000-4000-8000-000000000002"
    );
    let audit = app
        .get("/api/v1/audit?action=xapi_actor.erase", Some(&admin))
        .await
        .text();
    assert!(!audit.contains("ann@example.com"), "{audit}");
    assert_eq!(app.audit_count("xapi_actor.erase").await, 1);
    // The page erases too, for administrators only.
    let bank_page = app.get("/bank/lrs-integration", Some(&bank)).await.text();
    assert!(!bank_page.contains("/bank/lrs-integration/erasure"));
    let page = app.get("/bank/lrs-integration", Some(&admin)).await.text();
    let csrf = csrf_of(&page);
    let done = app
        .form(
            "/bank/lrs-integration/erasure",
            &[
                ("csrf", &csrf),
                ("agent", r#"{"mbox": "mailto:bob@example.com"}"#),
                ("confirm", "delete"),
            ],
            &admin.cookie,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("id=\"notice\""));
    assert_eq!(app.audit_count("xapi_actor.erase").await, 2);
}

/// Posts the rules form with one `completed` rule: (min_scaled, award, specification).
async fn post_rule_form(
    app: &TestApp,
    bank: &Session,
    csrf: &str,
    (min_scaled, award, specification): (&str, &str, &str),
) -> TestResponse {
    app.form(
        "/bank/lrs-integration/rules",
        &[
            ("csrf", csrf),
            ("verb", COMPLETED),
            ("activity", ""),
            ("activity_type", ""),
            ("min_scaled", min_scaled),
            ("award", award),
            ("specification", specification),
        ],
        &bank.cookie,
    )
    .await
}

/// A learner's archive totals: (outcomes, recognised, in review).
async fn outcome_totals(app: &TestApp, learner: &Session) -> (u64, u64, u64) {
    let archive = app.get("/api/v1/me/archive", Some(learner)).await.json();
    let totals = &archive["totals"];
    (
        totals["outcomes"].as_u64().unwrap(),
        totals["recognised"].as_u64().unwrap(),
        totals["in_review"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_providers_own_platform_proposes_outcomes_of_its_accredited_course_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let course = crate::bank_fixture::publish_calligraphy(&app, &bank).await;
    let published = publish(
        &app,
        &bank,
        json!([{"verb": COMPLETED, "min_scaled": 0.6, "specification": course}]),
    )
    .await;
    assert_eq!(
        published.status,
        StatusCode::CREATED,
        "{}",
        published.text()
    );
    let rules = app.get("/api/v1/lrs/rules", Some(&bank)).await.json();
    assert_eq!(rules["rules"][0]["specification"], course);
    assert!(rules["rules"][0]["award"].is_null());

    let own = platform_client(&app).await;
    let other = client_of(&app, "别家学习网", 2).await;
    let huangpu = learner_account(app.huangpu_learner);
    let xuhui = learner_account(app.xuhui_learner);
    post_statements(
        &app,
        &own,
        json!([
            completed(1, huangpu.clone(), 0.8),
            completed(2, xuhui.clone(), 0.5)
        ]),
    )
    .await;
    // Another provider's platform cannot make up an outcome of institution 1's course.
    post_statements(&app, &other, completed(3, xuhui.clone(), 0.9)).await;
    applied(&app).await;

    let huangpu_session = app.sign_in("citizen-huangpu").await;
    let xuhui_session = app.sign_in("citizen-xuhui").await;
    assert_eq!(outcome_totals(&app, &huangpu_session).await, (1, 1, 0));
    assert_eq!(outcome_totals(&app, &xuhui_session).await, (0, 0, 0));
    let archive = app
        .get("/api/v1/me/archive", Some(&huangpu_session))
        .await
        .json();
    let outcome = &archive["items"][0]["outcome"];
    assert_eq!(
        outcome["external_id"],
        "xapi:00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(outcome["provider_id"], 1);
    assert_eq!(outcome["title"], "书法（楷书）");
    assert_eq!(outcome["score"], "80");
    assert_eq!(outcome["grant"]["credits"], "2");
    assert_eq!(outcome["evidence"][0]["kind"], "xapi_statement");
    assert_eq!(app.audit_count("outcome.submit").await, 1);

    // The same statement again proposes nothing more.
    post_statements(&app, &own, completed(1, huangpu.clone(), 0.8)).await;
    post_statements(
        &app,
        &own,
        completed(4, json!({"mbox": "mailto:x@example.com"}), 0.1),
    )
    .await;
    applied(&app).await;
    assert_eq!(outcome_totals(&app, &huangpu_session).await, (1, 1, 0));
    assert_eq!(app.audit_count("outcome.submit").await, 1);

    // A specification that is not a published one's, or a rule that does nothing: refused by
    // row and field, nothing stored.
    for (rule, column) in [
        (
            json!({"verb": COMPLETED, "specification": 9_999}),
            "specification",
        ),
        (
            json!({"verb": COMPLETED, "specification": "SF-01"}),
            "specification",
        ),
        (json!({"verb": COMPLETED}), "award"),
    ] {
        let refused = publish(
            &app,
            &bank,
            json!([{"verb": ATTENDED, "award": "attendance"}, rule]),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}");
        let problem = &refused.json()["error"]["problems"][0];
        assert_eq!(
            (problem["row"].as_u64(), problem["column"].as_str()),
            (Some(2), Some(column)),
            "{rule}"
        );
    }
    assert_eq!(app.audit_count("xapi_rules.publish").await, 1);
    assert_eq!(
        app.get("/api/v1/lrs/rules", Some(&bank)).await.json()["version"],
        1
    );

    // The page: the rule in force shows its specification; an unknown one is refused as typed.
    let page = app.get("/bank/lrs-integration", Some(&bank)).await;
    assert!(page.text().contains(&format!("value=\"{course}\"")));
    let csrf = csrf_of(&page.text());
    let refused = post_rule_form(&app, &bank, &csrf, ("0.6", "", "424242")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("rules-error") && refused.text().contains("424242"));
    assert_eq!(app.audit_count("xapi_rules.publish").await, 1);
    let done = post_rule_form(
        &app,
        &bank,
        &csrf,
        ("0.6", "completion", &course.to_string()),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let rules = app.get("/api/v1/lrs/rules", Some(&bank)).await.json();
    assert_eq!(
        (
            &rules["rules"][0]["award"],
            &rules["rules"][0]["specification"]
        ),
        (&json!("completion"), &json!(course))
    );
}
