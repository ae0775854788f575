//! The first pass of a batch as the credit bank will run it: every problem of every row in a
//! bounded report, duplicates named with the row they repeat, domain parsers plugged in, and
//! then the second pass that stores only when the first found nothing.

use xc_domain::NationalId;
use xc_import::{CellInvalid, DuplicateRows, Report, Row, RowProblem};

use crate::support::{HEADER, open};

/// Pass 1 of the test batch: what the credit bank's validation will look like.
fn validate(bytes: &[u8], report: &mut Report) {
    let mut duplicates = DuplicateRows::new(&["national_id", "completed_on"]);
    let mut reader = open(bytes).unwrap();
    for warning in reader.warnings() {
        report.push_file_problem(warning.to_file_problem());
    }
    loop {
        let row = match reader.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(error) => {
                report.push_file_problem(error.to_file_problem());
                break;
            }
        };
        if let Some((id, date)) = validate_row(&row, report)
            && let Some(problem) = duplicates.check_normalised(&row, &[id, date])
        {
            report.push(problem);
        }
    }
}

/// Checks every cell; returns the normalised duplicate key (ID number, date) when both parse.
fn validate_row(row: &Row, report: &mut Report) -> Option<(String, String)> {
    for problem in row.problems() {
        report.push(problem.clone());
    }
    let id = report.check(row.cell("national_id").required().parse(NationalId::parse));
    report.check(row.cell("name").required().text());
    let date = report.check(row.cell("completed_on").required().date());
    if let Some(Some(hours)) = report.check(row.cell("hours").integer())
        && !(1..=2000).contains(&hours)
    {
        report.push(row.cell("hours").problem(CellInvalid::new(
            "学时应在 1 到 2000 之间",
            "hours must be between 1 and 2000",
        )));
    }
    report.check(row.cell("credits").decimal());
    report.check(row.cell("passed").boolean());
    // DuplicateRows keeps only a hash of the key, never the number itself.
    Some((id?.expose().to_string(), date?.to_string()))
}

fn lines(problems: &[RowProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

#[test]
fn a_messy_batch_gets_one_line_per_problem() {
    let batch = format!(
        "{HEADER}\n\
         11010519491231002X,张三,2026-11-29,32,2,是\n\
         11010519491231002Y,李四,2026-11-30,0,x,也许\n\
         11010519491231002X,张三,2026/11/29,32,2,是\n\
         ,,2026-11-29,,,\n"
    );
    let mut report = Report::default();
    validate(batch.as_bytes(), &mut report);
    assert_eq!(
        lines(report.problems()),
        [
            "row 3, column \"身份证号\" (value \"11010519491231002Y\"): the last character of an ID number must be a digit or X",
            "row 3, column \"学时\" (value \"0\"): hours must be between 1 and 2000",
            "row 3, column \"学分\" (value \"x\"): not a number: write it like 2 or 1.5",
            "row 3, column \"是否通过\" (value \"也许\"): write yes or no (是 or 否)",
            "row 4, column \"身份证号 + 完成日期\" (value \"11010519491231002X | 2026/11/29\"): duplicates row 2 (same \"身份证号\" and \"完成日期\")",
            "row 5, column \"身份证号\": a value is required here",
            "row 5, column \"姓名\": a value is required here",
        ]
    );
    assert_eq!(report.rows_with_problems(), 3);
    assert_eq!(report.summary_en(), "7 problems in 3 rows");
    let zh: Vec<String> = report
        .problems()
        .iter()
        .map(RowProblem::message_zh)
        .collect();
    assert_eq!(
        zh[4],
        "第 4 行“身份证号 + 完成日期”列（值“11010519491231002X | 2026/11/29”）：与第 2 行重复（身份证号、完成日期相同）"
    );
    assert_eq!(zh[5], "第 5 行“身份证号”列：此项必填，不能为空");
}

#[test]
fn every_problem_says_where_and_why_in_both_languages() {
    let mut batch = format!("{HEADER},备注\n");
    batch.push_str("123,=cmd,29/11/2026,x,1.2.3,maybe,ok\n");
    batch.push_str("11010519491231002X,张三,2026-13-01,32,2,是,ok,extra\n");
    batch.push_str("11010519491231002X,张三\n");
    let mut report = Report::default();
    validate(batch.as_bytes(), &mut report);
    assert_eq!(report.file_problems().len(), 1, "the unknown 备注 column");
    assert!(report.total() >= 10, "{}", report.total());
    for problem in report.problems() {
        assert!(problem.row >= 2);
        assert!(
            problem
                .to_string()
                .starts_with(&format!("row {}", problem.row))
        );
        assert!(
            problem
                .message_zh()
                .starts_with(&format!("第 {} 行", problem.row))
        );
        assert!(
            problem
                .reason_zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{problem}"
        );
        assert!(
            problem
                .reason_en
                .chars()
                .filter(char::is_ascii_alphabetic)
                .count()
                > 10,
            "{problem}"
        );
    }
}

#[test]
fn duplicates_on_the_text_as_written() {
    let batch = format!(
        "{HEADER}\n\
         11010519491231002X,张三,2026-11-29,,,\n\
         11010519491231002X,张三,2026-11-30,,,\n\
         11010519491231002X,张三,2026-11-29,,,\n\
         ,张三,2026-11-29,,,\n"
    );
    let mut duplicates = DuplicateRows::new(&["national_id", "completed_on"]);
    let problems: Vec<String> = open(batch.as_bytes())
        .unwrap()
        .filter_map(|row| duplicates.check(&row.unwrap()))
        .map(|problem| problem.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "row 4, column \"身份证号 + 完成日期\" (value \"11010519491231002X | 2026-11-29\"): duplicates row 2 (same \"身份证号\" and \"完成日期\")"
        ]
    );
    assert_eq!(duplicates.distinct(), 2);
}

#[test]
fn a_report_of_a_very_bad_file_keeps_the_first_thousand_problems() {
    let mut batch = format!("{HEADER}\n");
    for _ in 0..5_000 {
        batch.push_str("11010519491231002X,张三,2026-11-29,abc,,\n");
    }
    let mut report = Report::default();
    let mut reader = open(batch.as_bytes()).unwrap();
    while let Some(row) = reader.next_row().unwrap() {
        report.check(row.cell("hours").integer());
    }
    assert_eq!(report.problems().len(), 1_000);
    assert_eq!(report.total(), 5_000);
    assert_eq!(report.rows_with_problems(), 5_000);
    assert_eq!(report.problems()[999].row, 1_001);
    assert_eq!(
        report.summary_zh(),
        "共发现 5000 个问题，涉及 5000 行；只列出前 1000 个，其余 4000 个未列出"
    );
}

#[test]
fn the_second_pass_stores_in_chunks_only_after_a_clean_first_pass() {
    let mut batch = format!("{HEADER}\n");
    for sequence in 0..7 {
        batch.push_str(&format!(
            "{},学员{sequence},2026-11-{:02},16,1,是\n",
            crate::support::national_id(sequence),
            sequence + 1
        ));
    }
    let mut report = Report::default();
    validate(batch.as_bytes(), &mut report);
    assert!(report.is_clean(), "{:?}", report.problems());
    let mut stored = Vec::new();
    let mut reader = open(batch.as_bytes()).unwrap();
    loop {
        let chunk = reader.next_chunk(3).unwrap();
        if chunk.is_empty() {
            break;
        }
        let transaction: Vec<(NationalId, time::Date)> = chunk
            .iter()
            .map(|row| {
                (
                    row.cell("national_id")
                        .required()
                        .parse(NationalId::parse)
                        .unwrap(),
                    row.cell("completed_on").required().date().unwrap(),
                )
            })
            .collect();
        stored.push(transaction.len());
    }
    assert_eq!(stored, [3, 3, 1]);
}
