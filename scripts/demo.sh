#!/usr/bin/env bash
# Self-contained demo of the watchdog's main job on this machine:
#   - a real HTTP service (busybox httpd) that the demo kills; the watchdog restarts it,
#   - a backup directory whose RPO (20 s) runs out; the watchdog takes a "backup" itself,
#   - the root filesystem's usage,
#   - a real webhook receiver (busybox httpd + CGI) that records every alert.
# State changes are printed as they happen; the status page (/), /metrics and /status are
# reachable meanwhile.
# Usage: scripts/demo.sh            (runs DEMO_SECONDS=60 seconds, then stops)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
seconds=${DEMO_SECONDS:-60}

scripts/setup.sh
watchdog=$(build_release_watchdog demo)

work=$(mktemp -d /tmp/watchdog-demo-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/web.pid" ] && kill "$(cat "$work/web.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

web_port=$(free_port)
hook_port=$(free_port)
metrics_port=$(free_port)

# The service: busybox httpd serving /health, started (and restarted) by start-web.sh.
mkdir -p "$work/www" "$work/backups" "$work/hook/cgi-bin" "$work/state"
echo ok >"$work/www/health"
cat >"$work/start-web.sh" <<SCRIPT
#!/bin/sh
busybox httpd -f -p 127.0.0.1:$web_port -h "$work/www" >/dev/null 2>&1 &
echo \$! >"$work/web.pid"
SCRIPT
# The "backup job": writes a timestamped dump into the backup directory.
cat >"$work/take-backup.sh" <<SCRIPT
#!/bin/sh
head -c 4096 /dev/urandom >"$work/backups/db_\$(date -u +%Y%m%dT%H%M%SZ).dump"
SCRIPT
# The webhook receiver: a CGI script appending each alert's JSON body to alerts.jsonl.
cat >"$work/hook/cgi-bin/alert" <<SCRIPT
#!/bin/sh
head -c "\${CONTENT_LENGTH:-0}" >>"$work/alerts.jsonl"
echo >>"$work/alerts.jsonl"
printf 'Content-Type: text/plain\r\n\r\nok\n'
SCRIPT
chmod +x "$work/start-web.sh" "$work/take-backup.sh" "$work/hook/cgi-bin/alert"
"$work/start-web.sh"
"$work/take-backup.sh"
busybox httpd -f -p "127.0.0.1:$hook_port" -h "$work/hook" >/dev/null 2>&1 &
pids+=($!)

cat >"$work/watchdog.yaml" <<YAML
watchdog:
  listen: 127.0.0.1:$metrics_port
  state_dir: $work/state
  external_url: http://127.0.0.1:$metrics_port   # alerts link to /incidents/<id> here
defaults:
  interval: 2s
  timeout: 1s
  recheck_interval: 500ms
  failure_threshold: 2
  success_threshold: 2
components:
  - name: web
    rto: 1m
    probes:
      - name: web-health
        kind: http
        url: http://127.0.0.1:$web_port/health
        expect_status: [200]
    recovery:
      max_attempts: 3
      backoff: 2s
      actions:
        - name: restart-web
          kind: command
          argv: ["$work/start-web.sh"]
          timeout: 10s
  - name: backups
    probes:
      - name: newest-backup
        kind: backup_age
        directory: $work/backups
        pattern: "db_*.dump"
        rpo: 20s
        min_size: 1KiB
    recovery:
      actions:
        - name: backup-now
          kind: command
          argv: ["$work/take-backup.sh"]
          timeout: 30s
  - name: host
    critical: false
    probes:
      - name: root-disk
        kind: disk
        path: /
        interval: 10s
alerts:
  - name: demo-hook
    kind: webhook
    url: \${DEMO_WEBHOOK_URL}
YAML

echo "== watchdog check-config"
DEMO_WEBHOOK_URL="http://127.0.0.1:$hook_port/cgi-bin/alert" "$watchdog" check-config "$work/watchdog.yaml"
echo
echo "== watchdog run for ${seconds}s — status page: http://127.0.0.1:$metrics_port/, metrics: http://127.0.0.1:$metrics_port/metrics, JSON: http://127.0.0.1:$metrics_port/api/v1/status"
# Process substitution, not a pipe: $! is then the watchdog itself, stopped by its PID below.
DEMO_WEBHOOK_URL="http://127.0.0.1:$hook_port/cgi-bin/alert" \
  "$watchdog" run --config "$work/watchdog.yaml" > >(
  grep --line-buffered -E "watchdog_started|state_change|action_start|action_done|alert_sent|alert_failed|watchdog_stopped"
) 2>&1 &
watchdog_pid=$!
pids+=("$watchdog_pid")

sleep 8
echo "== demo: killing the web service (pid $(cat "$work/web.pid"))"
kill "$(cat "$work/web.pid")"
sleep $((seconds - 8))

echo
echo "== /metrics (component states and recovery counters)"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" |
  grep -E '^watchdog_(component_state\{.*\} 1|recovery_actions_total|alerts_sent_total|backup_age_seconds|disk_used_ratio|incident_time_to_recover_seconds_(sum|count))'
echo
echo "== alerts received by the webhook receiver"
if [ -f "$work/alerts.jsonl" ]; then
  sed -E 's/.*"component":"([^"]*)".*"from":"([^"]*)".*"reason":"([^"]*)".*"to":"([^"]*)".*/  \1: \2 -> \4  (\3)/' "$work/alerts.jsonl"
  echo "($(grep -c . "$work/alerts.jsonl") alerts)"
fi
echo
echo "== watchdog incidents (the journal in $work/state/watchdog.db)"
"$watchdog" incidents --state-dir "$work/state"
first_incident=$("$watchdog" incidents --json --state-dir "$work/state" |
  sed -n 's/.*"id": "\(web-[^"]*\)".*/\1/p' | tail -1)
if [ -n "$first_incident" ]; then
  echo
  echo "== watchdog incidents report $first_incident"
  "$watchdog" incidents report "$first_incident" --state-dir "$work/state"
fi
echo
echo "== watchdog alerts (the durable outbox: every alert, its key and how it went)"
"$watchdog" alerts --state-dir "$work/state" --limit 8
kill -TERM "$watchdog_pid" 2>/dev/null || true
sleep 1
echo "== demo finished"
