//! The learning archive: newest first, filtered, with totals that agree with what is shown.

use time::macros::date;
use xc_bank::{ArchiveFilter, OutcomeInput, ReviewDecision, archive, decide, submit_one};
use xc_domain::Topic;
use xc_domain::credit::{Field, OutcomeKind};
use xc_store::{Actor, OutcomeStatus};

use crate::support::*;

#[tokio::test]
async fn the_archive_lists_newest_first_with_filters_and_totals() {
    let bank = bank().await;
    let submit = |external_id: &'static str,
                  kind: &'static str,
                  title: &'static str,
                  day: &'static str,
                  field: Option<&'static str>| {
        let bank = &bank;
        async move {
            let input = OutcomeInput {
                row: 1,
                external_id: Some(external_id.into()),
                learner_id: Some(bank.learners[0].to_string()),
                kind: Some(kind.into()),
                title: Some(title.into()),
                achieved_on: Some(day.into()),
                hours: Some("32".into()),
                field: field.map(Into::into),
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
    };
    let recognised = submit(
        "A-1",
        "community_course",
        "书法（楷书）",
        "2025-03-01",
        Some("culture_arts"),
    )
    .await;
    let rejected = submit(
        "A-2",
        "mooc",
        "数据素养",
        "2026-02-01",
        Some("smart_living"),
    )
    .await;
    let waiting = submit(
        "A-3",
        "mooc",
        "人工智能通识",
        "2026-09-01",
        Some("smart_living"),
    )
    .await;
    decide(
        bank.store(),
        &bank.standards,
        rejected,
        ReviewDecision::Reject {
            reason: "学时记录不全".into(),
        },
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();

    let all = archive(
        bank.store(),
        bank.learners[0],
        &ArchiveFilter::default(),
        TODAY,
    )
    .await
    .unwrap();
    let ids: Vec<_> = all.items.iter().map(|item| item.outcome.id).collect();
    assert_eq!(ids, [waiting, rejected, recognised]);
    assert_eq!(
        (
            all.totals.outcomes,
            all.totals.recognised,
            all.totals.in_review,
            all.totals.rejected
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(all.totals.valid.credits.to_string(), "2");
    assert_eq!(all.totals.years, [2026, 2025]);
    assert_eq!(all.totals.by_field["culture_arts"].outcomes, 1);
    assert_eq!(
        all.items[1].decision.as_ref().unwrap().reason,
        "学时记录不全"
    );
    assert_eq!(all.items[1].outcome.status, OutcomeStatus::Rejected);

    let in_2026 = archive(
        bank.store(),
        bank.learners[0],
        &ArchiveFilter {
            year: Some(2026),
            ..ArchiveFilter::default()
        },
        TODAY,
    )
    .await
    .unwrap();
    assert_eq!(in_2026.items.len(), 2);
    assert_eq!(in_2026.totals.recognised, 0);
    assert_eq!(
        in_2026.totals.years,
        [2026, 2025],
        "the year choices do not shrink with the filter"
    );

    let smart = ArchiveFilter {
        kind: Some(OutcomeKind::Mooc),
        field: Some(Field::Topic(Topic::SmartLiving)),
        year: None,
    };
    let smart = archive(bank.store(), bank.learners[0], &smart, TODAY)
        .await
        .unwrap();
    assert_eq!(smart.items.len(), 2);
    let empty = archive(
        bank.store(),
        bank.learners[1],
        &ArchiveFilter::default(),
        date!(2030 - 01 - 01),
    )
    .await
    .unwrap();
    assert!(empty.items.is_empty());
    assert_eq!(empty.totals.outcomes, 0);
}
