//! The recognition standards in force: every published version of every outcome specification
//! (as the domain's catalogue), the general hours rules for non-formal learning and the
//! vocational grade mapping; and publishing a new specification version.
//!
//! The points policy awards are made under is the latest version the city published
//! ([`crate::points_policy`]), or [`crate::points::default_policy`] until there is one. The
//! general rules and the grade mapping are the newest published versions
//! ([`crate::general_rules`]); a kind with no version keeps [`NonFormalRules::common_default`]'s
//! rule and, before any mapping is published, [`GradeMapping::national_default`] applies.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use xc_domain::credit::{
    AccreditationStatus, Accreditations, AutomaticBasis, CloseSpecification, ContactHours, Credits,
    Field, FrameworkLevel, GradeMapping, NonFormalRule, NonFormalRules, OutcomeCategory,
    OutcomeKind, OutcomeSpecification, OutcomeTitle, PointsPolicy, Recognition,
    SpecificationCatalogue, SpecificationDraft, SpecificationId, SubmittedOutcome, ValidityTerm,
    Version, VocationalGrade, recognise, recognise_automatically,
};
use xc_domain::{InstitutionId, Invalid, UserId};
use xc_store::{
    AuditEvent, AutomaticRecognition, AutomaticRule, GeneralRuleRef, Grant, SpecificationContent,
    SpecificationTarget, SpecificationVersion, Store,
};

use crate::BankError;
use crate::general_rules::GeneralRuleHistory;

/// The standards recognition runs against. Cheap to share behind an `Arc`; reload after
/// publishing.
#[derive(Debug, Clone)]
pub struct Standards {
    catalogue: SpecificationCatalogue,
    general_rules: NonFormalRules,
    grades: GradeMapping,
    codes: BTreeMap<SpecificationId, (InstitutionId, String)>,
    points: PointsPolicy,
    /// The version in force of each kind's general rule (absent: the default).
    general_rule_versions: BTreeMap<OutcomeKind, Version>,
    /// The version in force of the grade mapping (`None`: the default).
    grades_version: Option<Version>,
    /// The register of accredited providers.
    accreditations: Accreditations,
    /// The stored version of `points`; `None` for the built-in default.
    points_version: Option<Version>,
}

impl Default for Standards {
    fn default() -> Self {
        Self {
            catalogue: SpecificationCatalogue::new(),
            general_rules: NonFormalRules::common_default(),
            grades: GradeMapping::national_default(),
            codes: BTreeMap::new(),
            points: crate::points::default_policy(),
            general_rule_versions: BTreeMap::new(),
            grades_version: None,
            accreditations: Accreditations::new(),
            points_version: None,
        }
    }
}

impl Standards {
    /// Every specification version the store holds, in publication order, the newest version
    /// of each general rule, the register of accredited providers and the points policy in
    /// force.
    pub async fn load(store: &dyn Store) -> Result<Self, BankError> {
        let versions = store.list_specification_versions().await?;
        let history = crate::general_rules::load_history(store).await?;
        let accreditations = crate::accreditation::register(&store.list_accreditations().await?);
        let standards = Self::from_versions(&versions)?
            .with_general_rules(&history)
            .with_accreditations(accreditations);
        let in_force = crate::points_policy::policy_in_force(store).await?;
        Ok(standards.with_points_policy(in_force.policy, in_force.version))
    }

    /// The same standards with `policy` as the points policy in force (`version` its stored
    /// version; `None` for one never stored).
    pub fn with_points_policy(mut self, policy: PointsPolicy, version: Option<Version>) -> Self {
        self.points = policy;
        self.points_version = version;
        self
    }

    /// The same standards with `accreditations` as the register of accredited providers.
    pub fn with_accreditations(mut self, accreditations: Accreditations) -> Self {
        self.accreditations = accreditations;
        self
    }

    /// Where `provider` stands in the register on `day`.
    pub fn accreditation(&self, provider: InstitutionId, day: time::Date) -> AccreditationStatus {
        self.accreditations.status(provider, day)
    }

    /// The same standards with the newest version of each general rule in `history` in force.
    pub fn with_general_rules(mut self, history: &GeneralRuleHistory) -> Self {
        let mut rules: BTreeMap<OutcomeKind, NonFormalRule> = NonFormalRules::common_default()
            .iter()
            .map(|rule| (rule.kind(), rule.clone()))
            .collect();
        for (kind, versions) in &history.nonformal {
            if let Some(newest) = versions.last() {
                match &newest.value {
                    Some(rule) => rules.insert(*kind, rule.clone()),
                    None => rules.remove(kind),
                };
                self.general_rule_versions.insert(*kind, newest.version);
            }
        }
        // The rules come from `NonFormalRules` (one per kind) or were checked when published,
        // one per kind: `new` cannot refuse them.
        self.general_rules = NonFormalRules::new(rules.into_values().collect())
            .unwrap_or_else(|_| NonFormalRules::common_default());
        if let Some(newest) = history.grades.last() {
            self.grades = newest.value.clone();
            self.grades_version = Some(newest.version);
        }
        self
    }

    /// The published version of `kind`'s general rule in force; `None` while the domain's
    /// default applies.
    pub fn general_rule_version(&self, kind: OutcomeKind) -> Option<Version> {
        self.general_rule_versions.get(&kind).copied()
    }

    /// The published version of the grade mapping in force; `None` while the default applies.
    pub fn grades_version(&self) -> Option<Version> {
        self.grades_version
    }

    pub fn from_versions(versions: &[SpecificationVersion]) -> Result<Self, BankError> {
        let mut standards = Standards::default();
        for stored in versions {
            let corrupt = |reason: String| {
                BankError::Corrupt(format!(
                    "specification {} version {}: {reason}",
                    stored.id, stored.version
                ))
            };
            let spec =
                OutcomeSpecification::restore(stored.content.draft(stored.id, stored.provider))
                    .map_err(|invalid| corrupt(invalid.to_string()))?;
            let version = standards
                .catalogue
                .publish(spec, stored.published_at.date())
                .map_err(|invalid| corrupt(invalid.to_string()))?;
            if version != stored.version {
                return Err(corrupt(format!(
                    "versions are not consecutive (expected {version})"
                )));
            }
            standards
                .codes
                .insert(stored.id, (stored.provider, stored.code.clone()));
        }
        Ok(standards)
    }

    pub fn catalogue(&self) -> &SpecificationCatalogue {
        &self.catalogue
    }

    pub fn general_rules(&self) -> &NonFormalRules {
        &self.general_rules
    }

    pub fn grades(&self) -> &GradeMapping {
        &self.grades
    }

    /// The points policy recognition awards under (the default until the city sets its own).
    pub fn points_policy(&self) -> &PointsPolicy {
        &self.points
    }

    /// The stored version of the points policy in force; `None` for the built-in default.
    pub fn points_policy_version(&self) -> Option<Version> {
        self.points_version
    }

    /// The provider's own code of a specification.
    pub fn code_of(&self, id: SpecificationId) -> Option<&str> {
        self.codes.get(&id).map(|(_, code)| code.as_str())
    }

    pub fn recognise(&self, outcome: &SubmittedOutcome) -> Recognition {
        recognise(
            outcome,
            &self.catalogue,
            &self.general_rules,
            &self.accreditations,
        )
    }

    /// The automatic recognition of `outcome`, if one specification matches it exactly.
    /// What a reviewer compares an outcome with, given how it is recognised: the closest
    /// specifications first, each with the version the recognition names, and what the general
    /// hours rule would give. An automatic recognition (the standards changed since the outcome
    /// went to review) shows its one exact match.
    pub fn candidates(&self, recognition: &Recognition) -> Candidates {
        let (closest, general_rule_credits) = match recognition {
            Recognition::Review {
                closest,
                general_rule_credits,
            } => (closest.clone(), *general_rule_credits),
            Recognition::Automatic {
                basis: AutomaticBasis::Specification { spec, version },
                ..
            } => (
                vec![CloseSpecification {
                    spec: *spec,
                    version: *version,
                    differences: Vec::new(),
                }],
                None,
            ),
            Recognition::Automatic {
                basis: AutomaticBasis::GeneralRule { .. },
                credits,
                ..
            } => (Vec::new(), Some(*credits)),
        };
        let closest = closest
            .into_iter()
            .filter_map(|close| {
                let spec = self
                    .catalogue
                    .history(close.spec)?
                    .version(close.version)?
                    .value()
                    .clone();
                Some((close, spec))
            })
            .collect();
        Candidates {
            closest,
            general_rule_credits,
        }
    }

    /// Only the exact look-up (and the general rule), not the ranking of close specifications
    /// `recognise` does for a reviewer: this is what batch imports call for every row.
    pub fn automatic(&self, outcome: &SubmittedOutcome) -> Option<AutomaticRecognition> {
        recognise_automatically(
            outcome,
            &self.catalogue,
            &self.general_rules,
            &self.accreditations,
        )
        .as_ref()
        .and_then(|recognition| self.automatic_of(recognition))
    }

    /// What the store records of an automatic recognition under these standards (the general
    /// rule named with the version in force); `None` for a review.
    pub fn automatic_of(&self, recognition: &Recognition) -> Option<AutomaticRecognition> {
        automatic_of(recognition, |kind| self.general_rule_version(kind))
    }
}

/// See [`Standards::candidates`].
#[derive(Debug, Clone)]
pub struct Candidates {
    pub closest: Vec<(CloseSpecification, OutcomeSpecification)>,
    pub general_rule_credits: Option<Credits>,
}

/// What an automatic recognition stores, naming a general rule with the version
/// `general_rule_version` gives for its kind; `None` for an outcome that needs review.
pub fn automatic_of(
    recognition: &Recognition,
    general_rule_version: impl Fn(OutcomeKind) -> Option<Version>,
) -> Option<AutomaticRecognition> {
    let Recognition::Automatic {
        basis,
        level,
        credits,
        category,
        validity,
    } = recognition
    else {
        return None;
    };
    let (rule, reason) = match *basis {
        AutomaticBasis::Specification { spec, version } => (
            AutomaticRule::Specification {
                specification: spec,
                version,
            },
            format!("matches specification {spec} {version} exactly"),
        ),
        AutomaticBasis::GeneralRule { kind } => {
            let rule = GeneralRuleRef {
                kind,
                version: general_rule_version(kind),
            };
            (
                AutomaticRule::GeneralRule(rule),
                format!(
                    "non-formal hours of a provider accredited on the day, under the general rule {rule}"
                ),
            )
        }
    };
    Some(AutomaticRecognition {
        rule,
        grant: Grant {
            category: *category,
            level: *level,
            credits: *credits,
            valid_until: validity.until(),
        },
        reason,
    })
}

/// A specification as staff fill it in. Level, category and credits may be left for the
/// standards to derive (see [`OutcomeSpecification::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationInput {
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

/// Publishes version 1 of a new specification (`target` New) or the next version of an existing
/// one, after the domain has checked it against `standards`; refuses a new version that changes
/// nothing or moves the specification to another provider. Returns the id and version; the
/// caller reloads its standards.
pub async fn publish_specification(
    store: &dyn Store,
    standards: &Standards,
    target: &SpecificationTarget,
    input: SpecificationInput,
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: &AuditEvent,
) -> Result<(SpecificationId, Version), BankError> {
    let (id, provider) = match target {
        SpecificationTarget::New { provider, code } => {
            crate::check_label("code", code, 64, "a specification code")?;
            // Not stored: the store assigns the id.
            (SpecificationId::new(i64::MAX), *provider)
        }
        SpecificationTarget::Existing(id) => {
            let (provider, _) = standards.codes.get(id).ok_or(BankError::Store(
                xc_store::StoreError::NotFound {
                    what: "specification",
                },
            ))?;
            (*id, *provider)
        }
    };
    let draft = SpecificationDraft {
        id,
        provider,
        kind: input.kind,
        category: input.category,
        title: input.title,
        hours: input.hours,
        grade: input.grade,
        level: input.level,
        credits: input.credits,
        field: input.field,
        validity: input.validity,
    };
    let spec = OutcomeSpecification::parse(draft, &standards.grades, &standards.general_rules)?;
    if let SpecificationTarget::Existing(id) = target
        && let Some(history) = standards.catalogue.history(*id)
        && history.current().value() == &spec
    {
        return Err(Invalid::new(
            "specification",
            "nothing changed: a new version must differ from the current one",
        )
        .into());
    }
    let content = SpecificationContent::of(&spec);
    Ok(store
        .publish_specification(target, &content, published_at, published_by, audit)
        .await?)
}
