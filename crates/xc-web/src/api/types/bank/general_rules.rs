//! Request and response shapes of the general rules: the non-formal hours rules (contact hours
//! to credits, one per kind) and the vocational grade mapping, in force and as published.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xc_bank::general_rules::FieldChange;
use xc_bank::{GradeLevelRow, NonFormalRuleRow};

use super::super::rfc3339;
use super::{TextOrNumber, text};
use crate::bank::general_rules::GeneralRules;

/// A non-formal kind's rule in force. `hours_per_credit` is absent when the kind has no rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct NonFormalRuleResponse {
    /// `non_formal_training`, `venue_learning`, `community_course` or `mooc`.
    pub kind: String,
    /// The published version in force; absent while the built-in default (16 hours per credit
    /// in 0.5 steps) applies.
    pub version: Option<u32>,
    pub hours_per_credit: Option<String>,
    /// Credits are granted in whole steps, rounded down.
    pub step: Option<String>,
    pub maximum: Option<String>,
    /// The framework level (1–10) an outcome recognised under the rule holds.
    pub level: Option<u8>,
}

/// One grade's framework level.
#[derive(Debug, Serialize, ToSchema)]
pub struct GradeLevelResponse {
    /// `grade_5` (五级/初级工) … `grade_1` (一级/高级技师).
    pub grade: String,
    pub label_zh: String,
    pub level: u8,
}

/// One field a version changed (`before`/`after` absent: no rule, or no maximum).
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeResponse {
    /// `hours_per_credit`, `step`, `maximum`, or a grade (`grade_3`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<&FieldChange> for FieldChangeResponse {
    fn from(change: &FieldChange) -> Self {
        FieldChangeResponse {
            field: change.field.clone(),
            before: change.before.clone(),
            after: change.after.clone(),
        }
    }
}

/// One published version: who, when, what changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneralRuleVersionResponse {
    /// `nonformal` (with `kind`) or `grade_mapping`.
    pub subject: String,
    pub kind: Option<String>,
    pub version: u32,
    pub published_at: String,
    /// The user name of who published it.
    pub published_by: Option<String>,
    pub changes: Vec<FieldChangeResponse>,
}

/// The general rules in force and every published version, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneralRulesResponse {
    pub nonformal: Vec<NonFormalRuleResponse>,
    /// The published version of the mapping in force; absent while the default applies.
    pub grade_mapping_version: Option<u32>,
    pub grade_mapping: Vec<GradeLevelResponse>,
    pub history: Vec<GeneralRuleVersionResponse>,
}

impl From<&GeneralRules> for GeneralRulesResponse {
    fn from(rules: &GeneralRules) -> Self {
        let standards = &rules.standards;
        let nonformal = rules
            .kinds()
            .map(|kind| {
                let rule = standards.general_rules().for_kind(kind);
                NonFormalRuleResponse {
                    kind: kind.as_str().to_owned(),
                    version: standards.general_rule_version(kind).map(|v| v.get()),
                    hours_per_credit: rule.map(|r| r.hours_per_credit().to_string()),
                    step: rule.map(|r| r.step().to_string()),
                    maximum: rule.and_then(|r| r.maximum()).map(|m| m.to_string()),
                    level: rule.map(|r| r.level().get()),
                }
            })
            .collect();
        let grade_mapping = standards
            .grades()
            .entries()
            .map(|(grade, level)| GradeLevelResponse {
                grade: grade.as_str().to_owned(),
                label_zh: grade.label_zh().to_owned(),
                level: level.get(),
            })
            .collect();
        let mut history: Vec<GeneralRuleVersionResponse> = rules
            .history
            .nonformal
            .iter()
            .flat_map(|(kind, versions)| {
                versions.iter().map(|entry| GeneralRuleVersionResponse {
                    subject: "nonformal".into(),
                    kind: Some(kind.as_str().to_owned()),
                    version: entry.version.get(),
                    published_at: rfc3339(entry.published_at),
                    published_by: entry.publisher.clone(),
                    changes: entry
                        .changes()
                        .iter()
                        .map(FieldChangeResponse::from)
                        .collect(),
                })
            })
            .collect();
        history.extend(rules.history.grades.iter().map(|entry| {
            GeneralRuleVersionResponse {
                subject: "grade_mapping".into(),
                kind: None,
                version: entry.version.get(),
                published_at: rfc3339(entry.published_at),
                published_by: entry.publisher.clone(),
                changes: entry
                    .changes()
                    .iter()
                    .map(FieldChangeResponse::from)
                    .collect(),
            }
        }));
        history.sort_by(|a, b| a.published_at.cmp(&b.published_at));
        GeneralRulesResponse {
            nonformal,
            grade_mapping_version: standards.grades_version().map(|v| v.get()),
            grade_mapping,
            history,
        }
    }
}

/// One kind's rule as staff want it. Leave `hours_per_credit`, `step` and `maximum` all out to
/// take the kind's rule away.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonFormalRuleItem {
    /// `non_formal_training`, `venue_learning`, `community_course`, `mooc` (or the Chinese name).
    pub kind: String,
    /// Contact hours per credit, more than 0 (e.g. `16` or `12.5`).
    pub hours_per_credit: Option<TextOrNumber>,
    /// Credits come in whole steps that divide one credit (1, 0.5, 0.25, 0.2, 0.1); 0.5 when
    /// left out.
    pub step: Option<TextOrNumber>,
    /// The most credits one outcome gets; no maximum when left out.
    pub maximum: Option<TextOrNumber>,
    /// The framework level (1–10) an outcome recognised automatically under the rule holds
    /// (the rule recognises non-formal hours of accredited providers); 1 when left out.
    pub level: Option<TextOrNumber>,
}

/// A new version of the non-formal rules: the kinds listed get a new version where their rule
/// changes; kinds not listed keep theirs. Problems are reported by `row` (the position in
/// `rules`, from 1) and field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonFormalRulesRequest {
    pub rules: Vec<NonFormalRuleItem>,
}

impl NonFormalRulesRequest {
    pub(crate) fn into_rows(self) -> Vec<NonFormalRuleRow> {
        self.rules
            .into_iter()
            .map(|item| NonFormalRuleRow {
                kind: item.kind,
                hours_per_credit: text(item.hours_per_credit),
                step: text(item.step),
                maximum: text(item.maximum),
                level: text(item.level),
            })
            .collect()
    }
}

/// One grade's framework level.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeLevelItem {
    /// `grade_5` … `grade_1`, 五级 … 一级, or 初级工 … 高级技师.
    pub grade: String,
    /// 1 to 10; a higher grade is never below a lower one.
    pub level: Option<TextOrNumber>,
}

/// A new version of the grade mapping: every grade exactly once. Problems are reported by
/// `row` (the position in `levels`, from 1; 0 for a grade missing from the list) and field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeMappingRequest {
    pub levels: Vec<GradeLevelItem>,
}

impl GradeMappingRequest {
    pub(crate) fn into_rows(self) -> Vec<GradeLevelRow> {
        self.levels
            .into_iter()
            .map(|item| GradeLevelRow {
                grade: item.grade,
                level: text(item.level),
            })
            .collect()
    }
}
