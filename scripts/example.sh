#!/usr/bin/env bash
# The README's main job until the sidecar exists: build the shipped Iris baseline into SQLite
# (baselines/driftwatch.sqlite, created on first run) and compare the drifted production sample
# against it with the evaluation the sidecar will run. Prints the report table; exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
db="${DRIFTWATCH_DB:-baselines/driftwatch.sqlite}"
if ! "$bin" baseline show --db "$db" --model iris >/dev/null 2>&1; then
  "$bin" baseline build --db "$db" --model iris --data baselines/examples/iris_train.csv
  echo
fi
"$bin" compare --db "$db" --model iris --data baselines/examples/iris_production.csv --format text
