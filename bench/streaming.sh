#!/usr/bin/env bash
# The streaming figures of docs/performance.md ("Streaming"), one benchmark at a time:
#   bash bench/streaming.sh 2>&1 | tee /tmp/streaming.txt
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
  echo
  echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"
  env "$@" 2>&1 | grep -v "mf:\|ENOTFOUND\|getaddrinfo\|    at \|^$" || true
}
# Runs vary by ±20 % on a shared 2-core VM: three of each WebSocket case.
for i in 1 2 3; do
  run npx tsx bench/ingest-ws.ts 400000 100
  run npx tsx bench/ingest-ws.ts 400000 500
  run BENCH_PERSIST=1 npx tsx bench/ingest-ws.ts 400000 100
  run BENCH_PERSIST=1 npx tsx bench/ingest-ws.ts 400000 500
done
# A minute at an offered rate (kept up = the last trades stored within a flush delay of being sent).
run BENCH_PERSIST=1 npx tsx bench/ingest-ws.ts 1200000 500 --pump-rate 20000
run BENCH_PERSIST=1 npx tsx bench/ingest-ws.ts 1200000 500 --pump-rate 25000
run npx tsx bench/ingest-ws.ts 200000 100 --stream-rate 0
run npx tsx bench/ingest-ws.ts 200000 500 --cold
# HTTP batches of 50,000 (the API's maximum); the last case at the earlier maximum, 10,000.
run npx tsx bench/ingest.ts
run npx tsx bench/ingest.ts 200000 500
run BENCH_PERSIST=1 npx tsx bench/ingest.ts 200000 50
run BENCH_PERSIST=1 npx tsx bench/ingest.ts 200000 500
run BENCH_PERSIST=1 npx tsx bench/ingest.ts 200000 500
run BENCH_PERSIST=1 npx tsx bench/ingest.ts 200000 500 10000
run npx tsx bench/builders.ts
