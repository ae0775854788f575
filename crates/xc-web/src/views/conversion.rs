//! Conversion in plain words, in the reader's language, for the pages and the API alike: what a
//! rule asks for and grants, and why a rule did not apply or an outcome cannot convert. Outcomes
//! are named by their titles and rules by their codes, never by bare ids, so a learner can follow
//! the explanation.

use std::collections::HashMap;

use xc_bank::ConversionRules;
use xc_domain::credit::{
    ConversionRuleDraft, ConversionRuleId, Exclusion, ExemptedCourse, FailedCondition, Grant,
    MissReason, OutcomeId, ProposalLine, ScoreRequirement,
};
use xc_store::OutcomeRecord;

use super::{category_label, field_label, grade_label, outcome_kind_label};
use crate::i18n::Lang;

/// A stable code for why a rule did not apply.
pub(crate) fn miss_code(reason: &MissReason) -> &'static str {
    match reason {
        MissReason::NoCandidates => "no_candidates",
        MissReason::NotEnough { .. } => "not_enough",
        MissReason::CourseAlreadyExempted { .. } => "course_already_exempted",
        MissReason::ProgrammeCapReached { .. } => "programme_cap_reached",
    }
}

/// A stable code for why an outcome cannot convert.
pub(crate) fn exclusion_code(reason: &Exclusion) -> &'static str {
    match reason {
        Exclusion::CultureAndLeisure => "culture_leisure",
        Exclusion::NotYetAchieved => "not_yet_achieved",
        Exclusion::Expired { .. } => "expired",
        Exclusion::RepeatedId => "repeated_id",
    }
}

/// An exempted course with its credits, e.g. `ELEC-101（4 学分）` / `ELEC-101 (4 credits)`.
pub(crate) fn course_text(course: &ExemptedCourse, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}（{} 学分）", course.course, course.credits),
        Lang::En => format!("{} ({} credits)", course.course, course.credits),
    }
}

/// What a grant gives, e.g. `免修课程 ELEC-101（4 学分）` / `2 elective credits`.
pub(crate) fn grant_text(grant: &Grant, lang: Lang) -> String {
    let courses = |courses: &[ExemptedCourse], separator: &str| {
        courses
            .iter()
            .map(|c| course_text(c, lang))
            .collect::<Vec<_>>()
            .join(separator)
    };
    match (grant, lang) {
        (Grant::CourseExemptions(list), Lang::Zh) => format!("免修课程 {}", courses(list, "、")),
        (Grant::CourseExemptions(list), Lang::En) => {
            format!("exemption from {}", courses(list, ", "))
        }
        (Grant::ElectiveCredits(credits), Lang::Zh) => format!("{credits} 个选修学分"),
        (Grant::ElectiveCredits(credits), Lang::En) => format!("{credits} elective credits"),
    }
}

fn score_requirement_text(requirement: ScoreRequirement, lang: Lang) -> String {
    match (requirement, lang) {
        (ScoreRequirement::Passed, Lang::Zh) => "成绩合格".to_owned(),
        (ScoreRequirement::Passed, Lang::En) => "passed".to_owned(),
        (ScoreRequirement::AtLeast(marks), Lang::Zh) => format!("成绩不低于 {marks} 分"),
        (ScoreRequirement::AtLeast(marks), Lang::En) => format!("a score of at least {marks}"),
    }
}

/// What a rule asks for, e.g. `任意 3 项社区教育/老年教育课程成果，类别为职业技能培训，领域为智慧生活，
/// 级别不低于第 2 级`.
pub(crate) fn conditions_text(rule: &ConversionRuleDraft, lang: Lang) -> String {
    let kinds = rule
        .kinds
        .iter()
        .map(|kind| outcome_kind_label(*kind, lang))
        .collect::<Vec<_>>();
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            parts.push(format!("任意 {} 项{}成果", rule.count, kinds.join("或")));
            if let Some(title) = &rule.title {
                parts.push(format!("名称为“{}”", title.as_str()));
            }
            if let Some(category) = rule.category {
                parts.push(format!("类别为{}", category_label(category, lang)));
            }
            if let Some(field) = &rule.field {
                parts.push(format!("领域为{}", field_label(field, lang)));
            }
            if let Some(grade) = rule.min_grade {
                parts.push(format!("职业技能等级不低于{}", grade_label(grade, lang)));
            }
            if let Some(level) = rule.min_level {
                parts.push(format!("级别不低于第 {level} 级"));
            }
            if let Some(score) = rule.min_score {
                parts.push(score_requirement_text(score, lang));
            }
            if let Some(years) = rule.max_age_years {
                parts.push(format!("{years} 年内获得"));
            }
            let mut text = parts.join("，");
            if rule.repeat > 1 {
                text.push_str(&format!("（最多适用 {} 次）", rule.repeat));
            }
            text
        }
        Lang::En => {
            let kinds = if kinds.is_empty() {
                "any kind".to_owned()
            } else {
                kinds.join(" or ")
            };
            let noun = if rule.count == 1 {
                "outcome"
            } else {
                "outcomes"
            };
            parts.push(format!("any {} {noun} ({kinds})", rule.count));
            if let Some(title) = &rule.title {
                parts.push(format!("titled “{}”", title.as_str()));
            }
            if let Some(category) = rule.category {
                parts.push(format!(
                    "in the category {}",
                    category_label(category, lang)
                ));
            }
            if let Some(field) = &rule.field {
                parts.push(format!("in {}", field_label(field, lang)));
            }
            if let Some(grade) = rule.min_grade {
                parts.push(format!("grade {} or higher", grade_label(grade, lang)));
            }
            if let Some(level) = rule.min_level {
                parts.push(format!("level {level} or higher"));
            }
            if let Some(score) = rule.min_score {
                parts.push(score_requirement_text(score, lang));
            }
            if let Some(years) = rule.max_age_years {
                parts.push(format!("achieved within {years} years"));
            }
            let mut text = parts.join(", ");
            if rule.repeat > 1 {
                text.push_str(&format!(" (applies up to {} times)", rule.repeat));
            }
            text
        }
    }
}

fn condition_text(condition: &FailedCondition, lang: Lang) -> String {
    match (condition, lang) {
        (FailedCondition::CultureAndLeisure, Lang::Zh) => {
            "属于文化休闲类，不转换为学历学分".to_owned()
        }
        (FailedCondition::CultureAndLeisure, Lang::En) => {
            "culture and leisure: never converts to academic credit".to_owned()
        }
        (FailedCondition::NotYetAchieved, Lang::Zh) => "获得日期晚于今天".to_owned(),
        (FailedCondition::NotYetAchieved, Lang::En) => "achieved after today".to_owned(),
        (FailedCondition::Expired, Lang::Zh) => "已过有效期".to_owned(),
        (FailedCondition::Expired, Lang::En) => "no longer valid".to_owned(),
        (FailedCondition::Category(category), _) => match lang {
            Lang::Zh => format!("不属于{}类别", category_label(*category, lang)),
            Lang::En => format!("not in the category {}", category_label(*category, lang)),
        },
        (FailedCondition::Field(field), _) => match lang {
            Lang::Zh => format!("不属于{}领域", field_label(field, lang)),
            Lang::En => format!("not in {}", field_label(field, lang)),
        },
        (FailedCondition::MinGrade(grade), _) => match lang {
            Lang::Zh => format!("职业技能等级低于{}", grade_label(*grade, lang)),
            Lang::En => format!("grade below {}", grade_label(*grade, lang)),
        },
        (FailedCondition::MinLevel(level), Lang::Zh) => format!("级别低于第 {level} 级"),
        (FailedCondition::MinLevel(level), Lang::En) => format!("level below {level}"),
        (FailedCondition::MinScore(ScoreRequirement::Passed), Lang::Zh) => {
            "成绩不是合格".to_owned()
        }
        (FailedCondition::MinScore(ScoreRequirement::Passed), Lang::En) => "not passed".to_owned(),
        (FailedCondition::MinScore(ScoreRequirement::AtLeast(marks)), Lang::Zh) => {
            format!("成绩低于 {marks} 分")
        }
        (FailedCondition::MinScore(ScoreRequirement::AtLeast(marks)), Lang::En) => {
            format!("score below {marks}")
        }
        (FailedCondition::MaxAgeYears(years), Lang::Zh) => format!("获得已超过 {years} 年"),
        (FailedCondition::MaxAgeYears(years), Lang::En) => {
            format!("achieved more than {years} years ago")
        }
    }
}

/// Names for the outcomes and rules an explanation mentions.
pub(crate) struct ConversionWords<'a> {
    rules: &'a ConversionRules,
    titles: HashMap<OutcomeId, String>,
}

impl<'a> ConversionWords<'a> {
    pub(crate) fn new(rules: &'a ConversionRules, outcomes: &[OutcomeRecord]) -> Self {
        ConversionWords {
            rules,
            titles: outcomes
                .iter()
                .map(|o| (o.id, o.submitted.title.as_str().to_owned()))
                .collect(),
        }
    }

    /// An outcome's title in quotes, or its number when it is not the reader's.
    pub(crate) fn outcome(&self, id: OutcomeId, lang: Lang) -> String {
        match (self.titles.get(&id), lang) {
            (Some(title), _) => format!("“{title}”"),
            (None, Lang::Zh) => format!("成果 {id}"),
            (None, Lang::En) => format!("outcome {id}"),
        }
    }

    fn outcomes(&self, ids: &[OutcomeId], lang: Lang) -> String {
        ids.iter()
            .map(|id| self.outcome(*id, lang))
            .collect::<Vec<_>>()
            .join(match lang {
                Lang::Zh => "、",
                Lang::En => ", ",
            })
    }

    /// A rule's code (as staff named it), or its number.
    pub(crate) fn rule_code(&self, id: ConversionRuleId) -> String {
        self.rules
            .current(id)
            .map(|(version, _)| version.code.clone())
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| id.to_string())
    }

    /// What a rule in force asks for, in words; empty for a rule no longer in force.
    pub(crate) fn rule_conditions(&self, id: ConversionRuleId, lang: Lang) -> String {
        self.rules
            .set()
            .get(id)
            .map(|rule| conditions_text(&rule.to_draft(), lang))
            .unwrap_or_default()
    }

    /// What converts on a line, under which rule, from which outcomes.
    pub(crate) fn line(&self, line: &ProposalLine, lang: Lang) -> String {
        let conditions = self.rule_conditions(line.rule, lang);
        let conditions = if conditions.is_empty() {
            String::new()
        } else {
            match lang {
                Lang::Zh => format!("（{conditions}）"),
                Lang::En => format!(" ({conditions})"),
            }
        };
        match lang {
            Lang::Zh => format!(
                "按规则 {}{conditions}，{}可转换为{}",
                self.rule_code(line.rule),
                self.outcomes(&line.outcomes, lang),
                grant_text(&line.grant, lang)
            ),
            Lang::En => format!(
                "Under rule {}{conditions}, {} convert into {}",
                self.rule_code(line.rule),
                self.outcomes(&line.outcomes, lang),
                grant_text(&line.grant, lang)
            ),
        }
    }

    /// Why a rule did not apply, in plain words.
    pub(crate) fn miss(&self, rule: ConversionRuleId, reason: &MissReason, lang: Lang) -> String {
        match reason {
            MissReason::NoCandidates => match lang {
                Lang::Zh => format!(
                    "您还没有这条规则要求的成果（{}）",
                    self.rule_conditions(rule, lang)
                ),
                Lang::En => format!(
                    "none of your outcomes is of the kind this rule asks for ({})",
                    self.rule_conditions(rule, lang)
                ),
            },
            MissReason::NotEnough {
                needed,
                qualifying,
                failed,
                used_by_other_rules,
            } => {
                let mut parts = vec![match lang {
                    Lang::Zh => format!(
                        "需要 {needed} 项符合条件的成果，目前有 {} 项",
                        qualifying.len()
                    ),
                    Lang::En => format!(
                        "needs {needed} qualifying outcomes; {} qualify",
                        qualifying.len()
                    ),
                }];
                for failure in failed {
                    parts.push(match lang {
                        Lang::Zh => format!(
                            "{}{}",
                            self.outcomes(&failure.outcomes, lang),
                            condition_text(&failure.condition, lang)
                        ),
                        Lang::En => format!(
                            "{}: {}",
                            self.outcomes(&failure.outcomes, lang),
                            condition_text(&failure.condition, lang)
                        ),
                    });
                }
                for (outcome, other) in used_by_other_rules {
                    parts.push(match lang {
                        Lang::Zh => format!(
                            "{}已用于规则 {}",
                            self.outcome(*outcome, lang),
                            self.rule_code(*other)
                        ),
                        Lang::En => format!(
                            "{} is already used by rule {}",
                            self.outcome(*outcome, lang),
                            self.rule_code(*other)
                        ),
                    });
                }
                parts.join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                })
            }
            MissReason::CourseAlreadyExempted { course, by_rule } => match lang {
                Lang::Zh => format!("课程 {course} 已由规则 {} 免修", self.rule_code(*by_rule)),
                Lang::En => format!(
                    "course {course} is already exempted by rule {}",
                    self.rule_code(*by_rule)
                ),
            },
            MissReason::ProgrammeCapReached { credits, remaining } => match lang {
                Lang::Zh => {
                    format!("这条规则给 {credits} 学分，但本专业最多还能转换 {remaining} 学分")
                }
                Lang::En => format!(
                    "its {credits} credits do not fit: only {remaining} remain under the programme's cap"
                ),
            },
        }
    }
}

/// Why an outcome cannot convert at all.
pub(crate) fn exclusion_text(reason: &Exclusion, lang: Lang) -> String {
    match (reason, lang) {
        (Exclusion::CultureAndLeisure, Lang::Zh) => {
            "文化休闲类成果记入档案，但不转换为学历学分".to_owned()
        }
        (Exclusion::CultureAndLeisure, Lang::En) => {
            "culture and leisure outcomes are recorded but never convert to academic credit"
                .to_owned()
        }
        (Exclusion::NotYetAchieved, Lang::Zh) => "获得日期晚于今天".to_owned(),
        (Exclusion::NotYetAchieved, Lang::En) => "achieved after today".to_owned(),
        (Exclusion::Expired { last_valid_day }, Lang::Zh) => {
            format!("有效期到 {last_valid_day}，已过期")
        }
        (Exclusion::Expired { last_valid_day }, Lang::En) => {
            format!("valid until {last_valid_day}: expired")
        }
        (Exclusion::RepeatedId, Lang::Zh) => "重复列出，只计一次".to_owned(),
        (Exclusion::RepeatedId, Lang::En) => "listed twice: counted once".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xc_domain::Topic;
    use xc_domain::credit::{
        CourseCode, Credits, Field, OutcomeCategory, OutcomeKind, ProgrammeId,
    };

    #[test]
    fn rules_and_grants_read_as_sentences() {
        let mut rule = ConversionRuleDraft::new(
            ConversionRuleId::new(1),
            ProgrammeId::new(1),
            Grant::ElectiveCredits(Credits::parse("2").unwrap()),
        );
        rule.kinds = vec![OutcomeKind::CommunityCourse];
        rule.count = 3;
        rule.category = Some(OutcomeCategory::VocationalTraining);
        rule.field = Some(Field::Topic(Topic::SmartLiving));
        rule.min_level = Some(2);
        let zh = conditions_text(&rule, Lang::Zh);
        assert!(zh.starts_with("任意 3 项社区教育"), "{zh}");
        assert!(zh.contains("级别不低于第 2 级"), "{zh}");
        let en = conditions_text(&rule, Lang::En);
        assert!(en.starts_with("any 3 outcomes"), "{en}");
        assert!(en.contains("level 2 or higher"), "{en}");
        assert_eq!(grant_text(&rule.grant, Lang::Zh), "2 个选修学分");
        let exemption = Grant::exemption(
            CourseCode::parse("elec-101").unwrap(),
            Credits::parse("4").unwrap(),
        );
        assert_eq!(
            grant_text(&exemption, Lang::Zh),
            "免修课程 ELEC-101（4 学分）"
        );
        assert_eq!(
            grant_text(&exemption, Lang::En),
            "exemption from ELEC-101 (4 credits)"
        );
        assert_eq!(
            exclusion_text(&Exclusion::CultureAndLeisure, Lang::Zh),
            "文化休闲类成果记入档案，但不转换为学历学分"
        );
        assert_eq!(
            condition_text(
                &FailedCondition::MinLevel(xc_domain::credit::FrameworkLevel::new(3).unwrap()),
                Lang::Zh
            ),
            "级别低于第 3 级"
        );
    }
}
