"""Writes evaluator fixtures: a reference and a current CSV, and the statistics numpy/scipy give.

Expected values come only from numpy/scipy (never from driftwatch):
- numeric: count, mean, sample variance, min, max, interior bin edges = np.unique(np.quantile(x,
  linspace(0,1,11)[1:-1])) (numpy "linear"), bin fractions with np.searchsorted(edges, v, "left"),
  PSI with empty fractions -> 1e-4, ks_2samp(method="auto"), out-of-range share;
- categorical: counts, chi2_contingency(correction=False) on the 2xK table of baseline categories
  + __other__ (zero columns dropped), total variation distance, PSI, unseen share;
- missing: empty fields; invalid: a non-number in a numeric column.
Run: python3 generate_core_fixtures.py  (writes core_reference.csv, core_current.csv, core_expected.json)
"""
import csv, json
import numpy as np
from scipy import stats

rng = np.random.default_rng(20261121)
N_REF, N_CUR = 3000, 2000

def make(n, rng, drift):
    age = np.round(rng.normal(40 + (6 if drift else 0), 10, n), 1)
    income = np.round(rng.lognormal(10, 0.5, n), 2)
    rooms = rng.integers(1, 6, n).astype(float)            # heavy ties
    colour = rng.choice(["red", "green", "blue, dark"], n, p=[0.5, 0.3, 0.2] if not drift else [0.3, 0.3, 0.4])
    city = rng.choice(["paris", "lyon", 'nice "sud"'], n, p=[0.6, 0.3, 0.1])
    if drift:
        new = rng.random(n) < 0.1
        city = np.where(new, "brest", city)
    return age, income, rooms, colour, city

ref = make(N_REF, rng, False)
cur = make(N_CUR, rng, True)

def write(path, cols, missing_every, invalid_rows):
    age, income, rooms, colour, city = cols
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["age", "income", "rooms", "colour", "city"])
        for i in range(len(age)):
            a = "" if missing_every and i % missing_every == 0 else repr(float(age[i]))
            inc = "oops" if i in invalid_rows else repr(float(income[i]))
            w.writerow([a, inc, repr(float(rooms[i])), colour[i], city[i]])

write("core_reference.csv", ref, 0, set())
write("core_current.csv", cur, 25, {7, 99})

def numeric(r, c_all, c_missing_mask, c_invalid_mask):
    r = np.asarray(r, float)
    c = np.asarray(c_all, float)[~c_missing_mask & ~c_invalid_mask]
    edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)[1:-1]))
    def frac(x):
        idx = np.searchsorted(edges, x, side="left")
        return np.bincount(idx, minlength=len(edges) + 1) / len(x)
    rf, cf = frac(r), frac(c)
    rf2 = np.where(rf == 0, 1e-4, rf); cf2 = np.where(cf == 0, 1e-4, cf)
    psi = float(np.sum((cf2 - rf2) * np.log(cf2 / rf2)))
    ks = stats.ks_2samp(r, c, method="auto")
    return dict(count=int(len(r)), mean=float(r.mean()), variance=float(r.var(ddof=1)), min=float(r.min()),
                max=float(r.max()), edges=edges.tolist(), fractions=rf.tolist(), current_count=int(len(c)),
                psi=psi, ks_statistic=float(ks.statistic), ks_p=float(ks.pvalue),
                out_of_range=float(np.mean((c < r.min()) | (c > r.max()))))

def categorical(r, c):
    cats, counts = np.unique(r, return_counts=True)
    order = sorted(range(len(cats)), key=lambda i: (-counts[i], cats[i]))
    top = [str(cats[i]) for i in order]
    rc = [int(counts[i]) for i in order] + [0]
    cc = [int(np.sum(c == t)) for t in top] + [int(np.sum(~np.isin(c, top)))]
    table = np.array([rc, cc]); table = table[:, table.sum(axis=0) > 0]
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    rf = np.array(rc) / sum(rc); cf = np.array(cc) / sum(cc)
    rf2 = np.where(rf == 0, 1e-4, rf); cf2 = np.where(cf == 0, 1e-4, cf)
    return dict(categories=top, counts=rc[:-1], current_counts=cc, chi2=float(chi2), chi2_p=float(p), df=int(dof),
                tvd=float(0.5 * np.abs(rf - cf).sum()), psi=float(np.sum((cf2 - rf2) * np.log(cf2 / rf2))),
                unseen=float(cc[-1] / sum(cc)))

missing = np.array([i % 25 == 0 for i in range(N_CUR)])
invalid = np.array([i in (7, 99) for i in range(N_CUR)])
none = np.zeros(N_CUR, bool)
expected = {
    "rows": {"reference": N_REF, "current": N_CUR},
    "age": numeric(ref[0], cur[0], missing, none),
    "income": numeric(ref[1], cur[1], none, invalid),
    "rooms": numeric(ref[2], cur[2], none, none),
    "colour": categorical(ref[3], cur[3]),
    "city": categorical(ref[4], cur[4]),
    "missing_ratio_age": float(missing.mean()),
    "invalid_ratio_income": float(invalid.mean()),
}
# Benjamini-Hochberg over the five features' p-values (KS for numeric, chi-square for categorical).
names = ["age", "income", "rooms", "colour", "city"]
ps = [expected[n]["ks_p"] if "ks_p" in expected[n] else expected[n]["chi2_p"] for n in names]
adj = stats.false_discovery_control(ps, method="bh")
expected["p_adjusted"] = {n: float(a) for n, a in zip(names, adj)}
with open("core_expected.json", "w") as f:
    json.dump(expected, f, indent=1)
print("ok", {n: expected["p_adjusted"][n] for n in names})
