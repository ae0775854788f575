//! The recognition standards in force: every published version of every outcome specification
//! (as the domain's catalogue), the general hours rules for non-formal learning and the
//! vocational grade mapping; and publishing a new specification version.
//!
//! The points policy recognition awards under is [`crate::points::default_policy`] for now. The
//! general rules and the grade mapping are the domain's defaults
//! ([`NonFormalRules::common_default`], [`GradeMapping::national_default`]) until the bank
//! publishes its own versions.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use xc_domain::credit::{
    ContactHours, Credits, Field, FrameworkLevel, GradeMapping, NonFormalRules, OutcomeCategory,
    OutcomeKind, OutcomeSpecification, OutcomeTitle, PointsPolicy, Recognition,
    SpecificationCatalogue, SpecificationDraft, SpecificationId, SubmittedOutcome, ValidityTerm,
    Version, VocationalGrade, recognise, recognise_automatically,
};
use xc_domain::{InstitutionId, Invalid, UserId};
use xc_store::{
    AuditEvent, AutomaticRecognition, Grant, SpecificationContent, SpecificationTarget,
    SpecificationVersion, Store,
};

use crate::BankError;

/// The standards recognition runs against. Cheap to share behind an `Arc`; reload after
/// publishing.
#[derive(Debug, Clone)]
pub struct Standards {
    catalogue: SpecificationCatalogue,
    general_rules: NonFormalRules,
    grades: GradeMapping,
    codes: BTreeMap<SpecificationId, (InstitutionId, String)>,
    points: PointsPolicy,
}

impl Default for Standards {
    fn default() -> Self {
        Self {
            catalogue: SpecificationCatalogue::new(),
            general_rules: NonFormalRules::common_default(),
            grades: GradeMapping::national_default(),
            codes: BTreeMap::new(),
            points: crate::points::default_policy(),
        }
    }
}

impl Standards {
    /// Every specification version the store holds, in publication order.
    pub async fn load(store: &dyn Store) -> Result<Self, BankError> {
        let versions = store.list_specification_versions().await?;
        Self::from_versions(&versions)
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
            let spec = OutcomeSpecification::restore(draft_of(
                stored.id,
                stored.provider,
                &stored.content,
            ))
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

    /// The provider's own code of a specification.
    pub fn code_of(&self, id: SpecificationId) -> Option<&str> {
        self.codes.get(&id).map(|(_, code)| code.as_str())
    }

    pub fn recognise(&self, outcome: &SubmittedOutcome) -> Recognition {
        recognise(outcome, &self.catalogue, &self.general_rules)
    }

    /// The automatic recognition of `outcome`, if one specification matches it exactly.
    /// Only the exact look-up, not the ranking of close specifications `recognise` does for a
    /// reviewer: this is what batch imports call for every row.
    pub fn automatic(&self, outcome: &SubmittedOutcome) -> Option<AutomaticRecognition> {
        recognise_automatically(outcome, &self.catalogue)
            .as_ref()
            .and_then(automatic_of)
    }
}

/// What an automatic recognition stores; `None` for an outcome that needs review.
pub fn automatic_of(recognition: &Recognition) -> Option<AutomaticRecognition> {
    match recognition {
        Recognition::Automatic {
            spec,
            version,
            level,
            credits,
            category,
            validity,
        } => Some(AutomaticRecognition {
            specification: *spec,
            version: *version,
            grant: Grant {
                category: *category,
                level: *level,
                credits: *credits,
                valid_until: validity.until(),
            },
            reason: format!("matches specification {spec} {version} exactly"),
        }),
        Recognition::Review { .. } => None,
    }
}

fn draft_of(
    id: SpecificationId,
    provider: InstitutionId,
    content: &SpecificationContent,
) -> SpecificationDraft {
    SpecificationDraft {
        id,
        provider,
        kind: content.kind,
        category: Some(content.category),
        title: content.title.clone(),
        hours: content.hours,
        grade: content.grade,
        level: Some(content.level),
        credits: Some(content.credits),
        field: content.field.clone(),
        validity: content.validity,
    }
}

fn content_of(spec: &OutcomeSpecification) -> SpecificationContent {
    SpecificationContent {
        kind: spec.kind(),
        category: spec.category(),
        title: spec.title().clone(),
        hours: spec.hours(),
        grade: spec.grade(),
        level: spec.level(),
        credits: spec.credits(),
        field: spec.field().cloned(),
        validity: spec.validity(),
    }
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
            let code_ok = !code.trim().is_empty()
                && code.chars().count() <= 64
                && !code.chars().any(char::is_control);
            if !code_ok {
                return Err(
                    Invalid::new("code", "a specification code has 1 to 64 characters").into(),
                );
            }
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
    let content = content_of(&spec);
    Ok(store
        .publish_specification(target, &content, published_at, published_by, audit)
        .await?)
}
