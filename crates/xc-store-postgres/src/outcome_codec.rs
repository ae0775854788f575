//! How the credit bank's outcome rows sit in PostgreSQL columns and come back: specification
//! versions, upload batches, outcomes and recognition decisions. Rows are read through
//! [`Stored`] (`codec.rs`), so every value is re-parsed through its domain constructor and a
//! stored value that no longer parses is a `StoreError::Backend` naming the table, the column and
//! the row. Evidence is a JSONB array of `{"kind": ..., "reference": ...}` objects. The column
//! lists here are the ones every query that reads a whole record selects.

use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use time::Date;
use xc_domain::credit::{
    BatchId, ContactHours, DecisionId, Evidence, EvidenceKind, Field, FrameworkLevel,
    OutcomeCategory, OutcomeId, OutcomeKind, OutcomeTitle, Score, SpecificationId,
    SubmittedOutcome, ValidityTerm, VocationalGrade,
};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    BasisColumns, BatchRecord, DecisionBasis, DecisionRecord, Grant, OutcomeRecord, OutcomeStatus,
    SpecificationContent, SpecificationVersion, StoreResult,
};

use crate::codec::{Stored, integer};

/// The columns of `outcomes`, in the order [`outcome_from_row`] reads them by name (qualified,
/// so the list also serves joins).
macro_rules! outcome_columns {
    () => {
        "outcomes.id, outcomes.learner_id, outcomes.provider_id, outcomes.external_id, \
         outcomes.kind, outcomes.title, outcomes.hours_tenths, outcomes.grade, outcomes.field, \
         outcomes.achieved_on, outcomes.score, outcomes.evidence, outcomes.status, \
         outcomes.category, outcomes.level, outcomes.credits, outcomes.valid_until, \
         outcomes.submitted_at, outcomes.submitted_by, outcomes.batch_id"
    };
}
pub(crate) use outcome_columns;

/// The columns of `recognition_decisions`, qualified like [`outcome_columns`].
macro_rules! decision_columns {
    () => {
        "recognition_decisions.id, recognition_decisions.outcome_id, \
         recognition_decisions.decided_at, recognition_decisions.reviewer_id, \
         recognition_decisions.accepted, recognition_decisions.specification_id, \
         recognition_decisions.specification_version, recognition_decisions.general_rule, \
         recognition_decisions.category, recognition_decisions.level, \
         recognition_decisions.credits, recognition_decisions.valid_until, \
         recognition_decisions.reason"
    };
}
pub(crate) use decision_columns;

/// A specification joined with its versions (`outcome_specifications AS s` and
/// `outcome_specification_versions AS v`).
macro_rules! specification_version_columns {
    () => {
        "s.id, s.provider_id, s.code, v.version, v.kind, v.category, v.title, v.hours_tenths, \
         v.grade, v.level, v.credits, v.field, v.validity_months, v.published_at, v.published_by"
    };
}
pub(crate) use specification_version_columns;

macro_rules! batch_columns {
    () => {
        "id, provider_id, submitted_by, submitted_at, file_name, all_or_nothing, rows_total, \
         rows_stored"
    };
}
pub(crate) use batch_columns;

/// How the outcome tables' numbers and JSON read back.
impl Stored<'_> {
    fn level(&self, column: &'static str) -> StoreResult<Option<FrameworkLevel>> {
        self.optional_number(column, |level: i16| {
            u8::try_from(level)
                .map_err(|_| format!("there is no level {level}"))
                .and_then(|level| FrameworkLevel::new(level).map_err(|error| error.to_string()))
        })
    }

    fn hours(&self, column: &'static str) -> StoreResult<Option<ContactHours>> {
        self.optional_number(column, |tenths: i32| {
            u32::try_from(tenths)
                .ok()
                .and_then(ContactHours::from_tenths)
                .ok_or_else(|| format!("{tenths} tenths is not a number of hours"))
        })
    }

    /// NULL is an indefinite validity.
    fn validity(&self, column: &'static str) -> StoreResult<ValidityTerm> {
        let months = self.optional_number(column, |months: i32| {
            u16::try_from(months)
                .map_err(|_| format!("{months} months is not a validity"))
                .and_then(|months| ValidityTerm::months(months).map_err(|error| error.to_string()))
        })?;
        Ok(months.unwrap_or(ValidityTerm::INDEFINITE))
    }

    /// The grant columns (`category`, `level`, `credits`, `valid_until`): all present exactly
    /// when `granted`.
    fn grant(&self, granted: bool, flag_column: &'static str) -> StoreResult<Option<Grant>> {
        let category = self.parse_optional("category", OutcomeCategory::parse)?;
        let level = self.level("level")?;
        let credits = self.credits("credits")?;
        let valid_until: Option<Date> = self.get("valid_until")?;
        match (granted, category, level, credits) {
            (true, Some(category), Some(level), Some(credits)) => Ok(Some(Grant {
                category,
                level,
                credits,
                valid_until,
            })),
            (true, ..) => Err(self.corrupt(flag_column, "granted, but without a full grant")),
            (false, None, None, None) if valid_until.is_none() => Ok(None),
            (false, ..) => Err(self.corrupt(flag_column, "not granted, but with a grant")),
        }
    }

    fn evidence(&self, column: &'static str) -> StoreResult<Vec<Evidence>> {
        self.json_array(column)?
            .iter()
            .map(|item| {
                let field = |name: &str| {
                    item.get(name).and_then(Value::as_str).ok_or_else(|| {
                        self.corrupt(column, format!("an item has no text \"{name}\""))
                    })
                };
                let kind = EvidenceKind::parse(field("kind")?)
                    .map_err(|error| self.corrupt(column, error))?;
                Evidence::parse(kind, field("reference")?)
                    .map_err(|error| self.corrupt(column, error))
            })
            .collect()
    }
}

/// The JSONB text of an evidence list.
pub(crate) fn evidence_json(evidence: &[Evidence]) -> String {
    Value::Array(
        evidence
            .iter()
            .map(|item| {
                let mut object = Map::new();
                object.insert("kind".into(), Value::from(item.kind().as_str()));
                object.insert("reference".into(), Value::from(item.reference()));
                Value::Object(object)
            })
            .collect(),
    )
    .to_string()
}

pub(crate) fn outcome_from_row(row: &PgRow) -> StoreResult<OutcomeRecord> {
    let (stored, id) = Stored::by_id(row, "outcomes")?;
    let status = stored.parse("status", |text| {
        OutcomeStatus::parse(text).ok_or("not an outcome status")
    })?;
    Ok(OutcomeRecord {
        id: OutcomeId::new(id),
        learner: LearnerId::new(stored.get("learner_id")?),
        external_id: stored.get("external_id")?,
        submitted: SubmittedOutcome {
            provider: InstitutionId::new(stored.get("provider_id")?),
            kind: stored.parse("kind", OutcomeKind::parse)?,
            title: stored.parse("title", OutcomeTitle::parse)?,
            hours: stored.hours("hours_tenths")?,
            grade: stored.parse_optional("grade", VocationalGrade::parse)?,
            field: stored.parse_optional("field", Field::parse)?,
            achieved_on: stored.get("achieved_on")?,
            score: stored.parse_optional("score", Score::parse)?,
            evidence: stored.evidence("evidence")?,
        },
        status,
        grant: stored.grant(status == OutcomeStatus::Recognised, "status")?,
        submitted_at: stored.get("submitted_at")?,
        submitted_by: stored.get::<Option<i64>>("submitted_by")?.map(UserId::new),
        batch: stored.get::<Option<i64>>("batch_id")?.map(BatchId::new),
    })
}

pub(crate) fn decision_from_row(row: &PgRow) -> StoreResult<DecisionRecord> {
    let (stored, id) = Stored::by_id(row, "recognition_decisions")?;
    let specification = match (
        stored.get::<Option<i64>>("specification_id")?,
        stored.version("specification_version")?,
    ) {
        (Some(id), Some(version)) => Some((SpecificationId::new(id), version)),
        (None, None) => None,
        _ => {
            return Err(stored.corrupt(
                "specification_version",
                "a specification without a version, or a version without a specification",
            ));
        }
    };
    let basis = DecisionBasis::from_columns(BasisColumns {
        reviewer: stored.get::<Option<i64>>("reviewer_id")?.map(UserId::new),
        specification,
        general_rule: stored.get("general_rule")?,
    })
    .map_err(|(column, why)| stored.corrupt(column, why))?;
    Ok(DecisionRecord {
        id: DecisionId::new(id),
        outcome: OutcomeId::new(stored.get("outcome_id")?),
        decided_at: stored.get("decided_at")?,
        basis,
        grant: stored.grant(stored.get("accepted")?, "accepted")?,
        reason: stored.get("reason")?,
    })
}

pub(crate) fn specification_version_from_row(row: &PgRow) -> StoreResult<SpecificationVersion> {
    let (stored, id, version) =
        Stored::by_version(row, "outcome_specification_versions", "specification")?;
    Ok(SpecificationVersion {
        id: SpecificationId::new(id),
        provider: InstitutionId::new(stored.get("provider_id")?),
        code: stored.get("code")?,
        version,
        content: SpecificationContent {
            kind: stored.parse("kind", OutcomeKind::parse)?,
            category: stored.parse("category", OutcomeCategory::parse)?,
            title: stored.parse("title", OutcomeTitle::parse)?,
            hours: stored.hours("hours_tenths")?,
            grade: stored.parse_optional("grade", VocationalGrade::parse)?,
            level: stored.required("level", stored.level("level")?)?,
            credits: stored.required("credits", stored.credits("credits")?)?,
            field: stored.parse_optional("field", Field::parse)?,
            validity: stored.validity("validity_months")?,
        },
        published_at: stored.get("published_at")?,
        published_by: stored.get::<Option<i64>>("published_by")?.map(UserId::new),
    })
}

pub(crate) fn batch_from_row(row: &PgRow) -> StoreResult<BatchRecord> {
    let (stored, id) = Stored::by_id(row, "outcome_batches")?;
    Ok(BatchRecord {
        id: BatchId::new(id),
        provider: InstitutionId::new(stored.get("provider_id")?),
        submitted_by: stored.get::<Option<i64>>("submitted_by")?.map(UserId::new),
        submitted_at: stored.get("submitted_at")?,
        file_name: stored.get("file_name")?,
        all_or_nothing: stored.get("all_or_nothing")?,
        rows_total: stored.count("rows_total")?,
        rows_stored: stored.count("rows_stored")?,
    })
}

pub(crate) fn hours_column(hours: Option<ContactHours>) -> StoreResult<Option<i32>> {
    hours
        .map(|hours| integer(hours.tenths(), "hours"))
        .transpose()
}

pub(crate) fn level_column(level: FrameworkLevel) -> i16 {
    i16::from(level.get())
}

pub(crate) fn validity_column(validity: ValidityTerm) -> Option<i32> {
    validity.as_months().map(i32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_an_array_of_kind_and_reference() {
        let evidence = vec![
            Evidence::parse(EvidenceKind::CertificateNumber, "SH-2026-\"001\"").unwrap(),
            Evidence::parse(EvidenceKind::WebLink, "https://example.org/a?b=c").unwrap(),
        ];
        let text = evidence_json(&evidence);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!([
                {"kind": "certificate_number", "reference": "SH-2026-\"001\""},
                {"kind": "web_link", "reference": "https://example.org/a?b=c"},
            ])
        );
        assert_eq!(evidence_json(&[]), "[]");
    }
}
