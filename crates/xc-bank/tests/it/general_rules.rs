//! Publishing the general rules (non-formal hours rules, the grade mapping): what staff type is
//! checked by row and field and nothing is stored when anything is wrong; a new version is in
//! force as soon as the standards are reloaded, while what was published under the old version
//! (a specification's derived credits and level) keeps what it said.

use xc_bank::general_rules::{load_history, publish_grade_mapping, publish_nonformal_rules};
use xc_bank::{
    BankError, GradeLevelRow, NonFormalRuleRow, SpecificationInput, publish_specification,
};
use xc_domain::credit::{
    ContactHours, Credits, OutcomeKind, OutcomeTitle, ValidityTerm, Version, VocationalGrade,
};
use xc_store::SpecificationTarget;

use crate::support::{NOW, PROVIDER, audit, bank, calligraphy_input};

fn rule(kind: &str, hours: &str) -> NonFormalRuleRow {
    NonFormalRuleRow {
        kind: kind.into(),
        hours_per_credit: Some(hours.into()),
        step: None,
        maximum: None,
        level: None,
    }
}

fn mapping(levels: [&str; 5]) -> Vec<GradeLevelRow> {
    VocationalGrade::ALL
        .iter()
        .zip(levels)
        .map(|(grade, level)| GradeLevelRow {
            grade: grade.label_zh().into(),
            level: Some(level.into()),
        })
        .collect()
}

async fn audited(bank: &crate::support::Bank, action: &str) -> u64 {
    bank.store()
        .list_audit(
            &xc_store::AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            },
            xc_store::PageRequest::default(),
        )
        .await
        .unwrap()
        .total
}

/// A community course specification of 40 hours whose credits the general rule derives.
fn forty_hours(title: &str) -> SpecificationInput {
    SpecificationInput {
        title: OutcomeTitle::parse(title).unwrap(),
        hours: Some(ContactHours::whole(40).unwrap()),
        credits: None,
        ..calligraphy_input()
    }
}

#[tokio::test]
async fn a_new_hours_rule_is_in_force_once_published_and_changes_nothing_published_before() {
    let mut bank = bank().await;
    let kind = OutcomeKind::CommunityCourse;
    assert_eq!(
        bank.standards.general_rule_version(kind),
        None,
        "the default"
    );
    let new = |code: &str| SpecificationTarget::New {
        provider: PROVIDER,
        code: code.into(),
    };
    let (before, _) = publish_specification(
        bank.store(),
        &bank.standards,
        &new("SF-40A"),
        forty_hours("太极拳"),
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap();

    let published = publish_nonformal_rules(
        bank.store(),
        &bank.standards,
        &[rule("community_course", "20"), rule("mooc", "16")],
        NOW,
        Some(bank.reviewer),
        &audit("general_rules.publish"),
    )
    .await
    .unwrap();
    assert_eq!(
        published,
        [(kind, Version::FIRST)],
        "only what changed is published: the MOOC rule was already 16 hours per credit"
    );
    bank.reload().await;
    assert_eq!(
        bank.standards.general_rule_version(kind),
        Some(Version::FIRST)
    );
    assert_eq!(
        bank.standards
            .general_rules()
            .for_kind(kind)
            .unwrap()
            .hours_per_credit(),
        ContactHours::whole(20).unwrap()
    );

    let (after, _) = publish_specification(
        bank.store(),
        &bank.standards,
        &new("SF-40B"),
        forty_hours("八段锦"),
        NOW,
        None,
        &audit("specification.publish"),
    )
    .await
    .unwrap();
    bank.reload().await;
    let credits = |id| {
        bank.standards
            .catalogue()
            .history(id)
            .unwrap()
            .current()
            .value()
            .credits()
    };
    assert_eq!(
        credits(before),
        Credits::parse("2.5").unwrap(),
        "40 h at 16 h per credit, as published"
    );
    assert_eq!(
        credits(after),
        Credits::parse("2").unwrap(),
        "40 h at 20 h per credit"
    );

    let history = load_history(bank.store()).await.unwrap();
    let entry = &history.nonformal[&kind][0];
    assert_eq!(entry.publisher.as_deref(), Some("reviewer"));
    assert_eq!(
        entry.before.as_ref().unwrap().hours_per_credit(),
        ContactHours::whole(16).unwrap(),
        "the history says what the version replaced"
    );
    let change = &entry.changes()[0];
    assert_eq!(
        (
            change.field.as_str(),
            change.before.as_deref(),
            change.after.as_deref()
        ),
        ("hours_per_credit", Some("16"), Some("20"))
    );
    assert_eq!(entry.changes().len(), 1, "the step stayed 0.5");
    assert_eq!(audited(&bank, "general_rules.publish").await, 1);

    // The same rules again change nothing and are refused; taking a rule away is a change.
    let same = publish_nonformal_rules(
        bank.store(),
        &bank.standards,
        &[rule("community_course", "20")],
        NOW,
        None,
        &audit("general_rules.publish"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&same, BankError::Invalid(invalid) if invalid.field == "rules"),
        "{same:?}"
    );
    let removed = publish_nonformal_rules(
        bank.store(),
        &bank.standards,
        &[NonFormalRuleRow {
            kind: "venue_learning".into(),
            ..Default::default()
        }],
        NOW,
        None,
        &audit("general_rules.publish"),
    )
    .await
    .unwrap();
    assert_eq!(removed, [(OutcomeKind::VenueLearning, Version::FIRST)]);
    bank.reload().await;
    assert!(
        bank.standards
            .general_rules()
            .for_kind(OutcomeKind::VenueLearning)
            .is_none()
    );
    assert_eq!(
        bank.standards.general_rule_version(kind),
        Some(Version::FIRST)
    );
}

#[tokio::test]
async fn bad_rules_are_refused_by_row_and_field_and_store_nothing() {
    let bank = bank().await;
    let error = publish_nonformal_rules(
        bank.store(),
        &bank.standards,
        &[
            rule("community_course", "20"),
            NonFormalRuleRow {
                step: Some("-0.5".into()),
                ..rule("mooc", "16")
            },
            rule("academic_course", "16"),
        ],
        NOW,
        None,
        &audit("general_rules.publish"),
    )
    .await
    .unwrap_err();
    let BankError::Rejected(problems) = error else {
        panic!("expected problems, got {error:?}");
    };
    let at: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(at, [(2, "step"), (3, "kind")]);
    assert!(problems[0].reason_zh.contains("该值不符合要求"));
    let error = publish_grade_mapping(
        bank.store(),
        &bank.standards,
        &mapping(["2", "3", "4", "5", "6"])[1..],
        NOW,
        None,
        &audit("grade_mapping.publish"),
    )
    .await
    .unwrap_err();
    let BankError::Rejected(problems) = error else {
        panic!("expected problems, got {error:?}");
    };
    assert_eq!((problems[0].row, problems[0].column.as_str()), (0, "grade"));
    assert!(problems[0].reason_en.contains("五级/初级工 has no level"));

    let history = load_history(bank.store()).await.unwrap();
    assert!(history.nonformal.is_empty() && history.grades.is_empty());
    assert_eq!(audited(&bank, "general_rules.publish").await, 0);
    assert_eq!(audited(&bank, "grade_mapping.publish").await, 0);
}

/// Publishes a 一级 certificate specification whose level the grade mapping derives.
async fn publish_certificate(
    bank: &crate::support::Bank,
    title: &str,
    code: &str,
) -> xc_domain::credit::SpecificationId {
    let input = SpecificationInput {
        kind: OutcomeKind::VocationalCertificate,
        category: None,
        title: OutcomeTitle::parse(title).unwrap(),
        hours: None,
        grade: Some(VocationalGrade::One),
        level: None,
        credits: Some(Credits::parse("4").unwrap()),
        field: None,
        validity: ValidityTerm::INDEFINITE,
    };
    let target = SpecificationTarget::New {
        provider: PROVIDER,
        code: code.into(),
    };
    let audit = audit("specification.publish");
    publish_specification(
        bank.store(),
        &bank.standards,
        &target,
        input,
        NOW,
        None,
        &audit,
    )
    .await
    .unwrap()
    .0
}

#[tokio::test]
async fn a_new_grade_mapping_places_new_certificates_and_keeps_old_ones() {
    let mut bank = bank().await;
    let old = publish_certificate(&bank, "电工", "DG-1").await;
    let version = publish_grade_mapping(
        bank.store(),
        &bank.standards,
        &mapping(["2", "3", "4", "5", "7"]),
        NOW,
        Some(bank.reviewer),
        &audit("grade_mapping.publish"),
    )
    .await
    .unwrap();
    assert_eq!(version, Version::FIRST);
    let unchanged = publish_grade_mapping(
        bank.store(),
        &bank.standards,
        &mapping(["2", "3", "4", "5", "6"]),
        NOW,
        None,
        &audit("grade_mapping.publish"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(unchanged, BankError::Invalid(_)),
        "the default is what is in force here"
    );
    bank.reload().await;
    assert_eq!(bank.standards.grades_version(), Some(Version::FIRST));
    let new = publish_certificate(&bank, "焊工", "HG-1").await;
    bank.reload().await;
    let level = |id| {
        bank.standards
            .catalogue()
            .history(id)
            .unwrap()
            .current()
            .value()
            .level()
            .get()
    };
    assert_eq!((level(old), level(new)), (6, 7));
    assert_eq!(audited(&bank, "grade_mapping.publish").await, 1);
}
