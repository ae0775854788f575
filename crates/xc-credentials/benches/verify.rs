//! Verify throughput of an Open Badges 3.0 credential against the raw signature checks of the
//! same crates: `cargo bench -p xc-credentials --bench verify`. Each case runs in batches for
//! about a second; the figure is the median time per operation over the batches. The issue's
//! target: eddsa-jcs-2022 credential verification at least 50% of the raw Ed25519 verify rate.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use xc_credentials::{
    Canonicaliser, ContextLoader, Cryptosuite, KeyAlgorithm, Keyring, ProofRequest, SignOptions,
    SigningKey, VerifyOptions, jcs, sign_credential, verify_credential,
};

const CREDENTIAL: &str = include_str!("../tests/it/fixtures/ob3-credential.json");
const ED25519_KEY_ID: &str = "did:web:credit-bank.xuecheng.example#key-1";
const SM2_KEY_ID: &str = "did:web:credit-bank.xuecheng.example#sm2-key-1";

/// Rounds of batches; in each round every case runs one batch, so a change of load on the
/// shared machine affects all cases alike and the ratios stay fair.
const ROUNDS: usize = 150;
/// Wall time one batch should take.
const BATCH_TARGET: Duration = Duration::from_millis(10);

struct Case<'a> {
    name: &'static str,
    operation: Box<dyn FnMut() + 'a>,
    batch: u32,
    samples: Vec<f64>,
}

impl<'a> Case<'a> {
    fn new(name: &'static str, operation: impl FnMut() + 'a) -> Self {
        Self {
            name,
            operation: Box::new(operation),
            batch: 1,
            samples: Vec::new(),
        }
    }

    fn calibrate(&mut self) {
        let started = Instant::now();
        let mut calls = 0u32;
        while started.elapsed() < BATCH_TARGET {
            (self.operation)();
            calls += 1;
        }
        self.batch = calls.max(1);
    }

    fn run_batch(&mut self) {
        let started = Instant::now();
        for _ in 0..self.batch {
            (self.operation)();
        }
        self.samples
            .push(started.elapsed().as_nanos() as f64 / f64::from(self.batch));
    }

    /// Median nanoseconds per call.
    fn median(&self) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    }
}

fn report(name: &str, nanoseconds: f64, reference: Option<(&str, f64)>) {
    let per_second = 1e9 / nanoseconds;
    match reference {
        Some((reference_name, reference_nanoseconds)) => println!(
            "{name:<58} {:>10.1} µs  {per_second:>9.0}/s  {:>5.1}% of {reference_name}",
            nanoseconds / 1000.0,
            100.0 * reference_nanoseconds / nanoseconds
        ),
        None => println!(
            "{name:<58} {:>10.1} µs  {per_second:>9.0}/s",
            nanoseconds / 1000.0
        ),
    }
}

fn main() {
    let unsigned: Value = serde_json::from_str(CREDENTIAL).expect("fixture parses");
    let mut keyring = Keyring::new();
    keyring.insert(SigningKey::ed25519_from_secret_bytes(ED25519_KEY_ID, &[11; 32]).unwrap());
    keyring.insert(SigningKey::sm2_from_secret_bytes(SM2_KEY_ID, &[22; 32]).unwrap());
    let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
    let created = OffsetDateTime::parse("2025-03-01T08:00:00Z", &Rfc3339).unwrap();
    let options = VerifyOptions::assertion_at(
        OffsetDateTime::parse("2026-01-15T00:00:00Z", &Rfc3339).unwrap(),
    );
    let sign = |suites: &[Cryptosuite]| {
        let requests: Vec<ProofRequest<'_>> = suites
            .iter()
            .map(|suite| ProofRequest {
                key: keyring
                    .key(match suite.key_algorithm() {
                        KeyAlgorithm::Ed25519 => ED25519_KEY_ID,
                        KeyAlgorithm::Sm2 => SM2_KEY_ID,
                    })
                    .unwrap(),
                cryptosuite: *suite,
            })
            .collect();
        sign_credential(
            &unsigned,
            &requests,
            &SignOptions::assertion_at(created),
            &canonicaliser,
        )
        .unwrap()
    };
    let jcs_only = sign(&[Cryptosuite::EddsaJcs2022]);
    let sm2_only = sign(&[Cryptosuite::Sm2Jcs2025]);
    let both = sign(&[Cryptosuite::EddsaJcs2022, Cryptosuite::Sm2Jcs2025]);
    let rdfc_only = sign(&[Cryptosuite::EddsaRdfc2022]);
    let verify = |document: &Value| {
        verify_credential(black_box(document), &keyring, &options, &canonicaliser)
            .expect("benchmark credential verifies");
    };

    // Raw signature checks of the same crates, on the 64 bytes a proof signs.
    let message = [7u8; 64];
    let ed25519_key = keyring.key(ED25519_KEY_ID).unwrap();
    let ed25519_signature = ed25519_key.sign(&message);
    let ed25519_public = ed25519_key.verification_key().clone();
    let sm2_key = keyring.key(SM2_KEY_ID).unwrap();
    let sm2_signature = sm2_key.sign(&message);
    let sm2_public = sm2_key.verification_key().clone();

    println!(
        "xc-credentials verify benchmark: OB 3.0 credential of {} bytes (JSON), median per operation over {ROUNDS} interleaved rounds",
        serde_json::to_string(&unsigned).unwrap().len()
    );
    let mut cases = [
        Case::new(
            "raw Ed25519 verify (ed25519-dalek 3, verify_strict)",
            || {
                assert!(ed25519_public.verify_signature(black_box(&message), &ed25519_signature));
            },
        ),
        Case::new("raw SM2 verify (sm2 0.14, Z_A precomputed)", || {
            assert!(sm2_public.verify_signature(black_box(&message), &sm2_signature));
        }),
        Case::new("JCS canonicalisation of the credential", || {
            black_box(jcs::canonicalize_without_member(
                black_box(&jcs_only),
                "proof",
            ));
        }),
        Case::new("verify credential, eddsa-jcs-2022 proof", || {
            verify(&jcs_only)
        }),
        Case::new("verify credential, sm2-jcs-2025 proof", || {
            verify(&sm2_only)
        }),
        Case::new(
            "verify credential, both proofs (eddsa-jcs-2022 + sm2-jcs-2025)",
            || verify(&both),
        ),
        Case::new("verify credential, eddsa-rdfc-2022 proof", || {
            verify(&rdfc_only)
        }),
    ];
    cases.iter_mut().for_each(Case::calibrate);
    for _ in 0..ROUNDS {
        cases.iter_mut().for_each(Case::run_batch);
    }
    let medians: Vec<f64> = cases.iter().map(Case::median).collect();
    let (raw_ed25519, raw_sm2) = (medians[0], medians[1]);
    let references = [
        None,
        None,
        None,
        Some(("raw Ed25519", raw_ed25519)),
        Some(("raw SM2", raw_sm2)),
        Some(("raw Ed25519 + raw SM2", raw_ed25519 + raw_sm2)),
        Some(("raw Ed25519", raw_ed25519)),
    ];
    for ((case, median), reference) in cases.iter().zip(&medians).zip(references) {
        report(case.name, *median, reference);
    }
}
