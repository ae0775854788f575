//! What only PostgreSQL's points and conversion storage has, beyond the shared suite: spends and
//! decisions racing on separate connections (the row locks must make them take turns), two open
//! applications created at once, the constraint names the migrations fix mapped to fields (also
//! for ledger rows and applications naming rows that do not exist), stored values edited behind
//! the platform's back reported as backend errors naming table, column and row, and identity
//! sequences moved past rows loaded with their ids.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::{date, datetime};
use tokio::sync::Barrier;
use xc_domain::credit::{
    ApplicationId, ConversionRuleId, Credits, IncentiveCode, OutcomeId, Points, ProgrammeId,
    Version,
};
use xc_domain::*;
use xc_store::*;
use xc_store_postgres::PgStore;

use crate::support::fresh_store_or_skip;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

fn audit(action: &str, subject_kind: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("it".into()), action, subject_kind, "new")
}

fn credits(whole: u32) -> Credits {
    Credits::whole(whole).unwrap()
}

/// A city, a learner, a staff account, a programme with one rule in one version, and an outcome
/// of the learner for the lines to name.
struct Fixture {
    learner: LearnerId,
    staff: UserId,
    programme: ProgrammeId,
    rule: ConversionRuleId,
}

async fn fixture(store: &PgStore) -> Fixture {
    suite::load_fixture_city(store).await;
    let learner = store
        .create_learner(
            &suite::new_learner(1, "310101", Some(1)),
            &audit("learner.create", "learner"),
        )
        .await
        .unwrap();
    let staff = store
        .create_user(
            &NewUser {
                username: Username::parse("bank.staff").unwrap(),
                password_hash: None,
                display_name: "bank staff".into(),
                role: RoleAssignment {
                    role: Role::Citizen,
                    district: None,
                    institution: None,
                },
                learner: None,
            },
            &audit("user.create", "user"),
        )
        .await
        .unwrap();
    let programme = store
        .create_programme(
            &NewProgramme {
                institution: InstitutionId::new(1),
                code: "OU-ACC".into(),
                name: "会计 (双元制)".into(),
                max_credits: credits(30),
            },
            &audit("programme.create", "programme"),
        )
        .await
        .unwrap();
    let (rule, version) = store
        .publish_conversion_rule(
            &RuleTarget::New {
                programme,
                code: "R1".into(),
            },
            &serde_json::json!({"course": "ACC101", "credits": "4.00"}),
            T0,
            Some(staff),
            &audit("rule.publish", "rule"),
        )
        .await
        .unwrap();
    assert_eq!(version, Version::FIRST);
    Fixture {
        learner,
        staff,
        programme,
        rule,
    }
}

fn application(fixture: &Fixture, lines: &[u32]) -> NewApplication {
    NewApplication {
        learner: fixture.learner,
        programme: fixture.programme,
        applied_at: T0,
        made_on: T0.date(),
        proposal: serde_json::json!({"misses": [], "unused": []}),
        proposed_credits: credits(lines.iter().sum()),
        lines: lines
            .iter()
            .enumerate()
            .map(|(index, whole)| NewApplicationLine {
                rule: fixture.rule,
                rule_version: Version::FIRST,
                outcomes: vec![OutcomeId::new(index as i64 + 1)],
                grant: serde_json::json!({"exempt": format!("C{index}")}),
                credits: credits(*whole),
            })
            .collect(),
    }
}

fn spending(learner: LearnerId, points: i64, source: &str) -> PointsEntry {
    PointsEntry {
        learner,
        at: T0,
        day: T0.date(),
        award: "incentive".into(),
        points,
        source_kind: "incentive".into(),
        source_id: source.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_spends_cannot_overdraw() {
    let store = fresh_store_or_skip!().await;
    let learner = fixture(&store).await.learner;
    store
        .append_points(
            &PointsEntry {
                points: 100,
                award: "completion".into(),
                ..spending(learner, 0, "earned")
            },
            &audit("points.award", "points"),
        )
        .await
        .unwrap();
    // Eight spends of 30 released at once against a balance of 100: three fit.
    let spenders = 8;
    let barrier = Arc::new(Barrier::new(spenders));
    let tasks: Vec<_> = (0..spenders)
        .map(|n| {
            let store: PgStore = (*store).clone();
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .spend_points(
                        &spending(learner, -30, &format!("spend-{n}")),
                        &audit("points.spend", "points"),
                    )
                    .await
            })
        })
        .collect();
    let mut spent = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => spent += 1,
            Err(StoreError::Conflict { field: "points" }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(spent, 3);
    assert_eq!(store.points_balance(learner).await.unwrap(), 10);
    assert_eq!(store.list_points(learner).await.unwrap().len(), 4);
    let filter = AuditFilter {
        action: Some("points.spend".into()),
        ..Default::default()
    };
    let audited = store
        .list_audit(&filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(audited.total, 3, "no audit entry for a refused spend");
}

#[tokio::test]
async fn a_spend_must_take_points_from_a_learner_who_exists() {
    let store = fresh_store_or_skip!().await;
    let learner = fixture(&store).await.learner;
    for points in [0, 5] {
        let error = store
            .spend_points(
                &spending(learner, points, "x"),
                &audit("points.spend", "points"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::Invalid {
                    field: "points",
                    ..
                }
            ),
            "{error:?}"
        );
    }
    let error = store
        .spend_points(
            &spending(LearnerId::new(999_999), -1, "x"),
            &audit("points.spend", "points"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::NotFound { what: "learner" }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_decisions_at_once_one_wins() {
    let store = fresh_store_or_skip!().await;
    let fixture = fixture(&store).await;
    let id = store
        .create_application(
            &application(&fixture, &[4, 2]),
            &audit("application.create", "application"),
        )
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = [true, false]
        .into_iter()
        .map(|approve| {
            let store: PgStore = (*store).clone();
            let barrier = Arc::clone(&barrier);
            let decision = ApplicationDecision {
                application: id,
                decided_at: T0 + time::Duration::days(1),
                decided_by: fixture.staff,
                approve,
                kept_lines: vec![1, 2],
                reason: if approve { "符合" } else { "材料不足" }.into(),
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .decide_application(&decision, &audit("application.decide", "application"))
                    .await
                    .map(|()| approve)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(approve) => winners.push(approve),
            Err(StoreError::Conflict { field: "status" }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let [approved] = winners[..] else {
        panic!("exactly one decision must win: {winners:?}");
    };
    let stored = store.get_application(id).await.unwrap();
    let kept: Vec<Option<bool>> = stored.lines.iter().map(|line| line.kept).collect();
    if approved {
        assert_eq!(stored.status, ApplicationStatus::Approved);
        assert_eq!(stored.approved_credits, Some(credits(6)));
        assert_eq!(kept, [Some(true), Some(true)]);
    } else {
        assert_eq!(stored.status, ApplicationStatus::Rejected);
        assert_eq!(stored.approved_credits, None);
        assert_eq!(kept, [Some(false), Some(false)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_open_applications_at_once_one_is_stored() {
    let store = fresh_store_or_skip!().await;
    let fixture = fixture(&store).await;
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let store: PgStore = (*store).clone();
            let barrier = Arc::clone(&barrier);
            let new = application(&fixture, &[3]);
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .create_application(&new, &audit("application.create", "application"))
                    .await
            })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => stored += 1,
            Err(StoreError::Conflict { field: "programme" }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(stored, 1);
    let applications = store
        .list_learner_applications(fixture.learner)
        .await
        .unwrap();
    assert_eq!(applications.len(), 1);
    assert_eq!(applications[0].lines.len(), 1, "the loser left no lines");
}

#[tokio::test]
async fn constraint_names_map_to_the_fields_a_caller_gave() {
    let store = fresh_store_or_skip!().await;
    let fixture = fixture(&store).await;
    let programme = NewProgramme {
        institution: InstitutionId::new(1),
        code: "OU-ACC".into(),
        name: "again".into(),
        max_credits: credits(10),
    };
    let error = store
        .create_programme(&programme, &audit("programme.create", "programme"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "code" }),
        "{error:?}"
    );
    let elsewhere = NewProgramme {
        institution: InstitutionId::new(77),
        ..programme
    };
    let error = store
        .create_programme(&elsewhere, &audit("programme.create", "programme"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "institution",
                ..
            }
        ),
        "{error:?}"
    );

    let error = store
        .publish_conversion_rule(
            &RuleTarget::New {
                programme: fixture.programme,
                code: "R1".into(),
            },
            &serde_json::json!({}),
            T0,
            None,
            &audit("rule.publish", "rule"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "code" }),
        "{error:?}"
    );

    let incentive = NewIncentive {
        code: IncentiveCode::parse("enrolment_priority").unwrap(),
        name: "优先报名".into(),
        cost: Points::new(60).unwrap(),
        available_from: date!(2026 - 08 - 01),
        available_until: None,
    };
    store
        .create_incentive(&incentive, &audit("incentive.create", "incentive"))
        .await
        .unwrap();
    let error = store
        .create_incentive(&incentive, &audit("incentive.create", "incentive"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "code" }),
        "{error:?}"
    );
    let free = NewIncentive {
        code: IncentiveCode::parse("free").unwrap(),
        cost: Points::ZERO,
        ..incentive
    };
    let error = store
        .create_incentive(&free, &audit("incentive.create", "incentive"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Invalid { field: "cost", .. }),
        "{error:?}"
    );

    // A line may only name a published rule version.
    let mut unpublished = application(&fixture, &[3]);
    unpublished.lines[0].rule_version = Version::new(2).unwrap();
    let error = store
        .create_application(&unpublished, &audit("application.create", "application"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Invalid { field: "rule", .. }),
        "{error:?}"
    );
    assert!(
        store
            .list_learner_applications(fixture.learner)
            .await
            .unwrap()
            .is_empty(),
        "nothing of a refused application is kept"
    );
}

#[tokio::test]
async fn ledger_rows_and_applications_naming_what_does_not_exist_are_invalid() {
    let store = fresh_store_or_skip!().await;
    let fixture = fixture(&store).await;
    let expect_invalid = |error: StoreError, expected: &str| {
        assert!(
            matches!(error, StoreError::Invalid { field, .. } if field == expected),
            "{error:?}"
        );
    };
    let award = |learner, points| PointsEntry {
        award: "completion".into(),
        ..spending(learner, points, "earned")
    };
    let error = store
        .append_points(&award(fixture.learner, 0), &audit("points.award", "points"))
        .await
        .unwrap_err();
    expect_invalid(error, "points");
    let error = store
        .append_points(
            &award(LearnerId::new(999_999), 5),
            &audit("points.award", "points"),
        )
        .await
        .unwrap_err();
    expect_invalid(error, "learner");
    assert!(store.list_points(fixture.learner).await.unwrap().is_empty());

    let stranger = NewApplication {
        learner: LearnerId::new(999_999),
        ..application(&fixture, &[3])
    };
    let error = store
        .create_application(&stranger, &audit("application.create", "application"))
        .await
        .unwrap_err();
    expect_invalid(error, "learner");
    let id = store
        .create_application(
            &application(&fixture, &[3]),
            &audit("application.create", "application"),
        )
        .await
        .unwrap();
    let by_nobody = ApplicationDecision {
        application: id,
        decided_at: T0,
        decided_by: UserId::new(999_999),
        approve: false,
        kept_lines: Vec::new(),
        reason: "材料不足".into(),
    };
    let error = store
        .decide_application(&by_nobody, &audit("application.decide", "application"))
        .await
        .unwrap_err();
    expect_invalid(error, "decided_by");
    let stored = store.get_application(id).await.unwrap();
    assert_eq!(stored.status, ApplicationStatus::Proposed);
    assert_eq!(stored.lines[0].kept, None);

    for action in ["points.award", "application.decide"] {
        let filter = AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        let audited = store
            .list_audit(&filter, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(audited.total, 0, "no audit entry for a refused {action}");
    }
}

#[tokio::test]
async fn stored_values_that_no_longer_parse_are_backend_errors_naming_the_row() {
    let store = fresh_store_or_skip!().await;
    let fixture = fixture(&store).await;
    let id = store
        .create_application(
            &application(&fixture, &[4, 2]),
            &audit("application.create", "application"),
        )
        .await
        .unwrap();
    store
        .create_incentive(
            &NewIncentive {
                code: IncentiveCode::parse("enrolment_priority").unwrap(),
                name: "优先报名".into(),
                cost: Points::new(60).unwrap(),
                available_from: date!(2026 - 08 - 01),
                available_until: Some(date!(2026 - 08 - 31)),
            },
            &audit("incentive.create", "incentive"),
        )
        .await
        .unwrap();
    let pool = store.pool();
    let expect_backend = |error: StoreError, needles: &[&str]| {
        let shown = error.to_string();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        for needle in needles {
            assert!(shown.contains(needle), "{needle} not in {shown}");
        }
    };

    sqlx::query("UPDATE programmes SET max_credits = NULL")
        .execute(pool)
        .await
        .unwrap();
    let row = format!("row {}", fixture.programme);
    expect_backend(
        store.get_programme(fixture.programme).await.unwrap_err(),
        &["programmes.max_credits", &row, "NULL"],
    );
    expect_backend(
        store.list_programmes().await.unwrap_err(),
        &["programmes.max_credits"],
    );

    sqlx::query("UPDATE conversion_lines SET outcome_ids = '[1, \"seven\"]' WHERE line_no = 2")
        .execute(pool)
        .await
        .unwrap();
    expect_backend(
        store.get_application(id).await.unwrap_err(),
        &[
            "conversion_lines.outcome_ids",
            &format!("(application {id}, line 2)"),
        ],
    );

    sqlx::query("UPDATE incentives SET code = 'Not A Code'")
        .execute(pool)
        .await
        .unwrap();
    expect_backend(
        store.list_incentives().await.unwrap_err(),
        &["incentives.code", "row 1"],
    );
}

#[tokio::test]
async fn rows_loaded_with_their_ids_are_followed_by_new_ones() {
    let store = fresh_store_or_skip!().await;
    suite::load_fixture_city(&*store).await;
    let pool = store.pool();
    for statement in [
        "INSERT INTO learners (id, display_name, national_id_ciphertext, national_id_masked,
            national_id_lookup, birth_year, gender, district_code, interests, registered_at)
            VALUES (40, 'learner', '\\x00', '3101**********0011', '\\x01', 1960, 'f', '310101',
            '', now())",
        "INSERT INTO programmes (id, institution_id, code, name, max_credits)
            VALUES (50, 1, 'P50', 'loaded', 3000)",
        "INSERT INTO conversion_rules (id, programme_id, code, created_at)
            VALUES (60, 50, 'R60', now())",
        "INSERT INTO conversion_rule_versions (rule_id, version, body, published_at)
            VALUES (60, 1, '{}', now())",
        "INSERT INTO conversion_applications (id, learner_id, programme_id, status, applied_at,
            made_on, proposal, proposed_credits, decided_at, approved_credits)
            VALUES (70, 40, 50, 'approved', now(), '2026-03-01', '{}', 400, now(), 400)",
        "INSERT INTO conversion_lines (application_id, line_no, rule_id, rule_version,
            outcome_ids, grant_body, credits, kept)
            VALUES (70, 1, 60, 1, '[]', '{}', 400, true)",
        "INSERT INTO incentives (id, code, name, cost_points, available_from)
            VALUES (80, 'loaded', 'loaded', 5, '2026-01-01')",
        "INSERT INTO points_ledger (id, learner_id, at, day, year, award, points, source_kind,
            source_id) VALUES (90, 40, now(), '2026-01-05', 2026, 'completion', 50, 'x', '1')",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    store.finish_load().await.unwrap();

    let learner = LearnerId::new(40);
    let programme = store
        .create_programme(
            &NewProgramme {
                institution: InstitutionId::new(1),
                code: "P-NEW".into(),
                name: "new".into(),
                max_credits: credits(20),
            },
            &audit("programme.create", "programme"),
        )
        .await
        .unwrap();
    assert!(programme.get() > 50, "programme {programme}");
    let (rule, _) = store
        .publish_conversion_rule(
            &RuleTarget::New {
                programme,
                code: "R-NEW".into(),
            },
            &serde_json::json!({}),
            T0,
            None,
            &audit("rule.publish", "rule"),
        )
        .await
        .unwrap();
    assert!(rule.get() > 60, "rule {rule}");
    let (again, version) = store
        .publish_conversion_rule(
            &RuleTarget::Existing(ConversionRuleId::new(60)),
            &serde_json::json!({"v": 2}),
            T0,
            None,
            &audit("rule.publish", "rule"),
        )
        .await
        .unwrap();
    assert_eq!((again.get(), version.get()), (60, 2));
    let application: ApplicationId = store
        .create_application(
            &NewApplication {
                learner,
                programme,
                applied_at: T0,
                made_on: T0.date(),
                proposal: serde_json::json!({}),
                proposed_credits: Credits::ZERO,
                lines: Vec::new(),
            },
            &audit("application.create", "application"),
        )
        .await
        .unwrap();
    assert!(application.get() > 70, "application {application}");
    let incentive = store
        .create_incentive(
            &NewIncentive {
                code: IncentiveCode::parse("new").unwrap(),
                name: "new".into(),
                cost: Points::new(5).unwrap(),
                available_from: date!(2026 - 01 - 01),
                available_until: None,
            },
            &audit("incentive.create", "incentive"),
        )
        .await
        .unwrap();
    assert!(incentive.get() > 80, "incentive {incentive}");
    let spent = store
        .spend_points(
            &spending(learner, -5, "new"),
            &audit("points.spend", "points"),
        )
        .await
        .unwrap();
    assert!(spent > 90, "ledger row {spent}");

    let loaded = store.get_application(ApplicationId::new(70)).await.unwrap();
    assert_eq!(loaded.status, ApplicationStatus::Approved);
    assert_eq!(loaded.approved_credits, Some(credits(4)));
    assert_eq!(loaded.lines[0].kept, Some(true));
}
