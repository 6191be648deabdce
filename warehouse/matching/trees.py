"""A boosted tree ensemble kept as plain JSON and evaluated with numpy.

`bench/tune_publication_matcher.py` fits scikit-learn's HistGradientBoostingClassifier and writes its
trees here with `export`; matching then needs neither scikit-learn nor a pickle tied to its version.
A missing value (NaN) takes the branch the fit learned for missing values, as in scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Tree:
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray

    def raw(self, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), dtype=np.int64)
        rows = np.arange(len(x))
        while True:
            inner = ~self.leaf[node]
            if not inner.any():
                return self.value[node]
            at, idx = node[inner], rows[inner]
            values = x[idx, self.feature[at]]
            go_left = np.where(np.isnan(values), self.missing_left[at], values <= self.threshold[at])
            node[inner] = np.where(go_left, self.left[at], self.right[at])


@dataclass(frozen=True)
class Ensemble:
    features: tuple[str, ...]
    baseline: float
    trees: tuple[Tree, ...]
    threshold: float  # the probability from which a pair is a match, chosen with the fit

    def probability(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, len(self.features))
        raw = np.full(len(x), self.baseline)
        for tree in self.trees:
            raw += tree.raw(x)
        return 1 / (1 + np.exp(-raw))


def export(model, features, path: Path, threshold: float) -> None:
    """Writes a fitted binary HistGradientBoostingClassifier (numeric features only) as JSON."""
    trees = []
    for (predictor,) in model._predictors:
        n = predictor.nodes
        trees.append(
            {
                "feature": n["feature_idx"].tolist(),
                "threshold": [float(v) for v in n["num_threshold"]],
                "missing_left": n["missing_go_to_left"].astype(bool).tolist(),
                "left": n["left"].tolist(),
                "right": n["right"].tolist(),
                "leaf": n["is_leaf"].astype(bool).tolist(),
                "value": [round(float(v), 6) for v in n["value"]],
            }
        )
    path.write_text(
        json.dumps(
            {
                "features": list(features),
                "threshold": threshold,
                "baseline": float(np.ravel(model._baseline_prediction)[0]),
                "trees": trees,
            },
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )


def load(path: Path) -> Ensemble:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    trees = tuple(
        Tree(
            np.array(t["feature"], dtype=np.int64),
            np.array(t["threshold"], dtype=np.float64),
            np.array(t["missing_left"], dtype=bool),
            np.array(t["left"], dtype=np.int64),
            np.array(t["right"], dtype=np.int64),
            np.array(t["leaf"], dtype=bool),
            np.array(t["value"], dtype=np.float64),
        )
        for t in data["trees"]
    )
    return Ensemble(tuple(data["features"]), float(data["baseline"]), trees, float(data["threshold"]))
