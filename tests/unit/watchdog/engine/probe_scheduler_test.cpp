// The scheduler with real threads: thousands of probes on a bounded number of threads, the
// blocking pool's guard, and the Report contract. Count-based; time bounds are generous.
#include "watchdog/engine/probe_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/unit/probes/probe_test_helpers.h"
#include "watchdog/engine/probe_worker.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using testing::probe_from_yaml;
using testing::probe_spec_from_yaml;
using testing::wait_until;

int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// The threads before the test starts its own. A sanitizer runtime may add a helper thread when
// the process first starts one (TSan's background thread): let that happen before counting.
int threads_at_rest() {
  std::thread([] {}).join();
  return process_threads();
}

config::ProbeTiming every(std::chrono::milliseconds interval,
                          std::chrono::milliseconds timeout = 100ms) {
  config::ProbeTiming timing;
  timing.interval = interval;
  timing.timeout = timeout;
  timing.jitter = interval / 10;
  timing.recheck_interval = interval;
  return timing;
}

// A blocking probe (never offered to the loop): counts its checks; with a gate, every check
// hangs until the gate opens, ignoring its timeout.
class FakeBlockingProbe final : public probes::Probe {
 public:
  explicit FakeBlockingProbe(std::shared_ptr<std::atomic<bool>> gate = nullptr)
      : Probe("fake"), gate_(std::move(gate)) {}
  std::string_view kind() const override { return "fake"; }
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    ++checks;
    while (gate_ && !*gate_) std::this_thread::sleep_for(5ms);
    return probes::healthy("fine");
  }
  std::atomic<int> checks{0};

 private:
  std::shared_ptr<std::atomic<bool>> gate_;
};

// Per-probe result counts, filled by Report callbacks.
struct Tally {
  std::mutex mutex;
  std::vector<int> runs;
  std::vector<std::string> last_detail;
  std::vector<std::string> first_details;  // of probe 0, the first few
  explicit Tally(std::size_t probes) : runs(probes), last_detail(probes) {}
  ProbeScheduler::Report report(std::size_t index) {
    return [this, index](const probes::ProbeResult& result, auto, double) {
      std::lock_guard lock(mutex);
      ++runs[index];
      last_detail[index] = result.detail;
      if (index == 0 && first_details.size() < 3) first_details.push_back(result.detail);
    };
  }
  int runs_of(std::size_t index) {
    std::lock_guard lock(mutex);
    return runs[index];
  }
  int fewest() {
    std::lock_guard lock(mutex);
    return *std::min_element(runs.begin(), runs.end());
  }
};

// Samples the process's thread count until stopped; keeps the highest.
struct ThreadWatch {
  std::atomic<bool> stop{false};
  std::atomic<int> most{0};
  std::thread thread{[this] {
    while (!stop) {
      most = std::max(most.load(), process_threads());
      std::this_thread::sleep_for(20ms);
    }
  }};
  ~ThreadWatch() {
    stop = true;
    thread.join();
  }
};

TEST(ProbeScheduler, TwoThousandTcpProbesAt100msRunOnAFewThreads) {
  const int before = threads_at_rest();
  const int closed = testing::free_port();  // refused at once: the loop's cheapest round trip
  constexpr std::size_t kProbes = 2000;
  Tally tally(kProbes);
  // One config load (a forked parse-guard child), not 2,000: the test is about the scheduler.
  const auto spec = probe_spec_from_yaml("tcp", "host: 127.0.0.1\nport: " + std::to_string(closed));
  ThreadWatch watch;
  {
    ProbeScheduler scheduler(4);
    std::vector<std::unique_ptr<ProbeWorker>> workers;
    for (std::size_t n = 0; n < kProbes; ++n) {
      std::shared_ptr<probes::Probe> probe = probes::make_probe(spec);
      workers.push_back(
          std::make_unique<ProbeWorker>(scheduler, probe, every(100ms), tally.report(n), n + 1));
      workers.back()->start();
    }
    EXPECT_TRUE(wait_until([&] { return tally.fewest() >= 5; }, 60s))
        << "fewest runs: " << tally.fewest();
    EXPECT_EQ(scheduler.pool_threads(), 0u);  // nothing blocking: the pool never started
  }
  // The scheduler and the loop: 2 threads for 2,000 probes (+1 for the watch itself).
  EXPECT_LE(watch.most.load(), before + 1 + 2) << "threads before: " << before;
  EXPECT_NE(tally.last_detail[0].find("connection refused"), std::string::npos);
}

TEST(ProbeScheduler, TwoThousandBlockingProbesAt100msShareTheBoundedPool) {
  const int before = threads_at_rest();
  constexpr std::size_t kProbes = 2000;
  Tally tally(kProbes);
  ThreadWatch watch;
  {
    ProbeScheduler scheduler(8);
    std::vector<std::unique_ptr<ProbeWorker>> workers;
    for (std::size_t n = 0; n < kProbes; ++n) {
      workers.push_back(std::make_unique<ProbeWorker>(
          scheduler, std::make_shared<FakeBlockingProbe>(), every(100ms), tally.report(n), n));
      workers.back()->start();
    }
    EXPECT_TRUE(wait_until([&] { return tally.fewest() >= 5; }, 60s))
        << "fewest runs: " << tally.fewest();
    EXPECT_LE(scheduler.pool_threads(), 8u);
  }
  EXPECT_LE(watch.most.load(), before + 1 + 2 + 8) << "threads before: " << before;
}

TEST(ProbeScheduler, AHungBlockingCheckIsAbandonedAndItsThreadReplaced) {
  auto gate = std::make_shared<std::atomic<bool>>(false);
  auto hung = std::make_shared<FakeBlockingProbe>(gate);
  auto live = std::make_shared<FakeBlockingProbe>();
  Tally tally(2);
  ProbeScheduler scheduler(1);  // the hung check alone would fill the pool
  ProbeWorker hung_worker(scheduler, hung, every(200ms, 100ms), tally.report(0), 1);
  ProbeWorker live_worker(scheduler, live, every(100ms), tally.report(1), 2);
  hung_worker.start();
  live_worker.start();
  ASSERT_TRUE(wait_until([&] { return tally.fewest() >= 1; }, 20s));
  {
    std::lock_guard lock(tally.mutex);
    EXPECT_EQ(tally.first_details[0], "check did not return within its timeout; abandoned");
  }
  // The hung probe keeps reporting (so thresholds count), is never started twice, and the
  // live probe keeps running on the replacement thread.
  const int live_runs = live->checks;
  ASSERT_TRUE(
      wait_until([&] { return tally.runs_of(0) >= 4 && live->checks >= live_runs + 5; }, 20s));
  EXPECT_EQ(hung->checks.load(), 1);
  {
    std::lock_guard lock(tally.mutex);
    EXPECT_EQ(tally.last_detail[0], "previous check still running past its timeout; not started");
  }
  EXPECT_LE(scheduler.pool_threads(), 2u);
  *gate = true;  // the stuck check returns; its thread leaves, and the probe runs again
  ASSERT_TRUE(wait_until([&] { return hung->checks >= 3; }, 20s));
  ASSERT_TRUE(wait_until([&] { return scheduler.pool_threads() <= 1; }, 20s));
}

TEST(ProbeScheduler, ANamedTcpHostRunsOnThePool) {
  testing::HungListener listener;
  Tally tally(1);
  ProbeScheduler scheduler(2);
  ProbeWorker worker(
      scheduler,
      probe_from_yaml("tcp", "host: localhost\nport: " + std::to_string(listener.port())),
      every(100ms, 1000ms), tally.report(0), 1);
  worker.start();
  ASSERT_TRUE(wait_until([&] { return tally.fewest() >= 3; }, 20s));
  EXPECT_GE(scheduler.pool_threads(), 1u);
  std::lock_guard lock(tally.mutex);
  EXPECT_NE(tally.last_detail[0].find("connected to localhost:"), std::string::npos)
      << tally.last_detail[0];
}

TEST(ProbeScheduler, NoReportAfterStopReturns) {
  ProbeScheduler scheduler(2);
  std::atomic<bool> stopped{false};
  std::atomic<int> late{0}, runs{0};
  auto report = [&](const probes::ProbeResult&, auto, double) {
    ++runs;
    std::this_thread::sleep_for(20ms);  // widen the window in which stop() could slip past
    if (stopped) ++late;
  };
  for (int round = 0; round < 5; ++round) {
    stopped = false;
    const int before = runs;
    ProbeWorker worker(scheduler, std::make_shared<FakeBlockingProbe>(), every(10ms), report, 7);
    worker.start();
    worker.run_now();
    ASSERT_TRUE(wait_until([&] { return runs > before; }, 10s));
    worker.stop();
    stopped = true;
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(late.load(), 0);
}

}  // namespace
}  // namespace watchdog::core
