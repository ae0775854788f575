//! The credit bank's pages as a browser without JavaScript uses them: each renders for its role
//! (in Chinese and English, elder mode included) and is refused to the others; the forms work
//! end to end, carrying their CSRF token.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{TestApp, csrf_of};
use crate::bank_fixture::*;

/// A bank with the calligraphy specification, one recognised, one rejected and one waiting
/// outcome of the Huangpu citizen; the id of the waiting one.
async fn archive_with_three_outcomes(app: &TestApp) -> i64 {
    let bank = app.sign_in("bank").await;
    publish_calligraphy(app, &bank).await;
    let provider = app.sign_in("provider").await;
    submit(app, &provider, calligraphy("P-1", &app.huangpu_national_id)).await;
    let rejected = queued(app, &provider, "P-2", &app.huangpu_national_id).await;
    let waiting = queued(app, &provider, "P-3", &app.huangpu_national_id).await;
    let response = app
        .json(
            Method::POST,
            &format!("/api/v1/outcomes/{rejected}/decision"),
            json!({"decision": "reject", "reason": "学时记录不全"}),
            Some(&bank),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    waiting
}

#[tokio::test]
async fn a_citizen_reads_their_archive_with_totals_filters_and_reasons() {
    let app = TestApp::new().await;
    archive_with_three_outcomes(&app).await;
    let citizen = app.sign_in("citizen-huangpu").await;
    let response = app.get("/me/archive", Some(&citizen)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let html = response.text();
    assert!(html.contains("<h1>我的学习档案</h1>"), "{html}");
    assert!(html.contains("<dd id=\"valid-credits\">2</dd>"), "{html}");
    for words in [
        "已认定",
        "审核中",
        "未通过",
        "学时记录不全",
        "未通过原因",
        "书法(楷书)",
        "黄浦区社区学院",
        "第 2 级",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    assert!(
        html.contains("class=\"badge rejected\">未通过</span>"),
        "status in words, not only colour"
    );
    assert!(html.contains("<option value=\"2026\">2026</option>"));
    assert!(
        html.contains("href=\"/me/archive\">我的学习档案</a>"),
        "linked in the navigation"
    );
    assert_eq!(app.audit_count("archive.read").await, 0);

    let filtered = app
        .get("/me/archive?year=2025", Some(&citizen))
        .await
        .text();
    assert!(filtered.contains("没有符合筛选条件的成果"), "{filtered}");
    assert!(filtered.contains("<option value=\"2026\">2026</option>"));
    assert!(filtered.contains("清除筛选"));
    let bad = app.get("/me/archive?year=abc", Some(&citizen)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("出了点问题"));

    let english = app
        .get_with_cookies("/me/archive", &citizen, "xc_lang=en; xc_elder=1")
        .await;
    let html = english.text();
    assert!(
        html.contains("<html lang=\"en\" class=\"elder\">"),
        "{html}"
    );
    assert!(html.contains("My learning archive"));
    assert!(html.contains("Not accepted") && html.contains("Why it was not accepted"));
    assert!(html.contains("Level 2"));

    let account = app.get("/account", Some(&citizen)).await.text();
    assert!(
        account.contains("href=\"/me/archive\""),
        "linked from the account page"
    );
    assert_eq!(
        app.get("/me/archive", None).await.status,
        StatusCode::SEE_OTHER,
        "sign in first"
    );
    let provider = app.sign_in("provider").await;
    assert_eq!(
        app.get("/me/archive", Some(&provider)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get("/account", Some(&provider))
            .await
            .text()
            .contains("href=\"/me/archive\""),
        "staff have no archive link"
    );
}

#[tokio::test]
async fn staff_read_a_learners_archive_in_their_scope_and_the_read_is_audited() {
    let app = TestApp::new().await;
    archive_with_three_outcomes(&app).await;
    let admin = app.sign_in("admin-huangpu").await;
    let learner_page = app
        .get(
            &format!("/staff/learners/{}", app.huangpu_learner),
            Some(&admin),
        )
        .await
        .text();
    let link = format!("/learners/{}/archive", app.huangpu_learner);
    assert!(learner_page.contains(&link), "{learner_page}");
    let response = app.get(&link, Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let html = response.text();
    assert!(html.contains("黄浦学员的学习档案"), "{html}");
    assert!(html.contains("此次查看已记入审计日志"));
    assert!(html.contains("学时记录不全"));
    assert_eq!(app.audit_count("archive.read").await, 1);

    let other = app.sign_in("admin-xuhui").await;
    assert_eq!(
        app.get(&link, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    let citizen = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get(&link, Some(&citizen)).await.status,
        StatusCode::NOT_FOUND,
        "a citizen cannot read another learner's archive"
    );
    assert_eq!(app.get(&link, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("archive.read").await, 1);
}

#[tokio::test]
async fn provider_staff_submit_one_outcome_through_the_form() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let form_page = app.get("/provider/outcomes", Some(&provider)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    let html = form_page.text();
    for words in [
        "提交学习成果",
        "逐条提交",
        "上传表格",
        "/provider/outcomes/template.csv",
        "enctype=\"multipart/form-data\"",
        "全部正确才导入",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    assert!(
        !html.contains("id=\"provider_id\""),
        "provider staff submit for their own institution"
    );
    let token = csrf_of(&html);
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("external_id", "FORM-1"),
        ("national_id", app.huangpu_national_id.as_str()),
        ("learner_id", ""),
        ("kind", "community_course"),
        ("title", "书法（楷书）"),
        ("achieved_on", "2026-06-30"),
        ("hours", "32"),
        ("grade", ""),
        ("field", ""),
        ("score", "合格"),
        ("evidence_kind", ""),
        ("evidence", ""),
    ];
    let stored = app
        .form("/provider/outcomes", &fields, &provider.cookie)
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.text());
    let html = stored.text();
    assert!(html.contains("已按认定标准自动认定 SF-01"), "{html}");
    assert!(html.contains("class=\"badge recognised\">已认定</span>"));
    let outcomes = app
        .store
        .list_learner_outcomes(app.huangpu_learner)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].external_id, "FORM-1");

    // Every problem is shown, the fields marked, the values kept, nothing stored.
    fields[1] = ("external_id", "FORM-2");
    fields[6] = ("achieved_on", "2099-01-01");
    fields[7] = ("hours", "abc");
    let refused = app
        .form("/provider/outcomes", &fields, &provider.cookie)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("获得日期") && html.contains("学时"), "{html}");
    assert!(
        html.contains("日期不能晚于今天"),
        "reasons in the page's language: {html}"
    );
    assert!(
        html.contains(
            "id=\"hours\" name=\"hours\" inputmode=\"decimal\" value=\"abc\" aria-invalid=\"true\""
        ),
        "{html}"
    );
    assert!(html.contains("value=\"FORM-2\""));
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);

    let english = app
        .get_with_cookies("/provider/outcomes", &provider, "xc_lang=en")
        .await;
    assert!(english.text().contains("Submit learning outcomes"));
    let no_token: Vec<_> = fields
        .iter()
        .filter(|(k, _)| *k != "csrf")
        .cloned()
        .collect();
    assert_eq!(
        app.form("/provider/outcomes", &no_token, &provider.cookie)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for username in ["citizen-huangpu", "bank", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/provider/outcomes", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert!(
            !app.get("/account", Some(&session))
                .await
                .text()
                .contains("href=\"/provider/outcomes\"")
        );
    }
    assert!(
        app.get("/account", Some(&provider))
            .await
            .text()
            .contains("href=\"/provider/outcomes\"")
    );
    // A city admin names the institution on the form.
    let admin = app.sign_in("city-admin").await;
    assert!(
        app.get("/provider/outcomes", Some(&admin))
            .await
            .text()
            .contains("id=\"provider_id\"")
    );
}

#[tokio::test]
async fn the_upload_form_shows_the_row_by_row_report() {
    let app = TestApp::new().await;
    let provider = app.sign_in("provider").await;
    let token = csrf_of(&app.get("/provider/outcomes", Some(&provider)).await.text());
    let csv = format!(
        "{HEADER}\n\
         U-1,{},张三,community_course,合唱,2026-06-30,16,,,\n\
         U-2,{},李四,烹饪课,插花,2026-07-01,abc,,,\n",
        app.huangpu_national_id, app.xuhui_national_id
    );
    let upload = |token: Option<&str>, all_or_nothing: Option<&str>, csv: &str, cookie: &str| {
        let app = &app;
        let (token, all_or_nothing, csv, cookie) = (
            token.map(str::to_owned),
            all_or_nothing.map(str::to_owned),
            csv.to_owned(),
            cookie.to_owned(),
        );
        async move {
            let mut parts: Vec<(&str, Option<&str>, &[u8])> = Vec::new();
            if let Some(token) = &token {
                parts.push(("csrf", None, token.as_bytes()));
            }
            parts.push(("file", Some("成果.csv"), csv.as_bytes()));
            if let Some(flag) = &all_or_nothing {
                parts.push(("all_or_nothing", None, flag.as_bytes()));
            }
            app.multipart("/provider/outcomes/upload", &parts, Some(&cookie), None)
                .await
        }
    };
    // The box ticked: one bad row stores nothing.
    let held = upload(Some(&token), Some("on"), &csv, &provider.cookie).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text());
    let html = held.text();
    assert!(html.contains("<h1>上传结果</h1>"), "{html}");
    assert!(
        html.contains("<dd id=\"rows\">2</dd>") && html.contains("<dd id=\"stored\">0</dd>"),
        "{html}"
    );
    assert!(html.contains("没有保存任何成果"));
    assert!(html.contains("id=\"problem-table\""));
    assert!(
        html.contains("<td class=\"num\">3</td><td>成果类型</td><td>烹饪课</td>"),
        "{html}"
    );
    assert!(html.contains("<td>学时</td><td>abc</td>"));
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 0);

    // Unticked (absent): the good row is stored; the report is in the page's language.
    let request_cookie = format!("{}; xc_lang=en", provider.cookie);
    let stored = upload(Some(&token), None, &csv, &request_cookie).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.text());
    let html = stored.text();
    assert!(html.contains("<dd id=\"stored\">1</dd>"), "{html}");
    assert!(html.contains("Stored as batch"));
    assert!(html.contains("is not one of"), "reasons in English: {html}");
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);

    // A file that cannot be read: the columns named, nothing stored.
    let missing = format!("成果编号,身份证号\nU-9,{}\n", app.huangpu_national_id);
    let refused = upload(Some(&token), Some("on"), &missing, &provider.cookie).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("文件无法读取") && html.contains("成果类型"),
        "{html}"
    );

    // Without the CSRF token nothing is read or stored.
    let forged = upload(None, Some("on"), &good_csv(&app), &provider.cookie).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let citizen = app.sign_in("citizen-huangpu").await;
    let citizen_token = csrf_of(&app.get("/account", Some(&citizen)).await.text());
    let refused = upload(
        Some(&citizen_token),
        Some("on"),
        &good_csv(&app),
        &citizen.cookie,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(outcomes_of(&app, app.huangpu_learner).await, 1);
    assert_eq!(app.spooled_files(), 0);
}

#[tokio::test]
async fn the_template_is_utf8_with_a_byte_order_mark_and_the_chinese_headers() {
    let app = TestApp::new().await;
    let response = app.get("/provider/outcomes/template.csv", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        response.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(response.body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = response.text();
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    let expected: Vec<&str> = xc_bank::fields::COLUMNS
        .iter()
        .map(|c| c.display_name())
        .collect();
    assert_eq!(header.split(',').collect::<Vec<_>>(), expected);
    assert!(header.starts_with("成果编号,身份证号"));
    // The template itself is an acceptable upload header (only a data row is missing).
    let provider = app.sign_in("provider").await;
    let mut file = text.clone();
    file.push_str(&format!(
        "T-1,{},,,community_course,合唱,2026-05-01,16,,,,,,\r\n",
        app.huangpu_national_id
    ));
    let uploaded = app
        .multipart(
            "/api/v1/outcome-batches/upload",
            &[("file", Some("template.csv"), file.as_bytes())],
            Some(&provider.cookie),
            Some(&provider.csrf),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
    assert_eq!(uploaded.json()["stored"], 1);
}

#[tokio::test]
async fn bank_staff_review_an_outcome_through_the_pages() {
    let app = TestApp::new().await;
    let waiting = archive_with_three_outcomes(&app).await;
    let bank = app.sign_in("bank").await;
    let queue = app.get("/bank/review", Some(&bank)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    let html = queue.text();
    assert!(
        html.contains("<h1>成果审核 <small>1</small></h1>"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/bank/review/{waiting}\"")));
    assert!(
        html.contains("href=\"/bank/review\">成果审核</a>"),
        "in the navigation"
    );
    assert!(
        app.get("/bank/review?kind=mooc", Some(&bank))
            .await
            .text()
            .contains("没有等待审核的成果")
    );
    assert_eq!(
        app.get("/bank/review?kind=cooking", Some(&bank))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let case_uri = format!("/bank/review/{waiting}");
    let case = app.get(&case_uri, Some(&bank)).await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text());
    let html = case.text();
    for words in [
        "书法(行书)",
        "最接近的认定标准",
        "SF-01",
        "不同之处",
        "成果名称为",
        "按通用学时规则可得学分",
        "该学习者的其他成果",
        "黄浦学员",
        "予以认定",
        "不予认定",
        "CERT-P-3",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    assert!(
        !html.contains(&app.huangpu_national_id),
        "the ID number only masked"
    );
    let token = csrf_of(&html);

    // Rejecting without a reason: the form comes back with the field marked.
    let blank = app
        .form(
            &case_uri,
            &[("csrf", &token), ("decision", "reject"), ("reason", " ")],
            &bank.cookie,
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank
            .text()
            .contains("name=\"reason\" rows=\"3\" required aria-invalid=\"true\""),
        "{}",
        blank.text()
    );

    // The specification followed is chosen from the closest ones.
    let followed = html
        .split("<select id=\"specification\" name=\"specification\">")
        .nth(1)
        .and_then(|rest| rest.split("<option value=\"").nth(2))
        .and_then(|rest| rest.split('"').next())
        .expect("a specification to choose")
        .to_owned();
    let accept = [
        ("csrf", token.as_str()),
        ("decision", "accept"),
        ("level", "2"),
        ("credits", "1.5"),
        ("category", ""),
        ("validity_months", "60"),
        ("specification", followed.as_str()),
        ("reason", "与楷书课程相当"),
    ];
    let accepted = app.form(&case_uri, &accept, &bank.cookie).await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    assert_eq!(
        accepted.headers["location"],
        format!("/bank/review?decided={waiting}")
    );
    let outcome = app
        .store
        .get_outcome(xc_domain::credit::OutcomeId::new(waiting))
        .await
        .unwrap();
    assert_eq!(outcome.status, xc_store::OutcomeStatus::Recognised);
    assert_eq!(outcome.grant.unwrap().credits.to_string(), "1.5");
    let decisions = app.store.list_decisions(outcome.id).await.unwrap();
    assert!(
        matches!(
            decisions[0].basis,
            xc_store::DecisionBasis::Reviewer { specification: Some((_, version)), .. } if version.get() == 1
        ),
        "{:?}",
        decisions[0].basis
    );
    // The learner sees the reviewer's note, and the automatic recognition in words.
    let citizen = app.sign_in("citizen-huangpu").await;
    let archive = app.get("/me/archive", Some(&citizen)).await.text();
    assert!(archive.contains("认定说明：与楷书课程相当"), "{archive}");
    assert!(
        archive.contains("已按认定标准自动认定 SF-01（版本 1）"),
        "{archive}"
    );
    assert!(archive.contains("成绩 合格"), "{archive}");
    let after = app
        .get(&format!("/bank/review?decided={waiting}"), Some(&bank))
        .await
        .text();
    assert!(
        after.contains("已记录审核决定") && after.contains("没有等待审核的成果"),
        "{after}"
    );

    let twice = app.form(&case_uri, &accept, &bank.cookie).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.text().contains("decided meanwhile"),
        "{}",
        twice.text()
    );

    for username in ["provider", "citizen-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/bank/review", Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert_eq!(
            app.get(&case_uri, Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
        assert!(
            !app.get("/account", Some(&session))
                .await
                .text()
                .contains("href=\"/bank/review\"")
        );
    }
    let provider = app.sign_in("provider").await;
    let provider_token = csrf_of(&app.get("/account", Some(&provider)).await.text());
    let mut forbidden = accept;
    forbidden[0] = ("csrf", &provider_token);
    assert_eq!(
        app.form(&case_uri, &forbidden, &provider.cookie)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bank_staff_publish_specifications_and_versions_through_the_pages() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let list = app.get("/bank/specifications", Some(&bank)).await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(
        html.contains("还没有认定标准") && html.contains("发布新标准"),
        "{html}"
    );
    let token = csrf_of(&html);
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("provider_id", "2"),
        ("code", "HC-01"),
        ("kind", "community_course"),
        ("category", ""),
        ("title", "合唱"),
        ("hours", "24"),
        ("grade", ""),
        ("level", "2"),
        ("credits", ""),
        ("field", "culture_arts"),
        ("validity_months", ""),
    ];
    let published = app
        .form("/bank/specifications", &fields, &bank.cookie)
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let location = published.headers["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?published=1"), "{location}");
    let page = app.get(&location, Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("已发布，新标准已生效")
            && html.contains("HC-01")
            && html.contains("徐汇区老年大学"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">1.5</td>"),
        "credits derived from 24 hours: {html}"
    );
    assert!(
        html.contains("value=\"合唱\""),
        "the version form starts from the current version"
    );

    // The next version, through the form on the specification's page.
    let spec_uri = location.trim_end_matches("?published=1").to_owned();
    let version_token = csrf_of(&html);
    let next = [
        ("csrf", version_token.as_str()),
        ("kind", "community_course"),
        ("category", "culture_leisure"),
        ("title", "合唱"),
        ("hours", "24"),
        ("grade", ""),
        ("level", "2"),
        ("credits", "2"),
        ("field", "culture_arts"),
        ("validity_months", "36"),
    ];
    let versioned = app.form(&spec_uri, &next, &bank.cookie).await;
    assert_eq!(
        versioned.status,
        StatusCode::SEE_OTHER,
        "{}",
        versioned.text()
    );
    let html = app.get(&spec_uri, Some(&bank)).await.text();
    assert!(html.contains("36个月"), "{html}");
    let again = app.form(&spec_uri, &next, &bank.cookie).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing changed"
    );
    assert!(again.text().contains("nothing changed"));
    // Submissions are recognised against the new version at once.
    let provider = app.sign_in("city-admin").await;
    let mut chorus = outcome("C-1", &app.huangpu_national_id, "合唱", "24");
    chorus["provider_id"] = json!(2);
    chorus["field"] = json!("culture_arts");
    let submitted = submit(&app, &provider, chorus).await;
    assert_eq!(
        submitted.json()["recognition"]["grant"]["credits"],
        "2",
        "{}",
        submitted.text()
    );

    let list = app.get("/bank/specifications", Some(&bank)).await.text();
    assert!(list.contains("HC-01") && list.contains("合唱"));
    fields[2] = ("code", "HC-01");
    let taken = app
        .form("/bank/specifications", &fields, &bank.cookie)
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text().contains("aria-invalid=\"true\""));
    fields[2] = ("code", "HC-02");
    fields[8] = ("level", "11");
    let bad = app
        .form("/bank/specifications", &fields, &bank.cookie)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains(
            "id=\"level\" name=\"level\" inputmode=\"numeric\" value=\"11\" aria-invalid=\"true\""
        ),
        "{}",
        bad.text()
    );

    for username in ["provider", "citizen-huangpu", "auditor"] {
        let session = app.sign_in(username).await;
        assert_eq!(
            app.get("/bank/specifications", Some(&session)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&spec_uri, Some(&session)).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.get("/bank/specifications/999", Some(&bank))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get("/account", Some(&bank))
            .await
            .text()
            .contains("href=\"/bank/specifications\"")
    );
}
