#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (one binary, target chosen by FUZZ_TARGET) over the
# domain modules' sources (DriftStats to DriftConfig) and the journal decoder, with AddressSanitizer,
# in .build-fuzz (apart from SwiftPM's .build), then runs each target for FUZZ_SECONDS (default 60) from its seed
# corpus in Fuzz/corpus/TARGET. Every target checks invariants (Fuzz/Targets.swift), not only
# "no crash"; a failure leaves the crashing input in .build-fuzz/artifacts/ and exits non-zero.
#
#   scripts/fuzz.sh                       # build, then every target for 60 s (CI)
#   FUZZ_SECONDS=3600 scripts/fuzz.sh csv # one target for an hour (the documented long run)
#   scripts/fuzz.sh --build-only
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-fuzz
seconds=${FUZZ_SECONDS:-60}
targets=(events table checkpoint journal config)
only=()
build_only=0
for a in "$@"; do
  case "$a" in
    --build-only) build_only=1 ;;
    *) only+=("$a") ;;
  esac
done
[ ${#only[@]} -gt 0 ] && targets=("${only[@]}")
mkdir -p "$out/artifacts" "$out/corpus"

flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -package-name driftwatch)
stamp="$out/.sources"
sources=$(find Sources/DriftStats Sources/DriftRecords Sources/DriftCore Sources/DriftAlerting Sources/DriftMonitor Sources/DriftConfig Sources/DriftServer/Journal Fuzz -name '*.swift' -newer "$stamp" 2>/dev/null | head -1 || true)
if [ ! -x "$out/driftwatch-fuzz" ] || [ ! -e "$stamp" ] || [ -n "$sources" ]; then
  start=$(date +%s)
  # Library modules: coverage and ASan instrumentation; libFuzzer's main is linked once, below.
  swiftc "${flags[@]}" -wmo -module-name DriftStats -I Sources/CLAPACK -emit-module -emit-module-path "$out/DriftStats.swiftmodule" \
    -c -o "$out/DriftStats.o" $(find Sources/DriftStats -name '*.swift' | sort)
  # The domain modules in dependency order, one object each (DESIGN.md: no upward imports).
  objects=("$out/DriftStats.o")
  for m in DriftRecords DriftCore DriftAlerting DriftMonitor DriftConfig; do
    swiftc "${flags[@]}" -wmo -module-name "$m" -I "$out" -I Sources/CLAPACK -emit-module -emit-module-path "$out/$m.swiftmodule" \
      -c -o "$out/$m.o" $(find "Sources/$m" -name '*.swift' | sort)
    objects+=("$out/$m.o")
  done
  # The journal's decoder is compiled from its own source (internal to DriftServer, no NIO needed).
  swiftc "${flags[@]}" -wmo -module-name DriftwatchFuzz -I "$out" -I Sources/CLAPACK \
    Fuzz/*.swift Sources/DriftServer/Journal/EventJournal.swift "${objects[@]}" \
    -use-ld=lld -llapack -lblas -o "$out/driftwatch-fuzz"
  touch "$stamp"
  echo "fuzz: built $out/driftwatch-fuzz in $(( $(date +%s) - start )) s"
fi
[ "$build_only" -eq 1 ] && exit 0

failed=0
for t in "${targets[@]}"; do
  corpus="$out/corpus/$t"
  mkdir -p "$corpus"
  log="$out/$t.log"
  # -rss_limit_mb bounds memory like a small pod; -timeout flags any input slower than 10 s.
  extra=() asan=${ASAN_OPTIONS:-}
  # Under ASan, the buffers of Foundation's FileManager.contents(atPath:) (journal replay) are
  # never returned (reported as leaked, ~15 MB/s of fuzzing); without ASan the same loop is flat
  # (200 000 calls) and valgrind finds nothing lost: an artifact, so no leak check there.
  [ "$t" = journal ] && extra=(-detect_leaks=0) && asan=detect_leaks=0
  seeds=()
  [ -d "Fuzz/corpus/$t" ] && seeds=("Fuzz/corpus/$t")
  if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=$asan FUZZ_TARGET=$t FUZZ_SEEDS="$corpus" "$out/driftwatch-fuzz" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 "${extra[@]}" > "$log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    echo "fuzz: $t: ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, no failure"
  else
    failed=1
    echo "fuzz: $t FAILED (see $log; input in $out/artifacts/):" >&2
    grep -m5 -E 'Fatal error|ERROR: AddressSanitizer|invariant|deadly signal|SUMMARY' "$log" >&2 || tail -20 "$log" >&2
  fi
done
exit $failed
