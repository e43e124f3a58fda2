// Issue #15: the daemon runs a thousand probes on a fixed set of threads (a scheduler, one event
// loop, a bounded pool), not a thread per probe or per check — and every probe still runs.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

int threads_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

TEST(Fanout, AThousandProbesRunOnAFixedSetOfThreads) {
  TempDir dir;
  constexpr int kTcp = 1000;
  constexpr int kCommands = 50;  // blocking kind: the pool (max_blocking_checks: 4)
  std::string yaml = "components:\n  - name: fleet\n    critical: false\n    probes:\n";
  const std::string closed = std::to_string(free_port());
  for (int n = 0; n < kTcp; ++n) {
    yaml += "      - {name: tcp-" + std::to_string(n) +
            ", kind: tcp, host: 127.0.0.1, port: " + closed +
            ", interval: 10s, timeout: 1s, jitter: 1s}\n";
  }
  for (int n = 0; n < kCommands; ++n) {
    yaml += "      - {name: cmd-" + std::to_string(n) +
            ", kind: command, argv: [/bin/true], interval: 10s, timeout: 1s, "
            "jitter: 1s}\n";
  }
  auto options = watchdog_options(yaml);
  options.watchdog_keys = "  max_blocking_checks: 4\n";
  WatchdogProcess watchdog(dir, options);

  const auto all_ran = [&] {
    const auto status = watchdog.status();
    const auto fleet = find_component(status, "fleet");
    if (fleet.is_null() || fleet["probes"].size() != kTcp + kCommands) return false;
    for (const auto& probe : fleet["probes"]) {
      if (probe["status"] == "pending") return false;
    }
    return true;
  };
  ASSERT_TRUE(wait_until(all_ran, 60s)) << watchdog.log();
  const double runs = watchdog.metric("watchdog_probe_runs_total");
  ASSERT_TRUE(wait_until(
      [&] { return watchdog.metric("watchdog_probe_runs_total") >= runs + kTcp + kCommands; },
      60s));
  // Old model: ≥ 1,050 threads here. Now: main, HTTP server, engine, alert senders, scheduler,
  // event loop, ≤ 4 pool threads … a few dozen at most, whatever the number of probes.
  const int threads = threads_of(watchdog.process().pid());
  EXPECT_GT(threads, 0);
  std::cout << "threads: " << threads << "\n";
  EXPECT_LE(threads, 40);
  EXPECT_EQ(
      watchdog.metric("watchdog_probe_runs_total", {{"probe", "tcp-999"}, {"status", "healthy"}}),
      0);  // refused, as expected: the probes really ran against the closed port
}

}  // namespace
}  // namespace watchdog::testing
