#!/usr/bin/env python3
"""Times scikit-learn's 10-fold CV of the anchor models on exactly the folds `stance cv` uses.

Usage (from the repository root, with the anchors' venv):
    /work/venv-anchors/bin/python scripts/sklearn_cv_timing.py [--models mnb,nbsvm,nblr] [--seed 42] [--folds 10]

The fold assignment is stance's own (src/data/folds.rs: labels in sorted order, each label's
documents shuffled by SplitMix64 seeded with --seed, dealt round-robin), re-implemented here, so
both tools train and test on the same texts. Models come from ../shared/anchors/common.py.
Prints per-model accuracy (mean ± sd over folds) and wall seconds: fit + predict of all folds in
this process (imports and data loading excluded), and the same with data loading.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ANCHORS = os.path.join(HERE, "..", "..", "shared", "anchors")
sys.path.insert(0, ANCHORS)

MASK = (1 << 64) - 1


class SplitMix64:
    """src/util.rs SplitMix64, bit for bit."""

    def __init__(self, seed):
        self.x = seed & MASK

    def next_u64(self):
        self.x = (self.x + 0x9E3779B97F4A7C15) & MASK
        z = self.x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        zone = MASK - MASK % n
        while True:
            v = self.next_u64()
            if v < zone:
                return v % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


def stratified_folds(labels, k, seed):
    """src/data/folds.rs stratified_folds, bit for bit (labels compared as strings)."""
    by_label = {}
    for i, l in enumerate(labels):
        by_label.setdefault(l, []).append(i)
    rng = SplitMix64(seed)
    fold = [0] * len(labels)
    nxt = 0
    for label in sorted(by_label):  # BTreeMap<&str, _> order
        members = by_label[label]
        rng.shuffle(members)
        for i in members:
            fold[i] = nxt % k
            nxt += 1
    return fold


def self_check():
    # Pinned in src/data/folds.rs (test folds_match_the_pinned_python_reimplementation).
    labels = ["b", "a", "b", "a", "a", "b", "a", "b", "a", "b"]
    assert stratified_folds(labels, 3, 42) == PINNED, stratified_folds(labels, 3, 42)


PINNED = [0, 2, 1, 0, 1, 2, 1, 2, 0, 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mnb,nbsvm,nblr")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    self_check()
    t_load = time.perf_counter()
    import numpy as np
    import common

    texts, y = common.load("mr")
    load_s = time.perf_counter() - t_load
    fold = np.array(stratified_folds([str(v) for v in y], a.folds, a.seed))
    results = {}
    for name in filter(None, a.models.split(",")):
        accs = []
        t0 = time.perf_counter()
        for k in range(a.folds):
            tr, te = np.where(fold != k)[0], np.where(fold == k)[0]
            m = common.make_model(name)
            m.fit([texts[i] for i in tr], y[tr])
            pred = m.predict([texts[i] for i in te])
            accs.append(float((pred == y[te]).mean()))
        wall = time.perf_counter() - t0
        acc = np.array(accs) * 100
        results[name] = {"accuracy_mean": acc.mean(), "accuracy_sd": acc.std(ddof=1), "cv_seconds": wall, "per_fold": accs}
        print(f"{name:8s} {acc.mean():.2f} ± {acc.std(ddof=1):.2f}  10-fold fit+predict {wall:.2f}s  (+ {load_s:.2f}s import/load)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seed": a.seed, "folds": a.folds, "load_seconds": load_s, "models": results}, f, indent=1)


if __name__ == "__main__":
    main()
