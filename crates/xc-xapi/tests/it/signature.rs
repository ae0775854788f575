//! Signed statements (Data 2.6). The vector is the specification's own: Appendix D of the
//! xAPI 1.0.3 Data part (github.com/adlnet/xAPI-Spec, Apache-2.0) — the statement, the example
//! RSA key of its X.509 certificate, and the JWS signed with it, `x5c` included.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::sha2::{Digest, Sha256, Sha384, Sha512};
use rsa::signature::{SignatureEncoding, hazmat::PrehashSigner};
use serde_json::{Value, json};
use xc_xapi::signature::{JwsAlgorithm, check_signature};
use xc_xapi::{Statement, XapiVersion, parse_statement};

const V1: XapiVersion = XapiVersion::LATEST_1_0;

/// The statement of Appendix D as signed.
const SIGNED_STATEMENT: &str = r#"{
    "version": "1.0.0",
    "id": "33cff416-e331-4c9d-969e-5373a1756120",
    "actor": {
        "mbox": "mailto:example@example.com",
        "name": "Example Learner",
        "objectType": "Agent"
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/experienced",
        "display": {
            "en-US": "experienced"
        }
    },
    "object": {
        "id": "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
        "objectType": "Activity",
        "definition": {
            "name": {
                "en-US": "Tax Tips & Information : How to File a Tax Return "
            },
            "description": {
                "en-US": "Filing a tax return will require filling out either a 1040, 1040A or 1040EZ form"
            }
        }
    },
    "timestamp": "2013-04-01T12:00:00Z"
}"#;

/// The example private key of Appendix D (PKCS#1 PEM).
const PRIVATE_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIICXAIBAAKBgQDjxvZXF30WL4oKjZYXgR0ZyaX+u3y6+JqTqiNkFa/VTnet6Ly2\nOT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j5iNn4obcCVWTL9yXNvJH+Ko+xu4Y\nl/ySPRrIPyTjtHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQAB\nAoGAOejdvGq2XKuddu1kWXl0Aphn4YmdPpPyCNTaxplU6PBYMRjY0aNgLQE6bO2p\n/HJiU4Y4PkgzkEgCu0xf/mOq5DnSkX32ICoQS6jChABAe20ErPfm5t8h9YKsTfn9\n40lAouuwD9ePRteizd4YvHtiMMwmh5PtUoCbqLefawNApAECQQD1mdBW3zL0okUx\n2pc4tttn2qArCG4CsEZMLlGRDd3FwPWJz3ZPNEEgZWXGSpA9F1QTZ6JYXIfejjRo\nUuvRMWeBAkEA7WvzDBNcv4N+xeUKvH8ILti/BM58LraTtqJlzjQSovek0srxtmDg\n5of+xrxN6IM4p7yvQa+7YOUOukrVXjG+1QJBAI2mBrjzxgm9xTa5odn97JD7UMFA\n/WHjlMe/Nx/35V52qaav1sZbluw+TvKMcqApYj5G2SUpSNudHLDGkmd2nQECQFfc\nlBRK8g7ZncekbGW3aRLVGVOxClnLLTzwOlamBKOUm8V6XxsMHQ6TE2D+fKJoNUY1\n2HGpk+FWwy2D1hRGuoUCQAXfaLSxtaWdPtlZTPVueF7ZikQDsVg+vtTFgpuHloR2\n6EVc1RbHHZm32yvGDY8IkcoMfJQqLONDdLfS/05yoNU=\n-----END RSA PRIVATE KEY-----";

/// The example certificate of Appendix D (base64 DER, as in the JWS header's x5c).
const CERTIFICATE_B64: &str = "MIIDATCCAmqgAwIBAgIJAMB1csNuA6+kMA0GCSqGSIb3DQEBBQUAMHExCzAJBgNVBAYTAlVTMRIwEAYDVQQIEwlUZW5uZXNzZWUxGDAWBgNVBAoTD0V4YW1wbGUgQ29tcGFueTEQMA4GA1UEAxMHRXhhbXBsZTEiMCAGCSqGSIb3DQEJARYTZXhhbXBsZUBleGFtcGxlLmNvbTAeFw0xMzA0MDQxNTI4MzBaFw0xNDA0MDQxNTI4MzBaMIGWMQswCQYDVQQGEwJVUzESMBAGA1UECBMJVGVubmVzc2VlMREwDwYDVQQHEwhGcmFua2xpbjEYMBYGA1UEChMPRXhhbXBsZSBDb21wYW55MRAwDgYDVQQLEwdFeGFtcGxlMRAwDgYDVQQDEwdFeGFtcGxlMSIwIAYJKoZIhvcNAQkBFhNleGFtcGxlQGV4YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDjxvZXF30WL4oKjZYXgR0ZyaX+u3y6+JqTqiNkFa/VTnet6Ly2OT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j5iNn4obcCVWTL9yXNvJH+Ko+xu4Yl/ySPRrIPyTjtHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQUVs3v5afEdOeoYeVajAQE4v0WS1QwHwYDVR0jBBgwFoAUyVIc3yvra4EBz20I4BF39IAixBkwDQYJKoZIhvcNAQEFBQADgYEAgS/FF5D0Hnj44rvT6kgn3kJAvv2lj/fyjztKIrYS33ljXGn6gGyA4qtbXA23PrO4uc/wYCSDICDpPobh62xTCd9qObKhgwWOi05PSBLqUu3mwfAe15LJBJBqPVZ4K0kppePBU8m6aIZoH57L/9t4OoaL8yKs/qjKFeI1OFWZxvA=";

/// The JWS of Appendix D.
const JWS: &str = "ew0KICAgICJhbGciOiAiUlMyNTYiLA0KICAgICJ4NWMiOiBbDQogICAgICAgICJNSUlEQVRDQ0FtcWdBd0lCQWdJSkFNQjFjc051QTYra01BMEdDU3FHU0liM0RRRUJCUVVBTUhFeEN6QUpCZ05WQkFZVEFsVlRNUkl3RUFZRFZRUUlFd2xVWlc1dVpYTnpaV1V4R0RBV0JnTlZCQW9URDBWNFlXMXdiR1VnUTI5dGNHRnVlVEVRTUE0R0ExVUVBeE1IUlhoaGJYQnNaVEVpTUNBR0NTcUdTSWIzRFFFSkFSWVRaWGhoYlhCc1pVQmxlR0Z0Y0d4bExtTnZiVEFlRncweE16QTBNRFF4TlRJNE16QmFGdzB4TkRBME1EUXhOVEk0TXpCYU1JR1dNUXN3Q1FZRFZRUUdFd0pWVXpFU01CQUdBMVVFQ0JNSlZHVnVibVZ6YzJWbE1SRXdEd1lEVlFRSEV3aEdjbUZ1YTJ4cGJqRVlNQllHQTFVRUNoTVBSWGhoYlhCc1pTQkRiMjF3WVc1NU1SQXdEZ1lEVlFRTEV3ZEZlR0Z0Y0d4bE1SQXdEZ1lEVlFRREV3ZEZlR0Z0Y0d4bE1TSXdJQVlKS29aSWh2Y05BUWtCRmhObGVHRnRjR3hsUUdWNFlXMXdiR1V1WTI5dE1JR2ZNQTBHQ1NxR1NJYjNEUUVCQVFVQUE0R05BRENCaVFLQmdRRGp4dlpYRjMwV0w0b0tqWllYZ1IwWnlhWCt1M3k2K0pxVHFpTmtGYS9WVG5ldDZMeTJPVDZabW1jSkVQbnEzVW5ld3BIb09RK0dmaGhUa1cxM2owNmo1aU5uNG9iY0NWV1RMOXlYTnZKSCtLbyt4dTRZbC95U1BScklQeVRqdEhkRzBNMlh6SWxtbUxxbStDQVMrS0NiSmVINHRmNTQza0lXQzVwQzVwM2NWUUlEQVFBQm8zc3dlVEFKQmdOVkhSTUVBakFBTUN3R0NXQ0dTQUdHK0VJQkRRUWZGaDFQY0dWdVUxTk1JRWRsYm1WeVlYUmxaQ0JEWlhKMGFXWnBZMkYwWlRBZEJnTlZIUTRFRmdRVVZzM3Y1YWZFZE9lb1llVmFqQVFFNHYwV1MxUXdId1lEVlIwakJCZ3dGb0FVeVZJYzN5dnJhNEVCejIwSTRCRjM5SUFpeEJrd0RRWUpLb1pJaHZjTkFRRUZCUUFEZ1lFQWdTL0ZGNUQwSG5qNDRydlQ2a2duM2tKQXZ2MmxqL2Z5anp0S0lyWVMzM2xqWEduNmdHeUE0cXRiWEEyM1ByTzR1Yy93WUNTRElDRHBQb2JoNjJ4VENkOXFPYktoZ3dXT2kwNVBTQkxxVXUzbXdmQWUxNUxKQkpCcVBWWjRLMGtwcGVQQlU4bTZhSVpvSDU3TC85dDRPb2FMOHlLcy9xaktGZUkxT0ZXWnh2QT0iLA0KICAgICAgICAiTUlJRE56Q0NBcUNnQXdJQkFnSUpBTUIxY3NOdUE2K2pNQTBHQ1NxR1NJYjNEUUVCQlFVQU1IRXhDekFKQmdOVkJBWVRBbFZUTVJJd0VBWURWUVFJRXdsVVpXNXVaWE56WldVeEdEQVdCZ05WQkFvVEQwVjRZVzF3YkdVZ1EyOXRjR0Z1ZVRFUU1BNEdBMVVFQXhNSFJYaGhiWEJzWlRFaU1DQUdDU3FHU0liM0RRRUpBUllUWlhoaGJYQnNaVUJsZUdGdGNHeGxMbU52YlRBZUZ3MHhNekEwTURReE5USTFOVE5hRncweU16QTBNREl4TlRJMU5UTmFNSEV4Q3pBSkJnTlZCQVlUQWxWVE1SSXdFQVlEVlFRSUV3bFVaVzV1WlhOelpXVXhHREFXQmdOVkJBb1REMFY0WVcxd2JHVWdRMjl0Y0dGdWVURVFNQTRHQTFVRUF4TUhSWGhoYlhCc1pURWlNQ0FHQ1NxR1NJYjNEUUVKQVJZVFpYaGhiWEJzWlVCbGVHRnRjR3hsTG1OdmJUQ0JuekFOQmdrcWhraUc5dzBCQVFFRkFBT0JqUUF3Z1lrQ2dZRUExc0JuQldQWjBmN1dKVUZUSnk1KzAxU2xTNVo2RERENlV5ZTl2SzlBeWNnVjVCMytXQzhIQzV1NWg5MU11akFDMUFSUFZVT3RzdlBSczQ1cUtORklnSUdSWEtQQXdaamF3RUkyc0NKUlNLVjQ3aTZCOGJEdjRXa3VHdlFhdmVaR0kwcWxtTjVSMUVpbTJnVUl0UmoxaGdjQzlyUWF2amxuRktEWTJybFhHdWtDQXdFQUFhT0IxakNCMHpBZEJnTlZIUTRFRmdRVXlWSWMzeXZyYTRFQnoyMEk0QkYzOUlBaXhCa3dnYU1HQTFVZEl3U0JtekNCbUlBVXlWSWMzeXZyYTRFQnoyMEk0QkYzOUlBaXhCbWhkYVJ6TUhFeEN6QUpCZ05WQkFZVEFsVlRNUkl3RUFZRFZRUUlFd2xVWlc1dVpYTnpaV1V4R0RBV0JnTlZCQW9URDBWNFlXMXdiR1VnUTI5dGNHRnVlVEVRTUE0R0ExVUVBeE1IUlhoaGJYQnNaVEVpTUNBR0NTcUdTSWIzRFFFSkFSWVRaWGhoYlhCc1pVQmxlR0Z0Y0d4bExtTnZiWUlKQU1CMWNzTnVBNitqTUF3R0ExVWRFd1FGTUFNQkFmOHdEUVlKS29aSWh2Y05BUUVGQlFBRGdZRUFEaHdUZWJHazczNXlLaG04RHFDeHZObkVaME54c1lFWU9qZ1JHMXlYVGxXNXBFNjkxZlNINUFaK1Q2ZnB3cFpjV1k1UVlrb042RG53ak94R2tTZlFDMy95R21jVURLQlB3aVo1TzJzOUMrZkUxa1VFbnJYMlhlYTRhZ1ZuZ016UjhEUTZvT2F1TFdxZWhEQitnMkVOV1JMb1ZnUyttYTUvWWNzMEdUeXJFQ1k9Ig0KICAgIF0NCn0.ew0KICAgICJ2ZXJzaW9uIjogIjEuMC4wIiwNCiAgICAiaWQiOiAiMzNjZmY0MTYtZTMzMS00YzlkLTk2OWUtNTM3M2ExNzU2MTIwIiwNCiAgICAiYWN0b3IiOiB7DQogICAgICAgICJtYm94IjogIm1haWx0bzpleGFtcGxlQGV4YW1wbGUuY29tIiwNCiAgICAgICAgIm5hbWUiOiAiRXhhbXBsZSBMZWFybmVyIiwNCiAgICAgICAgIm9iamVjdFR5cGUiOiAiQWdlbnQiDQogICAgfSwNCiAgICAidmVyYiI6IHsNCiAgICAgICAgImlkIjogImh0dHA6Ly9hZGxuZXQuZ292L2V4cGFwaS92ZXJicy9leHBlcmllbmNlZCIsDQogICAgICAgICJkaXNwbGF5Ijogew0KICAgICAgICAgICAgImVuLVVTIjogImV4cGVyaWVuY2VkIg0KICAgICAgICB9DQogICAgfSwNCiAgICAib2JqZWN0Ijogew0KICAgICAgICAiaWQiOiAiaHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g_dj14aDRrSWlIM1NtOCIsDQogICAgICAgICJvYmplY3RUeXBlIjogIkFjdGl2aXR5IiwNCiAgICAgICAgImRlZmluaXRpb24iOiB7DQogICAgICAgICAgICAibmFtZSI6IHsNCiAgICAgICAgICAgICAgICAiZW4tVVMiOiAiVGF4IFRpcHMgJiBJbmZvcm1hdGlvbiA6IEhvdyB0byBGaWxlIGEgVGF4IFJldHVybiAiDQogICAgICAgICAgICB9LA0KICAgICAgICAgICAgImRlc2NyaXB0aW9uIjogew0KICAgICAgICAgICAgICAgICJlbi1VUyI6ICJGaWxpbmcgYSB0YXggcmV0dXJuIHdpbGwgcmVxdWlyZSBmaWxsaW5nIG91dCBlaXRoZXIgYSAxMDQwLCAxMDQwQSBvciAxMDQwRVogZm9ybSINCiAgICAgICAgICAgIH0NCiAgICAgICAgfQ0KICAgIH0sDQogICAgInRpbWVzdGFtcCI6ICIyMDEzLTA0LTAxVDEyOjAwOjAwWiINCn0.FWuwaPhwUbkk7h9sKW5zSvjsYNugvxJ-TrVaEgt_DCUT0bmKhQScRrjMB6P9O50uznPwT66oF1NnU_G0HVhRzS5voiXE-y7tT3z0M3-8A6YK009Bk_digVUul-HA4Fpd5IjoBBGe3yzaQ2ZvzarvRuipvNEQCI0onpfuZZJQ0d8";

fn signature_attachment(jws: &str) -> Value {
    json!({
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": jws.len(),
        "sha2": hex(&Sha256::digest(jws.as_bytes()))
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `statement` as received: the signed JSON plus its signature attachment.
fn received(statement: &Value, jws: &str) -> Statement {
    let mut statement = statement.clone();
    statement["attachments"] = json!([signature_attachment(jws)]);
    parse_statement(&statement, V1).unwrap()
}

fn appendix_statement() -> Value {
    serde_json::from_str(SIGNED_STATEMENT).unwrap()
}

pub(crate) fn sign(payload: &Value, algorithm: &str, with_certificate: bool) -> String {
    let pem_body: String = PRIVATE_KEY_PEM
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let key = rsa::PrivateKey::from_pkcs1_der(&STANDARD.decode(pem_body).unwrap()).unwrap();
    let mut header = json!({"alg": algorithm});
    if with_certificate {
        header["x5c"] = json!([CERTIFICATE_B64]);
    }
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = match algorithm {
        "RS384" => SigningKey::<Sha384>::new(key)
            .sign_prehash(&Sha384::digest(signing_input.as_bytes()))
            .unwrap()
            .to_vec(),
        "RS512" => SigningKey::<Sha512>::new(key)
            .sign_prehash(&Sha512::digest(signing_input.as_bytes()))
            .unwrap()
            .to_vec(),
        _ => SigningKey::<Sha256>::new(key)
            .sign_prehash(&Sha256::digest(signing_input.as_bytes()))
            .unwrap()
            .to_vec(),
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[test]
fn the_specifications_example_verifies_against_its_certificate() {
    let statement = received(&appendix_statement(), JWS);
    let checked = check_signature(&statement, JWS.as_bytes(), V1).unwrap();
    assert_eq!(checked.algorithm, JwsAlgorithm::Rs256);
    assert!(checked.certificate_verified);
}

#[test]
fn a_statement_that_differs_from_the_payload_is_refused() {
    let mut changed = appendix_statement();
    changed["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/completed");
    let error = check_signature(&received(&changed, JWS), JWS.as_bytes(), V1).unwrap_err();
    assert_eq!(error.status.code(), 400);
    assert!(error.reason.contains("differs"), "{error}");
    assert!(error.reason.contains("verb"), "{error}");
    // What the LRS may change does not count: a verb display, an id the LRS assigned.
    let mut same = appendix_statement();
    same["verb"]["display"] = json!({"en-GB": "experienced"});
    assert!(check_signature(&received(&same, JWS), JWS.as_bytes(), V1).is_ok());
}

#[test]
fn a_tampered_signature_is_refused() {
    let mut parts: Vec<String> = JWS.split('.').map(str::to_string).collect();
    let mut signature = URL_SAFE_NO_PAD.decode(&parts[2]).unwrap();
    signature[10] ^= 1;
    parts[2] = URL_SAFE_NO_PAD.encode(signature);
    let tampered = parts.join(".");
    let error = check_signature(
        &received(&appendix_statement(), &tampered),
        tampered.as_bytes(),
        V1,
    )
    .unwrap_err();
    assert!(error.reason.contains("does not verify"), "{error}");
}

#[test]
fn every_allowed_algorithm_verifies_and_others_are_refused() {
    let payload = appendix_statement();
    for (algorithm, expected) in [
        ("RS256", JwsAlgorithm::Rs256),
        ("RS384", JwsAlgorithm::Rs384),
        ("RS512", JwsAlgorithm::Rs512),
    ] {
        let jws = sign(&payload, algorithm, true);
        let checked = check_signature(&received(&payload, &jws), jws.as_bytes(), V1).unwrap();
        assert_eq!(checked.algorithm, expected);
        assert!(checked.certificate_verified);
    }
    // Without a certificate the structure, algorithm and payload are still checked.
    let jws = sign(&payload, "RS256", false);
    let checked = check_signature(&received(&payload, &jws), jws.as_bytes(), V1).unwrap();
    assert!(!checked.certificate_verified);
    // Signed as RS256 but labelled RS384: the label is what is checked, and fails.
    let relabelled = {
        let jws = sign(&payload, "RS256", true);
        let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
        parts[0] =
            URL_SAFE_NO_PAD.encode(json!({"alg": "RS384", "x5c": [CERTIFICATE_B64]}).to_string());
        parts.join(".")
    };
    assert!(check_signature(&received(&payload, &relabelled), relabelled.as_bytes(), V1).is_err());
    for algorithm in ["HS256", "none", "ES256", "PS256", "rs256"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": algorithm}).to_string());
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        let jws = format!("{header}.{body}.c2ln");
        let error = check_signature(&received(&payload, &jws), jws.as_bytes(), V1).unwrap_err();
        assert!(
            error.reason.contains("RS256, RS384 or RS512"),
            "{algorithm}: {error}"
        );
    }
}

#[test]
fn malformed_signatures_are_refused() {
    let payload = appendix_statement();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
    let good_body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let broken_json = URL_SAFE_NO_PAD.encode(payload.to_string().replacen('"', "'", 1));
    let not_a_statement = URL_SAFE_NO_PAD.encode(r#"{"actor":{"name":"no ifi"}}"#);
    for (what, jws) in [
        ("two parts", format!("{header}.{good_body}")),
        ("four parts", format!("{header}.{good_body}.c2ln.c2ln")),
        ("not base64url", format!("{header}.{good_body}.***")),
        ("header not JSON", format!("bm90IGpzb24.{good_body}.c2ln")),
        ("payload not JSON", format!("{header}.{broken_json}.c2ln")),
        (
            "payload not a statement",
            format!("{header}.{not_a_statement}.c2ln"),
        ),
        (
            "JSON serialisation",
            json!({"payload": good_body, "signatures": []}).to_string(),
        ),
        (
            "crit",
            format!(
                "{}.{good_body}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","crit":["exp"]}"#)
            ),
        ),
        (
            "x5c not a certificate",
            format!(
                "{}.{good_body}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","x5c":["bm90IGEgY2VydA=="]}"#)
            ),
        ),
    ] {
        let error = check_signature(&received(&payload, &jws), jws.as_bytes(), V1).expect_err(what);
        assert_eq!(error.status.code(), 400, "{what}");
        assert_eq!(error.path, "signature", "{what}");
    }
    assert!(check_signature(&received(&payload, JWS), &[0xff, 0xfe], V1).is_err());
}

#[test]
fn the_signature_attachment_must_be_octet_stream_and_alone() {
    let mut statement = appendix_statement();
    let mut attachment = signature_attachment(JWS);
    attachment["contentType"] = json!("application/json");
    statement["attachments"] = json!([attachment]);
    let parsed = parse_statement(&statement, V1).unwrap();
    assert!(
        check_signature(&parsed, JWS.as_bytes(), V1)
            .unwrap_err()
            .reason
            .contains("contentType")
    );
    statement["attachments"] = json!([signature_attachment(JWS), signature_attachment(JWS)]);
    let parsed = parse_statement(&statement, V1).unwrap();
    assert!(check_signature(&parsed, JWS.as_bytes(), V1).is_err());
    let unsigned = parse_statement(&appendix_statement(), V1).unwrap();
    assert!(check_signature(&unsigned, JWS.as_bytes(), V1).is_err());
}
