#!/usr/bin/env bash
# All tests: the swift-testing suites (unit, routes, durability, the SIGKILL and SIGTERM process
# tests), then the Prometheus integration (promtool on a live scrape, real Prometheus querying a
# drift gauge). Reuses one debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests 2>&1 | tail -1
swift test --skip-build
scripts/prometheus-integration.sh
