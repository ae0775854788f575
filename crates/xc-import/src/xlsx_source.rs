//! Reading the first visible worksheet of an XLSX workbook, one row at a time.
//!
//! calamine's streaming cell reader borrows the workbook, so the pair cannot live in one struct
//! without unsafe code; instead a worker thread owns the workbook and sends finished rows through
//! a channel of 64 rows. Memory is then the workbook's shared-string table (every distinct text
//! of the workbook, which calamine keeps in memory) plus those 64 rows, not the whole sheet.
//! Before calamine unpacks anything, the sizes the ZIP directory declares are checked against
//! [`Limits::max_unpacked_bytes`], so a small file that unpacks to gigabytes is refused.
//! Dropping the reader ends the worker at its next row.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use crate::error::ImportError;
use crate::parse::CellInvalid;
use crate::reader::Limits;
use crate::row::{Row, RowProblem};
use crate::schema::{Layout, column_letter};

const CHANNEL_ROWS: usize = 64;

pub(crate) struct XlsxSource {
    rows: Receiver<Message>,
    sheet: String,
    finished: bool,
}

enum Message {
    Opened {
        sheet: String,
    },
    Row {
        index: u32,
        cells: Vec<(u32, XlsxCell)>,
    },
    End,
    Failed(ImportError),
}

/// The cells of one sheet row that hold something, as `(column index, cell)`.
type SheetRow = (u32, Vec<(u32, XlsxCell)>);

enum XlsxCell {
    Text(String),
    Refused { raw: String, reason: CellInvalid },
}

impl XlsxSource {
    /// Starts the worker on `input` and waits until the workbook is open.
    pub(crate) fn new<RS>(input: RS, limits: Limits) -> Result<Self, ImportError>
    where
        RS: Read + Seek + Send + 'static,
    {
        let (sender, rows) = sync_channel(CHANNEL_ROWS);
        thread::Builder::new()
            .name("xc-import-xlsx".into())
            .spawn(move || {
                if let Err(error) = read_workbook(input, limits, &sender) {
                    let _ = sender.send(Message::Failed(error));
                }
            })?;
        match rows.recv() {
            Ok(Message::Opened { sheet }) => Ok(Self {
                rows,
                sheet,
                finished: false,
            }),
            Ok(Message::Failed(error)) => Err(error),
            Ok(_) | Err(_) => Err(worker_stopped()),
        }
    }

    pub(crate) fn sheet(&self) -> &str {
        &self.sheet
    }

    fn next_message(&mut self) -> Result<Option<SheetRow>, ImportError> {
        if self.finished {
            return Ok(None);
        }
        match self.rows.recv() {
            Ok(Message::Row { index, cells }) => Ok(Some((index, cells))),
            Ok(Message::End) => {
                self.finished = true;
                Ok(None)
            }
            Ok(Message::Failed(error)) => {
                self.finished = true;
                Err(error)
            }
            Ok(Message::Opened { .. }) | Err(_) => {
                self.finished = true;
                Err(worker_stopped())
            }
        }
    }

    /// The first row with any cell: the header, as `(row number, cells)`.
    pub(crate) fn read_header(&mut self) -> Result<(u64, Vec<String>), ImportError> {
        let (index, cells) = self.next_message()?.ok_or(ImportError::Empty)?;
        let width = cells.iter().map(|(column, _)| *column as usize + 1).max();
        let mut headers = vec![String::new(); width.unwrap_or(0)];
        for (column, cell) in cells {
            headers[column as usize] = match cell {
                XlsxCell::Text(text) => text,
                XlsxCell::Refused { raw, .. } => raw,
            };
        }
        Ok((u64::from(index) + 1, headers))
    }

    /// The next row with any cell; `None` at the end of the sheet.
    pub(crate) fn next_row(
        &mut self,
        layout: &Arc<Layout>,
        targets: &[Option<usize>],
    ) -> Result<Option<Row>, ImportError> {
        let Some((index, cells)) = self.next_message()? else {
            return Ok(None);
        };
        let number = u64::from(index) + 1;
        let mut row = Row::new(number, Arc::clone(layout));
        let mut beyond_header = None;
        for (column, cell) in cells {
            match targets.get(column as usize) {
                Some(Some(target)) => match cell {
                    XlsxCell::Text(text) => row.set_text(*target, &text),
                    XlsxCell::Refused { raw, reason } => row.set_refused(*target, &raw, reason),
                },
                Some(None) => {}
                None => {
                    if beyond_header.is_none()
                        && let XlsxCell::Text(text) = cell
                        && !text.trim().is_empty()
                    {
                        beyond_header = Some((column, text));
                    }
                }
            }
        }
        if let Some((column, text)) = beyond_header {
            let letter = column_letter(column as usize);
            row.push_problem(RowProblem::new(
                number,
                "",
                &text,
                CellInvalid::new(
                    format!("{letter}列在表头范围之外却有内容：请为该列加上表头，或删除这些内容"),
                    format!(
                        "column {letter} has a value but no header: give the column a header or \
                         delete its values"
                    ),
                ),
            ));
        }
        Ok(Some(row))
    }
}

fn worker_stopped() -> ImportError {
    ImportError::Workbook {
        reason: "the workbook reader stopped unexpectedly".into(),
    }
}

fn workbook_error(error: XlsxError) -> ImportError {
    match error {
        XlsxError::Io(error) => ImportError::Io(error),
        XlsxError::Password => ImportError::Workbook {
            reason: "it is protected by a password: save it again without one".into(),
        },
        other => ImportError::Workbook {
            reason: other.to_string(),
        },
    }
}

/// The worker: checks the unpacked size, opens the workbook and sends its rows. A failed send
/// means the reader was dropped, which is a normal end.
fn read_workbook<RS: Read + Seek>(
    mut input: RS,
    limits: Limits,
    sender: &SyncSender<Message>,
) -> Result<(), ImportError> {
    {
        let archive = zip::ZipArchive::new(&mut input).map_err(|error| ImportError::Workbook {
            reason: format!("it is not a valid XLSX file ({error})"),
        })?;
        // The central directory's sizes (written after the data, so present even for entries
        // streamed with data descriptors).
        let mut unpacked: u64 = 0;
        for index in 0..archive.len() {
            let entry = archive
                .by_index_data(index)
                .map_err(|error| ImportError::Workbook {
                    reason: format!("it is not a valid XLSX file ({error})"),
                })?;
            unpacked = unpacked.saturating_add(entry.size());
        }
        if unpacked > limits.max_unpacked_bytes {
            return Err(ImportError::WorkbookTooBig {
                unpacked,
                limit: limits.max_unpacked_bytes,
            });
        }
    }
    input.seek(SeekFrom::Start(0))?;
    let mut workbook: Xlsx<RS> = Xlsx::new(input).map_err(workbook_error)?;
    let sheets = workbook.sheets_metadata();
    let sheet = sheets
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet && sheet.visible == SheetVisible::Visible)
        .or_else(|| {
            sheets
                .iter()
                .find(|sheet| sheet.typ == SheetType::WorkSheet)
        })
        .map(|sheet| sheet.name.clone())
        .ok_or_else(|| ImportError::Workbook {
            reason: "it has no worksheet".into(),
        })?;
    if sender
        .send(Message::Opened {
            sheet: sheet.clone(),
        })
        .is_err()
    {
        return Ok(());
    }
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(workbook_error)?;
    let mut current: Option<SheetRow> = None;
    while let Some(cell) = cells.next_cell_with_formula().map_err(workbook_error)? {
        let (row, column) = cell.pos;
        let Some(value) = convert(cell.value, cell.formula) else {
            continue;
        };
        match &mut current {
            Some((index, row_cells)) if *index == row => row_cells.push((column, value)),
            _ => {
                if let Some((index, cells)) = current.take()
                    && sender.send(Message::Row { index, cells }).is_err()
                {
                    return Ok(());
                }
                current = Some((row, vec![(column, value)]));
            }
        }
    }
    if let Some((index, cells)) = current
        && sender.send(Message::Row { index, cells }).is_err()
    {
        return Ok(());
    }
    let _ = sender.send(Message::End);
    Ok(())
}

/// A cell as text, or refused; `None` for an empty cell without a formula.
fn convert(value: DataRef<'_>, formula: Option<String>) -> Option<XlsxCell> {
    if let Some(formula) = formula.filter(|formula| !formula.trim().is_empty()) {
        return Some(XlsxCell::Refused {
            raw: format!("={formula}"),
            reason: CellInvalid::new(
                "该单元格是公式，不能导入：请复制后“选择性粘贴→数值”，再上传",
                "the cell holds a formula, which is not imported: copy the column and paste it \
                 back as values only, then upload again",
            ),
        });
    }
    let text = match value {
        DataRef::Empty => return None,
        DataRef::String(text) => text,
        DataRef::SharedString(text) => text.to_string(),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text,
        DataRef::Int(number) => number.to_string(),
        DataRef::Bool(value) => if value { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::Float(number) => match format_number(number) {
            Ok(text) => text,
            Err(reason) => {
                return Some(XlsxCell::Refused {
                    raw: number.to_string(),
                    reason,
                });
            }
        },
        DataRef::DateTime(date_time) if date_time.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = date_time.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
        DataRef::DateTime(duration) => duration.as_f64().to_string(),
        DataRef::Error(error) => {
            return Some(XlsxCell::Refused {
                raw: error.to_string(),
                reason: CellInvalid::new(
                    "该单元格显示的是错误值，请改正后再上传",
                    "the cell shows an error value: correct it and upload again",
                ),
            });
        }
    };
    Some(XlsxCell::Text(text))
}

/// A number as it was typed: whole numbers without ".0", fractions in shortest form. Numbers of
/// more than 15 digits have already been rounded by the spreadsheet (an ID number typed into a
/// cell formatted as a number): refused, with how to fix it.
fn format_number(number: f64) -> Result<String, CellInvalid> {
    if !number.is_finite() || number.abs() >= 1e15 {
        return Err(CellInvalid::new(
            "数字超过 15 位，电子表格已将其四舍五入（例如把身份证号当成数字输入）：请把该列设置为“文本”格式后重新输入",
            "the number has more than 15 digits and the spreadsheet has already rounded it (an ID \
             number typed as a number, for example): format the column as text and type it again",
        ));
    }
    if number.fract() == 0.0 {
        Ok(format!("{}", number as i64))
    } else {
        Ok(number.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(format_number(32.0).unwrap(), "32");
        assert_eq!(format_number(-4.0).unwrap(), "-4");
        assert_eq!(format_number(1.5).unwrap(), "1.5");
        assert_eq!(format_number(0.1).unwrap(), "0.1");
        assert_eq!(format_number(20261129.0).unwrap(), "20261129");
        assert!(
            format_number(110105194912310020.0)
                .unwrap_err()
                .reason_en
                .contains("more than 15 digits")
        );
    }
}
