//! The teacher registry (师资库): full-time community-education staff, part-time teachers and
//! volunteers per district.
//!
//! Full-time staff follow the district's residents at 0.8 to 1.3 per 10,000, the rates spread
//! over the districts so that the SPEC C9 indicator "full-time staff per 10,000 residents ≥ 1"
//! is met by some districts and missed by others (as in a real city). They do not shrink with
//! the scale: residents are real at every scale, and the indicator is per resident. Part-time
//! teachers and volunteers serve learners, so they shrink with the number of learners generated
//! (the tiny and district scales have far fewer learners per resident than the city scale).

use rand::seq::SliceRandom;
use xc_domain::{Gender, InstitutionId, TeacherId, TeacherKind, Topic};
use xc_store::Teacher;

use crate::GenerateOptions;
use crate::geography::Geography;
use crate::names::person_name;
use crate::random::{Stream, between, chance, pick, pick_weighted_distinct, stream_rng, uniform};
use crate::reference::shanghai;
use crate::sites::Placed;

/// The lowest and highest full-time staff per 10,000 residents a district gets.
pub(crate) const FULL_TIME_PER_10K: (f64, f64) = (0.8, 1.3);

const SUBJECTS: [(Topic, f64); 8] = [
    (Topic::PoliticsAndCivics, 0.8),
    (Topic::CultureAndArts, 2.0),
    (Topic::Health, 1.5),
    (Topic::SmartLiving, 1.5),
    (Topic::VocationalSkills, 1.2),
    (Topic::FamilyEducation, 0.8),
    (Topic::HistoryAndHeritage, 0.8),
    (Topic::Languages, 0.8),
];

/// The full-time staff rate of every district of the city, by its index in the reference: the
/// districts are dealt evenly spaced rates in a seeded order, so the same district gets the same
/// rate at every scale.
fn full_time_rates(seed: u64) -> Vec<f64> {
    let count = shanghai().districts.len();
    let mut rng = stream_rng(seed, Stream::Teachers, u32::MAX);
    let mut ranks: Vec<usize> = (0..count).collect();
    ranks.shuffle(&mut rng);
    let (low, high) = FULL_TIME_PER_10K;
    ranks
        .into_iter()
        .map(|rank| low + (high - low) * (rank as f64 + uniform(&mut rng, 0.1, 0.9)) / count as f64)
        .collect()
}

pub(crate) fn generate(
    geography: &Geography,
    placed: &Placed,
    options: &GenerateOptions,
) -> Vec<Teacher> {
    let rates = full_time_rates(options.seed);
    let residents: i64 = geography.districts.iter().map(|d| d.residents).sum();
    let city_residents: i64 = shanghai().districts.iter().map(|d| d.residents).sum();
    // Learners per resident at this scale relative to the city scale.
    let city_rate = crate::Scale::City.learners() as f64 / city_residents as f64;
    let intensity =
        (options.scale.learners() as f64 / residents.max(1) as f64 / city_rate).clamp(0.2, 1.0);

    let mut teachers = Vec::new();
    for (district, record) in geography.districts.iter().enumerate() {
        let stream = geography.district_stream[district];
        let mut rng = stream_rng(options.seed, Stream::Teachers, stream);
        let own = &placed.by_district[district];
        let schools: Vec<InstitutionId> = geography.district_subdistricts[district]
            .clone()
            .map(|s| placed.community_schools[s])
            .collect();
        let full_time =
            (record.residents as f64 / 10_000.0 * rates[stream as usize]).round() as i64;
        let part_time = (full_time as f64 * uniform(&mut rng, 2.0, 3.0) * intensity).round() as i64;
        let volunteers =
            (full_time as f64 * uniform(&mut rng, 3.0, 5.0) * intensity).round() as i64;

        let plan = [
            (TeacherKind::FullTime, full_time),
            (TeacherKind::PartTime, part_time),
            (TeacherKind::Volunteer, volunteers),
        ];
        for (kind, count) in plan {
            for _ in 0..count {
                let gender = if chance(&mut rng, 0.5) {
                    Gender::Female
                } else {
                    Gender::Male
                };
                let (born_from, born_to) = match kind {
                    TeacherKind::FullTime => (1966, 2000),
                    TeacherKind::PartTime => (1950, 1996),
                    TeacherKind::Volunteer => (1945, 2005),
                };
                let birth_year = between(&mut rng, born_from, born_to) as i32;
                let name = person_name(&mut rng, gender, birth_year);
                let subject_count = between(&mut rng, 1, 3) as usize;
                let subjects = pick_weighted_distinct(&mut rng, &SUBJECTS, subject_count);
                let draw = uniform(&mut rng, 0.0, 1.0);
                let school = (!schools.is_empty()).then(|| pick(&mut rng, &schools));
                let institution = match kind {
                    TeacherKind::FullTime if draw < 0.7 => school,
                    TeacherKind::FullTime => own.community_college,
                    TeacherKind::PartTime if draw < 0.3 => own.community_college,
                    TeacherKind::PartTime if draw < 0.6 => own.elder_university,
                    TeacherKind::PartTime if draw < 0.8 && !own.training.is_empty() => {
                        Some(pick(&mut rng, &own.training))
                    }
                    TeacherKind::PartTime if draw < 0.85 => own.open_university,
                    TeacherKind::PartTime => school,
                    TeacherKind::Volunteer if draw < 0.8 => school,
                    TeacherKind::Volunteer => None,
                };
                teachers.push(Teacher {
                    id: TeacherId::new(teachers.len() as i64 + 1),
                    name,
                    kind,
                    subjects,
                    district: record.code.clone(),
                    institution,
                });
            }
        }
    }
    teachers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_time_rates_straddle_the_target_of_one() {
        let rates = full_time_rates(42);
        assert_eq!(rates.len(), 16);
        assert!(
            rates
                .iter()
                .all(|r| (FULL_TIME_PER_10K.0..=FULL_TIME_PER_10K.1).contains(r))
        );
        let meeting = rates.iter().filter(|r| **r >= 1.0).count();
        assert!((6..=12).contains(&meeting), "{rates:?}");
    }
}
