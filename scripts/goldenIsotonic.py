#!/usr/bin/python3
"""Reference values for the isotonic regression of src/core/analytics/estimate.ts, computed by scikit-learn.

Run with Debian's /usr/bin/python3 (apt-get install python3-sklearn python3-numpy):

    /usr/bin/python3 scripts/goldenIsotonic.py

Writes test/fixtures/golden/isotonic.json. Seeds are fixed, so a re-run gives the same bytes.
Each case fits IsotonicRegression(out_of_bounds="clip"), as NannyML's calibrator does, and
records its knots (X_thresholds_, y_thresholds_) and its predictions on a grid that covers
the knots, points between them and points outside their range.
"""

import json
import os

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden", "isotonic.json")


def calibration_like(seed, n, decimals=None, skill=1.0):
    """Positive-class probabilities of an overconfident model and 0/1 outcomes."""
    rng = np.random.RandomState(seed)
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(np.float64)
    score = 1.0 / (1.0 + np.exp(-3.0 * skill * np.log(p / (1.0 - p))))
    if decimals is not None:
        score = np.round(score, decimals)
    return score, y, None


def cases():
    yield "ties_and_violators", [1, 2, 2, 3, 4, 5, 5, 6], [1, 3, 2, 2, 5, 4, 4, 6], None
    yield "weighted", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.0, 1.0, 0.0, 0.5, 1.0, 0.2], [1.0, 2.0, 0.5, 3.0, 1.0, 4.0]
    yield "zero_weight_left_out", [0.1, 0.2, 0.3, 0.4], [0.9, 0.0, 0.5, 0.7], [1.0, 0.0, 1.0, 1.0]
    yield "decreasing_pools_to_mean", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1], None
    yield "already_increasing", [0.0, 0.25, 0.5, 0.75, 1.0], [0.1, 0.2, 0.2, 0.4, 0.9], None
    yield "single_point", [0.4], [1.0], None
    yield "one_score_value", [0.7, 0.7, 0.7, 0.7], [1, 0, 1, 1], None
    # 1 - 0.7 is 0.30000000000000004: within float64 resolution (1e-15) of 0.3, so the same score.
    yield "near_ties_within_resolution", [0.3, 1 - 0.7, 0.5, 0.5 + 4e-16, 0.8], [1, 0, 0, 0, 1], None
    yield "unsorted_input", [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.6], [1, 0, 0, 1, 1, 0, 0], None
    yield ("calibration_continuous",) + calibration_like(0, 300)
    yield ("calibration_two_decimals",) + calibration_like(1, 400, decimals=2)
    yield ("calibration_one_decimal",) + calibration_like(2, 250, decimals=1, skill=0.5)
    rng = np.random.RandomState(3)
    x = rng.uniform(-2.0, 2.0, size=60)
    yield "real_valued_noise", x, np.tanh(x) + rng.normal(scale=0.3, size=60), rng.uniform(0.5, 2.0, size=60)


def grid_for(x):
    x = np.asarray(x, dtype=np.float64)
    lo, hi = float(np.min(x)), float(np.max(x))
    span = max(hi - lo, 1.0)
    inside = np.linspace(lo, hi, 41)
    return sorted(set([lo - span, lo - 1e-9, hi + 1e-9, hi + span] + [float(v) for v in inside] + [float(v) for v in np.unique(x)]))


def main():
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, x, y, w in cases():
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w = None if w is None else np.asarray(w, dtype=np.float64)
        model = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
        grid = grid_for(x)
        out["cases"].append(
            {
                "name": name,
                "x": [float(v) for v in x],
                "y": [float(v) for v in y],
                "weight": None if w is None else [float(v) for v in w],
                "knots_x": [float(v) for v in model.X_thresholds_],
                "knots_y": [float(v) for v in model.y_thresholds_],
                "grid": grid,
                "predicted": [float(v) for v in model.predict(np.asarray(grid))],
            }
        )
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
