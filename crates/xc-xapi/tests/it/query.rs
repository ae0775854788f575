//! GET /statements parameters (Communication 2.1.3).

use serde_json::json;
use xc_xapi::agents::{StatementIndex, ifi_key};
use xc_xapi::format::Format;
use xc_xapi::model::Ifi;
use xc_xapi::query::{Selection, StatementQuery};
use xc_xapi::{XapiVersion, parse_statement};

use crate::support::{full, sub};

fn parse(pairs: &[(&str, &str)]) -> Result<StatementQuery, xc_xapi::XapiError> {
    StatementQuery::parse(pairs.iter().copied())
}

fn error_path(pairs: &[(&str, &str)]) -> String {
    parse(pairs).unwrap_err().path
}

#[test]
fn single_statement_queries() {
    let query = parse(&[
        ("statementId", "FD41C918-B88B-4B20-A0A5-A4C32391AAA0"),
        ("format", "ids"),
        ("attachments", "true"),
    ])
    .unwrap();
    assert_eq!(query.format, Format::Ids);
    assert!(query.attachments);
    let Selection::Single { id, voided } = query.selection else {
        panic!()
    };
    assert_eq!(id.as_str(), "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
    assert!(!voided);
    let voided = parse(&[("voidedStatementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0")]).unwrap();
    assert!(matches!(
        voided.selection,
        Selection::Single { voided: true, .. }
    ));
}

#[test]
fn single_statement_queries_take_no_filters() {
    let id = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
    assert_eq!(
        error_path(&[("statementId", id), ("voidedStatementId", id)]),
        "voidedStatementId"
    );
    for (name, value) in [
        ("agent", r#"{"mbox":"mailto:a@b.c"}"#),
        ("verb", "http://x.y/v"),
        ("activity", "http://x.y/a"),
        ("registration", id),
        ("related_activities", "true"),
        ("related_agents", "false"),
        ("since", "2024-01-01T00:00:00Z"),
        ("until", "2024-01-01T00:00:00Z"),
        ("limit", "1"),
        ("ascending", "true"),
    ] {
        assert_eq!(error_path(&[("statementId", id), (name, value)]), name);
        assert_eq!(
            error_path(&[("voidedStatementId", id), (name, value)]),
            name
        );
    }
    assert_eq!(error_path(&[("statementId", "x")]), "statementId");
}

#[test]
fn filters_are_parsed_and_checked() {
    let query = parse(&[
        (
            "agent",
            r#"{"objectType":"Agent","mbox":"mailto:ann@example.com"}"#,
        ),
        ("verb", "http://adlnet.gov/expapi/verbs/completed"),
        ("activity", "http://example.com/courses/calligraphy"),
        ("registration", "ec531277-b57b-4c15-8d91-d292c5b2b8f7"),
        ("related_activities", "true"),
        ("related_agents", "true"),
        ("since", "2024-01-01T00:00:00Z"),
        ("until", "2024-12-31T23:59:59.999+08:00"),
        ("limit", "25"),
        ("format", "canonical"),
        ("ascending", "true"),
    ])
    .unwrap();
    let Selection::Filter(filter) = &query.selection else {
        panic!()
    };
    assert_eq!(filter.limit, 25);
    assert!(filter.ascending && filter.related_agents && filter.related_activities);
    assert_eq!(
        filter.until.unwrap().to_rfc3339(),
        "2024-12-31T15:59:59.999Z"
    );
    assert_eq!(
        filter.agent_key().as_deref(),
        Some("mbox:mailto:ann@example.com")
    );
    let statement = parse_statement(&full(), XapiVersion::LATEST_1_0).unwrap();
    assert!(filter.matches(&StatementIndex::of(&statement)));
    // Defaults.
    let empty = parse(&[]).unwrap();
    assert_eq!(empty.format, Format::Exact);
    assert!(!empty.attachments);
    let Selection::Filter(filter) = empty.selection else {
        panic!()
    };
    assert_eq!(filter.limit, 0);
    assert!(!filter.ascending);
}

#[test]
fn bad_parameters_name_themselves() {
    for (name, value) in [
        ("agent", "mailto:a@b.c"),
        ("agent", r#"{"name":"no ifi"}"#),
        (
            "agent",
            r#"{"objectType":"Group","member":[{"mbox":"mailto:a@b.c"}]}"#,
        ),
        ("agent", r#"{"mbox":"a@b.c"}"#),
        ("verb", "not an iri"),
        ("activity", ""),
        ("registration", "123"),
        ("related_activities", "yes"),
        ("related_agents", "True"),
        ("since", "yesterday"),
        ("until", "2024-01-01"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("limit", ""),
        ("format", "full"),
        ("attachments", "1"),
        ("ascending", "TRUE"),
        ("Agent", "{}"),
        ("foo", "bar"),
    ] {
        let path = error_path(&[(name, value)]);
        assert!(
            path == name || path.starts_with(&format!("{name}.")),
            "{name}={value}: {path}"
        );
    }
    assert_eq!(
        error_path(&[("verb", "http://x.y/a"), ("verb", "http://x.y/b")]),
        "verb"
    );
}

#[test]
fn related_agents_include_2_0_context_agents_and_groups() {
    let statement = parse_statement(&crate::support::full_2_0(), XapiVersion::LATEST_2_0).unwrap();
    let index = StatementIndex::of(&statement);
    for key in [
        "mbox:mailto:mentor@example.com",
        "mbox:mailto:peer@example.com",
    ] {
        assert!(index.related_agents.contains(key), "{key}");
        assert!(!index.agents.contains(key), "{key} is related only");
    }
}

#[test]
fn the_index_lists_direct_and_related_agents_and_activities() {
    let statement = parse_statement(&full(), XapiVersion::LATEST_1_0).unwrap();
    let index = StatementIndex::of(&statement);
    assert_eq!(index.verb, "http://adlnet.gov/expapi/verbs/completed");
    assert_eq!(
        index.agents.iter().collect::<Vec<_>>(),
        ["mbox:mailto:ann@example.com"]
    );
    assert!(
        index
            .related_agents
            .contains("account:http://lrs.example.com provider-1")
    );
    assert!(
        index
            .related_agents
            .contains(&format!("mbox_sha1sum:{}", crate::support::SHA1))
    );
    assert!(
        index
            .related_agents
            .contains("openid:http://openid.example.com/bob")
    );
    assert_eq!(
        index.activity.as_deref(),
        Some("http://example.com/courses/calligraphy")
    );
    assert!(
        index
            .related_activities
            .contains("http://example.com/terms/2024-spring")
    );
    assert_eq!(
        index.registration.as_deref(),
        Some("ec531277-b57b-4c15-8d91-d292c5b2b8f7")
    );
    // Through a SubStatement only the related sets match.
    let nested = StatementIndex::of(&parse_statement(&sub(), XapiVersion::LATEST_1_0).unwrap());
    assert_eq!(nested.activity, None);
    assert!(
        nested
            .related_activities
            .contains("http://example.com/courses/calligraphy")
    );
    assert!(!nested.agents.contains("mbox:mailto:ann@example.com"));
    assert!(
        nested
            .related_agents
            .contains("mbox:mailto:ann@example.com")
    );
    // Group members match the agent filter directly.
    let mut grouped = full();
    grouped["actor"] = json!({"objectType": "Group", "mbox": "mailto:class@example.com", "member": [{"mbox": "mailto:Bob@Example.com"}]});
    let index = StatementIndex::of(&parse_statement(&grouped, XapiVersion::LATEST_1_0).unwrap());
    assert!(index.agents.contains("mbox:mailto:Bob@example.com"));
    assert!(index.agents.contains("mbox:mailto:class@example.com"));
    let Some(Ifi::Mbox(_)) = parse_statement(&grouped, XapiVersion::LATEST_1_0)
        .unwrap()
        .actor
        .ifi()
        .cloned()
    else {
        panic!()
    };
    assert_eq!(
        ifi_key(&Ifi::MboxSha1Sum("ABCDEF".into())),
        "mbox_sha1sum:abcdef"
    );
}

#[test]
fn the_person_object_lists_every_identifier_once() {
    use xc_xapi::agents::person;
    use xc_xapi::model::Actor;
    let agent = |text: &str| match xc_xapi::parse_agent_parameter(text, "agent").unwrap() {
        Actor::Agent(agent) => agent,
        Actor::Group(_) => panic!(),
    };
    let person = person(&[
        agent(r#"{"name":"Ann","mbox":"mailto:ann@example.com"}"#),
        agent(r#"{"name":"Ann","account":{"homePage":"http://mooc.example","name":"ann01"}}"#),
        agent(r#"{"name":"Ann Li","mbox":"mailto:ann@example.com"}"#),
        agent(r#"{"openid":"http://openid.example/ann"}"#),
    ]);
    assert_eq!(
        person,
        json!({
            "objectType": "Person",
            "name": ["Ann", "Ann Li"],
            "mbox": ["mailto:ann@example.com"],
            "account": [{"homePage": "http://mooc.example", "name": "ann01"}],
            "openid": ["http://openid.example/ann"]
        })
    );
}
