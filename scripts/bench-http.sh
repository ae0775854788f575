#!/usr/bin/env bash
# Benchmark: the home page and a district page under concurrent load on the district-scale demo
# city (SQLite), with wrk on loopback: 50 connections, 2 threads, DURATION seconds each (default
# 30). Prints requests/s and the latency distribution (p50, p99). Usage:
#   scripts/bench-http.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-30}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

cargo build --release -p xuecheng --quiet
bin="$PWD/target/release/xuecheng"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

XUECHENG_LOG__LEVEL=warn "$bin" generate --scale district --data-dir "$work/data" >/dev/null
XUECHENG_LOG__LEVEL=warn "$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(uname -sr); server and wrk share the machine"
for path in / /districts/310104 /api/v1/sites?district=310104; do
    echo "--- GET $path"
    curl -fs -o /dev/null "http://127.0.0.1:$port$path"
    wrk -t2 -c50 -d"${duration}s" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|Latency|  50%|  99%|Non-2xx'
done
