"""Fits the publication matcher's logistic weights on DBLP-ACM train.txt and picks its threshold on
valid.txt (nothing else is looked at); prints the weights to paste into
warehouse/matching/publications.py and the F1 on both files.

    .venv/bin/python bench/tune_publication_matcher.py [../shared/benchmarks/dblp-acm]
"""

import sys
from pathlib import Path

import numpy as np

from warehouse.matching.evaluation import score_pairs
from collections import Counter

from warehouse.matching import publications
from warehouse.matching.publications import FEATURES, _text, features, read_labelled_pairs, ruled_out


def matrix(pairs):
    return np.array([features(a, b) for a, b, _ in pairs]), np.array([label for *_, label in pairs])


def fit(x, y, l2=1e-2, steps=50):
    """Ridge logistic regression by Newton's method (numpy only; scikit-learn is not a dependency)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = l2 * np.eye(xb.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w[:-1], w[-1]


def f1(p, y, threshold, x):
    predicted = {i for i, v in enumerate(p) if v >= threshold and not ruled_out(list(x[i]))}
    truth = {i for i, v in enumerate(y) if v}
    return score_pairs(predicted, truth)


def venue_equivalents(pairs, at_least=3) -> list[tuple[str, str]]:
    """Venue name pairs seen on both sides of at least `at_least` matching training pairs."""
    counts = Counter(tuple(sorted((_text(a.get("venue")), _text(b.get("venue")))))
                     for a, b, label in pairs if label)
    return sorted(pair for pair, n in counts.items() if n >= at_least and pair[0] != pair[1])


def main(folder: Path) -> None:
    train = read_labelled_pairs(folder / "train.txt")
    publications.VENUE_EQUIVALENTS = frozenset(venue_equivalents(train))
    print(f"VENUE_EQUIVALENTS = frozenset({sorted(publications.VENUE_EQUIVALENTS)!r})")
    xt, yt = matrix(train)
    xv, yv = matrix(read_labelled_pairs(folder / "valid.txt"))
    w, b = fit(xt, yt)
    pv = 1 / (1 + np.exp(-(xv @ w + b)))
    threshold = max(np.arange(0.05, 0.96, 0.05), key=lambda t: (f1(pv, yv, t, xv).f1, -abs(t - 0.5)))
    pt = 1 / (1 + np.exp(-(xt @ w + b)))
    for name, weight in zip(FEATURES, w):
        print(f"{name:>22} {weight:+.4f}")
    print(f"WEIGHTS = ({', '.join(f'{v:.4f}' for v in w)})")
    print(f"BIAS = {b:.4f}")
    print(f"THRESHOLD = {threshold:.2f}")
    print(f"train: {f1(pt, yt, threshold, xt).line()}")
    print(f"valid: {f1(pv, yv, threshold, xv).line()}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/benchmarks/dblp-acm"))
