#!/usr/bin/env python3
"""One measured process: fit scikit-learn TF-IDF (1-2 grams, sublinear tf) + LogisticRegression
(C=1, liblinear) on MR, as `tfidf_lr` in ../shared/anchors/common.py, then score a text file in
10k-line chunks and write one 0/1 label per line. Prints a JSON line (fit_s, score_s) on stderr.

Usage: python sklearn_score.py MR_CSV BATCH_FILE OUT_FILE
"""
import csv
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


def main():
    mr, batch, out = sys.argv[1:4]
    with open(mr, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts, y = [r["text"] for r in rows], [int(r["label"]) for r in rows]
    m = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[^ ]+"),
                      LogisticRegression(C=1.0, solver="liblinear", max_iter=1000))
    t0 = time.perf_counter()
    m.fit(texts, y)
    fit_s = time.perf_counter() - t0
    n = 0
    t0 = time.perf_counter()
    with open(batch, encoding="utf-8") as f, open(out, "w") as g:
        while True:
            chunk = [l.rstrip("\n") for _, l in zip(range(10000), f)]
            if not chunk:
                break
            scores = m.decision_function(chunk)
            g.write("".join("1\n" if s > 0 else "0\n" for s in scores))
            n += len(chunk)
    score_s = time.perf_counter() - t0
    print(json.dumps({"fit_s": fit_s, "score_s": score_s, "n": n}), file=sys.stderr)


if __name__ == "__main__":
    main()
