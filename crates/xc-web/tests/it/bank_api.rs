//! The credit bank's API: submission one at a time, as a list and as an upload; reading an
//! outcome; the review queue and decisions; specifications; archives. For each: the happy
//! path, the roles that may not, and bad input answered with the field named.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::TestApp;
use crate::bank_fixture::*;

#[tokio::test]
async fn the_openapi_document_describes_the_credit_bank() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/api/v1/outcomes",
        "/api/v1/outcomes/{id}",
        "/api/v1/outcome-batches",
        "/api/v1/outcome-batches/upload",
        "/api/v1/review-queue",
        "/api/v1/review-queue/{id}",
        "/api/v1/outcomes/{id}/decision",
        "/api/v1/specifications",
        "/api/v1/specifications/{id}",
        "/api/v1/specifications/{id}/versions",
        "/api/v1/learners/{id}/archive",
        "/api/v1/me/archive",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} is missing from the OpenAPI document"
        );
    }
    let upload = &openapi["paths"]["/api/v1/outcome-batches/upload"]["post"]["requestBody"];
    assert!(
        upload["content"]["multipart/form-data"].is_object(),
        "{upload}"
    );
    assert!(openapi["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn one_outcome_is_recognised_automatically_or_queued_and_resubmission_is_harmless() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let spec = publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;

    let first = submit(
        &app,
        &provider,
        calligraphy("ONE-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let body = first.json();
    assert_eq!(body["status"], "recognised");
    assert_eq!(body["already_stored"], false);
    assert_eq!(body["learner_id"], app.huangpu_learner.get());
    assert_eq!(body["recognition"]["basis"], "specification");
    assert_eq!(body["recognition"]["specification"]["id"], spec);
    assert_eq!(body["recognition"]["specification"]["version"], 1);
    assert_eq!(body["recognition"]["specification"]["code"], "SF-01");
    assert_eq!(body["recognition"]["grant"]["level"], 2);
    assert_eq!(body["recognition"]["grant"]["credits"], "2");
    let id = body["outcome_id"].as_i64().unwrap();

    let again = submit(
        &app,
        &provider,
        calligraphy("ONE-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["already_stored"], true);
    assert_eq!(again.json()["outcome_id"], id);
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);
    assert_eq!(app.audit_count("outcome.submit").await, 1);

    // Another title: review, with the calligraphy specification closest and what differs.
    let review = submit(
        &app,
        &provider,
        outcome("ONE-2", &app.huangpu_national_id, "书法(行书)", "24"),
    )
    .await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.text());
    let body = review.json();
    assert_eq!(body["status"], "in_review");
    assert_eq!(body["recognition"]["basis"], "pending");
    let closest = &body["recognition"]["closest"][0];
    assert_eq!(closest["specification"]["id"], spec);
    let aspects: Vec<&str> = closest["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["aspect"].as_str().unwrap())
        .collect();
    assert!(
        aspects.contains(&"title") && aspects.contains(&"hours"),
        "{aspects:?}"
    );
    assert!(
        closest["differences"][0]["message_zh"]
            .as_str()
            .unwrap()
            .contains("标准"),
        "{closest}"
    );
    assert_eq!(
        body["recognition"]["general_rule_credits"], "1.5",
        "24 hours at 16 hours a credit, in half-credit steps"
    );

    // An institution's systems submit with its API token (no session, no CSRF header).
    let token = app
        .json(
            Method::POST,
            "/api/v1/institutions/1/tokens",
            json!({"name": "教务系统"}),
            Some(&provider),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/outcomes")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::from(
            calligraphy("ONE-4", &app.provider_national_id).to_string(),
        ))
        .unwrap();
    let by_token = app.send(request).await;
    assert_eq!(by_token.status, StatusCode::CREATED, "{}", by_token.text());
    assert_eq!(by_token.json()["status"], "recognised");
    let filter = xc_store::AuditFilter {
        action: Some("outcome.submit".into()),
        ..Default::default()
    };
    let entries = app
        .store
        .list_audit(&filter, xc_store::PageRequest::default())
        .await
        .unwrap();
    assert!(
        entries.items[0].actor.starts_with("token:"),
        "{:?}",
        entries.items[0]
    );

    // A learner id works as well as an ID number.
    let by_id = submit(
        &app,
        &provider,
        json!({"external_id": "ONE-3", "learner_id": app.xuhui_learner.get(), "kind": "mooc",
               "title": "人工智能通识", "achieved_on": "2026-09-01", "hours": 8}),
    )
    .await;
    assert_eq!(by_id.status, StatusCode::CREATED, "{}", by_id.text());
    assert_eq!(by_id.json()["learner_id"], app.xuhui_learner.get());
}

#[tokio::test]
async fn submitting_needs_a_provider_role_and_names_every_bad_field() {
    let app = TestApp::new().await;
    let body = calligraphy("F-1", &app.huangpu_national_id);
    for username in ["citizen-huangpu", "bank", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        let response = submit(&app, &session, body.clone()).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{username}");
        assert_eq!(response.error_code(), "forbidden");
    }
    assert_eq!(
        app.json(Method::POST, "/api/v1/outcomes", body.clone(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let provider = app.sign_in("provider").await;
    let mut other = body.clone();
    other["provider_id"] = json!(2);
    assert_eq!(
        submit(&app, &provider, other).await.status,
        StatusCode::FORBIDDEN,
        "provider staff submit only for their own institution"
    );

    let mut bad = body.clone();
    bad["kind"] = json!("职业技能等级证书");
    bad["achieved_on"] = json!("29/11/2026");
    bad["evidence_kind"] = json!("web_link");
    bad["evidence"] = json!("ftp://example");
    let response = submit(&app, &provider, bad).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "invalid");
    assert_eq!(error["field"], "achieved_on");
    let columns: Vec<&str> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["achieved_on", "grade", "evidence"], "{error}");
    for problem in error["problems"].as_array().unwrap() {
        assert_eq!(problem["row"], 1);
        assert!(!problem["reason_zh"].as_str().unwrap().is_empty());
        assert!(!problem["reason_en"].as_str().unwrap().is_empty());
    }
    assert_eq!(error["problems"][0]["value"], "29/11/2026");

    let mut unknown = body.clone();
    unknown["colour"] = json!("red");
    let response = submit(&app, &provider, unknown).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_field(), "colour");

    let nobody = submit(&app, &provider, calligraphy("F-2", "110101199003071234")).await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nobody.error_field(), "national_id");
    assert_eq!(
        outcomes_of(&app, app.huangpu_learner).await,
        0,
        "nothing stored"
    );

    // A city admin names the institution, which must exist.
    let admin = app.sign_in("city-admin").await;
    let response = submit(&app, &admin, body.clone()).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_field(), "provider_id");
    let mut missing = body.clone();
    missing["provider_id"] = json!(99);
    assert_eq!(
        submit(&app, &admin, missing).await.error_field(),
        "provider_id"
    );
    let mut named = body.clone();
    named["provider_id"] = json!(1);
    assert_eq!(
        submit(&app, &admin, named).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_list_is_checked_like_a_file_and_stored_all_or_nothing_by_default() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let mut bad = calligraphy("L-3", &app.xuhui_national_id);
    bad["achieved_on"] = json!("2099-01-01");
    let items = json!([
        calligraphy("L-1", &app.huangpu_national_id),
        bad,
        calligraphy("L-1", &app.provider_national_id),
    ]);
    let refused = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": items }),
            Some(&provider),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.text());
    let body = refused.json();
    assert_eq!(body["batch_id"], serde_json::Value::Null);
    assert_eq!(body["all_or_nothing"], true);
    assert_eq!(
        (body["rows"].as_u64(), body["valid_rows"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(body["stored"], 0);
    assert_eq!(body["problem_count"], 2);
    assert_eq!(body["problems"][0]["row"], 2);
    assert_eq!(body["problems"][0]["column"], "achieved_on");
    assert_eq!(body["problems"][1]["row"], 3);
    assert_eq!(body["problems"][1]["column"], "external_id");
    assert!(
        body["problems"][1]["reason_en"]
            .as_str()
            .unwrap()
            .contains("row 1")
    );
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 0);

    let stored = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": items, "all_or_nothing": false }),
            Some(&provider),
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    let body = stored.json();
    assert!(body["batch_id"].as_i64().is_some());
    assert_eq!(
        (body["stored"].as_u64(), body["in_review"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);
    assert_eq!(app.audit_count("outcome.batch_submit").await, 1);

    let nested = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": [{"provider_id": 1, "external_id": "x"}] }),
            Some(&provider),
        )
        .await;
    assert_eq!(nested.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nested.error_field(), "items[0].provider_id");
    let empty = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": [] }),
            Some(&provider),
        )
        .await;
    assert_eq!(empty.error_field(), "items");
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": items }),
            Some(&citizen)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // A list may be larger than other JSON bodies (64 KiB), up to its own limit.
    let many: Vec<_> = (0..400)
        .map(|n| calligraphy(&format!("M-{n:04}"), &app.huangpu_national_id))
        .collect();
    let big = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": many, "all_or_nothing": false }),
            Some(&provider),
        )
        .await;
    assert_eq!(big.status, StatusCode::CREATED, "{}", big.text());
    assert_eq!(big.json()["stored"], 400);
}

#[tokio::test]
async fn an_upload_is_stored_with_its_report_and_uploading_it_again_stores_nothing_twice() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let csv = good_csv(&app);
    let upload = |all_or_nothing: &'static str, csv: String| {
        let app = &app;
        let provider = provider.clone();
        async move {
            app.multipart(
                "/api/v1/outcome-batches/upload",
                &[
                    ("file", Some("成果.csv"), csv.as_bytes()),
                    ("all_or_nothing", None, all_or_nothing.as_bytes()),
                ],
                Some(&provider.cookie),
                Some(&provider.csrf),
            )
            .await
        }
    };
    let first = upload("true", csv.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let body = first.json();
    assert_eq!(
        (body["rows"].as_u64(), body["stored"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (body["recognised"].as_u64(), body["in_review"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(body["problems"], json!([]));
    let batch = body["batch_id"].as_i64().unwrap();
    let stored = app
        .store
        .get_batch(xc_domain::credit::BatchId::new(batch))
        .await
        .unwrap();
    assert_eq!(stored.file_name, "成果.csv");
    assert_eq!(stored.rows_stored, 3);
    // The recognised row earns its points in the background follow-up of the upload.
    app.follow_ups.idle().await;
    assert_eq!(
        app.store.points_balance(app.huangpu_learner).await.unwrap(),
        5
    );
    assert!(
        app.store
            .batches_awaiting_follow_up()
            .await
            .unwrap()
            .is_empty()
    );

    let again = upload("true", csv.clone()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(
        (
            again.json()["stored"].as_u64(),
            again.json()["already_stored"].as_u64()
        ),
        (Some(0), Some(3))
    );
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);

    // Row problems: reported row by row with the column as the file wrote it.
    let bad = format!(
        "{HEADER}\n\
         B-1,{},张三,community_course,合唱,2026-06-30,16,,,\n\
         B-2,{},李四,烹饪课,插花,2099-07-01,abc,,,\n",
        app.huangpu_national_id, app.xuhui_national_id
    );
    let report = upload("false", bad.clone()).await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.text());
    let body = report.json();
    assert_eq!(
        (body["stored"].as_u64(), body["valid_rows"].as_u64()),
        (Some(1), Some(1))
    );
    let problems = body["problems"].as_array().unwrap();
    let cells: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p["row"].as_u64().unwrap(), p["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cells,
        [(3, "成果类型"), (3, "获得日期"), (3, "学时")],
        "{body}"
    );
    assert_eq!(problems[0]["value"], "烹饪课");
    assert_eq!(body["rows_with_problems"], 1);
    assert_eq!(app.spooled_files(), 0, "spool files are removed");
}

#[tokio::test]
async fn an_unreadable_upload_is_refused_whole_with_its_columns_named() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let send = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let app = &app;
        let provider = provider.clone();
        async move {
            let parts: Vec<(&str, Option<&str>, &[u8])> = parts
                .iter()
                .map(|(n, f, c)| (*n, *f, c.as_slice()))
                .collect();
            app.multipart(
                "/api/v1/outcome-batches/upload",
                &parts,
                Some(&provider.cookie),
                Some(&provider.csrf),
            )
            .await
        }
    };
    // No 成果类型 and no 获得日期 column.
    let missing = format!(
        "成果编号,身份证号,成果名称\nX-1,{},书法\n",
        app.huangpu_national_id
    );
    let response = send(vec![("file", Some("x.csv"), missing.into_bytes())]).await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.text()
    );
    let error = &response.json()["error"];
    assert_eq!(error["field"], "file");
    let columns: Vec<&str> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["kind", "achieved_on"], "{error}");
    assert!(
        error["problems"][0]["reason_zh"]
            .as_str()
            .unwrap()
            .contains("成果类型")
    );
    assert!(error["message"].as_str().unwrap().contains("missing"));
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 0);
    assert_eq!(app.audit_count("outcome.batch_submit").await, 0);

    let no_file = send(vec![("all_or_nothing", None, b"true".to_vec())]).await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_file.error_field(), "file");
    let empty = send(vec![("file", Some("x.csv"), Vec::new())]).await;
    assert_eq!(empty.error_field(), "file");
    let flag = send(vec![("all_or_nothing", None, b"perhaps".to_vec())]).await;
    assert_eq!(flag.error_field(), "all_or_nothing");
    let unknown = send(vec![("colour", None, b"red".to_vec())]).await;
    assert_eq!(unknown.error_field(), "colour");
    let long = send(vec![("provider_id", None, vec![b'1'; 5000])]).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(long.error_field(), "provider_id");
    let not_text = send(vec![("all_or_nothing", None, vec![0xff, 0xfe])]).await;
    assert_eq!(not_text.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_text.error_field(), "all_or_nothing");
    // Two files in one upload: refused whole, neither stored.
    let two_files = send(vec![
        ("file", Some("a.csv"), good_csv(&app).into_bytes()),
        ("file", Some("b.csv"), good_csv(&app).into_bytes()),
    ])
    .await;
    assert_eq!(
        two_files.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        two_files.text()
    );
    assert_eq!(two_files.error_field(), "file");
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 0);
    let garbage = send(vec![(
        "file",
        Some("x.csv"),
        vec![0xff, 0xfe, 0x00, 0xd8, 0x00],
    )])
    .await;
    assert_eq!(
        garbage.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        garbage.text()
    );
    assert_eq!(garbage.error_field(), "file");
    // Not multipart at all.
    let json = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches/upload",
            json!({}),
            Some(&provider),
        )
        .await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST);
    // Other roles may not upload; the body is never read.
    let citizen = app.sign_in("citizen-huangpu").await;
    let refused = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("x.csv"), good_csv(&app).as_bytes())],
            Some(&citizen.cookie),
            Some(&citizen.csrf),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A session upload needs the CSRF header like every other API write.
    let forged = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("x.csv"), good_csv(&app).as_bytes())],
            Some(&provider.cookie),
            None,
        )
        .await;
    assert_eq!(forged.error_code(), "csrf");
    assert_eq!(app.spooled_files(), 0);
}

#[tokio::test]
async fn uploads_may_be_large_xlsx_works_and_the_limit_is_a_clear_413() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    // About 300 KB: far above the 64 KiB of other bodies.
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for n in 0..3000 {
        csv.push_str(&format!(
            "BIG-{n:05},{},张三,mooc,数据素养第{n}讲（线上课程，含课后练习与讨论）,2026-06-30,1,smart_living,合格,\n",
            app.huangpu_national_id
        ));
    }
    assert!(csv.len() > 200_000);
    let big = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("big.csv"), csv.as_bytes())],
            Some(&provider.cookie),
            Some(&provider.csrf),
        )
        .await;
    assert_eq!(big.status, StatusCode::CREATED, "{}", big.text());
    assert_eq!(big.json()["stored"], 3000);

    // The same outcomes as a workbook.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in [
        "成果编号",
        "学习者编号",
        "成果类型",
        "成果名称",
        "获得日期",
        "学时",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "XL-1").unwrap();
    sheet
        .write_number(1, 1, app.xuhui_learner.get() as f64)
        .unwrap();
    sheet.write_string(1, 2, "社区教育/老年教育课程").unwrap();
    sheet.write_string(1, 3, "合唱").unwrap();
    sheet.write_string(1, 4, "2026-05-01").unwrap();
    sheet.write_number(1, 5, 16.0).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let xlsx = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("成果.xlsx"), &bytes)],
            Some(&provider.cookie),
            Some(&provider.csrf),
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::CREATED, "{}", xlsx.text());
    assert_eq!(xlsx.json()["stored"], 1);
    assert_eq!(outcomes_of(&app, app.xuhui_learner).await, 1);

    // One byte over 100 MB: refused while streaming, nothing kept.
    let huge = vec![b'x'; xc_web::UPLOAD_LIMIT_BYTES as usize + 1];
    let too_big = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("huge.csv"), &huge)],
            Some(&provider.cookie),
            Some(&provider.csrf),
        )
        .await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.text()
    );
    assert_eq!(too_big.error_code(), "payload_too_large");
    assert_eq!(too_big.error_field(), "file");
    assert!(
        too_big.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("100 MB")
    );
    assert_eq!(app.spooled_files(), 0);
    // The upload's limit is for the upload route only.
    let padded = json!({"external_id": "x".repeat(100_000)});
    assert_eq!(
        submit(&app, &provider, padded).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn an_outcome_is_read_by_its_provider_the_bank_the_learner_and_scoped_staff_only() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let id = queued(&app, &provider, "R-1", &app.huangpu_national_id).await;
    let uri = format!("/api/v1/outcomes/{id}");
    let read = |username: &'static str| {
        let app = &app;
        let uri = uri.clone();
        async move {
            let session = app.sign_in(username).await;
            app.get(&uri, Some(&session)).await
        }
    };
    let by_provider = read("provider").await;
    assert_eq!(by_provider.status, StatusCode::OK, "{}", by_provider.text());
    let body = by_provider.json();
    assert_eq!(body["id"], id);
    assert_eq!(body["status"], "in_review");
    assert_eq!(body["provider_id"], 1);
    assert_eq!(body["hours"], "24");
    assert_eq!(body["evidence"][0]["reference"], "CERT-R-1");
    assert_eq!(body["decisions"], json!([]));
    for (username, status) in [
        ("bank", StatusCode::OK),
        ("citizen-huangpu", StatusCode::OK),
        ("admin-huangpu", StatusCode::OK),
        ("city-admin", StatusCode::OK),
        ("citizen-xuhui", StatusCode::NOT_FOUND),
        ("admin-xuhui", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(read(username).await.status, status, "{username}");
    }
    assert_eq!(
        app.audit_count("outcome.read").await,
        4,
        "staff reads are audited (provider, bank, two admins), the learner's own is not"
    );
    assert_eq!(app.get(&uri, None).await.status, StatusCode::UNAUTHORIZED);
    let session = app.sign_in("bank").await;
    let bad = app.get("/api/v1/outcomes/abc", Some(&session)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_field(), "outcome_id");
    assert_eq!(
        app.get("/api/v1/outcomes/9999", Some(&session))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_review_queue_and_its_cases_are_for_bank_staff() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let spec = publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let earlier = queued(&app, &provider, "Q-0", &app.huangpu_national_id).await;
    let id = queued(&app, &provider, "Q-1", &app.huangpu_national_id).await;
    submit(
        &app,
        &provider,
        json!({"external_id": "Q-2", "learner_id": app.xuhui_learner.get(), "kind": "mooc",
               "title": "人工智能通识", "achieved_on": "2026-09-01"}),
    )
    .await;

    let queue = app.get("/api/v1/review-queue", Some(&bank)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    assert_eq!(queue.json()["total"], 3);
    assert_eq!(queue.json()["items"][0]["id"], earlier, "oldest first");
    let moocs = app
        .get("/api/v1/review-queue?kind=mooc&limit=10", Some(&bank))
        .await
        .json();
    assert_eq!(moocs["total"], 1);
    assert_eq!(
        app.get("/api/v1/review-queue?provider=2", Some(&bank))
            .await
            .json()["total"],
        0
    );
    assert_eq!(
        app.audit_count("outcome.list").await,
        2,
        "non-empty pages are audited"
    );
    for (uri, field) in [
        ("/api/v1/review-queue?kind=cooking", "kind"),
        ("/api/v1/review-queue?provider=x", "provider"),
        ("/api/v1/review-queue?limit=0", "limit"),
        ("/api/v1/review-queue?sort=new", "sort"),
    ] {
        let response = app.get(uri, Some(&bank)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(response.error_field(), field, "{uri}");
    }

    let case = app
        .get(&format!("/api/v1/review-queue/{id}"), Some(&bank))
        .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text());
    let body = case.json();
    assert_eq!(body["outcome"]["id"], id);
    assert_eq!(body["learner"]["id"], app.huangpu_learner.get());
    assert!(
        body["learner"]["national_id_masked"]
            .as_str()
            .unwrap()
            .contains('*'),
        "personal data leaves only masked"
    );
    assert!(!case.text().contains(&app.huangpu_national_id));
    assert_eq!(body["closest"][0]["specification"]["id"], spec);
    assert!(
        !body["closest"][0]["differences"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(body["general_rule_credits"], "1.5");
    assert_eq!(body["history"][0]["id"], earlier);
    assert_eq!(app.audit_count("review_case.read").await, 1);

    for username in ["provider", "citizen-huangpu", "admin-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/api/v1/review-queue", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert_eq!(
            app.get(&format!("/api/v1/review-queue/{id}"), Some(&session))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
    }
    assert_eq!(
        app.get("/api/v1/review-queue/9999", Some(&bank))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_decision_is_recorded_once_and_bad_decisions_name_the_field() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let spec = publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let id = queued(&app, &provider, "D-1", &app.huangpu_national_id).await;
    let other = queued(&app, &provider, "D-2", &app.huangpu_national_id).await;
    let decide = |session: crate::app::Session, outcome: i64, body: serde_json::Value| {
        let app = &app;
        async move {
            app.json(
                Method::POST,
                &format!("/api/v1/outcomes/{outcome}/decision"),
                body,
                Some(&session),
            )
            .await
        }
    };
    for (body, field) in [
        (json!({"decision": "maybe"}), "decision"),
        (json!({"decision": "accept", "credits": "1"}), "level"),
        (
            json!({"decision": "accept", "level": 11, "credits": "1"}),
            "level",
        ),
        (json!({"decision": "accept", "level": 2}), "credits"),
        (
            json!({"decision": "accept", "level": 2, "credits": "-1"}),
            "credits",
        ),
        (
            json!({"decision": "accept", "level": 2, "credits": 1, "category": "academic"}),
            "category",
        ),
        (
            json!({"decision": "accept", "level": 2, "credits": 1, "validity_months": 0}),
            "validity_months",
        ),
        (
            json!({"decision": "accept", "level": 2, "credits": 1, "specification_id": spec}),
            "specification_version",
        ),
        (
            json!({"decision": "accept", "level": 2, "credits": 1, "specification_id": 999, "specification_version": 1}),
            "specification",
        ),
        (json!({"decision": "reject"}), "reason"),
        (json!({"decision": "reject", "reason": "  "}), "reason"),
        (
            json!({"decision": "reject", "reason": "x", "level": 2}),
            "level",
        ),
        (
            json!({"decision": "accept", "level": 2, "credits": 1, "grade": 3}),
            "grade",
        ),
    ] {
        let response = decide(bank.clone(), id, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}: {}", response.text());
    }
    assert_eq!(
        app.store
            .list_decisions(xc_domain::credit::OutcomeId::new(id))
            .await
            .unwrap()
            .len(),
        0
    );

    let accept = json!({"decision": "accept", "level": 2, "credits": 1.5, "validity_months": 60,
                        "specification_id": spec, "specification_version": 1, "reason": "与楷书课程相当"});
    assert_eq!(
        decide(provider.clone(), id, accept.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let accepted = decide(bank.clone(), id, accept.clone()).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    let body = accepted.json();
    assert_eq!(body["status"], "recognised");
    assert_eq!(body["grant"]["credits"], "1.5");
    assert_eq!(body["grant"]["valid_until"], "2031-06-29");
    assert_eq!(body["decisions"][0]["basis"], "reviewer");
    assert_eq!(body["decisions"][0]["specification_id"], spec);
    assert_eq!(body["decisions"][0]["reason"], "与楷书课程相当");
    assert_eq!(app.audit_count("outcome.decide").await, 1);

    let twice = decide(bank.clone(), id, accept).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    assert_eq!(twice.error_code(), "conflict");
    assert_eq!(twice.error_field(), "status");
    assert!(
        twice.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("decided meanwhile")
    );
    assert_eq!(app.audit_count("outcome.decide").await, 1);

    let rejected = decide(
        bank.clone(),
        other,
        json!({"decision": "reject", "reason": "证明材料无法核实"}),
    )
    .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text());
    assert_eq!(rejected.json()["status"], "rejected");
    assert_eq!(
        decide(
            bank.clone(),
            9999,
            json!({"decision": "reject", "reason": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn specifications_are_published_versioned_and_put_in_force_at_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let spec = publish_calligraphy(&app, &bank).await;
    assert_eq!(app.audit_count("specification.publish").await, 1);
    let list = app.get("/api/v1/specifications", Some(&bank)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()[0]["id"], spec);
    assert_eq!(list.json()[0]["credits"], "2");
    assert_eq!(list.json()[0]["category"], "culture_leisure");

    // Version 2 gives 3 credits; outcomes submitted from now on get them, earlier ones keep 2.
    let provider = app.sign_in("provider").await;
    let before = submit(
        &app,
        &provider,
        calligraphy("V-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(before.json()["recognition"]["grant"]["credits"], "2");
    let content = json!({"kind": "community_course", "title": "书法（楷书）", "hours": "32",
                         "level": 2, "credits": 3, "field": "culture_arts"});
    let version = app
        .json(
            Method::POST,
            &format!("/api/v1/specifications/{spec}/versions"),
            content.clone(),
            Some(&bank),
        )
        .await;
    assert_eq!(version.status, StatusCode::CREATED, "{}", version.text());
    assert_eq!(version.json()["version"], 2);
    let after = submit(&app, &provider, calligraphy("V-2", &app.xuhui_national_id)).await;
    assert_eq!(after.json()["recognition"]["grant"]["credits"], "3");
    assert_eq!(after.json()["recognition"]["specification"]["version"], 2);
    let outcome = app
        .get(
            &format!("/api/v1/outcomes/{}", before.json()["outcome_id"]),
            Some(&bank),
        )
        .await;
    assert_eq!(outcome.json()["grant"]["credits"], "2");

    let history = app
        .get(&format!("/api/v1/specifications/{spec}"), Some(&bank))
        .await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(history.json()["code"], "SF-01");
    assert_eq!(history.json()["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/specifications", Some(&bank)).await.json()[0]["version"],
        2,
        "the list shows current versions"
    );

    let same = app
        .json(
            Method::POST,
            &format!("/api/v1/specifications/{spec}/versions"),
            content,
            Some(&bank),
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(same.error_field(), "specification");
    let new = |body: serde_json::Value| {
        let app = &app;
        let bank = bank.clone();
        async move {
            app.json(Method::POST, "/api/v1/specifications", body, Some(&bank))
                .await
        }
    };
    let base = json!({"provider_id": 1, "code": "HC-01", "kind": "community_course",
                      "title": "合唱", "hours": 24, "level": 2});
    let taken = new(
        json!({"provider_id": 1, "code": "SF-01", "kind": "community_course",
                           "title": "书法（行书）", "hours": 32, "level": 2}),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.error_field(), "code");
    for (change, field) in [
        (json!({"provider_id": 99}), "provider_id"),
        (json!({"level": 0}), "level"),
        (json!({"kind": "cooking"}), "kind"),
        (json!({"title": ""}), "title"),
        (json!({"code": " "}), "code"),
        (json!({"grade": "三级"}), "grade"),
        (json!({"validity_months": "forever"}), "validity_months"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let mut body = base.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = new(body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}");
    }
    // Credits derived from the hours by the general rule: 24 h is 1.5 credits.
    let derived = new(base).await;
    assert_eq!(derived.status, StatusCode::CREATED, "{}", derived.text());
    assert_eq!(derived.json()["credits"], "1.5");

    for username in ["provider", "citizen-huangpu", "auditor", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/api/v1/specifications", Some(&session))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        let response = app
            .json(
                Method::POST,
                &format!("/api/v1/specifications/{spec}/versions"),
                json!({"kind": "community_course", "title": "书法", "level": 1, "credits": 1}),
                Some(&session),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(
        app.get("/api/v1/specifications/999", Some(&bank))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.json(
            Method::POST,
            "/api/v1/specifications/999/versions",
            json!({"kind": "community_course", "title": "书法", "level": 1, "credits": 1}),
            Some(&bank)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn archives_are_read_by_the_learner_and_scoped_staff_and_staff_reads_are_audited() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    submit(
        &app,
        &provider,
        calligraphy("A-1", &app.huangpu_national_id),
    )
    .await;
    let rejected = queued(&app, &provider, "A-2", &app.huangpu_national_id).await;
    queued(&app, &provider, "A-3", &app.huangpu_national_id).await;
    app.json(
        Method::POST,
        &format!("/api/v1/outcomes/{rejected}/decision"),
        json!({"decision": "reject", "reason": "学时记录不全"}),
        Some(&bank),
    )
    .await;

    let citizen = app.sign_in("citizen-huangpu").await;
    let own = app.get("/api/v1/me/archive", Some(&citizen)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let body = own.json();
    assert_eq!(body["learner_id"], app.huangpu_learner.get());
    let totals = &body["totals"];
    assert_eq!(
        (
            totals["outcomes"].as_u64(),
            totals["recognised"].as_u64(),
            totals["in_review"].as_u64(),
            totals["rejected"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    assert_eq!(totals["valid"]["credits"], "2");
    assert_eq!(totals["by_level"][0]["group"], "2");
    assert_eq!(
        totals["by_field"][0]["group"], "",
        "the recognised outcome names no field"
    );
    assert_eq!(totals["years"], json!([2026]));
    let rejected_item = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["outcome"]["id"] == rejected)
        .unwrap();
    assert_eq!(rejected_item["outcome"]["status"], "rejected");
    assert_eq!(rejected_item["reason"], "学时记录不全");
    let same = app
        .get(
            &format!("/api/v1/learners/{}/archive", app.huangpu_learner),
            Some(&citizen),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(
        app.audit_count("archive.read").await,
        0,
        "own reads are not audited"
    );
    let filtered = app
        .get("/api/v1/me/archive?year=2025", Some(&citizen))
        .await
        .json();
    assert_eq!(filtered["items"], json!([]));
    assert_eq!(filtered["totals"]["years"], json!([2026]));
    assert_eq!(
        app.get("/api/v1/me/archive?kind=community_course", Some(&citizen))
            .await
            .json()["totals"]["outcomes"],
        3
    );
    assert_eq!(
        app.get("/api/v1/me/archive?kind=mooc", Some(&citizen))
            .await
            .json()["totals"]["outcomes"],
        0
    );
    assert_eq!(
        app.get("/api/v1/me/archive?field=culture_arts", Some(&citizen))
            .await
            .json()["totals"]["outcomes"],
        0,
        "no outcome names a field"
    );
    for (uri, field) in [
        ("/api/v1/me/archive?year=26", "year"),
        ("/api/v1/me/archive?kind=cooking", "kind"),
        ("/api/v1/me/archive?field=astrology", "field"),
        ("/api/v1/me/archive?sort=old", "sort"),
    ] {
        let response = app.get(uri, Some(&citizen)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(response.error_field(), field, "{uri}");
    }

    // Another learner's archive does not exist for this citizen.
    let other = app
        .get(
            &format!("/api/v1/learners/{}/archive", app.xuhui_learner),
            Some(&citizen),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Staff read the learners in their scope, and every read is audited.
    let staff = app
        .get(
            &format!("/api/v1/learners/{}/archive", app.huangpu_learner),
            Some(&bank),
        )
        .await;
    assert_eq!(staff.status, StatusCode::OK);
    assert_eq!(staff.json()["totals"]["outcomes"], 3);
    assert_eq!(app.audit_count("archive.read").await, 1);
    let auditor = app.sign_in("auditor").await;
    let log = app
        .get("/api/v1/audit?action=archive.read", Some(&auditor))
        .await
        .json();
    assert_eq!(
        log["items"][0]["subject_id"],
        app.huangpu_learner.to_string()
    );
    let xuhui_admin = app.sign_in("admin-xuhui").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}/archive", app.huangpu_learner),
            Some(&xuhui_admin)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}/archive", app.huangpu_learner),
            Some(&provider)
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "the provider's scope is its own learners"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/learners/{}/archive", app.provider_learner),
            Some(&provider)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(app.audit_count("archive.read").await, 2);
    assert_eq!(
        app.get("/api/v1/me/archive", Some(&bank)).await.status,
        StatusCode::FORBIDDEN,
        "staff accounts have no archive of their own"
    );
    assert_eq!(
        app.get("/api/v1/me/archive", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
