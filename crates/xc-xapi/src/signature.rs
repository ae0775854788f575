//! Signed statements (Data 2.6): the JWS in a statement's signature attachment.
//!
//! What the LRS MUST do, in order: decode the JWS (RFC 7515 compact serialisation; the JSON
//! serialisation is "strongly discouraged" and refused here), check that `alg` is `RS256`,
//! `RS384` or `RS512`, load the payload as a statement and check it is logically equivalent to
//! the received statement (the received one without its signature attachment — the payload is
//! "the complete Statement before the signature was added"; [`crate::compare`] decides
//! equivalence), and, when the header carries an X.509 chain (`x5c`), verify the signature with
//! the first certificate's RSA key. Every failure is `400 Bad Request`.
//!
//! As the spec notes, checking against the included certificate catches mistakes; it says
//! nothing about who signed. Which signers to trust is out of scope here.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::{Sha256, Sha384, Sha512};
use rsa::signature::Verifier;
use serde_json::Value;

use crate::compare;
use crate::error::{Result, XapiError};
use crate::json::parse_strict;
use crate::model::{SIGNATURE_USAGE_TYPE, Statement};
use crate::parse::parse_statement;
use crate::version::XapiVersion;

/// The content type a signature attachment must declare.
pub const SIGNATURE_CONTENT_TYPE: &str = "application/octet-stream";

/// The JWS algorithms xAPI allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsAlgorithm {
    Rs256,
    Rs384,
    Rs512,
}

/// A signature that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSignature {
    pub algorithm: JwsAlgorithm,
    /// True when the header had an `x5c` chain and the signature verified against its first
    /// certificate; false when there was no certificate to check against.
    pub certificate_verified: bool,
}

fn bad(reason: impl Into<String>) -> XapiError {
    XapiError::bad_request("signature", reason)
}

/// Checks the JWS `jws` (the bytes of the attachment with the signature `usageType`) against
/// `statement`, the statement as received.
pub fn check_signature(
    statement: &Statement,
    jws: &[u8],
    version: XapiVersion,
) -> Result<CheckedSignature> {
    let signature_attachments: Vec<_> = statement.signature_attachments().collect();
    match signature_attachments.as_slice() {
        [] => return Err(bad("the statement has no signature attachment")),
        [attachment] if attachment.content_type != SIGNATURE_CONTENT_TYPE => {
            return Err(bad(format!(
                "a signature attachment must have contentType {SIGNATURE_CONTENT_TYPE}, not {:?}",
                attachment.content_type
            )));
        }
        [_] => {}
        _ => return Err(bad("a statement can carry only one signature attachment")),
    }
    let text = std::str::from_utf8(jws)
        .map_err(|_| bad("the JWS is not text: send the compact serialisation"))?
        .trim();
    let mut parts = text.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            "the JWS must be in compact serialisation: header.payload.signature",
        ));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| bad(format!("the JWS {what} is not base64url")))
    };
    let header_bytes = decode(header_b64, "header")?;
    let payload_bytes = decode(payload_b64, "payload")?;
    let signature_bytes = decode(signature_b64, "signature")?;

    let header = parse_strict(&header_bytes)
        .map_err(|e| bad(format!("the JWS header is not JSON ({})", e.reason)))?;
    let Value::Object(header) = header else {
        return Err(bad("the JWS header must be a JSON object"));
    };
    let algorithm = match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => JwsAlgorithm::Rs256,
        Some("RS384") => JwsAlgorithm::Rs384,
        Some("RS512") => JwsAlgorithm::Rs512,
        Some(other) => {
            return Err(bad(format!(
                "the JWS algorithm must be RS256, RS384 or RS512, not {other:?}"
            )));
        }
        None => return Err(bad("the JWS header has no alg")),
    };
    if header.contains_key("crit") {
        return Err(bad(
            "the JWS header has critical extensions (crit) this LRS does not understand",
        ));
    }

    let payload_json = parse_strict(&payload_bytes)
        .map_err(|e| bad(format!("the JWS payload is not JSON ({})", e.reason)))?;
    let signed = parse_statement(&payload_json, version).map_err(|e| {
        XapiError::bad_request(
            "signature",
            format!("the JWS payload is not a valid statement: {e}"),
        )
    })?;
    let received = without_signature(statement);
    let signed = without_signature(&signed);
    if !compare::equivalent(&received, &signed) {
        let property = compare::first_difference(&received, &signed).unwrap_or_default();
        return Err(bad(format!(
            "the signed statement in the JWS payload differs from the statement sent (at {property})"
        )));
    }

    let certificate_verified = match header.get("x5c") {
        None => false,
        Some(chain) => {
            let first = chain
                .as_array()
                .and_then(|c| c.first())
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad("x5c must be an array of base64 DER certificates, signer first")
                })?;
            let der = STANDARD
                .decode(first)
                .map_err(|_| bad("the x5c certificate is not base64"))?;
            let key_der = subject_public_key_info(&der)
                .ok_or_else(|| bad("the x5c certificate is not a DER X.509 certificate"))?;
            let key = rsa::PublicKey::from_public_key_der(key_der)
                .map_err(|_| bad("the x5c certificate's key is not an RSA key"))?;
            let signature = Signature::try_from(signature_bytes.as_slice())
                .map_err(|_| bad("the JWS signature is malformed"))?;
            let signing_input = format!("{header_b64}.{payload_b64}");
            let verified =
                match algorithm {
                    JwsAlgorithm::Rs256 => VerifyingKey::<Sha256>::new(key)
                        .verify(signing_input.as_bytes(), &signature),
                    JwsAlgorithm::Rs384 => VerifyingKey::<Sha384>::new(key)
                        .verify(signing_input.as_bytes(), &signature),
                    JwsAlgorithm::Rs512 => VerifyingKey::<Sha512>::new(key)
                        .verify(signing_input.as_bytes(), &signature),
                };
            verified.map_err(|_| {
                bad("the JWS signature does not verify against the x5c certificate")
            })?;
            true
        }
    };
    Ok(CheckedSignature {
        algorithm,
        certificate_verified,
    })
}

/// `statement` without its signature attachment(s); an emptied list becomes no list.
fn without_signature(statement: &Statement) -> Statement {
    let attachments: Vec<_> = statement
        .attachments
        .iter()
        .flatten()
        .filter(|a| a.usage_type.as_str() != SIGNATURE_USAGE_TYPE)
        .cloned()
        .collect();
    Statement {
        attachments: (!attachments.is_empty()).then_some(attachments),
        ..statement.clone()
    }
}

/// One DER element read from the front of a byte string.
struct DerElement<'a> {
    tag: u8,
    /// Tag, length and content.
    whole: &'a [u8],
    content: &'a [u8],
    /// What follows the element.
    rest: &'a [u8],
}

fn der_element(input: &[u8]) -> Option<DerElement<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    let header_length = input.len() - rest.len();
    let whole = &input[..header_length + length];
    Some(DerElement {
        tag,
        whole,
        content: &rest[..length],
        rest: &rest[length..],
    })
}

/// The SubjectPublicKeyInfo element of an X.509 certificate (RFC 5280 §4.1): Certificate ::=
/// SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature,
/// issuer, validity, subject, subjectPublicKeyInfo, … }, … }.
fn subject_public_key_info(certificate: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    let certificate = der_element(certificate).filter(|e| e.tag == SEQUENCE)?;
    let tbs = der_element(certificate.content).filter(|e| e.tag == SEQUENCE)?;
    let mut fields = tbs.content;
    if fields.first() == Some(&0xa0) {
        fields = der_element(fields)?.rest;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        fields = der_element(fields)?.rest;
    }
    let key = der_element(fields).filter(|e| e.tag == SEQUENCE)?;
    Some(key.whole)
}
