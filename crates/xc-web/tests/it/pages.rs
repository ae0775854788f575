//! The pages as a browser without JavaScript uses them: links and form posts with the CSRF
//! token, preferences remembered in cookies, errors shown as pages.

use axum::http::StatusCode;

use crate::app::{PASSWORD, TestApp, national_id};

#[tokio::test]
async fn home_shows_the_city_at_a_glance_in_chinese_first() {
    let app = TestApp::new().await;
    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    let html = home.text();
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("全市终身学习一览"));
    assert!(html.contains("黄浦区") && html.contains("徐汇区"));
    assert!(html.contains("/districts/310101"));
    assert!(html.contains("社区学校"), "site kinds are listed");
    assert!(
        html.contains("1,775,108"),
        "residents of the two fixture districts: {html}"
    );
}

#[tokio::test]
async fn district_and_subdistrict_pages() {
    let app = TestApp::new().await;
    let district = app.get("/districts/310101", None).await;
    assert_eq!(district.status, StatusCode::OK);
    let html = district.text();
    assert!(html.contains("南京东路街道") && html.contains("/subdistricts/310101002"));
    assert!(
        html.contains("南京东路街道社区学校"),
        "sites of the district are listed"
    );
    let sub = app.get("/subdistricts/310101002", None).await.text();
    assert!(sub.contains("云南中路居委会"));
    assert!(
        sub.contains("生成数据"),
        "generated positions are said to be generated"
    );
    let missing = app.get("/districts/310199", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("出了点问题"));
    assert_eq!(
        app.get("/districts/not-a-code", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no/such/page", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn elder_mode_and_language_are_one_tap_and_remembered() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.visitor().await;
    let response = app
        .form(
            "/preferences",
            &[
                ("csrf", &csrf),
                ("elder", "1"),
                ("return_to", "/districts/310101"),
            ],
            &cookie,
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.headers["location"], "/districts/310101");
    let elder_cookie = response
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("xc_elder="))
        .unwrap();
    assert_eq!(elder_cookie, "xc_elder=1");
    let page = app.get("/", None).await;
    assert!(!page.text().contains("class=\"elder\""));
    let request = axum::http::Request::builder()
        .uri("/")
        .header("cookie", format!("{cookie}; {elder_cookie}; xc_lang=en"))
        .body(axum::body::Body::empty())
        .unwrap();
    let html = app.send(request).await.text();
    assert!(
        html.contains("<html lang=\"en\" class=\"elder\">"),
        "{html}"
    );
    assert!(html.contains("Lifelong learning across the city"));
    assert!(
        html.contains("aria-pressed=\"true\""),
        "the toggle shows it is on"
    );
    // The return path must stay on this site.
    let away = app
        .form(
            "/preferences",
            &[
                ("csrf", &csrf),
                ("lang", "en"),
                ("return_to", "//evil.example/"),
            ],
            &cookie,
        )
        .await;
    assert_eq!(away.headers["location"], "/");
    let bad = app
        .form("/preferences", &[("csrf", &csrf), ("lang", "fr")], &cookie)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.visitor().await;
    for uri in ["/preferences", "/register", "/login", "/logout", "/account"] {
        let missing = app.form(uri, &[("lang", "en")], &cookie).await;
        assert_eq!(
            missing.status,
            StatusCode::FORBIDDEN,
            "{uri} without a token"
        );
        let wrong = app
            .form(
                uri,
                &[
                    ("csrf", "forged-token-forged-token-forged-token"),
                    ("lang", "en"),
                ],
                &cookie,
            )
            .await;
        assert_eq!(
            wrong.status,
            StatusCode::FORBIDDEN,
            "{uri} with a forged token"
        );
    }
    // A token from another visitor's cookie does not work with this visitor's cookie.
    let (other_cookie, _) = app.visitor().await;
    assert_eq!(
        app.form(
            "/preferences",
            &[("csrf", &csrf), ("lang", "en")],
            &other_cookie
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_citizen_registers_signs_in_and_changes_contact_details_through_forms() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.visitor().await;
    let id = national_id("310104", 1952, 77);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("display_name", "李桂英"),
        ("national_id", id.as_str()),
        ("district_code", "310104"),
        ("phone", ""),
        ("username", "li.guiying"),
        ("password", "平安喜乐 2026"),
    ];
    // Without consent: the form comes back with the problem named and the values kept.
    let refused = app.form("/register", &fields, &cookie).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("role=\"alert\""));
    assert!(
        html.contains(
            "id=\"consent\" name=\"consent\" type=\"checkbox\" value=\"yes\" aria-invalid=\"true\""
        ),
        "{html}"
    );
    assert!(html.contains("value=\"李桂英\""), "typed values are kept");
    fields.push(("consent", "yes"));
    let registered = app.form("/register", &fields, &cookie).await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.text()
    );
    let signed_in = app
        .form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "li.guiying"),
                ("password", "平安喜乐 2026"),
            ],
            &cookie,
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    let session = signed_in
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("xc_session="))
        .unwrap();
    let account = app
        .get(
            "/account",
            Some(&crate::app::Session {
                cookie: session.clone(),
                csrf: String::new(),
            }),
        )
        .await
        .text();
    assert!(account.contains("李桂英"));
    assert!(
        account.contains(&format!("{}**********{}", &id[..4], &id[14..])),
        "masked ID shown"
    );
    assert!(!account.contains(&id), "the full ID is never shown");
    // Signed-in forms carry the session's token.
    let token = account
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let saved = app
        .form(
            "/account",
            &[
                ("csrf", &token),
                ("display_name", "李桂英"),
                ("phone", "13700001234"),
            ],
            &session,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let bad = app
        .form(
            "/account",
            &[("csrf", &token), ("display_name", "李桂英"), ("phone", "0")],
            &session,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("aria-invalid=\"true\""));
    let wrong = app
        .form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "li.guiying"),
                ("password", "wrong password"),
            ],
            &cookie,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("role=\"alert\""));
}

#[tokio::test]
async fn staff_pages_follow_scope_and_role() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin-huangpu").await;
    let list = app.get("/staff/learners", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(
        html.contains("黄浦学员") && !html.contains("徐汇学员"),
        "{html}"
    );
    assert_eq!(
        app.get(
            &format!("/staff/learners/{}", app.xuhui_learner),
            Some(&admin)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &format!("/staff/learners/{}", app.huangpu_learner),
            Some(&admin)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/audit", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    let auditor = app.sign_in("auditor").await;
    let audit = app.get("/audit", Some(&auditor)).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.text().contains("learner.read"));
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get("/staff/learners", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/staff/learners", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/staff/learners?page=abc", Some(&admin))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let _ = PASSWORD;
}

/// Every numbered list page (the staff lists and the credit bank's queues) reads `page` the same
/// way: left out or 0 is the first page, a page past the end (even the largest number) is an
/// empty page that still renders, and text that is not a whole number is refused naming `page`.
#[tokio::test]
async fn numbered_list_pages_take_any_page_number_and_refuse_what_is_not_one() {
    let app = TestApp::new().await;
    let huge = u64::MAX.to_string();
    for (list, username) in [
        ("/staff/learners", "admin-huangpu"),
        ("/audit", "auditor"),
        ("/bank/review", "bank"),
        ("/bank/conversions", "bank"),
    ] {
        let session = app.sign_in(username).await;
        let first = app.get(list, Some(&session)).await;
        assert_eq!(first.status, StatusCode::OK, "{list}: {}", first.text());
        let zero = app.get(&format!("{list}?page=0"), Some(&session)).await;
        assert_eq!(zero.status, StatusCode::OK, "{list}?page=0");
        assert!(zero.text().contains("<span>1 / "), "{list}?page=0");
        for page in ["7", huge.as_str()] {
            let past_end = app
                .get(&format!("{list}?page={page}"), Some(&session))
                .await;
            assert_eq!(
                past_end.status,
                StatusCode::OK,
                "{list}?page={page}: {}",
                past_end.text()
            );
            assert!(
                past_end.text().contains(&format!("<span>{page} / ")),
                "{list}?page={page}"
            );
        }
        let bad = app.get(&format!("{list}?page=two"), Some(&session)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{list}");
        assert!(bad.text().contains("page"), "{list}");
    }
}
