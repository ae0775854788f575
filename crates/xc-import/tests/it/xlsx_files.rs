//! XLSX workbooks built on the fly with rust_xlsxwriter: typed cells (dates formatted as dates,
//! date serials, numbers, booleans), formula cells, ID numbers that Excel has rounded, values
//! right of the header, hidden sheets, title rows, and files that only look like workbooks.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use xc_import::{ImportError, Limits, SourceFormat, TableReader};

use crate::support::{check, open, schema};

const HEADER: [&str; 6] = ["身份证号", "姓名", "完成日期", "学时", "学分", "是否通过"];

fn workbook(build: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>) -> Vec<u8> {
    let mut workbook = Workbook::new();
    build(&mut workbook).unwrap();
    workbook.save_to_buffer().unwrap()
}

fn outcomes() -> Vec<u8> {
    workbook(|workbook| {
        let sheet = workbook.add_worksheet().set_name("成果")?;
        sheet.write_row(0, 0, HEADER)?;
        let date = Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_row(1, 0, ["11010519491231002X", "张三"])?;
        sheet.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2026, 11, 29)?, &date)?;
        sheet.write_number(1, 3, 32)?;
        sheet.write_number(1, 4, 2.5)?;
        sheet.write_boolean(1, 5, true)?;
        sheet.write_row(2, 0, ["110105198001010016", "李四"])?;
        sheet.write_number(2, 2, 46355)?;
        sheet.write_number(2, 3, 16)?;
        sheet.write_row(2, 4, ["1", "否"])?;
        sheet.write_row(
            3,
            0,
            [
                "１１０１０５１９８００１０１００１６",
                " 王五 ",
                "2026年11月29日",
            ],
        )?;
        sheet.write_formula(3, 3, "=16*2")?;
        sheet.write_number(4, 0, 110105198001010016.0)?;
        sheet.write_row(4, 1, ["赵六", "2026.11.29"])?;
        sheet.write_string(4, 4, "=1+1")?;
        // Row 6 is left blank; row 7 has a value right of the header.
        sheet.write_row(6, 0, ["11010519491231002X", "钱七", "20261129"])?;
        sheet.write_string(6, 7, "多余")?;
        Ok(())
    })
}

#[test]
fn typed_cells_formulas_and_rounded_numbers() {
    check(
        outcomes(),
        r#"
        xlsx 成果
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29 hours=32 credits=2.5 passed=true
        row 3: national_id=110105198001010016 name=李四 completed_on=2026-11-29 hours=16 credits=1 passed=false
        row 4: national_id=110105198001010016 name=王五 completed_on=2026-11-29
          ! row 4, column "学时" (value "=16*2"): the cell holds a formula, which is not imported: copy the column and paste it back as values only, then upload again
        row 5: name=赵六 completed_on=2026-11-29
          ! row 5, column "身份证号" (value "110105198001010020"): the number has more than 15 digits and the spreadsheet has already rounded it (an ID number typed as a number, for example): format the column as text and type it again
          ! row 5, column "学分" (value "=1+1"): a value starting with = + - or @ would run as a formula in a spreadsheet, so it is refused: remove the leading sign or put an apostrophe before it
        row 7: national_id=11010519491231002X name=钱七 completed_on=2026-11-29
          ! row 7 (value "多余"): column H has a value but no header: give the column a header or delete its values
        "#,
    );
}

#[test]
fn formula_cells_are_explained_in_chinese_too() {
    let mut reader = open(&outcomes()).unwrap();
    let row = std::iter::from_fn(|| reader.next_row().unwrap())
        .find(|row| row.number() == 4)
        .unwrap();
    let problem = row.cell("hours").integer().unwrap_err();
    assert_eq!(
        problem.message_zh(),
        "第 4 行“学时”列（值“=16*2”）：该单元格是公式，不能导入：请复制后“选择性粘贴→数值”，再上传"
    );
}

#[test]
fn the_first_visible_sheet_is_read_and_title_rows_are_skipped() {
    let bytes = workbook(|workbook| {
        let notes = workbook.add_worksheet().set_name("说明")?;
        notes.write_string(0, 0, "请勿修改表头")?;
        notes.set_hidden(true);
        // The active sheet cannot be hidden: make the data sheet active.
        let data = workbook.add_worksheet().set_name("数据")?.set_active(true);
        data.write_string(0, 0, "2026年学习成果批量导入")?;
        data.write_row(2, 0, HEADER)?;
        data.write_row(3, 0, ["11010519491231002X", "张三", "2026-11-29"])?;
        Ok(())
    });
    check(
        bytes,
        "
        xlsx 数据
        row 4: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        ",
    );
}

#[test]
fn a_workbook_is_read_the_same_from_a_path() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("成果.xlsx");
    std::fs::write(&path, outcomes()).unwrap();
    let from_path: Vec<u64> = TableReader::open(&path, &schema(), Limits::default())
        .unwrap()
        .map(|row| row.unwrap().number())
        .collect();
    let from_bytes: Vec<u64> = open(&outcomes())
        .unwrap()
        .map(|row| row.unwrap().number())
        .collect();
    assert_eq!(from_path, [2, 3, 4, 5, 7]);
    assert_eq!(from_path, from_bytes);
    let reader = TableReader::open(&path, &schema(), Limits::default()).unwrap();
    assert_eq!(
        reader.format(),
        SourceFormat::Xlsx {
            sheet: "成果".into()
        }
    );
}

#[test]
fn a_workbook_with_a_header_only_or_nothing() {
    let header_only = workbook(|workbook| {
        workbook.add_worksheet().write_row(0, 0, HEADER)?;
        Ok(())
    });
    check(
        header_only,
        "
        xlsx Sheet1
        error: the file has a header (row 1) but no data rows
        ",
    );
    let empty = workbook(|workbook| {
        workbook.add_worksheet();
        Ok(())
    });
    assert!(matches!(open(&empty).unwrap_err(), ImportError::Empty));
}

#[test]
fn files_that_only_look_like_workbooks() {
    check(
        b"PK\x03\x04 not really a zip",
        "
        error: the workbook cannot be read: it is not a valid XLSX file (invalid Zip archive: Could not find EOCD)
        错误：无法读取工作簿：it is not a valid XLSX file (invalid Zip archive: Could not find EOCD)
        ",
    );
    let old = open(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 an old .xls").unwrap_err();
    assert_eq!(
        old.to_string(),
        "the workbook cannot be read: it is an old .xls workbook or a password-protected one: save \
         it as .xlsx without a password, or as \"CSV UTF-8\""
    );
}

#[test]
fn reading_can_stop_early_without_waiting_for_the_whole_sheet() {
    let bytes = workbook(|workbook| {
        let sheet = workbook.add_worksheet();
        sheet.write_row(0, 0, HEADER)?;
        for row in 1..5_000 {
            sheet.write_row(row, 0, ["11010519491231002X", "张三", "2026-11-29"])?;
        }
        Ok(())
    });
    let mut reader = open(&bytes).unwrap();
    assert_eq!(reader.next_row().unwrap().unwrap().number(), 2);
    // Dropping the reader mid-sheet ends the worker thread at its next row.
    drop(reader);
}
