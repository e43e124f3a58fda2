#!/usr/bin/env bash
# Alert delivery benchmark (issue #6): the cost of one alert to the engine thread with the
# outbox on disk vs in memory vs beside a hanging sink, and one sink's delivery rate, in one
# run. Builds a Release tree in build/bench-alerts; prints Markdown rows for docs/benchmarks.md.
#   BENCH_EVENTS=2000 scripts/bench_alerts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cmake -S . -B build/bench-alerts -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench-alerts -j"$(nproc)" --target bench_alerts >/dev/null
build/bench-alerts/tests/bench_alerts "${BENCH_EVENTS:-2000}" 2>/dev/null | grep '^|'
