//! Text helpers shared by the credit-bank parsers: folding full-width characters (people type ２.５
//! and ＬＶ３ with a Chinese input method, and spreadsheets keep them), the comparison key of a
//! title, and exact fixed-point decimals (credits in hundredths, hours in tenths) without floats.

use crate::Invalid;

/// Folds full-width ASCII (U+FF01..=U+FF5E) to its half-width form and the ideographic space
/// (U+3000) to a plain space. Everything else is kept.
pub(crate) fn fold_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// The key two titles are compared by: full-width folded, ASCII lower-cased, every kind of
/// whitespace removed, Chinese brackets and the middle dot unified with their ASCII forms. So
/// "Python 入门（初级）" and "python入门(初级)" are the same title.
pub(crate) fn title_key(text: &str) -> String {
    fold_full_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '【' | '〔' | '［' => '[',
            '】' | '〕' | '］' => ']',
            '《' | '〈' => '<',
            '》' | '〉' => '>',
            '·' | '•' | '・' => '.',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// Parses a non-negative decimal with at most `scale` significant decimal places (further zeros are
/// exact and accepted) into units of 10^-`scale`, refusing values above `max_units`.
///
/// `noun` names the quantity in messages ("credits", "hours"); `example` shows a valid value.
pub(crate) fn parse_fixed_point(
    text: &str,
    scale: u32,
    max_units: u64,
    field: &'static str,
    noun: &str,
    example: &str,
) -> Result<u64, Invalid> {
    let folded = fold_full_width(text);
    let trimmed = folded.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(
            field,
            format!("{noun} are required: write a number such as {example}"),
        ));
    }
    if trimmed.starts_with('-') || trimmed.starts_with('−') {
        return Err(Invalid::new(field, format!("{noun} cannot be negative")));
    }
    let not_a_number = || {
        let places = match scale {
            0 => "a whole number".to_owned(),
            1 => "digits with at most 1 decimal place".to_owned(),
            n => format!("digits with at most {n} decimal places"),
        };
        Invalid::new(
            field,
            format!("'{trimmed}' is not a number of {noun}: write {places}, such as {example}"),
        )
    };
    let (whole, fraction) = match trimmed.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (trimmed, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let fraction = match fraction {
        None => "",
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => f,
        Some(_) => return Err(not_a_number()),
    };
    if scale == 0 && !fraction.is_empty() {
        if fraction.bytes().all(|b| b == b'0') {
            // "12.0" is exactly twelve.
        } else {
            return Err(Invalid::new(
                field,
                format!("{noun} are a whole number, not '{trimmed}'"),
            ));
        }
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > scale as usize {
        return Err(Invalid::new(
            field,
            format!(
                "{noun} have at most {scale} decimal place{}, '{trimmed}' has more",
                if scale == 1 { "" } else { "s" }
            ),
        ));
    }
    let too_large = || {
        Invalid::new(
            field,
            format!(
                "{noun} are at most {}, not '{trimmed}'",
                format_fixed_point(max_units, scale)
            ),
        )
    };
    let whole_digits = whole.trim_start_matches('0');
    if whole_digits.len() > 15 {
        return Err(too_large());
    }
    let mut units: u64 = 0;
    for b in whole_digits.bytes() {
        units = units * 10 + u64::from(b - b'0');
    }
    units = units.checked_mul(10u64.pow(scale)).ok_or_else(too_large)?;
    let mut fraction_units: u64 = 0;
    for (place, b) in significant.bytes().enumerate() {
        fraction_units += u64::from(b - b'0') * 10u64.pow(scale - 1 - place as u32);
    }
    let units = units.checked_add(fraction_units).ok_or_else(too_large)?;
    if units > max_units {
        return Err(too_large());
    }
    Ok(units)
}

/// Writes `units` of 10^-`scale` as a plain decimal without trailing zeros: 250 at scale 2 is
/// "2.5", 200 is "2", 5 is "0.05".
pub(crate) fn format_fixed_point(units: u64, scale: u32) -> String {
    let base = 10u64.pow(scale);
    let whole = units / base;
    let fraction = units % base;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = scale as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credits(text: &str) -> Result<u64, Invalid> {
        parse_fixed_point(text, 2, 9_999_999, "credits", "credits", "2 or 2.5")
    }

    #[test]
    fn full_width_characters_fold_to_ascii() {
        assert_eq!(fold_full_width("０.５"), "0.5");
        assert_eq!(fold_full_width("２．５"), "2.5");
        assert_eq!(fold_full_width("ＬＶ３\u{3000}级"), "LV3 级");
        assert_eq!(fold_full_width("电工"), "电工");
    }

    #[test]
    fn title_keys_ignore_width_case_space_and_bracket_style() {
        assert_eq!(
            title_key("Python 入门（初级）"),
            title_key("python入门(初级)")
        );
        assert_eq!(title_key("《论语》选读"), title_key("<论语>选读"));
        assert_ne!(title_key("书法"), title_key("书法进阶"));
    }

    #[test]
    fn fixed_point_accepts_plain_decimals() {
        assert_eq!(credits("2").unwrap(), 200);
        assert_eq!(credits("2.5").unwrap(), 250);
        assert_eq!(credits("0.05").unwrap(), 5);
        assert_eq!(credits(" ０.５ ").unwrap(), 50);
        assert_eq!(credits("2.500").unwrap(), 250, "trailing zeros are exact");
        assert_eq!(credits("007").unwrap(), 700);
        assert_eq!(credits("99999.99").unwrap(), 9_999_999);
        assert_eq!(credits("0").unwrap(), 0);
    }

    #[test]
    fn fixed_point_refuses_everything_else_with_a_reason() {
        for (text, says) in [
            ("", "required"),
            ("   ", "required"),
            ("-1", "negative"),
            ("－１", "negative"),
            ("−1", "negative"),
            ("2.505", "at most 2 decimal places"),
            ("NaN", "not a number"),
            ("inf", "not a number"),
            ("1e3", "not a number"),
            ("+2", "not a number"),
            (".5", "not a number"),
            ("2.", "not a number"),
            ("2.5.1", "not a number"),
            ("1,000", "not a number"),
            ("2 .5", "not a number"),
            ("二", "not a number"),
            ("100000", "at most 99999.99"),
            ("99999999999999999999999", "at most"),
        ] {
            let error = credits(text).unwrap_err();
            assert_eq!(error.field, "credits");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
    }

    #[test]
    fn whole_numbers_refuse_fractions_but_accept_exact_zeros() {
        let whole = |t| parse_fixed_point(t, 0, 1_000, "points", "points", "10");
        assert_eq!(whole("12").unwrap(), 12);
        assert_eq!(whole("12.00").unwrap(), 12);
        assert!(whole("12.5").unwrap_err().reason.contains("whole number"));
        assert!(whole("x").unwrap_err().reason.contains("a whole number"));
    }

    #[test]
    fn fixed_point_formats_without_trailing_zeros() {
        assert_eq!(format_fixed_point(250, 2), "2.5");
        assert_eq!(format_fixed_point(200, 2), "2");
        assert_eq!(format_fixed_point(5, 2), "0.05");
        assert_eq!(format_fixed_point(0, 2), "0");
        assert_eq!(format_fixed_point(15, 1), "1.5");
        assert_eq!(format_fixed_point(7, 0), "7");
    }
}
