#!/usr/bin/env bash
# Installs what Driftwatch builds and tests with on Debian/Ubuntu (idempotent): LAPACK/BLAS
# (reference implementation; <lapack.h> comes from liblapacke-dev) and SQLite; Prometheus,
# promtool and Alertmanager (integration and alerting tests), curl and python3 (the scripts read
# JSON with them) with pip (kubernetes-validate for the manifests), wrk (sidecar benchmark), and
# Chromium with a font (the HTML report is tested in a real browser).
# Needs root (or sudo). Swift 6.2+ itself must already be on PATH.
set -euo pipefail
packages=(liblapack-dev libblas-dev liblapacke-dev libsqlite3-dev pkg-config prometheus prometheus-alertmanager curl wrk python3 python3-pip python3-yaml chromium fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "bootstrap: installed ${missing[*]}"
fi
command -v swift >/dev/null || { echo "bootstrap: swift not found on PATH (need Swift 6.2 or later)" >&2; exit 1; }
