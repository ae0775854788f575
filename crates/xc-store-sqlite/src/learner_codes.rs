//! [`LearnerCodeStore`] on SQLite: learner handles and check-ins (migration 0014). A check-in is
//! inserted with `ON CONFLICT DO NOTHING` on its code id, so a replayed code writes nothing and
//! is told apart from a first use by the rows changed.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use xc_domain::{LearnerId, SiteId, UserId};
use xc_store::{
    AuditEvent, CheckInRecord, LearnerCodeStore, NewCheckIn, StoreError, StoreResult, StoredCodeId,
    StoredHandle,
};

use crate::SqliteStore;
use crate::rows::{Cells, db_error, micros};
use crate::stores::write_audit;

fn check_in(row: &SqliteRow) -> StoreResult<CheckInRecord> {
    let key: String = row.try_get("code_id").unwrap_or_default();
    let cells = Cells::new(row, "learner_check_ins", key);
    Ok(CheckInRecord {
        code: cells.text("code_id", StoredCodeId::parse)?,
        learner: LearnerId::new(cells.get("learner_id")?),
        site: SiteId::new(cells.get("site_id")?),
        at: cells.timestamp("checked_in_at")?,
        recorded_by: cells.get::<Option<i64>>("recorded_by")?.map(UserId::new),
    })
}

#[async_trait]
impl LearnerCodeStore for SqliteStore {
    async fn learner_handle(&self, learner: LearnerId) -> StoreResult<Option<StoredHandle>> {
        let handle: Option<String> =
            sqlx::query_scalar("SELECT handle FROM learner_handles WHERE learner_id = ?")
                .bind(learner.get())
                .fetch_optional(&self.read)
                .await
                .map_err(db_error)?;
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
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM learners WHERE id = ?)")
            .bind(learner.get())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        if !known {
            return Err(StoreError::NotFound { what: "learner" });
        }
        let held: Option<(i64, String)> = sqlx::query_as(
            "SELECT learner_id, handle FROM learner_handles WHERE learner_id = ? OR handle = ?",
        )
        .bind(learner.get())
        .bind(handle.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        match held {
            Some((holder, stored)) if holder == learner.get() && stored == handle.as_str() => {
                Ok(())
            }
            Some(_) => Err(StoreError::Conflict { field: "handle" }),
            None => {
                sqlx::query("INSERT INTO learner_handles (learner_id, handle) VALUES (?, ?)")
                    .bind(learner.get())
                    .bind(handle.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                tx.commit().await.map_err(db_error)
            }
        }
    }

    async fn find_learner_by_handle(
        &self,
        handle: &StoredHandle,
    ) -> StoreResult<Option<LearnerId>> {
        let learner: Option<i64> =
            sqlx::query_scalar("SELECT learner_id FROM learner_handles WHERE handle = ?")
                .bind(handle.as_str())
                .fetch_optional(&self.read)
                .await
                .map_err(db_error)?;
        Ok(learner.map(LearnerId::new))
    }

    async fn record_check_in(&self, check_in: &NewCheckIn, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let (site, learner): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM sites WHERE id = ?), \
             EXISTS (SELECT 1 FROM learners WHERE id = ?)",
        )
        .bind(check_in.site.get())
        .bind(check_in.learner.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        if !site {
            return Err(StoreError::NotFound { what: "site" });
        }
        if !learner {
            return Err(StoreError::NotFound { what: "learner" });
        }
        let inserted = sqlx::query(
            "INSERT INTO learner_check_ins (code_id, learner_id, site_id, checked_in_at, \
             recorded_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (code_id) DO NOTHING",
        )
        .bind(check_in.code.as_str())
        .bind(check_in.learner.get())
        .bind(check_in.site.get())
        .bind(micros(check_in.at))
        .bind(check_in.recorded_by.map(UserId::get))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict { field: "code" });
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn learner_check_ins(&self, learner: LearnerId) -> StoreResult<Vec<CheckInRecord>> {
        sqlx::query(
            "SELECT code_id, learner_id, site_id, checked_in_at, recorded_by \
             FROM learner_check_ins WHERE learner_id = ? ORDER BY checked_in_at, code_id",
        )
        .bind(learner.get())
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(check_in)
        .collect()
    }
}
