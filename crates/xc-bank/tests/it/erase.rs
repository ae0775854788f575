//! Erasure on request: the identity goes, the learning records stay, the person can no longer be
//! matched by their ID number, and erasing twice is refused.

use xc_bank::erase::{ERASED_NAME, erase_learner};
use xc_bank::{BankError, OutcomeInput, submit_one};
use xc_domain::LearnerScope;
use xc_store::{Actor, StoreError};

use crate::support::*;

fn calligraphy(bank: &Bank, external_id: &str) -> OutcomeInput {
    OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        national_id: Some(bank.ids[0].expose().into()),
        kind: Some("community_course".into()),
        title: Some("书法（楷书）".into()),
        achieved_on: Some("2026-06-30".into()),
        hours: Some("32".into()),
        ..OutcomeInput::default()
    }
}

#[tokio::test]
async fn erasure_removes_the_identity_and_keeps_the_records() {
    let bank = bank().await;
    let learner = bank.learners[0];
    submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &calligraphy(&bank, "E-1"),
        &bank.options(true),
    )
    .await
    .unwrap();
    let lookup = bank.vault.national_id_lookup(&bank.ids[0]);
    assert_eq!(
        bank.store()
            .find_learner_by_national_id(&lookup)
            .await
            .unwrap(),
        Some(learner)
    );

    erase_learner(bank.store(), learner, NOW, Actor::System("test".into()))
        .await
        .unwrap();
    let record = bank
        .store()
        .get_learner(&LearnerScope::All, learner)
        .await
        .unwrap();
    assert_eq!(record.display_name, ERASED_NAME);
    assert_eq!(record.national_id.masked, "已删除");
    assert!(record.phone.is_none());
    assert_eq!(
        bank.store()
            .find_learner_by_national_id(&lookup)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        bank.store()
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        bank.store()
            .learner_erasure(learner)
            .await
            .unwrap()
            .is_some()
    );

    // An upload naming the person by ID number no longer finds them.
    let error = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &calligraphy(&bank, "E-2"),
        &bank.options(true),
    )
    .await
    .unwrap_err();
    let BankError::Rejected(problems) = error else {
        panic!("expected a rejection, got {error:?}");
    };
    assert!(problems[0].reason_en.contains("register the learner first"));

    let export = xc_bank::export::export(bank.store(), &bank.vault, learner, NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(&export, BankError::Invalid(i) if i.field == "learner"),
        "{export:?}"
    );

    let again = erase_learner(bank.store(), learner, NOW, Actor::System("test".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            BankError::Store(StoreError::Conflict { field: "learner" })
        ),
        "{again:?}"
    );
    let other = bank
        .store()
        .get_learner(&LearnerScope::All, bank.learners[1])
        .await
        .unwrap();
    assert_eq!(other.display_name, "学员1");
}
