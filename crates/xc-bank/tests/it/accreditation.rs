//! The register of accredited providers: a decision is in force once the standards are
//! reloaded, a withdrawal ends it from its day without changing earlier days, and bad input is
//! refused with the field and nothing recorded.

use time::macros::date;
use xc_bank::BankError;
use xc_bank::accreditation::{AccreditationInput, record_accreditation};
use xc_domain::InstitutionId;
use xc_domain::credit::AccreditationStatus;
use xc_store::StoreError;

use crate::support::{NOW, PROVIDER, audit, bank};

#[tokio::test]
async fn grants_and_withdrawals_are_in_force_after_reload_and_past_days_keep_their_answer() {
    let mut bank = bank().await;
    assert_eq!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30)),
        AccreditationStatus::Never
    );
    let grant = AccreditationInput::Grant {
        provider: PROVIDER,
        from: date!(2024 - 01 - 01),
        until: None,
        reason: "经审核符合非正规学习成果准入标准".into(),
    };
    let audit = audit("accreditation.record");
    record_accreditation(bank.store(), &grant, NOW, Some(bank.reviewer), &audit)
        .await
        .unwrap();
    bank.reload().await;
    assert!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30))
            .is_accredited()
    );
    let withdrawal = AccreditationInput::Withdraw {
        provider: PROVIDER,
        from: date!(2026 - 07 - 01),
        reason: "年度检查不合格".into(),
    };
    record_accreditation(bank.store(), &withdrawal, NOW, Some(bank.reviewer), &audit)
        .await
        .unwrap();
    bank.reload().await;
    assert!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30))
            .is_accredited()
    );
    assert_eq!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 07 - 01)),
        AccreditationStatus::Withdrawn {
            from: date!(2026 - 07 - 01)
        }
    );
    let records = bank.store().list_accreditations().await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].decider.as_deref(), Some("reviewer"));
}

#[tokio::test]
async fn bad_decisions_are_refused_with_the_field_and_record_nothing() {
    let bank = bank().await;
    let audit = audit("accreditation.record");
    let backwards = AccreditationInput::Grant {
        provider: PROVIDER,
        from: date!(2026 - 01 - 02),
        until: Some(date!(2026 - 01 - 01)),
        reason: "审核通过".into(),
    };
    let blank = AccreditationInput::Withdraw {
        provider: PROVIDER,
        from: date!(2026 - 01 - 01),
        reason: "  ".into(),
    };
    for (input, field) in [(backwards, "until"), (blank, "reason")] {
        let error = record_accreditation(bank.store(), &input, NOW, None, &audit)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, BankError::Invalid(invalid) if invalid.field == field),
            "{error:?}"
        );
    }
    let unknown = AccreditationInput::Withdraw {
        provider: InstitutionId::new(9_999),
        from: date!(2026 - 01 - 01),
        reason: "机构已注销".into(),
    };
    let error = record_accreditation(bank.store(), &unknown, NOW, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            BankError::Store(StoreError::NotFound {
                what: "institution"
            })
        ),
        "{error:?}"
    );
    assert!(bank.store().list_accreditations().await.unwrap().is_empty());
}

/// A community course no specification describes, from provider 1, achieved on `day`.
fn choir(bank: &crate::support::Bank, external_id: &str, day: &str) -> xc_bank::OutcomeInput {
    xc_bank::OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        national_id: Some(bank.ids[0].expose().into()),
        kind: Some("community_course".into()),
        title: Some("合唱团（春季班）".into()),
        achieved_on: Some(day.into()),
        hours: Some("40".into()),
        ..xc_bank::OutcomeInput::default()
    }
}

/// Non-formal hours of a provider accredited on the day they were achieved are recognised
/// automatically under the general rule of their kind, naming the rule's version; the same
/// hours of a provider not accredited that day go to review with the rule's credits as a
/// suggestion. Single submissions and uploads alike.
#[tokio::test]
async fn an_accredited_providers_non_formal_hours_are_recognised_under_the_general_rule() {
    use xc_bank::general_rules::publish_nonformal_rules;
    use xc_bank::{NonFormalRuleRow, follow_up_batch, import_file, submit_one};
    use xc_domain::credit::{AutomaticBasis, OutcomeKind, Recognition, Version};
    use xc_store::{DecisionBasis, GeneralRuleRef, OutcomeStatus, Written};

    let mut bank = bank().await;
    let submit = async |bank: &crate::support::Bank, input: &xc_bank::OutcomeInput| {
        let submission = submit_one(
            bank.store(),
            &bank.vault,
            &bank.standards,
            input,
            &bank.options(false),
        )
        .await
        .unwrap();
        let Written::Stored(id) = submission.written else {
            panic!("expected a new outcome, got {:?}", submission.written);
        };
        (id, submission.recognition)
    };
    // Not accredited yet: review, with the rule's 2.5 credits (40 h at 16 h) as a suggestion.
    let (before, recognition) = submit(&bank, &choir(&bank, "GR-0", "2026-06-30")).await;
    assert!(
        matches!(
            recognition,
            Recognition::Review { general_rule_credits: Some(credits), .. } if credits.to_string() == "2.5"
        ),
        "{recognition:?}"
    );
    assert_eq!(
        bank.store().get_outcome(before).await.unwrap().status,
        OutcomeStatus::InReview
    );

    let audit = audit("accreditation.record");
    for decision in [
        AccreditationInput::Grant {
            provider: PROVIDER,
            from: date!(2024 - 01 - 01),
            until: None,
            reason: "经审核符合非正规学习成果准入标准".into(),
        },
        AccreditationInput::Withdraw {
            provider: PROVIDER,
            from: date!(2026 - 07 - 01),
            reason: "年度检查不合格".into(),
        },
    ] {
        record_accreditation(bank.store(), &decision, NOW, Some(bank.reviewer), &audit)
            .await
            .unwrap();
    }
    bank.reload().await;

    // Accredited on the day: recognised under the built-in rule, at level 1.
    let (built_in, recognition) = submit(&bank, &choir(&bank, "GR-1", "2026-06-30")).await;
    assert!(
        matches!(
            recognition,
            Recognition::Automatic {
                basis: AutomaticBasis::GeneralRule {
                    kind: OutcomeKind::CommunityCourse
                },
                ..
            }
        ),
        "{recognition:?}"
    );
    let stored = bank.store().get_outcome(built_in).await.unwrap();
    assert_eq!(stored.status, OutcomeStatus::Recognised);
    let grant = stored.grant.unwrap();
    assert_eq!(
        (grant.credits.to_string(), grant.level.get()),
        ("2.5".into(), 1)
    );
    let decisions = bank.store().list_decisions(built_in).await.unwrap();
    assert_eq!(
        decisions[0].basis,
        DecisionBasis::GeneralRule(GeneralRuleRef {
            kind: OutcomeKind::CommunityCourse,
            version: None
        })
    );
    assert!(
        decisions[0].reason.contains("general rule"),
        "{}",
        decisions[0].reason
    );
    // Its points, as for any recognised outcome.
    assert_eq!(
        bank.store().points_balance(bank.learners[0]).await.unwrap(),
        5
    );

    // Staff publish the rule with level 2: what follows names version 1 and grants level 2;
    // what was decided before keeps the built-in rule.
    publish_nonformal_rules(
        bank.store(),
        &bank.standards,
        &[NonFormalRuleRow {
            kind: "community_course".into(),
            hours_per_credit: Some("16".into()),
            step: None,
            maximum: None,
            level: Some("2".into()),
        }],
        NOW,
        Some(bank.reviewer),
        &crate::support::audit("general_rules.publish"),
    )
    .await
    .unwrap();
    bank.reload().await;
    let (versioned, _) = submit(&bank, &choir(&bank, "GR-2", "2026-06-29")).await;
    let decisions = bank.store().list_decisions(versioned).await.unwrap();
    assert_eq!(
        decisions[0].basis,
        DecisionBasis::GeneralRule(GeneralRuleRef {
            kind: OutcomeKind::CommunityCourse,
            version: Some(Version::FIRST)
        })
    );
    assert_eq!(
        bank.store()
            .get_outcome(versioned)
            .await
            .unwrap()
            .grant
            .unwrap()
            .level
            .get(),
        2
    );
    assert_eq!(
        bank.store().list_decisions(built_in).await.unwrap()[0].basis,
        DecisionBasis::GeneralRule(GeneralRuleRef {
            kind: OutcomeKind::CommunityCourse,
            version: None
        })
    );

    // An upload: the row of a day in the grant is recognised, the row after the withdrawal
    // goes to review; the recognised one earns its points in the follow-up.
    let csv = format!(
        "成果编号,身份证号,姓名,成果类型,成果名称,获得日期,学时,领域,成绩,证书编号\n\
         GR-B1,{id},学员,community_course,合唱团（秋季班）,2026-06-01,32,,,\n\
         GR-B2,{id},学员,community_course,合唱团（冬季班）,2026-07-02,32,,,\n",
        id = bank.ids[1].expose()
    );
    let path = bank.file("general-rule.csv", csv.as_bytes());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(false),
    )
    .await
    .unwrap();
    assert!(result.report.is_clean(), "{:?}", result.report.problems());
    assert_eq!(
        (result.stored, result.recognised, result.in_review),
        (2, 1, 1)
    );
    let outcomes = bank
        .store()
        .list_learner_outcomes(bank.learners[1])
        .await
        .unwrap();
    let by_id = |external: &str| outcomes.iter().find(|o| o.external_id == external).unwrap();
    assert_eq!(by_id("GR-B1").status, OutcomeStatus::Recognised);
    assert_eq!(by_id("GR-B2").status, OutcomeStatus::InReview);
    follow_up_batch(bank.store(), result.batch.unwrap().id)
        .await
        .unwrap();
    assert_eq!(
        bank.store().points_balance(bank.learners[1]).await.unwrap(),
        5
    );
}
