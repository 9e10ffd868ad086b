#!/usr/bin/env bash
# Rewrites the README's metric reference (between the metrics:begin/end markers) from
# `driftwatch metrics`. ReadmeTests fails when the two differ.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product driftwatch 2>&1 | tail -1
"$(swift build --show-bin-path)/driftwatch" metrics > .build/metrics.md
python3 - <<'PY'
text = open("README.md", encoding="utf-8").read()
begin, end = "<!-- metrics:begin -->\n", "<!-- metrics:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w", encoding="utf-8").write(head + begin + open(".build/metrics.md", encoding="utf-8").read() + end + tail)
PY
echo "README.md: metric reference updated"
