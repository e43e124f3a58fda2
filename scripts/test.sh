#!/usr/bin/env bash
# Builds and runs the whole test suite (unit + integration against real processes).
# Installs what is missing first, so a fresh Debian 12 machine needs nothing else.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build=build/test
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWATCHDOG_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" -j2 --output-on-failure --timeout 300 "$@"
