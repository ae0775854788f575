//! Institutions and learning sites of every kind, placed in the generated geography.
//!
//! City level: 上海开放大学, 上海老年大学, 上海图书馆, 上海博物馆 and the credit bank
//! (上海市终身教育学分银行, an institution without a site of its own). Per district: a community
//! college, an elder university, a library, an open-university branch, one to three museums,
//! training organisations, employers with a workers' reading room, experience bases and social
//! learning points. Per subdistrict: a community school (SPEC C9 counts subdistricts with one:
//! every subdistrict has one). Per neighbourhood: a learning point in most, a care-and-learning
//! point in some. Addresses and positions are generated (near the generated centroids), except
//! for the three city venues with well-known addresses.

use rand_chacha::ChaCha8Rng;
use xc_domain::{
    DistrictCode, GeoPoint, InstitutionId, InstitutionKind, NeighbourhoodKind, SiteId, SiteKind,
    SubdistrictKind, Topic,
};
use xc_store::{Institution, Neighbourhood, Site, Subdistrict};

use crate::GenerateOptions;
use crate::geography::{Geography, district_short_name, offset};
use crate::names::{
    house_number, landline, neighbourhood_short_name, road, road_of_neighbourhood,
    subdistrict_short_name,
};
use crate::random::{
    Stream, WeightedTable, between, chance, pick, pick_weighted_distinct, stream_rng, uniform,
};

/// Share of neighbourhoods with a learning point (居村委学习点).
const LEARNING_POINT_SHARE: f64 = 0.85;
/// Share of neighbourhoods with a care-and-learning point (养教结合学习点).
const CARE_POINT_SHARE: f64 = 0.10;

/// The institutions a district's teachers can belong to.
#[derive(Debug, Clone, Default)]
pub(crate) struct DistrictInstitutions {
    pub(crate) community_college: Option<InstitutionId>,
    pub(crate) elder_university: Option<InstitutionId>,
    pub(crate) open_university: Option<InstitutionId>,
    pub(crate) training: Vec<InstitutionId>,
}

#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub(crate) institutions: Vec<Institution>,
    pub(crate) sites: Vec<Site>,
    /// The community-school institution of every subdistrict, in subdistrict order.
    pub(crate) community_schools: Vec<InstitutionId>,
    pub(crate) by_district: Vec<DistrictInstitutions>,
}

/// How a kind of site looks: capacity range, opening hours to pick from, chance of step-free
/// access, the topics it teaches (with weights) and how many of them.
struct KindProfile {
    capacity: (i64, i64),
    hours: &'static [&'static str],
    step_free: f64,
    topics: &'static [(Topic, f64)],
    topic_count: (i64, i64),
}

fn profile(kind: SiteKind) -> KindProfile {
    use Topic::*;
    match kind {
        SiteKind::CommunityCollege => KindProfile {
            capacity: (800, 2_000),
            hours: &[
                "Mo-Fr 08:30-17:00; Sa 09:00-16:00",
                "Mo-Fr 08:30-20:30; Sa 09:00-16:00",
            ],
            step_free: 0.97,
            topics: &[
                (PoliticsAndCivics, 1.0),
                (CultureAndArts, 2.0),
                (Health, 1.5),
                (SmartLiving, 1.5),
                (VocationalSkills, 1.5),
                (FamilyEducation, 1.0),
                (HistoryAndHeritage, 1.0),
                (Languages, 1.0),
            ],
            topic_count: (4, 6),
        },
        SiteKind::CommunitySchool => KindProfile {
            capacity: (200, 800),
            hours: &[
                "Mo-Fr 08:30-17:00",
                "Mo-Fr 08:30-16:30; Sa 09:00-11:30",
                "Mo-Sa 08:30-17:00",
            ],
            step_free: 0.9,
            topics: &[
                (PoliticsAndCivics, 1.0),
                (CultureAndArts, 2.0),
                (Health, 2.0),
                (SmartLiving, 1.5),
                (FamilyEducation, 1.0),
                (HistoryAndHeritage, 0.8),
                (Languages, 0.5),
            ],
            topic_count: (3, 5),
        },
        SiteKind::ElderUniversity => KindProfile {
            capacity: (1_000, 5_000),
            hours: &["Mo-Fr 08:00-16:30", "Mo-Fr 08:00-17:00; Sa 08:30-11:30"],
            step_free: 0.98,
            topics: &[
                (CultureAndArts, 2.5),
                (Health, 2.0),
                (SmartLiving, 1.5),
                (HistoryAndHeritage, 1.0),
                (Languages, 0.8),
            ],
            topic_count: (3, 5),
        },
        SiteKind::LearningPoint => KindProfile {
            capacity: (20, 60),
            hours: &[
                "Mo-Fr 09:00-11:30,13:30-16:30",
                "Mo-Fr 08:30-17:00",
                "Tu,Th 13:30-16:30",
                "Mo,We,Fr 09:00-11:30",
            ],
            step_free: 0.6,
            topics: &[
                (PoliticsAndCivics, 1.5),
                (Health, 2.0),
                (SmartLiving, 1.5),
                (CultureAndArts, 1.5),
                (FamilyEducation, 1.0),
            ],
            topic_count: (1, 3),
        },
        SiteKind::CareAndLearningPoint => KindProfile {
            capacity: (15, 40),
            hours: &["Mo-Su 08:00-17:00", "Mo-Fr 09:00-11:00,14:00-16:00"],
            step_free: 0.95,
            topics: &[(Health, 3.0), (SmartLiving, 1.5), (CultureAndArts, 1.5)],
            topic_count: (1, 2),
        },
        SiteKind::SocialLearningPoint => KindProfile {
            capacity: (20, 120),
            hours: &[
                "Mo-Su 09:00-21:00",
                "Mo-Fr 09:00-17:00",
                "Tu-Su 09:30-17:00",
            ],
            step_free: 0.8,
            topics: &[
                (PoliticsAndCivics, 0.8),
                (CultureAndArts, 1.5),
                (Health, 1.0),
                (SmartLiving, 1.2),
                (VocationalSkills, 1.2),
                (FamilyEducation, 0.8),
                (HistoryAndHeritage, 0.8),
                (Languages, 0.8),
            ],
            topic_count: (1, 3),
        },
        SiteKind::ExperienceBase => KindProfile {
            capacity: (30, 150),
            hours: &[
                "Tu-Su 09:00-16:30",
                "Sa,Su 09:00-17:00",
                "Mo-Fr 09:00-16:00",
            ],
            step_free: 0.75,
            topics: &[
                (CultureAndArts, 1.0),
                (HistoryAndHeritage, 1.0),
                (SmartLiving, 0.5),
            ],
            topic_count: (0, 1),
        },
        SiteKind::Library => KindProfile {
            capacity: (500, 2_000),
            hours: &["Mo-Su 09:00-20:30", "Tu-Su 09:00-20:00"],
            step_free: 0.99,
            topics: &[
                (CultureAndArts, 1.5),
                (HistoryAndHeritage, 1.0),
                (Languages, 1.0),
                (SmartLiving, 1.0),
                (FamilyEducation, 1.0),
            ],
            topic_count: (2, 4),
        },
        SiteKind::Museum => KindProfile {
            capacity: (200, 1_500),
            hours: &["Tu-Su 09:00-17:00", "Tu-Su 09:30-16:30"],
            step_free: 0.95,
            topics: &[
                (HistoryAndHeritage, 3.0),
                (CultureAndArts, 2.0),
                (PoliticsAndCivics, 0.7),
            ],
            topic_count: (1, 3),
        },
        SiteKind::OpenUniversity => KindProfile {
            capacity: (500, 3_000),
            hours: &["Mo-Fr 08:30-21:00; Sa,Su 08:30-17:00"],
            step_free: 0.97,
            topics: &[
                (VocationalSkills, 2.0),
                (Languages, 1.0),
                (SmartLiving, 1.0),
                (PoliticsAndCivics, 0.7),
                (CultureAndArts, 0.7),
            ],
            topic_count: (2, 4),
        },
    }
}

#[rustfmt::skip]
const MUSEUMS: [&str; 6] = [
    "{}博物馆", "{}历史文化陈列馆", "{}非物质文化遗产展示馆", "{}城市规划展示馆",
    "{}革命文物陈列馆", "{}民俗文化馆",
];
#[rustfmt::skip]
const EXPERIENCE_THEMES: [(&str, Topic); 11] = [
    ("海派文化", Topic::CultureAndArts), ("非遗手工", Topic::CultureAndArts),
    ("科普教育", Topic::SmartLiving), ("智慧生活", Topic::SmartLiving),
    ("红色文化", Topic::PoliticsAndCivics), ("农耕文化", Topic::HistoryAndHeritage),
    ("茶文化", Topic::CultureAndArts), ("书画艺术", Topic::CultureAndArts),
    ("中医药文化", Topic::Health), ("家庭教育", Topic::FamilyEducation),
    ("江南水乡", Topic::HistoryAndHeritage),
];
#[rustfmt::skip]
const SOCIAL_HOSTS: [(&str, Topic); 8] = [
    ("新华书店", Topic::CultureAndArts), ("文化活动中心", Topic::CultureAndArts),
    ("党群服务中心", Topic::PoliticsAndCivics), ("科普馆", Topic::SmartLiving),
    ("青少年活动中心", Topic::FamilyEducation), ("美术馆", Topic::CultureAndArts),
    ("社区卫生服务中心", Topic::Health), ("数字生活体验馆", Topic::SmartLiving),
];
#[rustfmt::skip]
const TRAINING_WORDS: [&str; 12] = [
    "申城", "新星", "华夏", "东方", "育才", "明德", "启航", "博雅", "智汇", "同心", "海纳", "乐学",
];
#[rustfmt::skip]
const TRAINING_FORMS: [(&str, Topic); 4] = [
    ("职业技能培训学校", Topic::VocationalSkills), ("进修学校", Topic::VocationalSkills),
    ("外语培训中心", Topic::Languages), ("艺术培训中心", Topic::CultureAndArts),
];
#[rustfmt::skip]
const EMPLOYER_WORDS: [&str; 12] = [
    "申江", "浦江", "沪东", "华亭", "明珠", "长江", "锦江", "新沪", "海港", "金桥", "永新", "恒丰",
];
#[rustfmt::skip]
const EMPLOYER_TRADES: [&str; 8] = [
    "实业", "电子科技", "机械制造", "医药", "物流", "食品", "纺织", "建设",
];

/// A city-level institution and, when it has one, its site. Three venues have well-known
/// addresses and approximate WGS-84 positions; the others get generated ones in their district.
struct CityVenue {
    kind: InstitutionKind,
    name: &'static str,
    site: Option<SiteKind>,
    district: &'static str,
    known: Option<(&'static str, f64, f64)>,
}

const CITY_VENUES: [CityVenue; 5] = [
    CityVenue {
        kind: InstitutionKind::OpenUniversity,
        name: "上海开放大学",
        site: Some(SiteKind::OpenUniversity),
        district: "310110",
        known: Some(("上海市杨浦区国顺路288号", 121.5035, 31.2947)),
    },
    CityVenue {
        kind: InstitutionKind::ElderUniversity,
        name: "上海老年大学",
        site: Some(SiteKind::ElderUniversity),
        district: "310106",
        known: None,
    },
    CityVenue {
        kind: InstitutionKind::Library,
        name: "上海图书馆",
        site: Some(SiteKind::Library),
        district: "310104",
        known: Some(("上海市徐汇区淮海中路1555号", 121.4414, 31.2090)),
    },
    CityVenue {
        kind: InstitutionKind::Museum,
        name: "上海博物馆",
        site: Some(SiteKind::Museum),
        district: "310101",
        known: Some(("上海市黄浦区人民大道201号", 121.4710, 31.2303)),
    },
    CityVenue {
        kind: InstitutionKind::CreditBank,
        name: "上海市终身教育学分银行",
        site: None,
        district: "",
        known: None,
    },
];

struct Builder<'g> {
    geography: &'g Geography,
    institutions: Vec<Institution>,
    sites: Vec<Site>,
}

/// Where a site stands and how to write its address.
struct Spot {
    district: usize,
    subdistrict: Option<usize>,
    neighbourhood: Option<usize>,
    position: GeoPoint,
    address: String,
}

impl Builder<'_> {
    fn institution(
        &mut self,
        name: String,
        kind: InstitutionKind,
        district: Option<&DistrictCode>,
    ) -> InstitutionId {
        let id = InstitutionId::new(self.institutions.len() as i64 + 1);
        self.institutions.push(Institution {
            id,
            name,
            kind,
            district: district.cloned(),
        });
        id
    }

    fn site(
        &mut self,
        rng: &mut ChaCha8Rng,
        name: String,
        kind: SiteKind,
        institution: Option<InstitutionId>,
        spot: Spot,
        must_teach: Option<Topic>,
    ) -> SiteId {
        let profile = profile(kind);
        let count = between(rng, profile.topic_count.0, profile.topic_count.1) as usize;
        let mut topics = pick_weighted_distinct(rng, profile.topics, count);
        if let Some(topic) = must_teach.filter(|t| !topics.contains(t)) {
            topics.push(topic);
        }
        topics.sort();
        let capacity = between(rng, profile.capacity.0, profile.capacity.1) as i32;
        let opening_hours = (pick(rng, profile.hours)).to_owned();
        let step_free = chance(rng, profile.step_free);
        let phone =
            (!matches!(kind, SiteKind::LearningPoint) || chance(rng, 0.7)).then(|| landline(rng));
        let id = SiteId::new(self.sites.len() as i64 + 1);
        let geography = self.geography;
        self.sites.push(Site {
            id,
            name,
            kind,
            institution,
            district: geography.districts[spot.district].code.clone(),
            subdistrict: spot
                .subdistrict
                .map(|s| geography.subdistricts[s].code.clone()),
            neighbourhood: spot
                .neighbourhood
                .map(|n| geography.neighbourhoods[n].code.clone()),
            address: spot.address,
            position: spot.position,
            capacity,
            opening_hours,
            step_free,
            phone,
            topics,
        });
        id
    }

    /// A street address in a subdistrict: towns and townships name themselves before the road.
    fn street_address(
        &self,
        rng: &mut ChaCha8Rng,
        district: usize,
        subdistrict: &Subdistrict,
        on: Option<&str>,
    ) -> String {
        let district = &self.geography.districts[district];
        let district_name = &district.name;
        let road = on.unwrap_or_else(|| road(rng, district.code.as_str()));
        let number = house_number(rng);
        match subdistrict.kind {
            SubdistrictKind::Street => format!("上海市{district_name}{road}{number}号"),
            _ => format!("上海市{district_name}{}{road}{number}号", subdistrict.name),
        }
    }

    /// Somewhere in the district: a subdistrict drawn by residents, near its centroid.
    fn spot_in_district(
        &self,
        rng: &mut ChaCha8Rng,
        district: usize,
        table: &WeightedTable,
    ) -> Spot {
        let range = self.geography.district_subdistricts[district].clone();
        let subdistrict = range.start + table.sample(rng);
        self.spot_in_subdistrict(rng, district, subdistrict, 0.6)
    }

    fn spot_in_subdistrict(
        &self,
        rng: &mut ChaCha8Rng,
        district: usize,
        subdistrict: usize,
        spread: f64,
    ) -> Spot {
        let record = &self.geography.subdistricts[subdistrict];
        let radius = self.geography.subdistrict_radius_km[subdistrict] * spread;
        let position = jitter(rng, record.centroid, radius);
        let address = self.street_address(rng, district, record, None);
        Spot {
            district,
            subdistrict: Some(subdistrict),
            neighbourhood: None,
            position,
            address,
        }
    }

    fn spot_in_neighbourhood(
        &self,
        rng: &mut ChaCha8Rng,
        district: usize,
        subdistrict: usize,
        neighbourhood: usize,
    ) -> Spot {
        let record: &Neighbourhood = &self.geography.neighbourhoods[neighbourhood];
        let parent = &self.geography.subdistricts[subdistrict];
        let position = jitter(rng, record.position, 0.08);
        let address = match record.kind {
            NeighbourhoodKind::Village => format!(
                "上海市{}{}{}{}号",
                self.geography.districts[district].name,
                parent.name,
                neighbourhood_short_name(&record.name),
                between(rng, 1, 300)
            ),
            NeighbourhoodKind::Residents => {
                self.street_address(rng, district, parent, road_of_neighbourhood(&record.name))
            }
        };
        Spot {
            district,
            subdistrict: Some(subdistrict),
            neighbourhood: Some(neighbourhood),
            position,
            address,
        }
    }
}

/// A point within `radius_km` of `centre`, uniformly over the disc.
fn jitter(rng: &mut ChaCha8Rng, centre: GeoPoint, radius_km: f64) -> GeoPoint {
    let rho = radius_km * uniform(rng, 0.0, 1.0).sqrt();
    let theta = uniform(rng, 0.0, std::f64::consts::TAU);
    offset(centre, rho * theta.cos(), rho * theta.sin())
}

pub(crate) fn generate(geography: &Geography, options: &GenerateOptions) -> Placed {
    let mut builder = Builder {
        geography,
        institutions: Vec::new(),
        sites: Vec::new(),
    };

    let mut rng = stream_rng(options.seed, Stream::CitySites, 0);
    for venue in &CITY_VENUES {
        let institution = builder.institution(venue.name.to_owned(), venue.kind, None);
        let Some(site_kind) = venue.site else {
            continue;
        };
        // A venue in a district this scale does not generate has no site here.
        let Some(district) = geography
            .districts
            .iter()
            .position(|d| d.code.as_str() == venue.district)
        else {
            continue;
        };
        let table = WeightedTable::new(
            geography.subdistricts[geography.district_subdistricts[district].clone()]
                .iter()
                .map(|s| s.residents as f64),
        );
        let mut spot = builder.spot_in_district(&mut rng, district, &table);
        if let Some((address, lon, lat)) = venue.known {
            spot.position = GeoPoint::new(lon, lat).unwrap_or(spot.position);
            spot.address = address.to_owned();
            // Which (real) subdistrict it stands in is not known: the generated ones have no
            // boundaries to test against.
            spot.subdistrict = None;
        }
        let site = builder.site(
            &mut rng,
            venue.name.to_owned(),
            site_kind,
            Some(institution),
            spot,
            None,
        );
        // The city's flagship venues are big and accessible.
        let record = &mut builder.sites[site.get() as usize - 1];
        record.capacity *= 3;
        record.step_free = true;
    }

    let mut community_schools = Vec::with_capacity(geography.subdistricts.len());
    let mut by_district = Vec::with_capacity(geography.districts.len());
    for (district, record) in geography.districts.iter().enumerate() {
        let mut rng = stream_rng(
            options.seed,
            Stream::Sites,
            geography.district_stream[district],
        );
        let code = record.code.clone();
        let name = record.name.clone();
        let short = district_short_name(code.as_str(), &name);
        let subdistricts = geography.district_subdistricts[district].clone();
        let by_residents = WeightedTable::new(
            geography.subdistricts[subdistricts.clone()]
                .iter()
                .map(|s| s.residents as f64),
        );
        let mut own = DistrictInstitutions::default();

        let college = builder.institution(
            format!("{name}社区学院"),
            InstitutionKind::CommunityCollege,
            Some(&code),
        );
        own.community_college = Some(college);
        let spot = builder.spot_in_district(&mut rng, district, &by_residents);
        builder.site(
            &mut rng,
            format!("{name}社区学院"),
            SiteKind::CommunityCollege,
            Some(college),
            spot,
            None,
        );

        let elder = builder.institution(
            format!("{name}老年大学"),
            InstitutionKind::ElderUniversity,
            Some(&code),
        );
        own.elder_university = Some(elder);
        let spot = builder.spot_in_district(&mut rng, district, &by_residents);
        builder.site(
            &mut rng,
            format!("{name}老年大学"),
            SiteKind::ElderUniversity,
            Some(elder),
            spot,
            None,
        );

        let library = builder.institution(
            format!("{name}图书馆"),
            InstitutionKind::Library,
            Some(&code),
        );
        let spot = builder.spot_in_district(&mut rng, district, &by_residents);
        builder.site(
            &mut rng,
            format!("{name}图书馆"),
            SiteKind::Library,
            Some(library),
            spot,
            None,
        );

        let branch = format!("上海开放大学{short}分校");
        let open =
            builder.institution(branch.clone(), InstitutionKind::OpenUniversity, Some(&code));
        own.open_university = Some(open);
        let spot = builder.spot_in_district(&mut rng, district, &by_residents);
        builder.site(
            &mut rng,
            branch,
            SiteKind::OpenUniversity,
            Some(open),
            spot,
            None,
        );

        let museums = between(&mut rng, 1, 3) as usize;
        let templates: Vec<&str> =
            pick_weighted_distinct(&mut rng, &MUSEUMS.map(|t| (t, 1.0)), museums);
        for template in templates {
            let museum_name = template.replace("{}", &short);
            let museum =
                builder.institution(museum_name.clone(), InstitutionKind::Museum, Some(&code));
            let spot = builder.spot_in_district(&mut rng, district, &by_residents);
            builder.site(
                &mut rng,
                museum_name,
                SiteKind::Museum,
                Some(museum),
                spot,
                None,
            );
        }

        let trainers = between(&mut rng, 2, 4) as usize;
        let words = pick_weighted_distinct(&mut rng, &TRAINING_WORDS.map(|w| (w, 1.0)), trainers);
        for word in words {
            let (form, topic) = pick(&mut rng, &TRAINING_FORMS);
            let trainer_name = format!("上海{short}{word}{form}");
            let trainer = builder.institution(
                trainer_name.clone(),
                InstitutionKind::TrainingOrganisation,
                Some(&code),
            );
            own.training.push(trainer);
            let spot = builder.spot_in_district(&mut rng, district, &by_residents);
            builder.site(
                &mut rng,
                trainer_name,
                SiteKind::SocialLearningPoint,
                Some(trainer),
                spot,
                Some(topic),
            );
        }

        let employers = between(&mut rng, 1, 2) as usize;
        let words = pick_weighted_distinct(&mut rng, &EMPLOYER_WORDS.map(|w| (w, 1.0)), employers);
        for word in words {
            let company = format!(
                "上海{short}{word}{}有限公司",
                pick(&mut rng, &EMPLOYER_TRADES)
            );
            let employer =
                builder.institution(company.clone(), InstitutionKind::Employer, Some(&code));
            let spot = builder.spot_in_district(&mut rng, district, &by_residents);
            builder.site(
                &mut rng,
                format!("{company}职工书屋"),
                SiteKind::SocialLearningPoint,
                Some(employer),
                spot,
                Some(Topic::VocationalSkills),
            );
        }

        let bases = between(&mut rng, 2, 4) as usize;
        let themes = pick_weighted_distinct(&mut rng, &EXPERIENCE_THEMES.map(|t| (t, 1.0)), bases);
        for (theme, topic) in themes {
            let spot = builder.spot_in_district(&mut rng, district, &by_residents);
            let host = spot.subdistrict.map_or(short.as_str(), |s| {
                subdistrict_short_name(&geography.subdistricts[s].name)
            });
            let base_name = format!("{host}{theme}体验基地");
            let institution = chance(&mut rng, 0.5).then_some(college);
            builder.site(
                &mut rng,
                base_name,
                SiteKind::ExperienceBase,
                institution,
                spot,
                Some(topic),
            );
        }

        let points = between(&mut rng, 2, 4) as usize;
        let hosts = pick_weighted_distinct(&mut rng, &SOCIAL_HOSTS.map(|h| (h, 1.0)), points);
        for (host, topic) in hosts {
            let spot = builder.spot_in_district(&mut rng, district, &by_residents);
            let place = spot.subdistrict.map_or(short.as_str(), |s| {
                subdistrict_short_name(&geography.subdistricts[s].name)
            });
            let point_name = format!("{place}{host}学习点");
            builder.site(
                &mut rng,
                point_name,
                SiteKind::SocialLearningPoint,
                None,
                spot,
                Some(topic),
            );
        }

        for subdistrict in subdistricts {
            let record = &geography.subdistricts[subdistrict];
            let school_name = format!("{}社区学校", record.name);
            let school = builder.institution(
                school_name.clone(),
                InstitutionKind::CommunitySchool,
                Some(&code),
            );
            community_schools.push(school);
            let spot = builder.spot_in_subdistrict(&mut rng, district, subdistrict, 0.2);
            builder.site(
                &mut rng,
                school_name,
                SiteKind::CommunitySchool,
                Some(school),
                spot,
                None,
            );

            for neighbourhood in geography.subdistrict_neighbourhoods[subdistrict].clone() {
                let place = &geography.neighbourhoods[neighbourhood];
                if chance(&mut rng, LEARNING_POINT_SHARE) {
                    let spot = builder.spot_in_neighbourhood(
                        &mut rng,
                        district,
                        subdistrict,
                        neighbourhood,
                    );
                    builder.site(
                        &mut rng,
                        format!("{}学习点", place.name),
                        SiteKind::LearningPoint,
                        Some(school),
                        spot,
                        None,
                    );
                }
                if chance(&mut rng, CARE_POINT_SHARE) {
                    let spot = builder.spot_in_neighbourhood(
                        &mut rng,
                        district,
                        subdistrict,
                        neighbourhood,
                    );
                    let care_name =
                        format!("{}养教结合学习点", neighbourhood_short_name(&place.name));
                    builder.site(
                        &mut rng,
                        care_name,
                        SiteKind::CareAndLearningPoint,
                        Some(elder),
                        spot,
                        Some(Topic::Health),
                    );
                }
            }
        }
        by_district.push(own);
    }

    Placed {
        institutions: builder.institutions,
        sites: builder.sites,
        community_schools,
        by_district,
    }
}
