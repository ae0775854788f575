//! What only PostgreSQL's outcome storage has, beyond the shared suite: a stored value edited
//! behind the platform's back is reported as a backend error naming table, column and row; a
//! failed call inside an upload leaves the upload usable (each call runs in a savepoint); a
//! check constraint names the field it guards; and a benchmark of the UNNEST write path.

use std::time::Instant;

use time::macros::{date, datetime};
use xc_domain::credit::{
    ContactHours, Evidence, EvidenceKind, Field, OutcomeKind, OutcomeTitle, Score, SubmittedOutcome,
};
use xc_domain::*;
use xc_store::*;

use crate::support::fresh_store_or_skip;

fn audit(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("it".into()), action, "outcome", "new")
}

fn outcome(learner: LearnerId, external_id: &str) -> NewOutcome {
    NewOutcome {
        learner,
        external_id: external_id.into(),
        submitted: SubmittedOutcome {
            provider: InstitutionId::new(1),
            kind: OutcomeKind::CommunityCourse,
            title: OutcomeTitle::parse("智慧生活 手机摄影").unwrap(),
            hours: Some(ContactHours::parse("16.5").unwrap()),
            grade: None,
            field: Some(Field::parse("smart_living").unwrap()),
            achieved_on: date!(2025 - 06 - 30),
            score: Some(Score::parse("pass").unwrap()),
            evidence: vec![
                Evidence::parse(EvidenceKind::CertificateNumber, "SH\\2025\"001\"").unwrap(),
            ],
        },
        submitted_at: datetime!(2026-01-05 09:00 UTC),
        submitted_by: None,
        automatic: None,
    }
}

fn upload() -> NewBatch {
    NewBatch {
        provider: InstitutionId::new(1),
        submitted_by: None,
        submitted_at: datetime!(2026-01-05 09:00 UTC),
        file_name: "outcomes.csv".into(),
        all_or_nothing: false,
    }
}

async fn learner(store: &dyn Store) -> LearnerId {
    suite::load_fixture_city(store).await;
    store
        .create_learner(
            &suite::new_learner(1, "310101", Some(1)),
            &audit("learner.create"),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn stored_outcomes_that_no_longer_parse_are_backend_errors_naming_the_row() {
    let store = fresh_store_or_skip!().await;
    let learner = learner(&*store).await;
    let id = store
        .submit_outcome(&outcome(learner, "C-1"), &audit("outcome.submit"))
        .await
        .unwrap()
        .id();
    assert_eq!(
        store.get_outcome(id).await.unwrap().submitted,
        outcome(learner, "C-1").submitted,
        "backslashes and quotes in evidence round-trip through JSONB"
    );
    for (edit, column) in [
        ("UPDATE outcomes SET kind = 'lecture'", "outcomes.kind"),
        (
            "UPDATE outcomes SET kind = 'community_course', evidence = '[{\"kind\": \"fax\"}]'",
            "outcomes.evidence",
        ),
    ] {
        sqlx::query(edit).execute(store.pool()).await.unwrap();
        let error = store.get_outcome(id).await.unwrap_err();
        let shown = error.to_string();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        assert!(
            shown.contains(column) && shown.contains(&format!("row {id}")),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_failed_call_leaves_the_upload_usable() {
    let store = fresh_store_or_skip!().await;
    let learner = learner(&*store).await;
    let mut writer = store.begin_batch(&upload()).await.unwrap();
    // A learner that does not exist fails inside the database, which would abort the whole
    // transaction without the savepoint each call runs in.
    let error = writer
        .write(&[outcome(learner, "U-1"), outcome(LearnerId::new(999), "U-2")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "learner",
                ..
            }
        ),
        "{error:?}"
    );
    let mut zero_hours = outcome(learner, "U-3");
    zero_hours.submitted.hours = Some(ContactHours::from_tenths(0).unwrap());
    let error = writer.write(&[zero_hours]).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Invalid { field: "hours", .. }),
        "{error:?}"
    );
    let written = writer.write(&[outcome(learner, "U-1")]).await.unwrap();
    assert!(matches!(written[..], [Written::Stored(_)]), "{written:?}");
    let batch = writer
        .commit(3, &audit("outcome.batch_submit"))
        .await
        .unwrap();
    assert_eq!((batch.rows_total, batch.rows_stored), (3, 1));
    assert_eq!(store.list_learner_outcomes(learner).await.unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "a benchmark: writes a million outcomes through one upload"]
async fn a_million_outcomes_write_through_one_upload() {
    let store = fresh_store_or_skip!().await;
    let learner = learner(&*store).await;
    let rows: Vec<NewOutcome> = (0..1_000_000)
        .map(|n| outcome(learner, &format!("M-{n:07}")))
        .collect();
    let started = Instant::now();
    let mut writer = store.begin_batch(&upload()).await.unwrap();
    for chunk in rows.chunks(20_000) {
        writer.write(chunk).await.unwrap();
    }
    let batch = writer
        .commit(1_000_000, &audit("outcome.batch_submit"))
        .await
        .unwrap();
    eprintln!(
        "wrote {} outcomes in {:.1} s",
        batch.rows_stored,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(batch.rows_stored, 1_000_000);
}
