#!/usr/bin/env python3
"""Independent reference numbers for the tests of the judge-vs-human agreement
statistics (agreement rate, Cohen's kappa with its confidence interval,
Spearman's rho and Kendall's tau-b).

This script was run once to produce the numbers written into the Rust tests;
the Rust code never calls this script. It uses scikit-learn / statsmodels /
scipy, not the Rust implementation, so the tests compare against an
independent source.

Rerun (from the repository root):

    python3 -m venv /tmp/agreeref
    /tmp/agreeref/bin/pip install numpy scipy scikit-learn statsmodels
    /tmp/agreeref/bin/python scripts/agreement-reference.py

Produced with numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1,
statsmodels 0.15.0 (the script prints the versions it runs with).
"""

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

# Verdicts on 20 items: A (first wins), B (second wins), T (tie).
HUMAN = "A A B T A B B A T A B A A T B B A A B T".split()
JUDGE = "A B B T A A B A A A B T A T B A A B B T".split()
# rankings of 6 models by two sources (ties inside each)
X = [1.2, 0.4, 0.4, -0.3, 2.0, 0.1]
Y = [0.9, 0.6, 0.2, -0.1, 1.5, 0.1]
# a second pair with no ties
X2 = [3.0, 1.0, 2.0, 5.0, 4.0]
Y2 = [2.5, 0.5, 3.0, 4.0, 4.5]


def r(v):
    """repr of a float: 17 significant digits, round-trips exactly."""
    return repr(float(v))


def table(h, j, labels):
    """Confusion table: rows = h (human), cols = j (judge)."""
    idx = {lab: i for i, lab in enumerate(labels)}
    t = np.zeros((len(labels), len(labels)), dtype=int)
    for a, b in zip(h, j):
        t[idx[a], idx[b]] += 1
    return t


def print_sm(res):
    for key in ("kappa", "std_kappa", "kappa_low", "kappa_upp", "std_kappa0"):
        print(f"  statsmodels {key:<10} = {r(res[key])}")


def main():
    print("versions:")
    print(f"  numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}")
    assert len(HUMAN) == len(JUDGE) == 20

    # 1. agreement rates
    print("\n1. agreement rate")
    n = len(HUMAN)
    eq = sum(a == b for a, b in zip(HUMAN, JUDGE))
    print(f"  all items: {eq}/{n} = {r(eq / n)}")
    pairs = [(a, b) for a, b in zip(HUMAN, JUDGE) if a != "T" and b != "T"]
    eq_nt = sum(a == b for a, b in pairs)
    print(f"  items with neither label T: n = {len(pairs)}, "
          f"agree {eq_nt}/{len(pairs)} = {r(eq_nt / len(pairs))}")

    # 2. sklearn kappa, labels A, B, T
    print("\n2. Cohen's kappa, sklearn (labels A, B, T)")
    k_sk = cohen_kappa_score(HUMAN, JUDGE, labels=["A", "B", "T"])
    print(f"  sklearn cohen_kappa_score = {r(k_sk)}")

    # 3. statsmodels kappa on the 3x3 table
    print("\n3. Cohen's kappa, statsmodels, 3x3 table (rows HUMAN, cols JUDGE, order A, B, T)")
    t3 = table(HUMAN, JUDGE, ["A", "B", "T"])
    for lab, row in zip("ABT", t3):
        print(f"  {lab}: {row.tolist()}")
    res3 = cohens_kappa(t3)  # alpha = 0.05
    print_sm(res3)

    # 4. excluding items where either label is T: 2x2 over A, B
    print("\n4. Cohen's kappa excluding items where either label is T (2x2 over A, B)")
    h2 = [a for a, _ in pairs]
    j2 = [b for _, b in pairs]
    t2 = table(h2, j2, ["A", "B"])
    for lab, row in zip("AB", t2):
        print(f"  {lab}: {row.tolist()}")
    print(f"  sklearn cohen_kappa_score = {r(cohen_kappa_score(h2, j2, labels=['A', 'B']))}")
    res2 = cohens_kappa(t2)
    print_sm(res2)

    # 5. rank correlations
    print("\n5. rank correlations")
    for name, a, b in (("X, Y (ties)", X, Y), ("X2, Y2 (no ties)", X2, Y2)):
        rho = stats.spearmanr(a, b).statistic
        tau = stats.kendalltau(a, b).statistic  # variant 'b' (default)
        print(f"  {name}: spearman rho = {r(rho)}, kendall tau-b = {r(tau)}")

    # 6. degenerate table: perfect agreement, balanced
    print("\n6. degenerate: statsmodels cohens_kappa on [[5,0],[0,5]]")
    with np.errstate(all="ignore"):
        res6 = cohens_kappa(np.array([[5, 0], [0, 5]]))
    for key in ("kappa", "kappa_low", "kappa_upp", "std_kappa"):
        print(f"  statsmodels {key:<10} = {r(res6[key])}")


if __name__ == "__main__":
    main()
