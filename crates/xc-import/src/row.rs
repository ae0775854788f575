//! One data row of an upload, with its cells normalised and keyed by schema column, and the
//! typed getters that turn a cell into a value or into a [`RowProblem`] naming the row, the
//! column as the user wrote it, the value and the reason in Chinese and English.

use std::fmt;
use std::sync::Arc;

use time::Date;

use crate::normalise::{check_formula_injection, normalise_into};
use crate::parse::{self, CellInvalid};
use crate::schema::Layout;

/// Values shown in a problem are cut to this many characters.
const MAX_VALUE_CHARS: usize = 50;

/// A problem with one row or one cell. `row` is the row number as a spreadsheet shows it (the
/// header is usually row 1); `column` is the header as the user wrote it, empty when the
/// problem concerns the whole row; `value` is the cell's text, cut to 50 characters. The value
/// may be personal data (an ID number): show it to the uploader, never log it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason_zh: String,
    pub reason_en: String,
}

impl RowProblem {
    /// A problem with a cell, its value cut for display.
    pub fn new(row: u64, column: impl Into<String>, value: &str, invalid: CellInvalid) -> Self {
        Self {
            row,
            column: column.into(),
            value: truncate_value(value),
            reason_zh: invalid.reason_zh,
            reason_en: invalid.reason_en,
        }
    }

    /// The whole message in Chinese: "第 5 行“身份证号”列（值“…”）：原因".
    pub fn message_zh(&self) -> String {
        let mut message = format!("第 {} 行", self.row);
        if !self.column.is_empty() {
            message.push_str(&format!("“{}”列", self.column));
        }
        if !self.value.is_empty() {
            message.push_str(&format!("（值“{}”）", self.value));
        }
        message.push('：');
        message.push_str(&self.reason_zh);
        message
    }
}

/// The whole message in English: `row 5, column "身份证号" (value "…"): reason`.
impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if !self.column.is_empty() {
            write!(f, ", column \"{}\"", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, " (value \"{}\")", self.value)?;
        }
        write!(f, ": {}", self.reason_en)
    }
}

fn truncate_value(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

#[derive(Clone)]
enum Slot {
    Empty,
    Text {
        start: u32,
        end: u32,
    },
    Refused {
        start: u32,
        end: u32,
        reason: Box<CellInvalid>,
    },
}

/// A data row. Cells are reached by schema key through [`Row::cell`]; a cell that the reader
/// refused (a formula, bytes that are not text) answers every getter with its problem.
/// `Debug` shows only the row number, as the cells may be personal data.
#[derive(Clone)]
pub struct Row {
    number: u64,
    layout: Arc<Layout>,
    /// The normalised text of every cell, one after the other; slots point into it.
    text: String,
    slots: Vec<Slot>,
    problems: Vec<RowProblem>,
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Row")
            .field("number", &self.number)
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

impl Row {
    pub(crate) fn new(number: u64, layout: Arc<Layout>) -> Self {
        let slots = vec![Slot::Empty; layout.columns.len()];
        Self {
            number,
            layout,
            text: String::with_capacity(128),
            slots,
            problems: Vec::new(),
        }
    }

    /// Normalises `raw` into the cell of schema column `index`, refusing formula-like text.
    pub(crate) fn set_text(&mut self, index: usize, raw: &str) {
        let start = self.text.len();
        if !normalise_into(raw, &mut self.text) {
            return;
        }
        let end = self.text.len();
        self.slots[index] = match check_formula_injection(&self.text[start..]) {
            Ok(()) => Slot::Text {
                start: start as u32,
                end: end as u32,
            },
            Err(reason) => Slot::Refused {
                start: start as u32,
                end: end as u32,
                reason: Box::new(reason),
            },
        };
    }

    /// Marks the cell of schema column `index` as refused, keeping `raw` for the report.
    pub(crate) fn set_refused(&mut self, index: usize, raw: &str, reason: CellInvalid) {
        let start = self.text.len() as u32;
        self.text.push_str(raw);
        self.slots[index] = Slot::Refused {
            start,
            end: self.text.len() as u32,
            reason: Box::new(reason),
        };
    }

    pub(crate) fn push_problem(&mut self, problem: RowProblem) {
        self.problems.push(problem);
    }

    /// Whether no schema column has a value (such rows are skipped by the reader).
    pub(crate) fn is_blank(&self) -> bool {
        self.problems.is_empty() && self.slots.iter().all(|slot| matches!(slot, Slot::Empty))
    }

    /// The row number as a spreadsheet shows it.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Problems with the row as a whole, found while reading it (too few or too many cells).
    /// Problems with single cells come from the getters, so that each is reported once.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// The cell of a schema column.
    ///
    /// # Panics
    /// When `key` is not a key of the schema the reader was opened with: that is a bug in the
    /// calling code, not a problem with the file.
    pub fn cell(&self, key: &str) -> Cell<'_> {
        let index = self
            .layout
            .index_of(key)
            .unwrap_or_else(|| panic!("'{key}' is not a column of the schema"));
        Cell { row: self, index }
    }

    /// Shorthand for `row.cell(key).text()`.
    pub fn get(&self, key: &str) -> Result<Option<&str>, RowProblem> {
        self.cell(key).text()
    }

    /// A problem about this row as a whole (e.g. "this learner is not registered"), for the
    /// report.
    pub fn problem(&self, invalid: CellInvalid) -> RowProblem {
        RowProblem::new(self.number, "", "", invalid)
    }
}

/// One cell of a [`Row`]. Getters return `Ok(None)` for an empty cell (or a column the file
/// does not have), `Err` with a complete [`RowProblem`] when the value is not acceptable.
#[derive(Clone, Copy)]
pub struct Cell<'r> {
    row: &'r Row,
    index: usize,
}

impl fmt::Debug for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cell")
            .field("row", &self.row.number)
            .field("key", &self.key())
            .finish_non_exhaustive()
    }
}

impl<'r> Cell<'r> {
    pub fn key(&self) -> &'static str {
        self.row.layout.columns[self.index].key
    }

    /// The header as the user wrote it (the column's display name if the file lacks it).
    pub fn column(&self) -> &'r str {
        &self.row.layout.columns[self.index].header
    }

    /// Whether the file has this column at all.
    pub fn is_in_file(&self) -> bool {
        self.row.layout.columns[self.index].source.is_some()
    }

    /// The normalised text, or the problem that made the reader refuse it.
    pub fn text(&self) -> Result<Option<&'r str>, RowProblem> {
        match &self.row.slots[self.index] {
            Slot::Empty => Ok(None),
            Slot::Text { start, end } => Ok(Some(&self.row.text[*start as usize..*end as usize])),
            Slot::Refused { start, end, reason } => Err(RowProblem::new(
                self.row.number,
                self.column(),
                &self.row.text[*start as usize..*end as usize],
                (**reason).clone(),
            )),
        }
    }

    /// Parses the text with any parser whose error converts into a [`CellInvalid`] (the domain
    /// constructors' `Invalid` does).
    pub fn parse<T, E: Into<CellInvalid>>(
        &self,
        parser: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, RowProblem> {
        match self.text()? {
            None => Ok(None),
            Some(text) => parser(text)
                .map(Some)
                .map_err(|error| self.problem_with(text, error.into())),
        }
    }

    /// See [`parse::parse_date`] for the accepted forms.
    pub fn date(&self) -> Result<Option<Date>, RowProblem> {
        self.parse(parse::parse_date)
    }

    /// See [`parse::parse_integer`].
    pub fn integer(&self) -> Result<Option<i64>, RowProblem> {
        self.parse(parse::parse_integer)
    }

    /// The number in plain text form; see [`parse::parse_decimal`].
    pub fn decimal(&self) -> Result<Option<String>, RowProblem> {
        self.parse(parse::parse_decimal)
    }

    /// See [`parse::parse_boolean`].
    pub fn boolean(&self) -> Result<Option<bool>, RowProblem> {
        self.parse(parse::parse_boolean)
    }

    /// The same getters, with an empty cell reported as a problem.
    pub fn required(self) -> RequiredCell<'r> {
        RequiredCell { cell: self }
    }

    /// A problem with this cell for a reason found by the caller (e.g. "unknown learner"),
    /// carrying the row, the column and the cell's text.
    pub fn problem(&self, invalid: CellInvalid) -> RowProblem {
        let value = self.text().ok().flatten().unwrap_or_default();
        self.problem_with(value, invalid)
    }

    fn problem_with(&self, value: &str, invalid: CellInvalid) -> RowProblem {
        RowProblem::new(self.row.number, self.column(), value, invalid)
    }

    fn missing(&self) -> RowProblem {
        let invalid = if self.is_in_file() {
            CellInvalid::new("此项必填，不能为空", "a value is required here")
        } else {
            CellInvalid::new(
                "此项必填，但文件中没有这一列",
                "a value is required but the file has no such column",
            )
        };
        self.problem_with("", invalid)
    }
}

/// A cell that must hold a value: the getters of [`Cell`] without the `Option`.
#[derive(Debug, Clone, Copy)]
pub struct RequiredCell<'r> {
    cell: Cell<'r>,
}

impl<'r> RequiredCell<'r> {
    fn present<T>(&self, value: Result<Option<T>, RowProblem>) -> Result<T, RowProblem> {
        value?.ok_or_else(|| self.cell.missing())
    }

    pub fn text(&self) -> Result<&'r str, RowProblem> {
        self.present(self.cell.text())
    }

    pub fn parse<T, E: Into<CellInvalid>>(
        &self,
        parser: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, RowProblem> {
        self.present(self.cell.parse(parser))
    }

    pub fn date(&self) -> Result<Date, RowProblem> {
        self.present(self.cell.date())
    }

    pub fn integer(&self) -> Result<i64, RowProblem> {
        self.present(self.cell.integer())
    }

    pub fn decimal(&self) -> Result<String, RowProblem> {
        self.present(self.cell.decimal())
    }

    pub fn boolean(&self) -> Result<bool, RowProblem> {
        self.present(self.cell.boolean())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use xc_domain::NationalId;

    use super::*;
    use crate::schema::{Column, Schema};

    fn row(cells: &[(&str, &str)]) -> Row {
        let schema = Schema::new([
            Column::required("national_id", &["身份证号"]),
            Column::optional("completed_on", &["完成日期"]),
            Column::optional("hours", &["学时"]),
            Column::optional("absent", &["缺失列"]),
        ])
        .unwrap();
        let headers = ["身份证号", "完成日期", "学时"].map(String::from);
        let (layout, _) = schema.map_header(&headers);
        let mut row = Row::new(7, Arc::new(layout));
        for (key, raw) in cells {
            let index = row.layout.index_of(key).unwrap();
            row.set_text(index, raw);
        }
        row
    }

    #[test]
    fn getters_return_values_or_problems_with_row_and_column() {
        let row = row(&[
            ("national_id", " 11010519491231002X "),
            ("completed_on", "2026年11月29日"),
        ]);
        assert_eq!(row.get("national_id"), Ok(Some("11010519491231002X")));
        assert_eq!(
            row.cell("completed_on").date(),
            Ok(Some(date!(2026 - 11 - 29)))
        );
        assert_eq!(row.cell("hours").integer(), Ok(None));
        let missing = row.cell("hours").required().integer().unwrap_err();
        assert_eq!(
            missing.to_string(),
            "row 7, column \"学时\": a value is required here"
        );
        assert_eq!(missing.message_zh(), "第 7 行“学时”列：此项必填，不能为空");
        let absent = row.cell("absent").required().text().unwrap_err();
        assert_eq!(absent.column, "缺失列");
        assert!(absent.reason_en.contains("no such column"));
        let id = row.cell("national_id").required().parse(NationalId::parse);
        assert!(id.is_ok());
    }

    #[test]
    fn a_bad_value_is_reported_with_its_text() {
        let row = row(&[("completed_on", "29/11/2026"), ("national_id", "123")]);
        let problem = row.cell("completed_on").date().unwrap_err();
        assert_eq!(problem.row, 7);
        assert_eq!(problem.column, "完成日期");
        assert_eq!(problem.value, "29/11/2026");
        assert!(problem.reason_zh.contains("年份写在前面"));
        let id = row
            .cell("national_id")
            .parse(NationalId::parse)
            .unwrap_err();
        assert_eq!(
            id.to_string(),
            "row 7, column \"身份证号\" (value \"123\"): an ID number has 18 characters, this one \
             has 3"
        );
    }

    #[test]
    fn refused_cells_answer_every_getter_with_their_problem() {
        let row = row(&[("hours", "=HYPERLINK(\"http://x\")")]);
        for problem in [
            row.cell("hours").text().unwrap_err(),
            row.cell("hours").integer().unwrap_err(),
            row.cell("hours").required().decimal().unwrap_err(),
        ] {
            assert_eq!(problem.value, "=HYPERLINK(\"http://x\")");
            assert!(problem.reason_en.contains("formula"));
        }
    }

    #[test]
    fn long_values_are_cut() {
        let long = "长".repeat(80);
        let problem = RowProblem::new(2, "备注", &long, CellInvalid::new("太长", "too long"));
        assert_eq!(problem.value.chars().count(), 51);
        assert!(problem.value.ends_with('…'));
    }

    #[test]
    #[should_panic(expected = "'nope' is not a column of the schema")]
    fn an_unknown_key_is_a_bug() {
        let _ = row(&[]).cell("nope");
    }

    #[test]
    fn debug_does_not_show_cells() {
        let row = row(&[("national_id", "11010519491231002X")]);
        assert!(!format!("{row:?}").contains("1101"));
    }
}
