#!/usr/bin/env bash
# Installs missing system packages, builds, and runs every test (`.ci/run` calls this).
# Tests run in release mode (training-based tests are ~30x faster than in debug) with
# -enable-testing for the suites that use @testable. The MPI tests launch `mpirun -np 2` on
# the built `eprop` binary, so setup builds it first, with the same flags (no rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
launch/setup.sh -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing 2>&1
