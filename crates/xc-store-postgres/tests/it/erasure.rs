//! What only PostgreSQL's erasure shows beyond the shared suite: several erasures of one learner
//! racing on separate connections. The learner's row lock makes them take turns, so exactly one
//! scrubs the learner and is audited, and every other one is `Conflict { field: "learner" }`.

use std::sync::Arc;

use time::macros::datetime;
use tokio::sync::Barrier;
use xc_domain::*;
use xc_store::*;
use xc_store_postgres::PgStore;

use crate::support::fresh_store_or_skip;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_several_erasures_at_once_one_wins() {
    let store = fresh_store_or_skip!().await;
    suite::load_fixture_city(&*store).await;
    let learner = store
        .create_learner(
            &suite::new_learner(1, "310101", Some(1)),
            &AuditEvent::new(
                Actor::System("it".into()),
                "learner.create",
                "learner",
                "new",
            ),
        )
        .await
        .unwrap();
    let erasers: u8 = 4;
    let barrier = Arc::new(Barrier::new(usize::from(erasers)));
    let tasks: Vec<_> = (0..erasers)
        .map(|n| {
            let store: PgStore = (*store).clone();
            let barrier = Arc::clone(&barrier);
            // Each eraser brings its own replacement hash, so the winner can be told apart.
            let erasure = Erasure {
                at: datetime!(2026-02-04 10:00 UTC),
                display_name: "已注销学习者".into(),
                replacement_lookup: vec![200 + n; 32],
            };
            tokio::spawn(async move {
                barrier.wait().await;
                let audit = AuditEvent::new(
                    Actor::System("it".into()),
                    "learner.erase",
                    "learner",
                    learner,
                );
                store
                    .erase_learner(learner, &erasure, &audit)
                    .await
                    .map(|()| erasure.replacement_lookup)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(lookup) => winners.push(lookup),
            Err(StoreError::Conflict { field: "learner" }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let [winner] = &winners[..] else {
        panic!("exactly one erasure must win: {winners:?}");
    };
    let stored = store
        .get_learner(&LearnerScope::All, learner)
        .await
        .unwrap();
    assert_eq!(&stored.national_id_lookup, winner);
    assert!(store.learner_erasure(learner).await.unwrap().is_some());
    let filter = AuditFilter {
        action: Some("learner.erase".into()),
        ..Default::default()
    };
    let audited = store
        .list_audit(&filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(audited.total, 1, "no audit entry for a refused erasure");
}
