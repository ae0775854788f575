//! The generated credit bank against a real store (SQLite, or PostgreSQL when
//! `XUECHENG_TEST_DATABASE_URL` is set): every generated outcome and decision reads back as
//! generated, the review queue holds what is still in review, and what is submitted, decided or
//! published after generation gets fresh ids.

use std::collections::BTreeMap;
use std::sync::Mutex;

use time::macros::datetime;
use xc_backend::testing::TestStore;
use xc_domain::credit::{OutcomeId, SpecificationId};
use xc_domain::{LearnerId, Username};
use xc_gen::{
    BankStaff, CreditBank, GenerateOptions, OUTCOME_BATCH, Progress, Scale, generate, generate_city,
};
use xc_privacy::PiiVault;
use xc_store::{
    Actor, AuditEvent, AuditFilter, DecisionBasis, DecisionRecord, NewDecision, NewOutcome,
    OutcomeRecord, PageRequest, ReviewFilter, SpecificationTarget, Written,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_city_with_its_credit_bank_loads_into_a_real_store() {
    let store = TestStore::fresh().await;
    let vault = PiiVault::random();
    let options = GenerateOptions::new(Scale::Tiny, 9);
    let seen = Mutex::new(Vec::<Progress>::new());
    let report = generate(&*store, &vault, &options, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();

    // What the generator makes of the same options, with the ids this store gave.
    let city = generate_city(&options);
    let mut bank = CreditBank::new(&city);
    let stored = store.list_specification_versions().await.unwrap();
    let mut ids: Vec<SpecificationId> = stored.iter().map(|v| v.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), bank.specifications().len());
    assert_eq!(report.specifications, ids.len() as u64);
    let mut stored_versions = stored.iter();
    for (index, id) in ids.iter().enumerate() {
        let planned = bank.specifications()[index].clone();
        for (number, version) in planned.versions.iter().enumerate() {
            let stored = stored_versions.next().unwrap();
            assert_eq!(stored.id, *id);
            assert_eq!(stored.version.get(), number as u32 + 1);
            assert_eq!(
                (&stored.code, stored.provider),
                (&planned.code, planned.provider)
            );
            assert_eq!(stored.content, version.content);
            assert_eq!(stored.published_at, version.published_at);
        }
        bank.set_id(index, *id);
    }
    let user = |name: &'static str| {
        let store = &store;
        async move {
            store
                .find_user_by_username(&Username::parse(name).unwrap())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let reviewer = user("demo-bank").await;
    let provider = user("demo-provider").await;
    let school = provider.role.institution.unwrap();
    assert_eq!(
        stored.iter().map(|v| v.published_by).max().flatten(),
        Some(reviewer.id)
    );
    let staff = BankStaff {
        reviewer: Some(reviewer.id),
        provider: Some((school, provider.id)),
    };
    let mut generator = bank.outcomes(&city, staff);
    let mut outcomes: BTreeMap<LearnerId, Vec<OutcomeRecord>> = BTreeMap::new();
    let mut decisions: BTreeMap<OutcomeId, DecisionRecord> = BTreeMap::new();
    while let Some(batch) = generator.next_batch(OUTCOME_BATCH) {
        for outcome in batch.outcomes {
            outcomes.entry(outcome.learner).or_default().push(outcome);
        }
        decisions.extend(batch.decisions.into_iter().map(|d| (d.outcome, d)));
    }
    let total: usize = outcomes.values().map(Vec::len).sum();
    assert_eq!(report.outcomes, total as u64);
    assert_eq!(report.decisions, decisions.len() as u64);
    assert!(
        (18_000..25_000).contains(&total),
        "{total} outcomes for 1,000 learners"
    );

    // Every learner's archive reads back exactly as generated.
    for learner in 1..=report.learners as i64 {
        let learner = LearnerId::new(learner);
        let mut expected = outcomes.remove(&learner).unwrap_or_default();
        let mut read = store.list_learner_outcomes(learner).await.unwrap();
        expected.sort_by_key(|o| o.id);
        read.sort_by_key(|o| o.id);
        assert_eq!(read, expected, "learner {learner}");
        let mut read_decisions = store.list_learner_decisions(learner).await.unwrap();
        read_decisions.sort_by_key(|d| d.id);
        let expected_decisions: Vec<DecisionRecord> = expected
            .iter()
            .filter_map(|o| decisions.get(&o.id).cloned())
            .collect();
        let mut expected_decisions = expected_decisions;
        expected_decisions.sort_by_key(|d| d.id);
        assert_eq!(read_decisions, expected_decisions, "learner {learner}");
    }

    // Every learner's recognised outcomes earned their points on the day of recognition (a
    // tiny city's learners stay far below the yearly cap of 200), the demo citizen's included.
    let recognised_in_city = decisions.values().filter(|d| d.grant.is_some()).count() as u64;
    assert!(recognised_in_city > 1_000, "{recognised_in_city}");
    assert_eq!(report.points_awards, recognised_in_city);
    let mut learners_with_points = 0;
    for learner in [1, 2, 3, 500, report.learners as i64].map(LearnerId::new) {
        let recognised: Vec<&DecisionRecord> = store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .iter()
            .filter(|o| o.grant.is_some())
            .map(|o| &decisions[&o.id])
            .collect();
        let points = store.list_points(learner).await.unwrap();
        assert_eq!(points.len(), recognised.len(), "learner {learner}");
        for decision in &recognised {
            let row = points
                .iter()
                .find(|p| p.entry.source_id == format!("outcome:{}", decision.outcome))
                .unwrap();
            assert_eq!(
                (row.entry.award.as_str(), row.entry.day),
                ("recognised_outcome", decision.decided_at.date())
            );
        }
        assert_eq!(
            store.points_balance(learner).await.unwrap(),
            5 * recognised.len() as i64,
            "5 points a recognised outcome, learner {learner}"
        );
        learners_with_points += usize::from(!points.is_empty());
    }
    assert!(learners_with_points >= 3);

    // Every community school is in the register of accredited providers from the day after the
    // city's history, the demo provider's first, so nothing generated was decided under it.
    let register = store.list_accreditations().await.unwrap();
    assert_eq!(report.accredited_providers, register.len() as u64);
    assert!(!register.is_empty());
    assert_eq!(
        Some(register[0].decision.provider),
        city.first_community_school()
    );
    for record in &register {
        assert!(record.decision.accredited);
        assert_eq!(
            record.decision.from,
            xc_gen::REFERENCE_DATE.next_day().unwrap()
        );
        assert_eq!(record.decision.until, None);
        assert!(!record.decision.reason.is_empty());
    }

    // The review queue holds what is still in review, the demo provider's among it.
    let queue = store
        .review_queue(&ReviewFilter::default(), PageRequest::new(0, 10))
        .await
        .unwrap();
    assert_eq!(queue.total, report.outcomes_in_review);
    assert!(queue.total > 0);
    let mine = store
        .review_queue(
            &ReviewFilter {
                provider: Some(school),
                kind: None,
            },
            PageRequest::new(0, 10),
        )
        .await
        .unwrap();
    assert!(mine.total >= 1, "the demo provider has outcomes in review");
    assert!(
        mine.items
            .iter()
            .all(|o| o.submitted.provider == school && o.submitted_by == Some(provider.id))
    );

    let seen = seen.into_inner().unwrap();
    let last = |stage: &str| {
        let p = seen.iter().rfind(|p| p.stage == stage).unwrap();
        (p.done, p.total)
    };
    assert_eq!(last("outcomes"), (1_000, 1_000));
    assert_eq!(
        last("specifications"),
        (report.specifications, report.specifications)
    );

    // Later work gets fresh ids: an outcome, a decision on it, a specification.
    let audit = |action: &str, kind: &str| {
        AuditEvent::new(Actor::System("test".into()), action, kind, "new")
    };
    let template = store.get_outcome(OutcomeId::new(1)).await.unwrap();
    let again = NewOutcome {
        learner: template.learner,
        external_id: template.external_id.clone(),
        submitted: template.submitted.clone(),
        submitted_at: datetime!(2026-11-02 10:00 UTC),
        submitted_by: None,
        automatic: None,
    };
    assert_eq!(
        store
            .submit_outcome(&again, &audit("outcome.submit", "outcome"))
            .await
            .unwrap(),
        Written::AlreadyStored(template.id),
        "a generated external id is known to the store"
    );
    let later = NewOutcome {
        external_id: "LATER-2026-0001".to_owned(),
        ..again
    };
    let Written::Stored(id) = store
        .submit_outcome(&later, &audit("outcome.submit", "outcome"))
        .await
        .unwrap()
    else {
        panic!("a new external id is stored");
    };
    assert!(id.get() > report.outcomes as i64, "{id}");
    let decision = store
        .record_decision(
            &NewDecision {
                outcome: id,
                decided_at: datetime!(2026-11-03 10:00 UTC),
                basis: DecisionBasis::Reviewer {
                    reviewer: reviewer.id,
                    specification: None,
                },
                grant: None,
                reason: "重复提交".to_owned(),
            },
            &audit("outcome.decide", "outcome"),
        )
        .await
        .unwrap();
    assert!(decision.get() > report.decisions as i64, "{decision}");
    let first = &stored[0];
    let (spec, version) = store
        .publish_specification(
            &SpecificationTarget::New {
                provider: first.provider,
                code: "LATER-001".to_owned(),
            },
            &first.content,
            datetime!(2026-11-03 10:00 UTC),
            Some(reviewer.id),
            &audit("specification.publish", "specification"),
        )
        .await
        .unwrap();
    assert!(spec.get() > report.specifications as i64, "{spec}");
    assert_eq!(version.get(), 1);

    let runs = store
        .list_audit(
            &AuditFilter {
                action: Some("city.generate".to_owned()),
                ..AuditFilter::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(runs.items[0].detail["outcomes"], report.outcomes);
    assert_eq!(
        runs.items[0].detail["outcomes_in_review"],
        report.outcomes_in_review
    );
}
