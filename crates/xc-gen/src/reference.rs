//! The real reference data of Shanghai, embedded from `data/*.csv` (sources and licences in
//! `data/SOURCE.md`) and parsed once: district codes, names, centroids and census residents;
//! subdistrict and neighbourhood codes and names.

use std::sync::OnceLock;

use xc_domain::{DistrictCode, GeoPoint, NeighbourhoodCode, SubdistrictCode};

const DISTRICTS_CSV: &str = include_str!("../data/districts.csv");
const SUBDISTRICTS_CSV: &str = include_str!("../data/subdistricts.csv");
const NEIGHBOURHOODS_CSV: &str = include_str!("../data/neighbourhoods.csv");

#[derive(Debug, Clone)]
pub(crate) struct ReferenceDistrict {
    pub(crate) code: DistrictCode,
    pub(crate) name: String,
    pub(crate) centroid: GeoPoint,
    pub(crate) residents: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct ReferenceSubdistrict {
    pub(crate) code: SubdistrictCode,
    pub(crate) name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ReferenceNeighbourhood {
    pub(crate) code: NeighbourhoodCode,
    pub(crate) name: String,
}

/// The whole city, each level sorted by code (so a parent's children are contiguous).
#[derive(Debug)]
pub(crate) struct Reference {
    pub(crate) districts: Vec<ReferenceDistrict>,
    pub(crate) subdistricts: Vec<ReferenceSubdistrict>,
    pub(crate) neighbourhoods: Vec<ReferenceNeighbourhood>,
}

/// The embedded data of Shanghai. The files ship with the crate and are checked by tests, so a
/// parse failure is a build defect, not a runtime condition.
pub(crate) fn shanghai() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| parse().expect("the embedded reference data of Shanghai is valid"))
}

fn records(text: &str) -> Result<Vec<csv::StringRecord>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())
}

fn field(record: &csv::StringRecord, index: usize) -> Result<&str, String> {
    record
        .get(index)
        .ok_or_else(|| format!("missing column {index} in {record:?}"))
}

fn parse() -> Result<Reference, String> {
    let mut districts = Vec::new();
    for record in records(DISTRICTS_CSV)? {
        let lon: f64 = field(&record, 2)?
            .parse()
            .map_err(|_| "bad longitude".to_owned())?;
        let lat: f64 = field(&record, 3)?
            .parse()
            .map_err(|_| "bad latitude".to_owned())?;
        districts.push(ReferenceDistrict {
            code: DistrictCode::parse(field(&record, 0)?).map_err(|e| e.to_string())?,
            name: field(&record, 1)?.to_owned(),
            centroid: GeoPoint::new(lon, lat).map_err(|e| e.to_string())?,
            residents: field(&record, 4)?
                .parse()
                .map_err(|_| "bad residents".to_owned())?,
        });
    }
    let mut subdistricts = Vec::new();
    for record in records(SUBDISTRICTS_CSV)? {
        let code = SubdistrictCode::parse(field(&record, 0)?).map_err(|e| e.to_string())?;
        if code.district().as_str() != field(&record, 2)? {
            return Err(format!(
                "subdistrict {code} is filed under another district"
            ));
        }
        subdistricts.push(ReferenceSubdistrict {
            code,
            name: field(&record, 1)?.to_owned(),
        });
    }
    let mut neighbourhoods = Vec::new();
    for record in records(NEIGHBOURHOODS_CSV)? {
        let code = NeighbourhoodCode::parse(field(&record, 0)?).map_err(|e| e.to_string())?;
        if code.subdistrict().as_str() != field(&record, 2)? {
            return Err(format!(
                "neighbourhood {code} is filed under another subdistrict"
            ));
        }
        neighbourhoods.push(ReferenceNeighbourhood {
            code,
            name: field(&record, 1)?.to_owned(),
        });
    }
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    subdistricts.sort_by(|a, b| a.code.cmp(&b.code));
    neighbourhoods.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Reference {
        districts,
        subdistricts,
        neighbourhoods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_hold_all_of_shanghai() {
        let city = shanghai();
        assert_eq!(city.districts.len(), 16);
        assert_eq!(city.subdistricts.len(), 234);
        assert_eq!(city.neighbourhoods.len(), 6_509);
        let residents: i64 = city.districts.iter().map(|d| d.residents).sum();
        // Within 0.01% of the census total of 24,870,895.
        assert!((residents - 24_870_895).abs() < 2_500, "{residents}");
        assert_eq!(city.districts[0].name, "黄浦区");
    }
}
