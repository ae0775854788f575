//! Points over the stored ledger: caps, one award per event, incentives that cannot overdraw.

use time::macros::date;
use xc_bank::point_events::{EventAnswer, EventInput, EventOptions, record_events};
use xc_bank::points::{
    award_points, award_recognition, award_recognitions, default_policy, ledger_entries,
    redeem_incentive,
};
use xc_bank::{BankError, FollowUps, follow_up_batch, import_file};
use xc_domain::LearnerId;
use xc_domain::credit::{
    ContactHours, EventReference, IncentiveCode, OutcomeId, Points, PointsActivity, PointsEvent,
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

/// A file's recognised outcomes earn their points in the batch's follow-up, after the upload
/// has been answered, once each: following up again, or the same file again (stored nothing),
/// or the same awards again (appended nothing) add nothing.
#[tokio::test]
async fn a_batch_upload_awards_its_recognised_outcomes_once() {
    let bank = bank().await;
    let path = bank.file("points.csv", points_csv(&bank).as_bytes());
    let options = bank.options(false);
    let result = import_file(bank.store(), &bank.vault, &bank.standards, &path, &options)
        .await
        .unwrap();
    assert_eq!((result.stored, result.recognised), (4, 3));
    let batch = result.batch.unwrap().id;
    assert_eq!(
        bank.store().points_balance(bank.learners[0]).await.unwrap(),
        0,
        "points follow the answer, not precede it"
    );
    assert_eq!(
        bank.store().batches_awaiting_follow_up().await.unwrap(),
        vec![batch]
    );
    let tally = follow_up_batch(bank.store(), batch).await.unwrap();
    assert_eq!((tally.recognised, tally.points.awarded), (3, 3));
    assert!(
        bank.store()
            .batches_awaiting_follow_up()
            .await
            .unwrap()
            .is_empty()
    );
    for learner in &bank.learners[..3] {
        assert_eq!(bank.store().points_balance(*learner).await.unwrap(), 5);
        let ledger = bank.store().list_points(*learner).await.unwrap();
        let outcome = bank.store().list_learner_outcomes(*learner).await.unwrap()[0].id;
        assert_eq!(ledger[0].entry.source_id, format!("outcome:{outcome}"));
        assert_eq!(ledger[0].entry.award, "recognised_outcome");
        assert_eq!(ledger[0].entry.day, options.now.date());
    }
    assert_eq!(
        bank.store().points_balance(bank.learners[3]).await.unwrap(),
        0
    );
    let twice = follow_up_batch(bank.store(), batch).await.unwrap();
    assert_eq!((twice.recognised, twice.points.awarded), (3, 0));

    let again = import_file(bank.store(), &bank.vault, &bank.standards, &path, &options)
        .await
        .unwrap();
    assert_eq!(again.stored, 0);
    let again = follow_up_batch(bank.store(), again.batch.unwrap().id)
        .await
        .unwrap();
    assert_eq!(again.points.awarded, 0);
    let pairs: Vec<(LearnerId, OutcomeId)> = {
        let mut pairs = Vec::new();
        for learner in &bank.learners[..3] {
            let outcome = bank.store().list_learner_outcomes(*learner).await.unwrap()[0].id;
            pairs.push((*learner, outcome));
        }
        pairs
    };
    let repeat = award_recognitions(
        bank.store(),
        &default_policy(),
        &pairs,
        NOW,
        Actor::System("test".into()),
    )
    .await
    .unwrap();
    assert_eq!(repeat.awarded, 0);
    assert_eq!(
        bank.store().points_balance(bank.learners[0]).await.unwrap(),
        5
    );
}

/// Three recognisable rows and one for review.
fn points_csv(bank: &Bank) -> String {
    let mut csv =
        String::from("成果编号,身份证号,姓名,成果类型,成果名称,获得日期,学时,领域,成绩,证书编号\n");
    for (n, id) in bank.ids.iter().enumerate().take(3) {
        csv.push_str(&format!(
            "PT-{n},{},学员,社区教育/老年教育课程,书法(楷书),2026-06-30,32,culture_arts,合格,\n",
            id.expose()
        ));
    }
    // Not recognised automatically (no specification of that title): no points.
    csv.push_str(&format!(
        "PT-9,{},学员,community_course,太极拳入门,2026-07-01,16,health,,\n",
        bank.ids[3].expose()
    ));
    csv
}

/// The background worker follows up a queued batch, and at start resumes a batch whose
/// follow-up never ran (as after a crash between the answer and the award).
#[tokio::test]
async fn the_worker_follows_up_queued_batches_and_resumes_unfinished_ones_at_start() {
    let bank = bank().await;
    let path = bank.file("points.csv", points_csv(&bank).as_bytes());
    let options = bank.options(false);
    // Stored, answered, and never followed up: the process "stopped" here.
    let first = import_file(bank.store(), &bank.vault, &bank.standards, &path, &options)
        .await
        .unwrap();
    assert_eq!(first.recognised, 3);
    let follow_ups = FollowUps::start(bank.store_arc()).await.unwrap();
    follow_ups.idle().await;
    assert_eq!(follow_ups.pending(), 0);
    assert!(
        bank.store()
            .batches_awaiting_follow_up()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        bank.store().points_balance(bank.learners[0]).await.unwrap(),
        5
    );

    // A new upload queued with the running worker.
    let mut csv =
        String::from("成果编号,身份证号,姓名,成果类型,成果名称,获得日期,学时,领域,成绩,证书编号\n");
    csv.push_str(&format!(
        "PT-NEW,{},学员,社区教育/老年教育课程,书法(楷书),2026-07-30,32,culture_arts,合格,\n",
        bank.ids[4].expose()
    ));
    let path = bank.file("more.csv", csv.as_bytes());
    let second = import_file(bank.store(), &bank.vault, &bank.standards, &path, &options)
        .await
        .unwrap();
    follow_ups.queue(second.batch.unwrap().id);
    follow_ups.idle().await;
    assert_eq!(
        bank.store().points_balance(bank.learners[4]).await.unwrap(),
        5
    );
    assert!(
        bank.store()
            .batches_awaiting_follow_up()
            .await
            .unwrap()
            .is_empty()
    );
}

/// Bulk awards give exactly what one-by-one awards give, caps included (the yearly cap of 200
/// for recognised outcomes stops the 41st of 45), counting what the ledger already held.
#[tokio::test]
async fn bulk_awards_match_one_by_one_awards_under_the_caps() {
    let bank = bank().await;
    let policy = default_policy();
    let actor = || Actor::System("test".into());
    let (bulk_learner, single_learner) = (bank.learners[0], bank.learners[1]);
    // Both already hold one award this year.
    for learner in [bulk_learner, single_learner] {
        award_recognition(
            bank.store(),
            &policy,
            learner,
            OutcomeId::new(1),
            NOW,
            actor(),
        )
        .await;
    }
    let mut pairs = Vec::new();
    for n in 0..45 {
        let outcome = OutcomeId::new(1_000 + n);
        pairs.push((bulk_learner, outcome));
        // Another learner, interleaved, is capped on their own.
        pairs.push((bank.learners[2], outcome));
        award_recognition(bank.store(), &policy, single_learner, outcome, NOW, actor()).await;
    }
    let tally = award_recognitions(bank.store(), &policy, &pairs, NOW, actor())
        .await
        .unwrap();
    assert_eq!(tally.awarded, 39 + 40);
    assert_eq!(tally.capped, 6 + 5);
    let points_of = |records: Vec<xc_store::PointsRecord>| {
        records
            .into_iter()
            .map(|record| (record.entry.source_id, record.entry.points))
            .collect::<Vec<_>>()
    };
    let bulk = points_of(bank.store().list_points(bulk_learner).await.unwrap());
    let single = points_of(bank.store().list_points(single_learner).await.unwrap());
    assert_eq!(bulk, single);
    assert_eq!(
        bank.store().points_balance(bulk_learner).await.unwrap(),
        200
    );
    assert_eq!(
        bank.store().points_balance(bank.learners[2]).await.unwrap(),
        200
    );
}

fn event(row: u64, reference: &str, learner: LearnerId, activity: &str) -> EventInput {
    EventInput {
        row,
        reference: Some(reference.into()),
        learner_id: Some(learner.to_string()),
        activity: Some(activity.into()),
        occurred_at: Some(TODAY.to_string()),
        ..EventInput::default()
    }
}

/// Provider events: references are unique per provider (another provider's same reference is
/// another event), volunteering earns pro rata under the daily cap, caps count the earlier
/// items of the same list, and a list with a problem writes nothing.
#[tokio::test]
async fn provider_events_are_awarded_per_provider_reference_under_the_caps() {
    let bank = bank().await;
    let learner = bank.learners[0];
    let policy = default_policy();
    let options = |provider: i64| EventOptions {
        provider: xc_domain::InstitutionId::new(provider),
        actor: Actor::System("test".into()),
        today: TODAY,
        now: NOW,
    };
    let mut volunteering = event(2, "V-1", learner, "volunteering_hour");
    volunteering.hours = Some("9.5".into());
    let mut more = event(3, "V-2", learner, "volunteering_hour");
    more.hours = Some("1".into());
    let inputs = vec![
        event(0, "A-1", learner, "attendance"),
        event(1, "K-1", learner, "学习打卡"),
        volunteering,
        more,
    ];
    let results = record_events(bank.store(), &bank.vault, &policy, &inputs, &options(1))
        .await
        .unwrap();
    let answers: Vec<EventAnswer> = results.iter().map(|r| r.answer.clone()).collect();
    assert_eq!(answers[0], EventAnswer::Awarded { points: 1 });
    assert_eq!(answers[1], EventAnswer::Awarded { points: 1 });
    // 9.5 hours at 2 points an hour is 19, cut to the daily cap of 16; then nothing is left.
    assert!(matches!(
        answers[2],
        EventAnswer::Capped {
            points: 16,
            requested: 19,
            ..
        }
    ));
    assert!(matches!(answers[3], EventAnswer::Capped { points: 0, .. }));
    assert_eq!(bank.store().points_balance(learner).await.unwrap(), 18);
    let ledger = bank.store().list_points(learner).await.unwrap();
    assert_eq!(ledger[0].entry.source_id, "provider:1:A-1");

    // Provider 2's "A-1" is its own event: awarded (under the daily cap, which counts provider
    // 1's attendance too).
    let other = record_events(
        bank.store(),
        &bank.vault,
        &policy,
        &[event(0, "A-1", learner, "attendance")],
        &options(2),
    )
    .await
    .unwrap();
    assert_eq!(other[0].answer, EventAnswer::Awarded { points: 1 });

    // One bad item: nothing of the list is written.
    let mut bad = event(1, "A-3", learner, "attendance");
    bad.occurred_at = Some("tomorrow".into());
    let refused = record_events(
        bank.store(),
        &bank.vault,
        &policy,
        &[event(0, "A-2", learner, "attendance"), bad],
        &options(1),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, BankError::Rejected(problems) if problems.len() == 1 && problems[0].row == 1 && problems[0].column == "occurred_at"),
        "{refused:?}"
    );
    assert_eq!(bank.store().points_balance(learner).await.unwrap(), 19);
}
