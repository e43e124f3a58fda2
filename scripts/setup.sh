#!/usr/bin/env bash
# Installs every Debian 12 package that the build, the demo and the tests need.
# Idempotent: only packages that are missing are installed. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # libraries the watchdog links
  libcurl4-openssl-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libboost-dev libboost-filesystem-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev libcpp-httplib-dev libpqxx-dev libhiredis-dev libpq-dev libmariadb-dev
  # integrity checks of .gz/.zst backup files (the backup_age probe): zlib and libzstd
  zlib1g-dev libzstd-dev
  # tests
  libgtest-dev libgmock-dev
  # promtool for the metrics lint test; curl and busybox (httpd) for the demo and tests
  prometheus curl procps busybox-static bc
  # zoneinfo files for maintenance-window time zones
  tzdata
  # real servers the integration tests start on free loopback ports
  postgresql redis-server prometheus-alertmanager
  # MariaDB server and its dump tools (the mysql probe and backup target); zstd for the
  # compressed-archive integrity checks of the backup_age probe
  mariadb-server mariadb-client zstd
  # a real Docker engine (dockerd started per test) and openssl for the Kubernetes stand-in's CA
  docker.io openssl
  # a Debian base image for the sidecar image test (no registry is reachable)
  debootstrap
  # peers and the web server of the fan-out benchmark (scripts/bench_fanout.sh; its smoke run is a
  # CTest test); python3 for the latency benchmark's webhook receiver (scripts/bench_latency.sh)
  monit prometheus-blackbox-exporter nginx python3
  # the deploy tests (tests/deploy): `docker-compose config` of deploy/compose
  docker-compose
  # the status page test (tests/integration/status_page_browser_test.cpp): headless Chromium,
  # with a font so that its screenshot shows text
  chromium fonts-liberation
)
# kubectl for the deploy tests (deploy/k8s, offline): Debian's kubernetes-client, unless some
# kubectl is installed already — dpkg refuses to overwrite another package's /usr/bin/kubectl.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
