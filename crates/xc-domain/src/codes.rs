//! Administrative division codes: district (区县, 6 digits, GB/T 2260), subdistrict (街道/镇/乡,
//! 9 digits) and neighbourhood (居委会/村委会, 12 digits), the statistical division codes of the
//! National Bureau of Statistics. A longer code always begins with the code of its parent.

use std::fmt;

use crate::Invalid;

fn digits(field: &'static str, text: &str, len: usize, what: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            field,
            format!("'{text}' is not a {what} code: expected {len} digits"),
        ));
    }
    let province: u32 = text[..2].parse().unwrap_or(0);
    if !(11..=82).contains(&province) {
        return Err(Invalid::new(
            field,
            format!("'{text}' is not a {what} code: it must begin with a province code (11 to 82)"),
        ));
    }
    Ok(text.to_owned())
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $len:literal, $field:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub const LEN: usize = $len;

            pub fn parse(text: &str) -> Result<Self, Invalid> {
                digits($field, text, $len, $what).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Invalid;
            fn from_str(text: &str) -> Result<Self, Invalid> {
                Self::parse(text)
            }
        }
    };
}

code_type!(
    /// A district (区) code, GB/T 2260, e.g. `310101` for 黄浦区.
    DistrictCode, 6, "district_code", "district"
);
code_type!(
    /// A subdistrict (街道/镇/乡) code, e.g. `310101002` for 南京东路街道.
    SubdistrictCode, 9, "subdistrict_code", "subdistrict"
);
code_type!(
    /// A neighbourhood (居委会/村委会) code, e.g. `310101002001`.
    NeighbourhoodCode, 12, "neighbourhood_code", "neighbourhood"
);

impl DistrictCode {
    /// The province-level code (first two digits), e.g. `31` for Shanghai.
    pub fn province(&self) -> &str {
        &self.0[..2]
    }
}

impl SubdistrictCode {
    pub fn district(&self) -> DistrictCode {
        DistrictCode(self.0[..6].to_owned())
    }
}

impl NeighbourhoodCode {
    pub fn subdistrict(&self) -> SubdistrictCode {
        SubdistrictCode(self.0[..9].to_owned())
    }

    pub fn district(&self) -> DistrictCode {
        DistrictCode(self.0[..6].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_know_their_parents() {
        let code = NeighbourhoodCode::parse("310101002001").unwrap();
        assert_eq!(code.subdistrict().as_str(), "310101002");
        assert_eq!(code.district().as_str(), "310101");
        assert_eq!(code.district().province(), "31");
    }

    #[test]
    fn codes_reject_wrong_lengths_and_letters() {
        assert!(DistrictCode::parse("31010").is_err());
        assert!(DistrictCode::parse("3101011").is_err());
        assert!(SubdistrictCode::parse("31010100a").is_err());
        let error = DistrictCode::parse("990101").unwrap_err();
        assert_eq!(error.field, "district_code");
        assert!(error.reason.contains("province"), "{}", error.reason);
    }

    #[test]
    fn codes_trim_whitespace() {
        assert_eq!(DistrictCode::parse(" 310104 ").unwrap().as_str(), "310104");
    }
}
