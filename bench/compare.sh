#!/usr/bin/env bash
# End-to-end benchmark of `driftwatch compare` against pandas+scipy and Evidently.
#
# Usage: bench/compare.sh [--sizes "10000 100000 1000000"] [--repeat R] [--full-precision] [--wide]
#
# For each size N it generates seeded synthetic data (bench/compare_data.py: 15 features, 5 of them
# drifted; files cached in bench/out/compare/), builds a baseline from reference_N.csv into a fresh
# bench/out/compare/bench.sqlite (timed once), times `driftwatch compare --format json` on
# current_N.csv R times (median wall time, peak RSS), checks its verdicts against truth.json (exits 1
# on a FAIL line), then runs bench/compare_reference.py for the Python side and prints one table.
# R defaults to 5 (3 from 1 000 000 rows). Ratios are Python seconds / driftwatch compare seconds
# (> 1: driftwatch is faster). Both sides are timed as fresh processes, start-up included.
# --full-precision writes floats with 17 significant digits (every digit a double has, the slow
# case for parsers; ~180 MB per 1M rows) into bench/out/compare-full/ instead of "%.6g".
# --wide also times `baseline build` R times on 1M rows x 20 features with full-precision floats
# (bench/wide_data.py: 14 numeric, 6 categorical; ~250 MB) and prints the median (issue 15's
# target: <= 1.5 s).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="10000 100000 1000000"
repeat=""
full=0
wide=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --full-precision) full=1; shift ;;
    --wide) wide=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

export DO_NOT_TRACK=1   # Evidently's telemetry
out=bench/out/compare
precision=()
if [[ $full == 1 ]]; then out=bench/out/compare-full; precision=(--full-precision); fi
db="$out/bench.sqlite"
bin=.build/release/driftwatch
mkdir -p "$out"

# Python side. evidently 0.7.x does not import under pandas 3, hence the pin.
if ! python3 -c "import numpy, scipy, pandas" 2>/dev/null; then
  python3 -m pip install -q numpy scipy "pandas<3" >/dev/null 2>&1 || true
fi
if ! python3 -c "from evidently import Report; from evidently.presets import DataDriftPreset" 2>/dev/null; then
  python3 -m pip install -q "pandas<3" evidently >/dev/null 2>&1 \
    || echo "compare.sh: could not install evidently; its columns stay empty" >&2
fi
python3 -c "import numpy, scipy, pandas" \
  || { echo "compare.sh: numpy/scipy/pandas unavailable" >&2; exit 1; }

swift build -c release --product driftwatch 2>&1 | tail -1

echo "LAPACK: $(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3 2>/dev/null || echo 'not found')"
python3 - <<'EOF'
import importlib
parts = []
for name in ("numpy", "scipy", "pandas", "evidently"):
    try:
        parts.append(f"{name} {importlib.import_module(name).__version__}")
    except Exception:
        parts.append(f"{name} -")
print("Python: " + ", ".join(parts))
EOF
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Runs "$@" under /usr/bin/time; sets $seconds (wall, from bash's clock) and $rss_mb; returns the
# command's exit code. stdout goes to $run_stdout.
timed() {
  local tf="$out/time.txt" start end rc
  start=$EPOCHREALTIME
  set +e
  /usr/bin/time -f "%e %M" -o "$tf" "$@" >"$run_stdout"
  rc=$?
  set -e
  end=$EPOCHREALTIME
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
  rss_mb=$(tail -1 "$tf" | awk '{ printf "%.1f", $2 / 1024 }')
  return $rc
}

for n in $sizes; do
  reps=${repeat:-$([[ $n -ge 1000000 ]] && echo 3 || echo 5)}
  ref="$out/reference_$n.csv" cur="$out/current_$n.csv"
  if [[ bench/compare_data.py -nt "$ref" || bench/compare_data.py -nt "$cur" || ! -f "$out/truth.json" ]]; then
    python3 bench/compare_data.py --rows "$n" --out "$out" "${precision[@]}"
  fi

  rm -f "$db" "$db-wal" "$db-shm"
  run_stdout="$out/build_$n.log"
  if ! timed "$bin" baseline build --db "$db" --model "synthetic_$n" --data "$ref"; then
    echo "FAIL: driftwatch baseline build exited non-zero on $ref" >&2
    cat "$run_stdout" >&2
    exit 1
  fi
  build_s=$seconds build_rss=$rss_mb
  echo "rows=$n: baseline build ${build_s} s, ${build_rss} MB"

  compare_all=() compare_rss=0
  run_stdout="$out/compare_$n.json"
  for ((i = 1; i <= reps; i++)); do
    if ! timed "$bin" compare --db "$db" --model "synthetic_$n" --data "$cur" --format json; then
      echo "FAIL: driftwatch compare exited non-zero on $cur" >&2
      exit 1
    fi
    compare_all+=("$seconds")
    compare_rss=$(awk -v a="$compare_rss" -v b="$rss_mb" 'BEGIN { print (b > a ? b : a) }')
    echo "rows=$n: compare run $i/$reps ${seconds} s, ${rss_mb} MB"
  done

  # Verdicts against the planted drift.
  python3 - "$run_stdout" "$out/truth.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
features = {f["name"]: f for f in report["features"]}
failed = False
for name in truth["drifted"] + truth["undrifted"]:
    expected = name in truth["drifted"]
    f = features.get(name)
    if f is None:
        print(f"FAIL: feature {name} missing from driftwatch compare output")
        failed = True
    elif f.get("drift") is not expected:
        t = f.get("tests", {})
        print(f"FAIL: {name}: drift={f.get('drift')} (status {f.get('status')}), expected {expected}; "
              f"tests {json.dumps(t)}")
        failed = True
if failed:
    sys.exit(1)
print(f"verdicts ok: drifted {sorted(n for n in features if features[n].get('drift'))}")
EOF

  python3 - "$n" "$build_s" "$build_rss" "$compare_rss" "${compare_all[@]}" >"$out/driftwatch_$n.json" <<'EOF'
import json, statistics, sys
n, build_s, build_rss, rss, *runs = sys.argv[1:]
runs = [float(x) for x in runs]
print(json.dumps({"tool": "driftwatch", "rows": int(n), "build_seconds": float(build_s),
                  "build_rss_mb": float(build_rss), "seconds_median": statistics.median(runs),
                  "seconds_all": runs, "max_rss_mb": float(rss)}))
EOF

  python3 bench/compare_reference.py --dir "$out" --rows "$n" --repeat "$reps" | tee "$out/python_$n.jsonl"
  echo
done

if [[ $wide == 1 ]]; then
  wref=bench/out/compare-full/wide_reference_1000000.csv
  if [[ bench/wide_data.py -nt "$wref" || bench/compare_data.py -nt "$wref" ]]; then
    python3 bench/wide_data.py --rows 1000000 --out bench/out/compare-full
  fi
  wide_all=() wide_rss=0
  run_stdout="$out/wide_build.log"
  for ((i = 1; i <= ${repeat:-3}; i++)); do
    rm -f "$out/wide.sqlite" "$out/wide.sqlite-wal" "$out/wide.sqlite-shm"
    timed "$bin" baseline build --db "$out/wide.sqlite" --model wide --data "$wref" \
      || { echo "FAIL: baseline build exited non-zero on $wref" >&2; cat "$run_stdout" >&2; exit 1; }
    wide_all+=("$seconds")
    wide_rss=$(awk -v a="$wide_rss" -v b="$rss_mb" 'BEGIN { print (b > a ? b : a) }')
    echo "wide 1M x 20: baseline build run $i ${seconds} s, ${rss_mb} MB"
  done
  python3 -c 'import statistics, sys; r = [float(x) for x in sys.argv[2:]]; print(f"wide 1M x 20: baseline build median {statistics.median(r):.3f} s (runs {r}), peak RSS {sys.argv[1]} MB")' "$wide_rss" "${wide_all[@]}"
  echo
fi

python3 - "$out" $sizes <<'EOF'
import json, os, sys
out, sizes = sys.argv[1], sys.argv[2:]
head = ["rows", "driftwatch build s", "build RSS MB", "driftwatch compare s (median)", "RSS MB",
        "pandas+scipy s", "ratio", "RSS MB", "evidently s", "ratio", "RSS MB"]
rows = []
notes = []
for n in sizes:
    dw = json.load(open(os.path.join(out, f"driftwatch_{n}.json")))
    py = {}
    path = os.path.join(out, f"python_{n}.jsonl")
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                py[r["tool"]] = r
                if not r.get("verdict_ok", True):
                    notes.append(f"note: {r['tool']} at {n} rows flagged {r['drifted']}")
    row = [n, f"{dw['build_seconds']:.3f}", f"{dw['build_rss_mb']:.0f}",
           f"{dw['seconds_median']:.3f}", f"{dw['max_rss_mb']:.0f}"]
    for tool in ("pandas+scipy", "evidently"):
        r = py.get(tool)
        if r:
            row += [f"{r['seconds_median']:.3f}", f"{r['seconds_median'] / dw['seconds_median']:.1f}x",
                    f"{r['max_rss_mb']:.0f}"]
        else:
            row += ["-", "-", "-"]
    rows.append([str(x) for x in row])
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
fmt = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
print(fmt(head))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(fmt(r))
print("ratio = Python seconds / driftwatch compare seconds (> 1: driftwatch faster). "
      "Python times include interpreter start and imports; see bench/out/compare/python_N.jsonl "
      "for import_seconds_median and work_seconds_median.")
for note in notes:
    print(note)
EOF
echo "LAPACK: $(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3 2>/dev/null || echo 'not found')"
