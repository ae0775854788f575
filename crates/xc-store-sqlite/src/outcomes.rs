//! The credit bank's outcomes on SQLite ([`OutcomeStore`]): published specification versions,
//! submitted outcomes (one at a time, or many through an upload's [`OutcomeBatchWriter`]), the
//! review queue, recognition decisions, and the generator's bulk loads of outcomes and decisions.
//! It owns the SQL of the tables of migration 0003 and the conversions between their rows and
//! the credit records of `xc-store`.
//!
//! - Re-submission is idempotent: one query finds which of a call's external ids the provider
//!   already holds (and whether this batch stored them), the rest are inserted with ids chosen
//!   by the one writer connection; `UNIQUE (provider_id, external_id)` stays the backstop.
//! - An upload writes multi-row INSERTs of a fixed size, prepared once, inside the batch's one
//!   transaction, without a savepoint per call (a call that fails in the database makes the
//!   batch unusable; see `OutcomeBatchWriter::write`).
//! - A stored row that no longer parses into domain types is a `StoreError::Backend` naming the
//!   table, the column and the row: the database was changed behind the platform's back.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::query_builder::Separated;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};
use time::OffsetDateTime;
use xc_domain::credit::{
    BatchId, ContactHours, DecisionId, Evidence, EvidenceKind, Field, FrameworkLevel,
    OutcomeCategory, OutcomeId, OutcomeKind, OutcomeTitle, Score, SpecificationId,
    SubmittedOutcome, ValidityTerm, Version, VocationalGrade,
};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    AuditEvent, AutomaticRecognition, BasisColumns, BatchRecord, DecisionBasis, DecisionRecord,
    Grant, NewBatch, NewDecision, NewOutcome, OutcomeBatchWriter, OutcomeRecord, OutcomeStatus,
    OutcomeStore, PageRequest, Paged, ReviewFilter, SpecificationContent, SpecificationTarget,
    SpecificationVersion, StoreError, StoreResult, Written,
};

use crate::SqliteStore;
use crate::rows::{Cells, credits, date, db_error, micros, row_id, version};
use crate::stores::{
    BULK_VALUES, bulk_insert, column_count, fetch_decoded, fetch_page, not_found, require_open,
    write_audit,
};
use crate::versions::{Target, Versioned};

/// The columns of `outcomes` but `id`, in the order [`push_outcome_fields`] binds them.
macro_rules! outcome_fields {
    () => {
        "learner_id, provider_id, external_id, kind, title, hours_tenths, grade, field, \
         achieved_on, score, evidence, status, category, level, credits, valid_until, \
         submitted_at, submitted_by, batch_id"
    };
}
const OUTCOME_FIELDS_WIDTH: usize = column_count(outcome_fields!());
const OUTCOME_COLUMNS: &str = concat!("id, ", outcome_fields!());

/// The columns of `recognition_decisions` but `id`, in the order [`push_decision_fields`] binds
/// them.
macro_rules! decision_fields {
    () => {
        "outcome_id, decided_at, reviewer_id, accepted, specification_id, \
         specification_version, general_rule, category, level, credits, valid_until, reason"
    };
}
const DECISION_FIELDS_WIDTH: usize = column_count(decision_fields!());
const DECISION_SELECT: &str = "d.id, d.outcome_id, d.decided_at, d.reviewer_id, d.accepted, \
    d.specification_id, d.specification_version, d.general_rule, d.category, d.level, d.credits, \
    d.valid_until, d.reason";

const SPECIFICATION_SELECT: &str = "SELECT s.provider_id, s.code, v.specification_id, v.version, \
    v.kind, v.category, v.title, v.hours_tenths, v.grade, v.level, v.credits, v.field, \
    v.validity_months, v.published_at, v.published_by
    FROM outcome_specification_versions v
    JOIN outcome_specifications s ON s.id = v.specification_id";

macro_rules! batch_columns {
    () => {
        "id, provider_id, submitted_by, submitted_at, file_name, all_or_nothing, rows_total, \
         rows_stored"
    };
}

type Values<'a> = Separated<'a, Sqlite, &'static str>;

// ---- writing rows -------------------------------------------------------------------------------

fn evidence_json(evidence: &[Evidence]) -> String {
    serde_json::Value::Array(
        evidence
            .iter()
            .map(|item| {
                serde_json::json!({"kind": item.kind().as_str(), "reference": item.reference()})
            })
            .collect(),
    )
    .to_string()
}

/// Binds the columns of an outcome as submitted: learner_id … evidence.
fn push_submitted(
    values: &mut Values<'_>,
    learner: LearnerId,
    external_id: &str,
    submitted: &SubmittedOutcome,
) {
    values
        .push_bind(learner.get())
        .push_bind(submitted.provider.get())
        .push_bind(external_id.to_owned())
        .push_bind(submitted.kind.as_str())
        .push_bind(submitted.title.as_str().to_owned())
        .push_bind(submitted.hours.map(|hours| i64::from(hours.tenths())))
        .push_bind(submitted.grade.map(VocationalGrade::as_str))
        .push_bind(submitted.field.as_ref().map(Field::to_string))
        .push_bind(submitted.achieved_on.to_string())
        .push_bind(submitted.score.map(|score| score.to_string()))
        .push_bind(evidence_json(&submitted.evidence));
}

/// The grant columns as stored: category, level, credits, valid_until (all NULL without one).
fn grant_columns(
    grant: Option<&Grant>,
) -> (Option<&str>, Option<i64>, Option<i64>, Option<String>) {
    (
        grant.map(|g| g.category.as_str()),
        grant.map(|g| i64::from(g.level.get())),
        grant.map(|g| g.credits.hundredths() as i64),
        grant.and_then(|g| g.valid_until).map(|day| day.to_string()),
    )
}

/// Binds the grant columns: category, level, credits, valid_until.
fn push_grant(values: &mut Values<'_>, grant: Option<&Grant>) {
    let (category, level, credits, valid_until) = grant_columns(grant);
    values
        .push_bind(category)
        .push_bind(level)
        .push_bind(credits)
        .push_bind(valid_until);
}

/// Binds every column of [`outcome_fields!`].
#[allow(clippy::too_many_arguments)]
fn push_outcome_fields(
    values: &mut Values<'_>,
    learner: LearnerId,
    external_id: &str,
    submitted: &SubmittedOutcome,
    status: OutcomeStatus,
    grant: Option<&Grant>,
    submitted_at: OffsetDateTime,
    submitted_by: Option<UserId>,
    batch: Option<BatchId>,
) {
    push_submitted(values, learner, external_id, submitted);
    values.push_bind(status.as_str());
    push_grant(values, grant);
    values
        .push_bind(micros(submitted_at))
        .push_bind(submitted_by.map(UserId::get))
        .push_bind(batch.map(BatchId::get));
}

fn push_new_outcome(values: &mut Values<'_>, row: &NewOutcome, batch: Option<BatchId>) {
    let grant = row.automatic.as_ref().map(|automatic| &automatic.grant);
    let status = if grant.is_some() {
        OutcomeStatus::Recognised
    } else {
        OutcomeStatus::InReview
    };
    push_outcome_fields(
        values,
        row.learner,
        &row.external_id,
        &row.submitted,
        status,
        grant,
        row.submitted_at,
        row.submitted_by,
        batch,
    );
}

/// Binds every column of [`decision_fields!`].
fn push_decision_fields(
    values: &mut Values<'_>,
    outcome: OutcomeId,
    decided_at: OffsetDateTime,
    basis: &DecisionBasis,
    grant: Option<&Grant>,
    reason: &str,
) {
    let BasisColumns {
        reviewer,
        specification,
        general_rule,
    } = basis.columns();
    values
        .push_bind(outcome.get())
        .push_bind(micros(decided_at))
        .push_bind(reviewer.map(UserId::get))
        .push_bind(grant.is_some())
        .push_bind(specification.map(|(id, _)| id.get()))
        .push_bind(specification.map(|(_, version)| i64::from(version.get())))
        .push_bind(general_rule);
    push_grant(values, grant);
    values.push_bind(reason.to_owned());
}

/// The outcomes `provider` holds among `external_ids`, as (external id, outcome id, the batch
/// that stored it).
async fn held_outcomes(
    conn: &mut SqliteConnection,
    provider: InstitutionId,
    external_ids: &[&str],
) -> StoreResult<Vec<(String, OutcomeId, Option<BatchId>)>> {
    let mut held = Vec::new();
    for chunk in external_ids.chunks(BULK_VALUES - 1) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT external_id, id, batch_id FROM outcomes WHERE provider_id = ",
        );
        query
            .push_bind(provider.get())
            .push(" AND external_id IN (");
        let mut list = query.separated(", ");
        for external_id in chunk {
            list.push_bind(*external_id);
        }
        query.push(")");
        let rows: Vec<(String, i64, Option<i64>)> = query
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        held.extend(rows.into_iter().map(|(external_id, id, batch)| {
            (external_id, OutcomeId::new(id), batch.map(BatchId::new))
        }));
    }
    Ok(held)
}

/// Rows per multi-row INSERT of an upload. Statements of exactly this many rows stay prepared in
/// the driver's statement cache (one for outcomes, one for decisions), so SQLite parses each
/// once per connection instead of once per call; a call's last, shorter statement is built for
/// that call only (`persistent(false)`), so the cache never holds one program per row count.
const ROWS_PER_INSERT: usize = 128;
const _: () = assert!(ROWS_PER_INSERT * (OUTCOME_FIELDS_WIDTH + 1) <= BULK_VALUES);
const _: () = assert!(ROWS_PER_INSERT * DECISION_FIELDS_WIDTH <= BULK_VALUES);

/// Stores the rows `provider` has not submitted yet, each with its automatic decision, and
/// answers one [`Written`] per row, in order. All rows are `provider`'s, their external ids
/// distinct (the callers check).
///
/// Runs inside a transaction of the writer connection, the only connection that writes: what
/// is held cannot change between finding it and inserting the rest, so the new rows get their
/// ids here (one past the highest) and are inserted without `RETURNING`, whose rows the driver
/// would hand across threads one at a time.
pub(crate) async fn store_outcomes(
    conn: &mut SqliteConnection,
    provider: InstitutionId,
    batch: Option<BatchId>,
    rows: &[NewOutcome],
) -> StoreResult<Vec<Written>> {
    let external_ids: Vec<&str> = rows.iter().map(|row| row.external_id.as_str()).collect();
    let held: HashMap<String, (OutcomeId, Option<BatchId>)> =
        held_outcomes(conn, provider, &external_ids)
            .await?
            .into_iter()
            .map(|(external_id, id, by)| (external_id, (id, by)))
            .collect();
    let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM outcomes")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    let mut written = Vec::with_capacity(rows.len());
    let mut new_rows: Vec<(i64, &NewOutcome)> = Vec::with_capacity(rows.len());
    for row in rows {
        written.push(match held.get(row.external_id.as_str()) {
            Some((id, by)) if batch.is_some() && *by == batch => Written::RepeatedInBatch(*id),
            Some((id, _)) => Written::AlreadyStored(*id),
            None => {
                new_rows.push((next_id, row));
                next_id += 1;
                Written::Stored(OutcomeId::new(next_id - 1))
            }
        });
    }
    for chunk in new_rows.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(concat!(
            "INSERT INTO outcomes (id, ",
            outcome_fields!(),
            ") "
        ));
        query.push_values(chunk, |mut values, (id, row)| {
            values.push_bind(*id);
            push_new_outcome(&mut values, row, batch);
        });
        query
            .build()
            .persistent(chunk.len() == ROWS_PER_INSERT)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }

    let automatic: Vec<(OutcomeId, &NewOutcome, &AutomaticRecognition)> = rows
        .iter()
        .zip(&written)
        .filter_map(|(row, written)| match (written, &row.automatic) {
            (Written::Stored(id), Some(automatic)) => Some((*id, row, automatic)),
            _ => None,
        })
        .collect();
    for chunk in automatic.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(concat!(
            "INSERT INTO recognition_decisions (",
            decision_fields!(),
            ") "
        ));
        query.push_values(chunk, |mut values, (id, row, automatic)| {
            push_decision_fields(
                &mut values,
                *id,
                row.submitted_at,
                &DecisionBasis::from(automatic.rule),
                Some(&automatic.grant),
                &automatic.reason,
            );
        });
        query
            .build()
            .persistent(chunk.len() == ROWS_PER_INSERT)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(written)
}

// ---- reading rows -------------------------------------------------------------------------------

impl Cells<'_> {
    /// The grant columns (category, level, credits, valid_until): all of the first three when
    /// `granted`, none of the four otherwise.
    fn grant(&self, granted: bool) -> StoreResult<Option<Grant>> {
        let category = self.opt_text("category", OutcomeCategory::parse)?;
        let level = self.opt_number("level", level)?;
        let credits = self.opt_number("credits", credits)?;
        let valid_until = self.opt_text("valid_until", date)?;
        match (granted, category, level, credits) {
            (true, Some(category), Some(level), Some(credits)) => Ok(Some(Grant {
                category,
                level,
                credits,
                valid_until,
            })),
            (false, None, None, None) if valid_until.is_none() => Ok(None),
            (true, ..) => Err(self.corrupt(
                "category",
                "a recognition without its category, level and credits",
            )),
            (false, ..) => Err(self.corrupt("category", "a grant without a recognition")),
        }
    }
}

fn level(value: i64) -> Result<FrameworkLevel, String> {
    u8::try_from(value)
        .map_err(|_| format!("there is no level {value}"))
        .and_then(|level| FrameworkLevel::new(level).map_err(|invalid| invalid.to_string()))
}

fn hours(value: i64) -> Result<ContactHours, String> {
    u32::try_from(value)
        .ok()
        .and_then(ContactHours::from_tenths)
        .ok_or_else(|| format!("{value} tenths are not contact hours"))
}

fn validity(months: i64) -> Result<ValidityTerm, String> {
    u16::try_from(months)
        .map_err(|_| format!("{months} months is not a validity"))
        .and_then(|months| ValidityTerm::months(months).map_err(|invalid| invalid.to_string()))
}

fn count(value: i64) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("{value} is not a count"))
}

fn status(text: &str) -> Result<OutcomeStatus, String> {
    OutcomeStatus::parse(text).ok_or_else(|| format!("'{text}' is not a status"))
}

fn evidence_from_json(text: &str) -> Result<Vec<Evidence>, String> {
    let items: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|error| error.to_string())?;
    items
        .iter()
        .map(|item| {
            let kind = item
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .ok_or("an item has no kind")?;
            let reference = item
                .get("reference")
                .and_then(serde_json::Value::as_str)
                .ok_or("an item has no reference")?;
            let kind = EvidenceKind::parse(kind).map_err(|invalid| invalid.to_string())?;
            Evidence::parse(kind, reference).map_err(|invalid| invalid.to_string())
        })
        .collect()
}

fn outcome(row: &SqliteRow) -> StoreResult<OutcomeRecord> {
    let id = row_id(row, "outcomes", "id")?;
    let cells = Cells::new(row, "outcomes", format!("id {id}"));
    let status = cells.text("status", status)?;
    Ok(OutcomeRecord {
        id: OutcomeId::new(id),
        learner: LearnerId::new(cells.get("learner_id")?),
        external_id: cells.get("external_id")?,
        submitted: SubmittedOutcome {
            provider: InstitutionId::new(cells.get("provider_id")?),
            kind: cells.text("kind", OutcomeKind::parse)?,
            title: cells.text("title", OutcomeTitle::parse)?,
            hours: cells.opt_number("hours_tenths", hours)?,
            grade: cells.opt_text("grade", VocationalGrade::parse)?,
            field: cells.opt_text("field", Field::parse)?,
            achieved_on: cells.text("achieved_on", date)?,
            score: cells.opt_text("score", Score::parse)?,
            evidence: cells.text("evidence", evidence_from_json)?,
        },
        status,
        grant: cells.grant(status == OutcomeStatus::Recognised)?,
        submitted_at: cells.timestamp("submitted_at")?,
        submitted_by: cells.get::<Option<i64>>("submitted_by")?.map(UserId::new),
        batch: cells.get::<Option<i64>>("batch_id")?.map(BatchId::new),
    })
}

fn decision(row: &SqliteRow) -> StoreResult<DecisionRecord> {
    let id = row_id(row, "recognition_decisions", "id")?;
    let cells = Cells::new(row, "recognition_decisions", format!("id {id}"));
    let specification = match (
        cells.get::<Option<i64>>("specification_id")?,
        cells.opt_number("specification_version", version)?,
    ) {
        (Some(id), Some(version)) => Some((SpecificationId::new(id), version)),
        (None, None) => None,
        _ => {
            return Err(cells.corrupt(
                "specification_version",
                "a specification without its version or a version without its specification",
            ));
        }
    };
    let basis = DecisionBasis::from_columns(BasisColumns {
        reviewer: cells.get::<Option<i64>>("reviewer_id")?.map(UserId::new),
        specification,
        general_rule: cells.get("general_rule")?,
    })
    .map_err(|(column, why)| cells.corrupt(column, why))?;
    let accepted: bool = cells.get("accepted")?;
    Ok(DecisionRecord {
        id: DecisionId::new(id),
        outcome: OutcomeId::new(cells.get("outcome_id")?),
        decided_at: cells.timestamp("decided_at")?,
        basis,
        grant: cells.grant(accepted)?,
        reason: cells.get("reason")?,
    })
}

fn specification_version(row: &SqliteRow) -> StoreResult<SpecificationVersion> {
    let id = row_id(row, "outcome_specification_versions", "specification_id")?;
    let number: i64 = row_id(row, "outcome_specification_versions", "version")?;
    let cells = Cells::new(
        row,
        "outcome_specification_versions",
        format!("specification {id} version {number}"),
    );
    Ok(SpecificationVersion {
        id: SpecificationId::new(id),
        provider: InstitutionId::new(cells.get("provider_id")?),
        code: cells.get("code")?,
        version: cells.number("version", version)?,
        content: SpecificationContent {
            kind: cells.text("kind", OutcomeKind::parse)?,
            category: cells.text("category", OutcomeCategory::parse)?,
            title: cells.text("title", OutcomeTitle::parse)?,
            hours: cells.opt_number("hours_tenths", hours)?,
            grade: cells.opt_text("grade", VocationalGrade::parse)?,
            level: cells.number("level", level)?,
            credits: cells.number("credits", credits)?,
            field: cells.opt_text("field", Field::parse)?,
            validity: cells
                .opt_number("validity_months", validity)?
                .unwrap_or(ValidityTerm::INDEFINITE),
        },
        published_at: cells.timestamp("published_at")?,
        published_by: cells.get::<Option<i64>>("published_by")?.map(UserId::new),
    })
}

fn batch_record(row: &SqliteRow) -> StoreResult<BatchRecord> {
    let id = row_id(row, "outcome_batches", "id")?;
    let cells = Cells::new(row, "outcome_batches", format!("id {id}"));
    Ok(BatchRecord {
        id: BatchId::new(id),
        provider: InstitutionId::new(cells.get("provider_id")?),
        submitted_by: cells.get::<Option<i64>>("submitted_by")?.map(UserId::new),
        submitted_at: cells.timestamp("submitted_at")?,
        file_name: cells.get("file_name")?,
        all_or_nothing: cells.get("all_or_nothing")?,
        rows_total: cells.number("rows_total", count)?,
        rows_stored: cells.number("rows_stored", count)?,
    })
}

// ---- the store ------------------------------------------------------------------------------------

/// One open upload: the batch's transaction on the writer connection, held until [`commit`]
/// (or rolled back when dropped).
///
/// [`commit`]: OutcomeBatchWriter::commit
#[derive(Debug)]
struct SqliteBatchWriter {
    id: BatchId,
    provider: InstitutionId,
    stored: u64,
    /// A call failed in the database part-way: the batch can only be dropped.
    failed: bool,
    tx: Transaction<'static, Sqlite>,
}

impl SqliteBatchWriter {
    fn refuse_if_failed(&self) -> StoreResult<()> {
        if self.failed {
            return Err(StoreError::Conflict { field: "batch" });
        }
        Ok(())
    }
}

#[async_trait]
impl OutcomeBatchWriter for SqliteBatchWriter {
    fn id(&self) -> BatchId {
        self.id
    }

    async fn write(&mut self, rows: &[NewOutcome]) -> StoreResult<Vec<Written>> {
        self.refuse_if_failed()?;
        if let Some((index, row)) = rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.submitted.provider != self.provider)
        {
            return Err(StoreError::Invalid {
                field: "provider",
                reason: format!(
                    "row {} is an outcome of provider {}, but the batch is provider {}'s",
                    index + 1,
                    row.submitted.provider.get(),
                    self.provider.get()
                ),
            });
        }
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        if let Some(row) = rows
            .iter()
            .find(|row| !seen.insert(row.external_id.as_str()))
        {
            return Err(StoreError::Invalid {
                field: "external_id",
                reason: format!("outcome {} is given twice", row.external_id),
            });
        }
        // No savepoint (see the trait): a failure here makes the batch unusable instead.
        self.failed = true;
        let written = store_outcomes(&mut self.tx, self.provider, Some(self.id), rows).await?;
        self.failed = false;
        self.stored += written
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
        let mut writer = *self;
        let total = i64::try_from(rows_total)
            .ok()
            .filter(|_| rows_total >= writer.stored)
            .ok_or_else(|| StoreError::Invalid {
                field: "rows_total",
                reason: format!(
                    "the batch stored {} rows, so it held at least as many, not {rows_total}",
                    writer.stored
                ),
            })?;
        let row = sqlx::query(concat!(
            "UPDATE outcome_batches SET rows_total = ?, rows_stored = ? WHERE id = ? RETURNING ",
            batch_columns!()
        ))
        .bind(total)
        .bind(writer.stored as i64)
        .bind(writer.id.get())
        .fetch_one(&mut *writer.tx)
        .await
        .map_err(db_error)?;
        let batch = batch_record(&row)?;
        write_audit(&mut writer.tx, &audit.about(writer.id)).await?;
        writer.tx.commit().await.map_err(db_error)?;
        Ok(batch)
    }
}

/// Outcome specifications, their versions in `outcome_specification_versions`.
const SPECIFICATIONS: Versioned = Versioned {
    what: "specification",
    create: "INSERT INTO outcome_specifications (provider_id, code, created_at) \
             VALUES (?, ?, ?) RETURNING id",
    latest: "SELECT (SELECT max(version) FROM outcome_specification_versions \
             WHERE specification_id = s.id) FROM outcome_specifications s WHERE s.id = ?",
};

#[async_trait]
impl OutcomeStore for SqliteStore {
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
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let (id, number) = SPECIFICATIONS
            .next_version(&mut tx, target, published_at)
            .await?;
        sqlx::query(
            "INSERT INTO outcome_specification_versions (specification_id, version, kind, \
             category, title, hours_tenths, grade, level, credits, field, validity_months, \
             published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(i64::from(number.get()))
        .bind(content.kind.as_str())
        .bind(content.category.as_str())
        .bind(content.title.as_str())
        .bind(content.hours.map(|hours| i64::from(hours.tenths())))
        .bind(content.grade.map(VocationalGrade::as_str))
        .bind(i64::from(content.level.get()))
        .bind(content.credits.hundredths() as i64)
        .bind(content.field.as_ref().map(Field::to_string))
        .bind(content.validity.as_months().map(i64::from))
        .bind(micros(published_at))
        .bind(published_by.map(UserId::get))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((SpecificationId::new(id), number))
    }

    async fn list_specification_versions(&self) -> StoreResult<Vec<SpecificationVersion>> {
        let mut query = QueryBuilder::<Sqlite>::new(SPECIFICATION_SELECT);
        query.push(" ORDER BY v.specification_id, v.version");
        fetch_decoded(&self.read, query.build(), specification_version).await
    }

    async fn specification_history(
        &self,
        id: SpecificationId,
    ) -> StoreResult<Vec<SpecificationVersion>> {
        let mut query = QueryBuilder::<Sqlite>::new(SPECIFICATION_SELECT);
        query
            .push(" WHERE v.specification_id = ")
            .push_bind(id.get())
            .push(" ORDER BY v.version");
        let versions = fetch_decoded(&self.read, query.build(), specification_version).await?;
        if versions.is_empty() {
            return Err(StoreError::NotFound {
                what: "specification",
            });
        }
        Ok(versions)
    }

    async fn submit_outcome(
        &self,
        outcome: &NewOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let written = store_outcomes(
            &mut tx,
            outcome.submitted.provider,
            None,
            std::slice::from_ref(outcome),
        )
        .await?;
        let Some(&written) = written.first() else {
            return Err(StoreError::Backend(
                "outcomes: one row handed in, no answer handed back".into(),
            ));
        };
        match written {
            Written::Stored(id) => {
                write_audit(&mut tx, &audit.about(id)).await?;
                tx.commit().await.map_err(db_error)?;
            }
            // Nothing was written: dropping the transaction ends it. (Outside a batch nothing
            // is repeated in one.)
            Written::AlreadyStored(_) | Written::RepeatedInBatch(_) => {}
        }
        Ok(written)
    }

    async fn begin_batch(&self, batch: &NewBatch) -> StoreResult<Box<dyn OutcomeBatchWriter>> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outcome_batches (provider_id, submitted_by, submitted_at, file_name, \
             all_or_nothing, rows_total, rows_stored) VALUES (?, ?, ?, ?, ?, 0, 0) RETURNING id",
        )
        .bind(batch.provider.get())
        .bind(batch.submitted_by.map(UserId::get))
        .bind(micros(batch.submitted_at))
        .bind(&batch.file_name)
        .bind(batch.all_or_nothing)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        Ok(Box::new(SqliteBatchWriter {
            id: BatchId::new(id),
            provider: batch.provider,
            stored: 0,
            failed: false,
            tx,
        }))
    }

    async fn get_batch(&self, id: BatchId) -> StoreResult<BatchRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM outcome_batches WHERE id = ?"
        ))
        .bind(id.get())
        .fetch_one(&self.read)
        .await
        .map_err(not_found("batch"))?;
        batch_record(&row)
    }

    async fn batch_recognised(
        &self,
        batch: BatchId,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<(LearnerId, OutcomeId)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT learner_id, id FROM outcomes \
             WHERE batch_id = ? AND status = 'recognised' AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(batch.get())
        .bind(after.map_or(0, OutcomeId::get))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?;
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
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?;
        Ok(ids.into_iter().map(BatchId::new).collect())
    }

    async fn record_batch_follow_up(&self, batch: BatchId, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO batch_follow_ups (batch_id, done_at) VALUES (?, ?) \
             ON CONFLICT (batch_id) DO NOTHING",
        )
        .bind(batch.get())
        .bind(micros(at))
        .execute(&self.write)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound { what: "batch" }
            }
            _ => db_error(error),
        })?;
        Ok(())
    }

    async fn find_outcomes_by_external_id(
        &self,
        provider: InstitutionId,
        external_ids: &[String],
    ) -> StoreResult<Vec<(String, OutcomeId)>> {
        let external_ids: Vec<&str> = external_ids.iter().map(String::as_str).collect();
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        held_outcomes(&mut conn, provider, &external_ids)
            .await
            .map(|held| {
                held.into_iter()
                    .map(|(external_id, id, _)| (external_id, id))
                    .collect()
            })
    }

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<OutcomeRecord> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {OUTCOME_COLUMNS} FROM outcomes"));
        query.push(" WHERE id = ").push_bind(id.get());
        let row = query
            .build()
            .fetch_one(&self.read)
            .await
            .map_err(not_found("outcome"))?;
        outcome(&row)
    }

    async fn list_learner_outcomes(&self, learner: LearnerId) -> StoreResult<Vec<OutcomeRecord>> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {OUTCOME_COLUMNS} FROM outcomes"));
        query
            .push(" WHERE learner_id = ")
            .push_bind(learner.get())
            .push(" ORDER BY achieved_on, id");
        fetch_decoded(&self.read, query.build(), outcome).await
    }

    async fn outcomes_awaiting_credential(
        &self,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<OutcomeRecord>> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {OUTCOME_COLUMNS} FROM outcomes"));
        query
            .push(" WHERE status = 'recognised' AND id > ")
            .push_bind(after.map_or(0, OutcomeId::get))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM issued_credentials AS issued \
                 WHERE issued.outcome_id = outcomes.id) ORDER BY id LIMIT ",
            )
            .push_bind(i64::from(limit));
        fetch_decoded(&self.read, query.build(), outcome).await
    }

    async fn review_queue(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<OutcomeRecord>> {
        fetch_page(
            &self.read,
            OUTCOME_COLUMNS,
            "outcomes",
            |query| {
                // A literal, so the planner can use the partial index outcomes_review_queue.
                query.push(" AND status = 'in_review'");
                if let Some(provider) = filter.provider {
                    query.push(" AND provider_id = ").push_bind(provider.get());
                }
                if let Some(kind) = filter.kind {
                    query.push(" AND kind = ").push_bind(kind.as_str());
                }
            },
            "submitted_at, id",
            page,
            outcome,
        )
        .await
    }

    async fn record_decision(
        &self,
        decision: &NewDecision,
        audit: &AuditEvent,
    ) -> StoreResult<DecisionId> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        require_open(
            &mut tx,
            "SELECT status FROM outcomes WHERE id = ?",
            decision.outcome.get(),
            OutcomeStatus::InReview.as_str(),
            "outcome",
        )
        .await?;
        let mut insert = QueryBuilder::<Sqlite>::new(concat!(
            "INSERT INTO recognition_decisions (",
            decision_fields!(),
            ") "
        ));
        insert.push_values(std::iter::once(decision), |mut values, decision| {
            push_decision_fields(
                &mut values,
                decision.outcome,
                decision.decided_at,
                &decision.basis,
                decision.grant.as_ref(),
                &decision.reason,
            );
        });
        insert.push(" RETURNING id");
        let id: i64 = insert
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        let status = if decision.grant.is_some() {
            OutcomeStatus::Recognised
        } else {
            OutcomeStatus::Rejected
        };
        let (category, level, credits, valid_until) = grant_columns(decision.grant.as_ref());
        sqlx::query(
            "UPDATE outcomes SET status = ?, category = ?, level = ?, credits = ?, \
             valid_until = ? WHERE id = ? AND status = 'in_review'",
        )
        .bind(status.as_str())
        .bind(category)
        .bind(level)
        .bind(credits)
        .bind(valid_until)
        .bind(decision.outcome.get())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(decision.outcome)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(DecisionId::new(id))
    }

    async fn list_decisions(&self, outcome: OutcomeId) -> StoreResult<Vec<DecisionRecord>> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {DECISION_SELECT} FROM recognition_decisions d"
        ));
        query
            .push(" WHERE d.outcome_id = ")
            .push_bind(outcome.get())
            .push(" ORDER BY d.decided_at, d.id");
        fetch_decoded(&self.read, query.build(), decision).await
    }

    async fn list_learner_decisions(&self, learner: LearnerId) -> StoreResult<Vec<DecisionRecord>> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {DECISION_SELECT} FROM recognition_decisions d \
             JOIN outcomes o ON o.id = d.outcome_id"
        ));
        query
            .push(" WHERE o.learner_id = ")
            .push_bind(learner.get())
            .push(" ORDER BY d.decided_at, d.id");
        fetch_decoded(&self.read, query.build(), decision).await
    }

    async fn load_outcomes(&self, rows: &[OutcomeRecord]) -> StoreResult<()> {
        bulk_insert(
            self,
            concat!("outcomes (id, ", outcome_fields!(), ")"),
            rows,
            |values, row| {
                values.push_bind(row.id.get());
                push_outcome_fields(
                    values,
                    row.learner,
                    &row.external_id,
                    &row.submitted,
                    row.status,
                    row.grant.as_ref(),
                    row.submitted_at,
                    row.submitted_by,
                    row.batch,
                );
            },
        )
        .await
    }

    async fn load_decisions(&self, rows: &[DecisionRecord]) -> StoreResult<()> {
        // recognition_decisions is AUTOINCREMENT: SQLite moves its sequence past the largest id
        // inserted, so later decisions never reuse a loaded id.
        bulk_insert(
            self,
            concat!("recognition_decisions (id, ", decision_fields!(), ")"),
            rows,
            |values, row| {
                values.push_bind(row.id.get());
                push_decision_fields(
                    values,
                    row.outcome,
                    row.decided_at,
                    &row.basis,
                    row.grant.as_ref(),
                    &row.reason,
                );
            },
        )
        .await
    }
}
