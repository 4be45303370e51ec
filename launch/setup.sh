#!/usr/bin/env bash
# Installs the system packages EProp needs (Open MPI, HDF5, espeak-ng) when missing, then
# builds `eprop` in release mode. Idempotent: a machine that has everything only builds.
#   launch/setup.sh [extra swift build flags]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenmpi-dev openmpi-bin libhdf5-dev pkg-config espeak-ng)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH; install Swift 6.x first" >&2; exit 1; }

echo "setup: building (release)"
swift build -c release "$@" 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
test -x .build/release/eprop || { echo "setup: build failed" >&2; exit 1; }
