//! Target programmes, conversion rules (versioned) and learners' conversion applications on
//! SQLite ([`ConversionStore`]). It owns the SQL of `programmes`, `conversion_rules` and
//! `conversion_rule_versions` (migration 0002) and of `conversion_applications` and
//! `conversion_lines` (migration 0004), and the conversions between their rows and the credit
//! records of `xc-store`.
//!
//! - A rule's body, an application's proposal, a line's outcome ids and its grant are TEXT
//!   holding JSON, written and read back whole; the store never looks inside them.
//! - An application is read with its lines inside one read transaction: WAL gives the two
//!   queries one snapshot, so a decision committed in between cannot show an open application
//!   with decided lines.
//! - A decision takes the write lock first (`BEGIN IMMEDIATE`), then checks the application is
//!   still open, marks the lines, records the decision and its audit entry, all or nothing.
//! - At most one open application per learner and programme is the partial unique index
//!   `conversion_applications_one_open`; its violation is `Conflict { field: "programme" }`.
//! - A stored row that no longer parses into domain types is a `StoreError::Backend` naming the
//!   table, the column and the row.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use xc_domain::credit::{
    ApplicationId, ConversionRuleId, Credits, OutcomeId, ProgrammeId, Version,
};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    ApplicationDecision, ApplicationLine, ApplicationRecord, ApplicationStatus, AuditEvent,
    ConversionRuleVersion, ConversionStore, NewApplication, NewProgramme, PageRequest, Paged,
    ProgrammeRecord, RuleTarget, StoreError, StoreResult,
};

use crate::SqliteStore;
use crate::rows::{Cells, credits, date, db_error, json, micros, row_id, unique_is, version};
use crate::stores::{
    BULK_VALUES, column_count, fetch_decoded, fetch_page_on, not_found, require_open, write_audit,
};
use crate::versions::{Target, Versioned};

const PROGRAMME_SELECT: &str = "SELECT id, institution_id, code, name, max_credits FROM programmes";

const RULE_VERSION_SELECT: &str = "SELECT v.rule_id, r.programme_id, r.code, v.version, v.body, \
    v.published_at, v.published_by FROM conversion_rule_versions v \
    JOIN conversion_rules r ON r.id = v.rule_id";

const APPLICATION_COLUMNS: &str = "id, learner_id, programme_id, status, applied_at, made_on, \
    proposal, proposed_credits, decided_at, decided_by, approved_credits, decision_reason";

const LINE_SELECT: &str = "SELECT application_id, line_no, rule_id, rule_version, outcome_ids, \
    grant_body, credits, kept FROM conversion_lines";

/// The columns of `conversion_lines` a new line binds, in the order [`create_application`] binds
/// them.
///
/// [`create_application`]: ConversionStore::create_application
macro_rules! line_fields {
    () => {
        "application_id, line_no, rule_id, rule_version, outcome_ids, grant_body, credits"
    };
}
const LINE_WIDTH: usize = column_count(line_fields!());

// ---- reading rows -------------------------------------------------------------------------------

fn outcome_ids(text: &str) -> Result<Vec<OutcomeId>, serde_json::Error> {
    serde_json::from_str::<Vec<i64>>(text).map(|ids| ids.into_iter().map(OutcomeId::new).collect())
}

fn application_status(text: &str) -> Result<ApplicationStatus, String> {
    ApplicationStatus::parse(text).ok_or_else(|| format!("'{text}' is not an application status"))
}

fn line_number(value: i64) -> Result<u32, String> {
    u32::try_from(value)
        .ok()
        .filter(|number| *number >= 1)
        .ok_or_else(|| format!("there is no line {value}"))
}

fn programme(row: &SqliteRow) -> StoreResult<ProgrammeRecord> {
    let id = row_id(row, "programmes", "id")?;
    let cells = Cells::new(row, "programmes", format!("id {id}"));
    // Nullable in migration 0002, but every programme this store writes has its maximum.
    let max_credits = cells
        .opt_number("max_credits", credits)?
        .ok_or_else(|| cells.corrupt("max_credits", "a programme without its maximum"))?;
    Ok(ProgrammeRecord {
        id: ProgrammeId::new(id),
        institution: InstitutionId::new(cells.get("institution_id")?),
        code: cells.get("code")?,
        name: cells.get("name")?,
        max_credits,
    })
}

fn rule_version(row: &SqliteRow) -> StoreResult<ConversionRuleVersion> {
    let id = row_id(row, "conversion_rule_versions", "rule_id")?;
    let number = row_id(row, "conversion_rule_versions", "version")?;
    let cells = Cells::new(
        row,
        "conversion_rule_versions",
        format!("rule {id} version {number}"),
    );
    Ok(ConversionRuleVersion {
        id: ConversionRuleId::new(id),
        programme: ProgrammeId::new(cells.get("programme_id")?),
        code: cells.get("code")?,
        version: cells.number("version", version)?,
        body: cells.text("body", json)?,
        published_at: cells.timestamp("published_at")?,
        published_by: cells.get::<Option<i64>>("published_by")?.map(UserId::new),
    })
}

/// An application without its lines (read separately, see [`lines_of`]).
fn application(row: &SqliteRow) -> StoreResult<ApplicationRecord> {
    let id = row_id(row, "conversion_applications", "id")?;
    let cells = Cells::new(row, "conversion_applications", format!("id {id}"));
    Ok(ApplicationRecord {
        id: ApplicationId::new(id),
        learner: LearnerId::new(cells.get("learner_id")?),
        programme: ProgrammeId::new(cells.get("programme_id")?),
        status: cells.text("status", application_status)?,
        applied_at: cells.timestamp("applied_at")?,
        made_on: cells.text("made_on", date)?,
        proposal: cells.text("proposal", json)?,
        proposed_credits: cells.number("proposed_credits", credits)?,
        decided_at: cells.opt_timestamp("decided_at")?,
        decided_by: cells.get::<Option<i64>>("decided_by")?.map(UserId::new),
        approved_credits: cells.opt_number("approved_credits", credits)?,
        decision_reason: cells.get("decision_reason")?,
        lines: Vec::new(),
    })
}

/// One line, with the id of its application.
fn line(row: &SqliteRow) -> StoreResult<(i64, ApplicationLine)> {
    let application = row_id(row, "conversion_lines", "application_id")?;
    let number = row_id(row, "conversion_lines", "line_no")?;
    let cells = Cells::new(
        row,
        "conversion_lines",
        format!("application {application} line {number}"),
    );
    Ok((
        application,
        ApplicationLine {
            line_no: cells.number("line_no", line_number)?,
            rule: ConversionRuleId::new(cells.get("rule_id")?),
            rule_version: cells.number("rule_version", version)?,
            outcomes: cells.text("outcome_ids", outcome_ids)?,
            grant: cells.text("grant_body", json)?,
            credits: cells.number("credits", credits)?,
            kept: cells.get("kept")?,
        },
    ))
}

/// The lines of the applications `ids`, in line order, by application id.
async fn lines_of(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<ApplicationLine>>> {
    let mut lines: HashMap<i64, Vec<ApplicationLine>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(BULK_VALUES) {
        let mut query = QueryBuilder::<Sqlite>::new(LINE_SELECT);
        query.push(" WHERE application_id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(") ORDER BY application_id, line_no");
        for row in query
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
        {
            let (application, line) = line(&row)?;
            lines.entry(application).or_default().push(line);
        }
    }
    Ok(lines)
}

/// Gives each application its lines, read on `conn` (the connection that read the
/// applications, inside the same transaction).
async fn with_lines(
    conn: &mut SqliteConnection,
    mut applications: Vec<ApplicationRecord>,
) -> StoreResult<Vec<ApplicationRecord>> {
    let ids: Vec<i64> = applications.iter().map(|a| a.id.get()).collect();
    let mut lines = lines_of(conn, &ids).await?;
    for application in &mut applications {
        application.lines = lines.remove(&application.id.get()).unwrap_or_default();
    }
    Ok(applications)
}

/// Conversion rules, their versions in `conversion_rule_versions`.
const RULES: Versioned = Versioned {
    what: "rule",
    create: "INSERT INTO conversion_rules (programme_id, code, created_at) \
             VALUES (?, ?, ?) RETURNING id",
    latest: "SELECT (SELECT max(version) FROM conversion_rule_versions \
             WHERE rule_id = r.id) FROM conversion_rules r WHERE r.id = ?",
};

impl SqliteStore {
    /// The applications whose `column` is `value`, oldest first, with their lines, read in one
    /// snapshot.
    async fn applications_where(
        &self,
        column: &'static str,
        value: i64,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        let mut tx = self.read.begin().await.map_err(db_error)?;
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {APPLICATION_COLUMNS} FROM conversion_applications WHERE {column} = "
        ));
        query.push_bind(value).push(" ORDER BY applied_at, id");
        let applications = fetch_decoded(&mut *tx, query.build(), application).await?;
        let applications = with_lines(&mut tx, applications).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(applications)
    }
}

// ---- the store ------------------------------------------------------------------------------------

#[async_trait]
impl ConversionStore for SqliteStore {
    async fn create_programme(
        &self,
        programme: &NewProgramme,
        audit: &AuditEvent,
    ) -> StoreResult<ProgrammeId> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO programmes (institution_id, code, name, max_credits) \
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(programme.institution.get())
        .bind(&programme.code)
        .bind(&programme.name)
        .bind(programme.max_credits.hundredths() as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_is("code"))?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(ProgrammeId::new(id))
    }

    async fn list_programmes(&self) -> StoreResult<Vec<ProgrammeRecord>> {
        let mut query = QueryBuilder::<Sqlite>::new(PROGRAMME_SELECT);
        query.push(" ORDER BY id");
        fetch_decoded(&self.read, query.build(), programme).await
    }

    async fn get_programme(&self, id: ProgrammeId) -> StoreResult<ProgrammeRecord> {
        let mut query = QueryBuilder::<Sqlite>::new(PROGRAMME_SELECT);
        query.push(" WHERE id = ").push_bind(id.get());
        let row = query
            .build()
            .fetch_one(&self.read)
            .await
            .map_err(not_found("programme"))?;
        programme(&row)
    }

    async fn publish_conversion_rule(
        &self,
        target: &RuleTarget,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<(ConversionRuleId, Version)> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let target = match target {
            RuleTarget::New { programme, code } => {
                // Asked first: an unknown programme is `NotFound`, like an unknown rule, not a
                // foreign-key failure.
                let known: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM programmes WHERE id = ?)")
                        .bind(programme.get())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_error)?;
                if !known {
                    return Err(StoreError::NotFound { what: "programme" });
                }
                Target::New {
                    owner: programme.get(),
                    code,
                }
            }
            RuleTarget::Existing(id) => Target::Existing(id.get()),
        };
        let (id, number) = RULES.next_version(&mut tx, target, published_at).await?;
        sqlx::query(
            "INSERT INTO conversion_rule_versions (rule_id, version, body, published_at, \
             published_by) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(i64::from(number.get()))
        .bind(body.to_string())
        .bind(micros(published_at))
        .bind(published_by.map(UserId::get))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((ConversionRuleId::new(id), number))
    }

    async fn list_conversion_rule_versions(&self) -> StoreResult<Vec<ConversionRuleVersion>> {
        let mut query = QueryBuilder::<Sqlite>::new(RULE_VERSION_SELECT);
        query.push(" ORDER BY v.rule_id, v.version");
        fetch_decoded(&self.read, query.build(), rule_version).await
    }

    async fn create_application(
        &self,
        application: &NewApplication,
        audit: &AuditEvent,
    ) -> StoreResult<ApplicationId> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversion_applications (learner_id, programme_id, status, applied_at, \
             made_on, proposal, proposed_credits) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(application.learner.get())
        .bind(application.programme.get())
        .bind(ApplicationStatus::Proposed.as_str())
        .bind(micros(application.applied_at))
        .bind(application.made_on.to_string())
        .bind(application.proposal.to_string())
        .bind(application.proposed_credits.hundredths() as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_is("programme"))?;
        let numbered: Vec<_> = (1_i64..).zip(&application.lines).collect();
        for chunk in numbered.chunks(BULK_VALUES / LINE_WIDTH) {
            let mut insert = QueryBuilder::<Sqlite>::new(concat!(
                "INSERT INTO conversion_lines (",
                line_fields!(),
                ") "
            ));
            insert.push_values(chunk, |mut values, (number, line)| {
                let outcomes: Vec<i64> = line.outcomes.iter().map(|id| id.get()).collect();
                values
                    .push_bind(id)
                    .push_bind(*number)
                    .push_bind(line.rule.get())
                    .push_bind(i64::from(line.rule_version.get()))
                    .push_bind(serde_json::Value::from(outcomes).to_string())
                    .push_bind(line.grant.to_string())
                    .push_bind(line.credits.hundredths() as i64);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(ApplicationId::new(id))
    }

    async fn get_application(&self, id: ApplicationId) -> StoreResult<ApplicationRecord> {
        self.applications_where("id", id.get())
            .await?
            .pop()
            .ok_or(StoreError::NotFound {
                what: "application",
            })
    }

    async fn list_learner_applications(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ApplicationRecord>> {
        self.applications_where("learner_id", learner.get()).await
    }

    async fn list_open_applications(
        &self,
        page: PageRequest,
    ) -> StoreResult<Paged<ApplicationRecord>> {
        let mut tx = self.read.begin().await.map_err(db_error)?;
        let Paged { items, total } = fetch_page_on(
            &mut tx,
            APPLICATION_COLUMNS,
            "conversion_applications",
            // A literal, so the planner can use the partial index conversion_applications_open.
            |query| {
                query.push(" AND status = 'proposed'");
            },
            "applied_at, id",
            page,
            application,
        )
        .await?;
        let items = with_lines(&mut tx, items).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Paged { items, total })
    }

    async fn decide_application(
        &self,
        decision: &ApplicationDecision,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let application = decision.application.get();
        // The write lock before the status is read: no other writer can decide in between.
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        require_open(
            &mut tx,
            "SELECT status FROM conversion_applications WHERE id = ?",
            application,
            ApplicationStatus::Proposed.as_str(),
            "application",
        )
        .await?;
        let (status, kept, approved_credits) = if decision.approve {
            let kept: BTreeSet<u32> = decision.kept_lines.iter().copied().collect();
            let lines = lines_of(&mut tx, &[application])
                .await?
                .remove(&application)
                .unwrap_or_default();
            if let Some(unknown) = kept
                .iter()
                .find(|number| !lines.iter().any(|line| line.line_no == **number))
            {
                return Err(StoreError::Invalid {
                    field: "lines",
                    reason: format!(
                        "application {application} has no line {unknown}: keep lines 1 to {}",
                        lines.len()
                    ),
                });
            }
            let approved = Credits::checked_sum(
                lines
                    .iter()
                    .filter(|line| kept.contains(&line.line_no))
                    .map(|line| line.credits),
            )
            .ok_or_else(|| StoreError::Invalid {
                field: "lines",
                reason: format!(
                    "the kept lines add up to more than {} credits",
                    Credits::MAX
                ),
            })?;
            (ApplicationStatus::Approved, kept, Some(approved))
        } else {
            (ApplicationStatus::Rejected, BTreeSet::new(), None)
        };
        let kept_json = serde_json::Value::from(kept.into_iter().collect::<Vec<u32>>());
        sqlx::query(
            "UPDATE conversion_lines SET kept = (line_no IN (SELECT value FROM json_each(?))) \
             WHERE application_id = ?",
        )
        .bind(kept_json.to_string())
        .bind(application)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let decided = sqlx::query(
            "UPDATE conversion_applications SET status = ?, decided_at = ?, decided_by = ?, \
             approved_credits = ?, decision_reason = ? WHERE id = ? AND status = 'proposed'",
        )
        .bind(status.as_str())
        .bind(micros(decision.decided_at))
        .bind(decision.decided_by.get())
        .bind(approved_credits.map(|credits| credits.hundredths() as i64))
        .bind(&decision.reason)
        .bind(application)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if decided.rows_affected() != 1 {
            return Err(StoreError::Conflict { field: "status" });
        }
        write_audit(&mut tx, &audit.about(decision.application)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }
}
