#!/usr/bin/env bash
# All tests: the swift-testing suites (unit, routes, durability, the SIGKILL and SIGTERM process
# tests), promtool on the shipped rules and their unit tests, the Prometheus integration (promtool
# on a live scrape, real Prometheus querying a drift gauge) and the alerting end-to-end test (real
# Prometheus and Alertmanager, direct delivery, an Alertmanager outage), the Kubernetes
# manifests against their schemas, amtool on the example routing, and the HTML report in headless
# Chromium; the fault tests (scripts/faults.py, root for its tmpfs) and the libFuzzer targets
# (scripts/fuzz.sh, its own ASan build in .build-fuzz). Reuses one debug build. First the style
# gate (scripts/format-check.sh: swift-format's layout, no line over 150 characters) and the layering
# gate (scripts/layers.py: no folder refers to one above it).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== format: swift format lint --strict (.swift-format), lines <= 150"
scripts/format-check.sh
echo "== layers: no folder refers to one above it (scripts/layers.py; modules: Package.swift)"
python3 scripts/layers.py
swift build --build-tests 2>&1 | tail -1
swift test --skip-build
echo "== promtool: the shipped rules (config/rules/) and their unit tests"
promtool check rules config/rules/driftwatch.rules.yaml
promtool test rules config/rules/driftwatch.rules.test.yaml
echo "== amtool: the example Alertmanager routing (config/alertmanager/)"
amtool check-config config/alertmanager/alertmanager.example.yaml
scripts/k8s-validate.sh
scripts/prometheus-integration.sh
scripts/alerting-e2e.sh
scripts/report-browser-test.sh
echo "== fault tests: mutated requests, framing lies, kill -9 loops, a full tmpfs, slow clients (scripts/faults.py)"
python3 scripts/faults.py --bin "$(swift build --show-bin-path)/driftwatch"
echo "== fuzz targets (libFuzzer + ASan, fixed budget per target; FUZZ_SECONDS=3600 for a long run)"
FUZZ_SECONDS=${FUZZ_SECONDS:-40} scripts/fuzz.sh
