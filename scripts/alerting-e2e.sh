#!/usr/bin/env bash
# End-to-end alerting test with the real programs, all on 127.0.0.1 and stopped by PID:
# the sidecar (direct delivery to Alertmanager and to a webhook, HMAC-signed), Prometheus
# (scraping every 1s, loading the rules `driftwatch rules` generates for the same config) and
# Alertmanager (receiving from both, notifying a webhook receiver; scripts/webhook_receiver.py
# stands in for both webhook endpoints and records what arrives).
#  1. normal data: no drift alert anywhere;
#  2. drifted data: DriftwatchFeatureDrift reaches the receiver through Prometheus -> Alertmanager,
#     through sidecar -> Alertmanager, and directly from the sidecar (signature checked);
#     Alertmanager's fingerprint of the sidecar's alert equals the sidecar's own;
#  3. normal data again: all three resolve;
#  4. Alertmanager stopped for 60s while drift fires, the sidecar restarted in between: the direct
#     webhook is not held up by the dead Alertmanager, the queued notifications survive the
#     restart, and the alert reaches Alertmanager (with its original startsAt) once it is back.
# Exit 0 only when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
for c in prometheus promtool prometheus-alertmanager amtool python3 curl; do
  command -v "$c" >/dev/null || { echo "needs $c (apt-get install prometheus prometheus-alertmanager python3 curl)" >&2; exit 2; }
done
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
work="$(mktemp -d)"
base=$((25000 + RANDOM % 4000))
sport=$base; pport=$((base + 1)); aport=$((base + 2)); wport=$((base + 3))
declare -A pid=()
stop() { [ -n "${pid[$1]:-}" ] && { kill "${pid[$1]}" 2>/dev/null || true; wait "${pid[$1]}" 2>/dev/null || true; pid[$1]=""; }; return 0; }
cleanup() {
  local rc=$?
  for k in "${!pid[@]}"; do stop "$k"; done
  if [ $rc -ne 0 ]; then
    echo "--- sidecar log (tail)"; tail -30 "$work/serve.log" 2>/dev/null || true
    echo "--- alertmanager log (tail)"; tail -10 "$work/am.log" 2>/dev/null || true
    echo "--- received (tail)"; tail -c 3000 "$work/received.jsonl" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ready() { for _ in $(seq 1 150); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

# seen PATH SOURCE STATUS SINCE: a DriftwatchFeatureDrift alert with labels.source SOURCE ("any": any)
# and status STATUS arrived at PATH after unix time SINCE. Prints the alert as JSON.
seen() {
  python3 - "$work/received.jsonl" "$@" <<'PY'
import json, sys
f, path, source, status, since = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
try:
    lines = open(f).read().splitlines()
except FileNotFoundError:
    sys.exit(1)
for line in lines:
    m = json.loads(line)
    if m["path"] != path or m["at"] < since:
        continue
    for a in m["body"].get("alerts", []):
        l = a["labels"]
        if l.get("alertname") == "DriftwatchFeatureDrift" and a["status"] == status and (source == "any" or l.get("source") == source):
            print(json.dumps({"signature_ok": m["signature_ok"], "headers": m.get("headers", {}), "alert": a}))
            sys.exit(0)
sys.exit(1)
PY
}
wait_seen() {  # wait_seen SECONDS PATH SOURCE STATUS SINCE
  local deadline=$((SECONDS + $1)); shift
  until seen "$@" >/dev/null; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}
metric() {  # metric NAME_AND_LABELS: sum of matching series on the sidecar's /metrics
  curl -fs "http://127.0.0.1:$sport/metrics" | python3 -c '
import sys
want = sys.argv[1]; total = 0.0
for line in sys.stdin:
    if not line.startswith("#") and line.split(" ")[0].startswith(want): total += float(line.rsplit(" ", 1)[1])
print(int(total))' "$1"
}
outbox_rows() {  # outbox_rows BEFORE: notifications for Alertmanager queued before unix time BEFORE
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
print(c.execute("SELECT count(*) FROM alert_outbox WHERE receiver LIKE ? AND created_at < ?", ("alertmanager:%", float(sys.argv[2]))).fetchone()[0])' \
    "$work/s.sqlite" "$1"
}
simulate() { "$bin" simulate --target "http://127.0.0.1:$sport" --rate 400 --batch 40 "$@" >/dev/null; }

"$bin" baseline build --db "$work/s.sqlite" --model iris --data baselines/examples/iris_train.csv >/dev/null
cat > "$work/c.yaml" <<YAML
listen: 127.0.0.1:$sport
store: $work/s.sqlite
models:
  - name: iris
    window: {max_records: 800, max_age: 10m}
    evaluate_every: 1s
alerting:
  alertmanagers: [http://127.0.0.1:$aport]
  webhooks:
    - {url: http://127.0.0.1:$wport/direct, name: direct-hook, hmac_secret_env: E2E_WEBHOOK_SECRET, headers: {X-Team: ml}}
  for: 2s
  resolve_after: 2
  resend_interval: 30s
  timeout: 2s
  max_backoff: 4s
YAML
"$bin" rules --config "$work/c.yaml" > "$work/rules.yaml"
promtool check rules "$work/rules.yaml" >/dev/null
cat > "$work/am.yml" <<YAML
route:
  receiver: hook
  group_by: [alertname, model, feature, source]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: "http://127.0.0.1:$wport/am", send_resolved: true}]
YAML
amtool check-config "$work/am.yml" >/dev/null
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [$work/rules.yaml]
alerting:
  alertmanagers: [{static_configs: [{targets: ["127.0.0.1:$aport"]}]}]
scrape_configs:
  - job_name: driftwatch
    static_configs: [{targets: ["127.0.0.1:$sport"]}]
YAML

start_sidecar() {
  E2E_WEBHOOK_SECRET=e2e-secret "$bin" serve --config "$work/c.yaml" 2>>"$work/serve.log" & pid[sidecar]=$!
  ready "http://127.0.0.1:$sport/readyz" || fail "sidecar not ready"
}
start_am() {
  prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" --web.listen-address="127.0.0.1:$aport" \
    --cluster.listen-address= --log.level=warn 2>>"$work/am.log" & pid[am]=$!
  ready "http://127.0.0.1:$aport/-/ready" || fail "alertmanager not ready"
}
python3 scripts/webhook_receiver.py --port "$wport" --out "$work/received.jsonl" --secret e2e-secret & pid[hook]=$!
start_am
start_sidecar
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$pport" \
  --log.level=warn 2>"$work/prometheus.log" & pid[prometheus]=$!
ready "http://127.0.0.1:$pport/-/ready" || fail "prometheus not ready"
ready "http://127.0.0.1:$wport/" || fail "webhook receiver not ready"
echo "== sidecar :$sport, Prometheus :$pport, Alertmanager :$aport, webhook receiver :$wport"

echo "== 1. normal data"
t0=$(date +%s)
simulate --data baselines/examples/iris_train.csv --drift-after 1h --duration 6s
sleep 4
for p in /am /direct; do seen "$p" any firing "$t0" >/dev/null && fail "a drift alert reached $p on normal data"; done
echo "ok: no drift alert on normal data"

echo "== 2. drifted data"
t1=$(date +%s)
simulate --drift-after 0s --duration 8s
wait_seen 40 /am prometheus firing "$t1" || fail "no firing alert from Prometheus via Alertmanager"
wait_seen 20 /am sidecar firing "$t1" || fail "no firing alert from the sidecar via Alertmanager"
wait_seen 20 /direct sidecar firing "$t1" || fail "no firing alert on the direct webhook"
direct="$(seen /direct sidecar firing "$t1")"
python3 - "$direct" "$work/received.jsonl" <<'PY' || fail "fingerprint or signature check"
import json, sys
d = json.loads(sys.argv[1])
assert d["signature_ok"] is True, "HMAC signature did not verify"
assert d["headers"].get("X-Team") == "ml", "custom header missing: %r" % d["headers"]
# the same feature's alert on both paths: Alertmanager's fingerprint must equal the sidecar's
feature = d["alert"]["labels"]["feature"]
rows = [json.loads(l) for l in open(sys.argv[2])]
am = [x for m in rows if m["path"] == "/am" for x in m["body"]["alerts"]
      if x["labels"].get("source") == "sidecar" and x["labels"].get("feature") == feature]
assert am, "no Alertmanager notification for " + feature
assert am[0]["fingerprint"] == d["alert"]["fingerprint"], (am[0]["fingerprint"], d["alert"]["fingerprint"])
print("ok: signature verified, custom header present; fingerprint of %s: sidecar %s = Alertmanager %s" % (feature, d["alert"]["fingerprint"], am[0]["fingerprint"]))
PY
echo "ok: DriftwatchFeatureDrift firing via Prometheus->Alertmanager, sidecar->Alertmanager and sidecar->webhook ($(( $(date +%s) - t1 ))s)"

curl -fs "http://127.0.0.1:$sport/metrics" > "$work/scrape.txt"
promtool check metrics < "$work/scrape.txt" || fail "promtool check metrics (with alerting metrics)"
grep -q '^driftwatch_alerts{model="iris",alertname="DriftwatchFeatureDrift",state="firing"} [1-9]' "$work/scrape.txt" \
  || fail "driftwatch_alerts does not show the firing alert"
echo "ok: promtool check metrics passes with the alerting metrics; driftwatch_alerts shows the firing alert"

echo "== 3. normal data again"
t2=$(date +%s)
simulate --data baselines/examples/iris_train.csv --drift-after 1h --duration 6s
wait_seen 60 /am prometheus resolved "$t2" || fail "Prometheus's alert did not resolve"
wait_seen 30 /am sidecar resolved "$t2" || fail "the sidecar's alert did not resolve in Alertmanager"
wait_seen 30 /direct sidecar resolved "$t2" || fail "the direct webhook got no resolved notification"
echo "ok: resolved on all three paths ($(( $(date +%s) - t2 ))s)"

echo "== 4. Alertmanager down for 60s while drift fires; sidecar restarted in between"
stop am
down=$(date +%s)
simulate --drift-after 0s --duration 6s
wait_seen 20 /direct sidecar firing "$down" || fail "the direct webhook was held up by the dead Alertmanager"
echo "ok: direct webhook notified $(( $(date +%s) - down ))s after the drift began, Alertmanager still down"
amr="alertmanager:127.0.0.1:$aport"
for _ in $(seq 1 20); do [ "$(metric "driftwatch_notifications_total{receiver=\"$amr\",outcome=\"failed\"")" -gt 0 ] && break; sleep 0.5; done
failed=$(metric "driftwatch_notifications_total{receiver=\"$amr\",outcome=\"failed\"")
stop sidecar
restarted=$(date +%s)
queued=$(outbox_rows "$restarted")
[ "$queued" -gt 0 ] && [ "$failed" -gt 0 ] || fail "expected queued notifications and failed attempts (queued $queued, failed $failed)"
echo "ok: sidecar stopped with $queued notifications queued for Alertmanager after $failed failed attempts"
start_sidecar
[ "$(outbox_rows "$restarted")" -eq "$queued" ] || fail "queued notifications changed across the restart"
echo "ok: sidecar restarted; the same $queued notifications are still queued"
sleep $(( 60 - ($(date +%s) - down) > 0 ? 60 - ($(date +%s) - down) : 0 ))
start_am
back=$(date +%s)
echo "Alertmanager back after $(( back - down ))s"
wait_seen 40 /am sidecar firing "$back" || fail "the queued alert never reached Alertmanager"
python3 - "$(seen /am sidecar firing "$back")" "$restarted" <<'PY' || fail "startsAt check"
import json, sys, datetime
a = json.loads(sys.argv[1])["alert"]
# RFC 3339, possibly with nanoseconds: whole seconds are enough here
starts = datetime.datetime.strptime(a["startsAt"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
assert starts < float(sys.argv[2]), "startsAt %s is not before the restart" % a["startsAt"]
print("ok: delivered with startsAt %s, before the sidecar restart (alert state kept)" % a["startsAt"])
PY
for _ in $(seq 1 60); do [ "$(outbox_rows "$restarted")" -eq 0 ] && break; sleep 0.5; done
left=$(outbox_rows "$restarted")
delivered=$(metric "driftwatch_notifications_total{receiver=\"$amr\",outcome=\"delivered\"")
dropped=$(metric "driftwatch_notifications_total{receiver=\"$amr\",outcome=\"superseded\"")
[ "$left" -eq 0 ] && [ "$delivered" -ge "$queued" ] && [ "$dropped" -eq 0 ] \
  || fail "pre-restart notifications: $left left, $delivered delivered, $dropped superseded (queued $queued)"
echo "ok: all $queued pre-restart notifications delivered in order ($delivered deliveries since the restart, none dropped)"
echo "alerting end-to-end: ok"
