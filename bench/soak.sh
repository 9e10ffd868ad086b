#!/usr/bin/env bash
# Memory soak of the sidecar (release build, loopback, wrk from Debian): fills a 100k-event window
# on 15 features with 5 s of batched ingest, then holds single-event load at 8 connections for
# --seconds, evaluating every 2 s and checkpointing every 10 s. Prints RSS and peak RSS every 10 s
# and the load's requests/s and p99, so growth (a leak, fragmentation) shows as a rising line.
#   bench/soak.sh [--seconds 150]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=150
[ "${1:-}" = "--seconds" ] && secs="$2"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
swift build -c release --product driftwatch 2>&1 | tail -1
bin="$(swift build -c release --show-bin-path)/driftwatch"
data=bench/out/compare
[ -f "$data/reference_100000.csv" ] || python3 bench/compare_data.py --rows 100000 --out "$data"
work="$(mktemp -d)"
serve="" load=""
cleanup() { for p in $load $serve; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source bench/sidecar_start.sh
url="http://127.0.0.1:$port/v1/events"
BODY="$work/batch.ndjson" CT=application/x-ndjson wrk -t1 -c8 -d5s -s bench/wrk_post.lua "$url" >/dev/null
echo "window filled: $(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^driftwatch_window_samples/ {print $2}') events; single-event load at 8 connections for ${secs}s"
BODY="$work/single.json" CT=application/json wrk -t1 -c8 -d"${secs}s" -s bench/wrk_post.lua "$url" >"$work/wrk.out" &
load=$!
for i in $(seq 1 $((secs / 10))); do
  sleep 10
  awk -v t=$((i * 10)) '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "%4d s  RSS %4.0f MB  peak %4.0f MB\n", t, r/1024, h/1024}' "/proc/$serve/status"
done
wait "$load"
awk '/^WRK/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "load: %.0f requests/s, p99 %.2f ms, errors %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p99_us"] / 1000, v["errors"] }' "$work/wrk.out"
