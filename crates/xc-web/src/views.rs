//! Small formatting helpers shared by the pages and the API: numbers with thousands
//! separators, percentages, labels in the visitor's language.

use xc_domain::{Role, SiteKind};

use crate::i18n::Lang;

/// `24870895` → `24,870,895`.
pub(crate) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage with one decimal, `—` when `whole` is zero.
pub(crate) fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

pub(crate) fn site_kind_label(kind: SiteKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

pub(crate) fn role_label(role: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => role.label_zh(),
        Lang::En => role.label_en(),
    }
}

/// `2026-11-29` in Beijing time (UTC+8), the time people here read.
pub(crate) fn date(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

/// `2026-11-29 09:30` in Beijing time.
pub(crate) fn date_time(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(time::macros::offset!(+8));
    format!("{} {:02}:{:02}", date(at), local.hour(), local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_percentages_rounded() {
        assert_eq!(thousands(24_870_895), "24,870,895");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234), "-1,234");
        assert_eq!(percent(5_815_462, 24_870_895), "23.4%");
        assert_eq!(percent(1, 0), "—");
    }
}
