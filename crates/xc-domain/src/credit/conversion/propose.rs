//! The conversion engine: given a learner's recognised outcomes, the rule set, a target programme
//! and the day, propose what converts, each line with the rule that matched and the outcomes it
//! used, and, for every rule that did not apply, why not.
//!
//! The algorithm, and every tie-break it makes:
//! 1. Outcomes are put in canonical order: achieved date, then outcome id (oldest first). A
//!    repeated id is counted once (the copy that sorts first by its full value) and the others
//!    are reported as [`Exclusion::RepeatedId`]. So the input order never matters.
//! 2. An outcome cannot convert if it is culture and leisure, achieved after the day of the
//!    proposal, or expired by that day; those are reported once in [`Proposal::excluded`] and,
//!    for each rule that selected them, as the first failed condition.
//! 3. Rules are tried in the rule set's order: higher priority first, then lower rule id. Each
//!    rule *selects* outcomes through an index built once per proposal, not by testing every
//!    outcome: those of its kinds and, when it names them, with its title (else in its field). A
//!    rule that selects nothing is explained as [`MissReason::NoCandidates`].
//! 4. A rule checks its selected outcomes' conditions in a fixed order (category, field, grade,
//!    level, score, age) and reports each failing outcome under its first failed condition.
//! 5. The rule applies while it has not reached its `repeat` and at least `count` qualifying
//!    outcomes remain unused; each application takes the oldest (canonical order first). An
//!    older outcome is nearer its expiry and to failing other rules' age limits, so it is spent
//!    first. Each outcome is used by at most one application of one rule.
//! 6. An application is skipped, and the outcomes stay unused, when a course it exempts is
//!    already exempted by an earlier line, or when its credits would take the total above the
//!    programme's cap: a grant is never cut, it fits whole or not at all (staff may amend).
//!
//! This is greedy, not a global optimum over all assignments: the same inputs always give the
//! same, explainable proposal, and staff approve or amend it.

use std::collections::HashMap;
use std::fmt;

use time::Date;

use crate::Invalid;
use crate::credit::conversion::rule::{Conditions, ConversionRule};
use crate::credit::conversion::rule_set::ConversionRuleSet;
use crate::credit::conversion::{CourseCode, Grant};
use crate::credit::level::{FrameworkLevel, VocationalGrade};
use crate::credit::outcome::{
    Field, OutcomeCategory, OutcomeKind, RecognisedOutcome, ScoreRequirement,
};
use crate::credit::quantity::Credits;
use crate::credit::{ConversionRuleId, OutcomeId, ProgrammeId};

/// The engine's proposal for one learner and one programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub programme: ProgrammeId,
    pub made_on: Date,
    /// In the order the rules were tried.
    pub lines: Vec<ProposalLine>,
    /// The sum of the lines' credits; with `already_converted`, never above `cap`.
    pub total_credits: Credits,
    pub cap: Credits,
    /// Credits the learner had already converted into the programme before this proposal
    /// (see [`propose_after`]).
    pub already_converted: Credits,
    /// Every rule of the programme that did not apply, in the order the rules were tried.
    pub misses: Vec<RuleMiss>,
    /// Outcomes that cannot convert at all, in canonical order.
    pub excluded: Vec<ExcludedOutcome>,
    /// Outcomes that could convert but no rule used, in canonical order: what the learner can
    /// still convert when rules change or more outcomes arrive.
    pub unused: Vec<OutcomeId>,
}

/// One application of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalLine {
    pub rule: ConversionRuleId,
    pub grant: Grant,
    pub credits: Credits,
    /// In canonical order.
    pub outcomes: Vec<OutcomeId>,
}

/// A rule that did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMiss {
    pub rule: ConversionRuleId,
    pub reason: MissReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissReason {
    /// The learner has no outcome of the rule's kinds with its title and in its field (for the
    /// conditions the rule has).
    NoCandidates,
    /// Too few outcomes qualify. `failed` says, per condition, which selected outcomes failed it
    /// (each under its first failed condition); `used_by_other_rules` lists qualifying outcomes
    /// already used by an earlier line, with that line's rule.
    NotEnough {
        needed: u8,
        qualifying: Vec<OutcomeId>,
        failed: Vec<ConditionFailure>,
        used_by_other_rules: Vec<(OutcomeId, ConversionRuleId)>,
    },
    /// Enough outcomes qualified, but an earlier line already exempts this course.
    CourseAlreadyExempted {
        course: CourseCode,
        by_rule: ConversionRuleId,
    },
    /// Enough outcomes qualified, but the grant does not fit under the programme's cap.
    ProgrammeCapReached {
        credits: Credits,
        remaining: Credits,
    },
}

/// The selected outcomes that failed one condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionFailure {
    pub condition: FailedCondition,
    pub outcomes: Vec<OutcomeId>,
}

/// A condition an outcome failed, with the rule's value where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailedCondition {
    /// The outcome is culture and leisure, which never converts.
    CultureAndLeisure,
    /// The outcome is dated, or valid only from, after the day of the proposal.
    NotYetAchieved,
    /// The outcome's validity ended before the day of the proposal.
    Expired,
    Category(OutcomeCategory),
    Field(Field),
    MinGrade(VocationalGrade),
    MinLevel(FrameworkLevel),
    MinScore(ScoreRequirement),
    MaxAgeYears(u8),
}

/// An outcome that cannot convert into anything, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedOutcome {
    pub outcome: OutcomeId,
    pub reason: Exclusion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// Culture and leisure: recorded, never converted to academic credit.
    CultureAndLeisure,
    /// Achieved, or valid only from, after the day of the proposal.
    NotYetAchieved,
    /// Its validity ended before the day of the proposal.
    Expired { last_valid_day: Date },
    /// The same outcome id was given more than once; one copy is used.
    RepeatedId,
}

impl fmt::Display for FailedCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailedCondition::CultureAndLeisure => {
                f.write_str("culture and leisure outcomes never convert to academic credit")
            }
            FailedCondition::NotYetAchieved => {
                f.write_str("achieved after the day of the proposal")
            }
            FailedCondition::Expired => f.write_str("no longer valid"),
            FailedCondition::Category(category) => write!(f, "not in the {category} category"),
            FailedCondition::Field(field) => write!(f, "not in field {field}"),
            FailedCondition::MinGrade(grade) => {
                write!(f, "grade below {}", grade.label_zh())
            }
            FailedCondition::MinLevel(level) => write!(f, "level below {level}"),
            FailedCondition::MinScore(requirement) => write!(f, "score not {requirement}"),
            FailedCondition::MaxAgeYears(years) => {
                write!(f, "achieved more than {years} years ago")
            }
        }
    }
}

fn join_ids(ids: &[OutcomeId]) -> String {
    ids.iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for MissReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MissReason::NoCandidates => {
                f.write_str("no outcome of the rule's kind, title and field")
            }
            MissReason::NotEnough {
                needed,
                qualifying,
                failed,
                used_by_other_rules,
            } => {
                write!(
                    f,
                    "needs {needed} qualifying outcomes, {} qualify",
                    qualifying.len()
                )?;
                for failure in failed {
                    write!(
                        f,
                        "; {}: {}",
                        failure.condition,
                        join_ids(&failure.outcomes)
                    )?;
                }
                for (outcome, rule) in used_by_other_rules {
                    write!(f, "; outcome {outcome} already used by rule {rule}")?;
                }
                Ok(())
            }
            MissReason::CourseAlreadyExempted { course, by_rule } => {
                write!(f, "course {course} is already exempted by rule {by_rule}")
            }
            MissReason::ProgrammeCapReached { credits, remaining } => write!(
                f,
                "its {credits} credits do not fit: only {remaining} remain under the programme's cap"
            ),
        }
    }
}

impl fmt::Display for RuleMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.reason)
    }
}

/// The slots of [`FailedCondition`] in the order conditions are checked.
const FAILURE_SLOTS: usize = 9;

/// The condition of a failure slot; `None` for a condition the rule does not have (which no
/// outcome can fail).
fn slot_condition(slot: usize, conditions: &Conditions) -> Option<FailedCondition> {
    match slot {
        0 => Some(FailedCondition::CultureAndLeisure),
        1 => Some(FailedCondition::NotYetAchieved),
        2 => Some(FailedCondition::Expired),
        3 => conditions.category().map(FailedCondition::Category),
        4 => conditions.field().cloned().map(FailedCondition::Field),
        5 => conditions.min_grade().map(FailedCondition::MinGrade),
        6 => conditions.min_level().map(FailedCondition::MinLevel),
        7 => conditions.min_score().map(FailedCondition::MinScore),
        _ => conditions.max_age_years().map(FailedCondition::MaxAgeYears),
    }
}

/// The slot of the first condition `outcome` fails, or `None` when it meets them all.
fn first_failure(
    outcome: &RecognisedOutcome,
    exclusion: Option<Exclusion>,
    conditions: &Conditions,
    oldest_allowed: Option<Date>,
) -> Option<usize> {
    match exclusion {
        Some(Exclusion::CultureAndLeisure) => return Some(0),
        Some(Exclusion::NotYetAchieved) => return Some(1),
        Some(Exclusion::Expired { .. }) => return Some(2),
        Some(Exclusion::RepeatedId) | None => {}
    }
    if conditions.category().is_some_and(|c| c != outcome.category) {
        return Some(3);
    }
    if let Some(field) = conditions.field()
        && !outcome.field.as_ref().is_some_and(|f| field.covers(f))
    {
        return Some(4);
    }
    if let Some(grade) = conditions.min_grade()
        && outcome.grade.is_none_or(|g| g < grade)
    {
        return Some(5);
    }
    if conditions
        .min_level()
        .is_some_and(|level| outcome.level < level)
    {
        return Some(6);
    }
    if let Some(requirement) = conditions.min_score()
        && !requirement.is_met_by(outcome.score)
    {
        return Some(7);
    }
    if oldest_allowed.is_some_and(|oldest| outcome.achieved_on < oldest) {
        return Some(8);
    }
    None
}

/// What the field index is keyed by: a topic, or a discipline code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FieldKey<'a> {
    Topic(crate::Topic),
    Discipline(&'a str),
}

/// The keys an outcome in `field` is found under: its topic, or every prefix of its discipline
/// code that a rule's field could name (2, 4 and 6 digits, and the whole code with its suffix),
/// so that a lookup finds exactly the outcomes [`Field::covers`] admits.
fn field_keys(field: &Field) -> impl Iterator<Item = FieldKey<'_>> {
    let (topic, code) = match field {
        Field::Topic(topic) => (Some(FieldKey::Topic(*topic)), ""),
        Field::Discipline(code) => (None, code.as_str()),
    };
    let prefixes = [2, 4, 6, 7]
        .into_iter()
        .filter(move |len| *len <= code.len())
        .map(move |len| FieldKey::Discipline(&code[..len]));
    topic.into_iter().chain(prefixes)
}

fn field_lookup_key(field: &Field) -> FieldKey<'_> {
    match field {
        Field::Topic(topic) => FieldKey::Topic(*topic),
        Field::Discipline(code) => FieldKey::Discipline(code.as_str()),
    }
}

/// The same calendar day `years` earlier (29 February becomes 28 February).
fn years_before(today: Date, years: u8) -> Option<Date> {
    let year = today.year() - i32::from(years);
    today
        .replace_year(year)
        .ok()
        .or_else(|| today.replace_day(28).ok()?.replace_year(year).ok())
}

/// Proposes what `outcomes` convert into in `programme` on `today` (see the module doc for the
/// algorithm and its tie-breaks). Refused only for a programme the rule set does not know.
pub fn propose(
    outcomes: &[RecognisedOutcome],
    rules: &ConversionRuleSet,
    programme: ProgrammeId,
    today: Date,
) -> Result<Proposal, Invalid> {
    propose_after(outcomes, rules, programme, today, &Prior::default())
}

/// What a learner already converted into a programme by approved applications: it counts against
/// the programme's cap, and a course exempted then is not exempted again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prior {
    pub converted: Credits,
    /// Each course already exempted, with the rule that exempted it.
    pub exempted: Vec<(CourseCode, ConversionRuleId)>,
}

/// [`propose`] for a learner who already converted `prior` into the programme. The outcomes
/// used then are the caller's to leave out of `outcomes`.
pub fn propose_after(
    outcomes: &[RecognisedOutcome],
    rules: &ConversionRuleSet,
    programme: ProgrammeId,
    today: Date,
    prior: &Prior,
) -> Result<Proposal, Invalid> {
    let cap = rules
        .programme(programme)
        .ok_or_else(|| {
            Invalid::new(
                "programme_id",
                format!("programme {programme} does not exist in the rule set"),
            )
        })?
        .max_converted_credits();

    // 1. Canonical order, one copy per id.
    let mut by_id: Vec<&RecognisedOutcome> = outcomes.iter().collect();
    by_id.sort_unstable();
    let mut excluded = Vec::new();
    let mut sorted: Vec<&RecognisedOutcome> = Vec::with_capacity(by_id.len());
    for outcome in by_id {
        if sorted.last().is_some_and(|last| last.id == outcome.id) {
            excluded.push((
                outcome.achieved_on,
                ExcludedOutcome {
                    outcome: outcome.id,
                    reason: Exclusion::RepeatedId,
                },
            ));
        } else {
            sorted.push(outcome);
        }
    }
    sorted.sort_unstable_by_key(|outcome| (outcome.achieved_on, outcome.id));

    // 2. What cannot convert at all.
    let status: Vec<Option<Exclusion>> = sorted
        .iter()
        .map(|outcome| {
            if !outcome.category.converts_to_academic_credit() {
                return Some(Exclusion::CultureAndLeisure);
            }
            if outcome.achieved_on > today || outcome.validity.from() > today {
                return Some(Exclusion::NotYetAchieved);
            }
            match outcome.validity.until() {
                Some(last_valid_day) if last_valid_day < today => {
                    Some(Exclusion::Expired { last_valid_day })
                }
                _ => None,
            }
        })
        .collect();
    for (outcome, exclusion) in sorted.iter().zip(&status) {
        if let Some(reason) = exclusion {
            excluded.push((
                outcome.achieved_on,
                ExcludedOutcome {
                    outcome: outcome.id,
                    reason: *reason,
                },
            ));
        }
    }
    excluded.sort_by_key(|(achieved_on, e)| (*achieved_on, e.outcome));
    let excluded: Vec<ExcludedOutcome> = excluded.into_iter().map(|(_, e)| e).collect();

    // 3. The index rules select outcomes by.
    let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); OutcomeKind::ALL.len()];
    let mut by_kind_and_title: HashMap<(OutcomeKind, &str), Vec<u32>> = HashMap::new();
    let mut by_kind_and_field: HashMap<(OutcomeKind, FieldKey<'_>), Vec<u32>> = HashMap::new();
    for (index, outcome) in sorted.iter().enumerate() {
        by_kind[outcome.kind.index()].push(index as u32);
        by_kind_and_title
            .entry((outcome.kind, outcome.title.key()))
            .or_default()
            .push(index as u32);
        if let Some(field) = &outcome.field {
            for key in field_keys(field) {
                by_kind_and_field
                    .entry((outcome.kind, key))
                    .or_default()
                    .push(index as u32);
            }
        }
    }

    let mut used_by: Vec<Option<ConversionRuleId>> = vec![None; sorted.len()];
    let mut exempted: HashMap<&CourseCode, ConversionRuleId> = prior
        .exempted
        .iter()
        .map(|(course, rule)| (course, *rule))
        .collect();
    let mut total = prior.converted;
    let mut lines = Vec::new();
    let mut misses = Vec::new();

    let mut candidates: Vec<u32> = Vec::new();
    let mut qualifying: Vec<u32> = Vec::new();
    let mut failures: [Vec<OutcomeId>; FAILURE_SLOTS] = Default::default();
    let mut used_elsewhere: Vec<(OutcomeId, ConversionRuleId)> = Vec::new();

    for rule in rules.rules(programme) {
        let conditions = rule.conditions();
        candidates.clear();
        let kinds = if conditions.kinds().is_empty() {
            OutcomeKind::ALL
        } else {
            conditions.kinds()
        };
        for kind in kinds {
            let list: &[u32] = match (conditions.title(), conditions.field()) {
                (Some(title), _) => by_kind_and_title
                    .get(&(*kind, title.key()))
                    .map_or(&[], Vec::as_slice),
                (None, Some(field)) => by_kind_and_field
                    .get(&(*kind, field_lookup_key(field)))
                    .map_or(&[], Vec::as_slice),
                (None, None) => &by_kind[kind.index()],
            };
            candidates.extend_from_slice(list);
        }
        if kinds.len() > 1 {
            candidates.sort_unstable();
        }
        if candidates.is_empty() {
            misses.push(RuleMiss {
                rule: rule.id(),
                reason: MissReason::NoCandidates,
            });
            continue;
        }

        let oldest_allowed = conditions
            .max_age_years()
            .and_then(|years| years_before(today, years));
        qualifying.clear();
        used_elsewhere.clear();
        for failure in &mut failures {
            failure.clear();
        }
        for &index in &candidates {
            let outcome = sorted[index as usize];
            match first_failure(outcome, status[index as usize], conditions, oldest_allowed) {
                Some(slot) => failures[slot].push(outcome.id),
                None => match used_by[index as usize] {
                    Some(other) => used_elsewhere.push((outcome.id, other)),
                    None => qualifying.push(index),
                },
            }
        }

        let count = usize::from(conditions.count());
        let mut applied = 0;
        let mut blocked = None;
        let mut remaining_qualifying: &[u32] = &qualifying;
        while applied < rule.repeat() && remaining_qualifying.len() >= count {
            if let Some(reason) = blocking_reason(rule, &exempted, total, cap) {
                blocked = Some(reason);
                break;
            }
            let (taken, rest) = remaining_qualifying.split_at(count);
            remaining_qualifying = rest;
            for &index in taken {
                used_by[index as usize] = Some(rule.id());
            }
            for course in rule.grant().courses() {
                exempted.insert(&course.course, rule.id());
            }
            let credits = rule.grant().credits();
            total = total.checked_add(credits).unwrap_or(Credits::MAX);
            lines.push(ProposalLine {
                rule: rule.id(),
                grant: rule.grant().clone(),
                credits,
                outcomes: taken.iter().map(|&i| sorted[i as usize].id).collect(),
            });
            applied += 1;
        }
        if applied == 0 {
            let reason = blocked.unwrap_or_else(|| MissReason::NotEnough {
                needed: conditions.count(),
                qualifying: qualifying.iter().map(|&i| sorted[i as usize].id).collect(),
                failed: failures
                    .iter_mut()
                    .enumerate()
                    .filter(|(_, outcomes)| !outcomes.is_empty())
                    .filter_map(|(slot, outcomes)| {
                        Some(ConditionFailure {
                            condition: slot_condition(slot, conditions)?,
                            outcomes: std::mem::take(outcomes),
                        })
                    })
                    .collect(),
                used_by_other_rules: used_elsewhere.clone(),
            });
            misses.push(RuleMiss {
                rule: rule.id(),
                reason,
            });
        }
    }

    let unused = sorted
        .iter()
        .enumerate()
        .filter(|(index, _)| status[*index].is_none() && used_by[*index].is_none())
        .map(|(_, outcome)| outcome.id)
        .collect();
    Ok(Proposal {
        programme,
        made_on: today,
        lines,
        total_credits: total.checked_sub(prior.converted).unwrap_or(Credits::ZERO),
        cap,
        already_converted: prior.converted,
        misses,
        excluded,
        unused,
    })
}

fn blocking_reason(
    rule: &ConversionRule,
    exempted: &HashMap<&CourseCode, ConversionRuleId>,
    total: Credits,
    cap: Credits,
) -> Option<MissReason> {
    for course in rule.grant().courses() {
        if let Some(by_rule) = exempted.get(&course.course) {
            return Some(MissReason::CourseAlreadyExempted {
                course: course.course.clone(),
                by_rule: *by_rule,
            });
        }
    }
    let credits = rule.grant().credits();
    let remaining = cap.checked_sub(total).unwrap_or(Credits::ZERO);
    if credits > remaining {
        return Some(MissReason::ProgrammeCapReached { credits, remaining });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Topic;
    use crate::credit::conversion::rule::ConversionRuleDraft;
    use crate::credit::conversion::rule_set::Programme;
    use crate::credit::outcome::{OutcomeTitle, Score, ValidityPeriod};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    fn credits(text: &str) -> Credits {
        Credits::parse(text).unwrap()
    }
    fn level(n: u8) -> FrameworkLevel {
        FrameworkLevel::new(n).unwrap()
    }
    fn title(text: &str) -> OutcomeTitle {
        OutcomeTitle::parse(text).unwrap()
    }
    fn ids(list: &[i64]) -> Vec<OutcomeId> {
        list.iter().map(|id| OutcomeId::new(*id)).collect()
    }
    fn programme() -> ProgrammeId {
        ProgrammeId::new(1)
    }

    fn outcome(id: i64, kind: OutcomeKind, name: &str, achieved_on: Date) -> RecognisedOutcome {
        let category = if kind.allows_category(OutcomeCategory::VocationalTraining) {
            OutcomeCategory::VocationalTraining
        } else {
            kind.default_category()
        };
        RecognisedOutcome {
            id: OutcomeId::new(id),
            kind,
            category,
            title: title(name),
            grade: None,
            level: level(2),
            credits: credits("1"),
            field: None,
            score: None,
            achieved_on,
            validity: ValidityPeriod::open_ended(achieved_on),
        }
    }

    fn certificate(
        id: i64,
        occupation: &str,
        grade: VocationalGrade,
        achieved_on: Date,
    ) -> RecognisedOutcome {
        RecognisedOutcome {
            grade: Some(grade),
            level: level(4),
            ..outcome(
                id,
                OutcomeKind::VocationalCertificate,
                occupation,
                achieved_on,
            )
        }
    }

    fn smart_living(id: i64, at_level: u8, achieved_on: Date) -> RecognisedOutcome {
        RecognisedOutcome {
            level: level(at_level),
            field: Some(Field::Topic(Topic::SmartLiving)),
            ..outcome(
                id,
                OutcomeKind::CommunityCourse,
                &format!("智能手机应用{id}"),
                achieved_on,
            )
        }
    }

    fn electrician_rule() -> ConversionRuleDraft {
        ConversionRuleDraft {
            kinds: vec![OutcomeKind::VocationalCertificate],
            title: Some(title("电工")),
            min_grade: Some(VocationalGrade::Three),
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(1),
                programme(),
                Grant::exemption(CourseCode::parse("X").unwrap(), credits("4")),
            )
        }
    }

    fn smart_living_rule() -> ConversionRuleDraft {
        ConversionRuleDraft {
            kinds: vec![OutcomeKind::CommunityCourse],
            field: Some(Field::Topic(Topic::SmartLiving)),
            min_level: Some(2),
            count: 3,
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(2),
                programme(),
                Grant::ElectiveCredits(credits("2")),
            )
        }
    }

    fn rule_set(cap: &str, drafts: Vec<ConversionRuleDraft>) -> ConversionRuleSet {
        ConversionRuleSet::new(vec![Programme::new(programme(), credits(cap)).unwrap()])
            .unwrap()
            .with_rules(drafts)
            .unwrap()
    }

    fn run(outcomes: &[RecognisedOutcome], rules: &ConversionRuleSet) -> Proposal {
        propose(outcomes, rules, programme(), TODAY).unwrap()
    }

    fn miss(proposal: &Proposal, rule: i64) -> &MissReason {
        &proposal
            .misses
            .iter()
            .find(|m| m.rule == ConversionRuleId::new(rule))
            .unwrap_or_else(|| panic!("rule {rule} did not miss: {proposal:#?}"))
            .reason
    }

    #[test]
    fn the_issue_examples_convert() {
        let rules = rule_set("30", vec![electrician_rule(), smart_living_rule()]);
        let outcomes = vec![
            certificate(10, "电工", VocationalGrade::Three, date!(2024 - 05 - 01)),
            smart_living(21, 2, date!(2025 - 01 - 10)),
            smart_living(22, 3, date!(2025 - 02 - 10)),
            smart_living(23, 2, date!(2025 - 03 - 10)),
        ];
        let proposal = run(&outcomes, &rules);
        assert_eq!(
            proposal.lines,
            vec![
                ProposalLine {
                    rule: ConversionRuleId::new(1),
                    grant: Grant::exemption(CourseCode::parse("X").unwrap(), credits("4")),
                    credits: credits("4"),
                    outcomes: ids(&[10]),
                },
                ProposalLine {
                    rule: ConversionRuleId::new(2),
                    grant: Grant::ElectiveCredits(credits("2")),
                    credits: credits("2"),
                    outcomes: ids(&[21, 22, 23]),
                },
            ]
        );
        assert_eq!(proposal.total_credits, credits("6"));
        assert_eq!(proposal.cap, credits("30"));
        assert!(proposal.misses.is_empty());
        assert!(proposal.excluded.is_empty());
        assert!(proposal.unused.is_empty());
        assert_eq!(proposal.programme, programme());
        assert_eq!(proposal.made_on, TODAY);
    }

    #[test]
    fn a_miss_says_which_condition_failed_for_which_outcomes() {
        let rules = rule_set("30", vec![smart_living_rule()]);
        let mut leisure = smart_living(24, 3, date!(2025 - 04 - 01));
        leisure.category = OutcomeCategory::CultureAndLeisure;
        let health = RecognisedOutcome {
            field: Some(Field::Topic(Topic::Health)),
            ..smart_living(25, 3, date!(2025 - 05 - 01))
        };
        let outcomes = vec![
            smart_living(21, 2, date!(2025 - 01 - 10)),
            smart_living(22, 1, date!(2025 - 02 - 10)),
            smart_living(23, 3, date!(2025 - 03 - 10)),
            leisure,
            health,
        ];
        let proposal = run(&outcomes, &rules);
        assert!(proposal.lines.is_empty());
        // Outcome 25 (health) is not selected at all: the rule selects by its kind and field.
        assert_eq!(
            *miss(&proposal, 2),
            MissReason::NotEnough {
                needed: 3,
                qualifying: ids(&[21, 23]),
                failed: vec![
                    ConditionFailure {
                        condition: FailedCondition::CultureAndLeisure,
                        outcomes: ids(&[24]),
                    },
                    ConditionFailure {
                        condition: FailedCondition::MinLevel(level(2)),
                        outcomes: ids(&[22]),
                    },
                ],
                used_by_other_rules: vec![],
            }
        );
        assert_eq!(
            proposal.misses[0].to_string(),
            "rule 2: needs 3 qualifying outcomes, 2 qualify; culture and leisure outcomes never convert to academic credit: 24; level below 2: 22"
        );
        assert_eq!(
            proposal.excluded,
            vec![ExcludedOutcome {
                outcome: OutcomeId::new(24),
                reason: Exclusion::CultureAndLeisure
            }]
        );
        assert_eq!(proposal.unused, ids(&[21, 22, 23, 25]));
    }

    #[test]
    fn culture_and_leisure_never_converts_even_without_a_category_condition() {
        let any_outcome = ConversionRuleDraft::new(
            ConversionRuleId::new(3),
            programme(),
            Grant::ElectiveCredits(credits("1")),
        );
        let rules = rule_set("30", vec![any_outcome]);
        let mut calligraphy = outcome(
            1,
            OutcomeKind::CommunityCourse,
            "书法",
            date!(2025 - 01 - 01),
        );
        calligraphy.category = OutcomeCategory::CultureAndLeisure;
        let proposal = run(&[calligraphy], &rules);
        assert!(proposal.lines.is_empty());
        assert!(matches!(miss(&proposal, 3), MissReason::NotEnough { .. }));
    }

    #[test]
    fn an_outcome_is_used_by_one_rule_only_in_priority_order() {
        let general = ConversionRuleDraft {
            priority: 1,
            kinds: vec![OutcomeKind::VocationalCertificate],
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(5),
                programme(),
                Grant::ElectiveCredits(credits("1")),
            )
        };
        let rules = rule_set("30", vec![electrician_rule(), general]);
        let outcomes = vec![certificate(
            10,
            "电工",
            VocationalGrade::Two,
            date!(2024 - 05 - 01),
        )];
        let proposal = run(&outcomes, &rules);
        assert_eq!(proposal.lines.len(), 1);
        assert_eq!(
            proposal.lines[0].rule,
            ConversionRuleId::new(5),
            "higher priority first"
        );
        assert_eq!(
            *miss(&proposal, 1),
            MissReason::NotEnough {
                needed: 1,
                qualifying: vec![],
                failed: vec![],
                used_by_other_rules: vec![(OutcomeId::new(10), ConversionRuleId::new(5))],
            }
        );
        assert!(
            proposal.misses[0]
                .to_string()
                .contains("outcome 10 already used by rule 5")
        );
    }

    #[test]
    fn grades_at_or_above_the_minimum_qualify() {
        let rules = rule_set("30", vec![electrician_rule()]);
        for (grade, converts) in [
            (VocationalGrade::Five, false),
            (VocationalGrade::Four, false),
            (VocationalGrade::Three, true),
            (VocationalGrade::Two, true),
            (VocationalGrade::One, true),
        ] {
            let proposal = run(
                &[certificate(10, "电工", grade, date!(2024 - 05 - 01))],
                &rules,
            );
            assert_eq!(proposal.lines.len() == 1, converts, "{grade:?}");
            if !converts {
                let MissReason::NotEnough { failed, .. } = miss(&proposal, 1) else {
                    panic!("expected not enough")
                };
                assert_eq!(
                    failed[0].condition,
                    FailedCondition::MinGrade(VocationalGrade::Three)
                );
            }
        }
        let welder = run(
            &[certificate(
                11,
                "焊工",
                VocationalGrade::One,
                date!(2024 - 05 - 01),
            )],
            &rules,
        );
        assert_eq!(*miss(&welder, 1), MissReason::NoCandidates);
        assert_eq!(
            welder.misses[0].to_string(),
            "rule 1: no outcome of the rule's kind, title and field"
        );
        assert_eq!(welder.unused, ids(&[11]));
    }

    #[test]
    fn the_programme_cap_is_never_passed_and_smaller_grants_still_fit() {
        let big = ConversionRuleDraft {
            priority: 9,
            kinds: vec![OutcomeKind::AcademicCourse],
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(7),
                programme(),
                Grant::ElectiveCredits(credits("4")),
            )
        };
        let second_big = ConversionRuleDraft {
            id: ConversionRuleId::new(8),
            priority: 8,
            min_level: Some(2),
            ..big.clone()
        };
        let small = ConversionRuleDraft {
            kinds: vec![OutcomeKind::Mooc],
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(9),
                programme(),
                Grant::ElectiveCredits(credits("1")),
            )
        };
        let rules = rule_set("5", vec![big, second_big, small]);
        let outcomes = vec![
            outcome(
                1,
                OutcomeKind::AcademicCourse,
                "高等数学",
                date!(2020 - 09 - 01),
            ),
            outcome(
                2,
                OutcomeKind::AcademicCourse,
                "大学英语",
                date!(2021 - 09 - 01),
            ),
            outcome(3, OutcomeKind::Mooc, "数据分析", date!(2022 - 09 - 01)),
        ];
        let proposal = run(&outcomes, &rules);
        assert_eq!(
            proposal
                .lines
                .iter()
                .map(|l| l.rule.get())
                .collect::<Vec<_>>(),
            vec![7, 9]
        );
        assert_eq!(proposal.total_credits, credits("5"));
        assert_eq!(
            *miss(&proposal, 8),
            MissReason::ProgrammeCapReached {
                credits: credits("4"),
                remaining: credits("1")
            }
        );
        assert!(proposal.misses[0].to_string().contains("only 1 remain"));
        assert_eq!(proposal.unused, ids(&[2]), "a blocked rule uses no outcome");
    }

    #[test]
    fn earlier_conversions_count_against_the_cap_and_their_courses_stay_exempted() {
        let by_course = ConversionRuleDraft {
            id: ConversionRuleId::new(4),
            kinds: vec![OutcomeKind::AcademicCourse],
            title: Some(title("电工基础")),
            min_grade: None,
            ..electrician_rule()
        };
        let elective = ConversionRuleDraft {
            kinds: vec![OutcomeKind::Mooc],
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(9),
                programme(),
                Grant::ElectiveCredits(credits("3")),
            )
        };
        let rules = rule_set("8", vec![by_course, elective]);
        let outcomes = vec![
            outcome(
                11,
                OutcomeKind::AcademicCourse,
                "电工基础",
                date!(2023 - 01 - 01),
            ),
            outcome(12, OutcomeKind::Mooc, "数据分析", date!(2023 - 02 - 01)),
        ];
        let prior = Prior {
            converted: credits("6"),
            exempted: vec![(CourseCode::parse("X").unwrap(), ConversionRuleId::new(1))],
        };
        let proposal = propose_after(
            &outcomes,
            &rules,
            programme(),
            date!(2026 - 06 - 01),
            &prior,
        )
        .unwrap();
        assert!(proposal.lines.is_empty());
        assert_eq!(
            *miss(&proposal, 4),
            MissReason::CourseAlreadyExempted {
                course: CourseCode::parse("X").unwrap(),
                by_rule: ConversionRuleId::new(1)
            }
        );
        assert_eq!(
            *miss(&proposal, 9),
            MissReason::ProgrammeCapReached {
                credits: credits("3"),
                remaining: credits("2")
            }
        );
        assert_eq!(proposal.total_credits, Credits::ZERO);
        assert_eq!(proposal.already_converted, credits("6"));
        // Without the prior conversions both rules apply.
        let fresh = run(&outcomes, &rules);
        assert_eq!(fresh.total_credits, credits("7"));
        assert_eq!(fresh.already_converted, Credits::ZERO);
    }

    #[test]
    fn a_course_is_exempted_once_whatever_the_route() {
        let by_course = ConversionRuleDraft {
            kinds: vec![OutcomeKind::AcademicCourse],
            title: Some(title("电工基础")),
            min_grade: None,
            ..electrician_rule()
        };
        let by_course = ConversionRuleDraft {
            id: ConversionRuleId::new(4),
            ..by_course
        };
        let rules = rule_set("30", vec![electrician_rule(), by_course]);
        let outcomes = vec![
            certificate(10, "电工", VocationalGrade::Three, date!(2024 - 05 - 01)),
            outcome(
                11,
                OutcomeKind::AcademicCourse,
                "电工基础",
                date!(2023 - 01 - 01),
            ),
        ];
        let proposal = run(&outcomes, &rules);
        assert_eq!(proposal.lines.len(), 1);
        assert_eq!(
            *miss(&proposal, 4),
            MissReason::CourseAlreadyExempted {
                course: CourseCode::parse("X").unwrap(),
                by_rule: ConversionRuleId::new(1)
            }
        );
        assert_eq!(proposal.total_credits, credits("4"));
        assert_eq!(proposal.unused, ids(&[11]));
    }

    #[test]
    fn repeating_rules_take_the_oldest_outcomes_first() {
        let rules = rule_set(
            "30",
            vec![ConversionRuleDraft {
                repeat: 2,
                ..smart_living_rule()
            }],
        );
        let outcomes: Vec<RecognisedOutcome> = (1..=7)
            .rev()
            .map(|n| smart_living(n, 2, date!(2025 - 01 - 01) + time::Duration::days(n)))
            .collect();
        let proposal = run(&outcomes, &rules);
        assert_eq!(proposal.lines.len(), 2);
        assert_eq!(proposal.lines[0].outcomes, ids(&[1, 2, 3]));
        assert_eq!(proposal.lines[1].outcomes, ids(&[4, 5, 6]));
        assert_eq!(proposal.total_credits, credits("4"));
        assert_eq!(proposal.unused, ids(&[7]));
        assert!(
            proposal.misses.is_empty(),
            "a rule that applied is not a miss"
        );
    }

    #[test]
    fn age_limits_count_whole_years_back_from_the_day_of_the_proposal() {
        let rules = rule_set(
            "30",
            vec![ConversionRuleDraft {
                max_age_years: Some(3),
                ..electrician_rule()
            }],
        );
        let on_the_limit = certificate(10, "电工", VocationalGrade::Three, date!(2023 - 03 - 01));
        assert_eq!(run(&[on_the_limit], &rules).lines.len(), 1);
        let a_day_older = certificate(10, "电工", VocationalGrade::Three, date!(2023 - 02 - 28));
        let proposal = run(&[a_day_older], &rules);
        let MissReason::NotEnough { failed, .. } = miss(&proposal, 1) else {
            panic!("expected not enough")
        };
        assert_eq!(failed[0].condition, FailedCondition::MaxAgeYears(3));
        assert!(
            proposal.misses[0]
                .to_string()
                .contains("achieved more than 3 years ago: 10")
        );

        assert_eq!(
            years_before(date!(2024 - 02 - 29), 1),
            Some(date!(2023 - 02 - 28))
        );
        assert_eq!(
            years_before(date!(2024 - 02 - 29), 4),
            Some(date!(2020 - 02 - 29))
        );
    }

    #[test]
    fn expired_and_future_outcomes_are_excluded_and_explained() {
        let rules = rule_set("30", vec![electrician_rule()]);
        let mut expired = certificate(10, "电工", VocationalGrade::Three, date!(2020 - 05 - 01));
        expired.validity =
            ValidityPeriod::new(date!(2020 - 05 - 01), Some(date!(2025 - 04 - 30))).unwrap();
        let future = certificate(11, "电工", VocationalGrade::Three, date!(2026 - 03 - 02));
        let proposal = run(&[future, expired], &rules);
        assert!(proposal.lines.is_empty());
        assert_eq!(
            proposal.excluded,
            vec![
                ExcludedOutcome {
                    outcome: OutcomeId::new(10),
                    reason: Exclusion::Expired {
                        last_valid_day: date!(2025 - 04 - 30)
                    }
                },
                ExcludedOutcome {
                    outcome: OutcomeId::new(11),
                    reason: Exclusion::NotYetAchieved
                },
            ]
        );
        let MissReason::NotEnough { failed, .. } = miss(&proposal, 1) else {
            panic!("expected not enough")
        };
        assert_eq!(
            failed,
            &vec![
                ConditionFailure {
                    condition: FailedCondition::NotYetAchieved,
                    outcomes: ids(&[11])
                },
                ConditionFailure {
                    condition: FailedCondition::Expired,
                    outcomes: ids(&[10])
                },
            ]
        );
        assert!(proposal.unused.is_empty());
        let valid_on_last_day = run(
            &[RecognisedOutcome {
                validity: ValidityPeriod::new(date!(2020 - 05 - 01), Some(TODAY)).unwrap(),
                ..certificate(10, "电工", VocationalGrade::Three, date!(2020 - 05 - 01))
            }],
            &rules,
        );
        assert_eq!(valid_on_last_day.lines.len(), 1);
        let valid_only_later = run(
            &[RecognisedOutcome {
                validity: ValidityPeriod::new(date!(2026 - 04 - 01), None).unwrap(),
                ..certificate(10, "电工", VocationalGrade::Three, date!(2020 - 05 - 01))
            }],
            &rules,
        );
        assert_eq!(
            valid_only_later.excluded[0].reason,
            Exclusion::NotYetAchieved
        );
    }

    #[test]
    fn scores_categories_and_disciplines_are_conditions_too() {
        let maths = ConversionRuleDraft {
            kinds: vec![OutcomeKind::AcademicCourse, OutcomeKind::Mooc],
            category: Some(OutcomeCategory::Academic),
            field: Some(Field::parse("0701").unwrap()),
            min_score: Some(ScoreRequirement::parse("75").unwrap()),
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(6),
                programme(),
                Grant::ElectiveCredits(credits("3")),
            )
        };
        let rules = rule_set("30", vec![maths]);
        let course = |id, field: &str, score: Option<&str>| RecognisedOutcome {
            field: Some(Field::parse(field).unwrap()),
            score: score.map(|s| Score::parse(s).unwrap()),
            ..outcome(
                id,
                OutcomeKind::AcademicCourse,
                "数学分析",
                date!(2024 - 01 - 01),
            )
        };
        let vocational_mooc = RecognisedOutcome {
            field: Some(Field::parse("070101").unwrap()),
            score: Some(Score::parse("90").unwrap()),
            ..outcome(5, OutcomeKind::Mooc, "数学慕课", date!(2024 - 01 - 02))
        };
        let proposal = run(
            &[
                course(1, "070101", Some("74.9")),
                course(2, "080601", Some("95")),
                course(3, "070102", Some("合格")),
                course(4, "0701", None),
                vocational_mooc,
            ],
            &rules,
        );
        let MissReason::NotEnough { failed, .. } = miss(&proposal, 6) else {
            panic!("expected not enough")
        };
        assert_eq!(
            failed
                .iter()
                .map(|f| (f.condition.to_string(), f.outcomes.clone()))
                .collect::<Vec<_>>(),
            vec![
                ("not in the academic category".to_owned(), ids(&[5])),
                ("score not at least 75".to_owned(), ids(&[1, 3, 4])),
            ],
            "080601 is outside 0701, so outcome 2 is not selected"
        );
        let good = run(&[course(7, "070101", Some("75"))], &rules);
        assert_eq!(good.lines[0].outcomes, ids(&[7]));

        // With a title, the rule selects by title and the field is a condition it explains.
        let titled = ConversionRuleDraft {
            id: ConversionRuleId::new(8),
            title: Some(title("数学分析")),
            field: Some(Field::parse("0701").unwrap()),
            ..ConversionRuleDraft::new(
                ConversionRuleId::new(8),
                programme(),
                Grant::ElectiveCredits(credits("3")),
            )
        };
        let rules = rule_set("30", vec![titled]);
        let proposal = run(&[course(2, "080601", Some("95"))], &rules);
        assert_eq!(
            proposal.misses[0].to_string(),
            "rule 8: needs 1 qualifying outcomes, 0 qualify; not in field 0701: 2"
        );
    }

    #[test]
    fn repeated_ids_count_once_and_unknown_programmes_are_refused() {
        let rules = rule_set("30", vec![electrician_rule()]);
        let certificate = certificate(10, "电工", VocationalGrade::Three, date!(2024 - 05 - 01));
        let proposal = run(&[certificate.clone(), certificate.clone()], &rules);
        assert_eq!(proposal.lines.len(), 1);
        assert_eq!(
            proposal.excluded,
            vec![ExcludedOutcome {
                outcome: OutcomeId::new(10),
                reason: Exclusion::RepeatedId
            }]
        );
        let error = propose(&[certificate], &rules, ProgrammeId::new(2), TODAY).unwrap_err();
        assert_eq!(error.field, "programme_id");
    }

    #[test]
    fn an_empty_learner_misses_every_rule_with_no_candidates() {
        let rules = rule_set("30", vec![electrician_rule(), smart_living_rule()]);
        let proposal = run(&[], &rules);
        assert_eq!(proposal.misses.len(), 2);
        assert!(
            proposal
                .misses
                .iter()
                .all(|m| m.reason == MissReason::NoCandidates)
        );
        assert_eq!(proposal.total_credits, Credits::ZERO);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::collections::HashSet;

        const TITLES: [&str; 4] = ["电工", "焊工", "智能手机", "高等数学"];
        const FIELDS: [&str; 4] = ["smart_living", "health", "0806", "080601"];

        fn any_outcome() -> impl Strategy<Value = RecognisedOutcome> {
            (
                (
                    1i64..60,
                    0usize..OutcomeKind::ALL.len(),
                    0usize..TITLES.len(),
                    1u8..=10,
                ),
                (
                    0usize..3,
                    prop::option::of(0usize..FIELDS.len()),
                    0usize..5,
                    prop::option::of(0u16..=1000),
                ),
                (0i64..3000, prop::option::of(1i64..4000)),
            )
                .prop_map(
                    |(
                        (id, kind, name, at_level),
                        (category, field, grade, marks),
                        (age, valid_days),
                    )| {
                        let kind = OutcomeKind::ALL[kind];
                        let allowed = kind.allowed_categories();
                        let achieved_on = TODAY - time::Duration::days(age - 30);
                        RecognisedOutcome {
                            id: OutcomeId::new(id),
                            kind,
                            category: allowed[category % allowed.len()],
                            title: title(TITLES[name]),
                            grade: kind.has_grade().then(|| VocationalGrade::ALL[grade]),
                            level: level(at_level),
                            credits: credits("1"),
                            field: field.map(|f| Field::parse(FIELDS[f]).unwrap()),
                            score: marks.map(|m| {
                                crate::credit::Score::Marks(
                                    crate::credit::Marks::from_tenths(m).unwrap(),
                                )
                            }),
                            achieved_on,
                            validity: ValidityPeriod::new(
                                achieved_on,
                                valid_days.map(|d| achieved_on + time::Duration::days(d)),
                            )
                            .unwrap(),
                        }
                    },
                )
        }

        fn any_rule() -> impl Strategy<Value = ConversionRuleDraft> {
            (
                (
                    0u16..3,
                    prop::collection::vec(0usize..OutcomeKind::ALL.len(), 0..3),
                ),
                (
                    prop::option::weighted(0.3, 0usize..TITLES.len()),
                    prop::option::weighted(0.3, 0usize..FIELDS.len()),
                    prop::option::weighted(0.2, 0usize..5),
                ),
                (
                    prop::option::weighted(0.4, 1u8..=10),
                    prop::option::weighted(0.2, 0u16..=1000),
                    prop::option::weighted(0.3, 1u8..8),
                ),
                (1u8..4, 1u8..3, prop::option::of(0usize..3), 1u64..1200),
            )
                .prop_map(
                    |(
                        (priority, kinds),
                        (name, field, grade),
                        (min_level, marks, age),
                        (count, repeat, course, hundredths),
                    )| {
                        let credits = Credits::from_hundredths(hundredths).unwrap();
                        let grant = match course {
                            // A course carries one number of credits, as the rule set demands.
                            Some(c) => Grant::exemption(
                                CourseCode::parse(&format!("C{c}")).unwrap(),
                                Credits::whole(c as u32 + 2).unwrap(),
                            ),
                            None => Grant::ElectiveCredits(credits),
                        };
                        ConversionRuleDraft {
                            priority,
                            kinds: kinds.into_iter().map(|k| OutcomeKind::ALL[k]).collect(),
                            title: name.map(|n| title(TITLES[n])),
                            field: field.map(|f| Field::parse(FIELDS[f]).unwrap()),
                            min_grade: grade.map(|g| VocationalGrade::ALL[g]),
                            min_level,
                            min_score: marks.map(|m| {
                                ScoreRequirement::AtLeast(
                                    crate::credit::Marks::from_tenths(m).unwrap(),
                                )
                            }),
                            max_age_years: age,
                            count,
                            repeat: if course.is_some() { 1 } else { repeat },
                            ..ConversionRuleDraft::new(ConversionRuleId::new(1), programme(), grant)
                        }
                    },
                )
        }

        /// Loads the drafts that fit, in the given order (the set refuses the others).
        fn load(cap: Credits, drafts: &[ConversionRuleDraft]) -> ConversionRuleSet {
            let mut set =
                ConversionRuleSet::new(vec![Programme::new(programme(), cap).unwrap()]).unwrap();
            for draft in drafts {
                let _ = set.add(draft.clone());
            }
            set
        }

        fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
            let mut items = items.to_vec();
            let mut state = seed | 1;
            for i in (1..items.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                items.swap(i, (state % (i as u64 + 1)) as usize);
            }
            items
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn proposals_are_deterministic_and_sound(
                outcomes in prop::collection::vec(any_outcome(), 0..40),
                drafts in prop::collection::vec(any_rule(), 0..30),
                cap in 100u64..3000,
                seed in any::<u64>(),
            ) {
                let cap = Credits::from_hundredths(cap).unwrap();
                // Rules refused for contradicting an earlier one depend on load order, so the
                // order-independence claim is about the saved set: load once, then reload the
                // saved rules in another order.
                let drafts: Vec<ConversionRuleDraft> = drafts
                    .into_iter()
                    .enumerate()
                    .map(|(index, draft)| ConversionRuleDraft {
                        id: ConversionRuleId::new(index as i64 + 1),
                        ..draft
                    })
                    .collect();
                let rules = load(cap, &drafts);
                let saved: Vec<ConversionRuleDraft> =
                    rules.rules(programme()).map(ConversionRule::to_draft).collect();
                let reloaded = load(cap, &shuffled(&saved, seed));
                prop_assert_eq!(reloaded.len(), rules.len());

                let proposal = run(&outcomes, &rules);
                let again = run(&shuffled(&outcomes, seed.rotate_left(17)), &reloaded);
                prop_assert_eq!(&proposal, &again);

                // No outcome is used twice.
                let mut used = HashSet::new();
                for line in &proposal.lines {
                    for outcome in &line.outcomes {
                        prop_assert!(used.insert(*outcome), "outcome {} used twice", outcome);
                    }
                }
                // The cap holds and the total is the sum of the lines.
                let sum = Credits::checked_sum(proposal.lines.iter().map(|l| l.credits)).unwrap();
                prop_assert_eq!(sum, proposal.total_credits);
                prop_assert!(proposal.total_credits <= cap);

                // Every line's outcomes meet its rule and can convert. (Of copies with one id,
                // the engine keeps the one that sorts first.)
                let mut canonical: Vec<&RecognisedOutcome> = outcomes.iter().collect();
                canonical.sort();
                let mut by_id = std::collections::HashMap::new();
                for outcome in canonical {
                    by_id.entry(outcome.id).or_insert(outcome);
                }
                for line in &proposal.lines {
                    let rule = rules.get(line.rule).unwrap();
                    prop_assert_eq!(line.outcomes.len(), usize::from(rule.conditions().count()));
                    for id in &line.outcomes {
                        let outcome = by_id[id];
                        prop_assert!(outcome.category.converts_to_academic_credit());
                        prop_assert!(outcome.validity.is_valid_on(TODAY));
                        prop_assert!(rule.conditions().selects(outcome));
                        let oldest = rule
                            .conditions()
                            .max_age_years()
                            .and_then(|years| years_before(TODAY, years));
                        prop_assert_eq!(first_failure(outcome, None, rule.conditions(), oldest), None);
                    }
                }
                // Every rule either applied or is explained.
                let applied: HashSet<ConversionRuleId> = proposal.lines.iter().map(|l| l.rule).collect();
                let missed: HashSet<ConversionRuleId> = proposal.misses.iter().map(|m| m.rule).collect();
                prop_assert!(applied.is_disjoint(&missed));
                prop_assert_eq!(applied.len() + missed.len(), rules.len());
            }
        }
    }
}
