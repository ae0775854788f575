//! Parsers for the common kinds of cell, taking normalised text ([`crate::normalise_cell`]):
//! dates in the forms people and spreadsheets write them, whole numbers, decimals (checked and
//! returned as text, so the caller picks its exact decimal type) and yes/no. Each failure says
//! what to write instead, in Chinese and English.

use time::{Date, Month};
use xc_domain::Invalid;

/// Why a cell's value is not acceptable, in Chinese and English. The row, column and value are
/// added by [`crate::Cell`] to make a [`crate::RowProblem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellInvalid {
    pub reason_zh: String,
    pub reason_en: String,
}

impl CellInvalid {
    pub fn new(reason_zh: impl Into<String>, reason_en: impl Into<String>) -> Self {
        Self {
            reason_zh: reason_zh.into(),
            reason_en: reason_en.into(),
        }
    }
}

/// A domain constructor's refusal. The domain speaks English only, so the Chinese reason says
/// the value is invalid and carries the English detail; callers that want a Chinese detail
/// build the [`CellInvalid`] themselves.
impl From<Invalid> for CellInvalid {
    fn from(invalid: Invalid) -> Self {
        Self {
            reason_zh: format!("该值不符合要求（{}）", invalid.reason),
            reason_en: invalid.reason,
        }
    }
}

const DATE_FORMS_ZH: &str = "请写成 2026-11-29、2026/11/29、2026.11.29、20261129 或 2026年11月29日";
const DATE_FORMS_EN: &str =
    "write it as 2026-11-29, 2026/11/29, 2026.11.29, 20261129 or 2026年11月29日";

/// Parses a date written as 2026-11-29, 2026/11/29, 2026.11.29 (month and day may have one
/// digit), 20261129, 2026年11月29日 (or 号), or as an Excel date serial of five digits (46355,
/// what a date becomes when a spreadsheet saves it as a plain number). A time after the date
/// ("2026-11-29 08:30:00", "2026-11-29T08:30") is accepted and ignored. Years run from 1900 to
/// 2199; day-first forms such as 29/11/2026 are refused as ambiguous.
pub fn parse_date(text: &str) -> Result<Date, CellInvalid> {
    let text = text.trim();
    let not_a_date = || {
        CellInvalid::new(
            format!("不是可识别的日期，{DATE_FORMS_ZH}"),
            format!("not a date: {DATE_FORMS_EN}"),
        )
    };
    if let Some((year, rest)) = text.split_once('年') {
        let (month, rest) = rest.split_once('月').ok_or_else(not_a_date)?;
        let (day, time) = rest
            .split_once('日')
            .or_else(|| rest.split_once('号'))
            .ok_or_else(not_a_date)?;
        check_time(time)?;
        return calendar_date(year.trim(), month.trim(), day.trim()).ok_or_else(not_a_date)?;
    }
    let text = match text.split_once([' ', 'T']) {
        Some((date, time)) => {
            check_time(time)?;
            date
        }
        None => text,
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if whole.len() == 5 && all_digits(whole) && all_digits(fraction) {
        let serial: i64 = whole.parse().map_err(|_| not_a_date())?;
        return date_from_excel_serial(serial).ok_or_else(not_a_date);
    }
    for separator in ['-', '/', '.'] {
        if !text.contains(separator) {
            continue;
        }
        let mut split = text.split(separator);
        let parts = match (split.next(), split.next(), split.next(), split.next()) {
            (Some(first), Some(second), Some(third), None) => [first, second, third],
            _ => return Err(not_a_date()),
        };
        if parts[0].len() != 4 && parts[2].len() == 4 && all_digits(parts[2]) {
            return Err(CellInvalid::new(
                "日期请把年份写在前面，例如 2026-11-29：日/月顺序容易混淆",
                "write the year first, e.g. 2026-11-29: a day/month order is ambiguous",
            ));
        }
        if parts[0].len() != 4 || parts[1].len() > 2 || parts[2].len() > 2 {
            return Err(not_a_date());
        }
        return calendar_date(parts[0], parts[1], parts[2]).ok_or_else(not_a_date)?;
    }
    if text.len() == 8 && all_digits(text) {
        return calendar_date(&text[..4], &text[4..6], &text[6..]).ok_or_else(not_a_date)?;
    }
    Err(not_a_date())
}

/// The date of a whole Excel serial number in the 1900 date system (the default; 1 is
/// 1900-01-01, and Excel counts a 29 February 1900 that never was).
pub fn date_from_excel_serial(serial: i64) -> Option<Date> {
    let epoch = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    let days = match serial {
        ..=0 | 60 => return None,
        1..=59 => serial + 1,
        _ => serial,
    };
    epoch.checked_add(time::Duration::days(days))
}

/// Accepts an empty remainder or a time of day ("08:30", "8:30:00.000") after a date.
fn check_time(time: &str) -> Result<(), CellInvalid> {
    let time = time.trim();
    let valid = time.is_empty()
        || (time.bytes().any(|b| b.is_ascii_digit())
            && time
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.')));
    if valid {
        Ok(())
    } else {
        Err(CellInvalid::new(
            format!("日期后面的内容无法识别，{DATE_FORMS_ZH}"),
            format!("the text after the date is not a time: {DATE_FORMS_EN}"),
        ))
    }
}

/// `None` when a part is not a number; `Some(Err)` when the numbers are not a real date.
fn calendar_date(year: &str, month: &str, day: &str) -> Option<Result<Date, CellInvalid>> {
    if [year, month, day]
        .iter()
        .any(|part| part.is_empty() || part.len() > 4 || !all_digits(part))
        || year.len() != 4
    {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month: u8 = month.parse().ok()?;
    let day: u8 = day.parse().ok()?;
    if !(1900..=2199).contains(&year) {
        return Some(Err(CellInvalid::new(
            "年份应在 1900 到 2199 之间",
            "the year must be between 1900 and 2199",
        )));
    }
    let date = Month::try_from(month)
        .ok()
        .and_then(|month| Date::from_calendar_date(year, month, day).ok());
    Some(date.ok_or_else(|| {
        CellInvalid::new(
            "不是真实存在的日期：月份或日期超出范围",
            "not a real calendar date: the month or the day is out of range",
        )
    }))
}

/// Parses a whole number: an optional sign, digits, optionally grouped by thousands
/// ("1,234,567"), and a fraction of zeros as spreadsheets write it ("12.0").
pub fn parse_integer(text: &str) -> Result<i64, CellInvalid> {
    let text = text.trim();
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !unsigned.is_empty() && unsigned.len() <= 18 && all_digits(unsigned) {
        // The common case, without the general form's allocation.
        return text
            .parse()
            .map_err(|_| CellInvalid::new("数字太大", "the number is too large"));
    }
    let digits = plain_number(text.trim()).ok_or_else(|| {
        CellInvalid::new(
            "不是整数，请只填写数字",
            "not a whole number: write digits only",
        )
    })?;
    let (whole, fraction) = digits.split_once('.').unwrap_or((&digits, ""));
    if fraction.bytes().any(|b| b != b'0') {
        return Err(CellInvalid::new(
            "应为整数，不能有小数",
            "must be a whole number, without a fraction",
        ));
    }
    whole
        .parse()
        .map_err(|_| CellInvalid::new("数字太大", "the number is too large"))
}

/// Checks a decimal number and returns it in plain form: no `+`, no thousands separators, at
/// least one digit before the point ("+1,234.50" → "1234.50", ".5" → "0.5", "5." → "5").
/// Trailing zeros are kept; converting to an exact decimal type is the caller's business.
pub fn parse_decimal(text: &str) -> Result<String, CellInvalid> {
    plain_number(text.trim()).ok_or_else(|| {
        CellInvalid::new(
            "不是数字，请写成 2 或 1.5 这样的形式",
            "not a number: write it like 2 or 1.5",
        )
    })
}

/// `[+-]digits[.digits]` with optional thousands grouping, into plain form; `None` otherwise.
fn plain_number(text: &str) -> Option<String> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let whole = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let well_grouped =
            (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|group| group.len() == 3);
        if !well_grouped {
            return None;
        }
        groups.concat()
    } else {
        whole.to_string()
    };
    let fraction = fraction.unwrap_or("");
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(&whole) || !all_digits(fraction) {
        return None;
    }
    let mut plain = String::with_capacity(whole.len() + fraction.len() + 2);
    if negative {
        plain.push('-');
    }
    plain.push_str(if whole.is_empty() { "0" } else { &whole });
    if !fraction.is_empty() {
        plain.push('.');
        plain.push_str(fraction);
    }
    Some(plain)
}

/// Parses yes or no: 是/否, 对/错, √/×, yes/no, y/n, true/false, 1/0 (any case).
pub fn parse_boolean(text: &str) -> Result<bool, CellInvalid> {
    const YES: [&str; 7] = ["是", "对", "√", "yes", "y", "true", "1"];
    const NO: [&str; 7] = ["否", "错", "×", "no", "n", "false", "0"];
    let text = text.trim();
    if YES.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Ok(true)
    } else if NO.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Ok(false)
    } else {
        Err(CellInvalid::new(
            "请填写“是”或“否”",
            "write yes or no (是 or 否)",
        ))
    }
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn dates_in_every_accepted_form() {
        for text in [
            "2026-11-29",
            "2026/11/29",
            "2026.11.29",
            "20261129",
            "2026年11月29日",
            "2026年11月29号",
            "2026 年 11 月 29 日",
            "46355",
            "46355.5",
            "2026-11-29 08:30:00",
            "2026/11/29 8:30",
            "2026-11-29T08:30:00",
            "2026年11月29日 08:30",
        ] {
            assert_eq!(parse_date(text), Ok(date!(2026 - 11 - 29)), "{text}");
        }
        assert_eq!(parse_date("2026-1-5"), Ok(date!(2026 - 01 - 05)));
        assert_eq!(parse_date("2026/1/5"), Ok(date!(2026 - 01 - 05)));
        assert_eq!(parse_date("2026年1月5日"), Ok(date!(2026 - 01 - 05)));
    }

    #[test]
    fn dates_that_are_refused_say_why() {
        let reason = |text: &str| parse_date(text).unwrap_err().reason_en;
        assert!(reason("29/11/2026").starts_with("write the year first"));
        assert!(reason("2026-02-30").starts_with("not a real calendar date"));
        assert!(reason("2026-13-01").starts_with("not a real calendar date"));
        assert!(reason("20260230").starts_with("not a real calendar date"));
        assert!(reason("0026-11-29").starts_with("the year must be"));
        assert!(reason("1800-01-01").starts_with("the year must be"));
        assert!(reason("2026-11-29 下午").starts_with("the text after the date"));
        for text in [
            "2026",
            "2026-11",
            "tomorrow",
            "2026-11-29-1",
            "2026年11月",
            "123456",
        ] {
            assert!(reason(text).starts_with("not a date"), "{text}");
        }
        assert!(
            parse_date("29/11/2026")
                .unwrap_err()
                .reason_zh
                .contains("年份写在前面")
        );
    }

    #[test]
    fn excel_serials_follow_excel() {
        assert_eq!(date_from_excel_serial(1), Some(date!(1900 - 01 - 01)));
        assert_eq!(date_from_excel_serial(59), Some(date!(1900 - 02 - 28)));
        assert_eq!(date_from_excel_serial(60), None);
        assert_eq!(date_from_excel_serial(61), Some(date!(1900 - 03 - 01)));
        assert_eq!(date_from_excel_serial(46355), Some(date!(2026 - 11 - 29)));
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer("42"), Ok(42));
        assert_eq!(parse_integer("-7"), Ok(-7));
        assert_eq!(parse_integer("+7"), Ok(7));
        assert_eq!(parse_integer("1,234,567"), Ok(1_234_567));
        assert_eq!(parse_integer("12.0"), Ok(12));
        assert!(
            parse_integer("12.5")
                .unwrap_err()
                .reason_en
                .contains("without a fraction")
        );
        assert!(parse_integer("12,34").is_err());
        assert!(parse_integer("abc").is_err());
        assert!(parse_integer("").is_err());
        assert!(
            parse_integer("99999999999999999999")
                .unwrap_err()
                .reason_en
                .contains("large")
        );
    }

    #[test]
    fn decimals_come_back_as_plain_text() {
        for (text, plain) in [
            ("2", "2"),
            ("1.5", "1.5"),
            ("+1,234.50", "1234.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0.25", "-0.25"),
        ] {
            assert_eq!(parse_decimal(text).as_deref(), Ok(plain), "{text}");
        }
        for text in [".", "1.2.3", "1e5", "一点五", "1,2345", "-", ""] {
            assert!(parse_decimal(text).is_err(), "{text}");
        }
    }

    #[test]
    fn booleans() {
        for text in ["是", "对", "√", "yes", "Y", "TRUE", "1"] {
            assert_eq!(parse_boolean(text), Ok(true), "{text}");
        }
        for text in ["否", "错", "×", "No", "n", "false", "0"] {
            assert_eq!(parse_boolean(text), Ok(false), "{text}");
        }
        assert!(parse_boolean("也许").is_err());
    }

    #[test]
    fn domain_refusals_keep_their_reason() {
        let invalid = CellInvalid::from(Invalid::new(
            "national_id",
            "an ID number has 18 characters",
        ));
        assert_eq!(invalid.reason_en, "an ID number has 18 characters");
        assert!(invalid.reason_zh.starts_with("该值不符合要求"));
    }
}
