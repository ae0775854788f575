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
