//! The transparency log at issue 4's scale: append throughput in batches of 1,000 entries, and
//! inclusion and consistency proof generation and verification on a log of 10,000,000 leaves
//! (target: at most 1 ms per proof).
//!
//! `cargo bench -p xc-merkle --bench log` builds the log in memory (leaf hashes computed
//! directly, no entry data kept), times 10,000 single operations of each kind at random leaves
//! and sizes and prints median, p99 and maximum (criterion reports means and medians of batches,
//! not tails), then runs criterion's own measurement. Without `--bench` (criterion's quick test
//! mode, e.g. `cargo test --benches`) the log has 100,000 leaves so the check stays fast.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use xc_merkle::{AppendPlan, Hash, MemoryTree, hash_leaf};

const BENCH_LOG_SIZE: u64 = 10_000_000;
const TEST_MODE_LOG_SIZE: u64 = 100_000;
const APPEND_BATCH: usize = 1_000;
const ENTRY_BYTES: usize = 128;
const TIMED_OPERATIONS: usize = 10_000;

/// xorshift64*: deterministic, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `[low, high)` for picking leaves.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

fn build_log(size: u64) -> MemoryTree {
    let start = Instant::now();
    let mut tree = MemoryTree::with_capacity(size as usize);
    for index in 0..size {
        tree.append_leaf_hash(hash_leaf(&index.to_le_bytes()));
    }
    eprintln!(
        "built a log of {size} leaves in {:.2} s; root {}",
        start.elapsed().as_secs_f64(),
        tree.current_root()
    );
    tree
}

/// One batch of entries the size of a small signed event record.
fn entry_batch(random: &mut Random) -> Vec<[u8; ENTRY_BYTES]> {
    (0..APPEND_BATCH)
        .map(|_| {
            let mut entry = [0u8; ENTRY_BYTES];
            for chunk in entry.chunks_exact_mut(8) {
                chunk.copy_from_slice(&random.next().to_le_bytes());
            }
            entry
        })
        .collect()
}

/// Inputs for one kind of timed operation, drawn up front so drawing is not timed.
struct Workload {
    inclusion_requests: Vec<u64>,
    consistency_requests: Vec<u64>,
    inclusion_proofs: Vec<(Hash, xc_merkle::InclusionProof)>,
    consistency_proofs: Vec<(Hash, xc_merkle::ConsistencyProof)>,
    root: Hash,
}

fn workload(log: &MemoryTree, random: &mut Random) -> Workload {
    let size = log.size();
    let inclusion_requests: Vec<u64> = (0..TIMED_OPERATIONS)
        .map(|_| random.between(0, size))
        .collect();
    let consistency_requests: Vec<u64> = (0..TIMED_OPERATIONS)
        .map(|_| random.between(1, size))
        .collect();
    let inclusion_proofs = inclusion_requests
        .iter()
        .map(|&index| {
            let leaf = log.leaf_hash(index).expect("index below size");
            (
                leaf,
                log.inclusion_proof(index, size).expect("valid request"),
            )
        })
        .collect();
    let consistency_proofs = consistency_requests
        .iter()
        .map(|&old_size| {
            let old_root = log.root(old_size).expect("old size below size");
            let proof = log
                .consistency_proof(old_size, size)
                .expect("valid request");
            (old_root, proof)
        })
        .collect();
    Workload {
        inclusion_requests,
        consistency_requests,
        inclusion_proofs,
        consistency_proofs,
        root: log.current_root(),
    }
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    eprintln!(
        "{name}, {} runs: median {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        times.len(),
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        times[times.len() - 1].as_secs_f64() * 1e6
    );
}

fn time_each<T>(inputs: &[T], mut operation: impl FnMut(&T)) -> Vec<Duration> {
    inputs
        .iter()
        .map(|input| {
            let start = Instant::now();
            operation(input);
            start.elapsed()
        })
        .collect()
}

fn report_percentiles(log: &MemoryTree, work: &Workload, random: &mut Random) {
    let size = log.size();
    report(
        &format!("inclusion proof generation at {size} leaves"),
        time_each(&work.inclusion_requests, |&index| {
            black_box(log.inclusion_proof(black_box(index), size).ok());
        }),
    );
    report(
        &format!("inclusion proof verification at {size} leaves"),
        time_each(&work.inclusion_proofs, |(leaf, proof)| {
            black_box(proof.verify(black_box(leaf), &work.root).is_ok());
        }),
    );
    report(
        &format!("consistency proof generation to {size} leaves"),
        time_each(&work.consistency_requests, |&old_size| {
            black_box(log.consistency_proof(black_box(old_size), size).ok());
        }),
    );
    report(
        &format!("consistency proof verification to {size} leaves"),
        time_each(&work.consistency_proofs, |(old_root, proof)| {
            black_box(proof.verify(black_box(old_root), &work.root).is_ok());
        }),
    );
    let batches: Vec<_> = (0..200).map(|_| entry_batch(random)).collect();
    let mut growing = MemoryTree::with_capacity(batches.len() * APPEND_BATCH);
    let times = time_each(&batches, |batch| {
        black_box(growing.append_batch(batch));
    });
    let total: Duration = times.iter().sum();
    eprintln!(
        "append: {:.0} entries/s over {} batches of {APPEND_BATCH}",
        (times.len() * APPEND_BATCH) as f64 / total.as_secs_f64(),
        times.len()
    );
    report(&format!("append of one batch of {APPEND_BATCH}"), times);
}

fn bench_appends(criterion: &mut Criterion, log: &MemoryTree, random: &mut Random) {
    let mut group = criterion.benchmark_group("append");
    group.throughput(Throughput::Elements(APPEND_BATCH as u64));
    let batch = entry_batch(random);
    group.bench_function("memory tree, batch of 1000 entries", |bencher| {
        bencher.iter_custom(|iterations| {
            // A fresh tree now and then keeps memory bounded however long criterion runs.
            let mut tree = MemoryTree::new();
            let mut elapsed = Duration::ZERO;
            for _ in 0..iterations {
                if tree.size() >= 1 << 20 {
                    tree = MemoryTree::new();
                }
                let start = Instant::now();
                black_box(tree.append_batch(&batch));
                elapsed += start.elapsed();
            }
            elapsed
        })
    });
    // What a store does per batch on top of the log: plan, fold the frontier in, list the rows.
    let plan = AppendPlan::new(log.size(), APPEND_BATCH as u64).expect("fits");
    let frontier: Vec<Hash> = plan
        .frontier_nodes()
        .iter()
        .map(|node| log.node(*node).expect("stored"))
        .collect();
    let leaf_hashes: Vec<Hash> = batch.iter().map(|entry| hash_leaf(entry)).collect();
    group.bench_function(
        format!("append plan, 1000 leaf hashes onto {} leaves", log.size()),
        |bencher| bencher.iter(|| plan.compute(black_box(&frontier), black_box(&leaf_hashes))),
    );
    group.finish();
}

fn bench_proofs(criterion: &mut Criterion, log: &MemoryTree, work: &Workload) {
    let size = log.size();
    let mut group = criterion.benchmark_group(format!("proofs at {size} leaves"));
    let mut next = 0usize;
    let mut cycle = move |length: usize| {
        next = (next + 1) % length;
        next
    };
    group.bench_function("inclusion proof generation", |bencher| {
        bencher.iter(|| {
            let index = work.inclusion_requests[cycle(TIMED_OPERATIONS)];
            log.inclusion_proof(black_box(index), size)
        })
    });
    group.bench_function("inclusion proof verification", |bencher| {
        bencher.iter(|| {
            let (leaf, proof) = &work.inclusion_proofs[cycle(TIMED_OPERATIONS)];
            proof.verify(black_box(leaf), &work.root)
        })
    });
    group.bench_function("consistency proof generation", |bencher| {
        bencher.iter(|| {
            let old_size = work.consistency_requests[cycle(TIMED_OPERATIONS)];
            log.consistency_proof(black_box(old_size), size)
        })
    });
    group.bench_function("consistency proof verification", |bencher| {
        bencher.iter(|| {
            let (old_root, proof) = &work.consistency_proofs[cycle(TIMED_OPERATIONS)];
            proof.verify(black_box(old_root), &work.root)
        })
    });
    group.bench_function("root at a past size", |bencher| {
        bencher.iter(|| {
            log.root(black_box(
                work.consistency_requests[cycle(TIMED_OPERATIONS)],
            ))
        })
    });
    group.finish();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not and gets criterion's quick
    // test mode on a smaller log.
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let log = build_log(if benchmarking {
        BENCH_LOG_SIZE
    } else {
        TEST_MODE_LOG_SIZE
    });
    let mut random = Random(0x5EED_CAFE_F00D_0004);
    let work = workload(&log, &mut random);
    if benchmarking {
        report_percentiles(&log, &work, &mut random);
    }
    let mut criterion = Criterion::default()
        .sample_size(50)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    bench_appends(&mut criterion, &log, &mut random);
    bench_proofs(&mut criterion, &log, &work);
    criterion.final_summary();
}
