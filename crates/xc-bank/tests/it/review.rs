//! The review queue: the case a reviewer sees and the decisions they record.

use xc_bank::{BankError, OutcomeInput, ReviewDecision, decide, review_case, submit_one};
use xc_domain::credit::{Credits, FrameworkLevel, ValidityTerm};
use xc_store::{Actor, OutcomeStatus, StoreError};

use crate::support::*;

async fn queued(bank: &Bank, external_id: &str, title: &str) -> xc_domain::credit::OutcomeId {
    let input = OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        national_id: Some(bank.ids[0].expose().into()),
        kind: Some("community_course".into()),
        title: Some(title.into()),
        achieved_on: Some("2026-05-01".into()),
        hours: Some("24".into()),
        ..OutcomeInput::default()
    };
    submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap()
    .written
    .id()
}

#[tokio::test]
async fn a_reviewer_sees_the_closest_specification_and_the_general_rule() {
    let bank = bank().await;
    let earlier = queued(&bank, "R-0", "合唱").await;
    let id = queued(&bank, "R-1", "书法(行书)").await;
    let case = review_case(bank.store(), &bank.standards, id)
        .await
        .unwrap();
    assert_eq!(case.outcome.status, OutcomeStatus::InReview);
    assert_eq!(
        case.closest.first().map(|(close, _)| close.spec),
        Some(bank.calligraphy)
    );
    assert!(!case.closest[0].0.differences.is_empty());
    // 24 hours at 16 hours a credit, in the general rule's steps.
    assert!(case.general_rule_credits.is_some());
    assert_eq!(
        case.history.iter().map(|o| o.id).collect::<Vec<_>>(),
        [earlier]
    );
}

#[tokio::test]
async fn accepting_grants_level_and_credits_once_and_rejecting_needs_a_reason() {
    let bank = bank().await;
    let id = queued(&bank, "R-2", "书法(行书)").await;
    let reviewer = bank.reviewer;
    let accept = ReviewDecision::Accept {
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::parse("1.5").unwrap(),
        category: None,
        validity: ValidityTerm::years(5).unwrap(),
        specification: None,
        reason: "与楷书课程相当".into(),
    };
    decide(
        bank.store(),
        &bank.standards,
        id,
        accept.clone(),
        reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();
    let outcome = bank.store().get_outcome(id).await.unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Recognised);
    let grant = outcome.grant.unwrap();
    assert_eq!(grant.credits.to_string(), "1.5");
    assert_eq!(grant.valid_until, Some(time::macros::date!(2031 - 04 - 30)));

    let twice = decide(
        bank.store(),
        &bank.standards,
        id,
        accept,
        reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            twice,
            BankError::Store(StoreError::Conflict { field: "status" })
        ),
        "{twice:?}"
    );
    assert_eq!(bank.store().list_decisions(id).await.unwrap().len(), 1);
    let ledger = bank.store().list_points(bank.learners[0]).await.unwrap();
    assert_eq!(
        ledger.len(),
        1,
        "accepting awards the recognition's points once"
    );
    assert_eq!(ledger[0].entry.source_id, format!("outcome:{id}"));

    let other = queued(&bank, "R-3", "合唱").await;
    let blank = decide(
        bank.store(),
        &bank.standards,
        other,
        ReviewDecision::Reject {
            reason: "  ".into(),
        },
        reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&blank, BankError::Invalid(invalid) if invalid.field == "reason"),
        "{blank:?}"
    );
    decide(
        bank.store(),
        &bank.standards,
        other,
        ReviewDecision::Reject {
            reason: "证明材料无法核实".into(),
        },
        reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();
    let rejected = bank.store().get_outcome(other).await.unwrap();
    assert_eq!(rejected.status, OutcomeStatus::Rejected);
    assert!(rejected.grant.is_none());
    let decisions = bank
        .store()
        .list_learner_decisions(bank.learners[0])
        .await
        .unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[1].reason, "证明材料无法核实");
}
