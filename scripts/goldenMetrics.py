#!/usr/bin/python3
"""Reference values for src/core/analytics/metrics.ts, computed by scikit-learn.

Run with Debian's /usr/bin/python3 (apt-get install python3-sklearn python3-scipy python3-numpy):

    /usr/bin/python3 scripts/goldenMetrics.py

Writes test/fixtures/golden/metrics.json. Seeds are fixed, so a re-run gives the same bytes.
Rows follow Pitwall's convention: `confidence` is the confidence of the predicted class and
`actual` is -1 where the ground truth is unknown; such rows are dropped before scoring.
A metric is null where Pitwall leaves it undefined (a zero denominator, one class only).
"""

import json
import os
import warnings

import numpy as np
import scipy
import sklearn
from scipy.stats import binomtest, norm
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden", "metrics.json")


def from_p1(p1, actual):
    """Rows from positive-class probabilities: predict the likelier class, keep its confidence."""
    p1 = np.asarray(p1, dtype=np.float64)
    predicted = (p1 >= 0.5).astype(np.int64)
    confidence = np.where(predicted == 1, p1, 1.0 - p1)
    return predicted, confidence, np.asarray(actual, dtype=np.int64)


def noisy(seed, n, decimals=None, unlabelled=0.0, skill=1.5):
    rng = np.random.RandomState(seed)
    actual = rng.randint(0, 2, size=n)
    logits = skill * (2 * actual - 1) + rng.normal(size=n)
    p1 = 1.0 / (1.0 + np.exp(-logits))
    if decimals is not None:
        p1 = np.round(p1, decimals)  # ties in scores
    actual = np.where(rng.uniform(size=n) < unlabelled, -1, actual)
    return from_p1(p1, actual)


def datasets():
    yield "continuous", noisy(0, 400)
    yield "ties_one_decimal", noisy(1, 300, decimals=1, unlabelled=0.1)
    yield "ties_two_decimals_weak", noisy(2, 250, decimals=2, unlabelled=0.2, skill=0.4)
    yield "all_positive", noisy(3, 25, decimals=2)[:2] + (np.ones(25, dtype=np.int64),)
    yield "all_negative", noisy(4, 25)[:2] + (np.zeros(25, dtype=np.int64),)
    yield "single_row", from_p1([0.7], [1])
    yield "two_rows_tied", from_p1([0.6, 0.6], [0, 1])
    yield "constant_score", from_p1(np.full(12, 0.5), [0, 1] * 6)
    yield "perfectly_separated", from_p1([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
    yield "inverted", from_p1([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [1, 1, 1, 0, 0, 0])
    # Certain and wrong: exercises log loss clipping at float64 epsilon.
    yield "extremes", from_p1([0.0, 1.0, 1.0, 0.0, 0.5, 1e-20], [1, 0, 1, 0, 1, 1])
    yield "unlabelled_only", from_p1([0.3, 0.8], [-1, -1])


def nullable(ok, compute):
    return float(compute()) if ok else None


def expected(predicted, confidence, actual):
    keep = (actual == 0) | (actual == 1)
    y = actual[keep]
    pred = predicted[keep]
    p1 = np.where(pred == 1, confidence[keep], 1.0 - confidence[keep])  # the same IEEE operation as metrics.ts
    n = int(y.size)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, pred, labels=[0, 1]).ravel()) if n else (0, 0, 0, 0)
    both = n > 0 and 0 < int(y.sum()) < n
    return {
        "labelled": n,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        "accuracy": nullable(n > 0, lambda: accuracy_score(y, pred)),
        "precision": nullable(tp + fp > 0, lambda: precision_score(y, pred, labels=[0, 1], zero_division=0)),
        "recall": nullable(tp + fn > 0, lambda: recall_score(y, pred, labels=[0, 1], zero_division=0)),
        "f1": nullable(2 * tp + fp + fn > 0, lambda: f1_score(y, pred, labels=[0, 1], zero_division=0)),
        "specificity": nullable(tn + fp > 0, lambda: tn / (tn + fp)),
        "roc_auc": nullable(both, lambda: roc_auc_score(y, p1)),
        "average_precision": nullable(n > 0 and int(y.sum()) > 0, lambda: average_precision_score(y, p1)),
        "log_loss": nullable(n > 0, lambda: log_loss(y, p1, labels=[0, 1])),
        "brier": nullable(n > 0, lambda: brier_score_loss(y, p1, pos_label=1)),
        **calibration(pred, confidence[keep], y),
    }


def calibration(pred, confidence, y, bins=10):
    """Top-label ECE and MCE over equal-width bins (confidence 1 in the last bin), and each
    bin's Wilson 95% interval from scipy's binomtest. numpy computes the definition of
    metrics.ts; scipy gives the intervals."""
    if y.size == 0:
        return {"ece": None, "mce": None, "wilson": []}
    correct = (pred == y).astype(np.int64)
    index = np.minimum(np.floor(confidence * bins).astype(np.int64), bins - 1)
    ece, mce, wilson = 0.0, 0.0, []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if count == 0:
            continue
        hits = int(correct[members].sum())
        gap = abs(hits / count - float(confidence[members].sum()) / count)
        ece += count / y.size * gap
        mce = max(mce, gap)
        ci = binomtest(hits, count).proportion_ci(confidence_level=0.95, method="wilson")
        wilson.append({"bin": b, "count": count, "correct": hits, "lower": float(ci.low), "upper": float(ci.high)})
    return {"ece": ece, "mce": mce, "wilson": wilson}


def ztests():
    """One-sided pooled two-proportion z-tests: (correct, labelled) of baseline and current."""
    cases = [((850, 1000), (800, 1000)), ((90, 100), (85, 100)), ((4000, 5000), (3950, 5000)), ((500, 600), (520, 600)), ((30, 40), (10, 40))]
    out = []
    for (c1, n1), (c2, n2) in cases:
        pooled = (c1 + c2) / (n1 + n2)
        z = (c2 / n2 - c1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        out.append({"baseline": [c1, n1], "current": [c2, n2], "z": float(z), "p_value": float(norm.cdf(z))})
    return out


def main():
    warnings.simplefilter("ignore")
    cases = []
    for name, (predicted, confidence, actual) in datasets():
        cases.append({
            "name": name,
            "predicted": [int(v) for v in predicted],
            "confidence": [float(v) for v in confidence],
            "actual": [int(v) for v in actual],
            "expected": expected(predicted, confidence, actual),
        })
    document = {
        "generator": "scripts/goldenMetrics.py",
        "sklearn": sklearn.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "cases": cases,
        "ztests": ztests(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
