//! [`MaintenanceStore`] on PostgreSQL: a round trip for health checks, emptiness for first
//! start, and a pointer to pg_dump instead of an in-process backup.

use async_trait::async_trait;
use xc_store::{MaintenanceStore, StoreError, StoreResult};

use crate::error::store_error;
use crate::{ENGINE, PgStore};

#[async_trait]
impl MaintenanceStore for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM districts)")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn backup_to(&self, _path: &std::path::Path) -> StoreResult<()> {
        Err(StoreError::Unsupported {
            engine: ENGINE,
            what: "use pg_dump (see docs/operations.md)".to_owned(),
        })
    }

    fn engine(&self) -> &'static str {
        ENGINE
    }
}
