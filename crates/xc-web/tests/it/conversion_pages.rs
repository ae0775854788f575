//! Conversion, points and the data download as a browser without JavaScript uses them: staff
//! create a programme and publish rules through the forms (refusals shown next to the form), a
//! learner previews and applies, staff approve keeping one line, the learner sees the decision;
//! the points page redeems; each page renders for its role (in Chinese and English, elder mode
//! included) and is refused to the others.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{Session, TestApp, TestResponse, csrf_of};
use crate::bank_fixture::publish_calligraphy;
use crate::conversion_fixture::*;

/// Posts a form with owned values, as the signed-in `session`.
async fn post(
    app: &TestApp,
    uri: &str,
    fields: &[(&str, String)],
    session: &Session,
) -> TestResponse {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.form(uri, &borrowed, &session.cookie).await
}

fn location(response: &TestResponse) -> String {
    response.headers["location"].to_str().unwrap().to_owned()
}

/// The number at the end of a redirect's path (before any query).
fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

#[tokio::test]
async fn programme_rules_application_and_decision_work_end_to_end_through_the_forms() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;

    // Staff create a programme; a bad cap comes back with the field marked.
    let list = app.get("/bank/programmes", Some(&bank)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert!(list.text().contains("新建目标专业"));
    let token = csrf_of(&list.text());
    let programme_form = |cap: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("institution_id", "2".to_owned()),
            ("code", "OU-ELEC".to_owned()),
            ("name", "电气自动化技术（双元制）".to_owned()),
            ("max_credits", cap.to_owned()),
        ]
    };
    let bad = post(&app, "/bank/programmes", &programme_form("0"), &bank).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains(
            "name=\"max_credits\" inputmode=\"decimal\" required value=\"0\" aria-invalid=\"true\""
        ),
        "{}",
        bad.text()
    );
    assert!(
        bad.text().contains("电气自动化技术（双元制）"),
        "typed values kept"
    );
    let created = post(&app, "/bank/programmes", &programme_form("10"), &bank).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let programme = id_in(&location(&created));
    assert_eq!(
        location(&created),
        format!("/bank/programmes/{programme}?created=1")
    );
    let page = app.get(&location(&created), Some(&bank)).await.text();
    assert!(page.contains("目标专业已新建"), "{page}");
    assert!(page.contains("还没有规则"), "{page}");

    // Publishing rules through the form: an exemption (tried first) and elective credits.
    let rule_uri = format!("/bank/programmes/{programme}");
    let electrician = vec![
        ("csrf", token.clone()),
        ("code", "R-ELEC".to_owned()),
        ("priority", "10".to_owned()),
        ("kinds", "vocational_certificate".to_owned()),
        ("title", "电工".to_owned()),
        ("min_grade", "grade_3".to_owned()),
        ("grant_kind", "course_exemptions".to_owned()),
        ("courses", "ELEC-101 4".to_owned()),
    ];
    let published = post(&app, &rule_uri, &electrician, &bank).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    assert_eq!(
        location(&published),
        format!("/bank/programmes/{programme}?published=1")
    );
    let smart = |min_level: &str, credits: &str, code: &str| {
        vec![
            ("csrf", token.clone()),
            ("code", code.to_owned()),
            ("priority", String::new()),
            ("kinds", "community_course".to_owned()),
            ("category", "vocational_training".to_owned()),
            ("field", "smart_living".to_owned()),
            ("min_level", min_level.to_owned()),
            ("count", "2".to_owned()),
            ("repeat", String::new()),
            ("grant_kind", "elective_credits".to_owned()),
            ("elective_credits", credits.to_owned()),
            ("courses", String::new()),
        ]
    };
    let published = post(&app, &rule_uri, &smart("2", "2", "R-SMART"), &bank).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );

    // A rule that can never be met: refused next to the form, the field marked, what was typed
    // kept; one that contradicts another: refused with the domain's reason.
    let impossible = post(&app, &rule_uri, &smart("11", "2", "R-X"), &bank).await;
    assert_eq!(impossible.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = impossible.text();
    assert!(html.contains("can never be met"), "{html}");
    assert!(
        html.contains(
            "name=\"min_level\" inputmode=\"numeric\" value=\"11\" aria-invalid=\"true\""
        ),
        "{html}"
    );
    assert!(html.contains("value=\"R-X\""), "{html}");
    assert!(
        html.contains(
            "id=\"kind-community_course\" name=\"kinds\" value=\"community_course\" checked"
        ),
        "ticked kinds stay ticked: {html}"
    );
    let contradicting = post(&app, &rule_uri, &smart("2", "3", "R-Y"), &bank).await;
    assert_eq!(contradicting.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        contradicting.text().contains("merge them into one rule"),
        "{}",
        contradicting.text()
    );
    let bad_course = post(
        &app,
        &rule_uri,
        &[
            ("csrf", token.clone()),
            ("code", "R-Z".to_owned()),
            ("grant_kind", "course_exemptions".to_owned()),
            ("courses", "ELEC-102".to_owned()),
        ],
        &bank,
    )
    .await;
    assert_eq!(bad_course.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_course.text().contains("e.g. ELEC-101 4"),
        "{}",
        bad_course.text()
    );
    let unknown = post(
        &app,
        &rule_uri,
        &[("csrf", token.clone()), ("colour", "red".to_owned())],
        &bank,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("conversion_rule.publish").await, 2);
    // The third rule through the API: it will not apply, and the learner is told why.
    publish_rule(&app, &bank, programme, advanced_rule("R-ADV")).await;

    let page = app.get(&rule_uri, Some(&bank)).await.text();
    let elec_at = page.find("R-ELEC（版本 1）").expect("R-ELEC listed");
    let smart_at = page.find("R-SMART（版本 1）").expect("R-SMART listed");
    assert!(elec_at < smart_at, "engine order: priority 10 first");
    for words in [
        "免修课程 ELEC-101（4 学分）",
        "任意 2 项社区教育",
        "级别不低于第 2 级",
        "职业技能等级不低于三级",
        "停用 R-SMART",
    ] {
        assert!(page.contains(words), "{words} missing: {page}");
    }

    // The learner's outcomes, then the preview explained in words.
    let outcomes = learner_outcomes(&app, &bank).await;
    assert_eq!(outcomes.smart.len(), 2);
    let citizen = app.sign_in("citizen-huangpu").await;
    let choose = app.get("/me/conversion", Some(&citizen)).await;
    assert_eq!(choose.status, StatusCode::OK, "{}", choose.text());
    assert!(
        choose.text().contains(&format!(
            "<option value=\"{programme}\">OU-ELEC 电气自动化技术（双元制）</option>"
        )),
        "{}",
        choose.text()
    );
    assert!(choose.text().contains("还没有转换申请"));
    let preview = app
        .get(
            &format!("/me/conversion?programme={programme}"),
            Some(&citizen),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    for words in [
        "<dd id=\"proposal-total\">6 学分</dd>",
        "免修课程 ELEC-101（4 学分）",
        "规则 R-ELEC（版本 1）",
        "用到的成果：“电工”",
        "2 个选修学分",
        "用到的成果：“智能手机应用1”、“智能手机应用2”",
        "没有适用的规则及原因",
        "规则 R-ADV",
        "“智能手机应用1”、“智能手机应用2”级别低于第 3 级",
        "不能转换的成果",
        "“书法(楷书)”：文化休闲类成果记入档案，但不转换为学历学分",
        "提交转换申请",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    let bad_choice = app
        .get("/me/conversion?programme=abc", Some(&citizen))
        .await;
    assert_eq!(bad_choice.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Applying.
    let citizen_token = csrf_of(&html);
    let apply_fields = [
        ("csrf", citizen_token.as_str()),
        ("programme", &programme.to_string()),
    ];
    let applied = app
        .form("/me/conversion", &apply_fields, &citizen.cookie)
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.text());
    let application = id_in(&location(&applied));
    assert_eq!(
        location(&applied),
        format!("/me/conversion/{application}?applied=1")
    );
    let mine = app.get(&location(&applied), Some(&citizen)).await.text();
    for words in [
        "申请已提交",
        "待审核",
        "免修课程 ELEC-101（4 学分）",
        "“智能手机应用2”",
    ] {
        assert!(mine.contains(words), "{words} missing: {mine}");
    }
    let again = app
        .form("/me/conversion", &apply_fields, &citizen.cookie)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text().contains("open application for this programme"),
        "{}",
        again.text()
    );
    let list = app.get("/me/conversion", Some(&citizen)).await.text();
    assert!(
        list.contains(&format!("href=\"/me/conversion/{application}\"")),
        "{list}"
    );

    // Staff see it in the open list and decide, keeping only the exemption.
    let open = app.get("/bank/conversions", Some(&bank)).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text());
    assert!(
        open.text()
            .contains(&format!("href=\"/bank/conversions/{application}\"")),
        "{}",
        open.text()
    );
    let case_uri = format!("/bank/conversions/{application}");
    let case = app.get(&case_uri, Some(&bank)).await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text());
    let html = case.text();
    assert!(html.contains("name=\"keep\" value=\"1\" checked"), "{html}");
    assert!(html.contains("name=\"keep\" value=\"2\" checked"), "{html}");
    assert!(html.contains("黄浦学员"), "{html}");
    assert!(
        !html.contains(&app.huangpu_national_id),
        "the ID number only masked"
    );
    let token = csrf_of(&html);
    let no_reason = app
        .form(
            &case_uri,
            &[
                ("csrf", &token),
                ("keep", "1"),
                ("reason", " "),
                ("decision", "approve"),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = no_reason.text();
    assert!(
        html.contains("name=\"reason\" rows=\"3\" aria-invalid=\"true\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"keep\" value=\"1\" checked")
            && !html.contains("name=\"keep\" value=\"2\" checked"),
        "the boxes as ticked: {html}"
    );
    let approve = [
        ("csrf", token.as_str()),
        ("keep", "1"),
        ("reason", "选修学分须另行审核"),
        ("decision", "approve"),
    ];
    let decided = app.form(&case_uri, &approve, &bank.cookie).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    assert_eq!(
        location(&decided),
        format!("/bank/conversions?decided={application}")
    );
    let after = app.get(&location(&decided), Some(&bank)).await.text();
    assert!(
        after.contains("已记录审核决定") && after.contains("没有等待审核的转换申请"),
        "{after}"
    );
    let closed = app.get(&case_uri, Some(&bank)).await.text();
    assert!(!closed.contains("name=\"keep\""), "no form once decided");
    assert!(closed.contains("已批准"), "{closed}");
    let twice = app.form(&case_uri, &approve, &bank.cookie).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.text().contains("decided meanwhile"),
        "{}",
        twice.text()
    );

    // The learner sees the approved application: which line was kept, and why not the other.
    let mine = app
        .get(&format!("/me/conversion/{application}"), Some(&citizen))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let html = mine.text();
    assert!(
        html.contains("<dd id=\"application-status\">已批准</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<dd id=\"approved-credits\">4</dd>"),
        "{html}"
    );
    assert!(
        html.contains("审核说明：</strong>选修学分须另行审核"),
        "{html}"
    );
    assert!(
        html.contains("class=\"badge recognised\">已批准</span>")
            && html.contains("class=\"badge rejected\">未批准</span>"),
        "status in words: {html}"
    );
    let english = app
        .get_with_cookies(
            &format!("/me/conversion/{application}"),
            &citizen,
            "xc_lang=en; xc_elder=1",
        )
        .await
        .text();
    assert!(
        english.contains("<html lang=\"en\" class=\"elder\">"),
        "{english}"
    );
    assert!(
        english.contains("exemption from ELEC-101 (4 credits)"),
        "{english}"
    );
    assert!(english.contains(">Approved</dd>"), "{english}");
    assert!(english.contains("Not approved"), "{english}");
    let english_preview = app
        .get_with_cookies(
            &format!("/me/conversion?programme={programme}"),
            &citizen,
            "xc_lang=en",
        )
        .await
        .text();
    assert!(
        english_preview.contains("Rules that did not apply"),
        "{english_preview}"
    );
    assert!(
        english_preview.contains("level below 3"),
        "{english_preview}"
    );

    // Retiring a rule through its button.
    let retired = app
        .form(
            &format!(
                "/bank/rules/{}/retire",
                rule_id_of(&app, programme, "R-SMART").await
            ),
            &[("csrf", &token)],
            &bank.cookie,
        )
        .await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER, "{}", retired.text());
    assert_eq!(
        location(&retired),
        format!("/bank/programmes/{programme}?retired=1")
    );
    let page = app.get(&location(&retired), Some(&bank)).await.text();
    assert!(page.contains("规则已停用"), "{page}");
    assert!(!page.contains("停用 R-SMART"), "{page}");
}

/// The id of a programme's rule by its code, from the API.
async fn rule_id_of(app: &TestApp, programme: i64, code: &str) -> i64 {
    let bank = app.sign_in("bank").await;
    let detail = app
        .get(&format!("/api/v1/programmes/{programme}"), Some(&bank))
        .await
        .json();
    detail["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rule| rule["code"] == code)
        .and_then(|rule| rule["id"].as_i64())
        .unwrap_or_else(|| panic!("no rule {code}: {detail}"))
}

#[tokio::test]
async fn conversion_pages_are_only_for_their_roles_and_linked_only_for_them() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (rules, _) = conversion_ready(&app, &bank).await;
    let citizen = app.sign_in("citizen-huangpu").await;
    let applied = app
        .json(
            Method::POST,
            "/api/v1/me/conversion-applications",
            json!({"programme_id": rules.programme}),
            Some(&citizen),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text());
    let application = applied.json()["id"].as_i64().unwrap();

    let staff_pages = [
        "/bank/programmes".to_owned(),
        format!("/bank/programmes/{}", rules.programme),
        "/bank/conversions".to_owned(),
        format!("/bank/conversions/{application}"),
    ];
    for username in ["citizen-huangpu", "provider", "auditor", "admin-huangpu"] {
        let session = app.sign_in(username).await;
        for uri in &staff_pages {
            assert_eq!(
                app.get(uri, Some(&session)).await.status,
                StatusCode::FORBIDDEN,
                "{username} {uri}"
            );
        }
        let home = app.get("/account", Some(&session)).await.text();
        assert!(
            !home.contains("href=\"/bank/programmes\"")
                && !home.contains("href=\"/bank/conversions\""),
            "{username}"
        );
    }
    let city = app.sign_in("city-admin").await;
    for uri in &staff_pages {
        assert_eq!(
            app.get(uri, Some(&city)).await.status,
            StatusCode::OK,
            "{uri}"
        );
    }
    let staff_home = app.get("/account", Some(&bank)).await.text();
    assert!(staff_home.contains("href=\"/bank/programmes\">转换规则</a>"));
    assert!(staff_home.contains("href=\"/bank/conversions\">转换申请审核</a>"));
    assert!(!staff_home.contains("href=\"/me/conversion\""));
    assert!(!staff_home.contains("href=\"/me/points\""));

    for username in ["bank", "provider", "city-admin"] {
        let session = app.sign_in(username).await;
        for uri in ["/me/conversion", "/me/points"] {
            assert_eq!(
                app.get(uri, Some(&session)).await.status,
                StatusCode::FORBIDDEN,
                "{username} {uri}"
            );
        }
        assert_eq!(
            app.get(&format!("/me/conversion/{application}"), Some(&session))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{username}"
        );
    }
    for uri in ["/me/conversion", "/me/points"] {
        assert_eq!(
            app.get(uri, None).await.status,
            StatusCode::SEE_OTHER,
            "{uri}"
        );
    }
    let home = app.get("/account", Some(&citizen)).await.text();
    assert!(
        home.contains("href=\"/me/conversion\">学分转换</a>"),
        "{home}"
    );
    assert!(home.contains("href=\"/me/points\">我的积分</a>"), "{home}");
    assert!(!home.contains("href=\"/bank/programmes\""));
    // Another learner's application does not exist for them.
    let xuhui = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get(&format!("/me/conversion/{application}"), Some(&xuhui))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A form without its token is refused.
    let forged = app
        .form(
            "/me/conversion",
            &[("programme", &rules.programme.to_string())],
            &citizen.cookie,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_points_page_redeems_and_the_archive_links_points_conversion_and_the_download() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    conversion_ready(&app, &bank).await;
    let city = app.sign_in("city-admin").await;
    for (code, name, cost) in [
        ("enrolment_priority", "热门课程优先报名", 8),
        ("library_card", "图书馆借阅卡", 100),
    ] {
        let response = app
            .json(
                Method::POST,
                "/api/v1/incentives",
                json!({"code": code, "name": name, "cost": cost, "available_from": "2020-01-01"}),
                Some(&city),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    }
    let citizen = app.sign_in("citizen-huangpu").await;

    // The archive: points balance, links to the points and conversion pages, the download.
    let archive = app.get("/me/archive", Some(&citizen)).await.text();
    for words in [
        "<dd id=\"points\">20</dd>",
        "href=\"/me/points\">查看积分明细</a>",
        "href=\"/me/conversion\">申请学分转换</a>",
        "下载我的全部数据",
        "href=\"/api/v1/me/export.json\"",
        "href=\"/api/v1/me/export.xlsx\"",
    ] {
        assert!(archive.contains(words), "{words} missing: {archive}");
    }
    let admin = app.sign_in("admin-huangpu").await;
    let staff_view = app
        .get(
            &format!("/learners/{}/archive", app.huangpu_learner),
            Some(&admin),
        )
        .await
        .text();
    assert!(
        !staff_view.contains("export.json") && !staff_view.contains("href=\"/me/points\""),
        "staff reading an archive get no download of it"
    );
    // The links download the learner's own copy.
    let download = app.get("/api/v1/me/export.xlsx", Some(&citizen)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    assert_eq!(app.audit_count("learner.export").await, 1);

    // The points page.
    let page = app.get("/me/points", Some(&citizen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    for words in [
        "<dd id=\"points-balance\">20</dd>",
        "学习成果认定：书法(楷书)",
        "+5",
        "如何获得积分",
        "出勤：每次 1 分，每天最多 5 分",
        "热门课程优先报名 <span class=\"badge recognised\">可以兑换</span>",
        "图书馆借阅卡 <span class=\"badge in-review\">积分不够</span>",
        "2020-01-01 起",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    let token = csrf_of(&html);
    let short = app
        .form(
            "/me/points/redeem",
            &[("csrf", &token), ("code", "library_card")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .contains("costs 100 points and the balance is 20"),
        "{}",
        short.text()
    );
    assert!(short.text().contains("<dd id=\"points-balance\">20</dd>"));
    let redeemed = app
        .form(
            "/me/points/redeem",
            &[("csrf", &token), ("code", "enrolment_priority")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(
        redeemed.status,
        StatusCode::SEE_OTHER,
        "{}",
        redeemed.text()
    );
    assert_eq!(
        location(&redeemed),
        "/me/points?redeemed=enrolment_priority"
    );
    let after = app.get(&location(&redeemed), Some(&citizen)).await.text();
    for words in [
        "兑换成功，剩余积分：12",
        "<dd id=\"points-balance\">12</dd>",
        "兑换：热门课程优先报名",
        "-8",
    ] {
        assert!(after.contains(words), "{words} missing: {after}");
    }
    let unknown = app
        .form(
            "/me/points/redeem",
            &[("csrf", &token), ("code", "free_lunch")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let english = app
        .get_with_cookies("/me/points", &citizen, "xc_lang=en; xc_elder=1")
        .await
        .text();
    assert!(english.contains("<html lang=\"en\" class=\"elder\">"));
    assert!(english.contains("Points history") && english.contains("Not enough points"));
    assert!(
        english.contains("Recognised outcome: 书法(楷书)"),
        "{english}"
    );
    let provider = app.sign_in("provider").await;
    let provider_token = csrf_of(&app.get("/account", Some(&provider)).await.text());
    assert_eq!(
        app.form(
            "/me/points/redeem",
            &[("csrf", &provider_token), ("code", "enrolment_priority")],
            &provider.cookie,
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
