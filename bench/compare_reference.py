#!/usr/bin/env python3
"""The Python side of the `driftwatch compare` benchmark (bench/compare.sh): the same per-feature
drift work done with pandas + scipy, and with Evidently's DataDriftPreset when `import evidently`
works. Each repetition runs in a fresh Python subprocess and is timed end to end from the
parent (interpreter start, imports, reading, tests, verdict), as `driftwatch compare` is timed
as a fresh process.

Usage:
  python3 bench/compare_reference.py --dir DIR --rows N [--repeat R] [--tools pandas+scipy,evidently]

DIR holds reference_N.csv, current_N.csv and truth.json from bench/compare_data.py.

What is timed, and why (fairness):
  `driftwatch compare` reads only the current CSV: the reference already sits in the baseline
  database (its 100 000-value KS sample per numeric feature, quantile bins and category counts).
  The Python variants get the same head start. An untimed preparation step (its duration is
  reported as "prep_seconds") reads reference_N.csv once and saves
    - for pandas+scipy: DIR/prep_N.npz, per numeric feature a uniform sample (seeded,
      without replacement) of at most 100 000 non-missing reference values, the 10 quantile-bin
      edges and the reference bin fractions; per categorical feature the reference categories and
      their counts; DIR/prep_N.json holds the schema;
    - for Evidently, which needs the whole reference frame: DIR/reference_N.pkl, the reference
      DataFrame pickled (pandas' fastest load path, the analogue of a stored baseline).
  Each timed repetition then does: load that prepared reference (npz or pickle), pandas
  read_csv of current_N.csv, and all tests.

pandas+scipy, per feature (missing values dropped first):
  numeric      scipy.stats.ks_2samp(reference sample, current) (method="auto", as driftwatch), and
               PSI on the 10 reference-quantile bins (duplicate edges merged, right-closed as
               np.searchsorted(side="left"), empty fractions -> 1e-4);
  categorical  chi2_contingency(correction=False) on the 2 x K counts over the union of
               categories, total variation distance, and PSI over the reference categories +
               one "__other__" bin for values never seen in the reference.
  Then Benjamini-Hochberg (scipy.stats.false_discovery_control) over the features' p-values and
  driftwatch's verdict: drift = p_adjusted < 0.05 and (PSI >= 0.1 or KS D >= 0.1 / TVD >= 0.1).
Evidently (0.7 API): Report([DataDriftPreset()]).run(current Dataset, reference Dataset), the
  column types given by a DataDefinition (numeric / categorical as in truth.json), the whole
  reference used, defaults otherwise (above 1 000 rows: normed Wasserstein for numeric and
  Jensen-Shannon distance for categorical columns, both at threshold 0.1). A column drifts when
  its ValueDrift score >= its threshold. Telemetry is switched off (DO_NOT_TRACK=1).

Output: one JSON line per tool,
  {"tool": "pandas+scipy"|"evidently", "rows": N, "seconds_median": s, "seconds_all": [...],
   "max_rss_mb": m, "drifted": [...], "verdict_ok": true|false, "import_seconds_median": s,
   "work_seconds_median": s, "version": "...", "prep_seconds": s}
import_seconds / work_seconds are measured inside the child: the imports, then everything after
them (loading the prepared reference, read_csv, tests); the rest of seconds is interpreter start.
max_rss_mb is the largest peak RSS of the repetitions' child processes (os.wait4 rusage, per
child). verdict_ok says whether the tool flagged exactly truth.json's drifted features.
Progress and notes go to stderr.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

KS_SAMPLE = 100_000
PSI_BINS = 10
Q = 0.05
PSI_FLOOR = 0.1
KS_FLOOR = 0.1
TVD_FLOOR = 0.1
SAMPLE_SEED = 7


def paths(directory, rows):
    return {
        "reference": os.path.join(directory, f"reference_{rows}.csv"),
        "current": os.path.join(directory, f"current_{rows}.csv"),
        "truth": os.path.join(directory, "truth.json"),
        "npz": os.path.join(directory, f"prep_{rows}.npz"),
        "schema": os.path.join(directory, f"prep_{rows}.json"),
        "pickle": os.path.join(directory, f"reference_{rows}.pkl"),
    }


def read_csv(pd, path):
    # Only an empty field is missing (as driftwatch); the files hold no "NA"-like strings anyway.
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


# ---------------------------------------------------------------------------------------------
# Untimed preparation


def prepare(p, tools):
    import numpy as np
    import pandas as pd
    truth = json.load(open(p["truth"]))
    ref = read_csv(pd, p["reference"])
    rng = np.random.default_rng(SAMPLE_SEED)
    arrays = {}
    for c in truth["numeric"]:
        x = ref[c].to_numpy(np.float64)
        x = x[~np.isnan(x)]
        sample = x if len(x) <= KS_SAMPLE else rng.choice(x, size=KS_SAMPLE, replace=False)
        edges = np.unique(np.quantile(x, np.linspace(0, 1, PSI_BINS + 1))[1:-1])
        counts = np.bincount(np.searchsorted(edges, x, side="left"), minlength=len(edges) + 1)
        arrays[f"{c}.sample"] = sample
        arrays[f"{c}.edges"] = edges
        arrays[f"{c}.fractions"] = counts / len(x)
    categories = {}
    for c in truth["categorical"]:
        vc = ref[c].dropna().value_counts()
        categories[c] = [str(k) for k in vc.index]
        arrays[f"{c}.counts"] = vc.to_numpy(np.int64)
    np.savez(p["npz"], **arrays)
    with open(p["schema"], "w") as f:
        json.dump({"numeric": truth["numeric"], "categorical": truth["categorical"],
                   "categories": categories}, f)
    if "evidently" in tools:
        ref.to_pickle(p["pickle"])


# ---------------------------------------------------------------------------------------------
# Timed children (each a fresh interpreter)


def psi(c, r):
    import numpy as np
    c = np.where(c == 0, 1e-4, c)
    r = np.where(r == 0, 1e-4, r)
    return float(np.sum((c - r) * np.log(c / r)))


def child_pandas(p):
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd
    from scipy import stats
    t1 = time.perf_counter()
    schema = json.load(open(p["schema"]))
    prep = np.load(p["npz"])
    cur = read_csv(pd, p["current"])
    results = []
    for c in schema["numeric"]:
        x = cur[c].to_numpy(np.float64)
        x = x[~np.isnan(x)]
        ks = stats.ks_2samp(prep[f"{c}.sample"], x)
        edges = prep[f"{c}.edges"]
        frac = np.bincount(np.searchsorted(edges, x, side="left"), minlength=len(edges) + 1) / len(x)
        value = psi(frac, prep[f"{c}.fractions"])
        results.append({"name": c, "p": float(ks.pvalue),
                        "effect": ks.statistic >= KS_FLOOR or value >= PSI_FLOOR})
    for c in schema["categorical"]:
        ref_cats = schema["categories"][c]
        ref_counts = prep[f"{c}.counts"]
        vc = cur[c].dropna().value_counts()
        known = {k: i for i, k in enumerate(ref_cats)}
        cur_counts = np.zeros(len(ref_cats), dtype=np.int64)
        unseen = []
        for k, n in zip(vc.index, vc.to_numpy()):
            i = known.get(str(k))
            if i is None:
                unseen.append(n)
            else:
                cur_counts[i] = n
        unseen = np.array(unseen, dtype=np.int64)
        table = np.array([np.concatenate([ref_counts, np.zeros(len(unseen), np.int64)]),
                          np.concatenate([cur_counts, unseen])])
        table = table[:, table.sum(axis=0) > 0]
        chi2 = stats.chi2_contingency(table, correction=False)
        r = table[0] / table[0].sum()
        k = table[1] / table[1].sum()
        tvd = 0.5 * float(np.abs(r - k).sum())
        rf = np.append(ref_counts / ref_counts.sum(), 0.0)
        cf = np.append(cur_counts, unseen.sum()) / (cur_counts.sum() + unseen.sum())
        value = psi(cf, rf)
        results.append({"name": c, "p": float(chi2.pvalue),
                        "effect": tvd >= TVD_FLOOR or value >= PSI_FLOOR})
    adjusted = stats.false_discovery_control([f["p"] for f in results], method="bh")
    drifted = [f["name"] for f, a in zip(results, adjusted) if a < Q and f["effect"]]
    return {"drifted": drifted, "import_s": t1 - t0, "work_s": time.perf_counter() - t1}


def child_evidently(p):
    os.environ["DO_NOT_TRACK"] = "1"
    t0 = time.perf_counter()
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset
    t1 = time.perf_counter()
    schema = json.load(open(p["schema"]))
    ref = pd.read_pickle(p["pickle"])
    cur = read_csv(pd, p["current"])
    definition = DataDefinition(numerical_columns=schema["numeric"],
                                categorical_columns=schema["categorical"])
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                               Dataset.from_pandas(ref, data_definition=definition))
    drifted = []
    for m in snapshot.dict()["metrics"]:
        config = m["config"]
        if config.get("type", "").endswith("ValueDrift") and m["value"] >= config["threshold"]:
            drifted.append(config["column"])
    return {"drifted": drifted, "import_s": t1 - t0, "work_s": time.perf_counter() - t1}


# ---------------------------------------------------------------------------------------------
# Parent: repetitions, timing, RSS


def run_once(argv):
    """Runs argv in a fresh process; returns (wall seconds, peak RSS MB, stdout)."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024.0, out.read().decode()


def tool_version(tool):
    try:
        if tool == "evidently":
            import evidently
            import pandas
            return f"evidently {evidently.__version__}, pandas {pandas.__version__}"
        import pandas
        import scipy
        return f"pandas {pandas.__version__}, scipy {scipy.__version__}"
    except Exception:
        return "unknown"


def evidently_available():
    env = dict(os.environ, DO_NOT_TRACK="1")
    r = subprocess.run([sys.executable, "-c", "from evidently import Report; "
                        "from evidently.presets import DataDriftPreset"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        print(f"compare_reference: evidently unavailable ({last}); skipped", file=sys.stderr)
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=None,
                    help="repetitions per tool (default 5, or 3 from 1 000 000 rows)")
    ap.add_argument("--tools", default="pandas+scipy,evidently")
    ap.add_argument("--child", choices=["pandas+scipy", "evidently"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    p = paths(args.dir, args.rows)

    if args.child:
        body = child_pandas if args.child == "pandas+scipy" else child_evidently
        print(json.dumps(body(p)))
        return

    tools = [t for t in args.tools.split(",") if t]
    if "evidently" in tools and not evidently_available():
        tools.remove("evidently")
    repeat = args.repeat or (3 if args.rows >= 1_000_000 else 5)
    truth = json.load(open(p["truth"]))

    t0 = time.perf_counter()
    prepare(p, tools)
    prep_seconds = time.perf_counter() - t0

    for tool in tools:
        times, rss, drifted, imports, work = [], 0.0, None, [], []
        for i in range(repeat):
            seconds, peak, out = run_once([sys.executable, os.path.abspath(__file__), "--dir",
                                           args.dir, "--rows", str(args.rows), "--child", tool])
            times.append(round(seconds, 4))
            rss = max(rss, peak)
            result = json.loads(out.strip().splitlines()[-1])
            drifted = result["drifted"]
            imports.append(result["import_s"])
            work.append(result["work_s"])
            print(f"compare_reference: {tool} rows={args.rows} run {i + 1}/{repeat}: {seconds:.3f} s",
                  file=sys.stderr)
        print(json.dumps({
            "tool": tool, "rows": args.rows, "seconds_median": round(statistics.median(times), 4),
            "seconds_all": times, "max_rss_mb": round(rss, 1), "drifted": sorted(drifted),
            "verdict_ok": sorted(drifted) == sorted(truth["drifted"]),
            "import_seconds_median": round(statistics.median(imports), 4),
            "work_seconds_median": round(statistics.median(work), 4),
            "version": tool_version(tool), "prep_seconds": round(prep_seconds, 3)}), flush=True)

    for key in ("npz", "schema", "pickle"):
        if os.path.exists(p[key]):
            os.remove(p[key])


if __name__ == "__main__":
    main()
