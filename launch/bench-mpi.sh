#!/usr/bin/env bash
# Data-parallel benchmark: ALIF, N_in = 700, H = 256, T = 100, global batch 64, 20 updates,
# with 1 and 2 MPI ranks; prints samples/s and the share of step time in the gradient
# all-reduce (from each run's summary.json). Not part of the tests.
#   launch/bench-mpi.sh [config]
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-configs/bench-alif-mpi.json}"
binary=.build/release/eprop
[ -x "$binary" ] || { echo "build first: launch/setup.sh" >&2; exit 1; }
out=$(mktemp -d)
for ranks in 1 2; do
    if [ "$ranks" -eq 1 ]; then
        "$binary" train --quiet --config "$config" --out "$out/r1"
    else
        launch/mpirun.sh "$ranks" train --quiet --config "$config" --out "$out/r$ranks"
    fi
    python3 - "$out/r$ranks/summary.json" "$ranks" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"ranks {sys.argv[2]}: {s['samples_per_second']:.1f} samples/s, mean step {1000*s['mean_step_seconds']:.1f} ms, "
      f"all-reduce {1000*s['allreduce_seconds']/max(s['steps'],1):.2f} ms/step = {100*s['allreduce_share']:.2f} % of step time, "
      f"peak RSS per rank {[round(b/2**20,1) for b in s['peak_rss_bytes_per_rank']]} MiB")
PY
done
rm -rf "$out"
