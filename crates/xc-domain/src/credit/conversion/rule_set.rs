//! The conversion rules of every target programme, and the checks a rule passes against the
//! others before it is saved.
//!
//! Two rules of one programme *contradict* when, and only when:
//! 1. both exempt the same course but for different credits: a course carries one number of
//!    credits in its programme, so one of the rules is wrong
//!    ([`RuleRefusal::ExemptionCreditsDiffer`]); or
//! 2. their conditions are identical (after canonical ordering) but they grant different things:
//!    the same outcomes would earn one grant or the other depending only on priority
//!    ([`RuleRefusal::SameConditionsDifferentGrant`]); staff should merge them into one rule.
//!
//! Identical conditions with the identical grant is a duplicate ([`RuleRefusal::Duplicate`]).
//! Overlapping but different conditions are *not* a contradiction: they are alternative routes
//! to a grant (a 电工 certificate or an 电工基础 course both exempting course X for the same
//! credits), and the engine's ordering decides which route a learner's outcomes take.
//!
//! A rule whose grant alone is larger than its programme's cap can never apply and is refused
//! too ([`RuleRefusal::CreditsAboveProgrammeCap`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::Invalid;
use crate::credit::conversion::CourseCode;
use crate::credit::conversion::rule::{
    Conditions, ConversionRule, ConversionRuleDraft, RuleRefusal,
};
use crate::credit::quantity::Credits;
use crate::credit::{ConversionRuleId, ProgrammeId};

/// A target programme: how many converted credits it accepts in all (e.g. the share of a
/// programme's credits that may come from prior learning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Programme {
    id: ProgrammeId,
    max_converted_credits: Credits,
}

impl Programme {
    pub fn new(id: ProgrammeId, max_converted_credits: Credits) -> Result<Self, Invalid> {
        if max_converted_credits.is_zero() {
            return Err(Invalid::new(
                "max_converted_credits",
                "a programme that accepts 0 converted credits can never use a rule: give it a cap above 0",
            ));
        }
        Ok(Self {
            id,
            max_converted_credits,
        })
    }

    pub fn id(&self) -> ProgrammeId {
        self.id
    }

    pub fn max_converted_credits(&self) -> Credits {
        self.max_converted_credits
    }
}

/// A rule refused while loading many at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub rule: ConversionRuleId,
    pub refusal: RuleRefusal,
}

/// The order rules are tried in: higher priority first, then lower id.
type RuleOrder = (Reverse<u16>, ConversionRuleId);

#[derive(Debug, Clone)]
struct ProgrammeRules {
    programme: Programme,
    ordered: BTreeMap<RuleOrder, ConversionRule>,
    by_conditions: HashMap<Conditions, ConversionRuleId>,
    /// Every exempted course: its credits and the rules that exempt it.
    courses: HashMap<CourseCode, (Credits, BTreeSet<ConversionRuleId>)>,
}

/// Every programme's rules, each programme's in the order the engine tries them.
#[derive(Debug, Clone, Default)]
pub struct ConversionRuleSet {
    programmes: BTreeMap<ProgrammeId, ProgrammeRules>,
    order_of: HashMap<ConversionRuleId, (ProgrammeId, RuleOrder)>,
}

impl ConversionRuleSet {
    pub fn new(programmes: Vec<Programme>) -> Result<Self, Invalid> {
        let mut set = Self::default();
        for programme in programmes {
            set.add_programme(programme)?;
        }
        Ok(set)
    }

    pub fn add_programme(&mut self, programme: Programme) -> Result<(), Invalid> {
        if self.programmes.contains_key(&programme.id) {
            return Err(Invalid::new(
                "programme_id",
                format!("programme {} already exists", programme.id),
            ));
        }
        self.programmes.insert(
            programme.id,
            ProgrammeRules {
                programme,
                ordered: BTreeMap::new(),
                by_conditions: HashMap::new(),
                courses: HashMap::new(),
            },
        );
        Ok(())
    }

    /// Loads many rules, checking each as [`ConversionRuleSet::add`] does, in rule-id order (so
    /// which of two contradicting rules is reported does not depend on the input order). All or
    /// nothing: with any problem the result is the list of every problem, and no set.
    pub fn with_rules(
        mut self,
        mut drafts: Vec<ConversionRuleDraft>,
    ) -> Result<Self, Vec<RuleProblem>> {
        drafts.sort_by_key(|draft| draft.id);
        let mut problems = Vec::new();
        for draft in drafts {
            let rule = draft.id;
            if let Err(refusal) = self.add(draft) {
                problems.push(RuleProblem { rule, refusal });
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    /// Checks `draft` on its own and against the other rules of its programme, without saving.
    pub fn check(&self, draft: ConversionRuleDraft) -> Result<ConversionRule, RuleRefusal> {
        self.check_except(draft, None)
    }

    fn check_except(
        &self,
        draft: ConversionRuleDraft,
        replacing: Option<ConversionRuleId>,
    ) -> Result<ConversionRule, RuleRefusal> {
        let rule = ConversionRule::parse(draft)?;
        let programme =
            self.programmes
                .get(&rule.programme())
                .ok_or(RuleRefusal::UnknownProgramme {
                    programme: rule.programme(),
                })?;
        if replacing != Some(rule.id()) && self.order_of.contains_key(&rule.id()) {
            return Err(RuleRefusal::DuplicateId { rule: rule.id() });
        }
        let cap = programme.programme.max_converted_credits;
        if rule.grant().credits() > cap {
            return Err(RuleRefusal::CreditsAboveProgrammeCap {
                credits: rule.grant().credits(),
                programme: rule.programme(),
                cap,
            });
        }
        if let Some(other) = programme.by_conditions.get(rule.conditions())
            && Some(*other) != replacing
        {
            let other_rule = self.get(*other).map(ConversionRule::grant);
            return Err(if other_rule == Some(rule.grant()) {
                RuleRefusal::Duplicate { other: *other }
            } else {
                RuleRefusal::SameConditionsDifferentGrant { other: *other }
            });
        }
        for exempted in rule.grant().courses() {
            if let Some((credits, rules)) = programme.courses.get(&exempted.course)
                && *credits != exempted.credits
                && let Some(other) = rules.iter().find(|other| Some(**other) != replacing)
            {
                return Err(RuleRefusal::ExemptionCreditsDiffer {
                    other: *other,
                    course: exempted.course.clone(),
                    credits: exempted.credits,
                    other_credits: *credits,
                });
            }
        }
        Ok(rule)
    }

    /// Saves a new rule after [`ConversionRuleSet::check`]; a refused rule changes nothing.
    pub fn add(&mut self, draft: ConversionRuleDraft) -> Result<&ConversionRule, RuleRefusal> {
        let rule = self.check(draft)?;
        Ok(self.insert(rule))
    }

    /// Replaces the rule with the draft's id, checked against every other rule; a refused
    /// replacement leaves the old rule in place.
    pub fn replace(&mut self, draft: ConversionRuleDraft) -> Result<&ConversionRule, RuleRefusal> {
        let id = draft.id;
        let rule = self.check_except(draft, Some(id))?;
        self.remove(id);
        Ok(self.insert(rule))
    }

    pub fn remove(&mut self, id: ConversionRuleId) -> Option<ConversionRule> {
        let (programme_id, order) = self.order_of.remove(&id)?;
        let programme = self.programmes.get_mut(&programme_id)?;
        let rule = programme.ordered.remove(&order)?;
        programme.by_conditions.remove(rule.conditions());
        for exempted in rule.grant().courses() {
            if let Some((_, rules)) = programme.courses.get_mut(&exempted.course) {
                rules.remove(&id);
                if rules.is_empty() {
                    programme.courses.remove(&exempted.course);
                }
            }
        }
        Some(rule)
    }

    fn insert(&mut self, rule: ConversionRule) -> &ConversionRule {
        let id = rule.id();
        let programme_id = rule.programme();
        let order = (Reverse(rule.priority()), id);
        let programme = self
            .programmes
            .get_mut(&programme_id)
            .expect("checked: the programme exists");
        programme
            .by_conditions
            .insert(rule.conditions().clone(), id);
        for exempted in rule.grant().courses() {
            programme
                .courses
                .entry(exempted.course.clone())
                .or_insert_with(|| (exempted.credits, BTreeSet::new()))
                .1
                .insert(id);
        }
        self.order_of.insert(id, (programme_id, order));
        programme.ordered.entry(order).or_insert(rule)
    }

    pub fn get(&self, id: ConversionRuleId) -> Option<&ConversionRule> {
        let (programme, order) = self.order_of.get(&id)?;
        self.programmes.get(programme)?.ordered.get(order)
    }

    pub fn programme(&self, id: ProgrammeId) -> Option<&Programme> {
        self.programmes.get(&id).map(|p| &p.programme)
    }

    /// The rules of `programme` in the order the engine tries them: higher priority first, then
    /// lower rule id.
    pub fn rules(&self, programme: ProgrammeId) -> impl Iterator<Item = &ConversionRule> {
        self.programmes
            .get(&programme)
            .into_iter()
            .flat_map(|p| p.ordered.values())
    }

    /// The number of rules over all programmes.
    pub fn len(&self) -> usize {
        self.order_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order_of.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::conversion::{ExemptedCourse, Grant};
    use crate::credit::level::VocationalGrade;
    use crate::credit::outcome::{OutcomeKind, OutcomeTitle};

    fn credits(text: &str) -> Credits {
        Credits::parse(text).unwrap()
    }
    fn programme() -> ProgrammeId {
        ProgrammeId::new(1)
    }
    fn course(code: &str) -> CourseCode {
        CourseCode::parse(code).unwrap()
    }
    fn set() -> ConversionRuleSet {
        ConversionRuleSet::new(vec![Programme::new(programme(), credits("30")).unwrap()]).unwrap()
    }

    fn electrician(id: i64, course_code: &str, c: &str) -> ConversionRuleDraft {
        ConversionRuleDraft {
            kinds: vec![OutcomeKind::VocationalCertificate],
            title: Some(OutcomeTitle::parse("电工").unwrap()),
            min_grade: Some(VocationalGrade::Three),
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(id),
                programme(),
                Grant::exemption(course(course_code), credits(c)),
            )
        }
    }

    #[test]
    fn programmes_accept_some_credit() {
        let error = Programme::new(programme(), Credits::ZERO).unwrap_err();
        assert_eq!(error.field, "max_converted_credits");
        let p = Programme::new(programme(), credits("30")).unwrap();
        assert_eq!(
            (p.id(), p.max_converted_credits()),
            (programme(), credits("30"))
        );
        assert!(ConversionRuleSet::new(vec![p, p]).is_err());
    }

    #[test]
    fn rules_are_tried_by_priority_then_id() {
        let mut rules = set();
        for (id, priority) in [(3, 0), (1, 0), (2, 5), (4, 5)] {
            rules
                .add(ConversionRuleDraft {
                    priority,
                    min_level: Some(id as u8),
                    ..ConversionRuleDraft::new(
                        ConversionRuleId::new(id),
                        programme(),
                        Grant::ElectiveCredits(credits("1")),
                    )
                })
                .unwrap();
        }
        let order: Vec<i64> = rules.rules(programme()).map(|r| r.id().get()).collect();
        assert_eq!(order, vec![2, 4, 1, 3]);
        assert_eq!(rules.len(), 4);
        assert!(!rules.is_empty());
        assert_eq!(rules.rules(ProgrammeId::new(99)).count(), 0);
    }

    #[test]
    fn a_rule_for_an_unknown_programme_or_a_taken_id_is_refused() {
        let mut rules = set();
        rules.add(electrician(1, "X", "4")).unwrap();
        let mut elsewhere = electrician(2, "X", "4");
        elsewhere.programme = ProgrammeId::new(2);
        assert_eq!(
            rules.add(elsewhere).unwrap_err(),
            RuleRefusal::UnknownProgramme {
                programme: ProgrammeId::new(2)
            }
        );
        let taken = ConversionRuleDraft {
            min_level: Some(3),
            ..electrician(1, "Y", "2")
        };
        assert_eq!(
            rules.add(taken).unwrap_err(),
            RuleRefusal::DuplicateId {
                rule: ConversionRuleId::new(1)
            }
        );
    }

    #[test]
    fn a_grant_above_the_programme_cap_can_never_apply() {
        let refusal = set().add(electrician(1, "X", "31")).unwrap_err();
        assert_eq!(
            refusal,
            RuleRefusal::CreditsAboveProgrammeCap {
                credits: credits("31"),
                programme: programme(),
                cap: credits("30")
            }
        );
        assert!(set().add(electrician(1, "X", "30")).is_ok());
    }

    #[test]
    fn exempting_one_course_for_different_credits_contradicts() {
        let mut rules = set();
        rules.add(electrician(1, "X", "4")).unwrap();
        let other_route = ConversionRuleDraft {
            kinds: vec![OutcomeKind::AcademicCourse],
            title: Some(OutcomeTitle::parse("电工基础").unwrap()),
            min_grade: None,
            ..electrician(2, "X", "4")
        };
        rules.add(other_route.clone()).unwrap();
        let contradiction = ConversionRuleDraft {
            grant: Grant::CourseExemptions(vec![
                ExemptedCourse {
                    course: course("X"),
                    credits: credits("5"),
                },
                ExemptedCourse {
                    course: course("Y"),
                    credits: credits("1"),
                },
            ]),
            ..electrician(3, "X", "5")
        };
        let contradiction = ConversionRuleDraft {
            min_grade: Some(VocationalGrade::Two),
            ..contradiction
        };
        assert_eq!(
            rules.add(contradiction).unwrap_err(),
            RuleRefusal::ExemptionCreditsDiffer {
                other: ConversionRuleId::new(1),
                course: course("X"),
                credits: credits("5"),
                other_credits: credits("4"),
            }
        );
        assert_eq!(rules.len(), 2, "a refused rule changes nothing");
    }

    #[test]
    fn same_conditions_are_a_duplicate_or_a_contradiction() {
        let mut rules = set();
        rules.add(electrician(1, "X", "4")).unwrap();
        let duplicate = ConversionRuleDraft {
            priority: 9,
            ..electrician(2, "X", "4")
        };
        assert_eq!(
            rules.add(duplicate).unwrap_err(),
            RuleRefusal::Duplicate {
                other: ConversionRuleId::new(1)
            }
        );
        assert_eq!(
            rules.add(electrician(3, "Z", "4")).unwrap_err(),
            RuleRefusal::SameConditionsDifferentGrant {
                other: ConversionRuleId::new(1)
            }
        );
        let reordered_kinds = ConversionRuleDraft {
            kinds: vec![
                OutcomeKind::VocationalCertificate,
                OutcomeKind::VocationalCertificate,
            ],
            ..electrician(4, "X", "4")
        };
        assert!(matches!(
            rules.add(reordered_kinds),
            Err(RuleRefusal::Duplicate { .. })
        ));
        let stricter = ConversionRuleDraft {
            min_grade: Some(VocationalGrade::Two),
            ..electrician(5, "Z", "4")
        };
        assert!(
            rules.add(stricter).is_ok(),
            "different conditions: another route"
        );
    }

    #[test]
    fn replacing_and_removing_keep_the_indexes_true() {
        let mut rules = set();
        rules.add(electrician(1, "X", "4")).unwrap();
        // Changing its own credits is no contradiction with itself.
        rules.replace(electrician(1, "X", "5")).unwrap();
        assert_eq!(
            rules
                .get(ConversionRuleId::new(1))
                .unwrap()
                .grant()
                .credits(),
            credits("5")
        );
        rules
            .add(ConversionRuleDraft {
                min_grade: Some(VocationalGrade::Two),
                ..electrician(2, "X", "5")
            })
            .unwrap();
        let refused = rules.replace(electrician(1, "X", "6")).unwrap_err();
        assert!(matches!(
            refused,
            RuleRefusal::ExemptionCreditsDiffer { .. }
        ));
        assert_eq!(
            rules
                .get(ConversionRuleId::new(1))
                .unwrap()
                .grant()
                .credits(),
            credits("5"),
            "a refused replacement keeps the old rule"
        );
        assert!(rules.remove(ConversionRuleId::new(1)).is_some());
        assert!(rules.remove(ConversionRuleId::new(1)).is_none());
        rules
            .replace(ConversionRuleDraft {
                min_grade: Some(VocationalGrade::Two),
                ..electrician(2, "X", "6")
            })
            .unwrap();
        assert!(
            rules.add(electrician(1, "X", "6")).is_ok(),
            "the old conditions are free again"
        );
    }

    #[test]
    fn loading_many_reports_every_problem_in_id_order() {
        let drafts = vec![
            electrician(3, "X", "5"),
            ConversionRuleDraft {
                count: 0,
                ..electrician(2, "Y", "1")
            },
            electrician(1, "X", "4"),
        ];
        let problems = set().with_rules(drafts.clone()).unwrap_err();
        assert_eq!(
            problems.iter().map(|p| p.rule.get()).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(problems[0].refusal, RuleRefusal::CountZero);
        let mut reversed = drafts;
        reversed.reverse();
        assert_eq!(set().with_rules(reversed).unwrap_err(), problems);
        assert_eq!(
            set()
                .with_rules(vec![electrician(1, "X", "4")])
                .unwrap()
                .len(),
            1
        );
    }
}
