#!/usr/bin/env bash
# The whole product in one command, on a fresh Debian machine with the Swift toolchain:
#   launch/quickstart.sh
# 1. installs the system packages (Open MPI, HDF5, espeak-ng) and builds `eprop` in release mode
#    (launch/setup.sh; needs root or sudo the first time),
# 2. synthesises the embedded spoken-digit dataset into data/digits/{train,test}.h5
#    (skipped when both files exist; delete them to remake),
# 3. trains configs/default.json with online e-prop on 2 MPI ranks into runs/quickstart
#    (an earlier runs/quickstart is kept, renamed runs/quickstart.previous-DATE),
# 4. evaluates the last checkpoint on the held-out-voice test set,
# and prints where the report is. Runs from any directory; a few minutes in all.
set -euo pipefail
cd "$(dirname "$0")/.."

eprop=.build/release/eprop
data=data/digits
run=runs/quickstart
config=configs/default.json
ranks=2

stage() { printf '\n== quickstart %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }
fail() { printf 'quickstart: %s\n' "$1" >&2; exit 1; }
started=$SECONDS

stage "1/4: system packages and release build"
launch/setup.sh
[ -x "$eprop" ] || fail "$eprop was not built; see the output of launch/setup.sh above"

stage "2/4: spoken-digit dataset ($data)"
if [ -f "$data/train.h5" ] && [ -f "$data/test.h5" ]; then
    echo "$data/train.h5 and $data/test.h5 exist: keeping them (delete them to synthesise again)"
else
    "$eprop" data synth-digits --out "$data"
fi

stage "3/4: training $config with e-prop on $ranks MPI ranks ($run)"
if [ -e "$run" ]; then
    previous="$run.previous-$(date +%Y%m%d-%H%M%S)"
    mv "$run" "$previous"
    echo "moved the earlier $run to $previous"
fi
launch/mpirun.sh "$ranks" train --config "$config" --out "$run"

stage "4/4: evaluating the last checkpoint on the held-out voices"
[ -e "$run/checkpoints/last" ] || fail "training wrote no checkpoint at $run/checkpoints/last"
"$eprop" eval --checkpoint "$run/checkpoints/last" --data "$data/test.h5"

stage "done in $((SECONDS - started)) s"
echo "run directory: $run/"
for f in "$run/summary.json" "$run/metrics.jsonl" "$run"/*.svg; do
    if [ -e "$f" ]; then echo "  $f"; fi
done
echo "summary: $run/summary.json (test accuracy = held-out voices); checkpoints: $run/checkpoints/"
