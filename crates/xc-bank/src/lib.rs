//! The credit bank's use cases (SPEC C3) between the web layer and storage: what the pure domain
//! (`xc_domain::credit`) decides, applied to what the store holds.
//!
//! Code map:
//! - [`standards`]: the recognition standards in force (specification catalogue, general hours
//!   rules, grade mapping), loaded from the store, and publishing a specification version.
//! - [`accreditation`]: the register of accredited providers: grants and withdrawals.
//! - [`general_rules`]: the non-formal hours rules and the grade mapping staff publish in
//!   versions: rows checked into every problem by row and field, the stored JSON, the history.
//! - [`fields`]: one outcome as a provider writes it (a spreadsheet row or an API item), checked
//!   field by field into a [`fields::OutcomeRow`] with every problem named by row and column.
//! - [`submit`]: submission of one outcome and two-pass batch import of a CSV/XLSX file or an API
//!   list: validate everything, report row by row, then store (all valid rows, or all-or-nothing)
//!   with automatic recognition where a specification matches exactly.
//! - [`follow_up`]: what follows a committed upload after it has been answered (the points of
//!   the outcomes it recognised), in a background worker that resumes unfinished batches at start.
//! - [`review`]: the review queue and reviewers' decisions.
//! - [`conversion`]: programmes, versioned conversion rules (stored as JSON), a learner's
//!   application with the engine's proposal and explanation, staff's approval or amendment.
//! - [`points`]: awarding points under the city's policy and redeeming incentives, over the
//!   append-only ledger.
//! - [`external`]: outcomes brought from another city's credit bank (mutual recognition): the
//!   verified credential read as an outcome of that bank, stored with its provenance, and
//!   recognised by this bank's own standards.
//! - [`erase`]: erasing a learner's identity on request, keeping the learning records.
//! - [`export`]: a learner's copy of all their data, as JSON and XLSX.
//! - [`archive`]: a learner's archive: outcomes with their decisions, filtered, with totals.
//! - [`learning_records`]: the learning record store joined to the bank: actors mapped to
//!   learners, their activity in the archive, statement rules awarding points and proposing
//!   outcomes for recognition (through [`submit`]'s single-submission path), the walk that
//!   applies stored statements once, linking an actor later, erasing an actor.
//! - [`transcript`]: a learner's printable transcript: recognised outcomes grouped by category
//!   and level, totals, approved conversions, under a reference for the content and date.
//!
//! Invariants: nothing here writes without an audit event; a batch is stored in one transaction
//! or not at all; recognition uses only the standards passed in (callers reload them after
//! publishing), so the same input gives the same decision.

pub mod accreditation;
pub mod archive;
pub mod conversion;
pub mod erase;
pub mod error;
pub mod export;
pub mod external;
pub mod fields;
pub mod follow_up;
pub mod general_rules;
pub mod learning_records;
pub mod point_events;
pub mod points;
pub mod points_policy;
pub mod review;
pub mod standards;
pub mod submit;
pub mod transcript;

/// A required short text staff type (a code, a name): not blank, at most `max` characters, no
/// control characters. `what` names it in the refusal ("a programme code").
pub(crate) fn check_label(
    field: &'static str,
    text: &str,
    max: usize,
    what: &str,
) -> Result<(), xc_domain::Invalid> {
    if text.trim().is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(xc_domain::Invalid::new(
            field,
            format!("{what} has 1 to {max} characters"),
        ));
    }
    Ok(())
}

pub use archive::{Archive, ArchiveFilter, ArchiveItem, Totals, archive};
pub use conversion::{ConversionRules, RuleInput};
pub use error::BankError;
pub use external::{Brought, BroughtCredential, outcome_of_credential, record_brought};
pub use fields::{LearnerRef, OutcomeInput, OutcomeRow};
pub use follow_up::{FollowUpTally, FollowUps, follow_up_batch};
pub use general_rules::{GradeLevelRow, NonFormalRuleRow};
pub use review::{ReviewCase, ReviewDecision, decide, review_case};
pub use standards::{Candidates, SpecificationInput, Standards, publish_specification};
pub use submit::{BatchOptions, BatchResult, Submission, import_file, import_items, submit_one};
pub use transcript::{Transcript, TranscriptConversion, TranscriptGroup, transcript};
