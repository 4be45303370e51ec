#!/usr/bin/env bash
# Memory and throughput scaling sweep (e-prop vs BPTT over H, T and ranks): runs `eprop scale`,
# which launches every point as its own `mpirun -np RANKS` process group (with
# --allow-run-as-root as root, --oversubscribe, --bind-to none) and writes scaling.csv,
# scaling.json, SVG plots and report.md.
#   launch/scaling.sh                                   the default sweep (< 10 min on 2 cores)
#   launch/scaling.sh --full --ranks 1 --updates 2      H up to 2048, T up to 5000
#   launch/scaling.sh --method eprop --hidden 256 --steps 100,5000 --out runs/eprop-T
#   launch/scaling.sh --report runs/scaling-…           redraw plots and report of a sweep
# Without --out the results go to runs/scaling-YYYYmmdd-HHMMSS. EPROP_BINARY picks the binary
# (default .build/release/eprop); MPIRUN_OPTS adds mpirun options (e.g. "--mca btl self,vader").
# `eprop scale --help` lists every option.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${EPROP_BINARY:-.build/release/eprop}"
[ -x "$binary" ] || { echo "launch/scaling.sh: $binary not built; run launch/setup.sh release" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "launch/scaling.sh: mpirun not found; run launch/setup.sh" >&2; exit 1; }
has_out=0
for a in "$@"; do
    case "$a" in --out|--out=*|--report|--report=*|--help|-h) has_out=1 ;; esac
done
args=("$@")
if [ "$has_out" -eq 0 ]; then args+=(--out "runs/scaling-$(date +%Y%m%d-%H%M%S)"); fi
exec "$binary" scale "${args[@]}"
