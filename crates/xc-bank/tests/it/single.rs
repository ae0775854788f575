//! One outcome through a form or the API, and publishing specification versions.

use xc_bank::{BankError, OutcomeInput, publish_specification, submit_one};
use xc_domain::credit::{AutomaticBasis, Credits, Recognition, Version};
use xc_store::{OutcomeStatus, SpecificationTarget, StoreError, Written};

use crate::support::*;

fn calligraphy(bank: &Bank, external_id: &str, learner: usize) -> OutcomeInput {
    OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        national_id: Some(bank.ids[learner].expose().into()),
        kind: Some("社区教育/老年教育课程".into()),
        title: Some("书法（楷书）".into()),
        achieved_on: Some("２０２６－０６－３０".into()),
        hours: Some("３２".into()),
        score: Some("合格".into()),
        evidence_kind: Some("证书编号".into()),
        evidence: Some("SF-0001".into()),
        ..OutcomeInput::default()
    }
}

#[tokio::test]
async fn one_outcome_is_recognised_once_and_resubmission_is_harmless() {
    let bank = bank().await;
    let input = calligraphy(&bank, "ONE-1", 0);
    let first = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap();
    let Written::Stored(id) = first.written else {
        panic!("expected a new outcome, got {:?}", first.written);
    };
    assert!(
        matches!(first.recognition, Recognition::Automatic { basis: AutomaticBasis::Specification { spec, .. }, .. } if spec == bank.calligraphy)
    );
    let stored = bank.store().get_outcome(id).await.unwrap();
    assert_eq!(stored.status, OutcomeStatus::Recognised);
    assert_eq!(stored.learner, bank.learners[0]);
    assert_eq!(
        stored.submitted.achieved_on,
        time::macros::date!(2026 - 06 - 30)
    );

    let again = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert_eq!(again.written, Written::AlreadyStored(id));
    let submits = bank
        .store()
        .list_audit(
            &xc_store::AuditFilter {
                action: Some("outcome.submit".into()),
                ..Default::default()
            },
            xc_store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        submits.total, 1,
        "a harmless re-submission writes no audit entry"
    );
}

#[tokio::test]
async fn a_bad_outcome_is_rejected_with_every_problem_by_field() {
    let bank = bank().await;
    let input = OutcomeInput {
        kind: Some("职业技能等级证书".into()),
        grade: None,
        achieved_on: Some("29/11/2026".into()),
        evidence_kind: Some("网页链接".into()),
        evidence: Some("ftp://example".into()),
        ..calligraphy(&bank, "ONE-2", 1)
    };
    let error = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap_err();
    let BankError::Rejected(problems) = error else {
        panic!("expected a rejection, got {error:?}");
    };
    let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(
        columns,
        ["achieved_on", "grade", "evidence"],
        "{problems:#?}"
    );
    assert!(
        bank.store()
            .list_learner_outcomes(bank.learners[1])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_new_specification_version_leaves_earlier_decisions_as_they_were() {
    let mut bank = bank().await;
    let before = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &calligraphy(&bank, "V-1", 0),
        &bank.options(true),
    )
    .await
    .unwrap();

    // Publishing the same content again is refused; a change makes version 2.
    let same = publish_specification(
        bank.store(),
        &bank.standards,
        &SpecificationTarget::Existing(bank.calligraphy),
        calligraphy_input(),
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap_err();
    assert!(same.to_string().contains("nothing changed"), "{same}");
    let (id, version) = publish_specification(
        bank.store(),
        &bank.standards,
        &SpecificationTarget::Existing(bank.calligraphy),
        xc_bank::SpecificationInput {
            credits: Some(Credits::parse("3").unwrap()),
            ..calligraphy_input()
        },
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap();
    assert_eq!((id, version), (bank.calligraphy, Version::new(2).unwrap()));
    bank.reload().await;

    let after = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &calligraphy(&bank, "V-2", 1),
        &bank.options(true),
    )
    .await
    .unwrap();
    let store = bank.store();
    let credits = async |id| {
        store
            .get_outcome(id)
            .await
            .unwrap()
            .grant
            .unwrap()
            .credits
            .to_string()
    };
    assert_eq!(credits(before.written.id()).await, "2");
    assert_eq!(credits(after.written.id()).await, "3");
    let history = bank
        .store()
        .specification_history(bank.calligraphy)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].content.credits.to_string(), "2");

    // A code the provider already uses is a conflict.
    let taken = publish_specification(
        bank.store(),
        &bank.standards,
        &SpecificationTarget::New {
            provider: PROVIDER,
            code: "SF-01".into(),
        },
        calligraphy_input(),
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            taken,
            BankError::Store(StoreError::Conflict { field: "code" })
        ),
        "{taken:?}"
    );
}
