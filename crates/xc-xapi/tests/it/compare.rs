//! Statement comparison (Data 2.3.1): what may differ and what may not.

use serde_json::{Value, json};
use xc_xapi::compare::{equivalent, first_difference};
use xc_xapi::{XapiVersion, parse_statement};

use crate::support::{full, mutate};

const V1: XapiVersion = XapiVersion::LATEST_1_0;

fn same(a: Value, b: Value) -> bool {
    equivalent(
        &parse_statement(&a, V1).unwrap(),
        &parse_statement(&b, V1).unwrap(),
    )
}

#[test]
fn differences_the_lrs_may_cause_are_ignored() {
    let base = full();
    for (what, pointer, new) in [
        ("stored", "/stored", Some(json!("2030-01-01T00:00:00Z"))),
        (
            "authority",
            "/authority",
            Some(json!({"mbox": "mailto:other@example.com"})),
        ),
        ("version", "/version", None),
        ("id absent on one side", "/id", None),
        ("timestamp absent on one side", "/timestamp", None),
        (
            "timestamp in another zone",
            "/timestamp",
            Some(json!("2024-05-04T04:00:00.123Z")),
        ),
        (
            "verb display",
            "/verb/display",
            Some(json!({"en": "finished"})),
        ),
        ("activity definition", "/object/definition", None),
        ("objectType Agent left out", "/actor/objectType", None),
        ("objectType Activity left out", "/object/objectType", None),
        (
            "mbox domain case",
            "/actor/mbox",
            Some(json!("mailto:ann@EXAMPLE.com")),
        ),
        (
            "id case",
            "/id",
            Some(json!("FD41C918-B88B-4B20-A0A5-A4C32391AAA0")),
        ),
        ("number spelling", "/result/score/raw", Some(json!(80.0))),
        (
            "duration beyond hundredths",
            "/result/duration",
            Some(json!("PT1H30M")),
        ),
        (
            "contextActivities single object",
            "/context/contextActivities/grouping",
            Some(json!([{"id": "http://example.com/terms/2024-spring"}])),
        ),
    ] {
        let other = mutate(base.clone(), pointer, new);
        assert!(same(base.clone(), other), "{what} should not count");
    }
    let mut a = full();
    a["result"]["duration"] = json!("P1DT12H36M0.1237S");
    let mut b = full();
    b["result"]["duration"] = json!("P1DT12H36M0.12S");
    assert!(same(a, b));
}

#[test]
fn group_member_order_is_ignored() {
    let mut a = full();
    a["actor"] = json!({"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}, {"mbox": "mailto:d@e.f"}]});
    let mut b = a.clone();
    b["actor"]["member"] = json!([{"mbox": "mailto:d@e.f"}, {"mbox": "mailto:a@b.c"}]);
    assert!(same(a, b));
}

#[test]
fn real_differences_count() {
    let base = full();
    for (what, pointer, new, property) in [
        (
            "actor",
            "/actor/mbox",
            Some(json!("mailto:bob@example.com")),
            "actor",
        ),
        ("actor name", "/actor/name", Some(json!("Annie")), "actor"),
        (
            "verb id",
            "/verb/id",
            Some(json!("http://adlnet.gov/expapi/verbs/failed")),
            "verb",
        ),
        (
            "object id",
            "/object/id",
            Some(json!("http://example.com/other")),
            "object",
        ),
        ("score", "/result/score/raw", Some(json!(81)), "result"),
        (
            "duration",
            "/result/duration",
            Some(json!("PT1H31M")),
            "result",
        ),
        (
            "result extension",
            "/result/extensions/http:~1~1example.com~1ext~1null",
            Some(json!(0)),
            "result",
        ),
        (
            "context registration",
            "/context/registration",
            Some(json!("6690e6c9-3ef0-4ed3-8b37-7f3964730bee")),
            "context",
        ),
        (
            "timestamp",
            "/timestamp",
            Some(json!("2024-05-04T12:00:00.124+08:00")),
            "timestamp",
        ),
        (
            "mbox local part case",
            "/actor/mbox",
            Some(json!("mailto:Ann@example.com")),
            "actor",
        ),
        ("attachments", "/attachments", None, "attachments"),
    ] {
        let a = parse_statement(&base, V1).unwrap();
        let b = parse_statement(&mutate(base.clone(), pointer, new), V1).unwrap();
        assert!(!equivalent(&a, &b), "{what} should count");
        assert_eq!(
            first_difference(&a, &b).as_deref(),
            Some(property),
            "{what}"
        );
    }
}
