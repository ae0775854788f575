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

/// Median nanoseconds per call of `operation`.
fn median_nanoseconds(mut operation: impl FnMut()) -> f64 {
    // Size a batch to take about 20 ms.
    let started = Instant::now();
    let mut calibration = 0u32;
    while started.elapsed() < Duration::from_millis(20) {
        operation();
        calibration += 1;
    }
    let batch = calibration.max(1);
    let mut samples = Vec::new();
    let run_started = Instant::now();
    while run_started.elapsed() < Duration::from_millis(1200) || samples.len() < 15 {
        let batch_started = Instant::now();
        for _ in 0..batch {
            operation();
        }
        samples.push(batch_started.elapsed().as_nanos() as f64 / f64::from(batch));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
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
        "xc-credentials verify benchmark: OB 3.0 credential of {} bytes (JSON), median per operation",
        serde_json::to_string(&unsigned).unwrap().len()
    );
    let raw_ed25519 = median_nanoseconds(|| {
        assert!(ed25519_public.verify_signature(black_box(&message), &ed25519_signature));
    });
    report(
        "raw Ed25519 verify (ed25519-dalek 3, verify_strict)",
        raw_ed25519,
        None,
    );
    let raw_sm2 = median_nanoseconds(|| {
        assert!(sm2_public.verify_signature(black_box(&message), &sm2_signature));
    });
    report("raw SM2 verify (sm2 0.14, Z_A precomputed)", raw_sm2, None);
    let raw_both = raw_ed25519 + raw_sm2;
    report("raw Ed25519 + raw SM2 verify", raw_both, None);

    let canonical = median_nanoseconds(|| {
        black_box(jcs::canonicalize_without_member(
            black_box(&jcs_only),
            "proof",
        ));
    });
    report("JCS canonicalisation of the credential", canonical, None);

    let jcs = median_nanoseconds(|| verify(&jcs_only));
    report(
        "verify credential, eddsa-jcs-2022 proof",
        jcs,
        Some(("raw Ed25519", raw_ed25519)),
    );
    let sm2 = median_nanoseconds(|| verify(&sm2_only));
    report(
        "verify credential, sm2-jcs-2025 proof",
        sm2,
        Some(("raw SM2", raw_sm2)),
    );
    let proof_set = median_nanoseconds(|| verify(&both));
    report(
        "verify credential, both proofs (eddsa-jcs-2022 + sm2-jcs-2025)",
        proof_set,
        Some(("raw Ed25519 + raw SM2", raw_both)),
    );
    let rdfc = median_nanoseconds(|| verify(&rdfc_only));
    report(
        "verify credential, eddsa-rdfc-2022 proof",
        rdfc,
        Some(("raw Ed25519", raw_ed25519)),
    );
}
