//! Base statements every test mutates: each exercises every property its version allows, so a
//! mutation anywhere has something to change.

use serde_json::{Value, json};

pub(crate) const SHA1: &str = "ebd31e95054c018b10727ccffd2ef2ec3a016ee9";
pub(crate) const SHA256: &str = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a";

/// A 1.0.3 statement using every property.
pub(crate) fn full() -> Value {
    json!({
        "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed", "zh-CN": "完成"}
        },
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/courses/calligraphy",
            "definition": {
                "name": {"en": "Calligraphy", "zh-Hans": "书法"},
                "description": {"en": "Brush calligraphy, level 2"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "moreInfo": "http://example.com/courses/calligraphy/info",
                "interactionType": "choice",
                "correctResponsesPattern": ["a[,]b"],
                "choices": [
                    {"id": "a", "description": {"en": "Seal script"}},
                    {"id": "b", "description": {"en": "Clerical script"}}
                ],
                "extensions": {"http://example.com/ext/hours": 32}
            }
        },
        "result": {
            "score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100},
            "success": true,
            "completion": true,
            "response": "a[,]b",
            "duration": "PT1H30M",
            "extensions": {"http://example.com/ext/null": null}
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"name": "Teacher", "mbox_sha1sum": SHA1},
            "team": {
                "objectType": "Group",
                "name": "Class 3",
                "member": [{"openid": "http://openid.example.com/bob"}]
            },
            "contextActivities": {
                "parent": [{"id": "http://example.com/programmes/arts"}],
                "grouping": {"id": "http://example.com/terms/2024-spring"},
                "category": [{
                    "id": "http://example.com/profiles/elder",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}
                }],
                "other": []
            },
            "revision": "2",
            "platform": "xuecheng",
            "language": "zh-CN",
            "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
            "extensions": {"http://example.com/ext/site": {"district": "310101"}}
        },
        "timestamp": "2024-05-04T12:00:00.123+08:00",
        "stored": "2024-05-04T04:00:01.000Z",
        "authority": {
            "objectType": "Agent",
            "account": {"homePage": "http://lrs.example.com", "name": "provider-1"}
        },
        "version": "1.0.0",
        "attachments": [{
            "usageType": "http://example.com/attachments/certificate",
            "display": {"en": "Certificate"},
            "description": {"en": "The certificate of completion"},
            "contentType": "application/pdf",
            "length": 1234,
            "sha2": SHA256,
            "fileUrl": "http://example.com/certificates/1.pdf"
        }]
    })
}

/// A statement whose object is a SubStatement using every property a SubStatement may have.
pub(crate) fn sub() -> Value {
    let mut inner = full();
    let inner_map = inner.as_object_mut().unwrap();
    for key in ["id", "stored", "authority", "version", "attachments"] {
        inner_map.remove(key);
    }
    inner_map.insert("objectType".into(), json!("SubStatement"));
    json!({
        "actor": {"mbox": "mailto:planner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/planned"},
        "object": inner
    })
}

/// A 2.0 statement: the full one plus contextAgents and contextGroups, version 2.0.0.
pub(crate) fn full_2_0() -> Value {
    let mut statement = full();
    statement["version"] = json!("2.0.0");
    statement["context"]["contextAgents"] = json!([{
        "objectType": "contextAgent",
        "agent": {"mbox": "mailto:mentor@example.com"},
        "relevantTypes": ["http://example.com/roles/mentor"]
    }]);
    statement["context"]["contextGroups"] = json!([{
        "objectType": "contextGroup",
        "group": {"objectType": "Group", "member": [{"mbox": "mailto:peer@example.com"}]},
        "relevantTypes": ["http://example.com/roles/peers"]
    }]);
    statement
}

/// A minimal statement.
pub(crate) fn minimal() -> Value {
    json!({
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": {"id": "http://example.com/events/open-day"}
    })
}

/// `value` with the thing at JSON pointer `pointer` replaced by `new` (removed when `None`).
pub(crate) fn mutate(mut value: Value, pointer: &str, new: Option<Value>) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer starts with /");
    let target = value
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match (target, new) {
        (Value::Object(map), Some(new)) => {
            map.insert(last.replace("~1", "/").replace("~0", "~"), new);
        }
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Array(items), Some(new)) => {
            let at: usize = last.parse().unwrap();
            if at == items.len() {
                items.push(new);
            } else {
                items[at] = new;
            }
        }
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        (other, _) => panic!("{parent} is {other}"),
    }
    value
}
