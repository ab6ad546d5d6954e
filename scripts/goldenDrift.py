#!/usr/bin/python3
"""Reference values for src/core/analytics/drift.ts, computed by numpy and scipy.

Run with Debian's /usr/bin/python3 (apt-get install python3-scipy python3-numpy):

    /usr/bin/python3 scripts/goldenDrift.py

Writes test/fixtures/golden/drift.json. Seeds are fixed, so a re-run gives the same bytes.

- PSI follows drift.ts's definition, written here in numpy: bins cut at the baseline's
  np.quantile(i / bins), i = 1 … bins − 1, repeated edges merged (np.unique), bins closed on
  the right with open end bins (np.searchsorted side='left'), shares floored at epsilon.
- KS: scipy.stats.ks_2samp with the method named in each case ('auto', 'exact', 'asymp').
- Wasserstein: scipy.stats.wasserstein_distance.
- Chi-square: scipy.stats.chi2_contingency(correction=False) on the 2 x K table of counts.
- Jensen–Shannon: scipy.spatial.distance.jensenshannon(p, q, base=2).
- Stats: numpy mean, population std (on values scaled by a power of two, so that squares of
  tiny or huge values neither underflow nor overflow), min, max, np.quantile.

Samples are either listed values (null where missing) or runs [value, count], which keep
large samples of repeated values small. The "ks" cases are two-valued samples (a zeros and
n1 − a ones against b zeros and n2 − b ones), chosen to reach each branch of scipy's exact and
asymptotic distributions.
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden", "drift.json")

BINS = 10
EPSILON = 1e-4
MAX_CATEGORIES = 20
QUANTILES = [(5, 0.05), (25, 0.25), (50, 0.5), (75, 0.75), (95, 0.95)]


def finite(values):
    return np.array([v for v in values if v is not None], dtype=np.float64)


def expand(sample):
    if "runs" in sample:
        return np.repeat(np.array([v for v, _ in sample["runs"]], dtype=np.float64), [c for _, c in sample["runs"]]), 0
    values = sample["values"]
    return finite(values), sum(v is None for v in values)


def numeric_stats(x, missing):
    total = x.size + missing
    out = {"count": int(x.size), "missing": int(missing), "missing_share": missing / total if total else None}
    if x.size == 0:
        return out
    magnitude = float(np.max(np.abs(x)))
    scale = 2.0 ** -math.ceil(math.log2(magnitude)) if magnitude > 0 else 1.0
    out.update({
        "mean": float(np.mean(x)),
        "std": float(np.std(x * scale) / scale),
        "min": float(np.min(x)),
        "max": float(np.max(x)),
    })
    for percent, q in QUANTILES:
        out[f"percentile_{percent}"] = float(np.quantile(x, q))
    return out


def psi(baseline, current):
    edges = np.unique(np.quantile(baseline, np.arange(1, BINS) / BINS))
    bins = edges.size + 1
    baseline_shares = np.bincount(np.searchsorted(edges, baseline, side="left"), minlength=bins) / baseline.size
    current_shares = np.bincount(np.searchsorted(edges, current, side="left"), minlength=bins) / current.size
    b = np.maximum(baseline_shares, EPSILON)
    c = np.maximum(current_shares, EPSILON)
    return {
        "psi": float(np.sum((c - b) * np.log(c / b))),
        "edges": [float(e) for e in edges],
        "baseline_shares": [float(s) for s in baseline_shares],
        "current_shares": [float(s) for s in current_shares],
    }


def ks(a, b, method):
    """ks_2samp and the method it ended up using (scipy warns when it falls back to 'asymp')."""
    n1, n2 = a.size, b.size
    if method == "asymp" and round(n1 * n2 / (n1 + n2)) == 0:
        return None  # scipy gives NaN; drift.ts uses the exact distribution there
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = stats.ks_2samp(a, b, method=method)
    used = "exact" if method == "exact" or (method == "auto" and max(n1, n2) <= 10000) else "asymp"
    if any("Switching to" in str(w.message) for w in caught):
        used = "asymp"
    return {"statistic": float(result.statistic), "p_value": float(result.pvalue), "method": used}


def numeric_case(name, baseline, current):
    b, b_missing = expand(baseline)
    c, c_missing = expand(current)
    expected = psi(b, c)
    expected.update({
        "ks_auto": ks(b, c, "auto"),
        "ks_asymp": ks(b, c, "asymp"),
        "wasserstein": float(stats.wasserstein_distance(b, c)),
        "baseline_stats": numeric_stats(b, b_missing),
        "current_stats": numeric_stats(c, c_missing),
    })
    return {"name": name, "baseline": baseline, "current": current, "expected": expected}


def listed(x, decimals=None, missing_every=0):
    values = [float(v) if decimals is None else float(round(v, decimals)) for v in x]
    if missing_every:
        values = [None if i % missing_every == 0 else v for i, v in enumerate(values)]
    return {"values": values}


def numeric_cases():
    rng = np.random.RandomState(20240601)
    yield "normal_shift_with_missing", listed(rng.normal(0, 1, 400), 4, missing_every=37), listed(rng.normal(0.4, 1.2, 300), 4, missing_every=11)
    same = listed(rng.normal(5, 2, 200), 6)
    yield "identical", same, same
    yield "same_distribution", listed(rng.normal(10, 2, 500), 5), listed(rng.normal(10, 2, 500), 5)
    yield "ties_poisson", listed(rng.poisson(3, 600)), listed(rng.poisson(3.6, 450))
    zeros = lambda n, p: np.where(rng.uniform(size=n) < p, 0.0, np.round(rng.exponential(2.0, n), 3))
    yield "zero_inflated", listed(zeros(500, 0.85)), listed(zeros(400, 0.7))
    yield "different_sizes", listed(rng.normal(0, 1, 40), 4), listed(rng.normal(0.3, 1, 2500), 3)
    yield "huge_values", listed(rng.normal(0, 1, 200) * 1e150), listed(rng.normal(0.5, 1, 200) * 1e150)
    yield "tiny_values", listed(rng.normal(1, 0.3, 150) * 1e-300), listed(rng.normal(1.2, 0.3, 150) * 1e-300)
    yield "constant_baseline", {"runs": [[5.0, 100]]}, {"runs": [[5.0, 56], [6.0, 24]]}
    yield "constant_equal", {"runs": [[3.0, 40]]}, {"runs": [[3.0, 25]]}
    yield "single_values", listed([1.5]), listed([2.5])
    yield "current_outside_range", listed(rng.uniform(0, 1, 300), 5), listed(rng.uniform(2, 3, 300), 5)
    binomial = lambda n, p: [[float(v), int(c)] for v, c in zip(*np.unique(rng.binomial(30, p, n), return_counts=True))]
    yield "large_discrete_asymptotic", {"runs": binomial(12000, 0.5)}, {"runs": binomial(15000, 0.51)}


def two_valued(n1, a, n2, b, method):
    x = np.concatenate([np.zeros(a), np.ones(n1 - a)])
    y = np.concatenate([np.zeros(b), np.ones(n2 - b)])
    return {"n1": n1, "a": a, "n2": n2, "b": b, "method": method, "expected": ks(x, y, method)}


def ks_cases():
    # Exact: equal sizes (Hodges' closed form) and unequal sizes (the lattice-path recursion).
    yield 50, 20, 50, 35, "auto"
    yield 1000, 500, 1000, 560, "exact"
    yield 10000, 5000, 10000, 5100, "auto"
    yield 3, 1, 7, 6, "auto"
    yield 30, 10, 47, 30, "auto"
    yield 800, 400, 1000, 560, "exact"
    yield 9000, 4500, 10000, 5300, "auto"
    yield 15000, 7500, 12000, 6100, "exact"
    yield 30, 10, 47, 30, "asymp"
    # Asymptotic, effective size 100: Ruben-Gambino (t ≤ 1), Durbin, Pomeranz, Smirnov, x ≥ 0.5, t ≥ n − 1.
    for a, b in [(100, 102), (100, 110), (100, 130), (100, 160), (50, 170), (0, 199)]:
        yield 200, a, 200, b, "asymp"
    # Effective size 1000: Durbin, Pelz-Good, Smirnov, and a p-value below the float range.
    for a, b in [(1000, 1020), (1000, 1060), (1000, 1120), (300, 1700)]:
        yield 2000, a, 2000, b, "asymp"
    # 'exact' with lcm(n1, n2) beyond int32: scipy switches to 'asymp'.
    yield 100003, 50000, 99989, 50500, "exact"
    # Effective size 200000: Pelz-Good, Smirnov's sum, and nx² ≥ 370.
    for a, b in [(200000, 200800), (200000, 201600), (200000, 220000)]:
        yield 400000, a, 400000, b, "auto"
    # Unequal sizes, effective size rounded from 6666.67.
    yield 12000, 6000, 15000, 7800, "auto"
    # Effective size above 10^6: Smirnov's approximation.
    yield 2000004, 1000002, 2000004, 1004002, "auto"


def category(value):
    """JavaScript's String(value) for the values used here (bool before int: True == 1 in Python)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)


def categorical_stats(counts, missing):
    count = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    listed_ = ranked[:MAX_CATEGORIES]
    total = count + missing
    return {
        "count": count,
        "missing": missing,
        "missing_share": missing / total if total else None,
        "distinct": len(counts),
        "categories": [[value, n] for value, n in listed_],
        "other_count": count - sum(n for _, n in listed_),
    }


def count_categories(values):
    counts = {}
    for v in values:
        if v is not None:
            counts[category(v)] = counts.get(category(v), 0) + 1
    return counts, sum(v is None for v in values)


def categorical_case(name, baseline, current):
    b_counts, b_missing = count_categories(baseline)
    c_counts, c_missing = count_categories(current)
    union = sorted(set(b_counts) | set(c_counts))
    b = np.array([b_counts.get(k, 0) for k in union], dtype=np.float64)
    c = np.array([c_counts.get(k, 0) for k in union], dtype=np.float64)
    chi2, p, dof, _ = stats.chi2_contingency(np.array([b, c]), correction=False)
    return {
        "name": name,
        "baseline": baseline,
        "current": current,
        "expected": {
            "chi_square": float(chi2),
            "chi_square_p_value": float(p),
            "dof": int(dof),
            "js_distance": float(jensenshannon(b, c, base=2)),
            "baseline_stats": categorical_stats(b_counts, b_missing),
            "current_stats": categorical_stats(c_counts, c_missing),
        },
    }


def categorical_cases():
    rng = np.random.RandomState(7)

    def draw(categories, p, n, missing=0.0):
        values = [str(v) for v in rng.choice(categories, size=n, p=p)]
        return [None if rng.uniform() < missing else v for v in values]

    yield "new_and_vanished_categories", draw(list("abcde"), [0.4, 0.25, 0.15, 0.15, 0.05], 500, 0.05), draw(list("abcdf"), [0.3, 0.3, 0.2, 0.1, 0.1], 400)
    yield "same_distribution", draw(list("xyz"), [0.5, 0.3, 0.2], 600), draw(list("xyz"), [0.5, 0.3, 0.2], 500)
    same = draw(["red", "green", "blue"], [0.2, 0.3, 0.5], 300)
    yield "identical", same, same
    yield "single_category", ["only"] * 50, ["only"] * 30
    flags = lambda n, p: [None if rng.uniform() < 0.1 else bool(rng.uniform() < p) for _ in range(n)]
    yield "booleans_with_missing", flags(300, 0.3), flags(250, 0.45)
    names = [f"c{i:02d}" for i in range(40)]
    zipf = lambda s: (lambda w: w / w.sum())(1.0 / np.arange(1, 41) ** s)
    yield "high_cardinality", draw(names, zipf(1.1), 2000), draw(names[::-1], zipf(1.0), 1500)
    # Numbers in a feature whose values are mostly text are categories, named as JavaScript writes them.
    mixed = lambda n: [[1, 2, "unknown", "n/a", True, None][int(i)] for i in rng.randint(0, 6, size=n)]
    yield "mixed_numbers_text_booleans", mixed(120), mixed(90)


def main():
    document = {
        "generator": "scripts/goldenDrift.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "options": {"bins": BINS, "psi_epsilon": EPSILON, "max_categories": MAX_CATEGORIES},
        "numeric": [numeric_case(*case) for case in numeric_cases()],
        "ks": [two_valued(*case) for case in ks_cases()],
        "categorical": [categorical_case(*case) for case in categorical_cases()],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
