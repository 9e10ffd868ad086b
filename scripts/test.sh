#!/usr/bin/env bash
# All tests: the swift-testing suites (unit, routes, durability, the SIGKILL and SIGTERM process
# tests), promtool on the shipped rules and their unit tests, the Prometheus integration (promtool
# on a live scrape, real Prometheus querying a drift gauge) and the alerting end-to-end test (real
# Prometheus and Alertmanager, direct delivery, an Alertmanager outage), the Kubernetes
# manifests against their schemas, amtool on the example routing, and the HTML report in headless
# Chromium. Reuses one debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
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
