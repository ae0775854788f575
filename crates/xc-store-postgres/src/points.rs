//! The credit bank's points ledger and incentives on PostgreSQL: the ledger append-only
//! (triggers of migration 0002), the balance derived by SUM. Spending checks the balance and
//! appends in one transaction after locking the learner's row (`FOR NO KEY UPDATE`): two
//! spends for one learner take turns, and the second sums a ledger that already holds the
//! first, so together they cannot overdraw. The lock is the weaker row lock so that awards and
//! other rows referring to the learner (which take `FOR KEY SHARE` through their foreign keys)
//! are never held up by a spend.

use async_trait::async_trait;
use sqlx::PgExecutor;
use sqlx::postgres::PgRow;
use time::Date;
use xc_domain::LearnerId;
use xc_domain::credit::{IncentiveCode, IncentiveId, Points};
use xc_store::{
    AuditEvent, IncentiveRecord, NewIncentive, PointsEntry, PointsRecord, PointsStore, StoreError,
    StoreResult,
};

use crate::PgStore;
use crate::audit::{commit_audited, insert_audit};
use crate::codec::{Stored, bigint};
use crate::error::store_error;
use crate::queries::lock_row;

fn points_record_from_row(row: &PgRow) -> StoreResult<PointsRecord> {
    let (stored, id) = Stored::by_id(row, "points_ledger")?;
    Ok(PointsRecord {
        id,
        entry: PointsEntry {
            learner: LearnerId::new(stored.get("learner_id")?),
            at: stored.get("at")?,
            day: stored.get("day")?,
            award: stored.get("award")?,
            points: stored.get("points")?,
            source_kind: stored.get("source_kind")?,
            source_id: stored.get("source_id")?,
        },
    })
}

fn incentive_from_row(row: &PgRow) -> StoreResult<IncentiveRecord> {
    let (stored, id) = Stored::by_id(row, "incentives")?;
    let cost: i64 = stored.get("cost_points")?;
    Ok(IncentiveRecord {
        id: IncentiveId::new(id),
        code: stored.parse("code", IncentiveCode::parse)?,
        name: stored.get("name")?,
        cost: u64::try_from(cost)
            .ok()
            .and_then(Points::new)
            .ok_or_else(|| stored.corrupt("cost_points", format!("{cost} is not a cost")))?,
        available_from: stored.get("available_from")?,
        available_until: stored.get("available_until")?,
    })
}

/// Inserts one ledger row and its audit entry on `connection` (inside the caller's
/// transaction).
async fn insert_points(
    connection: &mut sqlx::PgConnection,
    entry: &PointsEntry,
    audit: &AuditEvent,
) -> StoreResult<i64> {
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
    .fetch_one(&mut *connection)
    .await
    .map_err(store_error)?;
    insert_audit(connection, &audit.about(id)).await?;
    Ok(id)
}

/// The learner's balance: the sum of their ledger.
async fn balance<'e>(executor: impl PgExecutor<'e>, learner: LearnerId) -> StoreResult<i64> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(points), 0)::BIGINT FROM points_ledger WHERE learner_id = $1",
    )
    .bind(learner.get())
    .fetch_one(executor)
    .await
    .map_err(store_error)
}

#[async_trait]
impl PointsStore for PgStore {
    async fn append_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id = insert_points(&mut transaction, entry, audit).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn points_balance(&self, learner: LearnerId) -> StoreResult<i64> {
        balance(&self.pool, learner).await
    }

    async fn spend_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64> {
        if entry.points >= 0 {
            return Err(StoreError::Invalid {
                field: "points",
                reason: format!(
                    "spending takes points away: {} is not a negative number of points",
                    entry.points
                ),
            });
        }
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        lock_row::<i64>(
            &mut transaction,
            "SELECT id FROM learners WHERE id = $1 FOR NO KEY UPDATE",
            entry.learner.get(),
            "learner",
        )
        .await?;
        // A statement of its own after the lock: under READ COMMITTED it sees every spend
        // committed while this transaction waited for the lock.
        let balance = balance(&mut *transaction, entry.learner).await?;
        if balance
            .checked_add(entry.points)
            .is_none_or(|left| left < 0)
        {
            return Err(StoreError::Conflict { field: "points" });
        }
        let id = insert_points(&mut transaction, entry, audit).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn list_points(&self, learner: LearnerId) -> StoreResult<Vec<PointsRecord>> {
        let rows = sqlx::query(
            "SELECT id, learner_id, at, day, award, points, source_kind, source_id \
             FROM points_ledger WHERE learner_id = $1 ORDER BY at, id",
        )
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(points_record_from_row).collect()
    }

    async fn create_incentive(
        &self,
        incentive: &NewIncentive,
        audit: &AuditEvent,
    ) -> StoreResult<IncentiveId> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incentives (code, name, cost_points, available_from, available_until) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(incentive.code.as_str())
        .bind(&incentive.name)
        .bind(bigint(incentive.cost.get(), "cost")?)
        .bind(incentive.available_from)
        .bind(incentive.available_until)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(IncentiveId::new(id))
    }

    async fn list_incentives(&self) -> StoreResult<Vec<IncentiveRecord>> {
        let rows = sqlx::query(
            "SELECT id, code, name, cost_points, available_from, available_until \
             FROM incentives ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(incentive_from_row).collect()
    }

    async fn end_incentive(
        &self,
        id: IncentiveId,
        last_day: Date,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE incentives SET available_until = $1 WHERE id = $2 AND available_from <= $1",
        )
        .bind(last_day)
        .bind(id.get())
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        if updated == 0 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM incentives WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&mut *transaction)
                .await
                .map_err(store_error)?;
            return Err(match exists {
                None => StoreError::NotFound { what: "incentive" },
                Some(_) => StoreError::Invalid {
                    field: "available_until",
                    reason: "the last day comes before the incentive's first day".into(),
                },
            });
        }
        commit_audited(transaction, &audit.about(id)).await
    }
}
