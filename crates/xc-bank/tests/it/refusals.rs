//! Bad input to the staff operations: every refusal names its field, and nothing is stored.

use xc_bank::conversion::{
    ConversionRules, RuleInput, create_programme, publish_rule, retire_rule,
};
use xc_bank::{BankError, OutcomeInput, ReviewDecision, decide, publish_specification, submit_one};
use xc_domain::InstitutionId;
use xc_domain::credit::{Credits, FrameworkLevel, Grant, ProgrammeId, ValidityTerm, Version};
use xc_store::{Actor, NewProgramme, RuleTarget, SpecificationTarget, StoreError};

use crate::support::*;

fn field_of(error: &BankError) -> &'static str {
    match error {
        BankError::Invalid(invalid) => invalid.field,
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

fn programme(code: &str, name: &str, cap: &str) -> NewProgramme {
    NewProgramme {
        institution: InstitutionId::new(2),
        code: code.into(),
        name: name.into(),
        max_credits: Credits::parse(cap).unwrap(),
    }
}

fn elective() -> RuleInput {
    RuleInput {
        priority: 0,
        kinds: Vec::new(),
        category: None,
        title: None,
        field: None,
        min_grade: None,
        min_level: None,
        min_score: None,
        max_age_years: None,
        count: 1,
        repeat: 1,
        grant: Grant::ElectiveCredits(Credits::parse("1").unwrap()),
    }
}

#[tokio::test]
async fn codes_and_names_are_checked_before_anything_is_stored() {
    let bank = bank().await;
    for code in ["", "   ", &"x".repeat(65), "a\u{7}b"] {
        let error = publish_specification(
            bank.store(),
            &bank.standards,
            &SpecificationTarget::New {
                provider: PROVIDER,
                code: code.into(),
            },
            calligraphy_input(),
            NOW,
            None,
            &audit("specification.publish"),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&error), "code", "{code:?}");
    }
    for (new, field) in [
        (programme("", "电气自动化", "10"), "code"),
        (programme(&"P".repeat(33), "电气自动化", "10"), "code"),
        (programme("OU-1", " ", "10"), "name"),
        (programme("OU-1", &"名".repeat(101), "10"), "name"),
        (
            programme("OU-1", "电气自动化", "0"),
            "max_converted_credits",
        ),
    ] {
        let error = create_programme(bank.store(), &new, &audit("programme.create"))
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), field, "{new:?}");
    }
    assert!(bank.store().list_programmes().await.unwrap().is_empty());

    let id = create_programme(
        bank.store(),
        &programme("OU-1", "电气自动化", "10"),
        &audit("programme.create"),
    )
    .await
    .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let new_rule = |programme: ProgrammeId, code: &str| RuleTarget::New {
        programme,
        code: code.into(),
    };
    for code in ["", "a\u{7}b", &"R".repeat(33)] {
        let error = publish_rule(
            bank.store(),
            &rules,
            &new_rule(id, code),
            &elective(),
            NOW,
            None,
            &audit("rule.publish"),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&error), "code", "{code:?}");
    }
    let unknown = publish_rule(
        bank.store(),
        &rules,
        &new_rule(ProgrammeId::new(999), "R-1"),
        &elective(),
        NOW,
        None,
        &audit("rule.publish"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            unknown,
            BankError::Store(StoreError::NotFound { what: "programme" })
        ),
        "{unknown:?}"
    );
    assert!(
        bank.store()
            .list_conversion_rule_versions()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_retired_rule_cannot_be_retired_again() {
    let bank = bank().await;
    let id = create_programme(
        bank.store(),
        &programme("OU-1", "电气自动化", "10"),
        &audit("programme.create"),
    )
    .await
    .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let (rule, _) = publish_rule(
        bank.store(),
        &rules,
        &RuleTarget::New {
            programme: id,
            code: "R-1".into(),
        },
        &elective(),
        NOW,
        None,
        &audit("rule.publish"),
    )
    .await
    .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    retire_rule(bank.store(), &rules, rule, NOW, None, &audit("rule.retire"))
        .await
        .unwrap();
    let rules = ConversionRules::load(bank.store()).await.unwrap();
    let again = retire_rule(bank.store(), &rules, rule, NOW, None, &audit("rule.retire"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&again), "rule");
    assert_eq!(
        bank.store()
            .list_conversion_rule_versions()
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_decision_naming_an_unknown_version_or_with_an_overlong_reason_is_refused() {
    let bank = bank().await;
    let input = OutcomeInput {
        row: 1,
        external_id: Some("R-1".into()),
        learner_id: Some(bank.learners[0].to_string()),
        kind: Some("community_course".into()),
        title: Some("书法(行书)".into()),
        achieved_on: Some("2026-05-01".into()),
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
    let accept = ReviewDecision::Accept {
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::parse("1").unwrap(),
        category: None,
        validity: ValidityTerm::INDEFINITE,
        specification: Some((bank.calligraphy, Version::new(9).unwrap())),
        reason: String::new(),
    };
    let unknown = decide(
        bank.store(),
        &bank.standards,
        id,
        accept,
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&unknown), "specification");
    let long = decide(
        bank.store(),
        &bank.standards,
        id,
        ReviewDecision::Reject {
            reason: "理".repeat(1001),
        },
        bank.reviewer,
        Actor::System("test".into()),
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&long), "reason");
    assert!(bank.store().list_decisions(id).await.unwrap().is_empty());
}
