#!/usr/bin/env bash
# Sanitizer runs of the tests (issue #20): GCC's ASan + UBSan or TSan, each in its own build tree
# (build/asan, build/tsan) with every library instrumented (CMake option WATCHDOG_SANITIZE).
#
#   scripts/sanitize.sh asan                    # all unit + integration tests under ASan + UBSan
#   scripts/sanitize.sh tsan -R 'Engine|Leader' # TSan, the tests that ctest -R selects
#   scripts/sanitize.sh --ci                    # the CI subset: a fresh TSan tree, see ci_* below
#   SANITIZE_TARGETS=unit_config scripts/sanitize.sh asan -R ParseGuard
#
# Extra arguments go to ctest. Every sanitizer report, from a test or from a process it starts
# (the integration tests run the sanitized `watchdog` binary), is written to <tree>/reports/;
# the run fails when that folder is not empty, whatever the tests' own verdicts were.
# SANITIZE_JOBS sets ctest -j (default 2).
# What is built: by default every unit_* executable, integration_tests and watchdog; with
# `-L unit` only the unit_* executables, with `-L integration` only integration_tests (and
# watchdog). SANITIZE_TARGETS (CMake targets, space-separated) replaces the list, e.g. for an -R
# selection that one executable holds; SANITIZE_TARGETS=none runs the tests of the tree as built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

ci=0
if [ "${1:-}" = --ci ]; then
  ci=1
  shift
  set -- tsan "$@"
fi
kind=${1:-}
case "$kind" in
  asan) sanitize=address ;;
  tsan) sanitize=thread ;;
  *)
    echo "usage: ${0##*/} asan|tsan [ctest arguments] | --ci [ctest arguments]" >&2
    exit 2
    ;;
esac
shift

# The runtimes ship with GCC 12 (libgcc-12-dev depends on them); install any that is missing.
runtimes=(libasan8 libubsan1 libtsan2)
missing=()
for p in "${runtimes[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The CI subset: the threaded heart of the daemon (scheduler, check pool, async loop, engine,
# alert outbox and dispatcher, leader elector), built alone so that it fits CI's budget
# cold. tests/CMakeLists.txt defines the target and labels its tests.
ci_target=sanitize_ci
ci_label=sanitize_ci

if ((ci)); then
  tree=build/sanitize-ci
  rm -rf "$tree"  # CI measures and proves the cold build: no stale objects, no stale reports
  targets=("$ci_target")
else
  tree=build/$kind
  unit_targets=(unit_config unit_probes unit_actions unit_watchdog)
  # integration_tests depends on watchdog (the daemon the tests start): one lock wait, not two.
  integration_targets=(integration_tests)
  case " $* " in
    *" -L unit "*) targets=("${unit_targets[@]}") ;;
    *" -L integration "*) targets=("${integration_targets[@]}") ;;
    *) targets=("${unit_targets[@]}" "${integration_targets[@]}") ;;
  esac
fi
if [ "${SANITIZE_TARGETS:-}" = none ]; then
  targets=()
elif [ -n "${SANITIZE_TARGETS:-}" ]; then
  read -r -a targets <<<"$SANITIZE_TARGETS"
fi
reports=$root/$tree/reports

launcher=()
if command -v ccache >/dev/null && [ "${CCACHE_DISABLE:-0}" != 1 ]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
generator=()
[ -f "$tree/CMakeCache.txt" ] || ! command -v ninja >/dev/null || generator=(-G Ninja)

start=$(date +%s)
# -O1 -g1: fast enough to build, line numbers in the reports; asserts stay on. No precompiled
# headers: ccache would not cache these objects, and so CI's one build without them (this
# subset) still fails on a missing include and on the warnings a PCH build turns off.
cmake -S . -B "$tree" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DWATCHDOG_SANITIZE="$sanitize" \
  -DWATCHDOG_SANITIZE_CI="$ci" -DWATCHDOG_PCH=OFF >/dev/null
# One target at a time under the shared build lock, so other builds on the machine interleave.
# The time inside the lock is the build's own; the rest was waiting for other builds.
for target in "${targets[@]}"; do
  flock /tmp/wd-build.lock bash -c 'from=$(date +%s); cmake --build "$0" -j"$1" --target "$2" &&
    echo "sanitize: $2 built in $(($(date +%s) - from)) s"' "$tree" "$(nproc)" "$target"
done
built=$(date +%s)
echo "sanitize: $kind build of ${targets[*]}: $((built - start)) s"

rm -rf "$reports"
mkdir -p "$reports"
suppressions=$root/tests/sanitizers
# halt_on_error=0 for TSan: one run lists every race, and the test still fails (exitcode 66).
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
# print_suppressions=0: LSan would write its table of matched suppressions to log_path, which
# is no report but would fail the run.
export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$suppressions/tsan.supp"

ctest_args=("$@")
if ((ci)); then
  ctest_args=(-L "$ci_label" "${ctest_args[@]}")
else
  # The benchmark smoke runs judge timing, the image and deploy tests package and lint files:
  # none of them is about this code's memory or threads.
  skip='bench_|sidecar_image'
  # Under ASan + UBSan one test cannot pass, for a reason in the runtime, not in our code:
  # DescriptorExhaustion.*: UBSan's vptr check needs two free descriptors (it probes memory
  # through a pipe), so with every descriptor used up it reports a valid object as "invalid
  # vptr, memory cannot be printed" (tcp_probe.cpp:157, TcpProbe::target()).
  if [ "$kind" = asan ]; then
    skip+='|DescriptorExhaustion\.'
  fi
  [ ${#ctest_args[@]} -gt 0 ] || ctest_args=(-L 'unit|integration')
  # An -E of the caller's replaces these exclusions.
  [[ " ${ctest_args[*]} " == *" -E "* ]] || ctest_args+=(-E "^($skip)")
fi
status=0
nice ctest --test-dir "$tree" -j"${SANITIZE_JOBS:-2}" --output-on-failure --timeout 600 \
  "${ctest_args[@]}" || status=$?
echo "sanitize: $kind tests: $(($(date +%s) - built)) s (build + tests: $(($(date +%s) - start)) s)"

shopt -s nullglob
found=("$reports"/*)
if [ ${#found[@]} -gt 0 ]; then
  echo "sanitize: ${#found[@]} sanitizer report(s) in $reports:"
  for f in "${found[@]}"; do
    echo "== $f"
    head -n 60 "$f"
  done
  status=1
fi
exit "$status"
