//! The demo-city generator: a believable learning city built on Shanghai's real geography, the
//! same for the same seed.
//!
//! What is real and what is made up:
//! - Real (embedded from `data/`, see `data/SOURCE.md`): the codes and names of the 16 districts,
//!   234 subdistricts and 6,509 neighbourhoods, the district centroids and the districts'
//!   residents at the 2020 census. The city's residents aged 60+ add up to the census figure
//!   (5,815,462) when the whole city is generated.
//! - Generated: how residents and residents aged 60+ split over subdistricts and neighbourhoods
//!   (the sums are exact); **every subdistrict centroid and neighbourhood position** (no free
//!   boundaries exist, so they are placed around the district centroid and flagged
//!   `centroid_generated` / `position_generated`); institutions, learning sites, teachers and
//!   learners with their names, addresses and phone numbers. Three city-level venues (上海博物馆,
//!   上海图书馆, 上海开放大学) are placed at approximate real coordinates. The credit bank's
//!   specifications, learning outcomes and recognition decisions ([`CreditBank`]; their
//!   proportions are modelled on Shanghai's bank, the rows are made up), and the xAPI
//!   statements the city's learning platforms reported about those outcomes
//!   ([`StatementGenerator`]).
//!
//! Determinism: [`generate_city`] and [`GeneratedCity::learners`] are pure functions of
//! [`GenerateOptions`] (ChaCha8 seeded from `seed`, one stream per stage and district, so one
//! district's numbers are the same at every scale). Only the sealed personal data differs between
//! runs: [`generate`] encrypts ID numbers and phone numbers with random nonces, so the
//! ciphertexts change while the look-up hashes (same key) and masked forms do not.
//! [`CreditBank::new`] and [`CreditBank::outcomes`] are pure functions of the city and of the ids
//! the store gives the specifications and the demo logins.
//!
//! Architecture invariants:
//! - Row generation never touches a store; [`generate`] is the only place that writes, and it
//!   writes only into an empty store.
//! - Learners are streamed in batches of [`LEARNER_BATCH`], outcomes (with their statements) in
//!   batches of whole learners of at least [`OUTCOME_BATCH`]: memory does not grow with the
//!   scale.
//! - Generated learners have no sign-in accounts; only the [`demo_logins`] have passwords.

mod credit;
mod demo;
mod geography;
mod learners;
mod names;
mod random;
mod reference;
mod sites;
mod statements;
mod teachers;
mod write;

use time::Date;
use time::macros::date;
use xc_domain::Invalid;
use xc_store::{District, Institution, Neighbourhood, Site, Subdistrict, Teacher};

pub use credit::{
    BankStaff, CreditBank, GeneratedSpecification, OutcomeBatch, OutcomeGenerator, PlannedVersion,
    first_achievement_day, reference_end,
};
pub use demo::{DEMO_PASSWORD, DemoLogin, demo_logins};
pub use learners::{GeneratedLearner, LearnerGenerator};
pub use statements::{HOME_PAGE, StatementGenerator};
pub use write::{GenerateError, GenerateReport, LEARNER_BATCH, OUTCOME_BATCH, Progress, generate};

/// The day the generated city describes: registrations end here and ages are counted from it.
/// Fixed, so that the same seed gives the same city on any day it is run.
pub const REFERENCE_DATE: Date = date!(2026 - 10 - 31);

/// How much city to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// One district (310101 黄浦区) with its real subdistricts and neighbourhoods, 1,000
    /// learners: what tests use.
    Tiny,
    /// The whole geography with 50,000 learners: the demo.
    District,
    /// The whole geography with 1,000,000 learners: the benchmark.
    City,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Tiny, Scale::District, Scale::City];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scale::Tiny => "tiny",
            Scale::District => "district",
            Scale::City => "city",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let wanted = text.trim().to_lowercase();
        Scale::ALL
            .into_iter()
            .find(|scale| scale.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "scale",
                    format!(
                        "'{}' is not a scale: expected one of {}",
                        text.trim(),
                        Scale::ALL.map(Scale::as_str).join(", ")
                    ),
                )
            })
    }

    /// How many learner accounts this scale generates.
    pub const fn learners(self) -> u64 {
        match self {
            Scale::Tiny => 1_000,
            Scale::District => 50_000,
            Scale::City => 1_000_000,
        }
    }

    /// The districts this scale covers (`None`: all of them).
    pub(crate) const fn only_district(self) -> Option<&'static str> {
        match self {
            Scale::Tiny => Some("310101"),
            Scale::District | Scale::City => None,
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Scale {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub scale: Scale,
    pub seed: u64,
    /// Whether to write the xAPI statement history too (`xuecheng generate --statements`). Off
    /// by default: at the district scale it is some 700,000 statements, which made the demo's
    /// first start several times longer.
    pub statements: bool,
}

impl GenerateOptions {
    pub fn new(scale: Scale, seed: u64) -> Self {
        Self {
            scale,
            seed,
            statements: false,
        }
    }

    /// The same, with the statement history.
    pub fn with_statements(self) -> Self {
        Self {
            statements: true,
            ..self
        }
    }
}

/// Everything of a generated city except its learners, which [`GeneratedCity::learners`]
/// produces as a stream. Ids start at 1 in every table.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedCity {
    pub options: GenerateOptions,
    pub districts: Vec<District>,
    pub subdistricts: Vec<Subdistrict>,
    pub neighbourhoods: Vec<Neighbourhood>,
    pub institutions: Vec<Institution>,
    pub sites: Vec<Site>,
    pub teachers: Vec<Teacher>,
    /// How many learners [`GeneratedCity::learners`] yields.
    pub learner_count: u64,
    /// The community-school institution of every subdistrict, in subdistrict order.
    pub(crate) community_schools: Vec<xc_domain::InstitutionId>,
}

impl GeneratedCity {
    /// The learners of this city, generated lazily in id order (1, 2, …).
    pub fn learners(&self) -> LearnerGenerator {
        LearnerGenerator::new(self)
    }

    /// The institution of the first subdistrict's community school (the demo provider's).
    pub fn first_community_school(&self) -> Option<xc_domain::InstitutionId> {
        self.community_schools.first().copied()
    }
}

/// Generates the geography, institutions, sites and teachers of the city (no IO, no sealing).
pub fn generate_city(options: &GenerateOptions) -> GeneratedCity {
    let reference = reference::shanghai();
    let geography = geography::generate(reference, options);
    let placed = sites::generate(&geography, options);
    let teachers = teachers::generate(&geography, &placed, options);
    GeneratedCity {
        options: *options,
        districts: geography.districts,
        subdistricts: geography.subdistricts,
        neighbourhoods: geography.neighbourhoods,
        institutions: placed.institutions,
        sites: placed.sites,
        teachers,
        learner_count: options.scale.learners(),
        community_schools: placed.community_schools,
    }
}

#[cfg(test)]
mod tests;
