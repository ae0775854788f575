//! Issuance benchmark (issue 4): credentials for N recognised outcomes, built, signed with the
//! three suites and recorded with their log entries, in batches of 500, on a fresh SQLite store.
//! Prints credentials per second overall and the cost of each suite's proof alone.
//!
//! ```text
//! cargo bench -p xc-issuer --bench issue                    # 2,000 outcomes
//! cargo bench -p xc-issuer --bench issue -- --count 100000  # the issue's 100,000
//! ```

#![allow(clippy::print_stdout)] // a bench binary reports on stdout

use std::time::Instant;

use time::OffsetDateTime;
use xc_backend::testing::TestStore;
use xc_credentials::{Canonicaliser, ContextLoader, Cryptosuite, KeyAlgorithm, SignOptions};
use xc_issuer::{
    IssuerKeys, IssuerProfile, OutcomeCredentialInput, ToIssue, issue_outcome_credentials,
    outcome_credential,
};
use xc_store::suite::recognised_outcomes_fixture;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args
        .iter()
        .position(|arg| arg == "--count")
        .and_then(|at| args.get(at + 1))
        .map(|value| value.parse().expect("--count takes a number"))
        .unwrap_or(2_000);
    // `cargo test --benches` runs bench targets without `--bench`: keep it quick.
    let count = if args.iter().any(|arg| arg == "--bench") {
        count
    } else {
        count.min(20)
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(count));
}

async fn run(count: usize) {
    let store = TestStore::fresh_sqlite().await;
    let started = Instant::now();
    let outcomes = recognised_outcomes_fixture(&*store, count).await;
    println!(
        "setup: {count} recognised outcomes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    let keys = IssuerKeys::open_or_create(dir.path(), "did:web:bank.example.org").unwrap();
    let profile = IssuerProfile {
        name: "学城终身教育学分银行".into(),
        base_url: "https://bank.example.org".into(),
    };
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let at = OffsetDateTime::now_utc();

    // Each suite alone, on one credential, 50 times: where the time goes.
    let credential = outcome_credential(
        &profile,
        keys.did(),
        &OutcomeCredentialInput {
            credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000",
            outcome: &outcomes[0],
            provider_name: "静安区社区学院",
            identity_salt: "00",
            issued_at: at,
        },
    )
    .unwrap();
    for suite in [
        Cryptosuite::EddsaRdfc2022,
        Cryptosuite::EddsaJcs2022,
        Cryptosuite::Sm2Jcs2025,
    ] {
        let started = Instant::now();
        for _ in 0..50 {
            keys.keyring()
                .sign_credential(
                    &credential,
                    &[suite],
                    &SignOptions::assertion_at(at),
                    &canonicaliser,
                )
                .unwrap();
        }
        println!(
            "one {suite:?} proof: {:.3} ms",
            started.elapsed().as_secs_f64() * 1000.0 / 50.0
        );
    }
    let _ = keys.active(KeyAlgorithm::Ed25519);

    let started = Instant::now();
    let to_issue: Vec<ToIssue<'_>> = outcomes
        .iter()
        .map(|outcome| ToIssue {
            outcome,
            provider_name: "静安区社区学院",
        })
        .collect();
    for batch in to_issue.chunks(500) {
        issue_outcome_credentials(&*store, &keys, &profile, &canonicaliser, batch, at)
            .await
            .unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "issue: {count} credentials (3 proofs each) in {seconds:.1} s = {:.0} per second, log size {}",
        count as f64 / seconds,
        store.log_size().await.unwrap()
    );
}
