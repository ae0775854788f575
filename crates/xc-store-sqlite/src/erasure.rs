//! Erasure of a learner's identity on SQLite ([`ErasureStore`]). It owns the SQL of
//! `learner_erasures` (migration 0005) and the scrubbing of the learner's row, their accounts
//! and their sessions that goes with it (docs/privacy.md, "Deletion").
//!
//! - An erasure takes the write lock first (`BEGIN IMMEDIATE`), then checks that the learner
//!   exists and was not erased yet, so two erasures of one learner (from this process or
//!   another) are serialised and the second is `Conflict { field: "learner" }`.
//! - The learner row stays under its id, scrubbed: outcomes, decisions, applications and the
//!   points ledger refer to it and must stay whole. The accounts are renamed `erased-<user id>`
//!   (unique because user ids are) and disabled, their password hashes and sessions dropped.
//! - Everything, with the erasure row and the audit entry, is one transaction.

use async_trait::async_trait;
use xc_domain::LearnerId;
use xc_store::{
    AuditEvent, Erasure, ErasureRecord, ErasureStore, StoreError, StoreResult, topics_to_text,
};

use crate::SqliteStore;
use crate::rows::{db_error, from_micros, micros, unique_is};
use crate::stores::write_audit;

/// The masked form left in place of the ID number's.
const ERASED_MASK: &str = "已删除";

#[async_trait]
impl ErasureStore for SqliteStore {
    async fn erase_learner(
        &self,
        id: LearnerId,
        erasure: &Erasure,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let learner = id.get();
        // The write lock before the checks: no other writer can erase in between.
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let erased: Option<bool> = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM learner_erasures e WHERE e.learner_id = l.id) \
             FROM learners l WHERE l.id = ?",
        )
        .bind(learner)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        match erased {
            None => return Err(StoreError::NotFound { what: "learner" }),
            Some(true) => return Err(StoreError::Conflict { field: "learner" }),
            Some(false) => {}
        }
        sqlx::query(
            "UPDATE learners SET display_name = ?, national_id_ciphertext = ?, \
             national_id_masked = ?, national_id_lookup = ?, phone_ciphertext = NULL, \
             phone_masked = NULL, subdistrict_code = NULL, neighbourhood_code = NULL, \
             interests = ? WHERE id = ?",
        )
        .bind(&erasure.display_name)
        .bind(Vec::<u8>::new())
        .bind(ERASED_MASK)
        .bind(&erasure.replacement_lookup)
        .bind(topics_to_text(&[]))
        .bind(learner)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "UPDATE users SET disabled = 1, password_hash = NULL, username = 'erased-' || id, \
             display_name = ? WHERE learner_id = ?",
        )
        .bind(&erasure.display_name)
        .bind(learner)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE learner_id = ?)",
        )
        .bind(learner)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        // Shared presentations may carry the learner's name: gone, and their links closed.
        sqlx::query(
            "DELETE FROM credential_share_items WHERE share_id IN \
             (SELECT id FROM credential_shares WHERE learner_id = ?)",
        )
        .bind(learner)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "UPDATE credential_shares SET revoked_at = ? WHERE learner_id = ? AND revoked_at IS NULL",
        )
        .bind(micros(erasure.at))
        .bind(learner)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query("INSERT INTO learner_erasures (learner_id, erased_at) VALUES (?, ?)")
            .bind(learner)
            .bind(micros(erasure.at))
            .execute(&mut *tx)
            .await
            .map_err(unique_is("learner"))?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn learner_erasure(&self, id: LearnerId) -> StoreResult<Option<ErasureRecord>> {
        let erased_at: Option<i64> =
            sqlx::query_scalar("SELECT erased_at FROM learner_erasures WHERE learner_id = ?")
                .bind(id.get())
                .fetch_optional(&self.read)
                .await
                .map_err(db_error)?;
        erased_at
            .map(|at| {
                Ok(ErasureRecord {
                    learner: id,
                    erased_at: from_micros(at)?,
                })
            })
            .transpose()
    }
}
