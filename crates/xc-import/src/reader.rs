//! [`TableReader`]: opens an upload, tells CSV from XLSX by its first bytes, maps the header onto
//! the schema and hands out data rows one at a time, enforcing [`Limits`].

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::csv_source::CsvSource;
use crate::error::{HeaderProblem, ImportError};
use crate::row::Row;
use crate::schema::{Layout, MappedColumn, Schema, mapped_columns};
use crate::xlsx_source::XlsxSource;

const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";
/// Compound File Binary: an old .xls workbook, or an encrypted (password-protected) .xlsx.
const CFB_MAGIC: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Rows above the header that may be skipped as titles or notes.
const MAX_TITLE_ROWS: usize = 5;

/// How much an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The size of the file as uploaded. Checked before reading when opening a path; while
    /// reading otherwise (the reading stops just past the limit).
    pub max_bytes: u64,
    /// Data rows (blank rows and the header not counted).
    pub max_rows: u64,
    /// XLSX only: what the workbook may unpack to, as its ZIP directory declares.
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    /// 100 MB, 1,000,000 rows, 1 GB unpacked.
    fn default() -> Self {
        Self {
            max_bytes: 100 * 1024 * 1024,
            max_rows: 1_000_000,
            max_unpacked_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// The character encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 with a byte-order mark, as Excel's "CSV UTF-8" writes it.
    Utf8WithBom,
    /// GB18030, which reads GBK and GB2312 too: what Excel on a Chinese Windows saves as "CSV".
    Gb18030,
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8WithBom => "UTF-8 (BOM)",
            Self::Gb18030 => "GBK/GB18030",
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of file is being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFormat {
    Csv {
        encoding: TextEncoding,
        delimiter: char,
    },
    Xlsx {
        sheet: String,
    },
}

enum Source {
    Csv(Box<CsvSource>),
    Xlsx(XlsxSource),
}

/// Reads the data rows of an upload one at a time.
///
/// The header is the first row with any text, after at most five title rows (a row with one
/// cell that names no column); blank rows are skipped; each [`Row`] carries the
/// row number a spreadsheet shows. Any error ends the reading (later calls return `None`).
/// Reading the same file twice (validate, then store) is meant: open it again.
pub struct TableReader {
    source: Source,
    layout: Arc<Layout>,
    targets: Vec<Option<usize>>,
    limits: Limits,
    warnings: Vec<HeaderProblem>,
    header_row: u64,
    data_rows: u64,
    blank_rows: u64,
    finished: bool,
}

impl fmt::Debug for TableReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableReader")
            .field("format", &self.format())
            .field("header_row", &self.header_row)
            .field("data_rows", &self.data_rows)
            .finish_non_exhaustive()
    }
}

impl TableReader {
    /// Opens a file, refusing it at once if it is larger than `limits.max_bytes`, and reads its
    /// header.
    pub fn open(
        path: impl AsRef<Path>,
        schema: &Schema,
        limits: Limits,
    ) -> Result<Self, ImportError> {
        let mut file = File::open(path)?;
        if file.metadata()?.len() > limits.max_bytes {
            return Err(ImportError::TooBig {
                limit: limits.max_bytes,
            });
        }
        let mut magic = [0u8; 8];
        let read = read_up_to(&mut file, &mut magic)?;
        file.seek(SeekFrom::Start(0))?;
        if magic[..read].starts_with(ZIP_MAGIC) {
            let source = XlsxSource::new(io::BufReader::new(file), limits)?;
            return Self::start(Source::Xlsx(source), schema, limits);
        }
        if magic[..read] == CFB_MAGIC[..] {
            return Err(old_or_protected_workbook());
        }
        let input = LimitedReader::new(file, limits.max_bytes);
        Self::start(
            Source::Csv(Box::new(CsvSource::new(Box::new(input))?)),
            schema,
            limits,
        )
    }

    /// Reads from any byte stream (an upload body, say). An XLSX workbook needs random access,
    /// so it is read into memory first (at most `limits.max_bytes`); CSV is streamed.
    pub fn from_reader<R>(reader: R, schema: &Schema, limits: Limits) -> Result<Self, ImportError>
    where
        R: Read + Send + 'static,
    {
        let mut input = LimitedReader::new(reader, limits.max_bytes);
        let mut magic = [0u8; 8];
        let read = read_up_to(&mut input, &mut magic).map_err(limit_error)?;
        let magic = &magic[..read];
        if magic.starts_with(ZIP_MAGIC) {
            let mut bytes = magic.to_vec();
            input.read_to_end(&mut bytes).map_err(limit_error)?;
            let source = XlsxSource::new(Cursor::new(bytes), limits)?;
            return Self::start(Source::Xlsx(source), schema, limits);
        }
        if magic == &CFB_MAGIC[..] {
            return Err(old_or_protected_workbook());
        }
        let input = Cursor::new(magic.to_vec()).chain(input);
        Self::start(
            Source::Csv(Box::new(CsvSource::new(Box::new(input))?)),
            schema,
            limits,
        )
    }

    fn start(mut source: Source, schema: &Schema, limits: Limits) -> Result<Self, ImportError> {
        let mut title_rows = 0;
        let (header_row, headers) = loop {
            let (number, cells) = match &mut source {
                Source::Csv(csv) => csv.read_header()?,
                Source::Xlsx(xlsx) => xlsx.read_header()?,
            };
            if title_rows < MAX_TITLE_ROWS && is_title_row(&cells, schema) {
                title_rows += 1;
                continue;
            }
            break (number, cells);
        };
        let (layout, problems) = schema.map_header(&headers);
        let (fatal, warnings): (Vec<_>, Vec<_>) =
            problems.into_iter().partition(HeaderProblem::is_fatal);
        if !fatal.is_empty() {
            return Err(ImportError::Header { problems: fatal });
        }
        Ok(Self {
            source,
            targets: layout.targets(),
            layout: Arc::new(layout),
            limits,
            warnings,
            header_row,
            data_rows: 0,
            blank_rows: 0,
            finished: false,
        })
    }

    /// The next data row, `None` at the end. A file with a header and no data row ends with
    /// [`ImportError::NoRows`].
    pub fn next_row(&mut self) -> Result<Option<Row>, ImportError> {
        if self.finished {
            return Ok(None);
        }
        let result = self.read_data_row();
        if !matches!(result, Ok(Some(_))) {
            self.finished = true;
        }
        result
    }

    fn read_data_row(&mut self) -> Result<Option<Row>, ImportError> {
        loop {
            let row = match &mut self.source {
                Source::Csv(csv) => csv.next_row(&self.layout, &self.targets)?,
                Source::Xlsx(xlsx) => xlsx.next_row(&self.layout, &self.targets)?,
            };
            let Some(row) = row else {
                if self.data_rows == 0 {
                    return Err(ImportError::NoRows {
                        header_row: self.header_row,
                    });
                }
                return Ok(None);
            };
            if row.is_blank() {
                self.blank_rows += 1;
                continue;
            }
            self.data_rows += 1;
            if self.data_rows > self.limits.max_rows {
                return Err(ImportError::TooManyRows {
                    limit: self.limits.max_rows,
                    row: row.number(),
                });
            }
            return Ok(Some(row));
        }
    }

    /// Up to `count` rows at once (fewer at the end), for storing in chunks.
    pub fn next_chunk(&mut self, count: usize) -> Result<Vec<Row>, ImportError> {
        let mut rows = Vec::with_capacity(count.min(4096));
        while rows.len() < count {
            match self.next_row()? {
                Some(row) => rows.push(row),
                None => break,
            }
        }
        Ok(rows)
    }

    /// CSV with its encoding and delimiter, or XLSX with its sheet. A CSV file that was plain
    /// ASCII at the start and GBK later reports GBK/GB18030 once that part has been read.
    pub fn format(&self) -> SourceFormat {
        match &self.source {
            Source::Csv(csv) => SourceFormat::Csv {
                encoding: csv.encoding(),
                delimiter: csv.delimiter(),
            },
            Source::Xlsx(xlsx) => SourceFormat::Xlsx {
                sheet: xlsx.sheet().to_string(),
            },
        }
    }

    /// Where each schema column was found.
    pub fn columns(&self) -> Vec<MappedColumn> {
        mapped_columns(&self.layout)
    }

    /// Header problems that did not stop the reading (unknown columns of a non-strict schema).
    pub fn warnings(&self) -> &[HeaderProblem] {
        &self.warnings
    }

    /// The spreadsheet row number of the header.
    pub fn header_row(&self) -> u64 {
        self.header_row
    }

    /// Data rows handed out so far.
    pub fn rows_read(&self) -> u64 {
        self.data_rows
    }

    /// Blank rows skipped so far.
    pub fn blank_rows(&self) -> u64 {
        self.blank_rows
    }
}

impl Iterator for TableReader {
    type Item = Result<Row, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// Templates often put a title ("2026年学习成果批量导入") or a note in the rows above the header:
/// a row with a single cell that names no column of the schema.
fn is_title_row(cells: &[String], schema: &Schema) -> bool {
    let mut filled = cells.iter().filter(|cell| !cell.trim().is_empty());
    match (filled.next(), filled.next()) {
        (Some(only), None) => schema.column_for_header(only).is_none(),
        _ => false,
    }
}

fn old_or_protected_workbook() -> ImportError {
    ImportError::Workbook {
        reason: "it is an old .xls workbook or a password-protected one: save it as .xlsx \
                 without a password, or as \"CSV UTF-8\""
            .into(),
    }
}

fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

pub(crate) fn limit_error(error: io::Error) -> ImportError {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
    {
        Some(exceeded) => ImportError::TooBig {
            limit: exceeded.limit,
        },
        None => ImportError::Io(error),
    }
}

/// The error a [`LimitedReader`] fails with, recognised where io errors become
/// [`ImportError`]s.
#[derive(Debug)]
pub(crate) struct LimitExceeded {
    pub(crate) limit: u64,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} bytes", self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

/// Fails once more than `limit` bytes have come through, so an oversized upload is refused
/// after reading just past the limit rather than all of it.
struct LimitedReader<R> {
    inner: R,
    limit: u64,
    read: u64,
}

impl<R: Read> LimitedReader<R> {
    fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            read: 0,
        }
    }
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.read += count as u64;
        if self.read > self.limit {
            return Err(io::Error::other(LimitExceeded { limit: self.limit }));
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_and_rows_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<TableReader>();
        assert_send::<Row>();
        assert_send::<ImportError>();
    }

    #[test]
    fn the_limit_is_enforced_just_past_it() {
        let mut reader = LimitedReader::new(Cursor::new(vec![b'a'; 100]), 64);
        let mut buffer = [0u8; 64];
        assert_eq!(reader.read(&mut buffer).unwrap(), 64);
        let error = reader.read(&mut buffer).unwrap_err();
        assert!(matches!(
            limit_error(error),
            ImportError::TooBig { limit: 64 }
        ));
    }
}
