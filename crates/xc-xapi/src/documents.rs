//! The document resources (Communication 2.2, 2.3, 2.6, 2.7): State, Activity Profile and Agent
//! Profile. Their query parameters, the ETag of a document (the quoted hex SHA-1 of its
//! contents, Communication 3.1), the If-Match / If-None-Match rules with their 412 and 409,
//! and the JSON merge a POST does.

use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::error::{Result, Status, XapiError};
use crate::json::parse_strict;
use crate::model::Actor;
use crate::params::Params;
use crate::parse::parse_agent_parameter;
use crate::types::{Iri, Timestamp, Uuid};
use crate::version::XapiVersion;

/// Which document resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentResource {
    /// `activities/state`: activityId + agent (+ registration), `stateId`.
    State,
    /// `activities/profile`: activityId, `profileId`.
    ActivityProfile,
    /// `agents/profile`: agent, `profileId`.
    AgentProfile,
}

/// The HTTP method of a document request (HEAD is read like GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentMethod {
    Get,
    Put,
    Post,
    Delete,
}

impl DocumentResource {
    fn id_parameter(self) -> &'static str {
        match self {
            DocumentResource::State => "stateId",
            DocumentResource::ActivityProfile | DocumentResource::AgentProfile => "profileId",
        }
    }

    fn parameters(self) -> &'static [&'static str] {
        match self {
            DocumentResource::State => &["activityId", "agent", "registration", "stateId", "since"],
            DocumentResource::ActivityProfile => &["activityId", "profileId", "since"],
            DocumentResource::AgentProfile => &["agent", "profileId", "since"],
        }
    }
}

/// What the request addresses.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentTarget {
    /// One document, by its `stateId` / `profileId`.
    One(String),
    /// Every document of the scope: GET lists their ids (changed after `since` when given),
    /// DELETE (State only) removes them all.
    All { since: Option<Timestamp> },
}

/// A parsed document request.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRequest {
    pub resource: DocumentResource,
    /// `activityId` (State, Activity Profile).
    pub activity_id: Option<Iri>,
    /// `agent` (State, Agent Profile).
    pub agent: Option<Actor>,
    /// `registration` (State).
    pub registration: Option<Uuid>,
    pub target: DocumentTarget,
}

impl DocumentRequest {
    /// Parses the decoded query pairs of a request to `resource` with `method`.
    pub fn parse<'a>(
        resource: DocumentResource,
        method: DocumentMethod,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        let allowed = resource.parameters();
        let params = Params::collect(pairs, allowed, "this resource")?;
        let get = |name: &str| params.get(name);
        let required = |name: &str| params.required(name);
        let activity_id = if allowed.contains(&"activityId") {
            Some(Iri::parse(required("activityId")?, "activityId")?)
        } else {
            None
        };
        let agent = if allowed.contains(&"agent") {
            Some(parse_agent_parameter(required("agent")?, "agent")?)
        } else {
            None
        };
        let registration = get("registration")
            .map(|v| Uuid::parse(v, "registration"))
            .transpose()?;
        let id_name = resource.id_parameter();
        let since = get("since")
            .map(|v| Timestamp::parse(v, "since"))
            .transpose()?;
        let target = match (get(id_name), method) {
            (Some(id), _) => {
                if since.is_some() {
                    return Err(XapiError::bad_request(
                        "since",
                        format!("is only for listing ids, not with {id_name}"),
                    ));
                }
                DocumentTarget::One(id.to_string())
            }
            (None, DocumentMethod::Get) => DocumentTarget::All { since },
            (None, DocumentMethod::Delete) if resource == DocumentResource::State => {
                if since.is_some() {
                    return Err(XapiError::bad_request("since", "is only for GET"));
                }
                DocumentTarget::All { since: None }
            }
            (None, _) => {
                return Err(XapiError::bad_request(
                    id_name,
                    "is required for this method",
                ));
            }
        };
        Ok(DocumentRequest {
            resource,
            activity_id,
            agent,
            registration,
            target,
        })
    }
}

/// The ETag of a document: the hex SHA-1 of its contents, in quotes (Communication 3.1).
pub fn etag(contents: &[u8]) -> String {
    let digest = Sha1::digest(contents);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The entity tags listed in an If-Match / If-None-Match header, unquoted (`*` kept as is;
/// a weak tag's `W/` dropped).
fn listed_tags(header: &str) -> Vec<&str> {
    header
        .split(',')
        .map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.trim_matches('"')
        })
        .filter(|tag| !tag.is_empty())
        .collect()
}

/// Applies If-Match and If-None-Match to a write (`method` PUT, POST or DELETE) on a document
/// whose current ETag is `current` (`None`: no such document). A failed precondition is 412;
/// a PUT with neither header over an existing document is 409 on the profile resources, and
/// under 2.0 on the State resource too (the 2.0 suite runs the same concurrency tests on all
/// three; 1.0.3 requires the headers only of profile clients). Under 1.0.x a profile PUT with
/// neither header is a 400 even when the document does not exist yet.
pub fn check_preconditions(
    resource: DocumentResource,
    version: XapiVersion,
    method: DocumentMethod,
    current: Option<&str>,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
) -> Result<()> {
    let current = current.map(|tag| tag.trim_matches('"'));
    let failed = |header: &str, reason: String| XapiError {
        path: header.to_string(),
        reason,
        status: Status::PreconditionFailed,
    };
    if let Some(header) = if_match {
        let tags = listed_tags(header);
        match current {
            None => {
                return Err(failed(
                    "If-Match",
                    "the document does not exist, so no ETag can match".into(),
                ));
            }
            Some(current) if !tags.iter().any(|t| *t == "*" || *t == current) => {
                return Err(failed(
                    "If-Match",
                    "the document has changed since that ETag: fetch it again and retry with its ETag".into(),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(header) = if_none_match {
        let tags = listed_tags(header);
        if let Some(current) = current
            && tags.iter().any(|t| *t == "*" || *t == current)
        {
            return Err(failed(
                "If-None-Match",
                "a document already exists here: fetch it and send If-Match with its ETag to replace it".into(),
            ));
        }
    }
    let profile = matches!(
        resource,
        DocumentResource::ActivityProfile | DocumentResource::AgentProfile
    );
    if method == DocumentMethod::Put
        && profile
        && !version.is_2_0()
        && current.is_none()
        && if_match.is_none()
        && if_none_match.is_none()
    {
        // 1.0.3 Communication 2.6 / 2.7: a profile PUT must carry a precondition; the 1.0.3
        // suite checks the 400 on a document that does not exist yet (2.0 leaves it open).
        return Err(XapiError::bad_request(
            "If-None-Match",
            "a profile PUT needs a precondition: send If-None-Match: * to create the document, or If-Match with its ETag to replace it",
        ));
    }
    let guarded = match resource {
        DocumentResource::ActivityProfile | DocumentResource::AgentProfile => true,
        DocumentResource::State => version.is_2_0(),
    };
    if method == DocumentMethod::Put
        && guarded
        && current.is_some()
        && if_match.is_none()
        && if_none_match.is_none()
    {
        return Err(XapiError {
            path: "If-Match".into(),
            reason: "the document exists: check its current state and send If-Match with its ETag to replace it".into(),
            status: Status::Conflict,
        });
    }
    Ok(())
}

/// Whether a Content-Type is JSON (`application/json`, parameters ignored).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A POST to an existing document (Communication 2.2, JSON Procedure): both documents must be
/// `application/json` and JSON objects; the posted object's top-level properties replace the
/// existing ones. Returns the merged document's bytes.
pub fn merge_json(
    existing: &[u8],
    existing_content_type: Option<&str>,
    posted: &[u8],
    posted_content_type: Option<&str>,
) -> Result<Vec<u8>> {
    if !is_json(posted_content_type) || !is_json(existing_content_type) {
        return Err(XapiError::bad_request(
            "Content-Type",
            "a POST merges JSON objects: both the stored and the posted document must be application/json (use PUT to replace)",
        ));
    }
    let object = |bytes: &[u8], which: &str| match parse_strict(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(XapiError::bad_request(
            "",
            format!("the {which} document is not a JSON object, so it cannot be merged"),
        )),
    };
    let mut merged = object(existing, "stored")?;
    for (key, value) in object(posted, "posted")? {
        merged.insert(key, value);
    }
    serde_json::to_vec(&Value::Object(merged))
        .map_err(|e| XapiError::bad_request("", format!("cannot write the merged document: {e}")))
}

/// A POST that creates a document must itself be a JSON object when it says it is JSON
/// (the suites post invalid JSON with `application/json` and expect 400).
pub fn check_new_json_document(bytes: &[u8], content_type: Option<&str>) -> Result<()> {
    if is_json(content_type) && !matches!(parse_strict(bytes), Ok(Value::Object(_))) {
        return Err(XapiError::bad_request(
            "",
            "the document is sent as application/json but is not a JSON object",
        ));
    }
    Ok(())
}
