//! [`AccreditationStore`] on SQLite: the register of accredited providers in
//! `provider_accreditations` (migration 0006), one row per decision, never changed.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite};
use xc_domain::{InstitutionId, UserId};
use xc_store::{
    AccreditationRecord, AccreditationStore, AuditEvent, NewAccreditation, StoreError, StoreResult,
};

use crate::SqliteStore;
use crate::rows::{Cells, date, db_error, micros, row_id};
use crate::stores::{fetch_decoded, write_audit};

fn accreditation(row: &SqliteRow) -> StoreResult<AccreditationRecord> {
    let id = row_id(row, "provider_accreditations", "id")?;
    let cells = Cells::new(row, "provider_accreditations", id.to_string());
    Ok(AccreditationRecord {
        id,
        decision: NewAccreditation {
            provider: InstitutionId::new(cells.get("institution_id")?),
            accredited: cells.get("accredited")?,
            from: cells.text("effective_from", date)?,
            until: cells.opt_text("effective_until", date)?,
            decided_at: cells.timestamp("decided_at")?,
            decided_by: cells.get::<Option<i64>>("decided_by")?.map(UserId::new),
            reason: cells.get("reason")?,
        },
        decider: cells.get("decider")?,
    })
}

#[async_trait]
impl AccreditationStore for SqliteStore {
    async fn record_accreditation(
        &self,
        decision: &NewAccreditation,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        // Asked first: an unknown institution is `NotFound`, not a foreign-key failure.
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM institutions WHERE id = ?)")
                .bind(decision.provider.get())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        if !known {
            return Err(StoreError::NotFound {
                what: "institution",
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO provider_accreditations (institution_id, accredited, effective_from, \
             effective_until, decided_at, decided_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(decision.provider.get())
        .bind(decision.accredited)
        .bind(decision.from.to_string())
        .bind(decision.until.map(|until| until.to_string()))
        .bind(micros(decision.decided_at))
        .bind(decision.decided_by.map(UserId::get))
        .bind(&decision.reason)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn list_accreditations(&self) -> StoreResult<Vec<AccreditationRecord>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT a.id, a.institution_id, a.accredited, a.effective_from, a.effective_until, \
             a.decided_at, a.decided_by, a.reason, u.username AS decider \
             FROM provider_accreditations a LEFT JOIN users u ON u.id = a.decided_by \
             ORDER BY a.id",
        );
        fetch_decoded(&self.read, query.build(), accreditation).await
    }
}
