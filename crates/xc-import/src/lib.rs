//! Reading tabular uploads (CSV and XLSX) row by row, for the credit bank's batch submission
//! and later imports: a declared [`Schema`] of columns with their Chinese and English header
//! names; a [`TableReader`] that detects the format and the text encoding, maps the header and
//! hands out normalised [`Row`]s one at a time with bounded memory; typed cell getters that
//! answer with a value or a [`RowProblem`] (row, column, value, reason in Chinese and English);
//! a bounded [`Report`] and a [`DuplicateRows`] finder. No database, no HTTP.
//!
//! A batch is meant to be read twice: a first pass validates every row and builds the report,
//! and only if it is acceptable a second pass over the same file stores the valid rows in
//! chunks. Neither pass holds the rows in memory. CSV is streamed through fixed buffers (memory
//! flat in the file size). XLSX is streamed row by row from a worker thread too, but calamine
//! keeps the workbook's shared-string table (every distinct text) in memory, and a workbook
//! given as a `Read` rather than a path is first read into memory: [`Limits`] bounds both
//! (file size, unpacked size, data rows), each with a clear error.
//!
//! Where the row numbers come from: the row a spreadsheet shows, counting blank lines and
//! counting a quoted cell with line breaks as one row; the header is the first row with text
//! (after at most five one-cell title rows).
//!
//! ```no_run
//! use xc_import::{Column, DuplicateRows, Limits, Report, Schema, TableReader};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let schema = Schema::new([
//!     Column::required("national_id", &["身份证号", "身份证号码", "公民身份号码", "ID number"]),
//!     Column::required("completed_on", &["完成日期", "completion date"]),
//!     Column::optional("hours", &["学时", "hours"]),
//! ])?;
//! // Pass 1: validate everything, keep the first 1,000 problems.
//! let mut report = Report::default();
//! let mut duplicates = DuplicateRows::new(&["national_id", "completed_on"]);
//! let mut reader = TableReader::open("upload.csv", &schema, Limits::default())?;
//! while let Some(row) = reader.next_row()? {
//!     for problem in row.problems() {
//!         report.push(problem.clone());
//!     }
//!     report.check(row.cell("national_id").required().text());
//!     report.check(row.cell("completed_on").required().date());
//!     report.check(row.cell("hours").integer());
//!     if let Some(problem) = duplicates.check(&row) {
//!         report.push(problem);
//!     }
//! }
//! // Pass 2, when the report is acceptable: open the file again and store in chunks.
//! let mut reader = TableReader::open("upload.csv", &schema, Limits::default())?;
//! loop {
//!     let chunk = reader.next_chunk(1_000)?;
//!     if chunk.is_empty() {
//!         break;
//!     }
//!     // … convert and insert in one transaction …
//! }
//! # Ok(())
//! # }
//! ```

mod csv_source;
pub mod error;
pub mod normalise;
pub mod parse;
mod reader;
pub mod report;
pub mod row;
pub mod schema;
mod xlsx_source;

pub use error::{FileProblem, HeaderProblem, ImportError};
pub use normalise::{check_formula_injection, normalise_cell};
pub use parse::{
    CellInvalid, date_from_excel_serial, parse_boolean, parse_date, parse_decimal, parse_integer,
};
pub use reader::{Limits, SourceFormat, TableReader, TextEncoding};
pub use report::{DEFAULT_PROBLEM_CAP, DuplicateRows, Report};
pub use row::{Cell, RequiredCell, Row, RowProblem};
pub use schema::{Column, MappedColumn, Schema, column_letter};
