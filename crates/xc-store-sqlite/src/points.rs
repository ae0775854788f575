//! The points ledger and the incentives it pays for, on SQLite ([`PointsStore`]).
//!
//! - The ledger is append-only (triggers of migration 0002); a balance is the SUM of a learner's
//!   rows, spending being a negative row.
//! - A spend checks the balance and appends its row in one `BEGIN IMMEDIATE` transaction: the
//!   write lock is taken before the balance is read, so two redemptions at once (from this
//!   process or another) are serialised and cannot overdraw.
//! - Bulk awards are multi-row INSERTs (`ON CONFLICT DO NOTHING` against the unique index of
//!   migration 0006, so an event reference already awarded is skipped) in one transaction.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use time::{Date, OffsetDateTime};
use xc_domain::credit::{IncentiveCode, IncentiveId, Points, Version};
use xc_domain::{LearnerId, UserId};
use xc_store::{
    AuditEvent, IncentiveRecord, NewIncentive, PointsEntry, PointsHeld, PointsPolicyVersion,
    PointsRecord, PointsStore, StoreError, StoreResult,
};

use crate::SqliteStore;
use crate::rows::{Cells, date, db_error, micros, row_id, unique_is, version};
use crate::stores::{BULK_VALUES, fetch_decoded, write_audit};

/// Ledger rows a multi-row INSERT writes (8 values each, within SQLite's variable limit).
const POINTS_PER_INSERT: usize = 500;
const _: () = assert!(POINTS_PER_INSERT * 8 <= BULK_VALUES);

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

fn policy_version(row: &SqliteRow) -> StoreResult<PointsPolicyVersion> {
    let number = row_id(row, "points_policy_versions", "version")?;
    let cells = Cells::new(row, "points_policy_versions", format!("version {number}"));
    Ok(PointsPolicyVersion {
        version: cells.number("version", version)?,
        body: cells.text("body", |text| {
            serde_json::from_str::<serde_json::Value>(text)
        })?,
        published_at: cells.timestamp("published_at")?,
        published_by: cells.get::<Option<i64>>("published_by")?.map(UserId::new),
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

    async fn append_points_many(
        &self,
        entries: &[PointsEntry],
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        xc_store::check_bulk_award(entries)?;
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let mut appended = 0u64;
        for chunk in entries.chunks(POINTS_PER_INSERT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO points_ledger (learner_id, at, day, year, award, points, \
                 source_kind, source_id) ",
            );
            query.push_values(chunk, |mut values, entry| {
                values
                    .push_bind(entry.learner.get())
                    .push_bind(micros(entry.at))
                    .push_bind(entry.day.to_string())
                    .push_bind(entry.day.year())
                    .push_bind(entry.award.as_str())
                    .push_bind(entry.points)
                    .push_bind(entry.source_kind.as_str())
                    .push_bind(entry.source_id.as_str());
            });
            query.push(" ON CONFLICT DO NOTHING");
            let done = query
                .build()
                .persistent(chunk.len() == POINTS_PER_INSERT)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            appended += done.rows_affected();
        }
        if appended > 0 {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(appended)
    }

    async fn points_held(
        &self,
        learners: &[LearnerId],
        award: &str,
        day: Date,
    ) -> StoreResult<Vec<PointsHeld>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        let mut held = Vec::new();
        for chunk in learners.chunks(BULK_VALUES - 4) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT learner_id, COALESCE(SUM(CASE WHEN day = ");
            query
                .push_bind(day.to_string())
                .push(" THEN points ELSE 0 END), 0), COALESCE(SUM(points), 0) FROM points_ledger ")
                .push("WHERE award = ")
                .push_bind(award)
                .push(" AND year = ")
                .push_bind(day.year())
                .push(" AND points > 0 AND learner_id IN (");
            let mut list = query.separated(", ");
            for learner in chunk {
                list.push_bind(learner.get());
            }
            query.push(") GROUP BY learner_id");
            let rows: Vec<(i64, i64, i64)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            held.extend(
                rows.into_iter()
                    .map(|(learner, on_day, in_year)| PointsHeld {
                        learner: LearnerId::new(learner),
                        on_day,
                        in_year,
                    }),
            );
        }
        Ok(held)
    }

    async fn points_sources_held(
        &self,
        learner_sources: &[(LearnerId, String)],
        source_kind: &str,
    ) -> StoreResult<Vec<(LearnerId, String)>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        let mut held = Vec::new();
        for chunk in learner_sources.chunks((BULK_VALUES - 1) / 2) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT learner_id, source_id FROM points_ledger WHERE source_kind = ",
            );
            query
                .push_bind(source_kind)
                .push(" AND (learner_id, source_id) IN (VALUES ");
            let mut list = query.separated(", ");
            for (learner, source) in chunk {
                list.push("(")
                    .push_bind_unseparated(learner.get())
                    .push_unseparated(", ")
                    .push_bind_unseparated(source.as_str())
                    .push_unseparated(")");
            }
            query.push(")");
            let rows: Vec<(i64, String)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            held.extend(
                rows.into_iter()
                    .map(|(learner, source)| (LearnerId::new(learner), source)),
            );
        }
        Ok(held)
    }

    async fn publish_points_policy(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version> {
        // The one writer connection serialises publications, so the next number read here is
        // still the next when the row is written.
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO points_policy_versions (version, body, published_at, published_by) \
             SELECT COALESCE(MAX(version), 0) + 1, ?, ?, ? FROM points_policy_versions \
             RETURNING version",
        )
        .bind(body.to_string())
        .bind(micros(published_at))
        .bind(published_by.map(|user| user.get()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(number)).await?;
        tx.commit().await.map_err(db_error)?;
        version(number).map_err(|reason| StoreError::Backend(reason.into()))
    }

    async fn list_points_policy_versions(&self) -> StoreResult<Vec<PointsPolicyVersion>> {
        let query = sqlx::query(
            "SELECT version, body, published_at, published_by FROM points_policy_versions \
             ORDER BY version",
        );
        fetch_decoded(&self.read, query, policy_version).await
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
