//! The storage test suite on SQLite, plus what only SQLite shows: the append-only audit log in
//! the database, durability settings, backup.

mod lrs;

use xc_store::*;
use xc_store_sqlite::SqliteStore;

struct Fresh {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Fresh {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn fresh_store() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("xuecheng.db"))
        .await
        .unwrap();
    Fresh { store, _dir: dir }
}

mod suite {
    use super::*;
    xc_store::store_suite!(fresh_store());
}

mod in_memory {
    use super::*;
    async fn memory() -> Box<SqliteStore> {
        Box::new(SqliteStore::open_in_memory().await.unwrap())
    }
    xc_store::store_suite!(memory());
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes_in_the_database() {
    let store = fresh_store().await;
    store
        .append_audit(&AuditEvent::new(
            Actor::System("test".into()),
            "learner.read",
            "learner",
            1,
        ))
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        store._dir.path().join("xuecheng.db").display()
    ))
    .await
    .unwrap();
    let update = sqlx::query("UPDATE audit_log SET actor = 'someone else'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = sqlx::query("DELETE FROM audit_log")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    let entries = store
        .list_audit(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].actor, "system:test");
}

#[tokio::test]
async fn the_database_is_in_wal_mode_with_full_sync() {
    let store = fresh_store().await;
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        store._dir.path().join("xuecheng.db").display()
    ))
    .await
    .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_backup_is_a_complete_database_and_never_overwrites() {
    let store = fresh_store().await;
    xc_store::suite::load_fixture_city(&*store).await;
    let target = store._dir.path().join("backup.db");
    store.backup_to(&target).await.unwrap();
    let copy = SqliteStore::open(&target).await.unwrap();
    assert_eq!(copy.list_districts().await.unwrap().len(), 2);
    assert_eq!(copy.overview(None, 2026).await.unwrap().sites(), 4);
    let again = store.backup_to(&target).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
}

#[tokio::test]
async fn reopening_keeps_the_data_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xuecheng.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        xc_store::suite::load_fixture_city(&store).await;
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    assert!(!store.is_empty().await.unwrap());
}

/// The credit-bank rows the append-only checks below act on: one provider, one learner, one
/// specification in two versions, one outcome recognised under version 2, its decision and a
/// points entry, in the shapes of migration 0003.
const CREDIT_FIXTURE: &[&str] = &[
    "INSERT INTO institutions (id, name, kind) VALUES (1, 'open university', 'university')",
    "INSERT INTO learners (id, display_name, national_id_ciphertext, national_id_masked,
        national_id_lookup, birth_year, gender, district_code, interests, registered_at)
        VALUES (1, 'learner', X'00', '3101**********0011', X'01', 1960, 'f', '310101', '', 0)",
    "INSERT INTO outcome_specifications (id, provider_id, code, created_at) VALUES (1, 1, 'E3', 0)",
    "INSERT INTO outcome_specification_versions (specification_id, version, kind, category, title,
        grade, level, credits, field, published_at) VALUES
        (1, 1, 'vocational_certificate', 'vocational_training', '电工', 'grade_3', 4, 400, '0806', 0),
        (1, 2, 'vocational_certificate', 'vocational_training', '电工', 'grade_3', 4, 450, '0806', 10)",
    r#"INSERT INTO outcomes (id, learner_id, provider_id, external_id, kind, title, grade,
        achieved_on, evidence, status, category, level, credits, submitted_at) VALUES
        (1, 1, 1, 'x-1', 'vocational_certificate', '电工', 'grade_3', '2025-06-01',
         '[{"kind": "certificate_number", "reference": "S000031000001234"}]', 'recognised',
         'vocational_training', 4, 450, 0)"#,
    "INSERT INTO recognition_decisions (outcome_id, decided_at, accepted, specification_id,
        specification_version, category, level, credits, reason) VALUES
        (1, 0, 1, 1, 2, 'vocational_training', 4, 450, 'matches specification 1 v2')",
    "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, source_id)
        VALUES (1, 0, '2026-01-05', 2026, 'recognised_outcome', 10, 'outcome', '1')",
];

async fn credit_fixture(store: &Fresh) -> sqlx::SqlitePool {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        store._dir.path().join("xuecheng.db").display()
    ))
    .await
    .unwrap();
    for statement in CREDIT_FIXTURE {
        sqlx::query(*statement).execute(&pool).await.unwrap();
    }
    pool
}

#[tokio::test]
async fn credit_bank_versions_decisions_and_points_refuse_updates_and_deletes() {
    let store = fresh_store().await;
    let pool = credit_fixture(&store).await;
    for statement in [
        "UPDATE outcome_specification_versions SET credits = 0",
        "DELETE FROM outcome_specification_versions",
        "UPDATE recognition_decisions SET credits = 0",
        "DELETE FROM recognition_decisions",
        "UPDATE points_ledger SET points = 1000",
        "DELETE FROM points_ledger",
    ] {
        let error = sqlx::query(statement).execute(&pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let (version, credits): (i64, i64) = sqlx::query_as(
        "SELECT version, credits FROM outcome_specifications_current WHERE specification_id = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((version, credits), (2, 450));
    // Re-submitting the same (provider, external id) stores nothing new.
    let again = sqlx::query(
        "INSERT INTO outcomes (learner_id, provider_id, external_id, kind, title, achieved_on,
            evidence, status, submitted_at)
         VALUES (1, 1, 'x-1', 'mooc', 't', '2025-06-01', '[]', 'in_review', 1)
         ON CONFLICT (provider_id, external_id) DO NOTHING RETURNING id",
    )
    .fetch_optional(&pool)
    .await
    .unwrap();
    assert!(again.is_none());
    let balance: i64 =
        sqlx::query_scalar("SELECT SUM(points) FROM points_ledger WHERE learner_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(balance, 10);
}

#[tokio::test]
async fn rows_written_outside_the_store_read_back_or_name_what_is_wrong() {
    let store = fresh_store().await;
    let pool = credit_fixture(&store).await;
    let outcome = store
        .get_outcome(xc_domain::credit::OutcomeId::new(1))
        .await
        .unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Recognised);
    assert_eq!(outcome.grant.unwrap().credits.hundredths(), 450);
    assert_eq!(
        outcome.submitted.evidence[0].reference(),
        "S000031000001234"
    );
    let history = store
        .specification_history(xc_domain::credit::SpecificationId::new(1))
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].content.credits.hundredths(), 450);
    assert!(history[0].content.validity.as_months().is_none());
    let decisions = store
        .list_decisions(xc_domain::credit::OutcomeId::new(1))
        .await
        .unwrap();
    assert!(matches!(
        decisions[0].basis,
        DecisionBasis::Specification { .. }
    ));

    for (statement, says) in [
        (
            "UPDATE outcomes SET score = 'excellent' WHERE id = 1",
            "outcomes.score of id 1",
        ),
        (
            "UPDATE outcomes SET score = NULL, evidence = '[{\"kind\": \"photo\"}]' WHERE id = 1",
            "outcomes.evidence of id 1",
        ),
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
        let error = store
            .get_outcome(xc_domain::credit::OutcomeId::new(1))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        assert!(error.to_string().contains(says), "{statement}: {error}");
    }
}

#[tokio::test]
async fn a_batch_holds_the_write_connection_but_reads_go_on() {
    let store = fresh_store().await;
    xc_store::suite::load_fixture_city(&*store).await;
    let mut writer = store
        .begin_batch(&NewBatch {
            provider: xc_domain::InstitutionId::new(1),
            submitted_by: None,
            submitted_at: time::OffsetDateTime::UNIX_EPOCH,
            file_name: "a.csv".into(),
            all_or_nothing: true,
        })
        .await
        .unwrap();
    // Matching learners while the upload is open reads through the reader pool.
    assert!(
        store
            .find_learners_by_national_ids(&[vec![1; 32]])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(writer.write(&[]).await.unwrap().is_empty());
    let batch = writer
        .commit(
            0,
            &AuditEvent::new(
                Actor::System("test".into()),
                "outcome.batch_submit",
                "outcome_batch",
                "new",
            ),
        )
        .await
        .unwrap();
    assert_eq!(store.get_batch(batch.id).await.unwrap(), batch);
}
