#!/usr/bin/env bash
# Builds and runs the whole test suite (unit + integration against real processes).
# Installs what is missing first, so a fresh Debian 12 machine needs nothing else.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# How long each step took, for the CI log (the whole run must stay under 30 minutes).
step_done() { echo "test.sh: $1 done at $((SECONDS - started)) s"; }
scripts/setup.sh
step_done setup
build=build/test
# -O1 without debug info: the tests need a correct build, not the fastest one, and it compiles in
# about half the time of -O2 -g (the build is most of the CI run). Benchmarks build Release.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DWATCHDOG_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
step_done build
ctest --test-dir "$build" -j2 --output-on-failure --timeout 300 "$@"
step_done ctest
# The whole run (no ctest arguments) also proves what no unit test can (docs/reliability.md):
# an accelerated soak of the real daemon (~85 s), a short run of every libFuzzer target from
# its seed corpus (~2.5 min with the clang build) and the TSan subset (~5 min cold).
if [ $# -eq 0 ]; then
  WATCHDOG_BIN="$build/watchdog/watchdog" scripts/soak.sh --ci
  step_done soak
  FUZZ_SECONDS=5 scripts/fuzz.sh --ci  # 5 s each: CI time is short; long runs by hand
  step_done fuzz
  scripts/sanitize.sh --ci
  step_done sanitize
fi
