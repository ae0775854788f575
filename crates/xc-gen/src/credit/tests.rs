//! Tests of the generated credit bank, without a store: determinism, the specifications, the
//! distributions of outcomes, and decisions that agree with the bank's own recognition rules.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use time::Date;
use xc_domain::credit::{
    AutomaticBasis, OutcomeCategory, OutcomeKind, OutcomeSpecification, Recognition,
};
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    DecisionBasis, DecisionRecord, Grant, OutcomeRecord, OutcomeStatus, SpecificationContent,
    SpecificationVersion,
};

use crate::{
    BankStaff, CreditBank, GenerateOptions, GeneratedCity, OUTCOME_BATCH, REFERENCE_DATE, Scale,
    first_achievement_day, generate_city, reference_end,
};

const REVIEWER: UserId = UserId::new(3);
const PROVIDER_USER: UserId = UserId::new(2);

fn staff(city: &GeneratedCity) -> BankStaff {
    BankStaff {
        reviewer: Some(REVIEWER),
        provider: city
            .first_community_school()
            .map(|school| (school, PROVIDER_USER)),
    }
}

struct Generated {
    bank: CreditBank,
    outcomes: Vec<OutcomeRecord>,
    decisions: Vec<DecisionRecord>,
    learners: u64,
}

/// The outcomes of the first `learners` learners (all of them for `u64::MAX`).
fn outcomes_of(city: &GeneratedCity, learners: u64) -> Generated {
    let bank = CreditBank::new(city);
    let mut generator = bank.outcomes(city, staff(city));
    let mut generated = Generated {
        bank: bank.clone(),
        outcomes: Vec::new(),
        decisions: Vec::new(),
        learners: 0,
    };
    while generated.learners < learners {
        let Some(batch) = generator.next_batch(OUTCOME_BATCH / 10) else {
            break;
        };
        generated.learners = batch.learners_done;
        generated.outcomes.extend(batch.outcomes);
        generated.decisions.extend(batch.decisions);
    }
    generated
}

fn tiny(seed: u64) -> GeneratedCity {
    generate_city(&GenerateOptions::new(Scale::Tiny, seed))
}

/// The specification versions as a store would list them (for the bank's own `Standards`).
fn stored_versions(bank: &CreditBank) -> Vec<SpecificationVersion> {
    bank.specifications()
        .iter()
        .flat_map(|spec| {
            spec.versions
                .iter()
                .enumerate()
                .map(move |(index, version)| SpecificationVersion {
                    id: spec.id,
                    provider: spec.provider,
                    code: spec.code.clone(),
                    version: xc_domain::credit::Version::new(index as u32 + 1).unwrap(),
                    content: version.content.clone(),
                    published_at: version.published_at,
                    published_by: None,
                })
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bank_and_another_seed_another() {
    let city = tiny(7);
    let first = outcomes_of(&city, u64::MAX);
    let again = outcomes_of(&tiny(7), u64::MAX);
    assert_eq!(first.bank.specifications(), again.bank.specifications());
    assert_eq!(first.outcomes, again.outcomes);
    assert_eq!(first.decisions, again.decisions);
    assert_eq!(first.learners, 1_000);

    let other = outcomes_of(&tiny(8), u64::MAX);
    assert_ne!(first.bank.specifications(), other.bank.specifications());
    assert_ne!(first.outcomes, other.outcomes);

    // Batches split between whole learners, and any batch size gives the same rows.
    let mut generator = first.bank.outcomes(&city, staff(&city));
    let mut rows = Vec::new();
    let mut last_done = 0;
    while let Some(batch) = generator.next_batch(777) {
        assert!(batch.learners_done > last_done);
        last_done = batch.learners_done;
        if let (Some(a), Some(b)) = (rows.last(), batch.outcomes.first()) {
            let (a, b): (&OutcomeRecord, &OutcomeRecord) = (a, b);
            assert!(a.learner < b.learner, "a learner is never split");
        }
        rows.extend(batch.outcomes);
    }
    assert_eq!(rows, first.outcomes);
}

#[test]
fn specifications_are_valid_unambiguous_and_few_enough_to_publish_one_by_one() {
    for (city, range) in [
        (tiny(1), 100..300),
        (
            generate_city(&GenerateOptions::new(Scale::City, 1)),
            1_000..2_500,
        ),
    ] {
        let bank = CreditBank::new(&city);
        let specifications = bank.specifications();
        assert!(
            range.contains(&specifications.len()),
            "{} specifications",
            specifications.len()
        );
        let mut codes = HashSet::new();
        let mut exact_keys = HashSet::new();
        let mut revised = 0;
        for (index, spec) in specifications.iter().enumerate() {
            assert_eq!(spec.id.get(), index as i64 + 1);
            assert!(
                codes.insert((spec.provider, spec.code.clone())),
                "{}",
                spec.code
            );
            let first = &spec.versions[0].content;
            assert!(
                exact_keys.insert((
                    spec.provider,
                    first.kind,
                    first.title.key().to_owned(),
                    first.grade
                )),
                "two specifications of one provider share the title {}",
                first.title
            );
            assert!(spec.versions[0].published_at.date() < first_achievement_day());
            for pair in spec.versions.windows(2) {
                assert!(pair[0].published_at < pair[1].published_at);
                assert_ne!(pair[0].content, pair[1].content);
                let (a, b) = (&pair[0].content, &pair[1].content);
                assert_eq!(
                    (a.kind, &a.title, a.hours, a.grade),
                    (b.kind, &b.title, b.hours, b.grade)
                );
            }
            revised += usize::from(spec.versions.len() > 1);
            for version in &spec.versions {
                let content = &version.content;
                OutcomeSpecification::restore(content.draft(spec.id, spec.provider)).unwrap();
                assert!(version.published_at <= reference_end());
                if let Some(grade) = content.grade {
                    assert_eq!(
                        content.level,
                        xc_domain::credit::GradeMapping::national_default().level_of(grade)
                    );
                }
            }
        }
        assert!(revised > 0, "some specifications are revised");
        // Every kind of outcome has specifications.
        for kind in OutcomeKind::ALL {
            assert!(
                specifications
                    .iter()
                    .any(|s| s.versions[0].content.kind == *kind),
                "{kind}"
            );
        }
        // The bank's own catalogue accepts them all, version by version.
        xc_bank::Standards::from_versions(&stored_versions(&bank)).unwrap();
    }
}

/// What a specification version grants an outcome achieved on `achieved_on`.
fn grant_of(content: &SpecificationContent, achieved_on: Date) -> Grant {
    Grant {
        category: content.category,
        level: content.level,
        credits: content.credits,
        valid_until: content.validity.period_from(achieved_on).until(),
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

#[test]
fn outcomes_follow_age_over_ten_years_about_twenty_a_learner() {
    let city = generate_city(&GenerateOptions::new(Scale::District, 1));
    let sample = 4_000;
    let generated = outcomes_of(&city, sample);
    let births: HashMap<LearnerId, Date> = city
        .learners()
        .take(generated.learners as usize)
        .map(|l| (l.id, l.national_id.birth_date()))
        .collect();
    let outcomes = &generated.outcomes;
    let per_learner = outcomes.len() as f64 / generated.learners as f64;
    assert!(
        (19.0..22.5).contains(&per_learner),
        "{per_learner} a learner"
    );

    let mut by_age: [BTreeMap<OutcomeKind, usize>; 2] = Default::default();
    let mut categories: BTreeMap<OutcomeCategory, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
    let mut years = BTreeSet::new();
    let mut keys = HashSet::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.id.get(), index as i64 + 1);
        assert!(keys.insert((outcome.submitted.provider, outcome.external_id.clone())));
        let achieved = outcome.submitted.achieved_on;
        assert!(
            (first_achievement_day()..=REFERENCE_DATE).contains(&achieved),
            "{achieved}"
        );
        assert!(achieved <= outcome.submitted_at.date() && outcome.submitted_at <= reference_end());
        let birth = births[&outcome.learner];
        let age = achieved.year() - birth.year();
        assert!(age >= 16, "achieved at {age}");
        let older = usize::from(achieved >= birth.replace_year(birth.year() + 60).unwrap_or(birth));
        *by_age[older].entry(outcome.submitted.kind).or_default() += 1;
        if let Some(grant) = outcome.grant {
            *categories.entry(grant.category).or_default() += 1;
        }
        *statuses.entry(outcome.status.as_str()).or_default() += 1;
        years.insert(achieved.year());
    }
    let kind_share = |older: usize, kinds: &[OutcomeKind]| {
        let total: usize = by_age[older].values().sum();
        share(
            kinds
                .iter()
                .map(|k| by_age[older].get(k).copied().unwrap_or(0))
                .sum(),
            total,
        )
    };
    use OutcomeKind::*;
    eprintln!(
        "per learner {per_learner:.2}; younger {:?}; older {:?}",
        by_age[0], by_age[1]
    );
    eprintln!("categories {categories:?}; statuses {statuses:?}");
    // From 60: mostly community and elder-education courses and venue learning.
    assert!((0.55..0.72).contains(&kind_share(1, &[CommunityCourse])));
    assert!(kind_share(1, &[CommunityCourse, VenueLearning]) > 0.78);
    assert!(kind_share(1, &[VocationalCertificate]) < 0.03);
    assert!(kind_share(1, &[AcademicCourse, AcademicDegree]) < 0.02);
    // Before 60: MOOCs, trainings, certificates and degree courses.
    assert!((0.25..0.40).contains(&kind_share(0, &[Mooc])));
    assert!((0.10..0.22).contains(&kind_share(0, &[VocationalCertificate])));
    assert!((0.03..0.15).contains(&kind_share(0, &[AcademicCourse, AcademicDegree])));
    assert!(kind_share(0, &[CommunityCourse]) < 0.25);
    // All three categories; culture and leisure is the largest among these learners.
    assert!(categories.len() == 3, "{categories:?}");
    let recognised: usize = categories.values().sum();
    assert!(share(categories[&OutcomeCategory::CultureAndLeisure], recognised) > 0.4);
    assert!(share(categories[&OutcomeCategory::Academic], recognised) > 0.03);
    // Every year of the window, more in recent ones.
    assert_eq!(years, (2016..=2026).collect());
    let in_year = |year| {
        outcomes
            .iter()
            .filter(|o| o.submitted.achieved_on.year() == year)
            .count()
    };
    assert!(in_year(2025) > in_year(2017));
    // Statuses: most recognised, a few rejected, some still in review.
    let total = outcomes.len();
    assert!(share(statuses["recognised"], total) > 0.9, "{statuses:?}");
    assert!(
        (0.01..0.06).contains(&share(statuses["rejected"], total)),
        "{statuses:?}"
    );
    assert!(
        (0.001..0.02).contains(&share(statuses["in_review"], total)),
        "{statuses:?}"
    );
    let automatic = generated
        .decisions
        .iter()
        .filter(|d| matches!(d.basis, DecisionBasis::Specification { .. }))
        .count();
    eprintln!("automatic {:.3}", share(automatic, total));
    assert!(
        (0.70..0.85).contains(&share(automatic, total)),
        "{automatic} automatic"
    );
}

#[test]
fn decisions_agree_with_the_banks_recognition_rules() {
    let city = tiny(3);
    let generated = outcomes_of(&city, u64::MAX);
    let standards = xc_bank::Standards::from_versions(&stored_versions(&generated.bank)).unwrap();
    let specifications: HashMap<_, _> = generated
        .bank
        .specifications()
        .iter()
        .map(|s| (s.id, s))
        .collect();
    let decisions: HashMap<_, &DecisionRecord> =
        generated.decisions.iter().map(|d| (d.outcome, d)).collect();
    assert_eq!(
        decisions.len(),
        generated.decisions.len(),
        "one decision an outcome"
    );
    for (index, decision) in generated.decisions.iter().enumerate() {
        assert_eq!(decision.id.get(), index as i64 + 1);
    }
    let (mut automatic, mut reviewed, mut revised) = (0, 0, 0);
    for outcome in &generated.outcomes {
        let decision = decisions.get(&outcome.id);
        assert_eq!(
            outcome.status == OutcomeStatus::Recognised,
            outcome.grant.is_some()
        );
        assert_eq!(
            outcome.status == OutcomeStatus::InReview,
            decision.is_none()
        );
        let recognition = standards.recognise(&outcome.submitted);
        let Some(decision) = decision else {
            assert!(matches!(recognition, Recognition::Review { .. }));
            continue;
        };
        assert_eq!(decision.grant, outcome.grant);
        assert!(
            decision.decided_at >= outcome.submitted_at && decision.decided_at <= reference_end()
        );
        match &decision.basis {
            DecisionBasis::Specification {
                specification,
                version,
            } => {
                automatic += 1;
                assert_eq!(decision.decided_at, outcome.submitted_at);
                let Recognition::Automatic {
                    basis: AutomaticBasis::Specification { spec, .. },
                    ..
                } = recognition
                else {
                    panic!(
                        "{} is not an exact match: {recognition:?}",
                        outcome.submitted.title
                    );
                };
                assert_eq!(spec, *specification);
                // The version in force when it was submitted, granting what that version grants.
                let planned = specifications[specification];
                let (in_force, content) = planned.version_at(outcome.submitted_at);
                assert_eq!(in_force, version.get());
                assert_eq!(
                    outcome.grant,
                    Some(grant_of(&content.content, outcome.submitted.achieved_on))
                );
                if version.get() as usize == planned.versions.len() {
                    let expected = standards.automatic(&outcome.submitted).unwrap();
                    assert_eq!(Some(expected.grant), outcome.grant);
                    assert_eq!(expected.reason, decision.reason);
                } else {
                    revised += 1;
                }
            }
            DecisionBasis::GeneralRule(rule) => {
                panic!("the generator decides nothing under a general rule ({rule})")
            }
            DecisionBasis::Reviewer {
                reviewer,
                specification,
            } => {
                reviewed += 1;
                assert_eq!(*reviewer, REVIEWER);
                assert!(
                    matches!(recognition, Recognition::Review { .. }),
                    "{} went to a reviewer but matches exactly",
                    outcome.submitted.title
                );
                if let Some((id, version)) = specification {
                    assert!(specifications[id].versions.len() >= version.get() as usize);
                }
                assert!(!decision.reason.is_empty());
                if decision.grant.is_none() {
                    assert!(
                        decision
                            .reason
                            .chars()
                            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                    );
                }
            }
        }
    }
    assert!(
        automatic > 10_000 && reviewed > 1_000,
        "{automatic} {reviewed}"
    );
    assert!(
        revised > 0,
        "some automatic decisions name a version since revised"
    );
}

#[test]
fn the_demo_citizen_and_provider_have_something_to_show() {
    for seed in [1, 42, 2026] {
        let city = tiny(seed);
        let generated = outcomes_of(&city, 50);
        let mine: Vec<&OutcomeRecord> = generated
            .outcomes
            .iter()
            .filter(|o| o.learner == LearnerId::new(1))
            .collect();
        let kinds: BTreeSet<_> = mine.iter().map(|o| o.submitted.kind).collect();
        let years: BTreeSet<_> = mine
            .iter()
            .map(|o| o.submitted.achieved_on.year())
            .collect();
        let statuses: BTreeSet<_> = mine.iter().map(|o| o.status.as_str()).collect();
        let birth = city.learners().next().unwrap().national_id.birth_date();
        let years_open = REFERENCE_DATE.year() - (birth.year() + 16).max(2016) + 1;
        eprintln!(
            "seed {seed}: demo citizen born {birth}, {} outcomes",
            mine.len()
        );
        assert!(mine.len() >= 25, "{}", mine.len());
        assert!(kinds.len() >= 6, "{kinds:?}");
        assert!(years.len() as i32 >= years_open.min(7), "{years:?}");
        assert_eq!(statuses.len(), 3, "{statuses:?}");
        let bases: BTreeSet<bool> = generated
            .decisions
            .iter()
            .filter(|d| mine.iter().any(|o| o.id == d.outcome))
            .map(|d| matches!(d.basis, DecisionBasis::Specification { .. }))
            .collect();
        assert_eq!(bases.len(), 2, "automatic and reviewed decisions");

        let all = outcomes_of(&city, u64::MAX);
        let school: InstitutionId = city.first_community_school().unwrap();
        let submitted: Vec<&OutcomeRecord> = all
            .outcomes
            .iter()
            .filter(|o| o.submitted.provider == school)
            .collect();
        assert!(submitted.len() > 100, "{}", submitted.len());
        assert!(
            submitted
                .iter()
                .all(|o| o.submitted_by == Some(PROVIDER_USER))
        );
        let waiting = submitted
            .iter()
            .filter(|o| o.status == OutcomeStatus::InReview)
            .count();
        assert!(waiting >= 2, "{waiting} in the demo provider's queue");
        assert!(
            all.outcomes
                .iter()
                .filter(|o| o.submitted.provider != school)
                .all(|o| o.submitted_by.is_none())
        );
    }
}

#[test]
fn without_a_reviewer_nothing_is_decided_by_hand() {
    let city = tiny(5);
    let bank = CreditBank::new(&city);
    let mut generator = bank.outcomes(&city, BankStaff::default());
    let batch = generator.next_batch(5_000).unwrap();
    // The staff change statuses, decisions and submitters, nothing else.
    let with_staff = outcomes_of(&city, batch.learners_done);
    assert_eq!(with_staff.outcomes.len(), batch.outcomes.len());
    for (a, b) in batch.outcomes.iter().zip(&with_staff.outcomes) {
        assert_eq!(
            (
                a.id,
                a.learner,
                &a.external_id,
                &a.submitted,
                a.submitted_at
            ),
            (
                b.id,
                b.learner,
                &b.external_id,
                &b.submitted,
                b.submitted_at
            )
        );
    }
    assert!(
        batch
            .decisions
            .iter()
            .all(|d| matches!(d.basis, DecisionBasis::Specification { .. }))
    );
    let waiting = batch
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::InReview)
        .count();
    assert_eq!(waiting + batch.decisions.len(), batch.outcomes.len());
    assert!(share(waiting, batch.outcomes.len()) > 0.1);
}
