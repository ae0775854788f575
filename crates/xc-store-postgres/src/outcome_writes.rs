//! Storing submitted outcomes on PostgreSQL: [`insert_outcomes`], the one insert path behind both
//! [`OutcomeStore::submit_outcome`](xc_store::OutcomeStore::submit_outcome) and upload batches,
//! and [`PgOutcomeBatchWriter`], the open transaction of one upload.
//!
//! However many rows a call holds, it costs at most three statements: the rows go in as one
//! `INSERT ... SELECT FROM UNNEST(arrays)` that skips `(provider, external_id)` pairs already held
//! (`ON CONFLICT DO NOTHING`) and returns what it stored; one query finds the ids of the rows
//! skipped; one more UNNEST insert writes the automatic decisions of the rows stored now. A
//! million-row upload therefore never runs a statement per row.

use std::collections::{HashMap, HashSet};
use std::fmt;

use async_trait::async_trait;
use sqlx::{PgConnection, PgExecutor, Postgres, Transaction};
use time::{Date, OffsetDateTime};
use xc_domain::InstitutionId;
use xc_domain::credit::{BatchId, OutcomeId};
use xc_store::{
    AuditEvent, BatchRecord, DecisionBasis, NewOutcome, OutcomeBatchWriter, OutcomeStatus,
    StoreError, StoreResult, Written,
};

use crate::audit::commit_audited;
use crate::codec::{bigint, credits_column, version_column};
use crate::error::store_error;
use crate::outcome_codec::{
    batch_columns, batch_from_row, evidence_json, hours_column, level_column,
};

/// The outcomes of one call as column arrays for UNNEST, checked before anything is written.
#[derive(Debug, Default)]
struct OutcomeArrays<'a> {
    learner_id: Vec<i64>,
    external_id: Vec<&'a str>,
    kind: Vec<&'static str>,
    title: Vec<&'a str>,
    hours_tenths: Vec<Option<i32>>,
    grade: Vec<Option<&'static str>>,
    field: Vec<Option<String>>,
    achieved_on: Vec<Date>,
    score: Vec<Option<String>>,
    evidence: Vec<String>,
    status: Vec<&'static str>,
    category: Vec<Option<&'static str>>,
    level: Vec<Option<i16>>,
    credits: Vec<Option<i64>>,
    valid_until: Vec<Option<Date>>,
    submitted_at: Vec<OffsetDateTime>,
    submitted_by: Vec<Option<i64>>,
}

impl<'a> OutcomeArrays<'a> {
    fn new(provider: InstitutionId, rows: &'a [NewOutcome]) -> StoreResult<Self> {
        let mut seen = HashSet::with_capacity(rows.len());
        let mut arrays = OutcomeArrays::with_capacity(rows.len());
        for row in rows {
            if row.submitted.provider != provider {
                return Err(StoreError::Invalid {
                    field: "provider",
                    reason: format!(
                        "outcome {} is of provider {}, not of the batch's provider {provider}",
                        row.external_id, row.submitted.provider
                    ),
                });
            }
            if !seen.insert(row.external_id.as_str()) {
                return Err(StoreError::Invalid {
                    field: "external_id",
                    reason: format!("outcome {} is given twice", row.external_id),
                });
            }
            arrays.push(row)?;
        }
        Ok(arrays)
    }

    fn with_capacity(n: usize) -> Self {
        OutcomeArrays {
            learner_id: Vec::with_capacity(n),
            external_id: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            title: Vec::with_capacity(n),
            hours_tenths: Vec::with_capacity(n),
            grade: Vec::with_capacity(n),
            field: Vec::with_capacity(n),
            achieved_on: Vec::with_capacity(n),
            score: Vec::with_capacity(n),
            evidence: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            category: Vec::with_capacity(n),
            level: Vec::with_capacity(n),
            credits: Vec::with_capacity(n),
            valid_until: Vec::with_capacity(n),
            submitted_at: Vec::with_capacity(n),
            submitted_by: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, row: &'a NewOutcome) -> StoreResult<()> {
        let submitted = &row.submitted;
        let grant = row.automatic.as_ref().map(|automatic| automatic.grant);
        self.learner_id.push(row.learner.get());
        self.external_id.push(&row.external_id);
        self.kind.push(submitted.kind.as_str());
        self.title.push(submitted.title.as_str());
        self.hours_tenths.push(hours_column(submitted.hours)?);
        self.grade.push(submitted.grade.map(|grade| grade.as_str()));
        self.field
            .push(submitted.field.as_ref().map(ToString::to_string));
        self.achieved_on.push(submitted.achieved_on);
        self.score
            .push(submitted.score.as_ref().map(ToString::to_string));
        self.evidence.push(evidence_json(&submitted.evidence));
        self.status.push(match grant {
            Some(_) => OutcomeStatus::Recognised.as_str(),
            None => OutcomeStatus::InReview.as_str(),
        });
        self.category
            .push(grant.map(|grant| grant.category.as_str()));
        self.level
            .push(grant.map(|grant| level_column(grant.level)));
        self.credits.push(
            grant
                .map(|grant| credits_column(grant.credits))
                .transpose()?,
        );
        self.valid_until
            .push(grant.and_then(|grant| grant.valid_until));
        self.submitted_at.push(row.submitted_at);
        self.submitted_by
            .push(row.submitted_by.map(|user| user.get()));
        Ok(())
    }
}

/// The automatic decisions of the rows stored now, as column arrays.
#[derive(Debug, Default)]
struct DecisionArrays<'a> {
    outcome_id: Vec<i64>,
    decided_at: Vec<OffsetDateTime>,
    specification_id: Vec<Option<i64>>,
    specification_version: Vec<Option<i32>>,
    general_rule: Vec<Option<String>>,
    category: Vec<&'static str>,
    level: Vec<i16>,
    credits: Vec<i64>,
    valid_until: Vec<Option<Date>>,
    reason: Vec<&'a str>,
}

/// The outcomes `provider` holds among `external_ids`, as (external id, outcome id, the batch
/// that stored it).
pub(crate) async fn held_outcomes<'e>(
    executor: impl PgExecutor<'e>,
    provider: InstitutionId,
    external_ids: &[&str],
) -> StoreResult<Vec<(String, OutcomeId, Option<BatchId>)>> {
    if external_ids.is_empty() {
        return Ok(Vec::new());
    }
    let held: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT external_id, id, batch_id FROM outcomes \
         WHERE provider_id = $1 AND external_id = ANY($2::text[])",
    )
    .bind(provider.get())
    .bind(external_ids)
    .fetch_all(executor)
    .await
    .map_err(store_error)?;
    Ok(held
        .into_iter()
        .map(|(external_id, id, batch)| (external_id, OutcomeId::new(id), batch.map(BatchId::new)))
        .collect())
}

/// Stores `rows` (all of `provider`, external ids distinct) on `connection`, inside the caller's
/// transaction, each with its automatic decision; answers one [`Written`] per row, in order.
/// The rows are checked before anything is written, and the caller's transaction is left
/// usable only if this succeeds.
pub(crate) async fn insert_outcomes(
    connection: &mut PgConnection,
    provider: InstitutionId,
    batch: Option<BatchId>,
    rows: &[NewOutcome],
) -> StoreResult<Vec<Written>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let arrays = OutcomeArrays::new(provider, rows)?;
    insert_checked_outcomes(connection, provider, batch, rows, arrays).await
}

/// [`insert_outcomes`] once `rows` were checked into `arrays` (nothing written yet).
async fn insert_checked_outcomes(
    connection: &mut PgConnection,
    provider: InstitutionId,
    batch: Option<BatchId>,
    rows: &[NewOutcome],
    arrays: OutcomeArrays<'_>,
) -> StoreResult<Vec<Written>> {
    let inserted: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO outcomes (learner_id, provider_id, external_id, kind, title, hours_tenths, \
         grade, field, achieved_on, score, evidence, status, category, level, credits, \
         valid_until, submitted_at, submitted_by, batch_id) \
         SELECT learner_id, $1, external_id, kind, title, hours_tenths, grade, field, \
                achieved_on, score, evidence::jsonb, status, category, level, credits, \
                valid_until, submitted_at, submitted_by, $2 \
         FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], \
                     $8::text[], $9::text[], $10::date[], $11::text[], $12::text[], \
                     $13::text[], $14::text[], $15::smallint[], $16::bigint[], $17::date[], \
                     $18::timestamptz[], $19::bigint[]) \
              AS new_rows (learner_id, external_id, kind, title, hours_tenths, grade, field, \
                           achieved_on, score, evidence, status, category, level, credits, \
                           valid_until, submitted_at, submitted_by) \
         ON CONFLICT (provider_id, external_id) DO NOTHING \
         RETURNING id, external_id",
    )
    .bind(provider.get())
    .bind(batch.map(|batch| batch.get()))
    .bind(&arrays.learner_id)
    .bind(&arrays.external_id)
    .bind(&arrays.kind)
    .bind(&arrays.title)
    .bind(&arrays.hours_tenths)
    .bind(&arrays.grade)
    .bind(&arrays.field)
    .bind(&arrays.achieved_on)
    .bind(&arrays.score)
    .bind(&arrays.evidence)
    .bind(&arrays.status)
    .bind(&arrays.category)
    .bind(&arrays.level)
    .bind(&arrays.credits)
    .bind(&arrays.valid_until)
    .bind(&arrays.submitted_at)
    .bind(&arrays.submitted_by)
    .fetch_all(&mut *connection)
    .await
    .map_err(store_error)?;
    let stored: HashMap<String, i64> = inserted
        .into_iter()
        .map(|(id, external_id)| (external_id, id))
        .collect();

    let skipped: Vec<&str> = rows
        .iter()
        .map(|row| row.external_id.as_str())
        .filter(|external_id| !stored.contains_key(*external_id))
        .collect();
    let already_held: HashMap<String, (OutcomeId, Option<BatchId>)> =
        held_outcomes(&mut *connection, provider, &skipped)
            .await?
            .into_iter()
            .map(|(external_id, id, by)| (external_id, (id, by)))
            .collect();

    let mut written = Vec::with_capacity(rows.len());
    let mut decisions = DecisionArrays::default();
    for row in rows {
        if let Some(&id) = stored.get(&row.external_id) {
            written.push(Written::Stored(OutcomeId::new(id)));
            if let Some(automatic) = &row.automatic {
                decisions.outcome_id.push(id);
                decisions.decided_at.push(row.submitted_at);
                let basis = DecisionBasis::from(automatic.rule).columns();
                decisions
                    .specification_id
                    .push(basis.specification.map(|(id, _)| id.get()));
                decisions.specification_version.push(
                    basis
                        .specification
                        .map(|(_, version)| version_column(version))
                        .transpose()?,
                );
                decisions.general_rule.push(basis.general_rule);
                decisions.category.push(automatic.grant.category.as_str());
                decisions.level.push(level_column(automatic.grant.level));
                decisions
                    .credits
                    .push(credits_column(automatic.grant.credits)?);
                decisions.valid_until.push(automatic.grant.valid_until);
                decisions.reason.push(&automatic.reason);
            }
        } else if let Some(&(id, by)) = already_held.get(&row.external_id) {
            written.push(if batch.is_some() && by == batch {
                Written::RepeatedInBatch(id)
            } else {
                Written::AlreadyStored(id)
            });
        } else {
            // Neither stored nor held: only possible if the row was removed between the two
            // statements, which nothing in the platform does.
            return Err(StoreError::backend(std::io::Error::other(format!(
                "outcome {} of provider {provider} was neither stored nor found",
                row.external_id
            ))));
        }
    }

    if !decisions.outcome_id.is_empty() {
        sqlx::query(
            "INSERT INTO recognition_decisions (outcome_id, decided_at, reviewer_id, accepted, \
             specification_id, specification_version, general_rule, category, level, credits, \
             valid_until, reason) \
             SELECT outcome_id, decided_at, NULL, TRUE, specification_id, specification_version, \
                    general_rule, category, level, credits, valid_until, reason \
             FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[], $4::integer[], \
                         $5::text[], $6::text[], $7::smallint[], $8::bigint[], $9::date[], \
                         $10::text[]) \
                  AS new_rows (outcome_id, decided_at, specification_id, specification_version, \
                               general_rule, category, level, credits, valid_until, reason)",
        )
        .bind(&decisions.outcome_id)
        .bind(&decisions.decided_at)
        .bind(&decisions.specification_id)
        .bind(&decisions.specification_version)
        .bind(&decisions.general_rule)
        .bind(&decisions.category)
        .bind(&decisions.level)
        .bind(&decisions.credits)
        .bind(&decisions.valid_until)
        .bind(&decisions.reason)
        .execute(&mut *connection)
        .await
        .map_err(store_error)?;
    }
    Ok(written)
}

/// One open upload: the transaction everything of the batch is written in, from the batch row
/// inserted by `begin_batch` to the totals written by `commit`. Dropped without `commit`, the
/// transaction rolls back and the batch never existed.
pub(crate) struct PgOutcomeBatchWriter {
    transaction: Transaction<'static, Postgres>,
    id: BatchId,
    provider: InstitutionId,
    rows_stored: u64,
    /// A call failed in the database: the transaction is aborted and the batch can only be
    /// dropped.
    failed: bool,
}

impl PgOutcomeBatchWriter {
    fn refuse_if_failed(&self) -> StoreResult<()> {
        if self.failed {
            return Err(StoreError::Conflict { field: "batch" });
        }
        Ok(())
    }

    /// Inserts the batch row (totals zero until commit) in a transaction of its own and keeps
    /// the transaction open.
    pub(crate) async fn begin(
        mut transaction: Transaction<'static, Postgres>,
        batch: &xc_store::NewBatch,
    ) -> StoreResult<Self> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outcome_batches (provider_id, submitted_by, submitted_at, file_name, \
             all_or_nothing, rows_total, rows_stored) \
             VALUES ($1, $2, $3, $4, $5, 0, 0) RETURNING id",
        )
        .bind(batch.provider.get())
        .bind(batch.submitted_by.map(|user| user.get()))
        .bind(batch.submitted_at)
        .bind(&batch.file_name)
        .bind(batch.all_or_nothing)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        Ok(PgOutcomeBatchWriter {
            transaction,
            id: BatchId::new(id),
            provider: batch.provider,
            rows_stored: 0,
            failed: false,
        })
    }
}

impl fmt::Debug for PgOutcomeBatchWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgOutcomeBatchWriter")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("rows_stored", &self.rows_stored)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl OutcomeBatchWriter for PgOutcomeBatchWriter {
    fn id(&self) -> BatchId {
        self.id
    }

    async fn write(&mut self, rows: &[NewOutcome]) -> StoreResult<Vec<Written>> {
        self.refuse_if_failed()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Refused rows are refused before anything is written, leaving the batch usable.
        let arrays = OutcomeArrays::new(self.provider, rows)?;
        // No savepoint (see the trait): a failed statement aborts the upload's transaction, so
        // the batch is marked unusable until the call succeeds.
        self.failed = true;
        let written = insert_checked_outcomes(
            &mut self.transaction,
            self.provider,
            Some(self.id),
            rows,
            arrays,
        )
        .await?;
        self.failed = false;
        self.rows_stored += written
            .iter()
            .filter(|written| matches!(written, Written::Stored(_)))
            .count() as u64;
        Ok(written)
    }

    async fn commit(
        self: Box<Self>,
        rows_total: u64,
        audit: &AuditEvent,
    ) -> StoreResult<BatchRecord> {
        self.refuse_if_failed()?;
        let PgOutcomeBatchWriter {
            mut transaction,
            id,
            rows_stored,
            ..
        } = *self;
        if rows_total < rows_stored {
            return Err(StoreError::Invalid {
                field: "rows_total",
                reason: format!(
                    "the batch stored {rows_stored} rows, so it held at least as many, not {rows_total}"
                ),
            });
        }
        let row = sqlx::query(concat!(
            "UPDATE outcome_batches SET rows_total = $2, rows_stored = $3 WHERE id = $1 \
             RETURNING ",
            batch_columns!()
        ))
        .bind(id.get())
        .bind(bigint(rows_total, "rows_total")?)
        .bind(bigint(rows_stored, "rows_stored")?)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        let record = batch_from_row(&row)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(record)
    }
}
