//! The validation report of a batch, bounded in memory: the first problems are kept in full, the
//! rest only counted, so a million bad rows cost a few counters. And the duplicate finder on a
//! set of key columns, which remembers a 128-bit hash per key rather than the key itself.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::error::FileProblem;
use crate::parse::CellInvalid;
use crate::row::{Row, RowProblem};

/// How many row problems a report keeps in full unless told otherwise.
pub const DEFAULT_PROBLEM_CAP: usize = 1_000;

/// Problems found in one upload: file-level ones (warnings about the header, or the error that
/// stopped the reading) and the first `cap` row problems; beyond that only counts.
#[derive(Debug, Clone)]
pub struct Report {
    cap: usize,
    file_problems: Vec<FileProblem>,
    problems: Vec<RowProblem>,
    total: u64,
    rows_with_problems: u64,
    last_row_with_problem: Option<u64>,
}

impl Default for Report {
    fn default() -> Self {
        Self::new(DEFAULT_PROBLEM_CAP)
    }
}

impl Report {
    /// A report that keeps the first `cap` row problems.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            file_problems: Vec::new(),
            problems: Vec::new(),
            total: 0,
            rows_with_problems: 0,
            last_row_with_problem: None,
        }
    }

    pub fn push(&mut self, problem: RowProblem) {
        self.total += 1;
        // Rows arrive in order, so a change of row number is a new row with problems.
        if self.last_row_with_problem != Some(problem.row) {
            self.rows_with_problems += 1;
            self.last_row_with_problem = Some(problem.row);
        }
        if self.problems.len() < self.cap {
            self.problems.push(problem);
        }
    }

    /// Keeps the error of a getter, passing the value on: `report.check(row.cell("x").date())`.
    pub fn check<T>(&mut self, result: Result<T, RowProblem>) -> Option<T> {
        result.map_err(|problem| self.push(problem)).ok()
    }

    pub fn push_file_problem(&mut self, problem: FileProblem) {
        self.file_problems.push(problem);
    }

    /// Whether nothing at all was found.
    pub fn is_clean(&self) -> bool {
        self.total == 0 && self.file_problems.is_empty()
    }

    pub fn file_problems(&self) -> &[FileProblem] {
        &self.file_problems
    }

    /// The row problems kept in full, in the order found.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// All row problems found, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Row problems counted but not kept.
    pub fn omitted(&self) -> u64 {
        self.total - self.problems.len() as u64
    }

    pub fn rows_with_problems(&self) -> u64 {
        self.rows_with_problems
    }

    /// One line for the top of the report, in Chinese.
    pub fn summary_zh(&self) -> String {
        let mut summary = format!(
            "共发现 {} 个问题，涉及 {} 行",
            self.total, self.rows_with_problems
        );
        if self.omitted() > 0 {
            summary.push_str(&format!(
                "；只列出前 {} 个，其余 {} 个未列出",
                self.problems.len(),
                self.omitted()
            ));
        }
        summary
    }

    /// One line for the top of the report, in English.
    pub fn summary_en(&self) -> String {
        let mut summary = format!(
            "{} problems in {} rows",
            self.total, self.rows_with_problems
        );
        if self.omitted() > 0 {
            summary.push_str(&format!(
                "; the first {} are listed, {} more are not",
                self.problems.len(),
                self.omitted()
            ));
        }
        summary
    }
}

/// Finds rows that repeat the key of an earlier row (e.g. provider's external id, or national
/// id + course + date) and names the row of the first occurrence. Remembers 16 bytes of hash
/// and 8 of row number per distinct key (about 40 MB for a million rows with the table's
/// overhead); a false match would need a 128-bit collision.
#[derive(Debug, Clone)]
pub struct DuplicateRows {
    keys: Vec<&'static str>,
    seen: HashMap<u128, u64>,
}

impl DuplicateRows {
    /// Compares rows on the schema columns `keys`, together.
    pub fn new(keys: &[&'static str]) -> Self {
        Self {
            keys: keys.to_vec(),
            seen: HashMap::new(),
        }
    }

    /// A problem if this row's key, compared as normalised text, was seen before. Rows whose
    /// key has an empty or refused cell are not compared (that cell is reported by whoever
    /// reads it).
    pub fn check(&mut self, row: &Row) -> Option<RowProblem> {
        let mut parts = Vec::with_capacity(self.keys.len());
        for key in &self.keys {
            parts.push(row.cell(key).text().ok().flatten()?);
        }
        self.check_normalised(row, &parts)
    }

    /// Like [`DuplicateRows::check`], comparing the caller's normalised form of the key
    /// (e.g. the parsed date, so that 2026/11/29 repeats 2026-11-29), one part per key column.
    pub fn check_normalised<S: AsRef<str>>(
        &mut self,
        row: &Row,
        parts: &[S],
    ) -> Option<RowProblem> {
        let parts: Vec<&str> = parts.iter().map(AsRef::as_ref).collect();
        let first = self.check_key(row.number(), &parts)?;
        let columns: Vec<&str> = self.keys.iter().map(|key| row.cell(key).column()).collect();
        let written: Vec<&str> = self
            .keys
            .iter()
            .zip(&parts)
            .map(|(key, part)| row.cell(key).text().ok().flatten().unwrap_or(part))
            .collect();
        let invalid = CellInvalid::new(
            format!("与第 {first} 行重复（{}相同）", columns.join("、")),
            format!(
                "duplicates row {first} (same {})",
                columns
                    .iter()
                    .map(|column| format!("\"{column}\""))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        );
        Some(RowProblem::new(
            row.number(),
            columns.join(" + "),
            &written.join(" | "),
            invalid,
        ))
    }

    /// The row where `parts` was first seen, or `None` (and remembers it under `row`). For keys
    /// the caller has normalised itself (e.g. a parsed national ID).
    pub fn check_key(&mut self, row: u64, parts: &[&str]) -> Option<u64> {
        let hash = key_hash(parts);
        match self.seen.get(&hash) {
            Some(&first) => Some(first),
            None => {
                self.seen.insert(hash, row);
                None
            }
        }
    }

    /// How many distinct keys have been seen.
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }
}

fn key_hash(parts: &[&str]) -> u128 {
    // Two independent SipHash outputs: std's DefaultHasher is the same for the whole process,
    // which is all a report needs.
    let mut low = DefaultHasher::new();
    let mut high = DefaultHasher::new();
    0x5eed_u32.hash(&mut high);
    for part in parts {
        part.hash(&mut low);
        part.hash(&mut high);
    }
    (u128::from(high.finish()) << 64) | u128::from(low.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(row: u64) -> RowProblem {
        RowProblem::new(
            row,
            "学时",
            "x",
            CellInvalid::new("不是数字", "not a number"),
        )
    }

    #[test]
    fn a_report_keeps_the_first_problems_and_counts_the_rest() {
        let mut report = Report::new(3);
        assert!(report.is_clean());
        for row in [2, 2, 3, 5, 5, 5, 9] {
            report.push(problem(row));
        }
        assert_eq!(report.problems().len(), 3);
        assert_eq!(report.total(), 7);
        assert_eq!(report.omitted(), 4);
        assert_eq!(report.rows_with_problems(), 4);
        assert_eq!(
            report.summary_en(),
            "7 problems in 4 rows; the first 3 are listed, 4 more are not"
        );
        assert_eq!(
            report.summary_zh(),
            "共发现 7 个问题，涉及 4 行；只列出前 3 个，其余 4 个未列出"
        );
        assert!(!report.is_clean());
    }

    #[test]
    fn check_passes_values_and_keeps_errors() {
        let mut report = Report::default();
        assert_eq!(report.check::<i64>(Ok(5)), Some(5));
        assert_eq!(report.check::<i64>(Err(problem(4))), None);
        assert_eq!(report.total(), 1);
    }

    #[test]
    fn keys_are_compared_as_a_whole() {
        let mut duplicates = DuplicateRows::new(&["a", "b"]);
        assert_eq!(duplicates.check_key(2, &["x", "y"]), None);
        assert_eq!(duplicates.check_key(3, &["xy", ""]), None);
        assert_eq!(duplicates.check_key(4, &["x", "y"]), Some(2));
        assert_eq!(duplicates.check_key(5, &["x", "y"]), Some(2));
        assert_eq!(duplicates.distinct(), 2);
    }
}
