#!/usr/bin/env bash
# Side-by-side benchmark of watchdog and Monit 5.33 on this machine, in one run (~2 min):
#   1. isolation: a 1 s "tick" check beside an HTTP check of a hung target (accepts, never
#      answers; 5 s timeout). Counts the ticks each tool ran in BENCH_SECONDS (default 20).
#   2. idle cost: 4 checks at 60 s (disk, HTTP, TCP, backup file age) for 65 s: RSS, anonymous
#      memory and CPU time of each daemon.
# Figures go to stdout as a Markdown table; docs/benchmarks.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
seconds=${BENCH_SECONDS:-20}
idle_seconds=${BENCH_IDLE_SECONDS:-65}

scripts/setup.sh
dpkg-query -W -f='${Status}' monit 2>/dev/null | grep -q "install ok installed" ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends monit >/dev/null
watchdog=$(build_release_watchdog bench)

work=$(mktemp -d /tmp/watchdog-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # The hung listener runs in a process group of its own: its per-connection `sleep`s go too.
  [ -n "${hung_pid:-}" ] && kill -- "-$hung_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
web_port=$(free_port)
hung_port=$(free_port)

mkdir -p "$work/www" "$work/backups" "$work/state"
echo ok >"$work/www/health"
echo backup >"$work/backups/db.dump"
busybox httpd -f -p "127.0.0.1:$web_port" -h "$work/www" & pids+=($!)
setsid busybox nc -ll -p "$hung_port" -e /bin/sleep 3601 &
hung_pid=$!
printf '#!/bin/sh\ndate +%%s.%%N >>"$1"\n' >"$work/tick.sh"
chmod +x "$work/tick.sh"
sleep 0.5

# Reads VmRSS and RssAnon (KiB) and CPU seconds (utime + stime) of a pid.
measure() {
  local pid=$1 rss anon ticks
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$rss $anon $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz}')"
}

monitrc() {  # $1: file, $2: daemon interval, then check lines
  local file=$1 interval=$2
  shift 2
  {
    echo "set daemon $interval"
    echo "set logfile $work/$(basename "$file").log"
    echo "set pidfile $work/$(basename "$file").pid"
    echo "set idfile $work/$(basename "$file").id"
    echo "set statefile $work/$(basename "$file").state"
    printf '%s\n' "$@"
  } >"$file"
  chmod 600 "$file"
}

# --- 1. isolation ---------------------------------------------------------------------------
# watchdog requires timeout ≤ interval, so its hung check runs every 5 s with a 5 s timeout;
# Monit runs it every 1 s cycle with the same 5 s timeout.
cat >"$work/isolation.yaml" <<YAML
watchdog: {listen: "127.0.0.1:$(free_port)", state_dir: $work/state}
components:
  - name: bench
    critical: false
    probes:
      - {name: tick, kind: command, argv: ["$work/tick.sh", "$work/ticks.watchdog"], interval: 1s, timeout: 1s, jitter: 0s}
      - {name: hung, kind: http, url: "http://127.0.0.1:$hung_port/", interval: 5s, timeout: 5s, jitter: 0s}
YAML
monitrc "$work/isolation.monitrc" 1 \
  "check program tick with path \"$work/tick.sh $work/ticks.monit\"" "  if status != 0 then alert" \
  "check host hung with address 127.0.0.1" \
  "  if failed port $hung_port protocol http with timeout 5 seconds then alert"

"$watchdog" --log-level error run --config "$work/isolation.yaml" & wd=$!
monit -I -c "$work/isolation.monitrc" >/dev/null 2>&1 & mo=$!
pids+=("$wd" "$mo")
sleep "$seconds"
kill "$wd" "$mo"; wait "$wd" "$mo" 2>/dev/null || true
ticks_wd=$(wc -l <"$work/ticks.watchdog" 2>/dev/null || echo 0)
ticks_mo=$(wc -l <"$work/ticks.monit" 2>/dev/null || echo 0)

# --- 2. idle cost ---------------------------------------------------------------------------
cat >"$work/idle.yaml" <<YAML
watchdog: {listen: "127.0.0.1:$(free_port)", state_dir: $work/state}
defaults: {interval: 60s, timeout: 5s}
components:
  - name: idle
    probes:
      - {name: disk, kind: disk, path: /}
      - {name: web, kind: http, url: "http://127.0.0.1:$web_port/health"}
      - {name: port, kind: tcp, host: 127.0.0.1, port: $web_port}
      - {name: backup, kind: backup_age, directory: $work/backups, rpo: 1d}
YAML
monitrc "$work/idle.monitrc" 60 \
  "check filesystem rootfs with path /" "  if space usage > 90% then alert" \
  "check host web with address 127.0.0.1" \
  "  if failed port $web_port protocol http request /health with timeout 5 seconds then alert" \
  "check host port with address 127.0.0.1" "  if failed port $web_port with timeout 5 seconds then alert" \
  "check file backup with path $work/backups/db.dump" "  if timestamp > 1 day then alert"

"$watchdog" --log-level error run --config "$work/idle.yaml" & wd=$!
monit -I -c "$work/idle.monitrc" >/dev/null 2>&1 & mo=$!
pids+=("$wd" "$mo")
sleep "$idle_seconds"
read -r wd_rss wd_anon wd_cpu < <(measure "$wd")
read -r mo_rss mo_anon mo_cpu < <(measure "$mo")
kill "$wd" "$mo"; wait "$wd" "$mo" 2>/dev/null || true

echo
echo "| figure | watchdog $("$watchdog" --version | awk '{print $2}') | Monit $(monit -V | awk 'NR==1 {print $NF}') |"
echo "|---|---|---|"
echo "| 1 s tick beside a hung HTTP target, ${seconds} s: ticks run (ideal ${seconds}) | $ticks_wd | $ticks_mo |"
echo "| idle, 4 checks at 60 s, after ${idle_seconds} s: RSS | $((wd_rss / 1024)).$((wd_rss % 1024 * 10 / 1024)) MiB | $((mo_rss / 1024)).$((mo_rss % 1024 * 10 / 1024)) MiB |"
echo "| idle: anonymous memory | $((wd_anon / 1024)).$((wd_anon % 1024 * 10 / 1024)) MiB | $((mo_anon / 1024)).$((mo_anon % 1024 * 10 / 1024)) MiB |"
echo "| idle: CPU time over the run | ${wd_cpu} s | ${mo_cpu} s |"
