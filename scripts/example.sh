#!/usr/bin/env bash
# The README's main job: the sidecar on the shipped example config (config/driftwatch.yaml) and
# Iris baseline (SQLite, baselines/driftwatch.sqlite, built on first run), with
# `driftwatch simulate` replaying the example data, drifted after 20 s. Prints a few /metrics
# lines every 10 s, so you see drift appear within a minute. Runs until Ctrl-C, or for
# DRIFTWATCH_EXAMPLE_SECONDS seconds (CI uses 45). Ports: 127.0.0.1:9464 (DRIFTWATCH_LISTEN).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
db="${DRIFTWATCH_STORE:-baselines/driftwatch.sqlite}"
listen="${DRIFTWATCH_LISTEN:-127.0.0.1:9464}"
export DRIFTWATCH_STORE="$db" DRIFTWATCH_LISTEN="$listen"
if ! "$bin" baseline show --db "$db" --model iris >/dev/null 2>&1; then
  "$bin" baseline build --db "$db" --model iris --data baselines/examples/iris_train.csv | head -3
fi
"$bin" check-config config/driftwatch.yaml | head -1
"$bin" serve --config config/driftwatch.yaml &
serve=$!
sim=""
cleanup() {
  [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
  kill -TERM "$serve" 2>/dev/null || true
  wait "$serve" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 1 100); do curl -fs "http://$listen/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" simulate --target "http://$listen" --rate 500 --drift-after 20s \
  ${DRIFTWATCH_EXAMPLE_SECONDS:+--duration ${DRIFTWATCH_EXAMPLE_SECONDS}s} &
sim=$!
echo "sidecar on http://$listen (metrics: /metrics, report: /v1/drift/iris); Ctrl-C stops"
start=$SECONDS
while kill -0 "$sim" 2>/dev/null; do
  sleep 10
  echo "--- /metrics after $((SECONDS - start)) s"
  curl -fs "http://$listen/metrics" | grep -E '^driftwatch_(feature_psi|dataset_drift|window_samples|events_ingested_total)' \
    | grep -Ev 'feature="(sepal_width|score)"' | sort || true
done
echo "--- final report"
curl -fs "http://$listen/v1/drift/iris" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("rows", r["rows"], "dataset drift", r["dataset"]["drift"], "share", round(r["dataset"]["share"], 3))
for f in r["features"]:
    print("  %-14s %-17s psi=%.3f" % (f["name"], f["status"], f["tests"]["psi"]["value"]))'
