//! A learner's own credentials (issue 4): the list with statuses, the printable certificate with
//! the QR code of the credential's public URL, and the JSON download; another learner's
//! credential is 404; elder mode and English render.

use axum::http::{StatusCode, header};
use xc_domain::credit::OutcomeId;

use crate::app::TestApp;
use crate::bank_fixture::{calligraphy, publish_calligraphy, submit};

#[tokio::test]
async fn a_learner_lists_prints_and_downloads_their_own_credentials() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let citizen = app.sign_in("citizen-huangpu").await;

    let none = app.get("/me/credentials", Some(&citizen)).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.text().contains("还没有凭证"), "{}", none.text());

    let response = submit(
        &app,
        &provider,
        calligraphy("M-1", &app.huangpu_national_id),
    )
    .await;
    let outcome = OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
    let credential = app
        .store
        .outcome_credential(outcome)
        .await
        .unwrap()
        .unwrap();
    let uuid = credential.id.trim_start_matches("urn:uuid:").to_owned();

    let list = app.get("/me/credentials", Some(&citizen)).await.text();
    assert!(
        list.contains("书法")
            && list.contains(&format!("/me/credentials/{uuid}"))
            && list.contains("有效"),
        "{list}"
    );

    let certificate = app
        .get(&format!("/me/credentials/{uuid}"), Some(&citizen))
        .await;
    assert_eq!(certificate.status, StatusCode::OK, "{}", certificate.text());
    let html = certificate.text();
    assert!(html.contains("<svg"), "the QR code is in the page");
    assert!(
        html.contains(&format!("https://bank.example.org/credentials/{uuid}")),
        "{html}"
    );
    assert!(
        html.contains("资历框架第2级") && html.contains(&credential.id),
        "{html}"
    );

    let download = app
        .get(&format!("/me/credentials/{uuid}/download"), Some(&citizen))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        download.text(),
        credential.document,
        "byte for byte as issued"
    );

    for mode in ["xc_lang=en", "xc_lang=en; xc_elder=1", "xc_elder=1"] {
        let page = app
            .get_with_cookies(&format!("/me/credentials/{uuid}"), &citizen, mode)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{mode}");
        let list = app
            .get_with_cookies("/me/credentials", &citizen, mode)
            .await;
        assert_eq!(list.status, StatusCode::OK, "{mode}");
    }
    assert!(
        app.get_with_cookies("/me/credentials", &citizen, "xc_lang=en")
            .await
            .text()
            .contains("My credentials")
    );

    // Someone else's credential does not exist for this learner; signed out, sign in first.
    let other = app.sign_in("citizen-xuhui").await;
    for uri in [
        format!("/me/credentials/{uuid}"),
        format!("/me/credentials/{uuid}/download"),
    ] {
        assert_eq!(
            app.get(&uri, Some(&other)).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    assert_eq!(
        app.get("/me/credentials/nothing", Some(&citizen))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let signed_out = app.get("/me/credentials", None).await;
    assert!(signed_out.status.is_redirection());
}

#[tokio::test]
async fn the_whole_archive_downloads_as_a_signed_clr_that_verifies() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let citizen = app.sign_in("citizen-huangpu").await;

    // Nothing issued yet: nothing to put in a CLR.
    let empty = app.get("/me/credentials/clr.json", Some(&citizen)).await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.text()
    );
    // ... and the page offers no CLR download.
    let none = app.get("/me/credentials", Some(&citizen)).await.text();
    assert!(!none.contains("/me/credentials/clr.json"), "{none}");

    let mut issued = Vec::new();
    for external in ["M-1", "M-2"] {
        let response = submit(
            &app,
            &provider,
            calligraphy(external, &app.huangpu_national_id),
        )
        .await;
        let outcome = OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
        let credential = app
            .store
            .outcome_credential(outcome)
            .await
            .unwrap()
            .unwrap();
        issued.push(serde_json::from_str::<serde_json::Value>(&credential.document).unwrap());
    }
    let list = app.get("/me/credentials", Some(&citizen)).await.text();
    assert!(list.contains("/me/credentials/clr.json"), "{list}");

    let download = app.get("/me/credentials/clr.json", Some(&citizen)).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.text());
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let clr: serde_json::Value = download.json();
    assert_eq!(
        clr["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        clr["type"],
        serde_json::json!(["VerifiableCredential", "ClrCredential"])
    );
    assert_eq!(
        clr["credentialSubject"]["type"],
        serde_json::json!(["ClrSubject"])
    );
    let inside = clr["credentialSubject"]["verifiableCredential"]
        .as_array()
        .unwrap();
    assert_eq!(inside.len(), 2);
    for credential in &issued {
        assert!(inside.contains(credential), "each credential as issued");
    }
    assert!(!download.text().contains("黄浦学员"), "no name in clear");

    // The CLR's own proofs (all three suites) and each credential inside verify with the
    // issuer's keys through the existing verifier.
    let canonicaliser =
        xc_credentials::Canonicaliser::new(xc_credentials::ContextLoader::bundled());
    // The credentials were issued on the system clock, the CLR on the app's, which starts 5 s
    // into the test's minute and so may be up to 5 s ahead of the system: judge both at the
    // later of the two.
    let options = xc_credentials::VerifyOptions::assertion_at(
        time::OffsetDateTime::now_utc().max(app.clock.now()),
    );
    let keys = app.issuer.keys().keyring();
    let verified = xc_credentials::verify_credential(&clr, keys, &options, &canonicaliser)
        .unwrap_or_else(|error| panic!("the CLR verifies: {error}"));
    assert_eq!(verified.proofs.len(), 3, "{verified:?}");
    for credential in inside {
        xc_credentials::verify_credential(credential, keys, &options, &canonicaliser).unwrap();
    }
    // A changed credential inside breaks the CLR's proofs.
    let mut altered = clr.clone();
    altered["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["creditsEarned"] =
        serde_json::json!(99);
    assert!(xc_credentials::verify_credential(&altered, keys, &options, &canonicaliser).is_err());

    // Only one's own: another learner's CLR holds none of these.
    let other = app.sign_in("citizen-xuhui").await;
    assert_eq!(
        app.get("/me/credentials/clr.json", Some(&other))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
