//! Throughput of reading and normalising a 1,000,000-row, ten-column CSV (about 100 MB), and of
//! reading it with every cell parsed to its type. Ignored by default; the figure only means
//! something in release:
//! `cargo test -p xc-import --release --test it -- --ignored timing --nocapture`.

use std::time::Instant;

use xc_import::{Limits, Schema, TableReader};

use crate::support::{TEN_COLUMNS, write_large_csv};

const ROWS: u64 = 1_000_000;

#[test]
#[ignore = "a timing: run in release with --ignored --nocapture"]
fn timing_read_and_normalise_a_million_rows() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("million.csv");
    let bytes = write_large_csv(&path, ROWS);
    let schema = Schema::new(TEN_COLUMNS).unwrap();
    let limits = Limits {
        max_bytes: 200 * 1024 * 1024,
        ..Limits::default()
    };

    let started = start();
    let mut reader = TableReader::open(&path, &schema, limits).unwrap();
    let mut characters = 0usize;
    while let Some(row) = reader.next_row().unwrap() {
        for column in &TEN_COLUMNS {
            characters += row.get(column.key).unwrap().map_or(0, str::len);
        }
    }
    report("read + normalise", reader.rows_read(), bytes, started);
    assert_eq!(reader.rows_read(), ROWS);

    let started = start();
    let mut reader = TableReader::open(&path, &schema, limits).unwrap();
    let mut checksum = 0i64;
    while let Some(row) = reader.next_row().unwrap() {
        checksum += row.cell("hours").integer().unwrap().unwrap_or(0);
        checksum += i64::from(
            row.cell("completed_on")
                .date()
                .unwrap()
                .map_or(0, |d| d.day()),
        );
        checksum += row
            .cell("credits")
            .decimal()
            .unwrap()
            .map_or(0, |d| d.len() as i64);
        checksum += i64::from(row.cell("passed").boolean().unwrap().unwrap_or(false));
        for key in [
            "national_id",
            "name",
            "provider",
            "course",
            "external_id",
            "note",
        ] {
            checksum += row.get(key).unwrap().map_or(0, str::len) as i64;
        }
    }
    report(
        "read + normalise + parse every cell",
        reader.rows_read(),
        bytes,
        started,
    );
    assert!(characters > 0 && checksum > 0);

    let gbk_path = directory.path().join("million-gbk.csv");
    let gbk_bytes = transcode_to_gbk(&path, &gbk_path);
    let started = start();
    let mut reader = TableReader::open(&gbk_path, &schema, limits).unwrap();
    while let Some(row) = reader.next_row().unwrap() {
        for column in &TEN_COLUMNS {
            characters += row.get(column.key).unwrap().map_or(0, str::len);
        }
    }
    report(
        "GBK: read + normalise",
        reader.rows_read(),
        gbk_bytes,
        started,
    );
    assert!(characters > 0);
}

fn transcode_to_gbk(from: &std::path::Path, to: &std::path::Path) -> u64 {
    use std::io::{BufRead, Write};
    let input = std::io::BufReader::new(std::fs::File::open(from).unwrap());
    let mut output = std::io::BufWriter::new(std::fs::File::create(to).unwrap());
    for line in input.lines() {
        let line = line.unwrap();
        let (bytes, _, _) = encoding_rs::GB18030.encode(&line);
        output.write_all(&bytes).unwrap();
        output.write_all(b"\n").unwrap();
    }
    output.flush().unwrap();
    std::fs::metadata(to).unwrap().len()
}

/// Prints wall-clock and CPU-time throughput: on a shared machine the CPU figure is the one that
/// does not depend on the neighbours.
fn report(what: &str, rows: u64, bytes: u64, started: (Instant, Option<f64>)) {
    let seconds = started.0.elapsed().as_secs_f64();
    let cpu = match (started.1, thread_cpu_seconds()) {
        (Some(before), Some(after)) if after > before => {
            format!(
                ", CPU {:.2} s = {:.0} rows/s",
                after - before,
                rows as f64 / (after - before)
            )
        }
        _ => String::new(),
    };
    eprintln!(
        "{what}: {rows} rows, {:.1} MB in {seconds:.2} s = {:.0} rows/s, {:.0} MB/s{cpu}",
        bytes as f64 / 1e6,
        rows as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
}

fn start() -> (Instant, Option<f64>) {
    (Instant::now(), thread_cpu_seconds())
}

/// User + system time of this thread (Linux, in clock ticks of 1/100 s).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}
