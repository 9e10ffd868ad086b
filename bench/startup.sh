#!/usr/bin/env bash
# Startup to ready with 10 baselines of 100k rows x 15 features (release build): builds them into
# a scratch store, then starts `driftwatch serve` three times and times the first 200 /readyz.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product driftwatch 2>&1 | tail -1
B="$(swift build -c release --show-bin-path)/driftwatch"
[ -f bench/out/compare/reference_100000.csv ] || python3 bench/compare_data.py --rows 100000 --out bench/out/compare
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
port=$((25000 + RANDOM % 4000))
for i in $(seq 0 9); do "$B" baseline build --db "$W/s.sqlite" --model "m$i" --data bench/out/compare/reference_100000.csv >/dev/null; done
{ echo "listen: 127.0.0.1:$port"; echo "store: $W/s.sqlite"; echo "models:"
  for i in $(seq 0 9); do echo "  - {name: m$i, window: {max_records: 100000}}"; done; } > "$W/c.yaml"
for run in 1 2 3; do
  s=$(date +%s.%N)
  "$B" serve --config "$W/c.yaml" 2>"$W/log" & p=$!
  until curl -fs "127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
  e=$(date +%s.%N)
  echo "run $run: ready after $(python3 -c "print(round(($e - $s) * 1000))") ms with 10 baselines (target <= 1000 ms)"
  kill -TERM "$p"; wait "$p"
done
