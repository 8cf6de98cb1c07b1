#!/usr/bin/env python3
"""Side-by-side scoring speed: stance vs scikit-learn, fastText and Vowpal Wabbit, same run.

Called by run.sh (which builds stance and prepares the virtual environment). Every tool is
trained on MR (../shared/datasets/mr/data.csv, 10,662 sentences) and scores the same
1,000,000-sentence file: MR replicated in the fixed shuffled order of ../shared/anchors/common.py
(numpy RandomState(42) permutation). Each timed process runs --runs times under
/usr/bin/time -v; medians are reported. Single-core rows run under `taskset -c 0`.

Throughput: for command-line tools, whole-process wall time minus the wall time of the same
command on a one-line file (model load and start-up); for scikit-learn, the scoring loop timed
inside the process (as in the anchors). MB/s counts the UTF-8 bytes of the sentences, newlines
excluded. Agreement: share of the 1M lines where the tool's label equals stance's.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED = 42
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")


def load_mr(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def prepare(work, mr_path, n):
    texts, y = load_mr(mr_path)
    order = np.random.RandomState(SEED).permutation(len(texts))
    files = {k: os.path.join(work, v) for k, v in {
        "batch": f"mr_batch_{n // 1000}k.txt", "batch_vw": f"mr_batch_{n // 1000}k.vw", "one": "one.txt",
        "one_vw": "one.vw", "ft_train": "mr_train_ft.txt", "vw_train": "mr_train_vw.txt"}.items()}
    vw = lambda t: t.replace("|", "PIPE").replace(":", "COLON")
    nbytes = 0
    with open(files["batch"], "w", encoding="utf-8") as f, open(files["batch_vw"], "w", encoding="utf-8") as g:
        for i in range(n):
            t = texts[order[i % len(texts)]]
            nbytes += len(t.encode("utf-8"))
            f.write(t + "\n")
            g.write(" |w " + vw(t) + "\n")
    with open(files["ft_train"], "w", encoding="utf-8") as f:
        f.writelines(f"__label__{y[i]} {texts[i]}\n" for i in order)
    with open(files["vw_train"], "w", encoding="utf-8") as f:
        f.writelines(f"{1 if y[i] == 1 else -1} |w {vw(texts[i])}\n" for i in order)
    with open(files["one"], "w", encoding="utf-8") as f:
        f.write(texts[0] + "\n")
    with open(files["one_vw"], "w", encoding="utf-8") as f:
        f.write(" |w " + vw(texts[0]) + "\n")
    return files, nbytes


def timed(cmd, stdout_path=None):
    """One run under /usr/bin/time -v: wall, user, sys seconds and peak RSS in MB."""
    tfile = os.path.join(WORK, "time.txt")
    out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
    try:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, env=ENV, stdout=out, stderr=subprocess.PIPE, text=True)
    finally:
        if stdout_path:
            out.close()
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} failed ({p.returncode}): {p.stderr[-2000:]}")
    t = open(tfile).read()
    h, m, s = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t).groups()
    return {
        "wall_s": int(h or 0) * 3600 + int(m) * 60 + float(s),
        "cpu_s": float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
        + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1)),
        "rss_mb": int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024,
        "stderr": p.stderr,
    }


def repeat(cmd, runs, label, stdout_path=None):
    rs = []
    for i in range(runs):
        r = timed(cmd, stdout_path)
        print(f"  {label} run {i + 1}: wall {r['wall_s']:.2f}s cpu {r['cpu_s']:.2f}s rss {r['rss_mb']:.0f}MB", file=sys.stderr)
        rs.append(r)
    return rs


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def read_labels(path, kind):
    """Per-line 0/1 labels from a tool's output file."""
    with open(path, encoding="utf-8") as f:
        if kind == "stance_csv":
            r = csv.reader(f)
            next(r)
            return np.array([int(row[1]) for row in r], dtype=np.int8)
        if kind == "fasttext":
            return np.array([1 if l.strip() == "__label__1" else 0 for l in f], dtype=np.int8)
        if kind == "vw":
            return np.array([1 if float(l.split()[0]) > 0 else 0 for l in f], dtype=np.int8)
        if kind == "plain":
            return np.array([int(l) for l in f], dtype=np.int8)
    raise ValueError(kind)


def main():
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--mr", default=os.path.join(ROOT, "..", "shared", "datasets", "mr", "data.csv"))
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    ap.add_argument("--batch", default=os.path.join(ROOT, "target", "release", "examples", "score_batch"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", default="stance,sklearn,fasttext,vw")
    a = ap.parse_args()
    WORK = a.work
    only = set(a.only.split(","))
    py = sys.executable
    pin = ["taskset", "-c", "0"]
    t0 = time.time()
    files, nbytes = prepare(WORK, a.mr, a.n)
    print(f"batch: {a.n:,} sentences, {nbytes / 1e6:.1f} MB of text ({time.time() - t0:.0f}s to write)", file=sys.stderr)
    rows = []

    def row(tool, net_s, rss, preds, kind, note, fit_s=None, cpu_s=None):
        rows.append({"tool": tool, "sent_s": a.n / net_s, "mb_s": nbytes / 1e6 / net_s, "rss_mb": rss,
                     "preds": preds, "kind": kind, "note": note, "fit_s": fit_s, "cpu_s": cpu_s})

    # --- stance -----------------------------------------------------------------------------
    model = os.path.join(WORK, "mr.model")
    fit = repeat([a.stance, "train", "--data", a.mr, "--label-col", "label", "--model", model], 1, "stance train")
    stance_preds = os.path.join(WORK, "stance.csv")
    score = lambda inp: [a.stance, "score", "--model", model, "--input", inp, "--input-format", "text", "--output"]
    big = repeat(pin + score(files["batch"]) + [stance_preds], a.runs, "stance score (1 CPU)")
    one = repeat(pin + score(files["one"]) + ["/dev/null"], a.runs, "stance score 1 line")
    net = med(big, "wall_s") - med(one, "wall_s")
    row("stance score (CLI), 1 core", net, med(big, "rss_mb"), stance_preds, "stance_csv",
        f"whole process {med(big, 'wall_s'):.2f}s, load+start {med(one, 'wall_s'):.3f}s; writes CSV with probabilities",
        med(fit, "wall_s"), med(big, "cpu_s"))
    for threads, cpus in ((1, "0"), (2, "0,1")):
        out = os.path.join(WORK, f"stance_batch{threads}.csv")
        big = repeat(["taskset", "-c", cpus, a.batch, model, files["batch"], str(threads), out], a.runs, f"stance batch {threads}t")
        one = repeat(["taskset", "-c", cpus, a.batch, model, files["one"], str(threads), "/dev/null"], a.runs, f"stance batch {threads}t 1 line")
        net = med(big, "wall_s") - med(one, "wall_s")
        row(f"stance LineScorer (examples/score_batch), {threads} thread{'s' if threads > 1 else ''}", net,
            med(big, "rss_mb"), out, "stance_csv",
            f"library batch path, same CSV bytes as the CLI; whole process {med(big, 'wall_s'):.2f}s", None, med(big, "cpu_s"))

    # --- scikit-learn ------------------------------------------------------------------------
    if "sklearn" in only:
        out = os.path.join(WORK, "sklearn.txt")
        rs = repeat(pin + [py, os.path.join(HERE, "sklearn_score.py"), a.mr, files["batch"], out], a.runs, "sklearn tfidf_lr")
        child = [json.loads(r["stderr"].strip().splitlines()[-1]) for r in rs]
        row("scikit-learn TF-IDF 1-2g + LogisticRegression, 1 core", statistics.median(c["score_s"] for c in child),
            med(rs, "rss_mb"), out, "plain", "in-process scoring loop (10k-line chunks), as in the anchors",
            statistics.median(c["fit_s"] for c in child), med(rs, "cpu_s"))

    # --- fastText ----------------------------------------------------------------------------
    if "fasttext" in only:
        ft = os.path.join(WORK, "ft")
        fit = repeat(["fasttext", "supervised", "-input", files["ft_train"], "-output", ft, "-wordNgrams", "2", "-epoch", "15",
                      "-bucket", "200000", "-thread", "1", "-seed", "42", "-verbose", "0"], 1, "fasttext train")
        out = os.path.join(WORK, "fasttext.txt")
        big = repeat(pin + ["fasttext", "predict", ft + ".bin", files["batch"]], a.runs, "fasttext predict", out)
        one = repeat(pin + ["fasttext", "predict", ft + ".bin", files["one"]], a.runs, "fasttext 1 line", os.devnull)
        net = med(big, "wall_s") - med(one, "wall_s")
        row("fastText CLI wordNgrams 2, epoch 15, bucket 200k, 1 core", net, med(big, "rss_mb"), out, "fasttext",
            f"whole process {med(big, 'wall_s'):.2f}s, load {med(one, 'wall_s'):.2f}s", med(fit, "wall_s"), med(big, "cpu_s"))

    # --- Vowpal Wabbit -----------------------------------------------------------------------
    if "vw" in only:
        vwm = os.path.join(WORK, "vw.model")
        fit = repeat([py, "-m", "vowpalwabbit", "-d", files["vw_train"], "--loss_function", "logistic", "--ngram", "w2",
                      "-b", "24", "--passes", "5", "-c", "-k", "--cache_file", os.path.join(WORK, "vw.cache"),
                      "--holdout_off", "--random_seed", "42", "-f", vwm, "--quiet"], 1, "vw train")
        for tag, cpus in (("1 core", "0"), ("2 cores (parser thread free)", "0,1")):
            out = os.path.join(WORK, f"vw_{cpus}.preds")
            pred = lambda inp, o: ["taskset", "-c", cpus, py, "-m", "vowpalwabbit", "-t", "-i", vwm, "-p", o, "--quiet", "-d", inp]
            big = repeat(pred(files["batch_vw"], out), a.runs, f"vw predict {tag}")
            one = repeat(pred(files["one_vw"], os.devnull), a.runs, f"vw 1 line {tag}")
            net = med(big, "wall_s") - med(one, "wall_s")
            row(f"Vowpal Wabbit --ngram w2, 5 passes, {tag}", net, med(big, "rss_mb"), out, "vw",
                f"python -m vowpalwabbit; whole process {med(big, 'wall_s'):.2f}s, load {med(one, 'wall_s'):.2f}s",
                med(fit, "wall_s"), med(big, "cpu_s"))

    # --- table -------------------------------------------------------------------------------
    ours = read_labels(stance_preds, "stance_csv")
    base = rows[0]["sent_s"]
    print(f"\n1,000,000 MR sentences ({nbytes / 1e6:.1f} MB), medians of {a.runs} run(s); ratio = stance CLI sentences/s / tool sentences/s\n")
    print("| tool | sentences/s | MB/s | peak RSS MB | agreement with stance | stance CLI is ×faster | fit s | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        labels = read_labels(r["preds"], r["kind"])
        agree = float((labels == ours).mean()) if len(labels) == len(ours) else float("nan")
        fit_s = f"{r['fit_s']:.2f}" if r["fit_s"] is not None else ""
        print(f"| {r['tool']} | {r['sent_s']:,.0f} | {r['mb_s']:.1f} | {r['rss_mb']:.0f} | {agree * 100:.2f}% | "
              f"{base / r['sent_s']:.2f} | {fit_s} | {r['note']} |")
    with open(os.path.join(WORK, "compare.json"), "w") as f:
        json.dump({"n": a.n, "bytes": nbytes, "rows": [{k: v for k, v in r.items() if k != "preds"} for r in rows]}, f, indent=1)


if __name__ == "__main__":
    main()
