//! Points over the stored ledger: caps, one award per event, incentives that cannot overdraw.

use time::macros::date;
use xc_bank::BankError;
use xc_bank::points::{award_points, default_policy, ledger_entries, redeem_incentive};
use xc_domain::credit::{
    ContactHours, EventReference, IncentiveCode, Points, PointsActivity, PointsEvent,
};
use xc_store::{Actor, NewIncentive};

use crate::support::*;

fn reference(text: &str) -> EventReference {
    EventReference::parse(text).unwrap()
}

#[tokio::test]
async fn awards_respect_caps_and_each_event_is_awarded_once() {
    let bank = bank().await;
    let learner = bank.learners[0];
    let policy = default_policy();
    let actor = || Actor::System("test".into());
    // Six attendances on one day: the daily cap of 5 stops the sixth.
    for n in 0..6 {
        let event = PointsEvent::once(
            PointsActivity::Attendance,
            date!(2026 - 11 - 02),
            reference(&format!("attendance:{n}")),
        );
        let award = award_points(bank.store(), &policy, learner, &event, NOW, actor())
            .await
            .unwrap();
        assert_eq!(award.awarded.get(), u64::from(n < 5), "attendance {n}");
    }
    let volunteering = PointsEvent::volunteering(
        date!(2026 - 11 - 03),
        ContactHours::parse("2.5").unwrap(),
        reference("volunteer:1"),
    );
    award_points(bank.store(), &policy, learner, &volunteering, NOW, actor())
        .await
        .unwrap();
    assert_eq!(bank.store().points_balance(learner).await.unwrap(), 5 + 5);

    let again = award_points(bank.store(), &policy, learner, &volunteering, NOW, actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&again, BankError::Invalid(i) if i.field == "reference"),
        "{again:?}"
    );
    let ledger = ledger_entries(&bank.store().list_points(learner).await.unwrap()).unwrap();
    assert_eq!(ledger.len(), 6);
}

#[tokio::test]
async fn an_incentive_is_redeemed_only_when_offered_and_covered() {
    let bank = bank().await;
    let learner = bank.learners[1];
    let code = IncentiveCode::parse("enrolment_priority").unwrap();
    bank.store()
        .create_incentive(
            &NewIncentive {
                code: code.clone(),
                name: "热门课程优先报名".into(),
                cost: Points::new(8).unwrap(),
                available_from: date!(2026 - 09 - 01),
                available_until: Some(date!(2026 - 12 - 31)),
            },
            &audit("incentive.create"),
        )
        .await
        .unwrap();
    let actor = || Actor::System("test".into());
    let short = redeem_incentive(bank.store(), learner, &code, TODAY, NOW, actor())
        .await
        .unwrap_err();
    assert!(short.to_string().contains("balance is 0"), "{short}");
    for n in 0..2 {
        let event = PointsEvent::once(
            PointsActivity::RecognisedOutcome,
            date!(2026 - 10 - 01),
            reference(&format!("outcome:{n}")),
        );
        award_points(
            bank.store(),
            &default_policy(),
            learner,
            &event,
            NOW,
            actor(),
        )
        .await
        .unwrap();
    }
    let late = redeem_incentive(
        bank.store(),
        learner,
        &code,
        date!(2027 - 01 - 05),
        NOW,
        actor(),
    )
    .await
    .unwrap_err();
    assert!(late.to_string().contains("not offered"), "{late}");
    let (incentive, balance) = redeem_incentive(bank.store(), learner, &code, TODAY, NOW, actor())
        .await
        .unwrap();
    assert_eq!(balance, 2);
    assert_eq!(incentive.code, code);
    let unknown = IncentiveCode::parse("free_lunch").unwrap();
    let error = redeem_incentive(bank.store(), learner, &unknown, TODAY, NOW, actor())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            BankError::Store(xc_store::StoreError::NotFound { .. })
        ),
        "{error:?}"
    );
}
