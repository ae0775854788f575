//! Request and response shapes of the credit-bank API: outcomes, batches, the review queue,
//! specifications and the learning archive. Credits and hours travel as decimal strings ("1.5")
//! so no value is ever rounded through a float; requests accept a JSON number as well.
//! Conversion's shapes are in [`conversion`], points', incentives' and the data download's in
//! [`points`]; erasure's in [`erase`]; the general rules' in [`general_rules`].

mod accreditation;
mod conversion;
mod erase;
mod general_rules;
mod points;

pub use accreditation::*;
pub use conversion::*;
pub use erase::*;
pub use general_rules::*;
pub use points::*;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xc_bank::{Archive, ArchiveItem, BatchResult, OutcomeInput, ReviewCase};
use xc_domain::credit::{
    CloseSpecification, Difference, OutcomeSpecification, SpecificationId, Version,
};
use xc_store::{DecisionBasis, DecisionRecord, Grant, OutcomeRecord, SpecificationVersion};

use super::{LearnerResponse, rfc3339};
use crate::bank::{
    Basis, DecisionText, Explanation, SpecificationText, SubmitResult, explain, items_on_page,
};
use crate::error::Problem;
use crate::i18n::Lang;
use crate::views;

/// A value given as text or as a JSON number (`"1.5"` or `1.5`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TextOrNumber {
    Text(String),
    #[schema(value_type = f64)]
    Number(serde_json::Number),
}

impl TextOrNumber {
    pub(crate) fn into_text(self) -> String {
        match self {
            TextOrNumber::Text(text) => text,
            TextOrNumber::Number(number) => number.to_string(),
        }
    }
}

fn text(value: Option<TextOrNumber>) -> Option<String> {
    value.map(TextOrNumber::into_text)
}

/// One outcome as a provider submits it. Every field is text as a spreadsheet would hold it;
/// each is checked and every problem reported at once (422 with `problems`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// The provider's own id for the outcome (required, at most 64 characters). Submitting the
    /// same id again stores nothing and answers the outcome already held.
    pub external_id: Option<String>,
    /// The learner's 18-character ID number; or give `learner_id` (or both).
    pub national_id: Option<String>,
    pub learner_id: Option<TextOrNumber>,
    /// `community_course`, `mooc`, `vocational_certificate` … or the Chinese name (社区教育/老年教育课程).
    pub kind: Option<String>,
    pub title: Option<String>,
    /// The day it was achieved, e.g. `2026-06-30` (not after today).
    pub achieved_on: Option<String>,
    /// Contact hours, e.g. `32` or `1.5`.
    pub hours: Option<TextOrNumber>,
    /// A vocational certificate's grade (五级 … 一级, or `grade_3`); only for certificates.
    pub grade: Option<String>,
    /// A topic code (`culture_arts`) or a discipline code (`080601`).
    pub field: Option<String>,
    /// Marks (`85`) or pass / fail (`合格`, `pass`).
    pub score: Option<TextOrNumber>,
    /// `certificate_number`, `transcript_number`, `file_sha256`, `xapi_statement`,
    /// `attendance_record` or `web_link`.
    pub evidence_kind: Option<String>,
    pub evidence: Option<String>,
    /// City admins only: the institution the outcome is from. Provider staff submit for their
    /// own institution and may leave this out.
    pub provider_id: Option<i64>,
}

impl OutcomeRequest {
    pub(crate) fn into_input(self, row: u64) -> (OutcomeInput, Option<i64>) {
        (
            OutcomeInput {
                row,
                external_id: self.external_id,
                national_id: self.national_id,
                learner_id: text(self.learner_id),
                kind: self.kind,
                title: self.title,
                achieved_on: self.achieved_on,
                hours: text(self.hours),
                grade: self.grade,
                field: self.field,
                score: text(self.score),
                evidence_kind: self.evidence_kind,
                evidence: self.evidence,
            },
            self.provider_id,
        )
    }
}

/// A list of outcomes, checked and stored like an uploaded file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBatchRequest {
    /// City admins only, as for one outcome; give it here, not in the items.
    pub provider_id: Option<i64>,
    /// Store nothing unless every item is valid. Defaults to true: nothing is half-imported.
    pub all_or_nothing: Option<bool>,
    /// Numbered from 1 in the report.
    pub items: Vec<OutcomeRequest>,
}

/// What a recognition grants.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantResponse {
    /// The outcome framework level, 1 to 10.
    pub level: u8,
    pub credits: String,
    /// `academic`, `vocational_training` or `culture_leisure`.
    pub category: String,
    /// The last valid day; absent for an outcome that does not expire.
    pub valid_until: Option<String>,
}

impl From<Grant> for GrantResponse {
    fn from(grant: Grant) -> Self {
        GrantResponse {
            level: grant.level.get(),
            credits: grant.credits.to_string(),
            category: grant.category.as_str().to_owned(),
            valid_until: grant.valid_until.map(|day| day.to_string()),
        }
    }
}

/// One specification version, briefly, as recognition refers to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpecificationSummary {
    pub id: i64,
    pub version: u32,
    /// The provider's own code for it.
    pub code: Option<String>,
    pub provider_id: i64,
    pub kind: String,
    pub title: String,
    pub hours: Option<String>,
    pub grade: Option<String>,
    pub field: Option<String>,
    pub level: u8,
    pub credits: String,
}

impl SpecificationSummary {
    pub(crate) fn of(spec: &OutcomeSpecification, version: u32, code: Option<&str>) -> Self {
        SpecificationSummary {
            id: spec.id().get(),
            version,
            code: code.map(str::to_owned),
            provider_id: spec.provider().get(),
            kind: spec.kind().as_str().to_owned(),
            title: spec.title().as_str().to_owned(),
            hours: spec.hours().map(|h| h.to_string()),
            grade: spec.grade().map(|g| g.as_str().to_owned()),
            field: spec.field().map(ToString::to_string),
            level: spec.level().get(),
            credits: spec.credits().to_string(),
        }
    }
}

/// How a submitted outcome differs from a specification.
#[derive(Debug, Serialize, ToSchema)]
pub struct DifferenceResponse {
    /// `kind`, `title`, `provider`, `grade`, `hours`, `field` or `also_matches`.
    pub aspect: String,
    pub message_zh: String,
    pub message_en: String,
}

impl From<&Difference> for DifferenceResponse {
    fn from(difference: &Difference) -> Self {
        DifferenceResponse {
            aspect: views::difference_aspect(difference).to_owned(),
            message_zh: views::difference_text(difference, Lang::Zh),
            message_en: views::difference_text(difference, Lang::En),
        }
    }
}

/// A specification close to an outcome in review, with what differs.
#[derive(Debug, Serialize, ToSchema)]
pub struct CloseSpecificationResponse {
    pub specification: SpecificationSummary,
    pub differences: Vec<DifferenceResponse>,
}

impl CloseSpecificationResponse {
    pub(crate) fn of(
        close: &CloseSpecification,
        spec: &OutcomeSpecification,
        standards: &xc_bank::Standards,
    ) -> Self {
        CloseSpecificationResponse {
            specification: SpecificationSummary::of(
                spec,
                close.version.get(),
                standards.code_of(close.spec),
            ),
            differences: close
                .differences
                .iter()
                .map(DifferenceResponse::from)
                .collect(),
        }
    }
}

/// Why an outcome stands where it does.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecognitionResponse {
    /// `specification` (recognised automatically: one specification matched exactly),
    /// `reviewer` (decided by credit-bank staff) or `pending` (waiting in the review queue).
    pub basis: String,
    /// The specification version matched or followed.
    pub specification: Option<SpecificationSummary>,
    pub grant: Option<GrantResponse>,
    /// For an outcome in review: the closest specifications, closest first.
    pub closest: Vec<CloseSpecificationResponse>,
    /// For non-formal learning in review: what the general hours rule would give.
    pub general_rule_credits: Option<String>,
    /// The decision's reason (for a rejection, what the learner is told).
    pub reason: Option<String>,
}

impl RecognitionResponse {
    pub(crate) fn of(explanation: &Explanation, standards: &xc_bank::Standards) -> Self {
        let summary = |id: SpecificationId, version: Version| {
            standards
                .catalogue()
                .history(id)
                .and_then(|history| history.version(version))
                .map(|published| {
                    SpecificationSummary::of(
                        published.value(),
                        version.get(),
                        standards.code_of(id),
                    )
                })
        };
        let (basis, specification) = match explanation.basis {
            Basis::Specification(id, version) => ("specification", summary(id, version)),
            Basis::Reviewer(followed) => (
                "reviewer",
                followed.and_then(|(id, version)| summary(id, version)),
            ),
            Basis::GeneralRule(_) => ("general_rule", None),
            Basis::Pending => ("pending", None),
        };
        RecognitionResponse {
            basis: basis.to_owned(),
            specification,
            grant: explanation.grant.map(GrantResponse::from),
            closest: explanation
                .closest
                .iter()
                .map(|(close, spec)| CloseSpecificationResponse::of(close, spec, standards))
                .collect(),
            general_rule_credits: explanation.general_rule_credits.map(|c| c.to_string()),
            reason: explanation.reason.clone(),
        }
    }
}

/// One outcome submitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionResponse {
    pub outcome_id: i64,
    pub learner_id: i64,
    pub external_id: String,
    /// `recognised`, `in_review` or `rejected`.
    pub status: String,
    /// True when the provider had submitted this outcome id before: nothing was stored now.
    pub already_stored: bool,
    pub recognition: RecognitionResponse,
}

impl SubmissionResponse {
    pub(crate) fn of(result: &SubmitResult, standards: &xc_bank::Standards) -> Self {
        SubmissionResponse {
            outcome_id: result.outcome.id.get(),
            learner_id: result.outcome.learner.get(),
            external_id: result.outcome.external_id.clone(),
            status: result.outcome.status.as_str().to_owned(),
            already_stored: result.already_stored,
            recognition: RecognitionResponse::of(
                &explain(
                    &result.outcome,
                    &result.decisions,
                    &result.recognition,
                    standards,
                ),
                standards,
            ),
        }
    }
}

/// A problem with the file as a whole that did not stop it being read (an unknown column).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileProblemResponse {
    pub reason_zh: String,
    pub reason_en: String,
}

/// What became of a batch (a list or an uploaded file).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// The stored batch; absent when nothing was stored (see `problems`).
    pub batch_id: Option<i64>,
    /// Data rows read, and of those the rows without any problem.
    pub rows: u64,
    pub valid_rows: u64,
    /// Outcomes stored now; valid rows whose outcome id the provider had already submitted.
    pub stored: u64,
    pub already_stored: u64,
    /// Of those stored now: recognised automatically, and waiting for review.
    pub recognised: u64,
    pub in_review: u64,
    pub all_or_nothing: bool,
    pub file_problems: Vec<FileProblemResponse>,
    /// Row by row, the first 1,000 problems in full.
    pub problems: Vec<Problem>,
    /// Every problem found, and how many rows had one.
    pub problem_count: u64,
    pub rows_with_problems: u64,
    /// Problems counted but not listed.
    pub omitted: u64,
}

impl BatchResponse {
    pub(crate) fn of(result: &BatchResult, all_or_nothing: bool) -> Self {
        BatchResponse {
            batch_id: result.batch.as_ref().map(|batch| batch.id.get()),
            rows: result.rows,
            valid_rows: result.valid_rows,
            stored: result.stored,
            already_stored: result.already_stored,
            recognised: result.recognised,
            in_review: result.in_review,
            all_or_nothing,
            file_problems: result
                .report
                .file_problems()
                .iter()
                .map(|problem| FileProblemResponse {
                    reason_zh: problem.reason_zh.clone(),
                    reason_en: problem.reason_en.clone(),
                })
                .collect(),
            problems: result.report.problems().iter().map(Problem::from).collect(),
            problem_count: result.report.total(),
            rows_with_problems: result.report.rows_with_problems(),
            omitted: result.report.omitted(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    pub kind: String,
    pub reference: String,
}

/// A recognition decision (append-only).
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResponse {
    pub id: i64,
    pub decided_at: String,
    pub accepted: bool,
    /// `specification` or `general_rule` (automatic), or `reviewer`.
    pub basis: String,
    /// The general rule an automatic decision followed: its outcome kind, and its version
    /// (`null`: the built-in rule).
    pub general_rule: Option<GeneralRuleResponse>,
    pub specification_id: Option<i64>,
    pub specification_version: Option<u32>,
    pub reviewer_id: Option<i64>,
    pub grant: Option<GrantResponse>,
    pub reason: String,
}

impl From<&DecisionRecord> for DecisionResponse {
    fn from(decision: &DecisionRecord) -> Self {
        let (basis, specification, reviewer) = match decision.basis {
            DecisionBasis::Specification {
                specification,
                version,
            } => ("specification", Some((specification, version)), None),
            DecisionBasis::GeneralRule(_) => ("general_rule", None, None),
            DecisionBasis::Reviewer {
                reviewer,
                specification,
            } => ("reviewer", specification, Some(reviewer)),
        };
        DecisionResponse {
            id: decision.id.get(),
            decided_at: rfc3339(decision.decided_at),
            accepted: decision.grant.is_some(),
            basis: basis.to_owned(),
            specification_id: specification.map(|(id, _)| id.get()),
            specification_version: specification.map(|(_, version)| version.get()),
            reviewer_id: reviewer.map(|id| id.get()),
            general_rule: match decision.basis {
                DecisionBasis::GeneralRule(rule) => Some(GeneralRuleResponse::from(rule)),
                _ => None,
            },
            grant: decision.grant.map(GrantResponse::from),
            reason: decision.reason.clone(),
        }
    }
}

/// A general rule for non-formal learning as a decision names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneralRuleResponse {
    pub kind: String,
    pub version: Option<u32>,
}

impl From<xc_store::GeneralRuleRef> for GeneralRuleResponse {
    fn from(rule: xc_store::GeneralRuleRef) -> Self {
        Self {
            kind: rule.kind.as_str().to_owned(),
            version: rule.version.map(|version| version.get()),
        }
    }
}

/// An outcome as stored, with its decisions (oldest first; none while in review).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeResponse {
    pub id: i64,
    pub learner_id: i64,
    pub provider_id: i64,
    pub external_id: String,
    pub kind: String,
    pub title: String,
    pub hours: Option<String>,
    pub grade: Option<String>,
    pub field: Option<String>,
    pub score: Option<String>,
    pub achieved_on: String,
    pub evidence: Vec<EvidenceResponse>,
    /// `recognised`, `in_review` or `rejected`.
    pub status: String,
    pub grant: Option<GrantResponse>,
    pub submitted_at: String,
    pub batch_id: Option<i64>,
    pub decisions: Vec<DecisionResponse>,
}

impl OutcomeResponse {
    pub(crate) fn of(outcome: &OutcomeRecord, decisions: &[DecisionRecord]) -> Self {
        let submitted = &outcome.submitted;
        OutcomeResponse {
            id: outcome.id.get(),
            learner_id: outcome.learner.get(),
            provider_id: submitted.provider.get(),
            external_id: outcome.external_id.clone(),
            kind: submitted.kind.as_str().to_owned(),
            title: submitted.title.as_str().to_owned(),
            hours: submitted.hours.map(|h| h.to_string()),
            grade: submitted.grade.map(|g| g.as_str().to_owned()),
            field: submitted.field.as_ref().map(ToString::to_string),
            score: submitted.score.map(|s| s.to_string()),
            achieved_on: submitted.achieved_on.to_string(),
            evidence: submitted
                .evidence
                .iter()
                .map(|e| EvidenceResponse {
                    kind: e.kind().as_str().to_owned(),
                    reference: e.reference().to_owned(),
                })
                .collect(),
            status: outcome.status.as_str().to_owned(),
            grant: outcome.grant.map(GrantResponse::from),
            submitted_at: rfc3339(outcome.submitted_at),
            batch_id: outcome.batch.map(|b| b.get()),
            decisions: decisions.iter().map(DecisionResponse::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// Only outcomes of this institution (id).
    pub provider: Option<String>,
    /// Only outcomes of this kind (`mooc`, `community_course` …).
    pub kind: Option<String>,
    pub offset: Option<u64>,
    /// 1 to 500; 50 when left out.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueuePage {
    /// Oldest submission first.
    pub items: Vec<OutcomeResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
}

/// Everything a reviewer needs to decide on one outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewCaseResponse {
    pub outcome: OutcomeResponse,
    /// The learner, personal data masked.
    pub learner: LearnerResponse,
    /// Closest first, with what differs.
    pub closest: Vec<CloseSpecificationResponse>,
    /// What the general hours rule would give a non-formal outcome, as a suggestion.
    pub general_rule_credits: Option<String>,
    /// The learner's other outcomes, most recent first (at most 20).
    pub history: Vec<OutcomeResponse>,
    /// Where the provider stood in the register of accredited providers on the day the outcome
    /// was achieved: `accredited`, `expired`, `withdrawn` or `never`. Only accredited providers'
    /// outcomes may be recognised under the general rules without review.
    pub provider_accreditation: String,
}

impl ReviewCaseResponse {
    pub(crate) fn of(
        case: &ReviewCase,
        learner: xc_store::LearnerRecord,
        standards: &xc_bank::Standards,
    ) -> Self {
        ReviewCaseResponse {
            outcome: OutcomeResponse::of(&case.outcome, &[]),
            learner: learner.into(),
            closest: case
                .closest
                .iter()
                .map(|(close, spec)| CloseSpecificationResponse::of(close, spec, standards))
                .collect(),
            general_rule_credits: case.general_rule_credits.map(|c| c.to_string()),
            provider_accreditation: status_code(case.provider_accreditation).into(),
            history: case
                .history
                .iter()
                .map(|outcome| OutcomeResponse::of(outcome, &[]))
                .collect(),
        }
    }
}

/// A reviewer's decision. To accept: `level`, `credits`, and optionally `category` (the kind's
/// default otherwise), `validity_months` (no expiry when left out), the specification followed
/// (`specification_id` with `specification_version`) and a `reason`. To reject: a `reason`,
/// which the learner and the provider will read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `accept` or `reject`.
    pub decision: String,
    pub level: Option<TextOrNumber>,
    pub credits: Option<TextOrNumber>,
    pub category: Option<String>,
    pub validity_months: Option<TextOrNumber>,
    pub specification_id: Option<TextOrNumber>,
    pub specification_version: Option<TextOrNumber>,
    pub reason: Option<String>,
}

impl DecisionRequest {
    pub(crate) fn into_text(self) -> DecisionText {
        DecisionText {
            decision: self.decision,
            level: text(self.level),
            credits: text(self.credits),
            category: self.category,
            validity_months: text(self.validity_months),
            specification_id: text(self.specification_id),
            specification_version: text(self.specification_version),
            reason: self.reason,
        }
    }
}

/// One published version of a specification.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpecificationVersionResponse {
    pub id: i64,
    pub provider_id: i64,
    pub code: String,
    pub version: u32,
    pub kind: String,
    pub category: String,
    pub title: String,
    pub hours: Option<String>,
    pub grade: Option<String>,
    pub level: u8,
    pub credits: String,
    pub field: Option<String>,
    /// Months a recognised outcome stays valid; absent: no expiry.
    pub validity_months: Option<u16>,
    pub published_at: String,
    pub published_by: Option<i64>,
}

impl From<&SpecificationVersion> for SpecificationVersionResponse {
    fn from(v: &SpecificationVersion) -> Self {
        let content = &v.content;
        SpecificationVersionResponse {
            id: v.id.get(),
            provider_id: v.provider.get(),
            code: v.code.clone(),
            version: v.version.get(),
            kind: content.kind.as_str().to_owned(),
            category: content.category.as_str().to_owned(),
            title: content.title.as_str().to_owned(),
            hours: content.hours.map(|h| h.to_string()),
            grade: content.grade.map(|g| g.as_str().to_owned()),
            level: content.level.get(),
            credits: content.credits.to_string(),
            field: content.field.as_ref().map(ToString::to_string),
            validity_months: content.validity.as_months(),
            published_at: rfc3339(v.published_at),
            published_by: v.published_by.map(|u| u.get()),
        }
    }
}

/// A specification with every version, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpecificationHistoryResponse {
    pub id: i64,
    pub provider_id: i64,
    pub code: String,
    pub versions: Vec<SpecificationVersionResponse>,
}

/// What a specification says. Level, credits and category may be left out for the standards to
/// derive: a certificate's level from its grade, a non-formal outcome's credits from its hours
/// (16 hours a credit), the category from the kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecificationContentRequest {
    pub kind: String,
    pub category: Option<String>,
    pub title: String,
    pub hours: Option<TextOrNumber>,
    pub grade: Option<String>,
    pub level: Option<TextOrNumber>,
    pub credits: Option<TextOrNumber>,
    pub field: Option<String>,
    /// Months a recognised outcome stays valid; leave out for no expiry.
    pub validity_months: Option<TextOrNumber>,
}

impl SpecificationContentRequest {
    pub(crate) fn into_text(self) -> SpecificationText {
        SpecificationText {
            kind: Some(self.kind),
            category: self.category,
            title: Some(self.title),
            hours: text(self.hours),
            grade: self.grade,
            level: text(self.level),
            credits: text(self.credits),
            field: self.field,
            validity_months: text(self.validity_months),
        }
    }
}

/// A new specification of an institution, under the institution's own code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpecificationRequest {
    pub provider_id: i64,
    /// The provider's own code, 1 to 64 characters, unique per provider.
    pub code: String,
    pub kind: String,
    pub category: Option<String>,
    pub title: String,
    pub hours: Option<TextOrNumber>,
    pub grade: Option<String>,
    pub level: Option<TextOrNumber>,
    pub credits: Option<TextOrNumber>,
    pub field: Option<String>,
    pub validity_months: Option<TextOrNumber>,
}

impl NewSpecificationRequest {
    pub(crate) fn into_parts(self) -> (i64, String, SpecificationText) {
        let content = SpecificationContentRequest {
            kind: self.kind,
            category: self.category,
            title: self.title,
            hours: self.hours,
            grade: self.grade,
            level: self.level,
            credits: self.credits,
            field: self.field,
            validity_months: self.validity_months,
        };
        (self.provider_id, self.code, content.into_text())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// Only outcomes of this kind (`mooc`, `community_course` … or the Chinese name).
    pub kind: Option<String>,
    /// Only outcomes achieved in this year.
    pub year: Option<String>,
    /// Only outcomes within this field (a topic code, or a discipline code covering theirs).
    pub field: Option<String>,
    /// How many of the (filtered, newest first) outcomes to skip; 0 when left out.
    pub offset: Option<u64>,
    /// How many outcomes to return: 1 to 500; 50 when left out.
    pub limit: Option<u32>,
    /// Where the page of activity starts: the `activity.next` of the previous answer.
    pub activity_before: Option<String>,
    /// How many activity items to return: 1 to 100; 20 when left out.
    pub activity_limit: Option<u32>,
}

/// Count and credits of recognised outcomes in one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyResponse {
    pub outcomes: u64,
    pub credits: String,
}

impl From<xc_bank::archive::Tally> for TallyResponse {
    fn from(tally: xc_bank::archive::Tally) -> Self {
        TallyResponse {
            outcomes: tally.outcomes,
            credits: tally.credits.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupTallyResponse {
    /// The level (`3`), category code or field code; empty for outcomes without a field.
    pub group: String,
    pub outcomes: u64,
    pub credits: String,
}

/// Totals over every outcome the filters keep (all pages, not only the items returned).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveTotalsResponse {
    pub outcomes: u64,
    pub recognised: u64,
    pub in_review: u64,
    pub rejected: u64,
    /// Recognised outcomes still valid today, with their credits.
    pub valid: TallyResponse,
    pub by_level: Vec<GroupTallyResponse>,
    pub by_category: Vec<GroupTallyResponse>,
    pub by_field: Vec<GroupTallyResponse>,
    /// Years with outcomes (whatever the filter), newest first.
    pub years: Vec<i32>,
}

/// One outcome in the archive.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveItemResponse {
    pub outcome: OutcomeResponse,
    /// Recognised, but past its last valid day.
    pub expired: bool,
    /// The latest decision's reason (for a rejection: why).
    pub reason: Option<String>,
    pub decided_at: Option<String>,
}

impl From<&ArchiveItem> for ArchiveItemResponse {
    fn from(item: &ArchiveItem) -> Self {
        ArchiveItemResponse {
            outcome: OutcomeResponse::of(&item.outcome, &[]),
            expired: item.expired,
            reason: item
                .decision
                .as_ref()
                .map(|d| d.reason.clone())
                .filter(|r| !r.is_empty()),
            decided_at: item.decision.as_ref().map(|d| rfc3339(d.decided_at)),
        }
    }
}

/// A learner's archive (学习档案): one page of outcomes, newest achievement first, with totals
/// over every outcome the filters keep (not only the page).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveResponse {
    pub learner_id: i64,
    /// The day validity is judged on (today, Beijing time).
    pub on: String,
    /// The incentive points balance.
    pub points: i64,
    pub totals: ArchiveTotalsResponse,
    /// How many outcomes the filters keep, over all pages.
    pub total_items: u64,
    pub offset: u64,
    pub limit: u32,
    /// At most `limit` outcomes from `offset`; empty past the end.
    pub items: Vec<ArchiveItemResponse>,
    /// The learner's activity reported to the learning record store (xAPI statements whose
    /// actor is the learner), newest first, a page at a time. A `year` filter keeps the
    /// statements stored in that year; a `kind` or `field` filter (properties of outcomes) none.
    pub activity: super::ActivityPageResponse,
}

impl ArchiveResponse {
    /// The `page` of `archive`'s items, with its totals, and a page of the learner's activity.
    pub fn of(
        archive: &Archive,
        page: xc_store::PageRequest,
        activity: &xc_bank::learning_records::ActivityPage,
    ) -> Self {
        let totals = &archive.totals;
        let group = |name: String, tally: &xc_bank::archive::Tally| GroupTallyResponse {
            group: name,
            outcomes: tally.outcomes,
            credits: tally.credits.to_string(),
        };
        ArchiveResponse {
            learner_id: archive.learner.get(),
            on: archive.on.to_string(),
            points: archive.points,
            totals: ArchiveTotalsResponse {
                outcomes: totals.outcomes,
                recognised: totals.recognised,
                in_review: totals.in_review,
                rejected: totals.rejected,
                valid: totals.valid.into(),
                by_level: totals
                    .by_level
                    .iter()
                    .map(|(level, tally)| group(level.to_string(), tally))
                    .collect(),
                by_category: totals
                    .by_category
                    .iter()
                    .map(|(category, tally)| group(category.as_str().to_owned(), tally))
                    .collect(),
                by_field: totals
                    .by_field
                    .iter()
                    .map(|(field, tally)| group(field.clone(), tally))
                    .collect(),
                years: totals.years.clone(),
            },
            total_items: archive.items.len() as u64,
            offset: page.offset,
            limit: page.limit,
            items: items_on_page(&archive.items, page)
                .iter()
                .map(ArchiveItemResponse::from)
                .collect(),
            activity: super::ActivityPageResponse::from(activity),
        }
    }
}

/// The form of an outcome upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
pub struct OutcomeUploadForm {
    /// The CSV (UTF-8, GBK/GB18030 or UTF-16) or XLSX file, at most 100 MB.
    #[schema(format = Binary, value_type = String)]
    pub file: Vec<u8>,
    /// Store nothing unless every row is valid (default true).
    pub all_or_nothing: Option<bool>,
    /// City admins only: the institution the outcomes are from.
    pub provider_id: Option<i64>,
}
