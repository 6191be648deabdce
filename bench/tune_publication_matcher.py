"""Fits the publication matcher on the union of the benchmark training files and picks its threshold
on the validation files only (nothing else is looked at); writes the IDF of the training records to
warehouse/matching/publication_idf.json, the trees to publication_model.json with the threshold,
and prints the F1 on every file.

    .venv/bin/python -m bench.tune_publication_matcher [../shared/benchmarks]

(`-m` from the checkout: the code fitted is the checkout's, whatever the venv's editable install
points at.) DBLP-Scholar has no dirty training file: DIRTY_COPIES dirty copies of its clean one
are made, as the dirty benchmarks were.

Reproducible: a fixed seed, a fixed file order, and one thread-independent fit (scikit-learn's
HistGradientBoostingClassifier gives the same trees for the same data and seed).
"""

import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from warehouse.matching import publication_features, publications
from warehouse.matching.evaluation import score_pairs
from warehouse.matching.publication_features import FEATURES, prepare, prepared_features
from warehouse.matching.publications import read_labelled_pairs, ruled_out, worth_scoring
from warehouse.matching.trees import export, load

SEED = 20250301
# Three dirty copies, each moving other values: the real dirty catalogues vary more than one copy does.
DIRTY_COPIES = 3
PARAMETERS = dict(
    max_iter=200,
    learning_rate=0.05,
    max_leaf_nodes=31,
    min_samples_leaf=100,
    l2_regularization=1.0,
    early_stopping=False,
    random_state=SEED,
)


def dirty(record: dict, rng) -> dict:
    """The record as the dirty benchmarks make it: each attribute but the title moved to the end of the
    title with probability 1/2 (Mudgal et al., SIGMOD 2018, section 5.1)."""
    out, moved = dict(record), [record.get("title", "")]
    for name in ("authors", "venue", "year"):
        if out.get(name) and rng.random() < 0.5:
            moved.append(out[name])
            out[name] = ""
    out["title"] = " ".join(moved)
    return out


def dirtied(pairs, seed):
    """DBLP-Scholar has no dirty training file: the clean one made dirty the same way."""
    rng = random.Random(seed)
    return [(dirty(a, rng), dirty(b, rng), label) for a, b, label in pairs]


def write_idf(pairs_by_file: dict) -> int:
    """Document frequencies of the words of the distinct training records (a record and its dirty
    copy have the same words: one document); words seen once are left out, they weigh as unseen."""
    documents = {prepare(r).text_words for pairs in pairs_by_file.values() for a, b, _ in pairs for r in (a, b)}
    counts = Counter(w for words in documents for w in words)
    df = {w: n for w, n in sorted(counts.items()) if n > 1}
    publication_features.IDF_PATH.write_text(
        json.dumps({"records": len(documents), "df": df}, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    publication_features._idf_table.cache_clear()
    return len(documents)


def matrix(pairs):
    """Features, labels, and whether the prefilter and the number rule leave the pair to the model."""
    x, kept = [], []
    for a, b, _ in pairs:
        pa, pb = prepare(a), prepare(b)
        values = prepared_features(pa, pb)
        x.append(values)
        kept.append(worth_scoring(pa, pb) and not ruled_out(pa, pb, values))
    return np.array(x), np.array([label for *_, label in pairs]), np.array(kept)


def score(p, y, kept, threshold):
    predicted = {i for i in range(len(y)) if kept[i] and p[i] >= threshold}
    return score_pairs(predicted, {i for i in range(len(y)) if y[i]})


def main(folder: Path) -> None:
    started = time.perf_counter()
    train_files = sorted(folder.glob("*/train*.txt"))
    valid_files = sorted(folder.glob("*/valid.txt"))
    train_pairs = {str(f): read_labelled_pairs(f) for f in train_files}
    for f in train_files:
        if not (f.parent.name.endswith("-dirty") or (f.parent.parent / f"{f.parent.name}-dirty" / f.name).exists()):
            for copy in range(DIRTY_COPIES):
                train_pairs[f"{f} made dirty ({copy + 1})"] = dirtied(train_pairs[str(f)], SEED + copy)
    documents = write_idf(train_pairs)
    train = [matrix(pairs) for pairs in train_pairs.values()]
    valid = {f: matrix(read_labelled_pairs(f)) for f in valid_files}
    x = np.vstack([m[0] for m in train])
    y = np.concatenate([m[1] for m in train])
    print(
        f"training on {len(y):,} pairs from {', '.join(train_pairs)} "
        f"(IDF of {documents:,} records; features {time.perf_counter() - started:.1f} s)"
    )
    model = HistGradientBoostingClassifier(**PARAMETERS).fit(x, y)
    probs = {f: model.predict_proba(xv)[:, 1] for f, (xv, _, _) in valid.items()}
    # One threshold for every catalogue: the best worst-case F1 over the validation files.
    candidates = np.round(np.arange(0.05, 0.96, 0.01), 2)
    threshold = max(
        candidates, key=lambda t: (min(score(probs[f], v[1], v[2], t).f1 for f, v in valid.items()), -abs(t - 0.5))
    )
    export(model, FEATURES, publications.MODEL_PATH, threshold=float(threshold))
    ensemble = load(publications.MODEL_PATH)
    for f, (xv, _, _) in valid.items():  # the JSON trees give what scikit-learn gives
        assert np.allclose(ensemble.probability(xv), probs[f], atol=1e-4), f
    print(
        f"threshold {threshold:.2f} (model {publications.MODEL_PATH}, "
        f"{publications.MODEL_PATH.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - started:.1f} s)"
    )
    for f, m in zip(train_pairs, train, strict=False):
        print(f"train {f}: {score(ensemble.probability(m[0]), m[1], m[2], threshold).line()}")
    for f, (_xv, yv, kept) in valid.items():
        best = max(candidates, key=lambda t: score(probs[f], yv, kept, t).f1)
        print(
            f"valid {f}: {score(probs[f], yv, kept, threshold).line()} "
            f"(alone it would take {best:.2f}: f1={score(probs[f], yv, kept, best).f1:.4f})"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/benchmarks"))
