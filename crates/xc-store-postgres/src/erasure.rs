//! [`ErasureStore`] on PostgreSQL: erasing a learner's identity (docs/privacy.md, "Deletion")
//! and reading back whether and when it happened (`learner_erasures`, migration 0005).
//!
//! An erasure locks the learner's row (`FOR UPDATE`: the scrub rewrites the unique look-up hash,
//! a key column, so the UPDATE would take that lock anyway) and only then records itself with
//! `INSERT ... ON CONFLICT DO NOTHING` on the table's primary key: an erasure committed while
//! this one waited for the lock is a conflicting row, so of two erasures at once one wins and
//! the other, having recorded nothing, is `Conflict { field: "learner" }`. The learner row stays
//! under its id, scrubbed, since outcomes, decisions, applications and the points ledger refer
//! to it; the accounts are renamed `erased-<user id>` (unique because user ids are) and
//! disabled, their password hashes and sessions dropped. All of it, with the erasure row and
//! the audit entry, is one transaction.

use async_trait::async_trait;
use xc_domain::LearnerId;
use xc_store::{AuditEvent, Erasure, ErasureRecord, ErasureStore, StoreError, StoreResult};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::topics_to_text;
use crate::error::store_error;
use crate::queries::lock_row;

/// The masked form left in place of the ID number's.
const ERASED_MASK: &str = "已删除";

#[async_trait]
impl ErasureStore for PgStore {
    async fn erase_learner(
        &self,
        id: LearnerId,
        erasure: &Erasure,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let learner = id.get();
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        lock_row::<i64>(
            &mut transaction,
            "SELECT id FROM learners WHERE id = $1 FOR UPDATE",
            learner,
            "learner",
        )
        .await?;
        let recorded = sqlx::query(
            "INSERT INTO learner_erasures (learner_id, erased_at) VALUES ($1, $2) \
             ON CONFLICT (learner_id) DO NOTHING",
        )
        .bind(learner)
        .bind(erasure.at)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        if recorded.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "learner" });
        }
        sqlx::query(
            "UPDATE learners SET display_name = $2, national_id_ciphertext = $3, \
             national_id_masked = $4, national_id_lookup = $5, phone_ciphertext = NULL, \
             phone_masked = NULL, subdistrict_code = NULL, neighbourhood_code = NULL, \
             interests = $6 WHERE id = $1",
        )
        .bind(learner)
        .bind(&erasure.display_name)
        .bind(Vec::<u8>::new())
        .bind(ERASED_MASK)
        .bind(&erasure.replacement_lookup)
        .bind(topics_to_text(&[]))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE users SET disabled = TRUE, password_hash = NULL, \
             username = 'erased-' || id, display_name = $2 WHERE learner_id = $1",
        )
        .bind(learner)
        .bind(&erasure.display_name)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE learner_id = $1)",
        )
        .bind(learner)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        // Shared presentations may carry the learner's name: gone, and their links closed.
        sqlx::query(
            "DELETE FROM credential_share_items WHERE share_id IN \
             (SELECT id FROM credential_shares WHERE learner_id = $1)",
        )
        .bind(learner)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE credential_shares SET revoked_at = $2 \
             WHERE learner_id = $1 AND revoked_at IS NULL",
        )
        .bind(learner)
        .bind(erasure.at)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await
    }

    async fn learner_erasure(&self, id: LearnerId) -> StoreResult<Option<ErasureRecord>> {
        let erased_at: Option<time::OffsetDateTime> =
            sqlx::query_scalar("SELECT erased_at FROM learner_erasures WHERE learner_id = $1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(erased_at.map(|erased_at| ErasureRecord {
            learner: id,
            erased_at,
        }))
    }
}
