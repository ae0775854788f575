//! One outcome as a provider writes it, from a spreadsheet row or an API item, checked field by
//! field. Every problem names the row, the column (as the file wrote it) and the value, in
//! Chinese and English; a row is either a complete [`OutcomeRow`] or its list of problems.
//!
//! The upload's columns ([`outcome_schema`]): 成果编号 (the provider's own id, required), 身份证号
//! or 学习者编号 (one of them), 成果类型, 成果名称, 获得日期 (required), and optionally 学时,
//! 等级, 领域, 成绩, 证明类型, 证明. A 姓名 column is accepted and ignored: learners are matched
//! by ID number or learner id only, never by name.

use time::Date;
use time::macros::date;
use xc_domain::credit::{
    ContactHours, Evidence, EvidenceKind, Field, OutcomeKind, OutcomeTitle, Score,
    SubmittedOutcome, VocationalGrade,
};
use xc_domain::{InstitutionId, LearnerId, NationalId};
use xc_import::parse::{CellInvalid, parse_date};
use xc_import::{Column, Row, RowProblem, Schema, normalise_cell};
use xc_privacy::PiiVault;

/// The earliest achievement date accepted.
const EARLIEST: Date = date!(1950 - 01 - 01);

/// The columns of an outcome upload, with the header names people write.
pub const COLUMNS: [Column; 14] = [
    Column::required(
        "external_id",
        &[
            "成果编号",
            "记录编号",
            "外部编号",
            "outcome id",
            "record id",
        ],
    ),
    Column::optional(
        "national_id",
        &[
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "证件号码",
            "ID number",
        ],
    ),
    Column::optional("learner_id", &["学习者编号", "学员编号", "learner id"]),
    Column::optional("name", &["姓名", "学员姓名"]),
    Column::required("kind", &["成果类型", "类型", "outcome kind"]),
    Column::required(
        "title",
        &["成果名称", "课程名称", "证书名称", "培训名称", "title"],
    ),
    Column::required(
        "achieved_on",
        &["获得日期", "完成日期", "取得日期", "achieved on", "date"],
    ),
    Column::optional("hours", &["学时", "课时", "hours"]),
    Column::optional("grade", &["等级", "职业技能等级", "grade"]),
    Column::optional("field", &["领域", "学习领域", "专业代码", "field"]),
    Column::optional("score", &["成绩", "分数", "score"]),
    Column::optional("evidence_kind", &["证明类型", "evidence kind"]),
    Column::optional("evidence", &["证明", "证书编号", "证明材料", "evidence"]),
    Column::optional("note", &["备注", "note"]),
];

/// The schema of an outcome upload (see [`COLUMNS`]).
pub fn outcome_schema() -> Schema {
    Schema::new(COLUMNS).expect("the outcome columns are a valid schema")
}

/// How a row names its learner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnerRef {
    /// The keyed hash of the national ID number (the number itself is not kept).
    NationalId(Vec<u8>),
    Id(LearnerId),
    /// Both given: they must name the same learner.
    Both {
        lookup: Vec<u8>,
        id: LearnerId,
    },
}

/// A row that passed every field check; its learner is still to be matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    pub row: u64,
    pub external_id: String,
    pub learner: LearnerRef,
    pub submitted: SubmittedOutcome,
}

/// Where the fields of one outcome come from: a spreadsheet [`Row`] or an [`OutcomeInput`].
pub trait OutcomeFields {
    /// The row number reported in problems (the spreadsheet row, or the item's position).
    fn row(&self) -> u64;
    /// The trimmed text of a field, `None` when empty or absent.
    fn text(&self, key: &'static str) -> Result<Option<&str>, RowProblem>;
    /// A problem with a field, carrying its row, column and value.
    fn problem(&self, key: &'static str, invalid: CellInvalid) -> RowProblem;
}

impl OutcomeFields for Row {
    fn row(&self) -> u64 {
        self.number()
    }
    fn text(&self, key: &'static str) -> Result<Option<&str>, RowProblem> {
        self.cell(key).text()
    }
    fn problem(&self, key: &'static str, invalid: CellInvalid) -> RowProblem {
        self.cell(key).problem(invalid)
    }
}

/// One outcome given through a form or the API, as text fields named like the upload's column
/// keys. `row` is what problems report (1 for a single outcome, the position in a list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeInput {
    pub row: u64,
    pub external_id: Option<String>,
    pub national_id: Option<String>,
    pub learner_id: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub achieved_on: Option<String>,
    pub hours: Option<String>,
    pub grade: Option<String>,
    pub field: Option<String>,
    pub score: Option<String>,
    pub evidence_kind: Option<String>,
    pub evidence: Option<String>,
}

impl OutcomeInput {
    /// The same input with every field normalised as spreadsheet cells are (full-width folded,
    /// spaces trimmed, empty as absent), so a form and a file are read alike.
    pub fn normalised(&self) -> Self {
        let n = |value: &Option<String>| value.as_deref().and_then(normalise_cell);
        Self {
            row: self.row,
            external_id: n(&self.external_id),
            national_id: n(&self.national_id),
            learner_id: n(&self.learner_id),
            kind: n(&self.kind),
            title: n(&self.title),
            achieved_on: n(&self.achieved_on),
            hours: n(&self.hours),
            grade: n(&self.grade),
            field: n(&self.field),
            score: n(&self.score),
            evidence_kind: n(&self.evidence_kind),
            evidence: n(&self.evidence),
        }
    }

    fn raw(&self, key: &str) -> Option<&str> {
        let value = match key {
            "external_id" => &self.external_id,
            "national_id" => &self.national_id,
            "learner_id" => &self.learner_id,
            "kind" => &self.kind,
            "title" => &self.title,
            "achieved_on" => &self.achieved_on,
            "hours" => &self.hours,
            "grade" => &self.grade,
            "field" => &self.field,
            "score" => &self.score,
            "evidence_kind" => &self.evidence_kind,
            "evidence" => &self.evidence,
            _ => &None,
        };
        crate::fields::given(value)
    }
}

impl OutcomeFields for OutcomeInput {
    fn row(&self) -> u64 {
        self.row
    }
    fn text(&self, key: &'static str) -> Result<Option<&str>, RowProblem> {
        Ok(self.raw(key))
    }
    fn problem(&self, key: &'static str, invalid: CellInvalid) -> RowProblem {
        RowProblem::new(self.row, key, self.raw(key).unwrap_or_default(), invalid)
    }
}

/// The trimmed text of a field given by name (a form or an API item), `None` when absent or
/// blank: what `OutcomeFields::text` answers for such items.
pub(crate) fn given(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

pub(crate) fn parsed<T, E: Into<CellInvalid>>(
    fields: &impl OutcomeFields,
    key: &'static str,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, RowProblem> {
    match fields.text(key)? {
        None => Ok(None),
        Some(text) => parser(text)
            .map(Some)
            .map_err(|error| fields.problem(key, error.into())),
    }
}

pub(crate) fn present<T>(
    fields: &impl OutcomeFields,
    key: &'static str,
    value: Result<Option<T>, RowProblem>,
) -> Result<T, RowProblem> {
    value?.ok_or_else(|| {
        fields.problem(
            key,
            CellInvalid::new("此项必填，不能为空", "a value is required here"),
        )
    })
}

pub(crate) fn keep<T>(problems: &mut Vec<RowProblem>, value: Result<T, RowProblem>) -> Option<T> {
    value.map_err(|problem| problems.push(problem)).ok()
}

/// The learner a row names by `national_id` (checked, GB 11643, and replaced by its keyed
/// hash) and/or `learner_id`; `None` with the problem pushed when neither is usable. Shared by
/// outcomes and points events; [`crate::submit::match_learner_refs`] finds the learners.
pub fn parse_learner_ref(
    fields: &impl OutcomeFields,
    today: Date,
    vault: &PiiVault,
    problems: &mut Vec<RowProblem>,
) -> Option<LearnerRef> {
    let national_id = keep(
        problems,
        parsed(fields, "national_id", |text| {
            NationalId::parse_at(text, today)
        }),
    );
    let learner_id = keep(problems, parsed(fields, "learner_id", LearnerId::parse));
    match (national_id, learner_id) {
        (Some(Some(national_id)), Some(Some(id))) => Some(LearnerRef::Both {
            lookup: vault.national_id_lookup(&national_id),
            id,
        }),
        (Some(Some(national_id)), _) => Some(LearnerRef::NationalId(
            vault.national_id_lookup(&national_id),
        )),
        (_, Some(Some(id))) => Some(LearnerRef::Id(id)),
        (Some(None), Some(None)) => {
            problems.push(fields.problem(
                "national_id",
                CellInvalid::new(
                    "请填写学习者的身份证号或学习者编号",
                    "give the learner's ID number or learner id",
                ),
            ));
            None
        }
        // One of them was refused: its problem is already reported.
        _ => None,
    }
}

/// Checks every field of one outcome of `provider`: the complete row, or all its problems in
/// column order. National ID numbers are checked (GB 11643) and replaced by their keyed hash.
pub fn parse_outcome(
    fields: &impl OutcomeFields,
    provider: InstitutionId,
    today: Date,
    vault: &PiiVault,
) -> Result<OutcomeRow, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let external_id = keep(
        &mut problems,
        present(
            fields,
            "external_id",
            parsed(fields, "external_id", |text| {
                if text.chars().count() > 64 || text.chars().any(char::is_control) {
                    Err(CellInvalid::new(
                        "成果编号最多 64 个字符",
                        "an outcome id has at most 64 characters",
                    ))
                } else {
                    Ok(text.to_owned())
                }
            }),
        ),
    );
    let learner = parse_learner_ref(fields, today, vault, &mut problems);
    let kind = keep(
        &mut problems,
        present(
            fields,
            "kind",
            parsed(fields, "kind", OutcomeKind::parse_written),
        ),
    );
    let title = keep(
        &mut problems,
        present(
            fields,
            "title",
            parsed(fields, "title", OutcomeTitle::parse),
        ),
    );
    let achieved_on = keep(
        &mut problems,
        present(
            fields,
            "achieved_on",
            parsed(fields, "achieved_on", |text| {
                let day = parse_date(text)?;
                if day > today {
                    Err(CellInvalid::new(
                        format!("日期不能晚于今天（{today}）"),
                        format!("the date cannot be after today ({today})"),
                    ))
                } else if day < EARLIEST {
                    Err(CellInvalid::new(
                        format!("日期不能早于 {EARLIEST}"),
                        format!("the date cannot be before {EARLIEST}"),
                    ))
                } else {
                    Ok(day)
                }
            }),
        ),
    );
    let hours = keep(
        &mut problems,
        parsed(fields, "hours", |text| match ContactHours::parse(text) {
            Ok(hours) if hours.is_zero() => Err(CellInvalid::new(
                "学时须大于 0，不确定时请留空",
                "hours must be more than 0, or left empty",
            )),
            Ok(hours) => Ok(hours),
            Err(invalid) => Err(invalid.into()),
        }),
    );
    let grade = keep(
        &mut problems,
        parsed(fields, "grade", VocationalGrade::parse),
    );
    if let (Some(kind), Some(grade)) = (kind, grade) {
        match (kind.has_grade(), grade) {
            (true, None) => problems.push(fields.problem(
                "grade",
                CellInvalid::new(
                    "职业技能等级证书须填写等级（五级至一级）",
                    "a vocational certificate needs its grade (五级 to 一级)",
                ),
            )),
            (false, Some(_)) => problems.push(fields.problem(
                "grade",
                CellInvalid::new(
                    "只有职业技能等级证书有等级，请留空",
                    "only vocational certificates have a grade: leave it empty",
                ),
            )),
            _ => {}
        }
    }
    let field = keep(&mut problems, parsed(fields, "field", Field::parse));
    let score = keep(&mut problems, parsed(fields, "score", Score::parse));
    let evidence_kind = keep(
        &mut problems,
        parsed(fields, "evidence_kind", EvidenceKind::parse_written),
    );
    let evidence = match evidence_kind {
        Some(kind) => keep(
            &mut problems,
            parsed(fields, "evidence", |text| {
                Evidence::parse(kind.unwrap_or(EvidenceKind::CertificateNumber), text)
            }),
        ),
        None => None,
    };
    if let Some(Some(_)) = evidence_kind
        && let Some(None) = evidence
    {
        problems.push(fields.problem(
            "evidence",
            CellInvalid::new(
                "填写了证明类型，但没有填写证明",
                "an evidence kind is given but no evidence",
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    match (
        external_id,
        learner,
        kind,
        title,
        achieved_on,
        hours,
        grade,
        field,
        score,
        evidence,
    ) {
        (
            Some(external_id),
            Some(learner),
            Some(kind),
            Some(title),
            Some(achieved_on),
            Some(hours),
            Some(grade),
            Some(field),
            Some(score),
            Some(evidence),
        ) => Ok(OutcomeRow {
            row: fields.row(),
            external_id,
            learner,
            submitted: SubmittedOutcome {
                provider,
                kind,
                title,
                hours,
                grade,
                field,
                achieved_on,
                score,
                evidence: evidence.into_iter().collect(),
            },
        }),
        // Every `None` above pushed a problem.
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn input() -> OutcomeInput {
        OutcomeInput {
            row: 4,
            external_id: Some(" E-1 ".into()),
            learner_id: Some("１２".into()),
            kind: Some("MOOC".into()),
            title: Some("数据素养".into()),
            achieved_on: Some("2026年3月5日".into()),
            ..OutcomeInput::default()
        }
    }

    fn parse(input: &OutcomeInput) -> Result<OutcomeRow, Vec<RowProblem>> {
        parse_outcome(input, InstitutionId::new(3), TODAY, &PiiVault::random())
    }

    #[test]
    fn a_complete_outcome_parses_with_full_width_digits_and_written_names() {
        let row = parse(&input()).unwrap();
        assert_eq!(row.row, 4);
        assert_eq!(row.external_id, "E-1");
        assert_eq!(row.learner, LearnerRef::Id(LearnerId::new(12)));
        assert_eq!(row.submitted.kind, OutcomeKind::Mooc);
        assert_eq!(row.submitted.provider, InstitutionId::new(3));
        assert_eq!(row.submitted.achieved_on, date!(2026 - 03 - 05));
        assert!(row.submitted.evidence.is_empty());
    }

    #[test]
    fn the_national_id_is_checked_and_kept_only_as_its_hash() {
        let vault = PiiVault::random();
        let id = NationalId::from_parts("310101", date!(1950 - 01 - 01), 5).unwrap();
        let with_id = OutcomeInput {
            national_id: Some(id.expose().into()),
            learner_id: None,
            ..input()
        };
        let row = parse_outcome(&with_id, InstitutionId::new(3), TODAY, &vault).unwrap();
        assert_eq!(
            row.learner,
            LearnerRef::NationalId(vault.national_id_lookup(&id))
        );
        let both = OutcomeInput {
            national_id: Some(id.expose().into()),
            ..input()
        };
        let row = parse_outcome(&both, InstitutionId::new(3), TODAY, &vault).unwrap();
        assert!(matches!(row.learner, LearnerRef::Both { id, .. } if id == LearnerId::new(12)));

        let mut wrong = id.expose().to_owned();
        wrong.replace_range(17.., if wrong.ends_with('1') { "2" } else { "1" });
        let bad = OutcomeInput {
            national_id: Some(wrong),
            ..input()
        };
        let problems = parse(&bad).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, "national_id");
    }

    #[test]
    fn a_learner_must_be_named_one_way_or_the_other() {
        let nobody = OutcomeInput {
            learner_id: None,
            ..input()
        };
        let problems = parse(&nobody).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, "national_id");
        assert_eq!(
            problems[0].reason_en,
            "give the learner's ID number or learner id"
        );
    }

    #[test]
    fn every_problem_of_a_row_is_reported_in_column_order() {
        let bad = OutcomeInput {
            external_id: Some("x".repeat(65)),
            learner_id: Some("0".into()),
            kind: Some("烹饪".into()),
            title: None,
            achieved_on: Some("1949-12-31".into()),
            hours: Some("0".into()),
            score: Some("A+".into()),
            evidence_kind: Some("web_link".into()),
            evidence: None,
            ..input()
        };
        let problems = parse(&bad).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            columns,
            [
                "external_id",
                "learner_id",
                "kind",
                "title",
                "achieved_on",
                "hours",
                "score",
                "evidence"
            ]
        );
        assert!(problems.iter().all(|p| p.row == 4));
        assert!(problems[4].reason_en.contains("before 1950-01-01"));
        assert!(problems[5].reason_zh.contains("学时须大于 0"));
    }

    #[test]
    fn the_upload_schema_is_valid_and_names_the_required_columns() {
        let schema = outcome_schema();
        let required: Vec<&str> = schema
            .columns()
            .iter()
            .filter(|c| c.required)
            .map(|c| c.display_name())
            .collect();
        assert_eq!(required, ["成果编号", "成果类型", "成果名称", "获得日期"]);
    }
}
