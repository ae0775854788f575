//! [`AccreditationStore`] on PostgreSQL: the register of accredited providers in
//! `provider_accreditations` (migration 0006), one row per decision, never changed.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use time::Date;
use xc_domain::{InstitutionId, UserId};
use xc_store::{
    AccreditationRecord, AccreditationStore, AuditEvent, NewAccreditation, StoreError, StoreResult,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::Stored;
use crate::error::store_error;

fn accreditation(row: &PgRow) -> StoreResult<AccreditationRecord> {
    let (stored, id) = Stored::by_id(row, "provider_accreditations")?;
    Ok(AccreditationRecord {
        id,
        decision: NewAccreditation {
            provider: InstitutionId::new(stored.get("institution_id")?),
            accredited: stored.get("accredited")?,
            from: stored.get::<Date>("effective_from")?,
            until: stored.get::<Option<Date>>("effective_until")?,
            decided_at: stored.get("decided_at")?,
            decided_by: stored.get::<Option<i64>>("decided_by")?.map(UserId::new),
            reason: stored.get("reason")?,
        },
        decider: stored.get("decider")?,
    })
}

#[async_trait]
impl AccreditationStore for PgStore {
    async fn record_accreditation(
        &self,
        decision: &NewAccreditation,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // Only for an institution that exists: an unknown one answers no row (`NotFound`),
        // rather than the foreign key's failure.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO provider_accreditations (institution_id, accredited, effective_from, \
             effective_until, decided_at, decided_by, reason) \
             SELECT $1, $2, $3, $4, $5, $6, $7 FROM institutions WHERE id = $1 RETURNING id",
        )
        .bind(decision.provider.get())
        .bind(decision.accredited)
        .bind(decision.from)
        .bind(decision.until)
        .bind(decision.decided_at)
        .bind(decision.decided_by.map(|user| user.get()))
        .bind(&decision.reason)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(store_error)?;
        let id = id.ok_or(StoreError::NotFound {
            what: "institution",
        })?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(id)
    }

    async fn list_accreditations(&self) -> StoreResult<Vec<AccreditationRecord>> {
        let rows = sqlx::query(
            "SELECT a.id, a.institution_id, a.accredited, a.effective_from, a.effective_until, \
             a.decided_at, a.decided_by, a.reason, u.username AS decider \
             FROM provider_accreditations a LEFT JOIN users u ON u.id = a.decided_by \
             ORDER BY a.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(accreditation).collect()
    }
}
