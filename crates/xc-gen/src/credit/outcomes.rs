//! Learning outcomes and recognition decisions, learner by learner.
//!
//! For each learner: how many outcomes (a gamma–Poisson draw around a mean that grows with age:
//! 9 under 25, 16 from 25 to 59, 24 from 60, so the city averages about 20 and a few learners
//! have many), whether they study for an open-university degree (one in five from 25 to 44,
//! fewer younger and older; a few courses a term, the degree if they finish in time), then each
//! other outcome: the day (years weighted towards recent ones, long community courses
//! ending with the spring or autumn term), the kind (by age on that day), the provider (the
//! learner's community school, the district's college, elder university, library, museums,
//! training organisations and employers, or a city-level institution), what was learned
//! (an offer of that provider, preferring the learner's interests), and whether it matches a
//! specification exactly or differs (other hours, a class code for the field, a grade or course
//! without specification). Matching outcomes are recognised on submission; the others are decided
//! by the reviewer after a delay (most in days, some waiting months for more evidence) or are
//! still in review at the end; the demo provider's last four months of such outcomes all wait,
//! so its queue is never empty.
//!
//! Everything is drawn in the same order whoever the staff are: the reviewer and the demo
//! provider's login change statuses, decisions and submitters, never the outcomes themselves.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, Month, OffsetDateTime};
use xc_domain::credit::{
    AutomaticBasis, ContactHours, DecisionId, DisciplineCode, Evidence, EvidenceKind, Field, Marks,
    NonFormalRules, OutcomeId, OutcomeKind, OutcomeTitle, Recognition, Score, SubmittedOutcome,
    Version,
};
use xc_domain::{DistrictCode, InstitutionId, LearnerId, SubdistrictCode, Topic};
use xc_store::{DecisionBasis, DecisionRecord, Grant, OutcomeRecord, OutcomeStatus};

use super::catalogue::Rejection;
use super::standards::{Offer, Role, Standards};
use super::{BankStaff, CreditBank, first_achievement_day, reference_end};
use crate::learners::{GeneratedLearner, LearnerGenerator};
use crate::random::{
    Stream, WeightedTable, between, chance, day_between, shanghai_time, stream_rng, uniform,
};
use crate::{GeneratedCity, REFERENCE_DATE};

/// Achievements per year (2016 … 2026), before cutting to the ten-year window: the bank grew,
/// 2020 and 2022 lost terms to the pandemic.
const YEAR_WEIGHTS: [(i32, f64); 11] = [
    (2016, 5.0),
    (2017, 6.0),
    (2018, 7.0),
    (2019, 8.0),
    (2020, 6.0),
    (2021, 9.0),
    (2022, 7.0),
    (2023, 10.0),
    (2024, 11.0),
    (2025, 12.0),
    (2026, 12.0),
];

use OutcomeKind::*;

/// Which kinds people learn before 60 (other than degree courses, drawn per programme).
const YOUNGER_KINDS: [(OutcomeKind, f64); 5] = [
    (CommunityCourse, 0.16),
    (VenueLearning, 0.14),
    (Mooc, 0.34),
    (NonFormalTraining, 0.20),
    (VocationalCertificate, 0.16),
];
/// … and from 60.
const OLDER_KINDS: [(OutcomeKind, f64); 5] = [
    (CommunityCourse, 0.64),
    (VenueLearning, 0.20),
    (Mooc, 0.10),
    (NonFormalTraining, 0.05),
    (VocationalCertificate, 0.01),
];

/// The share of each kind's outcomes that match a specification exactly (when the provider has
/// one for it).
fn exact_share(kind: OutcomeKind) -> f64 {
    match kind {
        CommunityCourse => 0.78,
        VenueLearning => 0.72,
        Mooc => 0.86,
        NonFormalTraining => 0.70,
        VocationalCertificate => 0.80,
        AcademicCourse => 0.90,
        AcademicDegree => 0.92,
    }
}

/// The share of reviewed outcomes a reviewer rejects.
fn rejection_share(kind: OutcomeKind) -> f64 {
    match kind {
        VocationalCertificate => 0.2,
        AcademicCourse | AcademicDegree => 0.1,
        _ => 0.15,
    }
}

fn rejections(kind: OutcomeKind) -> &'static [Rejection] {
    use Rejection::*;
    match kind {
        CommunityCourse | VenueLearning => &[
            MissingEvidence,
            TooFewHours,
            Duplicate,
            NotLearning,
            IdentityMismatch,
        ],
        Mooc => &[FailedAssessment, Duplicate, IdentityMismatch],
        NonFormalTraining => &[MissingEvidence, FailedAssessment, TooFewHours, Duplicate],
        VocationalCertificate => &[CertificateUnverified, IdentityMismatch, Duplicate],
        AcademicCourse => &[FailedAssessment, TranscriptMismatch],
        AcademicDegree => &[TranscriptMismatch, IdentityMismatch],
    }
}

/// Mean outcomes of a learner by age at [`REFERENCE_DATE`] (before a degree programme's).
fn mean_outcomes(age: i32) -> f64 {
    match age {
        ..25 => 9.0,
        25..60 => 16.0,
        _ => 24.0,
    }
}

/// The chance that a learner of this age studied for an open-university degree.
fn student_share(age: i32) -> f64 {
    match age {
        ..25 => 0.16,
        25..45 => 0.22,
        45..60 => 0.08,
        _ => 0.01,
    }
}

/// One generated batch: the outcomes of whole learners, with the decisions on them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeBatch {
    /// How many learners' outcomes are complete with this batch, counting earlier batches.
    pub learners_done: u64,
    pub outcomes: Vec<OutcomeRecord>,
    pub decisions: Vec<DecisionRecord>,
}

/// The institutions a learner of one district learns at.
#[derive(Debug, Clone, Default)]
struct DistrictProviders {
    college: Vec<InstitutionId>,
    elder: Vec<InstitutionId>,
    library: Vec<InstitutionId>,
    museums: Vec<InstitutionId>,
    branch: Vec<InstitutionId>,
    vocational: Vec<InstitutionId>,
    language: Vec<InstitutionId>,
    art: Vec<InstitutionId>,
    employers: Vec<InstitutionId>,
}

/// Everything outcome generation reads and never changes.
#[derive(Debug, Clone)]
struct Context {
    standards: Standards,
    staff: BankStaff,
    rules: NonFormalRules,
    districts: HashMap<DistrictCode, DistrictProviders>,
    schools: HashMap<SubdistrictCode, InstitutionId>,
    open_university: Vec<InstitutionId>,
    city_elder: Vec<InstitutionId>,
    city_library: Vec<InstitutionId>,
    city_museum: Vec<InstitutionId>,
    no_district: DistrictProviders,
    first_day: Date,
    end: OffsetDateTime,
    years: WeightedTable,
    younger_kinds: WeightedTable,
    older_kinds: WeightedTable,
}

impl Context {
    fn offers(&self, provider: InstitutionId, kind: OutcomeKind) -> &[Offer] {
        self.standards
            .providers
            .get(provider.get() as usize - 1)
            .map_or(&[], |p| &p.offers[kind.index()][..])
    }

    fn role(&self, provider: InstitutionId) -> Role {
        self.standards.roles[provider.get() as usize - 1]
    }
}

/// The learner an outcome is generated for.
struct Learner<'a> {
    id: LearnerId,
    /// The first day they could have achieved something (16th birthday, or the window's start).
    start: Date,
    sixtieth: Date,
    providers: &'a DistrictProviders,
    school: Option<InstitutionId>,
    interests: &'a [Topic],
}

impl Learner<'_> {
    fn older_on(&self, day: Date) -> bool {
        day >= self.sixtieth
    }
}

/// How an outcome is to come out (forced for the demo citizen's showcase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// Drawn: exact by the kind's share, otherwise decided by time and chance.
    Drawn,
    Exact,
    Accepted,
    Rejected,
    Pending,
}

/// How an outcome relates to the offer it is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// As specified: an exact match, recognised automatically.
    Exact,
    /// Of a specified offer, but written differently (other hours, a class code, the grade in
    /// the title): a reviewer follows the specification.
    Differs,
    /// Of an offer without a specification: a reviewer decides by the general rules.
    Unlisted,
}

impl Shape {
    /// Exact with the kind's share when `offer` has a specification.
    fn drawn(rng: &mut ChaCha8Rng, offer: &Offer) -> Shape {
        match offer.spec {
            None => Shape::Unlisted,
            Some(_) if chance(rng, exact_share(offer.kind)) => Shape::Exact,
            Some(_) => Shape::Differs,
        }
    }
}

/// What happens to an outcome once submitted.
#[derive(Debug, Clone)]
enum Resolution {
    Automatic {
        spec: usize,
    },
    Accepted {
        decided_at: OffsetDateTime,
        follows: Option<(usize, u32)>,
        grant: Grant,
        reason: &'static str,
    },
    Rejected {
        decided_at: OffsetDateTime,
        follows: Option<(usize, u32)>,
        reason: Rejection,
    },
    InReview,
}

/// One outcome before it has its id.
struct Draft {
    serial: u64,
    learner: LearnerId,
    provider: InstitutionId,
    external_id: String,
    submitted: SubmittedOutcome,
    submitted_at: OffsetDateTime,
    resolution: Resolution,
}

/// The outcomes of a city's learners, in learner order, in batches (see
/// [`OutcomeGenerator::next_batch`]). Owns everything it needs, so it can run on another thread
/// than the one writing to the store.
#[derive(Debug, Clone)]
pub struct OutcomeGenerator {
    learners: LearnerGenerator,
    context: Context,
    rng: ChaCha8Rng,
    serial: u64,
    next_outcome: i64,
    next_decision: i64,
    learners_done: u64,
}

impl OutcomeGenerator {
    pub(crate) fn new(city: &GeneratedCity, bank: CreditBank, staff: BankStaff) -> Self {
        let standards = bank.standards;
        let mut districts: HashMap<DistrictCode, DistrictProviders> = HashMap::new();
        let mut open_university = Vec::new();
        let mut city_elder = Vec::new();
        let mut city_library = Vec::new();
        let mut city_museum = Vec::new();
        for (institution, role) in city.institutions.iter().zip(&standards.roles) {
            let id = institution.id;
            let Some(district) = &institution.district else {
                match role {
                    Role::OpenUniversity => open_university.push(id),
                    Role::ElderUniversity { .. } => city_elder.push(id),
                    Role::Library { .. } => city_library.push(id),
                    Role::Museum { .. } => city_museum.push(id),
                    _ => {}
                }
                continue;
            };
            let entry = districts.entry(district.clone()).or_default();
            let list = match role {
                Role::CommunityCollege => &mut entry.college,
                Role::ElderUniversity { .. } => &mut entry.elder,
                Role::Library { .. } => &mut entry.library,
                Role::Museum { .. } => &mut entry.museums,
                Role::OpenUniversityBranch => &mut entry.branch,
                Role::VocationalSchool => &mut entry.vocational,
                Role::LanguageSchool => &mut entry.language,
                Role::ArtSchool => &mut entry.art,
                Role::Employer => &mut entry.employers,
                _ => continue,
            };
            list.push(id);
        }
        let schools = city
            .subdistricts
            .iter()
            .zip(&city.community_schools)
            .map(|(subdistrict, school)| (subdistrict.code.clone(), *school))
            .collect();
        let first_day = first_achievement_day();
        let years = WeightedTable::new(YEAR_WEIGHTS.iter().map(|(year, weight)| {
            let (from, to) = year_bounds(*year, first_day, REFERENCE_DATE);
            weight * f64::from((to.to_julian_day() - from.to_julian_day() + 1).max(0)) / 365.0
        }));
        Self {
            learners: city.learners(),
            context: Context {
                standards,
                staff,
                rules: NonFormalRules::common_default(),
                districts,
                schools,
                open_university,
                city_elder,
                city_library,
                city_museum,
                no_district: DistrictProviders::default(),
                first_day,
                end: reference_end(),
                years,
                younger_kinds: WeightedTable::new(YOUNGER_KINDS.map(|(_, w)| w)),
                older_kinds: WeightedTable::new(OLDER_KINDS.map(|(_, w)| w)),
            },
            rng: stream_rng(city.options.seed, Stream::Outcomes, 0),
            serial: 0,
            next_outcome: 1,
            next_decision: 1,
            learners_done: 0,
        }
    }

    /// The outcomes of whole learners, at least `size` of them unless the learners run out;
    /// `None` when every learner's outcomes have been generated.
    pub fn next_batch(&mut self, size: usize) -> Option<OutcomeBatch> {
        if self.learners.remaining() == 0 {
            return None;
        }
        let mut batch = OutcomeBatch {
            learners_done: 0,
            outcomes: Vec::with_capacity(size + 64),
            decisions: Vec::with_capacity(size + 64),
        };
        while batch.outcomes.len() < size {
            let Some(learner) = self.learners.next() else {
                break;
            };
            self.learner_outcomes(&learner, &mut batch);
            self.learners_done += 1;
        }
        batch.learners_done = self.learners_done;
        Some(batch)
    }

    fn learner_outcomes(&mut self, learner: &GeneratedLearner, batch: &mut OutcomeBatch) {
        let context = &self.context;
        let rng = &mut self.rng;
        let birth = learner.national_id.birth_date();
        let sixteenth = add_years(birth, 16);
        let start = sixteenth.max(context.first_day);
        if start > REFERENCE_DATE {
            return;
        }
        let who = Learner {
            id: learner.id,
            start,
            sixtieth: add_years(birth, 60),
            providers: context
                .districts
                .get(&learner.district)
                .unwrap_or(&context.no_district),
            school: learner
                .subdistrict
                .as_ref()
                .and_then(|s| context.schools.get(s).copied()),
            interests: &learner.interests,
        };
        let age = REFERENCE_DATE.year() - birth.year();
        let showcase = learner.id.get() == 1;

        let mut drafts = Vec::new();
        let mut maker = Maker {
            context,
            rng,
            serial: &mut self.serial,
        };
        if chance(maker.rng, student_share(age)) || showcase {
            maker.programme(&who, &mut drafts);
        }
        let gamma = (exponential(maker.rng, 1.0) + exponential(maker.rng, 1.0)) / 2.0;
        let mut count = poisson(maker.rng, mean_outcomes(age) * gamma);
        if showcase {
            count = count.max(20);
        }
        for _ in 0..count {
            let day = maker.day(who.start);
            let kinds = if who.older_on(day) {
                (&context.older_kinds, &OLDER_KINDS)
            } else {
                (&context.younger_kinds, &YOUNGER_KINDS)
            };
            let kind = kinds.1[kinds.0.sample(maker.rng)].0;
            if let Some(draft) = maker.outcome(&who, kind, day, Path::Drawn) {
                drafts.push(draft);
            }
        }
        if showcase {
            maker.showcase(&who, &mut drafts);
        }

        drafts.sort_by_key(|d| (d.submitted.achieved_on, d.submitted_at, d.serial));
        for draft in drafts {
            self.emit(draft, batch);
        }
    }

    fn emit(&mut self, draft: Draft, batch: &mut OutcomeBatch) {
        let context = &self.context;
        let id = OutcomeId::new(self.next_outcome);
        self.next_outcome += 1;
        let specifications = &context.standards.specifications;
        let achieved_on = draft.submitted.achieved_on;
        let spec_version = |index: usize, version: u32| {
            (
                specifications[index].id,
                Version::new(version).expect("versions count from 1"),
            )
        };
        let (status, decision) = match draft.resolution {
            Resolution::Automatic { spec } => {
                // What the bank's automatic recognition stores, by the version in force when the
                // outcome was submitted.
                let specification = &specifications[spec];
                let (number, planned) = specification.version_at(draft.submitted_at);
                let content = &planned.content;
                let automatic = xc_bank::standards::automatic_of(
                    &Recognition::Automatic {
                        basis: AutomaticBasis::Specification {
                            spec: specification.id,
                            version: Version::new(number).expect("versions count from 1"),
                        },
                        level: content.level,
                        credits: content.credits,
                        category: content.category,
                        validity: content.validity.period_from(achieved_on),
                    },
                    |_| None,
                )
                .expect("an automatic recognition stores a decision");
                (
                    OutcomeStatus::Recognised,
                    Some((
                        draft.submitted_at,
                        DecisionBasis::from(automatic.rule),
                        Some(automatic.grant),
                        automatic.reason,
                    )),
                )
            }
            Resolution::Accepted {
                decided_at,
                follows,
                grant,
                reason,
            } => (
                OutcomeStatus::Recognised,
                context.staff.reviewer.map(|reviewer| {
                    (
                        decided_at,
                        DecisionBasis::Reviewer {
                            reviewer,
                            specification: follows.map(|(s, v)| spec_version(s, v)),
                        },
                        Some(grant),
                        reason.to_owned(),
                    )
                }),
            ),
            Resolution::Rejected {
                decided_at,
                follows,
                reason,
            } => (
                OutcomeStatus::Rejected,
                context.staff.reviewer.map(|reviewer| {
                    (
                        decided_at,
                        DecisionBasis::Reviewer {
                            reviewer,
                            specification: follows.map(|(s, v)| spec_version(s, v)),
                        },
                        None,
                        reason.reason().to_owned(),
                    )
                }),
            ),
            Resolution::InReview => (OutcomeStatus::InReview, None),
        };
        let (status, grant) = match &decision {
            Some((_, _, grant, _)) => (status, *grant),
            None => (OutcomeStatus::InReview, None),
        };
        let submitted_by = context
            .staff
            .provider
            .filter(|(institution, _)| *institution == draft.provider)
            .map(|(_, user)| user);
        batch.outcomes.push(OutcomeRecord {
            id,
            learner: draft.learner,
            external_id: draft.external_id,
            submitted: draft.submitted,
            status,
            grant,
            submitted_at: draft.submitted_at,
            submitted_by,
            batch: None,
        });
        if let Some((decided_at, basis, grant, reason)) = decision {
            batch.decisions.push(DecisionRecord {
                id: DecisionId::new(self.next_decision),
                outcome: id,
                decided_at,
                basis,
                grant,
                reason,
            });
            self.next_decision += 1;
        }
    }
}

/// Draws outcomes for one learner: the read-only context with the mutable random state.
struct Maker<'c, 'r> {
    context: &'c Context,
    rng: &'r mut ChaCha8Rng,
    serial: &'r mut u64,
}

impl Maker<'_, '_> {
    /// A day in the window (from `start`), recent years more likely.
    fn day(&mut self, start: Date) -> Date {
        let (year, _) = YEAR_WEIGHTS[self.context.years.sample(self.rng)];
        let (from, to) = year_bounds(year, start, REFERENCE_DATE);
        let (from, to) = if from > to {
            (start, REFERENCE_DATE)
        } else {
            (from, to)
        };
        day_between(self.rng, from, to)
    }

    /// The provider of an outcome of `kind` for this learner, among those offering it.
    fn provider(&mut self, who: &Learner, kind: OutcomeKind, older: bool) -> Option<InstitutionId> {
        let context = self.context;
        let district = who.providers;
        let school: &[InstitutionId] = who.school.as_slice();
        // Shares before 60 and from 60.
        let weight = |younger: f64, older_share: f64| if older { older_share } else { younger };
        let groups: Vec<(&[InstitutionId], f64)> = match kind {
            CommunityCourse => vec![
                (school, weight(0.60, 0.45)),
                (&district.college[..], weight(0.35, 0.12)),
                (&district.elder[..], weight(0.05, 0.33)),
                (&context.city_elder[..], weight(0.0, 0.10)),
            ],
            VenueLearning => vec![
                (&district.library[..], 0.35),
                (&district.museums[..], 0.25),
                (&context.city_library[..], 0.22),
                (&context.city_museum[..], 0.18),
            ],
            NonFormalTraining => vec![
                (&district.vocational[..], weight(0.35, 0.15)),
                (&district.language[..], weight(0.15, 0.20)),
                (&district.art[..], weight(0.10, 0.40)),
                (&district.employers[..], weight(0.30, 0.0)),
                (&district.branch[..], weight(0.10, 0.25)),
            ],
            VocationalCertificate => vec![
                (&district.vocational[..], 0.7),
                (&district.employers[..], weight(0.3, 0.05)),
            ],
            Mooc | AcademicCourse | AcademicDegree => vec![(&context.open_university[..], 1.0)],
        };
        let candidates: Vec<(InstitutionId, f64)> = groups
            .into_iter()
            .flat_map(|(ids, share)| {
                let each = share / ids.len().max(1) as f64;
                ids.iter().map(move |id| (*id, each))
            })
            .filter(|(id, share)| *share > 0.0 && !context.offers(*id, kind).is_empty())
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let table = WeightedTable::new(candidates.iter().map(|(_, w)| *w));
        Some(candidates[table.sample(self.rng)].0)
    }

    /// One offer of `provider`, weighted, preferring the learner's interests; only those with a
    /// specification (`listed`) or only those without.
    fn offer<'o>(&mut self, offers: &'o [Offer], who: &Learner, listed: bool) -> Option<&'o Offer> {
        let weights: Vec<f64> = offers
            .iter()
            .map(|offer| {
                if offer.spec.is_some() != listed {
                    return 0.0;
                }
                let liked = offer.topic.is_some_and(|t| who.interests.contains(&t));
                offer.weight * if liked { 3.0 } else { 1.0 }
            })
            .collect();
        if weights.iter().all(|w| *w <= 0.0) {
            return None;
        }
        Some(&offers[WeightedTable::new(weights).sample(self.rng)])
    }

    /// One outcome of `kind` achieved around `day` (a long community course moves to its term's
    /// end); `None` if no provider offers the kind.
    fn outcome(
        &mut self,
        who: &Learner,
        kind: OutcomeKind,
        day: Date,
        path: Path,
    ) -> Option<Draft> {
        let older = who.older_on(day);
        let (kind, provider) = match self.provider(who, kind, older) {
            Some(provider) => (kind, provider),
            // Every city has the open university's MOOCs.
            None => (Mooc, self.provider(who, Mooc, older)?),
        };
        let context = self.context;
        let offers = context.offers(provider, kind);
        let wants_exact = match path {
            Path::Drawn => chance(self.rng, exact_share(kind)),
            Path::Exact => true,
            Path::Accepted | Path::Rejected | Path::Pending => false,
        };
        let exact = if wants_exact {
            self.offer(offers, who, true)
        } else {
            None
        };
        let (offer, shape) = match exact {
            Some(offer) => (offer, Shape::Exact),
            None => {
                // Half the differing outcomes are something without a specification, half a
                // specified course written differently.
                let unlisted = if chance(self.rng, 0.5) {
                    self.offer(offers, who, false)
                } else {
                    None
                };
                match unlisted.or_else(|| self.offer(offers, who, true)) {
                    Some(offer) if offer.spec.is_some() => (offer, Shape::Differs),
                    Some(offer) => (offer, Shape::Unlisted),
                    None => (self.offer(offers, who, false)?, Shape::Unlisted),
                }
            }
        };
        let day = match (kind, offer.hours) {
            (CommunityCourse, Some(hours)) if hours.tenths() >= 240 => {
                term_end(self.rng, day, who.start)
            }
            _ => day,
        };
        Some(self.draft(who, provider, (offer, shape), day, path))
    }

    /// Builds the outcome of `offer` achieved on `day`, in the given shape.
    fn draft(
        &mut self,
        who: &Learner,
        provider: InstitutionId,
        (offer, shape): (&Offer, Shape),
        day: Date,
        path: Path,
    ) -> Draft {
        let context = self.context;
        let role = context.role(provider);
        let kind = offer.kind;
        let (day, submitted_at) = if path == Path::Pending {
            let recent = (REFERENCE_DATE - Duration::days(between(self.rng, 3, 40))).max(who.start);
            let submitted = recent + Duration::days(between(self.rng, 0, 2));
            (recent, office_time(self.rng, submitted.min(REFERENCE_DATE)))
        } else {
            (day, self.submission(day))
        };
        *self.serial += 1;
        let serial = *self.serial;
        let mut submitted = SubmittedOutcome {
            provider,
            kind,
            title: offer.title.clone(),
            hours: offer.hours,
            grade: offer.grade,
            field: if chance(self.rng, 0.65) {
                offer.field.clone()
            } else {
                None
            },
            achieved_on: day,
            score: self.score(kind, role),
            evidence: self.evidence(kind, role, day, serial, who.id),
        };
        let mut follows = None;
        if shape == Shape::Differs {
            follows = offer.spec;
            self.differ(&mut submitted, offer);
        }
        let external_id = format!("{}-{}-{serial:09}", prefix(role), day.year());

        let resolution = if shape == Shape::Exact {
            Resolution::Automatic {
                spec: offer.spec.expect("an exact match has a specification"),
            }
        } else {
            self.review(&mut submitted, offer, follows, submitted_at, path, provider)
        };
        Draft {
            serial,
            learner: who.id,
            provider,
            external_id,
            submitted,
            submitted_at,
            resolution,
        }
    }

    /// Makes `submitted` differ from the specification of `offer`, the way providers' data
    /// differs in practice.
    fn differ(&mut self, submitted: &mut SubmittedOutcome, offer: &Offer) {
        let class_code = match &offer.field {
            Some(Field::Discipline(code)) if code.as_str().len() >= 4 => {
                let class = &code.as_str()[..code.as_str().len().min(6) - 2];
                DisciplineCode::parse(class).ok().map(Field::Discipline)
            }
            _ => None,
        };
        match (offer.kind, offer.hours, class_code) {
            // The field written as its class (1204 for 120402).
            (AcademicCourse | AcademicDegree | Mooc, _, Some(class))
                if offer.kind == AcademicDegree || chance(self.rng, 0.5) =>
            {
                submitted.field = Some(class);
            }
            // The grade written into the title.
            (VocationalCertificate, _, _) => {
                let grade = offer.grade.map_or("", |g| g.title_zh());
                submitted.title = OutcomeTitle::parse(&format!("{}（{grade}）", offer.title))
                    .unwrap_or_else(|_| offer.title.clone());
            }
            (_, Some(hours), _) => {
                let whole = hours.tenths() / 10;
                let other = match between(self.rng, 0, 3) {
                    0 => None,
                    1 => Some(whole * 3 / 4),
                    2 => Some(whole / 2),
                    _ => Some(whole + 8),
                };
                submitted.hours = other
                    .filter(|h| *h > 0 && *h != whole)
                    .and_then(ContactHours::whole);
            }
            (_, None, _) => {
                submitted.title = OutcomeTitle::parse(&format!("{}（补录）", offer.title))
                    .unwrap_or_else(|_| offer.title.clone());
            }
        }
    }

    /// What the reviewer does with an outcome that no specification decides.
    fn review(
        &mut self,
        submitted: &mut SubmittedOutcome,
        offer: &Offer,
        follows: Option<usize>,
        submitted_at: OffsetDateTime,
        path: Path,
        provider: InstitutionId,
    ) -> Resolution {
        let context = self.context;
        let kind = offer.kind;
        // Everything is drawn whatever becomes of it, so that who the staff are changes only
        // statuses, never the rest of the city.
        // Most are decided within days; one in five waits months for more evidence.
        let delay_days = if chance(self.rng, 0.8) {
            1.0 + exponential(self.rng, 10.0)
        } else {
            15.0 + exponential(self.rng, 120.0)
        };
        let decided_day = submitted_at.date() + Duration::days(delay_days.min(400.0) as i64);
        let decided_at = if path == Path::Drawn {
            office_time(self.rng, decided_day)
        } else {
            // The showcase's decisions are made, whenever it was submitted.
            office_time(self.rng, decided_day.min(REFERENCE_DATE)).max(submitted_at)
        };
        let rejected = match path {
            Path::Rejected => true,
            Path::Accepted => false,
            _ => chance(self.rng, rejection_share(kind)),
        };
        let reasons = rejections(kind);
        let reason = reasons[self.rng.random_range(0..reasons.len())];
        let failing_marks = between(self.rng, 30, 59) as u16;
        if rejected {
            // What it will be rejected for shows while it waits, too.
            reject(submitted, reason, failing_marks);
        }

        // The demo provider's latest submissions wait for the bank, so its queue is not empty.
        let demo_wait = context
            .staff
            .provider
            .is_some_and(|(institution, _)| institution == provider)
            && submitted_at > context.end - Duration::days(120);
        let waiting = match path {
            Path::Pending => true,
            Path::Drawn => decided_at > context.end || demo_wait,
            Path::Exact | Path::Accepted | Path::Rejected => false,
        };
        if waiting || context.staff.reviewer.is_none() {
            return Resolution::InReview;
        }
        let follows = follows.map(|spec| {
            let (version, _) = context.standards.specifications[spec].version_at(decided_at);
            (spec, version)
        });
        if rejected {
            return Resolution::Rejected {
                decided_at,
                follows,
                reason,
            };
        }
        let (grant, reason) = self.reviewer_grant(submitted, offer, follows);
        Resolution::Accepted {
            decided_at,
            follows,
            grant,
            reason,
        }
    }

    /// What the reviewer grants: what the followed specification version grants (credits by the
    /// general rule for other hours of non-formal learning), or what the offer is worth.
    fn reviewer_grant(
        &self,
        submitted: &SubmittedOutcome,
        offer: &Offer,
        follows: Option<(usize, u32)>,
    ) -> (Grant, &'static str) {
        let rule = self.context.rules.for_kind(submitted.kind);
        let by_rule = |credits| match (submitted.hours, rule) {
            (Some(hours), Some(rule)) => rule.credits_for(hours),
            _ => credits,
        };
        match follows {
            Some((spec, version)) => {
                let content = &self.context.standards.specifications[spec].versions
                    [version as usize - 1]
                    .content;
                let field_differs =
                    submitted.field.is_some() && submitted.field.as_ref() != content.field.as_ref();
                let hours_differ = content.hours.is_some() && submitted.hours != content.hours;
                let reason = match (submitted.kind, field_differs, hours_differ, submitted.hours) {
                    (VocationalCertificate, ..) => {
                        "证书名称写法与认定标准不同，经核验属同一职业技能等级，参照认定标准认定"
                    }
                    (_, true, ..) => "专业按专业类代码填写，经核对与认定标准一致，参照认定标准认定",
                    (_, _, true, None) => {
                        "未填写学时，经核对学习记录与认定标准一致，参照认定标准认定"
                    }
                    (_, _, true, Some(_)) if rule.is_some() => {
                        "学时与认定标准不同，参照认定标准并按通用规则（16学时计1学分）认定"
                    }
                    (_, _, true, Some(_)) => {
                        "学时与认定标准不同，经核对成绩单，按认定标准的学分认定"
                    }
                    _ => "经审核与认定标准一致，参照认定标准认定",
                };
                let credits = if submitted.hours.is_some() && submitted.hours != content.hours {
                    by_rule(content.credits)
                } else {
                    content.credits
                };
                (
                    Grant {
                        category: content.category,
                        level: content.level,
                        credits,
                        valid_until: content.validity.period_from(submitted.achieved_on).until(),
                    },
                    reason,
                )
            }
            None => {
                let reason = match submitted.kind {
                    VocationalCertificate => {
                        "证书经发证机构核验属实，按职业技能等级与学习成果框架的对应关系认定"
                    }
                    AcademicCourse | AcademicDegree => "经核对成绩单与学籍信息，按课程学分认定",
                    _ => "无对应认定标准，按非学历学习通用规则（16学时计1学分）认定",
                };
                (
                    Grant {
                        category: offer.category,
                        level: offer.level,
                        credits: by_rule(offer.credits),
                        valid_until: offer.validity.period_from(submitted.achieved_on).until(),
                    },
                    reason,
                )
            }
        }
    }

    /// When the provider submitted an outcome achieved on `day`: days to weeks later, in office
    /// hours, never after the end of the reference day.
    fn submission(&mut self, day: Date) -> OffsetDateTime {
        let delay = (1.0 + exponential(self.rng, 12.0)).min(120.0) as i64;
        office_time(self.rng, (day + Duration::days(delay)).min(REFERENCE_DATE))
    }

    fn score(&mut self, kind: OutcomeKind, role: Role) -> Option<Score> {
        let rng = &mut *self.rng;
        match kind {
            CommunityCourse if matches!(role, Role::ElderUniversity { .. }) => {
                if chance(rng, 0.5) {
                    Some(marks(rng, 86.0, 6.0))
                } else {
                    Some(Score::Passed)
                }
            }
            CommunityCourse => chance(rng, 0.7).then_some(Score::Passed),
            Mooc => Some(marks(rng, 82.0, 8.0)),
            NonFormalTraining => {
                if chance(rng, 0.55) {
                    Some(Score::Passed)
                } else {
                    Some(marks(rng, 80.0, 8.0))
                }
            }
            AcademicCourse => Some(marks(rng, 78.0, 9.0)),
            VenueLearning | VocationalCertificate | AcademicDegree => None,
        }
    }

    fn evidence(
        &mut self,
        kind: OutcomeKind,
        role: Role,
        day: Date,
        serial: u64,
        learner: LearnerId,
    ) -> Vec<Evidence> {
        let rng = &mut *self.rng;
        let year = day.year();
        let parse = |kind: EvidenceKind, reference: &str| {
            Evidence::parse(kind, reference).expect("generated evidence is well formed")
        };
        match kind {
            CommunityCourse => {
                let term = match day.month() {
                    Month::July | Month::August => "暑期",
                    Month::February | Month::March | Month::April | Month::May | Month::June => {
                        "春季"
                    }
                    _ => "秋季",
                };
                let sessions = between(rng, 8, 16);
                let attended = sessions - between(rng, 0, 2);
                let mut evidence = vec![parse(
                    EvidenceKind::AttendanceRecord,
                    &format!("{year}年{term}班 出勤{attended}/{sessions}次"),
                )];
                if matches!(role, Role::ElderUniversity { .. }) {
                    evidence.push(parse(
                        EvidenceKind::CertificateNumber,
                        &format!("LN{year}{:08}", serial % 100_000_000),
                    ));
                }
                evidence
            }
            VenueLearning => {
                if chance(rng, 0.5) {
                    vec![parse(
                        EvidenceKind::AttendanceRecord,
                        &format!("{day} 申学码签到"),
                    )]
                } else {
                    vec![parse(EvidenceKind::XapiStatement, &uuid(rng))]
                }
            }
            Mooc => vec![parse(EvidenceKind::XapiStatement, &uuid(rng))],
            NonFormalTraining => vec![parse(
                EvidenceKind::CertificateNumber,
                &format!("PX{year}{:08}", serial % 100_000_000),
            )],
            VocationalCertificate => vec![parse(
                EvidenceKind::CertificateNumber,
                &format!(
                    "S0000310{:02}{:08}",
                    year % 100,
                    between(rng, 0, 99_999_999)
                ),
            )],
            AcademicCourse => vec![parse(
                EvidenceKind::TranscriptNumber,
                &format!("SOU{year}{:010}", learner.get()),
            )],
            AcademicDegree => {
                // 毕业证书电子注册号: school code, year, then a serial number.
                vec![
                    parse(
                        EvidenceKind::CertificateNumber,
                        &format!("51161{year}{:09}", serial % 1_000_000_000),
                    ),
                    parse(EvidenceKind::FileSha256, &sha256(rng)),
                ]
            }
        }
    }

    /// An open-university degree programme: two courses a term from an enrolment in spring or
    /// autumn, electives among them, and the degree when every course is done in time.
    fn programme(&mut self, who: &Learner, drafts: &mut Vec<Draft>) {
        let context = self.context;
        let Some(&university) = context.open_university.first() else {
            return;
        };
        let programmes = &context.standards.programmes;
        if programmes.is_empty() {
            return;
        }
        let programme = &programmes[self.rng.random_range(0..programmes.len())];
        let courses = context.offers(university, AcademicCourse);
        let degrees = context.offers(university, AcademicDegree);
        let mut plan: Vec<usize> = programme.courses.clone();
        let electives = &context.standards.electives;
        for _ in 0..between(self.rng, 1, 2) {
            if !electives.is_empty() {
                plan.push(electives[self.rng.random_range(0..electives.len())]);
            }
        }
        plan.sort_unstable();
        plan.dedup();
        // Shuffle (Fisher–Yates) so electives fall in any term.
        for i in (1..plan.len()).rev() {
            let j = self.rng.random_range(0..=i);
            plan.swap(i, j);
        }
        // Term ends are about 10 January and 5 July; enrol so the first falls in the window.
        let first_year = who.start.year();
        let last_year = REFERENCE_DATE.year() - 1;
        if first_year > last_year {
            return;
        }
        let mut half_year = between(
            self.rng,
            i64::from(first_year) * 2,
            i64::from(last_year) * 2 + 1,
        );
        for pair in plan.chunks(2) {
            half_year += 1;
            let year = (half_year / 2) as i32;
            let (month, from, to) = if half_year % 2 == 0 {
                (Month::January, 6, 20)
            } else {
                (Month::July, 1, 12)
            };
            let day = Date::from_calendar_date(year, month, between(self.rng, from, to) as u8)
                .unwrap_or(REFERENCE_DATE);
            if day > REFERENCE_DATE {
                return;
            }
            if day < who.start {
                continue;
            }
            for course in pair {
                let offer = &courses[*course];
                let shape = Shape::drawn(self.rng, offer);
                let draft = self.draft(who, university, (offer, shape), day, Path::Drawn);
                drafts.push(draft);
            }
        }
        let graduation = Date::from_calendar_date(
            (half_year / 2) as i32 + i32::from(half_year % 2 == 1),
            if half_year % 2 == 0 {
                Month::July
            } else {
                Month::January
            },
            between(self.rng, 10, 25) as u8,
        )
        .unwrap_or(REFERENCE_DATE);
        if graduation <= REFERENCE_DATE && chance(self.rng, 0.85) {
            let offer = &degrees[programme.degree];
            let shape = Shape::drawn(self.rng, offer);
            let draft = self.draft(who, university, (offer, shape), graduation, Path::Drawn);
            drafts.push(draft);
        }
    }

    /// The demo citizen's archive shows every kind of outcome over the years, each status and
    /// each way of deciding.
    fn showcase(&mut self, who: &Learner, drafts: &mut Vec<Draft>) {
        const PLAN: [(OutcomeKind, Path, i32); 10] = [
            (NonFormalTraining, Path::Exact, 2018),
            (VocationalCertificate, Path::Exact, 2019),
            (CommunityCourse, Path::Exact, 2020),
            (VenueLearning, Path::Exact, 2021),
            (CommunityCourse, Path::Accepted, 2022),
            (CommunityCourse, Path::Rejected, 2023),
            (Mooc, Path::Exact, 2024),
            (VenueLearning, Path::Accepted, 2025),
            (Mooc, Path::Pending, 2026),
            (CommunityCourse, Path::Pending, 2026),
        ];
        for (kind, path, year) in PLAN {
            let (from, to) = year_bounds(year, who.start, REFERENCE_DATE);
            let day = if from <= to {
                day_between(self.rng, from, to)
            } else {
                who.start
            };
            if let Some(draft) = self.outcome(who, kind, day, path) {
                drafts.push(draft);
            }
        }
    }
}

/// Makes the outcome show what it was rejected for (`failing_marks` out of 100 where the
/// assessment failed).
fn reject(submitted: &mut SubmittedOutcome, reason: Rejection, failing_marks: u16) {
    match reason {
        Rejection::MissingEvidence => submitted.evidence.clear(),
        Rejection::FailedAssessment => {
            submitted.score = if matches!(submitted.score, Some(Score::Passed)) {
                Some(Score::Failed)
            } else {
                Marks::from_tenths(failing_marks * 10).map(Score::Marks)
            };
        }
        Rejection::TooFewHours => {
            let whole = submitted.hours.map_or(8, |h| h.tenths() / 10);
            submitted.hours = ContactHours::whole((whole / 4).max(1));
        }
        _ => {}
    }
}

/// The external-id prefix of a provider's outcomes.
fn prefix(role: Role) -> &'static str {
    match role {
        Role::CommunitySchool => "SQXX",
        Role::CommunityCollege => "SQXY",
        Role::ElderUniversity { .. } => "LNDX",
        Role::Library { .. } => "TSG",
        Role::Museum { .. } => "BWG",
        Role::OpenUniversity => "SOU",
        Role::OpenUniversityBranch => "SOUFX",
        Role::VocationalSchool => "PXJG",
        Role::LanguageSchool => "WYPX",
        Role::ArtSchool => "YSPX",
        Role::Employer => "QYPX",
        Role::CreditBank => "XFYH",
    }
}

/// The days of `year` between `from` and `to` (an empty range when they do not overlap).
fn year_bounds(year: i32, from: Date, to: Date) -> (Date, Date) {
    let first = Date::from_ordinal_date(year, 1).unwrap_or(from);
    let last = Date::from_calendar_date(year, Month::December, 31).unwrap_or(to);
    (first.max(from), last.min(to))
}

/// The end of the term a long course taken around `day` belongs to: late June for spring, late
/// December for autumn; `day` itself when that end is outside the learner's window.
fn term_end(rng: &mut ChaCha8Rng, day: Date, start: Date) -> Date {
    let (month, from, to) = if u8::from(day.month()) <= 6 {
        (Month::June, 10, 30)
    } else {
        (Month::December, 15, 31)
    };
    let end =
        Date::from_calendar_date(day.year(), month, between(rng, from, to) as u8).unwrap_or(day);
    if end < start || end > REFERENCE_DATE {
        day
    } else {
        end
    }
}

/// A moment in office hours (09:00–17:59, Shanghai) of `day`.
fn office_time(rng: &mut ChaCha8Rng, day: Date) -> OffsetDateTime {
    shanghai_time(day, between(rng, 9 * 3_600, 18 * 3_600 - 1))
}

fn add_years(day: Date, years: i32) -> Date {
    day.replace_year(day.year() + years)
        .or_else(|_| {
            // 29 February: the birthday falls on 1 March in other years.
            Date::from_calendar_date(day.year() + years, Month::March, 1)
        })
        .unwrap_or(day)
}

fn exponential(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -mean * (1.0 - uniform(rng, 0.0, 1.0)).ln()
}

/// A Poisson draw (Knuth's method, in slices of 30 so `exp(-λ)` never underflows).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    let mut remaining = lambda.clamp(0.0, 500.0);
    let mut count = 0;
    while remaining > 0.0 {
        let slice = remaining.min(30.0);
        remaining -= slice;
        let limit = (-slice).exp();
        let mut product = uniform(rng, 0.0, 1.0);
        while product > limit {
            count += 1;
            product *= uniform(rng, 0.0, 1.0);
        }
    }
    count
}

/// Marks around `mean` (normal, Box–Muller), between 60 and 100, in whole or half marks.
fn marks(rng: &mut ChaCha8Rng, mean: f64, spread: f64) -> Score {
    let u1 = uniform(rng, f64::MIN_POSITIVE, 1.0);
    let u2 = uniform(rng, 0.0, 1.0);
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let value = (mean + spread * normal).clamp(60.0, 100.0);
    let halves = (value * 2.0).round() as u16;
    Score::Marks(Marks::from_tenths(halves * 5).unwrap_or(Marks::PASS))
}

/// A random (version 4) UUID, as xAPI statement ids are.
fn uuid(rng: &mut ChaCha8Rng) -> String {
    let high: u64 = rng.random();
    let low: u64 = rng.random();
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// A made-up SHA-256 digest (of a scanned certificate).
fn sha256(rng: &mut ChaCha8Rng) -> String {
    (0..4)
        .map(|_| format!("{:016x}", rng.random::<u64>()))
        .collect()
}
