//! Archive page benchmark (issue 3: "archive page for a learner with 2,000 records at city
//! scale: p99 at most 30 ms"). Generates a city, gives the demo citizen 2,000 outcomes (about
//! two thirds recognised automatically, the rest waiting for review) through the normal batch
//! path, signs in as that citizen and times `GET /me/archive` (the page) and `GET
//! /api/v1/me/archive` (the JSON) through the whole router, one request at a time.
//!
//! ```text
//! cargo bench -p xuecheng --bench archive                      # district scale, SQLite
//! cargo bench -p xuecheng --bench archive -- --scale city      # 1,000,000 learners, ~20M outcomes
//! XUECHENG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xc_bench \
//!     cargo bench -p xuecheng --bench archive                  # PostgreSQL (an empty database)
//! ```

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use time::OffsetDateTime;
use tower::ServiceExt;
use xc_domain::credit::{
    ContactHours, Credits, FrameworkLevel, OutcomeCategory, OutcomeKind, OutcomeTitle,
    SpecificationId, SubmittedOutcome, Version,
};
use xc_domain::{LearnerId, Topic};
use xc_privacy::PiiVault;
use xc_store::{Actor, AuditEvent, AutomaticRecognition, Grant, NewBatch, NewOutcome};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RECORDS: usize = 2_000;
const REQUESTS: usize = 300;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale = args
        .iter()
        .position(|arg| arg == "--scale")
        .and_then(|at| args.get(at + 1))
        .map_or("district", String::as_str)
        .to_owned();
    // Without `--bench` (cargo test --benches) run small and quick.
    let quick = !args.iter().any(|arg| arg == "--bench");
    let scale = if quick { "tiny".to_owned() } else { scale };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(&scale, if quick { 20 } else { REQUESTS }));
}

async fn run(scale: &str, requests: usize) {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("XUECHENG_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let store = xc_backend::open(url.as_deref(), dir.path(), 8)
        .await
        .unwrap();
    let vault = PiiVault::random();
    let options = xc_gen::GenerateOptions::new(xc_gen::Scale::parse(scale).unwrap(), 2026);
    let started = Instant::now();
    let report = xc_gen::generate(&*store, &vault, &options, &|_| {})
        .await
        .unwrap();
    println!(
        "city: {scale} scale on {} in {:.1} s ({report:?})",
        store.engine(),
        started.elapsed().as_secs_f64()
    );

    // The demo citizen is the first learner; give them 2,000 more outcomes.
    let learner = LearnerId::new(1);
    let provider = xc_gen::generate_city(&options)
        .first_community_school()
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let spec = xc_store::SpecificationTarget::New {
        provider,
        code: "BENCH-ARCHIVE".into(),
    };
    let content = xc_store::SpecificationContent {
        kind: OutcomeKind::CommunityCourse,
        category: OutcomeCategory::CultureAndLeisure,
        title: OutcomeTitle::parse("社区课程（档案基准）").unwrap(),
        hours: Some(ContactHours::whole(16).unwrap()),
        grade: None,
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::whole(1).unwrap(),
        field: None,
        validity: xc_domain::credit::ValidityTerm::INDEFINITE,
    };
    let audit = AuditEvent::new(Actor::System("bench".into()), "bench", "bench", "new");
    let (spec_id, version): (SpecificationId, Version) = store
        .publish_specification(&spec, &content, now, None, &audit)
        .await
        .unwrap();
    let mut writer = store
        .begin_batch(&NewBatch {
            provider,
            submitted_by: None,
            submitted_at: now,
            file_name: "bench".into(),
            all_or_nothing: true,
        })
        .await
        .unwrap();
    let topics = [Topic::SmartLiving, Topic::Health, Topic::CultureAndArts];
    let rows: Vec<NewOutcome> = (0..RECORDS)
        .map(|n| {
            let achieved_on = now.date() - time::Duration::days(1 + (n as i64 * 7) % 3650);
            let recognised = n % 3 != 0;
            NewOutcome {
                learner,
                external_id: format!("ARCHIVE-BENCH-{n}"),
                submitted: SubmittedOutcome {
                    provider,
                    kind: OutcomeKind::CommunityCourse,
                    title: OutcomeTitle::parse(&format!("社区课程第{n}讲")).unwrap(),
                    hours: Some(ContactHours::whole(16).unwrap()),
                    grade: None,
                    field: Some(xc_domain::credit::Field::Topic(topics[n % 3])),
                    achieved_on,
                    score: None,
                    evidence: Vec::new(),
                },
                submitted_at: now,
                submitted_by: None,
                automatic: recognised.then(|| AutomaticRecognition {
                    rule: xc_store::AutomaticRule::Specification {
                        specification: spec_id,
                        version,
                    },
                    grant: Grant {
                        category: OutcomeCategory::CultureAndLeisure,
                        level: FrameworkLevel::new(2).unwrap(),
                        credits: Credits::whole(1).unwrap(),
                        valid_until: None,
                    },
                    reason: "bench".into(),
                }),
            }
        })
        .collect();
    writer.write(&rows).await.unwrap();
    writer.commit(RECORDS as u64, &audit).await.unwrap();
    let held = store.list_learner_outcomes(learner).await.unwrap().len();
    println!("the demo citizen holds {held} outcomes");

    let keys = tempfile::tempdir().unwrap();
    let issuer = xc_issuer::Issuer::open(
        keys.path(),
        xc_issuer::IssuerProfile {
            name: "学城终身教育学分银行".into(),
            base_url: "https://bank.example.org".into(),
        },
    )
    .unwrap();
    let state = xc_web::AppState::new(
        store.clone(),
        vault,
        xc_web::WebConfig {
            issue_owed_at_start: false,
            ..xc_web::WebConfig::default()
        },
        std::sync::Arc::new(issuer),
    )
    .await
    .unwrap();
    let router = xc_web::router(state);
    let sign_in = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"username": "demo-citizen", "password": xc_gen::DEMO_PASSWORD})
                .to_string(),
        ))
        .unwrap();
    let response = router.clone().oneshot(sign_in).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("xc_session="))
        .and_then(|value| value.split(';').next())
        .unwrap()
        .to_owned();

    for uri in ["/me/archive", "/api/v1/me/archive"] {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for n in 0..requests + 10 {
            let request = Request::builder()
                .uri(uri)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap();
            let started = Instant::now();
            let response = router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let elapsed = started.elapsed();
            assert_eq!(status, StatusCode::OK, "{uri}");
            bytes = body.len();
            if n >= 10 {
                times.push(elapsed);
            }
        }
        times.sort_unstable();
        println!(
            "{uri}: {requests} requests, {} KB each; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            bytes / 1024,
            percentile(&times, 0.50).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3,
        );
    }
}
