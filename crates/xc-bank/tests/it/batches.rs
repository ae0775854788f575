//! Batch files and API lists: the row-by-row report, all-or-nothing, idempotent re-submission,
//! encodings and XLSX, and automatic recognition against the published specification.

use xc_bank::{BankError, OutcomeInput, import_file, import_items};
use xc_store::{OutcomeStatus, PageRequest, ReviewFilter};

use crate::support::*;

const HEADER: &str = "成果编号,身份证号,姓名,成果类型,成果名称,获得日期,学时,领域,成绩,证书编号\n";

/// Three good rows: the first matches the calligraphy specification exactly, the other two do
/// not (another title; a certificate of a grade no specification names).
fn good_csv(bank: &Bank) -> String {
    format!(
        "{HEADER}\
         SF-2026-001,{},张三,社区教育/老年教育课程,书法(楷书),2026-06-30,32,culture_arts,合格,\n\
         SF-2026-002,{},李四,community_course,太极拳入门,2026/7/1,16,health,,\n\
         DG-2026-003,{},王五,职业技能等级证书,电工,2026年7月2日,,,85,DG2026-0003\n",
        bank.ids[0].expose(),
        bank.ids[1].expose(),
        bank.ids[2].expose(),
    )
}

#[tokio::test]
async fn a_good_file_is_stored_recognised_where_it_matches_and_queued_otherwise() {
    let bank = bank().await;
    // The certificate needs a grade: add the column.
    let csv = good_csv(&bank)
        .replace("成绩,证书编号", "成绩,证书编号,等级")
        .replace(",合格,\n", ",合格,,\n")
        .replace(",health,,\n", ",health,,,\n")
        .replace(",85,DG2026-0003\n", ",85,DG2026-0003,三级\n");
    let path = bank.file("good.csv", csv.as_bytes());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert!(result.report.is_clean(), "{:?}", result.report.problems());
    assert_eq!((result.rows, result.valid_rows, result.stored), (3, 3, 3));
    assert_eq!(
        (result.recognised, result.in_review, result.already_stored),
        (1, 2, 0)
    );
    let batch = result.batch.expect("a stored batch");
    assert_eq!((batch.rows_total, batch.rows_stored), (3, 3));

    let first = bank
        .store()
        .list_learner_outcomes(bank.learners[0])
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].status, OutcomeStatus::Recognised);
    let grant = first[0].grant.unwrap();
    assert_eq!(
        (grant.level.get(), grant.credits.to_string()),
        (2, "2".to_owned())
    );
    assert_eq!(first[0].batch, Some(batch.id));
    let decisions = bank.store().list_decisions(first[0].id).await.unwrap();
    assert_eq!(decisions.len(), 1);
    assert!(matches!(
        decisions[0].basis,
        xc_store::DecisionBasis::Specification { specification, .. } if specification == bank.calligraphy
    ));

    let queue = bank
        .store()
        .review_queue(&ReviewFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(queue.total, 2);
    let certificate = &bank
        .store()
        .list_learner_outcomes(bank.learners[2])
        .await
        .unwrap()[0];
    assert_eq!(
        certificate.submitted.grade.map(|g| g.as_str()),
        Some("grade_3")
    );
    assert_eq!(certificate.submitted.evidence[0].reference(), "DG2026-0003");

    // The same file again stores nothing and says so.
    let again = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert_eq!((again.stored, again.already_stored), (0, 3));
    assert_eq!(again.batch.unwrap().rows_stored, 0);
    assert_eq!(
        bank.store()
            .list_learner_outcomes(bank.learners[0])
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Rows with problems of every kind, and the report that names each.
fn bad_csv(bank: &Bank) -> String {
    format!(
        "{HEADER}\
         A-1,{},张三,社区教育/老年教育课程,书法(楷书),2026-06-30,32,,,\n\
         A-2,110101199003071234,李四,community_course,太极拳,2026-07-01,16,,,\n\
         A-3,{},王五,烹饪课,插花,2026-07-01,16,,,\n\
         A-4,{},赵六,mooc,Python 入门,2027-01-01,abc,,120,\n\
         A-1,{},钱七,mooc,数据素养,2026-07-01,8,,,\n\
         ,{},孙八,mooc,,2026-07-01,8,,,\n",
        bank.ids[0].expose(),
        bank.ids[1].expose(),
        bank.ids[2].expose(),
        bank.ids[3].expose(),
        bank.ids[4].expose(),
    )
}

fn rendered(report: &xc_import::Report) -> Vec<String> {
    report
        .problems()
        .iter()
        .map(|p| format!("{} {} {:?}: {}", p.row, p.column, p.value, p.reason_en))
        .collect()
}

#[tokio::test]
async fn a_file_with_problems_gets_a_row_by_row_report_and_all_or_nothing_stores_nothing() {
    let bank = bank().await;
    let path = bank.file("bad.csv", bad_csv(&bank).as_bytes());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    let problems = rendered(&result.report);
    let expect = [
        "3 身份证号", // a valid-looking number nobody registered (or a bad check digit)
        "4 成果类型 \"烹饪课\"",
        "5 获得日期 \"2027-01-01\": the date cannot be after today (2026-11-29)",
        "5 学时 \"abc\"",
        "5 成绩 \"120\"",
        "6 成果编号 \"A-1\": the same outcome id as row 2",
        "7 成果编号 \"\": a value is required here",
        "7 成果名称 \"\": a value is required here",
    ];
    for expected in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "missing {expected:?} in {problems:#?}"
        );
    }
    assert_eq!(result.report.rows_with_problems(), 5, "{problems:#?}");
    for problem in result.report.problems() {
        assert!(!problem.reason_zh.is_empty() && !problem.reason_en.is_empty());
    }
    assert_eq!((result.rows, result.valid_rows), (6, 1));
    assert!(result.batch.is_none());
    assert_eq!(result.stored, 0);
    for learner in &bank.learners {
        assert!(
            bank.store()
                .list_learner_outcomes(*learner)
                .await
                .unwrap()
                .is_empty()
        );
    }

    // Without all-or-nothing, the one valid row is stored.
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(false),
    )
    .await
    .unwrap();
    assert_eq!((result.valid_rows, result.stored), (1, 1));
    assert_eq!(result.report.rows_with_problems(), 5);
    let stored = bank
        .store()
        .list_learner_outcomes(bank.learners[0])
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].external_id, "A-1");
}

/// A file longer than one chunk that repeats an outcome id far from its first row: the store
/// finds the repeat (no id is kept in memory for it), the report names the row, all-or-nothing
/// stores nothing, and otherwise everything but the repeat is stored.
#[tokio::test]
async fn an_outcome_id_repeated_chunks_later_is_reported_and_not_stored_twice() {
    let bank = bank().await;
    let mut csv = HEADER.to_owned();
    for n in 0..4_500u32 {
        // Data row n + 2 (the header is row 1); row 4,002 repeats row 12's outcome id.
        let id = if n == 4_000 { 10 } else { n };
        csv.push_str(&format!(
            "R-{id},{},,社区教育/老年教育课程,兴趣课程{n},2026-06-30,8,,,\n",
            bank.ids[(n % 3) as usize].expose()
        ));
    }
    let path = bank.file("long.csv", csv.as_bytes());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert_eq!(
        rendered(&result.report),
        ["4002 成果编号 \"R-10\": the same outcome id as an earlier row of this file"]
    );
    assert_eq!(
        (result.rows, result.valid_rows, result.stored),
        (4_500, 4_499, 0)
    );
    assert!(result.batch.is_none());
    for learner in &bank.learners {
        assert!(
            bank.store()
                .list_learner_outcomes(*learner)
                .await
                .unwrap()
                .is_empty(),
            "all-or-nothing kept nothing"
        );
    }

    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(false),
    )
    .await
    .unwrap();
    assert_eq!(result.report.rows_with_problems(), 1);
    assert_eq!((result.valid_rows, result.stored), (4_499, 4_499));
    let batch = result.batch.expect("a stored batch");
    assert_eq!((batch.rows_total, batch.rows_stored), (4_500, 4_499));
    let mut stored = 0;
    for learner in &bank.learners {
        stored += bank
            .store()
            .list_learner_outcomes(*learner)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(stored, 4_499);
}

#[tokio::test]
async fn an_unknown_learner_is_reported_not_invented() {
    let bank = bank().await;
    let stranger =
        xc_domain::NationalId::from_parts("310104", time::macros::date!(1960 - 01 - 01), 7)
            .unwrap();
    let csv = format!(
        "成果编号,身份证号,学习者编号,成果类型,成果名称,获得日期\n\
         U-1,{},,mooc,数据素养,2026-07-01\n\
         U-2,,999999,mooc,数据素养,2026-07-01\n\
         U-3,{},{},mooc,数据素养,2026-07-01\n\
         U-4,,{},mooc,数据素养,2026-07-01\n",
        stranger.expose(),
        bank.ids[0].expose(),
        bank.learners[1],
        bank.learners[3],
    );
    let path = bank.file("unknown.csv", csv.as_bytes());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(false),
    )
    .await
    .unwrap();
    let problems = rendered(&result.report);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("2 身份证号") && problems[0].contains("register the learner first")
    );
    assert!(problems[1].starts_with("3 学习者编号 \"999999\": no learner has this id"));
    assert!(problems[2].starts_with("4 学习者编号") && problems[2].contains("different learners"));
    assert_eq!(result.stored, 1);
    assert_eq!(
        bank.store()
            .list_learner_outcomes(bank.learners[3])
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn gbk_files_and_workbooks_are_read_like_utf8() {
    let bank = bank().await;
    let csv = good_csv(&bank)
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&csv);
    assert!(!unmappable);
    let path = bank.file("gbk.csv", &gbk);
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert!(result.report.is_clean(), "{:?}", rendered(&result.report));
    assert_eq!((result.stored, result.recognised), (2, 1));

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows = [
        [
            "成果编号",
            "身份证号",
            "成果类型",
            "成果名称",
            "获得日期",
            "学时",
        ],
        [
            "X-1",
            bank.ids[3].expose(),
            "社区教育/老年教育课程",
            "书法（楷书）",
            "2026-05-01",
            "32",
        ],
        [
            "X-2",
            bank.ids[4].expose(),
            "慕课",
            "数据素养",
            "20260502",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    let path = bank.file("outcomes.xlsx", &workbook.save_to_buffer().unwrap());
    let result = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert!(result.report.is_clean(), "{:?}", rendered(&result.report));
    assert_eq!((result.stored, result.recognised), (2, 1));
}

#[tokio::test]
async fn a_file_missing_a_required_column_is_refused_whole() {
    let bank = bank().await;
    let path = bank.file(
        "short.csv",
        "成果编号,身份证号,成果名称\nA-1,x,y\n".as_bytes(),
    );
    let error = import_file(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &path,
        &bank.options(false),
    )
    .await
    .unwrap_err();
    let BankError::File(error) = error else {
        panic!("expected a file error, got {error:?}");
    };
    let message = error.to_string();
    assert!(
        message.contains("成果类型") && message.contains("获得日期"),
        "{message}"
    );
    assert!(
        bank.store()
            .list_learner_outcomes(bank.learners[0])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_api_list_is_checked_and_stored_like_a_file() {
    let bank = bank().await;
    let item = |row: u64, external_id: &str, learner: usize, title: &str| OutcomeInput {
        row,
        external_id: Some(external_id.into()),
        national_id: Some(bank.ids[learner].expose().into()),
        kind: Some("community_course".into()),
        title: Some(title.into()),
        achieved_on: Some("2026-06-30".into()),
        hours: Some("32".into()),
        ..OutcomeInput::default()
    };
    let items = vec![
        item(1, "API-1", 0, "书法（楷书）"),
        item(2, "API-2", 1, "合唱"),
        OutcomeInput {
            hours: Some("-3".into()),
            ..item(3, "API-3", 2, "合唱")
        },
    ];
    let all = import_items(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &items,
        &bank.options(true),
    )
    .await
    .unwrap();
    assert_eq!((all.valid_rows, all.stored), (2, 0));
    assert_eq!(rendered(&all.report).len(), 1);
    assert!(rendered(&all.report)[0].starts_with("3 hours \"-3\""));
    let some = import_items(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &items,
        &bank.options(false),
    )
    .await
    .unwrap();
    assert_eq!((some.stored, some.recognised, some.in_review), (2, 1, 1));
    let again = import_items(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &items[..2],
        &bank.options(true),
    )
    .await
    .unwrap();
    assert_eq!((again.stored, again.already_stored), (0, 2));
}
