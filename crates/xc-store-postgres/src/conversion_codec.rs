//! How programmes, conversion rule versions and conversion applications sit in PostgreSQL
//! columns and come back. Rows are read through [`Stored`] (`codec.rs`), so every value is
//! re-parsed into its domain type and a stored value that no longer parses is a
//! `StoreError::Backend` naming the table, the column and the row. A programme's `max_credits` is nullable in migration 0002 but every
//! programme the platform writes has one, so NULL reads back as such an error. A line's outcomes
//! are a JSONB array of outcome ids; its grant and the application's proposal are JSONB kept
//! whole for the credit bank's use cases. The column lists here are the ones every query that
//! reads a whole record selects.

use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use xc_domain::credit::{ApplicationId, ConversionRuleId, OutcomeId, ProgrammeId};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    ApplicationLine, ApplicationRecord, ApplicationStatus, ConversionRuleVersion, ProgrammeRecord,
    StoreResult,
};

use crate::codec::Stored;

macro_rules! programme_columns {
    () => {
        "id, institution_id, code, name, max_credits"
    };
}
pub(crate) use programme_columns;

/// A rule joined with its versions (`conversion_rules AS r` and
/// `conversion_rule_versions AS v`).
macro_rules! rule_version_columns {
    () => {
        "r.id, r.programme_id, r.code, v.version, v.body, v.published_at, v.published_by"
    };
}
pub(crate) use rule_version_columns;

macro_rules! application_columns {
    () => {
        "id, learner_id, programme_id, status, applied_at, made_on, proposal, proposed_credits, \
         decided_at, decided_by, approved_credits, decision_reason"
    };
}
pub(crate) use application_columns;

macro_rules! line_columns {
    () => {
        "application_id, line_no, rule_id, rule_version, outcome_ids, grant_body, credits, kept"
    };
}
pub(crate) use line_columns;

/// The JSONB text of a line's outcomes: an array of their ids.
pub(crate) fn outcome_ids_json(outcomes: &[OutcomeId]) -> String {
    Value::Array(outcomes.iter().map(|id| Value::from(id.get())).collect()).to_string()
}

pub(crate) fn programme_from_row(row: &PgRow) -> StoreResult<ProgrammeRecord> {
    let (stored, id) = Stored::by_id(row, "programmes")?;
    let max_credits = stored.credits("max_credits")?;
    Ok(ProgrammeRecord {
        id: ProgrammeId::new(id),
        institution: InstitutionId::new(stored.get("institution_id")?),
        code: stored.get("code")?,
        name: stored.get("name")?,
        max_credits: stored.required("max_credits", max_credits)?,
    })
}

pub(crate) fn rule_version_from_row(row: &PgRow) -> StoreResult<ConversionRuleVersion> {
    let (stored, id, version) = Stored::by_version(row, "conversion_rule_versions", "rule")?;
    Ok(ConversionRuleVersion {
        id: ConversionRuleId::new(id),
        programme: ProgrammeId::new(stored.get("programme_id")?),
        code: stored.get("code")?,
        version,
        body: stored.get::<Json<Value>>("body")?.0,
        published_at: stored.get("published_at")?,
        published_by: stored.get::<Option<i64>>("published_by")?.map(UserId::new),
    })
}

/// One line and the application it belongs to.
pub(crate) fn line_from_row(row: &PgRow) -> StoreResult<(ApplicationId, ApplicationLine)> {
    let application: i64 =
        Stored::keyed(row, "conversion_lines", "?".to_owned()).get("application_id")?;
    let number: i32 = Stored::keyed(
        row,
        "conversion_lines",
        format!("(application {application})"),
    )
    .get("line_no")?;
    let stored = Stored::keyed(
        row,
        "conversion_lines",
        format!("(application {application}, line {number})"),
    );
    let line_no = u32::try_from(number)
        .ok()
        .filter(|number| *number >= 1)
        .ok_or_else(|| stored.corrupt("line_no", format!("{number} is not a line number")))?;
    let rule_version = stored.version("rule_version")?;
    let credits = stored.credits("credits")?;
    let outcomes = stored
        .json_array("outcome_ids")?
        .iter()
        .map(|item| {
            item.as_i64()
                .filter(|id| *id > 0)
                .map(OutcomeId::new)
                .ok_or_else(|| stored.corrupt("outcome_ids", format!("{item} is not an id")))
        })
        .collect::<StoreResult<_>>()?;
    Ok((
        ApplicationId::new(application),
        ApplicationLine {
            line_no,
            rule: ConversionRuleId::new(stored.get("rule_id")?),
            rule_version: stored.required("rule_version", rule_version)?,
            outcomes,
            grant: stored.get::<Json<Value>>("grant_body")?.0,
            credits: stored.required("credits", credits)?,
            kept: stored.get("kept")?,
        },
    ))
}

/// An application row with its lines (in line order). The decision columns and the lines'
/// `kept` marks must agree with the status.
pub(crate) fn application_from_row(
    row: &PgRow,
    lines: Vec<ApplicationLine>,
) -> StoreResult<ApplicationRecord> {
    let (stored, id) = Stored::by_id(row, "conversion_applications")?;
    let status = stored.parse("status", |text| {
        ApplicationStatus::parse(text).ok_or("not an application status")
    })?;
    let proposed_credits = stored.credits("proposed_credits")?;
    let approved_credits = stored.credits("approved_credits")?;
    let decided_at: Option<time::OffsetDateTime> = stored.get("decided_at")?;
    let open = status == ApplicationStatus::Proposed;
    if open != decided_at.is_none() {
        return Err(stored.corrupt("decided_at", "present exactly when decided"));
    }
    if (status == ApplicationStatus::Approved) != approved_credits.is_some() {
        return Err(stored.corrupt("approved_credits", "present exactly when approved"));
    }
    if let Some(line) = lines.iter().find(|line| line.kept.is_some() == open) {
        let has = if open { "has" } else { "has no" };
        return Err(stored.corrupt(
            "status",
            format!(
                "{} while line {} {has} kept mark",
                status.as_str(),
                line.line_no
            ),
        ));
    }
    Ok(ApplicationRecord {
        id: ApplicationId::new(id),
        learner: LearnerId::new(stored.get("learner_id")?),
        programme: ProgrammeId::new(stored.get("programme_id")?),
        status,
        applied_at: stored.get("applied_at")?,
        made_on: stored.get("made_on")?,
        proposal: stored.get::<Json<Value>>("proposal")?.0,
        proposed_credits: stored.required("proposed_credits", proposed_credits)?,
        decided_at,
        decided_by: stored.get::<Option<i64>>("decided_by")?.map(UserId::new),
        approved_credits,
        decision_reason: stored.get("decision_reason")?,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lines_outcomes_are_an_array_of_ids() {
        assert_eq!(
            outcome_ids_json(&[OutcomeId::new(3), OutcomeId::new(41)]),
            "[3,41]"
        );
        assert_eq!(outcome_ids_json(&[]), "[]");
    }
}
