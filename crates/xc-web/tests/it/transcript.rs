//! The printable transcript and the archive's conversion sections: the learner's own transcript
//! lists recognised outcomes by category and level with the decision (never a reviewer's name),
//! totals, the approved conversions and a reference; staff read it for learners in their scope
//! only, each read audited; the archive shows applications and what can still be converted,
//! previewing a few programmes and saying how many more there are.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{Session, TestApp};
use crate::conversion_fixture::*;

async fn approve_exemption_only(app: &TestApp, citizen: &Session, bank: &Session, programme: i64) {
    let applied = app
        .json(
            Method::POST,
            "/api/v1/me/conversion-applications",
            json!({"programme_id": programme}),
            Some(citizen),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text());
    let id = applied.json()["id"].as_i64().unwrap();
    let decided = app
        .json(
            Method::POST,
            &format!("/api/v1/conversion-applications/{id}/decision"),
            json!({"decision": "approve", "lines": [1], "reason": "选修学分须另行审核"}),
            Some(bank),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
}

#[tokio::test]
async fn the_transcript_lists_recognised_outcomes_conversions_and_a_reference() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (rules, _outcomes) = conversion_ready(&app, &bank).await;
    let citizen = app.sign_in("citizen-huangpu").await;

    // Before applying: the archive links the transcript, has no application yet and says what
    // the programme would convert now, with a link to the explanation.
    let archive = app.get("/me/archive", Some(&citizen)).await;
    assert_eq!(archive.status, StatusCode::OK, "{}", archive.text());
    let html = archive.text();
    assert!(html.contains("href=\"/me/transcript\""), "{html}");
    assert!(html.contains("还没有转换申请。"), "{html}");
    assert!(html.contains("还可以转换什么"), "{html}");
    assert!(html.contains("现在可转换：6 学分"), "{html}");
    assert!(
        html.contains(&format!(
            "href=\"/me/conversion?programme={}\"",
            rules.programme
        )),
        "{html}"
    );
    assert!(
        !html.contains("id=\"outlook-more\""),
        "one programme: nothing left out"
    );

    approve_exemption_only(&app, &citizen, &bank, rules.programme).await;
    let html = app.get("/me/archive", Some(&citizen)).await.text();
    assert!(
        html.contains("class=\"badge recognised\">已批准</span>"),
        "{html}"
    );
    assert!(html.contains("已经转换 4 学分"), "{html}");
    assert!(
        html.contains("现在可转换：2 学分"),
        "the courses not kept convert again: {html}"
    );

    let transcript = app.get("/me/transcript", Some(&citizen)).await;
    assert_eq!(transcript.status, StatusCode::OK, "{}", transcript.text());
    let html = transcript.text();
    let reference = format!("XC-{}-", app.huangpu_learner);
    assert!(html.contains(&reference), "{html}");
    for expected in [
        "成绩单",
        "电工",
        "智能手机应用1",
        "书法",
        "按标准自动认定",
        "学分银行审核认定",
        "已批准的学分转换",
        "ELEC-101（4 学分）",
        "电气自动化技术（双元制）",
        "小计",
        "id=\"transcript-valid-credits\">",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(
        !html.contains("\">bank<") && !html.contains("（bank）"),
        "no reviewer's name: {html}"
    );
    // Grouped by category, then level: vocational training before culture and leisure.
    let vocational = html.find("职业培训类").unwrap();
    let leisure = html.rfind("文化休闲类").unwrap();
    assert!(vocational < leisure, "{html}");
    assert_eq!(app.audit_count("archive.read").await, 0, "own reads");
    // The same transcript on the same day keeps its reference.
    let again = app.get("/me/transcript", Some(&citizen)).await.text();
    let at = html.find(&reference).unwrap();
    assert_eq!(
        &html[at..at + reference.len() + 19],
        &again[again.find(&reference).unwrap()..][..reference.len() + 19]
    );

    // English, elder mode: the same page, larger, in English.
    let english = app
        .get_with_cookies("/me/transcript", &citizen, "xc_lang=en; xc_elder=1")
        .await
        .text();
    assert!(
        english.contains("<html lang=\"en\" class=\"elder\">"),
        "{english}"
    );
    assert!(english.contains("Approved conversions"), "{english}");
    assert!(english.contains("Reviewed by the credit bank"), "{english}");

    // Printing: A4, navigation hidden, rows never split; phones get cards.
    let css = app.get("/static/app.css", None).await.text();
    assert!(css.contains("@media print"), "{css}");
    assert!(css.contains("size: A4"), "{css}");
    assert!(css.contains("header.top, nav, footer"), "{css}");
    assert!(css.contains("break-inside: avoid"), "{css}");
    assert!(css.contains("screen and (max-width: 47.99rem)"), "{css}");

    // Staff: in scope, audited as an archive read naming the transcript; out of scope, 404 and
    // nothing audited.
    let staff_uri = format!("/learners/{}/transcript", app.huangpu_learner);
    let staff = app.get(&staff_uri, Some(&bank)).await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text());
    assert!(staff.text().contains("此次查看已记入审计日志"));
    assert!(staff.text().contains(&reference));
    assert_eq!(app.audit_count("archive.read").await, 1);
    let log = app
        .store
        .list_audit(
            &xc_store::AuditFilter {
                action: Some("archive.read".into()),
                ..Default::default()
            },
            xc_store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(log.items[0].detail["view"], "transcript");
    let staff_archive = app
        .get(
            &format!("/learners/{}/archive", app.huangpu_learner),
            Some(&bank),
        )
        .await
        .text();
    assert!(
        staff_archive.contains(&format!("href=\"{staff_uri}\"")),
        "{staff_archive}"
    );
    assert_eq!(app.audit_count("archive.read").await, 2);
    for who in ["admin-xuhui", "provider"] {
        let session = app.sign_in(who).await;
        assert_eq!(
            app.get(&staff_uri, Some(&session)).await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    assert_eq!(app.audit_count("archive.read").await, 2);
    let visitor = app.get("/me/transcript", None).await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    let bank_own = app.get("/me/transcript", Some(&bank)).await;
    assert_eq!(
        bank_own.status,
        StatusCode::FORBIDDEN,
        "{}",
        bank_own.text()
    );
    assert_eq!(
        app.get("/learners/abc/transcript", Some(&bank))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_archive_previews_a_few_programmes_and_says_how_many_more_there_are() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (rules, _outcomes) = conversion_ready(&app, &bank).await;
    // Three more programmes, each with a rule for the citizen's certificate: four in all.
    for n in 1..=3 {
        let response = app
            .json(
                Method::POST,
                "/api/v1/programmes",
                json!({"institution_id": 2, "code": format!("OU-{n}"), "name": format!("专业{n}"),
                       "max_credits": "10"}),
                Some(&bank),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let programme = response.json()["id"].as_i64().unwrap();
        publish_rule(&app, &bank, programme, electrician_rule("R-ELEC")).await;
    }
    // A programme whose rule concerns nothing the citizen has is not counted.
    let response = app
        .json(
            Method::POST,
            "/api/v1/programmes",
            json!({"institution_id": 2, "code": "OU-NURSE", "name": "护理", "max_credits": "10"}),
            Some(&bank),
        )
        .await;
    let nursing = response.json()["id"].as_i64().unwrap();
    let mut nurse = electrician_rule("R-NURSE");
    nurse["title"] = json!("护理员");
    publish_rule(&app, &bank, nursing, nurse).await;

    let citizen = app.sign_in("citizen-huangpu").await;
    let html = app.get("/me/archive", Some(&citizen)).await.text();
    assert!(
        html.contains(&format!(
            "href=\"/me/conversion?programme={}\"",
            rules.programme
        )),
        "{html}"
    );
    assert_eq!(
        html.matches("href=\"/me/conversion?programme=").count(),
        3,
        "{html}"
    );
    assert!(html.contains("id=\"outlook-more\">另有 1 个专业"), "{html}");
    assert!(!html.contains("护理"), "{html}");
    // A filtered archive still shows the conversions, over all outcomes.
    let filtered = app
        .get("/me/archive?kind=mooc", Some(&citizen))
        .await
        .text();
    assert!(filtered.contains("id=\"outlook-more\""), "{filtered}");
}
