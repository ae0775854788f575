//! The points ledger and the incentives it pays for, on SQLite ([`PointsStore`]).
//!
//! - The ledger is append-only (triggers of migration 0002); a balance is the SUM of a learner's
//!   rows, spending being a negative row.
//! - A spend checks the balance and appends its row in one `BEGIN IMMEDIATE` transaction: the
//!   write lock is taken before the balance is read, so two redemptions at once (from this
//!   process or another) are serialised and cannot overdraw.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::Date;
use xc_domain::LearnerId;
use xc_domain::credit::{IncentiveCode, IncentiveId, Points};
use xc_store::{
    AuditEvent, IncentiveRecord, NewIncentive, PointsEntry, PointsRecord, PointsStore, StoreError,
    StoreResult,
};

use crate::SqliteStore;
use crate::rows::{Cells, date, db_error, micros, row_id, unique_is};
use crate::stores::{fetch_decoded, write_audit};

/// Appends one ledger row and its audit entry (subject: the row id) on `conn`, inside the
/// caller's transaction.
async fn insert_points(
    conn: &mut SqliteConnection,
    entry: &PointsEntry,
    audit: &AuditEvent,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, \
         source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(entry.learner.get())
    .bind(micros(entry.at))
    .bind(entry.day.to_string())
    .bind(entry.day.year())
    .bind(&entry.award)
    .bind(entry.points)
    .bind(&entry.source_kind)
    .bind(&entry.source_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    write_audit(conn, &audit.about(id)).await?;
    Ok(id)
}

async fn balance_on(conn: &mut SqliteConnection, learner: LearnerId) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COALESCE(SUM(points), 0) FROM points_ledger WHERE learner_id = ?")
        .bind(learner.get())
        .fetch_one(conn)
        .await
        .map_err(db_error)
}

fn points_record(row: &SqliteRow) -> StoreResult<PointsRecord> {
    let id = row_id(row, "points_ledger", "id")?;
    let cells = Cells::new(row, "points_ledger", format!("id {id}"));
    Ok(PointsRecord {
        id,
        entry: PointsEntry {
            learner: LearnerId::new(cells.get("learner_id")?),
            at: cells.timestamp("at")?,
            day: cells.text("day", date)?,
            award: cells.get("award")?,
            points: cells.get("points")?,
            source_kind: cells.get("source_kind")?,
            source_id: cells.get("source_id")?,
        },
    })
}

fn cost(value: i64) -> Result<Points, String> {
    u64::try_from(value)
        .ok()
        .and_then(Points::new)
        .filter(|points| !points.is_zero())
        .ok_or_else(|| format!("{value} is not the cost of an incentive"))
}

fn incentive(row: &SqliteRow) -> StoreResult<IncentiveRecord> {
    let id = row_id(row, "incentives", "id")?;
    let cells = Cells::new(row, "incentives", format!("id {id}"));
    Ok(IncentiveRecord {
        id: IncentiveId::new(id),
        code: cells.text("code", IncentiveCode::parse)?,
        name: cells.get("name")?,
        cost: cells.number("cost_points", cost)?,
        available_from: cells.text("available_from", date)?,
        available_until: cells.opt_text("available_until", date)?,
    })
}

#[async_trait]
impl PointsStore for SqliteStore {
    async fn append_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id = insert_points(&mut tx, entry, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn points_balance(&self, learner: LearnerId) -> StoreResult<i64> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        balance_on(&mut conn, learner).await
    }

    async fn spend_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64> {
        if entry.points >= 0 {
            return Err(StoreError::Invalid {
                field: "points",
                reason: format!(
                    "a spend takes points away, so it is negative, not {}",
                    entry.points
                ),
            });
        }
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let balance = balance_on(&mut tx, entry.learner).await?;
        if balance
            .checked_add(entry.points)
            .is_none_or(|left| left < 0)
        {
            // Nothing was written: dropping the transaction ends it.
            return Err(StoreError::Conflict { field: "points" });
        }
        let id = insert_points(&mut tx, entry, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn list_points(&self, learner: LearnerId) -> StoreResult<Vec<PointsRecord>> {
        let query = sqlx::query(
            "SELECT id, learner_id, at, day, award, points, source_kind, source_id \
             FROM points_ledger WHERE learner_id = ? ORDER BY at, id",
        )
        .bind(learner.get());
        fetch_decoded(&self.read, query, points_record).await
    }

    async fn create_incentive(
        &self,
        incentive: &NewIncentive,
        audit: &AuditEvent,
    ) -> StoreResult<IncentiveId> {
        // The table's CHECK would refuse it too, but as an opaque database error.
        if incentive.cost.is_zero() {
            return Err(StoreError::Invalid {
                field: "cost",
                reason: "an incentive costs at least 1 point".into(),
            });
        }
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incentives (code, name, cost_points, available_from, available_until) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(incentive.code.as_str())
        .bind(&incentive.name)
        .bind(incentive.cost.get() as i64)
        .bind(incentive.available_from.to_string())
        .bind(incentive.available_until.map(|day| day.to_string()))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_is("code"))?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(IncentiveId::new(id))
    }

    async fn list_incentives(&self) -> StoreResult<Vec<IncentiveRecord>> {
        let query = sqlx::query(
            "SELECT id, code, name, cost_points, available_from, available_until \
             FROM incentives ORDER BY id",
        );
        fetch_decoded(&self.read, query, incentive).await
    }

    async fn end_incentive(
        &self,
        id: IncentiveId,
        last_day: Date,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        // Days are stored as YYYY-MM-DD, which compare as text in date order.
        let updated = sqlx::query(
            "UPDATE incentives SET available_until = ? WHERE id = ? AND available_from <= ?",
        )
        .bind(last_day.to_string())
        .bind(id.get())
        .bind(last_day.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if updated == 0 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM incentives WHERE id = ?")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
            return Err(match exists {
                None => StoreError::NotFound { what: "incentive" },
                Some(_) => ended_before_first_day(),
            });
        }
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }
}

fn ended_before_first_day() -> StoreError {
    StoreError::Invalid {
        field: "available_until",
        reason: "the last day comes before the incentive's first day".into(),
    }
}
