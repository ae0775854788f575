//! Conversion: rules refused when they can never be met or contradict another, a learner's
//! application with the engine's explanation, staff's amendment, and what later applications
//! see of earlier conversions.

use xc_bank::conversion::{
    ConversionRules, RuleInput, apply, create_programme, decide_application, preview, publish_rule,
    retire_rule,
};
use xc_bank::{BankError, OutcomeInput, ReviewDecision, decide, submit_one};
use xc_domain::credit::{
    CourseCode, Credits, Field, FrameworkLevel, Grant, OutcomeCategory, OutcomeId, OutcomeKind,
    OutcomeTitle, ProgrammeId, ValidityTerm, VocationalGrade,
};
use xc_domain::{InstitutionId, Topic};
use xc_store::{Actor, ApplicationStatus, NewProgramme, RuleTarget, StoreError};

use crate::support::*;

fn credits(text: &str) -> Credits {
    Credits::parse(text).unwrap()
}

fn electrician_rule() -> RuleInput {
    RuleInput {
        priority: 10,
        kinds: vec![OutcomeKind::VocationalCertificate],
        category: None,
        title: Some(OutcomeTitle::parse("电工").unwrap()),
        field: None,
        min_grade: Some(VocationalGrade::Three),
        min_level: None,
        min_score: None,
        max_age_years: Some(5),
        count: 1,
        repeat: 1,
        grant: Grant::exemption(CourseCode::parse("ELEC-101").unwrap(), credits("4")),
    }
}

fn smart_living_rule() -> RuleInput {
    RuleInput {
        priority: 0,
        kinds: vec![OutcomeKind::CommunityCourse],
        category: Some(OutcomeCategory::VocationalTraining),
        title: None,
        field: Some(Field::Topic(Topic::SmartLiving)),
        min_grade: None,
        min_level: Some(2),
        min_score: None,
        max_age_years: None,
        count: 3,
        repeat: 1,
        grant: Grant::ElectiveCredits(credits("2")),
    }
}

async fn programme(bank: &Bank) -> (ProgrammeId, ConversionRules) {
    let id = create_programme(
        bank.store(),
        &NewProgramme {
            institution: InstitutionId::new(2),
            code: "OU-ELEC".into(),
            name: "电气自动化技术（双元制）".into(),
            max_credits: credits("10"),
        },
        &audit("programme.create"),
    )
    .await
    .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    (id, rules)
}

/// What an outcome is: kind, title, grade, field.
struct What<'a>(&'a str, &'a str, Option<&'a str>, Option<&'a str>);

/// An outcome recognised by a reviewer with the given category and level.
async fn recognised(
    bank: &Bank,
    external_id: &str,
    What(kind, title, grade, field): What<'_>,
    category: OutcomeCategory,
    level: u8,
) -> OutcomeId {
    let input = OutcomeInput {
        row: 1,
        external_id: Some(external_id.into()),
        learner_id: Some(bank.learners[0].to_string()),
        kind: Some(kind.into()),
        title: Some(title.into()),
        grade: grade.map(Into::into),
        field: field.map(Into::into),
        achieved_on: Some("2025-05-01".into()),
        hours: Some("16".into()),
        ..OutcomeInput::default()
    };
    let id = submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap()
    .written
    .id();
    decide(
        bank.store(),
        &bank.standards,
        id,
        ReviewDecision::Accept {
            level: FrameworkLevel::new(level).unwrap(),
            credits: credits("1"),
            category: Some(category),
            validity: ValidityTerm::INDEFINITE,
            specification: None,
            reason: String::new(),
        },
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_rule_that_can_never_be_met_or_contradicts_another_is_refused_with_the_reason() {
    let bank = bank().await;
    let (programme, rules) = programme(&bank).await;
    let publish = |input: RuleInput, code: &'static str, rules: &ConversionRules| {
        let rules = rules.clone();
        let store = bank.store();
        async move {
            publish_rule(
                store,
                &rules,
                &RuleTarget::New {
                    programme,
                    code: code.into(),
                },
                &input,
                NOW,
                None,
                &audit("rule.publish"),
            )
            .await
        }
    };
    let never = RuleInput {
        min_level: Some(11),
        ..smart_living_rule()
    };
    let error = publish(never, "R-X", &rules).await.unwrap_err();
    assert!(
        matches!(&error, BankError::Invalid(i) if i.field == "min_level"),
        "{error:?}"
    );
    let leisure = RuleInput {
        category: Some(OutcomeCategory::CultureAndLeisure),
        ..smart_living_rule()
    };
    let error = publish(leisure, "R-X", &rules).await.unwrap_err();
    assert!(error.to_string().contains("never convert"), "{error}");
    let too_big = RuleInput {
        grant: Grant::ElectiveCredits(credits("12")),
        ..smart_living_rule()
    };
    let error = publish(too_big, "R-X", &rules).await.unwrap_err();
    assert!(
        matches!(&error, BankError::Invalid(i) if i.field == "grant"),
        "{error:?}"
    );

    publish(smart_living_rule(), "R-2", &rules).await.unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let twin = RuleInput {
        grant: Grant::ElectiveCredits(credits("3")),
        ..smart_living_rule()
    };
    let error = publish(twin, "R-3", &rules).await.unwrap_err();
    assert!(
        matches!(&error, BankError::Invalid(i) if i.field == "rule"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("merge them into one rule"),
        "{error}"
    );
    assert_eq!(
        ConversionRules::load(bank.store())
            .await
            .unwrap()
            .rules_of(programme)
            .count(),
        1
    );
}

#[tokio::test]
async fn an_application_is_proposed_explained_amended_and_remembered() {
    let bank = bank().await;
    let (programme, rules) = programme(&bank).await;
    for (code, input) in [("R-1", electrician_rule()), ("R-2", smart_living_rule())] {
        publish_rule(
            bank.store(),
            &rules,
            &RuleTarget::New {
                programme,
                code: code.into(),
            },
            &input,
            NOW,
            None,
            &audit("rule.publish"),
        )
        .await
        .unwrap();
    }
    let rules = ConversionRules::load(bank.store()).await.unwrap();

    let certificate = recognised(
        &bank,
        "C-1",
        What("vocational_certificate", "电工", Some("三级"), None),
        OutcomeCategory::VocationalTraining,
        4,
    )
    .await;
    let mut smart = Vec::new();
    for n in 0..3 {
        smart.push(
            recognised(
                &bank,
                &format!("S-{n}"),
                What(
                    "community_course",
                    &format!("智能手机{n}"),
                    None,
                    Some("smart_living"),
                ),
                OutcomeCategory::VocationalTraining,
                2,
            )
            .await,
        );
    }
    let calligraphy = recognised(
        &bank,
        "L-1",
        What("community_course", "书法", None, Some("culture_arts")),
        OutcomeCategory::CultureAndLeisure,
        2,
    )
    .await;

    let application = apply(
        bank.store(),
        &rules,
        bank.learners[0],
        programme,
        TODAY,
        NOW,
        Actor::System("test".into()),
    )
    .await
    .unwrap();
    assert_eq!(application.status, ApplicationStatus::Proposed);
    assert_eq!(application.proposed_credits, credits("6"));
    assert_eq!(application.lines.len(), 2);
    assert_eq!(application.lines[0].outcomes, [certificate]);
    assert_eq!(application.lines[1].outcomes, smart);
    let excluded = &application.proposal["excluded"];
    assert_eq!(excluded[0]["outcome"], calligraphy.get());
    assert_eq!(excluded[0]["reason"], "CultureAndLeisure");

    // One open application per programme.
    let again = apply(
        bank.store(),
        &rules,
        bank.learners[0],
        programme,
        TODAY,
        NOW,
        Actor::System("test".into()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            again,
            BankError::Store(StoreError::Conflict { field: "programme" })
        ),
        "{again:?}"
    );

    // Keeping only the exemption needs a reason; then it is approved for 4 credits.
    let no_reason = decide_application(
        bank.store(),
        application.id,
        true,
        vec![1],
        " ",
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&no_reason, BankError::Invalid(i) if i.field == "reason"),
        "{no_reason:?}"
    );
    let unknown = decide_application(
        bank.store(),
        application.id,
        true,
        vec![1, 7],
        "x",
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&unknown, BankError::Invalid(i) if i.field == "lines"),
        "{unknown:?}"
    );
    let decided = decide_application(
        bank.store(),
        application.id,
        true,
        vec![1],
        "选修学分须另行审核",
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(decided.status, ApplicationStatus::Approved);
    assert_eq!(decided.approved_credits, Some(credits("4")));
    assert_eq!(
        decided.lines.iter().map(|l| l.kept).collect::<Vec<_>>(),
        [Some(true), Some(false)]
    );
    let twice = decide_application(
        bank.store(),
        application.id,
        false,
        vec![],
        "再次",
        bank.reviewer,
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

    // The next proposal: the certificate is spent and counted against the cap; the community
    // courses, not kept, convert again.
    let next = preview(bank.store(), &rules, bank.learners[0], programme, TODAY)
        .await
        .unwrap();
    assert_eq!(next.already_converted, credits("4"));
    assert_eq!(next.lines.len(), 1);
    assert_eq!(next.lines[0].outcomes, smart);

    // A retired rule no longer applies; what was decided under it stays.
    retire_rule(
        bank.store(),
        &rules,
        next.lines[0].rule,
        NOW,
        None,
        &audit("rule.retire"),
    )
    .await
    .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let after = preview(bank.store(), &rules, bank.learners[0], programme, TODAY)
        .await
        .unwrap();
    assert!(after.lines.is_empty());
    let error = apply(
        bank.store(),
        &rules,
        bank.learners[0],
        programme,
        TODAY,
        NOW,
        Actor::System("test".into()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, BankError::Invalid(i) if i.field == "programme"),
        "{error:?}"
    );
    let kept = bank.store().get_application(application.id).await.unwrap();
    assert_eq!(kept.lines[1].rule_version.get(), 1);
}

#[tokio::test]
async fn the_transcript_groups_recognised_outcomes_and_the_outlook_previews_each_programme() {
    let bank = bank().await;
    let (programme, rules) = programme(&bank).await;
    // A second programme whose only rule selects nothing the learner has: not previewed.
    let other = create_programme(
        bank.store(),
        &NewProgramme {
            institution: InstitutionId::new(2),
            code: "OU-MED".into(),
            name: "护理（双元制）".into(),
            max_credits: credits("10"),
        },
        &audit("programme.create"),
    )
    .await
    .unwrap();
    let rules_after = ConversionRules::load(bank.store()).await.unwrap();
    for (code, input, target) in [
        ("R-1", electrician_rule(), programme),
        ("R-2", smart_living_rule(), programme),
        (
            "R-9",
            RuleInput {
                title: Some(OutcomeTitle::parse("护理员").unwrap()),
                ..electrician_rule()
            },
            other,
        ),
    ] {
        publish_rule(
            bank.store(),
            &rules_after,
            &RuleTarget::New {
                programme: target,
                code: code.into(),
            },
            &input,
            NOW,
            None,
            &audit("rule.publish"),
        )
        .await
        .unwrap();
    }
    drop(rules);
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let certificate = recognised(
        &bank,
        "C-1",
        What("vocational_certificate", "电工", Some("三级"), None),
        OutcomeCategory::VocationalTraining,
        4,
    )
    .await;
    let calligraphy = recognised(
        &bank,
        "L-1",
        What("community_course", "书法", None, Some("culture_arts")),
        OutcomeCategory::CultureAndLeisure,
        2,
    )
    .await;
    let outcomes = bank
        .store()
        .list_learner_outcomes(bank.learners[0])
        .await
        .unwrap();

    // Before any application: one programme worth previewing, the exemption proposed.
    let outlook =
        xc_bank::conversion::outlook(bank.store(), &rules, bank.learners[0], &outcomes, TODAY, 5)
            .await
            .unwrap();
    assert!(outlook.applications.is_empty());
    assert_eq!(outlook.proposals.len(), 1);
    assert_eq!(outlook.proposals[0].programme, programme);
    assert_eq!(outlook.proposals[0].total_credits, credits("4"));
    assert_eq!(outlook.more, 0);
    let none =
        xc_bank::conversion::outlook(bank.store(), &rules, bank.learners[0], &outcomes, TODAY, 0)
            .await
            .unwrap();
    assert!(none.proposals.is_empty());
    assert_eq!(none.more, 1, "a programme left out is counted");

    let application = apply(
        bank.store(),
        &rules,
        bank.learners[0],
        programme,
        TODAY,
        NOW,
        Actor::System("test".into()),
    )
    .await
    .unwrap();
    decide_application(
        bank.store(),
        application.id,
        true,
        vec![1],
        "",
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap();

    let transcript = xc_bank::transcript(bank.store(), bank.learners[0], TODAY)
        .await
        .unwrap();
    let groups: Vec<_> = transcript
        .groups
        .iter()
        .map(|g| {
            (
                g.category,
                g.level.get(),
                g.items.iter().map(|i| i.outcome.id).collect::<Vec<_>>(),
                g.tally.credits,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                OutcomeCategory::VocationalTraining,
                4,
                vec![certificate],
                credits("1")
            ),
            (
                OutcomeCategory::CultureAndLeisure,
                2,
                vec![calligraphy],
                credits("1")
            ),
        ],
        "by category, then level"
    );
    assert_eq!(transcript.totals.recognised, 2);
    assert_eq!(transcript.conversions.len(), 1);
    assert_eq!(transcript.conversions[0].programme, programme);
    assert_eq!(transcript.conversions[0].credits, credits("4"));
    assert_eq!(
        transcript.conversions[0].courses[0].course.as_str(),
        "ELEC-101"
    );
    // The same content on the same day: the same reference; another day: another.
    let again = xc_bank::transcript(bank.store(), bank.learners[0], TODAY)
        .await
        .unwrap();
    assert_eq!(again.reference, transcript.reference);
    assert!(
        transcript
            .reference
            .starts_with(&format!("XC-{}-", bank.learners[0])),
        "{}",
        transcript.reference
    );
    let later = xc_bank::transcript(bank.store(), bank.learners[0], TODAY.next_day().unwrap())
        .await
        .unwrap();
    assert_ne!(later.reference, transcript.reference);

    // After the approval the exemption is spent: the outlook lists the application and
    // proposes nothing more for the programme.
    let outlook =
        xc_bank::conversion::outlook(bank.store(), &rules, bank.learners[0], &outcomes, TODAY, 5)
            .await
            .unwrap();
    assert_eq!(outlook.applications.len(), 1);
    assert_eq!(outlook.proposals[0].already_converted, credits("4"));
    assert!(outlook.proposals[0].lines.is_empty());
}
