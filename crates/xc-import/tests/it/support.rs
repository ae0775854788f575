//! Shared fixtures: the outcome-like schema, file builders (GBK, UTF-16, XLSX) and `check`, which
//! reads a file the way the credit bank's first pass will and compares a plain-text rendering of
//! every row and problem with the expected text.

use std::fmt::Write;
use std::io::Cursor;

use xc_import::{Column, ImportError, Limits, Schema, SourceFormat, TableReader};

pub(crate) const COLUMNS: [Column; 6] = [
    Column::required(
        "national_id",
        &["身份证号", "身份证号码", "公民身份号码", "ID number"],
    ),
    Column::required("name", &["姓名", "name"]),
    Column::required("completed_on", &["完成日期", "completion date"]),
    Column::optional("hours", &["学时", "hours"]),
    Column::optional("credits", &["学分", "credits"]),
    Column::optional("passed", &["是否通过", "passed"]),
];

pub(crate) const HEADER: &str = "身份证号,姓名,完成日期,学时,学分,是否通过";

pub(crate) fn schema() -> Schema {
    Schema::new(COLUMNS).unwrap()
}

pub(crate) fn open(bytes: &[u8]) -> Result<TableReader, ImportError> {
    open_with(bytes, &schema(), Limits::default())
}

pub(crate) fn open_with(
    bytes: &[u8],
    schema: &Schema,
    limits: Limits,
) -> Result<TableReader, ImportError> {
    TableReader::from_reader(Cursor::new(bytes.to_vec()), schema, limits)
}

/// Reads `bytes` with the test schema and renders the outcome as text.
pub(crate) fn render(bytes: &[u8]) -> String {
    render_with(bytes, &schema(), Limits::default())
}

pub(crate) fn render_with(bytes: &[u8], schema: &Schema, limits: Limits) -> String {
    let mut out = String::new();
    let mut reader = match open_with(bytes, schema, limits) {
        Ok(reader) => reader,
        Err(error) => {
            writeln!(out, "error: {error}").unwrap();
            writeln!(out, "错误：{}", error.message_zh()).unwrap();
            return out;
        }
    };
    let initial = reader.format();
    match &initial {
        SourceFormat::Csv {
            encoding,
            delimiter,
        } => writeln!(out, "csv {encoding} {delimiter:?}").unwrap(),
        SourceFormat::Xlsx { sheet } => writeln!(out, "xlsx {sheet}").unwrap(),
    }
    for warning in reader.warnings() {
        writeln!(out, "warning: {warning}").unwrap();
    }
    loop {
        let row = match reader.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(error) => {
                writeln!(out, "error: {error}").unwrap();
                break;
            }
        };
        let mut values = Vec::new();
        let mut problems: Vec<String> = row.problems().iter().map(ToString::to_string).collect();
        let mut push = |key: &str, value: Result<Option<String>, xc_import::RowProblem>| match value
        {
            Ok(Some(value)) => values.push(format!("{key}={value}")),
            Ok(None) => {}
            Err(problem) => problems.push(problem.to_string()),
        };
        push(
            "national_id",
            row.cell("national_id").text().map(|v| v.map(String::from)),
        );
        push("name", row.cell("name").text().map(|v| v.map(String::from)));
        push(
            "completed_on",
            row.cell("completed_on")
                .date()
                .map(|v| v.map(|d| d.to_string())),
        );
        push(
            "hours",
            row.cell("hours")
                .integer()
                .map(|v| v.map(|n| n.to_string())),
        );
        push("credits", row.cell("credits").decimal());
        push(
            "passed",
            row.cell("passed")
                .boolean()
                .map(|v| v.map(|b| b.to_string())),
        );
        writeln!(out, "row {}: {}", row.number(), values.join(" ")).unwrap();
        for problem in problems {
            writeln!(out, "  ! {problem}").unwrap();
        }
    }
    if reader.format() != initial {
        writeln!(out, "format at the end: {:?}", reader.format()).unwrap();
    }
    out
}

/// Compares the rendering of `bytes` with `expected`, ignoring indentation of `expected`.
#[track_caller]
pub(crate) fn check(bytes: impl AsRef<[u8]>, expected: &str) {
    check_with(bytes, &schema(), Limits::default(), expected);
}

#[track_caller]
pub(crate) fn check_with(bytes: impl AsRef<[u8]>, schema: &Schema, limits: Limits, expected: &str) {
    let actual = render_with(bytes.as_ref(), schema, limits);
    let expected: String = expected
        .trim()
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with('!') {
                format!("  {trimmed}\n")
            } else {
                format!("{trimmed}\n")
            }
        })
        .collect();
    assert_eq!(
        actual, expected,
        "\n--- actual ---\n{actual}--- expected ---\n{expected}"
    );
}

pub(crate) fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

pub(crate) fn utf16le_with_bom(text: &str) -> Vec<u8> {
    [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

/// A valid national ID number for a sequence number (region 110105, born 1980-01-01).
pub(crate) fn national_id(sequence: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("11010519800101{:03}", sequence % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// The ten columns of the large generated batches (memory and timing tests).
pub(crate) const TEN_COLUMNS: [Column; 10] = [
    Column::required("national_id", &["身份证号"]),
    Column::required("name", &["姓名"]),
    Column::required("completed_on", &["完成日期"]),
    Column::optional("hours", &["学时"]),
    Column::optional("credits", &["学分"]),
    Column::optional("passed", &["是否通过"]),
    Column::optional("provider", &["机构代码"]),
    Column::optional("course", &["课程名称"]),
    Column::optional("external_id", &["外部编号"]),
    Column::optional("note", &["备注"]),
];

/// Writes a CSV of `rows` ten-column rows (about 100 bytes each) straight to `path`, without
/// holding it in memory; returns its size in bytes.
pub(crate) fn write_large_csv(path: &std::path::Path, rows: u64) -> u64 {
    use std::io::Write as _;
    const NAMES: [&str; 4] = ["张三", "李四", "王小五", "欧阳娜娜"];
    const COURSES: [&str; 3] = ["书法入门（初级）", "智能手机应用", "老年大学合唱"];
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(
        "身份证号,姓名,完成日期,学时,学分,是否通过,机构代码,课程名称,外部编号,备注\n".as_bytes(),
    )
    .unwrap();
    let ids: Vec<String> = (0..1000).map(national_id).collect();
    for row in 0..rows {
        let index = row as usize;
        writeln!(
            out,
            "{},{},2026-{:02}-{:02},{},{}.5,{},P{:05},{},EXT-{:010},{}",
            ids[index % 1000],
            NAMES[index % 4],
            index % 12 + 1,
            index % 28 + 1,
            16 + index % 32,
            index % 4,
            if index.is_multiple_of(3) {
                "否"
            } else {
                "是"
            },
            index % 500,
            COURSES[index % 3],
            row,
            if index.is_multiple_of(10) {
                "补录"
            } else {
                ""
            },
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}
