//! The review queue: what a reviewer sees about one outcome (its evidence, the closest
//! specifications with what differs, what the general hours rule would give, the learner's other
//! outcomes) and the decision they record (accept with level and credits, or reject with a
//! reason). The decision, the outcome's new status and the audit entry are one transaction.

use serde_json::json;
use time::OffsetDateTime;
use xc_domain::credit::{
    AccreditationStatus, CloseSpecification, Credits, DecisionId, FrameworkLevel, OutcomeCategory,
    OutcomeId, OutcomeSpecification, ReviewAcceptance, SpecificationId, ValidityTerm, Version,
};
use xc_domain::{Invalid, UserId};
use xc_store::{
    Actor, AuditEvent, DecisionBasis, Grant, NewDecision, OutcomeRecord, OutcomeStatus, Store,
};

use crate::standards::Candidates;
use crate::{BankError, Standards};

/// How many of the learner's other outcomes a reviewer sees.
pub const HISTORY_LIMIT: usize = 20;

/// Everything a reviewer needs to decide on one outcome.
#[derive(Debug, Clone)]
pub struct ReviewCase {
    pub outcome: OutcomeRecord,
    /// Closest first, each with the specification version it refers to.
    pub closest: Vec<(CloseSpecification, OutcomeSpecification)>,
    /// What the general hours rule would give a non-formal outcome, as a suggestion.
    pub general_rule_credits: Option<Credits>,
    /// The learner's other outcomes, most recent achievement first, at most
    /// [`HISTORY_LIMIT`].
    pub history: Vec<OutcomeRecord>,
    /// Where the provider stood in the register of accredited providers on the day the outcome
    /// was achieved. Only accredited providers' outcomes may be recognised under the general
    /// rules without review, so a reviewer sees it beside the general rule's suggestion.
    pub provider_accreditation: AccreditationStatus,
}

/// Loads the review case of an outcome. The caller checks that the reviewer may see it.
pub async fn review_case(
    store: &dyn Store,
    standards: &Standards,
    id: OutcomeId,
) -> Result<ReviewCase, BankError> {
    let outcome = store.get_outcome(id).await?;
    let Candidates {
        closest,
        general_rule_credits,
    } = standards.candidates(&standards.recognise(&outcome.submitted));
    let provider_accreditation =
        standards.accreditation(outcome.submitted.provider, outcome.submitted.achieved_on);
    let mut history: Vec<OutcomeRecord> = store
        .list_learner_outcomes(outcome.learner)
        .await?
        .into_iter()
        .filter(|other| other.id != outcome.id)
        .collect();
    history.reverse();
    history.truncate(HISTORY_LIMIT);
    Ok(ReviewCase {
        outcome,
        closest,
        general_rule_credits,
        history,
        provider_accreditation,
    })
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    Accept {
        level: FrameworkLevel,
        credits: Credits,
        /// `None`: the kind's default category.
        category: Option<OutcomeCategory>,
        validity: ValidityTerm,
        /// The specification version the reviewer followed, if any.
        specification: Option<(SpecificationId, Version)>,
        reason: String,
    },
    Reject {
        reason: String,
    },
}

fn checked_reason(reason: &str, required: bool) -> Result<String, Invalid> {
    let reason = reason.trim();
    if required && reason.is_empty() {
        return Err(Invalid::new(
            "reason",
            "say why the outcome is rejected: the learner and the provider will read it",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(Invalid::new(
            "reason",
            "a reason has at most 1,000 characters",
        ));
    }
    Ok(reason.to_owned())
}

/// Records a reviewer's decision on an outcome in review. `Conflict { field: "status" }` (from
/// the store) when it was decided meanwhile.
pub async fn decide(
    store: &dyn Store,
    standards: &Standards,
    id: OutcomeId,
    decision: ReviewDecision,
    reviewer: UserId,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<DecisionId, BankError> {
    let outcome = store.get_outcome(id).await?;
    if outcome.status != OutcomeStatus::InReview {
        return Err(xc_store::StoreError::Conflict { field: "status" }.into());
    }
    let (grant, specification, reason) = match decision {
        ReviewDecision::Accept {
            level,
            credits,
            category,
            validity,
            specification,
            reason,
        } => {
            if let Some((spec, version)) = specification {
                let known = standards
                    .catalogue()
                    .history(spec)
                    .and_then(|history| history.version(version))
                    .is_some();
                if !known {
                    return Err(Invalid::new(
                        "specification",
                        format!("there is no specification {spec} version {version}"),
                    )
                    .into());
                }
            }
            let acceptance = ReviewAcceptance {
                level,
                credits,
                category: category.unwrap_or(outcome.submitted.kind.default_category()),
                validity,
            };
            let recognised = acceptance.recognised_outcome(id, &outcome.submitted)?;
            let grant = Grant {
                category: recognised.category,
                level: recognised.level,
                credits: recognised.credits,
                valid_until: recognised.validity.until(),
            };
            (Some(grant), specification, checked_reason(&reason, false)?)
        }
        ReviewDecision::Reject { reason } => (None, None, checked_reason(&reason, true)?),
    };
    let audit = AuditEvent::new(actor, "outcome.decide", "outcome", id).with_detail(json!({
        "accepted": grant.is_some(),
        "level": grant.map(|g| g.level.get()),
        "credits": grant.map(|g| g.credits.to_string()),
        "specification": specification.map(|(spec, version)| format!("{spec}v{version}")),
        "reason": reason,
    }));
    let decision = NewDecision {
        outcome: id,
        decided_at: now,
        basis: DecisionBasis::Reviewer {
            reviewer,
            specification,
        },
        grant,
        reason,
    };
    let id_of_decision = store.record_decision(&decision, &audit).await?;
    if grant.is_some() {
        crate::points::award_recognition(
            store,
            standards.points_policy(),
            outcome.learner,
            id,
            now,
            Actor::System("points".into()),
        )
        .await;
    }
    Ok(id_of_decision)
}
