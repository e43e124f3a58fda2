#!/usr/bin/env bash
# Accelerated soak (issue #20): the real `watchdog run` daemon with 200 probes at a 100 ms
# interval (≈ 2,000 checks a second) for N minutes, failures and recoveries mixed in, while its
# resources are sampled. Everything on loopback, free ports, one temp dir, stopped by PID.
#
#   - nginx answers http://127.0.0.1:PORT/t/<i> with 200, or 503 while the flag file
#     broken/c<i> exists; python3 scripts/soak/receiver.py counts the webhook's alerts.
#   - components c1…c200, one probe each: c1–c150 http (/t/<i>), c151–c190 tcp (nginx's port),
#     c191–c200 command (`test ! -e broken/c<i>`, i.e. a process spawned per check).
#   - an injector breaks one of 22 flaky components a second, round robin (each every ~22 s):
#       c1–c14, c191–c194  CRITICAL → recovery action `rm -f broken/c<i>` → RECOVERING → HEALTHY;
#       c15–c16            the action fails (`false`) → FAILED; the injector heals it 3 s later;
#       c17–c18            as c1–c14 with flap detection on (the others have it off, so that
#                          every cycle alerts): they go FLAPPING.
#     The other 178 never fail (`critical: false`, threshold 3, so a slow check on a busy machine
#     is at worst DEGRADED). Every transition is an alert to the receiver through the outbox.
#   - every 2 s (CI: 1 s): VmRSS and Threads (/proc/PID/status), descriptors by kind (sockets,
#     pipes, other: /proc/PID/fd), the size of watchdog.db and watchdog.db-wal, checks run
#     (watchdog_probe_runs_total), incidents, alerts sent and received.
# After a warm-up the measured window starts; at its end the injector stops, the watchdog is given
# time to settle and deliver, then scripts/soak/report.py prints the table (window start vs end,
# drift per minute) and the judgements (bounds and why: there, and docs/reliability.md "Soak");
# exit 1 when one fails.
#
# Usage: scripts/soak.sh [--minutes N] [--ci]
#   --minutes N  measured minutes after a 60 s warm-up (default 10)
#   --ci         a short run for CI: 20 s warm-up, 60 s measured (≈ 85 s wall in all)
# WATCHDOG_BIN=path reuses a built binary (otherwise a Release build into build/soak);
# SOAK_KEEP=1 keeps the temp dir. Installs nginx, curl and python3 when missing (as root).
set -euo pipefail
export LC_ALL=C # sort and join agree; decimal points
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

minutes=10
ci=0
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
    --ci) ci=1; shift ;;
    *) die "usage: scripts/soak.sh [--minutes N] [--ci]" ;;
  esac
done
# The journal's retention is shorter than the warm-up, so the window sees it at work: rows of
# closed incidents older than that are deleted, and watchdog.db stops growing.
if [ "$ci" = 1 ]; then
  warmup=20 window=60 every=1 retention=15
else
  if ! [[ $minutes =~ ^[1-9][0-9]*$ ]]; then die "--minutes wants a whole number > 0"; fi
  warmup=60 window=$((minutes * 60)) every=2 retention=30
fi
probes=200
flaky=(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 191 192 193 194)
stuck=" 15 16 "   # their action fails: FAILED until the injector heals them
flap_on=" 17 18 " # flap detection on (default settings)

# --- tools: installed when missing (Debian packages) --------------------------------------------
missing=()
command -v "$(nginx_bin)" >/dev/null || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]})"
  echo "installing ${missing[*]}"
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
watchdog=$(bench_watchdog soak) || exit 1

work=$(mktemp -d /tmp/watchdog-soak-XXXXXX)
trap 'BENCH_KEEP=${SOAK_KEEP:-0} bench_cleanup "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/state" "$work/broken" "$work/nginx/tmp"

# --- targets: nginx (flag files decide 200/503) and the webhook receiver ------------------------
nginx_port=$(free_port)
{
  [ "$(id -u)" -eq 0 ] && echo "user $(id -un) $(id -gn);"
  cat <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  keepalive_requests 1000000;
  # The first checks all start at once and open a connection each; the steady state needs a
  # fifth of them. Idle ones close after 10 s, i.e. during the warm-up, not in the window.
  keepalive_timeout 10s;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    root $work;
    location ~ "^/t/(?<id>[0-9]+)\$" {
      default_type text/plain;
      if (-f $work/broken/c\$id) { return 503 "broken\n"; }
      return 200 "ok\n";
    }
    location / { return 404; }
  }
}
NGINX
} >"$work/nginx/nginx.conf"
"$(nginx_bin)" -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
  >"$work/nginx/stdout.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$nginx_port/t/1" 10 || die "nginx did not start: $(cat "$work/nginx/error.log")"

hook_port=$(free_port)
python3 scripts/soak/receiver.py "$hook_port" >"$work/receiver.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$hook_port/count" 10 || die "the receiver did not start: $(cat "$work/receiver.log")"
received() { curl -sf --max-time 5 "http://127.0.0.1:$hook_port/count"; } # {"posts": N, "distinct": D}

# --- the watchdog's configuration ----------------------------------------------------------------
listen_port=$(free_port)
component() { # I: one component's YAML
  local i=$1 probe
  if ((i <= 150)); then
    probe="{name: p$i, kind: http, url: \"http://127.0.0.1:$nginx_port/t/$i\", expect_status: [200]}"
  elif ((i <= 190)); then
    probe="{name: p$i, kind: tcp, host: 127.0.0.1, port: $nginx_port}"
  else
    probe="{name: p$i, kind: command, argv: [/usr/bin/test, \"!\", -e, \"$work/broken/c$i\"]}"
  fi
  echo "  - name: c$i"
  if [[ " ${flaky[*]} " != *" $i "* ]]; then
    # Three in a row: a check that misses its 100 ms on a busy machine is no outage here.
    printf '    critical: false\n    probes:\n      - %s\n' "${probe%\}}, failure_threshold: 3}"
    printf '    flapping: {start: 0}\n'
    return
  fi
  local fix="[/bin/rm, -f, \"$work/broken/c$i\"]" attempts=3
  [[ $stuck == *" $i "* ]] && fix="[/bin/false]" attempts=2
  printf '    probes:\n      - %s\n' "$probe"
  # The flap guard (max_incidents per window) would end every cycle FAILED: a 1 s window keeps it out.
  printf '    recovery:\n      max_attempts: %d\n      backoff: 100ms\n      max_backoff: 100ms\n' "$attempts"
  printf '      window: 1s\n      verify_timeout: 5s\n'
  printf '      actions:\n        - {name: fix, kind: command, argv: %s, timeout: 5s}\n' "$fix"
  [[ $flap_on == *" $i "* ]] || printf '    flapping: {start: 0}\n'
}
{
  cat <<YAML
watchdog:
  listen: 127.0.0.1:$listen_port
  state_dir: $work/state
  max_concurrent_recoveries: 4
  journal_retention: ${retention}s
defaults:
  interval: 100ms
  timeout: 100ms
  recheck_interval: 100ms
  jitter: 100ms
  failure_threshold: 2
  success_threshold: 2
alerts:
  - {name: soak-hook, kind: webhook, url: "http://127.0.0.1:$hook_port/alert"}
components:
YAML
  for ((i = 1; i <= probes; i++)); do component "$i"; done
} >"$work/watchdog.yaml"
"$watchdog" check-config "$work/watchdog.yaml" >"$work/check-config.txt" 2>&1 ||
  die "check-config failed: $(cat "$work/check-config.txt")"

# --- run -----------------------------------------------------------------------------------------
"$watchdog" run --config "$work/watchdog.yaml" >"$work/watchdog.log" 2>&1 &
wd=$!
pids+=("$wd")
wait_http "http://127.0.0.1:$listen_port/healthz" 30 || die "the watchdog did not start: $(tail -5 "$work/watchdog.log")"

# The injector: one flaky component broken a second, round robin; a stuck one healed 3 s later.
cat >"$work/inject.sh" <<SCRIPT
#!/usr/bin/env bash
flaky=(${flaky[*]})
for ((n = 0; ; n++)); do
  i=\${flaky[n % \${#flaky[@]}]}
  : >"$work/broken/c\$i"
  case "$stuck" in *" \$i "*) (sleep 3; rm -f "$work/broken/c\$i") & ;; esac
  sleep 1
done
SCRIPT
chmod +x "$work/inject.sh"
setsid "$work/inject.sh" >/dev/null 2>&1 &
injector=$!
groups+=("$injector")

wd_metrics() { curl -sf --max-time 10 "http://127.0.0.1:$listen_port/metrics"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# Descriptors by kind: "all sockets pipes other" (other: files, epoll, eventfd, timerfd, pidfd…).
fd_kinds() {
  find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null | awk '
    /^socket:/ { s++; next } /^pipe:/ { p++; next } { o++ }
    END { printf "%d %d %d %d\n", s + p + o, s, p, o }'
}
# One sample line (columns): 1 t, 2 rss_kib, 3 fds, 4 sockets, 5 pipes, 6 other fds, 7 threads,
# 8 db_bytes, 9 wal_bytes, 10 checks, 11 incidents, 12 alerts_sent, 13 received
sample() {
  local m runs inc sent rcv
  m=$(wd_metrics) || m=""
  read -r runs inc sent < <(awk '
    /^watchdog_probe_runs_total\{/ { r += $NF }
    /^watchdog_incidents_total\{/ { i += $NF }
    /^watchdog_alerts_sent_total\{.*result="success"/ { s += $NF }
    END { printf "%d %d %d\n", r, i, s }' <<<"$m")
  rcv=$(received | sed 's/.*"posts": *\([0-9]*\).*/\1/')
  printf '%s %s %s %s %s %s %s %s %s %s\n' "$(now)" "$(status_kb "$wd" VmRSS)" \
    "$(fd_kinds "$wd")" "$(status_kb "$wd" Threads)" \
    "$(file_size "$work/state/watchdog.db")" "$(file_size "$work/state/watchdog.db-wal")" \
    "$runs" "$inc" "$sent" "${rcv:-0}"
}
# Checks run per probe: "p<i> N" lines.
per_probe_runs() {
  wd_metrics | awk '/^watchdog_probe_runs_total\{/ { match($0, /probe="[^"]*"/); r[substr($0, RSTART + 7, RLENGTH - 8)] += $NF }
    END { for (p in r) print p, r[p] }' | sort
}
# Rows of the growing tables (incidents incident_events alert_outbox), then the closed incidents
# the retention should have deleted by now (closed over retention + 6 s ago — a prune runs every
# 2 s — and not their component's last recovery, which is kept whatever its age).
journal_rows() {
  python3 -c 'import sqlite3, sys, time
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=10)
rows = [db.execute("SELECT count(*) FROM " + t).fetchone()[0] for t in ("incidents", "incident_events", "alert_outbox")]
cutoff = int((time.time() - float(sys.argv[2]) - 6) * 1000)
rows.append(db.execute("SELECT count(*) FROM incidents WHERE closed_ms < ? AND id NOT IN "
  "(SELECT id FROM (SELECT id, MAX(closed_ms) FROM incidents WHERE critical_ms IS NOT NULL "
  "AND closed_ms IS NOT NULL GROUP BY component))", (cutoff,)).fetchone()[0])
print(*rows)' "$work/state/watchdog.db" "$retention"
}

echo "soak: $probes probes at 100 ms (watchdog pid $wd, $work); warm-up ${warmup} s, measured ${window} s, a sample every ${every} s"
echo "$(machine_line), load $(loadavg)"
started=$(now)
sleep_until "$(awk -v s="$started" -v w="$warmup" 'BEGIN { printf "%.3f", s + w }')"
alive "$wd" || die "the watchdog exited during the warm-up: $(tail -5 "$work/watchdog.log")"
per_probe_runs >"$work/runs-start"
read -r inc0 ev0 ob0 _ < <(journal_rows)
window_start=$(now)
: >"$work/samples"
show=$(((10 + every - 1) / every)) # a line every ~10 s on the terminal; every sample in the file
printf '%6s %8s %4s %7s %5s %5s %7s %7s %7s %8s %9s %6s %8s\n' t/s rss/KiB fds sockets pipes other \
  threads db/KiB wal/KiB checks incidents alerts received
for ((k = 0; ; k++)); do
  next=$(awk -v s="$window_start" -v k="$k" -v e="$every" 'BEGIN { printf "%.3f", s + k * e }')
  before "$next" "$(awk -v s="$window_start" -v w="$window" 'BEGIN { printf "%.3f", s + w + 0.001 }')" || break
  sleep_until "$next"
  alive "$wd" || die "the watchdog exited: $(tail -5 "$work/watchdog.log")"
  line=$(sample)
  awk -v s="$window_start" '{ $1 = sprintf("%.3f", $1 - s); print }' <<<"$line" >>"$work/samples"
  ((k % show == 0)) && awk -v s="$window_start" '{ printf "%6.0f %8d %4d %7d %5d %5d %7d %7.0f %7.0f %8d %9d %6d %8d\n",
    $1 - s, $2, $3, $4, $5, $6, $7, $8 / 1024, $9 / 1024, $10, $11, $12, $13 }' <<<"$line"
done
per_probe_runs >"$work/runs-end"
read -r inc1 ev1 ob1 stale < <(journal_rows)

# --- settle: no more faults; every component HEALTHY and the outbox drained (≤ 30 s) ------------
stop_group "$injector"
rm -f "$work"/broken/*
settled=0
for ((i = 0; i < 150; i++)); do
  m=$(wd_metrics) || m=""
  if ! grep -qE '^watchdog_component_state\{[^}]*state="(critical|recovering|failed|degraded)"\} 1' <<<"$m" &&
    [ "$(awk '/^watchdog_alerts_pending\{/ { p += $NF } END { print p + 0 }' <<<"$m")" = 0 ]; then
    settled=1
    break
  fi
  sleep 0.2
done
sleep 1 # a delivery the receiver answered, not yet counted by the watchdog
read -r _ _ _ _ _ _ _ _ _ checks_total inc_total sent_total rcv_total <<<"$(sample)"
distinct=$(received | sed 's/.*"distinct": *\([0-9]*\).*/\1/')
stop_pid "$wd" 10
cat >"$work/facts" <<FACTS
probes=$probes
warmup=$warmup
window=$window
ci=$ci
incidents_start=$inc0
incidents_end=$inc1
retention=$retention
stale=$stale
events_start=$ev0
events_end=$ev1
outbox_start=$ob0
outbox_end=$ob1
checks_total=$checks_total
incidents_total=$inc_total
sent_total=$sent_total
received_total=$rcv_total
distinct=${distinct:-0}
settled=$settled
FACTS
echo
code=0
python3 scripts/soak/report.py "$work" || code=$?
echo "wall time $(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.0f s", b - a }') after the build"
if grep -q emerg "$work/nginx/error.log" 2>/dev/null; then
  echo "FAIL: nginx: $(grep emerg "$work/nginx/error.log" | head -1)"
  code=1
fi
exit "$code"
