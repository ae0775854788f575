//! The issuer's public endpoints (issue 4), without signing in: DID document and JWKS, signed
//! tree heads, inclusion and consistency proofs (checked with xc-merkle against the signed head
//! fetched over HTTP), log entries and credentials by id; bad parameters name the parameter.

use axum::http::StatusCode;
use serde_json::Value;
use xc_credentials::{VerifyOptions, verify_credential};
use xc_merkle::{Hash, InclusionProof, verify_consistency_proof};

use crate::app::{TestApp, TestResponse};
use crate::bank_fixture::{calligraphy, publish_calligraphy, submit};

fn hash(value: &Value) -> Hash {
    Hash::parse_hex(value.as_str().unwrap()).unwrap()
}

fn path(value: &Value) -> Vec<Hash> {
    value.as_array().unwrap().iter().map(hash).collect()
}

fn assert_error(response: &TestResponse, status: StatusCode, code: &str, field: Option<&str>) {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json();
    assert_eq!(body["error"]["code"], code, "{}", response.text());
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], field, "{}", response.text());
    }
}

/// An app with `count` credentials issued (one submission each), so `count` signed heads.
async fn app_with_credentials(count: usize) -> (TestApp, Vec<String>) {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    publish_calligraphy(&app, &bank).await;
    let provider = app.sign_in("provider").await;
    let mut ids = Vec::new();
    for n in 0..count {
        let response = submit(
            &app,
            &provider,
            calligraphy(&format!("T-{n}"), &app.huangpu_national_id),
        )
        .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let outcome =
            xc_domain::credit::OutcomeId::new(response.json()["outcome_id"].as_i64().unwrap());
        ids.push(
            app.store
                .outcome_credential(outcome)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    (app, ids)
}

#[tokio::test]
async fn the_did_document_and_jwks_publish_the_issuer_keys() {
    let app = TestApp::new().await;
    let did = app.get("/.well-known/did.json", None).await;
    assert_eq!(did.status, StatusCode::OK);
    let document = did.json();
    assert_eq!(document["id"], "did:web:bank.example.org");
    assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 2);
    assert_eq!(document, app.issuer.keys().did_document());
    let jwks = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, StatusCode::OK);
    let keys = jwks.json()["keys"].as_array().unwrap().clone();
    assert_eq!(
        keys.iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "did:web:bank.example.org#ed25519-1",
            "did:web:bank.example.org#sm2-1"
        ]
    );
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[1]["crv"], "SM2");
}

#[tokio::test]
async fn the_log_is_served_and_its_proofs_check_against_the_signed_head() {
    let (app, credentials) = app_with_credentials(3).await;
    let head = app.get("/log/tree-head", None).await;
    assert_eq!(head.status, StatusCode::OK, "{}", head.text());
    let head = head.json();
    assert_eq!(head["tree_size"], 3);
    assert_eq!(head["signatures"].as_array().unwrap().len(), 2);
    // The head verifies with the issuer's keys exactly as served.
    let stored = app.store.tree_head_of_size(3).await.unwrap();
    assert_eq!(head["root_hash"], stored.head.root_hash.to_hex());
    assert_eq!(head["timestamp"], stored.head.timestamp_ms);
    for (served, signature) in head["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&stored.signatures)
    {
        assert_eq!(served["signature"], hex::encode(&signature.signature));
    }
    xc_issuer::verify_tree_head_signatures(&stored, app.issuer.keys().keyring()).unwrap();
    let root = hash(&head["root_hash"]);

    // Each credential fetched over HTTP: verifies, its leaf is recomputed from the credential
    // alone, and its inclusion proof (fetched by credential id) leads to the signed root.
    for (index, id) in credentials.iter().enumerate() {
        let response = app.get(&format!("/credentials/{id}"), None).await;
        assert_eq!(response.status, StatusCode::OK);
        let credential = response.json();
        assert_eq!(&credential["id"], id);
        let now = time::OffsetDateTime::now_utc();
        verify_credential(
            &credential,
            app.issuer.keys().keyring(),
            &VerifyOptions::assertion_at(now),
            app.issuer.canonicaliser(),
        )
        .unwrap();
        let issued_at = time::OffsetDateTime::parse(
            credential["validFrom"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let leaf = xc_merkle::hash_leaf(&xc_issuer::issuance_entry(&credential, issued_at));
        for query in [
            format!("/log/proof/inclusion?tree_size=3&credential={id}"),
            format!("/log/proof/inclusion?tree_size=3&leaf_index={index}"),
        ] {
            let proof = app.get(&query, None).await;
            assert_eq!(proof.status, StatusCode::OK, "{}", proof.text());
            let proof = proof.json();
            assert_eq!(proof["leaf_index"], index as u64);
            assert_eq!(hash(&proof["leaf_hash"]), leaf);
            InclusionProof {
                leaf_index: index as u64,
                tree_size: 3,
                path: path(&proof["inclusion_path"]),
            }
            .verify(&leaf, &root)
            .unwrap();
        }
        // The bare UUID names it too.
        let bare = id.trim_start_matches("urn:uuid:");
        assert_eq!(
            app.get(&format!("/credentials/{bare}"), None).await.status,
            StatusCode::OK
        );
    }

    // Consistency between the heads signed after the first and the third issuance.
    let first = app.get("/log/tree-heads/1", None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let first_root = hash(&first.json()["root_hash"]);
    let proof = app
        .get("/log/proof/consistency?first=1&second=3", None)
        .await;
    assert_eq!(proof.status, StatusCode::OK, "{}", proof.text());
    verify_consistency_proof(
        1,
        3,
        &first_root,
        &root,
        &path(&proof.json()["consistency_path"]),
    )
    .unwrap();

    // Entries: the issuance entries, whose leaf hashes are the proofs' leaves.
    let entries = app.get("/log/entries?from=1&limit=5", None).await;
    assert_eq!(entries.status, StatusCode::OK, "{}", entries.text());
    let entries = entries.json();
    assert_eq!(entries["log_size"], 3);
    let listed = entries["entries"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["index"], 1);
    assert_eq!(listed[0]["kind"], "issuance");
    assert_eq!(listed[0]["subject"], credentials[1].as_str());
    let bytes = hex::decode(listed[0]["entry"].as_str().unwrap()).unwrap();
    assert_eq!(hash(&listed[0]["leaf_hash"]), xc_merkle::hash_leaf(&bytes));
    let text: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(text["type"], "issuance");
}

#[tokio::test]
async fn bad_parameters_are_named_and_unknown_things_are_404() {
    let app = TestApp::new().await;
    assert_error(
        &app.get("/log/tree-head", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let (app, _) = app_with_credentials(2).await;
    for (uri, status, code, field) in [
        (
            "/log/tree-heads/7",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            "/log/tree-heads/seven",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("size"),
        ),
        (
            "/log/proof/inclusion?tree_size=3&leaf_index=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("tree_size"),
        ),
        (
            "/log/proof/inclusion?tree_size=0&leaf_index=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("tree_size"),
        ),
        (
            "/log/proof/inclusion?tree_size=2&leaf_index=2",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("leaf_index"),
        ),
        (
            "/log/proof/inclusion?tree_size=2",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("leaf_index"),
        ),
        (
            "/log/proof/inclusion?tree_size=2&leaf_index=x",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("leaf_index"),
        ),
        (
            "/log/proof/inclusion?leaf_index=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("tree_size"),
        ),
        (
            "/log/proof/inclusion?tree_size=2&leaf_index=0&extra=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("extra"),
        ),
        (
            "/log/proof/inclusion?tree_size=2&credential=urn:uuid:nothing",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            "/log/proof/consistency?first=2&second=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("first"),
        ),
        (
            "/log/proof/consistency?first=0&second=2",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("first"),
        ),
        (
            "/log/proof/consistency?first=1&second=3",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("second"),
        ),
        (
            "/log/entries?limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("limit"),
        ),
        (
            "/log/entries?limit=1001",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("limit"),
        ),
        (
            "/log/entries?from=3",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("from"),
        ),
        (
            "/credentials/urn:uuid:00000000-0000-4000-8000-000000000000",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
    ] {
        assert_error(&app.get(uri, None).await, status, code, field);
    }
    // The end of the log is an empty page, not an error.
    let end = app.get("/log/entries?from=2", None).await;
    assert_eq!(end.status, StatusCode::OK);
    assert_eq!(end.json()["entries"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_openapi_document_describes_the_public_endpoints() {
    let app = TestApp::new().await;
    let document = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        "/log/tree-head",
        "/log/tree-heads/{size}",
        "/log/proof/inclusion",
        "/log/proof/consistency",
        "/log/entries",
        "/credentials/{id}",
    ] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is not documented"
        );
    }
}
