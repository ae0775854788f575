//! How the credit bank's outcome rows sit in PostgreSQL columns and come back: specification
//! versions, upload batches, outcomes and recognition decisions. Every value is re-parsed
//! through its domain constructor, and a stored value that no longer parses is a
//! `StoreError::Backend` naming the table, the column and the row (the database was changed
//! behind the platform's back: nothing a caller could fix). Evidence is a JSONB array of
//! `{"kind": ..., "reference": ...}` objects. The column lists here are the ones every query that
//! reads a whole record selects.

use std::fmt;

use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, Type};
use time::Date;
use xc_domain::credit::{
    BatchId, ContactHours, Credits, DecisionId, Evidence, EvidenceKind, Field, FrameworkLevel,
    OutcomeCategory, OutcomeId, OutcomeKind, OutcomeTitle, Score, SpecificationId,
    SubmittedOutcome, ValidityTerm, Version, VocationalGrade,
};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    BatchRecord, DecisionBasis, DecisionRecord, Grant, OutcomeRecord, OutcomeStatus,
    SpecificationContent, SpecificationVersion, StoreError, StoreResult,
};

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

/// A stored value that no longer parses: where it is and what is wrong with it.
#[derive(Debug)]
pub(crate) struct CorruptValue {
    table: &'static str,
    column: &'static str,
    row: String,
    reason: String,
}

impl fmt::Display for CorruptValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stored value {}.{} of row {} is invalid: {}",
            self.table, self.column, self.row, self.reason
        )
    }
}

impl std::error::Error for CorruptValue {}

/// One row being read back, named (table and key) for the errors its values may raise. Shared
/// with `conversion_codec.rs`.
pub(crate) struct Stored<'r> {
    row: &'r PgRow,
    table: &'static str,
    key: String,
}

impl<'r> Stored<'r> {
    /// A row whose key is given, e.g. `(application 4, line 2)`.
    pub(crate) fn keyed(row: &'r PgRow, table: &'static str, key: String) -> Self {
        Stored { row, table, key }
    }

    /// A row whose key is its `id` column.
    pub(crate) fn by_id(row: &'r PgRow, table: &'static str) -> StoreResult<(Self, i64)> {
        let id: i64 = row.try_get("id").map_err(|error| {
            StoreError::backend(CorruptValue {
                table,
                column: "id",
                row: "?".to_owned(),
                reason: error.to_string(),
            })
        })?;
        Ok((
            Stored {
                row,
                table,
                key: id.to_string(),
            },
            id,
        ))
    }

    pub(crate) fn corrupt(&self, column: &'static str, reason: impl fmt::Display) -> StoreError {
        StoreError::backend(CorruptValue {
            table: self.table,
            column,
            row: self.key.clone(),
            reason: reason.to_string(),
        })
    }

    pub(crate) fn get<T>(&self, column: &'static str) -> StoreResult<T>
    where
        T: Decode<'r, Postgres> + Type<Postgres>,
    {
        self.row
            .try_get(column)
            .map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn parse<T, E: fmt::Display>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<T> {
        let text: String = self.get(column)?;
        parse(&text).map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn parse_optional<T, E: fmt::Display>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<Option<T>> {
        let text: Option<String> = self.get(column)?;
        text.map(|text| parse(&text).map_err(|error| self.corrupt(column, error)))
            .transpose()
    }

    pub(crate) fn required<T>(&self, column: &'static str, value: Option<T>) -> StoreResult<T> {
        value.ok_or_else(|| self.corrupt(column, "is NULL"))
    }

    pub(crate) fn credits(&self, column: &'static str) -> StoreResult<Option<Credits>> {
        self.get::<Option<i64>>(column)?
            .map(|hundredths| {
                u64::try_from(hundredths)
                    .ok()
                    .and_then(Credits::from_hundredths)
                    .ok_or_else(|| {
                        self.corrupt(column, format!("{hundredths} hundredths is not an amount"))
                    })
            })
            .transpose()
    }

    fn level(&self, column: &'static str) -> StoreResult<Option<FrameworkLevel>> {
        self.get::<Option<i16>>(column)?
            .map(|level| {
                u8::try_from(level)
                    .map_err(|_| self.corrupt(column, format!("there is no level {level}")))
                    .and_then(|level| {
                        FrameworkLevel::new(level).map_err(|error| self.corrupt(column, error))
                    })
            })
            .transpose()
    }

    fn hours(&self, column: &'static str) -> StoreResult<Option<ContactHours>> {
        self.get::<Option<i32>>(column)?
            .map(|tenths| {
                u32::try_from(tenths)
                    .ok()
                    .and_then(ContactHours::from_tenths)
                    .ok_or_else(|| {
                        self.corrupt(column, format!("{tenths} tenths is not a number of hours"))
                    })
            })
            .transpose()
    }

    pub(crate) fn version(&self, column: &'static str) -> StoreResult<Option<Version>> {
        self.get::<Option<i32>>(column)?
            .map(|number| {
                u32::try_from(number)
                    .map_err(|_| self.corrupt(column, format!("there is no version {number}")))
                    .and_then(|number| {
                        Version::new(number).map_err(|error| self.corrupt(column, error))
                    })
            })
            .transpose()
    }

    /// NULL is an indefinite validity.
    fn validity(&self, column: &'static str) -> StoreResult<ValidityTerm> {
        match self.get::<Option<i32>>(column)? {
            None => Ok(ValidityTerm::INDEFINITE),
            Some(months) => u16::try_from(months)
                .map_err(|_| self.corrupt(column, format!("{months} months is not a validity")))
                .and_then(|months| {
                    ValidityTerm::months(months).map_err(|error| self.corrupt(column, error))
                }),
        }
    }

    fn count(&self, column: &'static str) -> StoreResult<u64> {
        let count: i64 = self.get(column)?;
        u64::try_from(count).map_err(|_| self.corrupt(column, format!("{count} is negative")))
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
        let Json(value): Json<Value> = self.get(column)?;
        let Value::Array(items) = value else {
            return Err(self.corrupt(column, "not a JSON array"));
        };
        items
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
    let basis = match (stored.get::<Option<i64>>("reviewer_id")?, specification) {
        (Some(reviewer), specification) => DecisionBasis::Reviewer {
            reviewer: UserId::new(reviewer),
            specification,
        },
        (None, Some((specification, version))) => DecisionBasis::Specification {
            specification,
            version,
        },
        (None, None) => {
            let rule: Option<String> = stored.get("general_rule")?;
            return Err(stored.corrupt(
                "reviewer_id",
                match rule {
                    Some(_) => "a decision by a general rule has no place in the record",
                    None => "neither a reviewer nor a specification made this decision",
                },
            ));
        }
    };
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
    let (mut stored, id) = Stored::by_id(row, "outcome_specification_versions")?;
    let number: i32 = stored.get("version")?;
    stored.key = format!("(specification {id}, version {number})");
    let version = stored.version("version")?;
    Ok(SpecificationVersion {
        id: SpecificationId::new(id),
        provider: InstitutionId::new(stored.get("provider_id")?),
        code: stored.get("code")?,
        version: stored.required("version", version)?,
        content: SpecificationContent {
            kind: stored.parse("kind", OutcomeKind::parse)?,
            category: stored.parse("category", OutcomeCategory::parse)?,
            title: stored.parse("title", OutcomeTitle::parse)?,
            hours: stored.hours("hours_tenths")?,
            grade: stored.parse_optional("grade", VocationalGrade::parse)?,
            level: {
                let level = stored.level("level")?;
                stored.required("level", level)?
            },
            credits: {
                let credits = stored.credits("credits")?;
                stored.required("credits", credits)?
            },
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

/// Values on their way into a column, refused (as the caller's mistake) when they do not fit.
pub(crate) fn bigint(value: u64, field: &'static str) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large to store"),
    })
}

pub(crate) fn integer(value: u32, field: &'static str) -> StoreResult<i32> {
    i32::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large to store"),
    })
}

pub(crate) fn credits_column(credits: Credits) -> StoreResult<i64> {
    bigint(credits.hundredths(), "credits")
}

pub(crate) fn hours_column(hours: Option<ContactHours>) -> StoreResult<Option<i32>> {
    hours
        .map(|hours| integer(hours.tenths(), "hours"))
        .transpose()
}

pub(crate) fn level_column(level: FrameworkLevel) -> i16 {
    i16::from(level.get())
}

pub(crate) fn version_column(version: Version) -> StoreResult<i32> {
    integer(version.get(), "version")
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

    #[test]
    fn corrupt_values_name_table_column_and_row() {
        let error = StoreError::backend(CorruptValue {
            table: "outcomes",
            column: "kind",
            row: "42".into(),
            reason: "'lecture' is not one of: ...".into(),
        });
        let shown = error.to_string();
        assert!(
            shown.contains("outcomes.kind") && shown.contains("row 42"),
            "{shown}"
        );
    }
}
