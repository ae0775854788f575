//! `multipart/mixed` requests to the Statement resource (Communication 1.5.2): the first part
//! holds the statements (`application/json`), every further part the raw bytes of one
//! attachment, named by its SHA-2 in `X-Experience-API-Hash` and sent with
//! `Content-Transfer-Encoding: binary`.
//!
//! [`split_statement_request`] reads the body into those parts (RFC 2046 framing, with limits);
//! after the statements are parsed, [`match_attachments`] checks that the parts and the
//! statements' attachments agree: each part's bytes hash to the declared value, each part is an
//! attachment of some statement, and each attachment without a `fileUrl` has its part. Every
//! failure is `400 Bad Request`; the HTTP layer caps the body's size before this runs (413).

use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::error::{Result, XapiError};
use crate::model::Statement;

/// Bounds on what one request may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartLimits {
    /// Parts, the statements' part included.
    pub max_parts: usize,
    /// Bytes of one part's header block.
    pub max_header_bytes: usize,
}

impl Default for MultipartLimits {
    fn default() -> Self {
        MultipartLimits {
            max_parts: 1_001,
            max_header_bytes: 8 * 1024,
        }
    }
}

/// One part after the statements' part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentPart<'a> {
    /// `X-Experience-API-Hash`, lower case.
    pub sha2: String,
    /// `Content-Type`, if the part had one.
    pub content_type: Option<String>,
    /// The raw bytes.
    pub body: &'a [u8],
}

/// A statement request split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRequest<'a> {
    /// The JSON of the statements (one statement or an array).
    pub statements: &'a [u8],
    /// The attachments' parts, in order.
    pub attachments: Vec<AttachmentPart<'a>>,
}

fn bad(path: impl Into<String>, reason: impl Into<String>) -> XapiError {
    XapiError::bad_request(path, reason)
}

/// The `boundary` parameter of a `multipart/mixed` Content-Type (quoted or not); refuses any
/// other media type and a missing or malformed boundary.
pub fn boundary(content_type: &str) -> Result<String> {
    let mut pieces = content_type.split(';');
    let essence = pieces.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/mixed") {
        return Err(bad(
            "Content-Type",
            format!("statements with attachments must be sent as multipart/mixed, not {essence:?}"),
        ));
    }
    for parameter in pieces {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        // RFC 2046 §5.1.1: 1 to 70 characters of bchars, not ending in a space.
        let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
        if value.is_empty()
            || value.len() > 70
            || value.ends_with(' ')
            || !value.chars().all(allowed)
        {
            return Err(bad(
                "Content-Type",
                format!("{value:?} is not a valid multipart boundary"),
            ));
        }
        return Ok(value.to_string());
    }
    Err(bad(
        "Content-Type",
        "multipart/mixed needs a boundary parameter",
    ))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

struct RawPart<'a> {
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

impl RawPart<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `body` at `boundary` (RFC 2046 §5.1.1): preamble and epilogue ignored, each part a
/// header block, an empty line, and bytes up to the CRLF before the next delimiter.
fn parts<'a>(body: &'a [u8], boundary: &str, limits: MultipartLimits) -> Result<Vec<RawPart<'a>>> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = if body.starts_with(delimiter) {
        0
    } else {
        let mut crlf_delimiter = b"\r\n".to_vec();
        crlf_delimiter.extend_from_slice(delimiter);
        find(body, &crlf_delimiter, 0)
            .map(|i| i + 2)
            .ok_or_else(|| {
                bad(
                    "",
                    "the body does not contain the multipart boundary given in Content-Type",
                )
            })?
    };
    let mut next_delimiter = b"\r\n".to_vec();
    next_delimiter.extend_from_slice(delimiter);
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            break;
        }
        // Transport padding, then the line end.
        while at < body.len() && (body[at] == b' ' || body[at] == b'\t') {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(bad("", "a multipart boundary line must end with CRLF"));
        }
        at += 2;
        if parts.len() == limits.max_parts {
            return Err(bad("", format!("more than {} parts", limits.max_parts)));
        }
        let (headers, body_start) = if body[at..].starts_with(b"\r\n") {
            (Vec::new(), at + 2)
        } else {
            let end = find(body, b"\r\n\r\n", at).ok_or_else(|| {
                bad(
                    "",
                    format!("part {} has no empty line after its headers", parts.len()),
                )
            })?;
            if end - at > limits.max_header_bytes {
                return Err(bad(
                    "",
                    format!(
                        "part {} has headers over {} bytes",
                        parts.len(),
                        limits.max_header_bytes
                    ),
                ));
            }
            let block = std::str::from_utf8(&body[at..end]).map_err(|_| {
                bad(
                    "",
                    format!("part {} has headers that are not text", parts.len()),
                )
            })?;
            let mut headers = Vec::new();
            for line in block.split("\r\n") {
                let (name, value) = line.split_once(':').ok_or_else(|| {
                    bad(
                        "",
                        format!(
                            "part {} has a header line without a colon: {line:?}",
                            parts.len()
                        ),
                    )
                })?;
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
            (headers, end + 4)
        };
        let end = find(body, &next_delimiter, body_start)
            .ok_or_else(|| bad("", "the body ends without the closing multipart boundary"))?;
        parts.push(RawPart {
            headers,
            body: &body[body_start..end],
        });
        at = end + 2;
    }
    Ok(parts)
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Splits a `multipart/mixed` statement request: `content_type` is the request's
/// Content-Type header, `body` its bytes.
pub fn split_statement_request<'a>(
    content_type: &str,
    body: &'a [u8],
    limits: MultipartLimits,
) -> Result<StatementRequest<'a>> {
    let boundary = boundary(content_type)?;
    let mut raw = parts(body, &boundary, limits)?.into_iter();
    let first = raw.next().ok_or_else(|| {
        bad(
            "",
            "the multipart body has no parts: the first must hold the statements",
        )
    })?;
    match first.header("Content-Type") {
        Some(kind) if essence(kind) == "application/json" => {}
        other => {
            return Err(bad(
                "",
                format!("the first part must have Content-Type application/json, not {other:?}"),
            ));
        }
    }
    let mut attachments = Vec::new();
    for (index, part) in raw.enumerate() {
        let number = index + 1;
        let content_type = part.header("Content-Type").map(str::to_string);
        if content_type.as_deref().map(essence).as_deref() == Some("application/json")
            && part.header("X-Experience-API-Hash").is_none()
        {
            return Err(bad(
                "",
                format!(
                    "part {number} is a second application/json part: send all statements in the first part"
                ),
            ));
        }
        let hash = part.header("X-Experience-API-Hash").ok_or_else(|| {
            bad(
                "",
                format!("part {number} has no X-Experience-API-Hash header"),
            )
        })?;
        match part.header("Content-Transfer-Encoding") {
            Some(encoding) if encoding.eq_ignore_ascii_case("binary") => {}
            other => {
                return Err(bad(
                    "",
                    format!(
                        "part {number} must have Content-Transfer-Encoding: binary, not {other:?}"
                    ),
                ));
            }
        }
        let sha2 = hash.to_ascii_lowercase();
        if ![56, 64, 96, 128].contains(&sha2.len()) || !sha2.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(bad(
                "",
                format!("part {number}: X-Experience-API-Hash {hash:?} is not a SHA-2 hash in hex"),
            ));
        }
        attachments.push(AttachmentPart {
            sha2,
            content_type,
            body: part.body,
        });
    }
    Ok(StatementRequest {
        statements: first.body,
        attachments,
    })
}

/// The hex SHA-2 of `bytes` with the variant the hash's length names.
fn sha2_hex(bytes: &[u8], hex_length: usize) -> String {
    let digest: Vec<u8> = match hex_length {
        56 => Sha224::digest(bytes).to_vec(),
        96 => Sha384::digest(bytes).to_vec(),
        128 => Sha512::digest(bytes).to_vec(),
        _ => Sha256::digest(bytes).to_vec(),
    };
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `parts` and the attachments of `statements` agree (see the module doc). An
/// attachment's `length` is not compared with its part's size: the conformance suite itself
/// declares the file's size while sending its hex form.
pub fn match_attachments(statements: &[Statement], parts: &[AttachmentPart<'_>]) -> Result<()> {
    let declared: Vec<(String, &str, String)> = statements
        .iter()
        .enumerate()
        .flat_map(|(s, statement)| {
            statement
                .attachments
                .iter()
                .flatten()
                .enumerate()
                .map(move |(a, attachment)| {
                    let path = if statements.len() == 1 {
                        format!("attachments[{a}]")
                    } else {
                        format!("[{s}].attachments[{a}]")
                    };
                    (
                        path,
                        attachment.sha2.as_str(),
                        attachment.content_type.clone(),
                    )
                })
        })
        .collect();
    for (index, part) in parts.iter().enumerate() {
        let number = index + 1;
        if sha2_hex(part.body, part.sha2.len()) != part.sha2 {
            return Err(bad(
                "",
                format!("part {number}: its bytes do not hash to its X-Experience-API-Hash"),
            ));
        }
        let matching: Vec<_> = declared
            .iter()
            .filter(|(_, sha2, _)| sha2.eq_ignore_ascii_case(&part.sha2))
            .collect();
        if matching.is_empty() {
            return Err(bad(
                "",
                format!(
                    "part {number} is not an attachment of any statement sent (no attachment has its sha2)"
                ),
            ));
        }
        if let Some(part_type) = &part.content_type
            && let Some((path, _, declared_type)) = matching
                .iter()
                .find(|(_, _, declared_type)| essence(declared_type) != essence(part_type))
        {
            return Err(bad(
                format!("{path}.contentType"),
                format!("is {declared_type:?} but its part says {part_type:?}"),
            ));
        }
    }
    for (statement_index, statement) in statements.iter().enumerate() {
        for (index, attachment) in statement.attachments.iter().flatten().enumerate() {
            let has_part = parts
                .iter()
                .any(|part| part.sha2.eq_ignore_ascii_case(&attachment.sha2));
            if attachment.file_url.is_none() && !has_part {
                let path = if statements.len() == 1 {
                    format!("attachments[{index}]")
                } else {
                    format!("[{statement_index}].attachments[{index}]")
                };
                return Err(bad(
                    path,
                    "has no fileUrl and no multipart part with its sha2: send the bytes or a fileUrl",
                ));
            }
        }
    }
    Ok(())
}
