#!/usr/bin/env bash
# Side-by-side scoring speed of stance and its peers (scikit-learn, fastText, Vowpal Wabbit) on
# the same 1,000,000-sentence file, same machine, same run. Takes several minutes; not for CI.
#
#   benches/compare/run.sh            # RUNS=3 timed runs per process (medians), the default
#   RUNS=1 benches/compare/run.sh     # quicker, noisier
#   KEEP=1 ...                        # keep the temporary directory (batch file, outputs)
#
# Needs: cargo, python3 (3.11 used) with venv, GNU time at /usr/bin/time, taskset, the Debian
# package `fasttext` (installed with apt-get when missing and running as root), and MR at
# ../shared/datasets/mr/data.csv beside the repository (or MR=path/to/data.csv).
# The Python peers are installed, pinned (requirements.txt = the anchors' versions), into
# benches/compare/.venv. Prints one markdown table on stdout; progress on stderr.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MR="${MR:-$ROOT/../shared/datasets/mr/data.csv}"
RUNS="${RUNS:-3}"
[ -f "$MR" ] || { echo "MR not found at $MR; set MR=path/to/mr/data.csv" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed at /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "building stance (release) ..." >&2
(cd "$ROOT" && cargo build --release --quiet --bin stance --example score_batch)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

if [ ! -x "$HERE/.venv/bin/python" ]; then
  echo "creating $HERE/.venv with the pinned peers ..." >&2
  python3 -m venv "$HERE/.venv"
  "$HERE/.venv/bin/pip" install --quiet -r "$HERE/requirements.txt"
fi
if ! command -v fasttext >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq fasttext >&2
  else
    echo "install the Debian package fasttext (the fastText CLI)" >&2; exit 2
  fi
fi

WORK="$(mktemp -d -t stance-compare.XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
echo "work dir: $WORK" >&2
{
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p') x$(nproc), $(free -g | awk '/Mem:/{print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "stance $(git -C "$ROOT" rev-parse --short HEAD), $(rustc --version)"
} >&2
"$HERE/.venv/bin/python" "$HERE/compare.py" --work "$WORK" --mr "$MR" --runs "$RUNS" \
  --stance "$TARGET/release/stance" --batch "$TARGET/release/examples/score_batch"
