//! The declared shape of an upload: which columns it has, under which Chinese and English header
//! names, and which must be present; and the matching of a file's header row against it.
//!
//! Headers are matched loosely, the way people actually write them: after trimming, full-width to
//! half-width, case-insensitively, ignoring spaces, `_` and `-`, a `*` marking a required column
//! and a trailing note in brackets ("出生日期（yyyy-mm-dd）", "学分(必填)").

use std::collections::HashMap;
use std::sync::Arc;

use xc_domain::Invalid;

use crate::error::HeaderProblem;
use crate::normalise::normalise_cell;

/// One column of a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name the program uses (`row.cell("national_id")`); also accepted as a header.
    pub key: &'static str,
    /// Whether the header must contain this column. Whether each cell must hold a value is the
    /// caller's choice ([`crate::Cell::required`]).
    pub required: bool,
    /// The header names people write, Chinese and English; the first is the one shown in
    /// messages, so put the usual Chinese name first.
    pub aliases: &'static [&'static str],
}

impl Column {
    /// A column the header must contain.
    pub const fn required(key: &'static str, aliases: &'static [&'static str]) -> Self {
        Self {
            key,
            required: true,
            aliases,
        }
    }

    /// A column the header may leave out.
    pub const fn optional(key: &'static str, aliases: &'static [&'static str]) -> Self {
        Self {
            key,
            required: false,
            aliases,
        }
    }

    /// The name shown to people: the first alias, or the key when there is none.
    pub fn display_name(&self) -> &'static str {
        self.aliases.first().copied().unwrap_or(self.key)
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names = self.aliases.to_vec();
        if !names.contains(&self.key) {
            names.push(self.key);
        }
        names
    }
}

/// The columns an upload may have. Unknown columns are warnings, or errors once
/// [`Schema::strict`].
#[derive(Debug, Clone)]
pub struct Schema {
    columns: Vec<Column>,
    strict: bool,
    by_header: HashMap<String, usize>,
}

impl Schema {
    /// Checks that keys are unique and that no header name is claimed by two columns.
    pub fn new(columns: impl Into<Vec<Column>>) -> Result<Self, Invalid> {
        let columns = columns.into();
        if columns.is_empty() {
            return Err(Invalid::new("schema", "a schema needs at least one column"));
        }
        let mut by_header: HashMap<String, usize> = HashMap::new();
        for (index, column) in columns.iter().enumerate() {
            if column.key.trim().is_empty() {
                return Err(Invalid::new("schema", "a column key cannot be empty"));
            }
            if columns[..index].iter().any(|other| other.key == column.key) {
                return Err(Invalid::new(
                    "schema",
                    format!("the key '{}' is declared twice", column.key),
                ));
            }
            for name in column.names() {
                let matched = header_match_key(name);
                if matched.is_empty() {
                    return Err(Invalid::new(
                        "schema",
                        format!("column '{}' has an empty header name", column.key),
                    ));
                }
                if let Some(&other) = by_header.get(&matched)
                    && other != index
                {
                    return Err(Invalid::new(
                        "schema",
                        format!(
                            "the header name '{name}' would match both '{}' and '{}'",
                            columns[other].key, column.key
                        ),
                    ));
                }
                by_header.insert(matched, index);
            }
        }
        Ok(Self {
            columns,
            strict: false,
            by_header,
        })
    }

    /// Refuses files with columns the schema does not know, instead of ignoring them.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    pub fn is_strict(&self) -> bool {
        self.strict
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The schema column a header names, if any.
    pub fn column_for_header(&self, header: &str) -> Option<&Column> {
        self.by_header
            .get(&header_match_key(header))
            .map(|&index| &self.columns[index])
    }

    /// Maps a header row onto the schema: which file column holds each schema column, plus the
    /// problems found (all of them). Trailing empty header cells are ignored silently.
    pub(crate) fn map_header(&self, headers: &[String]) -> (Layout, Vec<HeaderProblem>) {
        let mut sources: Vec<Vec<usize>> = vec![Vec::new(); self.columns.len()];
        let mut unknown = Vec::new();
        let width = headers
            .iter()
            .rposition(|header| !header.is_empty())
            .map_or(0, |last| last + 1);
        for (position, header) in headers.iter().take(width).enumerate() {
            match self.by_header.get(&header_match_key(header)) {
                Some(&index) if !header.is_empty() => sources[index].push(position),
                _ if self.strict => unknown.push(HeaderProblem::NotAllowed {
                    column: position,
                    header: header.clone(),
                }),
                _ => unknown.push(HeaderProblem::Unknown {
                    column: position,
                    header: header.clone(),
                }),
            }
        }
        let mut problems = Vec::new();
        for (column, found) in self.columns.iter().zip(&sources) {
            if found.is_empty() && column.required {
                problems.push(HeaderProblem::Missing {
                    key: column.key,
                    names: column.names(),
                });
            }
            if found.len() > 1 {
                problems.push(HeaderProblem::Duplicated {
                    key: column.key,
                    columns: found
                        .iter()
                        .map(|&position| (position, headers[position].clone()))
                        .collect(),
                });
            }
        }
        problems.extend(unknown);
        let layout = Layout {
            columns: self
                .columns
                .iter()
                .zip(&sources)
                .map(|(column, found)| LayoutColumn {
                    key: column.key,
                    header: found.first().map_or_else(
                        || column.display_name().to_string(),
                        |&p| headers[p].clone(),
                    ),
                    source: found.first().copied(),
                })
                .collect(),
            width: headers.len(),
        };
        (layout, problems)
    }
}

/// Where each schema column is in one particular file. Shared by every [`crate::Row`] read from
/// it.
#[derive(Debug)]
pub(crate) struct Layout {
    /// In schema order.
    pub(crate) columns: Vec<LayoutColumn>,
    /// The number of cells in the header row (trailing empty ones included, as they were read).
    pub(crate) width: usize,
}

#[derive(Debug)]
pub(crate) struct LayoutColumn {
    pub(crate) key: &'static str,
    /// The header as the user wrote it, or the column's display name when the file lacks it.
    pub(crate) header: String,
    /// The index of the file column holding it, if the file has it.
    pub(crate) source: Option<usize>,
}

impl Layout {
    pub(crate) fn index_of(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.key == key)
    }

    /// For each file column, the schema column it feeds (if any).
    pub(crate) fn targets(&self) -> Vec<Option<usize>> {
        let mut targets = vec![None; self.width];
        for (index, column) in self.columns.iter().enumerate() {
            if let Some(source) = column.source {
                targets[source] = Some(index);
            }
        }
        targets
    }
}

/// How a file's columns were matched, for showing to the user before import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedColumn {
    pub key: &'static str,
    /// The header as written in the file; `None` when the (optional) column is absent.
    pub header: Option<String>,
    /// The spreadsheet column letter ("A", "B", … "AA").
    pub letter: Option<String>,
}

pub(crate) fn mapped_columns(layout: &Arc<Layout>) -> Vec<MappedColumn> {
    layout
        .columns
        .iter()
        .map(|column| MappedColumn {
            key: column.key,
            header: column.source.map(|_| column.header.clone()),
            letter: column.source.map(column_letter),
        })
        .collect()
}

/// The form in which headers are compared: normalised like a cell, lower-case, without spaces,
/// `_`, `-`, required-markers and a trailing bracketed note.
pub(crate) fn header_match_key(header: &str) -> String {
    let normalised = normalise_cell(header).unwrap_or_default();
    let mut text: &str = normalised.trim_matches(|c: char| c == '*' || c.is_whitespace());
    // "出生日期(yyyy-mm-dd)", "学分（必填）", "备注[选填]": the note is not part of the name.
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('<', '>')] {
        if text.ends_with(close)
            && let Some(start) = text.rfind(open)
            && start > 0
        {
            text = text[..start].trim_matches(|c: char| c == '*' || c.is_whitespace());
        }
    }
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The spreadsheet letter of a 0-based column index: 0 → "A", 25 → "Z", 26 → "AA".
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let remainder = (n - 1) % 26;
        letters.push(b'A' + remainder as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIONAL_ID: Column = Column::required(
        "national_id",
        &["身份证号", "身份证号码", "公民身份号码", "ID number"],
    );
    const NAME: Column = Column::required("name", &["姓名", "Name"]);
    const NOTE: Column = Column::optional("note", &["备注", "Note"]);

    fn schema() -> Schema {
        Schema::new([NATIONAL_ID, NAME, NOTE]).unwrap()
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn headers_match_loosely() {
        let schema = schema();
        for written in [
            "身份证号",
            " 身份证号码 ",
            "*公民身份号码",
            "身份证号（必填）",
            "身份证号(必填)*",
            "ＩＤ　Ｎｕｍｂｅｒ",
            "id number",
            "ID_NUMBER",
            "National ID",
            "national_id",
        ] {
            assert_eq!(
                schema.column_for_header(written).map(|c| c.key),
                Some("national_id"),
                "{written}"
            );
        }
        assert_eq!(schema.column_for_header("身份"), None);
        assert_eq!(schema.column_for_header(""), None);
    }

    #[test]
    fn a_schema_refuses_ambiguous_names() {
        let clash = Schema::new([
            Column::required("a", &["学分"]),
            Column::required("b", &["学 分"]),
        ])
        .unwrap_err();
        assert!(clash.reason.contains("would match both"), "{clash}");
        let twice = Schema::new([NAME, NAME]).unwrap_err();
        assert!(twice.reason.contains("declared twice"), "{twice}");
        assert!(Schema::new(Vec::new()).is_err());
    }

    #[test]
    fn every_missing_column_is_reported_at_once() {
        let (_, problems) = schema().map_header(&headers(&["备注", "Other"]));
        assert_eq!(
            problems,
            vec![
                HeaderProblem::Missing {
                    key: "national_id",
                    names: vec![
                        "身份证号",
                        "身份证号码",
                        "公民身份号码",
                        "ID number",
                        "national_id"
                    ],
                },
                HeaderProblem::Missing {
                    key: "name",
                    names: vec!["姓名", "Name", "name"],
                },
                HeaderProblem::Unknown {
                    column: 1,
                    header: "Other".into(),
                },
            ]
        );
    }

    #[test]
    fn two_columns_for_one_key_are_a_duplicate() {
        let (_, problems) =
            schema().map_header(&headers(&["身份证号", "姓名", "身份证号码", "", ""]));
        assert_eq!(
            problems,
            vec![HeaderProblem::Duplicated {
                key: "national_id",
                columns: vec![(0, "身份证号".into()), (2, "身份证号码".into())],
            }]
        );
    }

    #[test]
    fn an_empty_header_between_columns_is_reported() {
        let (layout, problems) = schema().map_header(&headers(&["姓名", "", "身份证号"]));
        assert_eq!(
            problems,
            vec![HeaderProblem::Unknown {
                column: 1,
                header: String::new(),
            }]
        );
        assert_eq!(layout.targets(), vec![Some(1), None, Some(0)]);
        assert_eq!(layout.columns[2].header, "备注");
        assert_eq!(layout.columns[2].source, None);
    }

    #[test]
    fn column_letters() {
        let letters: Vec<_> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letter)
            .collect();
        assert_eq!(
            letters,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
    }
}
