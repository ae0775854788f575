//! Revocation and suspension (issue 4): credit-bank staff change a credential's status with a
//! reason; the change is audited, appended to the log as a status-change entry, and shows in
//! the signed status list the credential points at, which a verifier checks with
//! xc-credentials. Everyone else is refused; bad input names the field.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use xc_credentials::VerifyOptions;
use xc_credentials::status_list::check_credential_status;
use xc_domain::credit::OutcomeId;

use crate::app::TestApp;
use crate::bank_fixture::{calligraphy, publish_calligraphy, submit};

async fn issued(app: &TestApp, external_id: &str) -> (String, Value) {
    let provider = app.sign_in("provider").await;
    let response = submit(
        app,
        &provider,
        calligraphy(external_id, &app.huangpu_national_id),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let outcome = OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
    let credential = app
        .store
        .outcome_credential(outcome)
        .await
        .unwrap()
        .unwrap();
    let document = serde_json::from_str(&credential.document).unwrap();
    (credential.id, document)
}

/// The credential's status as a verifier finds it: through the status lists served over HTTP.
async fn status_seen(app: &TestApp, credential: &Value) -> (bool, bool) {
    let mut lists = Vec::new();
    for entry in credential["credentialStatus"].as_array().unwrap() {
        let url = entry["statusListCredential"].as_str().unwrap();
        let path = url.strip_prefix(crate::app::TEST_BASE_URL).unwrap();
        let response = app.get(path, None).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        lists.push((url.to_owned(), response.json()));
    }
    let report = check_credential_status(
        credential,
        &|url| {
            lists
                .iter()
                .find(|(u, _)| u == url)
                .map(|(_, list)| list.clone())
        },
        app.issuer.keys().keyring(),
        &VerifyOptions::assertion_at(time::OffsetDateTime::now_utc()),
        app.issuer.canonicaliser(),
    )
    .unwrap();
    (report.is_revoked(), report.is_suspended())
}

#[tokio::test]
async fn staff_suspend_reinstate_and_revoke_and_verifiers_see_it() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let (id, credential) = issued(&app, "S-1").await;
    let (other_id, other) = issued(&app, "S-2").await;
    let entries = credential["credentialStatus"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["statusPurpose"], "revocation");
    assert_eq!(
        entries[1]["statusListCredential"],
        "https://bank.example.org/credentials/status/suspension/0"
    );
    assert_eq!(status_seen(&app, &credential).await, (false, false));

    let uri = format!("/api/v1/credentials/{id}/status");
    let change = |action: &str, reason: &str| json!({"action": action, "reason": reason});
    let suspended = app
        .json(
            Method::POST,
            &uri,
            change("suspend", "证书真实性核查中"),
            Some(&bank),
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::CREATED,
        "{}",
        suspended.text()
    );
    assert_eq!(
        suspended.json()["status"],
        json!({"revoked": false, "suspended": true})
    );
    assert_eq!(status_seen(&app, &credential).await, (false, true));
    assert_eq!(
        status_seen(&app, &other).await,
        (false, false),
        "only this one"
    );

    let reinstated = app
        .json(
            Method::POST,
            &uri,
            change("reinstate", "核查无误"),
            Some(&bank),
        )
        .await;
    assert_eq!(
        reinstated.status,
        StatusCode::CREATED,
        "{}",
        reinstated.text()
    );
    assert_eq!(status_seen(&app, &credential).await, (false, false));
    let revoked = app
        .json(
            Method::POST,
            &uri,
            change("revoke", "成果系误报"),
            Some(&bank),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::CREATED, "{}", revoked.text());
    assert_eq!(status_seen(&app, &credential).await, (true, false));

    // Every change: audited with its reason, in the log as a status-change entry under a head.
    let read = app.get(&uri, Some(&bank)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    let read = read.json();
    assert_eq!(read["status"], json!({"revoked": true, "suspended": false}));
    let actions: Vec<&str> = read["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["suspend", "reinstate", "revoke"]);
    let log_index = read["changes"][2]["log_index"].as_u64().unwrap();
    let entry = &app
        .get(&format!("/log/entries?from={log_index}&limit=1"), None)
        .await
        .json()["entries"][0];
    assert_eq!(entry["kind"], "status_change");
    assert_eq!(entry["subject"], id.as_str());
    let bytes: Value =
        serde_json::from_slice(&hex::decode(entry["entry"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(bytes["action"], "revoke");
    assert_eq!(bytes["statusPurpose"], "revocation");
    assert!(
        bytes.get("reason").is_none(),
        "reasons stay out of the public log"
    );
    let head = app.get("/log/tree-head", None).await.json();
    assert_eq!(
        head["tree_size"],
        log_index + 1,
        "the head covers the change"
    );
    let audit = app
        .store
        .list_audit(
            &xc_store::AuditFilter {
                action: Some("credential.revoke".into()),
                ..Default::default()
            },
            xc_store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    assert_eq!(audit.items[0].subject_id, id);
    assert_eq!(audit.items[0].detail["reason"], "成果系误报");

    // A revocation is final; bad input names the field; the other credential is untouched.
    for (body, field) in [
        (change("reinstate", "x"), "action"),
        (change("suspend", "x"), "action"),
        (change("delete", "x"), "action"),
        (json!({"action": "revoke"}), "reason"),
        (
            json!({"action": "revoke", "reason": "x", "extra": 1}),
            "extra",
        ),
    ] {
        let refused = app
            .json(Method::POST, &uri, body.clone(), Some(&bank))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.text()
        );
        assert_eq!(refused.json()["error"]["field"], field, "{body}");
    }
    let other_uri = format!("/api/v1/credentials/{other_id}/status");
    let blank = app
        .json(
            Method::POST,
            &other_uri,
            change("revoke", "   "),
            Some(&bank),
        )
        .await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blank.text()
    );
    assert_eq!(blank.json()["error"]["field"], "reason");
    let unknown = app
        .json(
            Method::POST,
            "/api/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000/status",
            change("revoke", "x"),
            Some(&bank),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(status_seen(&app, &other).await, (false, false));
}

#[tokio::test]
async fn only_credit_bank_staff_change_a_status_and_lists_are_public() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let (id, _) = issued(&app, "P-1").await;
    let uri = format!("/api/v1/credentials/{id}/status");
    let body = json!({"action": "revoke", "reason": "x"});
    assert_eq!(
        app.json(Method::POST, &uri, body.clone(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    for user in ["citizen-huangpu", "provider", "admin-huangpu"] {
        let session = app.sign_in(user).await;
        let refused = app
            .json(Method::POST, &uri, body.clone(), Some(&session))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(
            app.get(&uri, Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    assert_eq!(
        app.store.credential_status_changes(None).await.unwrap(),
        vec![]
    );
    for (uri, status) in [
        ("/credentials/status/revocation/0", StatusCode::OK),
        ("/credentials/status/suspension/0", StatusCode::OK),
        ("/credentials/status/revocation/1", StatusCode::NOT_FOUND),
        ("/credentials/status/refresh/0", StatusCode::NOT_FOUND),
        ("/credentials/status/revocation/x", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(app.get(uri, None).await.status, status, "{uri}");
    }
    let list = app
        .get("/credentials/status/revocation/0", None)
        .await
        .json();
    assert_eq!(list["type"][1], "BitstringStatusListCredential");
    assert_eq!(list["issuer"], "did:web:bank.example.org");
    assert_eq!(list["proof"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_staff_page_finds_a_learners_credentials_and_changes_their_status() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let (id, credential) = issued(&app, "G-1").await;
    let learner = app.huangpu_learner.get().to_string();

    let empty = app.get("/bank/credentials", Some(&bank)).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("已签发凭证的状态"));
    let page = app
        .get(&format!("/bank/credentials?find={learner}"), Some(&bank))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(&id) && html.contains("书法") && html.contains("有效"),
        "{html}"
    );
    assert_eq!(
        app.audit_count("credential.list").await,
        1,
        "a staff read is audited"
    );
    let english = app
        .get_with_cookies(&format!("/bank/credentials?find={id}"), &bank, "xc_lang=en")
        .await
        .text();
    assert!(english.contains("Status of issued credentials") && english.contains("Active"));
    let bad = app.get("/bank/credentials?find=someone", Some(&bank)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let token = crate::app::csrf_of(&html);
    let refused = app
        .form(
            "/bank/credentials",
            &[
                ("csrf", token.as_str()),
                ("credential", id.as_str()),
                ("action", "suspend"),
                ("reason", " "),
                ("find", learner.as_str()),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let suspended = app
        .form(
            "/bank/credentials",
            &[
                ("csrf", token.as_str()),
                ("credential", id.as_str()),
                ("action", "suspend"),
                ("reason", "待核查"),
                ("find", learner.as_str()),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::SEE_OTHER,
        "{}",
        suspended.text()
    );
    assert_eq!(status_seen(&app, &credential).await, (false, true));
    let html = app
        .get(
            &format!("/bank/credentials?find={learner}&changed=1"),
            Some(&bank),
        )
        .await
        .text();
    assert!(
        html.contains("已暂停") && html.contains("待核查") && html.contains("value=\"reinstate\""),
        "{html}"
    );

    // Elder mode renders the same page; other roles are refused.
    let elder = app
        .get_with_cookies(
            &format!("/bank/credentials?find={learner}"),
            &bank,
            "xc_lang=en; xc_elder=1",
        )
        .await;
    assert_eq!(elder.status, StatusCode::OK);
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get("/bank/credentials", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
}
