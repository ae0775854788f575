//! Small formatting helpers shared by the pages and the API: numbers with thousands
//! separators, percentages, labels in the visitor's language. Conversion's explanations in words
//! are in [`conversion`].

pub(crate) mod conversion;

use xc_domain::credit::{
    Difference, EvidenceKind, Field, OutcomeCategory, OutcomeKind, Score, VocationalGrade,
};
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

pub(crate) fn outcome_kind_label(kind: OutcomeKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

pub(crate) fn category_label(category: OutcomeCategory, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => category.label_zh(),
        Lang::En => category.label_en(),
    }
}

pub(crate) fn grade_label(grade: VocationalGrade, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => grade.label_zh(),
        Lang::En => grade.label_en(),
    }
}

pub(crate) fn evidence_kind_label(kind: EvidenceKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

/// A score as people read it: marks, or pass / fail in the reader's language.
pub(crate) fn score_label(score: Score, lang: Lang) -> String {
    match (score, lang) {
        (Score::Marks(marks), _) => marks.to_string(),
        (Score::Passed, _) => lang.text().score_pass.to_owned(),
        (Score::Failed, _) => lang.text().score_fail.to_owned(),
    }
}

/// A field as people read it: a topic by its name, a discipline by its code.
pub(crate) fn field_label(field: &Field, lang: Lang) -> String {
    match field {
        Field::Topic(topic) => match lang {
            Lang::Zh => topic.label_zh().to_owned(),
            Lang::En => topic.label_en().to_owned(),
        },
        Field::Discipline(code) => match lang {
            Lang::Zh => format!("专业代码 {}", code.as_str()),
            Lang::En => format!("discipline {}", code.as_str()),
        },
    }
}

/// Which part of an outcome a difference is about, as a stable code.
pub(crate) fn difference_aspect(difference: &Difference) -> &'static str {
    match difference {
        Difference::Kind { .. } => "kind",
        Difference::Title { .. } => "title",
        Difference::Provider { .. } => "provider",
        Difference::Grade { .. } => "grade",
        Difference::Hours { .. } => "hours",
        Difference::Field { .. } => "field",
        Difference::AlsoMatches { .. } => "also_matches",
    }
}

/// How an outcome differs from a specification, in the reader's language.
pub(crate) fn difference_text(difference: &Difference, lang: Lang) -> String {
    if lang == Lang::En {
        return difference.to_string();
    }
    let none = || "无".to_owned();
    match difference {
        Difference::Kind {
            specification,
            outcome,
        } => format!(
            "成果类型为“{}”，标准适用于“{}”",
            outcome.label_zh(),
            specification.label_zh()
        ),
        Difference::Title {
            specification,
            outcome,
        } => format!("成果名称为“{outcome}”，标准的名称为“{specification}”"),
        Difference::Provider {
            specification,
            outcome,
        } => format!("提交机构为 {outcome} 号机构，标准属于 {specification} 号机构"),
        Difference::Grade {
            specification,
            outcome,
        } => format!(
            "等级为{}，标准的等级为{}",
            outcome.map_or_else(none, |g| g.label_zh().to_owned()),
            specification.map_or_else(none, |g| g.label_zh().to_owned())
        ),
        Difference::Hours {
            specification,
            outcome,
        } => format!(
            "学时为 {}，标准的学时为 {specification}",
            outcome.map_or_else(none, |h| h.to_string())
        ),
        Difference::Field {
            specification,
            outcome,
        } => format!(
            "领域为 {}，标准的领域为 {}",
            field_label(outcome, lang),
            specification
                .as_ref()
                .map_or_else(none, |f| field_label(f, lang))
        ),
        Difference::AlsoMatches { other } => format!("标准 {other} 同样完全符合"),
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

/// Opening hours in the OpenStreetMap notation the data uses (`Mo-Fr 09:00-11:30,13:30-16:30;
/// Sa 09:00-16:00`) as people read them: `周一至周五 09:00-11:30、13:30-16:30；周六 09:00-16:00`.
/// Text in any other form is shown as it is.
pub(crate) fn opening_hours(text: &str, lang: Lang) -> String {
    const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let names = match lang {
        Lang::Zh => ZH,
        Lang::En => EN,
    };
    let day = |code: &str| DAYS.iter().position(|d| *d == code).map(|i| names[i]);
    let (range_word, list_sep, time_sep, rule_sep) = match lang {
        Lang::Zh => ("至", "、", "、", "；"),
        Lang::En => ("–", ", ", ", ", "; "),
    };
    let mut rules = Vec::new();
    for rule in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        let Some((days, times)) = rule.split_once(' ') else {
            return text.to_owned();
        };
        let mut day_parts = Vec::new();
        for part in days.split(',') {
            let words = match part.split_once('-') {
                Some((from, to)) => day(from)
                    .zip(day(to))
                    .map(|(f, t)| format!("{f}{range_word}{t}")),
                None => day(part).map(str::to_owned),
            };
            match words {
                Some(words) => day_parts.push(words),
                None => return text.to_owned(),
            }
        }
        let times = times
            .trim()
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(time_sep);
        rules.push(format!("{} {times}", day_parts.join(list_sep)));
    }
    rules.join(rule_sep)
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

    #[test]
    fn opening_hours_read_as_people_say_them() {
        assert_eq!(
            opening_hours("Mo-Fr 09:00-11:30,13:30-16:30; Sa 09:00-16:00", Lang::Zh),
            "周一至周五 09:00-11:30、13:30-16:30；周六 09:00-16:00"
        );
        assert_eq!(
            opening_hours("Tu,Th 13:30-16:30", Lang::Zh),
            "周二、周四 13:30-16:30"
        );
        assert_eq!(
            opening_hours("Mo-Su 09:00-21:00", Lang::En),
            "Mon–Sun 09:00-21:00"
        );
        assert_eq!(opening_hours("by appointment", Lang::Zh), "by appointment");
        assert_eq!(opening_hours("Xx 09:00-10:00", Lang::Zh), "Xx 09:00-10:00");
    }
}
