#!/usr/bin/env bash
# Fan-out benchmark (issue #15): watchdog vs Monit 5.33 vs prometheus-blackbox-exporter 0.23,
# side by side in one run, on this machine, against one local nginx (loopback only).
#
#   1. fan-out: for N in BENCH_COUNTS (default "100 1000 10000") each tool probes N distinct
#      URLs (http://127.0.0.1:PORT/<tool>/<i>, nginx answers 200 "ok") every BENCH_INTERVAL
#      (default 10) seconds, for about BENCH_SECONDS (default 30) per run; BENCH_RUNS (default 3)
#      runs, the tools interleaved (the order rotates every run), medians printed:
#        - CPU per probe run: utime+stime of the tool's process (/proc/PID/stat) over a steady
#          window, divided by the probe runs in that window. The window starts half an interval
#          after the first full cycle and lasts a whole number of intervals, so every on-schedule
#          probe runs exactly k times in it.
#        - probe runs: watchdog from its /metrics (sum of watchdog_probe_runs_total); Monit and
#          blackbox_exporter from the nginx access log (requests in the window).
#        - RSS (VmRSS) and threads (Threads) from /proc/PID/status at the window's end.
#        - first full cycle: start of the process until every one of the N probes has run once
#          (watchdog: watchdog_probe_last_run_timestamp_seconds; the others: nginx access log).
#        - on schedule: probe runs in the window / (N × window / interval).
#        - probe interval p99: per URL, time between consecutive requests (nginx access log).
#      watchdog: one component per probe (`critical: false`), defaults interval/timeout 5s, its
#      default jitter (one of 20 phase slots per probe over the whole interval; first checks at once).
#      Monit: `set daemon INTERVAL`, one `check host` per target. blackbox_exporter: module
#      http_2xx, driven by `curl --parallel` requesting
#      /probe?target=… for all N targets every interval at BENCH_BB_CONCURRENCY (default 64);
#      only the exporter's own CPU, memory and threads are counted, not the driver's.
#   2. isolation: a 1 s command probe beside H hung targets (a `busybox nc -ll` listener that
#      accepts and never answers, one path per probe; 5 s timeout) for H in BENCH_HUNG_COUNTS
#      (default "1 20 200"; empty: none): how often the 1 s probe ran in BENCH_SECONDS (watchdog, Monit).
#   3. /metrics render time (curl time_total, median of BENCH_RENDER_REQUESTS (7) requests) at
#      the end of every watchdog fan-out run: N components (the figure for issue #15 is N=1000).
#
# WATCHDOG_BIN=/path/to/watchdog reuses a build; otherwise a Release build is made (build/bench).
# BENCH_SMOKE=1: a quick run for CI (N=20, 1 run of 8 s at a 2 s interval, isolation with 1 hung
# target) that checks every tool ran probes and exits non-zero on any failure; it installs
# nothing: a missing tool is a failure under CI=true, a skip (exit 77) otherwise.
# The fd limit (ulimit -n) is raised to cover the largest N (each tool and nginx hold one socket
# per probe in flight). Everything goes to stdout as Markdown. Needs root only to install.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

smoke=${BENCH_SMOKE:-0}
if [ "$smoke" = 1 ]; then
  counts=${BENCH_COUNTS:-20}
  runs=${BENCH_RUNS:-1}
  seconds=${BENCH_SECONDS:-8}
  interval=${BENCH_INTERVAL:-2}
  hung_counts=${BENCH_HUNG_COUNTS:-1}
else
  counts=${BENCH_COUNTS:-100 1000 10000}
  runs=${BENCH_RUNS:-3}
  seconds=${BENCH_SECONDS:-30}
  interval=${BENCH_INTERVAL:-10}
  hung_counts=${BENCH_HUNG_COUNTS-1 20 200} # empty: no isolation runs
fi
bb_concurrency=${BENCH_BB_CONCURRENCY:-64}
wd_jitter=${BENCH_WD_JITTER:-} # e.g. 0s; empty = the watchdog's default (the interval)
render_requests=${BENCH_RENDER_REQUESTS:-7}
timeout=$((interval < 5 ? interval : 5)) # probe timeout (s); watchdog wants timeout ≤ interval
hung_timeout=5
tools=(watchdog monit blackbox)


# --- tools --------------------------------------------------------------------------------------
[ "$smoke" = 1 ] || scripts/setup.sh
nginx_bin=$(nginx_bin)
bench_require "$smoke" monit prometheus-blackbox-exporter curl busybox setsid awk "$nginx_bin"
watchdog=$(bench_watchdog bench) || exit 1

# --- fd limit -----------------------------------------------------------------------------------
# shellcheck disable=SC2086  # the counts are words
max_n=$(largest $counts)
fds_before=$(ulimit -n)
bench_fd_limit "$max_n"
fds=$(ulimit -n)
worker_connections=$(nginx_connections "$max_n")

# --- processes: every one stopped by its PID (or its own process group) -------------------------
work=$(mktemp -d /tmp/watchdog-fanout-XXXXXX)
trap 'bench_cleanup "$work"' EXIT
trap 'exit 130' INT TERM

cpu_ticks() { proc_fields "$1" | awk '{print $12 + $13}'; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

results=$work/results # lines: N TOOL KEY VALUE (one per run)
rec() { echo "$1 $2 $3 $4" >>"$results"; }
touch "$results"

# --- nginx: N distinct URLs, an access log with the request times -------------------------------
nginx_port=$(free_port)
access=$work/nginx/access.log
start_nginx "$work/nginx" "$nginx_port" "$worker_connections" '^/(wd|mo|bb)/[0-9]+$' /wd/1
log_size() { stat -c %s "$access"; }

# Scans the access log from byte OFFSET for /PREFIX/ URLs: prints "distinct first_cycle runs",
# where first_cycle = last first-request − T0 (nan until N distinct URLs were seen) and runs =
# requests in [WS, WE); writes the per-URL intervals between requests to $work/intervals.
log_scan() { # PREFIX OFFSET T0 N WS WE
  tail -c +"$(($2 + 1))" "$access" | awk -v pre="/$1/" -v t0="$3" -v n="$4" -v ws="$5" -v we="$6" \
    -v out="$work/intervals" '
    index($2, pre) == 1 {
      t = $1; u = $2
      if (u in last) print t - last[u] > out
      else { seen++; if (t > maxfirst) maxfirst = t }
      last[u] = t
      if (t >= ws && t < we) runs++
    }
    END {
      close(out)
      printf "%d %s %d\n", seen, (seen >= n ? sprintf("%.3f", maxfirst - t0) : "nan"), runs
    }'
}
interval_p99() {
  [ -s "$work/intervals" ] || { echo nan; return; }
  sort -g "$work/intervals" | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f\n", a[i] }'
}

# --- watchdog's /metrics ------------------------------------------------------------------------
# Prints "runs healthy_runs": watchdog_probe_runs_total summed over all probes / healthy only.
metrics_runs() {
  awk '/^watchdog_probe_runs_total\{/ { s += $NF; if ($0 ~ /status="healthy"/) h += $NF }
       END { printf "%d %d\n", s, h }'
}

# --- one fan-out run of one tool ----------------------------------------------------------------
# After the first full cycle (or its deadline): the window [WS, WE) starts half an interval after
# the cycle and lasts k whole intervals (k ≥ 1, as many as fit in BENCH_SECONDS from the start).
window_for() { # T0 FIRST_CYCLE_END
  awk -v t0="$1" -v f="$2" -v n="$(now)" -v i="$interval" -v s="$seconds" 'BEGIN {
    ws = f + i / 2; while (ws < n) ws += i
    k = int((t0 + s - ws) / i); if (k < 1) k = 1
    printf "%.3f %.3f %d\n", ws, ws + k * i, k }'
}
fanout_run() { # TOOL N RUN
  local tool=$1 n=$2 r=$3 prefix port pid t0 off deadline first=nan first_end first_lb cnt=0 mx
  local ws we k c1 c2 rss threads m1=(0 0) m2=(0 0) runs expected scan bb_driver="" log_runs first_nginx
  case $tool in watchdog) prefix=wd ;; monit) prefix=mo ;; blackbox) prefix=bb ;; esac
  port=$(free_port)
  off=$(log_size)
  rm -f "$work/intervals"
  case $tool in
    watchdog)
      mkdir -p "$work/wd-state-$n-$r"
      {
        echo "watchdog: {listen: \"127.0.0.1:$port\", state_dir: $work/wd-state-$n-$r}"
        echo "defaults: {interval: ${interval}s, timeout: ${timeout}s${wd_jitter:+, jitter: $wd_jitter}}"
        echo "components:"
        background_components "$n" "$nginx_port" wd
      } >"$work/wd-$n.yaml"
      t0=$(now)
      "$watchdog" --log-level warn run --config "$work/wd-$n.yaml" >"$work/wd-$n-$r.log" 2>&1 &
      pid=$!
      ;;
    monit)
      {
        echo "set daemon $interval"
        echo "set logfile $work/monit-$n-$r.log"
        echo "set pidfile $work/monit-$n-$r.pid"
        echo "set idfile $work/monit.id"
        echo "set statefile $work/monit-$n-$r.state"
        awk -v n="$n" -v port="$nginx_port" -v to="$timeout" 'BEGIN { for (i = 1; i <= n; i++)
          printf "check host t%d with address 127.0.0.1\n  if failed port %d protocol http request \"/mo/%d\" with timeout %d seconds then alert\n", i, port, i, to }'
      } >"$work/monit-$n.rc"
      chmod 600 "$work/monit-$n.rc"
      t0=$(now)
      monit -I -c "$work/monit-$n.rc" >"$work/monit-$n-$r.out" 2>&1 &
      pid=$!
      ;;
    blackbox)
      printf 'modules:\n  http_2xx:\n    prober: http\n    timeout: %ss\n    http:\n      preferred_ip_protocol: ip4\n' \
        "$timeout" >"$work/blackbox.yml"
      awk -v n="$n" -v bb="$port" -v port="$nginx_port" 'BEGIN { for (i = 1; i <= n; i++)
        printf "url = \"http://127.0.0.1:%d/probe?module=http_2xx&target=http://127.0.0.1:%d/bb/%d\"\n", bb, port, i }' \
        >"$work/bb-$n.curl"
      t0=$(now)
      prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
        --web.listen-address="127.0.0.1:$port" >"$work/bb-$n-$r.log" 2>&1 &
      pid=$!
      ;;
  esac
  pids+=("$pid")

  local ready_url="http://127.0.0.1:$port/metrics"
  [ "$tool" = watchdog ] && ready_url="http://127.0.0.1:$port/healthz"
  if [ "$tool" != monit ] && ! wait_http "$ready_url" 60; then
    fail "$tool N=$n run $r: no answer on $ready_url"
    stop_pid "$pid"
    return
  fi
  if [ "$tool" = blackbox ]; then
    : >"$work/bb-rounds-$n-$r"
    setsid "$work/driver.sh" "$work/bb-$n.curl" "$interval" "$bb_concurrency" "$work/bb-rounds-$n-$r" \
      >/dev/null 2>&1 &
    bb_driver=$!
    groups+=("$bb_driver")
  fi

  # First full cycle: every probe has run once.
  # (deadline: BENCH_SECONDS or two intervals; the window then starts after it)
  deadline=$(awk -v t="$t0" -v i="$interval" -v s="$seconds" 'BEGIN { printf "%.3f", t + (2 * i > s ? 2 * i : s) }')
  while before "$(now)" "$deadline"; do
    alive "$pid" || break
    if [ "$tool" = watchdog ]; then
      read -r cnt mx < <(metrics "$port" | metrics_first_cycle || echo "0 0")
      if ((cnt >= n)); then
        first=$(awk -v m="$mx" -v t="$t0" 'BEGIN { printf "%.3f", m - t }')
        break
      fi
    else
      read -r cnt mx _ < <(log_scan "$prefix" "$off" "$t0" "$n" 0 0)
      if ((cnt >= n)); then
        first=$mx
        break
      fi
    fi
    sleep 0.2
  done
  if ! alive "$pid"; then
    fail "$tool N=$n run $r: exited early"
    stop_pid "$pid"
    [ -n "$bb_driver" ] && stop_group "$bb_driver"
    return
  fi
  if [ "$first" = nan ]; then
    first_lb=$(awk -v d="$deadline" -v t="$t0" 'BEGIN { printf "%.0f", d - t }')
    echo "  note: $tool N=$n run $r: first full cycle not complete after $first_lb s ($cnt of $n probes ran)"
    rec "$n" "$tool" first_lb_s "$first_lb"
    first_end=$(now)
  else
    first_end=$(awk -v f="$first" -v t="$t0" 'BEGIN { printf "%.3f", t + f }')
  fi

  # Steady window: at its start the runs counter before the CPU counter, at its end after, so
  # no /metrics rendering is charged to the window's CPU.
  read -r ws we k < <(window_for "$t0" "$first_end")
  sleep_until "$ws"
  if [ "$tool" = watchdog ]; then read -r -a m1 < <(metrics "$port" | metrics_runs); fi
  c1=$(cpu_ticks "$pid")
  sleep_until "$we"
  c2=$(cpu_ticks "$pid")
  rss=$(status_field "$pid" VmRSS)
  threads=$(status_field "$pid" Threads)
  if [ "$tool" = watchdog ]; then
    read -r -a m2 < <(metrics "$port" | metrics_runs)
    local times=() i
    for ((i = 0; i < render_requests; i++)); do
      times+=("$(curl -s -o /dev/null --max-time 120 -w '%{time_total}' "http://127.0.0.1:$port/metrics")")
    done
    rec "$n" watchdog render_ms "$(printf '%s\n' "${times[@]}" | median | awk '{ printf "%.1f", $1 * 1000 }')"
  fi
  [ -n "$bb_driver" ] && stop_group "$bb_driver"
  stop_pid "$pid"

  scan=$(log_scan "$prefix" "$off" "$t0" "$n" "$ws" "$we")
  log_runs=$(echo "$scan" | awk '{print $3}')
  first_nginx=$(echo "$scan" | awk '{print $2}')
  if [ "$tool" = watchdog ]; then runs=$((m2[0] - m1[0])); else runs=$log_runs; fi
  expected=$((n * k))
  local cpu_s p99 ok_rounds=""
  cpu_s=$(awk -v a="$c1" -v b="$c2" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
  p99=$(interval_p99)
  rec "$n" "$tool" cpu_ms_per_run "$(awk -v c="$cpu_s" -v r="$runs" 'BEGIN { print (r > 0 ? c * 1000 / r : "nan") }')"
  rec "$n" "$tool" rss_mib "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  rec "$n" "$tool" threads "$threads"
  rec "$n" "$tool" first_s "$first"
  rec "$n" "$tool" on_schedule_pct "$(awk -v r="$runs" -v e="$expected" 'BEGIN { printf "%.1f", 100 * r / e }')"
  rec "$n" "$tool" interval_p99_s "$p99"
  rec "$n" "$tool" runs "$runs"
  rec "$n" "$tool" window_s "$((k * interval))"
  rec "$n" "$tool" first_nginx_s "$first_nginx"
  rec "$n" "$tool" on_schedule_nginx_pct "$(awk -v r="$log_runs" -v e="$expected" 'BEGIN { printf "%.1f", 100 * r / e }')"
  if [ "$tool" = blackbox ]; then
    ok_rounds=$(awk '{ ok += $3; n++ } END { printf "%d rounds, %d probe_success 1", n, ok }' "$work/bb-rounds-$n-$r")
  fi
  echo "  run $r, $tool: window $((k * interval)) s: $runs probe runs (expected $expected; nginx saw $log_runs)," \
    "CPU $cpu_s s, RSS $((rss / 1024)) MiB, $threads threads, first full cycle ${first} s (nginx: all requested after $first_nginx s), interval p99 ${p99} s${ok_rounds:+, driver: $ok_rounds}"

  # Sanity (the smoke run's assertions; figures themselves are not judged).
  ((runs > 0)) || fail "$tool N=$n run $r: no probe runs in the window"
  if [ "$tool" = watchdog ]; then
    ((m2[1] - m1[1] > 0)) || fail "watchdog N=$n run $r: no healthy probe run (nginx answered?)"
  fi
  if [ "$tool" = blackbox ] && ! awk '{ ok += $3 } END { exit !(ok > 0) }' "$work/bb-rounds-$n-$r"; then
    fail "blackbox N=$n run $r: the exporter reported no probe_success 1"
  fi
  if [ "$smoke" = 1 ]; then
    [ "$first" != nan ] || fail "$tool N=$n run $r: no full cycle"
    [ "$tool" != watchdog ] || awk -v r="$runs" 'BEGIN { exit !(r > 0) }' ||
      fail "watchdog N=$n run $r: on-schedule ratio 0"
  fi
}

# The blackbox driver: requests every URL of a curl config every INTERVAL s (late rounds start at
# once), CONCURRENCY at a time; a line per round: start, end, count of probe_success 1.
cat >"$work/driver.sh" <<'SH'
#!/usr/bin/env bash
cfg=$1 interval=$2 concurrency=$3 out=$4
next=$(date +%s.%N)
while true; do
  start=$(date +%s.%N)
  ok=$(curl -s --parallel --parallel-max "$concurrency" -K "$cfg" | grep -c '^probe_success 1$' || true)
  echo "$start $(date +%s.%N) $ok" >>"$out"
  next=$(awk -v n="$next" -v i="$interval" 'BEGIN { printf "%.3f", n + i }')
  sleep "$(awk -v n="$next" -v t="$(date +%s.%N)" 'BEGIN { d = n - t; printf "%.3f", (d > 0 ? d : 0) }')"
done
SH
chmod +x "$work/driver.sh"
# shellcheck disable=SC2016  # $1 is the tick script's own argument
printf '#!/bin/sh\ndate +%%s.%%N >>"$1"\n' >"$work/tick.sh"
chmod +x "$work/tick.sh"

# --- one isolation run --------------------------------------------------------------------------
isolation_run() { # TOOL HUNG RUN
  local tool=$1 h=$2 r=$3 hung_port hung pid ticks file
  hung_port=$(free_port)
  setsid busybox nc -ll -p "$hung_port" -e /bin/sleep 3601 >/dev/null 2>&1 &
  hung=$!
  groups+=("$hung")
  wait_port "$hung_port" 5 || fail "hung listener on $hung_port did not start"
  file=$work/ticks-$tool-$h-$r
  : >"$file"
  if [ "$tool" = watchdog ]; then
    mkdir -p "$work/iso-state-$h-$r"
    {
      echo "watchdog: {listen: \"127.0.0.1:$(free_port)\", state_dir: $work/iso-state-$h-$r}"
      echo "components:"
      echo "  - name: tick"
      echo "    critical: false"
      echo "    probes:"
      echo "      - {name: tick, kind: command, argv: [\"$work/tick.sh\", \"$file\"], interval: 1s, timeout: 1s, jitter: 0s}"
      echo "  - name: hung"
      echo "    critical: false"
      echo "    probes:"
      awk -v n="$h" -v port="$hung_port" -v to="$hung_timeout" 'BEGIN { for (i = 1; i <= n; i++)
        printf "      - {name: h%d, kind: http, url: \"http://127.0.0.1:%d/h/%d\", interval: %ds, timeout: %ds, jitter: 0s}\n", i, port, i, to, to }'
    } >"$work/iso-$h.yaml"
    "$watchdog" --log-level error run --config "$work/iso-$h.yaml" >"$work/iso-wd-$h-$r.log" 2>&1 &
    pid=$!
  else
    {
      echo "set daemon 1"
      echo "set logfile $work/iso-monit-$h-$r.log"
      echo "set pidfile $work/iso-monit-$h-$r.pid"
      echo "set idfile $work/monit.id"
      echo "set statefile $work/iso-monit-$h-$r.state"
      echo "check program tick with path \"$work/tick.sh $file\""
      echo "  if status != 0 then alert"
      awk -v n="$h" -v port="$hung_port" -v to="$hung_timeout" 'BEGIN { for (i = 1; i <= n; i++)
        printf "check host h%d with address 127.0.0.1\n  if failed port %d protocol http request \"/h/%d\" with timeout %d seconds then alert\n", i, port, i, to }'
    } >"$work/iso-$h.monitrc"
    chmod 600 "$work/iso-$h.monitrc"
    monit -I -c "$work/iso-$h.monitrc" >"$work/iso-monit-$h-$r.out" 2>&1 &
    pid=$!
  fi
  pids+=("$pid")
  sleep "$seconds"
  alive "$pid" || fail "$tool isolation H=$h run $r: exited early"
  stop_pid "$pid"
  stop_group "$hung"
  ticks=$(wc -l <"$file")
  rec "iso$h" "$tool" ticks "$ticks"
  echo "  run $r, $tool, $h hung: the 1 s probe ran $ticks times in $seconds s"
  ((ticks > 0)) || fail "$tool isolation H=$h run $r: the 1 s probe never ran"
}

# --- the run ------------------------------------------------------------------------------------
wd_version=$("$watchdog" --version | awk '{print $NF}')
monit_version=$(monit -V | awk 'NR == 1 {print $NF}')
bb_version=$(prometheus-blackbox-exporter --version 2>&1 | awk 'NR == 1 {print $3}')
echo "# Fan-out benchmark$([ "$smoke" = 1 ] && echo " (smoke run)")"
echo
echo "$(machine_line);" \
  "watchdog $wd_version ($watchdog), Monit $monit_version, blackbox_exporter $bb_version, $("$nginx_bin" -v 2>&1 | sed 's/.*: //')"
echo "N = $counts; interval ${interval} s, timeout ${timeout} s; ~${seconds} s per run; $runs runs, medians;" \
  "blackbox driver concurrency $bb_concurrency; fd limit (ulimit -n) $fds (was $fds_before)"
echo "load average at start: $(loadavg)"
bench_start=$(date +%s)

for n in $counts; do
  echo
  echo "## N = $n (load average $(loadavg))"
  for ((r = 1; r <= runs; r++)); do
    for ((j = 0; j < ${#tools[@]}; j++)); do
      fanout_run "${tools[(j + r - 1) % ${#tools[@]}]}" "$n" "$r"
    done
  done
done
echo
[ -z "$hung_counts" ] || echo "## Isolation (load average $(loadavg))"
for ((r = 1; r <= runs; r++)); do
  for h in $hung_counts; do
    if ((r % 2)); then order=(watchdog monit); else order=(monit watchdog); fi
    for tool in "${order[@]}"; do isolation_run "$tool" "$h" "$r"; done
  done
done

# --- tables -------------------------------------------------------------------------------------
med() { results_median "$results" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "–"; else printf "%.2f\n", a / b }'; }
row() { # LABEL KEY DECIMALS N [noratio]
  local w m b cells=() t v
  w=$(med "$4" watchdog "$2")
  m=$(med "$4" monit "$2")
  b=$(med "$4" blackbox "$2")
  for t in watchdog monit blackbox; do
    v=$(med "$4" "$t" "$2")
    # A first cycle that never completed shows as "> deadline".
    if [ "$v" = nan ] && [ "$2" = first_s ] && [ "$(med "$4" "$t" first_lb_s)" != nan ]; then
      cells+=("> $(med "$4" "$t" first_lb_s)")
    else
      cells+=("$(fmt "$v" "$3")")
    fi
  done
  if [ -n "${5:-}" ]; then
    echo "| $1 | ${cells[0]} | ${cells[1]} | ${cells[2]} | | |"
  else
    echo "| $1 | ${cells[0]} | ${cells[1]} | ${cells[2]} | $(ratio "$w" "$m") | $(ratio "$w" "$b") |"
  fi
}
echo
echo "# Results (medians of $runs runs; $(($(date +%s) - bench_start)) s; load average at the end $(loadavg))"
for n in $counts; do
  echo
  echo "### $n HTTP targets, ${interval} s interval"
  echo
  echo "| figure | watchdog $wd_version | Monit $monit_version | blackbox_exporter $bb_version | watchdog/Monit | watchdog/blackbox |"
  echo "|---|---|---|---|---|---|"
  row "CPU per probe run (ms)" cpu_ms_per_run 3 "$n"
  row "RSS (MiB)" rss_mib 1 "$n"
  row "threads" threads 0 "$n"
  row "first full cycle (s)¹" first_s 2 "$n"
  row "first full cycle, requests at nginx (s)" first_nginx_s 2 "$n"
  row "on schedule (%)²" on_schedule_pct 1 "$n"
  row "on schedule, requests at nginx (%)" on_schedule_nginx_pct 1 "$n"
  row "probe interval p99 (s, nginx log)" interval_p99_s 2 "$n"
  row "probe runs in the window²" runs 0 "$n" noratio
  row "window (s)" window_s 0 "$n" noratio
  echo "| /metrics render, $n components (ms) | $(fmt "$(med "$n" watchdog render_ms)" 1) | | | | |"
done
echo
if [ -n "$hung_counts" ]; then
  echo "### Isolation: a 1 s probe beside hung targets (accept, never answer; ${hung_timeout} s timeout), ${seconds} s (ideal ${seconds} runs)"
  echo
  echo "| hung targets | watchdog $wd_version | Monit $monit_version | watchdog/Monit |"
  echo "|---|---|---|---|"
  for h in $hung_counts; do
    w=$(med "iso$h" watchdog ticks)
    m=$(med "iso$h" monit ticks)
    echo "| $h | $(fmt "$w" 0) | $(fmt "$m" 0) | $(ratio "$w" "$m") |"
  done
  echo
fi
render_n=1000
[[ " $counts " == *" 1000 "* ]] || render_n=${counts%% *}
echo "/metrics render time with $render_n components: $(fmt "$(med "$render_n" watchdog render_ms)" 1) ms (median of $render_requests requests per run, medians of runs)"
echo
echo "¹ watchdog: until every probe's result reached the engine (watchdog_probe_last_run_timestamp_seconds);"
echo "  Monit, blackbox_exporter: until nginx saw every URL requested."
echo "² watchdog: results the engine recorded (watchdog_probe_runs_total), which lag the checks while the"
echo "  engine has a backlog (below or above 100 % then); Monit, blackbox_exporter: requests nginx saw."
echo "CPU from /proc/PID/stat has a resolution of 1/$hz s: small windows (Monit at N=100) are coarse."
echo "watchdog jitter: ${wd_jitter:-default (one of 20 phase slots per probe over the whole interval; every first check at once)}."

bench_verdict "$smoke"
