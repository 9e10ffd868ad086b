#!/usr/bin/env bash
# Style gate: every Swift file is as swift-format (the toolchain's `swift format`, configured by
# .swift-format: 4 spaces, code wrapped at 120 columns, no lint rules) would write it, and no line
# is longer than 150 characters (string literals and comments, which the formatter does not wrap,
# included). `swift format -i -r Sources Tests Fuzz Package.swift` fixes the first.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.swift')
swift format lint --strict --configuration .swift-format $files
long=$(awk 'length > 150 { printf "%s:%d: %d characters\n", FILENAME, FNR, length }' $files)
if [[ -n $long ]]; then
  echo "format-check: lines over 150 characters:" >&2
  echo "$long" >&2
  exit 1
fi
echo "format-check: $(echo "$files" | wc -l) Swift files formatted, no line over 150 characters"
