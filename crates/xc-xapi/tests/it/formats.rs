//! The `ids` and `canonical` formats and Accept-Language selection.

use serde_json::json;
use xc_xapi::format::{AcceptLanguage, CanonicalSource, Format, to_canonical, to_ids};
use xc_xapi::model::ActivityDefinition;
use xc_xapi::types::{Iri, LanguageMap, LanguageTag};
use xc_xapi::{XapiVersion, parse_statement};

use crate::support::{full, sub};

const V1: XapiVersion = XapiVersion::LATEST_1_0;

fn map(entries: &[(&str, &str)]) -> LanguageMap {
    entries
        .iter()
        .map(|(tag, text)| (LanguageTag::parse(tag, "t").unwrap(), text.to_string()))
        .collect()
}

#[test]
fn format_parameter_values_are_exact_case() {
    assert_eq!(Format::parse("ids").unwrap(), Format::Ids);
    assert_eq!(Format::parse("exact").unwrap(), Format::Exact);
    assert_eq!(Format::parse("canonical").unwrap(), Format::Canonical);
    assert_eq!(Format::parse("IDS").unwrap_err().path, "format");
    assert!(Format::parse("").is_err());
}

#[test]
fn ids_keeps_only_identifiers() {
    let statement = parse_statement(&full(), V1).unwrap();
    let ids = to_ids(&statement).to_json();
    assert_eq!(
        ids["actor"],
        json!({"objectType": "Agent", "mbox": "mailto:ann@example.com"})
    );
    assert_eq!(
        ids["verb"],
        json!({"id": "http://adlnet.gov/expapi/verbs/completed"})
    );
    assert_eq!(
        ids["object"],
        json!({"id": "http://example.com/courses/calligraphy"})
    );
    // An anonymous group keeps its members, identified by IFI only.
    assert_eq!(
        ids["context"]["team"],
        json!({"objectType": "Group", "member": [{"openid": "http://openid.example.com/bob"}]})
    );
    assert_eq!(
        ids["context"]["contextActivities"]["category"],
        json!([{"id": "http://example.com/profiles/elder"}])
    );
    assert_eq!(
        ids["context"]["instructor"],
        json!({"mbox_sha1sum": crate::support::SHA1})
    );
    // What is not an Agent, Group, Activity or Verb stays.
    assert_eq!(ids["result"], full()["result"]);
    assert_eq!(ids["attachments"], full()["attachments"]);
    // Inside a SubStatement too.
    let nested = to_ids(&parse_statement(&sub(), V1).unwrap()).to_json();
    assert_eq!(
        nested["object"]["actor"],
        json!({"objectType": "Agent", "mbox": "mailto:ann@example.com"})
    );
    assert_eq!(
        nested["object"]["object"].as_object().unwrap().len(),
        1,
        "an activity is its id alone: {}",
        nested["object"]["object"]
    );
}

#[test]
fn accept_language_picks_one_entry_per_map() {
    let display = map(&[("en-US", "completed"), ("zh-CN", "完成"), ("fr", "terminé")]);
    let pick = |header: &str| {
        AcceptLanguage::parse(header)
            .pick(&display)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(pick("zh-CN"), "完成");
    assert_eq!(pick("zh"), "完成");
    assert_eq!(pick("de, fr;q=0.5, en;q=0.8"), "completed");
    assert_eq!(pick("en-GB"), "completed");
    assert_eq!(pick("de;q=1, *;q=0.1"), "completed");
    assert_eq!(pick("fr;q=0, en-US;q=0.2"), "completed");
    // Nothing acceptable: still exactly one language.
    assert_eq!(pick("de"), "completed");
    assert_eq!(pick(""), "completed");
    assert_eq!(pick("garbage;;q=x, ,"), "completed");
    assert!(
        AcceptLanguage::parse("en")
            .pick(&LanguageMap::new())
            .is_none()
    );
}

struct Store;

impl CanonicalSource for Store {
    fn activity_definition(&self, id: &Iri) -> Option<ActivityDefinition> {
        (id.as_str() == "http://example.com/courses/calligraphy").then(|| ActivityDefinition {
            name: Some(map(&[
                ("en", "Calligraphy (canonical)"),
                ("zh-CN", "书法（规范）"),
            ])),
            ..Default::default()
        })
    }
    fn verb_display(&self, _id: &Iri) -> Option<LanguageMap> {
        None
    }
}

#[test]
fn canonical_uses_the_stores_definitions_and_one_language() {
    let statement = parse_statement(&full(), V1).unwrap();
    let canonical = to_canonical(
        &statement,
        &Store,
        &AcceptLanguage::parse("zh-CN, en;q=0.5"),
    )
    .to_json();
    assert_eq!(
        canonical["object"]["definition"],
        json!({"name": {"zh-CN": "书法（规范）"}})
    );
    assert_eq!(canonical["verb"]["display"], json!({"zh-CN": "完成"}));
    // Without a canonical definition the statement's own is used, reduced to one language.
    let category = &canonical["context"]["contextActivities"]["category"][0];
    assert_eq!(
        category["definition"]["type"],
        json!("http://adlnet.gov/expapi/activities/profile")
    );
    // Agents stay as in exact.
    assert_eq!(canonical["actor"], full()["actor"]);
    let english = to_canonical(&statement, &Store, &AcceptLanguage::parse("en")).to_json();
    assert_eq!(english["verb"]["display"], json!({"en-US": "completed"}));
}

#[test]
fn definitions_merge_into_the_canonical_one() {
    use xc_xapi::format::merge_definition;
    let first = parse_statement(&full(), V1).unwrap();
    let xc_xapi::model::StatementObject::Activity(activity) = &first.object else {
        panic!()
    };
    let mut canonical = (**activity.definition.as_ref().unwrap()).clone();
    let incoming = ActivityDefinition {
        name: Some(map(&[("en", "Calligraphy II"), ("fr", "Calligraphie")])),
        more_info: Some(Iri::parse("http://example.com/new-info", "m").unwrap()),
        ..Default::default()
    };
    merge_definition(&mut canonical, &incoming);
    let json = serde_json::to_value(&canonical).unwrap();
    assert_eq!(
        json["name"],
        json!({"en": "Calligraphy II", "fr": "Calligraphie", "zh-Hans": "书法"})
    );
    assert_eq!(json["moreInfo"], json!("http://example.com/new-info"));
    // What the newer definition lacks is kept.
    assert_eq!(json["interactionType"], json!("choice"));
    assert_eq!(
        json["description"],
        full()["object"]["definition"]["description"]
    );
    assert_eq!(
        json["extensions"],
        json!({"http://example.com/ext/hours": 32})
    );

    // A definition of another interaction type replaces the interaction properties as a
    // group: the canonical definition stays one that validation accepts (the choice's
    // `choices` do not linger beside a matching's `source` and `target`).
    let component = |id: &str| json!({"id": id, "description": {"en": id}});
    let mut matching = full();
    matching["object"]["definition"] = json!({
        "interactionType": "matching",
        "source": [component("a")],
        "target": [component("b")],
        "correctResponsesPattern": ["a[.]b"],
    });
    let matching = parse_statement(&matching, V1).unwrap();
    let xc_xapi::model::StatementObject::Activity(activity) = &matching.object else {
        panic!()
    };
    merge_definition(&mut canonical, activity.definition.as_ref().unwrap());
    let json = serde_json::to_value(&canonical).unwrap();
    assert_eq!(json["interactionType"], json!("matching"));
    assert!(json.get("choices").is_none(), "{json}");
    assert_eq!(json["source"], json!([component("a")]));
    assert_eq!(
        json["name"]["fr"],
        json!("Calligraphie"),
        "names are still merged"
    );
    let wrapped = json!({
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a", "definition": json},
    });
    parse_statement(&wrapped, V1).expect("the merged definition is valid");
}
