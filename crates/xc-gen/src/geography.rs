//! The generated geography: real districts, subdistricts and neighbourhoods with generated
//! populations and positions.
//!
//! - District residents are the census column. Residents aged 60+ come from a table of
//!   approximate shares per district (old central districts about a third, Chongming the oldest,
//!   the new outer districts the youngest), scaled so that the whole city has exactly the census
//!   figure of 5,815,462.
//! - Residents split over subdistricts and neighbourhoods by seeded random weights: residents'
//!   committees larger than villages, the "virtual communities" of development zones and farms
//!   small. Every split is a largest-remainder apportionment, so the sums are exact.
//! - Positions are generated: subdistrict centroids on a jittered sunflower spiral around the
//!   district centroid within a radius derived from the district's land area, neighbourhoods the
//!   same way around their subdistrict. Every one is flagged as generated.

use std::ops::Range;

use rand_chacha::ChaCha8Rng;
use xc_domain::{GeoPoint, NeighbourhoodKind, SubdistrictKind};
use xc_store::{District, Neighbourhood, Subdistrict};

use crate::GenerateOptions;
use crate::random::{Stream, apportion, stream_rng, uniform};
use crate::reference::Reference;

/// The residents aged 60+ of the whole city at the 2020 census.
pub(crate) const CITY_RESIDENTS_60_PLUS: i64 = 5_815_462;

/// What the generator knows about each district beyond the CSV: short name, approximate land
/// area (km²) and approximate share of residents aged 60+ (before scaling to the city total).
const DISTRICT_FACTS: [(&str, &str, f64, f64); 16] = [
    ("310101", "黄浦", 20.5, 0.33),
    ("310104", "徐汇", 54.8, 0.27),
    ("310105", "长宁", 38.3, 0.31),
    ("310106", "静安", 36.9, 0.31),
    ("310107", "普陀", 54.8, 0.30),
    ("310109", "虹口", 23.5, 0.33),
    ("310110", "杨浦", 60.7, 0.31),
    ("310112", "闵行", 370.8, 0.19),
    ("310113", "宝山", 271.0, 0.22),
    ("310114", "嘉定", 464.2, 0.17),
    ("310115", "浦东", 1_210.4, 0.21),
    ("310116", "金山", 586.1, 0.26),
    ("310117", "松江", 605.6, 0.15),
    ("310118", "青浦", 670.1, 0.18),
    ("310120", "奉贤", 687.4, 0.22),
    ("310151", "崇明", 1_185.5, 0.38),
];

/// Fallbacks for a district missing from the table (another city's data): its full name as the
/// short name, a mid-sized area and the city's average share.
const UNKNOWN_AREA_KM2: f64 = 200.0;
const UNKNOWN_SHARE_60_PLUS: f64 = 0.234;

pub(crate) fn district_short_name(code: &str, name: &str) -> String {
    DISTRICT_FACTS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or_else(
            || name.trim_end_matches('区').to_owned(),
            |(_, short, ..)| (*short).to_owned(),
        )
}

fn district_area_km2(code: &str) -> f64 {
    DISTRICT_FACTS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(UNKNOWN_AREA_KM2, |f| f.2)
}

fn district_share_60_plus(code: &str) -> f64 {
    DISTRICT_FACTS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(UNKNOWN_SHARE_60_PLUS, |f| f.3)
}

/// The generated geography plus the indexes later stages walk.
#[derive(Debug, Clone)]
pub(crate) struct Geography {
    pub(crate) districts: Vec<District>,
    pub(crate) subdistricts: Vec<Subdistrict>,
    pub(crate) neighbourhoods: Vec<Neighbourhood>,
    /// Index of each generated district in the whole city's list (its random stream).
    pub(crate) district_stream: Vec<u32>,
    pub(crate) district_subdistricts: Vec<Range<usize>>,
    pub(crate) subdistrict_neighbourhoods: Vec<Range<usize>>,
    pub(crate) subdistrict_district: Vec<usize>,
    /// The radius (km) neighbourhoods were placed within, around each subdistrict centroid.
    pub(crate) subdistrict_radius_km: Vec<f64>,
}

fn children<T>(items: &[T], prefix: &str, code: impl Fn(&T) -> &str) -> Range<usize> {
    let start = items.partition_point(|item| code(item) < prefix);
    let end = start + items[start..].partition_point(|item| code(item).starts_with(prefix));
    start..end
}

/// A point `east_km` east and `north_km` north of `origin`.
pub(crate) fn offset(origin: GeoPoint, east_km: f64, north_km: f64) -> GeoPoint {
    const KM_PER_DEGREE: f64 = 111.32;
    let lat = origin.lat() + north_km / KM_PER_DEGREE;
    let lon = origin.lon() + east_km / (KM_PER_DEGREE * origin.lat().to_radians().cos());
    GeoPoint::new(lon.clamp(-180.0, 180.0), lat.clamp(-90.0, 90.0)).unwrap_or(origin)
}

/// `count` points spread evenly over a disc of `radius_km` (a sunflower spiral, turned by a
/// random angle, each point jittered), in a random order so that neighbouring codes do not sit
/// on neighbouring turns.
fn spread(rng: &mut ChaCha8Rng, centre: GeoPoint, radius_km: f64, count: usize) -> Vec<GeoPoint> {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
    let turn = uniform(rng, 0.0, std::f64::consts::TAU);
    let jitter = 0.35 * radius_km / (count.max(1) as f64).sqrt();
    let mut points: Vec<GeoPoint> = (0..count)
        .map(|i| {
            let rho = radius_km * ((i as f64 + 0.5) / count as f64).sqrt();
            let theta = turn + GOLDEN_ANGLE * i as f64;
            let east = rho * theta.cos() + uniform(rng, -jitter, jitter);
            let north = rho * theta.sin() + uniform(rng, -jitter, jitter);
            offset(centre, east, north)
        })
        .collect();
    // Fisher–Yates with the same generator, so the order is seeded too.
    for i in (1..points.len()).rev() {
        let j = crate::random::between(rng, 0, i as i64) as usize;
        points.swap(i, j);
    }
    points
}

fn is_virtual(name: &str) -> bool {
    name.contains("虚拟")
}

/// The residents aged 60+ of every district of the reference, summing to the census figure.
fn district_residents_60_plus(reference: &Reference) -> Vec<i64> {
    let weights: Vec<f64> = reference
        .districts
        .iter()
        .map(|d| d.residents as f64 * district_share_60_plus(d.code.as_str()))
        .collect();
    apportion(CITY_RESIDENTS_60_PLUS, &weights)
}

pub(crate) fn generate(reference: &Reference, options: &GenerateOptions) -> Geography {
    let older_by_district = district_residents_60_plus(reference);
    let mut geography = Geography {
        districts: Vec::new(),
        subdistricts: Vec::new(),
        neighbourhoods: Vec::new(),
        district_stream: Vec::new(),
        district_subdistricts: Vec::new(),
        subdistrict_neighbourhoods: Vec::new(),
        subdistrict_district: Vec::new(),
        subdistrict_radius_km: Vec::new(),
    };
    for (stream, (source, residents_60_plus)) in reference
        .districts
        .iter()
        .zip(older_by_district)
        .enumerate()
    {
        if options
            .scale
            .only_district()
            .is_some_and(|only| only != source.code.as_str())
        {
            continue;
        }
        let mut rng = stream_rng(options.seed, Stream::Geography, stream as u32);
        let district_index = geography.districts.len();
        geography.district_stream.push(stream as u32);
        geography.districts.push(District {
            code: source.code.clone(),
            name: source.name.clone(),
            centroid: source.centroid,
            residents: source.residents,
            residents_60_plus,
        });

        let subdistrict_range = children(&reference.subdistricts, source.code.as_str(), |s| {
            s.code.as_str()
        });
        let references = &reference.subdistricts[subdistrict_range];
        let kinds: Vec<SubdistrictKind> = references
            .iter()
            .map(|s| SubdistrictKind::from_name(&s.name))
            .collect();

        // Raw neighbourhood weights first; a subdistrict weighs what its neighbourhoods weigh.
        let mut neighbourhood_ranges = Vec::with_capacity(references.len());
        let mut neighbourhood_weights: Vec<Vec<f64>> = Vec::with_capacity(references.len());
        for (subdistrict, kind) in references.iter().zip(&kinds) {
            let range = children(&reference.neighbourhoods, subdistrict.code.as_str(), |n| {
                n.code.as_str()
            });
            let factor = match kind {
                SubdistrictKind::Street => uniform(&mut rng, 0.85, 1.2),
                SubdistrictKind::Town => uniform(&mut rng, 0.9, 1.3),
                SubdistrictKind::Township => uniform(&mut rng, 0.7, 0.9),
                SubdistrictKind::Zone => uniform(&mut rng, 0.25, 0.5),
            };
            let weights = reference.neighbourhoods[range.clone()]
                .iter()
                .map(|n| {
                    let base = if is_virtual(&n.name) {
                        0.15
                    } else {
                        match NeighbourhoodKind::from_name(&n.name) {
                            NeighbourhoodKind::Residents => 1.0,
                            NeighbourhoodKind::Village => 0.5,
                        }
                    };
                    base * factor * uniform(&mut rng, 0.6, 1.5)
                })
                .collect();
            neighbourhood_ranges.push(range);
            neighbourhood_weights.push(weights);
        }
        let subdistrict_weights: Vec<f64> = neighbourhood_weights
            .iter()
            .map(|w| w.iter().sum())
            .collect();
        let subdistrict_residents = apportion(source.residents, &subdistrict_weights);
        let older_weights: Vec<f64> = subdistrict_residents
            .iter()
            .zip(&kinds)
            .map(|(residents, kind)| {
                let lean = match kind {
                    SubdistrictKind::Street => 1.0,
                    SubdistrictKind::Town | SubdistrictKind::Township => 1.15,
                    SubdistrictKind::Zone => 0.7,
                };
                *residents as f64 * lean * uniform(&mut rng, 0.85, 1.15)
            })
            .collect();
        let subdistrict_older = apportion(residents_60_plus, &older_weights);

        let area = district_area_km2(source.code.as_str());
        let district_radius = (area / std::f64::consts::PI).sqrt() * 0.85;
        let centroids = spread(&mut rng, source.centroid, district_radius, references.len());
        let subdistrict_radius = district_radius / (references.len().max(1) as f64).sqrt() * 0.9;

        let first_subdistrict = geography.subdistricts.len();
        for (i, subdistrict) in references.iter().enumerate() {
            let range = neighbourhood_ranges[i].clone();
            let names = &reference.neighbourhoods[range];
            let residents = apportion(subdistrict_residents[i], &neighbourhood_weights[i]);
            let older_weights: Vec<f64> = names
                .iter()
                .zip(&residents)
                .map(|(n, residents)| {
                    let lean = if is_virtual(&n.name) {
                        0.6
                    } else {
                        match NeighbourhoodKind::from_name(&n.name) {
                            NeighbourhoodKind::Residents => 1.0,
                            NeighbourhoodKind::Village => 1.15,
                        }
                    };
                    *residents as f64 * lean * uniform(&mut rng, 0.8, 1.2)
                })
                .collect();
            let older = apportion(subdistrict_older[i], &older_weights);
            // A small subdistrict can hand a neighbourhood more older residents than residents
            // through rounding; move the surplus to neighbourhoods with room.
            let older = fit_within(older, &residents);
            let positions = spread(&mut rng, centroids[i], subdistrict_radius, names.len());

            let first_neighbourhood = geography.neighbourhoods.len();
            for (((n, residents), older), position) in
                names.iter().zip(residents).zip(older).zip(positions)
            {
                geography.neighbourhoods.push(Neighbourhood {
                    code: n.code.clone(),
                    name: n.name.clone(),
                    subdistrict: subdistrict.code.clone(),
                    kind: NeighbourhoodKind::from_name(&n.name),
                    position,
                    position_generated: true,
                    residents,
                    residents_60_plus: older,
                });
            }
            geography
                .subdistrict_neighbourhoods
                .push(first_neighbourhood..geography.neighbourhoods.len());
            geography.subdistrict_district.push(district_index);
            geography.subdistrict_radius_km.push(subdistrict_radius);
            geography.subdistricts.push(Subdistrict {
                code: subdistrict.code.clone(),
                name: subdistrict.name.clone(),
                district: source.code.clone(),
                kind: kinds[i],
                centroid: centroids[i],
                centroid_generated: true,
                residents: subdistrict_residents[i],
                residents_60_plus: subdistrict_older[i],
            });
        }
        geography
            .district_subdistricts
            .push(first_subdistrict..geography.subdistricts.len());
    }
    geography
}

/// Moves any excess of `older` over `residents` to the entries with the most room, keeping the
/// total.
fn fit_within(mut older: Vec<i64>, residents: &[i64]) -> Vec<i64> {
    let mut surplus = 0;
    for (older, residents) in older.iter_mut().zip(residents) {
        if *older > *residents {
            surplus += *older - *residents;
            *older = *residents;
        }
    }
    while surplus > 0 {
        let Some(roomiest) = (0..older.len()).max_by_key(|&i| residents[i] - older[i]) else {
            break;
        };
        let room = residents[roomiest] - older[roomiest];
        if room <= 0 {
            break;
        }
        let moved = room.min(surplus);
        older[roomiest] += moved;
        surplus -= moved;
    }
    older
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_residents_are_moved_to_where_there_is_room() {
        assert_eq!(fit_within(vec![3, 1], &[2, 10]), vec![2, 2]);
        assert_eq!(fit_within(vec![1, 1], &[2, 10]), vec![1, 1]);
    }

    #[test]
    fn the_census_share_of_older_residents_is_kept() {
        let older = district_residents_60_plus(crate::reference::shanghai());
        assert_eq!(older.iter().sum::<i64>(), CITY_RESIDENTS_60_PLUS);
        // Chongming is the oldest district, Songjiang among the youngest.
        let share =
            |i: usize| older[i] as f64 / crate::reference::shanghai().districts[i].residents as f64;
        assert!(
            share(15) > 0.36 && share(12) < 0.17,
            "{} {}",
            share(15),
            share(12)
        );
    }
}
