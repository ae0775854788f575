//! The credit bank (学分银行, SPEC C3), pure: what a learning outcome is, how it is recognised
//! against versioned standards, how recognised outcomes convert into credit or course exemptions in
//! a target programme, and how incentive points are awarded and spent. Nothing here does IO or
//! knows about storage or JSON; the store keeps the values, the web layer renders the
//! explanations.
//!
//! Code map:
//! - [`quantity`]: exact numbers: [`Credits`] (hundredths), [`ContactHours`] (tenths), [`Points`].
//! - [`level`]: the 10-level outcome framework and vocational grades mapped onto it.
//! - [`outcome`]: kinds, categories, fields, titles, scores, validity, evidence, and the two shapes
//!   of an outcome: as submitted and as recognised.
//! - [`accreditation`]: the register of accredited providers (认定的培训机构) and where a
//!   provider stands on a day.
//! - [`version`]: published versions that cannot be changed, only superseded.
//! - [`recognition`]: outcome specifications, the general non-formal rule, and [`recognise`].
//! - [`conversion`]: conversion rules, the rule set that refuses impossible or contradictory rules,
//!   and [`propose()`].
//! - [`points`]: award rules with caps, the append-only ledger, incentives.
//!
//! Architecture invariant: every function here is deterministic in its inputs: no clock, no
//! randomness, no hash-map iteration order reaches an output.

pub(crate) mod text;

pub mod accreditation;
pub mod conversion;
pub mod ids;
pub mod level;
pub mod outcome;
pub mod points;
pub mod quantity;
pub mod recognition;
pub mod version;

pub use accreditation::{AccreditationDecision, AccreditationStatus, Accreditations};
pub use conversion::{
    ConditionFailure, Conditions, ConversionRule, ConversionRuleDraft, ConversionRuleSet,
    CourseCode, ExcludedOutcome, Exclusion, ExemptedCourse, FailedCondition, Grant, MissReason,
    Prior, Programme, Proposal, ProposalLine, RuleMiss, RuleProblem, RuleRefusal, propose,
    propose_after,
};
pub use ids::{
    ApplicationId, BatchId, ConversionRuleId, DecisionId, IncentiveId, OutcomeId, ProgrammeId,
    SpecificationId,
};
pub use level::{FrameworkLevel, GradeMapping, VocationalGrade};
pub use outcome::{
    DisciplineCode, Evidence, EvidenceKind, Field, Marks, OutcomeCategory, OutcomeKind,
    OutcomeTitle, RecognisedOutcome, Score, ScoreRequirement, SubmittedOutcome, ValidityPeriod,
    ValidityTerm,
};
pub use points::{
    AwardRefusal, CapCut, CapKind, EventReference, Incentive, IncentiveCode, LedgerChange,
    LedgerEntry, PointsActivity, PointsAward, PointsAwardRule, PointsEvent, PointsLedger,
    PointsPolicy, RedeemRefusal, award, award_within, balance, redeem,
};
pub use quantity::{ContactHours, Credits, Points};
pub use recognition::{
    AutomaticBasis, CLOSEST_LIMIT, CloseSpecification, Difference, NonFormalRule, NonFormalRules,
    OutcomeSpecification, Recognition, ReviewAcceptance, SpecificationCatalogue,
    SpecificationDraft, recognise, recognise_automatically,
};
pub use version::{Published, Version, VersionHistory};
