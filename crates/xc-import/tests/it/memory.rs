//! Memory stays flat in the size of the file: a large CSV (or workbook) is generated on the fly
//! and read by a child process running only the measuring test, so that the peak resident memory it reports
//! (VmHWM, Linux) belongs to the reading alone and not to tests running beside it.

use std::path::Path;
use std::process::Command;

use xc_import::{Limits, Schema, TableReader};

use crate::support::{TEN_COLUMNS, write_large_csv};

const FILE_VARIABLE: &str = "XC_IMPORT_MEMORY_TEST_FILE";
/// What the reading may add to the peak after the first thousand rows. The files are 20 MB and
/// 100 MB: anything that kept rows or the file would exceed this many times over.
const MAX_GROWTH_KIB: u64 = 8 * 1024;

#[test]
fn a_200_000_row_csv_is_read_in_flat_memory() {
    read_in_child(200_000);
}

#[test]
#[ignore = "about 100 MB of CSV: run with --ignored, preferably in release"]
fn a_1_000_000_row_csv_is_read_in_flat_memory() {
    read_in_child(1_000_000);
}

#[test]
#[ignore = "builds a 200,000-row workbook: run with --ignored, preferably in release"]
fn a_200_000_row_workbook_is_streamed_after_its_shared_strings() {
    read_in_child_with(200_000, "large.xlsx", write_large_xlsx);
}

/// The same rows as [`write_large_csv`], as a workbook of shared strings.
fn write_large_xlsx(path: &Path, rows: u64) -> u64 {
    let directory = path.parent().unwrap();
    let csv_path = directory.join("source.csv");
    write_large_csv(&csv_path, rows);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    for (row, line) in text.lines().enumerate() {
        for (column, cell) in line.split(',').enumerate() {
            sheet.write_string(row as u32, column as u16, cell).unwrap();
        }
    }
    workbook.save(path).unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn read_in_child(rows: u64) {
    read_in_child_with(rows, "large.csv", write_large_csv);
}

fn read_in_child_with(rows: u64, name: &str, write: fn(&Path, u64) -> u64) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    let bytes = write(&path, rows);
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "memory::child_reads_the_file_and_measures_its_peak",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FILE_VARIABLE, &path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "{name}, {rows} rows, {} MB: {}",
        bytes / 1_000_000,
        stderr.trim()
    );
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("rows={rows} ")), "{stderr}");
}

#[test]
#[ignore = "run by the flat-memory tests in a child process"]
fn child_reads_the_file_and_measures_its_peak() {
    let Ok(path) = std::env::var(FILE_VARIABLE) else {
        return;
    };
    let schema = Schema::new(TEN_COLUMNS).unwrap();
    let limits = Limits {
        max_bytes: 200 * 1024 * 1024,
        ..Limits::default()
    };
    let mut reader = TableReader::open(&path, &schema, limits).unwrap();
    let mut rows = 0u64;
    let mut touched = 0usize;
    let mut read_row = |reader: &mut TableReader| -> bool {
        let Some(row) = reader.next_row().unwrap() else {
            return false;
        };
        rows += 1;
        touched += row.get("national_id").unwrap().map_or(0, str::len);
        touched += usize::from(row.cell("completed_on").date().unwrap().is_some());
        true
    };
    for _ in 0..1_000 {
        read_row(&mut reader);
    }
    let baseline = peak_resident_kib();
    while read_row(&mut reader) {}
    let growth = peak_resident_kib().saturating_sub(baseline);
    eprintln!("rows={rows} peak_growth_kib={growth} baseline_kib={baseline} touched={touched}");
    assert!(
        growth <= MAX_GROWTH_KIB,
        "peak memory grew by {growth} KiB while reading {rows} rows"
    );
}

fn peak_resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
