#!/usr/bin/env python3
"""Independent reference numbers for the tests of src/analysis/stats.rs.

This script was run once to produce the numbers written into the tests of
src/analysis/stats.rs (they live in src/analysis/stats/tests.rs; the Rust code never
calls this script). It uses scipy / scikit-learn, not the Rust implementation,
so the tests compare against an independent source.

Rerun (from the repository root):

    python3 -m venv /tmp/statsref
    /tmp/statsref/bin/pip install numpy scipy scikit-learn
    /tmp/statsref/bin/python scripts/stats-reference.py

Produced with numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1.

With `--battles FILE` (a `slam sessions export --format battles` file, Chatbot Arena's
shape) it prints each model's Bradley-Terry strength on the Elo scale, fitted with scipy
as below, as JSON: tests/slam_human_eval.rs runs it (numpy and scipy are in the test venv).
"""

import json
import math
import sys

import numpy as np
from scipy import optimize, stats

# Same string as BT_BATTLES in the Rust tests: "ab?" = model a vs model b,
# ? = A (a wins), B (b wins), T (tie), X (tie, both bad). Model 0 never loses.
BT_BATTLES = (
    "01A 01A 01A 10B 01T 10T "
    "02A 02A 20B 20X "
    "03A 03A 03A 30B 30B "
    "12A 12A 12A 21B 12B 12B 21A 12T "
    "13A 13A 13A 13A 31B 13B 31A 31X "
    "23A 23A 32B 23B 23B 32A 23T 32T"
)
N_MODELS = 4
L2 = 0.01  # BT_L2
LN10 = math.log(10.0)


def parse(s):
    return [(int(t[0]), int(t[1]), t[2]) for t in s.split()]


def design(battles, k):
    """+1 for a, -1 for b; y = 1 when a wins. A tie / both-bad becomes two
    half-weight rows, one each way (y = 1 and y = 0)."""
    xs, ys, ws = [], [], []
    for a, b, o in battles:
        x = np.zeros(k)
        x[a], x[b] = 1.0, -1.0
        rows = {"A": [(1, 1.0)], "B": [(0, 1.0)]}.get(o, [(1, 0.5), (0, 0.5)])
        for y, w in rows:
            xs.append(x)
            ys.append(y)
            ws.append(w)
    return np.array(xs), np.array(ys), np.array(ws)


def to_elo(theta):
    return 1000.0 + 400.0 * np.asarray(theta) / LN10


def bt_sklearn(battles, k, l2):
    # sklearn minimises C * sum_i w_i * logloss_i + 0.5 * ||coef||^2. Dividing
    # by C: sum_i w_i * logloss_i + (1 / (2C)) * ||coef||^2, which with C = 1/l2
    # is exactly the SUM of weighted log-losses + l2/2 * sum(theta^2).
    from sklearn.linear_model import LogisticRegression

    x, y, w = design(battles, k)
    lr = LogisticRegression(fit_intercept=False, C=1.0 / l2, tol=1e-12, max_iter=10000)
    lr.fit(x, y, sample_weight=w)
    return lr.coef_[0]


def bt_scipy(battles, k, l2):
    # The exact objective, minimised directly with its analytic gradient.
    x, y, w = design(battles, k)

    def f(theta):
        z = x @ theta
        # -log sigma(z) = logaddexp(0, -z); -log(1 - sigma(z)) = logaddexp(0, z)
        nll = np.sum(w * np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z)))
        return nll + 0.5 * l2 * theta @ theta

    def grad(theta):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        return x.T @ (w * (p - y)) + l2 * theta

    def hess(theta):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        return x.T @ (x * (w * p * (1 - p))[:, None]) + l2 * np.eye(k)

    res = optimize.minimize(
        f, np.zeros(k), jac=grad, hess=hess, method="Newton-CG", options={"xtol": 1e-14}
    )
    return res.x, np.max(np.abs(grad(res.x)))


def main():
    np.set_printoptions(precision=12)

    print("== t quantile: scipy.stats.t.ppf(0.975, df)")
    for df in [1, 2, 5, 10, 30, 1000, 2.5, 1e6]:
        print(f"df={df}: {stats.t.ppf(0.975, df):.12f}")

    print("\n== mean CI: scipy.stats.t.interval(0.95, n-1, mean, sem)")
    sample = np.array([4.0, 5.0, 3.0, 4.0, 5.0, 2.0, 4.0, 3.0])
    lo, hi = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
    print(f"sample={sample.tolist()} mean={sample.mean():.12f} low={lo:.12f} high={hi:.12f}")

    print("\n== Wilson 7 of 10, z = 1.96 (formula, for the hand arithmetic)")
    n, p, z = 10.0, 0.7, 1.96
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    print(f"denom={denom:.12f} centre={centre:.12f} half={half:.12f}")
    print(f"low={centre - half:.12f} high={centre + half:.12f}")

    print("\n== Win rate of model 0 in BT_BATTLES: (12 wins + 3 ties / 2) of 15, Wilson z = Z95")
    n, z = 15.0, stats.norm.ppf(0.975)
    p = 13.5 / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    print(f"z={z!r} rate={p:.12f} low={centre - half:.12f} high={centre + half:.12f}")

    print("\n== Online Elo trace (Chatbot Arena compute_online_elo, K=4)")
    r = [1000.0, 1000.0, 1000.0]
    for a, b, o in parse("01A 12T 20A 02X"):
        ra, rb = r[a], r[b]
        ea = 1 / (1 + 10 ** ((rb - ra) / 400))
        eb = 1 / (1 + 10 ** ((ra - rb) / 400))
        sa = {"A": 1.0, "B": 0.0, "T": 0.5, "X": 0.5}[o]
        r[a] += 4 * (sa - ea)
        r[b] += 4 * (1 - sa - eb)
        print(f"{a}{b}{o}: ea={ea:.12f} eb={eb:.12f} -> {[f'{v:.12f}' for v in r]}")

    print("\n== Bradley-Terry MLE, L2 = 0.01 on natural-log strengths")
    battles = parse(BT_BATTLES)
    print(f"{len(battles)} battles")
    th_sk = bt_sklearn(battles, N_MODELS, L2)
    th_sp, gmax = bt_scipy(battles, N_MODELS, L2)
    print("sklearn theta :", th_sk)
    print("scipy   theta :", th_sp, f"(max |grad| {gmax:.1e})")
    print("sklearn elo   :", to_elo(th_sk))
    print("scipy   elo   :", to_elo(th_sp))
    print(f"max |elo diff| sklearn vs scipy: {np.max(np.abs(to_elo(th_sk) - to_elo(th_sp))):.2e}")
    print(f"mean elo: {to_elo(th_sp).mean():.12f}")


def battles_file(path):
    """Elo-scale strengths of the models in a battles export, by name."""
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    models = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    index = {m: i for i, m in enumerate(models)}
    outcome = {"model_a": "A", "model_b": "B", "tie": "T", "tie (bothbad)": "X"}
    battles = [(index[r["model_a"]], index[r["model_b"]], outcome[r["winner"]]) for r in rows]
    theta, gmax = bt_scipy(battles, len(models), L2)
    assert gmax < 1e-9, f"not converged: max |grad| {gmax}"
    return dict(zip(models, to_elo(theta).tolist()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--battles":
        print(json.dumps(battles_file(sys.argv[2])))
    else:
        main()
