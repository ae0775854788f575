#!/usr/bin/env bash
# Benchmark: `xuecheng generate --scale SCALE` (default city) on SQLite and on PostgreSQL.
# Prints wall time and size on disk for each engine. Usage:
#   scripts/bench-generate.sh [city|district|tiny] [postgres://postgres@127.0.0.1:5432/postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-city}"
pg_admin="${2:-postgres://postgres@127.0.0.1:5432/postgres}"

cargo build --release -p xuecheng --quiet
bin="$PWD/target/release/xuecheng"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "--- SQLite, scale $scale"
start=$(date +%s.%N)
XUECHENG_LOG__LEVEL=warn "$bin" generate --scale "$scale" --data-dir "$work/sqlite"
end=$(date +%s.%N)
printf 'sqlite: %.1f s, %s on disk\n' "$(echo "$end - $start" | bc)" "$(du -sh "$work/sqlite" | cut -f1)"

if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    db="xc_bench_$$"
    psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
    url="${pg_admin%/*}/$db"
    echo "--- PostgreSQL, scale $scale"
    start=$(date +%s.%N)
    XUECHENG_LOG__LEVEL=warn "$bin" generate --scale "$scale" --data-dir "$work/pg" --database-url "$url"
    end=$(date +%s.%N)
    size=$(psql "$pg_admin" -Atc "SELECT pg_size_pretty(pg_database_size('$db'))")
    printf 'postgresql: %.1f s, %s on disk\n' "$(echo "$end - $start" | bc)" "$size"
    psql "$pg_admin" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
else
    echo "PostgreSQL is not reachable on 127.0.0.1:5432: skipped"
fi
