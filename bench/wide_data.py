#!/usr/bin/env python3
"""The 20-feature training file of the `baseline build` benchmark (bench/compare.sh --wide).

Usage:
  python3 bench/wide_data.py --rows N --out DIR [--seed S]

Writes DIR/wide_reference_N.csv: the 15 reference columns of bench/compare_data.py plus five more
numeric ones (n_extra0..n_extra4: N(k, k + 1)), 14 numeric and 6 categorical features, every float
with 17 significant digits ("%.17g"), missing values as empty fields.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_data  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=compare_data.DEFAULT_SEED)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    cols = compare_data.generate(rng, args.rows, drifted=False)
    extra = [f"n_extra{k}" for k in range(5)]
    for k, name in enumerate(extra):
        cols[name] = rng.normal(float(k), float(k + 1), args.rows)
    import pandas as pd
    order = compare_data.NUMERIC + extra + compare_data.CATEGORICAL
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"wide_reference_{args.rows}.csv")
    pd.DataFrame({c: cols[c] for c in order}).to_csv(
        path + ".tmp", index=False, float_format="%.17g", na_rep="", lineterminator="\n")
    os.replace(path + ".tmp", path)
    print(f"wide_data: wrote {args.rows} rows x {len(order)} columns to {path} in {time.time() - started:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
