//! The integration tests of the PostgreSQL backend: the shared storage suite of `xc_store`, then
//! what only this engine has (the audit triggers, COPY escaping and transactions, sequences
//! after a load, maintenance answers; outcome storage in `outcomes.rs`, points and conversion in
//! `conversion.rs`, racing erasures in `erasure.rs`). Each test runs on a database of its own,
//! created on the server in `XUECHENG_TEST_DATABASE_URL` and dropped afterwards; without the
//! variable every test says it was skipped and passes.

mod conversion;
mod erasure;
mod lrs;
mod outcomes;
mod support;

use std::time::Instant;

use time::macros::datetime;
use xc_domain::*;
use xc_store::*;

use crate::support::fresh_store_or_skip;

xc_store::store_suite!(fresh_store_or_skip!());

fn event(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("it".into()), action, "learner", "new")
}

/// A learner record with a given id and lookup, as a generator would bulk-load it.
fn loaded_learner(id: i64) -> LearnerRecord {
    let template = suite::new_learner((id % 200) as u8, "310101", None);
    LearnerRecord {
        id: LearnerId::new(id),
        display_name: template.display_name,
        national_id: template.national_id,
        national_id_lookup: id.to_be_bytes().repeat(4),
        birth_year: template.birth_year,
        gender: template.gender,
        district: template.district,
        subdistrict: None,
        neighbourhood: None,
        phone: Some(Sealed {
            ciphertext: vec![7; 28],
            masked: "138****5678".into(),
        }),
        interests: vec![Topic::Health],
        registered_at: datetime!(2026-01-05 09:00 UTC),
        registered_by: Some(InstitutionId::new(1)),
    }
}

#[tokio::test]
async fn audit_log_refuses_update_delete_and_truncate() {
    let store = fresh_store_or_skip!().await;
    let id = store.append_audit(&event("learner.read")).await.unwrap();
    let pool = store.pool();
    for statement in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        // Even a statement that matches no row is refused.
        "DELETE FROM audit_log WHERE id < 0",
    ] {
        let error = sqlx::query(statement).execute(pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let entries = store
        .list_audit(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].id, id);
    assert_eq!(entries.items[0].actor, "system:it");
}

#[tokio::test]
async fn copy_round_trips_awkward_text_bytes_and_timestamps() {
    let store = fresh_store_or_skip!().await;
    suite::load_fixture_city(&*store).await;
    let mut awkward = loaded_learner(10);
    awkward.display_name = "tab\there\nnew line\r\\N \\. back\\slash 王秀英".into();
    awkward.national_id = Sealed {
        ciphertext: (0..=255).collect(),
        masked: "\\x00\t".into(),
    };
    awkward.national_id_lookup = vec![0, b'\\', b'\t', b'\n', 0xff];
    awkward.interests = vec![];
    awkward.subdistrict = Some(SubdistrictCode::parse("310101002").unwrap());
    // Microsecond precision in another offset: stored as the same instant.
    awkward.registered_at = datetime!(1999-12-31 23:59:59.999999 +08:00);
    let mut plain = loaded_learner(11);
    plain.phone = None;
    plain.registered_by = None;
    store
        .load_learners(&[awkward.clone(), plain.clone()])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_learner(&LearnerScope::All, awkward.id)
            .await
            .unwrap(),
        awkward
    );
    assert_eq!(
        store
            .get_learner(&LearnerScope::All, plain.id)
            .await
            .unwrap(),
        plain
    );
    assert_eq!(
        store
            .find_learner_by_national_id(&awkward.national_id_lookup)
            .await
            .unwrap(),
        Some(awkward.id)
    );

    let site = Site {
        id: SiteId::new(50),
        name: "图书馆\t分馆\\2".into(),
        kind: SiteKind::Library,
        institution: None,
        district: DistrictCode::parse("310104").unwrap(),
        subdistrict: None,
        neighbourhood: Some(NeighbourhoodCode::parse("310104003001").unwrap()),
        address: "line one\nline two".into(),
        position: GeoPoint::new(121.436_712_345_678_9, 31.188_123_456_789_01).unwrap(),
        capacity: 0,
        opening_hours: String::new(),
        step_free: false,
        phone: None,
        topics: vec![],
    };
    store.load_sites(std::slice::from_ref(&site)).await.unwrap();
    assert_eq!(store.get_site(site.id).await.unwrap(), site);
}

#[tokio::test]
async fn timestamps_keep_microseconds_through_bound_parameters() {
    let store = fresh_store_or_skip!().await;
    let mut learner = suite::new_learner(3, "310101", None);
    learner.registered_at = datetime!(2026-03-01 08:15:30.123456789 +08:00);
    let id = store
        .create_learner(&learner, &event("learner.create"))
        .await
        .unwrap();
    let stored = store.get_learner(&LearnerScope::All, id).await.unwrap();
    assert_eq!(
        stored.registered_at,
        datetime!(2026-03-01 00:15:30.123456 UTC)
    );
    assert_eq!(stored.registered_at.offset(), time::UtcOffset::UTC);
}

#[tokio::test]
async fn a_failed_copy_keeps_nothing() {
    let store = fresh_store_or_skip!().await;
    let mut rows: Vec<LearnerRecord> = (1..=5_000).map(loaded_learner).collect();
    let duplicate = rows[10].national_id_lookup.clone();
    rows[4_999].national_id_lookup = duplicate;
    let error = store.load_learners(&rows).await.unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict {
                field: "national_id"
            }
        ),
        "{error:?}"
    );
    let all = store
        .list_learners(
            &LearnerScope::All,
            &LearnerFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 0, "the whole load is one transaction");
    // The pool's connections are still usable after the refused COPY.
    for _ in 0..8 {
        store.ping().await.unwrap();
    }
    let mut subdistrict_of_nowhere = suite::new_learner(1, "310101", None);
    subdistrict_of_nowhere.display_name = "after".into();
    store
        .create_learner(&subdistrict_of_nowhere, &event("learner.create"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_large_load_spans_many_copy_chunks() {
    let store = fresh_store_or_skip!().await;
    let rows: Vec<LearnerRecord> = (1..=20_000).map(loaded_learner).collect();
    store.load_learners(&rows).await.unwrap();
    store.finish_load().await.unwrap();
    let scope = LearnerScope::Institution(InstitutionId::new(1));
    let last_page = PageRequest::new(19_999, 10);
    let all = store
        .list_learners(&scope, &LearnerFilter::default(), last_page)
        .await
        .unwrap();
    assert_eq!(all.total, 20_000);
    assert_eq!(all.items, vec![rows[19_999].clone()]);
    let id = store
        .create_learner(&suite::new_learner(201, "310104", None), &event("x"))
        .await;
    assert_eq!(id.unwrap(), LearnerId::new(20_001));
}

#[tokio::test]
async fn sequences_only_move_forward() {
    let store = fresh_store_or_skip!().await;
    store.finish_load().await.unwrap();
    let first = store
        .create_learner(&suite::new_learner(1, "310101", None), &event("a"))
        .await;
    store.finish_load().await.unwrap();
    store.finish_load().await.unwrap();
    let second = store
        .create_learner(&suite::new_learner(2, "310101", None), &event("a"))
        .await;
    assert!(second.unwrap() > first.unwrap());
    // Audit ids come from a sequence too: after a load they keep counting past the old ones.
    let before = store.append_audit(&event("b")).await.unwrap();
    store.finish_load().await.unwrap();
    assert!(store.append_audit(&event("b")).await.unwrap() > before);
}

#[tokio::test]
async fn failed_writes_leave_no_audit_entry() {
    let store = fresh_store_or_skip!().await;
    suite::load_fixture_city(&*store).await;
    // An API token for an institution that does not exist: invalid, not a server error.
    let token = NewApiToken {
        token_hash: vec![1; 32],
        institution: InstitutionId::new(99),
        name: "orphan".into(),
        created_by: None,
        created_at: datetime!(2026-01-05 09:00 UTC),
    };
    let error = store
        .create_api_token(&token, &event("api_token.create"))
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
    let duplicate = NewApiToken {
        institution: InstitutionId::new(1),
        ..token
    };
    store
        .create_api_token(&duplicate, &event("api_token.create"))
        .await
        .unwrap();
    let error = store
        .create_api_token(&duplicate, &event("api_token.create"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "token" }),
        "{error:?}"
    );
    let filter = AuditFilter {
        action: Some("api_token.create".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_audit(&filter, PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn maintenance_answers_for_postgresql() {
    let store = fresh_store_or_skip!().await;
    assert_eq!(store.engine(), "postgresql");
    let error = store
        .backup_to(std::path::Path::new("/tmp/never-written"))
        .await
        .unwrap_err();
    match error {
        StoreError::Unsupported { engine, what } => {
            assert_eq!(engine, "postgresql");
            assert!(what.contains("pg_dump"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    // Migrating again is a no-op, and Debug names the database but no password.
    store.migrate().await.unwrap();
    assert!(format!("{:?}", *store).contains(store.name()));
}

#[tokio::test]
async fn connect_migrates_a_database_without_tables() {
    let Some(store) = support::fresh_database(false).await else {
        return;
    };
    let url = std::env::var(support::URL_VARIABLE).unwrap();
    let url = support::url_for_database(url.trim(), store.name());
    let again = xc_store_postgres::PgStore::connect(&url, 2).await.unwrap();
    assert!(again.is_empty().await.unwrap());
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(applied, files as i64);
    again.close().await;
}

/// The fast path at full size. Not run by default (about 15 s in a debug build on two cores);
/// run with `cargo test -p xc-store-postgres --test it -- --ignored a_million --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: loads a million learners"]
async fn a_million_learners_load_by_copy() {
    let store = fresh_store_or_skip!().await;
    let rows: Vec<LearnerRecord> = (1..=1_000_000).map(loaded_learner).collect();
    let started = Instant::now();
    store.load_learners(&rows).await.unwrap();
    store.finish_load().await.unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "loaded {} learners in {:.1} s",
        rows.len(),
        elapsed.as_secs_f64()
    );
    let overview = store.overview(None, 2026).await.unwrap();
    assert_eq!(overview.learners, 1_000_000);
}

/// The credit-bank rows the append-only checks below act on: one provider, one learner, one
/// specification in two versions, one outcome, its decision and a points entry.
const CREDIT_FIXTURE: &[&str] = &[
    "INSERT INTO institutions (id, name, kind) VALUES (1, 'open university', 'university')",
    "INSERT INTO learners (id, display_name, national_id_ciphertext, national_id_masked,
        national_id_lookup, birth_year, gender, district_code, interests, registered_at)
        VALUES (1, 'learner', '\\x00', '3101**********0011', '\\x01', 1960, 'f', '310101', '',
        now())",
    "INSERT INTO outcome_specifications (id, provider_id, code, created_at)
        VALUES (1, 1, 'E3', now())",
    "INSERT INTO outcome_specification_versions (specification_id, version, kind, category, title,
        hours_tenths, grade, level, credits, field, validity_months, published_at) VALUES
        (1, 1, 'vocational_certificate', 'vocational_training', '电工', 1200, 'grade_3', 4, 400,
         NULL, 36, now()),
        (1, 2, 'vocational_certificate', 'vocational_training', '电工', 1200, 'grade_3', 4, 450,
         NULL, 36, now())",
    "INSERT INTO outcomes (id, learner_id, provider_id, external_id, kind, title, grade,
        achieved_on, evidence, status, category, level, credits, submitted_at) VALUES
        (1, 1, 1, 'x-1', 'vocational_certificate', '电工', 'grade_3', '2025-06-01',
         '[{\"kind\": \"certificate_number\", \"reference\": \"no.1\"}]', 'recognised',
         'vocational_training', 4, 450, now())",
    "INSERT INTO recognition_decisions (outcome_id, decided_at, accepted, specification_id,
        specification_version, category, level, credits, reason) VALUES
        (1, now(), true, 1, 2, 'vocational_training', 4, 450, 'matches specification 1 v2')",
    "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, source_id)
        VALUES (1, now(), '2026-01-05', 2026, 'recognised_outcome', 10, 'outcome', '1')",
];

#[tokio::test]
async fn credit_bank_versions_decisions_and_points_refuse_update_delete_and_truncate() {
    let store = fresh_store_or_skip!().await;
    let pool = store.pool();
    for statement in CREDIT_FIXTURE {
        sqlx::query(*statement).execute(pool).await.unwrap();
    }
    for statement in [
        "UPDATE outcome_specification_versions SET credits = 0",
        "DELETE FROM outcome_specification_versions",
        "TRUNCATE outcome_specification_versions CASCADE",
        "UPDATE nonformal_rule_versions SET version = 2",
        "UPDATE grade_mapping_versions SET version = 2",
        "UPDATE conversion_rule_versions SET version = 2",
        "UPDATE recognition_decisions SET credits = 0",
        "DELETE FROM recognition_decisions",
        "TRUNCATE recognition_decisions",
        "UPDATE points_ledger SET points = 1000",
        "DELETE FROM points_ledger WHERE id < 0",
        "TRUNCATE points_ledger",
    ] {
        let error = sqlx::query(statement).execute(pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let (version, credits): (i32, i64) = sqlx::query_as(
        "SELECT version, credits FROM outcome_specifications_current WHERE specification_id = 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((version, credits), (2, 450));
    // Re-submitting the same (provider, external id) stores nothing new.
    let again: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outcomes (learner_id, provider_id, external_id, kind, title, achieved_on,
            evidence, status, submitted_at)
         VALUES (1, 1, 'x-1', 'mooc', 't', '2025-06-01', '[]', 'in_review', now())
         ON CONFLICT (provider_id, external_id) DO NOTHING RETURNING id",
    )
    .fetch_optional(pool)
    .await
    .unwrap();
    assert!(again.is_none());
    let balance: i64 =
        sqlx::query_scalar("SELECT SUM(points)::BIGINT FROM points_ledger WHERE learner_id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(balance, 10);
}
