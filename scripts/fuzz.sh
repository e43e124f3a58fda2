#!/usr/bin/env bash
# libFuzzer runs: builds the targets in tests/fuzz/ with clang (ASan + UBSan) into build/fuzz and
# runs each for FUZZ_SECONDS (default 30) from its checked-in seed corpus
# (tests/fuzz/corpus/<target>/; new inputs go to build/fuzz/corpus/<target>/). Exit 1 on any
# finding (crash-*/timeout-*/oom-* files are left in build/fuzz/findings/ — turn each into a
# regression test and add the input to the seed corpus).
#
#   scripts/fuzz.sh                          # every target, 30 s each, one after the other
#   FUZZ_SECONDS=600 scripts/fuzz.sh retry_after
#   scripts/fuzz.sh --ci                     # CI: installs clang if missing, every target for
#                                            # FUZZ_SECONDS (default 10), two at a time
#   FUZZ_RUNS=1000000 scripts/fuzz.sh http_routes   # a long run: a number of executions
#
# Each target is linked from only the sources it needs (SOURCES below); each source is compiled
# once into build/fuzz/obj (ccache makes a rebuild cheap), under the machine's shared build lock.
# The whole script is one compound command: bash reads it entirely before running it, so an
# edit to this file never derails a run that is waiting for the build lock.
{
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ci=0
if [ "${1:-}" = "--ci" ]; then
  ci=1
  shift
fi
# CI compiles at -O0 (~40 % less compile time; a 10 s run needs no speed) into its own tree.
out=${FUZZ_BUILD_DIR:-$root/build/$([ $ci = 1 ] && echo fuzz-ci || echo fuzz)}
opt=${FUZZ_OPT:-$([ $ci = 1 ] && echo -O0 || echo -O1)}
seconds=${FUZZ_SECONDS:-$([ $ci = 1 ] && echo 10 || echo 30)}
jobs=${FUZZ_JOBS:-$([ $ci = 1 ] && echo 2 || echo 1)}

config_sources=("$root"/config/*.cpp)
alert_sources=(watchdog/state.cpp watchdog/alerts/event.cpp watchdog/alerts/message.cpp
               watchdog/alerts/provider.cpp)
provider_sources=(watchdog/alerts/webhook_provider.cpp watchdog/alerts/slack_provider.cpp
                  watchdog/alerts/discord_provider.cpp watchdog/alerts/teams_provider.cpp
                  watchdog/alerts/pagerduty_provider.cpp watchdog/alerts/alertmanager_provider.cpp)
http_sources=(watchdog/http/request_gate.cpp watchdog/http/api_token.cpp
              watchdog/http/status_page.cpp watchdog/http/operator_api.cpp
              watchdog/http/connection_front.cpp watchdog/http/connection_stream.cpp
              watchdog/logging.cpp watchdog/store/sqlite.cpp watchdog/store/state_store.cpp
              watchdog/store/incident_journal.cpp watchdog/store/write_backlog.cpp)
# The *_inproc variants run the same target with the parse in process (tests/fuzz/
# in_process_parse.cpp replaces config/parse_guard.cpp): fast enough for a long run.
inproc_sources=(tests/fuzz/in_process_parse.cpp)
for src in "${config_sources[@]}"; do
  [ "${src##*/}" = parse_guard.cpp ] || inproc_sources+=("$src")
done
declare -A SOURCES=(
  [config_loader]="${config_sources[*]}"
  [config_reload]="${config_sources[*]}"
  [config_loader_inproc]="${inproc_sources[*]}"
  [config_reload_inproc]="${inproc_sources[*]}"
  [config_values]="${config_sources[*]}"
  [alert_formatters]="${config_sources[*]} ${alert_sources[*]} ${provider_sources[*]}"
  [retry_after]="${config_sources[*]} ${alert_sources[*]} watchdog/alerts/retry_policy.cpp
                 watchdog/alerts/webhook_provider.cpp watchdog/alerts/discord_provider.cpp"
  [http_routes]="${config_sources[*]} ${alert_sources[*]} ${http_sources[*]}"
)
libs=(-lyaml-cpp -lcurl -lcpp-httplib -lsqlite3 -lssl -lcrypto -lspdlog -lfmt -lpthread)
all_targets=(config_loader config_reload config_values alert_formatters retry_after http_routes)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
# Built: the targets asked for, plus the guarded target of each *_inproc one (for the replay).
built=()
for target in "${targets[@]}"; do
  [ -n "${SOURCES[$target]:-}" ] || { echo "unknown target '$target'" >&2; exit 2; }
  built+=("$target" "${target%_inproc}")
done
read -r -a built <<<"$(printf '%s\n' "${built[@]}" | sort -u | tr '\n' ' ')"

# CI: clang 14 and its runtimes (libFuzzer, ASan, UBSan; FuzzedDataProvider.h) from Debian.
if [ $ci = 1 ] && ! { command -v clang++ >/dev/null &&
    compgen -G '/usr/lib/llvm-*/lib/clang/*/include/fuzzer/FuzzedDataProvider.h' >/dev/null; }; then
  echo "== installing clang + libclang-rt-14-dev"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    clang libclang-rt-14-dev >/dev/null
fi

cxx=(clang++)
command -v ccache >/dev/null && cxx=(ccache clang++)
flags=(-std=c++20 "$opt" -gline-tables-only -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -I"$root" -I"$out/gen"
       -fsanitize-coverage-ignorelist="$root/tests/fuzz/coverage_ignore.txt"
       # ccache does not hash the ignorelist's content: its hash in a define does.
       -DWATCHDOG_FUZZ_IGNORELIST="$(sha1sum "$root/tests/fuzz/coverage_ignore.txt" | cut -c1-12)"
       -DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCPPHTTPLIB_BROTLI_SUPPORT)
mkdir -p "$out/obj" "$out/findings" "$out/gen/watchdog"
version=$(sed -n 's/^project(watchdog VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
sed "s/@PROJECT_VERSION@/${version:-0.0.0}/" "$root/watchdog/version.h.in" \
  >"$out/gen/watchdog/version.h.new"
cmp -s "$out/gen/watchdog/version.h.new" "$out/gen/watchdog/version.h" ||
  mv "$out/gen/watchdog/version.h.new" "$out/gen/watchdog/version.h"

object_of() { local rel=${1#"$root"/}; echo "$out/obj/${rel//\//__}.o"; }

# Every source the chosen targets need, once; then each target's link. Both under the shared
# build lock (other builds run on this machine), two compilers at a time.
build() {
  set -euo pipefail
  local sources src target pids=() objects
  sources=$(for target in "${built[@]}"; do printf '%s\n' ${SOURCES[$target]}; done | sort -u)
  for src in $sources; do
    src=$root/${src#"$root"/}
    printf '%s\0%s\0' "$src" "$(object_of "$src")"
  done | xargs -0 -n2 -P2 bash -c 'n=$#; exec "${@:1:n-2}" -c "${@:n-1:1}" -o "${@:n:1}"' bash \
    "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer-no-link
  for target in "${built[@]}"; do
    objects=()
    for src in ${SOURCES[$target]}; do objects+=("$(object_of "$root/${src#"$root"/}")"); done
    "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer "$root/tests/fuzz/${target%_inproc}_fuzz.cpp" \
      "${objects[@]}" "${libs[@]}" -o "$out/$target" &
    pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
}
# Seconds since `$1` (date +%s%N), to a tenth.
since() { local ms=$((($(date +%s%N) - $1) / 1000000)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
start=$(date +%s%N)
flock /tmp/wd-build.lock bash -c "$(declare -f build object_of since); $(declare -p root out cxx \
  flags libs built SOURCES); from=\$(date +%s%N); build; \
  echo \"build: \$(since \$from) s (inside the build lock)\""

# In fork mode, libFuzzer's timeout handler can deadlock when its alarm lands inside malloc
# (yaml-cpp's endless loop allocates all the time): a job of `$1` that used no CPU for 30 s is
# killed by its PID; libFuzzer counts it as a crash and goes on with the next job.
unstick() {
  local parent=$1 shell job ticks
  declare -A last=() idle=()
  while kill -0 "$parent" 2>/dev/null; do
    sleep 15
    for shell in $(ps -o pid= --ppid "$parent"); do
      for job in $(ps -o pid= --ppid "$shell"); do
        ticks=$(awk '{print $14 + $15}' "/proc/$job/stat" 2>/dev/null) || continue
        if [ "${last[$job]:-}" = "$ticks" ]; then idle[$job]=$((${idle[$job]:-0} + 1)); else idle[$job]=0; fi
        last[$job]=$ticks
        if [ "${idle[$job]}" -ge 2 ]; then
          echo "unstick: killed job $job (no CPU for 30 s)" >>"$out/$target.unstick.log"
          kill -9 "$job" 2>/dev/null || true
        fi
      done
    done
  done
}

# One target's run; prints its verdict and libFuzzer's final stats. -timeout: one input taking
# 10 s is a hang (the config guard answers within ~5 s at 4 MiB).
run_one() {
  local target=$1 guarded=${1%_inproc} limit mode=()
  mkdir -p "$out/corpus/$target" "$out/findings/$target"
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=-runs=$FUZZ_RUNS; else limit=-max_total_time=$seconds; fi
  # In process, yaml-cpp's known endless loop (and its stack overflow on absurd nesting) would
  # end the run: fork mode keeps going and keeps each such input, replayed below.
  [ "$target" = "$guarded" ] ||
    mode=(-fork=1 -ignore_timeouts=1 -ignore_ooms=1 -ignore_crashes=1 -timeout=2)
  local status=0 fuzzer janitor
  cd "$out/findings/$target"
  "$out/$target" "$limit" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    "${mode[@]}" "$out/corpus/$target" "$root/tests/fuzz/corpus/$guarded" 2>"$out/$target.log" &
  fuzzer=$!
  cd "$root"
  if [ "$target" != "$guarded" ]; then
    unstick "$fuzzer" &
    janitor=$!
  fi
  wait "$fuzzer" || status=1
  [ -z "${janitor:-}" ] || kill "$janitor" 2>/dev/null || true
  # Every input the in-process run gave up on must be answered through the real guard.
  local kept
  shopt -s nullglob
  kept=("$out/findings/$target"/{crash,timeout,oom}-*)
  shopt -u nullglob
  if [ "$target" != "$guarded" ] && [ ${#kept[@]} -gt 0 ]; then
    [ -x "$out/$guarded" ] || { echo "build $guarded to replay $target's inputs" >&2; status=1; }
    (cd "$out/findings/$target" && "$out/$guarded" -timeout=10 "${kept[@]}" \
       >"$out/$target.replay.log" 2>&1) || status=1
  fi
  {
    echo "== $target: $([ $status = 0 ] && echo ok || echo "FINDING: see $out/$target.log and $out/findings/$target/")"
    [ "$target" = "$guarded" ] || echo "   inputs replayed through $guarded: $(ls "$out/findings/$target" | grep -c -E '^(crash|timeout|oom)-' || true)"
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/$target.log" |
      sed 's/^/   /'
  } >"$out/$target.verdict"
  return $status
}

runs_start=$(date +%s%N)
status=0
pids=()
names=()
for target in "${targets[@]}"; do
  while [ ${#pids[@]} -ge "$jobs" ]; do
    wait "${pids[0]}" || status=1
    cat "$out/${names[0]}.verdict"
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  done
  run_one "$target" &
  pids+=($!)
  names+=("$target")
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "$out/${names[$i]}.verdict"
done
echo "runs: $(since "$runs_start") s; total: $(since "$start") s (with any wait for the build lock)"
exit $status
}
