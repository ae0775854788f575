//! The credit bank's points ledger and incentives on PostgreSQL: the ledger append-only
//! (triggers of migration 0002), the balance derived by SUM. Spending checks the balance and
//! appends in one transaction after locking the learner's row (`FOR NO KEY UPDATE`): two
//! spends for one learner take turns, and the second sums a ledger that already holds the
//! first, so together they cannot overdraw. The lock is the weaker row lock so that awards and
//! other rows referring to the learner (which take `FOR KEY SHARE` through their foreign keys)
//! are never held up by a spend. Bulk awards are one `INSERT ... SELECT FROM UNNEST(arrays)`
//! with `ON CONFLICT DO NOTHING` against the unique index of migration 0006 (an event reference
//! already awarded is skipped).

use async_trait::async_trait;
use sqlx::PgExecutor;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{IncentiveCode, IncentiveId, Points, Version};
use xc_domain::{LearnerId, UserId};
use xc_store::{
    AuditEvent, IncentiveRecord, NewIncentive, PointsEntry, PointsHeld, PointsPolicyVersion,
    PointsRecord, PointsStore, StoreError, StoreResult,
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

    async fn append_points_many(
        &self,
        entries: &[PointsEntry],
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        xc_store::check_bulk_award(entries)?;
        let learners: Vec<i64> = entries.iter().map(|entry| entry.learner.get()).collect();
        let ats: Vec<OffsetDateTime> = entries.iter().map(|entry| entry.at).collect();
        let days: Vec<Date> = entries.iter().map(|entry| entry.day).collect();
        let years: Vec<i32> = entries.iter().map(|entry| entry.day.year()).collect();
        let awards: Vec<&str> = entries.iter().map(|entry| entry.award.as_str()).collect();
        let points: Vec<i64> = entries.iter().map(|entry| entry.points).collect();
        let kinds: Vec<&str> = entries
            .iter()
            .map(|entry| entry.source_kind.as_str())
            .collect();
        let sources: Vec<&str> = entries
            .iter()
            .map(|entry| entry.source_id.as_str())
            .collect();
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let appended = sqlx::query(
            "INSERT INTO points_ledger (learner_id, at, day, year, award, points, source_kind, \
             source_id) \
             SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::date[], $4::integer[], \
             $5::text[], $6::bigint[], $7::text[], $8::text[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&learners)
        .bind(&ats)
        .bind(&days)
        .bind(&years)
        .bind(&awards)
        .bind(&points)
        .bind(&kinds)
        .bind(&sources)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        if appended > 0 {
            insert_audit(&mut transaction, audit).await?;
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(appended)
    }

    async fn points_held(
        &self,
        learners: &[LearnerId],
        award: &str,
        day: Date,
    ) -> StoreResult<Vec<PointsHeld>> {
        let learners: Vec<i64> = learners.iter().map(|learner| learner.get()).collect();
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT learner_id, \
             COALESCE(SUM(points) FILTER (WHERE day = $3), 0)::BIGINT, \
             COALESCE(SUM(points), 0)::BIGINT \
             FROM points_ledger \
             WHERE learner_id = ANY($1) AND award = $2 AND year = $4 AND points > 0 \
             GROUP BY learner_id",
        )
        .bind(&learners)
        .bind(award)
        .bind(day)
        .bind(day.year())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(learner, on_day, in_year)| PointsHeld {
                learner: LearnerId::new(learner),
                on_day,
                in_year,
            })
            .collect())
    }

    async fn points_sources_held(
        &self,
        learner_sources: &[(LearnerId, String)],
        source_kind: &str,
    ) -> StoreResult<Vec<(LearnerId, String)>> {
        let learners: Vec<i64> = learner_sources
            .iter()
            .map(|(learner, _)| learner.get())
            .collect();
        let sources: Vec<&str> = learner_sources
            .iter()
            .map(|(_, source)| source.as_str())
            .collect();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT ledger.learner_id, ledger.source_id FROM points_ledger ledger \
             JOIN UNNEST($1::bigint[], $2::text[]) AS wanted (learner_id, source_id) \
             ON ledger.learner_id = wanted.learner_id AND ledger.source_id = wanted.source_id \
             WHERE ledger.source_kind = $3",
        )
        .bind(&learners)
        .bind(&sources)
        .bind(source_kind)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(learner, source)| (LearnerId::new(learner), source))
            .collect())
    }

    async fn publish_points_policy(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // Publications take turns (the lock is held to the commit), so the next number read
        // here is still the next when the row is written.
        sqlx::query("LOCK TABLE points_policy_versions IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        let number: i32 = sqlx::query_scalar(
            "INSERT INTO points_policy_versions (version, body, published_at, published_by) \
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM points_policy_versions \
             RETURNING version",
        )
        .bind(Json(body))
        .bind(published_at)
        .bind(published_by.map(|user| user.get()))
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(number)).await?;
        u32::try_from(number)
            .ok()
            .and_then(|number| Version::new(number).ok())
            .ok_or_else(|| StoreError::Backend(format!("there is no version {number}").into()))
    }

    async fn list_points_policy_versions(&self) -> StoreResult<Vec<PointsPolicyVersion>> {
        let rows = sqlx::query(
            "SELECT version, body, published_at, published_by FROM points_policy_versions \
             ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let number: i32 = crate::codec::get(row, "version")?;
                let stored =
                    Stored::keyed(row, "points_policy_versions", format!("version {number}"));
                Ok(PointsPolicyVersion {
                    version: u32::try_from(number)
                        .ok()
                        .and_then(|number| Version::new(number).ok())
                        .ok_or_else(|| stored.corrupt("version", "not a version number"))?,
                    body: stored.get::<Json<serde_json::Value>>("body")?.0,
                    published_at: stored.get("published_at")?,
                    published_by: stored.get::<Option<i64>>("published_by")?.map(UserId::new),
                })
            })
            .collect()
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
