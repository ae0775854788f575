//! The general rules staff maintain beside the specifications: the non-formal hours rule of
//! each kind (contact hours to credits) and the vocational grade mapping, each published in
//! versions. This module checks what staff typed into every problem by row and field, publishes
//! only what changed (one store transaction with its audit entry), writes and reads the JSON
//! bodies the store keeps, and reads the version history back for pages and the API.
//!
//! A kind no version names keeps the domain's default ([`NonFormalRules::common_default`]); the
//! mapping is [`GradeMapping::national_default`] until a version is published. A published
//! body `null` takes a kind's rule away (its outcomes get no suggestion from the hours).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_domain::credit::{
    ContactHours, Credits, FrameworkLevel, GradeMapping, NonFormalRule, NonFormalRules,
    OutcomeKind, Version, VocationalGrade,
};
use xc_domain::{Invalid, UserId};
use xc_import::RowProblem;
use xc_import::parse::CellInvalid;
use xc_store::{AuditEvent, GeneralRuleVersion, Store};

use crate::BankError;
use crate::standards::Standards;

/// The step a rule gets when staff leave it blank: half credits, as the default rules.
const DEFAULT_STEP: &str = "0.5";

/// One row of the non-formal rules form (or one item of the API's list), as typed. Blank hours
/// (and blank step, maximum and level) take the kind's rule away. A blank level is level 1,
/// the framework's entry level: what an outcome recognised under the rule holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NonFormalRuleRow {
    pub kind: String,
    pub hours_per_credit: Option<String>,
    pub step: Option<String>,
    pub maximum: Option<String>,
    pub level: Option<String>,
}

/// One row of the grade mapping form (or one item of the API's list), as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradeLevelRow {
    pub grade: String,
    pub level: Option<String>,
}

/// Which general rules a version history is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneralRuleSubject {
    NonFormal(OutcomeKind),
    GradeMapping,
}

/// One published version, decoded, with what it changed from the version before it (`None`
/// before: the domain's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVersionEntry<T> {
    pub version: Version,
    pub published_at: OffsetDateTime,
    pub publisher: Option<String>,
    pub value: T,
    pub before: T,
}

/// One field a version changed: a non-formal rule's `hours_per_credit`, `step` or `maximum`,
/// or a grade's code in the mapping (its level). `None` is "no rule" or "no maximum".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl RuleVersionEntry<Option<NonFormalRule>> {
    /// What this version changed from the one before, field by field.
    pub fn changes(&self) -> Vec<FieldChange> {
        let fields = |rule: &Option<NonFormalRule>| -> [Option<String>; 4] {
            match rule {
                None => [None, None, None, None],
                Some(rule) => [
                    Some(rule.hours_per_credit().to_string()),
                    Some(rule.step().to_string()),
                    rule.maximum().map(|maximum| maximum.to_string()),
                    Some(rule.level().to_string()),
                ],
            }
        };
        ["hours_per_credit", "step", "maximum", "level"]
            .into_iter()
            .zip(fields(&self.before).into_iter().zip(fields(&self.value)))
            .filter(|(_, (before, after))| before != after)
            .map(|(field, (before, after))| FieldChange {
                field: field.to_owned(),
                before,
                after,
            })
            .collect()
    }
}

impl RuleVersionEntry<GradeMapping> {
    /// The grades whose level this version changed.
    pub fn changes(&self) -> Vec<FieldChange> {
        self.before
            .entries()
            .zip(self.value.entries())
            .filter(|((_, before), (_, after))| before != after)
            .map(|((grade, before), (_, after))| FieldChange {
                field: grade.as_str().to_owned(),
                before: Some(before.to_string()),
                after: Some(after.to_string()),
            })
            .collect()
    }
}

/// Every published version of the general rules, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneralRuleHistory {
    /// By kind; `None` is a version that took the kind's rule away.
    pub nonformal: BTreeMap<OutcomeKind, Vec<RuleVersionEntry<Option<NonFormalRule>>>>,
    pub grades: Vec<RuleVersionEntry<GradeMapping>>,
}

fn problem(row: u64, field: &str, value: &str, invalid: Invalid) -> RowProblem {
    RowProblem::new(row, field, value, CellInvalid::from(invalid))
}

fn trimmed(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// Checks every row (numbered from 1) into the rule each kind is to have, or every problem by
/// row and field: an unknown or formal kind, a kind twice, hours that are not hours or are 0, a
/// step that does not divide one credit, a negative or malformed amount, a maximum below a step.
pub fn check_nonformal_rows(
    rows: &[NonFormalRuleRow],
) -> Result<BTreeMap<OutcomeKind, Option<NonFormalRule>>, BankError> {
    let mut problems = Vec::new();
    let mut rules = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for (index, row) in rows.iter().enumerate() {
        let number = index as u64 + 1;
        let kind = match OutcomeKind::parse(row.kind.trim()) {
            Ok(kind) => kind,
            Err(invalid) => {
                problems.push(problem(number, "kind", &row.kind, invalid));
                continue;
            }
        };
        if !seen.insert(kind) {
            problems.push(problem(
                number,
                "kind",
                &row.kind,
                Invalid::new(
                    "kind",
                    format!("{kind} is listed twice: give each kind one row"),
                ),
            ));
            continue;
        }
        let (hours, step, maximum, level) = (
            trimmed(&row.hours_per_credit),
            trimmed(&row.step),
            trimmed(&row.maximum),
            trimmed(&row.level),
        );
        let Some(hours_text) = hours else {
            if step.is_some() || maximum.is_some() || level.is_some() {
                problems.push(problem(
                    number,
                    "hours_per_credit",
                    "",
                    Invalid::new(
                        "hours_per_credit",
                        "write the hours per credit, or leave the whole row blank for no rule",
                    ),
                ));
            }
            rules.insert(kind, None);
            continue;
        };
        let mut row_problems = Vec::new();
        let hours_value = ContactHours::parse(hours_text)
            .map_err(|invalid| {
                row_problems.push(problem(number, "hours_per_credit", hours_text, invalid))
            })
            .ok();
        let step_text = step.unwrap_or(DEFAULT_STEP);
        let step_value = Credits::parse(step_text)
            .map_err(|invalid| row_problems.push(problem(number, "step", step_text, invalid)))
            .ok();
        let maximum_value = match maximum {
            None => Some(None),
            Some(text) => Credits::parse(text)
                .map(Some)
                .map_err(|invalid| row_problems.push(problem(number, "maximum", text, invalid)))
                .ok(),
        };
        let level_value = match level {
            None => Some(FrameworkLevel::LOWEST),
            Some(text) => FrameworkLevel::parse(text)
                .map_err(|invalid| row_problems.push(problem(number, "level", text, invalid)))
                .ok(),
        };
        if let (Some(hours), Some(step), Some(maximum), Some(level)) =
            (hours_value, step_value, maximum_value, level_value)
        {
            match NonFormalRule::new(kind, hours, step, maximum) {
                Ok(rule) => {
                    rules.insert(kind, Some(rule.with_level(level)));
                }
                Err(invalid) => {
                    let value = match invalid.field {
                        "step" => step.to_string(),
                        "maximum" => maximum.map(|m| m.to_string()).unwrap_or_default(),
                        "hours_per_credit" => hours_text.to_owned(),
                        _ => row.kind.clone(),
                    };
                    let field = invalid.field;
                    problems.push(problem(number, field, &value, invalid));
                }
            }
        }
        problems.extend(row_problems);
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(BankError::Rejected(problems))
    }
}

/// Checks the mapping's rows into a complete mapping, or every problem: a grade or level that
/// does not parse (at its row), a grade twice, a higher grade below a lower one (at the higher
/// grade's row), and a grade missing (row 0: the list as a whole).
pub fn check_grade_rows(rows: &[GradeLevelRow]) -> Result<GradeMapping, BankError> {
    let mut problems = Vec::new();
    let mut levels: BTreeMap<VocationalGrade, (u64, FrameworkLevel)> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let number = index as u64 + 1;
        let grade = VocationalGrade::parse(&row.grade);
        let level = match trimmed(&row.level) {
            Some(text) => FrameworkLevel::parse(text)
                .map_err(|invalid| problem(number, "level", text, invalid)),
            None => Err(problem(
                number,
                "level",
                "",
                Invalid::new("level", "write the framework level, 1 to 10"),
            )),
        };
        match (grade, level) {
            (Err(invalid), _) => problems.push(problem(number, "grade", &row.grade, invalid)),
            (Ok(_), Err(level_problem)) => problems.push(level_problem),
            (Ok(grade), Ok(level)) => {
                if levels.insert(grade, (number, level)).is_some() {
                    problems.push(problem(
                        number,
                        "grade",
                        &row.grade,
                        Invalid::new(
                            "grade",
                            format!("{} is listed twice: map each grade once", grade.label_zh()),
                        ),
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(BankError::Rejected(problems));
    }
    for grade in VocationalGrade::ALL {
        if !levels.contains_key(grade) {
            problems.push(problem(
                0,
                "grade",
                grade.as_str(),
                Invalid::new(
                    "grade",
                    format!("{} has no level: map every grade", grade.label_zh()),
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(BankError::Rejected(problems));
    }
    let entries: Vec<(VocationalGrade, FrameworkLevel)> = levels
        .iter()
        .map(|(grade, (_, level))| (*grade, *level))
        .collect();
    GradeMapping::new(&entries).map_err(|invalid| {
        // The one remaining refusal: a higher grade below a lower one, reported at the first
        // higher grade that sits below its neighbour.
        let at = entries
            .windows(2)
            .find(|pair| pair[1].1 < pair[0].1)
            .and_then(|pair| levels.get(&pair[1].0))
            .map(|(row, level)| (*row, level.to_string()))
            .unwrap_or((0, String::new()));
        BankError::Rejected(vec![problem(at.0, "level", &at.1, invalid)])
    })
}

/// The JSON a non-formal rule is stored as (`null`: the kind has no rule).
pub fn nonformal_body(rule: Option<&NonFormalRule>) -> Value {
    match rule {
        None => Value::Null,
        Some(rule) => json!({
            "hours_per_credit": rule.hours_per_credit().to_string(),
            "step": rule.step().to_string(),
            "maximum": rule.maximum().map(|maximum| maximum.to_string()),
            "level": rule.level().get(),
        }),
    }
}

/// Reads a stored non-formal rule body back (see [`nonformal_body`]).
pub fn nonformal_of(kind: OutcomeKind, body: &Value) -> Result<Option<NonFormalRule>, Invalid> {
    if body.is_null() {
        return Ok(None);
    }
    let text = |key: &'static str| -> Result<Option<&str>, Invalid> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(Invalid::new(key, "is not text")),
        }
    };
    let hours =
        text("hours_per_credit")?.ok_or_else(|| Invalid::new("hours_per_credit", "is missing"))?;
    let step = text("step")?.ok_or_else(|| Invalid::new("step", "is missing"))?;
    let maximum = text("maximum")?.map(Credits::parse).transpose()?;
    // Versions published before rules had a level grant level 1.
    let level = match body.get("level") {
        None | Some(Value::Null) => FrameworkLevel::LOWEST,
        Some(value) => value
            .as_u64()
            .and_then(|level| u8::try_from(level).ok())
            .ok_or_else(|| Invalid::new("level", "is not a framework level"))
            .and_then(FrameworkLevel::new)?,
    };
    NonFormalRule::new(
        kind,
        ContactHours::parse(hours)?,
        Credits::parse(step)?,
        maximum,
    )
    .map(|rule| Some(rule.with_level(level)))
}

/// The JSON a grade mapping is stored as: each grade's code with its level.
pub fn grades_body(mapping: &GradeMapping) -> Value {
    Value::Object(
        mapping
            .entries()
            .map(|(grade, level)| (grade.as_str().to_owned(), Value::from(level.get())))
            .collect(),
    )
}

/// Reads a stored grade mapping body back (see [`grades_body`]).
pub fn grades_of(body: &Value) -> Result<GradeMapping, Invalid> {
    let object = body
        .as_object()
        .ok_or_else(|| Invalid::new("grade_mapping", "is not an object"))?;
    let mut entries = Vec::with_capacity(object.len());
    for (grade, level) in object {
        let level = level
            .as_u64()
            .and_then(|level| u8::try_from(level).ok())
            .ok_or_else(|| Invalid::new("level", format!("{grade}: {level} is not a level")))?;
        entries.push((VocationalGrade::parse(grade)?, FrameworkLevel::new(level)?));
    }
    GradeMapping::new(&entries)
}

fn corrupt(version: &GeneralRuleVersion, invalid: Invalid) -> BankError {
    let table = match &version.kind {
        Some(kind) => format!("non-formal rule {kind}"),
        None => "grade mapping".to_owned(),
    };
    BankError::Corrupt(format!("{table} {}: {invalid}", version.version))
}

/// Every stored version, decoded, each with the value it replaced.
pub fn history_of(
    nonformal: &[GeneralRuleVersion],
    grades: &[GeneralRuleVersion],
) -> Result<GeneralRuleHistory, BankError> {
    let defaults = NonFormalRules::common_default();
    let mut history = GeneralRuleHistory::default();
    for stored in nonformal {
        let kind_text = stored.kind.as_deref().unwrap_or_default();
        let kind = OutcomeKind::parse(kind_text).map_err(|invalid| corrupt(stored, invalid))?;
        let value = nonformal_of(kind, &stored.body).map_err(|invalid| corrupt(stored, invalid))?;
        let versions = history.nonformal.entry(kind).or_default();
        let before = versions
            .last()
            .map(|entry| entry.value.clone())
            .unwrap_or_else(|| defaults.for_kind(kind).cloned());
        versions.push(RuleVersionEntry {
            version: stored.version,
            published_at: stored.published_at,
            publisher: stored.publisher.clone(),
            value,
            before,
        });
    }
    for stored in grades {
        let value = grades_of(&stored.body).map_err(|invalid| corrupt(stored, invalid))?;
        let before = history
            .grades
            .last()
            .map(|entry| entry.value.clone())
            .unwrap_or_else(GradeMapping::national_default);
        history.grades.push(RuleVersionEntry {
            version: stored.version,
            published_at: stored.published_at,
            publisher: stored.publisher.clone(),
            value,
            before,
        });
    }
    Ok(history)
}

/// Reads the whole history from the store.
pub async fn load_history(store: &dyn Store) -> Result<GeneralRuleHistory, BankError> {
    let nonformal = store.list_nonformal_rule_versions().await?;
    let grades = store.list_grade_mapping_versions().await?;
    history_of(&nonformal, &grades)
}

fn nothing_changed() -> BankError {
    Invalid::new(
        "rules",
        "nothing changed: a new version must differ from the rules in force",
    )
    .into()
}

/// Publishes a new version of each kind whose rule `rows` change (kinds not listed keep theirs),
/// in one transaction with one audit entry (`general_rules.publish`, naming each kind with its
/// new version). Refuses bad rows (every problem, nothing stored) and a publication that changes
/// nothing. Returns the kinds with their new versions; the caller reloads its standards.
pub async fn publish_nonformal_rules(
    store: &dyn Store,
    standards: &Standards,
    rows: &[NonFormalRuleRow],
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<Vec<(OutcomeKind, Version)>, BankError> {
    let wanted = check_nonformal_rows(rows)?;
    let changed: Vec<(OutcomeKind, Option<NonFormalRule>)> = wanted
        .into_iter()
        .filter(|(kind, rule)| standards.general_rules().for_kind(*kind) != rule.as_ref())
        .collect();
    if changed.is_empty() {
        return Err(nothing_changed());
    }
    let bodies: Vec<(String, Value)> = changed
        .iter()
        .map(|(kind, rule)| (kind.as_str().to_owned(), nonformal_body(rule.as_ref())))
        .collect();
    let detail = Value::Object(
        bodies
            .iter()
            .map(|(kind, body)| (kind.clone(), body.clone()))
            .collect(),
    );
    let versions = store
        .publish_nonformal_rules(
            &bodies,
            published_at,
            published_by,
            &audit.clone().with_detail(detail),
        )
        .await?;
    Ok(changed
        .into_iter()
        .map(|(kind, _)| kind)
        .zip(versions)
        .collect())
}

/// Publishes the next version of the grade mapping with its audit entry
/// (`grade_mapping.publish`, subject: the version). Refuses bad rows and a mapping that changes
/// nothing; the caller reloads its standards.
pub async fn publish_grade_mapping(
    store: &dyn Store,
    standards: &Standards,
    rows: &[GradeLevelRow],
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<Version, BankError> {
    let mapping = check_grade_rows(rows)?;
    if &mapping == standards.grades() {
        return Err(nothing_changed());
    }
    let body = grades_body(&mapping);
    Ok(store
        .publish_grade_mapping(
            &body,
            published_at,
            published_by,
            &audit.clone().with_detail(body.clone()),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, hours: &str, step: &str, maximum: &str) -> NonFormalRuleRow {
        let some = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        NonFormalRuleRow {
            kind: kind.into(),
            hours_per_credit: some(hours),
            step: some(step),
            maximum: some(maximum),
            level: None,
        }
    }

    fn problems(error: BankError) -> Vec<(u64, String)> {
        match error {
            BankError::Rejected(problems) => problems
                .into_iter()
                .map(|problem| (problem.row, problem.column))
                .collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn rows_check_into_rules_and_bodies_round_trip() {
        let rules = check_nonformal_rows(&[
            row("community_course", "20", "", "4"),
            row("mooc", "", "", ""),
        ])
        .unwrap();
        let course = rules[&OutcomeKind::CommunityCourse].clone().unwrap();
        assert_eq!(course.hours_per_credit().to_string(), "20");
        assert_eq!(course.step().to_string(), DEFAULT_STEP);
        assert_eq!(rules[&OutcomeKind::Mooc], None);
        let body = nonformal_body(Some(&course));
        assert_eq!(
            nonformal_of(OutcomeKind::CommunityCourse, &body).unwrap(),
            Some(course)
        );
        assert_eq!(nonformal_of(OutcomeKind::Mooc, &Value::Null).unwrap(), None);
        let mapping = GradeMapping::national_default();
        assert_eq!(grades_of(&grades_body(&mapping)).unwrap(), mapping);
    }

    #[test]
    fn every_bad_row_is_named_by_row_and_field() {
        let error = check_nonformal_rows(&[
            row("academic_course", "16", "", ""),
            row("community_course", "0", "", ""),
            row("mooc", "16", "-1", ""),
            row("venue_learning", "16", "0.3", ""),
            row("non_formal_training", "16", "0.5", "0.25"),
            row("community_course", "16", "", ""),
            row("walking", "16", "", ""),
        ])
        .unwrap_err();
        let at = |row: u64, field: &str| (row, field.to_owned());
        assert_eq!(
            problems(error),
            [
                at(1, "kind"),
                at(2, "hours_per_credit"),
                at(3, "step"),
                at(4, "step"),
                at(5, "maximum"),
                at(6, "kind"),
                at(7, "kind"),
            ]
        );
        let error = check_nonformal_rows(&[row("mooc", "", "0.5", "")]).unwrap_err();
        assert_eq!(problems(error), [at(1, "hours_per_credit")]);
        let error = check_nonformal_rows(&[row("mooc", "abc", "", "x")]).unwrap_err();
        assert_eq!(
            problems(error),
            [at(1, "hours_per_credit"), at(1, "maximum")]
        );
    }

    #[test]
    fn a_mapping_names_the_grade_or_row_at_fault() {
        let grade = |grade: &str, level: &str| GradeLevelRow {
            grade: grade.into(),
            level: (!level.is_empty()).then(|| level.to_owned()),
        };
        let full = |levels: [&str; 5]| -> Vec<GradeLevelRow> {
            VocationalGrade::ALL
                .iter()
                .zip(levels)
                .map(|(g, level)| grade(g.as_str(), level))
                .collect()
        };
        assert_eq!(
            check_grade_rows(&full(["2", "3", "4", "5", "5"]))
                .unwrap()
                .level_of(VocationalGrade::One)
                .get(),
            5
        );
        assert_eq!(
            problems(check_grade_rows(&full(["2", "3", "", "11", "5"])).unwrap_err()),
            [(3, "level".to_owned()), (4, "level".to_owned())]
        );
        assert_eq!(
            problems(check_grade_rows(&full(["2", "3", "4", "6", "5"])).unwrap_err()),
            [(5, "level".to_owned())]
        );
        let missing = &full(["2", "3", "4", "5", "6"])[..4];
        assert_eq!(
            problems(check_grade_rows(missing).unwrap_err()),
            [(0, "grade".to_owned())]
        );
        let mut twice = full(["2", "3", "4", "5", "6"]);
        twice.push(grade("五级", "2"));
        twice.push(grade("十级", "2"));
        assert_eq!(
            problems(check_grade_rows(&twice).unwrap_err()),
            [(6, "grade".to_owned()), (7, "grade".to_owned())]
        );
    }

    #[test]
    fn a_rule_grants_its_level_level_one_when_blank_or_stored_before_levels() {
        let with_level = |level: &str| NonFormalRuleRow {
            level: Some(level.to_owned()),
            ..row("community_course", "16", "", "")
        };
        let rules = check_nonformal_rows(&[with_level("第3级")]).unwrap();
        let course = rules[&OutcomeKind::CommunityCourse].clone().unwrap();
        assert_eq!(course.level().get(), 3);
        let body = nonformal_body(Some(&course));
        assert_eq!(body["level"], 3);
        assert_eq!(
            nonformal_of(OutcomeKind::CommunityCourse, &body).unwrap(),
            Some(course)
        );
        let blank = check_nonformal_rows(&[row("community_course", "16", "", "")]).unwrap();
        assert_eq!(
            blank[&OutcomeKind::CommunityCourse]
                .as_ref()
                .unwrap()
                .level(),
            FrameworkLevel::LOWEST
        );
        // A version published before rules had levels.
        let old = json!({"hours_per_credit": "16", "step": "0.5", "maximum": null});
        assert_eq!(
            nonformal_of(OutcomeKind::Mooc, &old)
                .unwrap()
                .unwrap()
                .level(),
            FrameworkLevel::LOWEST
        );
        assert_eq!(
            nonformal_of(
                OutcomeKind::Mooc,
                &json!({"hours_per_credit": "16", "step": "0.5", "level": 11})
            )
            .unwrap_err()
            .field,
            "level"
        );
        let error = check_nonformal_rows(&[with_level("11")]).unwrap_err();
        assert_eq!(problems(error), [(1, "level".to_owned())]);
        // A level without hours is not a rule.
        let error = check_nonformal_rows(&[NonFormalRuleRow {
            level: Some("2".into()),
            ..row("mooc", "", "", "")
        }])
        .unwrap_err();
        assert_eq!(problems(error), [(1, "hours_per_credit".to_owned())]);
    }
}
