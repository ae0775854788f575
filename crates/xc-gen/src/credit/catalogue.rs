//! What the demo city's providers teach and certify, as a Shanghai reader would expect it: course
//! titles with their usual contact hours (学时) and framework level, the open university's
//! programmes with their discipline codes, occupations with the grades usually certified, and the
//! reasons a reviewer writes on a rejection.
//!
//! Levels follow the framework's reading in `GradeMapping::national_default` (level 1 entry-level
//! learning, 2 五级, 3 四级 ≈ 中专, 4 三级 ≈ 专科, 5 二级 ≈ 本科): short community courses are
//! level 1, a year-long elder-university class level 2 or 3, 专科 courses level 4 and 本科 courses
//! level 5. Credits of non-formal courses are left to the general rule (16 学时 a credit) unless a
//! course says otherwise.

use xc_domain::Topic;
use xc_domain::credit::{OutcomeCategory, VocationalGrade};

/// One course, training or venue programme a provider may publish a specification for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Course {
    pub(crate) title: &'static str,
    pub(crate) hours: u32,
    pub(crate) topic: Topic,
    pub(crate) level: u8,
    pub(crate) category: OutcomeCategory,
    /// Explicit credits in hundredths; `None`: the general hours rule decides.
    pub(crate) credits: Option<u64>,
    /// Months the recognition stays valid; `None`: for ever.
    pub(crate) validity_months: Option<u16>,
    /// A discipline code instead of the topic as the field (university MOOCs).
    pub(crate) discipline: Option<&'static str>,
}

const fn leisure(title: &'static str, hours: u32, topic: Topic, level: u8) -> Course {
    Course {
        title,
        hours,
        topic,
        level,
        category: OutcomeCategory::CultureAndLeisure,
        credits: None,
        validity_months: None,
        discipline: None,
    }
}

const fn vocational(title: &'static str, hours: u32, topic: Topic, level: u8) -> Course {
    Course {
        category: OutcomeCategory::VocationalTraining,
        ..leisure(title, hours, topic, level)
    }
}

const fn expiring(course: Course, months: u16) -> Course {
    Course {
        validity_months: Some(months),
        ..course
    }
}

const fn academic(title: &'static str, hours: u32, discipline: &'static str, level: u8) -> Course {
    Course {
        category: OutcomeCategory::Academic,
        discipline: Some(discipline),
        ..leisure(title, hours, Topic::VocationalSkills, level)
    }
}

use Topic::*;

/// Courses of community schools and community colleges (社区学校, 社区学院).
#[rustfmt::skip]
pub(crate) const COMMUNITY_COURSES: &[Course] = &[
    leisure("书法（楷书）", 32, CultureAndArts, 2), leisure("书法（行书）", 32, CultureAndArts, 2),
    leisure("国画（花鸟）", 32, CultureAndArts, 2), leisure("国画（山水）", 32, CultureAndArts, 2),
    leisure("合唱", 32, CultureAndArts, 1), leisure("沪剧演唱", 24, CultureAndArts, 1),
    leisure("越剧欣赏", 16, CultureAndArts, 1), leisure("京剧唱腔", 32, CultureAndArts, 2),
    leisure("摄影基础", 24, CultureAndArts, 1), leisure("民族舞", 32, CultureAndArts, 1),
    leisure("葫芦丝", 24, CultureAndArts, 1), leisure("古筝入门", 32, CultureAndArts, 1),
    leisure("剪纸", 16, CultureAndArts, 1), leisure("插花艺术", 16, CultureAndArts, 1),
    leisure("诗词鉴赏", 24, CultureAndArts, 2), leisure("手工编织", 16, CultureAndArts, 1),
    leisure("电子琴", 32, CultureAndArts, 1), leisure("朗诵与主持", 24, CultureAndArts, 1),
    leisure("太极拳（二十四式）", 32, Health, 1), leisure("八段锦", 16, Health, 1),
    leisure("健身气功", 24, Health, 1), leisure("中医养生保健", 16, Health, 1),
    leisure("营养与膳食", 16, Health, 1), leisure("老年常见病防治", 16, Health, 1),
    leisure("心理健康与调适", 16, Health, 1), leisure("瑜伽", 24, Health, 1),
    leisure("智能手机应用", 16, SmartLiving, 1), leisure("智能手机摄影", 16, SmartLiving, 1),
    leisure("防范电信网络诈骗", 8, SmartLiving, 1), leisure("电脑基础", 32, SmartLiving, 1),
    leisure("短视频拍摄与剪辑", 24, SmartLiving, 2), leisure("网上办事与随申办", 8, SmartLiving, 1),
    leisure("党史学习教育", 16, PoliticsAndCivics, 1), leisure("民法典与生活", 16, PoliticsAndCivics, 1),
    leisure("社区志愿服务", 8, PoliticsAndCivics, 1), leisure("垃圾分类与绿色生活", 8, PoliticsAndCivics, 1),
    leisure("家庭教育指导", 16, FamilyEducation, 1), leisure("隔代教育", 16, FamilyEducation, 1),
    leisure("亲子阅读", 8, FamilyEducation, 1),
    leisure("上海城市史话", 16, HistoryAndHeritage, 1), leisure("海派文化", 16, HistoryAndHeritage, 1),
    leisure("江南古镇文化", 16, HistoryAndHeritage, 1), leisure("红色文化寻访", 8, HistoryAndHeritage, 1),
    leisure("生活英语口语", 32, Languages, 1), leisure("日语入门", 32, Languages, 2),
    leisure("沪语", 16, Languages, 1),
    vocational("家政服务", 32, VocationalSkills, 2), vocational("养老护理基础", 32, VocationalSkills, 2),
    vocational("社区工作实务", 24, VocationalSkills, 2),
];

/// Year-long classes of elder universities (老年大学): more hours, higher levels.
#[rustfmt::skip]
pub(crate) const ELDER_COURSES: &[Course] = &[
    leisure("书法（楷书）基础班", 48, CultureAndArts, 2), leisure("书法（行书）提高班", 64, CultureAndArts, 3),
    leisure("国画（花鸟）基础班", 48, CultureAndArts, 2), leisure("国画（山水）提高班", 64, CultureAndArts, 3),
    leisure("声乐", 48, CultureAndArts, 2), leisure("钢琴", 48, CultureAndArts, 2),
    leisure("摄影与后期制作", 48, CultureAndArts, 2), leisure("舞蹈", 48, CultureAndArts, 2),
    leisure("古典诗词", 48, CultureAndArts, 2), leisure("文学写作", 48, CultureAndArts, 3),
    leisure("旗袍文化与形体", 32, CultureAndArts, 2), leisure("太极拳与太极剑", 48, Health, 2),
    leisure("中医养生", 32, Health, 2), leisure("智能手机与平板电脑", 32, SmartLiving, 2),
    leisure("英语（初级）", 48, Languages, 2), leisure("中国历史", 48, HistoryAndHeritage, 2),
];

/// Programmes of libraries (图书馆).
#[rustfmt::skip]
pub(crate) const LIBRARY_PROGRAMMES: &[Course] = &[
    leisure("经典导读读书会", 12, CultureAndArts, 1), leisure("城市文化讲座", 8, HistoryAndHeritage, 1),
    leisure("古籍修复体验", 8, HistoryAndHeritage, 1), leisure("数字阅读与信息检索", 8, SmartLiving, 1),
    leisure("亲子绘本阅读", 8, FamilyEducation, 1), leisure("诗歌与朗读", 8, CultureAndArts, 1),
];

/// Programmes of museums (博物馆, 陈列馆, 展示馆).
#[rustfmt::skip]
pub(crate) const MUSEUM_PROGRAMMES: &[Course] = &[
    leisure("青铜器鉴赏", 8, HistoryAndHeritage, 1), leisure("文物里的上海", 12, HistoryAndHeritage, 1),
    leisure("书画鉴赏", 8, CultureAndArts, 1), leisure("非遗技艺体验", 8, CultureAndArts, 1),
    leisure("红色文化研学", 8, PoliticsAndCivics, 1), leisure("博物馆志愿讲解培训", 16, HistoryAndHeritage, 1),
];

/// Online courses of the open university's learning network (上海学习网).
#[rustfmt::skip]
pub(crate) const MOOCS: &[Course] = &[
    vocational("Python程序设计基础", 32, VocationalSkills, 3), vocational("人工智能通识", 16, SmartLiving, 2),
    vocational("Excel数据处理与分析", 16, VocationalSkills, 2), vocational("职场沟通与礼仪", 16, VocationalSkills, 2),
    vocational("新媒体运营", 24, VocationalSkills, 3), vocational("项目管理基础", 24, VocationalSkills, 3),
    leisure("老年人智能技术运用", 8, SmartLiving, 1), leisure("中华传统文化概论", 24, CultureAndArts, 2),
    leisure("心理学与生活", 32, Health, 2), leisure("家庭教育与儿童成长", 16, FamilyEducation, 1),
    leisure("上海地方史", 16, HistoryAndHeritage, 1), leisure("健康生活方式", 16, Health, 1),
    leisure("摄影艺术欣赏", 16, CultureAndArts, 1), leisure("走进交响乐", 16, CultureAndArts, 1),
    academic("管理学原理（慕课）", 48, "1202", 5), academic("高等数学（慕课）", 64, "0701", 4),
    academic("中国近现代史纲要（慕课）", 32, "0305", 4), academic("大学英语（慕课）", 48, "0502", 4),
];

/// Trainings of vocational training schools (职业技能培训学校, 进修学校).
#[rustfmt::skip]
pub(crate) const VOCATIONAL_TRAININGS: &[Course] = &[
    vocational("育婴员培训", 64, VocationalSkills, 2), vocational("养老护理员培训", 80, VocationalSkills, 2),
    vocational("中式面点制作", 60, VocationalSkills, 2), vocational("西式面点制作", 60, VocationalSkills, 2),
    vocational("电工基础培训", 80, VocationalSkills, 2), vocational("电子商务实务", 48, VocationalSkills, 3),
    vocational("茶艺培训", 40, VocationalSkills, 2), vocational("保安员培训", 40, VocationalSkills, 2),
    vocational("美容美发", 60, VocationalSkills, 2), vocational("会计实务", 48, VocationalSkills, 3),
];

/// Trainings of foreign-language schools (外语培训中心).
#[rustfmt::skip]
pub(crate) const LANGUAGE_TRAININGS: &[Course] = &[
    vocational("商务英语", 48, Languages, 3), vocational("日语能力考试辅导", 48, Languages, 3),
    leisure("英语口语提高", 40, Languages, 2), leisure("韩语入门", 32, Languages, 1),
    leisure("法语入门", 32, Languages, 1),
];

/// Trainings of art schools (艺术培训中心).
#[rustfmt::skip]
pub(crate) const ART_TRAININGS: &[Course] = &[
    leisure("素描基础", 32, CultureAndArts, 1), leisure("水彩画", 32, CultureAndArts, 1),
    leisure("流行声乐", 32, CultureAndArts, 1), leisure("吉他弹唱", 24, CultureAndArts, 1),
    leisure("硬笔书法", 24, CultureAndArts, 1), leisure("陶艺制作", 24, CultureAndArts, 1),
];

/// Staff trainings of employers (职工培训).
#[rustfmt::skip]
pub(crate) const EMPLOYER_TRAININGS: &[Course] = &[
    expiring(vocational("安全生产培训", 16, VocationalSkills, 2), 36),
    vocational("新员工入职培训", 24, VocationalSkills, 1), vocational("质量管理体系", 24, VocationalSkills, 3),
    vocational("精益生产", 24, VocationalSkills, 3), vocational("班组长管理能力提升", 32, VocationalSkills, 3),
    expiring(vocational("职业健康与急救", 8, Health, 1), 24),
];

/// Non-formal trainings of the open university's district branches.
#[rustfmt::skip]
pub(crate) const BRANCH_TRAININGS: &[Course] = &[
    vocational("社区工作者能力提升", 32, VocationalSkills, 3), vocational("老年教育师资培训", 24, VocationalSkills, 3),
    vocational("家庭教育指导师培训", 32, FamilyEducation, 3), vocational("数字化转型与办公", 16, SmartLiving, 2),
    leisure("终身学习与个人发展", 16, CultureAndArts, 1),
];

/// An occupation certified in grades (职业技能等级证书), with the grades usually certified and
/// the topic it belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Occupation {
    pub(crate) name: &'static str,
    pub(crate) grades: &'static [VocationalGrade],
    /// Months a certificate stays valid in the bank (`None`: for ever).
    pub(crate) validity_months: Option<u16>,
}

const LOW: &[VocationalGrade] = &[
    VocationalGrade::Five,
    VocationalGrade::Four,
    VocationalGrade::Three,
];
const HIGH: &[VocationalGrade] = &[
    VocationalGrade::Four,
    VocationalGrade::Three,
    VocationalGrade::Two,
    VocationalGrade::One,
];
const ALL_GRADES: &[VocationalGrade] = VocationalGrade::ALL;

const fn occupation(name: &'static str, grades: &'static [VocationalGrade]) -> Occupation {
    Occupation {
        name,
        grades,
        validity_months: None,
    }
}

/// Occupations certified by vocational training schools.
#[rustfmt::skip]
pub(crate) const SCHOOL_OCCUPATIONS: &[Occupation] = &[
    Occupation { validity_months: Some(60), ..occupation("电工", ALL_GRADES) },
    occupation("育婴员", LOW), occupation("养老护理员", ALL_GRADES), occupation("保育师", LOW),
    occupation("中式烹调师", ALL_GRADES), occupation("中式面点师", ALL_GRADES),
    occupation("西式面点师", ALL_GRADES), occupation("美容师", ALL_GRADES), occupation("美发师", ALL_GRADES),
    occupation("茶艺师", ALL_GRADES), occupation("电子商务师", LOW), occupation("家政服务员", LOW),
    occupation("保安员", LOW), occupation("企业人力资源管理师", HIGH),
];

/// Occupations employers certify themselves (企业技能等级自主评价), by the trade in their name.
pub(crate) fn employer_occupations(employer_name: &str) -> &'static [Occupation] {
    #[rustfmt::skip]
    const TRADES: &[(&str, &[Occupation])] = &[
        ("电子科技", &[occupation("电子设备装接工", ALL_GRADES), occupation("网络与信息安全管理员", ALL_GRADES), occupation("电工", ALL_GRADES)]),
        ("机械制造", &[occupation("数控车工", ALL_GRADES), occupation("钳工", ALL_GRADES), occupation("焊工", ALL_GRADES)]),
        ("医药", &[occupation("药物制剂工", ALL_GRADES), occupation("化学检验员", ALL_GRADES)]),
        ("物流", &[occupation("物流服务师", ALL_GRADES), occupation("仓储管理员", LOW)]),
        ("食品", &[occupation("食品检验员", ALL_GRADES), occupation("中式面点师", ALL_GRADES)]),
        ("纺织", &[occupation("纺织纤维检验员", ALL_GRADES), occupation("服装制版师", ALL_GRADES)]),
        ("建设", &[occupation("砌筑工", LOW), occupation("焊工", ALL_GRADES), occupation("电工", ALL_GRADES)]),
        ("实业", &[occupation("电工", ALL_GRADES), occupation("企业人力资源管理师", HIGH)]),
    ];
    TRADES
        .iter()
        .find(|(trade, _)| employer_name.contains(trade))
        .map_or(TRADES[TRADES.len() - 1].1, |(_, occupations)| occupations)
}

/// Credits (hundredths) a certificate of each grade carries: the higher the grade, the more.
pub(crate) const fn certificate_credits(grade: VocationalGrade) -> u64 {
    match grade {
        VocationalGrade::Five => 200,
        VocationalGrade::Four => 300,
        VocationalGrade::Three => 400,
        VocationalGrade::Two => 600,
        VocationalGrade::One => 800,
    }
}

/// How often each grade is certified (五级 and 四级 are most of them).
pub(crate) const fn grade_weight(grade: VocationalGrade) -> f64 {
    match grade {
        VocationalGrade::Five => 35.0,
        VocationalGrade::Four => 33.0,
        VocationalGrade::Three => 22.0,
        VocationalGrade::Two => 7.0,
        VocationalGrade::One => 3.0,
    }
}

/// A degree programme of the open university (开放教育): its discipline code, the framework level
/// of its courses and degree (4: 专科, 5: 本科), its courses (title, 学时, credits) and the
/// credits of the whole degree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Programme {
    pub(crate) name: &'static str,
    pub(crate) code: &'static str,
    pub(crate) level: u8,
    pub(crate) courses: &'static [(&'static str, u32, u64)],
    pub(crate) degree_credits: u64,
}

impl Programme {
    pub(crate) fn degree_title(&self) -> String {
        let stage = if self.level >= 5 { "本科" } else { "专科" };
        format!("{}（{stage}）", self.name)
    }
}

/// Programmes with 本科 codes of the 普通高等学校本科专业目录 and 专科 codes of the 2021
/// 职业教育专业目录. Course titles are unique across programmes, so that a course title never
/// matches two specifications.
#[rustfmt::skip]
pub(crate) const PROGRAMMES: &[Programme] = &[
    Programme { name: "行政管理", code: "120402", level: 5, degree_credits: 7_200, courses: &[
        ("管理学基础", 54, 400), ("公共行政学", 54, 400), ("政治学原理", 54, 300),
        ("行政法与行政诉讼法", 54, 300), ("公共政策概论", 54, 300), ("社会调查研究与方法", 36, 200)] },
    Programme { name: "会计学", code: "120203K", level: 5, degree_credits: 7_200, courses: &[
        ("中级财务会计", 72, 400), ("成本会计", 54, 300), ("财务管理", 54, 400),
        ("审计学", 54, 300), ("管理会计", 54, 300)] },
    Programme { name: "工商管理", code: "120201K", level: 5, degree_credits: 7_200, courses: &[
        ("市场营销学", 54, 300), ("人力资源管理", 54, 300), ("组织行为学", 54, 300),
        ("战略管理", 54, 300), ("管理经济学", 54, 400)] },
    Programme { name: "计算机科学与技术", code: "080901", level: 5, degree_credits: 7_200, courses: &[
        ("程序设计基础", 72, 400), ("数据结构", 72, 400), ("操作系统", 54, 400),
        ("计算机网络", 54, 400), ("数据库原理与应用", 54, 400)] },
    Programme { name: "汉语言文学", code: "050101", level: 5, degree_credits: 7_200, courses: &[
        ("现代汉语", 72, 400), ("古代汉语", 72, 400), ("中国古代文学", 72, 400),
        ("中国现当代文学", 54, 300), ("文学概论", 54, 300)] },
    Programme { name: "学前教育", code: "040106", level: 5, degree_credits: 7_200, courses: &[
        ("学前儿童发展心理学", 54, 300), ("学前教育学", 54, 300), ("幼儿园课程论", 54, 300),
        ("学前儿童健康教育", 36, 200)] },
    Programme { name: "社会工作", code: "030302", level: 5, degree_credits: 7_200, courses: &[
        ("社会工作概论", 54, 300), ("个案工作", 54, 300), ("小组工作", 54, 300), ("社区工作", 54, 300)] },
    Programme { name: "大数据与会计", code: "530302", level: 4, degree_credits: 7_600, courses: &[
        ("基础会计", 72, 400), ("经济数学基础", 72, 400), ("税法", 54, 300),
        ("会计信息化", 54, 300), ("财务报表分析", 54, 300)] },
    Programme { name: "电子商务", code: "530701", level: 4, degree_credits: 7_600, courses: &[
        ("电子商务概论", 54, 300), ("网络营销", 54, 300), ("商务数据分析", 54, 300),
        ("客户关系管理", 36, 200)] },
    Programme { name: "智慧健康养老服务与管理", code: "590302", level: 4, degree_credits: 7_600, courses: &[
        ("老年服务伦理与礼仪", 36, 200), ("老年人能力评估", 54, 300), ("老年照护", 72, 400),
        ("养老机构经营与管理", 54, 300)] },
    Programme { name: "机电一体化技术", code: "460301", level: 4, degree_credits: 7_600, courses: &[
        ("机械制图", 72, 400), ("电工电子技术", 72, 400), ("PLC应用技术", 54, 300),
        ("液压与气动技术", 54, 300)] },
];

/// Courses every student may take that the open university has no specification for: they go
/// to a reviewer.
#[rustfmt::skip]
pub(crate) const ELECTIVES: &[(&str, u32, u64)] = &[
    ("开放教育学习指南", 18, 100), ("大学语文", 54, 300), ("形势与政策", 18, 100),
    ("信息技术应用基础", 36, 200), ("法律基础", 36, 200), ("心理健康教育", 18, 100),
];

/// Why a reviewer rejects an outcome (what the learner is told).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    MissingEvidence,
    FailedAssessment,
    TooFewHours,
    Duplicate,
    NotLearning,
    IdentityMismatch,
    CertificateUnverified,
    TranscriptMismatch,
}

impl Rejection {
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Rejection::MissingEvidence => {
                "证明材料不完整：缺少结业证书或考勤记录，请补充后重新提交"
            }
            Rejection::FailedAssessment => "考核成绩未达到合格标准（60分），不予认定",
            Rejection::TooFewHours => "实际学时不足，未达到认定的最低学时要求",
            Rejection::Duplicate => "与已认定的学习成果重复，不重复认定",
            Rejection::NotLearning => "属于一次性活动，没有学习成果评价，不在学分银行认定范围内",
            Rejection::IdentityMismatch => "学习者身份信息与提交材料不一致，请核实后重新提交",
            Rejection::CertificateUnverified => {
                "证书编号经发证机构核验不通过，证书信息与发证记录不符"
            }
            Rejection::TranscriptMismatch => "成绩单与学籍信息不一致，请学校核实后重新提交",
        }
    }
}
