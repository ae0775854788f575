//! What can go wrong with a file as a whole (it cannot be read, is too big, is in an unknown
//! encoding, or its header does not fit the schema), in English (`Display`) and Chinese
//! ([`ImportError::message_zh`]). Problems with single rows are [`crate::RowProblem`]s instead:
//! they do not stop the reading.

use std::fmt;
use std::io;

use crate::schema::column_letter;

/// A problem that stops the reading of a file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read at all (missing, no permission, broken pipe).
    #[error("could not read the file: {0}")]
    Io(#[from] io::Error),
    /// The file is larger than [`crate::Limits::max_bytes`]. Raised before reading when the
    /// size is known, otherwise as soon as the limit is passed.
    #[error(
        "the file is larger than the limit of {}: split it into smaller files",
        describe_bytes(*limit)
    )]
    TooBig { limit: u64 },
    /// An XLSX workbook that would unpack to more than [`crate::Limits::max_unpacked_bytes`]
    /// (a "zip bomb", or simply a workbook far too large to check).
    #[error(
        "the workbook unpacks to {} which is more than the limit of {}: split it into smaller files",
        describe_bytes(*unpacked),
        describe_bytes(*limit)
    )]
    WorkbookTooBig { unpacked: u64, limit: u64 },
    /// More data rows than [`crate::Limits::max_rows`]; `row` is the spreadsheet row where the
    /// limit was passed.
    #[error(
        "the file has more than {limit} data rows (row {row} is over the limit): split it into smaller files"
    )]
    TooManyRows { limit: u64, row: u64 },
    /// Nothing but blank lines or blank cells.
    #[error("the file is empty: it needs a header row and at least one data row")]
    Empty,
    /// A header and nothing under it.
    #[error("the file has a header (row {header_row}) but no data rows")]
    NoRows { header_row: u64 },
    /// Text that is neither UTF-8, UTF-16 with a byte-order mark, nor GBK/GB18030.
    #[error(
        "the file is neither UTF-8 nor GBK/GB18030 text (unreadable from line {line}): save it as \"CSV UTF-8\" or as XLSX"
    )]
    UnknownEncoding { line: u64 },
    /// The header row does not fit the schema; every problem is listed, not only the first.
    #[error("{}", describe_header_problems(problems))]
    Header { problems: Vec<HeaderProblem> },
    /// The CSV structure itself is broken (e.g. a quote that is never closed) at a row.
    #[error("the CSV file is malformed at row {row}: {reason}")]
    MalformedCsv { row: u64, reason: String },
    /// The workbook cannot be opened (damaged, password-protected, not a worksheet).
    #[error("the workbook cannot be read: {reason}")]
    Workbook { reason: String },
}

impl ImportError {
    /// The same message in Chinese, for the person who uploaded the file.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Io(error) => format!("无法读取文件：{error}"),
            Self::TooBig { limit } => {
                format!(
                    "文件超过 {} 的上限，请拆分成较小的文件",
                    describe_bytes(*limit)
                )
            }
            Self::WorkbookTooBig { unpacked, limit } => format!(
                "工作簿解压后为 {}，超过 {} 的上限，请拆分成较小的文件",
                describe_bytes(*unpacked),
                describe_bytes(*limit)
            ),
            Self::TooManyRows { limit, row } => {
                format!("文件的数据行超过 {limit} 行（第 {row} 行已超出上限），请拆分成较小的文件")
            }
            Self::Empty => "文件是空的：需要一行表头和至少一行数据".to_string(),
            Self::NoRows { header_row } => {
                format!("文件只有表头（第 {header_row} 行），没有数据行")
            }
            Self::UnknownEncoding { line } => format!(
                "文件既不是 UTF-8 也不是 GBK/GB18030 编码（从第 {line} 行起无法识别），请另存为“CSV UTF-8”或 XLSX"
            ),
            Self::Header { problems } => problems
                .iter()
                .map(HeaderProblem::message_zh)
                .collect::<Vec<_>>()
                .join("；"),
            Self::MalformedCsv { row, reason } => {
                format!("CSV 文件第 {row} 行格式错误：{reason}")
            }
            Self::Workbook { reason } => format!("无法读取工作簿：{reason}"),
        }
    }

    /// The message in both languages as a [`FileProblem`], for a report.
    pub fn to_file_problem(&self) -> FileProblem {
        FileProblem {
            reason_zh: self.message_zh(),
            reason_en: self.to_string(),
        }
    }
}

/// A problem with the header row. Missing, duplicated and (for a strict schema) unexpected
/// columns stop the reading; unknown columns of a schema that is not strict are warnings
/// ([`crate::TableReader::warnings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// A required column is not in the header under any of its names.
    Missing {
        key: &'static str,
        /// The names the column may have, as declared in the schema.
        names: Vec<&'static str>,
    },
    /// Two or more columns of the file name the same schema column (e.g. both "身份证号" and
    /// "身份证号码"): which one holds the value is ambiguous.
    Duplicated {
        key: &'static str,
        /// Each column as `(index from 0, header as written)`.
        columns: Vec<(usize, String)>,
    },
    /// A column the schema does not know; its values are ignored.
    Unknown { column: usize, header: String },
    /// A column a strict schema does not know: the file is refused.
    NotAllowed { column: usize, header: String },
}

impl HeaderProblem {
    /// Whether this problem stops the reading.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, Self::Unknown { .. })
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Missing { names, .. } => format!(
                "缺少必需的列“{}”（表头可以写作：{}）",
                names.first().copied().unwrap_or_default(),
                names.join("、")
            ),
            Self::Duplicated { columns, .. } => format!(
                "{}指的是同一列，只能保留一列",
                columns
                    .iter()
                    .map(|(index, header)| format!("{}列“{header}”", column_letter(*index)))
                    .collect::<Vec<_>>()
                    .join("和")
            ),
            Self::Unknown { column, header } if header.is_empty() => {
                format!("{}列没有表头，该列的数据将被忽略", column_letter(*column))
            }
            Self::Unknown { column, header } => {
                format!(
                    "{}列“{header}”不是可识别的列，该列的数据将被忽略",
                    column_letter(*column)
                )
            }
            Self::NotAllowed { column, header } if header.is_empty() => format!(
                "{}列没有表头：请删除该列，或填上规定的表头",
                column_letter(*column)
            ),
            Self::NotAllowed { column, header } => format!(
                "{}列“{header}”不是规定的列：请删除该列，或改成规定的表头",
                column_letter(*column)
            ),
        }
    }

    /// The message in both languages as a [`FileProblem`], for a report.
    pub fn to_file_problem(&self) -> FileProblem {
        FileProblem {
            reason_zh: self.message_zh(),
            reason_en: self.to_string(),
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { names, .. } => write!(
                f,
                "the required column \"{}\" is missing (its header may be written as: {})",
                names.first().copied().unwrap_or_default(),
                names.join(", ")
            ),
            Self::Duplicated { columns, .. } => write!(
                f,
                "{} name the same column: keep only one of them",
                columns
                    .iter()
                    .map(|(index, header)| format!("column {} \"{header}\"", column_letter(*index)))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            Self::Unknown { column, header } if header.is_empty() => write!(
                f,
                "column {} has no header: its values are ignored",
                column_letter(*column)
            ),
            Self::Unknown { column, header } => write!(
                f,
                "column {} \"{header}\" is not a known column: its values are ignored",
                column_letter(*column)
            ),
            Self::NotAllowed { column, header } if header.is_empty() => write!(
                f,
                "column {} has no header: delete the column or give it one of the expected headers",
                column_letter(*column)
            ),
            Self::NotAllowed { column, header } => write!(
                f,
                "column {} \"{header}\" is not an expected column: delete it or rename it to one \
                 of the expected headers",
                column_letter(*column)
            ),
        }
    }
}

/// A problem with the file as a whole, as it appears in a [`crate::Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub reason_zh: String,
    pub reason_en: String,
}

fn describe_header_problems(problems: &[HeaderProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_would_say_them() {
        assert_eq!(describe_bytes(100 * 1024 * 1024), "100 MB");
        assert_eq!(describe_bytes(1536 * 1024), "1.5 MB");
        assert_eq!(describe_bytes(512), "512 bytes");
    }

    #[test]
    fn header_problems_are_all_listed() {
        let error = ImportError::Header {
            problems: vec![
                HeaderProblem::Missing {
                    key: "national_id",
                    names: vec!["身份证号", "national_id"],
                },
                HeaderProblem::Duplicated {
                    key: "name",
                    columns: vec![(0, "姓名".into()), (3, "name".into())],
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "the required column \"身份证号\" is missing (its header may be written as: 身份证号, \
             national_id); column A \"姓名\" and column D \"name\" name the same column: keep only \
             one of them"
        );
        assert_eq!(
            error.message_zh(),
            "缺少必需的列“身份证号”（表头可以写作：身份证号、national_id）；A列“姓名”和D列“name”指的\
             是同一列，只能保留一列"
        );
    }
}
