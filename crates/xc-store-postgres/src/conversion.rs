//! [`ConversionStore`] on PostgreSQL: target programmes, their conversion rules (versioned, the
//! body kept whole as JSONB) and learners' conversion applications with their lines. Every
//! change runs with its audit entry in one transaction. Rule versions are only ever inserted
//! (a trigger of migration 0002 refuses anything else), and publishing the next version locks
//! its rule so two publishers take consecutive numbers. Deciding locks the application
//! (`SELECT ... FOR UPDATE`), so of two staff deciding at once one wins and the other sees it
//! decided; the partial unique index `conversion_applications_one_open` keeps one open
//! application per learner and programme even when two are created at once. Reads of
//! applications run in one read-only REPEATABLE READ snapshot, so an application and its lines
//! are always seen as of the same moment. Decoding rows lives in `conversion_codec.rs`.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder, Transaction};
use time::OffsetDateTime;
use xc_domain::credit::{ApplicationId, ConversionRuleId, Credits, ProgrammeId, Version};
use xc_domain::{LearnerId, UserId};
use xc_store::{
    ApplicationDecision, ApplicationLine, ApplicationRecord, ApplicationStatus, AuditEvent,
    ConversionRuleVersion, ConversionStore, NewApplication, NewProgramme, PageRequest, Paged,
    ProgrammeRecord, RuleTarget, StoreError, StoreResult,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::{credits_column, get, integer, not_found, version_column};
use crate::conversion_codec::{
    application_columns, application_from_row, line_columns, line_from_row, outcome_ids_json,
    programme_columns, programme_from_row, rule_version_columns, rule_version_from_row,
};
use crate::error::store_error;
use crate::queries::{fetch_page_rows, lock_row};
use crate::versions::{Target, Versioned};

/// Conversion rules, their versions in `conversion_rule_versions`. A new rule is only created
/// under a programme that exists, so an unknown programme is `NotFound`, as an unknown rule is,
/// rather than the foreign key's `Invalid`.
const RULES: Versioned = Versioned {
    what: "rule",
    owner: "programme",
    create: "INSERT INTO conversion_rules (programme_id, code, created_at) \
             SELECT $1, $2, $3 FROM programmes WHERE id = $1 RETURNING id",
    lock: "SELECT id FROM conversion_rules WHERE id = $1 FOR UPDATE",
    next: "SELECT COALESCE(MAX(version), 0) + 1 FROM conversion_rule_versions WHERE rule_id = $1",
};

impl PgStore {
    /// A read-only transaction whose statements all see one snapshot: an application and its
    /// lines are read by two statements, and a decision committed between them would otherwise
    /// show a proposed application with kept marks on its lines.
    async fn snapshot(&self) -> StoreResult<Transaction<'static, Postgres>> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        Ok(transaction)
    }

    /// The applications `statement` selects (their `application_columns!()`, `$1` bound to
    /// `value`), each with its lines, read in one snapshot.
    async fn applications(
        &self,
        statement: &'static str,
        value: i64,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        let mut snapshot = self.snapshot().await?;
        let rows = sqlx::query(statement)
            .bind(value)
            .fetch_all(&mut *snapshot)
            .await
            .map_err(store_error)?;
        let applications = applications_with_lines(&mut snapshot, &rows).await?;
        snapshot.commit().await.map_err(store_error)?;
        Ok(applications)
    }
}

/// Reads the lines of the applications in `rows` and puts each application together.
async fn applications_with_lines(
    connection: &mut PgConnection,
    rows: &[PgRow],
) -> StoreResult<Vec<ApplicationRecord>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = rows
        .iter()
        .map(|row| get::<i64>(row, "id"))
        .collect::<StoreResult<Vec<_>>>()?;
    let line_rows = sqlx::query(concat!(
        "SELECT ",
        line_columns!(),
        " FROM conversion_lines WHERE application_id = ANY($1::bigint[]) \
              ORDER BY application_id, line_no"
    ))
    .bind(&ids)
    .fetch_all(&mut *connection)
    .await
    .map_err(store_error)?;
    let mut lines: HashMap<ApplicationId, Vec<ApplicationLine>> = HashMap::new();
    for row in &line_rows {
        let (application, line) = line_from_row(row)?;
        lines.entry(application).or_default().push(line);
    }
    rows.iter()
        .zip(ids)
        .map(|(row, id)| {
            application_from_row(
                row,
                lines.remove(&ApplicationId::new(id)).unwrap_or_default(),
            )
        })
        .collect()
}

/// An approval's kept lines as the numbers to mark, and the sum of their credits (hundredths),
/// from the application's `lines` as (number, credits): `Invalid { field: "lines" }` when a
/// kept line is not one of them or the sum is more than credits can be.
fn approved_lines(
    application: ApplicationId,
    lines: Vec<(i32, i64)>,
    kept_lines: &[u32],
) -> StoreResult<(Vec<i32>, i64)> {
    let credits_of: HashMap<u32, i64> = lines
        .into_iter()
        .filter_map(|(line_no, credits)| Some((u32::try_from(line_no).ok()?, credits)))
        .collect();
    let kept: BTreeSet<u32> = kept_lines.iter().copied().collect();
    if let Some(unknown) = kept.iter().find(|line| !credits_of.contains_key(line)) {
        return Err(StoreError::Invalid {
            field: "lines",
            reason: format!("application {application} has no line {unknown}"),
        });
    }
    let sum = kept
        .iter()
        .try_fold(0i64, |sum, line| sum.checked_add(credits_of[line]))
        .filter(|sum| {
            u64::try_from(*sum)
                .ok()
                .and_then(Credits::from_hundredths)
                .is_some()
        })
        .ok_or_else(|| StoreError::Invalid {
            field: "lines",
            reason: "the kept lines' credits add up to more than can be stored".to_owned(),
        })?;
    let kept = kept
        .into_iter()
        .map(|line| integer(line, "lines"))
        .collect::<StoreResult<Vec<i32>>>()?;
    Ok((kept, sum))
}

#[async_trait]
impl ConversionStore for PgStore {
    async fn create_programme(
        &self,
        programme: &NewProgramme,
        audit: &AuditEvent,
    ) -> StoreResult<ProgrammeId> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO programmes (institution_id, code, name, max_credits) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(programme.institution.get())
        .bind(&programme.code)
        .bind(&programme.name)
        .bind(credits_column(programme.max_credits)?)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(ProgrammeId::new(id))
    }

    async fn list_programmes(&self) -> StoreResult<Vec<ProgrammeRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            programme_columns!(),
            " FROM programmes ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(programme_from_row).collect()
    }

    async fn get_programme(&self, id: ProgrammeId) -> StoreResult<ProgrammeRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            programme_columns!(),
            " FROM programmes WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("programme"))?;
        programme_from_row(&row)
    }

    async fn publish_conversion_rule(
        &self,
        target: &RuleTarget,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<(ConversionRuleId, Version)> {
        let target = match target {
            RuleTarget::New { programme, code } => Target::New {
                owner: programme.get(),
                code,
            },
            RuleTarget::Existing(id) => Target::Existing(id.get()),
        };
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let (id, version) = RULES
            .next_version(&mut transaction, target, published_at)
            .await?;
        sqlx::query(
            "INSERT INTO conversion_rule_versions (rule_id, version, body, published_at, \
             published_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(version_column(version)?)
        .bind(Json(body))
        .bind(published_at)
        .bind(published_by.map(|user| user.get()))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok((ConversionRuleId::new(id), version))
    }

    async fn list_conversion_rule_versions(&self) -> StoreResult<Vec<ConversionRuleVersion>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            rule_version_columns!(),
            " FROM conversion_rules AS r \
              JOIN conversion_rule_versions AS v ON v.rule_id = r.id \
              ORDER BY r.id, v.version"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(rule_version_from_row).collect()
    }

    async fn create_application(
        &self,
        application: &NewApplication,
        audit: &AuditEvent,
    ) -> StoreResult<ApplicationId> {
        // Every value is checked before anything is written.
        let count = application.lines.len();
        let mut line_no = Vec::with_capacity(count);
        let mut rule_id = Vec::with_capacity(count);
        let mut rule_version = Vec::with_capacity(count);
        let mut outcome_ids = Vec::with_capacity(count);
        let mut grant_body = Vec::with_capacity(count);
        let mut credits = Vec::with_capacity(count);
        for (index, line) in application.lines.iter().enumerate() {
            let number = u32::try_from(index + 1).map_err(|_| StoreError::Invalid {
                field: "lines",
                reason: format!("{count} lines are too many to store"),
            })?;
            line_no.push(integer(number, "lines")?);
            rule_id.push(line.rule.get());
            rule_version.push(version_column(line.rule_version)?);
            outcome_ids.push(outcome_ids_json(&line.outcomes));
            grant_body.push(line.grant.to_string());
            credits.push(credits_column(line.credits)?);
        }
        let proposed_credits = credits_column(application.proposed_credits)?;

        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversion_applications (learner_id, programme_id, status, applied_at, \
             made_on, proposal, proposed_credits) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(application.learner.get())
        .bind(application.programme.get())
        .bind(ApplicationStatus::Proposed.as_str())
        .bind(application.applied_at)
        .bind(application.made_on)
        .bind(Json(&application.proposal))
        .bind(proposed_credits)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        if !application.lines.is_empty() {
            sqlx::query(
                "INSERT INTO conversion_lines (application_id, line_no, rule_id, rule_version, \
                 outcome_ids, grant_body, credits) \
                 SELECT $1, line_no, rule_id, rule_version, outcome_ids::jsonb, \
                        grant_body::jsonb, credits \
                 FROM UNNEST($2::integer[], $3::bigint[], $4::integer[], $5::text[], \
                             $6::text[], $7::bigint[]) \
                      AS new_lines (line_no, rule_id, rule_version, outcome_ids, grant_body, \
                                    credits)",
            )
            .bind(id)
            .bind(&line_no)
            .bind(&rule_id)
            .bind(&rule_version)
            .bind(&outcome_ids)
            .bind(&grant_body)
            .bind(&credits)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        }
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(ApplicationId::new(id))
    }

    async fn get_application(&self, id: ApplicationId) -> StoreResult<ApplicationRecord> {
        self.applications(
            concat!(
                "SELECT ",
                application_columns!(),
                " FROM conversion_applications WHERE id = $1"
            ),
            id.get(),
        )
        .await?
        .pop()
        .ok_or_else(|| not_found("application"))
    }

    async fn list_learner_applications(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        self.applications(
            concat!(
                "SELECT ",
                application_columns!(),
                " FROM conversion_applications WHERE learner_id = $1 ORDER BY applied_at, id"
            ),
            learner.get(),
        )
        .await
    }

    async fn list_open_applications(
        &self,
        page: PageRequest,
    ) -> StoreResult<Paged<ApplicationRecord>> {
        let mut snapshot = self.snapshot().await?;
        let Paged { items: rows, total } = fetch_page_rows(
            &mut snapshot,
            // A literal status, so the planner can use the partial index of open applications.
            |select| {
                QueryBuilder::new(format!(
                    "SELECT {select} FROM conversion_applications WHERE status = 'proposed'"
                ))
            },
            application_columns!(),
            "applied_at, id",
            page,
        )
        .await?;
        let items = applications_with_lines(&mut snapshot, &rows).await?;
        snapshot.commit().await.map_err(store_error)?;
        Ok(Paged { items, total })
    }

    async fn decide_application(
        &self,
        decision: &ApplicationDecision,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let application = decision.application;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // The lock holds off a second decision until this one is committed; that one then sees
        // the new status and gets the conflict.
        let current: String = lock_row(
            &mut transaction,
            "SELECT status FROM conversion_applications WHERE id = $1 FOR UPDATE",
            application.get(),
            "application",
        )
        .await?;
        if current != ApplicationStatus::Proposed.as_str() {
            return Err(StoreError::Conflict { field: "status" });
        }

        let (status, kept, approved_credits) = if decision.approve {
            let lines: Vec<(i32, i64)> = sqlx::query_as(
                "SELECT line_no, credits FROM conversion_lines WHERE application_id = $1",
            )
            .bind(application.get())
            .fetch_all(&mut *transaction)
            .await
            .map_err(store_error)?;
            let (kept, sum) = approved_lines(application, lines, &decision.kept_lines)?;
            (ApplicationStatus::Approved, kept, Some(sum))
        } else {
            (ApplicationStatus::Rejected, Vec::new(), None)
        };

        sqlx::query(
            "UPDATE conversion_lines SET kept = (line_no = ANY($2::integer[])) \
             WHERE application_id = $1",
        )
        .bind(application.get())
        .bind(&kept)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE conversion_applications SET status = $2, decided_at = $3, decided_by = $4, \
             approved_credits = $5, decision_reason = $6 WHERE id = $1",
        )
        .bind(application.get())
        .bind(status.as_str())
        .bind(decision.decided_at)
        .bind(decision.decided_by.get())
        .bind(approved_credits)
        .bind(&decision.reason)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(application)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_marks_each_kept_line_once_and_sums_its_credits() {
        let application = ApplicationId::new(4);
        let lines = || vec![(1, 400), (2, 250), (3, 100)];
        assert_eq!(
            approved_lines(application, lines(), &[3, 1, 3]).unwrap(),
            (vec![1, 3], 500)
        );
        assert_eq!(
            approved_lines(application, lines(), &[]).unwrap(),
            (vec![], 0)
        );
        for (lines, kept) in [
            (lines(), vec![1, 4]),
            (vec![(1, i64::MAX), (2, 1)], vec![1, 2]),
            (vec![(1, -1)], vec![1]),
        ] {
            let error = approved_lines(application, lines, &kept).unwrap_err();
            assert!(
                matches!(error, StoreError::Invalid { field: "lines", .. }),
                "{kept:?}: {error:?}"
            );
        }
    }
}
