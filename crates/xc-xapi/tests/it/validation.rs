//! One MUST at a time: a valid base statement, one mutation, the error path expected (or
//! acceptance). Each row names the rule it checks; the rows follow the Data part's sections
//! and the conformance suite's config files (test/v1_0_3 and test/v2_0).

use serde_json::{Value, json};
use xc_xapi::{XapiVersion, parse_statement, parse_statements};

use crate::support::{SHA1, full, full_2_0, minimal, mutate, sub};

const V1: XapiVersion = XapiVersion::LATEST_1_0;
const V2: XapiVersion = XapiVersion::LATEST_2_0;

/// Parses `statement` under `version` and checks it is refused at `path` with 400.
fn check_rejected(rule: &str, statement: &Value, version: XapiVersion, path: &str) {
    match parse_statement(statement, version) {
        Ok(_) => panic!("{rule}: accepted, expected an error at {path}\n{statement:#}"),
        Err(error) => {
            assert_eq!(error.status.code(), 400, "{rule}: {error}");
            assert_eq!(error.path, path, "{rule}: wrong path in {error:?}");
            assert!(!error.reason.is_empty(), "{rule}: empty reason");
        }
    }
}

fn check_accepted(rule: &str, statement: &Value, version: XapiVersion) {
    if let Err(error) = parse_statement(statement, version) {
        panic!("{rule}: refused with {error}\n{statement:#}");
    }
}

#[test]
fn the_base_statements_are_valid() {
    check_accepted("full 1.0.3", &full(), V1);
    check_accepted("full under 2.0", &full(), V2);
    check_accepted("full 2.0", &full_2_0(), V2);
    check_accepted("substatement", &sub(), V1);
    check_accepted("minimal", &minimal(), V1);
}

type Row = (
    &'static str,
    fn() -> Value,
    &'static str,
    Option<Value>,
    &'static str,
);

#[rustfmt::skip]
fn rejections() -> Vec<Row> {
    let bad_iri = || Some(json!("not an iri"));
    vec![
        // Data 2.2 formatting
        ("actor is required", minimal, "/actor", None, "actor"),
        ("verb is required", minimal, "/verb", None, "verb"),
        ("object is required", minimal, "/object", None, "object"),
        ("unknown top-level property", minimal, "/Actor", Some(json!({})), "Actor"),
        ("key case must match", full, "/Verb", Some(json!({"id": "http://x.y/z"})), "Verb"),
        ("null actor name", full, "/actor/name", Some(Value::Null), "actor.name"),
        ("null verb display entry", full, "/verb/display/en-US", Some(Value::Null), "verb.display.en-US"),
        ("null registration", full, "/context/registration", Some(Value::Null), "context.registration"),
        ("null object", minimal, "/object", Some(Value::Null), "object"),
        ("null result", full, "/result", Some(Value::Null), "result"),
        ("null version", full, "/version", Some(Value::Null), "version"),
        // 2.4.1 id
        ("id too many digits", full, "/id", Some(json!("AA97B177-9383-4934-8543-0F91A7A028368")), "id"),
        ("id non-hex", full, "/id", Some(json!("MA97B177-9383-4934-8543-0F91A7A02836")), "id"),
        ("id numeric", full, "/id", Some(json!(12345)), "id"),
        ("id object", full, "/id", Some(json!({"key": "x"})), "id"),
        ("id empty", full, "/id", Some(json!("")), "id"),
        // 2.4.2 actor
        ("actor objectType wrong", full, "/actor/objectType", Some(json!("Activity")), "actor.objectType"),
        ("actor objectType lower case", full, "/actor/objectType", Some(json!("agent")), "actor.objectType"),
        ("actor objectType numeric", full, "/actor/objectType", Some(json!(1)), "actor.objectType"),
        ("actor name numeric", full, "/actor/name", Some(json!(1)), "actor.name"),
        ("actor name object", full, "/actor/name", Some(json!({})), "actor.name"),
        ("agent needs an IFI", minimal, "/actor", Some(json!({"name": "x"})), "actor"),
        ("agent with two IFIs", full, "/actor/openid", Some(json!("http://openid.example.com/a")), "actor"),
        ("agent with mbox and account", full, "/actor/account", Some(json!({"homePage": "http://a.b", "name": "n"})), "actor"),
        ("agent has no member", full, "/actor/member", Some(json!([])), "actor.member"),
        ("mbox without mailto", full, "/actor/mbox", Some(json!("ann@example.com")), "actor.mbox"),
        ("mbox without @", full, "/actor/mbox", Some(json!("mailto:ann")), "actor.mbox"),
        ("mbox numeric", full, "/actor/mbox", Some(json!(7)), "actor.mbox"),
        ("mbox_sha1sum not hex", full, "/context/instructor/mbox_sha1sum", Some(json!("xyz")), "context.instructor.mbox_sha1sum"),
        ("mbox_sha1sum 39 digits", full, "/context/instructor/mbox_sha1sum", Some(json!(&SHA1[1..])), "context.instructor.mbox_sha1sum"),
        ("openid not an IRI", full, "/context/team/member/0/openid", bad_iri(), "context.team.member[0].openid"),
        ("account without homePage", full, "/authority/account/homePage", None, "authority.account.homePage"),
        ("account without name", full, "/authority/account/name", None, "authority.account.name"),
        ("account homePage not an IRL", full, "/authority/account/homePage", bad_iri(), "authority.account.homePage"),
        ("account name object", full, "/authority/account/name", Some(json!({"key": "x"})), "authority.account.name"),
        ("account extra property", full, "/authority/account/id", Some(json!("x")), "authority.account.id"),
        ("account not an object", full, "/authority/account", Some(json!("x")), "authority.account"),
        ("anonymous group without members", minimal, "/actor", Some(json!({"objectType": "Group"})), "actor.member"),
        ("anonymous group with no members", minimal, "/actor", Some(json!({"objectType": "Group", "member": []})), "actor.member"),
        ("group member is a group", minimal, "/actor", Some(json!({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:a@b.c"}]})), "actor.member[0].objectType"),
        ("group member without IFI", minimal, "/actor", Some(json!({"objectType": "Group", "member": [{"name": "x"}]})), "actor.member[0]"),
        ("group with two IFIs", minimal, "/actor", Some(json!({"objectType": "Group", "mbox": "mailto:a@b.c", "openid": "http://o.p/q"})), "actor"),
        ("group members not an array", minimal, "/actor", Some(json!({"objectType": "Group", "mbox": "mailto:a@b.c", "member": {}})), "actor.member"),
        // 2.4.3 verb
        ("verb without id", full, "/verb/id", None, "verb.id"),
        ("verb id not an IRI", full, "/verb/id", bad_iri(), "verb.id"),
        ("verb id empty", full, "/verb/id", Some(json!("")), "verb.id"),
        ("verb display not a map", full, "/verb/display", Some(json!("completed")), "verb.display"),
        ("verb display numeric", full, "/verb/display", Some(json!(1)), "verb.display"),
        ("verb display bad language", full, "/verb/display/something", Some(json!("x")), "verb.display.something"),
        ("verb display value numeric", full, "/verb/display/en-US", Some(json!(1)), "verb.display.en-US"),
        ("verb extra property", full, "/verb/name", Some(json!("x")), "verb.name"),
        // 2.4.4 object
        ("activity without id", full, "/object/id", None, "object.id"),
        ("activity id not an IRI", full, "/object/id", bad_iri(), "object.id"),
        ("object objectType unknown", full, "/object/objectType", Some(json!("Thing")), "object.objectType"),
        ("object objectType wrong case", full, "/object/objectType", Some(json!("activity")), "object.objectType"),
        ("activity extra property", full, "/object/name", Some(json!("x")), "object.name"),
        ("definition not an object", full, "/object/definition", Some(json!("x")), "object.definition"),
        ("definition name numeric", full, "/object/definition/name", Some(json!(1)), "object.definition.name"),
        ("definition name string", full, "/object/definition/name", Some(json!("x")), "object.definition.name"),
        ("definition description string", full, "/object/definition/description", Some(json!("x")), "object.definition.description"),
        ("definition name bad language", full, "/object/definition/name/a12345678", Some(json!("x")), "object.definition.name.a12345678"),
        ("definition type not an IRI", full, "/object/definition/type", bad_iri(), "object.definition.type"),
        ("definition moreInfo not an IRL", full, "/object/definition/moreInfo", bad_iri(), "object.definition.moreInfo"),
        ("definition extra property", full, "/object/definition/title", Some(json!("x")), "object.definition.title"),
        ("interactionType unknown", full, "/object/definition/interactionType", Some(json!("essay")), "object.definition.interactionType"),
        ("interactionType wrong case", full, "/object/definition/interactionType", Some(json!("choiCe")), "object.definition.interactionType"),
        ("interactionType numeric", full, "/object/definition/interactionType", Some(json!(1)), "object.definition.interactionType"),
        ("interactionType IRI", full, "/object/definition/interactionType", Some(json!("http://x.y/choice")), "object.definition.interactionType"),
        ("correctResponsesPattern not array", full, "/object/definition/correctResponsesPattern", Some(json!("a")), "object.definition.correctResponsesPattern"),
        ("correctResponsesPattern numbers", full, "/object/definition/correctResponsesPattern", Some(json!([1])), "object.definition.correctResponsesPattern[0]"),
        ("components without interactionType", full, "/object/definition/interactionType", None, "object.definition.correctResponsesPattern"),
        ("component list of another type", full, "/object/definition/scale", Some(json!([{"id": "1"}])), "object.definition.scale"),
        ("component id missing", full, "/object/definition/choices/0/id", None, "object.definition.choices[0].id"),
        ("component id numeric", full, "/object/definition/choices/0/id", Some(json!(1)), "object.definition.choices[0].id"),
        ("component ids distinct", full, "/object/definition/choices/1/id", Some(json!("a")), "object.definition.choices[1].id"),
        ("component extra property", full, "/object/definition/choices/0/name", Some(json!("x")), "object.definition.choices[0].name"),
        ("component description bad language", full, "/object/definition/choices/0/description/something", Some(json!("x")), "object.definition.choices[0].description.something"),
        ("extensions not an object", full, "/object/definition/extensions", Some(json!("x")), "object.definition.extensions"),
        ("extension key not an IRI", full, "/object/definition/extensions/hours", Some(json!(1)), "object.definition.extensions.hours"),
        ("agent object needs objectType", full, "/object", Some(json!({"mbox": "mailto:a@b.c"})), "object.objectType"),
        ("group object needs objectType", full, "/object", Some(json!({"member": [{"mbox": "mailto:a@b.c"}]})), "object.objectType"),
        ("statementref id invalid", full, "/object", Some(json!({"objectType": "StatementRef", "id": "x"})), "object.id"),
        ("statementref extra property", full, "/object", Some(json!({"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "x": 1})), "object.x"),
        ("voiding needs a StatementRef", minimal, "/verb/id", Some(json!("http://adlnet.gov/expapi/verbs/voided")), "object"),
        // SubStatement
        ("substatement has no id", sub, "/object/id", Some(json!("fd41c918-b88b-4b20-a0a5-a4c32391aaa0")), "object.id"),
        ("substatement has no stored", sub, "/object/stored", Some(json!("2024-05-04T04:00:01Z")), "object.stored"),
        ("substatement has no version", sub, "/object/version", Some(json!("1.0.0")), "object.version"),
        ("substatement has no authority", sub, "/object/authority", Some(json!({"mbox": "mailto:a@b.c"})), "object.authority"),
        ("substatement is not nested", sub, "/object/object", Some(json!({"objectType": "SubStatement", "actor": {"mbox": "mailto:a@b.c"}, "verb": {"id": "http://x.y/z"}, "object": {"id": "http://x.y/a"}})), "object.object.objectType"),
        ("substatement actor required", sub, "/object/actor", None, "object.actor"),
        ("substatement verb required", sub, "/object/verb", None, "object.verb"),
        ("substatement object required", sub, "/object/object", None, "object.object"),
        ("substatement actor mbox", sub, "/object/actor/mbox", Some(json!("ann@example.com")), "object.actor.mbox"),
        ("substatement activity id", sub, "/object/object/id", bad_iri(), "object.object.id"),
        ("substatement timestamp", sub, "/object/timestamp", Some(json!("should fail")), "object.timestamp"),
        ("substatement score", sub, "/object/result/score/scaled", Some(json!(1.01)), "object.result.score.scaled"),
        ("substatement context team", sub, "/object/context/team", Some(json!({"mbox": "mailto:a@b.c"})), "object.context.team.objectType"),
        ("substatement agent object needs objectType", sub, "/object/object", Some(json!({"mbox": "mailto:a@b.c"})), "object.object.objectType"),
        // 2.4.5 result
        ("result not an object", full, "/result", Some(json!("x")), "result"),
        ("result extra property", full, "/result/grade", Some(json!("A")), "result.grade"),
        ("score numeric", full, "/result/score", Some(json!(12345)), "result.score"),
        ("score extra property", full, "/result/score/percent", Some(json!(1)), "result.score.percent"),
        ("scaled above 1", full, "/result/score/scaled", Some(json!(1.01)), "result.score.scaled"),
        ("scaled below -1", full, "/result/score/scaled", Some(json!(-1.00001)), "result.score.scaled"),
        ("scaled a string", full, "/result/score/scaled", Some(json!("0.5")), "result.score.scaled"),
        ("raw below min", full, "/result/score/raw", Some(json!(-1)), "result.score.raw"),
        ("raw above max", full, "/result/score/raw", Some(json!(100.5)), "result.score.raw"),
        ("min not below max", full, "/result/score/min", Some(json!(100)), "result.score.min"),
        ("max a string", full, "/result/score/max", Some(json!("100")), "result.score.max"),
        ("success a string", full, "/result/success", Some(json!("true")), "result.success"),
        ("completion a number", full, "/result/completion", Some(json!(1)), "result.completion"),
        ("response a number", full, "/result/response", Some(json!(1)), "result.response"),
        ("duration invalid", full, "/result/duration", Some(json!("PA1H0M0S")), "result.duration"),
        ("duration weeks combined", full, "/result/duration", Some(json!("P4W1D")), "result.duration"),
        ("duration a number", full, "/result/duration", Some(json!(12345)), "result.duration"),
        ("duration an object", full, "/result/duration", Some(json!({"key": "x"})), "result.duration"),
        ("result extension key", full, "/result/extensions/null", Some(json!(1)), "result.extensions.null"),
        // 2.4.6 context
        ("context not an object", full, "/context", Some(json!("x")), "context"),
        ("context extra property", full, "/context/mood", Some(json!("x")), "context.mood"),
        ("registration not a UUID", full, "/context/registration", Some(json!("should fail")), "context.registration"),
        ("registration an object", full, "/context/registration", Some(json!({"key": "x"})), "context.registration"),
        ("instructor a string", full, "/context/instructor", Some(json!("x")), "context.instructor"),
        ("instructor without IFI", full, "/context/instructor", Some(json!({"name": "x"})), "context.instructor"),
        ("team an agent", full, "/context/team", Some(json!({"mbox": "mailto:a@b.c"})), "context.team.objectType"),
        ("team a string", full, "/context/team", Some(json!("x")), "context.team"),
        ("team objectType Agent", full, "/context/team/objectType", Some(json!("Agent")), "context.team.objectType"),
        ("contextActivities a string", full, "/context/contextActivities", Some(json!("x")), "context.contextActivities"),
        ("contextActivities unknown key", full, "/context/contextActivities/related", Some(json!([])), "context.contextActivities.related"),
        ("contextActivities value a string", full, "/context/contextActivities/parent", Some(json!("x")), "context.contextActivities.parent"),
        ("contextActivities element not an activity", full, "/context/contextActivities/other", Some(json!([{"id": "http://x.y/z"}, {"key": "should fail"}])), "context.contextActivities.other[1].key"),
        ("contextActivities single activity id", full, "/context/contextActivities/grouping/id", bad_iri(), "context.contextActivities.grouping.id"),
        ("revision numeric", full, "/context/revision", Some(json!(2)), "context.revision"),
        ("platform numeric", full, "/context/platform", Some(json!(2)), "context.platform"),
        ("revision with an agent object", full, "/object", Some(json!({"objectType": "Agent", "mbox": "mailto:a@b.c"})), "context.revision"),
        ("language not a tag", full, "/context/language", Some(json!("should fail")), "context.language"),
        ("language numeric", full, "/context/language", Some(json!(1)), "context.language"),
        ("context statement without objectType", full, "/context/statement/objectType", None, "context.statement.objectType"),
        ("context statement id", full, "/context/statement/id", Some(json!("AA97B177-9383-4934-8543-0F91A7A028368")), "context.statement.id"),
        ("context extensions a string", full, "/context/extensions", Some(json!("x")), "context.extensions"),
        ("contextAgents are 2.0 only", full_2_0, "/version", Some(json!("1.0.0")), "context.contextAgents"),
        // 2.4.7 / 2.4.8 timestamps
        ("timestamp a sentence", full, "/timestamp", Some(json!("should fail")), "timestamp"),
        ("timestamp a US date", full, "/timestamp", Some(json!("01/011/2015")), "timestamp"),
        ("timestamp -00", full, "/timestamp", Some(json!("2008-09-15T15:53:00.601-00")), "timestamp"),
        ("timestamp -0000", full, "/timestamp", Some(json!("2008-09-15T15:53:00.601-0000")), "timestamp"),
        ("timestamp -00:00", full, "/timestamp", Some(json!("2008-09-15T15:53:00.601-00:00")), "timestamp"),
        ("timestamp numeric", full, "/timestamp", Some(json!(1_700_000_000)), "timestamp"),
        ("stored invalid", full, "/stored", Some(json!("yesterday")), "stored"),
        // 2.4.9 authority
        ("authority identified group", full, "/authority", Some(json!({"objectType": "Group", "mbox": "mailto:a@b.c", "member": [{"mbox": "mailto:x@b.c"}, {"mbox": "mailto:y@b.c"}]})), "authority"),
        ("authority group of one", full, "/authority", Some(json!({"objectType": "Group", "member": [{"mbox": "mailto:x@b.c"}]})), "authority.member"),
        ("authority group of three", full, "/authority", Some(json!({"objectType": "Group", "member": [{"mbox": "mailto:x@b.c"}, {"mbox": "mailto:y@b.c"}, {"mbox": "mailto:z@b.c"}]})), "authority.member"),
        ("authority objectType", full, "/authority/objectType", Some(json!("Activity")), "authority.objectType"),
        ("authority without IFI", full, "/authority", Some(json!({"objectType": "Agent"})), "authority"),
        // 2.4.10 version
        ("version a sentence", full, "/version", Some(json!("should fail")), "version"),
        ("version 0.9.9", full, "/version", Some(json!("0.9.9")), "version"),
        ("version 1.1.0", full, "/version", Some(json!("1.1.0")), "version"),
        ("version 2.0.0 under 1.0.3", full, "/version", Some(json!("2.0.0")), "version"),
        ("version numeric", full, "/version", Some(json!(1.0)), "version"),
        // 2.4.11 attachments
        ("attachments not an array", full, "/attachments", Some(json!({})), "attachments"),
        ("attachment numeric", full, "/attachments/0", Some(json!(1)), "attachments[0]"),
        ("attachment a string", full, "/attachments/0", Some(json!("x")), "attachments[0]"),
        ("attachment usageType missing", full, "/attachments/0/usageType", None, "attachments[0].usageType"),
        ("attachment usageType not an IRI", full, "/attachments/0/usageType", bad_iri(), "attachments[0].usageType"),
        ("attachment display missing", full, "/attachments/0/display", None, "attachments[0].display"),
        ("attachment display a string", full, "/attachments/0/display", Some(json!("x")), "attachments[0].display"),
        ("attachment display bad language", full, "/attachments/0/display/something", Some(json!("x")), "attachments[0].display.something"),
        ("attachment description numeric", full, "/attachments/0/description", Some(json!(1)), "attachments[0].description"),
        ("attachment contentType numeric", full, "/attachments/0/contentType", Some(json!(1)), "attachments[0].contentType"),
        ("attachment contentType not a media type", full, "/attachments/0/contentType", Some(json!("pdf")), "attachments[0].contentType"),
        ("attachment contentType missing", full, "/attachments/0/contentType", None, "attachments[0].contentType"),
        ("attachment length a string", full, "/attachments/0/length", Some(json!("1234")), "attachments[0].length"),
        ("attachment length negative", full, "/attachments/0/length", Some(json!(-1)), "attachments[0].length"),
        ("attachment length fractional", full, "/attachments/0/length", Some(json!(1.5)), "attachments[0].length"),
        ("attachment length missing", full, "/attachments/0/length", None, "attachments[0].length"),
        ("attachment sha2 missing", full, "/attachments/0/sha2", None, "attachments[0].sha2"),
        ("attachment sha2 not hex", full, "/attachments/0/sha2", Some(json!("should fail")), "attachments[0].sha2"),
        ("attachment sha2 numeric", full, "/attachments/0/sha2", Some(json!(1)), "attachments[0].sha2"),
        ("attachment fileUrl not an IRL", full, "/attachments/0/fileUrl", bad_iri(), "attachments[0].fileUrl"),
        ("attachment extra property", full, "/attachments/0/name", Some(json!("x")), "attachments[0].name"),
    ]
}

#[test]
fn every_mutation_breaking_a_must_is_refused_at_its_path() {
    let rows = rejections();
    assert!(rows.len() > 150);
    for (rule, base, pointer, new, path) in rows {
        let statement = mutate(base(), pointer, new);
        check_rejected(rule, &statement, V1, path);
    }
}

#[rustfmt::skip]
fn rejections_2_0() -> Vec<Row> {
    vec![
        ("contextAgent objectType wrong", full_2_0, "/context/contextAgents/0/objectType", Some(json!("Agent")), "context.contextAgents[0].objectType"),
        ("contextAgent objectType missing", full_2_0, "/context/contextAgents/0/objectType", None, "context.contextAgents[0].objectType"),
        ("contextAgent agent invalid", full_2_0, "/context/contextAgents/0/agent", Some(json!({"name": "x"})), "context.contextAgents[0].agent"),
        ("contextAgent agent missing", full_2_0, "/context/contextAgents/0/agent", None, "context.contextAgents[0].agent"),
        ("contextAgent agent a group", full_2_0, "/context/contextAgents/0/agent", Some(json!({"objectType": "Group", "mbox": "mailto:g@b.c"})), "context.contextAgents[0].agent.objectType"),
        ("contextAgent relevantTypes empty", full_2_0, "/context/contextAgents/0/relevantTypes", Some(json!([])), "context.contextAgents[0].relevantTypes"),
        ("contextAgent relevantTypes not IRIs", full_2_0, "/context/contextAgents/0/relevantTypes", Some(json!(["http://x.y/z", "not an iri"])), "context.contextAgents[0].relevantTypes[1]"),
        ("contextAgents not an array", full_2_0, "/context/contextAgents", Some(json!({})), "context.contextAgents"),
        ("contextAgent extra property", full_2_0, "/context/contextAgents/0/role", Some(json!("x")), "context.contextAgents[0].role"),
        ("contextGroup objectType wrong", full_2_0, "/context/contextGroups/0/objectType", Some(json!("contextAgent")), "context.contextGroups[0].objectType"),
        ("contextGroup group invalid", full_2_0, "/context/contextGroups/0/group", Some(json!({"objectType": "Group"})), "context.contextGroups[0].group.member"),
        ("contextGroup group an agent", full_2_0, "/context/contextGroups/0/group", Some(json!({"mbox": "mailto:a@b.c"})), "context.contextGroups[0].group.objectType"),
        ("contextGroup relevantTypes empty", full_2_0, "/context/contextGroups/0/relevantTypes", Some(json!([])), "context.contextGroups[0].relevantTypes"),
        ("contextGroup relevantTypes numbers", full_2_0, "/context/contextGroups/0/relevantTypes", Some(json!([1])), "context.contextGroups[0].relevantTypes[0]"),
        ("language tag with a repeated singleton", full_2_0, "/object/definition/name/zh-z-aaa-z-bbb-c-ccc", Some(json!("x")), "object.definition.name.zh-z-aaa-z-bbb-c-ccc"),
        ("version 3.0.0", full_2_0, "/version", Some(json!("3.0.0")), "version"),
        ("version 2.1.0", full_2_0, "/version", Some(json!("2.1.0")), "version"),
    ]
}

#[test]
fn the_2_0_rules_are_enforced_under_2_0() {
    for (rule, base, pointer, new, path) in rejections_2_0() {
        let statement = mutate(base(), pointer, new);
        check_rejected(rule, &statement, V2, path);
    }
}

type Variant = (&'static str, fn() -> Value, &'static str, Option<Value>);

#[rustfmt::skip]
fn acceptances() -> Vec<Variant> {
    vec![
        ("no id", full, "/id", None),
        ("upper-case id", full, "/id", Some(json!("FD41C918-B88B-4B20-A0A5-A4C32391AAA0"))),
        ("agent without objectType", full, "/actor/objectType", None),
        ("actor openid", minimal, "/actor", Some(json!({"openid": "http://openid.example.com/ann"}))),
        ("actor mbox_sha1sum", minimal, "/actor", Some(json!({"mbox_sha1sum": SHA1}))),
        ("actor account", minimal, "/actor", Some(json!({"account": {"homePage": "http://www.example.com", "name": "13936749"}}))),
        ("anonymous group actor", minimal, "/actor", Some(json!({"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}, {"account": {"homePage": "http://x.y", "name": "n"}}]}))),
        ("identified group without members", minimal, "/actor", Some(json!({"objectType": "Group", "account": {"homePage": "http://x.y", "name": "class-3"}}))),
        ("identified group with members", minimal, "/actor", Some(json!({"objectType": "Group", "mbox": "mailto:class@b.c", "member": [{"mbox": "mailto:a@b.c"}]}))),
        ("agent as object", minimal, "/object", Some(json!({"objectType": "Agent", "mbox": "mailto:a@b.c"}))),
        ("group as object", minimal, "/object", Some(json!({"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}))),
        ("statementref object", minimal, "/object", Some(json!({"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}))),
        ("activity without definition", full, "/object/definition", None),
        ("every interaction type", full, "/object/definition/interactionType", Some(json!("sequencing"))),
        ("likert with scale", full, "/object/definition", Some(json!({"interactionType": "likert", "scale": [{"id": "1"}, {"id": "2"}]}))),
        ("matching with source and target", full, "/object/definition", Some(json!({"interactionType": "matching", "source": [{"id": "1"}], "target": [{"id": "1"}]}))),
        ("performance with steps", full, "/object/definition", Some(json!({"interactionType": "performance", "steps": [{"id": "1"}]}))),
        ("true-false without components", full, "/object/definition", Some(json!({"interactionType": "true-false", "correctResponsesPattern": ["true"]}))),
        ("empty correctResponsesPattern", full, "/object/definition/correctResponsesPattern", Some(json!([]))),
        ("extension values null, empty string, empty object", full, "/object/definition/extensions", Some(json!({"http://x.y/a": null, "http://x.y/b": "", "http://x.y/c": {}}))),
        ("empty extensions", full, "/result/extensions", Some(json!({}))),
        ("scaled -1.0000", full, "/result/score/scaled", Some(json!(-1.0))),
        ("scaled 1.0", full, "/result/score/scaled", Some(json!(1.0))),
        ("raw with no min or max", full, "/result/score", Some(json!({"raw": 100.6767676}))),
        ("raw at max", full, "/result/score/raw", Some(json!(100))),
        ("duration seconds only", full, "/result/duration", Some(json!("PT16559.14S"))),
        ("duration beyond hundredths", full, "/result/duration", Some(json!("P1DT12H36M0.12567S"))),
        ("duration weeks", full, "/result/duration", Some(json!("P4W"))),
        ("contextActivities single object", full, "/context/contextActivities/parent", Some(json!({"id": "http://x.y/p"}))),
        ("context without revision for an agent object", full, "/context/revision", None),
        ("version 1.0", full, "/version", Some(json!("1.0"))),
        ("version 1.0.9", full, "/version", Some(json!("1.0.9"))),
        ("timestamp in the future", full, "/timestamp", Some(json!("2099-01-01T00:00:00.000Z"))),
        ("timestamp RFC 3339 +00:00", full, "/timestamp", Some(json!("2008-09-15T15:53:00.601+00:00"))),
        ("authority anonymous group of two", full, "/authority", Some(json!({"objectType": "Group", "member": [{"account": {"homePage": "http://lrs.example.com/oauth/token", "name": "consumer"}}, {"mbox": "mailto:bob@example.com"}]}))),
        ("language tags from the suites", full, "/verb/display", Some(json!({"de": "x", "de-DE": "x", "zh-Hant": "x", "sr-Latn-RS": "x", "cmn": "x", "es-419": "x", "sr-Cyrl": "x", "zh-Hans-CN": "x", "ase": "x"}))),
        ("attachment without fileUrl", full, "/attachments/0/fileUrl", None),
        ("empty attachments", full, "/attachments", Some(json!([]))),
        ("voiding statement", minimal, "/verb/id", Some(json!("http://adlnet.gov/expapi/verbs/voided"))),
        ("unicode IRI", full, "/object/id", Some(json!("http://例子.测试/课程/书法"))),
    ]
}

#[test]
fn valid_variants_are_accepted() {
    for (rule, base, pointer, new) in acceptances() {
        let mut statement = mutate(base(), pointer, new);
        if rule == "voiding statement" {
            statement["object"] =
                json!({"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"});
        }
        if rule == "context without revision for an agent object" {
            statement["object"] = json!({"objectType": "Agent", "mbox": "mailto:a@b.c"});
            statement["context"]
                .as_object_mut()
                .unwrap()
                .remove("platform");
        }
        check_accepted(rule, &statement, V1);
        check_accepted(rule, &statement, V2);
    }
}

#[test]
fn batches_refuse_empty_lists_repeated_ids_and_name_the_bad_statement() {
    assert!(parse_statements(&json!([]), V1).is_err());
    let twice = json!([full(), full()]);
    let error = parse_statements(&twice, V1).unwrap_err();
    assert_eq!(error.path, "[1].id");
    let mut broken = minimal();
    broken["actor"]["mbox"] = json!("nobody");
    let error = parse_statements(&json!([minimal(), broken]), V1).unwrap_err();
    assert_eq!(error.path, "[1].actor.mbox");
    assert_eq!(
        parse_statements(&json!([minimal(), sub()]), V1)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(parse_statements(&minimal(), V1).unwrap().len(), 1);
    assert!(parse_statements(&json!("x"), V1).is_err());
}

#[test]
fn duplicate_properties_in_the_body_are_refused() {
    let body = br#"{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/a"},"actor":{"mbox":"mailto:z@b.c"}}"#;
    let error = xc_xapi::parse_statement_bytes(body, V1).unwrap_err();
    assert_eq!(error.status.code(), 400);
    assert!(error.reason.contains("duplicate key"), "{error}");
}

#[test]
fn errors_read_as_path_and_reason() {
    let mut statement = minimal();
    statement["actor"]["mbox"] = json!("ann@example.com");
    let error = parse_statement(&statement, V1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "actor.mbox: must be a mailto IRI like mailto:name@example.com (it does not start with mailto:)"
    );
}

#[test]
fn exact_serialisation_keeps_what_was_sent_and_normalises_what_may_change() {
    let statement = parse_statement(&full(), V1).unwrap();
    let json = statement.to_json();
    // contextActivities values always arrays.
    assert_eq!(
        json["context"]["contextActivities"]["grouping"],
        json!([{"id": "http://example.com/terms/2024-spring"}])
    );
    // Timestamps in UTC, milliseconds kept.
    assert_eq!(json["timestamp"], json!("2024-05-04T04:00:00.123Z"));
    // Extensions kept, null values included.
    assert_eq!(
        json["result"]["extensions"],
        json!({"http://example.com/ext/null": null})
    );
    // Everything else as sent.
    let mut expected = full();
    expected["context"]["contextActivities"]["grouping"] =
        json!([{"id": "http://example.com/terms/2024-spring"}]);
    expected["timestamp"] = json!("2024-05-04T04:00:00.123Z");
    assert_eq!(json, expected);
    // And it parses back to the same statement.
    assert_eq!(parse_statement(&json, V1).unwrap(), statement);
    // objectType left out stays left out.
    let minimal_json = parse_statement(&minimal(), V1).unwrap().to_json();
    assert_eq!(minimal_json, minimal());
    // UUIDs come back lower case.
    let upper = mutate(
        full(),
        "/id",
        Some(json!("FD41C918-B88B-4B20-A0A5-A4C32391AAA0")),
    );
    assert_eq!(
        parse_statement(&upper, V1).unwrap().to_json()["id"],
        json!("fd41c918-b88b-4b20-a0a5-a4c32391aaa0")
    );
    // 2.0 properties round-trip too.
    let v2 = parse_statement(&full_2_0(), V2).unwrap().to_json();
    assert_eq!(
        v2["context"]["contextAgents"],
        full_2_0()["context"]["contextAgents"]
    );
    assert_eq!(
        v2["context"]["contextGroups"],
        full_2_0()["context"]["contextGroups"]
    );
}

#[test]
fn voiding_statements_name_their_target() {
    let mut voiding = minimal();
    voiding["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/voided");
    voiding["object"] =
        json!({"objectType": "StatementRef", "id": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE"});
    let statement = parse_statement(&voiding, V1).unwrap();
    assert_eq!(
        statement.voids().map(|id| id.as_str()),
        Some("6690e6c9-3ef0-4ed3-8b37-7f3964730bee")
    );
    assert_eq!(parse_statement(&full(), V1).unwrap().voids(), None);
}

#[test]
fn the_lrs_assigns_id_stored_timestamp_authority_and_version() {
    use xc_xapi::model::{Account, Actor, Agent, Assigned, Ifi};
    use xc_xapi::types::{Iri, Timestamp, Uuid};
    let authority = Actor::Agent(Agent {
        object_type: None,
        name: Some("MOOC provider".into()),
        ifi: Ifi::Account(Account {
            home_page: Iri::parse("https://xuecheng.example/xapi", "a").unwrap(),
            name: "provider-7".into(),
        }),
    });
    let assigned = |version| Assigned {
        id_if_absent: Uuid::from_random_bytes([7; 16]),
        stored: Timestamp::parse("2024-06-01T08:00:00.5Z", "s").unwrap(),
        authority: authority.clone(),
        version,
    };
    let bare = parse_statement(&minimal(), V1)
        .unwrap()
        .assign(assigned(V1))
        .to_json();
    assert_eq!(bare["id"], json!(Uuid::from_random_bytes([7; 16]).as_str()));
    assert_eq!(bare["stored"], json!("2024-06-01T08:00:00.500Z"));
    assert_eq!(bare["timestamp"], bare["stored"]);
    assert_eq!(bare["version"], json!("1.0.0"));
    assert_eq!(
        bare["authority"],
        json!({"name": "MOOC provider", "account": {"homePage": "https://xuecheng.example/xapi", "name": "provider-7"}})
    );
    assert_eq!(
        parse_statement(&minimal(), V2)
            .unwrap()
            .assign(assigned(V2))
            .to_json()["version"],
        json!("2.0.0")
    );
    // What the client sent stays, except stored and authority.
    let sent = parse_statement(&full(), V1)
        .unwrap()
        .assign(assigned(V1))
        .to_json();
    assert_eq!(sent["id"], full()["id"]);
    assert_eq!(sent["timestamp"], json!("2024-05-04T04:00:00.123Z"));
    assert_eq!(sent["version"], json!("1.0.0"));
    assert_eq!(sent["stored"], json!("2024-06-01T08:00:00.500Z"));
    assert_eq!(sent["authority"]["account"]["name"], json!("provider-7"));
}

#[test]
fn put_takes_one_statement_whose_id_is_the_parameter() {
    use xc_xapi::parse_put_statement;
    let id = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
    let put = parse_put_statement(Some(id), &minimal(), V1).unwrap();
    assert_eq!(put.id.unwrap().as_str(), id);
    let put = parse_put_statement(Some(&id.to_uppercase()), &full(), V1).unwrap();
    assert_eq!(put.id.unwrap().as_str(), id);
    assert_eq!(
        parse_put_statement(None, &minimal(), V1).unwrap_err().path,
        "statementId"
    );
    assert_eq!(
        parse_put_statement(Some("x"), &minimal(), V1)
            .unwrap_err()
            .path,
        "statementId"
    );
    let other = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee";
    assert_eq!(
        parse_put_statement(Some(other), &full(), V1)
            .unwrap_err()
            .path,
        "id"
    );
    assert_eq!(
        parse_put_statement(Some(id), &json!([minimal()]), V1)
            .unwrap_err()
            .path,
        ""
    );
    let mut broken = minimal();
    broken["verb"] = json!({});
    assert_eq!(
        parse_put_statement(Some(id), &broken, V1).unwrap_err().path,
        "verb.id"
    );
}
