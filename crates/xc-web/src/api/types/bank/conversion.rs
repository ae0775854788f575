//! Request and response shapes of conversion: programmes, their rules (a rule travels as the same
//! JSON it is written in), the engine's proposal with its explanation in Chinese and English,
//! and applications with their lines. Credits are decimal strings, as everywhere in the API.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xc_bank::ConversionRules;
use xc_domain::credit::{ConversionRuleDraft, Grant, Proposal, ScoreRequirement};
use xc_store::{ApplicationRecord, ConversionRuleVersion, OutcomeRecord, ProgrammeRecord};

use super::super::rfc3339;
use super::{TextOrNumber, text};
use crate::bank::conversion::{
    ApplicationDecisionText, GrantText, ProgrammeText, RuleText, line_grant,
};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::views::conversion::{
    ConversionWords, exclusion_code, exclusion_text, grant_text, miss_code,
};

/// A new target programme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRequest {
    /// The institution that runs it (e.g. the open university).
    pub institution_id: i64,
    /// The institution's own code, 1 to 32 characters, unique per institution.
    pub code: String,
    /// 1 to 100 characters, e.g. `电气自动化技术（双元制）`.
    pub name: String,
    /// How many converted credits it accepts in all, for one learner (above 0).
    pub max_credits: TextOrNumber,
}

impl ProgrammeRequest {
    pub(crate) fn into_text(self) -> ProgrammeText {
        ProgrammeText {
            institution_id: Some(self.institution_id.to_string()),
            code: Some(self.code),
            name: Some(self.name),
            max_credits: Some(self.max_credits.into_text()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeResponse {
    pub id: i64,
    pub institution_id: i64,
    pub code: String,
    pub name: String,
    pub max_credits: String,
    /// How many rules are in force.
    pub rules: usize,
}

impl ProgrammeResponse {
    pub(crate) fn of(programme: &ProgrammeRecord, rules: &ConversionRules) -> Self {
        ProgrammeResponse {
            id: programme.id.get(),
            institution_id: programme.institution.get(),
            code: programme.code.clone(),
            name: programme.name.clone(),
            max_credits: programme.max_credits.to_string(),
            rules: rules.rules_of(programme.id).count(),
        }
    }
}

/// One course exempted, with the credits it carries.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseCreditsRequest {
    /// The programme's course code: letters, digits, '-', '_' and '.' (stored upper-case).
    pub course: String,
    pub credits: TextOrNumber,
}

/// What a rule grants: `{"course_exemptions": [{"course": "ELEC-101", "credits": "4"}]}` or
/// `{"elective_credits": "2"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConversionGrantRequest {
    CourseExemptions(Vec<CourseCreditsRequest>),
    ElectiveCredits(TextOrNumber),
}

impl ConversionGrantRequest {
    fn into_text(self) -> GrantText {
        match self {
            ConversionGrantRequest::CourseExemptions(courses) => GrantText::CourseExemptions(
                courses
                    .into_iter()
                    .map(|c| (c.course, c.credits.into_text()))
                    .collect(),
            ),
            ConversionGrantRequest::ElectiveCredits(credits) => {
                GrantText::ElectiveCredits(credits.into_text())
            }
        }
    }
}

/// A conversion rule: which recognised outcomes it takes and what it grants. A rule that can
/// never be met (a minimum level above 10, culture-and-leisure outcomes, a grant above the
/// programme's cap …) or contradicts another rule of the programme is refused: 422 with the
/// field and the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleContentRequest {
    /// Higher is tried first (default 0); ties by rule id.
    pub priority: Option<TextOrNumber>,
    /// Any of these kinds (`community_course`, `vocational_certificate` … or the Chinese
    /// names); leave out for any kind.
    pub kinds: Option<Vec<String>>,
    /// `academic` or `vocational_training` (culture and leisure never converts).
    pub category: Option<String>,
    /// The outcome's title, or a certificate's occupation (电工).
    pub title: Option<String>,
    /// A topic code (`smart_living`) or a discipline code the outcome's field falls within.
    pub field: Option<String>,
    /// Certificates of this grade or higher (五级 … 一级, or `grade_3`).
    pub min_grade: Option<String>,
    /// Outcomes at this framework level (1 to 10) or higher.
    pub min_level: Option<TextOrNumber>,
    /// `pass` (合格), or minimum marks.
    pub min_score: Option<TextOrNumber>,
    /// Outcomes achieved at most this many years before the day of the proposal.
    pub max_age_years: Option<TextOrNumber>,
    /// How many outcomes one application of the rule uses (default 1).
    pub count: Option<TextOrNumber>,
    /// How many times the rule may apply in one proposal (default 1; exemptions only once).
    pub repeat: Option<TextOrNumber>,
    pub grant: Option<ConversionGrantRequest>,
}

impl RuleContentRequest {
    pub(crate) fn into_text(self) -> RuleText {
        RuleText {
            priority: text(self.priority),
            kinds: self.kinds.unwrap_or_default(),
            category: self.category,
            title: self.title,
            field: self.field,
            min_grade: self.min_grade,
            min_level: text(self.min_level),
            min_score: text(self.min_score),
            max_age_years: text(self.max_age_years),
            count: text(self.count),
            repeat: text(self.repeat),
            grant: self
                .grant
                .map_or(GrantText::Missing, ConversionGrantRequest::into_text),
        }
    }
}

/// A new rule of a programme, under a code of the programme's own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRuleRequest {
    /// 1 to 32 characters, unique within the programme.
    pub code: String,
    pub priority: Option<TextOrNumber>,
    pub kinds: Option<Vec<String>>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub field: Option<String>,
    pub min_grade: Option<String>,
    pub min_level: Option<TextOrNumber>,
    pub min_score: Option<TextOrNumber>,
    pub max_age_years: Option<TextOrNumber>,
    pub count: Option<TextOrNumber>,
    pub repeat: Option<TextOrNumber>,
    pub grant: Option<ConversionGrantRequest>,
}

impl NewRuleRequest {
    pub(crate) fn into_parts(self) -> (String, RuleText) {
        let content = RuleContentRequest {
            priority: self.priority,
            kinds: self.kinds,
            category: self.category,
            title: self.title,
            field: self.field,
            min_grade: self.min_grade,
            min_level: self.min_level,
            min_score: self.min_score,
            max_age_years: self.max_age_years,
            count: self.count,
            repeat: self.repeat,
            grant: self.grant,
        };
        (self.code, content.into_text())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseCreditsResponse {
    pub course: String,
    pub credits: String,
}

/// What a rule or a line grants, in the shape rules are written in: exactly one of
/// `course_exemptions` and `elective_credits`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversionGrantResponse {
    CourseExemptions(Vec<CourseCreditsResponse>),
    ElectiveCredits(String),
}

impl From<&Grant> for ConversionGrantResponse {
    fn from(grant: &Grant) -> Self {
        match grant {
            Grant::CourseExemptions(courses) => ConversionGrantResponse::CourseExemptions(
                courses
                    .iter()
                    .map(|c| CourseCreditsResponse {
                        course: c.course.to_string(),
                        credits: c.credits.to_string(),
                    })
                    .collect(),
            ),
            Grant::ElectiveCredits(credits) => {
                ConversionGrantResponse::ElectiveCredits(credits.to_string())
            }
        }
    }
}

/// A rule's content, as it is written (kinds sorted, course codes upper-case).
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleBodyResponse {
    pub priority: u16,
    /// Empty: any kind.
    pub kinds: Vec<String>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub field: Option<String>,
    pub min_grade: Option<String>,
    pub min_level: Option<u8>,
    /// `pass`, or minimum marks.
    pub min_score: Option<String>,
    pub max_age_years: Option<u8>,
    pub count: u8,
    pub repeat: u8,
    pub grant: ConversionGrantResponse,
}

impl From<&ConversionRuleDraft> for RuleBodyResponse {
    fn from(rule: &ConversionRuleDraft) -> Self {
        RuleBodyResponse {
            priority: rule.priority,
            kinds: rule.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            category: rule.category.map(|c| c.as_str().to_owned()),
            title: rule.title.as_ref().map(|t| t.as_str().to_owned()),
            field: rule.field.as_ref().map(ToString::to_string),
            min_grade: rule.min_grade.map(|g| g.as_str().to_owned()),
            min_level: rule.min_level,
            min_score: rule.min_score.map(|score| match score {
                ScoreRequirement::Passed => "pass".to_owned(),
                ScoreRequirement::AtLeast(marks) => marks.to_string(),
            }),
            max_age_years: rule.max_age_years,
            count: rule.count,
            repeat: rule.repeat,
            grant: ConversionGrantResponse::from(&rule.grant),
        }
    }
}

/// One published version of a conversion rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResponse {
    pub id: i64,
    pub programme_id: i64,
    pub code: String,
    pub version: u32,
    /// A retired rule no longer applies.
    pub retired: bool,
    pub published_at: String,
    pub published_by: Option<i64>,
    pub body: RuleBodyResponse,
    /// What the rule asks for and grants, in words.
    pub summary_zh: String,
    pub summary_en: String,
}

impl RuleResponse {
    /// A stored version; the body is read back through the credit bank (a body that no longer
    /// reads is a server error).
    pub(crate) fn of(version: &ConversionRuleVersion) -> AppResult<Self> {
        let (draft, retired) =
            xc_bank::conversion::rule_from_body(&version.body, version.id, version.programme)
                .map_err(|reason| {
                    AppError::Internal(anyhow::anyhow!(
                        "conversion rule {} version {}: {reason}",
                        version.id,
                        version.version
                    ))
                })?;
        let summary = |lang| {
            format!(
                "{} → {}",
                crate::views::conversion::conditions_text(&draft, lang),
                grant_text(&draft.grant, lang)
            )
        };
        Ok(RuleResponse {
            id: version.id.get(),
            programme_id: version.programme.get(),
            code: version.code.clone(),
            version: version.version.get(),
            retired,
            published_at: rfc3339(version.published_at),
            published_by: version.published_by.map(|u| u.get()),
            summary_zh: summary(Lang::Zh),
            summary_en: summary(Lang::En),
            body: RuleBodyResponse::from(&draft),
        })
    }
}

/// A programme with its rules in force, in the order the engine tries them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeDetailResponse {
    pub id: i64,
    pub institution_id: i64,
    pub code: String,
    pub name: String,
    pub max_credits: String,
    pub rules: Vec<RuleResponse>,
}

impl ProgrammeDetailResponse {
    pub(crate) fn of(programme: &ProgrammeRecord, rules: &ConversionRules) -> AppResult<Self> {
        Ok(ProgrammeDetailResponse {
            id: programme.id.get(),
            institution_id: programme.institution.get(),
            code: programme.code.clone(),
            name: programme.name.clone(),
            max_credits: programme.max_credits.to_string(),
            rules: rules
                .rules_of(programme.id)
                .map(|(_, version)| RuleResponse::of(version))
                .collect::<AppResult<_>>()?,
        })
    }
}

/// An outcome as an explanation names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBriefResponse {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub achieved_on: String,
}

/// One line of a proposal: one application of one rule, with the outcomes it uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalLineResponse {
    pub rule_id: i64,
    pub rule_code: String,
    pub rule_version: Option<u32>,
    pub grant: ConversionGrantResponse,
    pub credits: String,
    pub outcomes: Vec<OutcomeBriefResponse>,
    /// What the rule asks for, and what converts, in words.
    pub explanation_zh: String,
    pub explanation_en: String,
}

/// A rule of the programme that did not apply, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleMissResponse {
    pub rule_id: i64,
    pub rule_code: String,
    /// `no_candidates`, `not_enough`, `course_already_exempted` or `programme_cap_reached`.
    pub reason: String,
    pub message_zh: String,
    pub message_en: String,
}

/// An outcome that cannot convert into anything, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExcludedOutcomeResponse {
    pub outcome: OutcomeBriefResponse,
    /// `culture_leisure`, `not_yet_achieved`, `expired` or `repeated_id`.
    pub reason: String,
    pub message_zh: String,
    pub message_en: String,
}

/// What a learner's recognised outcomes convert into today, with the reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalResponse {
    pub programme_id: i64,
    /// The day the proposal is made for (today, Beijing time).
    pub made_on: String,
    /// The programme's cap, what was already converted into it, and this proposal's total.
    pub cap: String,
    pub already_converted: String,
    pub total_credits: String,
    /// In the order the rules were tried.
    pub lines: Vec<ProposalLineResponse>,
    /// Every other rule of the programme, with why it did not apply.
    pub misses: Vec<RuleMissResponse>,
    /// Outcomes that cannot convert at all.
    pub excluded: Vec<ExcludedOutcomeResponse>,
    /// Outcomes that could convert but no rule used: what can still convert later.
    pub unused: Vec<OutcomeBriefResponse>,
}

impl ProposalResponse {
    pub(crate) fn of(
        proposal: &Proposal,
        outcomes: &[OutcomeRecord],
        rules: &ConversionRules,
    ) -> Self {
        let words = ConversionWords::new(rules, outcomes);
        let brief = |id: xc_domain::credit::OutcomeId| match outcomes.iter().find(|o| o.id == id) {
            Some(outcome) => OutcomeBriefResponse {
                id: id.get(),
                title: outcome.submitted.title.as_str().to_owned(),
                kind: outcome.submitted.kind.as_str().to_owned(),
                achieved_on: outcome.submitted.achieved_on.to_string(),
            },
            None => OutcomeBriefResponse {
                id: id.get(),
                title: String::new(),
                kind: String::new(),
                achieved_on: String::new(),
            },
        };
        ProposalResponse {
            programme_id: proposal.programme.get(),
            made_on: proposal.made_on.to_string(),
            cap: proposal.cap.to_string(),
            already_converted: proposal.already_converted.to_string(),
            total_credits: proposal.total_credits.to_string(),
            lines: proposal
                .lines
                .iter()
                .map(|line| {
                    let explain = |lang| words.line(line, lang);
                    ProposalLineResponse {
                        rule_id: line.rule.get(),
                        rule_code: words.rule_code(line.rule),
                        rule_version: rules.current(line.rule).map(|(v, _)| v.version.get()),
                        grant: ConversionGrantResponse::from(&line.grant),
                        credits: line.credits.to_string(),
                        outcomes: line.outcomes.iter().map(|id| brief(*id)).collect(),
                        explanation_zh: explain(Lang::Zh),
                        explanation_en: explain(Lang::En),
                    }
                })
                .collect(),
            misses: proposal
                .misses
                .iter()
                .map(|miss| RuleMissResponse {
                    rule_id: miss.rule.get(),
                    rule_code: words.rule_code(miss.rule),
                    reason: miss_code(&miss.reason).to_owned(),
                    message_zh: words.miss(miss.rule, &miss.reason, Lang::Zh),
                    message_en: words.miss(miss.rule, &miss.reason, Lang::En),
                })
                .collect(),
            excluded: proposal
                .excluded
                .iter()
                .map(|excluded| ExcludedOutcomeResponse {
                    outcome: brief(excluded.outcome),
                    reason: exclusion_code(&excluded.reason).to_owned(),
                    message_zh: exclusion_text(&excluded.reason, Lang::Zh),
                    message_en: exclusion_text(&excluded.reason, Lang::En),
                })
                .collect(),
            unused: proposal.unused.iter().map(|id| brief(*id)).collect(),
        }
    }
}

/// Apply to convert your recognised outcomes into a programme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    pub programme_id: i64,
}

/// One line of an application as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationLineResponse {
    /// Numbered from 1: name these when approving only some lines.
    pub line: u32,
    pub rule_id: i64,
    pub rule_code: String,
    /// The rule version the line was proposed under.
    pub rule_version: u32,
    pub outcomes: Vec<i64>,
    pub grant: ConversionGrantResponse,
    pub credits: String,
    /// Absent until decided; then whether staff kept the line.
    pub kept: Option<bool>,
}

/// A learner's conversion application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationResponse {
    pub id: i64,
    pub learner_id: i64,
    pub programme_id: i64,
    /// `proposed` (waiting for a decision), `approved` or `rejected`.
    pub status: String,
    pub applied_at: String,
    pub made_on: String,
    pub proposed_credits: String,
    /// The kept lines' credits, once approved.
    pub approved_credits: Option<String>,
    pub decided_at: Option<String>,
    pub decided_by: Option<i64>,
    /// Why it was rejected, or why some lines were not kept.
    pub decision_reason: Option<String>,
    pub lines: Vec<ApplicationLineResponse>,
    /// The engine's whole explanation as it was made when applying (rules that did not apply
    /// with why, in English; excluded and unused outcomes).
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

impl ApplicationResponse {
    pub(crate) fn of(application: &ApplicationRecord, rules: &ConversionRules) -> AppResult<Self> {
        let words = ConversionWords::new(rules, &[]);
        Ok(ApplicationResponse {
            id: application.id.get(),
            learner_id: application.learner.get(),
            programme_id: application.programme.get(),
            status: application.status.as_str().to_owned(),
            applied_at: rfc3339(application.applied_at),
            made_on: application.made_on.to_string(),
            proposed_credits: application.proposed_credits.to_string(),
            approved_credits: application.approved_credits.map(|c| c.to_string()),
            decided_at: application.decided_at.map(rfc3339),
            decided_by: application.decided_by.map(|u| u.get()),
            decision_reason: application
                .decision_reason
                .clone()
                .filter(|reason| !reason.is_empty()),
            lines: application
                .lines
                .iter()
                .map(|line| {
                    let grant = line_grant(application, line)?;
                    Ok(ApplicationLineResponse {
                        line: line.line_no,
                        rule_id: line.rule.get(),
                        rule_code: words.rule_code(line.rule),
                        rule_version: line.rule_version.get(),
                        outcomes: line.outcomes.iter().map(|o| o.get()).collect(),
                        grant: ConversionGrantResponse::from(&grant),
                        credits: line.credits.to_string(),
                        kept: line.kept,
                    })
                })
                .collect::<AppResult<_>>()?,
            explanation: application.proposal.clone(),
        })
    }
}

/// Staff's decision: approve (keeping the listed `lines`, or all of them when left out; keeping
/// fewer needs a `reason`), or reject with a `reason`. The learner reads the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecisionRequest {
    /// `approve` or `reject`.
    pub decision: String,
    pub lines: Option<Vec<u32>>,
    pub reason: Option<String>,
}

impl ApplicationDecisionRequest {
    pub(crate) fn into_text(self) -> ApplicationDecisionText {
        ApplicationDecisionText {
            decision: self.decision,
            lines: self.lines,
            reason: self.reason,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    pub offset: Option<u64>,
    /// 1 to 500; 50 when left out.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    /// Oldest application first.
    pub items: Vec<ApplicationResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
}
