#!/usr/bin/env bash
# Startup to ready with 10 baselines of 100k rows x 15 features (release build): builds them into
# a scratch store, then starts `driftwatch serve` three times and times the first 200 /readyz.
# Then fills every model's 100k window, stops with SIGTERM (final checkpoint), and times three
# more starts that restore the 10 full windows from their checkpoints. Last, the worst case after
# a crash: 190 000 more events per model (just under the 2 x max_records at which a full
# checkpoint falls due, so all of them stay in the journal), kill -9, and three starts that
# restore each checkpoint and replay 190 000 journaled events per model.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product driftwatch 2>&1 | tail -1
B="$(swift build -c release --show-bin-path)/driftwatch"
[ -f bench/out/compare/reference_100000.csv ] || python3 bench/compare_data.py --rows 100000 --out bench/out/compare
W=$(mktemp -d); p=""
trap '[ -z "$p" ] || kill "$p" 2>/dev/null || true; rm -rf "$W"' EXIT
port=$((25000 + RANDOM % 4000))
for i in $(seq 0 9); do "$B" baseline build --db "$W/s.sqlite" --model "m$i" --data bench/out/compare/reference_100000.csv >/dev/null; done
{ echo "listen: 127.0.0.1:$port"; echo "store: $W/s.sqlite"; echo "models:"
  for i in $(seq 0 9); do echo "  - {name: m$i, window: {max_records: 100000}}"; done; } > "$W/c.yaml"
start() { # label -> starts serve into $p, prints the time to the first 200 /readyz
  local s e
  s=$(date +%s.%N)
  "$B" serve --config "$W/c.yaml" 2>"$W/log" & p=$!
  local ready=""
  for _ in $(seq 1 1000); do curl -fs "127.0.0.1:$port/readyz" >/dev/null 2>&1 && { ready=1; break; }; sleep 0.01; done
  e=$(date +%s.%N)
  [ -n "$ready" ] || { echo "$1: not ready after 10 s" >&2; cat "$W/log" >&2; exit 1; }
  echo "$1: ready after $(python3 -c "print(round(($e - $s) * 1000))") ms (target <= 1000 ms)"
}
for run in 1 2 3; do start "run $run, 10 baselines, empty windows"; kill -TERM "$p"; wait "$p"; done
python3 bench/events.py bench/out/compare/current_100000.csv "$W"
fill() { # posts N batches of 10 000 events to each of the 10 models
  for i in $(seq 0 9); do
    for _ in $(seq 1 10); do sed 's/^{/{"model":"m'"$i"'",/' "$W/batch.ndjson"; done > "$W/m.ndjson"
    for _ in $(seq 1 "$1"); do
      curl -fs -o /dev/null -H 'Content-Type: application/x-ndjson' --data-binary @"$W/m.ndjson" "127.0.0.1:$port/v1/events"
    done
  done
}
start "filling"
fill 10
kill -TERM "$p"; wait "$p"
for run in 1 2 3; do
  start "run $run, 10 baselines, 10 full windows restored"
  echo "  checkpoints restored: $(grep -c "restored 100000 events" "$W/log" || true)"
  kill -TERM "$p"; wait "$p"
done
start "filling again"
fill 19
sleep 1
kill -KILL "$p"; wait "$p" 2>/dev/null || true
for run in 1 2 3; do
  start "run $run, after kill -9: 10 checkpoints + 190 000 journaled events each replayed"
  echo "  replayed: $(grep -o "replayed [0-9]* journaled events" "$W/log" | head -3 | tr '\n' ';')"
  kill -KILL "$p"; wait "$p" 2>/dev/null || true
done
