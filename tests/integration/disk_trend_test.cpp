// Issue #18: the disk probe sees a filesystem filling up before it is full, and remembers how
// fast across a restart. A real watchdog watches a 24 MiB tmpfs that the test fills at a steady
// 640 KiB/s (a chunk every 200 ms), with a 30 s regression window (minimum span 3 s; 15 s for a
// critical verdict):
//  1. before the history spans 3 s there is no estimate: watchdog_disk_full_in_seconds is
//     absent (not 0) beside watchdog_disk_used_ratio;
//  2. then the component turns DEGRADED by time to full, then CRITICAL (once the history spans
//     15 s), while space used is still below `warn`;
//  3. filling stops and the watchdog restarts: the FIRST check after the restart already has an
//     estimate (a fresh history could not have one yet) — the history came from the state store;
//  4. a reload to a 3 s window with the filler deleted leaves nothing filling: the metric goes
//     from /metrics (never left at its last value) and the component is HEALTHY again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/tmpfs_mount.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Appends `chunk` bytes to `file` every `every` until stopped (or the volume is full).
class SteadyFiller {
 public:
  SteadyFiller(const fs::path& file, std::size_t chunk, std::chrono::milliseconds every)
      : thread_([this, file, chunk, every] {
          const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
          if (fd < 0) return;
          const std::vector<char> data(chunk, 'x');
          auto next = std::chrono::steady_clock::now();
          while (!stop_) {
            if (::write(fd, data.data(), data.size()) < 0) break;  // full: stop filling
            next += every;
            std::this_thread::sleep_until(next);
          }
          ::close(fd);
        }) {}
  ~SteadyFiller() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const std::map<std::string, std::string> kProbe = {{"component", "data"}, {"probe", "data-disk"}};

std::optional<double> gauge(const std::string& metrics, const std::string& name) {
  return metric_sum(metrics, name, kProbe);
}

std::string probe_detail(const nlohmann::json& status) {
  const auto c = find_component(status, "data");
  if (!c.is_object() || c["probes"].empty()) return "";
  return c["probes"][0].value("detail", "");
}

std::string config(const fs::path& volume, const std::string& interval, const std::string& window) {
  return fill(R"(components:
  - name: data
    probes:
      - name: data-disk
        kind: disk
        path: @PATH@
        warn: 90%
        critical: 95%
        full_in_window: @WINDOW@
        full_in_warn: 5m
        full_in_critical: 30s
        interval: @INTERVAL@
        timeout: 400ms
        jitter: 0s
        recheck_interval: @INTERVAL@
        failure_threshold: 1
        success_threshold: 1
)",
              {{"PATH", volume.string()}, {"INTERVAL", interval}, {"WINDOW", window}});
}

TEST(DiskTimeToFull, OnAFillingVolumeItWarnsEarlyAndSurvivesARestart) {
  TempDir dir;
  const fs::path volume = dir / "vol";
  REQUIRE_TMPFS(mount, volume, "24m");
  auto watchdog =
      std::make_unique<WatchdogProcess>(dir, watchdog_options(config(volume, "500ms", "30s")));
  ASSERT_TRUE(wait_until(
      [&] { return gauge(watchdog->metrics(), "watchdog_disk_used_ratio").has_value(); }, 10s))
      << watchdog->log();

  // 1. A history shorter than 3 s: no estimate, and no stand-in value for it either.
  SteadyFiller filler(volume / "filler", 128 * 1024, 200ms);
  {
    const std::string metrics = watchdog->metrics();
    ASSERT_TRUE(gauge(metrics, "watchdog_disk_used_ratio"));
    EXPECT_FALSE(gauge(metrics, "watchdog_disk_full_in_seconds")) << metrics;
    EXPECT_FALSE(gauge(metrics, "watchdog_disk_growth_bytes_per_second")) << metrics;
  }

  // 2. DEGRADED by time to full (under 5 min; under 30 s but on less than 15 s of history),
  //    then CRITICAL (under 30 s, about 15 s into the filling, the volume full at 38 s), with
  //    space used still below warn (90 %, at 34 s).
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog->status(), "data") == "DEGRADED"; }, 15s))
      << watchdog->log();
  std::string detail = probe_detail(watchdog->status());
  EXPECT_TRUE(detail.find("(warning under 5m)") != std::string::npos ||
              detail.find("(under 30s; critical once the history spans 15s)") != std::string::npos)
      << detail;
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog->status(), "data") == "CRITICAL"; }, 25s))
      << watchdog->log();
  filler.stop();
  detail = probe_detail(watchdog->status());
  EXPECT_NE(detail.find("(critical under 30s)"), std::string::npos) << detail;
  EXPECT_NE(detail.find(" at +"), std::string::npos) << detail;  // the growth rate, per hour
  const std::string metrics = watchdog->metrics();
  EXPECT_LT(gauge(metrics, "watchdog_disk_used_ratio").value_or(1), 0.9);
  const double full_in = gauge(metrics, "watchdog_disk_full_in_seconds").value_or(-1);
  EXPECT_GT(full_in, 0);
  EXPECT_LT(full_in, 30);
  // 640 KiB/s written; the window also holds the flat samples from before the filling began
  // and tmpfs counts whole pages, so the fitted rate is near it, not equal.
  const double growth = gauge(metrics, "watchdog_disk_growth_bytes_per_second").value_or(0);
  EXPECT_GT(growth, 320 * 1024.0);
  EXPECT_LT(growth, 800 * 1024.0);

  // 3. Restart (graceful: the stop saves the latest history; during the run it was saved once,
  //    the save interval being 5 min), with a long interval so that the first check stays the
  //    only one a while: it has an estimate at once, which only the saved history can give.
  watchdog->process().signal(SIGTERM);
  ASSERT_TRUE(watchdog->process().wait(10s)) << watchdog->log();
  watchdog.reset();
  watchdog = std::make_unique<WatchdogProcess>(dir, watchdog_options(config(volume, "30s", "30s")));
  std::string first;
  ASSERT_TRUE(wait_until(
      [&] {
        first = watchdog->metrics();
        return metric_sum(first, "watchdog_probe_runs_total", kProbe).value_or(0) >= 1;
      },
      10s))
      << watchdog->log();
  EXPECT_EQ(metric_sum(first, "watchdog_probe_runs_total", kProbe).value_or(0), 1);
  EXPECT_TRUE(gauge(first, "watchdog_disk_full_in_seconds")) << first;
  EXPECT_TRUE(gauge(first, "watchdog_disk_growth_bytes_per_second")) << first;
  // /status shows the same check once the engine's turn ends.
  EXPECT_TRUE(wait_until(
      [&] { return probe_detail(watchdog->status()).find("full in ") != std::string::npos; }, 5s))
      << watchdog->status().dump();

  // 4. Nothing fills any more: with a 3 s window the growth leaves the history, the estimate
  //    goes, and so does its series (the probe's other figures stay).
  fs::remove(volume / "filler");
  watchdog->write_config(config(volume, "500ms", "3s"));
  watchdog->process().signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string now = watchdog->metrics();
        return !gauge(now, "watchdog_disk_full_in_seconds") &&
               !gauge(now, "watchdog_disk_growth_bytes_per_second") &&
               gauge(now, "watchdog_disk_used_ratio").value_or(1) < 0.1 &&
               component_state(watchdog->status(), "data") == "HEALTHY";
      },
      15s))
      << watchdog->log();
}

}  // namespace
}  // namespace watchdog::testing
