//! The demo bank's standards: which provider publishes which outcome specifications, and what
//! else each provider teaches or certifies without one (what its outcomes go to a reviewer for).
//!
//! Every teaching institution gets a handful of specifications drawn from the catalogue of its
//! kind (community schools 2–4, community colleges 5–7, elder universities 6–12, venues 2–4,
//! training organisations and employers some trainings and some certificate grades, the open
//! university every programme course, degree and most of its MOOCs), about 1,600 at the whole
//! city's scale, so that publishing them one by one stays quick. Version 1 of all of them is
//! published in 2015–2016, before any generated outcome was submitted; about one in twenty is
//! revised between 2021 and 2024 (credits raised by half a credit), so that decisions name
//! the version in force when they were made.

use rand_chacha::ChaCha8Rng;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    ContactHours, Credits, DisciplineCode, Field, FrameworkLevel, GradeMapping, NonFormalRules,
    OutcomeCategory, OutcomeKind, OutcomeSpecification, OutcomeTitle, SpecificationDraft,
    SpecificationId, ValidityTerm, VocationalGrade,
};
use xc_domain::{InstitutionId, InstitutionKind, Topic};
use xc_store::SpecificationContent;

use super::catalogue::{
    self, Course, ELECTIVES, Occupation, PROGRAMMES, certificate_credits, grade_weight,
};
use super::{GeneratedSpecification, PlannedVersion};
use crate::GeneratedCity;
use crate::random::{
    Stream, between, chance, day_between, pick_weighted_distinct, shanghai_time, stream_rng,
};

/// Every outcome kind, in [`OutcomeKind::index`] order.
pub(crate) const KINDS: usize = 7;

/// Something a provider teaches or certifies, with what a reviewer grants it when no
/// specification decides (`spec` is `None`) or when its outcome differs from the specification.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub(crate) kind: OutcomeKind,
    pub(crate) title: OutcomeTitle,
    pub(crate) hours: Option<ContactHours>,
    pub(crate) grade: Option<VocationalGrade>,
    pub(crate) field: Option<Field>,
    pub(crate) topic: Option<Topic>,
    pub(crate) level: FrameworkLevel,
    pub(crate) category: OutcomeCategory,
    pub(crate) credits: Credits,
    pub(crate) validity: ValidityTerm,
    /// The specification published for it (index into the bank's specifications).
    pub(crate) spec: Option<usize>,
    /// How often it is taken, relative to the provider's other offers of the kind.
    pub(crate) weight: f64,
}

/// What one provider offers, by outcome kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct Provider {
    pub(crate) offers: [Vec<Offer>; KINDS],
}

/// What a teaching institution is, for the bank: which catalogue it draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    CommunitySchool,
    CommunityCollege,
    ElderUniversity { city: bool },
    Library { city: bool },
    Museum { city: bool },
    OpenUniversity,
    OpenUniversityBranch,
    VocationalSchool,
    LanguageSchool,
    ArtSchool,
    Employer,
    CreditBank,
}

pub(crate) fn role_of(kind: InstitutionKind, name: &str, city_level: bool) -> Role {
    match kind {
        InstitutionKind::CommunitySchool => Role::CommunitySchool,
        InstitutionKind::CommunityCollege => Role::CommunityCollege,
        InstitutionKind::ElderUniversity => Role::ElderUniversity { city: city_level },
        InstitutionKind::Library => Role::Library { city: city_level },
        InstitutionKind::Museum => Role::Museum { city: city_level },
        InstitutionKind::OpenUniversity if city_level => Role::OpenUniversity,
        InstitutionKind::OpenUniversity => Role::OpenUniversityBranch,
        InstitutionKind::TrainingOrganisation if name.ends_with("外语培训中心") => {
            Role::LanguageSchool
        }
        InstitutionKind::TrainingOrganisation if name.ends_with("艺术培训中心") => {
            Role::ArtSchool
        }
        InstitutionKind::TrainingOrganisation => Role::VocationalSchool,
        InstitutionKind::Employer => Role::Employer,
        InstitutionKind::CreditBank => Role::CreditBank,
    }
}

/// The open university's programmes as offers: course offers (indices into its academic-course
/// offers) and the degree offer (index into its degree offers).
#[derive(Debug, Clone)]
pub(crate) struct ProgrammeOffers {
    pub(crate) courses: Vec<usize>,
    pub(crate) degree: usize,
}

/// The standards and offers of the whole bank, before any outcome.
#[derive(Debug, Clone)]
pub(crate) struct Standards {
    pub(crate) specifications: Vec<GeneratedSpecification>,
    /// Indexed by institution id − 1; institutions that teach nothing have an empty provider.
    pub(crate) providers: Vec<Provider>,
    pub(crate) programmes: Vec<ProgrammeOffers>,
    /// The open university's electives (indices into its academic-course offers).
    pub(crate) electives: Vec<usize>,
    pub(crate) roles: Vec<Role>,
}

/// The first specification versions are published in this window, before any outcome.
const FIRST_PUBLISHED: (Date, Date) = (
    time::macros::date!(2015 - 03 - 01),
    time::macros::date!(2016 - 10 - 20),
);
/// Revisions are published in this window.
const REVISED: (Date, Date) = (
    time::macros::date!(2021 - 01 - 04),
    time::macros::date!(2024 - 12 - 20),
);
const REVISION_SHARE: f64 = 0.05;

struct Builder {
    rng: ChaCha8Rng,
    grades: GradeMapping,
    rules: NonFormalRules,
    specifications: Vec<GeneratedSpecification>,
    /// Specifications of the current provider so far, for their codes.
    published: usize,
}

impl Builder {
    fn day_between(&mut self, (from, to): (Date, Date)) -> OffsetDateTime {
        let day = day_between(&mut self.rng, from, to);
        let seconds = between(&mut self.rng, 9 * 3_600, 17 * 3_600);
        shanghai_time(day, seconds)
    }

    /// Publishes `offer` as a specification of `provider` (with a later revision now and then)
    /// and records its index in the offer.
    fn publish(&mut self, provider: InstitutionId, code: String, offer: &mut Offer) {
        let draft = SpecificationDraft {
            id: SpecificationId::new(self.specifications.len() as i64 + 1),
            provider,
            kind: offer.kind,
            category: Some(offer.category),
            title: offer.title.clone(),
            hours: offer.hours,
            grade: offer.grade,
            level: Some(offer.level),
            credits: Some(offer.credits),
            field: offer.field.clone(),
            validity: offer.validity,
        };
        let first = OutcomeSpecification::parse(draft.clone(), &self.grades, &self.rules)
            .expect("the catalogue holds valid specifications");
        let mut versions = vec![PlannedVersion {
            content: SpecificationContent::of(&first),
            published_at: self.day_between(FIRST_PUBLISHED),
        }];
        if chance(&mut self.rng, REVISION_SHARE) {
            let raised = Credits::from_hundredths(offer.credits.hundredths() + 50)
                .expect("catalogue credits are small");
            let revised = OutcomeSpecification::parse(
                SpecificationDraft {
                    credits: Some(raised),
                    ..draft
                },
                &self.grades,
                &self.rules,
            )
            .expect("a revision only raises the credits");
            versions.push(PlannedVersion {
                content: SpecificationContent::of(&revised),
                published_at: self.day_between(REVISED),
            });
        }
        offer.spec = Some(self.specifications.len());
        self.specifications.push(GeneratedSpecification {
            id: SpecificationId::new(self.specifications.len() as i64 + 1),
            provider,
            code,
            versions,
        });
    }
}

fn title(text: &str) -> OutcomeTitle {
    OutcomeTitle::parse(text).expect("catalogue titles are valid")
}

fn level(number: u8) -> FrameworkLevel {
    FrameworkLevel::new(number).expect("catalogue levels are 1 to 10")
}

fn hours(whole: u32) -> ContactHours {
    ContactHours::whole(whole).expect("catalogue hours are small")
}

fn discipline(code: &str) -> Field {
    Field::Discipline(DisciplineCode::parse(code).expect("catalogue discipline codes are valid"))
}

fn validity(months: Option<u16>) -> ValidityTerm {
    months
        .and_then(|months| ValidityTerm::months(months).ok())
        .unwrap_or(ValidityTerm::INDEFINITE)
}

fn course_offer(kind: OutcomeKind, course: &Course, rules: &NonFormalRules) -> Offer {
    let course_hours = hours(course.hours);
    let credits = match (course.credits, rules.for_kind(kind)) {
        (Some(explicit), _) => Credits::from_hundredths(explicit).unwrap_or(Credits::ZERO),
        (None, Some(rule)) => rule.credits_for(course_hours),
        (None, None) => Credits::ZERO,
    };
    Offer {
        kind,
        title: title(course.title),
        hours: Some(course_hours),
        grade: None,
        field: Some(
            course
                .discipline
                .map_or(Field::Topic(course.topic), discipline),
        ),
        topic: Some(course.topic),
        level: level(course.level),
        category: course.category,
        credits,
        validity: validity(course.validity_months),
        spec: None,
        weight: 1.0,
    }
}

fn certificate_offer(
    occupation: &Occupation,
    grade: VocationalGrade,
    grades: &GradeMapping,
) -> Offer {
    Offer {
        kind: OutcomeKind::VocationalCertificate,
        title: title(occupation.name),
        hours: None,
        grade: Some(grade),
        field: None,
        topic: Some(Topic::VocationalSkills),
        level: grades.level_of(grade),
        category: OutcomeCategory::VocationalTraining,
        credits: Credits::from_hundredths(certificate_credits(grade)).unwrap_or(Credits::ZERO),
        validity: validity(occupation.validity_months),
        spec: None,
        weight: grade_weight(grade),
    }
}

/// `listed` of the courses (distinct, at random) become specifications; `unlisted` more are
/// taught without one.
fn course_offers(
    builder: &mut Builder,
    provider: InstitutionId,
    kind: OutcomeKind,
    prefix: &str,
    pool: &[Course],
    listed: usize,
    unlisted: usize,
) -> Vec<Offer> {
    let chosen: Vec<&Course> = pick_weighted_distinct(
        &mut builder.rng,
        &pool.iter().map(|c| (c, 1.0)).collect::<Vec<_>>(),
        listed + unlisted,
    );
    let listed = listed.min(chosen.len());
    // Which of the chosen are published is a second draw, so the catalogue order does not
    // decide it.
    let published: Vec<usize> = pick_weighted_distinct(
        &mut builder.rng,
        &(0..chosen.len()).map(|i| (i, 1.0)).collect::<Vec<_>>(),
        listed,
    );
    let rules = builder.rules.clone();
    chosen
        .iter()
        .enumerate()
        .map(|(index, course)| {
            let mut offer = course_offer(kind, course, &rules);
            if published.contains(&index) {
                builder.published += 1;
                let code = format!("{prefix}-{:03}", builder.published);
                builder.publish(provider, code, &mut offer);
            }
            offer
        })
        .collect()
}

/// Certificates of `occupations` (`count` of them, distinct): the lower grades of each have a
/// specification, the higher ones go to a reviewer.
fn certificate_offers(
    builder: &mut Builder,
    provider: InstitutionId,
    occupations: &[Occupation],
    count: usize,
) -> Vec<Offer> {
    let chosen: Vec<&Occupation> = pick_weighted_distinct(
        &mut builder.rng,
        &occupations.iter().map(|o| (o, 1.0)).collect::<Vec<_>>(),
        count,
    );
    let grades = builder.grades.clone();
    let mut offers = Vec::new();
    for occupation in chosen {
        let published = between(&mut builder.rng, 1, occupation.grades.len().min(3) as i64);
        for (index, grade) in occupation.grades.iter().enumerate() {
            let mut offer = certificate_offer(occupation, *grade, &grades);
            if (index as i64) < published {
                builder.published += 1;
                let code = format!("ZS-{:03}-{}", builder.published, grade.number());
                builder.publish(provider, code, &mut offer);
            }
            offers.push(offer);
        }
    }
    offers
}

pub(crate) fn generate(city: &GeneratedCity) -> Standards {
    let mut builder = Builder {
        rng: stream_rng(city.options.seed, Stream::Specifications, 0),
        grades: GradeMapping::national_default(),
        rules: NonFormalRules::common_default(),
        specifications: Vec::new(),
        published: 0,
    };
    let mut providers = vec![Provider::default(); city.institutions.len()];
    let mut roles = Vec::with_capacity(city.institutions.len());
    let mut programmes = Vec::new();
    let mut electives = Vec::new();
    for (index, institution) in city.institutions.iter().enumerate() {
        let role = role_of(
            institution.kind,
            &institution.name,
            institution.district.is_none(),
        );
        roles.push(role);
        let id = institution.id;
        let provider = &mut providers[index];
        builder.published = 0;
        let b = &mut builder;
        use OutcomeKind::*;
        match role {
            Role::CommunitySchool => {
                let listed = between(&mut b.rng, 2, 4) as usize;
                provider.offers[CommunityCourse.index()] = course_offers(
                    b,
                    id,
                    CommunityCourse,
                    "SQ",
                    catalogue::COMMUNITY_COURSES,
                    listed,
                    6,
                );
            }
            Role::CommunityCollege => {
                let listed = between(&mut b.rng, 5, 7) as usize;
                provider.offers[CommunityCourse.index()] = course_offers(
                    b,
                    id,
                    CommunityCourse,
                    "SY",
                    catalogue::COMMUNITY_COURSES,
                    listed,
                    4,
                );
            }
            Role::ElderUniversity { city } => {
                let (listed, unlisted) = if city {
                    (between(&mut b.rng, 10, 12) as usize, 2)
                } else {
                    (between(&mut b.rng, 6, 9) as usize, 3)
                };
                provider.offers[CommunityCourse.index()] = course_offers(
                    b,
                    id,
                    CommunityCourse,
                    "LD",
                    catalogue::ELDER_COURSES,
                    listed,
                    unlisted,
                );
            }
            Role::Library { city } | Role::Museum { city } => {
                let pool = if matches!(role, Role::Library { .. }) {
                    catalogue::LIBRARY_PROGRAMMES
                } else {
                    catalogue::MUSEUM_PROGRAMMES
                };
                let listed = if city {
                    4
                } else {
                    between(&mut b.rng, 2, 3) as usize
                };
                provider.offers[VenueLearning.index()] =
                    course_offers(b, id, VenueLearning, "CG", pool, listed, 2);
            }
            Role::OpenUniversity => {
                let rules = b.rules.clone();
                let mut courses = Vec::new();
                let mut degrees = Vec::new();
                for programme in PROGRAMMES {
                    let field = discipline(programme.code);
                    let mut course_indices = Vec::new();
                    for (course_title, course_hours, credits) in programme.courses {
                        let mut offer = Offer {
                            kind: AcademicCourse,
                            title: title(course_title),
                            hours: Some(hours(*course_hours)),
                            grade: None,
                            field: Some(field.clone()),
                            topic: None,
                            level: level(programme.level),
                            category: OutcomeCategory::Academic,
                            credits: Credits::from_hundredths(*credits).unwrap_or(Credits::ZERO),
                            validity: ValidityTerm::INDEFINITE,
                            spec: None,
                            weight: 1.0,
                        };
                        b.publish(
                            id,
                            format!("KC-{}-{:02}", programme.code, course_indices.len() + 1),
                            &mut offer,
                        );
                        course_indices.push(courses.len());
                        courses.push(offer);
                    }
                    let mut degree = Offer {
                        kind: AcademicDegree,
                        title: title(&programme.degree_title()),
                        hours: None,
                        grade: None,
                        field: Some(field),
                        topic: None,
                        level: level(programme.level),
                        category: OutcomeCategory::Academic,
                        credits: Credits::from_hundredths(programme.degree_credits)
                            .unwrap_or(Credits::ZERO),
                        validity: ValidityTerm::INDEFINITE,
                        spec: None,
                        weight: 1.0,
                    };
                    b.publish(id, format!("XL-{}", programme.code), &mut degree);
                    programmes.push(ProgrammeOffers {
                        courses: course_indices,
                        degree: degrees.len(),
                    });
                    degrees.push(degree);
                }
                for (course_title, course_hours, credits) in ELECTIVES {
                    electives.push(courses.len());
                    courses.push(Offer {
                        kind: AcademicCourse,
                        title: title(course_title),
                        hours: Some(hours(*course_hours)),
                        grade: None,
                        field: None,
                        topic: None,
                        level: level(4),
                        category: OutcomeCategory::Academic,
                        credits: Credits::from_hundredths(*credits).unwrap_or(Credits::ZERO),
                        validity: ValidityTerm::INDEFINITE,
                        spec: None,
                        weight: 1.0,
                    });
                }
                provider.offers[AcademicCourse.index()] = courses;
                provider.offers[AcademicDegree.index()] = degrees;
                let mut moocs: Vec<Offer> = catalogue::MOOCS
                    .iter()
                    .map(|course| course_offer(Mooc, course, &rules))
                    .collect();
                // The newest four courses have no specification yet.
                let published = moocs.len() - 4;
                for (index, offer) in moocs.iter_mut().enumerate().take(published) {
                    b.publish(id, format!("MOOC-{:03}", index + 1), offer);
                }
                provider.offers[Mooc.index()] = moocs;
            }
            Role::OpenUniversityBranch => {
                let listed = between(&mut b.rng, 2, 3) as usize;
                provider.offers[NonFormalTraining.index()] = course_offers(
                    b,
                    id,
                    NonFormalTraining,
                    "PX",
                    catalogue::BRANCH_TRAININGS,
                    listed,
                    2,
                );
            }
            Role::VocationalSchool => {
                let listed = between(&mut b.rng, 2, 3) as usize;
                provider.offers[NonFormalTraining.index()] = course_offers(
                    b,
                    id,
                    NonFormalTraining,
                    "PX",
                    catalogue::VOCATIONAL_TRAININGS,
                    listed,
                    2,
                );
                let occupations = between(&mut b.rng, 2, 3) as usize;
                provider.offers[VocationalCertificate.index()] =
                    certificate_offers(b, id, catalogue::SCHOOL_OCCUPATIONS, occupations);
            }
            Role::LanguageSchool | Role::ArtSchool => {
                let pool = if role == Role::LanguageSchool {
                    catalogue::LANGUAGE_TRAININGS
                } else {
                    catalogue::ART_TRAININGS
                };
                let listed = between(&mut b.rng, 2, 3) as usize;
                provider.offers[NonFormalTraining.index()] =
                    course_offers(b, id, NonFormalTraining, "PX", pool, listed, 2);
            }
            Role::Employer => {
                provider.offers[NonFormalTraining.index()] = course_offers(
                    b,
                    id,
                    NonFormalTraining,
                    "PX",
                    catalogue::EMPLOYER_TRAININGS,
                    2,
                    2,
                );
                let occupations = catalogue::employer_occupations(&institution.name);
                let count = between(&mut b.rng, 1, 2) as usize;
                provider.offers[VocationalCertificate.index()] =
                    certificate_offers(b, id, occupations, count);
            }
            Role::CreditBank => {}
        }
    }
    Standards {
        specifications: builder.specifications,
        providers,
        programmes,
        electives,
        roles,
    }
}
