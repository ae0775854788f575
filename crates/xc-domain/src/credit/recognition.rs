//! Recognition (学习成果认定): the bank's standards (outcome specifications of accredited
//! providers, the general contact-hours rule for non-formal learning, the grade mapping) and the
//! decision for one submitted outcome: automatic when exactly one current specification matches,
//! otherwise a review with the closest specifications ranked and the reason each differs.
//!
//! Exact match, precisely: the same provider, kind and title (by [`OutcomeTitle`] key); the same
//! contact hours when the specification states hours; the same grade (a certificate's grade, or
//! none for other kinds); and, when the submission names a field, the specification's field is
//! that field. Two or more exact matches are ambiguous and go to review.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use time::Date;

use crate::credit::accreditation::Accreditations;
use crate::credit::level::{FrameworkLevel, GradeMapping, VocationalGrade};
use crate::credit::outcome::{
    Field, OutcomeCategory, OutcomeKind, OutcomeTitle, RecognisedOutcome, SubmittedOutcome,
    ValidityPeriod, ValidityTerm,
};
use crate::credit::quantity::{ContactHours, Credits};
use crate::credit::version::{Published, Version, VersionHistory};
use crate::credit::{OutcomeId, SpecificationId};
use crate::{InstitutionId, Invalid};

/// How many of the closest specifications a review shows.
pub const CLOSEST_LIMIT: usize = 5;

/// The general rule for non-formal learning of one kind: contact hours to credits.
///
/// Rounding: credits are `hours / hours_per_credit`, rounded *down* to a whole number of
/// `step`s (0.5 by default), then capped at `maximum`. Down, because credit is never granted for
/// hours not yet taught: 20 h at 16 h per credit is 1.25, which is 1 credit in half-credit steps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonFormalRule {
    kind: OutcomeKind,
    hours_per_credit: ContactHours,
    step: Credits,
    maximum: Option<Credits>,
    /// The framework level an outcome recognised under the rule holds (an outcome matching a
    /// specification has the specification's level instead).
    level: FrameworkLevel,
}

impl NonFormalRule {
    /// `step` divides one credit evenly (1, 0.5, 0.25, 0.2, 0.1 …).
    pub fn new(
        kind: OutcomeKind,
        hours_per_credit: ContactHours,
        step: Credits,
        maximum: Option<Credits>,
    ) -> Result<Self, Invalid> {
        if !kind.is_non_formal() {
            return Err(Invalid::new(
                "kind",
                format!(
                    "the general hours rule is for non-formal learning; a {} has its own specifications",
                    kind.label_en().to_lowercase()
                ),
            ));
        }
        if hours_per_credit.is_zero() {
            return Err(Invalid::new(
                "hours_per_credit",
                "hours per credit must be more than 0",
            ));
        }
        if step.is_zero() || step.hundredths() > 100 || 100 % step.hundredths() != 0 {
            return Err(Invalid::new(
                "step",
                format!(
                    "a step of {step} does not divide one credit evenly: use 1, 0.5, 0.25 or 0.1"
                ),
            ));
        }
        if let Some(maximum) = maximum
            && maximum < step
        {
            return Err(Invalid::new(
                "maximum",
                format!("a maximum of {maximum} credits is below one step of {step}"),
            ));
        }
        Ok(Self {
            kind,
            hours_per_credit,
            step,
            maximum,
            level: FrameworkLevel::LOWEST,
        })
    }

    /// The same rule granting `level` (level 1, the framework's entry level, unless set).
    pub fn with_level(self, level: FrameworkLevel) -> Self {
        Self { level, ..self }
    }

    pub fn level(&self) -> FrameworkLevel {
        self.level
    }

    /// 16 contact hours per credit in half-credit steps, no maximum: the convention the issue
    /// quotes ("16 hours = 1 credit"), which is also the usual class-hours-per-credit ratio of
    /// Chinese higher education.
    pub fn sixteen_hours_per_credit(kind: OutcomeKind) -> Result<Self, Invalid> {
        Self::new(
            kind,
            ContactHours::from_tenths(160).unwrap_or(ContactHours::ZERO),
            Credits::from_hundredths(50).unwrap_or(Credits::ZERO),
            None,
        )
    }

    pub fn kind(&self) -> OutcomeKind {
        self.kind
    }

    pub fn hours_per_credit(&self) -> ContactHours {
        self.hours_per_credit
    }

    pub fn step(&self) -> Credits {
        self.step
    }

    pub fn maximum(&self) -> Option<Credits> {
        self.maximum
    }

    pub fn credits_for(&self, hours: ContactHours) -> Credits {
        let exact = u64::from(hours.tenths()) * 100 / u64::from(self.hours_per_credit.tenths());
        let step = self.step.hundredths();
        let rounded = Credits::from_hundredths(exact / step * step).unwrap_or(Credits::MAX);
        match self.maximum {
            Some(maximum) => rounded.min(maximum),
            None => rounded,
        }
    }
}

/// The general rules, at most one per non-formal kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NonFormalRules {
    by_kind: BTreeMap<OutcomeKind, NonFormalRule>,
}

impl NonFormalRules {
    pub fn new(rules: Vec<NonFormalRule>) -> Result<Self, Invalid> {
        let mut by_kind = BTreeMap::new();
        for rule in rules {
            let kind = rule.kind;
            if by_kind.insert(kind, rule).is_some() {
                return Err(Invalid::new(
                    "kind",
                    format!("{kind} has two general rules: keep one"),
                ));
            }
        }
        Ok(Self { by_kind })
    }

    /// [`NonFormalRule::sixteen_hours_per_credit`] for every non-formal kind.
    pub fn common_default() -> Self {
        let by_kind = OutcomeKind::ALL
            .iter()
            .filter(|kind| kind.is_non_formal())
            .filter_map(|kind| NonFormalRule::sixteen_hours_per_credit(*kind).ok())
            .map(|rule| (rule.kind, rule))
            .collect();
        Self { by_kind }
    }

    pub fn for_kind(&self, kind: OutcomeKind) -> Option<&NonFormalRule> {
        self.by_kind.get(&kind)
    }

    pub fn iter(&self) -> impl Iterator<Item = &NonFormalRule> {
        self.by_kind.values()
    }
}

/// What staff fill in to publish or revise a specification. Level, category and credits may be
/// left for the standards to fill: a certificate's level comes from the grade mapping, a
/// non-formal outcome's credits from the general rule, the category from the kind's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationDraft {
    pub id: SpecificationId,
    pub provider: InstitutionId,
    pub kind: OutcomeKind,
    pub category: Option<OutcomeCategory>,
    pub title: OutcomeTitle,
    pub hours: Option<ContactHours>,
    pub grade: Option<VocationalGrade>,
    pub level: Option<FrameworkLevel>,
    pub credits: Option<Credits>,
    pub field: Option<Field>,
    pub validity: ValidityTerm,
}

/// An outcome specification of an accredited provider (e.g. "elder university calligraphy, 32
/// hours, level 2, 2 credits"): complete and consistent with the standards it was made under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutcomeSpecification {
    id: SpecificationId,
    provider: InstitutionId,
    kind: OutcomeKind,
    category: OutcomeCategory,
    title: OutcomeTitle,
    hours: Option<ContactHours>,
    grade: Option<VocationalGrade>,
    level: FrameworkLevel,
    credits: Credits,
    field: Option<Field>,
    validity: ValidityTerm,
}

impl OutcomeSpecification {
    pub fn parse(
        draft: SpecificationDraft,
        grades: &GradeMapping,
        general_rules: &NonFormalRules,
    ) -> Result<Self, Invalid> {
        let kind = draft.kind;
        let category = draft.category.unwrap_or(kind.default_category());
        if !kind.allows_category(category) {
            let allowed: Vec<&str> = kind
                .allowed_categories()
                .iter()
                .map(|c| c.as_str())
                .collect();
            return Err(Invalid::new(
                "category",
                format!(
                    "a {} cannot be in the {} category: choose {}",
                    kind.label_en().to_lowercase(),
                    category.label_en().to_lowercase(),
                    allowed.join(" or ")
                ),
            ));
        }
        match (kind.has_grade(), draft.grade) {
            (true, None) => {
                return Err(Invalid::new(
                    "grade",
                    "a vocational certificate specification names its grade (五级 … 一级)",
                ));
            }
            (false, Some(_)) => {
                return Err(Invalid::new(
                    "grade",
                    "only vocational certificates have a grade: leave it empty",
                ));
            }
            _ => {}
        }
        if draft.hours.is_some_and(ContactHours::is_zero) {
            return Err(Invalid::new(
                "hours",
                "contact hours must be more than 0, or left empty",
            ));
        }
        let level = match (draft.grade, draft.level) {
            (Some(grade), level) => {
                let mapped = grades.level_of(grade);
                if level.is_some_and(|level| level != mapped) {
                    return Err(Invalid::new(
                        "level",
                        format!(
                            "{} is level {mapped} under the grade mapping, not {}: leave the level empty or change the mapping",
                            grade.label_zh(),
                            level.map_or(0, FrameworkLevel::get)
                        ),
                    ));
                }
                mapped
            }
            (None, Some(level)) => level,
            (None, None) => return Err(Invalid::new("level", "a framework level is required")),
        };
        let credits = match (draft.credits, draft.hours, general_rules.for_kind(kind)) {
            (Some(credits), _, _) => credits,
            (None, Some(hours), Some(rule)) => rule.credits_for(hours),
            (None, _, _) => {
                return Err(Invalid::new(
                    "credits",
                    format!(
                        "credits are required: no general hours rule gives them for a {}{}",
                        kind.label_en().to_lowercase(),
                        if draft.hours.is_none() {
                            " without hours"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        };
        Ok(Self {
            id: draft.id,
            provider: draft.provider,
            kind,
            category,
            title: draft.title,
            hours: draft.hours,
            grade: draft.grade,
            level,
            credits,
            field: draft.field,
            validity: draft.validity,
        })
    }

    /// A specification as it was published, read back from storage: its level and credits are
    /// what was decided then, so they are taken as they are, not derived again from today's grade
    /// mapping or hours rule. Still refuses what no specification can be: a category the kind
    /// cannot have, a grade on anything but a certificate (or none on one), zero hours, a missing
    /// level or credits.
    pub fn restore(draft: SpecificationDraft) -> Result<Self, Invalid> {
        let level = draft
            .level
            .ok_or_else(|| Invalid::new("level", "a stored specification has its level"))?;
        let credits = draft
            .credits
            .ok_or_else(|| Invalid::new("credits", "a stored specification has its credits"))?;
        // Parsing with the stored credits given and against a mapping that puts every grade at
        // the stored level checks the structure without deriving either again.
        Self::parse(
            SpecificationDraft {
                level: Some(level),
                credits: Some(credits),
                ..draft
            },
            &GradeMapping::uniform(level),
            &NonFormalRules::default(),
        )
    }

    pub fn id(&self) -> SpecificationId {
        self.id
    }
    pub fn provider(&self) -> InstitutionId {
        self.provider
    }
    pub fn kind(&self) -> OutcomeKind {
        self.kind
    }
    pub fn category(&self) -> OutcomeCategory {
        self.category
    }
    pub fn title(&self) -> &OutcomeTitle {
        &self.title
    }
    pub fn hours(&self) -> Option<ContactHours> {
        self.hours
    }
    pub fn grade(&self) -> Option<VocationalGrade> {
        self.grade
    }
    pub fn level(&self) -> FrameworkLevel {
        self.level
    }
    pub fn credits(&self) -> Credits {
        self.credits
    }
    pub fn field(&self) -> Option<&Field> {
        self.field.as_ref()
    }
    pub fn validity(&self) -> ValidityTerm {
        self.validity
    }

    /// A draft with this specification's values, to edit into the next version.
    pub fn to_draft(&self) -> SpecificationDraft {
        SpecificationDraft {
            id: self.id,
            provider: self.provider,
            kind: self.kind,
            category: Some(self.category),
            title: self.title.clone(),
            hours: self.hours,
            grade: self.grade,
            level: Some(self.level),
            credits: Some(self.credits),
            field: self.field.clone(),
            validity: self.validity,
        }
    }

    /// How a submitted outcome differs from this specification; empty for an exact match.
    pub fn differences(&self, outcome: &SubmittedOutcome) -> Vec<Difference> {
        let mut differences = Vec::new();
        if self.kind != outcome.kind {
            differences.push(Difference::Kind {
                specification: self.kind,
                outcome: outcome.kind,
            });
        }
        if self.title != outcome.title {
            differences.push(Difference::Title {
                specification: self.title.as_str().to_owned(),
                outcome: outcome.title.as_str().to_owned(),
            });
        }
        if self.provider != outcome.provider {
            differences.push(Difference::Provider {
                specification: self.provider,
                outcome: outcome.provider,
            });
        }
        if self.grade != outcome.grade {
            differences.push(Difference::Grade {
                specification: self.grade,
                outcome: outcome.grade,
            });
        }
        if let Some(hours) = self.hours
            && outcome.hours != Some(hours)
        {
            differences.push(Difference::Hours {
                specification: hours,
                outcome: outcome.hours,
            });
        }
        if let Some(field) = &outcome.field
            && self.field.as_ref() != Some(field)
        {
            differences.push(Difference::Field {
                specification: self.field.clone(),
                outcome: field.clone(),
            });
        }
        differences
    }
}

/// Why a specification is not an exact match for a submitted outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Kind {
        specification: OutcomeKind,
        outcome: OutcomeKind,
    },
    Title {
        specification: String,
        outcome: String,
    },
    Provider {
        specification: InstitutionId,
        outcome: InstitutionId,
    },
    Grade {
        specification: Option<VocationalGrade>,
        outcome: Option<VocationalGrade>,
    },
    Hours {
        specification: ContactHours,
        outcome: Option<ContactHours>,
    },
    Field {
        specification: Option<Field>,
        outcome: Field,
    },
    /// An exact match, but so is `other`: staff choose.
    AlsoMatches { other: SpecificationId },
}

impl Difference {
    /// How far this difference puts a specification from the outcome, for ranking: a different
    /// kind is furthest, then a different title, then provider and grade, then hours and field.
    fn weight(&self) -> u32 {
        match self {
            Difference::Kind { .. } => 8,
            Difference::Title { .. } => 4,
            Difference::Provider { .. } | Difference::Grade { .. } => 2,
            Difference::Hours { .. } | Difference::Field { .. } => 1,
            Difference::AlsoMatches { .. } => 0,
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or_none = |value: Option<String>| value.unwrap_or_else(|| "none".to_owned());
        match self {
            Difference::Kind {
                specification,
                outcome,
            } => {
                write!(
                    f,
                    "kind is {outcome}, the specification is for {specification}"
                )
            }
            Difference::Title {
                specification,
                outcome,
            } => {
                write!(
                    f,
                    "title is '{outcome}', the specification's is '{specification}'"
                )
            }
            Difference::Provider {
                specification,
                outcome,
            } => write!(
                f,
                "provider is institution {outcome}, the specification is institution {specification}'s"
            ),
            Difference::Grade {
                specification,
                outcome,
            } => write!(
                f,
                "grade is {}, the specification's is {}",
                or_none(outcome.map(|g| g.label_zh().to_owned())),
                or_none(specification.map(|g| g.label_zh().to_owned()))
            ),
            Difference::Hours {
                specification,
                outcome,
            } => write!(
                f,
                "hours are {}, the specification's are {specification}",
                or_none(outcome.map(|h| h.to_string()))
            ),
            Difference::Field {
                specification,
                outcome,
            } => write!(
                f,
                "field is {outcome}, the specification's is {}",
                or_none(specification.as_ref().map(|s| s.to_string()))
            ),
            Difference::AlsoMatches { other } => {
                write!(f, "specification {other} matches exactly as well")
            }
        }
    }
}

/// A specification shown to a reviewer, with what differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseSpecification {
    pub spec: SpecificationId,
    pub version: Version,
    pub differences: Vec<Difference>,
}

/// What an automatic recognition follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomaticBasis {
    /// Exactly one current specification matches the outcome.
    Specification {
        spec: SpecificationId,
        version: Version,
    },
    /// No specification matches; the outcome is non-formal learning with its contact hours from
    /// a provider accredited on the day it was achieved, so the general rule of its kind
    /// grants the credits (and the rule's level).
    GeneralRule { kind: OutcomeKind },
}

/// The result of recognising one submitted outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recognition {
    /// Recognised without a reviewer: the decision records what it followed (the
    /// specification's id and version, or the general rule) and copies what it grants, so a
    /// later version changes nothing about this decision.
    Automatic {
        basis: AutomaticBasis,
        level: FrameworkLevel,
        credits: Credits,
        category: OutcomeCategory,
        validity: ValidityPeriod,
    },
    /// No single exact match and no general rule applies: staff decide. `closest` is ranked
    /// closest first (see [`recognise`]); `general_rule_credits` is what the general hours rule
    /// would give a non-formal outcome (of a provider not accredited that day), as a
    /// suggestion.
    Review {
        closest: Vec<CloseSpecification>,
        general_rule_credits: Option<Credits>,
    },
}

impl Recognition {
    /// The outcome as the bank holds it after an automatic recognition; `None` for a review.
    pub fn recognised_outcome(
        &self,
        id: OutcomeId,
        submitted: &SubmittedOutcome,
    ) -> Option<RecognisedOutcome> {
        match self {
            Recognition::Automatic {
                level,
                credits,
                category,
                validity,
                ..
            } => Some(RecognisedOutcome {
                id,
                kind: submitted.kind,
                category: *category,
                title: submitted.title.clone(),
                grade: submitted.grade,
                level: *level,
                credits: *credits,
                field: submitted.field.clone(),
                score: submitted.score,
                achieved_on: submitted.achieved_on,
                validity: *validity,
            }),
            Recognition::Review { .. } => None,
        }
    }
}

/// What a reviewer decides when accepting an outcome from the review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewAcceptance {
    pub level: FrameworkLevel,
    pub credits: Credits,
    pub category: OutcomeCategory,
    pub validity: ValidityTerm,
}

impl ReviewAcceptance {
    /// The recognised outcome, refusing a category the outcome's kind cannot have and a grade on
    /// anything but a certificate.
    pub fn recognised_outcome(
        &self,
        id: OutcomeId,
        submitted: &SubmittedOutcome,
    ) -> Result<RecognisedOutcome, Invalid> {
        if !submitted.kind.allows_category(self.category) {
            return Err(Invalid::new(
                "category",
                format!(
                    "a {} cannot be in the {} category",
                    submitted.kind.label_en().to_lowercase(),
                    self.category.label_en().to_lowercase()
                ),
            ));
        }
        if submitted.grade.is_some() && !submitted.kind.has_grade() {
            return Err(Invalid::new(
                "grade",
                "only vocational certificates have a grade",
            ));
        }
        if submitted.kind.has_grade() && submitted.grade.is_none() {
            return Err(Invalid::new(
                "grade",
                "a vocational certificate needs its grade to be recognised",
            ));
        }
        Ok(RecognisedOutcome {
            id,
            kind: submitted.kind,
            category: self.category,
            title: submitted.title.clone(),
            grade: submitted.grade,
            level: self.level,
            credits: self.credits,
            field: submitted.field.clone(),
            score: submitted.score,
            achieved_on: submitted.achieved_on,
            validity: self.validity.period_from(submitted.achieved_on),
        })
    }
}

type ExactKey = (InstitutionId, OutcomeKind, String);

/// Every specification with every version, and an index of the current versions by provider,
/// kind and title for exact matching.
#[derive(Debug, Clone, Default)]
pub struct SpecificationCatalogue {
    histories: BTreeMap<SpecificationId, VersionHistory<OutcomeSpecification>>,
    exact: HashMap<ExactKey, Vec<SpecificationId>>,
}

fn exact_key(provider: InstitutionId, kind: OutcomeKind, title: &OutcomeTitle) -> ExactKey {
    (provider, kind, title.key().to_owned())
}

impl SpecificationCatalogue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes `spec`: version 1 of a new id, or the next version of an existing one (refused
    /// when nothing changed or dated before the current version).
    pub fn publish(
        &mut self,
        spec: OutcomeSpecification,
        published_on: Date,
    ) -> Result<Version, Invalid> {
        let id = spec.id;
        let new_key = exact_key(spec.provider, spec.kind, &spec.title);
        let version = match self.histories.get_mut(&id) {
            None => {
                self.histories
                    .insert(id, VersionHistory::first(spec, published_on));
                Version::FIRST
            }
            Some(history) => {
                let old = history.current().value();
                let old_key = exact_key(old.provider, old.kind, &old.title);
                let version = history.revise(spec, published_on)?;
                if let Some(ids) = self.exact.get_mut(&old_key) {
                    ids.retain(|other| *other != id);
                    if ids.is_empty() {
                        self.exact.remove(&old_key);
                    }
                }
                version
            }
        };
        let ids = self.exact.entry(new_key).or_default();
        if let Err(at) = ids.binary_search(&id) {
            ids.insert(at, id);
        }
        Ok(version)
    }

    pub fn history(&self, id: SpecificationId) -> Option<&VersionHistory<OutcomeSpecification>> {
        self.histories.get(&id)
    }

    /// The current version of every specification, by id.
    pub fn current(&self) -> impl Iterator<Item = &Published<OutcomeSpecification>> {
        self.histories.values().map(VersionHistory::current)
    }

    pub fn len(&self) -> usize {
        self.histories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
    }
}

/// The current specifications that match `outcome` exactly (same provider, kind and title, and
/// no difference), by id.
fn exact_matches<'c>(
    outcome: &SubmittedOutcome,
    catalogue: &'c SpecificationCatalogue,
) -> Vec<&'c Published<OutcomeSpecification>> {
    let key = exact_key(outcome.provider, outcome.kind, &outcome.title);
    catalogue
        .exact
        .get(&key)
        .into_iter()
        .flatten()
        .filter_map(|id| catalogue.histories.get(id).map(VersionHistory::current))
        .filter(|published| published.value().differences(outcome).is_empty())
        .collect()
}

fn automatic(outcome: &SubmittedOutcome, only: &Published<OutcomeSpecification>) -> Recognition {
    let spec = only.value();
    Recognition::Automatic {
        basis: AutomaticBasis::Specification {
            spec: spec.id,
            version: only.version(),
        },
        level: spec.level,
        credits: spec.credits,
        category: spec.category,
        validity: spec.validity.period_from(outcome.achieved_on),
    }
}

/// The general rule's recognition of `outcome`: when it is non-formal learning with its contact
/// hours, its kind has a rule, the rule grants more than 0 credits for those hours, and the
/// register says its provider was accredited on the day it was achieved.
fn under_general_rule(
    outcome: &SubmittedOutcome,
    general_rules: &NonFormalRules,
    accredited: &Accreditations,
) -> Option<Recognition> {
    let hours = outcome.hours?;
    let rule = general_rules.for_kind(outcome.kind)?;
    let credits = rule.credits_for(hours);
    if credits.is_zero() || !accredited.is_accredited(outcome.provider, outcome.achieved_on) {
        return None;
    }
    Some(Recognition::Automatic {
        basis: AutomaticBasis::GeneralRule { kind: outcome.kind },
        level: rule.level(),
        credits,
        category: outcome.kind.default_category(),
        validity: ValidityTerm::INDEFINITE.period_from(outcome.achieved_on),
    })
}

/// The automatic recognition of `outcome` (exactly one current specification matches it, or,
/// when none does, the general rule applies), without ranking the closest specifications for
/// a reviewer: what a bulk import needs, at the cost of one hash look-up. `recognise` gives the
/// same answer whenever this is `Some`.
pub fn recognise_automatically(
    outcome: &SubmittedOutcome,
    catalogue: &SpecificationCatalogue,
    general_rules: &NonFormalRules,
    accredited: &Accreditations,
) -> Option<Recognition> {
    match exact_matches(outcome, catalogue).as_slice() {
        [only] => Some(automatic(outcome, only)),
        [] => under_general_rule(outcome, general_rules, accredited),
        _ => None,
    }
}

/// Recognises `outcome`: automatically when exactly one current specification matches it, or
/// when none does and the general rule applies (non-formal hours from a provider accredited on
/// the day, see [`recognise_automatically`]); otherwise for review, with the closest
/// specifications.
///
/// Closest ranking (deterministic): by the summed weight of the differences (kind 8, title 4,
/// provider 2, grade 2, hours 1, field 1), then by title similarity (shared character pairs,
/// higher first), then by specification id. Specifications of another kind whose title shares no
/// character pair with the outcome's are not shown. At most [`CLOSEST_LIMIT`].
pub fn recognise(
    outcome: &SubmittedOutcome,
    catalogue: &SpecificationCatalogue,
    general_rules: &NonFormalRules,
    accredited: &Accreditations,
) -> Recognition {
    let exact = exact_matches(outcome, catalogue);
    match exact.as_slice() {
        [only] => return automatic(outcome, only),
        [] => {
            if let Some(recognition) = under_general_rule(outcome, general_rules, accredited) {
                return recognition;
            }
        }
        _ => {}
    }
    let general_rule_credits = match (outcome.hours, general_rules.for_kind(outcome.kind)) {
        (Some(hours), Some(rule)) => Some(rule.credits_for(hours)),
        _ => None,
    };
    if exact.len() > 1 {
        let closest = exact
            .iter()
            .take(CLOSEST_LIMIT)
            .map(|published| CloseSpecification {
                spec: published.value().id,
                version: published.version(),
                differences: exact
                    .iter()
                    .filter(|other| other.value().id != published.value().id)
                    .map(|other| Difference::AlsoMatches {
                        other: other.value().id,
                    })
                    .collect(),
            })
            .collect();
        return Recognition::Review {
            closest,
            general_rule_credits,
        };
    }
    let outcome_pairs = character_pairs(outcome.title.key());
    let mut ranked: Vec<(
        u32,
        Reverse<u32>,
        SpecificationId,
        &Published<OutcomeSpecification>,
    )> = catalogue
        .current()
        .filter_map(|published| {
            let spec = published.value();
            let similarity = similarity(&outcome_pairs, spec.title.key());
            if spec.kind != outcome.kind && similarity == 0 {
                return None;
            }
            let distance = spec
                .differences(outcome)
                .iter()
                .map(Difference::weight)
                .sum();
            Some((distance, Reverse(similarity), spec.id, published))
        })
        .collect();
    ranked.sort_unstable_by_key(|(distance, similarity, id, _)| (*distance, *similarity, *id));
    let closest = ranked
        .into_iter()
        .take(CLOSEST_LIMIT)
        .map(|(_, _, id, published)| CloseSpecification {
            spec: id,
            version: published.version(),
            differences: published.value().differences(outcome),
        })
        .collect();
    Recognition::Review {
        closest,
        general_rule_credits,
    }
}

/// The sorted character pairs of a title key (single characters for a one-character title).
fn character_pairs(key: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = key.chars().collect();
    let mut pairs: Vec<(char, char)> = if chars.len() == 1 {
        vec![(chars[0], chars[0])]
    } else {
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    pairs.sort_unstable();
    pairs
}

/// Dice similarity of two titles' character pairs, in thousandths (1000 = the same pairs).
fn similarity(outcome_pairs: &[(char, char)], spec_key: &str) -> u32 {
    let spec_pairs = character_pairs(spec_key);
    let total = outcome_pairs.len() + spec_pairs.len();
    if total == 0 {
        return 0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < outcome_pairs.len() && j < spec_pairs.len() {
        match outcome_pairs[i].cmp(&spec_pairs[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2000 * shared / total) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Topic;
    use time::macros::date;

    fn hours(h: u32) -> ContactHours {
        ContactHours::whole(h).unwrap()
    }
    fn credits(text: &str) -> Credits {
        Credits::parse(text).unwrap()
    }
    fn level(n: u8) -> FrameworkLevel {
        FrameworkLevel::new(n).unwrap()
    }
    fn title(text: &str) -> OutcomeTitle {
        OutcomeTitle::parse(text).unwrap()
    }
    fn provider(n: i64) -> InstitutionId {
        InstitutionId::new(n)
    }

    fn calligraphy_draft() -> SpecificationDraft {
        SpecificationDraft {
            id: SpecificationId::new(1),
            provider: provider(10),
            kind: OutcomeKind::CommunityCourse,
            category: None,
            title: title("书法（楷书）"),
            hours: Some(hours(32)),
            grade: None,
            level: Some(level(2)),
            credits: Some(credits("2")),
            field: Some(Field::Topic(Topic::CultureAndArts)),
            validity: ValidityTerm::INDEFINITE,
        }
    }

    fn electrician_draft() -> SpecificationDraft {
        SpecificationDraft {
            id: SpecificationId::new(2),
            provider: provider(20),
            kind: OutcomeKind::VocationalCertificate,
            category: None,
            title: title("电工"),
            hours: None,
            grade: Some(VocationalGrade::Three),
            level: None,
            credits: Some(credits("4")),
            field: None,
            validity: ValidityTerm::years(5).unwrap(),
        }
    }

    fn parse(draft: SpecificationDraft) -> Result<OutcomeSpecification, Invalid> {
        OutcomeSpecification::parse(
            draft,
            &GradeMapping::national_default(),
            &NonFormalRules::common_default(),
        )
    }

    fn submitted_calligraphy() -> SubmittedOutcome {
        SubmittedOutcome {
            provider: provider(10),
            kind: OutcomeKind::CommunityCourse,
            title: title("书法(楷书)"),
            hours: Some(hours(32)),
            grade: None,
            field: None,
            achieved_on: date!(2025 - 06 - 30),
            score: None,
            evidence: vec![],
        }
    }

    #[test]
    fn the_automatic_shortcut_agrees_with_recognise() {
        let catalogue = catalogue_of(vec![calligraphy_draft(), electrician_draft()]);
        let rules = NonFormalRules::common_default();
        let exact = submitted_calligraphy();
        let automatic = recognise_automatically(
            &exact,
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        )
        .expect("an exact match");
        assert_eq!(
            automatic,
            recognise(&exact, &catalogue, &rules, &Accreditations::new())
        );
        let other = SubmittedOutcome {
            title: title("书法（行书）"),
            ..submitted_calligraphy()
        };
        assert!(
            recognise_automatically(
                &other,
                &catalogue,
                &NonFormalRules::common_default(),
                &Accreditations::new()
            )
            .is_none()
        );
        assert!(matches!(
            recognise(&other, &catalogue, &rules, &Accreditations::new()),
            Recognition::Review { .. }
        ));
        // Two exact matches are for a reviewer to choose between.
        let twin = SpecificationDraft {
            id: SpecificationId::new(9),
            ..calligraphy_draft()
        };
        let twins = catalogue_of(vec![calligraphy_draft(), twin]);
        assert!(
            recognise_automatically(
                &exact,
                &twins,
                &NonFormalRules::common_default(),
                &Accreditations::new()
            )
            .is_none()
        );
    }

    /// Provider 10 accredited from `from`, withdrawn from `withdrawn` when given.
    fn accredited_from(from: Date, withdrawn: Option<Date>) -> Accreditations {
        let mut register = Accreditations::new();
        register
            .push(crate::credit::AccreditationDecision::grant(provider(10), from, None).unwrap());
        if let Some(day) = withdrawn {
            register.push(crate::credit::AccreditationDecision::withdraw(
                provider(10),
                day,
            ));
        }
        register
    }

    /// A community course no specification describes: only the general rule can recognise it.
    fn submitted_choir(hours_taught: u32) -> SubmittedOutcome {
        SubmittedOutcome {
            title: title("合唱团(春季)"),
            hours: Some(hours(hours_taught)),
            ..submitted_calligraphy()
        }
    }

    #[test]
    fn the_general_rule_recognises_non_formal_hours_of_an_accredited_provider() {
        let catalogue = catalogue_of(vec![calligraphy_draft(), electrician_draft()]);
        let rules = NonFormalRules::new(vec![
            NonFormalRule::sixteen_hours_per_credit(OutcomeKind::CommunityCourse)
                .unwrap()
                .with_level(level(2)),
        ])
        .unwrap();
        let register = accredited_from(date!(2025 - 01 - 01), None);
        let choir = submitted_choir(40);
        let expected = Recognition::Automatic {
            basis: AutomaticBasis::GeneralRule {
                kind: OutcomeKind::CommunityCourse,
            },
            level: level(2),
            // 40 h at 16 h per credit is 2.5 credits in half-credit steps.
            credits: credits("2.5"),
            category: OutcomeCategory::CultureAndLeisure,
            validity: ValidityPeriod::open_ended(date!(2025 - 06 - 30)),
        };
        assert_eq!(recognise(&choir, &catalogue, &rules, &register), expected);
        assert_eq!(
            recognise_automatically(&choir, &catalogue, &rules, &register),
            Some(expected)
        );
        let held = recognise(&choir, &catalogue, &rules, &register)
            .recognised_outcome(OutcomeId::new(7), &choir)
            .unwrap();
        assert_eq!((held.level, held.credits), (level(2), credits("2.5")));
        // A specification that matches exactly still comes first.
        assert!(matches!(
            recognise(&submitted_calligraphy(), &catalogue, &rules, &register),
            Recognition::Automatic {
                basis: AutomaticBasis::Specification { .. },
                ..
            }
        ));
    }

    #[test]
    fn the_general_rule_needs_accreditation_on_the_day_hours_and_a_credit() {
        let catalogue = catalogue_of(vec![calligraphy_draft()]);
        let rules = NonFormalRules::common_default();
        let for_review = |outcome: &SubmittedOutcome, register: &Accreditations| {
            let recognition = recognise(outcome, &catalogue, &rules, register);
            assert_eq!(
                recognise_automatically(outcome, &catalogue, &rules, register),
                None,
                "{recognition:?}"
            );
            match recognition {
                Recognition::Review {
                    general_rule_credits,
                    ..
                } => general_rule_credits,
                other => panic!("expected review, got {other:?}"),
            }
        };
        let choir = submitted_choir(32);
        // Not in the register: the rule's credits are only a suggestion for the reviewer.
        assert_eq!(
            for_review(&choir, &Accreditations::new()),
            Some(credits("2"))
        );
        // Accredited only after the outcome was achieved, or withdrawn before.
        assert!(for_review(&choir, &accredited_from(date!(2025 - 07 - 01), None)).is_some());
        assert!(
            for_review(
                &choir,
                &accredited_from(date!(2024 - 01 - 01), Some(date!(2025 - 06 - 01)))
            )
            .is_some()
        );
        let register = accredited_from(date!(2025 - 01 - 01), None);
        // Too few hours for one step: nothing to grant.
        assert_eq!(
            for_review(&submitted_choir(4), &register),
            Some(credits("0"))
        );
        // No hours given.
        let no_hours = SubmittedOutcome {
            hours: None,
            ..submitted_choir(32)
        };
        assert_eq!(for_review(&no_hours, &register), None);
        // A kind without a general rule (a vocational certificate has specifications).
        let certificate = SubmittedOutcome {
            kind: OutcomeKind::VocationalCertificate,
            grade: Some(VocationalGrade::Three),
            ..submitted_choir(32)
        };
        assert_eq!(for_review(&certificate, &register), None);
        // Two specifications that match exactly are for a reviewer, general rule or not.
        let twin = SpecificationDraft {
            id: SpecificationId::new(9),
            ..calligraphy_draft()
        };
        let twins = catalogue_of(vec![calligraphy_draft(), twin]);
        assert!(matches!(
            recognise(&submitted_calligraphy(), &twins, &rules, &register),
            Recognition::Review { .. }
        ));
        assert_eq!(
            recognise_automatically(&submitted_calligraphy(), &twins, &rules, &register),
            None
        );
    }

    #[test]
    fn a_stored_specification_is_restored_as_decided_not_derived_again() {
        // Published when 三级 was level 5 under an earlier mapping: today's default says 4.
        let stored = SpecificationDraft {
            level: Some(level(5)),
            ..electrician_draft()
        };
        let restored = OutcomeSpecification::restore(stored.clone()).unwrap();
        assert_eq!(restored.level(), level(5));
        assert_eq!(restored.credits(), credits("4"));
        assert_eq!(
            restored.to_draft().category,
            Some(OutcomeCategory::VocationalTraining)
        );
        assert!(parse(stored).is_err(), "today's mapping would refuse it");

        let no_level = SpecificationDraft {
            level: None,
            ..calligraphy_draft()
        };
        assert_eq!(
            OutcomeSpecification::restore(no_level).unwrap_err().field,
            "level"
        );
        let no_credits = SpecificationDraft {
            credits: None,
            ..calligraphy_draft()
        };
        assert_eq!(
            OutcomeSpecification::restore(no_credits).unwrap_err().field,
            "credits"
        );
        let graded_course = SpecificationDraft {
            grade: Some(VocationalGrade::Five),
            ..calligraphy_draft()
        };
        assert_eq!(
            OutcomeSpecification::restore(graded_course)
                .unwrap_err()
                .field,
            "grade"
        );
        let wrong_category = SpecificationDraft {
            category: Some(OutcomeCategory::Academic),
            ..calligraphy_draft()
        };
        assert_eq!(
            OutcomeSpecification::restore(wrong_category)
                .unwrap_err()
                .field,
            "category"
        );
    }

    fn catalogue_of(drafts: Vec<SpecificationDraft>) -> SpecificationCatalogue {
        let mut catalogue = SpecificationCatalogue::new();
        for draft in drafts {
            catalogue
                .publish(parse(draft).unwrap(), date!(2024 - 01 - 01))
                .unwrap();
        }
        catalogue
    }

    #[test]
    fn the_general_rule_rounds_down_to_steps() {
        let rule = NonFormalRule::sixteen_hours_per_credit(OutcomeKind::CommunityCourse).unwrap();
        for (h, expected) in [
            (0, "0"),
            (7, "0"),
            (8, "0.5"),
            (16, "1"),
            (20, "1"),
            (24, "1.5"),
            (31, "1.5"),
            (32, "2"),
            (100_000, "6250"),
        ] {
            assert_eq!(rule.credits_for(hours(h)), credits(expected), "{h} h");
        }
        let capped = NonFormalRule::new(
            OutcomeKind::VenueLearning,
            hours(10),
            credits("0.25"),
            Some(credits("2")),
        )
        .unwrap();
        assert_eq!(
            capped.credits_for(ContactHours::parse("12.5").unwrap()),
            credits("1.25")
        );
        assert_eq!(capped.credits_for(hours(50)), credits("2"));
        assert_eq!(capped.maximum(), Some(credits("2")));
        assert_eq!(capped.step(), credits("0.25"));
        assert_eq!(capped.hours_per_credit(), hours(10));
        assert_eq!(capped.kind(), OutcomeKind::VenueLearning);
    }

    #[test]
    fn general_rules_are_for_non_formal_learning_with_sensible_steps() {
        let kind = OutcomeKind::NonFormalTraining;
        let error = NonFormalRule::new(OutcomeKind::AcademicCourse, hours(16), credits("1"), None)
            .unwrap_err();
        assert_eq!(error.field, "kind");
        assert!(NonFormalRule::new(kind, ContactHours::ZERO, credits("1"), None).is_err());
        for bad_step in ["0", "0.3", "1.5", "2"] {
            let error = NonFormalRule::new(kind, hours(16), credits(bad_step), None).unwrap_err();
            assert_eq!(error.field, "step", "{bad_step}");
        }
        for good_step in ["1", "0.5", "0.25", "0.2", "0.1", "0.01"] {
            assert!(NonFormalRule::new(kind, hours(16), credits(good_step), None).is_ok());
        }
        let error =
            NonFormalRule::new(kind, hours(16), credits("0.5"), Some(credits("0.25"))).unwrap_err();
        assert_eq!(error.field, "maximum");

        let rule = NonFormalRule::sixteen_hours_per_credit(kind).unwrap();
        let error = NonFormalRules::new(vec![rule.clone(), rule.clone()]).unwrap_err();
        assert!(error.reason.contains("two general rules"));
        let rules = NonFormalRules::new(vec![rule]).unwrap();
        assert!(rules.for_kind(kind).is_some());
        assert!(rules.for_kind(OutcomeKind::Mooc).is_none());
        assert_eq!(NonFormalRules::common_default().iter().count(), 4);
    }

    #[test]
    fn specifications_fill_level_category_and_credits_from_the_standards() {
        let calligraphy = parse(calligraphy_draft()).unwrap();
        assert_eq!(calligraphy.category(), OutcomeCategory::CultureAndLeisure);
        assert_eq!(calligraphy.level(), level(2));

        let electrician = parse(electrician_draft()).unwrap();
        assert_eq!(electrician.level(), level(4), "三级/高级工 → 4");
        assert_eq!(electrician.category(), OutcomeCategory::VocationalTraining);

        let by_hours = parse(SpecificationDraft {
            credits: None,
            hours: Some(hours(24)),
            ..calligraphy_draft()
        })
        .unwrap();
        assert_eq!(by_hours.credits(), credits("1.5"));
        assert_eq!(parse(by_hours.to_draft()).unwrap(), by_hours);
    }

    #[test]
    fn inconsistent_specifications_are_refused_with_the_field_to_fix() {
        let cases: Vec<(SpecificationDraft, &str, &str)> = vec![
            (
                SpecificationDraft {
                    category: Some(OutcomeCategory::Academic),
                    ..calligraphy_draft()
                },
                "category",
                "cannot be in the academic category",
            ),
            (
                SpecificationDraft {
                    grade: None,
                    ..electrician_draft()
                },
                "grade",
                "names its grade",
            ),
            (
                SpecificationDraft {
                    grade: Some(VocationalGrade::Two),
                    ..calligraphy_draft()
                },
                "grade",
                "only vocational certificates",
            ),
            (
                SpecificationDraft {
                    level: Some(level(5)),
                    ..electrician_draft()
                },
                "level",
                "三级/高级工 is level 4 under the grade mapping, not 5",
            ),
            (
                SpecificationDraft {
                    level: None,
                    ..calligraphy_draft()
                },
                "level",
                "required",
            ),
            (
                SpecificationDraft {
                    credits: None,
                    ..electrician_draft()
                },
                "credits",
                "vocational certificate without hours",
            ),
            (
                SpecificationDraft {
                    credits: None,
                    hours: None,
                    ..calligraphy_draft()
                },
                "credits",
                "without hours",
            ),
            (
                SpecificationDraft {
                    hours: Some(ContactHours::ZERO),
                    ..calligraphy_draft()
                },
                "hours",
                "more than 0",
            ),
        ];
        for (draft, field, says) in cases {
            let error = parse(draft).unwrap_err();
            assert_eq!(error.field, field);
            assert!(error.reason.contains(says), "{}", error.reason);
        }
        let matching_level = SpecificationDraft {
            level: Some(level(4)),
            ..electrician_draft()
        };
        assert!(parse(matching_level).is_ok());
    }

    #[test]
    fn an_exact_match_is_recognised_automatically_with_its_version() {
        let catalogue = catalogue_of(vec![calligraphy_draft(), electrician_draft()]);
        let outcome = submitted_calligraphy();
        let recognition = recognise(
            &outcome,
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        );
        assert_eq!(
            recognition,
            Recognition::Automatic {
                basis: AutomaticBasis::Specification {
                    spec: SpecificationId::new(1),
                    version: Version::FIRST,
                },
                level: level(2),
                credits: credits("2"),
                category: OutcomeCategory::CultureAndLeisure,
                validity: ValidityPeriod::open_ended(date!(2025 - 06 - 30)),
            }
        );
        let held = recognition
            .recognised_outcome(OutcomeId::new(5), &outcome)
            .unwrap();
        assert_eq!(held.level, level(2));
        assert_eq!(held.id, OutcomeId::new(5));

        let certificate = SubmittedOutcome {
            provider: provider(20),
            kind: OutcomeKind::VocationalCertificate,
            title: title("电工"),
            hours: None,
            grade: Some(VocationalGrade::Three),
            field: None,
            achieved_on: date!(2024 - 03 - 15),
            score: Some(crate::credit::Score::Passed),
            evidence: vec![],
        };
        match recognise(
            &certificate,
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        ) {
            Recognition::Automatic {
                level: l, validity, ..
            } => {
                assert_eq!(l, level(4));
                assert_eq!(validity.until(), Some(date!(2029 - 03 - 14)));
            }
            other => panic!("expected automatic, got {other:?}"),
        }
    }

    #[test]
    fn old_decisions_keep_the_version_they_were_made_under() {
        let mut catalogue = catalogue_of(vec![calligraphy_draft()]);
        let outcome = submitted_calligraphy();
        let rules = NonFormalRules::common_default();
        let before = recognise(&outcome, &catalogue, &rules, &Accreditations::new());

        let revised = parse(SpecificationDraft {
            credits: Some(credits("1.5")),
            ..calligraphy_draft()
        })
        .unwrap();
        let v2 = catalogue.publish(revised, date!(2025 - 09 - 01)).unwrap();
        assert_eq!(v2.get(), 2);
        let after = recognise(&outcome, &catalogue, &rules, &Accreditations::new());

        let Recognition::Automatic {
            basis: AutomaticBasis::Specification { version, .. },
            credits: granted,
            ..
        } = before
        else {
            panic!("expected automatic")
        };
        assert_eq!((version, granted), (Version::FIRST, credits("2")));
        let Recognition::Automatic {
            basis: AutomaticBasis::Specification { version, .. },
            credits: granted,
            ..
        } = after
        else {
            panic!("expected automatic")
        };
        assert_eq!((version.get(), granted), (2, credits("1.5")));
        let history = catalogue.history(SpecificationId::new(1)).unwrap();
        assert_eq!(
            history.version(Version::FIRST).unwrap().value().credits(),
            credits("2")
        );

        let unchanged = parse(SpecificationDraft {
            credits: Some(credits("1.5")),
            ..calligraphy_draft()
        })
        .unwrap();
        assert!(catalogue.publish(unchanged, date!(2025 - 10 - 01)).is_err());
    }

    #[test]
    fn a_retitled_specification_no_longer_matches_its_old_title() {
        let mut catalogue = catalogue_of(vec![calligraphy_draft()]);
        let retitled = parse(SpecificationDraft {
            title: title("书法（行书）"),
            ..calligraphy_draft()
        })
        .unwrap();
        catalogue.publish(retitled, date!(2025 - 01 - 01)).unwrap();
        assert_eq!(catalogue.len(), 1);
        assert!(!catalogue.is_empty());
        let recognition = recognise(
            &submitted_calligraphy(),
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        );
        assert!(matches!(recognition, Recognition::Review { .. }));
    }

    #[test]
    fn anything_but_an_exact_match_goes_to_review_with_reasons() {
        let catalogue = catalogue_of(vec![calligraphy_draft(), electrician_draft()]);
        let rules = NonFormalRules::common_default();
        let cases: Vec<(SubmittedOutcome, Difference)> = vec![
            (
                SubmittedOutcome {
                    hours: Some(hours(24)),
                    ..submitted_calligraphy()
                },
                Difference::Hours {
                    specification: hours(32),
                    outcome: Some(hours(24)),
                },
            ),
            (
                SubmittedOutcome {
                    hours: None,
                    ..submitted_calligraphy()
                },
                Difference::Hours {
                    specification: hours(32),
                    outcome: None,
                },
            ),
            (
                SubmittedOutcome {
                    provider: provider(11),
                    ..submitted_calligraphy()
                },
                Difference::Provider {
                    specification: provider(10),
                    outcome: provider(11),
                },
            ),
            (
                SubmittedOutcome {
                    field: Some(Field::Topic(Topic::Health)),
                    ..submitted_calligraphy()
                },
                Difference::Field {
                    specification: Some(Field::Topic(Topic::CultureAndArts)),
                    outcome: Field::Topic(Topic::Health),
                },
            ),
            (
                SubmittedOutcome {
                    grade: Some(VocationalGrade::Five),
                    ..submitted_calligraphy()
                },
                Difference::Grade {
                    specification: None,
                    outcome: Some(VocationalGrade::Five),
                },
            ),
        ];
        for (outcome, expected) in cases {
            match recognise(&outcome, &catalogue, &rules, &Accreditations::new()) {
                Recognition::Review {
                    closest,
                    general_rule_credits,
                } => {
                    assert_eq!(closest[0].spec, SpecificationId::new(1));
                    assert_eq!(closest[0].differences, vec![expected.clone()]);
                    assert!(!expected.to_string().is_empty());
                    assert_eq!(
                        general_rule_credits,
                        outcome
                            .hours
                            .map(|h| rules.for_kind(outcome.kind).unwrap().credits_for(h))
                    );
                }
                other => panic!("expected review for {expected:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_field_the_submission_does_not_name_is_not_a_difference() {
        let catalogue = catalogue_of(vec![calligraphy_draft()]);
        let outcome = SubmittedOutcome {
            field: Some(Field::Topic(Topic::CultureAndArts)),
            ..submitted_calligraphy()
        };
        let rules = NonFormalRules::common_default();
        assert!(matches!(
            recognise(&outcome, &catalogue, &rules, &Accreditations::new()),
            Recognition::Automatic { .. }
        ));
        assert!(matches!(
            recognise(
                &submitted_calligraphy(),
                &catalogue,
                &rules,
                &Accreditations::new()
            ),
            Recognition::Automatic { .. }
        ));
    }

    #[test]
    fn two_exact_matches_are_ambiguous() {
        let twin = SpecificationDraft {
            id: SpecificationId::new(3),
            field: Some(Field::Topic(Topic::HistoryAndHeritage)),
            ..calligraphy_draft()
        };
        let catalogue = catalogue_of(vec![calligraphy_draft(), twin]);
        match recognise(
            &submitted_calligraphy(),
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        ) {
            Recognition::Review { closest, .. } => {
                assert_eq!(closest.len(), 2);
                assert_eq!(
                    closest[0].differences,
                    vec![Difference::AlsoMatches {
                        other: SpecificationId::new(3)
                    }]
                );
                assert_eq!(closest[1].spec, SpecificationId::new(3));
            }
            other => panic!("expected review, got {other:?}"),
        }
    }

    #[test]
    fn the_closest_are_ranked_by_distance_then_similarity_then_id() {
        let mut drafts = vec![calligraphy_draft(), electrician_draft()];
        for (id, name) in [
            (4, "书法（隶书）"),
            (5, "国画"),
            (6, "书法（楷书）提高班"),
            (7, "合唱"),
        ] {
            drafts.push(SpecificationDraft {
                id: SpecificationId::new(id),
                title: title(name),
                ..calligraphy_draft()
            });
        }
        let catalogue = catalogue_of(drafts);
        let outcome = SubmittedOutcome {
            title: title("书法（楷书）入门"),
            ..submitted_calligraphy()
        };
        let Recognition::Review { closest, .. } = recognise(
            &outcome,
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        ) else {
            panic!("expected review")
        };
        let ids: Vec<i64> = closest.iter().map(|c| c.spec.get()).collect();
        // All differ by title only (weight 4): most similar title first (书法（楷书） shares all
        // its pairs, 书法（楷书）提高班 five of eight, 书法（隶书） three); the certificate (another
        // kind, no shared character pair) is not shown.
        assert_eq!(ids[..3], [1, 6, 4]);
        assert!(!ids.contains(&2));
        assert!(closest.len() <= CLOSEST_LIMIT);
    }

    #[test]
    fn ties_in_distance_and_similarity_go_to_the_lower_id() {
        let drafts = [(9, 12), (8, 11)]
            .into_iter()
            .map(|(id, institution)| SpecificationDraft {
                id: SpecificationId::new(id),
                provider: provider(institution),
                title: title("国画"),
                ..calligraphy_draft()
            })
            .collect();
        let catalogue = catalogue_of(drafts);
        assert_eq!(
            catalogue
                .current()
                .map(|p| p.value().id().get())
                .collect::<Vec<_>>(),
            vec![8, 9]
        );
        let outcome = SubmittedOutcome {
            title: title("国画入门"),
            ..submitted_calligraphy()
        };
        let Recognition::Review { closest, .. } = recognise(
            &outcome,
            &catalogue,
            &NonFormalRules::common_default(),
            &Accreditations::new(),
        ) else {
            panic!("expected review")
        };
        assert_eq!(
            closest.iter().map(|c| c.spec.get()).collect::<Vec<_>>(),
            vec![8, 9]
        );
        assert_eq!(closest[0].differences.len(), 2, "title and provider");
    }

    #[test]
    fn similarity_counts_shared_character_pairs() {
        assert_eq!(similarity(&character_pairs("书法"), "书法"), 1000);
        assert_eq!(similarity(&character_pairs("书法"), "国画"), 0);
        assert_eq!(similarity(&character_pairs("a"), "a"), 1000);
        assert_eq!(similarity(&character_pairs("abc"), "abd"), 500);
    }

    #[test]
    fn reviewers_accept_with_a_consistent_category() {
        let outcome = submitted_calligraphy();
        let acceptance = ReviewAcceptance {
            level: level(2),
            credits: credits("1"),
            category: OutcomeCategory::VocationalTraining,
            validity: ValidityTerm::years(3).unwrap(),
        };
        let held = acceptance
            .recognised_outcome(OutcomeId::new(9), &outcome)
            .unwrap();
        assert_eq!(held.validity.until(), Some(date!(2028 - 06 - 29)));
        let academic = ReviewAcceptance {
            category: OutcomeCategory::Academic,
            ..acceptance.clone()
        };
        assert_eq!(
            academic
                .recognised_outcome(OutcomeId::new(9), &outcome)
                .unwrap_err()
                .field,
            "category"
        );
        let graded = SubmittedOutcome {
            grade: Some(VocationalGrade::Two),
            ..outcome.clone()
        };
        assert!(
            acceptance
                .recognised_outcome(OutcomeId::new(9), &graded)
                .is_err()
        );
        let ungraded_certificate = SubmittedOutcome {
            kind: OutcomeKind::VocationalCertificate,
            ..outcome
        };
        let training = ReviewAcceptance {
            category: OutcomeCategory::VocationalTraining,
            ..acceptance
        };
        assert!(
            training
                .recognised_outcome(OutcomeId::new(9), &ungraded_certificate)
                .is_err()
        );
    }
}
