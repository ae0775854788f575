//! Learners, generated one at a time so that a million of them never sit in memory at once.
//!
//! Each learner lives in a district drawn by residents and in a neighbourhood drawn by the
//! neighbourhood's residents of the learner's age group (60+ or younger). Ages follow the city's
//! adult age structure but lean old, as community and elder education do: about half of the
//! learners are 60 or over, more in old districts. The ID number is built from the district code,
//! the birth date and a sequence number that is unique per (district, birth date), so no two
//! learners share one; its parity matches the gender, as GB 11643 requires.

use rand_chacha::ChaCha8Rng;
use time::{Date, OffsetDateTime};
use xc_domain::{
    DistrictCode, Gender, InstitutionId, LearnerId, NationalId, NeighbourhoodCode, PhoneNumber,
    SubdistrictCode, Topic,
};
use xc_privacy::{PiiVault, PrivacyError};
use xc_store::LearnerRecord;

use crate::names::{mobile_number, person_name};
use crate::random::{
    Stream, WeightedTable, between, chance, pick_weighted_distinct, shanghai_time, stream_rng,
    uniform,
};
use crate::{GeneratedCity, REFERENCE_DATE};

/// Age bands (at [`REFERENCE_DATE`], lower bound inclusive, upper exclusive) and their weight
/// among learners before a district's own lean is applied: 55% are 60 or older.
const AGE_BANDS: [(i64, i64, f64); 11] = [
    (16, 25, 5.0),
    (25, 35, 9.0),
    (35, 45, 10.0),
    (45, 55, 11.0),
    (55, 60, 10.0),
    (60, 65, 15.0),
    (65, 70, 15.0),
    (70, 75, 12.0),
    (75, 80, 8.0),
    (80, 85, 4.0),
    (85, 96, 1.0),
];
const OLDEST: i64 = 96;
/// The city's share of residents aged 60+ (census), against which a district's lean is measured.
const CITY_SHARE_60_PLUS: f64 = 0.234;
/// Sequence numbers per (region, birth date, gender): 000–999 split by parity.
const SEQUENCES_PER_GENDER: u16 = 500;
/// Registrations began with the platform in this year; later years saw more.
const FIRST_REGISTRATION_YEAR: i32 = 2018;
const REGISTRATION_YEAR_WEIGHTS: [f64; 9] = [3.0, 4.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0, 12.0];

const YOUNG_INTERESTS: [(Topic, f64); 8] = [
    (Topic::VocationalSkills, 2.5),
    (Topic::Languages, 2.0),
    (Topic::SmartLiving, 1.2),
    (Topic::CultureAndArts, 1.2),
    (Topic::FamilyEducation, 0.8),
    (Topic::Health, 0.6),
    (Topic::HistoryAndHeritage, 0.6),
    (Topic::PoliticsAndCivics, 0.5),
];
const MIDDLE_INTERESTS: [(Topic, f64); 8] = [
    (Topic::FamilyEducation, 2.0),
    (Topic::VocationalSkills, 1.8),
    (Topic::Health, 1.5),
    (Topic::CultureAndArts, 1.2),
    (Topic::Languages, 1.0),
    (Topic::SmartLiving, 1.0),
    (Topic::HistoryAndHeritage, 0.7),
    (Topic::PoliticsAndCivics, 0.6),
];
const OLDER_INTERESTS: [(Topic, f64); 8] = [
    (Topic::Health, 3.0),
    (Topic::CultureAndArts, 3.0),
    (Topic::SmartLiving, 2.5),
    (Topic::HistoryAndHeritage, 1.5),
    (Topic::PoliticsAndCivics, 1.0),
    (Topic::FamilyEducation, 0.8),
    (Topic::Languages, 0.6),
    (Topic::VocationalSkills, 0.1),
];

/// One generated learner with personal data in the clear; [`GeneratedLearner::seal`] turns it
/// into the stored record. `Debug` masks the ID and phone numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedLearner {
    pub id: LearnerId,
    pub display_name: String,
    pub national_id: NationalId,
    pub phone: Option<PhoneNumber>,
    pub birth_year: i32,
    pub gender: Gender,
    pub district: DistrictCode,
    pub subdistrict: Option<SubdistrictCode>,
    pub neighbourhood: Option<NeighbourhoodCode>,
    pub interests: Vec<Topic>,
    pub registered_at: OffsetDateTime,
    pub registered_by: Option<InstitutionId>,
}

impl GeneratedLearner {
    /// The record to store: ID and phone numbers sealed with `vault` (fresh nonces each time).
    pub fn seal(&self, vault: &PiiVault) -> Result<LearnerRecord, PrivacyError> {
        let (national_id, national_id_lookup) = vault.seal_national_id(&self.national_id)?;
        let phone = self
            .phone
            .as_ref()
            .map(|phone| vault.seal_phone(phone))
            .transpose()?;
        Ok(LearnerRecord {
            id: self.id,
            display_name: self.display_name.clone(),
            national_id,
            national_id_lookup,
            birth_year: self.birth_year,
            gender: self.gender,
            district: self.district.clone(),
            subdistrict: self.subdistrict.clone(),
            neighbourhood: self.neighbourhood.clone(),
            phone,
            interests: self.interests.clone(),
            registered_at: self.registered_at,
            registered_by: self.registered_by,
        })
    }
}

#[derive(Debug, Clone)]
struct Home {
    subdistrict: SubdistrictCode,
    neighbourhood: NeighbourhoodCode,
    community_school: InstitutionId,
}

#[derive(Debug, Clone)]
struct LearnerDistrict {
    code: DistrictCode,
    ages: WeightedTable,
    homes: Vec<Home>,
    older_homes: WeightedTable,
    younger_homes: WeightedTable,
}

/// The learners of a [`GeneratedCity`], in id order. Owns everything it needs, so it can run on
/// another thread than the one writing to the store.
#[derive(Debug, Clone)]
pub struct LearnerGenerator {
    rng: ChaCha8Rng,
    next_id: u64,
    count: u64,
    districts: Vec<LearnerDistrict>,
    district_table: WeightedTable,
    /// Sequence numbers handed out, per (district, day of birth, gender).
    issued: Vec<u16>,
    first_birth_day: i32,
    birth_days: usize,
}

impl LearnerGenerator {
    pub(crate) fn new(city: &GeneratedCity) -> Self {
        let mut districts = Vec::with_capacity(city.districts.len());
        let mut subdistrict_index = 0;
        let mut neighbourhood_index = 0;
        for district in &city.districts {
            let share = district.residents_60_plus as f64 / district.residents.max(1) as f64;
            let lean = share / CITY_SHARE_60_PLUS;
            let ages = WeightedTable::new(
                AGE_BANDS
                    .iter()
                    .map(|(low, _, w)| if *low >= 60 { w * lean } else { *w }),
            );
            let mut homes = Vec::new();
            let mut older = Vec::new();
            let mut younger = Vec::new();
            while subdistrict_index < city.subdistricts.len()
                && city.subdistricts[subdistrict_index].district == district.code
            {
                let subdistrict = &city.subdistricts[subdistrict_index];
                let community_school = city.community_schools[subdistrict_index];
                while neighbourhood_index < city.neighbourhoods.len()
                    && city.neighbourhoods[neighbourhood_index].subdistrict == subdistrict.code
                {
                    let neighbourhood = &city.neighbourhoods[neighbourhood_index];
                    homes.push(Home {
                        subdistrict: subdistrict.code.clone(),
                        neighbourhood: neighbourhood.code.clone(),
                        community_school,
                    });
                    older.push(neighbourhood.residents_60_plus as f64);
                    younger
                        .push((neighbourhood.residents - neighbourhood.residents_60_plus) as f64);
                    neighbourhood_index += 1;
                }
                subdistrict_index += 1;
            }
            districts.push(LearnerDistrict {
                code: district.code.clone(),
                ages,
                homes,
                older_homes: WeightedTable::new(older),
                younger_homes: WeightedTable::new(younger),
            });
        }
        let reference_day = REFERENCE_DATE.to_julian_day();
        let birth_days = ((OLDEST + 2) * 366) as usize;
        Self {
            rng: stream_rng(city.options.seed, Stream::Learners, 0),
            next_id: 1,
            count: city.learner_count,
            district_table: WeightedTable::new(city.districts.iter().map(|d| d.residents as f64)),
            issued: vec![0; districts.len() * birth_days * 2],
            districts,
            first_birth_day: reference_day - birth_days as i32,
            birth_days,
        }
    }

    /// How many learners are still to come.
    pub fn remaining(&self) -> u64 {
        self.count + 1 - self.next_id
    }

    /// Up to `size` learners; empty when all have been generated.
    pub fn next_batch(&mut self, size: usize) -> Vec<GeneratedLearner> {
        self.by_ref().take(size).collect()
    }

    /// A sequence number not yet issued for this district, birth day and gender, moving the
    /// birth one day earlier in the (never seen) case that all 500 are taken.
    fn issue_sequence(
        &mut self,
        district: usize,
        mut birth_day: i32,
        gender: Gender,
    ) -> (i32, u16) {
        let parity = match gender {
            Gender::Female => 0,
            Gender::Male => 1,
        };
        loop {
            let day =
                (birth_day - self.first_birth_day).clamp(0, self.birth_days as i32 - 1) as usize;
            let slot = (district * self.birth_days + day) * 2 + parity as usize;
            let issued = self.issued[slot];
            if issued < SEQUENCES_PER_GENDER {
                self.issued[slot] += 1;
                // Start each day at a different number so the numbers do not all begin at 000.
                let start =
                    ((day * 7_919 + district * 104_729) % SEQUENCES_PER_GENDER as usize) as u16;
                let sequence = ((issued + start) % SEQUENCES_PER_GENDER) * 2 + parity;
                return (birth_day, sequence);
            }
            birth_day -= 1;
        }
    }

    fn generate_one(&mut self) -> GeneratedLearner {
        let id = LearnerId::new(self.next_id as i64);
        self.next_id += 1;
        let rng = &mut self.rng;
        let district_index = self.district_table.sample(rng);
        let district = &self.districts[district_index];
        let (low, high, _) = AGE_BANDS[district.ages.sample(rng)];
        let age = between(rng, low, high - 1);
        let older = age >= 60;
        let female = if older { 0.6 } else { 0.55 };
        let gender = if chance(rng, female) {
            Gender::Female
        } else {
            Gender::Male
        };
        let reference_day = REFERENCE_DATE.to_julian_day();
        let birth_day = reference_day - ((age as f64 + uniform(rng, 0.0, 1.0)) * 365.2425) as i32;
        let homes = if older {
            &district.older_homes
        } else {
            &district.younger_homes
        };
        let home = (!district.homes.is_empty()).then(|| district.homes[homes.sample(rng)].clone());
        let code = district.code.clone();

        let (birth_day, sequence) = self.issue_sequence(district_index, birth_day, gender);
        let rng = &mut self.rng;
        let birth = Date::from_julian_day(birth_day).unwrap_or(REFERENCE_DATE);
        let national_id = NationalId::from_parts(code.as_str(), birth, sequence).expect(
            "a district code, a past birth date and a sequence below 1000 make a valid ID number",
        );
        let display_name = person_name(rng, gender, birth.year());
        let phone_chance = match age {
            ..60 => 0.85,
            60..75 => 0.65,
            _ => 0.4,
        };
        let phone = chance(rng, phone_chance).then(|| mobile_number(rng));
        let interests_pool = match age {
            ..35 => &YOUNG_INTERESTS,
            35..60 => &MIDDLE_INTERESTS,
            _ => &OLDER_INTERESTS,
        };
        let interest_count = between(rng, 1, 3) as usize;
        let interests = pick_weighted_distinct(rng, interests_pool, interest_count);
        let registered_at = registration_time(rng, birth_day);
        let by_school = chance(rng, if older { 0.45 } else { 0.3 });
        let registered_by = home
            .as_ref()
            .filter(|_| by_school)
            .map(|home| home.community_school);
        GeneratedLearner {
            id,
            display_name,
            national_id,
            phone,
            birth_year: birth.year(),
            gender,
            district: code,
            subdistrict: home.as_ref().map(|home| home.subdistrict.clone()),
            neighbourhood: home.map(|home| home.neighbourhood),
            interests,
            registered_at,
            registered_by,
        }
    }
}

impl Iterator for LearnerGenerator {
    type Item = GeneratedLearner;

    fn next(&mut self) -> Option<GeneratedLearner> {
        (self.next_id <= self.count).then(|| self.generate_one())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.remaining() as usize;
        (remaining, Some(remaining))
    }
}

/// A moment during opening hours (08:00–21:00 Shanghai time) of a day since the platform opened,
/// more often in recent years, never before the learner turned 16 nor after [`REFERENCE_DATE`].
fn registration_time(rng: &mut ChaCha8Rng, birth_day: i32) -> OffsetDateTime {
    let last = REFERENCE_DATE.to_julian_day();
    let opened =
        Date::from_ordinal_date(FIRST_REGISTRATION_YEAR, 1).map_or(last, Date::to_julian_day);
    let sixteen = birth_day + (16.0 * 365.2425) as i32 + 1;
    let earliest = opened.max(sixteen).min(last);
    static YEARS: std::sync::OnceLock<WeightedTable> = std::sync::OnceLock::new();
    let years = YEARS.get_or_init(|| WeightedTable::new(REGISTRATION_YEAR_WEIGHTS));
    let year = FIRST_REGISTRATION_YEAR + years.sample(rng) as i32;
    let year_start = Date::from_ordinal_date(year, 1).map_or(earliest, Date::to_julian_day);
    let year_end = Date::from_ordinal_date(year + 1, 1).map_or(last, Date::to_julian_day) - 1;
    let (from, to) = if year_end < earliest || year_start > last {
        (earliest, last)
    } else {
        (year_start.max(earliest), year_end.min(last))
    };
    let day = Date::from_julian_day(between(rng, i64::from(from), i64::from(to)) as i32)
        .unwrap_or(REFERENCE_DATE);
    let seconds = between(rng, 8 * 3_600, 21 * 3_600 - 1);
    shanghai_time(day, seconds)
}
