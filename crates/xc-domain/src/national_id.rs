//! Resident identity card numbers (公民身份号码, GB 11643-1999): 6-digit region code, 8-digit
//! birth date, 3-digit sequence (odd for men, even for women) and a check character computed with
//! ISO 7064 MOD 11-2. The value is personal data: it has no `Display`, only [`NationalId::masked`],
//! and its `Debug` is masked too, so it cannot reach a log by accident.

use std::fmt;

use time::{Date, Month};

use crate::{Gender, Invalid};

const FIELD: &str = "national_id";
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";
/// Province-level codes in use (GB/T 2260).
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A valid 18-character national ID number, normalised (ASCII digits, upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId(String);

impl NationalId {
    /// Parses and validates a number as of today (a birth date in the future is refused).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let now = time::OffsetDateTime::now_utc().date();
        Self::parse_at(text, now)
    }

    /// Parses and validates a number, refusing birth dates after `today`.
    pub fn parse_at(text: &str, today: Date) -> Result<Self, Invalid> {
        let normalised: String = text
            .trim()
            .chars()
            .map(|c| match c {
                // Full-width digits and letters, as typed with a Chinese input method.
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                'Ｘ' | 'ｘ' | 'x' => 'X',
                other => other,
            })
            .collect();
        let bytes = normalised.as_bytes();
        if normalised.chars().count() != 18 {
            return Err(Invalid::new(
                FIELD,
                format!(
                    "an ID number has 18 characters, this one has {}",
                    normalised.chars().count()
                ),
            ));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(Invalid::new(
                FIELD,
                "the first 17 characters of an ID number must be digits",
            ));
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(Invalid::new(
                FIELD,
                "the last character of an ID number must be a digit or X",
            ));
        }
        let province: u32 = normalised[..2].parse().unwrap_or(0);
        if !PROVINCES.contains(&province) || &normalised[2..6] == "0000" && province != 71 {
            return Err(Invalid::new(
                FIELD,
                format!(
                    "'{}' is not a region code: the first 6 digits name where the number was issued",
                    &normalised[..6]
                ),
            ));
        }
        let birth = birth_date(&normalised).ok_or_else(|| {
            Invalid::new(FIELD, "digits 7 to 14 must be a real birth date (YYYYMMDD)")
        })?;
        if birth > today || birth.year() < 1900 {
            return Err(Invalid::new(
                FIELD,
                "the birth date in the ID number is not possible",
            ));
        }
        let expected = check_char(&bytes[..17]);
        if bytes[17] != expected {
            return Err(Invalid::new(
                FIELD,
                "the check character does not match: please check the number for a typing mistake",
            ));
        }
        Ok(Self(normalised))
    }

    /// Builds a valid number from its parts, computing the check character (used by the demo-city
    /// generator and tests). `sequence` is 0..=999; its parity decides the gender.
    pub fn from_parts(region: &str, birth: Date, sequence: u16) -> Result<Self, Invalid> {
        let body = format!(
            "{region}{:04}{:02}{:02}{:03}",
            birth.year(),
            u8::from(birth.month()),
            birth.day(),
            sequence % 1000
        );
        if body.len() != 17 {
            return Err(Invalid::new(FIELD, "region must be 6 digits"));
        }
        let check = check_char(body.as_bytes()) as char;
        Self::parse_at(&format!("{body}{check}"), birth)
    }

    /// The full number, for encryption and keyed hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The number as it may be shown anywhere: `3101**********1234`.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..4], "*".repeat(10), &self.0[14..])
    }

    pub fn birth_date(&self) -> Date {
        birth_date(&self.0).expect("validated at parse")
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The 6-digit region code of issue.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn birth_date(id: &str) -> Option<Date> {
    let year: i32 = id[6..10].parse().ok()?;
    let month: u8 = id[10..12].parse().ok()?;
    let day: u8 = id[12..14].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn accepts_the_standard_example() {
        // The worked example of GB 11643-1999 appendix: 11010519491231002X.
        let id = NationalId::parse_at("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "NationalId(1101**********002X)");
    }

    #[test]
    fn accepts_lower_case_x_and_full_width_digits() {
        assert!(NationalId::parse_at("11010519491231002x", TODAY).is_ok());
        assert!(NationalId::parse_at("１１０１０５１９４９１２３１００２Ｘ", TODAY).is_ok());
    }

    #[test]
    fn refuses_a_wrong_check_digit_with_a_clear_reason() {
        let error = NationalId::parse_at("110105194912310021", TODAY).unwrap_err();
        assert_eq!(error.field, "national_id");
        assert!(error.reason.contains("check character"), "{}", error.reason);
    }

    #[test]
    fn refuses_wrong_length_bad_date_bad_region_and_future_births() {
        let length = NationalId::parse_at("1101051949123100", TODAY).unwrap_err();
        assert!(length.reason.contains("18 characters"), "{}", length.reason);
        let body = "11010519490231002"; // 31 February
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(
            NationalId::parse_at(&id, TODAY)
                .unwrap_err()
                .reason
                .contains("birth date")
        );
        let body = "99010519491231002";
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(
            NationalId::parse_at(&id, TODAY)
                .unwrap_err()
                .reason
                .contains("region")
        );
        let body = "11010520301231002";
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(
            NationalId::parse_at(&id, TODAY)
                .unwrap_err()
                .reason
                .contains("not possible")
        );
    }

    proptest! {
        #[test]
        fn built_numbers_round_trip(days in 0i64..40_000, seq in 0u16..1000) {
            let birth = date!(1910 - 01 - 01) + time::Duration::days(days);
            prop_assume!(birth <= TODAY);
            let id = NationalId::from_parts("310104", birth, seq).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(NationalId::parse_at(id.expose(), TODAY).unwrap(), id.clone());
            prop_assert_eq!(id.gender() == Gender::Male, seq % 2 == 1);
        }

        #[test]
        fn any_single_digit_change_is_caught(days in 0i64..30_000, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = date!(1930 - 01 - 01) + time::Duration::days(days);
            let id = NationalId::from_parts("310104", birth, seq).unwrap();
            let mut bytes = id.expose().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let altered = String::from_utf8(bytes).unwrap();
            prop_assert!(NationalId::parse_at(&altered, TODAY).is_err());
        }
    }
}
