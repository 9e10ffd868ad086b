#!/usr/bin/env python3
"""Times scipy / numpy / scikit-learn on the data driftwatch-bench wrote, and prints the side-by-side
table with ratios (reference time / Swift time; > 1 means Swift is faster).

Usage: bench/stats_reference.py DATA_DIR SWIFT_JSON [--min-seconds S]
Run through bench/stats.sh, which builds and runs the Swift side first.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler


def load(directory, name, dtype=np.float64, shape=None):
    a = np.fromfile(os.path.join(directory, name), dtype=dtype)
    return a.reshape(shape) if shape else a


def measure(body, min_seconds):
    """Median wall time: one warm-up, then at least 5 runs and min_seconds in total (as the Swift side)."""
    body()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < min_seconds and len(times) < 201):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def blas_provider():
    try:
        config = np.show_config(mode="dicts")
        return config["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy
        return "unknown"


def main():
    directory, swift_json = sys.argv[1], sys.argv[2]
    min_seconds = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--min-seconds" else 0.5
    ks_reference = load(directory, "ks_reference.f64")
    ks_current = load(directory, "ks_current.f64")
    exact_a = load(directory, "exact_a.f64")
    exact_b = load(directory, "exact_b.f64")
    chi_reference = load(directory, "chi_reference.i32", np.int32)
    chi_current = load(directory, "chi_current.i32", np.int32)
    psi_reference = load(directory, "psi_reference.f64")
    psi_current = load(directory, "psi_current.f64")
    pca_reference = load(directory, "pca_reference_100000x20.f64", shape=(100000, 20))
    pca_current = load(directory, "pca_current_10000x20.f64", shape=(10000, 20))
    hotelling_y = load(directory, "hotelling_y_100000x20.f64", shape=(100000, 20))
    sort_input = load(directory, "sort_input.f64")

    reference_counts = np.bincount(chi_reference, minlength=50)
    edges = np.unique(np.quantile(psi_reference, np.linspace(0, 1, 11))[1:-1])
    reference_fractions = np.bincount(np.searchsorted(edges, psi_reference, side="left"),
                                      minlength=len(edges) + 1) / len(psi_reference)

    def chi2():
        counts = np.bincount(chi_current, minlength=50)
        return stats.chi2_contingency(np.array([reference_counts, counts]), correction=False).statistic

    def psi():
        c = np.bincount(np.searchsorted(edges, psi_current, side="left"), minlength=len(edges) + 1) / len(psi_current)
        r = np.where(reference_fractions == 0, 1e-4, reference_fractions)
        c = np.where(c == 0, 1e-4, c)
        return np.sum((c - r) * np.log(c / r))

    def pca_fit():
        scaler = StandardScaler().fit(pca_reference)
        z = scaler.transform(pca_reference)
        pca = PCA(n_components=0.65).fit(z)
        errors = np.linalg.norm(z - pca.inverse_transform(pca.transform(z)), axis=1)
        chunks = [c.mean() for c in np.array_split(errors, 10)]
        return np.mean(chunks) + 3 * np.std(chunks), scaler, pca

    _, fitted_scaler, fitted_pca = pca_fit()

    def pca_score():
        z = fitted_scaler.transform(pca_current)
        return np.linalg.norm(z - fitted_pca.inverse_transform(fitted_pca.transform(z)), axis=1).mean()

    def hotelling():
        x, y = pca_reference, hotelling_y
        n1, n2, p = len(x), len(y), x.shape[1]
        d = x.mean(axis=0) - y.mean(axis=0)
        s = ((n1 - 1) * np.cov(x, rowvar=False) + (n2 - 1) * np.cov(y, rowvar=False)) / (n1 + n2 - 2)
        t2 = n1 * n2 / (n1 + n2) * d @ np.linalg.solve(s, d)
        f = (n1 + n2 - p - 1) / (p * (n1 + n2 - 2)) * t2
        return stats.f.sf(f, p, n1 + n2 - p - 1)

    reference = {
        "ks_sorted_ref_100k": ("scipy.stats.ks_2samp", lambda: stats.ks_2samp(ks_reference, ks_current).pvalue),
        "ks_exact_10k": ("scipy.stats.ks_2samp (exact)", lambda: stats.ks_2samp(exact_a, exact_b).pvalue),
        "sort_1M": ("numpy.sort (a sorted copy)", lambda: np.sort(sort_input)[500_000]),
        "chi2_50cat_1M": ("np.bincount + chi2_contingency", chi2),
        "psi_1M": ("np.searchsorted + bincount + numpy PSI", psi),
        "pca_fit_100kx20": ("sklearn StandardScaler + PCA(0.65)", lambda: pca_fit()[0]),
        "pca_score_10kx20": ("sklearn transform/inverse_transform", pca_score),
        "hotelling_100kx20": ("numpy cov/solve + scipy.stats.f.sf", hotelling),
    }
    with open(swift_json) as f:
        swift = {m["name"]: m for m in json.load(f)["swift"]}

    print(f"reference: Python {sys.version.split()[0]}, numpy {np.__version__} (BLAS: {blas_provider()}), "
          f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")
    print(f"{'operation':<20} {'Swift (ms)':>11} {'reference (ms)':>15} {'ratio':>8}  reference implementation")
    print("-" * 100)
    for name, (label, body) in reference.items():
        median, runs = measure(body, min_seconds)
        s = swift[name]["medianSeconds"]
        print(f"{name:<20} {s * 1e3:>11.3f} {median * 1e3:>15.3f} {median / s:>7.1f}x  {label} (median of {runs})")
    print("ratio = reference median / Swift median; > 1 means Swift is faster.")


if __name__ == "__main__":
    main()
