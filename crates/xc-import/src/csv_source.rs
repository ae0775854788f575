//! Reading CSV text as a stream: the encoding is found from the first 64 KiB (byte-order mark,
//! UTF-16 without one, valid UTF-8, else GB18030, the superset of GBK that Chinese Excel saves
//! in), the delimiter from the first line, and records are read one at a time into a reused
//! buffer, so memory does not grow with the file.
//!
//! UTF-8 and GB18030 are parsed as bytes and decoded per cell: in both, every byte of a
//! multi-byte character is above 0x2F, so it can never be mistaken for a comma, a quote or a
//! line break. A file that looked like ASCII at the start but has GB18030 bytes later is read as
//! GB18030 from there on (ASCII reads the same in both). UTF-16 is transcoded to UTF-8 first.

use std::borrow::Cow;
use std::io::{self, Cursor, Read};
use std::sync::Arc;

use encoding_rs::{CoderResult, DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::error::ImportError;
use crate::parse::CellInvalid;
use crate::reader::{TextEncoding, limit_error};
use crate::row::{Row, RowProblem};
use crate::schema::{Layout, column_letter};

/// How much of the start of the file decides the encoding and the delimiter.
const HEAD_BYTES: usize = 64 * 1024;
/// A cell longer than this is refused: usually a quote that is never closed swallowed the lines
/// after it.
const MAX_CELL_BYTES: usize = 32 * 1024;

pub(crate) struct CsvSource {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    text: TextDecoder,
    delimiter: u8,
    /// Line breaks inside quoted cells of earlier records: the first line of a record minus
    /// these is the row a spreadsheet shows (it shows a cell with line breaks as one row).
    embedded_newlines: u64,
    /// The line after the previous record.
    next_line: u64,
}

/// How cell bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextDecoder {
    /// UTF-8; `ascii_so_far` while no byte above 0x7F has been seen.
    Utf8 {
        bom: bool,
        ascii_so_far: bool,
    },
    Gb18030,
    /// UTF-16 already transcoded into UTF-8 by [`Utf16ToUtf8`].
    Transcoded(TextEncoding),
}

enum Decoded<'a> {
    Text(Cow<'a, str>),
    /// Not text in the file's encoding: the lossy reading, for the report.
    Bad(String),
}

impl CsvSource {
    /// Reads the start of `input`, decides encoding and delimiter, and returns the source with
    /// its first record not yet read.
    pub(crate) fn new(mut input: Box<dyn Read + Send>) -> Result<Self, ImportError> {
        let mut head = Vec::with_capacity(HEAD_BYTES);
        (&mut input)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(limit_error)?;
        let whole_file = head.len() < HEAD_BYTES;
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ImportError::Empty);
        }
        let (text, bom_length) = detect_encoding(&head, whole_file)?;
        let body = &head[bom_length..];
        let first_line: Cow<'_, str> = match text {
            TextDecoder::Transcoded(TextEncoding::Utf16Be) => {
                UTF_16BE.decode_without_bom_handling(body).0
            }
            TextDecoder::Transcoded(_) => UTF_16LE.decode_without_bom_handling(body).0,
            _ => String::from_utf8_lossy(body),
        };
        let first_line = first_line
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or_default();
        let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
            b'\t'
        } else {
            b','
        };
        let rest = Cursor::new(head).chain(input);
        let stream: Box<dyn Read + Send> = match text {
            TextDecoder::Transcoded(TextEncoding::Utf16Be) => {
                Box::new(Utf16ToUtf8::new(rest, UTF_16BE))
            }
            TextDecoder::Transcoded(_) => Box::new(Utf16ToUtf8::new(rest, UTF_16LE)),
            _ => {
                let mut rest = rest;
                io::copy(&mut (&mut rest).take(bom_length as u64), &mut io::sink())
                    .map_err(limit_error)?;
                Box::new(rest)
            }
        };
        // '\n' alone ends a record (a '\r' before it is trimmed with the cell), and the stream
        // always ends with one, so that line numbers can be read off the reader's position.
        let stream: Box<dyn Read + Send> = Box::new(stream.chain(Cursor::new(b"\n")));
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .delimiter(delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(stream);
        Ok(Self {
            reader,
            record: csv::ByteRecord::new(),
            text,
            delimiter,
            embedded_newlines: 0,
            next_line: 1,
        })
    }

    pub(crate) fn encoding(&self) -> TextEncoding {
        match self.text {
            TextDecoder::Utf8 { bom: true, .. } => TextEncoding::Utf8WithBom,
            TextDecoder::Utf8 { bom: false, .. } => TextEncoding::Utf8,
            TextDecoder::Gb18030 => TextEncoding::Gb18030,
            TextDecoder::Transcoded(encoding) => encoding,
        }
    }

    pub(crate) fn delimiter(&self) -> char {
        char::from(self.delimiter)
    }

    /// The next record, with its spreadsheet row number; `None` at the end.
    fn read_record(&mut self) -> Result<Option<u64>, ImportError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|error| {
                let row = error
                    .position()
                    .map_or(0, |position| position.line())
                    .saturating_sub(self.embedded_newlines);
                csv_error(error, row)
            })?;
        if !more {
            return Ok(None);
        }
        // Every record ends with '\n' (one is appended to the stream), which the reader has
        // consumed: its line is now the one after the record. csv's own start position is not
        // used because it does not count the blank lines it skips.
        let bytes = self.record.as_slice();
        let inside = if bytes.contains(&b'\n') {
            bytes.iter().filter(|&&b| b == b'\n').count() as u64
        } else {
            0
        };
        let end_line = self.reader.position().line();
        // A quote left open to the end of the file swallows the appended '\n' too: the record
        // cannot start before the line after the previous one.
        let first_line = end_line.saturating_sub(1 + inside).max(self.next_line);
        self.next_line = end_line;
        let number = first_line.saturating_sub(self.embedded_newlines);
        self.embedded_newlines += inside;
        Ok(Some(number))
    }

    /// The first record with any text: the header, as `(row number, cells)`.
    pub(crate) fn read_header(&mut self) -> Result<(u64, Vec<String>), ImportError> {
        while let Some(number) = self.read_record()? {
            if self
                .record
                .iter()
                .all(|field| field.trim_ascii().is_empty())
            {
                continue;
            }
            let cells = self
                .record
                .iter()
                .map(|field| match self.text.decode(field) {
                    Decoded::Text(text) => text.into_owned(),
                    Decoded::Bad(lossy) => lossy,
                })
                .collect();
            return Ok((number, cells));
        }
        Err(ImportError::Empty)
    }

    /// The next row, blank or not; `None` at the end of the file.
    pub(crate) fn next_row(
        &mut self,
        layout: &Arc<Layout>,
        targets: &[Option<usize>],
    ) -> Result<Option<Row>, ImportError> {
        let Some(number) = self.read_record()? else {
            return Ok(None);
        };
        let mut row = Row::new(number, Arc::clone(layout));
        let mut first_extra = None;
        for (position, field) in self.record.iter().enumerate() {
            match targets.get(position) {
                Some(Some(index)) => {
                    if field.len() > MAX_CELL_BYTES {
                        let lossy = String::from_utf8_lossy(&field[..200]);
                        row.set_refused(*index, &lossy, cell_too_long(field.len()));
                        continue;
                    }
                    match self.text.decode(field) {
                        Decoded::Text(text) => row.set_text(*index, &text),
                        Decoded::Bad(lossy) => {
                            row.set_refused(*index, &lossy, bad_bytes(self.text))
                        }
                    }
                }
                Some(None) => {}
                None => {
                    if first_extra.is_none() && !field.trim_ascii().is_empty() {
                        first_extra = Some(position);
                    }
                }
            }
        }
        let cells = self.record.len();
        let header_cells = layout.width;
        if cells < header_cells && !row.is_blank() {
            row.push_problem(RowProblem::new(
                number,
                "",
                "",
                CellInvalid::new(
                    format!(
                        "本行只有 {cells} 个单元格，表头有 {header_cells} 列：可能少了分隔符，或某个值中有未加引号的换行"
                    ),
                    format!(
                        "the row has {cells} cells but the header has {header_cells}: a separator \
                         may be missing, or a value has a line break without quotes"
                    ),
                ),
            ));
        }
        if let Some(position) = first_extra {
            let value = String::from_utf8_lossy(&self.record[position]).into_owned();
            row.push_problem(RowProblem::new(
                number,
                "",
                &value,
                CellInvalid::new(
                    format!(
                        "本行有 {cells} 个单元格，表头只有 {header_cells} 列（{}列起多出内容）：可能某个值中含有未加引号的逗号",
                        column_letter(position)
                    ),
                    format!(
                        "the row has {cells} cells but the header has {header_cells} (extra values \
                         from column {}): a value may contain a comma without quotes",
                        column_letter(position)
                    ),
                ),
            ));
        }
        Ok(Some(row))
    }
}

impl TextDecoder {
    fn decode<'a>(&mut self, bytes: &'a [u8]) -> Decoded<'a> {
        match self {
            Self::Utf8 { ascii_so_far, .. } => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    if *ascii_so_far && !text.is_ascii() {
                        *ascii_so_far = false;
                    }
                    Decoded::Text(Cow::Borrowed(text))
                }
                Err(_) if *ascii_so_far => {
                    *self = Self::Gb18030;
                    self.decode(bytes)
                }
                Err(_) => Decoded::Bad(String::from_utf8_lossy(bytes).into_owned()),
            },
            Self::Gb18030 => {
                match GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                    Some(text) => Decoded::Text(text),
                    None => Decoded::Bad(GB18030.decode_without_bom_handling(bytes).0.into_owned()),
                }
            }
            Self::Transcoded(_) => match std::str::from_utf8(bytes) {
                Ok(text) => Decoded::Text(Cow::Borrowed(text)),
                Err(_) => Decoded::Bad(String::from_utf8_lossy(bytes).into_owned()),
            },
        }
    }
}

/// The encoding of a file from its start, and the length of its byte-order mark.
fn detect_encoding(head: &[u8], whole_file: bool) -> Result<(TextDecoder, usize), ImportError> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((
            TextDecoder::Utf8 {
                bom: true,
                ascii_so_far: false,
            },
            3,
        ));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok((TextDecoder::Transcoded(TextEncoding::Utf16Le), 2));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok((TextDecoder::Transcoded(TextEncoding::Utf16Be), 2));
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return Ok((TextDecoder::Transcoded(encoding), 0));
    }
    match std::str::from_utf8(head) {
        Ok(text) => {
            return Ok((
                TextDecoder::Utf8 {
                    bom: false,
                    ascii_so_far: text.is_ascii(),
                },
                0,
            ));
        }
        // Only a character cut by the end of the head: valid so far.
        Err(error) if error.error_len().is_none() && !whole_file => {
            return Ok((
                TextDecoder::Utf8 {
                    bom: false,
                    ascii_so_far: false,
                },
                0,
            ));
        }
        // Mostly valid UTF-8 with Chinese in it: a UTF-8 file with some broken cells (GBK text
        // pasted in), not a GBK file; those cells are refused one by one. Counting, rather than
        // looking at the text before the first bad byte, because some GBK pairs are valid UTF-8
        // by accident ("露" is C2 B6, "¶" in UTF-8).
        Err(_) if mostly_utf8(head) => {
            return Ok((
                TextDecoder::Utf8 {
                    bom: false,
                    ascii_so_far: false,
                },
                0,
            ));
        }
        Err(_) => {}
    }
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(head.len())
        .unwrap_or(head.len() * 4);
    let mut decoded = String::with_capacity(capacity);
    let (result, read) =
        decoder.decode_to_string_without_replacement(head, &mut decoded, whole_file);
    match result {
        DecoderResult::InputEmpty => Ok((TextDecoder::Gb18030, 0)),
        DecoderResult::Malformed(bad, after) => {
            let offset = read.saturating_sub(usize::from(bad) + usize::from(after));
            let line = 1 + head[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            Err(ImportError::UnknownEncoding { line })
        }
        _ => Err(ImportError::UnknownEncoding { line: 1 }),
    }
}

/// Whether valid multi-byte UTF-8 characters outnumber invalid sequences. In GBK text about one
/// character in twenty happens to be valid UTF-8 and the rest are invalid; in a UTF-8 file with
/// a pasted GBK cell, the valid ones are the many.
fn mostly_utf8(head: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for c in String::from_utf8_lossy(head).chars() {
        match c {
            '\u{FFFD}' => invalid += 1,
            c if !c.is_ascii() => valid += 1,
            _ => {}
        }
    }
    valid > invalid
}

/// UTF-16 without a byte-order mark shows as a zero byte in every other position for the ASCII
/// characters (commas, digits, line breaks) that every CSV has.
fn utf16_without_bom(head: &[u8]) -> Option<TextEncoding> {
    let sample = &head[..head.len().min(1024) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 3 && even == 0 {
        Some(TextEncoding::Utf16Le)
    } else if even * 10 >= pairs * 3 && odd == 0 {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

fn bad_bytes(text: TextDecoder) -> CellInvalid {
    match text {
        TextDecoder::Gb18030 => CellInvalid::new(
            "该单元格含有无法识别的字节（文件按 GBK/GB18030 读取）：请将整个文件另存为“CSV UTF-8”",
            "the cell has bytes that are not GBK/GB18030 text although the file is read as such: \
             save the whole file again as \"CSV UTF-8\"",
        ),
        _ => CellInvalid::new(
            "该单元格含有无法识别的字节（文件按 UTF-8 读取）：文件可能混用了两种编码，请将整个文件另存为“CSV UTF-8”",
            "the cell has bytes that are not UTF-8 text although the file is read as UTF-8: the \
             file may mix two encodings, save it again as \"CSV UTF-8\"",
        ),
    }
}

fn cell_too_long(bytes: usize) -> CellInvalid {
    CellInvalid::new(
        format!(
            "单元格过长（{bytes} 字节，上限 {MAX_CELL_BYTES}）：可能有一个引号没有闭合，吞掉了后面的行"
        ),
        format!(
            "the cell is too long ({bytes} bytes, the limit is {MAX_CELL_BYTES}): a quote may be \
             missing its closing quote and have swallowed the lines after it"
        ),
    )
}

fn csv_error(error: csv::Error, row: u64) -> ImportError {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => limit_error(error),
        other => ImportError::MalformedCsv {
            row,
            reason: format!("{other:?}"),
        },
    }
}

/// Transcodes UTF-16 into UTF-8 as it is read.
struct Utf16ToUtf8<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    finished: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 16 * 1024],
            input_start: 0,
            input_end: 0,
            output: vec![0; 32 * 1024],
            output_start: 0,
            output_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.output_start == self.output_end {
            if self.finished {
                return Ok(0);
            }
            let mut last = false;
            if self.input_start == self.input_end {
                self.input_start = 0;
                self.input_end = self.inner.read(&mut self.input)?;
                last = self.input_end == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                last,
            );
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
        let count = buffer.len().min(self.output_end - self.output_start);
        buffer[..count].copy_from_slice(&self.output[self.output_start..self.output_start + count]);
        self.output_start += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(bytes: &[u8]) -> Result<TextEncoding, ImportError> {
        let (text, _) = detect_encoding(bytes, true)?;
        Ok(match text {
            TextDecoder::Utf8 { bom: true, .. } => TextEncoding::Utf8WithBom,
            TextDecoder::Utf8 { .. } => TextEncoding::Utf8,
            TextDecoder::Gb18030 => TextEncoding::Gb18030,
            TextDecoder::Transcoded(encoding) => encoding,
        })
    }

    #[test]
    fn encodings_are_recognised() {
        let text = "姓名,身份证号\n张三,11010519491231002X\n";
        assert_eq!(detect(text.as_bytes()).unwrap(), TextEncoding::Utf8);
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        assert_eq!(detect(&with_bom).unwrap(), TextEncoding::Utf8WithBom);
        let (gbk, _, _) = GB18030.encode(text);
        assert_eq!(detect(&gbk).unwrap(), TextEncoding::Gb18030);
        // 露 is C2 B6 in GBK, a valid UTF-8 sequence: still GBK.
        let (gbk, _, _) = GB18030.encode("露天课程名称,学时\n露营,32\n");
        assert_eq!(&gbk[..2], &[0xC2, 0xB6]);
        assert_eq!(detect(&gbk).unwrap(), TextEncoding::Gb18030);
        // A UTF-8 file with one GBK cell pasted in stays UTF-8.
        let mut mixed = text.as_bytes().to_vec();
        mixed.extend(GB18030.encode("李四").0.iter());
        assert_eq!(detect(&mixed).unwrap(), TextEncoding::Utf8);
        let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect(&utf16le).unwrap(), TextEncoding::Utf16Le);
        let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect(&utf16be).unwrap(), TextEncoding::Utf16Be);
        assert!(matches!(
            detect(b"name\n\x81\x20x\n"),
            Err(ImportError::UnknownEncoding { line: 2 })
        ));
    }

    #[test]
    fn utf16_is_transcoded_across_small_reads() {
        let text = "姓名,学时\n张三,32\n".repeat(2000);
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let mut reader = Utf16ToUtf8::new(Cursor::new(bytes), UTF_16LE);
        let mut out = Vec::new();
        let mut chunk = [0u8; 7];
        loop {
            let n = reader.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
}
