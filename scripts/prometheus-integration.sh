#!/usr/bin/env bash
# Integration test with real Prometheus (Debian package `prometheus`): the sidecar on 127.0.0.1
# with simulated drifted traffic; `promtool check metrics` on a live scrape; Prometheus scraping
# the sidecar every second; a drift gauge read back through Prometheus's HTTP API; every query of
# the Grafana dashboard run against that Prometheus (scripts/dashboard_check.py), with the rules
# `driftwatch rules` generates loaded and scripts/cadvisor_standin.py in the kubelet's place.
# Services are bound to 127.0.0.1 and stopped by PID. Exit 0 only when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v prometheus >/dev/null && command -v promtool >/dev/null || { echo "needs prometheus and promtool (apt-get install prometheus)" >&2; exit 2; }
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
work="$(mktemp -d)"
port=$((21000 + RANDOM % 4000)); pport=$((port + 1)); cport=$((port + 2)); hport=$((port + 3))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" baseline build --db "$work/s.sqlite" --model iris --data baselines/examples/iris_train.csv >/dev/null
cat > "$work/c.yaml" <<YAML
listen: 127.0.0.1:$port
store: $work/s.sqlite
checkpoint_every: 2s   # so the checkpoint-duration histogram has a rate within the check's minute
models:
  - name: iris
    window: {max_records: 3000, max_age: 5m}
    evaluate_every: 1s
alerting:   # direct alerting on, so the dashboard's sidecar-alert and outbox panels have series;
            # nothing listens on hport: deliveries fail and queue, which is what those panels show
  webhooks: [{url: "http://127.0.0.1:$hport/hook", name: dashboard-check}]
  for: 2s
YAML
"$bin" rules --config "$work/c.yaml" > "$work/rules.yaml"
"$bin" serve --config "$work/c.yaml" 2>"$work/serve.log" & pids+=($!)
python3 scripts/cadvisor_standin.py --port "$cport" --namespace ml --pod iris-0 & pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 || { echo "FAIL: the sidecar did not come up"; tail -5 "$work/serve.log"; exit 1; }
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$cport/metrics" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$cport/metrics" >/dev/null 2>&1 || { echo "FAIL: the cAdvisor stand-in did not come up"; exit 1; }
# Prometheus scrapes while the traffic flows (rates and latency quantiles need samples from then).
# The sidecar target gets the namespace/pod labels a ServiceMonitor would add; the stand-in keeps
# its own, as the kubelet job does (honor_labels).
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [$work/rules.yaml]
scrape_configs:
  - job_name: driftwatch
    static_configs: [{targets: ["127.0.0.1:$port"], labels: {namespace: ml, pod: iris-0}}]
  - job_name: cadvisor
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$cport"]}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$work/prometheus.log" & pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$pport/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$pport/-/ready" >/dev/null 2>&1 || { echo "FAIL: Prometheus did not come up"; tail -5 "$work/prometheus.log"; exit 1; }
"$bin" simulate --target "http://127.0.0.1:$port" --rate 2000 --drift-after 3s --duration 8s >/dev/null
sleep 1.5
echo "== promtool check metrics (live scrape)"
curl -fs "http://127.0.0.1:$port/metrics" > "$work/scrape.txt"
promtool check metrics < "$work/scrape.txt"
echo "ok: $(grep -c '^# HELP' "$work/scrape.txt") families, $(grep -vc '^#' "$work/scrape.txt") series"
echo "== Prometheus on 127.0.0.1:$pport scraping the sidecar"
value=""
for _ in $(seq 1 60); do
  value="$(curl -fs "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=driftwatch_feature_psi{model="iris",feature="petal_length"}' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' || true)"
  [ -n "$value" ] && break
  sleep 0.5
done
[ -n "$value" ] || { echo "FAIL: no driftwatch_feature_psi sample in Prometheus"; cat "$work/prometheus.log"; exit 1; }
drift="$(curl -fs "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=driftwatch_feature_drift{model="iris",feature="petal_length",test="ks"}' \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')"
echo "Prometheus reads driftwatch_feature_psi{feature=\"petal_length\"} = $value, driftwatch_feature_drift{test=\"ks\"} = $drift"
python3 -c "import sys; v=float('$value'); sys.exit(0 if v > 0.1 else 1)" || { echo "FAIL: petal_length PSI $value should show the planted drift (> 0.1)"; exit 1; }
[ "$drift" = "1" ] || { echo "FAIL: petal_length should be flagged by KS"; exit 1; }
echo "== Grafana dashboard: structure, promtool, every query against Prometheus"
python3 scripts/grafana_dashboard.py --out "$work/dashboard.json" >/dev/null
cmp -s "$work/dashboard.json" config/grafana/driftwatch-dashboard.json \
  || { echo "FAIL: config/grafana/driftwatch-dashboard.json is stale; run python3 scripts/grafana_dashboard.py"; exit 1; }
python3 scripts/dashboard_check.py --dashboard config/grafana/driftwatch-dashboard.json \
  --prometheus "http://127.0.0.1:$pport" --model iris --timeout 60
echo "prometheus integration: ok"
