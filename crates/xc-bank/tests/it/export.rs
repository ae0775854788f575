//! A learner's copy of their data: everything, their own ID number in clear, as JSON and XLSX.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use xc_bank::export::export;
use xc_bank::{OutcomeInput, submit_one};

use crate::support::*;

#[tokio::test]
async fn the_export_holds_everything_as_json_and_as_a_workbook() {
    let bank = bank().await;
    let input = OutcomeInput {
        row: 1,
        external_id: Some("E-1".into()),
        national_id: Some(bank.ids[0].expose().into()),
        kind: Some("community_course".into()),
        title: Some("书法（楷书）".into()),
        achieved_on: Some("2026-06-30".into()),
        hours: Some("32".into()),
        ..OutcomeInput::default()
    };
    submit_one(
        bank.store(),
        &bank.vault,
        &bank.standards,
        &input,
        &bank.options(true),
    )
    .await
    .unwrap();
    let copy = export(bank.store(), &bank.vault, bank.learners[0], NOW)
        .await
        .unwrap();
    let json = copy.to_json();
    assert_eq!(json["learner"]["national_id"], bank.ids[0].expose());
    assert_eq!(json["outcomes"][0]["title"], "书法(楷书)");
    assert_eq!(json["outcomes"][0]["status"], "recognised");
    assert_eq!(json["decisions"].as_array().unwrap().len(), 1);
    // Recognised automatically: the policy's 5 points for a recognised outcome.
    assert_eq!(json["points"][0]["points"], 5);
    assert_eq!(json["points"][0]["award"], "recognised_outcome");

    let bytes = copy.to_xlsx().unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        ["个人信息", "学习成果", "认定决定", "转换申请", "积分"]
    );
    let outcomes = workbook.worksheet_range("学习成果").unwrap();
    assert_eq!(
        outcomes.get_value((1, 4)).unwrap().to_string(),
        "书法(楷书)"
    );
    let person = workbook.worksheet_range("个人信息").unwrap();
    assert_eq!(
        person.get_value((2, 1)).unwrap().to_string(),
        bank.ids[0].expose()
    );

    // Another learner's export holds none of it.
    let other = export(bank.store(), &bank.vault, bank.learners[1], NOW)
        .await
        .unwrap();
    assert!(other.outcomes.is_empty());
}
