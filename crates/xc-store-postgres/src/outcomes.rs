//! [`OutcomeStore`] on PostgreSQL: specifications and their versions, submitted outcomes, upload
//! batches, the review queue and recognition decisions. Every change runs with its audit entry
//! in one transaction; the rows that must never change (specification versions, decisions) are
//! only ever inserted (triggers of migration 0003 refuse anything else). Decisions lock their
//! outcome (`SELECT ... FOR UPDATE`) and publishing locks its specification, so two reviewers or
//! two publishers never both succeed on the same row. Inserting outcomes lives in
//! `outcome_writes.rs`; decoding rows in `outcome_codec.rs`.

use async_trait::async_trait;
use sqlx::{Postgres, QueryBuilder};
use time::OffsetDateTime;
use xc_domain::credit::{BatchId, DecisionId, OutcomeId, SpecificationId, Version};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    AuditEvent, BasisColumns, BatchRecord, DecisionRecord, NewBatch, NewDecision, NewOutcome,
    OutcomeBatchWriter, OutcomeRecord, OutcomeStatus, OutcomeStore, PageRequest, Paged,
    ReviewFilter, SpecificationContent, SpecificationTarget, SpecificationVersion, StoreError,
    StoreResult, Written,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::{credits_column, not_found, version_column};
use crate::error::store_error;
use crate::outcome_codec::{
    batch_columns, batch_from_row, decision_columns, decision_from_row, hours_column, level_column,
    outcome_columns, outcome_from_row, specification_version_columns,
    specification_version_from_row, validity_column,
};
use crate::outcome_writes::{PgOutcomeBatchWriter, held_outcomes, insert_outcomes};
use crate::queries::{fetch_page, lock_row};
use crate::versions::{Target, Versioned};

/// Outcome specifications, their versions in `outcome_specification_versions`. An unknown
/// provider is left to the foreign key (`Invalid { field: "provider" }`).
const SPECIFICATIONS: Versioned = Versioned {
    what: "specification",
    owner: "provider",
    create: "INSERT INTO outcome_specifications (provider_id, code, created_at) \
             VALUES ($1, $2, $3) RETURNING id",
    lock: "SELECT id FROM outcome_specifications WHERE id = $1 FOR UPDATE",
    next: "SELECT COALESCE(MAX(version), 0) + 1 FROM outcome_specification_versions \
           WHERE specification_id = $1",
};

/// `SELECT <select> FROM outcomes WHERE <in review> AND <filter>`.
fn review_queue_query(select: &str, filter: &ReviewFilter) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new(format!(
        "SELECT {select} FROM outcomes WHERE status = 'in_review'"
    ));
    if let Some(provider) = filter.provider {
        query.push(" AND provider_id = ").push_bind(provider.get());
    }
    if let Some(kind) = filter.kind {
        query.push(" AND kind = ").push_bind(kind.as_str());
    }
    query
}

impl PgStore {
    async fn specification_versions(
        &self,
        only: Option<SpecificationId>,
    ) -> StoreResult<Vec<SpecificationVersion>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            specification_version_columns!(),
            " FROM outcome_specifications AS s \
              JOIN outcome_specification_versions AS v ON v.specification_id = s.id \
              WHERE $1::bigint IS NULL OR s.id = $1 \
              ORDER BY s.id, v.version"
        ))
        .bind(only.map(|id| id.get()))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(specification_version_from_row).collect()
    }
}

#[async_trait]
impl OutcomeStore for PgStore {
    async fn publish_specification(
        &self,
        target: &SpecificationTarget,
        content: &SpecificationContent,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<(SpecificationId, Version)> {
        let target = match target {
            SpecificationTarget::New { provider, code } => Target::New {
                owner: provider.get(),
                code,
            },
            SpecificationTarget::Existing(id) => Target::Existing(id.get()),
        };
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let (id, version) = SPECIFICATIONS
            .next_version(&mut transaction, target, published_at)
            .await?;
        sqlx::query(
            "INSERT INTO outcome_specification_versions (specification_id, version, kind, \
             category, title, hours_tenths, grade, level, credits, field, validity_months, \
             published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id)
        .bind(version_column(version)?)
        .bind(content.kind.as_str())
        .bind(content.category.as_str())
        .bind(content.title.as_str())
        .bind(hours_column(content.hours)?)
        .bind(content.grade.map(|grade| grade.as_str()))
        .bind(level_column(content.level))
        .bind(credits_column(content.credits)?)
        .bind(content.field.as_ref().map(ToString::to_string))
        .bind(validity_column(content.validity))
        .bind(published_at)
        .bind(published_by.map(|user| user.get()))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok((SpecificationId::new(id), version))
    }

    async fn list_specification_versions(&self) -> StoreResult<Vec<SpecificationVersion>> {
        self.specification_versions(None).await
    }

    async fn specification_history(
        &self,
        id: SpecificationId,
    ) -> StoreResult<Vec<SpecificationVersion>> {
        let versions = self.specification_versions(Some(id)).await?;
        if versions.is_empty() {
            return Err(not_found("specification"));
        }
        Ok(versions)
    }

    async fn submit_outcome(
        &self,
        outcome: &NewOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let written = insert_outcomes(
            &mut transaction,
            outcome.submitted.provider,
            None,
            std::slice::from_ref(outcome),
        )
        .await?;
        let [written] = written[..] else {
            return Err(StoreError::backend(std::io::Error::other(
                "one outcome submitted, but not one answer",
            )));
        };
        // A re-submission writes nothing, so there is nothing to audit or commit.
        if let Written::Stored(id) = written {
            commit_audited(transaction, &audit.about(id)).await?;
        }
        Ok(written)
    }

    async fn begin_batch(&self, batch: &NewBatch) -> StoreResult<Box<dyn OutcomeBatchWriter>> {
        let transaction = self.pool.begin().await.map_err(store_error)?;
        let writer = PgOutcomeBatchWriter::begin(transaction, batch).await?;
        Ok(Box::new(writer))
    }

    async fn get_batch(&self, id: BatchId) -> StoreResult<BatchRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM outcome_batches WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("batch"))?;
        batch_from_row(&row)
    }

    async fn batch_recognised(
        &self,
        batch: BatchId,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<(LearnerId, OutcomeId)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT learner_id, id FROM outcomes \
             WHERE batch_id = $1 AND status = 'recognised' AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(batch.get())
        .bind(after.map_or(0, OutcomeId::get))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(learner, outcome)| (LearnerId::new(learner), OutcomeId::new(outcome)))
            .collect())
    }

    async fn batches_awaiting_follow_up(&self) -> StoreResult<Vec<BatchId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT b.id FROM outcome_batches b WHERE NOT EXISTS \
             (SELECT 1 FROM batch_follow_ups f WHERE f.batch_id = b.id) ORDER BY b.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(ids.into_iter().map(BatchId::new).collect())
    }

    async fn record_batch_follow_up(&self, batch: BatchId, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO batch_follow_ups (batch_id, done_at) VALUES ($1, $2) \
             ON CONFLICT (batch_id) DO NOTHING",
        )
        .bind(batch.get())
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => not_found("batch"),
            _ => store_error(error),
        })?;
        Ok(())
    }

    async fn find_outcomes_by_external_id(
        &self,
        provider: InstitutionId,
        external_ids: &[String],
    ) -> StoreResult<Vec<(String, OutcomeId)>> {
        let external_ids: Vec<&str> = external_ids.iter().map(String::as_str).collect();
        held_outcomes(&self.pool, provider, &external_ids)
            .await
            .map(|held| {
                held.into_iter()
                    .map(|(external_id, id, _)| (external_id, id))
                    .collect()
            })
    }

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<OutcomeRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            outcome_columns!(),
            " FROM outcomes WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("outcome"))?;
        outcome_from_row(&row)
    }

    async fn list_learner_outcomes(&self, learner: LearnerId) -> StoreResult<Vec<OutcomeRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            outcome_columns!(),
            " FROM outcomes WHERE learner_id = $1 ORDER BY achieved_on, id"
        ))
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(outcome_from_row).collect()
    }

    async fn outcomes_awaiting_credential(
        &self,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<OutcomeRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            outcome_columns!(),
            " FROM outcomes WHERE status = 'recognised' AND id > $1 \
             AND NOT EXISTS (SELECT 1 FROM issued_credentials AS issued \
             WHERE issued.outcome_id = outcomes.id) ORDER BY id LIMIT $2"
        ))
        .bind(after.map_or(0, OutcomeId::get))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(outcome_from_row).collect()
    }

    async fn review_queue(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<OutcomeRecord>> {
        fetch_page(
            &self.pool,
            |select| review_queue_query(select, filter),
            outcome_columns!(),
            "submitted_at, id",
            page,
            outcome_from_row,
        )
        .await
    }

    async fn record_decision(
        &self,
        decision: &NewDecision,
        audit: &AuditEvent,
    ) -> StoreResult<DecisionId> {
        let BasisColumns {
            reviewer,
            specification,
            general_rule,
        } = decision.basis.columns();
        let grant = decision.grant;
        let credits = grant
            .map(|grant| credits_column(grant.credits))
            .transpose()?;
        let specification_version = specification
            .map(|(_, version)| version_column(version))
            .transpose()?;
        let status = match grant {
            Some(_) => OutcomeStatus::Recognised,
            None => OutcomeStatus::Rejected,
        };

        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // The lock holds off a second reviewer until this decision is committed; that reviewer
        // then sees the new status and gets the conflict.
        let current: String = lock_row(
            &mut transaction,
            "SELECT status FROM outcomes WHERE id = $1 FOR UPDATE",
            decision.outcome.get(),
            "outcome",
        )
        .await?;
        if current != OutcomeStatus::InReview.as_str() {
            return Err(StoreError::Conflict { field: "status" });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recognition_decisions (outcome_id, decided_at, reviewer_id, accepted, \
             specification_id, specification_version, general_rule, category, level, credits, \
             valid_until, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(decision.outcome.get())
        .bind(decision.decided_at)
        .bind(reviewer.map(|user| user.get()))
        .bind(grant.is_some())
        .bind(specification.map(|(id, _)| id.get()))
        .bind(specification_version)
        .bind(general_rule)
        .bind(grant.map(|grant| grant.category.as_str()))
        .bind(grant.map(|grant| level_column(grant.level)))
        .bind(credits)
        .bind(grant.and_then(|grant| grant.valid_until))
        .bind(&decision.reason)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE outcomes SET status = $2, category = $3, level = $4, credits = $5, \
             valid_until = $6 WHERE id = $1",
        )
        .bind(decision.outcome.get())
        .bind(status.as_str())
        .bind(grant.map(|grant| grant.category.as_str()))
        .bind(grant.map(|grant| level_column(grant.level)))
        .bind(credits)
        .bind(grant.and_then(|grant| grant.valid_until))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(decision.outcome)).await?;
        Ok(DecisionId::new(id))
    }

    async fn list_decisions(&self, outcome: OutcomeId) -> StoreResult<Vec<DecisionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            decision_columns!(),
            " FROM recognition_decisions WHERE outcome_id = $1 ORDER BY decided_at, id"
        ))
        .bind(outcome.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(decision_from_row).collect()
    }

    async fn list_learner_decisions(&self, learner: LearnerId) -> StoreResult<Vec<DecisionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            decision_columns!(),
            " FROM recognition_decisions \
              JOIN outcomes ON outcomes.id = recognition_decisions.outcome_id \
              WHERE outcomes.learner_id = $1 \
              ORDER BY recognition_decisions.decided_at, recognition_decisions.id"
        ))
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(decision_from_row).collect()
    }

    async fn load_outcomes(&self, rows: &[OutcomeRecord]) -> StoreResult<()> {
        self.copy_in(
            "COPY outcomes (id, learner_id, provider_id, external_id, kind, title, hours_tenths, \
             grade, field, achieved_on, score, evidence, status, category, level, credits, \
             valid_until, submitted_at, submitted_by, batch_id) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_decisions(&self, rows: &[DecisionRecord]) -> StoreResult<()> {
        self.copy_in(
            "COPY recognition_decisions (id, outcome_id, decided_at, reviewer_id, accepted, \
             specification_id, specification_version, general_rule, category, level, credits, \
             valid_until, reason) FROM STDIN",
            rows,
        )
        .await
    }
}
