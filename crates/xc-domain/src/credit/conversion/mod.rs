//! Conversion (学习成果转换): rules that turn recognised outcomes into course exemptions or
//! elective credit in a target programme, the rule set that refuses a rule that can never be met
//! or that contradicts another, and the engine that proposes, with reasons, what a learner's
//! outcomes convert into.
//!
//! - [`rule`]: one rule, its conditions and what it grants; the checks a rule passes alone.
//! - [`rule_set`]: the rules of each programme and the checks a rule passes against the others.
//! - [`propose`](mod@propose): the deterministic engine and its explanation.

use std::fmt;

use crate::Invalid;
use crate::credit::quantity::Credits;
use crate::credit::text::fold_full_width;

pub mod propose;
pub mod rule;
pub mod rule_set;

pub use propose::{
    ConditionFailure, ExcludedOutcome, Exclusion, FailedCondition, MissReason, Prior, Proposal,
    ProposalLine, RuleMiss, propose, propose_after,
};
pub use rule::{Conditions, ConversionRule, ConversionRuleDraft, RuleRefusal};
pub use rule_set::{ConversionRuleSet, Programme, RuleProblem};

/// A course of a target programme (e.g. an open-university course code "02376" or "ELEC-101"): 1
/// to 32 characters of letters, digits, '-', '_' and '.', stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CourseCode(String);

impl CourseCode {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = fold_full_width(text).trim().to_ascii_uppercase();
        if code.is_empty() || code.len() > 32 {
            return Err(Invalid::new(
                "course",
                "a course code has 1 to 32 characters",
            ));
        }
        if !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(Invalid::new(
                "course",
                format!("'{code}' is not a course code: use letters, digits, '-', '_' and '.'"),
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CourseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One course a rule exempts the learner from, with the credits that course carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExemptedCourse {
    pub course: CourseCode,
    pub credits: Credits,
}

/// What a rule grants when it applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grant {
    /// Exemption from one or more courses of the programme (课程免修), each with its credits.
    CourseExemptions(Vec<ExemptedCourse>),
    /// Elective credits (选修学分) not tied to a course.
    ElectiveCredits(Credits),
}

impl Grant {
    /// Exemption from one course.
    pub fn exemption(course: CourseCode, credits: Credits) -> Self {
        Grant::CourseExemptions(vec![ExemptedCourse { course, credits }])
    }

    /// The credits the grant is worth (the sum of its courses' credits); [`Credits::MAX`] if
    /// that sum would pass it, which a saved rule never does.
    pub fn credits(&self) -> Credits {
        match self {
            Grant::CourseExemptions(courses) => {
                Credits::checked_sum(courses.iter().map(|c| c.credits)).unwrap_or(Credits::MAX)
            }
            Grant::ElectiveCredits(credits) => *credits,
        }
    }

    /// The exempted courses; empty for elective credits.
    pub fn courses(&self) -> &[ExemptedCourse] {
        match self {
            Grant::CourseExemptions(courses) => courses,
            Grant::ElectiveCredits(_) => &[],
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::CourseExemptions(courses) => {
                f.write_str("exemption from ")?;
                for (index, course) in courses.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} ({} credits)", course.course, course.credits)?;
                }
                Ok(())
            }
            Grant::ElectiveCredits(credits) => write!(f, "{credits} elective credits"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_codes_are_plain_and_upper_case() {
        assert_eq!(
            CourseCode::parse(" elec-101 ").unwrap().as_str(),
            "ELEC-101"
        );
        assert_eq!(
            CourseCode::parse("０２３７６").unwrap().to_string(),
            "02376"
        );
        for (text, says) in [
            ("", "1 to 32"),
            (&"A".repeat(33), "1 to 32"),
            ("电工基础", "not a course code"),
            ("A B", "not a course code"),
        ] {
            let error = CourseCode::parse(text).unwrap_err();
            assert_eq!(error.field, "course");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
    }

    #[test]
    fn grants_sum_their_courses() {
        let credits = |t| Credits::parse(t).unwrap();
        let grant = Grant::CourseExemptions(vec![
            ExemptedCourse {
                course: CourseCode::parse("A").unwrap(),
                credits: credits("3"),
            },
            ExemptedCourse {
                course: CourseCode::parse("B").unwrap(),
                credits: credits("1.5"),
            },
        ]);
        assert_eq!(grant.credits(), credits("4.5"));
        assert_eq!(grant.courses().len(), 2);
        assert_eq!(
            grant.to_string(),
            "exemption from A (3 credits), B (1.5 credits)"
        );
        let elective = Grant::ElectiveCredits(credits("2"));
        assert_eq!(elective.credits(), credits("2"));
        assert!(elective.courses().is_empty());
        assert_eq!(elective.to_string(), "2 elective credits");
        assert_eq!(
            Grant::exemption(CourseCode::parse("X").unwrap(), credits("4")).credits(),
            credits("4")
        );
    }
}
