#!/usr/bin/env bash
# Sidecar benchmark on loopback (release build; wrk from Debian as the load generator, sharing the
# 2 cores with the server). Prints: batched ingest (1 000-event NDJSON, 15 features) events/s and
# p99; single-event POST requests/s and p99; RSS with a full 100k-event window on 15 features;
# the median evaluation tick at 100k x 15; and the same figures for a Python sidecar of the kind
# users write (Flask + prometheus_client + scipy, bench/python_sidecar.py), with ratios.
#   bench/sidecar.sh [--seconds 10]
#   DRIFTWATCH_BIN=/path/to/driftwatch bench/sidecar.sh   # another build (A/B runs), no swift build
set -euo pipefail
cd "$(dirname "$0")/.."
secs=10
[ "${1:-}" = "--seconds" ] && secs="$2"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
python3 -c "import flask, prometheus_client, scipy, pandas" 2>/dev/null || pip install -q flask prometheus_client scipy "pandas<3"
if [ -n "${DRIFTWATCH_BIN:-}" ]; then
  bin="$DRIFTWATCH_BIN"
else
  swift build -c release --product driftwatch 2>&1 | tail -1
  bin="$(swift build -c release --show-bin-path)/driftwatch"
fi
data=bench/out/compare
[ -f "$data/reference_100000.csv" ] || python3 bench/compare_data.py --rows 100000 --out "$data"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# ~50 s of load: about 25 evaluation ticks and five checkpoints, which the p99 and RSS-peak
# figures include.
source bench/sidecar_start.sh
pids+=("$serve")
pyport=$((port + 1))

run_wrk() { # url body content-type connections -> "requests duration_us p50_us p99_us errors"
  BODY="$2" CT="$3" wrk -t1 -c"$4" -d"${secs}s" -s bench/wrk_post.lua "$1" | awk '/^WRK/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print v["requests"], v["duration_us"], v["p50_us"], v["p99_us"], v["errors"] }'
}
rss() { awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "%.0f %.0f\n", r/1024, h/1024}' "/proc/$1/status"; }
eval_median() { # median of per-tick evaluation durations (ms) over 6 ticks, from the histogram
  local prev_s="" prev_c="" out=()
  for _ in $(seq 1 60); do
    read -r s c < <(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^driftwatch_evaluation_duration_seconds_sum/ {s=$2} /^driftwatch_evaluation_duration_seconds_count/ {c=$2} END {print s, c}')
    if [ -n "$prev_c" ] && [ "$c" != "$prev_c" ]; then
      out+=("$(python3 -c "print(($s - $prev_s) / ($c - $prev_c) * 1000)")")
      [ ${#out[@]} -ge 6 ] && break
    fi
    prev_s=$s; prev_c=$c; sleep 0.5
  done
  printf '%s\n' "${out[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.1f", (a[int((NR+1)/2)] + a[int(NR/2)+1]) / 2}'
}

echo "== driftwatch sidecar (release), wrk -t1, ${secs}s per run"
read -r breq bdur bp50 bp99 berr < <(run_wrk "http://127.0.0.1:$port/v1/events" "$work/batch.ndjson" application/x-ndjson 8)
read -r sreq sdur sp50 sp99 serr < <(run_wrk "http://127.0.0.1:$port/v1/events" "$work/single.json" application/json 32)
# Closed-loop load: latency grows with the requests in flight. A model server logs over a few
# keep-alive connections; the sweep shows throughput and p99 at 4, 8 and 16 as well.
sweep=()
for c in 4 8 16; do
  read -r q d _ p9 e < <(run_wrk "http://127.0.0.1:$port/v1/events" "$work/single.json" application/json $c)
  sweep+=("$(printf "%-44s %14s %14s" "single-event POST at $c connections" "$(python3 -c "print(round($q / ($d / 1e6)))")/s" "p99 $(python3 -c "print($p9 / 1000)") ms")")
  serr=$((serr + e))
done
read -r dw_rss dw_hwm < <(rss "$serve")
dw_eval="$(eval_median)"
rows="$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^driftwatch_window_samples/ {print $2}')"
dw_batch=$(python3 -c "print(round($breq * 1000 / ($bdur / 1e6)))")
dw_single=$(python3 -c "print(round($sreq / ($sdur / 1e6)))")

echo "== Python sidecar (Flask threaded + prometheus_client + scipy), same wrk runs"
python3 bench/python_sidecar.py --reference "$data/reference_100000.csv" --port "$pyport" --every 15 >"$work/py.log" 2>&1 & pids+=($!); py=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$pyport/metrics" >/dev/null 2>&1 && break; sleep 0.2; done
read -r pbreq pbdur pbp50 pbp99 pberr < <(run_wrk "http://127.0.0.1:$pyport/v1/events" "$work/batch.ndjson" application/x-ndjson 8)
read -r psreq psdur psp50 psp99 pserr < <(run_wrk "http://127.0.0.1:$pyport/v1/events" "$work/single.json" application/json 32)
read -r py_rss py_hwm < <(rss "$py")
py_eval="$(python3 bench/python_sidecar.py --reference "$data/reference_100000.csv" --current "$data/current_100000.csv" --eval-bench | sed -E 's/.*median_ms=([0-9.]+).*/\1/')"
py_batch=$(python3 -c "print(round($pbreq * 1000 / ($pbdur / 1e6)))")
py_single=$(python3 -c "print(round($psreq / ($psdur / 1e6)))")

lapack="$(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3 2>/dev/null || echo unknown)"
echo
echo "loopback, 2 cores shared with wrk; LAPACK: $lapack; window after load: $rows events x 15 features"
printf "%-44s %14s %14s %8s  %s\n" "measure" "driftwatch" "python" "ratio" "target"
printf "%-44s %14s %14s %7.1fx  %s\n" "batched ingest, events/s (1000/request)" "$dw_batch" "$py_batch" "$(python3 -c "print($dw_batch / max($py_batch, 1))")" ">= 300000"
printf "%-44s %14s %14s %8s  %s\n" "batched ingest, p99 request latency ms" "$(python3 -c "print($bp99 / 1000)")" "$(python3 -c "print($pbp99 / 1000)")" "" ""
printf "%-44s %14s %14s %7.1fx  %s\n" "single-event POST, requests/s (32 connections)" "$dw_single" "$py_single" "$(python3 -c "print($dw_single / max($py_single, 1))")" ">= 20000"
printf "%-44s %14s %14s %8s  %s\n" "single-event POST, p99 ms" "$(python3 -c "print($sp99 / 1000)")" "$(python3 -c "print($psp99 / 1000)")" "" "< 5"
printf "%-44s %14s %14s %8s  %s\n" "RSS MB now / peak (100k x 15 window)" "$dw_rss / $dw_hwm" "$py_rss / $py_hwm" "" "<= 128"
printf "%-44s %14s %14s %7.1fx  %s\n" "evaluation tick at 100k x 15, median ms" "$dw_eval" "$py_eval" "$(python3 -c "print($py_eval / max($dw_eval, 0.001))")" "<= 20"
printf '%s\n' "${sweep[@]}"
echo "non-2xx or socket errors: driftwatch $berr + $serr, python $pberr + $pserr"
