//! Uploads over the limits: too many bytes (refused before reading when the size is known, just
//! past the limit when streamed), too many rows, and workbooks that unpack to too much.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use xc_import::{ImportError, Limits, TableReader};

use crate::support::{HEADER, check_with, open_with, schema};

const MIB: u64 = 1024 * 1024;

#[test]
fn a_file_over_100_mb_is_refused_before_reading_it() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("big.csv");
    // A sparse file: 100 MB + 1 byte on paper, nothing on disk.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * MIB + 1).unwrap();
    let started = Instant::now();
    let error = TableReader::open(&path, &schema(), Limits::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(error, ImportError::TooBig { limit } if limit == 100 * MIB));
    assert_eq!(
        error.to_string(),
        "the file is larger than the limit of 100 MB: split it into smaller files"
    );
    assert_eq!(
        error.message_zh(),
        "文件超过 100 MB 的上限，请拆分成较小的文件"
    );
}

/// An endless CSV upload that counts what was taken from it.
struct EndlessUpload {
    handed_out: Arc<AtomicU64>,
    pending: Vec<u8>,
}

impl Read for EndlessUpload {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            if self.handed_out.load(Ordering::Relaxed) == 0 {
                self.pending.extend(format!("{HEADER}\n").as_bytes());
            }
            for _ in 0..100 {
                self.pending
                    .extend(b"11010519491231002X,zhang,2026-11-29,32,2,1\n");
            }
        }
        let count = buffer.len().min(self.pending.len());
        buffer[..count].copy_from_slice(&self.pending[..count]);
        self.pending.drain(..count);
        self.handed_out.fetch_add(count as u64, Ordering::Relaxed);
        Ok(count)
    }
}

#[test]
fn a_streamed_upload_over_the_limit_stops_just_past_it() {
    let handed_out = Arc::new(AtomicU64::new(0));
    let upload = EndlessUpload {
        handed_out: Arc::clone(&handed_out),
        pending: Vec::new(),
    };
    let limits = Limits {
        max_bytes: 2 * MIB,
        ..Limits::default()
    };
    let mut reader = TableReader::from_reader(upload, &schema(), limits).unwrap();
    let mut rows = 0;
    let error = loop {
        match reader.next_row() {
            Ok(Some(_)) => rows += 1,
            Ok(None) => panic!("an endless upload cannot end"),
            Err(error) => break error,
        }
    };
    assert!(
        matches!(error, ImportError::TooBig { limit } if limit == 2 * MIB),
        "{error}"
    );
    assert!(rows > 40_000, "the rows before the limit were read: {rows}");
    let read = handed_out.load(Ordering::Relaxed);
    assert!(
        read <= 2 * MIB + 128 * 1024,
        "read {read} bytes for a limit of {}",
        2 * MIB
    );
}

#[test]
fn too_many_rows_are_refused_at_the_first_row_over_the_limit() {
    let text = format!(
        "{HEADER}\n{}",
        "11010519491231002X,张三,2026-11-29,,,\n\n".repeat(5)
    );
    check_with(
        text,
        &schema(),
        Limits {
            max_rows: 3,
            ..Limits::default()
        },
        "
        csv UTF-8 ','
        row 2: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        row 4: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        row 6: national_id=11010519491231002X name=张三 completed_on=2026-11-29
        error: the file has more than 3 data rows (row 8 is over the limit): split it into smaller files
        ",
    );
}

fn small_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_row(0, 0, ["身份证号", "姓名", "完成日期"])
        .unwrap();
    sheet
        .write_row(1, 0, ["11010519491231002X", "张三", "2026-11-29"])
        .unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_that_unpacks_to_too_much_is_refused_before_unpacking() {
    let limits = Limits {
        max_unpacked_bytes: 1024,
        ..Limits::default()
    };
    let error = open_with(&small_workbook(), &schema(), limits).unwrap_err();
    let ImportError::WorkbookTooBig { unpacked, limit } = error else {
        panic!("{error}");
    };
    assert_eq!(limit, 1024);
    assert!(unpacked > 1024);
    assert!(error.to_string().starts_with("the workbook unpacks to "));
}

#[test]
fn a_streamed_workbook_over_the_byte_limit_is_refused() {
    let bytes = small_workbook();
    let limits = Limits {
        max_bytes: bytes.len() as u64 - 1,
        ..Limits::default()
    };
    let error = open_with(&bytes, &schema(), limits).unwrap_err();
    assert!(matches!(error, ImportError::TooBig { .. }), "{error}");
    let limits = Limits {
        max_bytes: bytes.len() as u64,
        ..Limits::default()
    };
    assert!(open_with(&bytes, &schema(), limits).is_ok());
}
