//! Mutual recognition between cities (issue 4 §8) with two instances of the app on loopback:
//! real TCP listeners, separate stores (two SQLite files, or two PostgreSQL databases when
//! `XUECHENG_TEST_DATABASE_URL` is set) and separate issuer keys. Bank A issues a credential of a
//! recognised outcome; bank B puts A on its trust list by A's address (fetching A's DID document
//! over HTTP), a learner brings A's credential to B, and B verifies it with the pinned keys,
//! fetches its status and log inclusion from A, and records it as an external outcome with its
//! provenance, recognised by B's own standards.
//!
//! The same over real TLS: bank A served over HTTPS on loopback with a certificate for
//! 127.0.0.1 issued by a CA made for the test (as a government network's own PKI would issue
//! it); bank B trusts that CA through its extra roots, or does not.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use xc_web::bank_client::{BankClient, ExtraRoots, PlainHttp};

use crate::app::{Session, TestApp, store_recognised_without_credential};
use crate::bank_fixture::publish_calligraphy;

/// An app serving on a loopback port of its own, as another city's bank would.
struct Served {
    app: TestApp,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An app serving plain HTTP on a loopback port (see [`served_with`]).
async fn served() -> Served {
    served_with(None).await
}

/// Binds first (so the port, and the DID, are known before the app is built), then serves:
/// plain HTTP, or HTTPS with the test PKI's certificate for 127.0.0.1 (the DID is then
/// `did:web:127.0.0.1%3A<port>` all the same).
async fn served_with(tls: Option<&TestPki>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let app = TestApp::at(&base_url).await;
    let router = app.router.clone();
    let server = match tls {
        None => tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        }),
        Some(pki) => {
            let listener = TlsListener {
                tcp: listener,
                acceptor: tokio_rustls::TlsAcceptor::from(pki.server.clone()),
            };
            tokio::spawn(async move {
                axum::serve(listener, router.into_make_service())
                    .await
                    .unwrap();
            })
        }
    };
    Served {
        app,
        base_url,
        server,
    }
}

/// A certificate authority made for the test and the server certificate it issued for
/// 127.0.0.1, with the CA's certificate written as a PEM file (for `ExtraRoots::read`).
struct TestPki {
    server: Arc<rustls::ServerConfig>,
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn test_pki() -> TestPki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "政务外网测试根证书");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "杭州市学分银行");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().unwrap();
    let server_certificate = params.signed_by(&server_key, &ca).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![server_certificate.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    TestPki {
        server: Arc::new(server),
        ca_file,
        _dir: dir,
    }
}

/// A client for other banks that trusts the test CA besides the bundled roots.
fn client_trusting(pki: &TestPki) -> BankClient {
    let roots = ExtraRoots::read(&pki.ca_file).unwrap();
    assert_eq!(roots.len(), 1);
    BankClient::new(&roots, PlainHttp::LoopbackOnly)
}

/// Accepts TCP connections and completes the TLS handshake before handing them to axum; a
/// client that refuses the certificate ends its handshake, and the next is waited for.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, address)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A recognised outcome of bank A's provider for its Huangpu learner, issued its credential.
async fn issue_in(bank: &Served, external_id: &str) -> Value {
    let outcome = store_recognised_without_credential(&bank.app, external_id).await;
    let issued = bank
        .app
        .issuer
        .issue_for(&*bank.app.store, &[outcome])
        .await
        .unwrap();
    serde_json::from_str(&issued[0].document).unwrap()
}

/// Credit-bank staff of `app` put the bank at `base_url` on the trust list (through the API).
async fn add_bank(app: &TestApp, staff: &Session, base_url: &str) -> crate::app::TestResponse {
    app.json(
        Method::POST,
        "/api/v1/trusted-banks",
        json!({"name": "杭州市学分银行", "base_url": base_url}),
        Some(staff),
    )
    .await
}

/// Credit-bank staff of `app` refresh trust-list entry `id` (through the API).
async fn refresh_bank(app: &TestApp, staff: &Session, id: i64) -> crate::app::TestResponse {
    app.json(
        Method::POST,
        &format!("/api/v1/trusted-banks/{id}/refresh"),
        json!({}),
        Some(staff),
    )
    .await
}

async fn bring(app: &TestApp, learner: &Session, credential: &Value) -> crate::app::TestResponse {
    app.json(
        Method::POST,
        "/api/v1/me/external-credentials",
        json!({ "credential": credential }),
        Some(learner),
    )
    .await
}

/// The JSON text of `value` with every object's members in reverse order and other spacing.
fn reversed_text(value: &Value) -> String {
    match value {
        Value::Object(members) => {
            let inner: Vec<String> = members
                .iter()
                .rev()
                .map(|(key, value)| {
                    format!("{} :  {}", Value::String(key.clone()), reversed_text(value))
                })
                .collect();
            format!("{{\n  {}\n}}", inner.join(" ,\n  "))
        }
        Value::Array(items) => format!(
            "[ {} ]",
            items
                .iter()
                .map(reversed_text)
                .collect::<Vec<_>>()
                .join(" , ")
        ),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_credential_of_a_trusted_bank_becomes_an_outcome_here_with_its_provenance() {
    let a = served().await;
    let b = served().await;
    let a_staff = a.app.sign_in("bank").await;
    publish_calligraphy(&a.app, &a_staff).await;
    let credential = issue_in(&a, "HZ-1").await;
    let a_did = format!(
        "did:web:{}",
        a.base_url.trim_start_matches("http://").replace(':', "%3A")
    );
    assert_eq!(credential["issuer"]["id"], a_did.as_str());

    let learner = b.app.sign_in("citizen-huangpu").await;
    let b_staff = b.app.sign_in("bank").await;

    // B does not list A yet: refused with the reason, nothing stored.
    let untrusted = bring(&b.app, &learner, &credential).await;
    assert_eq!(
        untrusted.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        untrusted.text()
    );
    assert_eq!(untrusted.error_code(), "untrusted_issuer");
    assert_eq!(untrusted.error_field(), "credential");
    assert!(
        untrusted.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&a_did)
    );
    assert_eq!(b.app.audit_count("external_credential.accept").await, 0);

    // Credit-bank staff of B add A by its address: A's DID document is fetched, its keys pinned.
    let added = add_bank(&b.app, &b_staff, &format!("{}/", a.base_url)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let bank = added.json();
    assert_eq!(bank["did"], a_did.as_str());
    assert_eq!(bank["base_url"], a.base_url.as_str());
    let pinned: Vec<&str> = bank["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["key_id"].as_str().unwrap())
        .collect();
    assert_eq!(pinned.len(), 2, "{bank}");
    assert!(
        pinned.contains(&format!("{a_did}#ed25519-1").as_str()),
        "{pinned:?}"
    );
    assert!(
        pinned.contains(&format!("{a_did}#sm2-1").as_str()),
        "{pinned:?}"
    );
    assert_eq!(b.app.audit_count("trust_list.add").await, 1);
    let institution = bank["institution_id"].as_i64().unwrap();

    // An altered credential (one value changed) is refused with the reason.
    let mut altered = credential.clone();
    altered["credentialSubject"]["achievement"]["name"] = json!("书法(行书)");
    let refused = bring(&b.app, &learner, &altered).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_code(), "credential_altered");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signature does not match"),
        "{}",
        refused.text()
    );

    // The credential as issued: accepted, with provenance, into B's review queue (B has no
    // specification for A's outcomes yet).
    let accepted = bring(&b.app, &learner, &credential).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());
    let body = accepted.json();
    assert_eq!(body["stored_now"], true);
    let outcome = &body["outcome"];
    assert_eq!(outcome["provider_id"], institution);
    assert_eq!(outcome["learner_id"], b.app.huangpu_learner.get());
    assert_eq!(outcome["external_id"], credential["id"]);
    assert_eq!(outcome["status"], "in_review");
    assert_eq!(outcome["title"], "书法(楷书)");
    let provenance = &body["provenance"];
    assert_eq!(provenance["issuer"], a_did.as_str());
    assert_eq!(provenance["bank_name"], "杭州市学分银行");
    assert_eq!(provenance["credential_id"], credential["id"]);
    assert_eq!(
        provenance["verified_with"].as_array().unwrap().len(),
        3,
        "{provenance}"
    );
    assert_eq!(
        provenance["status_check"], "active",
        "A's status list was fetched"
    );
    assert!(
        provenance["inclusion_check"]
            .as_str()
            .unwrap()
            .starts_with("included at"),
        "A's log was asked: {provenance}"
    );
    let outcome_id = outcome["id"].as_i64().unwrap();
    let stored = b
        .app
        .store
        .external_outcome(xc_domain::credit::OutcomeId::new(outcome_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&stored.provenance.document).unwrap(),
        credential,
        "the credential is kept as brought"
    );
    assert_eq!(
        stored.provenance.credential_sha256,
        hex::encode(Sha256::digest(stored.provenance.document.as_bytes()))
    );
    let queue = b
        .app
        .get("/api/v1/review-queue", Some(&b_staff))
        .await
        .json();
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == outcome_id),
        "B's review queue holds it: {queue}"
    );
    let case = b
        .app
        .get(&format!("/bank/review/{outcome_id}"), Some(&b_staff))
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(
        case.text().contains(credential["id"].as_str().unwrap()),
        "the reviewer sees the provenance"
    );
    assert_eq!(b.app.audit_count("external_credential.accept").await, 1);

    // Twice: nothing stored again; another learner cannot bring it at all.
    let again = bring(&b.app, &learner, &credential).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["stored_now"], false);
    assert_eq!(again.json()["outcome"]["id"], outcome_id);
    assert_eq!(b.app.audit_count("external_credential.accept").await, 1);
    let other = b.app.sign_in("citizen-xuhui").await;
    let claimed = bring(&b.app, &other, &credential).await;
    assert_eq!(claimed.status, StatusCode::CONFLICT, "{}", claimed.text());
    assert_eq!(claimed.error_field(), "credential");

    // B publishes its own standard for A's calligraphy course: the next credential, pasted with
    // its JSON members reordered and re-spaced, verifies and is recognised automatically by B.
    let spec = b
        .app
        .json(
            Method::POST,
            "/api/v1/specifications",
            json!({
                "provider_id": institution,
                "code": "HZ-SF-01",
                "kind": "community_course",
                "title": "书法（楷书）",
                "level": 2,
                "credits": "1.5",
            }),
            Some(&b_staff),
        )
        .await;
    assert_eq!(spec.status, StatusCode::CREATED, "{}", spec.text());
    let second = issue_in(&a, "HZ-2").await;
    let page = b.app.get("/me/credentials/bring", Some(&learner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let pasted = b
        .app
        .form(
            "/me/credentials/bring",
            &[("csrf", &learner.csrf), ("text", &reversed_text(&second))],
            &learner.cookie,
        )
        .await;
    assert_eq!(pasted.status, StatusCode::CREATED, "{}", pasted.text());
    assert!(pasted.text().contains("杭州市学分银行"));
    let mine = b
        .app
        .get("/api/v1/me/external-credentials", Some(&learner))
        .await
        .json();
    let credentials = mine["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 2, "{mine}");
    let newest = &credentials[0]["outcome"];
    assert_eq!(newest["external_id"], second["id"]);
    assert_eq!(
        newest["status"], "recognised",
        "B's own specification matched"
    );
    assert_eq!(newest["grant"]["credits"], "1.5", "B's credits, not A's");

    // The trust list page shows A; a refresh finds no new key and keeps the pinned ones.
    let list = b.app.get("/bank/trust", Some(&b_staff)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains(&a_did));
    let bank_id = bank["id"].as_i64().unwrap();
    let refreshed = refresh_bank(&b.app, &b_staff, bank_id).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    assert_eq!(refreshed.json()["new_keys"], 0);
    assert_eq!(
        refreshed.json()["bank"]["keys"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn adding_a_bank_refuses_what_is_not_one() {
    let a = served().await;
    let b = served().await;
    let staff = b.app.sign_in("bank").await;
    let add = |base_url: String| {
        let (app, staff) = (&b.app, staff.clone());
        async move { add_bank(app, &staff, &base_url).await }
    };
    // Nobody listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{address}")
    };
    let unreachable = add(closed).await;
    assert_eq!(
        unreachable.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        unreachable.text()
    );
    assert_eq!(unreachable.error_code(), "bank_unreachable");
    assert_eq!(unreachable.error_field(), "base_url");
    // A DID document served under another name: `localhost` is not the DID's host.
    let port = a.base_url.rsplit(':').next().unwrap();
    let mismatch = add(format!("http://localhost:{port}")).await;
    assert_eq!(
        mismatch.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        mismatch.text()
    );
    assert_eq!(mismatch.error_code(), "did_mismatch");
    // A path is not a bank's address.
    let path = add(format!("{}/credentials", a.base_url)).await;
    assert_eq!(path.error_field(), "base_url", "{}", path.text());
    assert_eq!(path.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A learner may not keep the trust list.
    let learner = b.app.sign_in("citizen-huangpu").await;
    let forbidden = b
        .app
        .json(
            Method::POST,
            "/api/v1/trusted-banks",
            json!({"name": "x", "base_url": a.base_url}),
            Some(&learner),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    // The same bank twice is a conflict; nothing else was stored.
    assert_eq!(add(a.base_url.clone()).await.status, StatusCode::CREATED);
    let twice = add(a.base_url.clone()).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    assert_eq!(twice.error_field(), "did");
    assert_eq!(b.app.audit_count("trust_list.add").await, 1);
    let listed = b
        .app
        .get("/api/v1/trusted-banks", Some(&staff))
        .await
        .json();
    assert_eq!(listed["banks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_revoked_credential_of_a_trusted_bank_is_refused() {
    let a = served().await;
    let b = served().await;
    let a_staff = a.app.sign_in("bank").await;
    publish_calligraphy(&a.app, &a_staff).await;
    let credential = issue_in(&a, "HZ-R").await;
    let revoked = a
        .app
        .json(
            Method::POST,
            &format!(
                "/api/v1/credentials/{}/status",
                credential["id"].as_str().unwrap()
            ),
            json!({"action": "revoke", "reason": "证书有误"}),
            Some(&a_staff),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::CREATED, "{}", revoked.text());
    let b_staff = b.app.sign_in("bank").await;
    let added = add_bank(&b.app, &b_staff, &a.base_url).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let learner = b.app.sign_in("citizen-huangpu").await;
    let refused = bring(&b.app, &learner, &credential).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_code(), "credential_revoked");
    assert_eq!(b.app.audit_count("external_credential.accept").await, 0);
    let page = b
        .app
        .get_with_cookies("/me/credentials/bring", &learner, "xc_lang=en")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Bring a credential from another city"));
}

#[tokio::test]
async fn the_bring_page_refuses_with_the_reason_in_elder_mode_too() {
    let b = served().await;
    let learner = b.app.sign_in("citizen-huangpu").await;
    let page = b
        .app
        .get_with_cookies("/me/credentials/bring", &learner, "xc_elder=1")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("class=\"elder\""), "elder mode is on");
    let refused = b
        .app
        .form(
            "/me/credentials/bring",
            &[("csrf", &learner.csrf), ("text", "{not json")],
            &learner.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("not JSON"), "{}", refused.text());
    let staff = b.app.sign_in("bank").await;
    assert_eq!(
        b.app
            .get("/me/credentials/bring", Some(&staff))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_mutual_recognition_endpoints_are_in_the_openapi_document() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    for (path, method) in [
        ("/api/v1/trusted-banks", "get"),
        ("/api/v1/trusted-banks", "post"),
        ("/api/v1/trusted-banks/{id}/refresh", "post"),
        ("/api/v1/trusted-banks/{id}/remove", "post"),
        ("/api/v1/trusted-banks/{id}/restore", "post"),
        ("/api/v1/trusted-banks/{id}/distrust-key", "post"),
        ("/api/v1/me/external-credentials", "get"),
        ("/api/v1/me/external-credentials", "post"),
    ] {
        assert!(
            openapi["paths"][path][method].is_object(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    for schema in [
        "BringCredentialRequest",
        "TrustChangeRequest",
        "DistrustKeyRequest",
    ] {
        assert!(
            openapi["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}

#[tokio::test]
async fn trust_taken_back_refuses_later_credentials_and_keeps_earlier_ones() {
    let a = served().await;
    let b = served().await;
    let a_staff = a.app.sign_in("bank").await;
    publish_calligraphy(&a.app, &a_staff).await;
    let first = issue_in(&a, "HZ-1").await;
    let second = issue_in(&a, "HZ-2").await;
    let learner = b.app.sign_in("citizen-huangpu").await;
    let b_staff = b.app.sign_in("bank").await;
    let added = add_bank(&b.app, &b_staff, &a.base_url).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let bank_id = added.json()["id"].as_i64().unwrap();
    let ed_key = added.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["key_id"].as_str().unwrap().to_owned())
        .find(|id| id.ends_with("#ed25519-1"))
        .unwrap();
    assert_eq!(
        bring(&b.app, &learner, &first).await.status,
        StatusCode::CREATED
    );

    // Taken off the list on the page, with a reason (a blank one is refused, nothing written).
    let blank = b
        .app
        .form(
            &format!("/bank/trust/{bank_id}/remove"),
            &[("csrf", &b_staff.csrf), ("reason", "  ")],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text().contains("say why"), "{}", blank.text());
    assert_eq!(b.app.audit_count("trust_list.remove").await, 0);
    let stray = b
        .app
        .form(
            &format!("/bank/trust/{bank_id}/remove"),
            &[("csrf", &b_staff.csrf), ("reason", "x"), ("key_id", "k")],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(stray.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stray.text().contains("key_id"), "{}", stray.text());
    let removed = b
        .app
        .form(
            &format!("/bank/trust/{bank_id}/remove"),
            &[("csrf", &b_staff.csrf), ("reason", "对方停止运营")],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text());
    assert!(
        removed
            .text()
            .contains(&format!("id=\"removed-{bank_id}\""))
    );
    assert!(removed.text().contains("对方停止运营"));
    assert!(
        removed
            .text()
            .contains(&format!("/bank/trust/{bank_id}/restore"))
    );
    assert_eq!(b.app.audit_count("trust_list.remove").await, 1);

    // Its credentials are refused from now on, saying why; the one brought before stays.
    let refused = bring(&b.app, &learner, &second).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_code(), "untrusted_issuer");
    assert!(
        refused.text().contains("对方停止运营"),
        "{}",
        refused.text()
    );
    let mine = b
        .app
        .get("/api/v1/me/external-credentials", Some(&learner))
        .await
        .json();
    assert_eq!(mine["credentials"].as_array().unwrap().len(), 1, "{mine}");
    let twice = b
        .app
        .json(
            Method::POST,
            &format!("/api/v1/trusted-banks/{bank_id}/remove"),
            json!({"reason": "again"}),
            Some(&b_staff),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    assert_eq!(twice.error_field(), "bank");
    let listed = b
        .app
        .get("/api/v1/trusted-banks", Some(&b_staff))
        .await
        .json();
    assert_eq!(listed["banks"][0]["removed"]["reason"], "对方停止运营");

    // Back on the list: the second credential is accepted.
    let restored = b
        .app
        .json(
            Method::POST,
            &format!("/api/v1/trusted-banks/{bank_id}/restore"),
            json!({"reason": "恢复运营"}),
            Some(&b_staff),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text());
    assert!(restored.json().get("removed").is_none());
    assert_eq!(
        bring(&b.app, &learner, &second).await.status,
        StatusCode::CREATED
    );

    // One key distrusted for good: a credential with a proof by it is refused with the key and
    // the reason; an unknown key, the same key again and a learner are refused.
    let distrust = |key_id: &str, reason: &str| json!({"key_id": key_id, "reason": reason});
    let path = format!("/api/v1/trusted-banks/{bank_id}/distrust-key");
    let unknown = b
        .app
        .json(
            Method::POST,
            &path,
            distrust("did:web:nowhere#k", "x"),
            Some(&b_staff),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.error_field(), "key_id");
    let by_learner = b
        .app
        .json(Method::POST, &path, distrust(&ed_key, "x"), Some(&learner))
        .await;
    assert_eq!(by_learner.status, StatusCode::FORBIDDEN);
    let distrusted = b
        .app
        .json(
            Method::POST,
            &path,
            distrust(&ed_key, "私钥泄露"),
            Some(&b_staff),
        )
        .await;
    assert_eq!(distrusted.status, StatusCode::OK, "{}", distrusted.text());
    let keys = distrusted.json()["keys"].clone();
    let marked: Vec<(&str, Option<&str>)> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|key| {
            (
                key["key_id"].as_str().unwrap(),
                key["distrusted"]["reason"].as_str(),
            )
        })
        .collect();
    assert!(
        marked.contains(&(ed_key.as_str(), Some("私钥泄露"))),
        "{keys}"
    );
    assert_eq!(
        marked.iter().filter(|(_, reason)| reason.is_none()).count(),
        1,
        "the SM2 key stays trusted: {keys}"
    );
    let again = b
        .app
        .json(
            Method::POST,
            &path,
            distrust(&ed_key, "again"),
            Some(&b_staff),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_field(), "key_id");
    let third = issue_in(&a, "HZ-3").await;
    let refused = bring(&b.app, &learner, &third).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_code(), "credential_key_distrusted");
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains(&ed_key) && message.contains("私钥泄露"),
        "{message}"
    );
    let page = b.app.get("/bank/trust", Some(&b_staff)).await.text();
    assert!(page.contains("私钥泄露"), "{page}");
    assert_eq!(b.app.audit_count("trust_list.restore").await, 1);
    assert_eq!(b.app.audit_count("trust_list.distrust_key").await, 1);
    assert_eq!(b.app.audit_count("external_credential.accept").await, 2);

    // The page's distrust form: an unknown change is 404, a blank reason is refused on the
    // form with nothing written, and the remaining key is distrusted with its reason.
    let sm2_key = marked
        .iter()
        .find(|(_, reason)| reason.is_none())
        .map(|(key_id, _)| (*key_id).to_owned())
        .unwrap();
    let unknown_change = b
        .app
        .form(
            &format!("/bank/trust/{bank_id}/forget"),
            &[("csrf", &b_staff.csrf), ("reason", "x")],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(unknown_change.status, StatusCode::NOT_FOUND);
    let distrust_path = format!("/bank/trust/{bank_id}/distrust");
    let blank = b
        .app
        .form(
            &distrust_path,
            &[
                ("csrf", &b_staff.csrf),
                ("key_id", &sm2_key),
                ("reason", " "),
            ],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b.app.audit_count("trust_list.distrust_key").await, 1);
    let on_page = b
        .app
        .form(
            &distrust_path,
            &[
                ("csrf", &b_staff.csrf),
                ("key_id", &sm2_key),
                ("reason", "换钥"),
            ],
            &b_staff.cookie,
        )
        .await;
    assert_eq!(on_page.status, StatusCode::OK, "{}", on_page.text());
    assert!(on_page.text().contains("换钥"));
    assert_eq!(b.app.audit_count("trust_list.distrust_key").await, 2);
}

/// Bank A over HTTPS, bank B trusting A's CA through its extra roots: B pins A's keys, and a
/// learner's credential from A is checked against A's status list and log, all over TLS.
#[tokio::test]
async fn a_bank_served_over_https_is_trusted_through_the_extra_roots() {
    let pki = test_pki();
    let a = served_with(Some(&pki)).await;
    let b = TestApp::at_with("https://bank-b.example.org", client_trusting(&pki)).await;
    let a_staff = a.app.sign_in("bank").await;
    publish_calligraphy(&a.app, &a_staff).await;
    let credential = issue_in(&a, "HZ-TLS").await;
    let port = a.base_url.rsplit(':').next().unwrap();
    let a_did = format!("did:web:127.0.0.1%3A{port}");
    assert_eq!(credential["issuer"]["id"], a_did.as_str());
    assert!(
        credential["credentialStatus"]
            .to_string()
            .contains(&format!("https://127.0.0.1:{port}/")),
        "A's status list is named by its https address: {}",
        credential["credentialStatus"]
    );

    let b_staff = b.sign_in("bank").await;
    let added = add_bank(&b, &b_staff, &a.base_url).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    assert_eq!(added.json()["did"], a_did.as_str());
    assert_eq!(added.json()["keys"].as_array().unwrap().len(), 2);

    let learner = b.sign_in("citizen-huangpu").await;
    let accepted = bring(&b, &learner, &credential).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());
    let provenance = &accepted.json()["provenance"];
    assert_eq!(
        provenance["status_check"], "active",
        "A's status list was fetched over https: {provenance}"
    );
    assert!(
        provenance["inclusion_check"]
            .as_str()
            .unwrap()
            .starts_with("included at"),
        "A's tree head and inclusion proof were fetched over https: {provenance}"
    );
    assert_eq!(b.audit_count("external_credential.accept").await, 1);

    let bank_id = added.json()["id"].as_i64().unwrap();
    let refreshed = refresh_bank(&b, &b_staff, bank_id).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    assert_eq!(refreshed.json()["new_keys"], 0);
}

/// A bank whose certificate does not verify here (its CA not trusted, or issued for another
/// name), or reached over plain HTTP across the network, is not fetched from: 502
/// `bank_unreachable` saying why, and nothing is stored.
#[tokio::test]
async fn a_bank_whose_certificate_is_not_trusted_is_not_added() {
    let pki = test_pki();
    let a = served_with(Some(&pki)).await;
    let refused_with = |response: &crate::app::TestResponse, words: &str| {
        assert_eq!(
            response.status,
            StatusCode::BAD_GATEWAY,
            "{}",
            response.text()
        );
        assert_eq!(response.error_code(), "bank_unreachable");
        assert_eq!(response.error_field(), "base_url");
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(words), "{message}");
    };

    // Only the bundled roots: the test CA is unknown.
    let b = TestApp::new().await;
    let staff = b.sign_in("bank").await;
    let unknown_ca = add_bank(&b, &staff, &a.base_url).await;
    refused_with(&unknown_ca, "certificate is not trusted");
    refused_with(&unknown_ca, "certificate authority");

    // Plain HTTP to another machine is refused before any connection is made.
    let plain = add_bank(&b, &staff, "http://bank-a.example.org").await;
    refused_with(&plain, "plain http://");
    refused_with(&plain, "mutual.allow_plain_http");

    // Trusting the CA, but reaching A by a name its certificate was not issued for.
    let trusting = TestApp::at_with("https://bank-b.example.org", client_trusting(&pki)).await;
    let trusting_staff = trusting.sign_in("bank").await;
    let port = a.base_url.rsplit(':').next().unwrap();
    let wrong_name = add_bank(
        &trusting,
        &trusting_staff,
        &format!("https://localhost:{port}"),
    )
    .await;
    refused_with(&wrong_name, "not issued for this host name");

    for (app, staff) in [(&b, &staff), (&trusting, &trusting_staff)] {
        assert_eq!(app.audit_count("trust_list.add").await, 0);
        let listed = app.get("/api/v1/trusted-banks", Some(staff)).await.json();
        assert_eq!(listed["banks"].as_array().unwrap().len(), 0, "{listed}");
    }
}
