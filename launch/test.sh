#!/usr/bin/env bash
# Installs missing system packages, builds, and runs every test (`.ci/run` calls this).
# Tests run in release mode (training-based tests are ~30x faster than in debug) with
# -enable-testing for the suites that use @testable. The MPI tests launch `mpirun -np 2` on
# the built `eprop` binary, so setup builds it first, with the same flags (no rebuild).
# --no-parallel: suites run one after another (~16 s instead of ~10 s). Run in parallel, an
# HDF5 round-trip test fails about one run in four with "truncated or corrupt" (an open
# concurrency issue in the HDF5 layer under simultaneous use from many threads; the trainer
# itself uses HDF5 from one thread). Remove once that is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
launch/setup.sh -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --no-parallel 2>&1
