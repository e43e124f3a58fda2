# Shared by scripts/demo.sh and scripts/bench.sh (sourced, not run).

# Builds the Release `watchdog` binary into build/NAME (no tests) and prints its path.
build_release_watchdog() {
  local name=$1
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=Release -DWATCHDOG_BUILD_TESTS=OFF >/dev/null
  cmake --build "build/$name" -j"$(nproc)" --target watchdog >/dev/null
  echo "$(pwd)/build/$name/watchdog/watchdog"
}

# A free loopback port: nothing answers a connect to it.
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
