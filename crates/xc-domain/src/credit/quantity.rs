//! Exact quantities of the credit bank: [`Credits`] (学分, hundredths of a credit), [`ContactHours`]
//! (学时, tenths of an hour) and [`Points`] (积分, whole incentive points). No floats anywhere: a
//! learner's credit total must add up to the same figure on every page, in every export and on
//! both storage engines, so each quantity is an integer count of its smallest unit.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;
use crate::credit::text::{format_fixed_point, parse_fixed_point};

/// A non-negative amount of academic credit, exact to the hundredth (stored as hundredths).
///
/// At most [`Credits::MAX`] (99,999.99): no programme or lifetime total comes near it, and every
/// operation is checked against it, so a sum that would pass it is refused instead of wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Credits(u64);

impl Credits {
    pub const ZERO: Credits = Credits(0);
    /// 99,999.99 credits.
    pub const MAX: Credits = Credits(9_999_999);

    /// `hundredths` of a credit; `None` above [`Credits::MAX`].
    pub const fn from_hundredths(hundredths: u64) -> Option<Self> {
        if hundredths <= Self::MAX.0 {
            Some(Self(hundredths))
        } else {
            None
        }
    }

    /// A whole number of credits (at most 99,999).
    pub const fn whole(credits: u32) -> Option<Self> {
        Self::from_hundredths(credits as u64 * 100)
    }

    pub const fn hundredths(self) -> u64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses "2", "2.5", "0.05" or their full-width forms ("０.５"). Refuses negatives, more than
    /// two significant decimal places, exponents, "NaN"/"inf", thousands separators and values
    /// above [`Credits::MAX`]; trailing zeros ("2.500") are exact and accepted.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        parse_fixed_point(text, 2, Self::MAX.0, "credits", "credits", "2 or 2.5").map(Self)
    }

    pub fn checked_add(self, other: Credits) -> Option<Credits> {
        Self::from_hundredths(self.0.checked_add(other.0)?)
    }

    /// `None` when `other` is larger: credits are never negative.
    pub fn checked_sub(self, other: Credits) -> Option<Credits> {
        self.0.checked_sub(other.0).map(Self)
    }

    /// `self` taken `times` times (e.g. a rule applied three times).
    pub fn checked_mul(self, times: u32) -> Option<Credits> {
        Self::from_hundredths(self.0.checked_mul(u64::from(times))?)
    }

    /// The sum, or `None` if it would pass [`Credits::MAX`].
    pub fn checked_sum<I: IntoIterator<Item = Credits>>(items: I) -> Option<Credits> {
        items
            .into_iter()
            .try_fold(Credits::ZERO, |total, item| total.checked_add(item))
    }
}

impl fmt::Display for Credits {
    /// "2.5", "2", "0.05": no trailing zeros, so the text parses back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_fixed_point(self.0, 2))
    }
}

impl FromStr for Credits {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// Contact hours (学时) of a course or training, exact to the tenth of an hour (a 45-minute class
/// is 0.75 h and is recorded by providers as 0.8 or 1: the bank keeps what the provider states).
/// At most [`ContactHours::MAX`], 100,000 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ContactHours(u32);

impl ContactHours {
    pub const ZERO: ContactHours = ContactHours(0);
    /// 100,000 hours.
    pub const MAX: ContactHours = ContactHours(1_000_000);

    /// `tenths` of an hour; `None` above [`ContactHours::MAX`].
    pub const fn from_tenths(tenths: u32) -> Option<Self> {
        if tenths <= Self::MAX.0 {
            Some(Self(tenths))
        } else {
            None
        }
    }

    /// A whole number of hours.
    pub const fn whole(hours: u32) -> Option<Self> {
        match hours.checked_mul(10) {
            Some(tenths) => Self::from_tenths(tenths),
            None => None,
        }
    }

    pub const fn tenths(self) -> u32 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses "32", "1.5" or "３２"; at most one significant decimal place, never negative.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        parse_fixed_point(
            text,
            1,
            u64::from(Self::MAX.0),
            "hours",
            "hours",
            "32 or 1.5",
        )
        .map(|tenths| Self(tenths as u32))
    }

    pub fn checked_add(self, other: ContactHours) -> Option<ContactHours> {
        Self::from_tenths(self.0.checked_add(other.0)?)
    }
}

impl fmt::Display for ContactHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_fixed_point(u64::from(self.0), 1))
    }
}

impl FromStr for ContactHours {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// Whole incentive points (积分): earned for learning activity, spent on incentives. Never
/// academic credit. At most [`Points::MAX`], one billion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(u64);

impl Points {
    pub const ZERO: Points = Points(0);
    /// One billion points.
    pub const MAX: Points = Points(1_000_000_000);

    /// `None` above [`Points::MAX`].
    pub const fn new(points: u64) -> Option<Self> {
        if points <= Self::MAX.0 {
            Some(Self(points))
        } else {
            None
        }
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses a whole number ("10", "１０"); never negative, never fractional.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        parse_fixed_point(text, 0, Self::MAX.0, "points", "points", "10").map(Self)
    }

    pub fn checked_add(self, other: Points) -> Option<Points> {
        Self::new(self.0.checked_add(other.0)?)
    }

    /// `None` when `other` is larger: a balance is never negative.
    pub fn checked_sub(self, other: Points) -> Option<Points> {
        self.0.checked_sub(other.0).map(Self)
    }

    /// `self - other`, or zero.
    pub fn saturating_sub(self, other: Points) -> Points {
        Self(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Points {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(text: &str) -> Credits {
        Credits::parse(text).unwrap()
    }

    #[test]
    fn credits_parse_plain_and_full_width_decimals() {
        assert_eq!(c("2").hundredths(), 200);
        assert_eq!(c("2.5").hundredths(), 250);
        assert_eq!(c("０.５").hundredths(), 50);
        assert_eq!(c("２．２５").hundredths(), 225);
        assert_eq!(c("0").hundredths(), 0);
        assert_eq!("1.75".parse::<Credits>().unwrap().hundredths(), 175);
    }

    #[test]
    fn credits_refuse_negative_imprecise_and_non_numbers() {
        for (text, says) in [
            ("-2", "negative"),
            ("2.555", "at most 2 decimal places"),
            ("NaN", "not a number of credits"),
            ("nan", "not a number of credits"),
            ("Infinity", "not a number of credits"),
            ("2e1", "not a number of credits"),
            ("", "required"),
            ("100000", "at most 99999.99"),
        ] {
            let error = Credits::parse(text).unwrap_err();
            assert_eq!(error.field, "credits");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
    }

    #[test]
    fn credits_display_without_trailing_zeros() {
        assert_eq!(c("2.50").to_string(), "2.5");
        assert_eq!(c("2.00").to_string(), "2");
        assert_eq!(c("0.05").to_string(), "0.05");
        assert_eq!(Credits::ZERO.to_string(), "0");
        assert_eq!(Credits::MAX.to_string(), "99999.99");
    }

    #[test]
    fn credits_arithmetic_is_checked() {
        assert_eq!(c("2.5").checked_add(c("0.5")), Some(c("3")));
        assert_eq!(c("3").checked_sub(c("0.5")), Some(c("2.5")));
        assert_eq!(c("0.5").checked_sub(c("3")), None, "never negative");
        assert_eq!(c("2.5").checked_mul(3), Some(c("7.5")));
        assert_eq!(Credits::MAX.checked_add(c("0.01")), None);
        assert_eq!(Credits::MAX.checked_mul(2), None);
        assert_eq!(c("1").checked_mul(0), Some(Credits::ZERO));
        assert_eq!(Credits::checked_sum([c("1"), c("2.5")]), Some(c("3.5")));
        assert_eq!(Credits::checked_sum([Credits::MAX, c("1")]), None);
        assert_eq!(Credits::checked_sum([]), Some(Credits::ZERO));
        assert_eq!(Credits::whole(4), Some(c("4")));
        assert_eq!(Credits::whole(100_000), None);
        assert_eq!(Credits::from_hundredths(10_000_000), None);
        assert!(Credits::ZERO.is_zero());
    }

    #[test]
    fn hours_parse_tenths() {
        assert_eq!(ContactHours::parse("32").unwrap().tenths(), 320);
        assert_eq!(ContactHours::parse("1.5").unwrap().tenths(), 15);
        assert_eq!(ContactHours::parse("３２").unwrap().to_string(), "32");
        assert_eq!(ContactHours::parse("0.5").unwrap().to_string(), "0.5");
        assert!(ContactHours::parse("0").unwrap().is_zero());
        for (text, says) in [
            ("1.25", "at most 1 decimal place"),
            ("-1", "negative"),
            ("abc", "not a number of hours"),
            ("100000.1", "at most 100000"),
        ] {
            let error = ContactHours::parse(text).unwrap_err();
            assert_eq!(error.field, "hours");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
        assert_eq!(ContactHours::whole(16).unwrap().tenths(), 160);
        assert_eq!(ContactHours::whole(u32::MAX), None);
        assert_eq!(ContactHours::from_tenths(1_000_001), None);
        assert_eq!(
            ContactHours::whole(1)
                .unwrap()
                .checked_add(ContactHours::from_tenths(5).unwrap())
                .unwrap()
                .to_string(),
            "1.5"
        );
        assert_eq!(
            ContactHours::MAX.checked_add(ContactHours::whole(1).unwrap()),
            None
        );
    }

    #[test]
    fn points_are_whole_and_checked() {
        assert_eq!(Points::parse("10").unwrap().get(), 10);
        assert_eq!(Points::parse("１０").unwrap().get(), 10);
        assert_eq!(Points::parse("10.0").unwrap().get(), 10);
        for (text, says) in [
            ("10.5", "whole number"),
            ("-1", "negative"),
            ("ten", "not a number of points"),
            ("1000000001", "at most 1000000000"),
        ] {
            let error = Points::parse(text).unwrap_err();
            assert_eq!(error.field, "points");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
        let ten = Points::new(10).unwrap();
        let three = Points::new(3).unwrap();
        assert_eq!(ten.checked_sub(three), Points::new(7));
        assert_eq!(three.checked_sub(ten), None);
        assert_eq!(three.saturating_sub(ten), Points::ZERO);
        assert_eq!(Points::MAX.checked_add(three), None);
        assert_eq!(Points::new(1_000_000_001), None);
        assert_eq!(ten.to_string(), "10");
    }

    fn any_credits() -> impl Strategy<Value = Credits> {
        (0u64..=Credits::MAX.hundredths()).prop_map(|h| Credits::from_hundredths(h).unwrap())
    }

    fn small_credits() -> impl Strategy<Value = Credits> {
        (0u64..=3_000_000).prop_map(|h| Credits::from_hundredths(h).unwrap())
    }

    proptest! {
        #[test]
        fn credits_display_parses_back(credits in any_credits()) {
            prop_assert_eq!(Credits::parse(&credits.to_string()).unwrap(), credits);
        }

        #[test]
        fn credits_parse_any_two_decimal_text(whole in 0u64..=99_999, fraction in 0u64..100) {
            let text = format!("{whole}.{fraction:02}");
            prop_assert_eq!(Credits::parse(&text).unwrap().hundredths(), whole * 100 + fraction);
        }

        #[test]
        fn credits_addition_commutes(a in any_credits(), b in any_credits()) {
            prop_assert_eq!(a.checked_add(b), b.checked_add(a));
        }

        #[test]
        fn credits_addition_associates(a in small_credits(), b in small_credits(), c in small_credits()) {
            let left = a.checked_add(b).and_then(|ab| ab.checked_add(c));
            let right = b.checked_add(c).and_then(|bc| a.checked_add(bc));
            prop_assert_eq!(left, right);
            prop_assert!(left.is_some());
        }

        #[test]
        fn credits_subtraction_undoes_addition_and_never_goes_negative(a in any_credits(), b in any_credits()) {
            if let Some(sum) = a.checked_add(b) {
                prop_assert_eq!(sum.checked_sub(b), Some(a));
            }
            match a.checked_sub(b) {
                Some(difference) => prop_assert!(a >= b && difference <= a),
                None => prop_assert!(a < b),
            }
        }

        #[test]
        fn credits_results_stay_within_bounds(a in any_credits(), b in any_credits(), times in 0u32..1000) {
            for result in [a.checked_add(b), a.checked_sub(b), a.checked_mul(times)].into_iter().flatten() {
                prop_assert!(result <= Credits::MAX);
            }
        }

        #[test]
        fn hours_display_parses_back(tenths in 0u32..=1_000_000) {
            let hours = ContactHours::from_tenths(tenths).unwrap();
            prop_assert_eq!(ContactHours::parse(&hours.to_string()).unwrap(), hours);
        }

        #[test]
        fn credit_parser_never_panics(text in "\\PC{0,12}") {
            let _ = Credits::parse(&text);
            let _ = ContactHours::parse(&text);
            let _ = Points::parse(&text);
        }
    }
}
