//! The learning record store under `/xapi/` (issue 5): statements, documents, definitions and
//! About through the real router and store, authenticated by LRS clients' Basic credentials.
//! Each behaviour the ADL conformance suite checks and this layer decides is covered here, so
//! CI guards it without the suite.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};
use xc_web::xapi::clients::{ClientRequest, create_client};
use xc_xapi::scope::Scope;

use crate::app::{TestApp, TestResponse};

struct Client {
    id: i64,
    authorization: String,
    key: String,
}

async fn client(app: &TestApp, name: &str, scopes: &[Scope]) -> Client {
    let created = create_client(
        &*app.store.store,
        &ClientRequest {
            name: name.into(),
            institution: Some(xc_domain::InstitutionId::new(1)),
            scopes: scopes.to_vec(),
        },
        None,
        xc_store::Actor::System("test".into()),
    )
    .await
    .unwrap();
    Client {
        id: created.id,
        authorization: basic(&created.key, &created.secret),
        key: created.key,
    }
}

fn basic(key: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))
    )
}

/// A request to the LRS: version header, credentials, JSON body when given.
async fn call(
    app: &TestApp,
    method: Method,
    uri: &str,
    client: Option<&Client>,
    version: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(client) = client {
        request = request.header(header::AUTHORIZATION, &client.authorization);
    }
    if let Some(version) = version {
        request = request.header("X-Experience-API-Version", version);
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    app.send(request.body(body).unwrap()).await
}

fn statement(actor: &str, verb: &str, activity: &str) -> Value {
    json!({
        "actor": {"objectType": "Agent", "name": actor, "mbox": format!("mailto:{actor}@example.com")},
        "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}"), "display": {"en-US": verb}},
        "object": {"id": format!("http://example.com/activities/{activity}"),
                   "definition": {"name": {"en-US": activity, "zh-CN": "课程"}}},
    })
}

async fn count_statements(app: &TestApp) -> usize {
    let filter = xc_xapi::query::Filter::default();
    app.store
        .query_statements(&filter, None)
        .await
        .unwrap()
        .statements
        .len()
}

fn header<'a>(response: &'a TestResponse, name: &str) -> &'a str {
    response
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn statements_are_stored_with_their_authority_and_read_back() {
    let app = TestApp::new().await;
    let mooc = client(&app, "上海学习网", &[Scope::All]).await;
    let posted = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("1.0.3"),
        Some(statement("ann", "completed", "calligraphy")),
        &[],
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    assert_eq!(header(&posted, "x-experience-api-version"), "1.0.3");
    let id = posted.json()[0].as_str().unwrap().to_owned();

    let read = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?statementId={id}"),
        Some(&mooc),
        Some("2.0.0"),
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(header(&read, "x-experience-api-version"), "2.0.0");
    assert!(!header(&read, "last-modified").is_empty());
    let through = header(&read, "x-experience-api-consistent-through");
    assert!(through.ends_with('Z'), "{through}");
    let body = read.json();
    assert_eq!(body["id"], json!(id));
    assert_eq!(
        body["version"],
        json!("1.0.0"),
        "the version of the request it came in"
    );
    assert_eq!(
        body["authority"]["account"],
        json!({"homePage": "https://bank.example.org/xapi/clients", "name": mooc.key})
    );
    assert_eq!(body["authority"]["name"], json!("上海学习网"));
    assert_eq!(body["stored"], body["timestamp"]);
    let stored = app
        .store
        .get_statement(&xc_xapi::types::Uuid::parse(&id, "id").unwrap(), false)
        .await
        .unwrap();
    assert_eq!(
        stored.client,
        Some(mooc.id),
        "the statement remembers its client"
    );

    // PUT with its own id: 204; the same again: 204; other content under the id: 409.
    let put_id = "5e0c3f1a-8f2b-4b7c-9a3e-1d2c3b4a5f60";
    let put = |body: Value| {
        call(
            &app,
            Method::PUT,
            "/xapi/statements?statementId=5e0c3f1a-8f2b-4b7c-9a3e-1d2c3b4a5f60",
            Some(&mooc),
            Some("1.0.3"),
            Some(body),
            &[],
        )
    };
    assert_eq!(
        put(statement("bob", "attempted", "chess")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(statement("bob", "attempted", "chess")).await.status,
        StatusCode::NO_CONTENT
    );
    let conflict = put(statement("bob", "passed", "chess")).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text());
    assert_eq!(conflict.error_field(), "id");
    assert!(conflict.text().contains(put_id));
    assert_eq!(count_statements(&app).await, 2);
}

#[tokio::test]
async fn credentials_versions_and_scopes_are_checked_before_anything_is_stored() {
    let app = TestApp::new().await;
    let museum = client(&app, "博物馆", &[Scope::State]).await;
    let body = || Some(statement("ann", "completed", "x"));
    let post = |client: Option<&'static str>, version: Option<&'static str>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/xapi/statements")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(authorization) = client {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        if let Some(version) = version {
            request = request.header("X-Experience-API-Version", version);
        }
        request
            .body(Body::from(body().unwrap().to_string()))
            .unwrap()
    };
    let anonymous = app.send(post(None, Some("1.0.3"))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(header(&anonymous, "www-authenticate").starts_with("Basic"));
    let wrong = basic(&museum.key, "not-the-secret");
    let wrong: &'static str = Box::leak(wrong.into_boxed_str());
    assert_eq!(
        app.send(post(Some(wrong), Some("1.0.3"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    let garbage = app.send(post(Some("Basic %%%"), Some("1.0.3"))).await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);

    let authorization: &'static str = Box::leak(museum.authorization.clone().into_boxed_str());
    let out_of_scope = app.send(post(Some(authorization), Some("1.0.3"))).await;
    assert_eq!(
        out_of_scope.status,
        StatusCode::FORBIDDEN,
        "{}",
        out_of_scope.text()
    );

    let writer = client(&app, "学习网", &[Scope::StatementsWrite]).await;
    let writer_auth: &'static str = Box::leak(writer.authorization.clone().into_boxed_str());
    for version in [None, Some("0.95"), Some("1.1.0"), Some("3.0")] {
        let refused = app.send(post(Some(writer_auth), version)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{version:?}");
        assert_eq!(refused.error_field(), "X-Experience-API-Version");
        // Without the header the request is a 0.9 one (both suites accept that answer).
        let answered = if version.is_none() { "0.9" } else { "2.0.0" };
        assert_eq!(
            header(&refused, "x-experience-api-version"),
            answered,
            "{version:?}"
        );
    }
    // Every answer to a GET of statements says how far it is consistent, refusals included.
    let refused_get = call(
        &app,
        Method::GET,
        "/xapi/statements?statementId=x&verb=y",
        Some(&writer),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert!(refused_get.status.is_client_error());
    assert!(header(&refused_get, "x-experience-api-consistent-through").ends_with('Z'));
    // A 1.0.2 header, as authoring tools send it, is accepted.
    assert_eq!(
        app.send(post(Some(writer_auth), Some("1.0.2")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(count_statements(&app).await, 1);

    // statements/write cannot read.
    let read = call(
        &app,
        Method::GET,
        "/xapi/statements",
        Some(&writer),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN);

    // About: no credentials, no version header.
    let about = call(&app, Method::GET, "/xapi/about", None, None, None, &[]).await;
    assert_eq!(about.status, StatusCode::OK);
    let versions = about.json()["version"].clone();
    assert!(versions.as_array().unwrap().contains(&json!("1.0.3")));
    assert!(versions.as_array().unwrap().contains(&json!("2.0.0")));
    assert_eq!(header(&about, "access-control-allow-origin"), "*");
}

#[tokio::test]
async fn invalid_statements_are_refused_with_their_path_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::All]).await;
    let mut bad = statement("bob", "completed", "x");
    bad["actor"]["mbox"] = json!("bob@example.com");
    let batch = json!([statement("ann", "completed", "x"), bad]);
    let refused = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("1.0.3"),
        Some(batch),
        &[],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_field(), "[1].actor.mbox");
    // contextAgents is 2.0 only.
    let mut two = statement("ann", "completed", "x");
    two["context"] = json!({"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@example.com"}}]});
    let under_1 = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("1.0.3"),
        Some(two.clone()),
        &[],
    )
    .await;
    assert_eq!(under_1.status, StatusCode::BAD_REQUEST);
    let under_2 = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("2.0.0"),
        Some(two),
        &[],
    )
    .await;
    assert_eq!(under_2.status, StatusCode::OK, "{}", under_2.text());
    // Not JSON, a wrong media type, a parameter POST does not take.
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, &mooc.authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "text/plain");
    let plain = app.send(request.body(Body::from("{}")).unwrap()).await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST);
    request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, &mooc.authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "application/json");
    let broken = app
        .send(request.body(Body::from("{\"actor\":")).unwrap())
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let with_param = call(
        &app,
        Method::POST,
        "/xapi/statements?statementId=x",
        Some(&mooc),
        Some("1.0.3"),
        Some(statement("a", "b", "c")),
        &[],
    )
    .await;
    assert_eq!(with_param.status, StatusCode::BAD_REQUEST);
    assert_eq!(count_statements(&app).await, 1);
}

#[tokio::test]
async fn pages_follow_more_links_and_read_mine_sees_only_its_own() {
    let app = TestApp::new().await;
    let mooc = client(
        &app,
        "学习网",
        &[Scope::StatementsWrite, Scope::StatementsReadMine],
    )
    .await;
    let other = client(&app, "其他平台", &[Scope::All]).await;
    for n in 0..3 {
        let posted = call(
            &app,
            Method::POST,
            "/xapi/statements",
            Some(&mooc),
            Some("1.0.3"),
            Some(statement("ann", "completed", &format!("c{n}"))),
            &[],
        )
        .await;
        assert_eq!(posted.status, StatusCode::OK);
    }
    let theirs = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&other),
        Some("1.0.3"),
        Some(statement("ann", "completed", "c9")),
        &[],
    )
    .await;
    let their_id = theirs.json()[0].as_str().unwrap().to_owned();
    let agent = "%7B%22mbox%22%3A%22mailto%3Aann%40example.com%22%7D";
    let first = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?agent={agent}&limit=2"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let page = first.json();
    assert_eq!(page["statements"].as_array().unwrap().len(), 2);
    let more = page["more"].as_str().unwrap().to_owned();
    assert!(
        more.starts_with("/xapi/statements?") && more.contains("limit=2"),
        "{more}"
    );
    let second = call(
        &app,
        Method::GET,
        &more,
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(
        second["statements"].as_array().unwrap().len(),
        1,
        "only mine: {second}"
    );
    assert_eq!(second["more"], json!(""));
    let everything = call(
        &app,
        Method::GET,
        "/xapi/statements",
        Some(&other),
        Some("1.0.3"),
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(everything["statements"].as_array().unwrap().len(), 4);
    let not_mine = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?statementId={their_id}"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND);
    let bad_more = call(
        &app,
        Method::GET,
        "/xapi/statements?more=xyz",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (bad_more.status, bad_more.error_field().as_str()),
        (StatusCode::BAD_REQUEST, "more")
    );
    let bad_param = call(
        &app,
        Method::GET,
        "/xapi/statements?verb=not%20an%20iri",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (bad_param.status, bad_param.error_field().as_str()),
        (StatusCode::BAD_REQUEST, "verb")
    );
}

#[tokio::test]
async fn voided_statements_are_found_only_as_voided() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::All]).await;
    let id = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("1.0.3"),
        Some(statement("ann", "completed", "x")),
        &[],
    )
    .await
    .json()[0]
        .as_str()
        .unwrap()
        .to_owned();
    let voiding = json!({
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": id},
    });
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/xapi/statements",
            Some(&mooc),
            Some("1.0.3"),
            Some(voiding),
            &[]
        )
        .await
        .status,
        StatusCode::OK
    );
    let by_id = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?statementId={id}"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(by_id.status, StatusCode::NOT_FOUND);
    let voided = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?voidedStatementId={id}"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(voided.status, StatusCode::OK);
    assert_eq!(voided.json()["id"], json!(id));
}

#[tokio::test]
async fn attachments_go_in_and_come_out_as_multipart() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::All]).await;
    let content = b"certificate of completion";
    let sha2 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content));
    let mut with_attachment = statement("ann", "completed", "x");
    with_attachment["attachments"] = json!([{
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "certificate"},
        "contentType": "text/plain",
        "length": content.len(),
        "sha2": sha2,
    }]);
    let mut body = Vec::new();
    body.extend_from_slice(b"--abc\r\nContent-Type: application/json\r\n\r\n");
    body.extend_from_slice(with_attachment.to_string().as_bytes());
    body.extend_from_slice(format!("\r\n--abc\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n").as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--abc--\r\n");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, &mooc.authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "multipart/mixed; boundary=abc")
        .body(Body::from(body.clone()))
        .unwrap();
    let posted = app.send(request).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    let id = posted.json()[0].as_str().unwrap().to_owned();
    let read = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?statementId={id}&attachments=true"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(header(&read, "content-type").starts_with("multipart/mixed; boundary="));
    let text = read.text();
    assert!(
        text.contains(&format!("X-Experience-API-Hash: {sha2}")),
        "{text}"
    );
    assert!(text.contains("certificate of completion"));

    // A part whose bytes do not hash to the declared value: refused, nothing stored.
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("certificate of completion", "certificate of completiox");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, &mooc.authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "multipart/mixed; boundary=abc")
        .body(Body::from(tampered))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(count_statements(&app).await, 1);
}

#[tokio::test]
async fn documents_keep_etags_and_refuse_lost_updates() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::State, Scope::Profile]).await;
    let agent = "%7B%22mbox%22%3A%22mailto%3Aann%40example.com%22%7D";
    let state_uri = format!(
        "/xapi/activities/state?activityId=http%3A%2F%2Fexample.com%2Fa&agent={agent}&stateId=progress"
    );
    let put = call(
        &app,
        Method::PUT,
        &state_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"page": 3})),
        &[],
    )
    .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text());
    let merged = call(
        &app,
        Method::POST,
        &state_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"score": 9})),
        &[],
    )
    .await;
    assert_eq!(merged.status, StatusCode::NO_CONTENT, "{}", merged.text());
    let read = call(
        &app,
        Method::GET,
        &state_uri,
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json(), json!({"page": 3, "score": 9}));
    let etag = header(&read, "etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert!(!header(&read, "last-modified").is_empty());
    let ids = call(
        &app,
        Method::GET,
        &format!("/xapi/activities/state?activityId=http%3A%2F%2Fexample.com%2Fa&agent={agent}"),
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(ids.json(), json!(["progress"]));

    let profile_uri =
        "/xapi/activities/profile?activityId=http%3A%2F%2Fexample.com%2Fa&profileId=p";
    // 1.0.x: a profile PUT needs a precondition even to create (the 1.0.3 suite).
    let unguarded = call(
        &app,
        Method::PUT,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"v": 1})),
        &[],
    )
    .await;
    assert_eq!(
        unguarded.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unguarded.text()
    );
    assert_eq!(
        call(
            &app,
            Method::GET,
            profile_uri,
            Some(&mooc),
            Some("1.0.3"),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            profile_uri,
            Some(&mooc),
            Some("1.0.3"),
            Some(json!({"v": 1})),
            &[("If-None-Match", "*")]
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let blind = call(
        &app,
        Method::PUT,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"v": 2})),
        &[],
    )
    .await;
    assert_eq!(blind.status, StatusCode::CONFLICT, "{}", blind.text());
    let stale = call(
        &app,
        Method::PUT,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"v": 2})),
        &[("If-Match", "\"0000\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let exists = call(
        &app,
        Method::PUT,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"v": 2})),
        &[("If-None-Match", "*")],
    )
    .await;
    assert_eq!(exists.status, StatusCode::PRECONDITION_FAILED);
    let current = header(
        &call(
            &app,
            Method::GET,
            profile_uri,
            Some(&mooc),
            Some("1.0.3"),
            None,
            &[],
        )
        .await,
        "etag",
    )
    .to_owned();
    let updated = call(
        &app,
        Method::PUT,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        Some(json!({"v": 2})),
        &[("If-Match", &current)],
    )
    .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT);
    let read = call(
        &app,
        Method::GET,
        profile_uri,
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(read.json(), json!({"v": 2}));

    let agent_profile = format!("/xapi/agents/profile?agent={agent}&profileId=prefs");
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &agent_profile,
            Some(&mooc),
            Some("2.0.0"),
            Some(json!({"big": true})),
            &[]
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &agent_profile,
            Some(&mooc),
            Some("2.0.0"),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            &app,
            Method::GET,
            &agent_profile,
            Some(&mooc),
            Some("2.0.0"),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Missing a required parameter: 400 naming it.
    let missing = call(
        &app,
        Method::GET,
        "/xapi/activities/state?stateId=x",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (missing.status, missing.error_field().as_str()),
        (StatusCode::BAD_REQUEST, "activityId")
    );
    // A statements-only client cannot touch documents.
    let writer = client(&app, "写入", &[Scope::StatementsWrite]).await;
    assert_eq!(
        call(
            &app,
            Method::GET,
            &state_uri,
            Some(&writer),
            Some("1.0.3"),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_alternate_request_syntax_works_in_1_0_and_is_refused_in_2_0() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::All]).await;
    let form = |version: &str| {
        serde_urlencoded::to_string([
            ("X-Experience-API-Version", version),
            ("Authorization", mooc.authorization.as_str()),
            ("Content-Type", "application/json"),
            ("content", &statement("ann", "completed", "x").to_string()),
        ])
        .unwrap()
    };
    let send = |body: String, query: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/xapi/statements?{query}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let stored = app.send(send(form("1.0.3"), "method=PUT")).await;
    assert_eq!(
        stored.status,
        StatusCode::BAD_REQUEST,
        "PUT needs statementId"
    );
    // A form without Content-Type carries JSON (the 1.0.3 suite's PUT sends none).
    let bare = serde_urlencoded::to_string([
        ("X-Experience-API-Version", "1.0.3"),
        ("Authorization", mooc.authorization.as_str()),
        ("statementId", "8f0c3f1a-8f2b-4b7c-9a3e-1d2c3b4a5f60"),
        ("content", &statement("bob", "completed", "x").to_string()),
    ])
    .unwrap();
    let bare = app.send(send(bare, "method=PUT")).await;
    assert_eq!(bare.status, StatusCode::NO_CONTENT, "{}", bare.text());
    let body = format!(
        "{}&statementId=7f0c3f1a-8f2b-4b7c-9a3e-1d2c3b4a5f60",
        form("1.0.3")
    );
    let stored = app.send(send(body, "method=PUT")).await;
    assert_eq!(stored.status, StatusCode::NO_CONTENT, "{}", stored.text());
    assert_eq!(header(&stored, "x-experience-api-version"), "1.0.3");
    let refused = app.send(send(form("2.0.0"), "method=POST")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(count_statements(&app).await, 2);
}

#[tokio::test]
async fn activities_and_agents_answer_what_the_store_knows() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::StatementsWrite]).await;
    call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&mooc),
        Some("1.0.3"),
        Some(statement("ann", "completed", "calligraphy")),
        &[],
    )
    .await;
    let activity = call(
        &app,
        Method::GET,
        "/xapi/activities?activityId=http%3A%2F%2Fexample.com%2Factivities%2Fcalligraphy",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(activity.status, StatusCode::OK, "{}", activity.text());
    assert_eq!(
        activity.json()["definition"]["name"]["zh-CN"],
        json!("课程")
    );
    let person = call(
        &app,
        Method::GET,
        "/xapi/agents?agent=%7B%22mbox%22%3A%22mailto%3Aann%40example.com%22%7D",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(person.status, StatusCode::OK);
    assert_eq!(
        person.json(),
        json!({"objectType": "Person", "name": ["ann"], "mbox": ["mailto:ann@example.com"]})
    );
    let extra = call(
        &app,
        Method::GET,
        "/xapi/activities?activityId=http%3A%2F%2Fexample.com%2Fa&x=1",
        Some(&mooc),
        Some("1.0.3"),
        None,
        &[],
    )
    .await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = TestApp::new().await;
    let mooc = client(&app, "学习网", &[Scope::All]).await;
    let huge = vec![b' '; xc_web::xapi::XAPI_BODY_LIMIT_BYTES + 1];
    let request = Request::builder()
        .method(Method::POST)
        .uri("/xapi/statements")
        .header(header::AUTHORIZATION, &mooc.authorization)
        .header("X-Experience-API-Version", "1.0.3")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(header(&response, "x-experience-api-version"), "1.0.3");
}

#[tokio::test]
async fn staff_create_platforms_in_their_page_and_the_secret_works_once_shown() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let empty = app.get("/bank/lrs-clients", Some(&bank)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text());
    assert!(empty.text().contains("还没有接入任何学习平台"));
    assert!(empty.text().contains("https://bank.example.org/xapi/"));

    // A blank name: refused, the form shown again, nothing created.
    let refused = app
        .form(
            "/bank/lrs-clients",
            &[("csrf", &bank.csrf), ("name", " "), ("scope", "all")],
            &bank.cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("aria-invalid"));
    assert_eq!(app.audit_count("lrs_client.create").await, 0);

    let created = app
        .form(
            "/bank/lrs-clients",
            &[
                ("csrf", &bank.csrf),
                ("name", "老年教育电视频道"),
                ("institution", "1"),
                ("scope", "statements/write"),
                ("scope", "statements/read"),
            ],
            &bank.cookie,
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let html = created.text();
    assert!(html.contains("它只显示这一次"), "{html}");
    let codes: Vec<&str> = html
        .split("<dd><code>")
        .skip(1)
        .map(|rest| rest.split("</code>").next().unwrap())
        .collect();
    let (key, secret) = (codes[0], codes[1]);
    assert!(key.starts_with("xcl_"), "{codes:?}");
    assert_eq!(app.audit_count("lrs_client.create").await, 1);

    // The credentials work, within their scopes.
    let platform = Client {
        id: 0,
        authorization: basic(key, secret),
        key: key.to_owned(),
    };
    let posted = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&platform),
        Some("2.0.0"),
        Some(statement("ann", "completed", "tai-chi")),
        &[],
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    let state = call(&app, Method::GET, "/xapi/activities/state?activityId=http%3A%2F%2Fexample.com%2Fa&agent=%7B%22mbox%22%3A%22mailto%3Aa%40example.com%22%7D", Some(&platform), Some("2.0.0"), None, &[]).await;
    assert_eq!(state.status, StatusCode::FORBIDDEN);

    // Listed afterwards without the secret.
    let listed = app.get("/bank/lrs-clients", Some(&bank)).await.text();
    assert!(listed.contains(key) && listed.contains("老年教育电视频道"));
    assert!(!listed.contains(secret), "the secret is shown only once");

    // Nobody else may see or create platforms.
    for who in ["citizen-huangpu", "provider", "auditor"] {
        let session = app.sign_in(who).await;
        let page = app.get("/bank/lrs-clients", Some(&session)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
        let post = app
            .form(
                "/bank/lrs-clients",
                &[("csrf", &session.csrf), ("name", "x"), ("scope", "all")],
                &session.cookie,
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{who}");
        let revoke = app
            .form(
                &format!("/bank/lrs-clients/{key}/revoke"),
                &[("csrf", &session.csrf)],
                &session.cookie,
            )
            .await;
        assert_eq!(revoke.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(app.audit_count("lrs_client.create").await, 1);

    // A field the form does not have: refused, named, nothing revoked.
    let extra = app
        .form(
            &format!("/bank/lrs-clients/{key}/revoke"),
            &[("csrf", &bank.csrf), ("reason", "x")],
            &bank.cookie,
        )
        .await;
    assert_eq!(
        extra.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        extra.text()
    );
    assert!(extra.text().contains("reason"), "{}", extra.text());
    assert_eq!(app.audit_count("lrs_client.revoke").await, 0);

    // Revoked: the same credentials get 401 at once, the row says so, and it is audited once;
    // what the platform stored stays.
    let revoked = app
        .form(
            &format!("/bank/lrs-clients/{key}/revoke"),
            &[("csrf", &bank.csrf)],
            &bank.cookie,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.text());
    let after = call(
        &app,
        Method::GET,
        "/xapi/statements",
        Some(&platform),
        Some("2.0.0"),
        None,
        &[],
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text());
    let listed = app.get("/bank/lrs-clients", Some(&bank)).await.text();
    assert!(listed.contains("已停用"), "{listed}");
    assert!(
        !listed.contains(&format!("/bank/lrs-clients/{key}/revoke")),
        "no revoke button on a revoked row"
    );
    assert_eq!(app.audit_count("lrs_client.revoke").await, 1);
    let posted_id = posted.json()[0].as_str().unwrap().to_owned();
    let reader = client(&app, "reader", &[Scope::All]).await;
    let kept = call(
        &app,
        Method::GET,
        &format!("/xapi/statements?statementId={posted_id}"),
        Some(&reader),
        Some("2.0.0"),
        None,
        &[],
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text());
    // Twice, or an unknown key: refused, named, nothing audited.
    let again = app
        .form(
            &format!("/bank/lrs-clients/{key}/revoke"),
            &[("csrf", &bank.csrf)],
            &bank.cookie,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text()
    );
    let unknown = app
        .form(
            "/bank/lrs-clients/xcl_nobody/revoke",
            &[("csrf", &bank.csrf)],
            &bank.cookie,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text());
    assert_eq!(app.audit_count("lrs_client.revoke").await, 1);
}

#[tokio::test]
async fn the_openapi_document_lists_the_xapi_resources() {
    let app = TestApp::new().await;
    let openapi = app.get("/api/openapi.json", None).await.json();
    for (path, method) in [
        ("/xapi/statements", "put"),
        ("/xapi/statements", "post"),
        ("/xapi/statements", "get"),
        ("/xapi/activities/state", "delete"),
        ("/xapi/activities/profile", "post"),
        ("/xapi/agents/profile", "put"),
        ("/xapi/activities", "get"),
        ("/xapi/agents", "get"),
        ("/xapi/about", "get"),
    ] {
        assert!(
            openapi["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    assert_eq!(
        openapi["components"]["securitySchemes"]["lrs_basic"]["scheme"],
        json!("basic")
    );
    assert_eq!(
        openapi["paths"]["/xapi/statements"]["post"]["security"][0]["lrs_basic"],
        json!([])
    );
}

#[tokio::test]
async fn staff_search_statements_and_providers_see_only_their_platforms() {
    let app = TestApp::new().await;
    // A platform of institution 1 (the provider's) and one of the city (no institution).
    let own = client(&app, "机构平台", &[Scope::All]).await;
    let city = create_client(
        &*app.store.store,
        &ClientRequest {
            name: "全市慕课".into(),
            institution: None,
            scopes: vec![Scope::All],
        },
        None,
        xc_store::Actor::System("test".into()),
    )
    .await
    .unwrap();
    let city = Client {
        id: city.id,
        authorization: basic(&city.key, &city.secret),
        key: city.key,
    };
    for (platform, actor, verb, activity) in [
        (&own, "ann", "completed", "tai-chi"),
        (&own, "bob", "attended", "calligraphy"),
        (&city, "ann", "experienced", "museum"),
    ] {
        let posted = call(
            &app,
            Method::POST,
            "/xapi/statements",
            Some(platform),
            Some("2.0.0"),
            Some(statement(actor, verb, activity)),
            &[],
        )
        .await;
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    }

    // Credit-bank staff: everything, newest first, with the platform's name.
    let bank = app.sign_in("bank").await;
    let all = app.get("/bank/statements", Some(&bank)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let html = all.text();
    assert_eq!(html.matches("<tr><td data-label").count(), 3, "{html}");
    // Newest first; activities by the name in the reader's language (课程), verbs by theirs.
    let table = &html[html.find("id=\"statements\"").unwrap()..];
    assert!(table.find("experienced").unwrap() < table.find("completed").unwrap());
    assert!(html.contains("课程"), "{html}");
    assert!(
        html.contains("全市慕课") && html.contains("机构平台"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/bank/statements\""),
        "in the navigation"
    );
    assert_eq!(app.audit_count("statements.search").await, 0);

    // One learner, by e-mail: audited, without the address in clear.
    let ann = app
        .get("/bank/statements?email=ann%40example.com", Some(&bank))
        .await
        .text();
    assert_eq!(ann.matches("<tr><td data-label").count(), 2, "{ann}");
    assert!(!ann.contains("bob@example.com"), "{ann}");
    assert_eq!(app.audit_count("statements.search").await, 1);
    let entries = app
        .store
        .list_audit(
            &xc_store::AuditFilter::default(),
            xc_store::PageRequest::new(0, 10),
        )
        .await
        .unwrap();
    let search = entries
        .items
        .iter()
        .find(|e| e.action == "statements.search")
        .unwrap();
    let ann_agent =
        xc_bank::learning_records::parse_agent(r#"{"mbox":"mailto:ann@example.com"}"#).unwrap();
    assert_eq!(
        (search.subject_kind.as_str(), search.subject_id.clone()),
        (
            "xapi_actor",
            xc_bank::learning_records::actor_hash(&app.vault, &ann_agent)
        ),
        "the actor's keyed hash, as the erasure's audit keeps it"
    );
    assert!(!search.subject_id.contains("ann"), "{search:?}");

    // By verb and by platform.
    let attended = app
        .get(
            "/bank/statements?verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fattended",
            Some(&bank),
        )
        .await
        .text();
    assert_eq!(
        attended.matches("<tr><td data-label").count(),
        1,
        "{attended}"
    );
    let of_city = app
        .get(
            &format!("/bank/statements?platform={}", city.key),
            Some(&bank),
        )
        .await
        .text();
    assert_eq!(
        of_city.matches("<tr><td data-label").count(),
        1,
        "{of_city}"
    );

    // By day, in Beijing time: today holds all three, the days up to yesterday none.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let yesterday = today.previous_day().unwrap();
    let within = app
        .get(
            &format!("/bank/statements?since={today}&until={today}"),
            Some(&bank),
        )
        .await
        .text();
    assert_eq!(within.matches("<tr><td data-label").count(), 3, "{within}");
    let before = app
        .get(&format!("/bank/statements?until={yesterday}"), Some(&bank))
        .await
        .text();
    assert!(before.contains("id=\"statements-none\""), "{before}");

    // Provider staff: only their institution's platform, whatever they ask.
    let provider = app.sign_in("provider").await;
    let theirs = app.get("/bank/statements", Some(&provider)).await.text();
    assert_eq!(theirs.matches("<tr><td data-label").count(), 2, "{theirs}");
    let table = &theirs[theirs.find("id=\"statements\"").unwrap()..];
    assert!(!table.contains("experienced"), "{theirs}");
    let refused = app
        .get(
            &format!("/bank/statements?platform={}", city.key),
            Some(&provider),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("platform"), "{}", refused.text());

    // Bad input is named: a date, an e-mail, a verb that is not an IRI, an unknown field.
    for (query, field) in [
        ("since=29%2F11%2F2026", "since"),
        ("since=2026-11-29&until=2026-11-01", "until"),
        ("email=not-an-address", "email"),
        ("verb=completed", "verb"),
        ("colour=red", "colour"),
        ("more=nonsense", "more"),
    ] {
        let response = app
            .get(&format!("/bank/statements?{query}"), Some(&bank))
            .await;
        assert!(
            response.status.is_client_error(),
            "{query}: {}",
            response.status
        );
        assert!(
            response.text().contains(field),
            "{query}: {}",
            response.text()
        );
    }

    // Pages of 30: the next page's link carries the filter and the cursor, and the two pages
    // hold every statement once.
    let batch: Vec<Value> = (0..31)
        .map(|i| statement(&format!("learner{i}"), "attended", "walk"))
        .collect();
    let posted = call(
        &app,
        Method::POST,
        "/xapi/statements",
        Some(&own),
        Some("2.0.0"),
        Some(Value::Array(batch)),
        &[],
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    let query = "verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fattended";
    let first = app
        .get(&format!("/bank/statements?{query}"), Some(&bank))
        .await
        .text();
    assert_eq!(first.matches("<tr><td data-label").count(), 30);
    let next = first
        .split("href=\"")
        .find_map(|rest| {
            let href = rest.split('"').next()?;
            href.contains("more=")
                .then(|| href.replace("&amp;", "&").replace("&#38;", "&"))
        })
        .expect("a next page link");
    assert!(next.contains(query), "{next}");
    let second = app.get(&next, Some(&bank)).await.text();
    assert_eq!(second.matches("<tr><td data-label").count(), 2, "{second}");
    assert!(
        second.contains("bob@example.com"),
        "the oldest attended statement is last"
    );
    assert!(!second.contains("more="), "no third page");

    // Citizens may not search.
    let citizen = app.sign_in("citizen-huangpu").await;
    assert_eq!(
        app.get("/bank/statements", Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
}
