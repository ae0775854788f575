//! Sharing credentials for verification and the public verifier (issue 4): a learner shares
//! chosen fields of a credential, the verifier sees only those with the credential's checks,
//! each view is counted, revocation and expiry close the link, a forged disclosure is refused,
//! and the verify API and page give a specific reason for each failure.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use xc_domain::credit::OutcomeId;
use xc_store::{IssuedCredentialRecord, NewShare, ShareItem};

use crate::app::{Session, TestApp, csrf_of};
use crate::bank_fixture::{calligraphy, publish_calligraphy, submit};

/// The Huangpu learner's credential for a calligraphy outcome, issued through the web.
async fn issued_credential(app: &TestApp, external_id: &str) -> IssuedCredentialRecord {
    let bank = app.sign_in("bank").await;
    publish_calligraphy(app, &bank).await;
    let provider = app.sign_in("provider").await;
    let response = submit(
        app,
        &provider,
        calligraphy(external_id, &app.huangpu_national_id),
    )
    .await;
    let outcome = OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
    app.store
        .outcome_credential(outcome)
        .await
        .unwrap()
        .expect("issued at once")
}

async fn share(app: &TestApp, citizen: &Session, body: Value) -> crate::app::TestResponse {
    app.json(Method::POST, "/api/v1/me/shares", body, Some(citizen))
        .await
}

fn token_of(url: &str) -> String {
    url.rsplit_once("/s/").unwrap().1.to_owned()
}

/// A disclosure of a claim the holder would have liked to show: well formed, never signed.
fn forged_disclosure(name: &str, value: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!(["bm90LWEtcmVhbC1zYWx0", name, value]).to_string())
}

#[tokio::test]
async fn a_share_shows_only_what_was_chosen_counts_views_and_closes_when_revoked() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-1").await;
    let uuid = credential.id.trim_start_matches("urn:uuid:");
    let citizen = app.sign_in("citizen-huangpu").await;

    let created = share(
        &app,
        &citizen,
        json!({"credentials": [uuid], "fields": ["holder_name", "achievement"], "days": 7}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let url = created["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("https://bank.example.org/s/"), "{url}");
    assert_eq!(created["state"], "open");
    assert_eq!(created["fields"], json!(["holder_name", "achievement"]));
    assert_eq!(app.audit_count("share.create").await, 1);
    let token = token_of(&url);

    let seen = app.get(&format!("/api/v1/shares/{token}"), None).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    let body = seen.json();
    assert_eq!(body["issuer"]["id"], "did:web:bank.example.org");
    let item = &body["credentials"][0];
    assert_eq!(item["valid"], true, "{item}");
    assert_eq!(item["presentation"]["ok"], true);
    assert_eq!(
        item["disclosed"],
        json!({"holder_name": "黄浦学员", "achievement": "书法(楷书)"})
    );
    assert_eq!(item["status"]["status"], "active");
    assert_eq!(item["logInclusion"]["inclusion"], "included", "{item}");
    assert!(item["proofs"].as_array().unwrap().len() == 3);
    let text = seen.text();
    assert!(!text.contains(uuid), "the credential id is not shown");
    for unshared in ["资历框架", "creditsEarned", "validFrom", "credits\""] {
        assert!(!text.contains(unshared), "{unshared} is not shared: {text}");
    }

    app.get(&format!("/api/v1/shares/{token}"), None).await;
    let mine = app.get("/api/v1/me/shares", Some(&citizen)).await.json();
    assert_eq!(mine["shares"][0]["view_count"], 2);
    let id = mine["shares"][0]["id"].as_i64().unwrap();

    let other = app.sign_in("citizen-xuhui").await;
    let foreign = app
        .json(
            Method::POST,
            &format!("/api/v1/me/shares/{id}/revoke"),
            json!({}),
            Some(&other),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());
    let revoked = app
        .json(
            Method::POST,
            &format!("/api/v1/me/shares/{id}/revoke"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert_eq!(revoked.json()["state"], "revoked");
    assert_eq!(app.audit_count("share.revoke").await, 1);
    let again = app
        .json(
            Method::POST,
            &format!("/api/v1/me/shares/{id}/revoke"),
            json!({}),
            Some(&citizen),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let refused = app.get(&format!("/api/v1/shares/{token}"), None).await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert_eq!(refused.error_code(), "gone");
    assert!(!refused.text().contains("黄浦学员"));
    let page = app.get(&format!("/s/{token}"), None).await;
    assert_eq!(page.status, StatusCode::GONE);
    let html = page.text();
    assert!(html.contains("此分享已被持有人撤销"), "{html}");
    assert!(
        !html.contains("黄浦学员") && !html.contains("书法"),
        "{html}"
    );
    let mine = app.get("/api/v1/me/shares", Some(&citizen)).await.json();
    assert_eq!(
        mine["shares"][0]["view_count"], 2,
        "refused views are not counted"
    );
}

#[tokio::test]
async fn bad_share_requests_name_the_field_and_store_nothing() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-2").await;
    let citizen = app.sign_in("citizen-huangpu").await;
    let other = app.sign_in("citizen-xuhui").await;
    let cases = [
        (
            &citizen,
            json!({"credentials": [], "fields": ["achievement"], "days": 7}),
            "credentials",
        ),
        (
            &citizen,
            json!({"credentials": [credential.id], "fields": [], "days": 7}),
            "fields",
        ),
        (
            &citizen,
            json!({"credentials": [credential.id], "fields": ["national_id"], "days": 7}),
            "fields",
        ),
        (
            &citizen,
            json!({"credentials": [credential.id], "fields": ["credits"], "days": 3}),
            "days",
        ),
        (
            &other,
            json!({"credentials": [credential.id], "fields": ["credits"], "days": 7}),
            "credentials",
        ),
    ];
    for (session, body, field) in cases {
        let response = share(&app, session, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.error_field(), field, "{body}");
    }
    assert_eq!(app.audit_count("share.create").await, 0);
}

#[tokio::test]
async fn an_expired_share_shows_only_that_it_expired() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-3").await;
    let document: Value = serde_json::from_str(&credential.document).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let created_at = now - time::Duration::days(8);
    let expires_at = now - time::Duration::days(1);
    let presentation = xc_issuer::share::share_presentation(
        app.issuer.keys(),
        &document,
        "黄浦学员",
        &[xc_domain::ShareField::HolderName],
        created_at,
        expires_at,
    )
    .unwrap();
    let token = "expired-share-token-0123456789abcdef";
    app.store
        .create_share(
            &NewShare {
                token: token.into(),
                learner: app.huangpu_learner,
                fields: vec![xc_domain::ShareField::HolderName],
                created_at,
                expires_at,
                items: vec![ShareItem {
                    credential: credential.id.clone(),
                    presentation,
                }],
            },
            &xc_store::AuditEvent::new(
                xc_store::Actor::System("test".into()),
                "share.create",
                "share",
                "new",
            ),
        )
        .await
        .unwrap();
    let api = app.get(&format!("/api/v1/shares/{token}"), None).await;
    assert_eq!(api.status, StatusCode::GONE);
    assert!(api.text().contains("expired"), "{}", api.text());
    let page = app.get(&format!("/s/{token}"), None).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.text().contains("已过期") && !page.text().contains("黄浦学员"));
    let unknown = app.get("/s/no-such-share-token-0123456789", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_forged_disclosure_is_refused_by_the_api_and_the_page() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-4").await;
    let citizen = app.sign_in("citizen-huangpu").await;
    let created = share(
        &app,
        &citizen,
        json!({"credentials": [credential.id], "fields": ["achievement"], "days": 1}),
    )
    .await
    .json();
    let token = token_of(created["url"].as_str().unwrap());
    let shown = app
        .get(&format!("/api/v1/shares/{token}"), None)
        .await
        .json();
    let presentation = shown["credentials"][0]["sdJwt"]
        .as_str()
        .unwrap()
        .to_owned();

    let genuine = app
        .json(
            Method::POST,
            "/api/v1/verify",
            json!({"sd_jwt": presentation}),
            None,
        )
        .await
        .json();
    assert_eq!(genuine["valid"], true, "{genuine}");
    assert_eq!(genuine["disclosed"], json!({"achievement": "书法(楷书)"}));

    let forged = format!("{presentation}{}~", forged_disclosure("credits", "99"));
    let refused = app
        .json(
            Method::POST,
            "/api/v1/verify",
            json!({"sd_jwt": forged}),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    let refused = refused.json();
    assert_eq!(refused["valid"], false);
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .contains("not referenced by any signed digest"),
        "{refused}"
    );
    assert!(refused.get("disclosed").is_none());

    let (cookie, csrf) = app.visitor().await;
    let page = app
        .form("/verify", &[("csrf", &csrf), ("text", &forged)], &cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("not referenced by any signed digest"),
        "{html}"
    );
    assert!(
        !html.contains("99"),
        "the forged value is not shown: {html}"
    );
}

#[tokio::test]
async fn the_verify_api_names_each_failure() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-5").await;
    let document: Value = serde_json::from_str(&credential.document).unwrap();
    let verify = |body: Value| {
        let app = &app;
        async move { app.json(Method::POST, "/api/v1/verify", body, None).await }
    };

    let good = verify(json!({"credential": document})).await.json();
    assert_eq!(good["valid"], true, "{good}");
    assert_eq!(good["status"]["status"], "active");
    assert_eq!(good["logInclusion"]["inclusion"], "included");

    let mut tampered = document.clone();
    tampered["credentialSubject"]["creditsEarned"] = json!(20);
    let tampered = verify(json!({"credential": tampered})).await.json();
    assert_eq!(tampered["valid"], false);
    assert!(
        tampered["proofs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|proof| proof["reason"]
                .as_str()
                .unwrap()
                .contains("signature does not match")),
        "{tampered}"
    );
    assert_eq!(
        tampered["logInclusion"]["inclusion"], "failed",
        "{tampered}"
    );

    let bank = app.sign_in("bank").await;
    let revoke = app
        .json(
            Method::POST,
            &format!("/api/v1/credentials/{}/status", credential.id),
            json!({"action": "revoke", "reason": "成果系误报"}),
            Some(&bank),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::CREATED, "{}", revoke.text());
    let revoked = verify(json!({"text": credential.document})).await.json();
    assert_eq!(revoked["valid"], false);
    assert_eq!(revoked["status"]["status"], "revoked");

    for (body, field) in [
        (json!({"text": "   "}), "text"),
        (json!({"text": "{\"a\": "}), "text"),
        (json!({"text": "hello"}), "text"),
        (json!({}), "credential"),
        (json!({"credential": [1, 2]}), "credential"),
    ] {
        let response = verify(body.clone()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(response.error_field(), field, "{body}");
    }
    let not_json = verify(json!({"text": "{\"a\": "})).await;
    assert!(not_json.text().contains("not JSON"), "{}", not_json.text());
}

#[tokio::test]
async fn a_learner_shares_from_the_page_sees_the_qr_and_views_and_revokes() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-6").await;
    let uuid = credential.id.trim_start_matches("urn:uuid:").to_owned();
    let citizen = app.sign_in("citizen-huangpu").await;
    let list = app.get("/me/credentials", Some(&citizen)).await.text();
    assert!(
        list.contains("name=\"credential\"")
            && list.contains("name=\"field\"")
            && list.contains("还没有分享"),
        "{list}"
    );
    let csrf = csrf_of(&list);

    let refused = app
        .form(
            "/me/shares",
            &[("csrf", &csrf), ("credential", &uuid), ("days", "7")],
            &citizen.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("choose at least one thing to show"),
        "{}",
        refused.text()
    );

    let made = app
        .form(
            "/me/shares",
            &[
                ("csrf", &csrf),
                ("credential", &uuid),
                ("field", "holder_name"),
                ("field", "credits"),
                ("days", "30"),
            ],
            &citizen.cookie,
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let location = made.headers[axum::http::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let mine = app.get(&location, Some(&citizen)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let html = mine.text();
    assert!(html.contains("<svg"), "the QR code");
    let url = html
        .split("https://bank.example.org/s/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|token| format!("/s/{token}"))
        .expect("the share link");
    assert!(html.contains("姓名、学分"), "{html}");

    let shown = app.get(&url, None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
    let shown = shown.text();
    assert!(
        shown.contains("黄浦学员") && shown.contains("学城终身教育学分银行"),
        "{shown}"
    );
    assert!(
        shown.contains("凭证有效") && shown.contains("透明日志记录"),
        "{shown}"
    );
    assert!(
        !shown.contains("书法") && !shown.contains(&uuid),
        "unshared: {shown}"
    );
    let english = app
        .get_with_cookies(&url, &citizen, "xc_lang=en; xc_elder=1")
        .await
        .text();
    assert!(english.contains("class=\"elder\"") && english.contains("What the holder shared"));

    let again = app.get(&location, Some(&citizen)).await.text();
    assert!(again.contains("id=\"share-views\">2<"), "{again}");
    let list = app.get("/me/credentials", Some(&citizen)).await.text();
    assert!(list.contains(&format!(
        "/me/shares/{}",
        location.rsplit('/').next().unwrap()
    )));

    let other = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get(&location, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    let revoked = app
        .form(
            &format!("{location}/revoke"),
            &[("csrf", &csrf)],
            &citizen.cookie,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.text());
    let after = app.get(&location, Some(&citizen)).await.text();
    assert!(
        after.contains("id=\"share-state\">已撤销<") && !after.contains("<svg"),
        "{after}"
    );
    let closed = app.get(&url, None).await;
    assert_eq!(closed.status, StatusCode::GONE);
    assert!(!closed.text().contains("黄浦学员"));
    assert_eq!(app.audit_count("share.revoke").await, 1);
}

#[tokio::test]
async fn the_verify_page_checks_pasted_and_uploaded_credentials_with_reasons() {
    let app = TestApp::new().await;
    let credential = issued_credential(&app, "S-7").await;
    let (cookie, csrf) = app.visitor().await;
    let form = app.get("/verify", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"text\"") && form.text().contains("type=\"file\""));

    let good = app
        .form(
            "/verify",
            &[("csrf", &csrf), ("text", &credential.document)],
            &cookie,
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text());
    assert!(good.text().contains("凭证有效"), "{}", good.text());

    let mut tampered: Value = serde_json::from_str(&credential.document).unwrap();
    tampered["credentialSubject"]["creditsEarned"] = json!(20);
    let page = app
        .form(
            "/verify",
            &[("csrf", &csrf), ("text", &tampered.to_string())],
            &cookie,
        )
        .await
        .text();
    assert!(
        page.contains("凭证无效") && page.contains("signature does not match"),
        "{page}"
    );

    let uploaded = app
        .multipart(
            "/verify/upload",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("c.json"), credential.document.as_bytes()),
            ],
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text());
    assert!(uploaded.text().contains("凭证有效"));

    let bank = app.sign_in("bank").await;
    app.json(
        Method::POST,
        &format!("/api/v1/credentials/{}/status", credential.id),
        json!({"action": "revoke", "reason": "成果系误报"}),
        Some(&bank),
    )
    .await;
    let revoked = app
        .form(
            "/verify",
            &[("csrf", &csrf), ("text", &credential.document)],
            &cookie,
        )
        .await
        .text();
    assert!(
        revoked.contains("凭证无效") && revoked.contains("已撤销"),
        "{revoked}"
    );

    for (text, reason) in [
        ("", "nothing to verify"),
        ("{\"a\": ", "not JSON"),
        ("hello there", "not a credential"),
    ] {
        let refused = app
            .form("/verify", &[("csrf", &csrf), ("text", text)], &cookie)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(
            refused.text().contains(reason),
            "{text}: {}",
            refused.text()
        );
    }
    let big = vec![b' '; 1024 * 1024 + 10];
    let oversized = app
        .multipart(
            "/verify/upload",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("big.json"), &big),
            ],
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        oversized.text()
    );
    assert!(
        oversized.text().contains("larger than the limit of 1 MB"),
        "{}",
        oversized.text()
    );
    let empty = app
        .multipart(
            "/verify/upload",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("e.json"), b""),
            ],
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("choose a credential file"));

    let link = app
        .form(
            "/verify",
            &[
                ("csrf", &csrf),
                (
                    "text",
                    "https://bank.example.org/s/abcdefghijklmnopqrstuvwxyz012345",
                ),
            ],
            &cookie,
        )
        .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER);
    for cookies in ["xc_elder=1", "xc_lang=en"] {
        let request = axum::http::Request::builder()
            .uri("/verify")
            .header(axum::http::header::COOKIE, cookies)
            .body(axum::body::Body::empty())
            .unwrap();
        let page = app.send(request).await.text();
        let expected = if cookies == "xc_elder=1" {
            "class=\"elder\""
        } else {
            "Verify a credential"
        };
        assert!(page.contains(expected), "{cookies}: {page}");
    }
}
