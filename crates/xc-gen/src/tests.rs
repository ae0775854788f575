//! Tests of the generated rows, without a store: determinism, the real geography, exact
//! population sums, the site network and the learners' personal data.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use xc_domain::{InstitutionKind, NationalId, SiteKind, TeacherKind};
use xc_privacy::PiiVault;

use super::*;

fn tiny(seed: u64) -> GeneratedCity {
    generate_city(&GenerateOptions::new(Scale::Tiny, seed))
}

/// The district-scale city with seed 1 and all its learners, generated once for all tests.
fn district_city() -> &'static (GeneratedCity, Vec<GeneratedLearner>) {
    static CITY: OnceLock<(GeneratedCity, Vec<GeneratedLearner>)> = OnceLock::new();
    CITY.get_or_init(|| {
        let city = generate_city(&GenerateOptions::new(Scale::District, 1));
        let learners = city.learners().collect();
        (city, learners)
    })
}

#[test]
fn the_scale_parser_names_the_choices() {
    assert_eq!(Scale::parse("tiny").unwrap(), Scale::Tiny);
    assert_eq!(" District ".parse::<Scale>().unwrap(), Scale::District);
    assert_eq!(Scale::parse("city").unwrap(), Scale::City);
    let error = Scale::parse("galaxy").unwrap_err();
    assert_eq!(error.field, "scale");
    assert_eq!(
        error.reason,
        "'galaxy' is not a scale: expected one of tiny, district, city"
    );
}

#[test]
fn the_same_seed_gives_the_same_city_and_another_seed_another() {
    let first = tiny(7);
    let again = tiny(7);
    assert_eq!(first, again);
    let learners: Vec<GeneratedLearner> = first.learners().collect();
    let learners_again: Vec<GeneratedLearner> = again.learners().collect();
    assert_eq!(learners.len(), 1_000);
    assert_eq!(learners, learners_again);

    let other = tiny(8);
    assert_eq!(
        other.districts, first.districts,
        "district figures are census data, not random"
    );
    assert_ne!(other.subdistricts, first.subdistricts);
    assert_ne!(other.neighbourhoods, first.neighbourhoods);
    assert_ne!(other.sites, first.sites);
    assert_ne!(other.teachers, first.teachers);
    let other_learners: Vec<GeneratedLearner> = other.learners().collect();
    assert_ne!(other_learners, learners);
}

#[test]
fn sealing_changes_only_the_ciphertexts() {
    let city = tiny(3);
    let learner = city.learners().find(|l| l.phone.is_some()).unwrap();
    let vault = PiiVault::random();
    let first = learner.seal(&vault).unwrap();
    let second = learner.seal(&vault).unwrap();
    assert_ne!(first.national_id.ciphertext, second.national_id.ciphertext);
    assert_eq!(first.national_id.masked, second.national_id.masked);
    assert_eq!(first.national_id_lookup, second.national_id_lookup);
    assert_eq!(
        first.phone.as_ref().unwrap().masked,
        second.phone.as_ref().unwrap().masked
    );
    assert_eq!(
        vault
            .open(xc_privacy::PiiField::NationalId, &first.national_id)
            .unwrap(),
        learner.national_id.expose()
    );
    let without = |mut record: xc_store::LearnerRecord| {
        record.national_id.ciphertext.clear();
        if let Some(phone) = record.phone.as_mut() {
            phone.ciphertext.clear();
        }
        record
    };
    assert_eq!(without(first), without(second));
}

#[test]
fn tiny_is_huangpu_with_its_real_divisions() {
    let city = tiny(1);
    assert_eq!(city.districts.len(), 1);
    assert_eq!(city.districts[0].code.as_str(), "310101");
    assert_eq!(city.districts[0].name, "黄浦区");
    let csv_subdistricts = include_str!("../data/subdistricts.csv")
        .lines()
        .filter(|l| l.ends_with(",310101"))
        .count();
    let csv_neighbourhoods = include_str!("../data/neighbourhoods.csv")
        .lines()
        .filter(|l| {
            l.rsplit(',')
                .next()
                .is_some_and(|parent| parent.starts_with("310101"))
        })
        .count();
    assert_eq!((csv_subdistricts, csv_neighbourhoods), (10, 170));
    assert_eq!(city.subdistricts.len(), csv_subdistricts);
    assert_eq!(city.neighbourhoods.len(), csv_neighbourhoods);
    assert_eq!(city.subdistricts[0].name, "南京东路街道");
    assert_eq!(city.neighbourhoods[0].name, "云南中路居委会");
    let first_school = city.first_community_school().unwrap();
    assert_eq!(
        city.institutions[first_school.get() as usize - 1].name,
        "南京东路街道社区学校"
    );
    assert!(city.learners().all(|l| l.district.as_str() == "310101"));
}

#[test]
fn the_whole_city_has_all_real_divisions() {
    let city = generate_city(&GenerateOptions::new(Scale::City, 1));
    assert_eq!(city.districts.len(), 16);
    assert_eq!(city.subdistricts.len(), 234);
    assert_eq!(city.neighbourhoods.len(), 6_509);
    assert_eq!(city.learner_count, 1_000_000);
    let (district_scale, _) = district_city();
    assert_eq!(district_scale.subdistricts.len(), 234);
    assert_eq!(district_scale.neighbourhoods.len(), 6_509);
    // One district's numbers do not depend on the scale.
    let huangpu = tiny(1);
    assert_eq!(huangpu.subdistricts[..], city.subdistricts[..10]);
    assert_eq!(huangpu.neighbourhoods[..], city.neighbourhoods[..170]);
}

#[test]
fn populations_add_up_exactly_at_every_level() {
    let (city, _) = district_city();
    let total: i64 = city.districts.iter().map(|d| d.residents).sum();
    let census: i64 = reference::shanghai()
        .districts
        .iter()
        .map(|d| d.residents)
        .sum();
    assert_eq!(total, census);
    assert_eq!(
        city.districts
            .iter()
            .map(|d| d.residents_60_plus)
            .sum::<i64>(),
        5_815_462
    );
    assert_eq!((5_815_462.0 / 24_870_895.0 * 1000.0_f64).round(), 234.0);
    for district in &city.districts {
        let subdistricts: Vec<_> = city
            .subdistricts
            .iter()
            .filter(|s| s.district == district.code)
            .collect();
        assert_eq!(
            subdistricts.iter().map(|s| s.residents).sum::<i64>(),
            district.residents
        );
        assert_eq!(
            subdistricts
                .iter()
                .map(|s| s.residents_60_plus)
                .sum::<i64>(),
            district.residents_60_plus
        );
        let share = district.residents_60_plus as f64 / district.residents as f64;
        assert!((0.14..0.40).contains(&share), "{} {share}", district.name);
    }
    for subdistrict in &city.subdistricts {
        let neighbourhoods: Vec<_> = city
            .neighbourhoods
            .iter()
            .filter(|n| n.subdistrict == subdistrict.code)
            .collect();
        assert!(!neighbourhoods.is_empty());
        assert_eq!(
            neighbourhoods.iter().map(|n| n.residents).sum::<i64>(),
            subdistrict.residents
        );
        assert_eq!(
            neighbourhoods
                .iter()
                .map(|n| n.residents_60_plus)
                .sum::<i64>(),
            subdistrict.residents_60_plus
        );
        assert!(subdistrict.residents_60_plus <= subdistrict.residents);
    }
    for neighbourhood in &city.neighbourhoods {
        assert!(
            neighbourhood.residents_60_plus <= neighbourhood.residents,
            "{}",
            neighbourhood.name
        );
        assert!(neighbourhood.residents_60_plus >= 0);
    }
    // Villages are smaller than residents' committees on average.
    let mean = |kind: xc_domain::NeighbourhoodKind| {
        let sizes: Vec<i64> = city
            .neighbourhoods
            .iter()
            .filter(|n| n.kind == kind)
            .map(|n| n.residents)
            .collect();
        sizes.iter().sum::<i64>() as f64 / sizes.len() as f64
    };
    assert!(
        mean(xc_domain::NeighbourhoodKind::Village) < mean(xc_domain::NeighbourhoodKind::Residents)
    );
}

#[test]
fn positions_are_generated_inside_shanghai() {
    let (city, _) = district_city();
    assert!(city.subdistricts.iter().all(|s| s.centroid_generated));
    assert!(city.neighbourhoods.iter().all(|n| n.position_generated));
    let inside = |p: xc_domain::GeoPoint| {
        (120.8..122.2).contains(&p.lon()) && (30.6..32.0).contains(&p.lat())
    };
    assert!(city.neighbourhoods.iter().all(|n| inside(n.position)));
    assert!(city.sites.iter().all(|s| inside(s.position)));
    for subdistrict in &city.subdistricts {
        let district = city
            .districts
            .iter()
            .find(|d| d.code == subdistrict.district)
            .unwrap();
        assert!(
            subdistrict.centroid.distance_m(district.centroid) < 25_000.0,
            "{}",
            subdistrict.name
        );
    }
}

#[test]
fn every_subdistrict_has_a_community_school() {
    let (city, _) = district_city();
    for (index, subdistrict) in city.subdistricts.iter().enumerate() {
        let school = city
            .sites
            .iter()
            .find(|s| {
                s.kind == SiteKind::CommunitySchool
                    && s.subdistrict.as_ref() == Some(&subdistrict.code)
            })
            .unwrap_or_else(|| panic!("{} has no community school", subdistrict.name));
        assert_eq!(school.name, format!("{}社区学校", subdistrict.name));
        let institution = &city.institutions[school.institution.unwrap().get() as usize - 1];
        assert_eq!(institution.kind, InstitutionKind::CommunitySchool);
        assert_eq!(institution.id, city.community_schools[index]);
    }
}

#[test]
fn every_kind_of_site_and_institution_appears_with_sane_fields() {
    let (city, _) = district_city();
    for kind in SiteKind::ALL {
        assert!(city.sites.iter().any(|s| s.kind == *kind), "no {kind}");
    }
    for kind in InstitutionKind::ALL {
        assert!(
            city.institutions.iter().any(|i| i.kind == *kind),
            "no {kind}"
        );
    }
    for (index, site) in city.sites.iter().enumerate() {
        assert_eq!(site.id.get(), index as i64 + 1);
        assert!(
            site.capacity > 0 && !site.topics.is_empty(),
            "{}",
            site.name
        );
        assert!(site.address.starts_with("上海市"), "{}", site.address);
        assert!(site.opening_hours.contains(':'), "{}", site.opening_hours);
        if let Some(phone) = &site.phone {
            assert!(phone.starts_with("021-") && phone.len() == 12, "{phone}");
        }
        if let (Some(subdistrict), Some(neighbourhood)) = (&site.subdistrict, &site.neighbourhood) {
            assert_eq!(&neighbourhood.subdistrict(), subdistrict);
        }
        if let Some(subdistrict) = &site.subdistrict {
            assert_eq!(subdistrict.district(), site.district);
        }
        if let Some(institution) = site.institution {
            assert!(
                institution.get() >= 1 && institution.get() as usize <= city.institutions.len()
            );
        }
    }
    for (index, institution) in city.institutions.iter().enumerate() {
        assert_eq!(institution.id.get(), index as i64 + 1);
    }
    let names: HashSet<&str> = city.institutions.iter().map(|i| i.name.as_str()).collect();
    for name in [
        "上海开放大学",
        "上海老年大学",
        "上海图书馆",
        "上海博物馆",
        "上海市终身教育学分银行",
        "黄浦区社区学院",
        "黄浦区老年大学",
        "上海开放大学黄浦分校",
    ] {
        assert!(names.contains(name), "{name}");
    }
    let points = city
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::LearningPoint)
        .count() as f64;
    let care = city
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::CareAndLearningPoint)
        .count() as f64;
    let neighbourhoods = city.neighbourhoods.len() as f64;
    assert!(
        (0.82..0.88).contains(&(points / neighbourhoods)),
        "{}",
        points / neighbourhoods
    );
    assert!(
        (0.08..0.12).contains(&(care / neighbourhoods)),
        "{}",
        care / neighbourhoods
    );
    let names: HashMap<&xc_domain::NeighbourhoodCode, &str> = city
        .neighbourhoods
        .iter()
        .map(|n| (&n.code, n.name.as_str()))
        .collect();
    for point in city
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::LearningPoint)
    {
        let neighbourhood = names[point.neighbourhood.as_ref().unwrap()];
        assert_eq!(point.name, format!("{neighbourhood}学习点"));
    }
}

#[test]
fn full_time_staff_per_10_000_residents_straddle_the_target() {
    let (city, _) = district_city();
    let mut meeting = 0;
    for district in &city.districts {
        let full_time = city
            .teachers
            .iter()
            .filter(|t| t.district == district.code && t.kind == TeacherKind::FullTime)
            .count() as f64;
        let rate = full_time / (district.residents as f64 / 10_000.0);
        assert!((0.75..1.35).contains(&rate), "{} {rate}", district.name);
        if rate >= 1.0 {
            meeting += 1;
        }
    }
    assert!(
        (1..16).contains(&meeting),
        "{meeting} of 16 districts meet the target"
    );
    for kind in TeacherKind::ALL {
        assert!(city.teachers.iter().any(|t| t.kind == *kind), "no {kind}");
    }
    assert!(city.teachers.iter().all(|t| !t.subjects.is_empty()));
    // Tiny keeps the part-time and volunteer registry in proportion to its 1,000 learners.
    let small = tiny(1);
    let helpers = small
        .teachers
        .iter()
        .filter(|t| t.kind != TeacherKind::FullTime)
        .count();
    assert!(helpers < 200, "{helpers}");
}

#[test]
fn learners_have_valid_unique_national_ids_and_consistent_homes() {
    let (city, learners) = district_city();
    assert_eq!(learners.len(), 50_000);
    let mut seen = HashSet::with_capacity(learners.len());
    let schools: HashMap<&xc_domain::SubdistrictCode, xc_domain::InstitutionId> = city
        .subdistricts
        .iter()
        .zip(&city.community_schools)
        .map(|(s, i)| (&s.code, *i))
        .collect();
    let mut older = 0;
    let mut with_phone = 0;
    let mut by_school = 0;
    for (index, learner) in learners.iter().enumerate() {
        assert_eq!(learner.id.get(), index as i64 + 1);
        let id = NationalId::parse_at(learner.national_id.expose(), REFERENCE_DATE).unwrap();
        assert!(seen.insert(id.expose().to_owned()), "duplicate ID number");
        assert_eq!(id.region(), learner.district.as_str());
        assert_eq!(id.gender(), learner.gender);
        assert_eq!(id.birth_date().year(), learner.birth_year);
        let age = REFERENCE_DATE.year() - learner.birth_year;
        assert!((16..=97).contains(&age), "{age}");
        if age >= 60 {
            older += 1;
        }
        let subdistrict = learner.subdistrict.as_ref().unwrap();
        assert_eq!(subdistrict.district(), learner.district);
        assert_eq!(
            &learner.neighbourhood.as_ref().unwrap().subdistrict(),
            subdistrict
        );
        if let Some(institution) = learner.registered_by {
            assert_eq!(schools[subdistrict], institution);
            by_school += 1;
        }
        with_phone += usize::from(learner.phone.is_some());
        assert!(!learner.interests.is_empty() && learner.interests.len() <= 3);
        let registered = learner.registered_at.date();
        assert!(
            registered <= REFERENCE_DATE && registered.year() >= 2018,
            "{registered}"
        );
        assert!(registered.year() - learner.birth_year >= 16);
        assert!(
            (2..=4).contains(&learner.display_name.chars().count()),
            "{}",
            learner.display_name
        );
    }
    let share = |n: usize| n as f64 / learners.len() as f64;
    assert!(
        (0.45..0.65).contains(&share(older)),
        "60+ share {}",
        share(older)
    );
    assert!(
        (0.5..0.9).contains(&share(with_phone)),
        "phone share {}",
        share(with_phone)
    );
    assert!(
        (0.25..0.5).contains(&share(by_school)),
        "registered by a school {}",
        share(by_school)
    );
    // Districts in proportion to residents: Pudong about 23%.
    let pudong = learners
        .iter()
        .filter(|l| l.district.as_str() == "310115")
        .count();
    assert!((0.21..0.25).contains(&share(pudong)), "{}", share(pudong));
}

#[test]
fn learners_come_in_batches_until_the_count() {
    let city = tiny(5);
    let mut generator = city.learners();
    assert_eq!(generator.remaining(), 1_000);
    assert_eq!(generator.next_batch(600).len(), 600);
    assert_eq!(generator.next_batch(600).len(), 400);
    assert!(generator.next_batch(600).is_empty());
    assert_eq!(generator.remaining(), 0);
}

/// Timings of row generation, for the record: `cargo test -p xc-gen --release -- --ignored
/// --nocapture timings`.
#[test]
#[ignore = "measures; run by hand"]
fn timings() {
    let vault = PiiVault::random();
    for scale in Scale::ALL {
        let started = std::time::Instant::now();
        let city = generate_city(&GenerateOptions::new(scale, 1));
        let rows = started.elapsed();
        let mut learners = 0;
        let mut generator = city.learners();
        let mut sealing = std::time::Duration::ZERO;
        loop {
            let batch = generator.next_batch(LEARNER_BATCH);
            if batch.is_empty() {
                break;
            }
            let sealed_at = std::time::Instant::now();
            let sealed: Vec<_> = batch.iter().map(|l| l.seal(&vault).unwrap()).collect();
            sealing += sealed_at.elapsed();
            learners += sealed.len();
        }
        eprintln!(
            "{scale}: city rows {rows:?} ({} sites, {} teachers), {learners} learners generated and sealed in {:?} (sealing {sealing:?})",
            city.sites.len(),
            city.teachers.len(),
            started.elapsed() - rows,
        );
    }
}

/// Timings of outcome generation (no store) at the district and city scales, for the record:
/// `cargo test -p xc-gen --release -- --ignored --nocapture outcome_timings`.
#[test]
#[ignore = "measures; run by hand"]
fn outcome_timings() {
    for scale in [Scale::District, Scale::City] {
        let city = generate_city(&GenerateOptions::new(scale, 2026));
        let started = std::time::Instant::now();
        let bank = CreditBank::new(&city);
        let standards = started.elapsed();
        let staff = BankStaff {
            reviewer: Some(xc_domain::UserId::new(3)),
            provider: None,
        };
        let mut generator = bank.outcomes(&city, staff);
        let (mut outcomes, mut decisions, mut in_review) = (0, 0, 0);
        while let Some(batch) = generator.next_batch(OUTCOME_BATCH) {
            outcomes += batch.outcomes.len();
            decisions += batch.decisions.len();
            in_review += batch
                .outcomes
                .iter()
                .filter(|o| o.status == xc_store::OutcomeStatus::InReview)
                .count();
        }
        eprintln!(
            "{scale}: {} specifications in {standards:?}; {outcomes} outcomes ({in_review} in review), {decisions} decisions in {:?}",
            bank.specifications().len(),
            started.elapsed() - standards
        );
    }
}
