#!/usr/bin/env bash
# Statistics benchmark: builds driftwatch-bench in release mode, times the DriftStats operations on
# seeded synthetic data, then times scipy/numpy/scikit-learn on the same data (written to a temp
# directory) and prints both with ratios. Extra arguments go to both sides (e.g. --min-seconds 0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product driftwatch-bench 2>&1 | tail -1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/driftwatch-bench stats --data-dir "$work/data" --json "$work/swift.json" "$@"
echo
if ! python3 -c "import numpy, scipy, sklearn" 2>/dev/null; then
  # Debian's own python3 refuses plain pip installs (PEP 668); the fallback is what k8s-validate.sh does.
  python3 -m pip install -q numpy scipy scikit-learn 2>/dev/null \
    || python3 -m pip install -q --break-system-packages numpy scipy scikit-learn 2>/dev/null || true
fi
if python3 -c "import numpy, scipy, sklearn" 2>/dev/null; then
  python3 bench/stats_reference.py "$work/data" "$work/swift.json" "$@"
else
  echo "stats.sh: numpy/scipy/scikit-learn unavailable; skipped the Python comparison" >&2
fi
