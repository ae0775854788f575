//! The demo city's credit bank (SPEC C3): outcome specifications of its teaching institutions,
//! about twenty learning outcomes per learner over the ten years before [`REFERENCE_DATE`], and
//! the recognition decisions on them.
//!
//! What is modelled on Shanghai's bank (2021: about 4.3 million learners' records and 85 million
//! outcomes, about 20 a learner, in three categories): outcomes of seven kinds in the academic,
//! vocational-training and culture-and-leisure categories, the last recorded but never converted
//! to academic credit. Who learns what follows age at the time of learning: at 60 and over mostly
//! community and elder-education courses and venue learning; before 60 more MOOCs, trainings,
//! vocational certificates and open-university degree courses. Everything else (titles, hours,
//! scores, certificate numbers, who reviewed what and when) is made up.
//!
//! Recognition is generated the way the bank decides it: an outcome that matches a published
//! specification exactly (same provider, kind, title, hours, grade and, when named, field) is
//! recognised automatically when submitted, by the version in force at that moment, and is
//! granted what that version grants; every other outcome goes to a reviewer (the demo
//! credit-bank login), who accepts most (following the closest specification or the general
//! hours rule) and rejects some with a reason; those submitted shortly before
//! [`REFERENCE_DATE`], or waiting for more evidence, are still in review.
//!
//! Determinism: [`CreditBank::new`] and [`OutcomeGenerator`] are pure functions of the city (its
//! seed and scale) and of the ids the store gave the specifications and the demo logins.
//!
//! Architecture invariant: outcomes are generated learner by learner, in batches, never all at
//! once: memory does not grow with the scale.

mod catalogue;
mod outcomes;
mod standards;

use time::{Date, OffsetDateTime};
use xc_domain::credit::SpecificationId;
use xc_domain::{InstitutionId, UserId};
use xc_store::SpecificationContent;

pub use outcomes::{OutcomeBatch, OutcomeGenerator};

#[cfg(test)]
mod tests;

use crate::random::shanghai_time;
use crate::{GeneratedCity, REFERENCE_DATE};

/// One outcome specification the generator publishes: version 1 and, for some, a revision.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedSpecification {
    /// The id a fresh store gives it (publication order from 1); [`CreditBank::set_id`] records
    /// the id the store actually gave.
    pub id: SpecificationId,
    pub provider: InstitutionId,
    /// The provider's own code (unique per provider).
    pub code: String,
    /// Oldest first.
    pub versions: Vec<PlannedVersion>,
}

/// One version of a [`GeneratedSpecification`], with when it was published.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedVersion {
    pub content: SpecificationContent,
    pub published_at: OffsetDateTime,
}

impl GeneratedSpecification {
    /// The version in force at `at` (1-based) and its content: the latest published by then.
    pub fn version_at(&self, at: OffsetDateTime) -> (u32, &PlannedVersion) {
        let index = self
            .versions
            .iter()
            .rposition(|version| version.published_at <= at)
            .unwrap_or(0);
        (index as u32 + 1, &self.versions[index])
    }
}

/// Who the generated outcomes are submitted and reviewed by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BankStaff {
    /// The credit-bank reviewer of every reviewed outcome. Without one, every outcome that needs
    /// a reviewer is still in review.
    pub reviewer: Option<UserId>,
    /// The demo provider login and its institution: outcomes of that institution name it as
    /// their submitter.
    pub provider: Option<(InstitutionId, UserId)>,
}

/// The demo bank's standards and what its providers offer: everything outcome generation needs
/// besides the learners.
#[derive(Debug, Clone)]
pub struct CreditBank {
    standards: standards::Standards,
}

impl CreditBank {
    /// The specifications and offers of `city`'s institutions.
    pub fn new(city: &GeneratedCity) -> Self {
        Self {
            standards: standards::generate(city),
        }
    }

    /// Every specification to publish, in publication order.
    pub fn specifications(&self) -> &[GeneratedSpecification] {
        &self.standards.specifications
    }

    /// Records the id the store gave the `index`th specification.
    pub fn set_id(&mut self, index: usize, id: SpecificationId) {
        self.standards.specifications[index].id = id;
    }

    /// The outcomes of `city`'s learners, in batches.
    pub fn outcomes(&self, city: &GeneratedCity, staff: BankStaff) -> OutcomeGenerator {
        OutcomeGenerator::new(city, self.clone(), staff)
    }
}

/// The last moment the generated city describes: 21:00 in Shanghai on [`REFERENCE_DATE`] (when
/// the last learners registered). Nothing is submitted or decided after it.
pub fn reference_end() -> OffsetDateTime {
    shanghai_time(REFERENCE_DATE, 21 * 3_600)
}

/// The first day an outcome may have been achieved on: ten years before [`REFERENCE_DATE`].
pub fn first_achievement_day() -> Date {
    REFERENCE_DATE
        .replace_year(REFERENCE_DATE.year() - 10)
        .unwrap_or(REFERENCE_DATE)
        .next_day()
        .unwrap_or(REFERENCE_DATE)
}
