#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a short while with libFuzzer (issue 4 and 5: "fuzz
# the parsers, run briefly in CI"). Usage: scripts/fuzz-briefly.sh [SECONDS_PER_TARGET] (default 15).
#
# cargo-fuzz is not on these machines, so this builds the same instrumented binaries that
# `cargo fuzz build` would (the flags are in docs/credentials.md, "Fuzzing") with the nightly
# toolchain, seeds each target's corpus from the project's own fixtures, and runs each target
# for the given time. A crash fails the script and leaves the input under
# $OUT/artifacts/<target>/. Without a nightly toolchain it says so and exits 0: the same inputs
# are then covered only by the proptest "never panics" properties that `cargo test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_TARGET="${1:-15}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: no nightly toolchain on this machine; libFuzzer run skipped (the never-panics properties in cargo test still ran)"
    exit 0
fi

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
OUT="${FUZZ_OUT:-$TARGET_DIR/runs}"
TRIPLE=x86_64-unknown-linux-gnu
# `--target` keeps the instrumentation off build scripts and proc macros; release with debug
# assertions and overflow checks, as `cargo fuzz build` does by default.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
(cd fuzz && CARGO_TARGET_DIR="$TARGET_DIR" cargo +nightly build --release --locked --bins --target "$TRIPLE")
BIN="$TARGET_DIR/$TRIPLE/release"

# Seeds: valid inputs from the project's fixtures and fuzz/seeds/<target>/, so the fuzzer
# starts inside the formats.
seed() { # seed TARGET FILE...
    local dir="$OUT/corpus/$1"; shift
    mkdir -p "$dir"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/"; done
    return 0
}
FIX=crates/xc-credentials/tests/it/fixtures
seed credential_verify "$FIX/ob3-credential.json" "$FIX/sm2-jcs-2025-vector.json"
for dir in fuzz/seeds/*/; do
    target=$(basename "$dir")
    seed "$target" "$dir"*
done

failed=()
for target in $(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml); do
    mkdir -p "$OUT/corpus/$target" "$OUT/artifacts/$target"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
    if ! "$BIN/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$target/" \
        "$OUT/corpus/$target" 2> "$OUT/$target.log"; then
        failed+=("$target")
        tail -n 40 "$OUT/$target.log"
    fi
    grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$OUT/$target.log" | tail -n 1 || true
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}; inputs under $OUT/artifacts/" >&2
    exit 1
fi
echo "fuzz: no crash in any target"
