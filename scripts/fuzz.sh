#!/usr/bin/env bash
# libFuzzer runs of config/: builds the targets in tests/fuzz/ with clang (ASan + UBSan) into
# build/fuzz and runs each for FUZZ_SECONDS (default 30) from its checked-in seed corpus
# (tests/fuzz/corpus/<target>/; new inputs go to build/fuzz/corpus/<target>/). Not part of the
# test suite: CI time is the lead's call. Exit 1 on any finding (crash-*/timeout-* files are
# left in build/fuzz/findings/ — turn each into a regression test).
#
#   scripts/fuzz.sh                       # both targets, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh config_values
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_BUILD_DIR:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-30}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config_loader config_values)
cxx=(clang++)
command -v ccache >/dev/null && cxx=(ccache clang++)
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -I"$root")
mkdir -p "$out/obj" "$out/findings"

# Every config/ source once (they change rarely; ccache makes a rebuild cheap). The shared
# build lock keeps this from competing with the other builds on the machine.
build_objects() {
  printf '%s\n' "$root"/config/*.cpp | xargs -P2 -I{} sh -c \
    'src={}; obj="$0/obj/$(basename "${src%.cpp}").o"; exec "$@" -c "$src" -o "$obj"' \
    "$out" "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer-no-link
}
start=$(date +%s.%N)
flock /tmp/wd-build.lock bash -c "$(declare -f build_objects); $(declare -p root out cxx flags); build_objects"
for target in "${targets[@]}"; do
  "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer "$root/tests/fuzz/${target}_fuzz.cpp" \
    "$out"/obj/*.o -lyaml-cpp -lcurl -o "$out/$target"
done
echo "build: $(echo "$(date +%s.%N) - $start" | bc) s"

status=0
for target in "${targets[@]}"; do
  mkdir -p "$out/corpus/$target"
  echo "== $target: $seconds s"
  # -timeout: a single input taking 10 s is a hang (the guard answers within ~5 s at 4 MiB).
  if ! (cd "$out/findings" && "$out/$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
        "$out/corpus/$target" "$root/tests/fuzz/corpus/$target" 2>"$out/$target.log"); then
    status=1
    echo "   FINDING: see $out/$target.log and $out/findings/"
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/$target.log" | sed 's/^/   /'
done
exit $status
