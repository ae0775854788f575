//! [`LearnerCodeStore`] on PostgreSQL: learner handles and check-ins (migration 0014). Both
//! inserts are `ON CONFLICT DO NOTHING`, so two scans of one code at once cannot both succeed:
//! the second changes no row and is answered as a replay.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use xc_domain::{LearnerId, SiteId, UserId};
use xc_store::{
    AuditEvent, CheckInRecord, LearnerCodeStore, NewCheckIn, StoreError, StoreResult, StoredCodeId,
    StoredHandle,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::get;
use crate::error::store_error;

fn check_in(row: &PgRow) -> StoreResult<CheckInRecord> {
    let code: String = get(row, "code_id")?;
    Ok(CheckInRecord {
        code: StoredCodeId::parse(&code)
            .map_err(|_| StoreError::corrupt("code", format!("learner_check_ins row {code}")))?,
        learner: LearnerId::new(get(row, "learner_id")?),
        site: SiteId::new(get(row, "site_id")?),
        at: get(row, "checked_in_at")?,
        recorded_by: get::<Option<i64>>(row, "recorded_by")?.map(UserId::new),
    })
}

#[async_trait]
impl LearnerCodeStore for PgStore {
    async fn learner_handle(&self, learner: LearnerId) -> StoreResult<Option<StoredHandle>> {
        let handle: Option<String> =
            sqlx::query_scalar("SELECT handle FROM learner_handles WHERE learner_id = $1")
                .bind(learner.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        handle
            .map(|text| {
                StoredHandle::parse(&text).map_err(|_| {
                    StoreError::corrupt("handle", format!("learner_handles row {learner}"))
                })
            })
            .transpose()
    }

    async fn record_learner_handle(
        &self,
        learner: LearnerId,
        handle: &StoredHandle,
    ) -> StoreResult<()> {
        let inserted = sqlx::query(
            "INSERT INTO learner_handles (learner_id, handle) \
             SELECT id, $2 FROM learners WHERE id = $1 ON CONFLICT DO NOTHING",
        )
        .bind(learner.get())
        .bind(handle.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 1 {
            return Ok(());
        }
        // Nothing inserted: the learner is unknown, or a handle row is in the way.
        let held: Option<(i64, String)> = sqlx::query_as(
            "SELECT learner_id, handle FROM learner_handles WHERE learner_id = $1 OR handle = $2",
        )
        .bind(learner.get())
        .bind(handle.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        match held {
            Some((holder, stored)) if holder == learner.get() && stored == handle.as_str() => {
                Ok(())
            }
            Some(_) => Err(StoreError::Conflict { field: "handle" }),
            None => Err(StoreError::NotFound { what: "learner" }),
        }
    }

    async fn find_learner_by_handle(
        &self,
        handle: &StoredHandle,
    ) -> StoreResult<Option<LearnerId>> {
        let learner: Option<i64> =
            sqlx::query_scalar("SELECT learner_id FROM learner_handles WHERE handle = $1")
                .bind(handle.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(learner.map(LearnerId::new))
    }

    async fn record_check_in(&self, check_in: &NewCheckIn, audit: &AuditEvent) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let (site, learner): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1), \
             EXISTS (SELECT 1 FROM learners WHERE id = $2)",
        )
        .bind(check_in.site.get())
        .bind(check_in.learner.get())
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        if !site {
            return Err(StoreError::NotFound { what: "site" });
        }
        if !learner {
            return Err(StoreError::NotFound { what: "learner" });
        }
        let inserted = sqlx::query(
            "INSERT INTO learner_check_ins (code_id, learner_id, site_id, checked_in_at, \
             recorded_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code_id) DO NOTHING",
        )
        .bind(check_in.code.as_str())
        .bind(check_in.learner.get())
        .bind(check_in.site.get())
        .bind(check_in.at)
        .bind(check_in.recorded_by.map(|user| user.get()))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict { field: "code" });
        }
        commit_audited(transaction, audit).await
    }

    async fn learner_check_ins(&self, learner: LearnerId) -> StoreResult<Vec<CheckInRecord>> {
        sqlx::query(
            "SELECT code_id, learner_id, site_id, checked_in_at, recorded_by \
             FROM learner_check_ins WHERE learner_id = $1 ORDER BY checked_in_at, code_id",
        )
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(check_in)
        .collect()
    }
}
