//! The document resources: parameters, ETags, preconditions, the JSON merge.

use xc_xapi::documents::{
    DocumentMethod as M, DocumentRequest, DocumentResource as R, DocumentTarget,
    check_new_json_document, check_preconditions, etag, merge_json,
};
use xc_xapi::{Status, XapiVersion};

const AGENT: &str = r#"{"objectType":"Agent","mbox":"mailto:ann@example.com"}"#;
const ACTIVITY: &str = "http://example.com/courses/calligraphy";
const V1: XapiVersion = XapiVersion::LATEST_1_0;
const V2: XapiVersion = XapiVersion::LATEST_2_0;

fn path_of(resource: R, method: M, pairs: &[(&str, &str)]) -> String {
    DocumentRequest::parse(resource, method, pairs.iter().copied())
        .unwrap_err()
        .path
}

#[test]
fn state_parameters() {
    let one = DocumentRequest::parse(
        R::State,
        M::Put,
        [
            ("activityId", ACTIVITY),
            ("agent", AGENT),
            ("registration", "EC531277-B57B-4C15-8D91-D292C5B2B8F7"),
            ("stateId", "bookmark"),
        ],
    )
    .unwrap();
    assert_eq!(one.target, DocumentTarget::One("bookmark".into()));
    assert_eq!(
        one.registration.unwrap().as_str(),
        "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
    );
    let list = DocumentRequest::parse(
        R::State,
        M::Get,
        [
            ("activityId", ACTIVITY),
            ("agent", AGENT),
            ("since", "2024-01-01T00:00:00Z"),
        ],
    )
    .unwrap();
    assert!(matches!(
        list.target,
        DocumentTarget::All { since: Some(_) }
    ));
    let delete_all = DocumentRequest::parse(
        R::State,
        M::Delete,
        [("activityId", ACTIVITY), ("agent", AGENT)],
    )
    .unwrap();
    assert_eq!(delete_all.target, DocumentTarget::All { since: None });
    let base = [("activityId", ACTIVITY), ("agent", AGENT)];
    assert_eq!(path_of(R::State, M::Put, &base), "stateId");
    assert_eq!(path_of(R::State, M::Post, &base), "stateId");
    assert_eq!(path_of(R::State, M::Get, &[("agent", AGENT)]), "activityId");
    assert_eq!(
        path_of(R::State, M::Get, &[("activityId", ACTIVITY)]),
        "agent"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[("activityId", "not an iri"), ("agent", AGENT)]
        ),
        "activityId"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[("activityId", ACTIVITY), ("agent", "{}")]
        ),
        "agent"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[("activityId", ACTIVITY), ("agent", r#"{"mbox":"ann"}"#)]
        ),
        "agent.mbox"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[
                ("activityId", ACTIVITY),
                ("agent", AGENT),
                ("registration", "x")
            ]
        ),
        "registration"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[
                ("activityId", ACTIVITY),
                ("agent", AGENT),
                ("since", "today")
            ]
        ),
        "since"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[
                ("activityId", ACTIVITY),
                ("agent", AGENT),
                ("stateId", "a"),
                ("since", "2024-01-01T00:00:00Z")
            ]
        ),
        "since"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[
                ("activityId", ACTIVITY),
                ("agent", AGENT),
                ("profileId", "a")
            ]
        ),
        "profileId"
    );
    assert_eq!(
        path_of(
            R::State,
            M::Get,
            &[
                ("activityId", ACTIVITY),
                ("activityId", ACTIVITY),
                ("agent", AGENT)
            ]
        ),
        "activityId"
    );
}

#[test]
fn profile_parameters() {
    let activity = DocumentRequest::parse(
        R::ActivityProfile,
        M::Get,
        [("activityId", ACTIVITY), ("profileId", "p")],
    )
    .unwrap();
    assert!(activity.agent.is_none());
    assert_eq!(activity.target, DocumentTarget::One("p".into()));
    assert!(DocumentRequest::parse(R::AgentProfile, M::Get, [("agent", AGENT)]).is_ok());
    assert_eq!(
        path_of(R::AgentProfile, M::Delete, &[("agent", AGENT)]),
        "profileId"
    );
    assert_eq!(
        path_of(R::ActivityProfile, M::Delete, &[("activityId", ACTIVITY)]),
        "profileId"
    );
    assert_eq!(
        path_of(
            R::AgentProfile,
            M::Get,
            &[("agent", AGENT), ("activityId", ACTIVITY)]
        ),
        "activityId"
    );
    assert_eq!(
        path_of(
            R::ActivityProfile,
            M::Get,
            &[("activityId", ACTIVITY), ("agent", AGENT)]
        ),
        "agent"
    );
    assert_eq!(
        path_of(R::AgentProfile, M::Put, &[("profileId", "p")]),
        "agent"
    );
}

#[test]
fn etags_are_quoted_sha1_hex() {
    // SHA-1("abc") from FIPS 180-2.
    assert_eq!(etag(b"abc"), "\"a9993e364706816aba3e25717850c26c9cd0d89d\"");
}

#[test]
fn preconditions() {
    let current = etag(b"v1");
    let other = etag(b"v2");
    let status = |resource,
                  version,
                  method,
                  current: Option<&str>,
                  if_match: Option<&str>,
                  if_none: Option<&str>| {
        check_preconditions(resource, version, method, current, if_match, if_none)
            .map_err(|e| e.status)
    };
    // If-Match.
    assert_eq!(
        status(
            R::AgentProfile,
            V1,
            M::Put,
            Some(&current),
            Some(&current),
            None
        ),
        Ok(())
    );
    assert_eq!(
        status(R::AgentProfile, V1, M::Put, Some(&current), Some("*"), None),
        Ok(())
    );
    assert_eq!(
        status(
            R::AgentProfile,
            V1,
            M::Put,
            Some(&current),
            Some(&format!("{other}, {current}")),
            None
        ),
        Ok(())
    );
    assert_eq!(
        status(
            R::AgentProfile,
            V1,
            M::Put,
            Some(&current),
            Some(&other),
            None
        ),
        Err(Status::PreconditionFailed)
    );
    assert_eq!(
        status(R::AgentProfile, V1, M::Put, None, Some(&current), None),
        Err(Status::PreconditionFailed)
    );
    assert_eq!(
        status(R::State, V1, M::Post, Some(&current), Some(&other), None),
        Err(Status::PreconditionFailed)
    );
    assert_eq!(
        status(R::State, V1, M::Delete, Some(&current), Some(&other), None),
        Err(Status::PreconditionFailed)
    );
    // If-None-Match.
    assert_eq!(
        status(R::ActivityProfile, V1, M::Put, None, None, Some("*")),
        Ok(())
    );
    assert_eq!(
        status(
            R::ActivityProfile,
            V1,
            M::Put,
            Some(&current),
            None,
            Some("*")
        ),
        Err(Status::PreconditionFailed)
    );
    assert_eq!(
        status(
            R::ActivityProfile,
            V1,
            M::Put,
            Some(&current),
            None,
            Some(&other)
        ),
        Ok(())
    );
    // PUT over an existing document with neither header.
    assert_eq!(
        status(R::ActivityProfile, V1, M::Put, Some(&current), None, None),
        Err(Status::Conflict)
    );
    assert_eq!(
        status(R::AgentProfile, V2, M::Put, Some(&current), None, None),
        Err(Status::Conflict)
    );
    assert_eq!(
        status(R::State, V2, M::Put, Some(&current), None, None),
        Err(Status::Conflict)
    );
    assert_eq!(
        status(R::State, V1, M::Put, Some(&current), None, None),
        Ok(())
    );
    // 1.0.x: a profile PUT with neither header is refused even for a new document (the 1.0.3
    // suite, Communication 2.6 / 2.7); 2.0 and the State resource accept it.
    assert_eq!(
        status(R::ActivityProfile, V1, M::Put, None, None, None),
        Err(Status::BadRequest)
    );
    assert_eq!(
        status(R::AgentProfile, V1, M::Put, None, None, None),
        Err(Status::BadRequest)
    );
    assert_eq!(
        status(R::AgentProfile, V2, M::Put, None, None, None),
        Ok(())
    );
    assert_eq!(status(R::State, V1, M::Put, None, None, None), Ok(()));
    assert_eq!(
        status(R::ActivityProfile, V1, M::Post, Some(&current), None, None),
        Ok(())
    );
    assert_eq!(
        status(
            R::ActivityProfile,
            V1,
            M::Delete,
            Some(&current),
            None,
            None
        ),
        Ok(())
    );
}

#[test]
fn post_merges_top_level_properties_of_json_objects() {
    let json = Some("application/json");
    let merged = merge_json(
        br#"{"x":"foo","y":"bar"}"#,
        json,
        br#"{"x":"bash","z":"faz"}"#,
        Some("application/json; charset=utf-8"),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&merged).unwrap(),
        serde_json::json!({"x": "bash", "y": "bar", "z": "faz"})
    );
    // Only top level: a nested object is replaced whole.
    let merged = merge_json(br#"{"a":{"b":1,"c":2}}"#, json, br#"{"a":{"b":3}}"#, json).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&merged).unwrap(),
        serde_json::json!({"a": {"b": 3}})
    );
    for (existing, existing_type, posted, posted_type) in [
        (
            &br#"{"x":1}"#[..],
            json,
            &br#"{"y":1}"#[..],
            Some("text/plain"),
        ),
        (
            br#"{"x":1}"#,
            Some("application/octet-stream"),
            br#"{"y":1}"#,
            json,
        ),
        (br#"{"x":1}"#, None, br#"{"y":1}"#, json),
        (br#"{"x":1}"#, json, br#"[1,2]"#, json),
        (br#"{"x":1}"#, json, br#"{"y":"#, json),
        (br#""text""#, json, br#"{"y":1}"#, json),
    ] {
        let error = merge_json(existing, existing_type, posted, posted_type).unwrap_err();
        assert_eq!(error.status, Status::BadRequest);
    }
    assert!(check_new_json_document(br#"{"a":1}"#, json).is_ok());
    assert!(check_new_json_document(b"not json", Some("text/plain")).is_ok());
    assert!(check_new_json_document(b"{bad", json).is_err());
    assert!(check_new_json_document(b"[]", json).is_err());
}
