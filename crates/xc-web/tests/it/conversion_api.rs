//! The API of conversion, points and the learner's data download: for each endpoint the happy
//! path, the roles that may not, and bad input answered with the field named.

use std::io::Cursor;

use axum::http::{Method, StatusCode};
use calamine::{Reader, Xlsx};
use serde_json::json;

use crate::app::TestApp;
use crate::conversion_fixture::*;

#[tokio::test]
async fn the_openapi_document_describes_conversion_points_and_the_download() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/api/v1/programmes",
        "/api/v1/programmes/{id}",
        "/api/v1/programmes/{id}/rules",
        "/api/v1/rules/{id}/versions",
        "/api/v1/rules/{id}/retire",
        "/api/v1/me/programmes/{id}/proposal",
        "/api/v1/me/conversion-applications",
        "/api/v1/conversion-applications",
        "/api/v1/conversion-applications/{id}",
        "/api/v1/conversion-applications/{id}/decision",
        "/api/v1/me/points",
        "/api/v1/incentives",
        "/api/v1/me/incentives/{code}/redeem",
        "/api/v1/me/export.json",
        "/api/v1/me/export.xlsx",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} is missing from the OpenAPI document"
        );
    }
    let schemas = &openapi["components"]["schemas"];
    for schema in [
        "NewRuleRequest",
        "ConversionGrantRequest",
        "ProposalResponse",
        "ApplicationResponse",
        "ApplicationDecisionRequest",
        "PointsResponse",
        "IncentiveRequest",
    ] {
        assert!(schemas[schema].is_object(), "{schema} is missing");
    }
    let xlsx = &openapi["paths"]["/api/v1/me/export.xlsx"]["get"]["responses"]["200"]["content"];
    assert!(
        xlsx["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"].is_object(),
        "{xlsx}"
    );
}

#[tokio::test]
async fn programmes_and_rules_are_kept_by_bank_staff_and_impossible_rules_are_refused() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let programme = create_programme(&app, &bank).await;
    assert_eq!(app.audit_count("programme.create").await, 1);

    // Who may not.
    let body = json!({"institution_id": 2, "code": "X", "name": "x", "max_credits": 5});
    for username in ["citizen-huangpu", "provider", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        let response = app
            .json(
                Method::POST,
                "/api/v1/programmes",
                body.clone(),
                Some(&session),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{username}");
        let rule = app
            .json(
                Method::POST,
                &format!("/api/v1/programmes/{programme}/rules"),
                smart_living_rule("R-X"),
                Some(&session),
            )
            .await;
        assert_eq!(rule.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(
        app.json(Method::POST, "/api/v1/programmes", body.clone(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let city = app.sign_in("city-admin").await;
    let by_city = app
        .json(Method::POST, "/api/v1/programmes", body, Some(&city))
        .await;
    assert_eq!(by_city.status, StatusCode::CREATED, "{}", by_city.text());

    // Bad programmes, the field named.
    for (body, field, status) in [
        (
            json!({"institution_id": 2, "code": "Y", "name": "y", "max_credits": 0}),
            "max_credits",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"institution_id": 99, "code": "Y", "name": "y", "max_credits": 5}),
            "institution_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"institution_id": 2, "code": " ", "name": "y", "max_credits": 5}),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"institution_id": 2, "code": "OU-ELEC", "name": "y", "max_credits": 5}),
            "code",
            StatusCode::CONFLICT,
        ),
        (
            json!({"institution_id": 2, "code": "Y", "name": "y", "max_credits": 5, "cap": 1}),
            "cap",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let response = app
            .json(
                Method::POST,
                "/api/v1/programmes",
                body.clone(),
                Some(&bank),
            )
            .await;
        assert_eq!(response.status, status, "{body}: {}", response.text());
        assert_eq!(response.error_field(), field, "{body}: {}", response.text());
    }

    // Rules: published, listed in engine order with code, version and body.
    let smart = publish_rule(&app, &bank, programme, smart_living_rule("R-SMART")).await;
    let electrician = publish_rule(&app, &bank, programme, electrician_rule("R-ELEC")).await;
    assert_eq!(app.audit_count("conversion_rule.publish").await, 2);
    let detail = app
        .get(&format!("/api/v1/programmes/{programme}"), Some(&bank))
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    let rules = detail.json()["rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["id"], electrician, "priority 10 is tried first");
    assert_eq!(rules[0]["code"], "R-ELEC");
    assert_eq!(rules[0]["version"], 1);
    assert_eq!(
        rules[0]["body"]["grant"]["course_exemptions"][0],
        json!({"course": "ELEC-101", "credits": "4"})
    );
    assert_eq!(rules[0]["body"]["min_grade"], "grade_3");
    assert_eq!(rules[1]["id"], smart);
    assert_eq!(rules[1]["body"]["grant"]["elective_credits"], "2");
    assert_eq!(rules[1]["body"]["count"], 2);
    assert!(
        rules[1]["summary_zh"]
            .as_str()
            .unwrap()
            .contains("任意 2 项社区教育"),
        "{}",
        rules[1]
    );
    let list = app.get("/api/v1/programmes", Some(&bank)).await.json();
    assert_eq!(list[0]["id"], programme);
    assert_eq!(list[0]["rules"], 2);
    // Learners may read the programmes they can convert into.
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get(&format!("/api/v1/programmes/{programme}"), Some(&citizen))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/programmes/999", Some(&bank)).await.status,
        StatusCode::NOT_FOUND
    );

    // A rule that can never be met, or that contradicts another: 422 with the field and the
    // domain's reason; nothing is published.
    let mut impossible = smart_living_rule("R-X");
    impossible["min_level"] = json!(11);
    let mut leisure = smart_living_rule("R-X");
    leisure["category"] = json!("culture_leisure");
    let mut contradicting = smart_living_rule("R-X");
    contradicting["grant"] = json!({"elective_credits": 3});
    let mut above_cap = advanced_rule("R-X");
    above_cap["grant"] = json!({"elective_credits": 12});
    let mut exemption_differs = electrician_rule("R-X");
    exemption_differs["title"] = json!("维修电工");
    exemption_differs["grant"] =
        json!({"course_exemptions": [{"course": "elec-101", "credits": 3}]});
    for (body, field, words) in [
        (impossible, "min_level", "can never be met"),
        (leisure, "category", "never convert"),
        (contradicting, "rule", "merge them into one rule"),
        (above_cap, "grant", "at most 10"),
        (exemption_differs, "grant", "contradicts that rule"),
        (
            json!({"code": "R-X", "kinds": ["cooking"], "grant": {"elective_credits": 1}}),
            "kinds",
            "not one of",
        ),
        (
            json!({"code": "R-X", "kinds": ["mooc"]}),
            "grant",
            "course exemptions",
        ),
        (
            json!({"code": "R-X", "grant": {"free_lunch": 1}}),
            "grant",
            "unknown variant",
        ),
        (
            json!({"code": "R-X", "count": 0, "grant": {"elective_credits": 1}}),
            "count",
            "N of 0",
        ),
        (
            json!({"code": "R-X", "kinds": ["mooc"], "min_grade": "三级", "grant": {"elective_credits": 1}}),
            "min_grade",
            "only vocational certificates",
        ),
    ] {
        let response = app
            .json(
                Method::POST,
                &format!("/api/v1/programmes/{programme}/rules"),
                body.clone(),
                Some(&bank),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}: {}", response.text());
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(words), "{body}: {message}");
    }
    let same_code = app
        .json(
            Method::POST,
            &format!("/api/v1/programmes/{programme}/rules"),
            advanced_rule("R-SMART"),
            Some(&bank),
        )
        .await;
    assert_eq!(
        same_code.status,
        StatusCode::CONFLICT,
        "{}",
        same_code.text()
    );
    assert_eq!(same_code.error_field(), "code");
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/programmes/999/rules",
            advanced_rule("R-Z"),
            Some(&bank)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("conversion_rule.publish").await, 2);

    // A new version, then retiring: the retired rule leaves the programme's rules in force.
    let mut version = smart_living_rule("ignored");
    version.as_object_mut().unwrap().remove("code");
    version["count"] = json!(3);
    let v2 = app
        .json(
            Method::POST,
            &format!("/api/v1/rules/{smart}/versions"),
            version.clone(),
            Some(&bank),
        )
        .await;
    assert_eq!(v2.status, StatusCode::CREATED, "{}", v2.text());
    assert_eq!(v2.json()["version"], 2);
    assert_eq!(v2.json()["body"]["count"], 3);
    let unchanged = app
        .json(
            Method::POST,
            &format!("/api/v1/rules/{smart}/versions"),
            version,
            Some(&bank),
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unchanged.error_field(), "rule");
    let citizen_retire = app
        .json(
            Method::POST,
            &format!("/api/v1/rules/{smart}/retire"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(citizen_retire.status, StatusCode::FORBIDDEN);
    let retired = app
        .json(
            Method::POST,
            &format!("/api/v1/rules/{smart}/retire"),
            json!({}),
            Some(&bank),
        )
        .await;
    assert_eq!(retired.status, StatusCode::CREATED, "{}", retired.text());
    assert_eq!(retired.json()["retired"], true);
    assert_eq!(retired.json()["version"], 3);
    assert_eq!(app.audit_count("conversion_rule.retire").await, 1);
    let again = app
        .json(
            Method::POST,
            &format!("/api/v1/rules/{smart}/retire"),
            json!({}),
            Some(&bank),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.error_field(), "rule");
    let detail = app
        .get(&format!("/api/v1/programmes/{programme}"), Some(&bank))
        .await
        .json();
    let ids: Vec<i64> = detail["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [electrician]);
}

#[tokio::test]
async fn a_learner_previews_applies_and_staff_decide_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (rules, outcomes) = conversion_ready(&app, &bank).await;
    let programme = rules.programme;
    let citizen = app.sign_in("citizen-huangpu").await;

    // The preview: what converts, under which rule, from which outcomes; why the other rule did
    // not apply; the calligraphy course cannot convert at all.
    let preview = app
        .get(
            &format!("/api/v1/me/programmes/{programme}/proposal"),
            Some(&citizen),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let body = preview.json();
    assert_eq!(body["total_credits"], "6");
    assert_eq!(body["cap"], "10");
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{body}");
    assert_eq!(lines[0]["rule_code"], "R-ELEC");
    assert_eq!(lines[0]["rule_id"], rules.electrician);
    assert_eq!(lines[0]["rule_version"], 1);
    assert_eq!(lines[0]["outcomes"][0]["id"], outcomes.certificate);
    assert_eq!(lines[0]["outcomes"][0]["title"], "电工");
    assert_eq!(lines[1]["rule_code"], "R-SMART");
    assert_eq!(lines[1]["rule_id"], rules.smart);
    let used: Vec<i64> = lines[1]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(used, outcomes.smart);
    assert!(
        lines[1]["explanation_zh"]
            .as_str()
            .unwrap()
            .contains("按规则 R-SMART"),
        "{}",
        lines[1]
    );
    let miss = &body["misses"][0];
    assert_eq!(miss["rule_id"], rules.advanced);
    assert_eq!(miss["rule_code"], "R-ADV");
    assert_eq!(miss["reason"], "not_enough");
    assert!(
        miss["message_zh"]
            .as_str()
            .unwrap()
            .contains("级别低于第 3 级"),
        "{miss}"
    );
    assert!(
        miss["message_en"]
            .as_str()
            .unwrap()
            .contains("level below 3"),
        "{miss}"
    );
    assert_eq!(body["excluded"][0]["outcome"]["id"], outcomes.calligraphy);
    assert_eq!(body["excluded"][0]["reason"], "culture_leisure");

    // Only learners preview and apply, each for themself.
    for username in ["bank", "provider", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get(
                &format!("/api/v1/me/programmes/{programme}/proposal"),
                Some(&session)
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert_eq!(
            app.json(
                Method::POST,
                "/api/v1/me/conversion-applications",
                json!({"programme_id": programme}),
                Some(&session)
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
    }
    assert_eq!(
        app.get("/api/v1/me/programmes/999/proposal", Some(&citizen))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Applying stores the proposal; a second application waits for the first.
    let applied = app
        .json(
            Method::POST,
            "/api/v1/me/conversion-applications",
            json!({"programme_id": programme}),
            Some(&citizen),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text());
    let application = applied.json();
    let id = application["id"].as_i64().unwrap();
    assert_eq!(application["status"], "proposed");
    assert_eq!(application["proposed_credits"], "6");
    assert_eq!(application["lines"][0]["line"], 1);
    assert_eq!(application["lines"][0]["rule_code"], "R-ELEC");
    assert!(application["lines"][0]["kept"].is_null());
    assert_eq!(application["explanation"]["misses"][0]["code"], "R-ADV");
    let twice = app
        .json(
            Method::POST,
            "/api/v1/me/conversion-applications",
            json!({"programme_id": programme}),
            Some(&citizen),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    assert_eq!(twice.error_field(), "programme");
    for (body, field) in [
        (json!({"programme_id": 999}), "programme_id"),
        (json!({"programme_id": 0}), "programme_id"),
        (json!({"programme": programme}), "programme"),
    ] {
        let response = app
            .json(
                Method::POST,
                "/api/v1/me/conversion-applications",
                body.clone(),
                Some(&citizen),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}");
    }
    // Nothing converts for the Xuhui citizen: 422 naming the programme.
    let xuhui = app.sign_in("citizen-xuhui").await;
    let nothing = app
        .json(
            Method::POST,
            "/api/v1/me/conversion-applications",
            json!({"programme_id": programme}),
            Some(&xuhui),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nothing.error_field(), "programme_id");
    assert_eq!(app.audit_count("conversion.apply").await, 1);
    let mine = app
        .get("/api/v1/me/conversion-applications", Some(&citizen))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.json()[0]["id"], id);
    assert_eq!(
        app.get("/api/v1/me/conversion-applications", Some(&xuhui))
            .await
            .json(),
        json!([])
    );

    // Who reads it: the learner and bank staff (audited); 404 for anyone else.
    let uri = format!("/api/v1/conversion-applications/{id}");
    assert_eq!(app.get(&uri, Some(&citizen)).await.status, StatusCode::OK);
    assert_eq!(app.audit_count("conversion_application.read").await, 0);
    for username in ["citizen-xuhui", "provider", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get(&uri, Some(&session)).await.status,
            StatusCode::NOT_FOUND,
            "{username}"
        );
    }
    assert_eq!(app.get(&uri, Some(&bank)).await.status, StatusCode::OK);
    assert_eq!(app.audit_count("conversion_application.read").await, 1);

    // The open list is for bank staff, paged and audited.
    let open = app
        .get("/api/v1/conversion-applications?limit=10", Some(&bank))
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text());
    assert_eq!(open.json()["total"], 1);
    assert_eq!(open.json()["items"][0]["id"], id);
    assert_eq!(open.json()["limit"], 10);
    assert_eq!(app.audit_count("conversion_application.list").await, 1);
    assert_eq!(
        app.get("/api/v1/conversion-applications?limit=0", Some(&bank))
            .await
            .error_field(),
        "limit"
    );
    assert_eq!(
        app.get("/api/v1/conversion-applications?size=1", Some(&bank))
            .await
            .error_field(),
        "size"
    );
    assert_eq!(
        app.get("/api/v1/conversion-applications", Some(&citizen))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Deciding: bad decisions name the field and change nothing.
    let decision = format!("/api/v1/conversion-applications/{id}/decision");
    for (body, field) in [
        (
            json!({"decision": "approve", "lines": [1, 7], "reason": "x"}),
            "lines",
        ),
        (json!({"decision": "approve", "lines": []}), "lines"),
        (json!({"decision": "approve", "lines": [1]}), "reason"),
        (json!({"decision": "reject"}), "reason"),
        (
            json!({"decision": "reject", "lines": [1], "reason": "x"}),
            "lines",
        ),
        (json!({"decision": "maybe"}), "decision"),
        (json!({"decision": "approve", "keep": [1]}), "keep"),
    ] {
        let response = app
            .json(Method::POST, &decision, body.clone(), Some(&bank))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}: {}", response.text());
    }
    let approve = json!({"decision": "approve", "lines": [1], "reason": "选修学分须另行审核"});
    assert_eq!(
        app.json(Method::POST, &decision, approve.clone(), Some(&citizen))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_count("conversion.decide").await, 0);
    let decided = app
        .json(Method::POST, &decision, approve.clone(), Some(&bank))
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    let body = decided.json();
    assert_eq!(body["status"], "approved");
    assert_eq!(body["approved_credits"], "4");
    assert_eq!(body["decision_reason"], "选修学分须另行审核");
    assert_eq!(body["lines"][0]["kept"], true);
    assert_eq!(body["lines"][1]["kept"], false);
    assert_eq!(app.audit_count("conversion.decide").await, 1);
    let again = app
        .json(
            Method::POST,
            &decision,
            json!({"decision": "reject", "reason": "再次"}),
            Some(&bank),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_eq!(again.error_field(), "status");
    assert!(
        again.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("decided meanwhile")
    );
    assert_eq!(app.audit_count("conversion.decide").await, 1);
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/conversion-applications/999/decision",
            approve,
            Some(&bank)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // The learner sees the approved application; the next preview counts it against the cap and
    // the courses not kept convert again.
    let seen = app.get(&uri, Some(&citizen)).await.json();
    assert_eq!(seen["status"], "approved");
    let next = app
        .get(
            &format!("/api/v1/me/programmes/{programme}/proposal"),
            Some(&citizen),
        )
        .await
        .json();
    assert_eq!(next["already_converted"], "4");
    assert_eq!(next["lines"].as_array().unwrap().len(), 1);
    assert_eq!(next["lines"][0]["rule_code"], "R-SMART");
}

#[tokio::test]
async fn points_are_read_by_their_learner_and_incentives_redeemed_only_when_covered() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (_, _) = conversion_ready(&app, &bank).await;
    let citizen = app.sign_in("citizen-huangpu").await;

    // Four recognised outcomes, 5 points each.
    let points = app.get("/api/v1/me/points", Some(&citizen)).await;
    assert_eq!(points.status, StatusCode::OK, "{}", points.text());
    let body = points.json();
    assert_eq!(body["balance"], 20);
    assert_eq!(body["learner_id"], app.huangpu_learner.get());
    assert_eq!(body["entries"].as_array().unwrap().len(), 4);
    assert_eq!(body["entries"][0]["award"], "recognised_outcome");
    assert_eq!(body["entries"][0]["points"], 5);
    let xuhui = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get("/api/v1/me/points", Some(&xuhui)).await.json()["balance"],
        0
    );
    assert_eq!(
        app.get("/api/v1/me/points", Some(&bank)).await.status,
        StatusCode::FORBIDDEN
    );

    // Incentives: defined by city admins and bank staff.
    let incentive = |code: &str, cost: u64, until: &str| {
        json!({"code": code, "name": "热门课程优先报名", "cost": cost,
               "available_from": "2020-01-01", "available_until": until})
    };
    for username in ["citizen-huangpu", "provider", "auditor", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.json(
                Method::POST,
                "/api/v1/incentives",
                incentive("x", 1, "2099-12-31"),
                Some(&session)
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
    }
    let city = app.sign_in("city-admin").await;
    let created = app
        .json(
            Method::POST,
            "/api/v1/incentives",
            incentive("enrolment_priority", 8, "2099-12-31"),
            Some(&city),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["offered_today"], true);
    for (body, field, status) in [
        (
            incentive("enrolment_priority", 8, "2099-12-31"),
            "code",
            StatusCode::CONFLICT,
        ),
        (
            incentive("Big Prize", 8, "2099-12-31"),
            "code",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            incentive("prize", 0, "2099-12-31"),
            "cost",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            incentive("prize", 1, "2019-12-31"),
            "available_until",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            incentive("prize", 1, "31/12/2099"),
            "available_until",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let response = app
            .json(
                Method::POST,
                "/api/v1/incentives",
                body.clone(),
                Some(&bank),
            )
            .await;
        assert_eq!(response.status, status, "{body}: {}", response.text());
        assert_eq!(response.error_field(), field, "{body}");
    }
    let created = app
        .json(
            Method::POST,
            "/api/v1/incentives",
            incentive("library_card", 100, "2099-12-31"),
            Some(&bank),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    app.json(
        Method::POST,
        "/api/v1/incentives",
        incentive("old_offer", 1, "2021-01-01"),
        Some(&bank),
    )
    .await;
    assert_eq!(app.audit_count("incentive.create").await, 3);
    let list = app.get("/api/v1/incentives", Some(&citizen)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["offered_today"], false);
    assert_eq!(
        app.get("/api/v1/incentives", None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Redeeming: not covered, not offered, unknown → refused with the reason; then covered.
    let redeem = |code: &str| format!("/api/v1/me/incentives/{code}/redeem");
    let short = app
        .json(
            Method::POST,
            &redeem("library_card"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        short.text()
    );
    assert_eq!(short.error_field(), "incentive");
    assert!(
        short.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("costs 100 points and the balance is 20"),
        "{}",
        short.text()
    );
    let late = app
        .json(
            Method::POST,
            &redeem("old_offer"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("not offered"), "{}", late.text());
    assert_eq!(
        app.json(
            Method::POST,
            &redeem("free_lunch"),
            json!({}),
            Some(&citizen)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.json(Method::POST, &redeem("FREE"), json!({}), Some(&citizen))
            .await
            .error_field(),
        "incentive"
    );
    assert_eq!(
        app.json(
            Method::POST,
            &redeem("enrolment_priority"),
            json!({}),
            Some(&bank)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let redeemed = app
        .json(
            Method::POST,
            &redeem("enrolment_priority"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text());
    assert_eq!(
        redeemed.json(),
        json!({"incentive": "enrolment_priority", "spent": 8, "balance": 12})
    );
    assert_eq!(app.audit_count("points.redeem").await, 1);
    let after = app.get("/api/v1/me/points", Some(&citizen)).await.json();
    assert_eq!(after["balance"], 12);
    assert_eq!(after["entries"][4]["points"], -8);
    assert_eq!(after["entries"][4]["source_id"], "enrolment_priority");
}

#[tokio::test]
async fn a_learner_downloads_their_own_data_as_json_and_xlsx_and_each_download_is_audited() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (_, _) = conversion_ready(&app, &bank).await;
    let citizen = app.sign_in("citizen-huangpu").await;

    let json = app.get("/api/v1/me/export.json", Some(&citizen)).await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.text());
    let disposition = json.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"xuecheng-learner-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    assert_eq!(json.headers["cache-control"], "no-store");
    let body = json.json();
    assert_eq!(body["learner"]["id"], app.huangpu_learner.get());
    assert_eq!(body["learner"]["national_id"], app.huangpu_national_id);
    let titles: Vec<&str> = body["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"书法(楷书)"), "{titles:?}");
    assert!(titles.contains(&"电工"), "{titles:?}");
    assert_eq!(body["points"].as_array().unwrap().len(), 4);
    assert_eq!(app.audit_count("learner.export").await, 1);

    let xlsx = app.get("/api/v1/me/export.xlsx", Some(&citizen)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.body.clone())).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        ["个人信息", "学习成果", "认定决定", "转换申请", "积分"]
    );
    let sheet = workbook.worksheet_range("学习成果").unwrap();
    let titles: Vec<String> = (1..sheet.height())
        .map(|row| sheet.get_value((row as u32, 4)).unwrap().to_string())
        .collect();
    assert!(titles.contains(&"书法(楷书)".to_owned()), "{titles:?}");
    let person = workbook.worksheet_range("个人信息").unwrap();
    assert_eq!(
        person.get_value((2, 1)).unwrap().to_string(),
        app.huangpu_national_id
    );
    let filter = xc_store::AuditFilter {
        action: Some("learner.export".into()),
        ..Default::default()
    };
    let entries = app
        .store
        .list_audit(&filter, xc_store::PageRequest::default())
        .await
        .unwrap();
    assert_eq!(entries.total, 2);
    assert_eq!(entries.items[0].subject_id, app.huangpu_learner.to_string());

    // The other citizen's copy holds none of it; staff have no copy to download, and there is
    // no way to ask for someone else's.
    let xuhui = app.sign_in("citizen-xuhui").await;
    let other = app.get("/api/v1/me/export.json", Some(&xuhui)).await.json();
    assert_eq!(other["learner"]["id"], app.xuhui_learner.get());
    assert_eq!(other["outcomes"], json!([]));
    for username in ["bank", "city-admin", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        for uri in ["/api/v1/me/export.json", "/api/v1/me/export.xlsx"] {
            assert_eq!(
                app.get(uri, Some(&session)).await.status,
                StatusCode::FORBIDDEN,
                "{username} {uri}"
            );
        }
    }
    assert_eq!(
        app.get("/api/v1/me/export.json", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}/export.json", app.huangpu_learner),
            Some(&bank)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("learner.export").await, 3);
}
