//! A learner's copy of everything the platform holds about them (PIPL art. 45): their account
//! details (ID and phone numbers opened from the vault: it is their own data), consents, outcomes
//! with their decisions, conversion applications and the points ledger. As JSON, and as an XLSX
//! workbook with one sheet a kind of record and Chinese headers. The caller checks that the
//! reader is the learner (or acts for them) and audits the export.

use rust_xlsxwriter::{Workbook, XlsxError};
use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_domain::{Invalid, LearnerId, LearnerScope};
use xc_privacy::{PiiField, PiiVault};
use xc_store::{
    ApplicationRecord, Consent, DecisionBasis, DecisionRecord, LearnerRecord, OutcomeRecord,
    PointsRecord, Store,
};

use crate::BankError;

/// Everything held about one learner, as read at `generated_at`.
#[derive(Debug, Clone)]
pub struct LearnerExport {
    pub generated_at: OffsetDateTime,
    pub learner: LearnerRecord,
    pub national_id: String,
    pub phone: Option<String>,
    pub consents: Vec<Consent>,
    pub outcomes: Vec<OutcomeRecord>,
    pub decisions: Vec<DecisionRecord>,
    pub applications: Vec<ApplicationRecord>,
    pub points: Vec<PointsRecord>,
}

/// Reads everything about `learner`. `Invalid { field: "learner" }` once the learner's identity
/// was erased (nothing personal is left to give).
pub async fn export(
    store: &dyn Store,
    vault: &PiiVault,
    learner: LearnerId,
    generated_at: OffsetDateTime,
) -> Result<LearnerExport, BankError> {
    if store.learner_erasure(learner).await?.is_some() {
        return Err(Invalid::new(
            "learner",
            "this learner's identity was erased on request: there is no personal data left to export",
        )
        .into());
    }
    let record = store
        .get_learner(&LearnerScope::Only(learner), learner)
        .await?;
    let open = |field, sealed| {
        vault
            .open(field, sealed)
            .map_err(|error| BankError::Corrupt(format!("learner {learner}: {error}")))
    };
    let national_id = open(PiiField::NationalId, &record.national_id)?;
    let phone = match &record.phone {
        Some(sealed) => Some(open(PiiField::Phone, sealed)?),
        None => None,
    };
    Ok(LearnerExport {
        generated_at,
        national_id,
        phone,
        consents: store.list_consents(learner).await?,
        outcomes: store.list_learner_outcomes(learner).await?,
        decisions: store.list_learner_decisions(learner).await?,
        applications: store.list_learner_applications(learner).await?,
        points: store.list_points(learner).await?,
        learner: record,
    })
}

fn opt<T: ToString>(value: &Option<T>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn decided_by(basis: &DecisionBasis) -> Value {
    match basis {
        DecisionBasis::Specification {
            specification,
            version,
        } => json!({"specification": specification.get(), "version": version.get()}),
        DecisionBasis::GeneralRule(rule) => json!({
            "general_rule": rule.kind.as_str(),
            "version": rule.version.map(|version| version.get()),
        }),
        DecisionBasis::Reviewer {
            reviewer,
            specification,
        } => json!({
            "reviewer": reviewer.get(),
            "specification": specification.map(|(s, v)| json!({"id": s.get(), "version": v.get()})),
        }),
    }
}

impl LearnerExport {
    pub fn to_json(&self) -> Value {
        let learner = &self.learner;
        json!({
            "generated_at": self.generated_at.to_string(),
            "learner": {
                "id": learner.id.get(),
                "display_name": learner.display_name,
                "national_id": self.national_id,
                "phone": self.phone,
                "birth_year": learner.birth_year,
                "gender": learner.gender.as_str(),
                "district": learner.district.as_str(),
                "subdistrict": learner.subdistrict.as_ref().map(|c| c.as_str()),
                "neighbourhood": learner.neighbourhood.as_ref().map(|c| c.as_str()),
                "interests": learner.interests.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "registered_at": learner.registered_at.to_string(),
            },
            "consents": self.consents.iter().map(|c| json!({
                "purpose": c.purpose,
                "notice_version": c.notice_version,
                "granted": c.granted,
                "at": c.at.to_string(),
            })).collect::<Vec<_>>(),
            "outcomes": self.outcomes.iter().map(|o| json!({
                "id": o.id.get(),
                "provider": o.submitted.provider.get(),
                "external_id": o.external_id,
                "kind": o.submitted.kind.as_str(),
                "title": o.submitted.title.as_str(),
                "hours": opt(&o.submitted.hours),
                "grade": o.submitted.grade.map(|g| g.as_str()),
                "field": opt(&o.submitted.field),
                "achieved_on": o.submitted.achieved_on.to_string(),
                "score": opt(&o.submitted.score),
                "evidence": o.submitted.evidence.iter().map(|e| json!({
                    "kind": e.kind().as_str(), "reference": e.reference(),
                })).collect::<Vec<_>>(),
                "status": o.status.as_str(),
                "category": o.grant.map(|g| g.category.as_str()),
                "level": o.grant.map(|g| g.level.get()),
                "credits": o.grant.map(|g| g.credits.to_string()),
                "valid_until": o.grant.and_then(|g| g.valid_until).map(|d| d.to_string()),
                "submitted_at": o.submitted_at.to_string(),
            })).collect::<Vec<_>>(),
            "decisions": self.decisions.iter().map(|d| json!({
                "id": d.id.get(),
                "outcome": d.outcome.get(),
                "decided_at": d.decided_at.to_string(),
                "decided_by": decided_by(&d.basis),
                "accepted": d.grant.is_some(),
                "reason": d.reason,
            })).collect::<Vec<_>>(),
            "conversion_applications": self.applications.iter().map(|a| json!({
                "id": a.id.get(),
                "programme": a.programme.get(),
                "status": a.status.as_str(),
                "applied_at": a.applied_at.to_string(),
                "proposed_credits": a.proposed_credits.to_string(),
                "approved_credits": opt(&a.approved_credits),
                "decision_reason": a.decision_reason,
                "proposal": a.proposal,
                "lines": a.lines.iter().map(|l| json!({
                    "line": l.line_no,
                    "rule": l.rule.get(),
                    "rule_version": l.rule_version.get(),
                    "outcomes": l.outcomes.iter().map(|o| o.get()).collect::<Vec<_>>(),
                    "grant": l.grant,
                    "credits": l.credits.to_string(),
                    "kept": l.kept,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "points": self.points.iter().map(|p| json!({
                "id": p.id,
                "day": p.entry.day.to_string(),
                "award": p.entry.award,
                "points": p.entry.points,
                "source": format!("{}:{}", p.entry.source_kind, p.entry.source_id),
            })).collect::<Vec<_>>(),
        })
    }

    /// The same as a workbook: 个人信息, 学习成果, 认定决定, 转换申请, 积分.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let learner = &self.learner;
        let person = [
            ("学习者编号", learner.id.to_string()),
            ("姓名", learner.display_name.clone()),
            ("身份证号", self.national_id.clone()),
            ("手机号", self.phone.clone().unwrap_or_default()),
            ("出生年份", learner.birth_year.to_string()),
            ("性别", learner.gender.label_zh().to_owned()),
            ("区", learner.district.as_str().to_owned()),
            ("注册时间", learner.registered_at.to_string()),
            ("导出时间", self.generated_at.to_string()),
        ];
        add_sheet(
            &mut workbook,
            "个人信息",
            &[],
            person
                .into_iter()
                .map(|(label, value)| vec![label.to_owned().into(), value.into()]),
        )?;
        let text = |value: Option<String>| Cell::from(value.unwrap_or_default());
        add_sheet(
            &mut workbook,
            "学习成果",
            &[
                "成果编号",
                "机构",
                "外部编号",
                "成果类型",
                "成果名称",
                "学时",
                "等级",
                "领域",
                "获得日期",
                "成绩",
                "状态",
                "类别",
                "级别",
                "学分",
                "有效期至",
            ],
            self.outcomes.iter().map(|o| {
                let s = &o.submitted;
                vec![
                    o.id.to_string().into(),
                    s.provider.to_string().into(),
                    o.external_id.clone().into(),
                    s.kind.label_zh().to_owned().into(),
                    s.title.as_str().to_owned().into(),
                    text(s.hours.map(|h| h.to_string())),
                    text(s.grade.map(|g| g.label_zh().to_owned())),
                    text(s.field.as_ref().map(ToString::to_string)),
                    s.achieved_on.to_string().into(),
                    text(s.score.map(|x| x.to_string())),
                    o.status.as_str().to_owned().into(),
                    text(o.grant.map(|g| g.category.label_zh().to_owned())),
                    text(o.grant.map(|g| g.level.to_string())),
                    text(o.grant.map(|g| g.credits.to_string())),
                    text(o.grant.and_then(|g| g.valid_until).map(|d| d.to_string())),
                ]
            }),
        )?;
        add_sheet(
            &mut workbook,
            "认定决定",
            &["决定编号", "成果编号", "时间", "结果", "理由"],
            self.decisions.iter().map(|d| {
                let result = if d.grant.is_some() {
                    "认定"
                } else {
                    "不予认定"
                };
                vec![
                    d.id.to_string().into(),
                    d.outcome.to_string().into(),
                    d.decided_at.to_string().into(),
                    result.to_owned().into(),
                    d.reason.clone().into(),
                ]
            }),
        )?;
        add_sheet(
            &mut workbook,
            "转换申请",
            &[
                "申请编号",
                "专业",
                "状态",
                "申请时间",
                "拟转换学分",
                "批准学分",
                "说明",
            ],
            self.applications.iter().map(|a| {
                vec![
                    a.id.to_string().into(),
                    a.programme.to_string().into(),
                    a.status.as_str().to_owned().into(),
                    a.applied_at.to_string().into(),
                    a.proposed_credits.to_string().into(),
                    text(a.approved_credits.map(|c| c.to_string())),
                    text(a.decision_reason.clone()),
                ]
            }),
        )?;
        add_sheet(
            &mut workbook,
            "积分",
            &["日期", "项目", "积分", "来源"],
            self.points.iter().map(|p| {
                vec![
                    p.entry.day.to_string().into(),
                    p.entry.award.clone().into(),
                    Cell::Number(p.entry.points as f64),
                    format!("{}:{}", p.entry.source_kind, p.entry.source_id).into(),
                ]
            }),
        )?;
        workbook.save_to_buffer()
    }
}

/// One cell of an exported sheet.
enum Cell {
    Text(String),
    Number(f64),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

/// Adds a sheet named `name` with a header row (when `header` is not empty) and `rows` under it.
fn add_sheet(
    workbook: &mut Workbook,
    name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    for (col, title) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *title)?;
    }
    let first = u32::from(!header.is_empty());
    for (n, cells) in rows.into_iter().enumerate() {
        let row = first + n as u32;
        for (col, cell) in cells.into_iter().enumerate() {
            match cell {
                Cell::Text(text) => sheet.write_string(row, col as u16, text)?,
                Cell::Number(number) => sheet.write_number(row, col as u16, number)?,
            };
        }
    }
    Ok(())
}
