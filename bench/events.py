"""Writes the sidecar benchmarks' request bodies from a generated CSV (bench/compare_data.py):
OUT/batch.ndjson (1 000 events, one per line) and OUT/single.json (one event).
   python3 bench/events.py CURRENT.csv OUT"""
import csv
import json
import sys

rows = list(csv.DictReader(open(sys.argv[1])))


def event(r, i):
    f = {k: (None if v == "" else (float(v) if k.startswith("n_") else v)) for k, v in r.items()}
    return {"features": f, "latency_ms": 5 + i % 20, "status": "ok"}


with open(sys.argv[2] + "/batch.ndjson", "w") as out:
    for i, r in enumerate(rows[:1000]):
        out.write(json.dumps(event(r, i), separators=(",", ":")) + "\n")
with open(sys.argv[2] + "/single.json", "w") as out:
    out.write(json.dumps(event(rows[0], 0), separators=(",", ":")))
