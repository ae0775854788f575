//! Credit-bank storage records (storage shapes, not API shapes): outcome specifications and their
//! versions, submitted outcomes, upload batches, recognition decisions, programmes, conversion
//! rules and applications, the points ledger and incentives.
//! Fields are domain types, so a row read back is as valid as the value that was written; a row
//! that no longer parses is a `StoreError::Backend` (the database was changed behind our back).

use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    ApplicationId, BatchId, ConversionRuleId, Credits, DecisionId, FrameworkLevel, IncentiveCode,
    IncentiveId, OutcomeCategory, OutcomeId, OutcomeKind, OutcomeSpecification, Points,
    ProgrammeId, SpecificationDraft, SpecificationId, SubmittedOutcome, ValidityTerm, Version,
    VocationalGrade,
};
use xc_domain::credit::{ContactHours, Field, OutcomeTitle};
use xc_domain::{InstitutionId, LearnerId, UserId};

/// One row of the append-only points ledger. Spending is a negative `points`; a balance is the
/// sum of a learner's rows. The ledger's year is derived from `day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsEntry {
    pub learner: LearnerId,
    pub at: OffsetDateTime,
    pub day: Date,
    pub award: String,
    pub points: i64,
    pub source_kind: String,
    pub source_id: String,
}

/// The rule every engine's `PointsStore::append_points_many` applies before writing: a bulk
/// award appends positive points for events only (`Invalid { field: "points" }` otherwise).
pub fn check_bulk_award(entries: &[PointsEntry]) -> crate::StoreResult<()> {
    match entries
        .iter()
        .find(|entry| entry.points <= 0 || entry.source_kind != "event")
    {
        Some(entry) => Err(crate::StoreError::Invalid {
            field: "points",
            reason: format!(
                "a bulk award appends positive points for events, not {} for {}",
                entry.points, entry.source_kind
            ),
        }),
        None => Ok(()),
    }
}

/// What a learner already holds for one activity (ledger `award`) on one day and in that day's
/// calendar year: what caps count awards against (`PointsStore::points_held`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsHeld {
    pub learner: LearnerId,
    pub on_day: i64,
    pub in_year: i64,
}

/// One version of the city's points policy: the whole policy as JSON of the domain's values
/// (read whole and checked by the bank), who published it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsPolicyVersion {
    pub version: Version,
    pub body: serde_json::Value,
    pub published_at: OffsetDateTime,
    pub published_by: Option<UserId>,
}

/// What one version of an outcome specification says. Already checked by the domain
/// (`OutcomeSpecification::parse`): the store keeps it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationContent {
    pub kind: OutcomeKind,
    pub category: OutcomeCategory,
    pub title: OutcomeTitle,
    pub hours: Option<ContactHours>,
    pub grade: Option<VocationalGrade>,
    pub level: FrameworkLevel,
    pub credits: Credits,
    pub field: Option<Field>,
    pub validity: ValidityTerm,
}

impl SpecificationContent {
    /// What a checked specification says, as it is stored.
    pub fn of(spec: &OutcomeSpecification) -> Self {
        Self {
            kind: spec.kind(),
            category: spec.category(),
            title: spec.title().clone(),
            hours: spec.hours(),
            grade: spec.grade(),
            level: spec.level(),
            credits: spec.credits(),
            field: spec.field().cloned(),
            validity: spec.validity(),
        }
    }

    /// The draft a stored version is restored from (`OutcomeSpecification::restore`): every
    /// part given, level and credits as they were decided.
    pub fn draft(&self, id: SpecificationId, provider: InstitutionId) -> SpecificationDraft {
        SpecificationDraft {
            id,
            provider,
            kind: self.kind,
            category: Some(self.category),
            title: self.title.clone(),
            hours: self.hours,
            grade: self.grade,
            level: Some(self.level),
            credits: Some(self.credits),
            field: self.field.clone(),
            validity: self.validity,
        }
    }
}

/// Which specification a publication is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecificationTarget {
    /// Version 1 of a new specification of `provider`, under the provider's own `code`.
    /// `Conflict { field: "code" }` when the provider already has that code.
    New {
        provider: InstitutionId,
        code: String,
    },
    /// The next version of an existing specification. `NotFound` when there is none.
    Existing(SpecificationId),
}

/// One published version of a specification, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationVersion {
    pub id: SpecificationId,
    pub provider: InstitutionId,
    pub code: String,
    pub version: Version,
    pub content: SpecificationContent,
    pub published_at: OffsetDateTime,
    pub published_by: Option<UserId>,
}

/// Where an outcome stands in the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeStatus {
    /// Waiting in the review queue.
    InReview,
    /// Recognised, automatically or by a reviewer: it has a grant.
    Recognised,
    /// Rejected by a reviewer, with a reason.
    Rejected,
}

impl OutcomeStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::InReview => "in_review",
            OutcomeStatus::Recognised => "recognised",
            OutcomeStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "in_review" => Some(OutcomeStatus::InReview),
            "recognised" => Some(OutcomeStatus::Recognised),
            "rejected" => Some(OutcomeStatus::Rejected),
            _ => None,
        }
    }
}

/// What recognising an outcome grants: its category and place on the framework, its credits and
/// its last valid day (`None`: valid for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub category: OutcomeCategory,
    pub level: FrameworkLevel,
    pub credits: Credits,
    pub valid_until: Option<Date>,
}

/// A general rule for non-formal learning as a decision names it: the rule of `kind` in the
/// version staff published (`None`: the built-in default, before any was published). Stored
/// in `recognition_decisions.general_rule` as `kind` or `kind@version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneralRuleRef {
    pub kind: OutcomeKind,
    pub version: Option<Version>,
}

impl GeneralRuleRef {
    pub fn to_column(self) -> String {
        match self.version {
            Some(version) => format!("{}@{}", self.kind.as_str(), version.get()),
            None => self.kind.as_str().to_owned(),
        }
    }

    /// `None` when `text` is not a kind, optionally followed by `@` and a version.
    pub fn from_column(text: &str) -> Option<Self> {
        let (kind, version) = match text.split_once('@') {
            Some((kind, version)) => (kind, Some(Version::new(version.parse().ok()?).ok()?)),
            None => (text, None),
        };
        Some(Self {
            kind: OutcomeKind::parse(kind).ok()?,
            version,
        })
    }
}

impl std::fmt::Display for GeneralRuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.version {
            Some(version) => write!(f, "{} v{}", self.kind.label_en(), version.get()),
            None => write!(f, "{} (built-in)", self.kind.label_en()),
        }
    }
}

/// What an automatic recognition followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomaticRule {
    /// The one specification version the outcome matched exactly.
    Specification {
        specification: SpecificationId,
        version: Version,
    },
    /// The general rule of the outcome's kind (non-formal hours of an accredited provider).
    GeneralRule(GeneralRuleRef),
}

impl From<AutomaticRule> for DecisionBasis {
    fn from(rule: AutomaticRule) -> Self {
        match rule {
            AutomaticRule::Specification {
                specification,
                version,
            } => DecisionBasis::Specification {
                specification,
                version,
            },
            AutomaticRule::GeneralRule(rule) => DecisionBasis::GeneralRule(rule),
        }
    }
}

/// An automatic recognition made when the outcome was submitted: the rule it followed and what
/// that rule granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomaticRecognition {
    pub rule: AutomaticRule,
    pub grant: Grant,
    pub reason: String,
}

/// An outcome to store, with its automatic recognition when it has one (otherwise it goes to the
/// review queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutcome {
    pub learner: LearnerId,
    /// The provider's own id for the outcome: with `submitted.provider`, what makes
    /// re-submission idempotent.
    pub external_id: String,
    pub submitted: SubmittedOutcome,
    pub submitted_at: OffsetDateTime,
    pub submitted_by: Option<UserId>,
    pub automatic: Option<AutomaticRecognition>,
}

/// An outcome as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub id: OutcomeId,
    pub learner: LearnerId,
    pub external_id: String,
    pub submitted: SubmittedOutcome,
    pub status: OutcomeStatus,
    /// Present exactly when `status` is `Recognised`.
    pub grant: Option<Grant>,
    pub submitted_at: OffsetDateTime,
    pub submitted_by: Option<UserId>,
    pub batch: Option<BatchId>,
}

/// What became of one outcome handed to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored now, under this id.
    Stored(OutcomeId),
    /// The provider had already submitted this external id: nothing was written; this is the
    /// outcome already held.
    AlreadyStored(OutcomeId),
    /// An earlier call of the same batch stored this external id: the upload repeats it.
    /// Nothing was written; this is the outcome the earlier row stored.
    RepeatedInBatch(OutcomeId),
}

impl Written {
    pub fn id(self) -> OutcomeId {
        match self {
            Written::Stored(id) | Written::AlreadyStored(id) | Written::RepeatedInBatch(id) => id,
        }
    }
}

/// The header of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub provider: InstitutionId,
    pub submitted_by: Option<UserId>,
    pub submitted_at: OffsetDateTime,
    pub file_name: String,
    pub all_or_nothing: bool,
}

/// An upload as stored, with what it held and what was stored of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: BatchId,
    pub provider: InstitutionId,
    pub submitted_by: Option<UserId>,
    pub submitted_at: OffsetDateTime,
    pub file_name: String,
    pub all_or_nothing: bool,
    pub rows_total: u64,
    pub rows_stored: u64,
}

/// Who or what made a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionBasis {
    /// Automatic: an exact match with this specification version.
    Specification {
        specification: SpecificationId,
        version: Version,
    },
    /// Automatic: the general rule for non-formal learning of the outcome's kind.
    GeneralRule(GeneralRuleRef),
    /// A reviewer, optionally naming the specification version they followed.
    Reviewer {
        reviewer: UserId,
        specification: Option<(SpecificationId, Version)>,
    },
}

/// A decision's basis as the columns of `recognition_decisions` hold it (`reviewer_id`,
/// `specification_id` with `specification_version`, `general_rule`), one encoding for both
/// engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasisColumns {
    pub reviewer: Option<UserId>,
    pub specification: Option<(SpecificationId, Version)>,
    pub general_rule: Option<String>,
}

impl DecisionBasis {
    pub fn columns(&self) -> BasisColumns {
        match self {
            DecisionBasis::Specification {
                specification,
                version,
            } => BasisColumns {
                reviewer: None,
                specification: Some((*specification, *version)),
                general_rule: None,
            },
            DecisionBasis::GeneralRule(rule) => BasisColumns {
                reviewer: None,
                specification: None,
                general_rule: Some(rule.to_column()),
            },
            DecisionBasis::Reviewer {
                reviewer,
                specification,
            } => BasisColumns {
                reviewer: Some(*reviewer),
                specification: *specification,
                general_rule: None,
            },
        }
    }

    /// The basis of stored columns; `Err((column, why))` when they describe none (the row was
    /// changed behind the platform's back).
    pub fn from_columns(columns: BasisColumns) -> Result<Self, (&'static str, &'static str)> {
        match columns {
            BasisColumns {
                reviewer: Some(reviewer),
                specification,
                general_rule: None,
            } => Ok(DecisionBasis::Reviewer {
                reviewer,
                specification,
            }),
            BasisColumns {
                reviewer: None,
                specification: Some((specification, version)),
                general_rule: None,
            } => Ok(DecisionBasis::Specification {
                specification,
                version,
            }),
            BasisColumns {
                reviewer: None,
                specification: None,
                general_rule: Some(rule),
            } => GeneralRuleRef::from_column(&rule)
                .map(DecisionBasis::GeneralRule)
                .ok_or(("general_rule", "not a general rule of an outcome kind")),
            BasisColumns {
                general_rule: Some(_),
                ..
            } => Err((
                "general_rule",
                "a decision by a general rule names a reviewer or a specification as well",
            )),
            BasisColumns { .. } => Err((
                "reviewer_id",
                "neither a reviewer, a specification nor a general rule made this decision",
            )),
        }
    }
}

/// A decision to record on an outcome waiting for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub outcome: OutcomeId,
    pub decided_at: OffsetDateTime,
    pub basis: DecisionBasis,
    /// `Some` accepts with this grant; `None` rejects.
    pub grant: Option<Grant>,
    /// Why: for a rejection, what the learner is told.
    pub reason: String,
}

/// A recognition decision as stored (append-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub id: DecisionId,
    pub outcome: OutcomeId,
    pub decided_at: OffsetDateTime,
    pub basis: DecisionBasis,
    pub grant: Option<Grant>,
    pub reason: String,
}

/// Which outcomes the review queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub provider: Option<InstitutionId>,
    pub kind: Option<OutcomeKind>,
}

/// One points-ledger row as stored, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsRecord {
    pub id: i64,
    pub entry: PointsEntry,
}

/// An incentive the city offers for points (e.g. enrolment priority), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncentiveRecord {
    pub id: IncentiveId,
    pub code: IncentiveCode,
    pub name: String,
    pub cost: Points,
    pub available_from: Date,
    /// Last day it can be redeemed; `None` for no end.
    pub available_until: Option<Date>,
}

/// An incentive to create; the store assigns the id. `Conflict { field: "code" }` on a code in
/// use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncentive {
    pub code: IncentiveCode,
    pub name: String,
    pub cost: Points,
    pub available_from: Date,
    pub available_until: Option<Date>,
}

/// A target programme that outcomes convert into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    /// The institution that runs it (e.g. the open university).
    pub institution: InstitutionId,
    pub code: String,
    pub name: String,
    /// How many converted credits it accepts in all, for one learner.
    pub max_credits: Credits,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeRecord {
    pub id: ProgrammeId,
    pub institution: InstitutionId,
    pub code: String,
    pub name: String,
    pub max_credits: Credits,
}

/// Which conversion rule a publication is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    /// Version 1 of a new rule of `programme` under `code`. `Conflict { field: "code" }` when the
    /// programme has a rule with that code; `NotFound` for an unknown programme.
    New {
        programme: ProgrammeId,
        code: String,
    },
    /// The next version of an existing rule. `NotFound` when there is none.
    Existing(ConversionRuleId),
}

/// One published version of a conversion rule. `body` is the rule as JSON, written and read
/// only by the credit bank's use cases (the store keeps it whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRuleVersion {
    pub id: ConversionRuleId,
    pub programme: ProgrammeId,
    pub code: String,
    pub version: Version,
    pub body: serde_json::Value,
    pub published_at: OffsetDateTime,
    pub published_by: Option<UserId>,
}

/// One published version of a general rule: a non-formal kind's hours rule (`kind` is the
/// kind's code) or the grade mapping (`kind` is `None`). `publisher` is the user name of
/// `published_by`, for the history staff read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneralRuleVersion {
    pub kind: Option<String>,
    pub version: Version,
    pub body: serde_json::Value,
    pub published_at: OffsetDateTime,
    pub published_by: Option<UserId>,
    pub publisher: Option<String>,
}

/// A decision about a provider's accreditation, to be recorded: a grant from `from` (through
/// `until`) or, with `accredited` false, a withdrawal from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccreditation {
    pub provider: InstitutionId,
    pub accredited: bool,
    pub from: Date,
    pub until: Option<Date>,
    pub decided_at: OffsetDateTime,
    pub decided_by: Option<UserId>,
    pub reason: String,
}

/// A recorded accreditation decision; `decider` is the user name of `decided_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccreditationRecord {
    pub id: i64,
    pub decision: NewAccreditation,
    pub decider: Option<String>,
}

/// Where a conversion application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    Proposed,
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Proposed => "proposed",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "proposed" => Some(ApplicationStatus::Proposed),
            "approved" => Some(ApplicationStatus::Approved),
            "rejected" => Some(ApplicationStatus::Rejected),
            _ => None,
        }
    }
}

/// One line of a proposal: one application of one rule version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplicationLine {
    pub rule: ConversionRuleId,
    pub rule_version: Version,
    pub outcomes: Vec<OutcomeId>,
    /// What the line grants, as JSON (course exemptions or elective credits).
    pub grant: serde_json::Value,
    pub credits: Credits,
}

/// A learner's application with the engine's proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub learner: LearnerId,
    pub programme: ProgrammeId,
    pub applied_at: OffsetDateTime,
    /// The day the proposal was computed for.
    pub made_on: Date,
    /// The engine's whole explanation, as JSON.
    pub proposal: serde_json::Value,
    pub proposed_credits: Credits,
    /// Numbered 1, 2, … in this order.
    pub lines: Vec<NewApplicationLine>,
}

/// A line as stored; `kept` is `None` until the application is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationLine {
    pub line_no: u32,
    pub rule: ConversionRuleId,
    pub rule_version: Version,
    pub outcomes: Vec<OutcomeId>,
    pub grant: serde_json::Value,
    pub credits: Credits,
    pub kept: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub id: ApplicationId,
    pub learner: LearnerId,
    pub programme: ProgrammeId,
    pub status: ApplicationStatus,
    pub applied_at: OffsetDateTime,
    pub made_on: Date,
    pub proposal: serde_json::Value,
    pub proposed_credits: Credits,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<UserId>,
    /// The sum of the kept lines' credits, once approved.
    pub approved_credits: Option<Credits>,
    pub decision_reason: Option<String>,
    /// In line order.
    pub lines: Vec<ApplicationLine>,
}

/// Staff's decision on an open application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDecision {
    pub application: ApplicationId,
    pub decided_at: OffsetDateTime,
    pub decided_by: UserId,
    /// Approve keeping the lines in `kept_lines` (an amendment when not all), or reject.
    pub approve: bool,
    /// Line numbers kept; must be lines of the application (`Invalid { field: "lines" }`
    /// otherwise); ignored when rejecting.
    pub kept_lines: Vec<u32>,
    pub reason: String,
}
