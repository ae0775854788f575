//! The learning record store joined to the bank on a real store: actors mapped to learners,
//! statement rules awarding points once, linking an unknown actor later (their past statements
//! applied exactly once), the archive's activity, and erasing an actor.

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use xc_bank::ArchiveFilter;
use xc_bank::learning_records::{
    Applied, Integration, StatementRuleInput, erase_actor, integrate_pending, learner_activity,
    link_actor, parse_agent, publish_rules, rules_in_force,
};
use xc_domain::credit::OutcomeKind;
use xc_store::{Actor, AuditFilter, NewLrsClient, PageRequest, StoreError};
use xc_xapi::Statement;

use crate::support::*;

const HOME: &str = "https://xuecheng.example";
const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const ATTENDED: &str = "http://adlnet.gov/expapi/verbs/attended";
const T: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);

fn actor() -> Actor {
    Actor::System("test".into())
}

fn statement(n: u32, actor: serde_json::Value, verb: &str, scaled: Option<f64>) -> Statement {
    let mut body = json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "actor": actor,
        "verb": {"id": verb, "display": {"zh-CN": "完成", "en-US": "completed"}},
        "object": {"id": format!("https://mooc.example/courses/{n}"),
                   "definition": {"name": {"zh-CN": "书法入门", "en-US": "Calligraphy"}}},
        "stored": xc_xapi::types::Timestamp::from_datetime(T + time::Duration::minutes(i64::from(n))).to_rfc3339(),
    });
    if let Some(scaled) = scaled {
        body["result"] = json!({"score": {"scaled": scaled}});
    }
    xc_xapi::parse_statement(&body, xc_xapi::XapiVersion::LATEST_1_0).unwrap()
}

fn platform(learner: xc_domain::LearnerId) -> serde_json::Value {
    json!({"account": {"homePage": HOME, "name": learner.to_string()}})
}

fn rule(verb: &str, min: Option<&str>, award: &str) -> StatementRuleInput {
    StatementRuleInput {
        verb: verb.into(),
        min_scaled: min.map(str::to_owned),
        award: award.into(),
        ..Default::default()
    }
}

async fn integration(bank: &Bank) -> Integration {
    Integration {
        home_page: HOME.into(),
        rules: rules_in_force(bank.store()).await.unwrap().rules,
        standards: std::sync::Arc::new(bank.standards.clone()),
    }
}

#[tokio::test]
async fn statements_join_archives_earn_points_once_and_actors_link_later() {
    let bank = bank().await;
    let store = bank.store();
    let [a, b, c, d, _] = bank.learners[..] else {
        panic!()
    };
    let client = lrs_client(&bank, "上海慕课", Some(PROVIDER.get())).await;
    publish_rules(
        store,
        &[
            rule(COMPLETED, Some("0.6"), "completion"),
            rule(ATTENDED, None, "attendance"),
        ],
        &bank.standards,
        NOW,
        None,
        actor(),
    )
    .await
    .unwrap();
    let ann = json!({"mbox": "mailto:ann@example.com"});
    store
        .insert_statements_from(
            Some(client),
            &[
                statement(1, platform(a), COMPLETED, Some(0.8)),
                statement(2, ann.clone(), COMPLETED, Some(0.9)),
                statement(3, platform(b), COMPLETED, Some(0.3)),
                statement(
                    5,
                    platform(xc_domain::LearnerId::new(999_999)),
                    COMPLETED,
                    Some(1.0),
                ),
            ],
            &[],
        )
        .await
        .unwrap();
    // The platform's own statement (a check-in): archive only, its points came with it.
    store
        .insert_statements(&[statement(4, platform(a), ATTENDED, None)], &[])
        .await
        .unwrap();

    let integration = integration(&bank).await;
    let applied = integrate_pending(store, &integration, NOW, actor())
        .await
        .unwrap();
    assert_eq!(
        applied,
        Applied {
            statements: 5,
            timeline: 3,
            awards: 1,
            points: 10,
            ..Applied::default()
        }
    );
    assert_eq!(store.points_balance(a).await.unwrap(), 10);
    assert_eq!(store.points_balance(b).await.unwrap(), 0);
    // Nothing is applied twice.
    let again = integrate_pending(store, &integration, NOW, actor())
        .await
        .unwrap();
    assert_eq!(again, Applied::default());

    let activity = learner_activity(store, a, &ArchiveFilter::default(), None, 10)
        .await
        .unwrap();
    let seen: Vec<_> = activity
        .items
        .iter()
        .map(|i| {
            (
                i.verb_id.as_str(),
                i.provider.as_deref(),
                i.verb_zh.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (ATTENDED, None, "完成"),
            (COMPLETED, Some("上海慕课"), "完成")
        ]
    );
    assert_eq!(activity.items[1].activity_zh.as_deref(), Some("书法入门"));
    assert_eq!(activity.items[1].scaled, Some(0.8));
    let first = learner_activity(store, a, &ArchiveFilter::default(), None, 1)
        .await
        .unwrap();
    let rest = learner_activity(store, a, &ArchiveFilter::default(), first.next, 1)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!(rest.items, activity.items[1..]);
    assert_eq!(rest.next, None);
    for filter in [
        ArchiveFilter {
            year: Some(2025),
            ..Default::default()
        },
        ArchiveFilter {
            kind: Some(OutcomeKind::CommunityCourse),
            ..Default::default()
        },
    ] {
        assert!(
            learner_activity(store, a, &filter, None, 10)
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    let this_year = ArchiveFilter {
        year: Some(2026),
        ..Default::default()
    };
    assert_eq!(
        learner_activity(store, a, &this_year, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        2
    );

    // Linking ann applies her past statement once; linking again adds nothing.
    let agent = parse_agent(&ann.to_string()).unwrap();
    let linked = link_actor(
        store,
        &bank.vault,
        &integration,
        &agent,
        c,
        Some(bank.reviewer),
        NOW,
        actor(),
    )
    .await
    .unwrap();
    assert!(linked.linked);
    assert_eq!((linked.applied.timeline, linked.applied.points), (1, 10));
    let relinked = link(&bank, &integration, &agent, c).await;
    assert!(!relinked.linked);
    assert_eq!((relinked.applied.timeline, relinked.applied.points), (0, 0));
    assert_eq!(store.points_balance(c).await.unwrap(), 10);
    // The same address as mbox_sha1sum, sent later, is ann too.
    let sha1sum = json!({"mbox_sha1sum": xc_bank::learning_records::link_keys(&agent)[1]
        .trim_start_matches("mbox_sha1sum:")});
    store
        .insert_statements_from(Some(client), &[statement(6, sha1sum, ATTENDED, None)], &[])
        .await
        .unwrap();
    let applied = integrate_pending(store, &integration, NOW, actor())
        .await
        .unwrap();
    assert_eq!((applied.timeline, applied.points), (1, 1));
    assert_eq!(
        learner_activity(store, c, &ArchiveFilter::default(), None, 10)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // Another learner cannot take ann; an unknown learner is not found; nothing is written.
    let taken = link_actor(
        store,
        &bank.vault,
        &integration,
        &agent,
        d,
        None,
        NOW,
        actor(),
    )
    .await;
    assert!(matches!(
        taken,
        Err(xc_bank::BankError::Store(StoreError::Conflict {
            field: "agent"
        }))
    ));
    let unknown = link_actor(
        store,
        &bank.vault,
        &integration,
        &parse_agent(r#"{"mbox": "mailto:zed@example.com"}"#).unwrap(),
        xc_domain::LearnerId::new(999_999),
        None,
        NOW,
        actor(),
    )
    .await;
    assert!(matches!(
        unknown,
        Err(xc_bank::BankError::Store(StoreError::NotFound {
            what: "learner"
        }))
    ));
    assert!(store.learner_actor_links(d).await.unwrap().is_empty());

    // Erasing ann: her statements (both forms of her address) go, the audit keeps no address,
    // the points she earned stay, and a's statements are untouched.
    let counts = erase_actor(store, &bank.vault, &agent, actor())
        .await
        .unwrap();
    assert_eq!((counts.statements, counts.links), (2, 2));
    assert!(
        learner_activity(store, c, &ArchiveFilter::default(), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.points_balance(c).await.unwrap(), 11);
    assert_eq!(
        learner_activity(store, a, &ArchiveFilter::default(), None, 10)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let entries = store
        .list_audit(
            &AuditFilter {
                action: Some("xapi_actor.erase".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    let entry =
        serde_json::to_string(&(&entries.items[0].subject_id, &entries.items[0].detail)).unwrap();
    assert!(!entry.contains("ann@example.com"), "{entry}");
    assert_eq!(entries.items[0].subject_id.len(), 64);
}

#[tokio::test]
async fn a_refused_rule_set_publishes_nothing() {
    let bank = bank().await;
    let refused = publish_rules(
        bank.store(),
        &[rule(COMPLETED, Some("2"), "completion")],
        &bank.standards,
        NOW,
        None,
        actor(),
    )
    .await;
    assert!(matches!(refused, Err(xc_bank::BankError::Rejected(_))));
    assert!(
        rules_in_force(bank.store())
            .await
            .unwrap()
            .version
            .is_none()
    );
}

/// Links `agent` to `learner` as the system, applying the actor's past statements.
async fn link(
    bank: &Bank,
    integration: &Integration,
    agent: &xc_xapi::model::Agent,
    learner: xc_domain::LearnerId,
) -> xc_bank::learning_records::ActorLinked {
    link_actor(
        bank.store(),
        &bank.vault,
        integration,
        agent,
        learner,
        None,
        NOW,
        actor(),
    )
    .await
    .unwrap()
}

async fn lrs_client(bank: &Bank, key: &str, institution: Option<i64>) -> i64 {
    bank.store()
        .create_lrs_client(
            &NewLrsClient {
                key: key.into(),
                secret_hash: vec![1; 32],
                name: key.into(),
                institution: institution.map(xc_domain::InstitutionId::new),
                scopes: vec![xc_xapi::scope::Scope::All],
                created_by: None,
                created_at: NOW,
            },
            &audit("lrs_client.create"),
        )
        .await
        .unwrap()
}

/// A rule proposing an outcome of `spec` (no points) for `completed` with at least `min`.
fn proposing(spec: xc_domain::credit::SpecificationId, min: &str) -> StatementRuleInput {
    StatementRuleInput {
        verb: COMPLETED.into(),
        min_scaled: Some(min.into()),
        specification: Some(spec.to_string()),
        ..Default::default()
    }
}

#[tokio::test]
async fn statements_of_the_providers_own_client_propose_outcomes_once() {
    let bank = bank().await;
    let store = bank.store();
    let [a, b, c, d, e] = bank.learners[..] else {
        panic!()
    };
    let own = lrs_client(&bank, "xcl_own", Some(PROVIDER.get())).await;
    let other = lrs_client(&bank, "xcl_other", Some(2)).await;
    let unattached = lrs_client(&bank, "xcl_none", None).await;
    publish_rules(
        store,
        &[
            proposing(bank.calligraphy, "0.6"),
            rule(COMPLETED, None, "completion"),
        ],
        &bank.standards,
        NOW,
        None,
        actor(),
    )
    .await
    .unwrap();
    let ann = json!({"mbox": "mailto:ann@example.com"});
    let voided = statement(6, platform(e), COMPLETED, Some(0.9));
    let voiding = xc_xapi::parse_statement(
        &json!({
            "id": "00000000-0000-4000-8000-000000000007",
            "actor": platform(e),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": "00000000-0000-4000-8000-000000000006"},
            "stored": xc_xapi::types::Timestamp::from_datetime(T + time::Duration::minutes(7)).to_rfc3339(),
        }),
        xc_xapi::XapiVersion::LATEST_1_0,
    )
    .unwrap();
    store
        .insert_statements_from(
            Some(own),
            &[
                statement(1, platform(a), COMPLETED, Some(0.8)),
                statement(2, platform(b), COMPLETED, Some(0.5)),
                statement(3, ann.clone(), COMPLETED, Some(0.9)),
                voided,
                voiding,
            ],
            &[],
        )
        .await
        .unwrap();
    for (client, n) in [(other, 4), (unattached, 5)] {
        store
            .insert_statements_from(
                Some(client),
                &[statement(n, platform(c), COMPLETED, Some(0.9))],
                &[],
            )
            .await
            .unwrap();
    }
    // The platform's own statement (a check-in) may propose for any provider.
    store
        .insert_statements(&[statement(8, platform(e), COMPLETED, Some(0.7))], &[])
        .await
        .unwrap();

    let integration = integration(&bank).await;
    let applied = integrate_pending(store, &integration, NOW, actor())
        .await
        .unwrap();
    assert_eq!(
        (applied.proposed, applied.recognised, applied.untrusted),
        (2, 2, 2),
        "{applied:?}"
    );
    let outcomes = store.list_learner_outcomes(a).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    let outcome = &outcomes[0];
    assert_eq!(
        outcome.external_id,
        "xapi:00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(outcome.status, xc_store::OutcomeStatus::Recognised);
    assert_eq!(outcome.submitted.provider, PROVIDER);
    assert_eq!(outcome.submitted.title.as_str(), "书法（楷书）");
    // Stored at 10:01 UTC: 18:01 the same day in Beijing.
    assert_eq!(
        outcome.submitted.achieved_on,
        time::macros::date!(2026 - 11 - 20)
    );
    assert_eq!(
        outcome.submitted.score,
        Some(xc_domain::credit::Score::parse("80").unwrap())
    );
    assert_eq!(
        outcome.submitted.evidence[0].reference(),
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(outcome.grant.as_ref().unwrap().credits.to_string(), "2");
    // Below the least score, another provider's client, a client of no institution, a voided
    // statement: nothing; the platform's own check-in: proposed.
    assert!(store.list_learner_outcomes(b).await.unwrap().is_empty());
    assert!(store.list_learner_outcomes(c).await.unwrap().is_empty());
    assert_eq!(store.list_learner_outcomes(e).await.unwrap().len(), 1);
    // The proposal is audited as a submission, naming the statement's client.
    let entries = store
        .list_audit(
            &AuditFilter {
                action: Some("outcome.submit".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 2);
    assert!(
        entries
            .items
            .iter()
            .any(|entry| entry.detail["lrs_client"] == own)
    );

    // Applying the same statements again (a link of the actor, a second walk) proposes nothing.
    let again = link(
        &bank,
        &integration,
        &parse_agent(&platform(a).to_string()).unwrap(),
        a,
    )
    .await;
    assert_eq!(again.applied.proposed, 0);
    assert_eq!(store.list_learner_outcomes(a).await.unwrap().len(), 1);
    // An unknown actor linked later proposes their statement's outcome, once.
    let agent = parse_agent(&ann.to_string()).unwrap();
    for expected in [1, 0] {
        let linked = link(&bank, &integration, &agent, d).await;
        assert_eq!(linked.applied.proposed, expected);
    }
    assert_eq!(store.list_learner_outcomes(d).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_specification_matched_by_another_goes_to_review_and_unknown_ones_are_refused() {
    let mut bank = bank().await;
    // A second specification of the provider with the same kind and title: the outcome matches
    // both exactly, so a reviewer decides.
    xc_bank::publish_specification(
        bank.store(),
        &bank.standards,
        &xc_store::SpecificationTarget::New {
            provider: PROVIDER,
            code: "SF-02".into(),
        },
        calligraphy_input(),
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap();
    bank.reload().await;
    let store = bank.store();
    let own = lrs_client(&bank, "xcl_own", Some(PROVIDER.get())).await;
    publish_rules(
        store,
        &[proposing(bank.calligraphy, "0.6")],
        &bank.standards,
        NOW,
        None,
        actor(),
    )
    .await
    .unwrap();
    store
        .insert_statements_from(
            Some(own),
            &[statement(
                1,
                platform(bank.learners[0]),
                COMPLETED,
                Some(0.8),
            )],
            &[],
        )
        .await
        .unwrap();
    let applied = integrate_pending(store, &integration(&bank).await, NOW, actor())
        .await
        .unwrap();
    assert_eq!((applied.proposed, applied.recognised), (1, 0));
    let outcomes = store.list_learner_outcomes(bank.learners[0]).await.unwrap();
    assert_eq!(outcomes[0].status, xc_store::OutcomeStatus::InReview);

    // A rule naming no published specification is refused by row and field; nothing stored.
    let before = rules_in_force(store).await.unwrap().version;
    let refused = publish_rules(
        store,
        &[
            rule(ATTENDED, None, "attendance"),
            proposing(xc_domain::credit::SpecificationId::new(9_999), "0.6"),
        ],
        &bank.standards,
        NOW,
        None,
        actor(),
    )
    .await;
    match refused {
        Err(xc_bank::BankError::Rejected(problems)) => {
            assert_eq!(problems.len(), 1);
            assert_eq!(
                (problems[0].row, problems[0].column.as_str()),
                (2, "specification")
            );
        }
        other => panic!("accepted: {other:?}"),
    }
    assert_eq!(rules_in_force(store).await.unwrap().version, before);
}
