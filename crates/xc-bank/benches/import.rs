//! Batch import benchmark (issue 3): a CSV of outcome rows imported into a district-scale city
//! (50,000 learners) with 300 published specifications, through the same two-pass pipeline as an
//! upload. Prints rows per second and the peak memory of the import itself.
//!
//! ```text
//! cargo bench -p xc-bank --bench import                     # SQLite, 1,000,000 rows
//! cargo bench -p xc-bank --bench import -- --rows 100000
//! cargo bench -p xc-bank --bench import -- --rows 100000 --no-points   # the cost of points
//! XUECHENG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xc_bench \
//!     cargo bench -p xc-bank --bench import                 # PostgreSQL (an empty database)
//! ```
//!
//! Half the rows name their learner by ID number, half by learner id; a third match a
//! specification exactly (recognised automatically, earning points in the batch's follow-up
//! after the upload is answered), the rest go to the review queue. The follow-up is timed
//! separately. `--no-points` publishes a points policy without an award for
//! recognised outcomes first, so the same import runs without awarding: the difference is what
//! the points cost.

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::io::{BufWriter, Write};
use std::time::Instant;

use time::OffsetDateTime;
use time::macros::datetime;
use xc_bank::{
    BatchOptions, SpecificationInput, Standards, follow_up_batch, import_file,
    publish_specification,
};
use xc_domain::credit::{
    ContactHours, Credits, FrameworkLevel, OutcomeKind, OutcomeTitle, ValidityTerm,
};
use xc_import::Limits;
use xc_privacy::PiiVault;
use xc_store::{Actor, AuditEvent, SpecificationTarget};

/// The allocator of the `xuecheng` binary, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPECIFICATIONS: usize = 300;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_peak_rss() {
    // Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args
        .iter()
        .position(|arg| arg == "--rows")
        .and_then(|at| args.get(at + 1))
        .map(|value| value.parse().expect("--rows takes a number"))
        .unwrap_or(1_000_000);
    // `cargo test --benches` runs bench targets with no arguments but `--bench`-less: keep it quick.
    let rows = if args.iter().any(|arg| arg == "--bench") {
        rows
    } else {
        rows.min(2_000)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let points = !args.iter().any(|arg| arg == "--no-points");
    runtime.block_on(run(rows, points));
}

async fn run(rows: u64, points: bool) {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("XUECHENG_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let store = xc_backend::open(url.as_deref(), dir.path(), 8)
        .await
        .unwrap();
    let vault = PiiVault::random();
    let options = xc_gen::GenerateOptions::new(xc_gen::Scale::District, 7);
    let started = Instant::now();
    xc_gen::generate(&*store, &vault, &options, &|_| {})
        .await
        .unwrap();
    let city = xc_gen::generate_city(&options);
    let provider = city.first_community_school().unwrap();
    let learners: Vec<(i64, String)> = city
        .learners()
        .map(|learner| (learner.id.get(), learner.national_id.expose().to_owned()))
        .collect();
    println!(
        "city: {} learners on {} in {:.1} s",
        learners.len(),
        store.engine(),
        started.elapsed().as_secs_f64()
    );

    let now: OffsetDateTime = datetime!(2026-11-29 09:00 UTC);
    let audit = AuditEvent::new(
        Actor::System("bench".into()),
        "specification.publish",
        "specification",
        "new",
    );
    let mut standards = Standards::load(&*store).await.unwrap();
    for n in 0..SPECIFICATIONS {
        publish_specification(
            &*store,
            &standards,
            &SpecificationTarget::New {
                provider,
                code: format!("S{n}"),
            },
            SpecificationInput {
                kind: OutcomeKind::CommunityCourse,
                category: None,
                title: OutcomeTitle::parse(&format!("社区课程{n}")).unwrap(),
                hours: Some(ContactHours::whole(16).unwrap()),
                grade: None,
                level: Some(FrameworkLevel::new(2).unwrap()),
                credits: Some(Credits::whole(1).unwrap()),
                field: None,
                validity: ValidityTerm::INDEFINITE,
            },
            now,
            None,
            &audit,
        )
        .await
        .unwrap();
    }
    if !points {
        let keep: Vec<xc_bank::points_policy::PolicyRuleInput> = xc_bank::points::default_policy()
            .rules()
            .filter(|rule| rule.activity() != xc_domain::credit::PointsActivity::RecognisedOutcome)
            .map(|rule| xc_bank::points_policy::PolicyRuleInput {
                activity: rule.activity().as_str().to_owned(),
                points: Some(rule.points_per_unit().to_string()),
                daily_cap: rule.daily_cap().map(|cap| cap.to_string()),
                yearly_cap: rule.yearly_cap().map(|cap| cap.to_string()),
            })
            .collect();
        xc_bank::points_policy::publish_policy(&*store, &keep, now, None, audit.clone())
            .await
            .unwrap();
    }
    standards = Standards::load(&*store).await.unwrap();

    let path = dir.path().join("outcomes.csv");
    let mut file = BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(
        file,
        "成果编号,身份证号,学习者编号,成果类型,成果名称,获得日期,学时,成绩"
    )
    .unwrap();
    for row in 0..rows {
        let (id, national_id) = &learners[(row as usize * 7919) % learners.len()];
        let (by_number, by_id) = if row % 2 == 0 {
            (national_id.as_str(), String::new())
        } else {
            ("", id.to_string())
        };
        let title = if row % 3 == 0 {
            format!("社区课程{}", row as usize % SPECIFICATIONS)
        } else {
            format!("兴趣课程{}", row % 997)
        };
        let day = 1 + row % 28;
        writeln!(
            file,
            "B-{row},{by_number},{by_id},社区教育/老年教育课程,{title},2025-{:02}-{day:02},16,合格",
            1 + row % 12
        )
        .unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let size = std::fs::metadata(&path).unwrap().len();

    let options = BatchOptions {
        provider,
        submitted_by: None,
        actor: Actor::System("bench".into()),
        file_name: "outcomes.csv".into(),
        all_or_nothing: true,
        today: now.date(),
        now,
        limits: Limits::default(),
    };
    reset_peak_rss();
    let before = peak_rss_kib();
    let started = Instant::now();
    let result = import_file(&*store, &vault, &standards, &path, &options)
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib();
    assert!(
        result.report.is_clean(),
        "{:?}",
        &result.report.problems()[..3.min(result.report.problems().len())]
    );
    assert_eq!(result.stored, rows);
    println!(
        "import (answered): {rows} rows ({:.1} MB CSV) on {} in {seconds:.2} s = {:.0} rows/s; recognised {}, in review {}; peak RSS {:.0} MB (+{:.0} MB during the import)",
        size as f64 / 1e6,
        store.engine(),
        rows as f64 / seconds,
        result.recognised,
        result.in_review,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0,
    );
    // What follows the answer in the background: the points of the recognised outcomes.
    let started = Instant::now();
    let tally = follow_up_batch(&*store, result.batch.expect("stored").id)
        .await
        .unwrap();
    let follow_up = started.elapsed().as_secs_f64();
    println!(
        "follow-up: {} recognised outcomes, {} points ledger rows in {follow_up:.2} s = {:.0} awards/s; upload and follow-up together {:.0} rows/s",
        tally.recognised,
        tally.points.awarded,
        tally.recognised as f64 / follow_up.max(1e-9),
        rows as f64 / (seconds + follow_up),
    );
}
