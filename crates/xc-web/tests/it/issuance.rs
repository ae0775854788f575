//! Credentials are issued as outcomes become recognised (issue 4): a single submission
//! recognised automatically and a reviewer's acceptance at once, a batch in the background
//! after its commit, and an outcome recognised but not yet issued is picked up by the next walk.
//! After each issuance the latest signed tree head covers it. Runs on both engines.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;
use xc_credentials::{VerifyOptions, verify_credential};
use xc_domain::credit::OutcomeId;
use xc_issuer::verify_tree_head_signatures;

use crate::app::TestApp;
use crate::bank_fixture::{calligraphy, publish_calligraphy, queued, submit};

/// Waits (with a deadline, never a blind sleep) until `outcome` has its credential.
async fn credential_of(app: &TestApp, outcome: OutcomeId) -> xc_store::IssuedCredentialRecord {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(credential) = app.store.outcome_credential(outcome).await.unwrap() {
            return credential;
        }
        assert!(
            Instant::now() < deadline,
            "no credential for outcome {outcome:?} after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn latest_head_size(app: &TestApp) -> u64 {
    app.store
        .latest_tree_head()
        .await
        .unwrap()
        .map_or(0, |head| head.head.size)
}

#[tokio::test]
async fn a_recognised_submission_and_an_acceptance_are_issued_at_once() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;

    let response = submit(
        &app,
        &provider,
        calligraphy("C-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let recognised = OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
    let credential = app
        .store
        .outcome_credential(recognised)
        .await
        .unwrap()
        .expect("issued with the submission");
    assert_eq!(credential.learner, app.huangpu_learner);
    assert_eq!(credential.log_index, 0);
    assert_eq!(
        latest_head_size(&app).await,
        1,
        "the head covers the issuance"
    );

    // Submitting the same outcome again issues nothing more.
    let again = submit(
        &app,
        &provider,
        calligraphy("C-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(again.json()["already_stored"], true);
    assert_eq!(app.store.log_size().await.unwrap(), 1);

    let in_review = queued(&app, &provider, "C-2", &app.huangpu_national_id).await;
    let in_review = OutcomeId::new(in_review);
    assert_eq!(app.store.outcome_credential(in_review).await.unwrap(), None);
    let decided = app
        .json(
            Method::POST,
            &format!("/api/v1/outcomes/{}/decision", in_review.get()),
            json!({"decision": "accept", "level": 2, "credits": 1, "reason": "同等学习量"}),
            Some(&bank),
        )
        .await;
    assert!(decided.status.is_success(), "{}", decided.text());
    let accepted = app
        .store
        .outcome_credential(in_review)
        .await
        .unwrap()
        .expect("issued with the acceptance");
    assert_eq!(accepted.log_index, 1);
    let head = app.store.latest_tree_head().await.unwrap().unwrap();
    assert_eq!(head.head.size, 2);

    // A rejection issues nothing.
    let rejected = OutcomeId::new(queued(&app, &provider, "C-3", &app.huangpu_national_id).await);
    let decided = app
        .json(
            Method::POST,
            &format!("/api/v1/outcomes/{}/decision", rejected.get()),
            json!({"decision": "reject", "reason": "材料不全"}),
            Some(&bank),
        )
        .await;
    assert!(decided.status.is_success(), "{}", decided.text());
    assert_eq!(app.store.outcome_credential(rejected).await.unwrap(), None);
    assert_eq!(app.store.log_size().await.unwrap(), 2);

    // What was issued verifies with the issuer's keys, and so does the head.
    let issuer = app.issuer.keys();
    let now = time::OffsetDateTime::now_utc();
    for credential in [&credential, &accepted] {
        let document: serde_json::Value = serde_json::from_str(&credential.document).unwrap();
        assert_eq!(document["issuer"]["id"], "did:web:bank.example.org");
        verify_credential(
            &document,
            issuer.keyring(),
            &VerifyOptions::assertion_at(now),
            app.issuer.canonicaliser(),
        )
        .unwrap();
    }
    verify_tree_head_signatures(&head, issuer.keyring()).unwrap();
}

#[tokio::test]
async fn a_batch_is_issued_after_its_commit_with_whatever_was_still_owed() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;

    // An outcome recognised but never issued (as if issuance had failed): stored directly.
    let owed = crate::app::store_recognised_without_credential(&app, "OWED-1").await;
    assert_eq!(app.store.outcome_credential(owed).await.unwrap(), None);

    let items = json!([
        calligraphy("B-1", &app.huangpu_national_id),
        calligraphy("B-2", &app.xuhui_national_id),
        calligraphy("B-3", &app.provider_national_id),
    ]);
    let stored = app
        .json(
            Method::POST,
            "/api/v1/outcome-batches",
            json!({ "items": items }),
            Some(&provider),
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    assert_eq!(stored.json()["recognised"], 3);
    let external: Vec<String> = ["B-1", "B-2", "B-3"].map(String::from).to_vec();
    let batch = app
        .store
        .find_outcomes_by_external_id(xc_domain::InstitutionId::new(1), &external)
        .await
        .unwrap();
    assert_eq!(batch.len(), 3);
    let mut learners = Vec::new();
    for (_, id) in &batch {
        learners.push(credential_of(&app, *id).await.learner);
    }
    learners.sort();
    let mut expected = vec![app.huangpu_learner, app.xuhui_learner, app.provider_learner];
    expected.sort();
    assert_eq!(
        learners, expected,
        "each credential is issued to its learner"
    );
    credential_of(&app, owed).await;
    // The head is signed after the walk's chunk, so it covers all four.
    let deadline = Instant::now() + Duration::from_secs(60);
    while latest_head_size(&app).await < 4 {
        assert!(Instant::now() < deadline, "no head covers the batch");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.store.log_size().await.unwrap(), 4);
}
