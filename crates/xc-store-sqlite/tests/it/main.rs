//! The storage test suite on SQLite, plus what only SQLite shows: the append-only audit log in
//! the database, durability settings, backup.

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
/// specification in two versions, one outcome, its decision and a points entry.
const CREDIT_FIXTURE: &[&str] = &[
    "INSERT INTO institutions (id, name, kind) VALUES (1, 'open university', 'university')",
    "INSERT INTO learners (id, display_name, national_id_ciphertext, national_id_masked,
        national_id_lookup, birth_year, gender, district_code, interests, registered_at)
        VALUES (1, 'learner', X'00', '3101**********0011', X'01', 1960, 'f', '310101', '', 0)",
    "INSERT INTO outcome_specifications (id, provider_id, code, created_at) VALUES (1, 1, 'E3', 0)",
    "INSERT INTO outcome_specification_versions (specification_id, version, title, kind, category,
        field, hours, level, credits, published_at) VALUES
        (1, 1, '电工 三级', 'vocational', 'vocational', 'engineering', 120, 4, 400, 0),
        (1, 2, '电工 三级', 'vocational', 'vocational', 'engineering', 120, 4, 450, 10)",
    "INSERT INTO outcomes (id, learner_id, provider_id, external_id, kind, category, title, field,
        achieved_on, evidence_kind, evidence_reference, status, submitted_at) VALUES
        (1, 1, 1, 'x-1', 'vocational', 'vocational', '电工 三级', 'engineering', '2025-06-01',
         'certificate', 'no. 1', 'recognised', 0)",
    "INSERT INTO recognition_decisions (outcome_id, decided_at, decided_by, accepted,
        specification_id, specification_version, level, credits, reason) VALUES
        (1, 0, 'rule', 1, 1, 2, 4, 450, 'matches specification 1 v2')",
    "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, source_id)
        VALUES (1, 0, '2026-01-05', 2026, 'recognised_outcome', 10, 'outcome', '1')",
];

#[tokio::test]
async fn credit_bank_versions_decisions_and_points_refuse_updates_and_deletes() {
    let store = fresh_store().await;
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        store._dir.path().join("xuecheng.db").display()
    ))
    .await
    .unwrap();
    for statement in CREDIT_FIXTURE {
        sqlx::query(*statement).execute(&pool).await.unwrap();
    }
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
        "INSERT INTO outcomes (learner_id, provider_id, external_id, kind, category, title, field,
            achieved_on, evidence_kind, evidence_reference, status, submitted_at)
         VALUES (1, 1, 'x-1', 'vocational', 'vocational', 't', 'f', '2025-06-01', 'c', 'r',
            'submitted', 1)
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
