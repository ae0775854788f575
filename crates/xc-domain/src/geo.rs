//! A point on the earth in WGS-84 (the datum every coordinate is stored in; conversion to GCJ-02
//! for Chinese base maps happens at the edge, never in storage).

use crate::Invalid;

/// Longitude and latitude in degrees, WGS-84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    lon: f64,
    lat: f64,
}

impl GeoPoint {
    pub fn new(lon: f64, lat: f64) -> Result<Self, Invalid> {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(Invalid::new(
                "lon",
                format!("{lon} is not a longitude: expected -180 to 180"),
            ));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(Invalid::new(
                "lat",
                format!("{lat} is not a latitude: expected -90 to 90"),
            ));
        }
        Ok(Self { lon, lat })
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Great-circle distance in metres (haversine, mean earth radius).
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_coordinates() {
        assert_eq!(GeoPoint::new(181.0, 0.0).unwrap_err().field, "lon");
        assert_eq!(GeoPoint::new(0.0, f64::NAN).unwrap_err().field, "lat");
    }

    #[test]
    fn distance_between_people_square_and_the_bund_is_about_1_9_km() {
        let people_square = GeoPoint::new(121.4737, 31.2304).unwrap();
        let bund = GeoPoint::new(121.4905, 31.2400).unwrap();
        let d = people_square.distance_m(bund);
        assert!((1_800.0..2_100.0).contains(&d), "{d}");
    }
}
