//! Learning record store benchmark (issue 5, "Performance"): ingest and queries.
//!
//! The statements are the demo city's (`xc_gen::StatementGenerator` over the city-scale
//! outcomes, learner by learner), so actors, verbs, activities and times are shaped like the
//! generated history.
//!
//! 1. **Ingest** on a fresh store: POST /xapi/statements through `xuecheng`'s router served on
//!    loopback (real TCP, HTTP/1.1 keep-alive, Basic credentials of an LRS client), in batches
//!    of 100 and of 1, from `--clients` concurrent connections; and the same number of the next
//!    statements of the stream straight into the store (`LrsStore::insert_statements`, the call
//!    the HTTP layer makes) with the same batch sizes and concurrency, so the ratio HTTP / raw
//!    is read within one run. The order alternates raw, HTTP, raw, HTTP.
//! 2. **Load**: the rest of the `--statements` through the bulk path (`load_statements`,
//!    10,000 a call), timed; then `finish_load` (ANALYZE on SQLite).
//! 3. **Queries**: GET /xapi/statements over HTTP with `limit=100`, one request at a time,
//!    for each filter (agent, verb, activity, related_activities, related_agents, since/until)
//!    with parameters drawn from the loaded statements, and paging through `more`; p50 / p99.
//!    The same filters through the store alone (`query_statements`) for the share of the
//!    database in each figure.
//!
//! ```text
//! cargo bench -p xuecheng --bench xapi                              # 1,000,000 statements, SQLite
//! cargo bench -p xuecheng --bench xapi -- --statements 10000000     # the issue's 10 million
//! cargo bench -p xuecheng --bench xapi -- --database-url postgres://postgres@127.0.0.1:5432/postgres
//!     # PostgreSQL: a fresh database is created on that server and dropped afterwards
//!     # (XUECHENG_TEST_DATABASE_URL is used when set and no flag is given)
//! options: --ingest N (statements per ingest case, default 20,000), --clients N (default 4),
//!          --queries N (timed requests per query, default 300), --skip-ingest, --skip-queries
//! ```

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use xc_privacy::PiiVault;
use xc_store::{Actor, Store};
use xc_xapi::Statement;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Statements per bulk-load call.
const LOAD_BATCH: usize = 10_000;
/// Page size of the timed queries.
const QUERY_LIMIT: u32 = 100;

struct Options {
    statements: usize,
    ingest: usize,
    clients: usize,
    queries: usize,
    skip_ingest: bool,
    skip_queries: bool,
    database_url: Option<String>,
}

fn parse_options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    let number = |name: &str, default: usize| {
        value(name).map_or(default, |text| {
            text.replace(['_', ','], "")
                .parse()
                .unwrap_or_else(|_| panic!("{name} takes a number, not {text:?}"))
        })
    };
    // Without `--bench` (cargo test --benches) run small and quick.
    let quick = !args.iter().any(|arg| arg == "--bench");
    Options {
        statements: if quick {
            3_000
        } else {
            number("--statements", 1_000_000)
        },
        ingest: if quick {
            200
        } else {
            number("--ingest", 20_000)
        },
        clients: number("--clients", 4).max(1),
        queries: if quick { 20 } else { number("--queries", 300) },
        skip_ingest: args.iter().any(|arg| arg == "--skip-ingest"),
        skip_queries: args.iter().any(|arg| arg == "--skip-queries"),
        database_url: value("--database-url").or_else(|| {
            std::env::var(xc_backend::testing::TEST_DATABASE_URL)
                .ok()
                .filter(|url| !url.is_empty())
        }),
    }
}

fn main() {
    let options = parse_options();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(options));
}

/// The load average, to print beside each figure (the machine is shared).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The city's statements, generated batch by batch of outcomes on a thread of their own
/// (two batches ahead at most) while the store writes.
struct StatementStream {
    batches: std::sync::mpsc::Receiver<Vec<Statement>>,
    pending: std::collections::VecDeque<Statement>,
}

impl StatementStream {
    fn new() -> Self {
        let (sender, batches) = std::sync::mpsc::sync_channel(2);
        std::thread::spawn(move || {
            let options = xc_gen::GenerateOptions::new(xc_gen::Scale::City, 2026);
            let city = xc_gen::generate_city(&options);
            let bank = xc_gen::CreditBank::new(&city);
            let mut outcomes = bank.outcomes(&city, xc_gen::BankStaff::default());
            let statements = xc_gen::StatementGenerator::new(&city);
            while let Some(batch) = outcomes.next_batch(xc_gen::OUTCOME_BATCH / 5) {
                if sender.send(statements.statements(&batch.outcomes)).is_err() {
                    break;
                }
            }
        });
        Self {
            batches,
            pending: Default::default(),
        }
    }

    /// The next `n` statements (fewer only when the city has no more).
    fn take(&mut self, n: usize) -> Vec<Statement> {
        while self.pending.len() < n {
            match self.batches.recv() {
                Ok(batch) => self.pending.extend(batch),
                Err(_) => break,
            }
        }
        let n = n.min(self.pending.len());
        self.pending.drain(..n).collect()
    }
}

/// What the queries draw their parameters from: seen while loading.
#[derive(Default)]
struct Seen {
    agents: Vec<String>,
    activities: Vec<String>,
    groupings: Vec<String>,
    verbs: Vec<String>,
    first_stored: Option<time::OffsetDateTime>,
    last_stored: Option<time::OffsetDateTime>,
}

impl Seen {
    fn note(&mut self, statements: &[Statement], every: usize) {
        for (n, statement) in statements.iter().enumerate() {
            if let Some(stored) = statement.stored.as_ref().map(|s| s.datetime()) {
                self.first_stored = Some(self.first_stored.map_or(stored, |f| f.min(stored)));
                self.last_stored = Some(self.last_stored.map_or(stored, |l| l.max(stored)));
            }
            if n % every != 0 {
                continue;
            }
            let json = statement.to_json();
            self.agents.push(json["actor"].to_string());
            if let Some(id) = json["object"]["id"].as_str() {
                self.activities.push(id.to_owned());
            }
            if let Some(id) = json["context"]["contextActivities"]["grouping"][0]["id"].as_str() {
                self.groupings.push(id.to_owned());
            }
            if let Some(id) = json["verb"]["id"].as_str()
                && !self.verbs.iter().any(|v| v == id)
            {
                self.verbs.push(id.to_owned());
            }
        }
    }
}

/// Percent-encodes a query parameter value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Clone)]
struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    authorization: String,
}

impl HttpClient {
    async fn send(&self, method: http::Method, path: &str, body: Option<Vec<u8>>) -> (u16, Bytes) {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("X-Experience-API-Version", "1.0.3");
        if body.is_some() {
            request = request.header("Content-Type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let response = self.client.request(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes)
    }
}

/// Serves the router on a loopback port; returns its address.
async fn serve(store: Arc<dyn Store>, keys: &std::path::Path) -> SocketAddr {
    let issuer = xc_issuer::Issuer::open(
        keys,
        xc_issuer::IssuerProfile {
            name: "学城终身教育学分银行".into(),
            base_url: "https://bank.example.org".into(),
        },
    )
    .unwrap();
    let state = xc_web::AppState::new(
        store,
        PiiVault::random(),
        xc_web::WebConfig {
            issue_owed_at_start: false,
            ..xc_web::WebConfig::default()
        },
        Arc::new(issuer),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = xc_web::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    address
}

/// Runs `batches` over `clients` concurrent workers; returns the wall time.
async fn concurrently<F, Fut>(batches: Vec<Vec<Statement>>, clients: usize, work: F) -> Duration
where
    F: Fn(Vec<Statement>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let queue = Arc::new(std::sync::Mutex::new(batches));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let queue = queue.clone();
            let work = work.clone();
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap().pop();
                    match next {
                        Some(batch) => work(batch).await,
                        None => break,
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    started.elapsed()
}

fn batches(statements: Vec<Statement>, size: usize) -> Vec<Vec<Statement>> {
    let mut batches: Vec<Vec<Statement>> = statements.chunks(size).map(<[_]>::to_vec).collect();
    batches.reverse(); // popped from the end: sent in stream order
    batches
}

async fn run(options: Options) {
    let test_store = match &options.database_url {
        Some(url) => xc_backend::testing::TestStore::fresh_postgres(url).await,
        None => xc_backend::testing::TestStore::fresh_sqlite().await,
    };
    let store = test_store.store.clone();
    println!(
        "learning record store on {}: {} statements, ingest {} per case over {} clients; load {}",
        store.engine(),
        options.statements,
        options.ingest,
        options.clients,
        load()
    );
    let keys = tempfile::tempdir().unwrap();
    let address = serve(store.clone(), keys.path()).await;
    let created = xc_web::xapi::clients::create_client(
        &*store,
        &xc_web::xapi::clients::ClientRequest {
            name: "bench".into(),
            institution: None,
            scopes: vec![xc_xapi::scope::Scope::All],
        },
        None,
        Actor::System("bench".into()),
    )
    .await
    .unwrap();
    let client = HttpClient {
        client: Client::builder(TokioExecutor::new()).build_http(),
        base: format!("http://{address}"),
        authorization: format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", created.key, created.secret))
        ),
    };

    let generating = Instant::now();
    let mut stream = StatementStream::new();
    let mut seen = Seen::default();
    let mut stored = 0usize;
    let mut generation = generating.elapsed();

    if !options.skip_ingest {
        for size in [100usize, 1] {
            let n = if size == 1 {
                (options.ingest / 5).max(1)
            } else {
                options.ingest
            };
            let started = Instant::now();
            let raw_rows = stream.take(n);
            let http_rows = stream.take(n);
            generation += started.elapsed();
            seen.note(&raw_rows, 50);
            seen.note(&http_rows, 50);
            stored += raw_rows.len() + http_rows.len();
            let raw_load = load();
            let raw = {
                let store = store.clone();
                concurrently(batches(raw_rows, size), options.clients, move |batch| {
                    let store = store.clone();
                    async move {
                        store.insert_statements(&batch, &[]).await.unwrap();
                    }
                })
                .await
            };
            let http_load = load();
            let http = {
                let client = client.clone();
                concurrently(batches(http_rows, size), options.clients, move |batch| {
                    let client = client.clone();
                    async move {
                        let body: Vec<serde_json::Value> =
                            batch.iter().map(Statement::to_json).collect();
                        let body = serde_json::to_vec(&body).unwrap();
                        let (status, answer) = client
                            .send(http::Method::POST, "/xapi/statements", Some(body))
                            .await;
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                    }
                })
                .await
            };
            let raw_rate = n as f64 / raw.as_secs_f64();
            let http_rate = n as f64 / http.as_secs_f64();
            println!(
                "ingest, {size} a request: store {raw_rate:.0} statements/s ({n} in {:.2} s, load {raw_load}); HTTP {http_rate:.0} statements/s ({n} in {:.2} s, load {http_load}); HTTP / store {:.2}",
                raw.as_secs_f64(),
                http.as_secs_f64(),
                http_rate / raw_rate
            );
        }
    }

    // The rest through the bulk path.
    let loading = Instant::now();
    let mut loading_store = Duration::ZERO;
    while stored < options.statements {
        let started = Instant::now();
        let batch = stream.take(LOAD_BATCH.min(options.statements - stored));
        generation += started.elapsed();
        if batch.is_empty() {
            break;
        }
        seen.note(&batch, 500);
        let started = Instant::now();
        stored += store.load_statements(&batch).await.unwrap() as usize;
        loading_store += started.elapsed();
        if stored % 1_000_000 < LOAD_BATCH {
            println!(
                "  loaded {stored} ({:.0} s, load {})",
                loading.elapsed().as_secs_f64(),
                load()
            );
        }
    }
    let started = Instant::now();
    store.finish_load().await.unwrap();
    println!(
        "bulk load: {stored} statements in the store; load_statements {:.1} s ({:.0} statements/s), finish_load {:.1} s, waiting for the generator {:.1} s; load {}",
        loading_store.as_secs_f64(),
        (stored as f64) / loading_store.as_secs_f64().max(1e-9),
        started.elapsed().as_secs_f64(),
        generation.as_secs_f64(),
        load()
    );

    if !options.skip_queries {
        run_queries(&store, &client, &seen, options.queries).await;
    }
    drop(test_store);
}

/// One kind of query: its name and, for the nth request, its parameters.
type QueryCase<'a> = (
    &'static str,
    Box<dyn Fn(usize) -> Vec<(String, String)> + 'a>,
);

async fn run_queries(store: &Arc<dyn Store>, client: &HttpClient, seen: &Seen, requests: usize) {
    let pick = |items: &Vec<String>, n: usize| items[(n * 7919) % items.len()].clone();
    let (Some(first), Some(last)) = (seen.first_stored, seen.last_stored) else {
        return;
    };
    let timestamp =
        |at: time::OffsetDateTime| xc_xapi::types::Timestamp::from_datetime(at).to_rfc3339();
    let span = last - first;
    let cases: Vec<QueryCase<'_>> = vec![
        (
            "agent",
            Box::new(|n| vec![("agent".into(), pick(&seen.agents, n))]),
        ),
        (
            "verb",
            Box::new(|n| vec![("verb".into(), pick(&seen.verbs, n))]),
        ),
        (
            "activity",
            Box::new(|n| vec![("activity".into(), pick(&seen.activities, n))]),
        ),
        (
            "related_activities",
            Box::new(|n| {
                vec![
                    ("activity".into(), pick(&seen.groupings, n)),
                    ("related_activities".into(), "true".into()),
                ]
            }),
        ),
        (
            "related_agents",
            Box::new(|n| {
                vec![
                    ("agent".into(), pick(&seen.agents, n)),
                    ("related_agents".into(), "true".into()),
                ]
            }),
        ),
        (
            "since/until",
            Box::new(move |n| {
                let from = first + span * ((n * 37 % 100) as f64 / 100.0);
                vec![
                    ("since".into(), timestamp(from)),
                    ("until".into(), timestamp(from + time::Duration::days(7))),
                ]
            }),
        ),
        (
            "agent+verb",
            Box::new(|n| {
                vec![
                    ("agent".into(), pick(&seen.agents, n)),
                    ("verb".into(), pick(&seen.verbs, n / 3)),
                ]
            }),
        ),
    ];
    println!(
        "queries: GET /xapi/statements?limit={QUERY_LIMIT}, one at a time, {requests} timed after 10 warm-up; load {}",
        load()
    );
    for (name, parameters) in &cases {
        let mut http_times = Vec::with_capacity(requests);
        let mut store_times = Vec::with_capacity(requests);
        let mut returned = 0usize;
        for n in 0..requests + 10 {
            let mut pairs = parameters(n);
            pairs.push(("limit".into(), QUERY_LIMIT.to_string()));
            let query: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect();
            let path = format!("/xapi/statements?{}", query.join("&"));
            let started = Instant::now();
            let (status, body) = client.send(http::Method::GET, &path, None).await;
            let http_time = started.elapsed();
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
            let parsed = xc_xapi::query::StatementQuery::parse(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .unwrap();
            let xc_xapi::query::Selection::Filter(filter) = parsed.selection else {
                unreachable!("a list query")
            };
            let started = Instant::now();
            let page = store.query_statements(&filter, None).await.unwrap();
            let store_time = started.elapsed();
            if n >= 10 {
                http_times.push(http_time);
                store_times.push(store_time);
                returned += page.statements.len();
            }
        }
        http_times.sort_unstable();
        store_times.sort_unstable();
        println!(
            "  {name:<18} HTTP p50 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms | store p50 {:6.2} ms  p99 {:6.2} ms | {:.0} statements a page | load {}",
            ms(percentile(&http_times, 0.5)),
            ms(percentile(&http_times, 0.99)),
            ms(*http_times.last().unwrap()),
            ms(percentile(&store_times, 0.5)),
            ms(percentile(&store_times, 0.99)),
            returned as f64 / requests as f64,
            load()
        );
    }
    // Paging: the first page of a verb, then `more` to the tenth page, for several verbs.
    let mut page_times = Vec::new();
    for n in 0..(requests / 10).max(3) {
        let verb = pick(&seen.verbs, n);
        let mut path = format!(
            "/xapi/statements?verb={}&limit={QUERY_LIMIT}",
            encode(&verb)
        );
        for page in 0..10 {
            let started = Instant::now();
            let (status, body) = client.send(http::Method::GET, &path, None).await;
            let elapsed = started.elapsed();
            assert_eq!(status, 200, "{path}");
            if page > 0 {
                page_times.push(elapsed);
            }
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            match json["more"].as_str() {
                Some(more) if !more.is_empty() => path = more.to_owned(),
                _ => break,
            }
        }
    }
    page_times.sort_unstable();
    if !page_times.is_empty() {
        println!(
            "  {:<18} HTTP p50 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms | {} pages | load {}",
            "more (pages 2-10)",
            ms(percentile(&page_times, 0.5)),
            ms(percentile(&page_times, 0.99)),
            ms(*page_times.last().unwrap()),
            page_times.len(),
            load()
        );
    }
}
