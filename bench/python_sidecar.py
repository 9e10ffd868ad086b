#!/usr/bin/env python3
"""The kind of drift sidecar users write today, for comparison (bench/sidecar.sh).

Flask (threaded) + prometheus_client + scipy: POST /v1/events takes a JSON array, one object or
NDJSON in the record contract, checks each feature's type against the reference columns, appends
to per-feature deques (the window, 100k), counts in prometheus_client; a background thread runs
scipy's ks_2samp (numeric) and chi2_contingency (categorical) against the reference every
--every seconds and sets gauges; GET /metrics serves generate_latest().

  python3 bench/python_sidecar.py --reference REF.csv --port P [--window 100000] [--every 15]
  python3 bench/python_sidecar.py --reference REF.csv --current CUR.csv --eval-bench
"""
import argparse, collections, json, sys, threading, time

import numpy as np
import pandas as pd
from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from scipy import stats


def load_reference(path):
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    numeric = {c: df[c].dropna().to_numpy(float) for c in df.columns if c.startswith("n_")}
    categorical = {c: df[c].dropna().astype(str).value_counts() for c in df.columns if c.startswith("c_")}
    return numeric, categorical


def evaluate(numeric_ref, categorical_ref, windows):
    out = {}
    for name, ref in numeric_ref.items():
        cur = np.fromiter((v for v in windows[name] if v is not None), float)
        if len(cur):
            out[name] = stats.ks_2samp(ref, cur)
    for name, ref in categorical_ref.items():
        cur = pd.Series([v for v in windows[name] if v is not None]).value_counts()
        cats = sorted(set(ref.index) | set(cur.index))
        table = np.array([[ref.get(c, 0) for c in cats], [cur.get(c, 0) for c in cats]])
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] > 1:
            out[name] = stats.chi2_contingency(table, correction=False)[:2]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--current")
    ap.add_argument("--port", type=int, default=9500)
    ap.add_argument("--window", type=int, default=100_000)
    ap.add_argument("--every", type=float, default=15)
    ap.add_argument("--eval-bench", action="store_true")
    a = ap.parse_args()
    numeric_ref, categorical_ref = load_reference(a.reference)
    features = list(numeric_ref) + list(categorical_ref)
    if a.eval_bench:
        cur = pd.read_csv(a.current, keep_default_na=False, na_values=[""]).head(a.window)
        windows = {c: collections.deque((None if pd.isna(v) else v for v in cur[c]), maxlen=a.window) for c in features}
        times = []
        for _ in range(5):
            t = time.perf_counter()
            evaluate(numeric_ref, categorical_ref, windows)
            times.append(time.perf_counter() - t)
        print(f"PYEVAL median_ms={sorted(times)[2] * 1000:.1f} rows={len(cur)} features={len(features)}")
        return
    windows = {c: collections.deque(maxlen=a.window) for c in features}
    lock = threading.Lock()
    ingested = Counter("pysidecar_events_ingested_total", "events accepted")
    rejected = Counter("pysidecar_events_rejected_total", "events rejected")
    latency = Histogram("pysidecar_model_latency_seconds", "logged latency")
    ks_stat = Gauge("pysidecar_feature_ks_statistic", "KS D", ["feature"])
    app = Flask(__name__)

    @app.post("/v1/events")
    def events():
        body = request.get_data()
        if request.content_type and "ndjson" in request.content_type:
            records = [json.loads(line) for line in body.splitlines() if line.strip()]
        else:
            parsed = json.loads(body)
            records = parsed if isinstance(parsed, list) else [parsed]
        ok = 0
        errors = []
        rows = []
        for i, r in enumerate(records):
            f = r.get("features") if isinstance(r, dict) else None
            if not isinstance(f, dict):
                errors.append({"index": i, "field": "features"})
                continue
            row = {}
            bad = False
            for name in numeric_ref:
                v = f.get(name)
                if v is not None and not isinstance(v, (int, float)):
                    bad = True
                row[name] = v
            for name in categorical_ref:
                v = f.get(name)
                row[name] = None if v is None else str(v)
            if bad:
                errors.append({"index": i, "field": "features"})
                continue
            rows.append(row)
            if "latency_ms" in r:
                latency.observe(r["latency_ms"] / 1000)
            ok += 1
        with lock:
            for row in rows:
                for name, v in row.items():
                    windows[name].append(v)
        ingested.inc(ok)
        rejected.inc(len(errors))
        return Response(json.dumps({"accepted": ok, "rejected": len(errors), "errors": errors}), 202,
                        mimetype="application/json")

    @app.get("/metrics")
    def metrics():
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    def evaluator():
        while True:
            time.sleep(a.every)
            with lock:
                snapshot = {k: list(v) for k, v in windows.items()}
            for name, res in evaluate(numeric_ref, categorical_ref, snapshot).items():
                if name in numeric_ref:
                    ks_stat.labels(name).set(res.statistic)

    threading.Thread(target=evaluator, daemon=True).start()
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host="127.0.0.1", port=a.port, threaded=True)


if __name__ == "__main__":
    main()
