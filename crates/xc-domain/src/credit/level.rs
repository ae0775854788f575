//! Levels: the 10-level outcome framework (学习成果框架) that every recognised outcome is placed
//! on, the five vocational grades (职业技能等级, 五级/初级工 … 一级/高级技师), and the mapping
//! between them that credit-bank staff maintain as a versioned standard.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;
use crate::credit::text::fold_full_width;

/// A level of the outcome framework, 1 (lowest) to 10 (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameworkLevel(u8);

impl FrameworkLevel {
    pub const LOWEST: FrameworkLevel = FrameworkLevel(1);
    pub const HIGHEST: FrameworkLevel = FrameworkLevel(10);

    pub fn new(level: u8) -> Result<Self, Invalid> {
        if (1..=10).contains(&level) {
            Ok(Self(level))
        } else {
            Err(Invalid::new(
                "level",
                format!("the framework has levels 1 to 10, there is no level {level}"),
            ))
        }
    }

    pub const fn get(self) -> u8 {
        self.0
    }

    /// Every level, lowest first.
    pub fn all() -> impl Iterator<Item = FrameworkLevel> {
        (1..=10).map(FrameworkLevel)
    }

    /// Parses "3", "３", "L3", "3级" or "第3级".
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text);
        let trimmed = folded.trim();
        let digits = trimmed
            .strip_prefix('L')
            .or_else(|| trimmed.strip_prefix('l'))
            .or_else(|| trimmed.strip_prefix('第'))
            .unwrap_or(trimmed);
        let digits = digits.strip_suffix('级').unwrap_or(digits).trim();
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "level",
                format!("'{trimmed}' is not a framework level: write a whole number from 1 to 10"),
            ));
        }
        let level: u8 = digits.parse().map_err(|_| {
            Invalid::new(
                "level",
                format!("the framework has levels 1 to 10, there is no level {digits}"),
            )
        })?;
        Self::new(level)
    }
}

impl fmt::Display for FrameworkLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for FrameworkLevel {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// A grade of a vocational skill certificate (职业资格 / 职业技能等级证书), from 五级 (初级工, the
/// lowest) to 一级 (高级技师, the highest). Ordered by seniority: `Five < Four < … < One`.
///
/// The 2022 reform (人社部 "新八级工") adds 学徒工 below and 特级技师 / 首席技师 above these
/// five; the certificates citizens hold today are the five grades, so those are what the bank
/// records. A new grade is a new variant here and a new row in [`GradeMapping`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VocationalGrade {
    /// 五级 / 初级工
    Five,
    /// 四级 / 中级工
    Four,
    /// 三级 / 高级工
    Three,
    /// 二级 / 技师
    Two,
    /// 一级 / 高级技师
    One,
}

impl VocationalGrade {
    /// Lowest first.
    pub const ALL: &'static [VocationalGrade] = &[
        VocationalGrade::Five,
        VocationalGrade::Four,
        VocationalGrade::Three,
        VocationalGrade::Two,
        VocationalGrade::One,
    ];

    /// The stable code: `grade_5` … `grade_1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            VocationalGrade::Five => "grade_5",
            VocationalGrade::Four => "grade_4",
            VocationalGrade::Three => "grade_3",
            VocationalGrade::Two => "grade_2",
            VocationalGrade::One => "grade_1",
        }
    }

    /// The grade number as printed on the certificate: 5 for 五级 … 1 for 一级.
    pub const fn number(self) -> u8 {
        match self {
            VocationalGrade::Five => 5,
            VocationalGrade::Four => 4,
            VocationalGrade::Three => 3,
            VocationalGrade::Two => 2,
            VocationalGrade::One => 1,
        }
    }

    /// "五级", "四级" …
    pub const fn numeral_zh(self) -> &'static str {
        match self {
            VocationalGrade::Five => "五级",
            VocationalGrade::Four => "四级",
            VocationalGrade::Three => "三级",
            VocationalGrade::Two => "二级",
            VocationalGrade::One => "一级",
        }
    }

    /// "初级工", "中级工", "高级工", "技师", "高级技师".
    pub const fn title_zh(self) -> &'static str {
        match self {
            VocationalGrade::Five => "初级工",
            VocationalGrade::Four => "中级工",
            VocationalGrade::Three => "高级工",
            VocationalGrade::Two => "技师",
            VocationalGrade::One => "高级技师",
        }
    }

    /// "五级/初级工".
    pub const fn label_zh(self) -> &'static str {
        match self {
            VocationalGrade::Five => "五级/初级工",
            VocationalGrade::Four => "四级/中级工",
            VocationalGrade::Three => "三级/高级工",
            VocationalGrade::Two => "二级/技师",
            VocationalGrade::One => "一级/高级技师",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            VocationalGrade::Five => "Grade 5 (junior worker)",
            VocationalGrade::Four => "Grade 4 (intermediate worker)",
            VocationalGrade::Three => "Grade 3 (senior worker)",
            VocationalGrade::Two => "Grade 2 (technician)",
            VocationalGrade::One => "Grade 1 (senior technician)",
        }
    }

    fn from_number(number: u8) -> Option<Self> {
        match number {
            5 => Some(VocationalGrade::Five),
            4 => Some(VocationalGrade::Four),
            3 => Some(VocationalGrade::Three),
            2 => Some(VocationalGrade::Two),
            1 => Some(VocationalGrade::One),
            _ => None,
        }
    }

    /// Parses what certificates and spreadsheets say: the code (`grade_3`), the number ("3",
    /// "３"), the numeral ("三级", "3级"), the title ("高级工"), or both ("三级/高级工",
    /// "三级（高级工）", "国家职业资格三级"). Both parts must name the same grade.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text);
        let trimmed = folded.trim();
        if let Some(grade) = Self::ALL.iter().find(|g| g.as_str() == trimmed) {
            return Ok(*grade);
        }
        let mut rest: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        for prefix in ["国家职业资格", "职业资格", "职业技能等级", "技能等级"] {
            if let Some(stripped) = rest.strip_prefix(prefix) {
                rest = stripped.to_owned();
                break;
            }
        }
        // Longest titles first: "高级技师" contains "技师", "高级工" must not be read as "级".
        let mut by_title = None;
        for grade in [
            VocationalGrade::One,
            VocationalGrade::Two,
            VocationalGrade::Three,
            VocationalGrade::Four,
            VocationalGrade::Five,
        ] {
            if let Some(at) = rest.find(grade.title_zh()) {
                rest.replace_range(at..at + grade.title_zh().len(), "");
                by_title = Some(grade);
                break;
            }
        }
        let mut by_number = None;
        for (numerals, number) in [
            (["五级", "5级"], 5),
            (["四级", "4级"], 4),
            (["三级", "3级"], 3),
            (["二级", "2级"], 2),
            (["一级", "1级"], 1),
        ] {
            for numeral in numerals {
                if let Some(at) = rest.find(numeral) {
                    rest.replace_range(at..at + numeral.len(), "");
                    by_number = Self::from_number(number);
                    break;
                }
            }
            if by_number.is_some() {
                break;
            }
        }
        if by_number.is_none() && by_title.is_none() && rest.len() == 1 {
            by_number = rest.parse::<u8>().ok().and_then(Self::from_number);
            if by_number.is_some() {
                rest.clear();
            }
        }
        let leftover = rest
            .chars()
            .any(|c| !matches!(c, '/' | '(' | ')' | '、' | '-' | '|'));
        let choices = "write 五级/初级工, 四级/中级工, 三级/高级工, 二级/技师 or 一级/高级技师 (or grade_5 … grade_1)";
        match (by_number, by_title) {
            _ if leftover => Err(Invalid::new(
                "grade",
                format!("'{trimmed}' is not a vocational grade: {choices}"),
            )),
            (Some(number), Some(title)) if number != title => Err(Invalid::new(
                "grade",
                format!(
                    "'{trimmed}' names two grades: {} is {}, {} is {}",
                    number.numeral_zh(),
                    number.title_zh(),
                    title.title_zh(),
                    title.numeral_zh()
                ),
            )),
            (Some(grade), _) | (None, Some(grade)) => Ok(grade),
            (None, None) => Err(Invalid::new(
                "grade",
                format!("'{trimmed}' is not a vocational grade: {choices}"),
            )),
        }
    }
}

impl fmt::Display for VocationalGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VocationalGrade {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// Where each vocational grade sits on the outcome framework: a standard that credit-bank staff
/// maintain, published in versions (see [`crate::credit::VersionHistory`]).
///
/// A higher grade never sits below a lower one (equal is allowed, e.g. when a city's framework
/// puts 技师 and 高级技师 on one level).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GradeMapping {
    /// Indexed lowest grade first, as [`VocationalGrade::ALL`].
    levels: [FrameworkLevel; 5],
}

impl GradeMapping {
    /// The mapping the bank starts with: 五级/初级工 → 2, 四级/中级工 → 3, 三级/高级工 → 4,
    /// 二级/技师 → 5, 一级/高级技师 → 6.
    ///
    /// Source. The seed policy texts ask for 学习成果认定与转换标准 and for vocational
    /// certificates to be stored in and converted by the bank, but give no table, and China has
    /// not yet published a national qualifications framework (《中国教育现代化2035》 asks for
    /// one). The default rests on the national equal-treatment rule for technical-school
    /// graduates (人社部: 中级工班 ≈ 中专, 高级工班 ≈ 大专, 预备技师/技师班 ≈ 本科), read onto the
    /// 10-level scale with level 1 for entry-level learning below any certificate, level 3 ≈
    /// 中专/高中, 4 ≈ 专科, 5 ≈ 本科: each grade one level above the one below it. It is our
    /// reading of national practice, not a published table: the city's credit bank confirms it
    /// or replaces it by publishing a new version.
    pub fn national_default() -> Self {
        Self {
            levels: [2, 3, 4, 5, 6].map(FrameworkLevel),
        }
    }

    /// Every grade at one level: how a stored specification is checked without deriving its
    /// level again (see `OutcomeSpecification::restore`).
    pub(crate) const fn uniform(level: FrameworkLevel) -> Self {
        Self { levels: [level; 5] }
    }

    /// A mapping naming every grade exactly once, never placing a higher grade below a lower one.
    pub fn new(entries: &[(VocationalGrade, FrameworkLevel)]) -> Result<Self, Invalid> {
        let mut levels: [Option<FrameworkLevel>; 5] = [None; 5];
        for (grade, level) in entries {
            let slot = &mut levels[Self::index(*grade)];
            if slot.is_some() {
                return Err(Invalid::new(
                    "grade_mapping",
                    format!("{} is mapped twice: map each grade once", grade.label_zh()),
                ));
            }
            *slot = Some(*level);
        }
        let mut complete = [FrameworkLevel::LOWEST; 5];
        for (index, grade) in VocationalGrade::ALL.iter().enumerate() {
            complete[index] = levels[index].ok_or_else(|| {
                Invalid::new(
                    "grade_mapping",
                    format!("{} has no level: map every grade", grade.label_zh()),
                )
            })?;
        }
        for pair in 0..4 {
            if complete[pair + 1] < complete[pair] {
                let (lower, higher) = (VocationalGrade::ALL[pair], VocationalGrade::ALL[pair + 1]);
                return Err(Invalid::new(
                    "grade_mapping",
                    format!(
                        "{} (level {}) cannot sit below {} (level {}): a higher grade is at least the same level",
                        higher.label_zh(),
                        complete[pair + 1],
                        lower.label_zh(),
                        complete[pair]
                    ),
                ));
            }
        }
        Ok(Self { levels: complete })
    }

    fn index(grade: VocationalGrade) -> usize {
        grade as usize
    }

    pub fn level_of(&self, grade: VocationalGrade) -> FrameworkLevel {
        self.levels[Self::index(grade)]
    }

    /// Every grade with its level, lowest grade first.
    pub fn entries(&self) -> impl Iterator<Item = (VocationalGrade, FrameworkLevel)> + '_ {
        VocationalGrade::ALL
            .iter()
            .map(|grade| (*grade, self.level_of(*grade)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(n: u8) -> FrameworkLevel {
        FrameworkLevel::new(n).unwrap()
    }

    #[test]
    fn framework_levels_are_one_to_ten() {
        assert_eq!(FrameworkLevel::parse("1").unwrap(), FrameworkLevel::LOWEST);
        assert_eq!(
            FrameworkLevel::parse("10").unwrap(),
            FrameworkLevel::HIGHEST
        );
        assert_eq!(FrameworkLevel::parse("３").unwrap().get(), 3);
        assert_eq!(FrameworkLevel::parse("L4").unwrap().get(), 4);
        assert_eq!(FrameworkLevel::parse("ｌ４").unwrap().get(), 4);
        assert_eq!(FrameworkLevel::parse("第5级").unwrap().get(), 5);
        assert_eq!(FrameworkLevel::parse(" 6级 ").unwrap().get(), 6);
        assert_eq!(FrameworkLevel::all().count(), 10);
        assert_eq!("7".parse::<FrameworkLevel>().unwrap().to_string(), "7");
    }

    #[test]
    fn framework_level_errors_say_the_range() {
        for (text, says) in [
            ("0", "no level 0"),
            ("11", "no level 11"),
            ("255", "no level 255"),
            ("999", "no level 999"),
            ("", "write a whole number from 1 to 10"),
            ("2.5", "write a whole number from 1 to 10"),
            ("-1", "write a whole number from 1 to 10"),
            ("三", "write a whole number from 1 to 10"),
            ("1000", "write a whole number from 1 to 10"),
        ] {
            let error = FrameworkLevel::parse(text).unwrap_err();
            assert_eq!(error.field, "level");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
        assert!(FrameworkLevel::new(0).is_err());
        assert!(FrameworkLevel::new(11).is_err());
    }

    #[test]
    fn grades_parse_from_every_way_certificates_write_them() {
        use VocationalGrade::*;
        for (text, grade) in [
            ("grade_5", Five),
            ("五级", Five),
            ("初级工", Five),
            ("五级/初级工", Five),
            ("5", Five),
            ("５级", Five),
            ("四级（中级工）", Four),
            ("中级工", Four),
            ("三级", Three),
            ("高级工", Three),
            ("国家职业资格三级", Three),
            ("职业技能等级 三级 / 高级工", Three),
            ("3级(高级工)", Three),
            ("二级", Two),
            ("技师", Two),
            ("二级/技师", Two),
            ("一级", One),
            ("高级技师", One),
            ("一级/高级技师", One),
            ("1", One),
        ] {
            assert_eq!(VocationalGrade::parse(text).unwrap(), grade, "{text}");
        }
        for grade in VocationalGrade::ALL {
            assert_eq!(VocationalGrade::parse(grade.as_str()).unwrap(), *grade);
            assert_eq!(VocationalGrade::parse(grade.label_zh()).unwrap(), *grade);
        }
    }

    #[test]
    fn grade_errors_name_the_choices_or_the_contradiction() {
        for (text, says) in [
            ("", "not a vocational grade"),
            ("六级", "not a vocational grade"),
            ("6", "not a vocational grade"),
            ("电工三级", "not a vocational grade"),
            ("senior", "not a vocational grade"),
            (
                "三级/技师",
                "names two grades: 三级 is 高级工, 技师 is 二级",
            ),
            ("一级/初级工", "names two grades"),
        ] {
            let error = VocationalGrade::parse(text).unwrap_err();
            assert_eq!(error.field, "grade");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
    }

    #[test]
    fn grades_order_by_seniority() {
        use VocationalGrade::*;
        assert!(Five < Four && Four < Three && Three < Two && Two < One);
        assert_eq!(Three.number(), 3);
        assert_eq!(Two.title_zh(), "技师");
        assert!(One.label_en().contains("senior technician"));
    }

    #[test]
    fn the_default_mapping_climbs_one_level_per_grade() {
        let mapping = GradeMapping::national_default();
        let levels: Vec<u8> = mapping.entries().map(|(_, level)| level.get()).collect();
        assert_eq!(levels, vec![2, 3, 4, 5, 6]);
        assert_eq!(mapping.level_of(VocationalGrade::Three), level(4));
    }

    #[test]
    fn a_mapping_names_every_grade_once_and_never_descends() {
        use VocationalGrade::*;
        let good = [
            (Five, level(1)),
            (Four, level(2)),
            (Three, level(3)),
            (Two, level(5)),
            (One, level(5)),
        ];
        assert_eq!(GradeMapping::new(&good).unwrap().level_of(One), level(5));

        let missing = GradeMapping::new(&good[..4]).unwrap_err();
        assert!(
            missing.reason.contains("一级/高级技师 has no level"),
            "{}",
            missing.reason
        );

        let mut twice = good.to_vec();
        twice.push((Four, level(3)));
        assert!(
            GradeMapping::new(&twice)
                .unwrap_err()
                .reason
                .contains("mapped twice")
        );

        let descending = [
            (Five, level(3)),
            (Four, level(2)),
            (Three, level(4)),
            (Two, level(5)),
            (One, level(6)),
        ];
        let error = GradeMapping::new(&descending).unwrap_err();
        assert_eq!(error.field, "grade_mapping");
        assert!(
            error
                .reason
                .contains("四级/中级工 (level 2) cannot sit below 五级/初级工"),
            "{}",
            error.reason
        );
    }
}
