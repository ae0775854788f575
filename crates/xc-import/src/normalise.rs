//! Cell normalisation: what every cell goes through before anyone looks at it. Trimmed;
//! full-width ASCII (０-９, Ａ-Ｚ, '，' '．' '－' '：' '（' …) and the ideographic space turned
//! into their ASCII forms, as typed with a Chinese input method; invisible characters that come
//! with copy and paste (zero-width spaces, a stray byte-order mark) removed; empty becomes `None`.
//!
//! Also the check for text that a spreadsheet would run as a formula when the data is exported
//! again (CSV injection).

use crate::parse::CellInvalid;

/// The normalised form of a cell, or `None` when nothing is left.
pub fn normalise_cell(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    normalise_into(raw, &mut out).then_some(out)
}

/// Appends the normalised form of `raw` to `out`; returns whether anything was appended.
pub(crate) fn normalise_into(raw: &str, out: &mut String) -> bool {
    let start = out.len();
    if raw.is_ascii() {
        out.push_str(raw.trim_ascii());
    } else if !raw.chars().any(needs_mapping) {
        // Most Chinese text: nothing to map, only to trim.
        out.push_str(raw.trim());
    } else {
        for c in raw.chars() {
            let mapped = match c {
                // The full-width forms of the ASCII characters '!' to '~'.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' | '\u{00A0}' => ' ',
                '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => continue,
                other => other,
            };
            if out.len() == start && mapped.is_whitespace() {
                continue;
            }
            out.push(mapped);
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
    }
    out.len() > start
}

fn needs_mapping(c: char) -> bool {
    matches!(
        c,
        '\u{FF01}'..='\u{FF5E}' | '\u{3000}' | '\u{00A0}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Refuses normalised text that a spreadsheet would evaluate: anything starting with `=` or `@`,
/// and `+` or `-` followed by something that is not a number (so "-3", "+86 138 0000 0000" and a
/// lone "-" pass).
pub fn check_formula_injection(text: &str) -> Result<(), CellInvalid> {
    let mut chars = text.chars();
    let refused = match chars.next() {
        Some('=' | '@') => text.len() > 1,
        Some('+' | '-') => {
            let rest = chars.as_str();
            !rest.is_empty() && !looks_numeric(rest)
        }
        _ => false,
    };
    if refused {
        Err(CellInvalid::new(
            "以 = + - @ 开头的内容会被电子表格当作公式执行，已拒绝：请去掉开头的符号，或在前面加一个单引号",
            "a value starting with = + - or @ would run as a formula in a spreadsheet, so it is \
             refused: remove the leading sign or put an apostrophe before it",
        ))
    } else {
        Ok(())
    }
}

fn looks_numeric(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().all(|b| {
            b.is_ascii_digit() || matches!(b, b'.' | b',' | b' ' | b'-' | b'(' | b')' | b'%')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expected: Option<&str>) {
        assert_eq!(normalise_cell(raw).as_deref(), expected, "{raw:?}");
    }

    #[test]
    fn cells_are_trimmed_and_half_width() {
        check("  abc  ", Some("abc"));
        check("\t", None);
        check("", None);
        check("　", None);
        check("\u{200B}\u{FEFF}", None);
        check(
            "１１０１０１１９９００３０７６６７Ｘ",
            Some("11010119900307667X"),
        );
        check("　张三　", Some("张三"));
        check("３２．５", Some("32.5"));
        check("２０２６－１１－２９", Some("2026-11-29"));
        check("１２：３０，ＡＢｃ", Some("12:30,ABc"));
        check("书法（初级）", Some("书法(初级)"));
        check("1101\u{200B}01", Some("110101"));
        check("a\u{00A0}b", Some("a b"));
        check("汉字 内部 空格", Some("汉字 内部 空格"));
    }

    #[test]
    fn formulas_are_refused_and_numbers_are_not() {
        for refused in [
            "=cmd|' /C calc'!A0",
            "=1+1",
            "@SUM(A1:A2)",
            "+cmd",
            "-2+3+cmd|' /C calc'!A0",
            "-无",
        ] {
            assert!(check_formula_injection(refused).is_err(), "{refused}");
        }
        for allowed in [
            "-3",
            "+86 138 0000 0000",
            "-",
            "=",
            "-12.5",
            "+5%",
            "张三",
            "",
        ] {
            assert!(check_formula_injection(allowed).is_ok(), "{allowed}");
        }
    }
}
