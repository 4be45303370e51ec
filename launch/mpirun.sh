#!/usr/bin/env bash
# Runs `eprop` under Open MPI on this machine with RANKS processes:
#   launch/mpirun.sh RANKS train --config configs/default.json --out runs/x
# Works as root and with more ranks than cores (--oversubscribe). Extra mpirun options can be
# passed in MPIRUN_OPTS, e.g. MPIRUN_OPTS="--hostfile launch/hostfile.example".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    echo "usage: launch/mpirun.sh RANKS <eprop command> [options]" >&2
    exit 2
fi
ranks="$1"; shift
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || { echo "launch/mpirun.sh: RANKS must be a positive integer, got \"$ranks\"" >&2; exit 2; }
binary="${EPROP_BINARY:-.build/release/eprop}"
[ -x "$binary" ] || { echo "launch/mpirun.sh: $binary not built; run launch/setup.sh release" >&2; exit 1; }
root_opts=()
if [ "$(id -u)" -eq 0 ]; then root_opts=(--allow-run-as-root); fi
# shellcheck disable=SC2086
exec mpirun -np "$ranks" "${root_opts[@]}" --oversubscribe --bind-to none ${MPIRUN_OPTS:-} "$binary" "$@"
