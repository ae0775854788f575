//! The credit bank's points ledger on PostgreSQL: append-only (triggers of migration 0002), the
//! balance derived by SUM.

use async_trait::async_trait;
use xc_domain::LearnerId;
use xc_store::{AuditEvent, PointsEntry, PointsStore, StoreResult};

use crate::PgStore;
use crate::audit::insert_audit;
use crate::error::store_error;

#[async_trait]
impl PointsStore for PgStore {
    async fn append_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, \
             source_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(entry.learner.get())
        .bind(entry.at)
        .bind(entry.day)
        .bind(entry.day.year())
        .bind(&entry.award)
        .bind(entry.points)
        .bind(&entry.source_kind)
        .bind(&entry.source_id)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_audit(&mut transaction, &audit.about(id))
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn points_balance(&self, learner: LearnerId) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COALESCE(SUM(points), 0)::BIGINT FROM points_ledger WHERE learner_id = $1",
        )
        .bind(learner.get())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)
    }
}
