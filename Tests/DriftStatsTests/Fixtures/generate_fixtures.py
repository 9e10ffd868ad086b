#!/usr/bin/env python3
"""Generate reference fixtures for the DriftStats Swift unit tests.

Every expected value in ``scipy_cases.json`` comes from numpy / scipy /
mpmath / scikit-learn (never from Swift code).  The Swift tests load the JSON
and compare the Swift implementation against these numbers.

Sections written (each a list of case objects with a descriptive "name"):

  ks                two-sample Kolmogorov-Smirnov, scipy.stats.ks_2samp(method="auto")
  kstwo_sf          one-sample two-sided KS survival function, scipy.stats.kstwo.sf
  chi2              chi-square test of homogeneity on a 2xK table,
                    scipy.stats.chi2_contingency(correction=False); log_pvalue via mpmath
  chi2_sf           chi-square survival function Q(df/2, x/2) via mpmath (50 digits)
  f_sf              F survival function I_{d2/(d2+d1 f)}(d2/2, d1/2) via mpmath (50 digits)
  quantile          numpy.quantile, default "linear" method
  psi_numeric       Population Stability Index, reference-quantile bins (right-closed)
  psi_categorical   Population Stability Index on aligned category counts
  jensen_shannon    scipy.spatial.distance.jensenshannon(p, q, base=2)
  hellinger         sqrt(0.5 * sum((sqrt(p) - sqrt(q))**2)) in numpy
  wasserstein       scipy.stats.wasserstein_distance (unweighted)
  multiple_testing  Bonferroni and scipy.stats.false_discovery_control(method="bh")
  hotelling         two-sample Hotelling T^2 with pooled covariance (numpy + scipy F sf)
  pca               NannyML-style PCA reconstruction drift (sklearn StandardScaler + PCA)

Conventions:
  * All random inputs use numpy.random.default_rng(<fixed seed>), so reruns are
    byte-identical on the same library versions.
  * Every generated input float is rounded with np.round(x, 6) BEFORE the
    expected values are computed, so the decimal text in the JSON is exactly the
    data used.  (A few scalar probe points, e.g. kstwo d values for n = 1e6 or
    q = i/7, need more digits; they are written with Python's round-tripping
    repr, so the JSON text still parses back to exactly the double used.)
  * Floats are written with repr (round-trip exact).  NaN / Infinity are never
    written; null means "not applicable".

Rerun from the package root with:

    python3 Tests/DriftStatsTests/Fixtures/generate_fixtures.py

Requires numpy, scipy, mpmath and scikit-learn.
"""

import json
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import mpmath
import numpy as np
import scipy
import scipy.stats as st
from scipy.spatial.distance import jensenshannon
import sklearn
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

OUT_PATH = Path(__file__).resolve().parent / "scipy_cases.json"
MP_DPS = 50

# Any warning raised by scipy/numpy while computing expected values is a bug in
# the fixture (e.g. ks_2samp silently falling back from exact to asymp).
warnings.simplefilter("error")


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------

def r6(a):
    """Round to 6 decimals, normalise -0.0 to 0.0, return float64 ndarray."""
    return np.round(np.asarray(a, dtype=np.float64), 6) + 0.0


def fnum(x):
    """Finite Python float (asserts finiteness, normalises -0.0)."""
    v = float(x)
    assert math.isfinite(v), v
    return v + 0.0


def flist(a):
    return [fnum(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def ilist(a):
    return [int(v) for v in np.asarray(a).ravel()]


def rows(m):
    return [flist(r) for r in np.asarray(m, dtype=np.float64)]


def sig6(x):
    """Round a scalar probe point to 6 significant digits (repr round-trips)."""
    return float(f"{float(x):.6g}")


def mp_float(x):
    """mpmath -> nearest double (may be subnormal or 0.0 for tiny values)."""
    return float(x) + 0.0


def mp_chi2_sf(x, df, dps=MP_DPS):
    """Q(df/2, x/2) with mpmath at `dps` digits."""
    with mpmath.workdps(dps):
        a = mpmath.mpf(df) / 2
        z = mpmath.mpf(x) / 2
        if z == 0:
            return mpmath.mpf(1)
        return mpmath.gammainc(a, z, mpmath.inf, regularized=True)


def mp_betacf(a, b, x, eps):
    """Continued fraction for the incomplete beta (modified Lentz), mpmath."""
    tiny = mpmath.mpf(10) ** (-(mpmath.mp.dps + 100))
    qab, qap, qam = a + b, a + 1, a - 1
    c = mpmath.mpf(1)
    d = 1 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1 / d
    h = d
    for m in range(1, 1_000_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1 / d
        de = d * c
        h *= de
        if abs(de - 1) < eps:
            return h
    raise RuntimeError("betacf did not converge")


def mp_betainc_reg(a, b, x, dps=MP_DPS):
    """Regularized incomplete beta I_x(a, b) with mpmath at `dps` digits.

    mpmath.betainc's hypergeometric evaluation fails to converge for the large
    parameters used here (a ~ 1e5), so the classical continued fraction is
    evaluated in mpmath arithmetic with extra guard digits; results are
    cross-checked against mpmath.betainc where that converges.
    """
    with mpmath.workdps(dps + 20):
        a = mpmath.mpf(a)
        b = mpmath.mpf(b)
        x = mpmath.mpf(x)
        if x <= 0:
            return mpmath.mpf(0)
        if x >= 1:
            return mpmath.mpf(1)
        eps = mpmath.mpf(10) ** (-(dps + 10))
        lbt = (mpmath.loggamma(a + b) - mpmath.loggamma(a) - mpmath.loggamma(b)
               + a * mpmath.log(x) + b * mpmath.log1p(-x))
        if x < (a + 1) / (a + b + 2):
            return mpmath.exp(lbt) * mp_betacf(a, b, x, eps) / a
        return 1 - mpmath.exp(lbt) * mp_betacf(b, a, 1 - x, eps) / b


def rel_close(u, v, tol):
    u, v = mpmath.mpf(u), mpmath.mpf(v)
    if u == v:
        return True
    return abs(u - v) <= tol * max(abs(u), abs(v))


# ----------------------------------------------------------------------------
# 1. two-sample KS
# ----------------------------------------------------------------------------

def ks_cases():
    rng = np.random.default_rng(1001)
    cases = []

    def add(name, x, y, expect=None):
        x = r6(x)
        y = r6(y)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            res = st.ks_2samp(x, y, alternative="two-sided", method="auto")
            dt = time.perf_counter() - t0
        assert not w, (name, [str(i.message) for i in w])
        assert dt < 30, (name, dt)
        method = "exact" if max(len(x), len(y)) <= 10000 else "asymp"
        stat, p = float(res.statistic), float(res.pvalue)
        if expect == "moderate":
            assert 1e-3 <= p <= 0.5, (name, p)
        elif expect == "tiny":
            assert 0 < p < 1e-30, (name, p)
        elif expect == "zero":
            assert stat == 0.0 and p == 1.0, (name, stat, p)
        elif expect == "one":
            assert stat == 1.0, (name, stat)
        cases.append({"name": name, "x": flist(x), "y": flist(y),
                      "statistic": fnum(stat), "pvalue": fnum(p), "method": method})

    # tiny samples (hand-checkable)
    add("tiny_n1_m1_distinct", [0.5], [1.25], "one")
    add("tiny_n1_m1_equal", [0.3], [0.3], "zero")
    add("tiny_n1_m5", [0.1], [-1.0, 0.05, 0.2, 0.7, 1.3])
    add("tiny_n2_m3", [1.0, 2.5], [0.5, 1.5, 3.0])
    add("tiny_n3_m4_handcheck", [1.0, 2.0, 3.0], [2.5, 3.5, 4.5, 5.5])
    add("exact_equal_n10_m10_shifted", rng.normal(0, 1, 10), rng.normal(1.0, 1, 10))
    add("exact_equal_n100_m100_shifted", rng.normal(0, 1, 100), rng.normal(0.3, 1, 100))
    add("exact_equal_n1000_m1000_shifted", rng.normal(0, 1, 1000), rng.normal(0.1, 1, 1000))
    add("exact_equal_n5000_m5000_shifted", rng.normal(0, 1, 5000), rng.normal(0.05, 1, 5000))
    add("exact_unequal_n30_m47_shifted", rng.normal(0, 1, 30), rng.normal(0.5, 1, 47))
    add("exact_unequal_n200_m350_scale", rng.normal(0, 1, 200), rng.normal(0, 1.3, 350))
    add("exact_unequal_n999_m1000_shifted", rng.normal(0, 1, 999), rng.normal(0.1, 1, 1000))
    add("exact_unequal_n3000_m7000_shifted", rng.normal(0, 1, 3000), rng.normal(0.05, 1, 7000))
    x = rng.normal(0, 1, 50)
    add("identical_n50_m50", x, x.copy(), "zero")
    add("identical_multiset_n40_m80", np.tile(x[:40], 1), np.concatenate([x[:40], x[:40][::-1]]), "zero")
    add("disjoint_n20_m30", rng.uniform(0, 1, 20), rng.uniform(2, 3, 30), "one")
    add("disjoint_n300_m400", rng.uniform(0, 1, 300), rng.uniform(1.5, 3, 400), "one")
    add("ties_int0to4_n100_m120", rng.integers(0, 5, 100), rng.integers(0, 5, 120))
    add("ties_int0to4_n2000_m3000_shifted",
        rng.choice(5, 2000, p=[0.2, 0.2, 0.2, 0.2, 0.2]),
        rng.choice(5, 3000, p=[0.15, 0.2, 0.2, 0.2, 0.25]))
    add("all_tied_same_value_n25_m40", np.full(25, 1.5), np.full(40, 1.5), "zero")
    add("all_tied_different_values_n25_m40", np.full(25, 1.5), np.full(40, 2.5), "one")
    add("exact_unequal_n400_m600_scale_change", rng.normal(0, 1, 400), rng.normal(0, 2.0, 600))
    add("exact_equal_n10000_m10000_shifted", rng.normal(0, 1, 10000), rng.normal(0.03, 1, 10000))
    add("exact_unequal_n10000_m6000_boundary", rng.normal(0, 1, 10000), rng.normal(0.04, 1, 6000))
    add("asymp_n10001_m300_shifted", rng.normal(0, 1, 10001), rng.normal(0.15, 1, 300), "moderate")
    add("asymp_n20000_m15000_shifted", rng.normal(0, 1, 20000), rng.normal(0.02, 1, 15000), "moderate")
    add("asymp_n12000_m3000_large_shift", rng.normal(0, 1, 12000), rng.normal(0.5, 1, 3000), "tiny")
    return cases


# ----------------------------------------------------------------------------
# 2. kstwo.sf
# ----------------------------------------------------------------------------

def kstwo_cases():
    from scipy.optimize import brentq

    ns = [1, 2, 5, 10, 50, 100, 140, 141, 500, 1000, 5000, 10000, 100000, 1000000]
    cases = []

    def d_for_sf(target, n):
        """A d with kstwo.sf(d, n) ~= target (only used to pick probe points)."""
        d = float(st.kstwo.isf(target, n))
        sf = float(st.kstwo.sf(d, n))
        if 0 < sf and abs(math.log(sf / target)) < 0.1:
            return d
        # scipy's isf gives up in the far tail for larger n: solve log sf = log target
        f = lambda d: math.log(max(float(st.kstwo.sf(d, n)), 1e-320)) - math.log(target)
        d0 = math.sqrt(-math.log(target / 2) / (2 * n))
        a, b = max(0.5 * d0, 1.0 / n), min(2.0 * d0, 1 - 1e-12)
        if f(a) > 0 > f(b):
            return brentq(f, a, b, xtol=1e-12)
        return min(d0, 0.999999)

    for n in ns:
        ds = [
            0.0 if n in (1, 1000000) else None,
            1.0 / (4 * n),            # below 1/(2n): sf = 1
            1.0 / (2 * n),            # boundary: sf = 1
            0.75 / n,                 # 1/(2n) < d <= 1/n: closed form 1 - n!(2d-1/n)^n
            0.5 / math.sqrt(n),       # small-ish (sf near 1 for large n)
            float(st.kstwo.isf(0.5, n)),  # median
            d_for_sf(0.05, n),
            d_for_sf(1e-3, n),
            d_for_sf(1e-10, n),
            d_for_sf(1e-50, n),
            0.999999 if n <= 5 else None,
            1.0,                      # sf = 0
            1.5 if n in (1, 10, 1000000) else None,  # sf = 0
        ]
        seen = set()
        for d in ds:
            if d is None:
                continue
            d = sig6(d)
            if d in seen:
                continue
            seen.add(d)
            sf = float(st.kstwo.sf(d, n))
            assert 0.0 <= sf <= 1.0
            if d <= 1.0 / (2 * n):
                assert sf == 1.0, (n, d, sf)
            if d >= 1.0:
                assert sf == 0.0, (n, d, sf)
            cases.append({"d": fnum(d), "n": n, "sf": fnum(sf)})
    return cases


# ----------------------------------------------------------------------------
# 3. chi2_contingency on 2xK
# ----------------------------------------------------------------------------

def chi2_cases():
    rng = np.random.default_rng(2002)
    cases = []

    def add(name, ref, cur, expect=None):
        ref = np.asarray(ref, dtype=np.int64)
        cur = np.asarray(cur, dtype=np.int64)
        assert ref.shape == cur.shape
        table = np.array([ref, cur])
        keep = table.sum(axis=0) > 0
        res = st.chi2_contingency(table[:, keep], correction=False)
        stat, p, df = float(res.statistic), float(res.pvalue), int(res.dof)
        assert df == int(keep.sum()) - 1
        q = mp_chi2_sf(stat, df)
        q80 = mp_chi2_sf(stat, df, dps=80)
        assert rel_close(q, q80, mpmath.mpf(10) ** -40), name
        with mpmath.workdps(MP_DPS):
            logp = mpmath.log(q)
        if p > 1e-290:
            assert rel_close(p, q, 1e-10), (name, p, q)
        if expect == "underflow":
            assert p == 0.0, (name, p)
        if expect == "zero":
            assert p == 1.0 and abs(stat) < 1e-9, (name, stat, p)
        cases.append({"name": name, "ref": ilist(ref), "cur": ilist(cur),
                      "statistic": fnum(stat), "df": df, "pvalue": fnum(p),
                      "log_pvalue": fnum(logp)})

    add("k2_small_counts", [12, 5], [7, 10])
    # hand check: expected 25,30,45 per row; stat = 2*(1 + 0 + 25/45) = 28/9; p = exp(-14/9)
    add("k3_textbook_handcheck", [20, 30, 50], [30, 30, 40])
    add("k3_category_only_in_cur", [50, 30, 0], [40, 30, 15])
    add("k4_category_only_in_ref", [45, 25, 20, 10], [50, 30, 20, 0])
    add("k4_all_zero_column_dropped", [30, 0, 20, 50], [25, 0, 30, 45])
    add("k6_two_zero_columns_and_only_in_cur", [0, 100, 0, 80, 0, 60], [0, 90, 0, 85, 12, 50])
    add("k3_identical_proportions", [10, 20, 30], [20, 40, 60], "zero")
    add("k2_only_zero_table_cols_except_two", [0, 7, 0, 3], [0, 2, 0, 9])
    add("k10_small_p_representable",
        [100, 110, 90, 105, 95, 100, 98, 102, 100, 100],
        [60, 150, 60, 150, 60, 150, 60, 150, 60, 150])
    add("k3_millions_big_shift_underflow", [3_000_000, 2_000_000, 1_000_000],
        [1_000_000, 2_000_000, 3_000_000], "underflow")
    add("k5_millions_huge_stat_underflow", [5_000_000, 0, 2_000_000, 1_000_000, 2_000_000],
        [500_000, 6_000_000, 1_000_000, 1_500_000, 1_000_000], "underflow")
    p = rng.dirichlet(np.full(50, 2.0))
    q = 0.97 * p + 0.03 * rng.dirichlet(np.full(50, 2.0))
    add("k50_1M_per_side_small_drift", rng.multinomial(1_000_000, p), rng.multinomial(1_000_000, q))
    add("k50_1M_per_side_no_drift", rng.multinomial(1_000_000, p), rng.multinomial(1_000_000, p))
    p = rng.dirichlet(np.full(1001, 1.0))
    add("k1001_random_same_dist", rng.multinomial(200_000, p), rng.multinomial(150_000, p))
    p = rng.dirichlet(np.full(10001, 5.0))
    q = 0.9 * p + 0.1 * rng.dirichlet(np.full(10001, 5.0))
    add("k10001_df10000_mild_drift", rng.multinomial(2_000_000, p), rng.multinomial(1_500_000, q))
    return cases


# ----------------------------------------------------------------------------
# 4. chi2 survival function grid
# ----------------------------------------------------------------------------

def chi2_sf_cases():
    dfs = [1, 2, 3, 5, 10, 30, 99, 100, 500, 1000, 5000, 9999, 10000]
    cases = []
    for df in dfs:
        s = math.sqrt(2 * df)
        xs = [1e-6, 0.01, 0.5, df / 2, df - s, df, df + s, df + 5 * s, 2 * df, 10 * df,
              1e4, 1e5, 1e6, 1e7,
              1450.0]  # extra point: sf is subnormal for small df
        seen = set()
        for x in xs:
            x = float(r6(x))
            if x <= 0 or x in seen:
                continue
            seen.add(x)
            q = mp_chi2_sf(x, df)
            q80 = mp_chi2_sf(x, df, dps=80)
            assert rel_close(q, q80, mpmath.mpf(10) ** -40), (x, df)
            with mpmath.workdps(MP_DPS):
                lq = mpmath.log(q)
            sf = mp_float(q)
            scipy_sf = float(st.chi2.sf(x, df))
            if sf > 1e-300:
                assert rel_close(sf, scipy_sf, 1e-9), (x, df, sf, scipy_sf)
            cases.append({"x": fnum(x), "df": df, "sf": fnum(sf), "log_sf": fnum(lq),
                          "scipy_sf": fnum(scipy_sf)})
    return cases


# ----------------------------------------------------------------------------
# 5. F survival function grid
# ----------------------------------------------------------------------------

def f_sf_cases():
    cases = []
    for d1 in [1, 2, 5, 20]:
        for d2 in [1, 5, 30, 1000, 199979]:
            for f in [0.01, 0.5, 1, 3, 10, 100, 1e4]:
                with mpmath.workdps(MP_DPS + 30):
                    x = mpmath.mpf(d2) / (d2 + d1 * mpmath.mpf(f))
                    x1 = mpmath.mpf(d1) * f / (d2 + d1 * mpmath.mpf(f))  # 1 - x, exact
                sf = mp_betainc_reg(mpmath.mpf(d2) / 2, mpmath.mpf(d1) / 2, x)
                sf80 = mp_betainc_reg(mpmath.mpf(d2) / 2, mpmath.mpf(d1) / 2, x, dps=80)
                assert rel_close(sf, sf80, mpmath.mpf(10) ** -40), (d1, d2, f)
                # complementary representation: 1 - I_{1-x}(d1/2, d2/2)
                with mpmath.workdps(90):
                    comp = 1 - mp_betainc_reg(mpmath.mpf(d1) / 2, mpmath.mpf(d2) / 2, x1, dps=80)
                if sf > mpmath.mpf(10) ** -30:
                    assert rel_close(sf, comp, mpmath.mpf(10) ** -40), (d1, d2, f, sf, comp)
                # mpmath's own betainc where it converges
                try:
                    with mpmath.workdps(MP_DPS):
                        ref = mpmath.betainc(mpmath.mpf(d2) / 2, mpmath.mpf(d1) / 2, 0, x,
                                             regularized=True)
                    if sf > mpmath.mpf(10) ** -30:
                        assert rel_close(sf, ref, mpmath.mpf(10) ** -30), (d1, d2, f, sf, ref)
                except (ValueError, mpmath.libmp.NoConvergence):
                    pass
                with mpmath.workdps(MP_DPS):
                    lsf = mpmath.log(sf)
                sfv = mp_float(sf)
                scipy_sf = float(st.f.sf(f, d1, d2))
                if sfv > 1e-300:
                    assert rel_close(sfv, scipy_sf, 1e-8), (d1, d2, f, sfv, scipy_sf)
                cases.append({"f": fnum(f), "d1": d1, "d2": d2, "sf": fnum(sfv),
                              "log_sf": fnum(lsf), "scipy_sf": fnum(scipy_sf)})
    return cases


# ----------------------------------------------------------------------------
# 6. quantile
# ----------------------------------------------------------------------------

def quantile_cases():
    rng = np.random.default_rng(3003)
    tenths = [i / 10 for i in range(11)]
    sevenths = [i / 7 for i in range(8)]
    cases = []

    def add(name, data, q):
        data = r6(data)
        vals = np.quantile(data, np.asarray(q, dtype=np.float64))
        cases.append({"name": name, "data": flist(data), "q": [fnum(v) for v in q],
                      "values": flist(vals)})

    add("sorted_n5_tenths", [1, 2, 3, 4, 5], tenths)
    add("unsorted_n7_tenths", r6(rng.normal(10, 3, 7)), tenths)
    add("unsorted_n7_sevenths", r6(rng.normal(10, 3, 7)), sevenths)
    add("n1", [3.5], [0.0, 0.25, 0.5, 0.75, 1.0])
    add("n2", [4.0, 1.0], tenths)
    add("ties_n10", [3, 1, 3, 2, 1, 3, 10, 3, 2, 1], tenths + [0.33, 0.999])
    add("normal_n100_sevenths", rng.normal(0, 1, 100), sevenths + [0.01, 0.99])
    add("negative_and_positive_n11_tenths", rng.uniform(-5, 5, 11), tenths)
    add("uniform_n1001_tenths", rng.uniform(0, 1, 1001), tenths)
    add("all_equal_n6", [2.5] * 6, tenths)
    return cases


# ----------------------------------------------------------------------------
# 7/8. PSI
# ----------------------------------------------------------------------------

def psi_from_fracs(r, c):
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_numeric_cases():
    rng = np.random.default_rng(4004)
    cases = []

    def add(name, reference, current, bins, check=None):
        reference = r6(reference)
        current = r6(current)
        qs = np.quantile(reference, np.linspace(0, 1, bins + 1))[1:-1]
        edges = np.unique(qs)
        ref_idx = np.searchsorted(edges, reference, side="left")
        cur_idx = np.searchsorted(edges, current, side="left")
        ref_counts = np.bincount(ref_idx, minlength=len(edges) + 1)
        cur_counts = np.bincount(cur_idx, minlength=len(edges) + 1)
        r = ref_counts / len(reference)
        c = cur_counts / len(current)
        psi = psi_from_fracs(r, c)
        case = {"name": name, "reference": flist(reference), "current": flist(current),
                "bins": bins, "edges": flist(edges), "ref_counts": ilist(ref_counts),
                "cur_counts": ilist(cur_counts), "psi": fnum(psi)}
        if check:
            check(case)
        cases.append(case)

    def small_psi_check(c):
        assert c["psi"] < 0.05, c["psi"]
    add("normal_vs_same_normal_n2000_bins10", rng.normal(0, 1, 2000), rng.normal(0, 1, 2000), 10,
        small_psi_check)
    add("shifted_normal_n2000_bins10", rng.normal(0, 1, 2000), rng.normal(0.5, 1, 1500), 10)
    add("scale_change_n2000_bins10", rng.normal(0, 1, 2000), rng.normal(0, 1.5, 2000), 10)

    def heavy_ties_check(c):
        assert len(c["edges"]) < 9, c["edges"]
        assert 0 in c["ref_counts"], c["ref_counts"]  # an empty reference bin -> 1e-4
    add("heavy_ties_values_0_1_2_bins10", rng.choice(3, 2000, p=[0.45, 0.35, 0.2]).astype(float),
        rng.choice(3, 1500, p=[0.3, 0.4, 0.3]).astype(float), 10, heavy_ties_check)

    def all_equal_check(c):
        assert c["edges"] == [3.25], c["edges"]
    add("all_reference_equal_single_edge", np.full(1000, 3.25),
        np.concatenate([np.full(300, 3.25), rng.normal(3.25, 1, 700)]), 10, all_equal_check)

    # Reference on a coarse 0.1 grid so each quantile lands between tied
    # neighbours and the edges are exactly representable 6-decimal values; the
    # current sample contains every edge value exactly (pins right-closed bins).
    ref = np.round(rng.normal(0, 1, 3000), 1)
    qs = np.quantile(ref, np.linspace(0, 1, 11))[1:-1]
    edges = np.unique(qs)
    assert np.all(r6(edges) == edges), edges
    cur = np.concatenate([np.repeat(edges, 20), r6(edges + 1e-6), r6(edges - 1e-6),
                          rng.normal(0.1, 1, 1500)])
    cur = rng.permutation(cur)

    def edges_check(c):
        e = np.array(c["edges"])
        cur = np.array(c["current"])
        assert all(np.sum(cur == v) >= 20 for v in e)
    add("current_values_exactly_on_edges_bins10", ref, cur, 10, edges_check)

    def empty_cur_bin_check(c):
        assert 0 in c["cur_counts"], c["cur_counts"]
    add("empty_current_bins_shift3_bins10", rng.normal(0, 1, 2000), rng.normal(3, 0.5, 1000), 10,
        empty_cur_bin_check)
    add("bins5_n1000_shifted", rng.normal(0, 1, 1000), rng.normal(0.3, 1.1, 1000), 5)
    add("bins20_n5000_lognormal_drift", rng.lognormal(0, 0.5, 5000), rng.lognormal(0.1, 0.6, 4000), 20)
    return cases


def psi_categorical_cases():
    cases = []

    def add(name, categories, ref, cur):
        ref = np.asarray(ref, dtype=np.int64)
        cur = np.asarray(cur, dtype=np.int64)
        psi = psi_from_fracs(ref / ref.sum(), cur / cur.sum())
        cases.append({"name": name, "categories": categories, "ref_counts": ilist(ref),
                      "cur_counts": ilist(cur), "psi": fnum(psi)})

    add("four_categories_small_drift", ["a", "b", "c", "d"], [100, 200, 300, 400], [120, 180, 330, 370])
    add("zero_in_current", ["x", "y", "z"], [50, 30, 20], [60, 40, 0])
    add("zero_in_reference", ["x", "y", "new", "z"], [50, 30, 0, 20], [40, 30, 25, 25])
    add("with_other_bucket", ["red", "green", "blue", "__other__"], [500, 300, 150, 50], [400, 250, 150, 200])
    add("zero_on_both_sides_same_category", ["p", "q", "r"], [70, 0, 30], [65, 0, 35])
    add("identical_proportions", ["u", "v", "w"], [10, 20, 30], [30, 60, 90])
    return cases


# ----------------------------------------------------------------------------
# 9/10. Jensen-Shannon, Hellinger
# ----------------------------------------------------------------------------

def prob_vec(rng, k, zeros=0):
    """6-decimal probability vector whose decimal values sum exactly to 1."""
    w = rng.dirichlet(np.ones(k))
    if zeros:
        w[rng.choice(k, zeros, replace=False)] = 0
        w /= w.sum()
    micro = np.floor(w * 1_000_000).astype(np.int64)
    micro[np.argmax(micro)] += 1_000_000 - micro.sum()
    return micro / 1_000_000


def distribution_pairs(seed):
    rng = np.random.default_rng(seed)
    return [
        ("identical_k4", [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]),
        ("disjoint_supports_k4", [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]),
        ("k2", [0.3, 0.7], [0.6, 0.4]),
        ("onehot_vs_uniform_k5", [1.0, 0.0, 0.0, 0.0, 0.0], [0.2, 0.2, 0.2, 0.2, 0.2]),
        ("random_k10", prob_vec(rng, 10), prob_vec(rng, 10)),
        ("random_k20_with_zeros", prob_vec(rng, 20, zeros=4), prob_vec(rng, 20, zeros=3)),
    ]


def jensen_shannon_cases():
    cases = []
    for name, p, q in distribution_pairs(5005):
        p, q = r6(p), r6(q)
        dist = float(jensenshannon(p, q, base=2))
        # independent numpy check
        pn, qn = p / p.sum(), q / q.sum()
        m = 0.5 * (pn + qn)
        def kl(a, b):
            nz = a > 0
            return np.sum(a[nz] * np.log2(a[nz] / b[nz]))
        chk = math.sqrt(max(0.0, 0.5 * kl(pn, m) + 0.5 * kl(qn, m)))
        assert abs(chk - dist) < 1e-7, (name, chk, dist)
        cases.append({"name": name, "p": flist(p), "q": flist(q), "distance": fnum(dist)})
    return cases


def hellinger_cases():
    cases = []
    for name, p, q in distribution_pairs(6006):
        p, q = r6(p), r6(q)
        h = float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))
        cases.append({"name": name, "p": flist(p), "q": flist(q), "distance": fnum(h)})
    return cases


# ----------------------------------------------------------------------------
# 11. Wasserstein
# ----------------------------------------------------------------------------

def wasserstein_cases():
    rng = np.random.default_rng(7007)
    cases = []

    def add(name, x, y):
        x, y = r6(x), r6(y)
        d = float(st.wasserstein_distance(x, y))
        cases.append({"name": name, "x": flist(x), "y": flist(y), "distance": fnum(d)})

    add("n1_m1", [0.5], [2.0])
    add("n1_m4", [1.0], [0.0, 1.0, 2.0, 5.0])
    add("identical", [1.0, 2.0, 3.0], [3.0, 1.0, 2.0])
    add("ties", [0, 0, 1, 1, 1, 2], [1, 1, 2, 2, 3])
    add("unequal_n100_m157_shifted", rng.normal(0, 1, 100), rng.normal(0.7, 1.2, 157))
    add("unequal_n500_m333_ties", rng.integers(0, 10, 500), rng.integers(2, 12, 333))
    add("normal_n1000_m1000_scale", rng.normal(0, 1, 1000), rng.normal(0, 2, 1000))
    return cases


# ----------------------------------------------------------------------------
# 12. multiple testing
# ----------------------------------------------------------------------------

def multiple_testing_cases():
    rng = np.random.default_rng(8008)
    cases = []

    def add(name, p):
        p = r6(p)
        bonf = np.minimum(1.0, p * len(p))
        bh = st.false_discovery_control(p, method="bh")
        cases.append({"name": name, "p": flist(p), "bonferroni": flist(bonf), "bh": flist(bh)})

    add("single_p", [0.03])
    add("unsorted_four", [0.01, 0.04, 0.03, 0.005])
    add("ties", [0.01, 0.01, 0.04, 0.04, 0.2])
    add("contains_one", [0.001, 0.5, 1.0, 0.02])
    add("all_ones", [1.0, 1.0, 1.0])
    add("m50_random_mixture", np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.002, 10)])[rng.permutation(50)])
    add("m8_tiny_and_zero", [0.0, 1e-6, 0.000123, 0.5, 0.049, 0.051, 0.9, 0.01])
    return cases


# ----------------------------------------------------------------------------
# 13. Hotelling T^2
# ----------------------------------------------------------------------------

def hotelling_cases():
    rng = np.random.default_rng(9009)
    cases = []

    def add(name, x, y):
        x, y = r6(x), r6(y)
        if x.ndim == 1:
            x, y = x[:, None], y[:, None]
        n1, p = x.shape
        n2 = y.shape[0]
        d = x.mean(axis=0) - y.mean(axis=0)
        cx = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
        cy = np.atleast_2d(np.cov(y, rowvar=False, ddof=1))
        S = ((n1 - 1) * cx + (n2 - 1) * cy) / (n1 + n2 - 2)
        t2 = n1 * n2 / (n1 + n2) * float(d @ np.linalg.solve(S, d))
        f = (n1 + n2 - p - 1) / (p * (n1 + n2 - 2)) * t2
        df1, df2 = p, n1 + n2 - p - 1
        pv = float(st.f.sf(f, df1, df2))
        case = {"name": name, "x": rows(x), "y": rows(y), "t2": fnum(t2), "f": fnum(f),
                "df1": df1, "df2": df2, "pvalue": fnum(pv)}
        if p == 1:
            t = float(st.ttest_ind(x[:, 0], y[:, 0]).statistic)
            assert abs(t * t - t2) <= 1e-9 * max(1.0, t2), (t * t, t2)
            case["ttest_t"] = fnum(t)
        else:
            case["ttest_t"] = None
        cases.append(case)

    add("p1_n20_m25_shifted", rng.normal(0, 1, 20), rng.normal(0.8, 1, 25))
    add("p1_n50_m40_no_shift", rng.normal(5, 2, 50), rng.normal(5, 2, 40))
    add("p3_n100_m120_no_shift", rng.normal(0, 1, (100, 3)), rng.normal(0, 1, (120, 3)))
    add("p3_n100_m120_shifted", rng.normal(0, 1, (100, 3)), rng.normal([0.3, 0.0, -0.2], 1, (120, 3)))
    cov = np.array([[1.0, 0.8, 0.3, 0.0, 0.1],
                    [0.8, 1.0, 0.4, 0.0, 0.0],
                    [0.3, 0.4, 1.0, 0.5, 0.0],
                    [0.0, 0.0, 0.5, 1.0, -0.3],
                    [0.1, 0.0, 0.0, -0.3, 1.0]])
    add("p5_n200_m150_correlated_shifted",
        rng.multivariate_normal(np.zeros(5), cov, 200),
        rng.multivariate_normal([0.1, 0.2, 0.0, -0.1, 0.15], cov, 150))
    add("p2_n5_m6_tiny", [[2, 12], [8, 9], [6, 9], [8, 10], [10, 15]],
        [[3, 4], [5, 8], [4, 10], [2, 9], [7, 7], [6, 11]])
    return cases


# ----------------------------------------------------------------------------
# 14. PCA reconstruction drift
# ----------------------------------------------------------------------------

def pca_cases():
    rng = np.random.default_rng(10010)
    threshold = 0.65
    chunks = 10
    cases = []

    def add(name, reference, current, expect):
        reference, current = r6(reference), r6(current)
        scaler = StandardScaler().fit(reference)
        Z = scaler.transform(reference)
        full = PCA(svd_solver="full").fit(Z)
        evr = full.explained_variance_ratio_
        cums = np.cumsum(evr)
        assert np.min(np.abs(cums - threshold)) > 0.01, (name, cums)
        pca = PCA(n_components=threshold, svd_solver="full").fit(Z)
        k = int(pca.n_components_)
        assert k == int(np.argmax(cums > threshold)) + 1, (name, k, cums)
        assert k < reference.shape[1]

        def errors(X):
            Zx = scaler.transform(X)
            rec = pca.inverse_transform(pca.transform(Zx))
            return np.linalg.norm(Zx - rec, axis=1)

        cur_err = errors(current)
        ref_err = errors(reference)
        chunk_vals = np.array([np.mean(ref_err[idx])
                               for idx in np.array_split(np.arange(len(reference)), chunks)])
        # same as chunking the reference rows themselves
        for cv, part in zip(chunk_vals, np.array_split(reference, chunks)):
            assert abs(cv - np.mean(errors(part))) < 1e-12
        cm, cs = float(np.mean(chunk_vals)), float(np.std(chunk_vals))
        lower, upper = cm - 3 * cs, cm + 3 * cs
        cur_mean = float(np.mean(cur_err))
        if expect == "inside":
            assert lower <= cur_mean <= upper, (name, lower, cur_mean, upper)
        else:
            assert cur_mean > upper, (name, cur_mean, upper)
        # independent check of the scaler (population std)
        assert np.allclose(scaler.scale_, reference.std(axis=0, ddof=0), rtol=1e-13, atol=0)
        cases.append({
            "name": name, "reference": rows(reference), "current": rows(current),
            "variance_threshold": threshold, "n_components": k,
            "explained_variance_ratio": flist(evr), "mean": flist(scaler.mean_),
            "scale": flist(scaler.scale_), "current_row_errors": flist(cur_err),
            "current_mean_error": fnum(cur_mean), "chunks": chunks,
            "reference_chunk_values": flist(chunk_vals), "chunk_mean": fnum(cm),
            "chunk_std": fnum(cs), "lower": fnum(lower), "upper": fnum(upper),
        })

    def gen5(n, broken=False):
        z0, z1, z2 = rng.normal(0, 1, (3, n))
        if broken:
            z0b, z1b = rng.normal(0, 1, (2, n))
            c1 = 0.9 * z0b + 0.3 * rng.normal(0, 1, n)
            c3 = -0.85 * z1b + 0.4 * rng.normal(0, 1, n)
        else:
            c1 = 0.9 * z0 + 0.3 * rng.normal(0, 1, n)
            c3 = -0.85 * z1 + 0.4 * rng.normal(0, 1, n)
        return np.column_stack([10 + 2 * z0, 5 * c1, z1, 100 + 3 * c3, 0.5 * z2])

    add("p5_same_distribution", gen5(600), gen5(300), "inside")
    add("p5_correlation_broken", gen5(600), gen5(300, broken=True), "above")

    def gen3(n, broken=False):
        z0, z1 = rng.normal(0, 1, (2, n))
        a = (rng.normal(0, 1, n) if broken else z0)
        return np.column_stack([z0, 0.7 * a + 0.7 * rng.normal(0, 1, n), 2 * z1])

    add("p3_same_distribution", gen3(600), gen3(400), "inside")
    add("p3_correlation_broken", gen3(600), gen3(400, broken=True), "above")

    def gen8(n, broken=False):
        f = rng.normal(0, 1, (n, 2))
        load = np.array([[0.9, 0.0], [0.85, 0.1], [0.8, -0.1], [0.0, 0.9],
                         [0.1, 0.85], [-0.1, 0.8], [0.0, 0.0], [0.0, 0.0]])
        X = f @ load.T + 0.35 * rng.normal(0, 1, (n, 8))
        X[:, 6:] = rng.normal(0, 1, (n, 2))
        if broken:
            X[:, 1] = rng.normal(0, 1, n)
            X[:, 4] = -X[:, 4]
        return X * np.array([1, 2, 3, 4, 5, 6, 7, 8]) + np.arange(8)

    add("p8_same_distribution", gen8(600), gen8(300), "inside")
    add("p8_correlation_broken", gen8(600), gen8(300, broken=True), "above")
    return cases


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def main():
    t0 = time.perf_counter()
    sections = [
        ("ks", ks_cases), ("kstwo_sf", kstwo_cases), ("chi2", chi2_cases),
        ("chi2_sf", chi2_sf_cases), ("f_sf", f_sf_cases), ("quantile", quantile_cases),
        ("psi_numeric", psi_numeric_cases), ("psi_categorical", psi_categorical_cases),
        ("jensen_shannon", jensen_shannon_cases), ("hellinger", hellinger_cases),
        ("wasserstein", wasserstein_cases), ("multiple_testing", multiple_testing_cases),
        ("hotelling", hotelling_cases), ("pca", pca_cases),
    ]
    generator = {"python": platform.python_version(), "numpy": np.__version__,
                 "scipy": scipy.__version__, "mpmath": mpmath.__version__,
                 "sklearn": sklearn.__version__}
    out = {"generator": generator}
    for key, fn in sections:
        t = time.perf_counter()
        out[key] = fn()
        print(f"{key:18s} {len(out[key]):4d} cases  {time.perf_counter() - t:6.2f} s",
              file=sys.stderr)

    # One case per line: compact but diff-friendly.
    dumps = lambda o: json.dumps(o, allow_nan=False, separators=(",", ":"))
    parts = ["{", f'"generator":{dumps(generator)}']
    for key, _ in sections:
        body = ",\n".join(dumps(c) for c in out[key])
        parts.append(f',"{key}":[\n{body}\n]')
    parts.append("}\n")
    text = "\n".join(parts)
    json.loads(text)  # must be valid JSON
    OUT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {OUT_PATH} ({len(text.encode()):,} bytes) in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
