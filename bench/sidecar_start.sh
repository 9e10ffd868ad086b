# Sourced by bench/sidecar.sh and bench/soak.sh (from the repo root, with $bin, $data and $work
# set): writes the request bodies, builds the baseline, and starts `driftwatch serve` on a 100k
# window evaluating every 2 s (the default is 15 s) and checkpointing every 10 s (the default).
# Sets $port and $serve (the PID); the serve log is $work/serve.log.
python3 bench/events.py "$data/current_100000.csv" "$work"
"$bin" baseline build --db "$work/s.sqlite" --model bench --data "$data/reference_100000.csv" >/dev/null
port=$((23000 + RANDOM % 4000))
cat > "$work/c.yaml" <<YAML
listen: 127.0.0.1:$port
store: $work/s.sqlite
checkpoint_every: 10s
models:
  - name: bench
    window: {max_records: 100000, max_age: none}
    evaluate_every: 2s
YAML
"$bin" serve --config "$work/c.yaml" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/serve.log" >&2; kill "$serve" 2>/dev/null || true; exit 1; }
