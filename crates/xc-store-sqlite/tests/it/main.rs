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
