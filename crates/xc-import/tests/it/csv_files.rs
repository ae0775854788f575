//! CSV files as people produce them: UTF-8 with and without a byte-order mark, GBK from Excel on
//! a Chinese Windows, UTF-16 and tabs, full-width digits, the five date forms, formula injection,
//! ragged rows, blank lines, cells spanning lines, title rows, and files with nothing in them.

use xc_import::{ImportError, TextEncoding};

use crate::support::{HEADER, check, gbk, open, render, utf16le_with_bom};

const TWO_ROWS: &str = "身份证号,姓名,完成日期,学时,学分,是否通过\n\
                        11010519491231002X,张三,2026-11-29,32,2.5,是\n\
                        110105198001010016,李四,2026/11/30,16,1,否\n";

const TWO_ROWS_READ: &str = "
    row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29 hours=32 credits=2.5 passed=true
    row 3: national_id=110105198001010016 name=李四 completed_on=2026-11-30 hours=16 credits=1 passed=false
";

#[test]
fn utf8_without_bom() {
    check(TWO_ROWS, &format!("csv UTF-8 ','{TWO_ROWS_READ}"));
}

#[test]
fn utf8_with_bom() {
    let bytes = [&[0xEF, 0xBB, 0xBF][..], TWO_ROWS.as_bytes()].concat();
    check(bytes, &format!("csv UTF-8 (BOM) ','{TWO_ROWS_READ}"));
}

#[test]
fn gbk_as_excel_saves_it_on_chinese_windows() {
    check(
        gbk(&TWO_ROWS.replace('\n', "\r\n")),
        &format!("csv GBK/GB18030 ','{TWO_ROWS_READ}"),
    );
}

#[test]
fn utf16_with_bom_and_tabs() {
    let tabbed = TWO_ROWS.replace(',', "\t");
    check(
        utf16le_with_bom(&tabbed),
        &format!("csv UTF-16LE '\\t'{TWO_ROWS_READ}"),
    );
}

#[test]
fn utf8_with_tabs() {
    check(
        TWO_ROWS.replace(',', "\t"),
        &format!("csv UTF-8 '\\t'{TWO_ROWS_READ}"),
    );
}

#[test]
fn a_file_that_turns_to_gbk_after_an_ascii_start_is_read_as_gbk() {
    let mut text = String::from("national_id,name,completed_on\n");
    for _ in 0..3000 {
        text.push_str("110105198001010016,Li Si,2026-11-29\n");
    }
    let mut bytes = text.into_bytes();
    bytes.extend(gbk("11010519491231002X,张三,2026-11-29\n"));
    assert!(
        bytes.len() > 64 * 1024,
        "the GBK part must come after the sniffed head"
    );
    let rendered = render(&bytes);
    assert!(rendered.starts_with("csv UTF-8 ','\n"), "{rendered}");
    assert!(
        rendered.contains(
            "row 3002: national_id=11010519491231002X name=张三 completed_on=2026-11-29\n"
        ),
        "{}",
        &rendered[rendered.len() - 300..]
    );
    assert!(rendered.ends_with("format at the end: Csv { encoding: Gb18030, delimiter: ',' }\n"));
}

#[test]
fn gbk_bytes_in_a_utf8_file_are_refused_cell_by_cell() {
    let mut bytes = format!("{HEADER}\n11010519491231002X,张三,2026-11-29,,,\n").into_bytes();
    bytes.extend(b"110105198001010016,");
    bytes.extend(gbk("李四"));
    bytes.extend(b",2026-11-30,,,\n");
    check(
        bytes,
        r#"
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        row 3: national_id=110105198001010016 completed_on=2026-11-30
          ! row 3, column "姓名" (value "����"): the cell has bytes that are not UTF-8 text although the file is read as UTF-8: the file may mix two encodings, save it again as "CSV UTF-8"
        "#,
    );
}

#[test]
fn bytes_that_are_no_known_encoding_stop_the_reading() {
    check(
        b"\xFF\xFF\xFF\xFF,name\n",
        "
        error: the file is neither UTF-8 nor GBK/GB18030 text (unreadable from line 1): save it as \"CSV UTF-8\" or as XLSX
        错误：文件既不是 UTF-8 也不是 GBK/GB18030 编码（从第 1 行起无法识别），请另存为“CSV UTF-8”或 XLSX
        ",
    );
}

#[test]
fn full_width_digits_letters_and_punctuation() {
    check(
        format!(
            "{HEADER}\n１１０１０５１９４９１２３１００２Ｘ，,　张三　,２０２６－１１－２９,３２,２．５,ｙｅｓ\n"
        )
        .replace("，,", ","),
        "
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29 hours=32 credits=2.5 passed=true
        ",
    );
}

#[test]
fn dates_in_five_forms_and_a_spreadsheet_serial() {
    check(
        format!(
            "{HEADER}\n\
             11010519491231002X,甲,2026-11-29,,,\n\
             11010519491231002X,乙,2026/11/29,,,\n\
             11010519491231002X,丙,2026.11.29,,,\n\
             11010519491231002X,丁,20261129,,,\n\
             11010519491231002X,戊,2026年11月29日,,,\n\
             11010519491231002X,己,46355,,,\n\
             11010519491231002X,庚,29/11/2026,,,\n\
             11010519491231002X,辛,2026-02-30,,,\n"
        ),
        r#"
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=甲 completed_on=2026-11-29
        row 3: national_id=11010519491231002X name=乙 completed_on=2026-11-29
        row 4: national_id=11010519491231002X name=丙 completed_on=2026-11-29
        row 5: national_id=11010519491231002X name=丁 completed_on=2026-11-29
        row 6: national_id=11010519491231002X name=戊 completed_on=2026-11-29
        row 7: national_id=11010519491231002X name=己 completed_on=2026-11-29
        row 8: national_id=11010519491231002X name=庚
          ! row 8, column "完成日期" (value "29/11/2026"): write the year first, e.g. 2026-11-29: a day/month order is ambiguous
        row 9: national_id=11010519491231002X name=辛
          ! row 9, column "完成日期" (value "2026-02-30"): not a real calendar date: the month or the day is out of range
        "#,
    );
}

#[test]
fn csv_injection_is_refused() {
    check(
        format!(
            "{HEADER}\n\
             11010519491231002X,=cmd|' /C calc'!A0,2026-11-29,,,\n\
             11010519491231002X,@SUM(A1:A9),2026-11-29,-3,,\n\
             11010519491231002X,＝HYPERLINK(\"http://x\"),2026-11-29,+5,,\n"
        ),
        r#"
        csv UTF-8 ','
        row 2: national_id=11010519491231002X completed_on=2026-11-29
          ! row 2, column "姓名" (value "=cmd|' /C calc'!A0"): a value starting with = + - or @ would run as a formula in a spreadsheet, so it is refused: remove the leading sign or put an apostrophe before it
        row 3: national_id=11010519491231002X completed_on=2026-11-29 hours=-3
          ! row 3, column "姓名" (value "@SUM(A1:A9)"): a value starting with = + - or @ would run as a formula in a spreadsheet, so it is refused: remove the leading sign or put an apostrophe before it
        row 4: national_id=11010519491231002X completed_on=2026-11-29 hours=5
          ! row 4, column "姓名" (value "=HYPERLINK("http://x")"): a value starting with = + - or @ would run as a formula in a spreadsheet, so it is refused: remove the leading sign or put an apostrophe before it
        "#,
    );
}

#[test]
fn ragged_rows_are_reported_with_their_row_number() {
    check(
        format!(
            "{HEADER}\n\
             11010519491231002X,张三,2026-11-29,32,2,是\n\
             11010519491231002X,李四,2026-11-29\n\
             11010519491231002X,王五,2026-11-29,32,2,是,多余,,\n\
             11010519491231002X,赵六,2026-11-29,32,2,是,,\n"
        ),
        r#"
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29 hours=32 credits=2 passed=true
        row 3: national_id=11010519491231002X name=李四 completed_on=2026-11-29
          ! row 3: the row has 3 cells but the header has 6: a separator may be missing, or a value has a line break without quotes
        row 4: national_id=11010519491231002X name=王五 completed_on=2026-11-29 hours=32 credits=2 passed=true
          ! row 4 (value "多余"): the row has 9 cells but the header has 6 (extra values from column G): a value may contain a comma without quotes
        row 5: national_id=11010519491231002X name=赵六 completed_on=2026-11-29 hours=32 credits=2 passed=true
        "#,
    );
}

#[test]
fn row_numbers_follow_the_spreadsheet_across_blank_lines_and_cells_with_line_breaks() {
    check(
        format!(
            "{HEADER}\n\
             11010519491231002X,\"张\n三\",2026-11-29,,,\r\n\
             \r\n\
             ,,,,,\n\
             11010519491231002X,李四,2026-11-29,x,,"
        ),
        r#"
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张
        三 completed_on=2026-11-29
        row 5: national_id=11010519491231002X name=李四 completed_on=2026-11-29
          ! row 5, column "学时" (value "x"): not a whole number: write digits only
        "#,
    );
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    check(
        format!(
            "2026年学习成果批量导入模板,,,,,\n说明：带*的列必填\n{}\n11010519491231002X,张三,2026-11-29\n",
            "*身份证号,*姓名,*完成日期（yyyy-mm-dd）,学时,学分,是否通过"
        )
        .replace("2026-11-29\n", "2026-11-29,,,\n"),
        "
        csv UTF-8 ','
        row 4: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        ",
    );
}

#[test]
fn quoted_cells_keep_their_commas() {
    check(
        format!("{HEADER}\n11010519491231002X,\"张三, Jr.\",2026-11-29,\"1,024\",\"1,024.5\",\n"),
        "
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张三, Jr. completed_on=2026-11-29 hours=1024 credits=1024.5
        ",
    );
}

#[test]
fn an_unclosed_quote_is_reported_not_swallowed_silently() {
    let mut text = format!("{HEADER}\n11010519491231002X,\"张三,2026-11-29\n");
    for _ in 0..2000 {
        text.push_str("110105198001010016,李四,2026-11-29\n");
    }
    let rendered = render(text.as_bytes());
    assert!(
        rendered.starts_with("csv UTF-8 ','\nrow 2: national_id=11010519491231002X\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("a quote may be missing its closing quote"),
        "{rendered}"
    );
}

#[test]
fn empty_files() {
    for bytes in [&b""[..], b"\n\n", b"   \r\n", b",,,\n,,\n"] {
        let error = open(bytes).unwrap_err();
        assert!(matches!(error, ImportError::Empty), "{bytes:?}: {error}");
        assert_eq!(
            error.to_string(),
            "the file is empty: it needs a header row and at least one data row"
        );
        assert_eq!(error.message_zh(), "文件是空的：需要一行表头和至少一行数据");
    }
}

#[test]
fn a_header_without_rows() {
    check(
        format!("{HEADER}\n,,,,,\n"),
        "
        csv UTF-8 ','
        error: the file has a header (row 1) but no data rows
        ",
    );
    let mut reader = open(HEADER.as_bytes()).unwrap();
    let error = reader.next_row().unwrap_err();
    assert_eq!(error.message_zh(), "文件只有表头（第 1 行），没有数据行");
    assert!(
        reader.next_row().unwrap().is_none(),
        "an error ends the reading"
    );
}

#[test]
fn the_reader_is_an_iterator_and_hands_out_chunks() {
    let mut text = format!("{HEADER}\n");
    for _ in 0..25 {
        text.push_str("11010519491231002X,张三,2026-11-29\n");
    }
    let rows: Vec<_> = open(text.as_bytes())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 25);
    let mut reader = open(text.as_bytes()).unwrap();
    let sizes: Vec<usize> = std::iter::from_fn(|| {
        let chunk = reader.next_chunk(10).unwrap();
        (!chunk.is_empty()).then_some(chunk.len())
    })
    .collect();
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(reader.rows_read(), 25);
    assert_eq!(reader.header_row(), 1);
}

#[test]
fn the_detected_encoding_is_reported() {
    let reader = open(&gbk(TWO_ROWS)).unwrap();
    assert_eq!(
        reader.format(),
        xc_import::SourceFormat::Csv {
            encoding: TextEncoding::Gb18030,
            delimiter: ','
        }
    );
}
