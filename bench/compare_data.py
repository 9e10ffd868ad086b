#!/usr/bin/env python3
"""Seeded synthetic data for the `driftwatch compare` benchmark (bench/compare.sh).

Usage:
  python3 bench/compare_data.py --rows N --out DIR [--seed S] [--check]

Writes DIR/reference_N.csv and DIR/current_N.csv (N rows each, header row, 15 feature columns)
and DIR/truth.json (which features are drifted). Reference and current use different seeds
(S and S + 1, numpy default_rng), so the undrifted features are two independent samples of the
same distribution. `--check` then reads both files back and verifies the planted drift with
scipy (drifted: KS D or TVD >= 0.15 and p < 1e-6; undrifted: KS D or TVD < 0.05).

CSV format: comma separated, "\\n" line ends, no quoting (no value contains a comma, quote or
space), no index column. Floats are printed with "%.6g" (up to 6 significant digits; numbers
below 1e-4 in magnitude use exponent notation such as "-3.21e-05"), or with "%.17g" (every
digit a double has: the slow case for parsers) with --full-precision. Integers are plain ("3").
A missing value is an empty field. Categorical values are short ASCII words ("yes", "z07",
"new2"), never "NA"/"null"/"nan", so every reader agrees on what is missing.

Columns (n_* numeric, c_* categorical; (D) = drifted in current):
  n_normal       N(0, 1)
  n_shift    (D) N(10, 2); current N(11, 2): mean +0.5 sigma, KS D ~ 0.20
  n_lognormal    exp(N(0, 1))
  n_ties         Poisson(3) integers: about 12 distinct values, heavy ties
  n_bimodal  (D) 0.7 N(-2, 0.7) + 0.3 N(2, 0.7); current weights 0.4 / 0.6, KS D ~ 0.30
  n_missing      N(50, 10) with 5% empty fields on both sides
  n_scale    (D) N(0, 1); current N(0, 2): sigma x2, KS D ~ 0.16 (x1.5 would give only ~0.10)
  n_uniform      U(0, 100)
  n_exponential  Exponential(scale 5)
  c_binary       yes / no, P(yes) = 0.3
  c_levels4  (D) red/green/blue/black 0.4/0.3/0.2/0.1; current 0.2/0.3/0.2/0.3, TVD 0.20
  c_zipf50       z00..z49, P(k) ~ 1/(k+1)^1.1
  c_unseen   (D) u0..u9; current: 80% as reference, 20% new0..new3 never seen, TVD 0.20
  c_channel      web/mobile/store/partner 0.5/0.3/0.15/0.05
  c_missing      a/b/c 0.5/0.3/0.2 with 3% empty fields on both sides
"""
import argparse
import json
import os
import sys
import time

import numpy as np

DRIFTED = ["n_shift", "n_bimodal", "n_scale", "c_levels4", "c_unseen"]
NUMERIC = ["n_normal", "n_shift", "n_lognormal", "n_ties", "n_bimodal", "n_missing", "n_scale",
           "n_uniform", "n_exponential"]
CATEGORICAL = ["c_binary", "c_levels4", "c_zipf50", "c_unseen", "c_channel", "c_missing"]
COLUMNS = NUMERIC + CATEGORICAL
DEFAULT_SEED = 20260601


def choice(rng, labels, p, n):
    """n draws of labels with probabilities p, as a numpy array of str objects."""
    labels = np.asarray(labels, dtype=object)
    return labels[rng.choice(len(labels), size=n, p=np.asarray(p) / np.sum(p))]


def generate(rng, n, drifted):
    """Dict column name -> numpy array (float64 with NaN for missing numerics, object for
    categoricals with None for missing). `drifted` selects the current-side distributions."""
    cols = {}
    cols["n_normal"] = rng.normal(0.0, 1.0, n)
    cols["n_shift"] = rng.normal(11.0 if drifted else 10.0, 2.0, n)
    cols["n_lognormal"] = rng.lognormal(0.0, 1.0, n)
    cols["n_ties"] = rng.poisson(3.0, n).astype(np.int64)
    w_high = 0.6 if drifted else 0.3
    high = rng.random(n) < w_high
    cols["n_bimodal"] = np.where(high, rng.normal(2.0, 0.7, n), rng.normal(-2.0, 0.7, n))
    x = rng.normal(50.0, 10.0, n)
    x[rng.random(n) < 0.05] = np.nan
    cols["n_missing"] = x
    cols["n_scale"] = rng.normal(0.0, 2.0 if drifted else 1.0, n)
    cols["n_uniform"] = rng.uniform(0.0, 100.0, n)
    cols["n_exponential"] = rng.exponential(5.0, n)

    cols["c_binary"] = choice(rng, ["yes", "no"], [0.3, 0.7], n)
    p4 = [0.2, 0.3, 0.2, 0.3] if drifted else [0.4, 0.3, 0.2, 0.1]
    cols["c_levels4"] = choice(rng, ["red", "green", "blue", "black"], p4, n)
    ranks = np.arange(1, 51, dtype=np.float64)
    cols["c_zipf50"] = choice(rng, [f"z{k:02d}" for k in range(50)], ranks ** -1.1, n)
    u_labels = [f"u{k}" for k in range(10)]
    u_p = [0.2, 0.15, 0.12, 0.1, 0.1, 0.09, 0.08, 0.07, 0.05, 0.04]
    u = choice(rng, u_labels, u_p, n)
    if drifted:
        new = rng.random(n) < 0.2
        u[new] = choice(rng, [f"new{k}" for k in range(4)], [0.4, 0.3, 0.2, 0.1], int(new.sum()))
    cols["c_unseen"] = u
    cols["c_channel"] = choice(rng, ["web", "mobile", "store", "partner"], [0.5, 0.3, 0.15, 0.05], n)
    m = choice(rng, ["a", "b", "c"], [0.5, 0.3, 0.2], n)
    m[rng.random(n) < 0.03] = None
    cols["c_missing"] = m
    return cols


def write_csv(path, cols, float_format="%.6g"):
    tmp = path + ".tmp"
    try:
        import pandas as pd
        pd.DataFrame({c: cols[c] for c in COLUMNS}).to_csv(
            tmp, index=False, float_format=float_format, na_rep="", lineterminator="\n")
    except ImportError:  # plain-Python fallback (slower: ~10x)
        import csv
        n = len(cols[COLUMNS[0]])
        def fmt(v):
            if v is None or (isinstance(v, float) and v != v):
                return ""
            if isinstance(v, float):
                return float_format % v
            return str(v)
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            lists = [cols[c].tolist() for c in COLUMNS]
            for i in range(n):
                w.writerow([fmt(col[i]) for col in lists])
    os.replace(tmp, path)


def check(out, rows):
    """Verify the planted drift on the written files with scipy."""
    import pandas as pd
    from scipy import stats
    ref = pd.read_csv(os.path.join(out, f"reference_{rows}.csv"), keep_default_na=False,
                      na_values=[""])
    cur = pd.read_csv(os.path.join(out, f"current_{rows}.csv"), keep_default_na=False,
                      na_values=[""])
    ok = True
    for c in COLUMNS:
        if c in NUMERIC:
            r = ref[c].dropna().to_numpy(np.float64)
            k = cur[c].dropna().to_numpy(np.float64)
            res = stats.ks_2samp(r, k)
            effect, p, name = res.statistic, res.pvalue, "KS D"
        else:
            r = ref[c].dropna().value_counts()
            k = cur[c].dropna().value_counts()
            cats = sorted(set(r.index) | set(k.index))
            table = np.array([[r.get(x, 0) for x in cats], [k.get(x, 0) for x in cats]])
            p = stats.chi2_contingency(table, correction=False).pvalue
            effect = 0.5 * np.abs(table[0] / table[0].sum() - table[1] / table[1].sum()).sum()
            name = "TVD"
        drifted = c in DRIFTED
        good = (effect >= 0.15 and p < 1e-6) if drifted else effect < 0.05
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {c:14s} {'drifted' if drifted else 'undrifted':9s} "
              f"{name:4s} = {effect:.4f}  p = {p:.3g}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--check", action="store_true", help="verify the planted drift with scipy")
    ap.add_argument("--full-precision", action="store_true",
                    help='floats with 17 significant digits ("%%.17g", as they round-trip) instead of "%%.6g"')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    for name, seed, drifted in (("reference", args.seed, False), ("current", args.seed + 1, True)):
        cols = generate(np.random.default_rng(seed), args.rows, drifted)
        write_csv(os.path.join(args.out, f"{name}_{args.rows}.csv"), cols,
                  "%.17g" if args.full_precision else "%.6g")
    truth = {
        "drifted": DRIFTED,
        "undrifted": [c for c in COLUMNS if c not in DRIFTED],
        "numeric": NUMERIC,
        "categorical": CATEGORICAL,
        "seed_reference": args.seed,
        "seed_current": args.seed + 1,
    }
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    print(f"compare_data: wrote {args.rows} rows x {len(COLUMNS)} columns to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.check and not check(args.out, args.rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
