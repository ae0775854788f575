//! One conversion rule: the conditions a set of recognised outcomes must meet ("any 3
//! community-education outcomes in 智慧生活 of level ≥ 2"), what it grants ("2 elective credits",
//! "exemption from course X, 4 credits"), and the checks a rule passes on its own before it can
//! be saved: a rule that can never be met is refused with the reason.

use std::collections::BTreeSet;

use crate::credit::conversion::{ExemptedCourse, Grant};
use crate::credit::level::{FrameworkLevel, VocationalGrade};
use crate::credit::outcome::{
    Field, OutcomeCategory, OutcomeKind, OutcomeTitle, RecognisedOutcome, ScoreRequirement,
};
use crate::credit::quantity::Credits;
use crate::credit::{ConversionRuleId, ProgrammeId};

/// A rule as staff enter it, not yet checked. Numbers that a form can get wrong (minimum level,
/// count) are plain integers here so that the check can say why a value can never be met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRuleDraft {
    pub id: ConversionRuleId,
    pub programme: ProgrammeId,
    /// Higher is tried first; ties by rule id, lower first.
    pub priority: u16,
    /// Any of these kinds; empty for any kind.
    pub kinds: Vec<OutcomeKind>,
    pub category: Option<OutcomeCategory>,
    /// The outcome's title or, for a certificate, its occupation (电工), compared by title key.
    pub title: Option<OutcomeTitle>,
    /// The outcome's field is within this one (same topic, or a discipline code it covers).
    pub field: Option<Field>,
    /// Certificates of this grade or higher.
    pub min_grade: Option<VocationalGrade>,
    /// Outcomes at this framework level or higher.
    pub min_level: Option<u8>,
    pub min_score: Option<ScoreRequirement>,
    /// Outcomes achieved at most this many years before the day of the proposal.
    pub max_age_years: Option<u8>,
    /// How many outcomes one application of the rule uses (N of).
    pub count: u8,
    /// How many times the rule may apply in one proposal, each time with new outcomes.
    pub repeat: u8,
    pub grant: Grant,
}

impl ConversionRuleDraft {
    /// A rule for one outcome of any kind, applied at most once, priority 0, no other condition.
    pub fn new(id: ConversionRuleId, programme: ProgrammeId, grant: Grant) -> Self {
        Self {
            id,
            programme,
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
            grant,
        }
    }
}

/// The conditions of a checked rule, in canonical form (kinds sorted, no duplicates), so that two
/// rules with the same conditions compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Conditions {
    kinds: Vec<OutcomeKind>,
    category: Option<OutcomeCategory>,
    title: Option<OutcomeTitle>,
    field: Option<Field>,
    min_grade: Option<VocationalGrade>,
    min_level: Option<FrameworkLevel>,
    min_score: Option<ScoreRequirement>,
    max_age_years: Option<u8>,
    count: u8,
}

impl Conditions {
    /// Sorted; empty for any kind.
    pub fn kinds(&self) -> &[OutcomeKind] {
        &self.kinds
    }
    pub fn category(&self) -> Option<OutcomeCategory> {
        self.category
    }
    pub fn title(&self) -> Option<&OutcomeTitle> {
        self.title.as_ref()
    }
    pub fn field(&self) -> Option<&Field> {
        self.field.as_ref()
    }
    pub fn min_grade(&self) -> Option<VocationalGrade> {
        self.min_grade
    }
    pub fn min_level(&self) -> Option<FrameworkLevel> {
        self.min_level
    }
    pub fn min_score(&self) -> Option<ScoreRequirement> {
        self.min_score
    }
    pub fn max_age_years(&self) -> Option<u8> {
        self.max_age_years
    }
    /// At least 1.
    pub fn count(&self) -> u8 {
        self.count
    }

    /// Whether `outcome` has one of the rule's kinds and its title (the two conditions the engine
    /// looks outcomes up by).
    pub fn selects(&self, outcome: &RecognisedOutcome) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&outcome.kind))
            && self
                .title
                .as_ref()
                .is_none_or(|title| *title == outcome.title)
    }
}

/// A checked rule: it can be met by some set of outcomes, on its own. Whether it fits with the
/// other rules of its programme is [`crate::credit::ConversionRuleSet`]'s check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversionRule {
    id: ConversionRuleId,
    programme: ProgrammeId,
    priority: u16,
    conditions: Conditions,
    repeat: u8,
    grant: Grant,
}

/// Why a rule cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleRefusal {
    #[error(
        "a rule needs at least 1 outcome (N of 0 can never be met): set the count to 1 or more"
    )]
    CountZero,
    #[error("a rule applies at least once: set repeat to 1 or more")]
    RepeatZero,
    #[error("the rule grants 0 credits, so applying it changes nothing: give it credits")]
    NoCredits,
    #[error("course {course} is listed twice in one rule: list each course once")]
    CourseListedTwice {
        course: crate::credit::conversion::CourseCode,
    },
    #[error("course {course} is exempted for 0 credits: give it the credits the course carries")]
    CourseWithoutCredits {
        course: crate::credit::conversion::CourseCode,
    },
    #[error("the rule grants more than {} credits in all", Credits::MAX)]
    TooManyCredits,
    #[error("a course is exempted only once: set repeat to 1")]
    ExemptionRepeated,
    #[error("framework levels start at 1: leave the minimum level empty for any level")]
    LevelZero,
    #[error("no outcome is above level 10, so a minimum level of {min_level} can never be met")]
    LevelAboveFramework { min_level: u8 },
    #[error("a maximum age of 0 years admits no outcome: leave it empty for any age")]
    MaxAgeZero,
    #[error(
        "culture-and-leisure outcomes are recorded but never convert to academic credit, so this rule can never be met"
    )]
    NeverConverts,
    #[error(
        "none of the rule's kinds can be recognised as {category}: change the kinds or the category"
    )]
    KindsCannotHaveCategory { category: OutcomeCategory },
    #[error(
        "only vocational certificates have a grade: add vocational_certificate to the kinds or drop the minimum grade"
    )]
    GradeWithoutCertificates,
    #[error("programme {programme} does not exist: create it first")]
    UnknownProgramme { programme: ProgrammeId },
    #[error(
        "the rule grants {credits} credits but programme {programme} accepts at most {cap} converted credits, so it can never apply: lower the credits or raise the programme's cap"
    )]
    CreditsAboveProgrammeCap {
        credits: Credits,
        programme: ProgrammeId,
        cap: Credits,
    },
    #[error("rule {rule} already exists: edit it instead of adding it again")]
    DuplicateId { rule: ConversionRuleId },
    #[error("rule {other} already grants the same for the same conditions: keep one of them")]
    Duplicate { other: ConversionRuleId },
    #[error(
        "rule {other} exempts course {course} for {other_credits} credits: a course carries one number of credits, so exempting it for {credits} contradicts that rule"
    )]
    ExemptionCreditsDiffer {
        other: ConversionRuleId,
        course: crate::credit::conversion::CourseCode,
        credits: Credits,
        other_credits: Credits,
    },
    #[error(
        "rule {other} has exactly the same conditions but grants something else, so which one applies would depend only on priority: merge them into one rule"
    )]
    SameConditionsDifferentGrant { other: ConversionRuleId },
}

impl ConversionRule {
    /// Checks a rule on its own. Refused, with the reason, when it can never be met: count or
    /// repeat 0, nothing granted, a minimum level outside 1..=10, a maximum age of 0, a category
    /// that never converts (culture and leisure), kinds that cannot have the required category,
    /// a minimum grade on kinds that have no grade, or a course exemption repeated.
    pub fn parse(draft: ConversionRuleDraft) -> Result<Self, RuleRefusal> {
        if draft.count == 0 {
            return Err(RuleRefusal::CountZero);
        }
        if draft.repeat == 0 {
            return Err(RuleRefusal::RepeatZero);
        }
        let grant = canonical_grant(draft.grant)?;
        if matches!(grant, Grant::CourseExemptions(_)) && draft.repeat > 1 {
            return Err(RuleRefusal::ExemptionRepeated);
        }
        let min_level = match draft.min_level {
            None => None,
            Some(0) => return Err(RuleRefusal::LevelZero),
            Some(level) => Some(
                FrameworkLevel::new(level)
                    .map_err(|_| RuleRefusal::LevelAboveFramework { min_level: level })?,
            ),
        };
        if draft.max_age_years == Some(0) {
            return Err(RuleRefusal::MaxAgeZero);
        }
        if draft.category == Some(OutcomeCategory::CultureAndLeisure) {
            return Err(RuleRefusal::NeverConverts);
        }
        let kinds: Vec<OutcomeKind> = draft
            .kinds
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let possible_kinds: Vec<OutcomeKind> = if kinds.is_empty() {
            OutcomeKind::ALL.to_vec()
        } else {
            kinds.clone()
        };
        let possible_kinds: Vec<OutcomeKind> = possible_kinds
            .into_iter()
            .filter(|kind| draft.min_grade.is_none() || kind.has_grade())
            .collect();
        if possible_kinds.is_empty() {
            return Err(RuleRefusal::GradeWithoutCertificates);
        }
        let convertible = possible_kinds.iter().any(|kind| {
            kind.allowed_categories().iter().any(|category| {
                category.converts_to_academic_credit()
                    && draft.category.is_none_or(|wanted| wanted == *category)
            })
        });
        if !convertible {
            return Err(match draft.category {
                Some(category) => RuleRefusal::KindsCannotHaveCategory { category },
                None => RuleRefusal::NeverConverts,
            });
        }
        Ok(Self {
            id: draft.id,
            programme: draft.programme,
            priority: draft.priority,
            conditions: Conditions {
                kinds,
                category: draft.category,
                title: draft.title,
                field: draft.field,
                min_grade: draft.min_grade,
                min_level,
                min_score: draft.min_score,
                max_age_years: draft.max_age_years,
                count: draft.count,
            },
            repeat: draft.repeat,
            grant,
        })
    }

    pub fn id(&self) -> ConversionRuleId {
        self.id
    }
    pub fn programme(&self) -> ProgrammeId {
        self.programme
    }
    pub fn priority(&self) -> u16 {
        self.priority
    }
    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }
    pub fn repeat(&self) -> u8 {
        self.repeat
    }
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// A draft with this rule's values, to edit.
    pub fn to_draft(&self) -> ConversionRuleDraft {
        let c = &self.conditions;
        ConversionRuleDraft {
            id: self.id,
            programme: self.programme,
            priority: self.priority,
            kinds: c.kinds.clone(),
            category: c.category,
            title: c.title.clone(),
            field: c.field.clone(),
            min_grade: c.min_grade,
            min_level: c.min_level.map(FrameworkLevel::get),
            min_score: c.min_score,
            max_age_years: c.max_age_years,
            count: c.count,
            repeat: self.repeat,
            grant: self.grant.clone(),
        }
    }
}

/// Courses sorted by code, each once, each with credits; something granted in all.
fn canonical_grant(grant: Grant) -> Result<Grant, RuleRefusal> {
    match grant {
        Grant::ElectiveCredits(credits) if credits.is_zero() => Err(RuleRefusal::NoCredits),
        Grant::ElectiveCredits(credits) => Ok(Grant::ElectiveCredits(credits)),
        Grant::CourseExemptions(mut courses) => {
            if courses.is_empty() {
                return Err(RuleRefusal::NoCredits);
            }
            courses.sort();
            for pair in courses.windows(2) {
                if pair[0].course == pair[1].course {
                    return Err(RuleRefusal::CourseListedTwice {
                        course: pair[0].course.clone(),
                    });
                }
            }
            if let Some(ExemptedCourse { course, .. }) =
                courses.iter().find(|c| c.credits.is_zero())
            {
                return Err(RuleRefusal::CourseWithoutCredits {
                    course: course.clone(),
                });
            }
            if Credits::checked_sum(courses.iter().map(|c| c.credits)).is_none() {
                return Err(RuleRefusal::TooManyCredits);
            }
            Ok(Grant::CourseExemptions(courses))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::conversion::CourseCode;

    fn credits(text: &str) -> Credits {
        Credits::parse(text).unwrap()
    }

    fn course(code: &str, c: &str) -> ExemptedCourse {
        ExemptedCourse {
            course: CourseCode::parse(code).unwrap(),
            credits: credits(c),
        }
    }

    fn draft() -> ConversionRuleDraft {
        ConversionRuleDraft::new(
            ConversionRuleId::new(1),
            ProgrammeId::new(1),
            Grant::ElectiveCredits(credits("2")),
        )
    }

    #[test]
    fn a_plain_rule_is_accepted_and_canonicalised() {
        let rule = ConversionRule::parse(ConversionRuleDraft {
            kinds: vec![
                OutcomeKind::Mooc,
                OutcomeKind::CommunityCourse,
                OutcomeKind::Mooc,
            ],
            min_level: Some(2),
            count: 3,
            ..draft()
        })
        .unwrap();
        assert_eq!(
            rule.conditions().kinds(),
            &[OutcomeKind::CommunityCourse, OutcomeKind::Mooc]
        );
        assert_eq!(rule.conditions().min_level().unwrap().get(), 2);
        assert_eq!(rule.conditions().count(), 3);
        assert_eq!(ConversionRule::parse(rule.to_draft()).unwrap(), rule);
    }

    #[test]
    fn rules_that_can_never_be_met_are_refused_with_the_reason() {
        let cases: Vec<(ConversionRuleDraft, RuleRefusal)> = vec![
            (
                ConversionRuleDraft {
                    count: 0,
                    ..draft()
                },
                RuleRefusal::CountZero,
            ),
            (
                ConversionRuleDraft {
                    repeat: 0,
                    ..draft()
                },
                RuleRefusal::RepeatZero,
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::ElectiveCredits(Credits::ZERO),
                    ..draft()
                },
                RuleRefusal::NoCredits,
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::CourseExemptions(vec![]),
                    ..draft()
                },
                RuleRefusal::NoCredits,
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::CourseExemptions(vec![course("A", "1"), course("A", "1")]),
                    ..draft()
                },
                RuleRefusal::CourseListedTwice {
                    course: CourseCode::parse("A").unwrap(),
                },
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::CourseExemptions(vec![course("A", "0")]),
                    ..draft()
                },
                RuleRefusal::CourseWithoutCredits {
                    course: CourseCode::parse("A").unwrap(),
                },
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::CourseExemptions(vec![
                        ExemptedCourse {
                            course: CourseCode::parse("A").unwrap(),
                            credits: Credits::MAX,
                        },
                        course("B", "1"),
                    ]),
                    ..draft()
                },
                RuleRefusal::TooManyCredits,
            ),
            (
                ConversionRuleDraft {
                    grant: Grant::exemption(CourseCode::parse("A").unwrap(), credits("2")),
                    repeat: 2,
                    ..draft()
                },
                RuleRefusal::ExemptionRepeated,
            ),
            (
                ConversionRuleDraft {
                    min_level: Some(0),
                    ..draft()
                },
                RuleRefusal::LevelZero,
            ),
            (
                ConversionRuleDraft {
                    min_level: Some(11),
                    ..draft()
                },
                RuleRefusal::LevelAboveFramework { min_level: 11 },
            ),
            (
                ConversionRuleDraft {
                    max_age_years: Some(0),
                    ..draft()
                },
                RuleRefusal::MaxAgeZero,
            ),
            (
                ConversionRuleDraft {
                    category: Some(OutcomeCategory::CultureAndLeisure),
                    ..draft()
                },
                RuleRefusal::NeverConverts,
            ),
            (
                ConversionRuleDraft {
                    kinds: vec![OutcomeKind::CommunityCourse, OutcomeKind::VenueLearning],
                    category: Some(OutcomeCategory::Academic),
                    ..draft()
                },
                RuleRefusal::KindsCannotHaveCategory {
                    category: OutcomeCategory::Academic,
                },
            ),
            (
                ConversionRuleDraft {
                    min_grade: Some(VocationalGrade::Three),
                    category: Some(OutcomeCategory::Academic),
                    ..draft()
                },
                RuleRefusal::KindsCannotHaveCategory {
                    category: OutcomeCategory::Academic,
                },
            ),
            (
                ConversionRuleDraft {
                    kinds: vec![OutcomeKind::AcademicCourse],
                    min_grade: Some(VocationalGrade::Three),
                    ..draft()
                },
                RuleRefusal::GradeWithoutCertificates,
            ),
        ];
        for (draft, refusal) in cases {
            let message = refusal.to_string();
            assert_eq!(
                ConversionRule::parse(draft.clone()),
                Err(refusal),
                "{draft:?}"
            );
            assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
        }
    }

    #[test]
    fn the_edges_that_can_be_met_are_accepted() {
        for ok in [
            ConversionRuleDraft {
                min_level: Some(10),
                ..draft()
            },
            ConversionRuleDraft {
                min_level: Some(1),
                ..draft()
            },
            ConversionRuleDraft {
                count: u8::MAX,
                repeat: u8::MAX,
                ..draft()
            },
            ConversionRuleDraft {
                max_age_years: Some(1),
                ..draft()
            },
            ConversionRuleDraft {
                min_grade: Some(VocationalGrade::One),
                ..draft()
            },
            ConversionRuleDraft {
                kinds: vec![OutcomeKind::CommunityCourse],
                category: Some(OutcomeCategory::VocationalTraining),
                ..draft()
            },
            ConversionRuleDraft {
                grant: Grant::ElectiveCredits(credits("0.01")),
                ..draft()
            },
        ] {
            assert!(ConversionRule::parse(ok.clone()).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn exemption_courses_are_sorted() {
        let rule = ConversionRule::parse(ConversionRuleDraft {
            grant: Grant::CourseExemptions(vec![course("B", "1"), course("A", "2")]),
            ..draft()
        })
        .unwrap();
        let codes: Vec<&str> = rule
            .grant()
            .courses()
            .iter()
            .map(|c| c.course.as_str())
            .collect();
        assert_eq!(codes, ["A", "B"]);
        assert_eq!(rule.grant().credits(), credits("3"));
    }
}
