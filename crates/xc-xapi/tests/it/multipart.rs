//! multipart/mixed statement requests (Communication 1.5.2), shaped like the conformance
//! suite's requests.

use rsa::sha2::{Digest, Sha256, Sha512};
use serde_json::{Value, json};
use xc_xapi::multipart::{MultipartLimits, match_attachments, split_statement_request};
use xc_xapi::{Statement, XapiVersion, parse_statements, parse_strict};

use crate::support::minimal;

const BOUNDARY: &str = "-------314159265358979323846";
const CRLF: &str = "\r\n";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn with_attachment(content: &[u8], content_type: &str) -> Value {
    let mut statement = minimal();
    statement["attachments"] = json!([{
        "usageType": "http://example.com/attachments/essay",
        "display": {"en": "Essay"},
        "contentType": content_type,
        "length": content.len(),
        "sha2": sha256(content)
    }]);
    statement
}

struct Part<'a> {
    headers: Vec<(&'a str, String)>,
    body: Vec<u8>,
}

fn attachment_part(content: &[u8], content_type: &str) -> Part<'static> {
    Part {
        headers: vec![
            ("Content-Type", content_type.to_string()),
            ("Content-Transfer-Encoding", "binary".into()),
            ("X-Experience-API-Hash", sha256(content)),
        ],
        body: content.to_vec(),
    }
}

fn json_part(statements: &Value) -> Part<'static> {
    Part {
        headers: vec![("Content-Type", "application/json".into())],
        body: statements.to_string().into_bytes(),
    }
}

fn body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}{CRLF}").as_bytes());
        for (name, value) in &part.headers {
            out.extend_from_slice(format!("{name}:{value}{CRLF}").as_bytes());
        }
        out.extend_from_slice(CRLF.as_bytes());
        out.extend_from_slice(&part.body);
        out.extend_from_slice(CRLF.as_bytes());
    }
    out.extend_from_slice(format!("--{BOUNDARY}--{CRLF}").as_bytes());
    out
}

fn content_type() -> String {
    format!("multipart/mixed; boundary={BOUNDARY}")
}

/// Splits, parses and matches, as the HTTP layer will.
fn accept(content_type: &str, body: &[u8]) -> xc_xapi::Result<(Vec<Statement>, usize)> {
    let request = split_statement_request(content_type, body, MultipartLimits::default())?;
    let statements = parse_statements(&parse_strict(request.statements)?, XapiVersion::LATEST_1_0)?;
    match_attachments(&statements, &request.attachments)?;
    Ok((statements, request.attachments.len()))
}

#[test]
fn a_statement_with_its_attachment_is_accepted() {
    let essay = "二〇二四年春 书法课 作业\nwith a binary tail \u{0}\u{1}".as_bytes();
    let statement = with_attachment(essay, "text/plain");
    let message = body(&[json_part(&statement), attachment_part(essay, "text/plain")]);
    let (statements, parts) = accept(&content_type(), &message).unwrap();
    assert_eq!((statements.len(), parts), (1, 1));
    let request =
        split_statement_request(&content_type(), &message, MultipartLimits::default()).unwrap();
    assert_eq!(request.attachments[0].body, essay);
    // A quoted boundary, a preamble line and an epilogue are all fine.
    let mut framed = b"preamble\r\n".to_vec();
    framed.extend_from_slice(&message);
    framed.extend_from_slice(b"epilogue");
    assert!(
        accept(
            &format!("multipart/mixed; boundary=\"{BOUNDARY}\""),
            &framed
        )
        .is_ok()
    );
    // The signing helper of the suite starts the body with CRLF.
    let mut leading = b"\r\n".to_vec();
    leading.extend_from_slice(&message);
    assert!(accept(&content_type(), &leading).is_ok());
}

#[test]
fn parts_shared_by_a_batch_and_file_urls() {
    let essay = b"shared";
    let a = with_attachment(essay, "text/plain");
    let b = with_attachment(essay, "text/plain");
    let message = body(&[
        json_part(&json!([a, b])),
        attachment_part(essay, "text/plain"),
    ]);
    assert_eq!(accept(&content_type(), &message).unwrap().0.len(), 2);
    // Two copies of the same bytes are not excess.
    let message = body(&[
        json_part(&json!([a, b])),
        attachment_part(essay, "text/plain"),
        attachment_part(essay, "text/plain"),
    ]);
    assert!(accept(&content_type(), &message).is_ok());
    // An attachment with a fileUrl needs no part; a statement without attachments neither.
    let mut remote = with_attachment(b"elsewhere", "application/pdf");
    remote["attachments"][0]["fileUrl"] = json!("http://example.com/essay.pdf");
    assert!(accept(&content_type(), &body(&[json_part(&remote)])).is_ok());
    assert!(accept(&content_type(), &body(&[json_part(&minimal())])).is_ok());
    // SHA-512 hashes work like SHA-256.
    let mut strong = with_attachment(b"x", "text/plain");
    let sha512 = hex(&Sha512::digest(b"x"));
    strong["attachments"][0]["sha2"] = json!(sha512);
    let mut part = attachment_part(b"x", "text/plain");
    part.headers[2].1 = sha512;
    assert!(accept(&content_type(), &body(&[json_part(&strong), part])).is_ok());
}

#[test]
fn broken_requests_are_refused() {
    let essay = b"essay";
    let statement = with_attachment(essay, "text/plain");
    let good = || vec![json_part(&statement), attachment_part(essay, "text/plain")];
    let refuse = |what: &str, content_type: &str, message: Vec<u8>| {
        let error = accept(content_type, &message).expect_err(what);
        assert_eq!(error.status.code(), 400, "{what}");
        error
    };
    refuse(
        "form-data",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        body(&good()),
    );
    refuse(
        "no boundary in the header",
        "multipart/mixed",
        body(&good()),
    );
    refuse(
        "another boundary in the header",
        "multipart/mixed; boundary=other",
        body(&good()),
    );
    refuse(
        "empty boundary",
        "multipart/mixed; boundary=",
        body(&good()),
    );
    let mut parts = good();
    parts[0].headers = vec![("Content-Type", "text/plain".into())];
    refuse("first part not JSON", &content_type(), body(&parts));
    let parts = vec![
        json_part(&statement),
        json_part(&statement),
        attachment_part(essay, "text/plain"),
    ];
    refuse("statements in two parts", &content_type(), body(&parts));
    let mut parts = good();
    parts[1]
        .headers
        .retain(|(name, _)| *name != "X-Experience-API-Hash");
    refuse("no hash header", &content_type(), body(&parts));
    let mut parts = good();
    parts[1]
        .headers
        .retain(|(name, _)| *name != "Content-Transfer-Encoding");
    refuse("no transfer encoding", &content_type(), body(&parts));
    let mut parts = good();
    parts[1].headers[1].1 = "base64".into();
    refuse("base64 transfer encoding", &content_type(), body(&parts));
    let mut parts = good();
    parts[1].body = b"tampered".to_vec();
    refuse(
        "bytes that do not match the hash",
        &content_type(),
        body(&parts),
    );
    let mut parts = good();
    parts.push(attachment_part(b"an extra part", "text/plain"));
    refuse("an excess part", &content_type(), body(&parts));
    let parts = vec![json_part(&statement)];
    let error = refuse("a missing part", &content_type(), body(&parts));
    assert_eq!(error.path, "attachments[0]");
    let mut parts = good();
    parts[1].headers[0].1 = "image/jpeg".into();
    let error = refuse("a part of another type", &content_type(), body(&parts));
    assert_eq!(error.path, "attachments[0].contentType");
    let mut cut = body(&good());
    cut.truncate(cut.len() - 10);
    refuse("no closing boundary", &content_type(), cut);
    refuse(
        "no boundary in the body",
        &content_type(),
        statement.to_string().into_bytes(),
    );
    refuse("empty body", &content_type(), Vec::new());
    let mut no_headers_end =
        format!("--{BOUNDARY}{CRLF}Content-Type: application/json{CRLF}").into_bytes();
    no_headers_end.extend_from_slice(format!("--{BOUNDARY}--").as_bytes());
    refuse(
        "headers without an empty line",
        &content_type(),
        no_headers_end,
    );
    // The suite's "boundary not provided in body": the attachment's headers run into the
    // statements' part, whose JSON then has trailing text.
    let mut run_on =
        format!("--{BOUNDARY}{CRLF}Content-Type: application/json{CRLF}{CRLF}").into_bytes();
    run_on.extend_from_slice(statement.to_string().as_bytes());
    run_on.extend_from_slice(
        format!("{CRLF}Content-Type: text/plain{CRLF}{CRLF}essay{CRLF}--{BOUNDARY}--{CRLF}")
            .as_bytes(),
    );
    refuse("a missing boundary line", &content_type(), run_on);
}

#[test]
fn limits_hold() {
    let statement = minimal();
    let limits = MultipartLimits {
        max_parts: 2,
        max_header_bytes: 64,
    };
    let many = body(&[
        json_part(&statement),
        attachment_part(b"a", "text/plain"),
        attachment_part(b"b", "text/plain"),
    ]);
    assert!(split_statement_request(&content_type(), &many, limits).is_err());
    let mut long = json_part(&statement);
    long.headers.push(("X-Padding", "x".repeat(100)));
    assert!(split_statement_request(&content_type(), &body(&[long]), limits).is_err());
    assert!(
        split_statement_request(&content_type(), &body(&[json_part(&statement)]), limits).is_ok()
    );
}

/// The body the suite's signing helper builds: leading CRLF, no space after the header colons,
/// the statement without attachments signed, then the signature attachment added.
fn suite_signed_body(statement: &Value, algorithm: &str, boundary: &str) -> Vec<u8> {
    let jws = crate::signature::sign(statement, algorithm, false);
    let mut with_signature = statement.clone();
    with_signature["attachments"] = json!([{
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "Signed by the Test Suite"},
        "description": {"en-US": "Signed by the Test Suite"},
        "contentType": "application/octet-stream",
        "length": jws.len(),
        "sha2": sha256(jws.as_bytes())
    }]);
    let mut out =
        format!("{CRLF}--{boundary}{CRLF}Content-Type:application/json{CRLF}{CRLF}").into_bytes();
    out.extend_from_slice(with_signature.to_string().as_bytes());
    out.extend_from_slice(
        format!(
            "{CRLF}--{boundary}{CRLF}Content-Type:application/octet-stream{CRLF}Content-Transfer-Encoding:binary{CRLF}X-Experience-API-Hash:{}{CRLF}{CRLF}",
            sha256(jws.as_bytes())
        )
        .as_bytes(),
    );
    out.extend_from_slice(jws.as_bytes());
    out.extend_from_slice(format!("{CRLF}--{boundary}--").as_bytes());
    out
}

#[test]
fn a_signed_statement_travels_end_to_end() {
    let boundary = "-------2870159437";
    let content_type = format!("multipart/mixed; boundary={boundary}");
    let mut statement = crate::support::full();
    statement.as_object_mut().unwrap().remove("attachments");
    for version in [XapiVersion::LATEST_1_0, XapiVersion::LATEST_2_0] {
        for algorithm in ["RS256", "RS384", "RS512"] {
            let body = suite_signed_body(&statement, algorithm, boundary);
            let request =
                split_statement_request(&content_type, &body, MultipartLimits::default()).unwrap();
            let statements =
                parse_statements(&parse_strict(request.statements).unwrap(), version).unwrap();
            match_attachments(&statements, &request.attachments).unwrap();
            let signature = statements[0].signature_attachments().next().unwrap();
            let part = request
                .attachments
                .iter()
                .find(|p| p.sha2 == signature.sha2)
                .unwrap();
            xc_xapi::signature::check_signature(&statements[0], part.body, version).unwrap();
        }
    }
    // The statement changed after signing (a longer duration): refused.
    let body = suite_signed_body(&statement, "RS256", boundary);
    let tampered = String::from_utf8(body)
        .unwrap()
        .replacen("PT1H30M", "PT2H30M", 1);
    let request = split_statement_request(
        &content_type,
        tampered.as_bytes(),
        MultipartLimits::default(),
    )
    .unwrap();
    let statements = parse_statements(
        &parse_strict(request.statements).unwrap(),
        XapiVersion::LATEST_1_0,
    )
    .unwrap();
    let error = xc_xapi::signature::check_signature(
        &statements[0],
        request.attachments[0].body,
        XapiVersion::LATEST_1_0,
    )
    .unwrap_err();
    assert!(error.reason.contains("result"), "{error}");
}
