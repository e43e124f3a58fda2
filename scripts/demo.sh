#!/usr/bin/env bash
# Self-contained demo of the watchdog on the seeds' stack in miniature, all on loopback, free
# ports and one temp dir:
#   - PostgreSQL (initdb as `postgres`, password auth) with a `shop` database (`items`, 5000 rows),
#   - Redis,
#   - an API (scripts/demo/api.py) whose /health/ready needs both (503 when either is down),
#   - scheduled `pg_dump` backups taken by the watchdog (`backups:`: every 15 s, verified, the
#     last 2 kept), and a webhook receiver (busybox httpd + CGI) that records every alert.
# Scenario 4 reloads the config (SIGHUP) without the schedule: the engine has no way to pause a
# backup schedule, and a reload is how an operator changes one.
# Then five scenarios, one after the other, with the watchdog's state changes printed live:
#   1. the API is killed          → `command` action starts it again;
#   2. Redis is stopped           → `command` action starts it; the API is held as its dependent;
#   3. DROP DATABASE shop         → `restore_latest` from the newest verified backup, rows back;
#   4. the backup schedule stops  → the RPO (25 s) runs out → `backup_now`;
#   5. a game day (`watchdog gameday --scenario database-dropped`): a writer inserts a row every
#      100 ms, a fresh backup, DROP DATABASE, the watchdog restores it, the revert cleans up; the
#      Markdown report (rows lost vs the RPO, time to recover vs the RTO) is printed.
# At the end: the incident journal (time to detect and recover against each RTO), the alerts the
# receiver got and a few metrics. Everything started here is stopped by its PID on exit.
# Usage: scripts/demo.sh    (as root; WATCHDOG_BIN=path reuses a built binary, DEMO_TIMEOUT=60
#                            bounds each wait in seconds, DEMO_KEEP=1 keeps the temp dir,
#                            DEMO_GAMEDAY_REPORT=FILE keeps the game day's report)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run it as root (sudo scripts/demo.sh): PostgreSQL runs as the postgres user" >&2
  exit 1
fi
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
wait_limit=${DEMO_TIMEOUT:-60}

scripts/setup.sh
watchdog=$(bench_watchdog demo)
pgbin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -1)
started=$(now)

work=$(mktemp -d /tmp/watchdog-demo-XXXXXX)
chmod 755 "$work" # the postgres user reaches its data directory below
watchdog_pid=""
cleanup() {
  local pid
  [ -n "$watchdog_pid" ] && stop_pid "$watchdog_pid" 10 # first: it would restart the others
  for file in api.pid redis.pid; do
    [ -s "$work/$file" ] && pid=$(cat "$work/$file") && stop_pid "$pid" 10
  done
  [ -s "$work/pg/postmaster.pid" ] && stop_pid "$(head -1 "$work/pg/postmaster.pid")" 30
  for pid in "${pids[@]}"; do stop_pid "$pid" 5; done
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
pg_port=$(free_port)
redis_port=$(free_port)
api_port=$(free_port)
hook_port=$(free_port)
listen_port=$(free_port)

# --- PostgreSQL: its own cluster, password (scram) auth, the shop database -----------------------
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$work/pg" "$work/backups" "$work/redis" "$work/state" "$work/hook/cgi-bin"
chown postgres: "$work/pg" && chmod 700 "$work/pg"
(umask 077 && echo "$password" >"$work/pwfile") && chown postgres: "$work/pwfile"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A scram-sha-256 --pwfile="$work/pwfile" \
  -U postgres --no-sync >"$work/initdb.log" 2>&1 || {
  cat "$work/initdb.log"
  die "initdb failed"
}
rm "$work/pwfile"
# Started by this script now, and by the watchdog's `start-postgres` rung when the server is down.
cat >"$work/start-postgres.sh" <<SCRIPT
#!/bin/sh
exec runuser -u postgres -- $pgbin/pg_ctl -D $work/pg -l $work/pg/server.log -w -t 30 \\
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start
SCRIPT
chmod +x "$work/start-postgres.sh"
"$work/start-postgres.sh" >/dev/null
(umask 077 && echo "127.0.0.1:$pg_port:*:postgres:$password" >"$work/pgpass")
# The DSN as a secret file (dsn_file): never in argv, the environment or the config.
(umask 077 && echo "host=127.0.0.1 port=$pg_port user=postgres dbname=shop password=$password" >"$work/shop.dsn")
psql() { PGPASSFILE="$work/pgpass" "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "CREATE DATABASE shop"
psql -d shop -c "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric);
  INSERT INTO items (name, price) SELECT 'item ' || g, g * 0.25 FROM generate_series(1, 5000) g"
items() { psql -d shop -c "SELECT count(*) FROM items" 2>&1 | tail -1; }

# --- Redis and the API: started (and restarted by the watchdog) by these scripts -----------------
# Each starts its server unless the one in its pid file still runs (a second attempt must not
# start a second copy), then waits (≤ 5 s) until the port answers: the action's exit says so.
start_script() { # NAME PORT COMMAND (started in the background, its pid in NAME.pid)
  cat >"$work/start-$1.sh" <<SCRIPT
#!/usr/bin/env bash
pid=\$(cat $work/$1.pid 2>/dev/null)
state=\$(sed 's/^.*) //' /proc/\$pid/stat 2>/dev/null | cut -d' ' -f1)  # Z: killed, not reaped yet
if [ -z "\$pid" ] || [ -z "\$state" ] || [ "\$state" = Z ]; then
  $3 >>$work/$1.log 2>&1 </dev/null &
  echo \$! >$work/$1.pid
fi
for i in \$(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && exit 0
  sleep 0.1
done
echo "$1 is not listening on :$2"; exit 1
SCRIPT
  chmod +x "$work/start-$1.sh"
}
start_script redis "$redis_port" "redis-server --port $redis_port --bind 127.0.0.1 --dir $work/redis --save '' --appendonly no"
start_script api "$api_port" "env PGPASSFILE=$work/pgpass python3 $(pwd)/scripts/demo/api.py $api_port $pgbin/psql $pg_port $redis_port"
# The webhook receiver: a CGI script appending each alert's JSON body to alerts.jsonl.
cat >"$work/hook/cgi-bin/alert" <<SCRIPT
#!/bin/sh
head -c "\${CONTENT_LENGTH:-0}" >>"$work/alerts.jsonl"
echo >>"$work/alerts.jsonl"
printf 'Content-Type: text/plain\r\n\r\nok\n'
SCRIPT
chmod +x "$work/hook/cgi-bin/alert"
"$work/start-redis.sh"
"$work/start-api.sh"
busybox httpd -f -p "127.0.0.1:$hook_port" -h "$work/hook" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/health/ready" 20 || die "the API did not get ready: $(cat "$work/api.log")"

# --- the watchdog's configuration ----------------------------------------------------------------
# write_config SCHEDULE: the backup target's `schedule:` line ("" = none, scenario 4).
write_config() {
  cat >"$work/watchdog.yaml" <<YAML
watchdog:
  listen: 127.0.0.1:$listen_port
  state_dir: $work/state
  external_url: http://127.0.0.1:$listen_port   # alerts link to /incidents/<id> here
defaults:
  interval: 1s
  timeout: 1s
  jitter: 0s
  recheck_interval: 250ms
  failure_threshold: 2
  success_threshold: 2
backups:
  - name: main
    dsn_file: $work/shop.dsn
    directory: $work/backups
    pg_dump: $pgbin/pg_dump
    pg_restore: $pgbin/pg_restore
    rpo: 25s
    retention: {keep_last: 2}
    timeout: 30s
$1
components:
  - name: postgres
    rto: 1m
    staging: true                   # game days may break it (scenario 5)
    gameday:
      backup_target: main           # the database the data scenarios drop and measure
      fresh_backup: true            # back up while the writer runs: rows lost = rows since then
    probes:
      - name: shop-items
        kind: postgres
        dsn_file: $work/shop.dsn
        query: SELECT count(*) FROM items
    recovery:
      backoff: 1s
      actions:
        - name: restore-db          # a dropped or damaged database only (when: [not_found, corrupt])
          kind: restore_latest
          target: main
          replace: true
          timeout: 60s
        - name: start-postgres      # the server down: start it
          kind: command
          argv: ["$work/start-postgres.sh"]
          timeout: 30s
  - name: redis
    rto: 30s
    probes:
      - {name: redis-ping, kind: redis, host: 127.0.0.1, port: $redis_port}
    recovery:
      backoff: 1s
      actions:
        - {name: start-redis, kind: command, argv: ["$work/start-redis.sh"], timeout: 10s}
  - name: api
    rto: 30s
    depends_on: [postgres, redis]   # recovered first; the API waits, then is re-probed
    probes:
      - name: api-ready
        kind: http
        url: http://127.0.0.1:$api_port/health/ready
        expect_status: [200]
        # More patient than the probes of what it depends on: DROP DATABASE … WITH (FORCE) ends
        # the API's session before the database is gone, and the dependency must be seen failing
        # (so the API is held) before the API's own verdict.
        failure_threshold: 3
        recheck_interval: 1s
    recovery:
      backoff: 1s
      actions:
        - {name: restart-api, kind: command, argv: ["$work/start-api.sh"], timeout: 10s}
  - name: backups
    rto: 1m
    probes:
      - {name: main-backup, kind: backup, target: main}
    recovery:
      actions:
        - {name: backup-now, kind: backup_now, target: main, timeout: 60s}
alerts:
  - name: demo-hook
    kind: webhook
    url: http://127.0.0.1:$hook_port/cgi-bin/alert
YAML
}
write_config "    schedule: {interval: 15s}"
"$watchdog" check-config "$work/watchdog.yaml" >"$work/check-config.txt" ||
  die "check-config failed: $(cat "$work/check-config.txt")"

# --- helpers: waiting for the watchdog ----------------------------------------------------------
# Cheap checks only (grep, one curl): the machine may be busy, and a loop of python3 start-ups
# would slow what it watches.
wait_for() { # DESCRIPTION COMMAND…: runs COMMAND until it succeeds, at most DEMO_TIMEOUT seconds
  local what=$1 deadline
  shift
  deadline=$(awk -v n="$(now)" -v s="$wait_limit" 'BEGIN { printf "%.3f", n + s }')
  until "$@"; do
    before "$(now)" "$deadline" || die "gave up waiting ${wait_limit}s for $what (log: $work/watchdog.log)"
    sleep 0.2
  done
}
all_healthy() { # every component HEALTHY, and every probe has passed at least once (/metrics)
  local metrics
  metrics=$(curl -s --max-time 2 "http://127.0.0.1:$listen_port/metrics") || return 1
  [ "$(grep -cE '^watchdog_component_state\{component="(postgres|redis|api|backups)",state="healthy"\} 1' <<<"$metrics")" = 4 ] &&
    [ "$(grep -cE '^watchdog_probe_runs_total\{.*status="healthy"\} [1-9]' <<<"$metrics")" = 4 ]
}
log_mark=0
mark_log() { log_mark=$(wc -l <"$work/watchdog.log"); }
log_since_mark() { tail -n +$((log_mark + 1)) "$work/watchdog.log"; }
back_to_healthy() { # COMPONENT: its state change to HEALTHY after a recovery, since the mark
  if log_since_mark | grep -q "state_change component=$1 from=[A-Z]* to=FAILED"; then
    die "$1 went FAILED (log: $work/watchdog.log)"
  fi
  log_since_mark | grep -q "state_change component=$1 from=RECOVERING to=HEALTHY"
}
newest_backup() { find "$work/backups" -maxdepth 1 -name 'main_[0-9]*.json' -printf '%f\n' | sort | tail -1 | sed 's/\.json$//'; }
backup_newer_than() { [ "$(newest_backup)" \> "$1" ]; }
ready() { all_healthy && [ -n "$(newest_backup)" ] && grep -q backup_schedule "$work/watchdog.log"; }

# --- run -----------------------------------------------------------------------------------------
say "stack: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on :$pg_port (shop.items: $(items) rows)," \
  "Redis on :$redis_port, API on :$api_port, webhook receiver on :$hook_port"
echo "   status page http://127.0.0.1:$listen_port/, metrics http://127.0.0.1:$listen_port/metrics, temp dir $work"
echo "   first backup, by hand: $("$watchdog" backup -c "$work/watchdog.yaml" 2>&1 | tail -1)"
touch "$work/watchdog.log"
# Process substitution, not a pipe: $! is then the watchdog itself, stopped by its PID.
"$watchdog" run --config "$work/watchdog.yaml" > >(python3 -u scripts/demo/log_lines.py "$work/watchdog.log") 2>&1 &
watchdog_pid=$!
wait_for "every component HEALTHY and a first backup" ready
say "all HEALTHY after $(elapsed "$started") (first backup: $(newest_backup))"

scenario() { # TITLE
  say "scenario $1"
  mark_log
  scenario_start=$(now)
}
recovered() { # COMPONENT: waits until it was recovered and every component is HEALTHY
  wait_for "$1 to be recovered" back_to_healthy "$1"
  wait_for "every component HEALTHY" all_healthy
  echo "   -> every component HEALTHY again $(elapsed "$scenario_start") after the fault"
}

api_pid=$(cat "$work/api.pid")
scenario "1/5: kill the API (pid $api_pid)"
kill "$api_pid"
recovered api
echo "   API restarted by the watchdog: pid $api_pid -> $(cat "$work/api.pid")"

api_pid=$(cat "$work/api.pid")
scenario "2/5: stop Redis (pid $(cat "$work/redis.pid"))"
kill "$(cat "$work/redis.pid")"
recovered redis
echo "   Redis started again: pid $(cat "$work/redis.pid"); the API was held, not restarted: pid $api_pid -> $(cat "$work/api.pid")"

# Right after a scheduled backup, so that the next one (15 s later) does not meet the restore.
echo
echo "   waiting for the next scheduled backup before dropping the database"
before=$(newest_backup)
wait_for "a scheduled backup" backup_newer_than "$before"
scenario "3/5: DROP DATABASE shop (items: $(items) rows; newest verified backup $(newest_backup))"
psql -d postgres -c "DROP DATABASE shop WITH (FORCE)"
echo "   items now: $(items | sed 's/.*FATAL: *//')"
recovered postgres
echo "   items after the restore: $(items) rows"

scenario "4/5: the backup schedule stops (config reloaded without schedule:); the RPO (25 s) runs out"
write_config ""
kill -HUP "$watchdog_pid"
before=$(newest_backup)
echo "   newest backup $before; waiting for the RPO to run out"
recovered backups
echo "   backup_now wrote $(newest_backup)"

scenario "5/5: a game day — watchdog gameday --scenario database-dropped --component postgres"
echo "   (the watchdog breaks its own staging database on purpose and measures its recovery)"
gameday_code=0
"$watchdog" gameday -c "$work/watchdog.yaml" --scenario database-dropped --component postgres \
  --yes --report "$work/gameday.md" >/dev/null 2>"$work/gameday.log" || gameday_code=$?
sed 's/^/   /' "$work/gameday.log"
[ -s "$work/gameday.md" ] || die "the game day wrote no report (exit $gameday_code)"
echo "   items after the game day: $(items) rows"
[ -n "${DEMO_GAMEDAY_REPORT:-}" ] && cp "$work/gameday.md" "$DEMO_GAMEDAY_REPORT"
say "five scenarios in $(elapsed "$started") after the build"

# --- the record ----------------------------------------------------------------------------------
say "incidents (watchdog incidents --json): time to detect = first failing check -> CRITICAL, to recover = CRITICAL -> HEALTHY, against the RTO"
"$watchdog" incidents --json --limit 50 --state-dir "$work/state" | python3 scripts/demo/rto_table.py
say "watchdog incidents (the journal in $work/state/watchdog.db)"
"$watchdog" incidents --limit 50 --state-dir "$work/state"
restore_incident=$("$watchdog" incidents --json --limit 50 --state-dir "$work/state" |
  sed -n 's/.*"id": "\(postgres-[^"]*\)".*/\1/p' | tail -1)
if [ -n "$restore_incident" ]; then
  say "watchdog incidents report $restore_incident"
  "$watchdog" incidents report "$restore_incident" --state-dir "$work/state"
fi
say "alerts received by the webhook receiver"
if [ -f "$work/alerts.jsonl" ]; then
  python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for a in lines:
    print("  %-9s %-10s -> %-10s %s" % (a.get("component"), a.get("from"), a.get("to"), a.get("reason", "")[:90]))
print("(%d alerts)" % len(lines))' "$work/alerts.jsonl"
fi
say "the game day's report (watchdog gameday … --report: exit $gameday_code, 0 = passed)"
cat "$work/gameday.md"
say "backups (watchdog backups list: the last 2 kept)"
"$watchdog" backups list -c "$work/watchdog.yaml"
say "/metrics (a few)"
curl -fsS "http://127.0.0.1:$listen_port/metrics" |
  grep -E '^watchdog_(recovery_actions_total|alerts_sent_total|incidents_total|backup_age_seconds|backup_good_backups|incident_time_to_recover_seconds_(sum|count))' || true
say "stopping what the demo started: watchdog $watchdog_pid, API $(cat "$work/api.pid"), Redis $(cat "$work/redis.pid")," \
  "PostgreSQL $(head -1 "$work/pg/postmaster.pid"), webhook receiver ${pids[*]}"
