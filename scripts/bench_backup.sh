#!/usr/bin/env bash
# Backup benchmarks (issue #4), side by side in one run; figures go to stdout as Markdown.
#   1. checksum: SHA-256 of a 1 GiB file (warm page cache): `watchdog backups verify` vs
#      `sha256sum` vs `openssl dgst -sha256`; median of BENCH_RUNS (default 3), interleaved.
#   2. pgbench database (scale BENCH_SCALE, default 20 ≈ 300 MB) on a throw-away PostgreSQL 15:
#      raw `pg_dump -Fc` + `pg_restore -j2` vs `watchdog backup` (streamed SHA-256, exact row
#      counts in the dump's snapshot, verification re-read) + `watchdog restore latest -j 2`
#      (checksum first), and the watchdog without the extras (row_counts: estimated,
#      verify_after_backup: false) to show where its time goes.
# WATCHDOG_BIN=path skips the Release build. Needs root (PostgreSQL runs as `postgres`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
runs=${BENCH_RUNS:-3}
scale=${BENCH_SCALE:-20}
bin=/usr/lib/postgresql/15/bin

scripts/setup.sh >/dev/null
watchdog=${WATCHDOG_BIN:-$(build_release_watchdog bench)}
work=$(mktemp -d /tmp/watchdog-bench-backup-XXXXXX)
chmod 755 "$work"
port=$(free_port)
cleanup() {
  runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Wall seconds of a command (its output discarded).
seconds_of() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }

# --- 1. checksum of 1 GiB -------------------------------------------------------------------
mkdir -p "$work/sum"
name=bench_20260101T000000Z
head -c 1073741824 /dev/urandom >"$work/sum/$name.dump"
sum=$(sha256sum "$work/sum/$name.dump" | cut -c1-64)
cat >"$work/sum/$name.json" <<EOF
{"kind": "watchdog-backup", "version": 1, "name": "$name", "target": "bench",
 "file": "$name.dump", "format": "custom", "started_at": "2026-01-01T00:00:00Z",
 "finished_at": "2026-01-01T00:00:01Z", "size_bytes": 1073741824, "sha256": "$sum"}
EOF
cat >"$work/sum.yaml" <<EOF
backups:
  - name: bench
    dbname: none
    directory: $work/sum
components:
  - name: b
    probes:
      - {name: b, kind: backup, target: bench}
EOF
"$watchdog" backups verify -c "$work/sum.yaml" "$name" | grep -q '^OK' || {
  echo "watchdog verify failed" >&2
  exit 1
}
declare -a t_wd t_sha t_ossl
for _ in $(seq "$runs"); do
  t_wd+=("$(seconds_of "$watchdog" backups verify -c "$work/sum.yaml" "$name")")
  t_sha+=("$(seconds_of sha256sum "$work/sum/$name.dump")")
  t_ossl+=("$(seconds_of openssl dgst -sha256 "$work/sum/$name.dump")")
done
rm -rf "$work/sum"

# --- 2. pgbench backup + restore ------------------------------------------------------------
mkdir "$work/pg" "$work/raw" "$work/full" "$work/lean" "$work/z0"
chown postgres: "$work/pg" "$work/raw"
runuser -u postgres -- "$bin/initdb" -D "$work/pg" -A trust -U postgres --no-sync >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -XAtq)
"${psql[@]}" -c "CREATE DATABASE bench"
"$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
db_bytes=$("${psql[@]}" -c "SELECT pg_database_size('bench')")
"${psql[@]}" -c "CHECKPOINT"

dsn="host=127.0.0.1 port=$port user=postgres"
for variant in full lean z0; do
  extra=""
  [ "$variant" = lean ] && extra=$'    row_counts: estimated\n    verify_after_backup: false'
  [ "$variant" = z0 ] && extra=$'    compress: 0'
  dir="$work/$variant"
  cat >"$work/$variant.yaml" <<EOF
backups:
  - name: bench
    dsn: $dsn dbname=bench
    directory: $dir
    pg_dump: $bin/pg_dump
    pg_restore: $bin/pg_restore
    jobs: 2
$extra
components:
  - name: b
    probes:
      - {name: b, kind: backup, target: bench}
EOF
done

raw_restore_cmd() {
  "${psql[@]}" -c "DROP DATABASE IF EXISTS restore_raw" -c "CREATE DATABASE restore_raw" &&
    "$bin/pg_restore" -h 127.0.0.1 -p "$port" -U postgres -j 2 -d restore_raw "$work/raw/bench.dump"
}
declare -a raw_dump wd_dump lean_dump raw_z0 wd_z0 raw_restore wd_restore
for _ in $(seq "$runs"); do  # interleaved, medians: the machine is shared
  raw_dump+=("$(seconds_of "$bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -Fc -f "$work/raw/bench.dump" bench)")
  wd_dump+=("$(seconds_of "$watchdog" backup -c "$work/full.yaml")")
  lean_dump+=("$(seconds_of "$watchdog" backup -c "$work/lean.yaml")")
  raw_z0+=("$(seconds_of "$bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -Fc -Z0 -f "$work/raw/bench-z0.dump" bench)")
  wd_z0+=("$(seconds_of "$watchdog" backup -c "$work/z0.yaml")")
  raw_restore+=("$(seconds_of raw_restore_cmd)")
  wd_restore+=("$(seconds_of "$watchdog" restore latest -c "$work/full.yaml" --into "$dsn dbname=restore_wd" -j 2 --yes)")
done
dump_bytes=$(stat -c %s "$work/raw/bench.dump")
z0_bytes=$(stat -c %s "$work/raw/bench-z0.dump")
raw_dump=$(median "${raw_dump[@]}") wd_dump=$(median "${wd_dump[@]}") lean_dump=$(median "${lean_dump[@]}")
raw_z0=$(median "${raw_z0[@]}") wd_z0=$(median "${wd_z0[@]}")
raw_restore=$(median "${raw_restore[@]}") wd_restore=$(median "${wd_restore[@]}")
rows_raw=$("${psql[@]}" -d restore_raw -c "SELECT count(*) FROM pgbench_accounts")
rows_wd=$("${psql[@]}" -d restore_wd -c "SELECT count(*) FROM pgbench_accounts")
[ "$rows_raw" = "$rows_wd" ] || { echo "restored row counts differ: $rows_raw vs $rows_wd" >&2; exit 1; }

pct() { echo "($1 / $2 - 1) * 100" | bc -l | xargs printf '%+.1f %%'; }
mib() { echo "$1 / 1048576" | bc -l | xargs printf '%.0f MiB'; }
cat <<EOF
## Run of $(date -u +%F) ($(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $("$watchdog" --version))

### SHA-256 of a 1 GiB file (warm page cache, median of $runs)

| tool | seconds | GiB/s |
|---|---|---|
| \`watchdog backups verify\` (OpenSSL EVP, 16 KiB reads) | $(median "${t_wd[@]}") | $(echo "1 / $(median "${t_wd[@]}")" | bc -l | xargs printf '%.2f') |
| \`openssl dgst -sha256\` | $(median "${t_ossl[@]}") | $(echo "1 / $(median "${t_ossl[@]}")" | bc -l | xargs printf '%.2f') |
| \`sha256sum\` (coreutils) | $(median "${t_sha[@]}") | $(echo "1 / $(median "${t_sha[@]}")" | bc -l | xargs printf '%.2f') |

### pgbench scale $scale (medians of $runs): database $(mib "$db_bytes"), custom-format dump $(mib "$dump_bytes"), $rows_raw rows in pgbench_accounts

| step | raw PostgreSQL tools | watchdog | overhead |
|---|---|---|---|
| backup: \`pg_dump -Fc\` vs \`watchdog backup\` (streamed SHA-256 + exact row counts + verify re-read + fsync) | $(printf '%.2f' "$raw_dump") s | $(printf '%.2f' "$wd_dump") s | $(pct "$wd_dump" "$raw_dump") |
| backup without extras (\`row_counts: estimated\`, \`verify_after_backup: false\`) | $(printf '%.2f' "$raw_dump") s | $(printf '%.2f' "$lean_dump") s | $(pct "$lean_dump" "$raw_dump") |
| backup uncompressed ($(mib "$z0_bytes")): \`pg_dump -Fc -Z0\` vs \`watchdog backup\` with \`compress: 0\` (all extras) | $(printf '%.2f' "$raw_z0") s | $(printf '%.2f' "$wd_z0") s | $(pct "$wd_z0" "$raw_z0") |
| restore: \`createdb\` + \`pg_restore -j2\` vs \`watchdog restore latest -j 2\` (checksum first, CREATE DATABASE) | $(printf '%.2f' "$raw_restore") s | $(printf '%.2f' "$wd_restore") s | $(pct "$wd_restore" "$raw_restore") |
EOF
