//! Header rows that do not fit: missing columns (all reported at once), unknown columns (warned
//! about, or refused by a strict schema), two columns naming the same field, and headers
//! written the way people write them.

use xc_import::{HeaderProblem, ImportError, Limits, Schema};

use crate::support::{COLUMNS, check, check_with, open, schema};

#[test]
fn every_missing_column_is_reported_at_once_in_both_languages() {
    check(
        "姓名,学时\n张三,32\n",
        "
        error: the required column \"身份证号\" is missing (its header may be written as: 身份证号, 身份证号码, 公民身份号码, ID number, national_id); the required column \"完成日期\" is missing (its header may be written as: 完成日期, completion date, completed_on)
        错误：缺少必需的列“身份证号”（表头可以写作：身份证号、身份证号码、公民身份号码、ID number、national_id）；缺少必需的列“完成日期”（表头可以写作：完成日期、completion date、completed_on）
        ",
    );
}

#[test]
fn unknown_columns_are_warnings() {
    check(
        "身份证号,姓名,备注,完成日期,,\n11010519491231002X,张三,好,2026-11-29,,\n",
        "
        csv UTF-8 ','
        warning: column C \"备注\" is not a known column: its values are ignored
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        ",
    );
    let reader = open("身份证号,姓名,备注,完成日期\n1,2,3,4\n".as_bytes()).unwrap();
    assert_eq!(
        reader.warnings()[0].message_zh(),
        "C列“备注”不是可识别的列，该列的数据将被忽略"
    );
}

#[test]
fn a_strict_schema_refuses_unknown_columns() {
    check_with(
        "身份证号,姓名,备注,完成日期,,成绩\n11010519491231002X,张三,好,2026-11-29,,90\n",
        &Schema::new(COLUMNS).unwrap().strict(),
        Limits::default(),
        "
        error: column C \"备注\" is not an expected column: delete it or rename it to one of the expected headers; column E has no header: delete the column or give it one of the expected headers; column F \"成绩\" is not an expected column: delete it or rename it to one of the expected headers
        错误：C列“备注”不是规定的列：请删除该列，或改成规定的表头；E列没有表头：请删除该列，或填上规定的表头；F列“成绩”不是规定的列：请删除该列，或改成规定的表头
        ",
    );
}

#[test]
fn two_columns_for_one_field_are_refused() {
    let error = open("身份证号,姓名,完成日期,身份证号码\n".as_bytes()).unwrap_err();
    let ImportError::Header { problems } = &error else {
        panic!("{error}");
    };
    assert_eq!(
        problems,
        &[HeaderProblem::Duplicated {
            key: "national_id",
            columns: vec![(0, "身份证号".into()), (3, "身份证号码".into())],
        }]
    );
    assert_eq!(
        error.to_string(),
        "column A \"身份证号\" and column D \"身份证号码\" name the same column: keep only one of them"
    );
    assert_eq!(
        error.message_zh(),
        "A列“身份证号”和D列“身份证号码”指的是同一列，只能保留一列"
    );
}

#[test]
fn english_headers_in_any_case_and_width_and_with_notes() {
    check(
        "ＩＤ Number,NAME,Completion Date (yyyy-mm-dd),hours*,学分（选填）,Passed\n\
         11010519491231002X,Zhang San,2026-11-29,32,2,yes\n",
        "
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=Zhang San completed_on=2026-11-29 hours=32 credits=2 passed=true
        ",
    );
}

#[test]
fn the_mapping_is_shown_column_by_column() {
    let reader =
        open("姓名,完成日期,公民身份号码\n张三,2026-11-29,11010519491231002X\n".as_bytes())
            .unwrap();
    let mapping: Vec<String> = reader
        .columns()
        .into_iter()
        .map(|column| match (column.letter, column.header) {
            (Some(letter), Some(header)) => format!("{}={letter}:{header}", column.key),
            _ => format!("{}=absent", column.key),
        })
        .collect();
    assert_eq!(
        mapping,
        [
            "national_id=C:公民身份号码",
            "name=A:姓名",
            "completed_on=B:完成日期",
            "hours=absent",
            "credits=absent",
            "passed=absent"
        ]
    );
    assert_eq!(schema().columns().len(), 6);
}
