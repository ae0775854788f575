//! What a learning outcome (学习成果) is: its kind, its category, its field, its title, its score,
//! how long it stays valid and the evidence behind it; and the two shapes an outcome takes in the
//! bank: as a provider submits it ([`SubmittedOutcome`]) and as the bank holds it once recognised
//! ([`RecognisedOutcome`]).

use crate::kinds::vocabulary;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use time::{Date, Month};

use crate::credit::OutcomeId;
use crate::credit::level::{FrameworkLevel, VocationalGrade};
use crate::credit::quantity::{ContactHours, Credits};
use crate::credit::text::{fold_full_width, parse_fixed_point, title_key};
use crate::{InstitutionId, Invalid, Topic};

vocabulary!(
    /// The kinds of learning outcome the bank stores (SPEC C3, seeds: 学历教育学习成果, 职业技能
    /// 证书, 非学历社会培训项目, 社会场馆学习项目, 社区教育与老年教育, 慕课).
    OutcomeKind, "kind" {
        /// One course of a degree programme, with its credits.
        AcademicCourse => "academic_course", "学历教育课程", "Academic course";
        /// A whole degree or diploma (专科, 本科 …).
        AcademicDegree => "academic_degree", "学历学位", "Academic degree";
        /// A vocational skill certificate with a grade (五级 … 一级).
        VocationalCertificate => "vocational_certificate", "职业技能等级证书", "Vocational certificate";
        /// A non-formal training programme of a training organisation or employer.
        NonFormalTraining => "non_formal_training", "非学历培训", "Non-formal training";
        /// A learning programme of a library, museum or other venue.
        VenueLearning => "venue_learning", "社会场馆学习", "Venue learning";
        /// A course of a community school, community college or elder university.
        CommunityCourse => "community_course", "社区教育/老年教育课程", "Community or elder-education course";
        /// An online open course.
        Mooc => "mooc", "慕课", "MOOC";
    }
);

vocabulary!(
    /// The three categories of Shanghai's credit bank. Culture-and-leisure outcomes are recorded
    /// (and may carry points) but never convert to academic credit.
    OutcomeCategory, "category" {
        Academic => "academic", "学历教育类", "Academic";
        VocationalTraining => "vocational_training", "职业培训类", "Vocational training";
        CultureAndLeisure => "culture_leisure", "文化休闲类", "Culture and leisure";
    }
);

impl OutcomeKind {
    /// A dense index (0 ..= 6), for tables indexed by kind.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The categories an outcome of this kind may be recognised in; the first is the default.
    ///
    /// Academic courses and degrees are academic; a vocational certificate is vocational
    /// training. Training, venue learning and community courses are culture and leisure or
    /// vocational training depending on what was learned (a community course in 智慧生活
    /// digital skills can be vocational; calligraphy is culture and leisure): the specification
    /// decides. A MOOC can be any of the three (a university's credit-bearing MOOC is academic).
    pub const fn allowed_categories(self) -> &'static [OutcomeCategory] {
        use OutcomeCategory::*;
        match self {
            OutcomeKind::AcademicCourse | OutcomeKind::AcademicDegree => &[Academic],
            OutcomeKind::VocationalCertificate => &[VocationalTraining],
            OutcomeKind::NonFormalTraining => &[VocationalTraining, CultureAndLeisure],
            OutcomeKind::VenueLearning | OutcomeKind::CommunityCourse => {
                &[CultureAndLeisure, VocationalTraining]
            }
            OutcomeKind::Mooc => &[Academic, VocationalTraining, CultureAndLeisure],
        }
    }

    pub const fn default_category(self) -> OutcomeCategory {
        self.allowed_categories()[0]
    }

    pub fn allows_category(self, category: OutcomeCategory) -> bool {
        self.allowed_categories().contains(&category)
    }

    /// Non-formal learning: the general contact-hours rule applies to it.
    pub const fn is_non_formal(self) -> bool {
        matches!(
            self,
            OutcomeKind::NonFormalTraining
                | OutcomeKind::VenueLearning
                | OutcomeKind::CommunityCourse
                | OutcomeKind::Mooc
        )
    }

    /// Only vocational certificates carry a [`VocationalGrade`].
    pub const fn has_grade(self) -> bool {
        matches!(self, OutcomeKind::VocationalCertificate)
    }
}

impl OutcomeCategory {
    pub const fn converts_to_academic_credit(self) -> bool {
        !matches!(self, OutcomeCategory::CultureAndLeisure)
    }
}

/// A discipline code of the Ministry of Education's programme catalogues (本科/职业教育专业目录):
/// 2 digits for a discipline area (门类 / 专业大类, e.g. "08" 工学), 4 for a class (专业类, e.g.
/// "0806" 电气类), 6 for a programme (专业, e.g. "080601"), optionally followed by T (特设) or K
/// (国家控制布点).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DisciplineCode(String);

impl DisciplineCode {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = fold_full_width(text).trim().to_ascii_uppercase();
        let digits = code.trim_end_matches(['T', 'K']);
        let suffix = code.len() - digits.len();
        let ok = digits.bytes().all(|b| b.is_ascii_digit())
            && (matches!(digits.len(), 2 | 4) && suffix == 0 || digits.len() == 6 && suffix <= 1);
        if !ok {
            return Err(Invalid::new(
                "field",
                format!(
                    "'{code}' is not a discipline code: write 2, 4 or 6 digits of the programme catalogue (e.g. 08, 0806, 080601)"
                ),
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` lies within this code: "0806" covers "080601" and "080604T".
    pub fn covers(&self, other: &DisciplineCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

/// The field of study or topic of an outcome: a community-education [`Topic`] (智慧生活 …) or an
/// academic discipline code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Topic(Topic),
    Discipline(DisciplineCode),
}

impl Field {
    /// Parses a topic code ("smart_living"), a topic's Chinese name ("智慧生活"), or a discipline
    /// code ("080601"); "topic:" and "discipline:" prefixes are accepted.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text);
        let trimmed = folded.trim();
        if let Some(code) = trimmed.strip_prefix("discipline:") {
            return DisciplineCode::parse(code).map(Field::Discipline);
        }
        let topic_text = trimmed.strip_prefix("topic:").unwrap_or(trimmed).trim();
        if let Some(topic) = Topic::ALL
            .iter()
            .find(|t| t.as_str() == topic_text || t.label_zh() == topic_text)
        {
            return Ok(Field::Topic(*topic));
        }
        if topic_text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit())
        {
            return DisciplineCode::parse(topic_text).map(Field::Discipline);
        }
        let topics: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
        Err(Invalid::new(
            "field",
            format!(
                "'{trimmed}' is not a field: write a topic ({}) or a discipline code such as 080601",
                topics.join(", ")
            ),
        ))
    }

    /// Whether an outcome in `outcome_field` is within this field: the same topic, or a
    /// discipline code this one covers.
    pub fn covers(&self, outcome_field: &Field) -> bool {
        match (self, outcome_field) {
            (Field::Topic(a), Field::Topic(b)) => a == b,
            (Field::Discipline(a), Field::Discipline(b)) => a.covers(b),
            _ => false,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Topic(topic) => f.write_str(topic.as_str()),
            Field::Discipline(code) => f.write_str(code.as_str()),
        }
    }
}

impl FromStr for Field {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        Self::parse(text)
    }
}

/// The title of an outcome (course name, certificate occupation such as 电工, training name): 1 to
/// 100 characters, inner whitespace collapsed. Two titles are the same when their comparison keys
/// are: full-width folded, ASCII case and spaces ignored, Chinese and ASCII brackets alike.
#[derive(Debug, Clone)]
pub struct OutcomeTitle {
    text: String,
    key: String,
}

impl OutcomeTitle {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = collapsed.chars().count();
        if len == 0 {
            return Err(Invalid::new("title", "a title is required"));
        }
        if len > 100 {
            return Err(Invalid::new(
                "title",
                format!("a title has at most 100 characters, this one has {len}"),
            ));
        }
        if collapsed.chars().any(char::is_control) {
            return Err(Invalid::new(
                "title",
                "a title cannot contain control characters",
            ));
        }
        let key = title_key(&collapsed);
        Ok(Self {
            text: collapsed,
            key,
        })
    }

    /// As written (trimmed, inner whitespace collapsed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// What titles are compared by.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl PartialEq for OutcomeTitle {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for OutcomeTitle {}

impl Hash for OutcomeTitle {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for OutcomeTitle {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OutcomeTitle {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl fmt::Display for OutcomeTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Marks out of 100, exact to a tenth (85.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Marks(u16);

impl Marks {
    /// 60: the pass mark of Chinese courses and examinations.
    pub const PASS: Marks = Marks(600);

    /// `None` above 100.
    pub const fn from_tenths(tenths: u16) -> Option<Self> {
        if tenths <= 1000 {
            Some(Self(tenths))
        } else {
            None
        }
    }

    pub const fn tenths(self) -> u16 {
        self.0
    }

    fn parse(text: &str, field: &'static str) -> Result<Self, Invalid> {
        parse_fixed_point(text, 1, 1000, field, "marks", "85, 85.5 or 合格").map(|t| Self(t as u16))
    }
}

impl fmt::Display for Marks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::credit::text::format_fixed_point(
            u64::from(self.0),
            1,
        ))
    }
}

/// The result of an assessed outcome: marks out of 100, or pass / fail where the provider grades
/// that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Score {
    Marks(Marks),
    Passed,
    Failed,
}

const PASS_WORDS: [&str; 6] = ["合格", "通过", "及格", "pass", "passed", "p"];
const FAIL_WORDS: [&str; 6] = ["不合格", "不通过", "不及格", "fail", "failed", "f"];

impl Score {
    /// Parses marks ("85", "85.5", "８５") or pass / fail ("合格", "通过", "及格", "pass";
    /// "不合格", "不通过", "不及格", "fail").
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text).trim().to_ascii_lowercase();
        if PASS_WORDS.contains(&folded.as_str()) {
            return Ok(Score::Passed);
        }
        if FAIL_WORDS.contains(&folded.as_str()) {
            return Ok(Score::Failed);
        }
        Marks::parse(&folded, "score").map(Score::Marks)
    }

    /// Marks of 60 or more, or a pass.
    pub fn is_pass(self) -> bool {
        match self {
            Score::Marks(marks) => marks >= Marks::PASS,
            Score::Passed => true,
            Score::Failed => false,
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Score::Marks(marks) => marks.fmt(f),
            Score::Passed => f.write_str("pass"),
            Score::Failed => f.write_str("fail"),
        }
    }
}

/// The score a conversion rule asks for.
///
/// [`ScoreRequirement::Passed`] is met by a pass or by marks of 60 or more.
/// [`ScoreRequirement::AtLeast`] is met only by marks at or above it: an outcome graded pass /
/// fail has no marks to compare, and an outcome without a score meets no requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScoreRequirement {
    Passed,
    AtLeast(Marks),
}

impl ScoreRequirement {
    /// "合格" / "pass" for a pass; a number for minimum marks.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text).trim().to_ascii_lowercase();
        if PASS_WORDS.contains(&folded.as_str()) {
            return Ok(ScoreRequirement::Passed);
        }
        Marks::parse(&folded, "min_score").map(ScoreRequirement::AtLeast)
    }

    pub fn is_met_by(self, score: Option<Score>) -> bool {
        match (self, score) {
            (ScoreRequirement::Passed, Some(score)) => score.is_pass(),
            (ScoreRequirement::AtLeast(minimum), Some(Score::Marks(marks))) => marks >= minimum,
            _ => false,
        }
    }
}

impl fmt::Display for ScoreRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreRequirement::Passed => f.write_str("pass"),
            ScoreRequirement::AtLeast(marks) => write!(f, "at least {marks}"),
        }
    }
}

/// The days an outcome counts: from the day it was achieved, until (inclusive) its last valid day
/// or for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValidityPeriod {
    from: Date,
    until: Option<Date>,
}

impl ValidityPeriod {
    pub fn new(from: Date, until: Option<Date>) -> Result<Self, Invalid> {
        if let Some(until) = until
            && until < from
        {
            return Err(Invalid::new(
                "valid_until",
                format!("the last valid day {until} is before the first {from}"),
            ));
        }
        Ok(Self { from, until })
    }

    /// Valid from `from` for ever.
    pub const fn open_ended(from: Date) -> Self {
        Self { from, until: None }
    }

    pub const fn from(self) -> Date {
        self.from
    }

    /// The last valid day, if the validity ends.
    pub const fn until(self) -> Option<Date> {
        self.until
    }

    pub fn is_valid_on(self, date: Date) -> bool {
        self.from <= date && self.until.is_none_or(|until| date <= until)
    }

    /// Whether the validity has ended by `date` (a day after the last valid day or later).
    pub fn is_expired_on(self, date: Date) -> bool {
        self.until.is_some_and(|until| date > until)
    }
}

/// How long a recognised outcome stays valid after it was achieved: for ever, or a number of
/// months (1 to 1,200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValidityTerm(Option<u16>);

impl ValidityTerm {
    pub const INDEFINITE: ValidityTerm = ValidityTerm(None);

    pub fn months(months: u16) -> Result<Self, Invalid> {
        Self::checked_months(u32::from(months))
    }

    pub fn years(years: u16) -> Result<Self, Invalid> {
        Self::checked_years(u32::from(years))
    }

    fn checked_months(months: u32) -> Result<Self, Invalid> {
        if (1..=1200).contains(&months) {
            Ok(Self(Some(months as u16)))
        } else {
            Err(Invalid::new(
                "validity",
                format!("a validity is 1 to 1200 months (100 years), not {months}"),
            ))
        }
    }

    fn checked_years(years: u32) -> Result<Self, Invalid> {
        if (1..=100).contains(&years) {
            Self::checked_months(years * 12)
        } else {
            Err(Invalid::new(
                "validity",
                format!("a validity is 1 to 100 years, not {years}"),
            ))
        }
    }

    /// `None` for an indefinite validity.
    pub const fn as_months(self) -> Option<u16> {
        self.0
    }

    /// Parses "永久", "长期", "indefinite"; "3年", "3 years", "3y"; "36个月", "36 months", "36m".
    /// A bare number is refused: it could mean years or months.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text).trim().to_ascii_lowercase();
        let compact: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
        if matches!(
            compact.as_str(),
            "永久" | "长期" | "长期有效" | "永久有效" | "indefinite" | "forever"
        ) {
            return Ok(Self::INDEFINITE);
        }
        let number = |digits: &str| -> Result<u32, Invalid> {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6
            {
                Err(Invalid::new(
                    "validity",
                    format!("'{folded}' is not a validity: write 3年, 36个月 or 永久"),
                ))
            } else {
                Ok(digits.parse::<u32>().unwrap_or(u32::MAX))
            }
        };
        for suffix in ["个月", "months", "month", "月", "m"] {
            if let Some(digits) = compact.strip_suffix(suffix) {
                return Self::checked_months(number(digits)?);
            }
        }
        for suffix in ["年", "years", "year", "y"] {
            if let Some(digits) = compact.strip_suffix(suffix) {
                return Self::checked_years(number(digits)?);
            }
        }
        if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "validity",
                format!(
                    "say whether {compact} means years or months: {compact}年 or {compact}个月"
                ),
            ));
        }
        Err(Invalid::new(
            "validity",
            format!("'{folded}' is not a validity: write 3年, 36个月 or 永久"),
        ))
    }

    /// The validity of an outcome achieved on `achieved_on`: through the day before the same
    /// calendar day `n` months later. When that day does not exist (31 January + 1 month), the
    /// anniversary is the first day of the following month, so the outcome is valid through the
    /// last day of the short month. A validity that would end after the year 9999 is open-ended.
    pub fn period_from(self, achieved_on: Date) -> ValidityPeriod {
        let Some(months) = self.0 else {
            return ValidityPeriod::open_ended(achieved_on);
        };
        ValidityPeriod {
            from: achieved_on,
            until: last_valid_day(achieved_on, months),
        }
    }
}

/// The day before the same calendar day `months` later (or before the first of the following
/// month when that day does not exist); `None` past the calendar's end.
fn last_valid_day(achieved_on: Date, months: u16) -> Option<Date> {
    let month_index =
        achieved_on.year() * 12 + i32::from(u8::from(achieved_on.month())) - 1 + i32::from(months);
    let year = month_index.div_euclid(12);
    let month = Month::try_from(month_index.rem_euclid(12) as u8 + 1).ok()?;
    let days = time::util::days_in_month(month, year);
    let anniversary = if achieved_on.day() > days {
        Date::from_calendar_date(year, month, days)
            .ok()?
            .next_day()?
    } else {
        Date::from_calendar_date(year, month, achieved_on.day()).ok()?
    };
    anniversary.previous_day()
}

impl fmt::Display for ValidityTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("indefinite"),
            Some(months) => write!(f, "{months} months"),
        }
    }
}

vocabulary!(
    /// What a piece of evidence is.
    EvidenceKind, "evidence_kind" {
        CertificateNumber => "certificate_number", "证书编号", "Certificate number";
        TranscriptNumber => "transcript_number", "成绩单编号", "Transcript number";
        FileSha256 => "file_sha256", "文件摘要(SHA-256)", "File digest (SHA-256)";
        XapiStatement => "xapi_statement", "学习记录(xAPI)", "Learning record (xAPI statement id)";
        AttendanceRecord => "attendance_record", "考勤记录", "Attendance record";
        WebLink => "web_link", "网页链接", "Web link";
    }
);

/// A reference to the evidence behind an outcome: a certificate number, the SHA-256 digest of an
/// uploaded file, an xAPI statement id, a link. The file itself lives elsewhere; this is only
/// what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    kind: EvidenceKind,
    reference: String,
}

impl Evidence {
    pub fn parse(kind: EvidenceKind, reference: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(reference);
        let text = folded.trim();
        let invalid = |reason: String| Err(Invalid::new("evidence", reason));
        let reference = match kind {
            EvidenceKind::CertificateNumber | EvidenceKind::TranscriptNumber => {
                let len = text.chars().count();
                if len == 0 || len > 64 {
                    return invalid(format!(
                        "a {} has 1 to 64 characters",
                        kind.label_en().to_lowercase()
                    ));
                }
                if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return invalid(format!(
                        "a {} has no spaces",
                        kind.label_en().to_lowercase()
                    ));
                }
                text.to_owned()
            }
            EvidenceKind::FileSha256 => {
                let lower = text.to_ascii_lowercase();
                let hex = lower.strip_prefix("sha256:").unwrap_or(&lower);
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return invalid(
                        "a file digest is 64 hexadecimal characters (SHA-256)".to_owned(),
                    );
                }
                hex.to_owned()
            }
            EvidenceKind::XapiStatement => {
                let lower = text.to_ascii_lowercase();
                let groups: Vec<&str> = lower.split('-').collect();
                let shape_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
                    && groups
                        .iter()
                        .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
                if !shape_ok {
                    return invalid(
                        "an xAPI statement id is a UUID such as 6fa459ea-ee8a-3ca4-894e-db77e160355e"
                            .to_owned(),
                    );
                }
                lower
            }
            EvidenceKind::AttendanceRecord => {
                let len = text.chars().count();
                if len == 0 || len > 128 || text.chars().any(char::is_control) {
                    return invalid(
                        "an attendance record reference has 1 to 128 characters".to_owned(),
                    );
                }
                text.to_owned()
            }
            EvidenceKind::WebLink => {
                let scheme_ok = text.starts_with("https://") || text.starts_with("http://");
                let rest = text.split_once("://").map_or("", |(_, rest)| rest);
                if !scheme_ok
                    || rest.is_empty()
                    || text.len() > 2000
                    || text.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return invalid(
                        "a web link starts with https:// or http:// and has no spaces".to_owned(),
                    );
                }
                text.to_owned()
            }
        };
        Ok(Self { kind, reference })
    }

    pub fn kind(&self) -> EvidenceKind {
        self.kind
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }
}

/// An outcome as a provider submits it for recognition: what was learned, where, when, with what
/// result and on what evidence. Recognition compares it with the bank's specifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedOutcome {
    pub provider: InstitutionId,
    pub kind: OutcomeKind,
    pub title: OutcomeTitle,
    pub hours: Option<ContactHours>,
    /// For a vocational certificate only.
    pub grade: Option<VocationalGrade>,
    pub field: Option<Field>,
    pub achieved_on: Date,
    pub score: Option<Score>,
    pub evidence: Vec<Evidence>,
}

/// An outcome the bank has recognised: placed on the framework, with its credits, category and
/// validity. This is what conversion rules read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecognisedOutcome {
    pub id: OutcomeId,
    pub kind: OutcomeKind,
    pub category: OutcomeCategory,
    pub title: OutcomeTitle,
    pub grade: Option<VocationalGrade>,
    pub level: FrameworkLevel,
    pub credits: Credits,
    pub field: Option<Field>,
    pub score: Option<Score>,
    pub achieved_on: Date,
    pub validity: ValidityPeriod,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn kinds_and_categories_round_trip() {
        for kind in OutcomeKind::ALL {
            assert_eq!(OutcomeKind::parse(kind.as_str()).unwrap(), *kind);
            assert!(kind.allows_category(kind.default_category()));
            assert_eq!(OutcomeKind::ALL[kind.index()], *kind);
        }
        for category in OutcomeCategory::ALL {
            assert_eq!(
                OutcomeCategory::parse(category.as_str()).unwrap(),
                *category
            );
        }
        let error = OutcomeKind::parse("diploma").unwrap_err();
        assert_eq!(error.field, "kind");
        assert!(error.reason.contains("vocational_certificate"));
        assert_eq!(
            OutcomeCategory::parse("leisure").unwrap_err().field,
            "category"
        );
    }

    #[test]
    fn only_culture_and_leisure_never_converts() {
        assert!(OutcomeCategory::Academic.converts_to_academic_credit());
        assert!(OutcomeCategory::VocationalTraining.converts_to_academic_credit());
        assert!(!OutcomeCategory::CultureAndLeisure.converts_to_academic_credit());
    }

    #[test]
    fn kinds_constrain_their_categories() {
        use OutcomeCategory::*;
        assert!(!OutcomeKind::AcademicCourse.allows_category(CultureAndLeisure));
        assert!(!OutcomeKind::AcademicDegree.allows_category(VocationalTraining));
        assert!(!OutcomeKind::VocationalCertificate.allows_category(Academic));
        assert!(OutcomeKind::CommunityCourse.allows_category(VocationalTraining));
        assert_eq!(
            OutcomeKind::CommunityCourse.default_category(),
            CultureAndLeisure
        );
        assert!(!OutcomeKind::CommunityCourse.allows_category(Academic));
        assert!(OutcomeKind::Mooc.allows_category(Academic));
        assert!(OutcomeKind::VenueLearning.is_non_formal());
        assert!(!OutcomeKind::AcademicCourse.is_non_formal());
        assert!(OutcomeKind::VocationalCertificate.has_grade());
        assert!(!OutcomeKind::Mooc.has_grade());
    }

    #[test]
    fn discipline_codes_are_2_4_or_6_digits() {
        assert_eq!(DisciplineCode::parse("08").unwrap().as_str(), "08");
        assert_eq!(DisciplineCode::parse("0806").unwrap().as_str(), "0806");
        assert_eq!(DisciplineCode::parse("080601").unwrap().as_str(), "080601");
        assert_eq!(
            DisciplineCode::parse("080604t").unwrap().as_str(),
            "080604T"
        );
        assert_eq!(DisciplineCode::parse("０８０６").unwrap().as_str(), "0806");
        for text in [
            "8", "080", "08060", "0806011", "0806T", "08A6", "", "080601TK",
        ] {
            let error = DisciplineCode::parse(text).unwrap_err();
            assert_eq!(error.field, "field");
            assert!(error.reason.contains("discipline code"), "{text}");
        }
        let class = DisciplineCode::parse("0806").unwrap();
        assert!(class.covers(&DisciplineCode::parse("080601").unwrap()));
        assert!(class.covers(&DisciplineCode::parse("080604T").unwrap()));
        assert!(!class.covers(&DisciplineCode::parse("0807").unwrap()));
        assert!(!DisciplineCode::parse("080601").unwrap().covers(&class));
    }

    #[test]
    fn fields_are_topics_or_disciplines() {
        assert_eq!(
            Field::parse("smart_living").unwrap(),
            Field::Topic(Topic::SmartLiving)
        );
        assert_eq!(
            Field::parse("智慧生活").unwrap(),
            Field::Topic(Topic::SmartLiving)
        );
        assert_eq!(
            Field::parse("topic:health").unwrap(),
            Field::Topic(Topic::Health)
        );
        assert_eq!(Field::parse("080601").unwrap().to_string(), "080601");
        assert_eq!(Field::parse("discipline:0806").unwrap().to_string(), "0806");
        assert_eq!(
            Field::parse(" smart_living ").unwrap().to_string(),
            "smart_living"
        );
        let error = Field::parse("cooking").unwrap_err();
        assert!(error.reason.contains("smart_living"), "{}", error.reason);
        assert!(Field::parse("discipline:abc").is_err());
        assert!(Field::parse("0806X").is_err());

        let class = Field::parse("0806").unwrap();
        assert!(class.covers(&Field::parse("080601").unwrap()));
        assert!(!class.covers(&Field::parse("smart_living").unwrap()));
        let topic = Field::parse("smart_living").unwrap();
        assert!(topic.covers(&topic));
        assert!(!topic.covers(&Field::parse("health").unwrap()));
    }

    #[test]
    fn titles_compare_by_their_key() {
        let a = OutcomeTitle::parse("  Python  入门（初级） ").unwrap();
        assert_eq!(a.as_str(), "Python 入门（初级）");
        assert_eq!(a, OutcomeTitle::parse("python入门(初级)").unwrap());
        assert_ne!(a, OutcomeTitle::parse("Python 进阶").unwrap());
        assert_eq!(a.to_string(), "Python 入门（初级）");
        assert_eq!(
            OutcomeTitle::parse("   ").unwrap_err().reason,
            "a title is required"
        );
        assert!(
            OutcomeTitle::parse(&"书".repeat(101))
                .unwrap_err()
                .reason
                .contains("101")
        );
        assert!(OutcomeTitle::parse(&"书".repeat(100)).is_ok());
        assert!(
            OutcomeTitle::parse("a\u{7}b")
                .unwrap_err()
                .reason
                .contains("control")
        );
        assert_eq!(OutcomeTitle::parse("").unwrap_err().field, "title");
    }

    #[test]
    fn scores_are_marks_or_pass_fail() {
        assert_eq!(
            Score::parse("85").unwrap(),
            Score::Marks(Marks::from_tenths(850).unwrap())
        );
        assert_eq!(Score::parse("85.5").unwrap().to_string(), "85.5");
        assert_eq!(Score::parse("１００").unwrap().to_string(), "100");
        assert_eq!(Score::parse("0").unwrap().to_string(), "0");
        assert_eq!(Score::parse("合格").unwrap(), Score::Passed);
        assert_eq!(Score::parse("PASS").unwrap(), Score::Passed);
        assert_eq!(Score::parse("不及格").unwrap(), Score::Failed);
        assert_eq!(Score::parse("fail").unwrap().to_string(), "fail");
        for (text, says) in [
            ("100.5", "at most 100"),
            ("101", "at most 100"),
            ("-5", "negative"),
            ("85.25", "at most 1 decimal place"),
            ("优秀", "not a number of marks"),
            ("", "required"),
        ] {
            let error = Score::parse(text).unwrap_err();
            assert_eq!(error.field, "score");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
        assert!(Score::parse("60").unwrap().is_pass());
        assert!(!Score::parse("59.9").unwrap().is_pass());
        assert!(Score::Passed.is_pass());
        assert!(!Score::Failed.is_pass());
        assert_eq!(Marks::from_tenths(1001), None);
    }

    #[test]
    fn score_requirements_compare_marks_and_passes() {
        let at_least_80 = ScoreRequirement::parse("80").unwrap();
        assert_eq!(at_least_80.to_string(), "at least 80");
        assert!(at_least_80.is_met_by(Some(Score::parse("80").unwrap())));
        assert!(!at_least_80.is_met_by(Some(Score::parse("79.9").unwrap())));
        assert!(
            !at_least_80.is_met_by(Some(Score::Passed)),
            "a pass has no marks"
        );
        assert!(!at_least_80.is_met_by(None));
        let pass = ScoreRequirement::parse("合格").unwrap();
        assert_eq!(pass, ScoreRequirement::Passed);
        assert!(pass.is_met_by(Some(Score::Passed)));
        assert!(pass.is_met_by(Some(Score::parse("60").unwrap())));
        assert!(!pass.is_met_by(Some(Score::parse("59").unwrap())));
        assert!(!pass.is_met_by(Some(Score::Failed)));
        assert!(!pass.is_met_by(None));
        let error = ScoreRequirement::parse("120").unwrap_err();
        assert_eq!(error.field, "min_score");
    }

    #[test]
    fn validity_periods_are_inclusive() {
        let period =
            ValidityPeriod::new(date!(2024 - 03 - 15), Some(date!(2027 - 03 - 14))).unwrap();
        assert!(!period.is_valid_on(date!(2024 - 03 - 14)));
        assert!(period.is_valid_on(date!(2024 - 03 - 15)));
        assert!(period.is_valid_on(date!(2027 - 03 - 14)));
        assert!(!period.is_valid_on(date!(2027 - 03 - 15)));
        assert!(!period.is_expired_on(date!(2027 - 03 - 14)));
        assert!(period.is_expired_on(date!(2027 - 03 - 15)));
        assert!(
            !period.is_expired_on(date!(2020 - 01 - 01)),
            "not yet valid is not expired"
        );
        assert_eq!(period.until(), Some(date!(2027 - 03 - 14)));
        assert_eq!(period.from(), date!(2024 - 03 - 15));
        let one_day =
            ValidityPeriod::new(date!(2024 - 03 - 15), Some(date!(2024 - 03 - 15))).unwrap();
        assert!(one_day.is_valid_on(date!(2024 - 03 - 15)));
        let error =
            ValidityPeriod::new(date!(2024 - 03 - 15), Some(date!(2024 - 03 - 14))).unwrap_err();
        assert_eq!(error.field, "valid_until");
        let forever = ValidityPeriod::open_ended(date!(2000 - 01 - 01));
        assert!(forever.is_valid_on(date!(2999 - 12 - 31)));
        assert!(!forever.is_expired_on(date!(2999 - 12 - 31)));
    }

    #[test]
    fn validity_terms_parse_years_months_and_forever() {
        assert_eq!(
            ValidityTerm::parse("永久").unwrap(),
            ValidityTerm::INDEFINITE
        );
        assert_eq!(
            ValidityTerm::parse("长期有效").unwrap(),
            ValidityTerm::INDEFINITE
        );
        assert_eq!(
            ValidityTerm::parse("indefinite").unwrap().to_string(),
            "indefinite"
        );
        assert_eq!(ValidityTerm::parse("3年").unwrap().as_months(), Some(36));
        assert_eq!(
            ValidityTerm::parse("３ years").unwrap().as_months(),
            Some(36)
        );
        assert_eq!(ValidityTerm::parse("36个月").unwrap().as_months(), Some(36));
        assert_eq!(ValidityTerm::parse("18m").unwrap().to_string(), "18 months");
        for (text, says) in [
            ("3", "say whether 3 means years or months"),
            ("0年", "1 to 100 years"),
            ("0个月", "1 to 1200 months"),
            ("101年", "1 to 100 years, not 101"),
            ("99999年", "1 to 100 years, not 99999"),
            ("999999个月", "1 to 1200 months (100 years), not 999999"),
            ("9999999个月", "not a validity"),
            ("soon", "not a validity"),
            ("年", "not a validity"),
            ("", "not a validity"),
        ] {
            let error = ValidityTerm::parse(text).unwrap_err();
            assert_eq!(error.field, "validity");
            assert!(error.reason.contains(says), "{text:?}: {}", error.reason);
        }
    }

    #[test]
    fn validity_terms_end_the_day_before_the_anniversary() {
        let three_years = ValidityTerm::years(3).unwrap();
        let period = three_years.period_from(date!(2024 - 03 - 15));
        assert_eq!(period.until(), Some(date!(2027 - 03 - 14)));
        let one_month = ValidityTerm::months(1).unwrap();
        assert_eq!(
            one_month.period_from(date!(2024 - 01 - 31)).until(),
            Some(date!(2024 - 02 - 29)),
            "no 31 February: valid through the end of February"
        );
        assert_eq!(
            one_month.period_from(date!(2024 - 12 - 10)).until(),
            Some(date!(2025 - 01 - 09))
        );
        assert_eq!(
            ValidityTerm::years(1)
                .unwrap()
                .period_from(date!(2024 - 02 - 29))
                .until(),
            Some(date!(2025 - 02 - 28)),
            "leap day: the anniversary is 1 March"
        );
        assert_eq!(
            ValidityTerm::INDEFINITE.period_from(date!(2024 - 02 - 29)),
            ValidityPeriod::open_ended(date!(2024 - 02 - 29))
        );
        assert_eq!(
            ValidityTerm::years(100)
                .unwrap()
                .period_from(date!(9990 - 01 - 01))
                .until(),
            None,
            "past the calendar: open-ended"
        );
    }

    #[test]
    fn evidence_references_are_checked_by_kind() {
        let number =
            Evidence::parse(EvidenceKind::CertificateNumber, " S000031000001234 ").unwrap();
        assert_eq!(number.reference(), "S000031000001234");
        assert_eq!(number.kind(), EvidenceKind::CertificateNumber);
        assert!(Evidence::parse(EvidenceKind::CertificateNumber, "沪职鉴2023第001号").is_ok());
        let digest = "A".repeat(64);
        assert_eq!(
            Evidence::parse(EvidenceKind::FileSha256, &format!("sha256:{digest}"))
                .unwrap()
                .reference(),
            "a".repeat(64)
        );
        assert!(
            Evidence::parse(
                EvidenceKind::XapiStatement,
                "6FA459EA-EE8A-3CA4-894E-DB77E160355E"
            )
            .is_ok()
        );
        assert!(Evidence::parse(EvidenceKind::WebLink, "https://example.org/cert/1").is_ok());
        assert!(Evidence::parse(EvidenceKind::AttendanceRecord, "session 2024-03-15 #12").is_ok());
        assert!(Evidence::parse(EvidenceKind::TranscriptNumber, "T-1").is_ok());
        for (kind, text, says) in [
            (EvidenceKind::CertificateNumber, "", "1 to 64 characters"),
            (EvidenceKind::CertificateNumber, "AB 12", "no spaces"),
            (
                EvidenceKind::TranscriptNumber,
                &"9".repeat(65),
                "1 to 64 characters",
            ),
            (EvidenceKind::FileSha256, "abc", "64 hexadecimal"),
            (EvidenceKind::FileSha256, &"g".repeat(64), "64 hexadecimal"),
            (EvidenceKind::XapiStatement, "not-a-uuid", "UUID"),
            (
                EvidenceKind::XapiStatement,
                "6fa459eaee8a3ca4894edb77e160355e",
                "UUID",
            ),
            (EvidenceKind::WebLink, "ftp://x", "https://"),
            (EvidenceKind::WebLink, "https://", "https://"),
            (EvidenceKind::WebLink, "https://a b", "no spaces"),
            (EvidenceKind::AttendanceRecord, "", "1 to 128"),
        ] {
            let error = Evidence::parse(kind, text).unwrap_err();
            assert_eq!(error.field, "evidence");
            assert!(
                error.reason.contains(says),
                "{kind} {text:?}: {}",
                error.reason
            );
        }
        assert_eq!(
            EvidenceKind::parse("photo").unwrap_err().field,
            "evidence_kind"
        );
    }
}
