# shellcheck shell=bash
# Shared by scripts/demo.sh and the benchmarks (sourced, not run).

# Builds the Release `watchdog` binary into build/NAME (no tests) and prints its path.
build_release_watchdog() {
  local name=$1
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=Release -DWATCHDOG_BUILD_TESTS=OFF >/dev/null
  cmake --build "build/$name" -j"$(nproc)" --target watchdog >/dev/null
  echo "$(pwd)/build/$name/watchdog/watchdog"
}

# A free loopback port: nothing answers a connect to it. Taken below the kernel's ephemeral range
# (ip_local_port_range), where outgoing connections — thousands while a benchmark runs — would
# hold a port that a connect cannot see but a bind would fail on.
free_port() {
  local port low
  low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((low > 21024)) || low=32768
  while true; do
    port=$((20000 + RANDOM % (low - 20000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# --- benchmark scaffolding (bench_fanout.sh, bench_latency.sh) ----------------------------------

die() {
  echo "${0##*/}: $*" >&2
  exit 1
}
fail() { # counted in `failures`; bench_verdict turns them into the exit status
  echo "FAIL: $*"
  failures=$((${failures:-0} + 1))
}
# The end of a benchmark: non-zero when anything failed.
bench_verdict() { # SMOKE
  if ((${failures:-0} > 0)); then
    echo
    echo "${0##*/}: $failures failure(s)"
    exit 1
  fi
  if [ "$1" = 1 ]; then echo "${0##*/}: smoke run passed"; fi
  exit 0
}

# WATCHDOG_BIN if given (an executable), otherwise a Release build into build/NAME; prints the path.
bench_watchdog() { # NAME
  if [ -z "${WATCHDOG_BIN:-}" ]; then
    build_release_watchdog "$1"
  elif [ -x "$WATCHDOG_BIN" ]; then
    echo "$WATCHDOG_BIN"
  else
    echo "WATCHDOG_BIN=$WATCHDOG_BIN is not an executable" >&2
    return 1
  fi
}

nginx_bin() { command -v nginx || echo /usr/sbin/nginx; }

# Exits when a tool (a command name, or a path that must be executable) is missing: a skip
# (77) for a smoke run outside CI — smoke runs install nothing — and a failure otherwise.
bench_require() { # SMOKE TOOL…
  local smoke=$1 missing=() t
  shift
  for t in "$@"; do
    if [[ $t == */* ]]; then
      [ -x "$t" ] || missing+=("${t##*/}")
    else
      command -v "$t" >/dev/null || missing+=("$t")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$smoke" = 1 ] && [ "${CI:-}" != true ]; then
    echo "${0##*/}: SKIP: missing ${missing[*]} (scripts/setup.sh installs them)"
    exit 77
  fi
  die "missing ${missing[*]} (scripts/setup.sh installs them)"
}

# Raises the fd limit (ulimit -n) for N probes in flight — the watchdog and nginx hold a socket
# per probe — to 2N + 1024, or as far as the hard limit allows; dies below N + 256. Run it in the
# script's own shell (not in $(…)): the limit is the shell's.
bench_fd_limit() { # N
  local need=$(($1 * 2 + 1024)) fds
  fds=$(ulimit -n)
  if [ "$fds" != unlimited ] && ((fds < need)); then
    ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  fi
  fds=$(ulimit -n)
  if [ "$fds" != unlimited ] && ((fds < $1 + 256)); then
    die "fd limit $fds is too low for N=$1 (hard limit $(ulimit -Hn))"
  fi
}
# nginx's worker connections for N probes: 2N + 1024, capped at the fd limit.
nginx_connections() { # N
  local want=$(($1 * 2 + 1024)) fds
  fds=$(ulimit -n)
  if [ "$fds" != unlimited ] && ((want > fds)); then want=$fds; fi
  echo "$want"
}
largest() { # the largest of its arguments
  local m=0 v
  for v in "$@"; do if ((v > m)); then m=$v; fi; done
  echo "$m"
}

# Every process a benchmark starts is stopped by its PID (or its own process group, for what
# runs under setsid): `pids` and `groups` hold those not stopped yet; bench_cleanup stops the
# rest (trap it on EXIT).
pids=()
groups=()
untrack() {
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
  keep=()
  for p in "${groups[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  groups=("${keep[@]}")
}
# State field of /proc/PID/stat (after the command name, which may hold spaces), then utime and
# stime as fields 12 and 13.
proc_fields() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null; }
alive() {
  local s
  s=$(proc_fields "$1" | awk '{print $1}')
  [ -n "$s" ] && [ "$s" != Z ]
}
stop_pid() { # PID [grace seconds]: SIGTERM, then SIGKILL after the grace
  local pid=$1 grace=${2:-10} i
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    echo "note: pid $pid ignored SIGTERM for ${grace} s, killed"
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  untrack "$pid"
}
stop_group() { # PGID of a process started with setsid
  kill -TERM -- "-$1" 2>/dev/null || true
  sleep 0.2
  kill -KILL -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  untrack "$1"
}
bench_cleanup() { # WORK_DIR: stops what is still running, removes the directory (BENCH_KEEP=1 keeps it)
  local p
  for p in "${groups[@]}"; do stop_group "$p"; done
  for p in "${pids[@]}"; do stop_pid "$p" 5; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $1"; else rm -rf "$1"; fi
}

# --- time, waiting, figures ---------------------------------------------------------------------
now() { echo "$EPOCHREALTIME"; } # wall clock, µs, no fork (bash 5)
sleep_until() {
  local d
  d=$(awk -v t="$1" -v n="$(now)" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
  sleep "$d"
}
before() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; } # $1 < $2 (floats)
wait_http() {                                                     # URL SECONDS
  local deadline
  deadline=$(awk -v n="$(now)" -v s="$2" 'BEGIN { printf "%.3f", n + s }')
  until curl -sf -o /dev/null --max-time 2 "$1"; do
    before "$(now)" "$deadline" || return 1
    sleep 0.1
  done
}
wait_port() { # PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "nan") print "–"; else printf "%.*f\n", d, v }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# Results files hold one figure per line and run: "N TOOL KEY VALUE".
results_median() { # FILE N TOOL KEY: the median over the runs ("nan" when none)
  awk -v n="$2" -v t="$3" -v k="$4" '$1 == n && $2 == t && $3 == k && $4 != "nan" { print $4 }' "$1" | median
}
# "4 cores, Debian GNU/Linux 12 (bookworm), 2026-12-05T12:00:00Z"
machine_line() {
  # shellcheck disable=SC1091
  echo "$(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# --- a local nginx: 200 "ok" for the URIs a benchmark probes ------------------------------------
# Starts nginx in DIR on 127.0.0.1:PORT (tracked in `pids`) answering 200 "ok\n" to URIs matching
# URI_REGEX (404 otherwise), with CONNECTIONS worker connections and an access log
# DIR/access.log of "$msec $uri $status" lines; returns once it answers CHECK_URI.
start_nginx() { # DIR PORT CONNECTIONS URI_REGEX CHECK_URI
  local dir=$1 port=$2 connections=$3
  mkdir -p "$dir/tmp"
  {
    [ "$(id -u)" -eq 0 ] && echo "user $(id -un) $(id -gn);" # workers as the current user
    cat <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile $connections;
events { worker_connections $connections; }
http {
  log_format bench '\$msec \$uri \$status';
  access_log $dir/access.log bench;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location ~ "$4" { default_type text/plain; return 200 "ok\n"; }
    location / { return 404; }
  }
}
NGINX
  } >"$dir/nginx.conf"
  "$(nginx_bin)" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  pids+=("$!")
  wait_http "http://127.0.0.1:$port$5" 10 || {
    cat "$dir/error.log" "$dir/stdout.log" 2>/dev/null
    die "nginx did not start"
  }
}

# --- a watchdog under benchmark -----------------------------------------------------------------
# The components section's entries for N background HTTP targets on nginx: component c<i>,
# probe p<i> (`critical: false`), URL http://127.0.0.1:PORT/PREFIX/<i>; the defaults' timing.
background_components() { # N PORT PREFIX
  awk -v n="$1" -v port="$2" -v pre="$3" 'BEGIN { for (i = 1; i <= n; i++)
    printf "  - name: c%d\n    critical: false\n    probes:\n      - {name: p%d, kind: http, url: \"http://127.0.0.1:%d/%s/%d\"}\n", i, i, port, pre, i }'
}
metrics() { curl -sf --max-time 120 "http://127.0.0.1:$1/metrics"; }
# Prints "probes_run_at_least_once last_finish_of_those_run_exactly_once" for background probes p<i>.
metrics_first_cycle() {
  awk '
    /^watchdog_probe_runs_total\{/ || /^watchdog_probe_last_run_timestamp_seconds\{/ {
      if (!match($0, /probe="p[0-9]+"/)) next
      p = substr($0, RSTART, RLENGTH)
      if ($0 ~ /^watchdog_probe_runs_total/) runs[p] += $NF; else last[p] = $NF
    }
    END {
      for (p in runs) { n++; if (runs[p] == 1 && last[p] > mx) mx = last[p] }
      printf "%d %.6f\n", n, mx
    }'
}
