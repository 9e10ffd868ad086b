#!/usr/bin/env python3
"""Writes the seeded iris example: iris_train.csv (3 000 rows, the baseline) and
iris_production.csv (1 000 rows, drifted) next to this script.

Usage: python3 baselines/examples/generate_iris.py [--out DIR]

Measurements are drawn per species from independent Gaussians with Fisher's iris means and
standard deviations (cm), clipped at 0.1. The "model" is a Gaussian naive Bayes classifier with
those same parameters and equal priors, its log-likelihoods softened by a temperature of 4:
`prediction` is its most probable species and `score` that species' (softened) probability. It is applied to the production measurements as they
arrive, so drift in the inputs moves the predictions too.

Planted drift in production (the training file has none of it):
  - species mix 20 / 30 / 50 % (setosa / versicolor / virginica) instead of 1/3 each;
  - petal_length + 0.5 cm for every species (e.g. a recalibrated sensor);
  - region "latam" in about 10 % of rows (never in training; eu / us / apac otherwise);
  - about 2 % of sepal_width values missing (empty fields).
Numbers have 2 decimals; only numpy is needed.
"""
import argparse
import csv
import os

import numpy as np

SPECIES = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MEANS = np.array([[5.01, 3.43, 1.46, 0.25],
                  [5.94, 2.77, 4.26, 1.33],
                  [6.59, 2.97, 5.55, 2.03]])
SDS = np.array([[0.35, 0.38, 0.17, 0.11],
                [0.52, 0.31, 0.47, 0.20],
                [0.64, 0.32, 0.55, 0.27]])
REGIONS = ["eu", "us", "apac"]
REGION_P = [0.45, 0.35, 0.20]


TEMPERATURE = 4.0  # softens the posteriors so that score is spread out, not mostly 1.00


def posterior(x):
    """Gaussian naive Bayes with the true parameters and equal priors, log-likelihoods divided by
    TEMPERATURE: (n, 3) probabilities."""
    z = (x[:, None, :] - MEANS[None]) / SDS[None]
    log_lik = (-0.5 * np.sum(z * z, axis=2) - np.sum(np.log(SDS), axis=1)[None]) / TEMPERATURE
    log_lik -= log_lik.max(axis=1, keepdims=True)
    p = np.exp(log_lik)
    return p / p.sum(axis=1, keepdims=True)


def generate(rng, n, production):
    mix = [0.2, 0.3, 0.5] if production else [1 / 3, 1 / 3, 1 / 3]
    species = rng.choice(3, size=n, p=mix)
    x = rng.normal(MEANS[species], SDS[species])
    if production:
        x[:, 2] += 0.5
    x = np.maximum(np.round(x, 2), 0.1)
    p = posterior(x)
    prediction = p.argmax(axis=1)
    score = np.round(p.max(axis=1), 2)
    region = np.array(REGIONS, dtype=object)[rng.choice(3, size=n, p=REGION_P)]
    if production:
        region[rng.random(n) < 0.10] = "latam"
        missing_width = rng.random(n) < 0.02
    else:
        missing_width = np.zeros(n, dtype=bool)
    rows = []
    for i in range(n):
        values = [f"{v:.2f}" for v in x[i]]
        if missing_width[i]:
            values[1] = ""
        rows.append(values + [region[i], SPECIES[prediction[i]], f"{score[i]:.2f}"])
    return rows


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ["region", "prediction", "score"])
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    write(os.path.join(args.out, "iris_train.csv"), generate(np.random.default_rng(1936), 3000, False))
    write(os.path.join(args.out, "iris_production.csv"),
          generate(np.random.default_rng(1937), 1000, True))


if __name__ == "__main__":
    main()
