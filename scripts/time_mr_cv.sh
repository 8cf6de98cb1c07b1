#!/usr/bin/env bash
# Wall time of a 10-fold CV on MR: stance (MNB-bi) against scikit-learn's mnb and nbsvm on the
# same folds, interleaved runs, median of $RUNS (default 3). Run from the repository root after
# `cargo build --release`; needs the anchors' venv (see ../shared/anchors/requirements.txt).
set -euo pipefail
RUNS=${RUNS:-3}
PY=${PY:-/work/venv-anchors/bin/python}
STANCE=${STANCE:-${CARGO_TARGET_DIR:-target}/release/stance}
MR=../shared/datasets/mr/data.csv
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A T
for r in $(seq "$RUNS"); do
  for threads in 1 2; do
    t0=$(now)
    "$STANCE" cv --data "$MR" --label-col label --classifier nb --binary --no-idf --norm none \
      --alpha 1 --min-df 1 --threads "$threads" --format json > /dev/null 2>&1
    T[stance_$threads]+="$(echo "$(now) - $t0" | bc) "
  done
  for model in mnb nbsvm; do
    t0=$(now)
    "$PY" scripts/sklearn_cv_timing.py --models "$model" > /dev/null
    T[sklearn_$model]+="$(echo "$(now) - $t0" | bc) "
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS process wall times (s):"
for k in stance_1 stance_2 sklearn_mnb sklearn_nbsvm; do
  printf '%-14s %6.2f   (runs: %s)\n' "$k" "$(echo "${T[$k]}" | tr ' ' '\n' | grep . | median)" "${T[$k]}"
done
