#!/usr/bin/env bash
# Fault → alert latency benchmark (issue #15: "fault → CRITICAL webhook p99 within interval +
# thresholds + 100 ms"), under load, on this machine, loopback only.
#
#   For N in BENCH_COUNTS (default "100 1000 10000") one watchdog probes N background HTTP
#   targets on a local nginx every BENCH_INTERVAL (default 10) seconds (`critical: false`, as in
#   bench_fanout.sh) plus K = BENCH_VICTIMS (default 20) victims: critical components whose http
#   probe (interval BENCH_VICTIM_INTERVAL 1s, its default jitter, timeout BENCH_VICTIM_TIMEOUT
#   500ms, recheck_interval BENCH_RECHECK 500ms, failure_threshold BENCH_FAILURE_THRESHOLD 3,
#   success_threshold BENCH_SUCCESS_THRESHOLD 2) asks its own `busybox httpd` on a free port. One
#   webhook sink routes the victims' transitions (min_severity critical) to a python3 receiver
#   that logs the arrival time of every POST.
#   After the first full cycle (every background probe ran once, every victim HEALTHY with
#   success_threshold passes) the victims' servers are killed (SIGKILL: the next probe is
#   refused) one after another at random gaps of 0.2 s + [0, interval) — so the faults fall at
#   every phase of the probe schedule — and the fault time is taken just before each kill.
#   Latency = webhook arrival of the victim's CRITICAL − fault time. Then the servers are started
#   again the same way: latency from a server's first accepted connection to the resolution
#   (HEALTHY) webhook.
#   BENCH_RUNS (default 3) runs per N, a fresh watchdog each; p50/p99/max per run (nearest
#   rank), medians of the runs printed, and all samples pooled.
#
# The bound (printed) follows the scheduler's documented rules (watchdog/engine/probe_schedule.h):
# a probe's next check is due exactly one interval after the previous one was due (its jitter is
# a fixed phase, not a per-run spread), so the first check to see the fault starts at most one
# interval after it; the first failure switches
# the probe to recheck_interval, so the F-th failing check starts (F − 1) · recheck_interval
# later; a refused connection fails at once (no timeout term: a fault that hangs would add up
# to the timeout per check); 100 ms are left for the check itself, the engine, the outbox and the
# delivery:  bound = interval + (F − 1) · recheck_interval + 100 ms.
# Resolution: the same with success_threshold S in place of F.
#
# WATCHDOG_BIN=/path/to/watchdog reuses a build; otherwise a Release build is made (build/bench).
# BENCH_SMOKE=1: a quick run for CI (N=20, K=3, one run) that checks every victim's CRITICAL and
# resolution webhooks arrived and exits non-zero otherwise (latencies are printed, not judged);
# it installs nothing: a missing tool is a failure under CI=true, a skip (exit 77) otherwise.
# Everything goes to stdout as Markdown. Needs root only to install.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

smoke=${BENCH_SMOKE:-0}
if [ "$smoke" = 1 ]; then
  counts=${BENCH_COUNTS:-20}
  runs=${BENCH_RUNS:-1}
  victims=${BENCH_VICTIMS:-3}
else
  counts=${BENCH_COUNTS:-100 1000 10000}
  runs=${BENCH_RUNS:-3}
  victims=${BENCH_VICTIMS:-20}
fi
interval=${BENCH_INTERVAL:-10} # background probes (s)
timeout=$((interval < 5 ? interval : 5))
v_interval=${BENCH_VICTIM_INTERVAL:-1}     # victims (s)
v_timeout=${BENCH_VICTIM_TIMEOUT:-0.5}     # s
recheck=${BENCH_RECHECK:-0.5}              # s
f_threshold=${BENCH_FAILURE_THRESHOLD:-3}
s_threshold=${BENCH_SUCCESS_THRESHOLD:-2}
v_jitter=$(awk -v i="$v_interval" 'BEGIN { print i / 10 }') # the watchdog's default: 10 %
slack=0.1
bound() { # THRESHOLD: interval + (THRESHOLD − 1) · recheck_interval + slack
  awk -v i="$v_interval" -v f="$1" -v r="$recheck" -v s="$slack" \
    'BEGIN { printf "%.3f", i + (f - 1) * r + s }'
}
crit_bound=$(bound "$f_threshold")
heal_bound=$(bound "$s_threshold")
ms() { awk -v s="$1" 'BEGIN { printf "%dms", s * 1000 + 0.5 }'; } # seconds → a config duration

# --- tools --------------------------------------------------------------------------------------
[ "$smoke" = 1 ] || scripts/setup.sh
bench_require "$smoke" curl busybox awk python3 "$(nginx_bin)"
watchdog=$(bench_watchdog bench) || exit 1
# shellcheck disable=SC2086  # the counts are words
max_n=$(largest $counts)
bench_fd_limit "$((max_n + victims))"

work=$(mktemp -d /tmp/watchdog-latency-XXXXXX)
trap 'bench_cleanup "$work"' EXIT
trap 'exit 130' INT TERM
results=$work/results # lines: N watchdog KEY VALUE (one per run)
samples=$work/samples # lines: N RUN crit|heal VICTIM LATENCY DETECTION DELIVERY (s; "nan": never arrived)
rec() { echo "$1 watchdog $2 $3" >>"$results"; }
touch "$results" "$samples"

# --- nginx for the background targets, the webhook receiver, the victims' pages ----------------
nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port" "$(nginx_connections "$max_n")" '^/wd/[0-9]+$' /wd/1

# The receiver: one line per POST, "arrival component from to type at", arrival taken before the
# body is read, `at` the transition's time from the event (so a latency splits into detection
# and delivery).
hook_log=$work/hooks.log
cat >"$work/receiver.py" <<'PY'
import datetime, http.server, json, sys, time

class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        arrival = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        try:
            e = json.loads(body)
            at = datetime.datetime.fromisoformat(e["at"].replace("Z", "+00:00")).timestamp()
            line = "%.6f %s %s %s %s %.3f\n" % (arrival, e.get("component"), e.get("from"), e.get("to"), e.get("type"), at)
        except (ValueError, KeyError):
            line = "%.6f ? ? ? unparsed nan\n" % arrival
        with open(sys.argv[2], "a") as log:
            log.write(line)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
hook_port=$(free_port)
: >"$hook_log"
python3 "$work/receiver.py" "$hook_port" "$hook_log" >"$work/receiver.out" 2>&1 &
pids+=("$!")
wait_port "$hook_port" 10 || die "the webhook receiver did not start: $(cat "$work/receiver.out")"

mkdir -p "$work/www"
echo ok >"$work/www/index.html"
v_ports=()
v_pids=()
for ((v = 1; v <= victims; v++)); do v_ports[v]=$(free_port); done
victim_up() { # V: its busybox httpd, in the foreground of its own PID
  busybox httpd -f -p "127.0.0.1:${v_ports[$1]}" -h "$work/www" >/dev/null 2>&1 &
  v_pids[$1]=$!
  pids+=("$!")
}
victim_down() { # V: SIGKILL, so its listening socket closes at once
  kill -KILL "${v_pids[$1]}" 2>/dev/null || true
  wait "${v_pids[$1]}" 2>/dev/null || true
  untrack "${v_pids[$1]}"
}
# Ends a run: the watchdog WATCHDOG_PID and every victim's server stopped.
end_run() { # WATCHDOG_PID
  local v
  stop_pid "$1"
  for ((v = 1; v <= victims; v++)); do victim_down "$v"; done
}
# A random gap of 0.2 s + [0, victim interval): the faults sample every phase of the schedule.
gap() { awk -v r="$RANDOM" -v i="$v_interval" 'BEGIN { printf "%.3f", 0.2 + r / 32768 * i }'; }

# --- the watchdog's view ------------------------------------------------------------------------
# Prints how many victims are HEALTHY with at least S healthy checks (their verdicts decided).
metrics_victims_ready() {
  awk -v s="$s_threshold" '
    /^watchdog_component_state\{/ && /state="healthy"/ && match($0, /component="v[0-9]+"/) {
      if ($NF == 1) healthy[substr($0, RSTART, RLENGTH)] = 1 }
    /^watchdog_probe_runs_total\{/ && /status="healthy"/ && match($0, /component="v[0-9]+"/) {
      runs[substr($0, RSTART, RLENGTH)] += $NF }
    END { for (c in healthy) if (runs[c] >= s) n++; print n + 0 }'
}
# Prints "arrival transition_time" of the first webhook for victim V going to STATE at or after
# time T ("nan nan" when none came).
arrival() { # V STATE T
  awk -v c="v$1" -v to="$2" -v t="$3" '$2 == c && $4 == to && $5 == "state_change" && $1 >= t { print $1, $6; found = 1; exit }
    END { if (!found) print "nan nan" }' "$hook_log"
}
# Waits until every victim's STATE webhook arrived after its time in TIMES, or DEADLINE.
wait_arrivals() { # STATE DEADLINE TIMES…
  local state=$1 deadline=$2 v missing
  shift 2
  local times=("$@")
  while true; do
    missing=0
    for ((v = 1; v <= victims; v++)); do
      [ "$(arrival "$v" "$state" "${times[v - 1]}")" != "nan nan" ] || missing=$((missing + 1))
    done
    ((missing == 0)) && return 0
    before "$(now)" "$deadline" || return 1
    sleep 0.1
  done
}
# Breaks (or heals) every victim at random gaps, in this shell (the PIDs are tracked here); the
# event times go to `times`, one per victim.
times=()
# A fault counts from just before the kill; a heal from the restarted server's first accepted
# connection (its start-up on a busy machine is not the watchdog's time).
stagger() { # down|up
  local v i
  times=()
  for ((v = 1; v <= victims; v++)); do
    sleep "$(gap)"
    if [ "$1" = down ]; then
      times+=("$(now)")
      victim_down "$v"
    else
      victim_up "$v"
      for ((i = 0; i < 5000; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/${v_ports[v]}") 2>/dev/null && break; done
      times+=("$(now)")
    fi
  done
}
# Records the latencies of one phase and prints "p50 p99 max over_bound missing".
latencies() { # N RUN crit|heal STATE BOUND TIMES…
  local n=$1 r=$2 kind=$3 state=$4 bound=$5 v
  shift 5
  local times=("$@")
  for ((v = 1; v <= victims; v++)); do
    arrival "$v" "$state" "${times[v - 1]}" | awk -v head="$n $r $kind v$v" -v t="${times[v - 1]}" '
      $1 == "nan" { print head, "nan nan nan"; next }
      { printf "%s %.3f %.3f %.3f\n", head, $1 - t, $2 - t, $1 - $2 }' >>"$samples"
  done
  awk -v n="$n" -v r="$r" -v k="$kind" '$1 == n && $2 == r && $3 == k { print $5 }' "$samples" | summary "$bound"
}
# Latencies on stdin ("nan" = missing) → "p50 p99 max over_bound missing" (nearest rank).
summary() { # BOUND
  sort -g | awk -v b="$1" '
    $1 == "nan" { missing++; next }
    { a[++n] = $1; if ($1 > b) over++ }
    function rank(p,   i) { i = int(p * n + 0.999999); if (i < 1) i = 1; return a[i] }
    END {
      if (n == 0) printf "nan nan nan 0 %d\n", missing
      else printf "%.3f %.3f %.3f %d %d\n", rank(0.5), rank(0.99), a[n], over, missing
    }'
}

# --- one run ------------------------------------------------------------------------------------
latency_run() { # N RUN
  local n=$1 r=$2 port pid t0 deadline cnt=0 ready=0 c1 c2 w1 w2 crit heal
  local down=() up=() v
  port=$(free_port)
  mkdir -p "$work/state-$n-$r"
  for ((v = 1; v <= victims; v++)); do victim_up "$v"; done
  for ((v = 1; v <= victims; v++)); do
    if ! wait_port "${v_ports[v]}" 5 || ! alive "${v_pids[v]}"; then fail "victim v$v did not start on ${v_ports[v]}"; fi
  done
  {
    echo "watchdog: {listen: \"127.0.0.1:$port\", state_dir: $work/state-$n-$r}"
    echo "defaults: {interval: ${interval}s, timeout: ${timeout}s}"
    echo "components:"
    background_components "$n" "$nginx_port" wd
    for ((v = 1; v <= victims; v++)); do
      echo "  - name: v$v"
      echo "    critical: true"
      echo "    probes:"
      echo "      - {name: v$v-http, kind: http, url: \"http://127.0.0.1:${v_ports[v]}/\", interval: $(ms "$v_interval"), timeout: $(ms "$v_timeout"), recheck_interval: $(ms "$recheck"), failure_threshold: $f_threshold, success_threshold: $s_threshold}"
    done
    echo "alerts:"
    echo "  - {name: bench-hook, kind: webhook, url: \"http://127.0.0.1:$hook_port/hook\", components: [\"v*\"], min_severity: critical}"
  } >"$work/wd-$n.yaml"
  t0=$(now)
  "$watchdog" --log-level warn run --config "$work/wd-$n.yaml" >"$work/wd-$n-$r.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  if ! wait_http "http://127.0.0.1:$port/healthz" 60; then
    fail "N=$n run $r: no answer on /healthz: $(tail -n 5 "$work/wd-$n-$r.log")"
    end_run "$pid"
    return
  fi

  # The first full cycle, and every victim HEALTHY with its verdict decided. Scraped less often
  # as N grows: rendering 10,000 components takes ~0.4 s of the watchdog's time.
  local scrape_gap
  scrape_gap=$(awk -v n="$n" 'BEGIN { printf "%.1f", 0.5 + n / 5000 }')
  deadline=$(awk -v t="$t0" -v i="$interval" -v n="$n" 'BEGIN { printf "%.3f", t + 3 * i + 30 + n / 100 }')
  while before "$(now)" "$deadline" && alive "$pid"; do
    metrics "$port" >"$work/metrics" || true
    read -r cnt _ < <(metrics_first_cycle <"$work/metrics")
    ready=$(metrics_victims_ready <"$work/metrics")
    ((cnt >= n && ready >= victims)) && break
    sleep "$scrape_gap"
  done
  if ((cnt < n || ready < victims)); then
    fail "N=$n run $r: not ready after $(awk -v d="$deadline" -v t="$t0" 'BEGIN { printf "%.0f", d - t }') s ($cnt of $n background probes ran, $ready of $victims victims HEALTHY)"
    end_run "$pid"
    return
  fi

  # Faults, then heals; the watchdog's CPU over both.
  c1=$(proc_fields "$pid" | awk '{print $12 + $13}')
  w1=$(now)
  stagger down
  down=("${times[@]}")
  wait_arrivals CRITICAL "$(awk -v t="${down[victims - 1]}" -v b="$crit_bound" 'BEGIN { printf "%.3f", t + 3 * b + 10 }')" "${down[@]}" ||
    fail "N=$n run $r: not every victim's CRITICAL webhook arrived"
  stagger up
  up=("${times[@]}")
  wait_arrivals HEALTHY "$(awk -v t="${up[victims - 1]}" -v b="$heal_bound" 'BEGIN { printf "%.3f", t + 3 * b + 10 }')" "${up[@]}" ||
    fail "N=$n run $r: not every victim's resolution (HEALTHY) webhook arrived"
  c2=$(proc_fields "$pid" | awk '{print $12 + $13}')
  w2=$(now)
  alive "$pid" || fail "N=$n run $r: the watchdog exited early"
  end_run "$pid"

  read -r -a crit < <(latencies "$n" "$r" crit CRITICAL "$crit_bound" "${down[@]}")
  read -r -a heal < <(latencies "$n" "$r" heal HEALTHY "$heal_bound" "${up[@]}")
  local cpu
  cpu=$(awk -v a="$c1" -v b="$c2" -v hz="$(getconf CLK_TCK)" -v w1="$w1" -v w2="$w2" \
    'BEGIN { printf "%.1f", 100 * (b - a) / hz / (w2 - w1) }')
  rec "$n" crit_p50 "${crit[0]}"
  rec "$n" crit_p99 "${crit[1]}"
  rec "$n" crit_max "${crit[2]}"
  rec "$n" heal_p50 "${heal[0]}"
  rec "$n" heal_p99 "${heal[1]}"
  rec "$n" heal_max "${heal[2]}"
  rec "$n" cpu_pct "$cpu"
  echo "  run $r: CRITICAL p50/p99/max ${crit[0]}/${crit[1]}/${crit[2]} s (over the bound: ${crit[3]}, missing: ${crit[4]});" \
    "resolved ${heal[0]}/${heal[1]}/${heal[2]} s (over: ${heal[3]}, missing: ${heal[4]}); watchdog CPU $cpu % of a core; load $(loadavg)"
}

# --- the run ------------------------------------------------------------------------------------
echo "# Fault → alert latency benchmark$([ "$smoke" = 1 ] && echo " (smoke run)")"
echo
echo "$(machine_line); watchdog $("$watchdog" --version | awk '{print $NF}') ($watchdog)"
echo "N = $counts background HTTP targets every ${interval} s; K = $victims victims: interval ${v_interval} s," \
  "jitter (phase) ${v_jitter} s (default), recheck_interval ${recheck} s, failure_threshold $f_threshold," \
  "success_threshold $s_threshold, timeout ${v_timeout} s; $runs run(s), medians"
echo "bound, fault → CRITICAL webhook: interval + (failure_threshold − 1) · recheck_interval + 100 ms" \
  "= $v_interval + $((f_threshold - 1)) · $recheck + $slack = $crit_bound s"
echo "bound, heal → resolution webhook: interval + (success_threshold − 1) · recheck_interval + 100 ms" \
  "= $v_interval + $((s_threshold - 1)) · $recheck + $slack = $heal_bound s"
echo "load average at start: $(loadavg)"
bench_start=$(date +%s)
for n in $counts; do
  echo
  echo "## N = $n (load average $(loadavg))"
  for ((r = 1; r <= runs; r++)); do latency_run "$n" "$r"; done
done

# --- tables -------------------------------------------------------------------------------------
med() { fmt "$(results_median "$results" "$1" watchdog "$2")" "${3:-3}"; }
pooled() { # N crit|heal BOUND [COLUMN] → "p50 p99 max over missing" over every run's samples
  awk -v n="$1" -v k="$2" -v col="${4:-5}" '$1 == n && $3 == k { print $col }' "$samples" | summary "$3"
}
echo
echo "# Results ($(($(date +%s) - bench_start)) s; load average at the end $(loadavg))"
echo
echo "Seconds; p50/p99/max per run (nearest rank over the $victims victims), medians of $runs run(s);" \
  "\"all runs\": every sample pooled (over the bound / missing)."
echo
echo "| background targets | fault → CRITICAL p50 | p99 | max | all runs p99 / max (over, missing) | bound | heal → resolved p50 | p99 | max | all runs p99 / max (over, missing) | bound | watchdog CPU (% of a core) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $counts; do
  read -r -a pc < <(pooled "$n" crit "$crit_bound")
  read -r -a ph < <(pooled "$n" heal "$heal_bound")
  echo "| $n | $(med "$n" crit_p50) | $(med "$n" crit_p99) | $(med "$n" crit_max) | ${pc[1]} / ${pc[2]} (${pc[3]}, ${pc[4]}) | $crit_bound" \
    "| $(med "$n" heal_p50) | $(med "$n" heal_p99) | $(med "$n" heal_max) | ${ph[1]} / ${ph[2]} (${ph[3]}, ${ph[4]}) | $heal_bound | $(med "$n" cpu_pct 1) |"
done
echo
echo "Where the time goes (all runs pooled; p50 / p99 / max): detection = fault or heal → the transition"
echo "(the event's \`at\`), delivery = transition → webhook arrival."
echo
echo "| background targets | fault → CRITICAL transition | → CRITICAL webhook | heal → HEALTHY transition | → resolution webhook |"
echo "|---|---|---|---|---|"
triple() { read -r -a t < <(pooled "$@"); echo "${t[0]} / ${t[1]} / ${t[2]}"; }
for n in $counts; do
  echo "| $n | $(triple "$n" crit "$crit_bound" 6) | $(triple "$n" crit 0.1 7) | $(triple "$n" heal "$heal_bound" 6) | $(triple "$n" heal 0.1 7) |"
done
echo
echo "Fault time: just before the victim's server is killed (SIGKILL; the probe is then refused);"
echo "heal time: its restarted server's first accepted connection. Arrival: the receiver's clock when the POST came in."
echo "watchdog CPU: utime + stime over the fault and heal phases ÷ their wall time."

bench_verdict "$smoke"
