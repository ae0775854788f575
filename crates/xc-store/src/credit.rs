//! Credit-bank storage records (storage shapes, not API shapes): outcome specifications and their
//! versions, submitted outcomes, upload batches, recognition decisions, and the points ledger.
//! Fields are domain types, so a row read back is as valid as the value that was written; a row
//! that no longer parses is a `StoreError::Backend` (the database was changed behind our back).

use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    BatchId, Credits, DecisionId, FrameworkLevel, OutcomeCategory, OutcomeId, OutcomeKind,
    SpecificationId, SubmittedOutcome, ValidityTerm, Version, VocationalGrade,
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

/// Which specification a publication is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecificationTarget {
    /// Version 1 of a new specification of `provider`, under the provider's own `code`.
    /// `Conflict { field: "code" }` when the provider already has that code.
    New { provider: InstitutionId, code: String },
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

/// An automatic recognition made when the outcome was submitted: the specification version it
/// matched and what that version granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomaticRecognition {
    pub specification: SpecificationId,
    pub version: Version,
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
}

impl Written {
    pub fn id(self) -> OutcomeId {
        match self {
            Written::Stored(id) | Written::AlreadyStored(id) => id,
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
    /// A reviewer, optionally naming the specification version they followed.
    Reviewer {
        reviewer: UserId,
        specification: Option<(SpecificationId, Version)>,
    },
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
