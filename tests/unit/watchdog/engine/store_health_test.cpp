// The state store's health in the log and /metrics (watchdog/engine/store_health.h): a failing
// store logs once per period however often it fails, and its recovery once (issue #20).
#include "watchdog/engine/store_health.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "tests/support/prometheus_text.h"
#include "watchdog/store/sqlite.h"

namespace watchdog::core {
namespace {

int occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The default logger writes into `out` for the scope's life.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::exception_ptr disk_full() {
  return std::make_exception_ptr(store::SqliteError("x.db: database or disk is full", SQLITE_FULL));
}

TEST(StoreHealth, AFailingStoreLogsOncePerPeriodAndCountsEveryFailure) {
  Metrics metrics;
  CapturedLog log;
  StoreHealth health(metrics, std::chrono::hours(1));
  for (int i = 0; i < 50; ++i) health.write_failed("journal", disk_full());
  EXPECT_EQ(occurrences(log.text(), "state_store_write_failed"), 1) << log.text();
  EXPECT_NE(log.text().find("database or disk is full"), std::string::npos);
  health.write_succeeded();
  EXPECT_EQ(occurrences(log.text(), "state_store_write_recovered"), 1) << log.text();
  // A nearly full disk: failing and working by turns stays quiet within the period.
  for (int i = 0; i < 10; ++i) {
    health.write_failed("state_save", disk_full());
    health.write_succeeded();
  }
  EXPECT_EQ(occurrences(log.text(), "state_store_write_failed"), 1) << log.text();
  EXPECT_EQ(occurrences(log.text(), "state_store_write_recovered"), 1) << log.text();
  const auto text = metrics.render();
  EXPECT_EQ(testing::metric_sum(text, "watchdog_state_store_write_failures_total", {}), 60);
  health.set_backlog(7, 3);
  health.count_recreated();
  const auto after = metrics.render();
  EXPECT_EQ(testing::metric_sum(after, "watchdog_state_store_backlog_entries", {}), 7);
  EXPECT_EQ(testing::metric_sum(after, "watchdog_state_store_backlog_dropped_total", {}), 3);
  EXPECT_EQ(testing::metric_sum(after, "watchdog_state_store_recreated_total", {}), 1);
}

TEST(StoreHealth, FailuresAreLoggedAgainOnceThePeriodHasPassed) {
  Metrics metrics;
  CapturedLog log;
  StoreHealth health(metrics, std::chrono::milliseconds(0));
  health.write_failed("journal", disk_full());
  health.write_failed("journal", disk_full());
  EXPECT_EQ(occurrences(log.text(), "state_store_write_failed"), 2) << log.text();
}

}  // namespace
}  // namespace watchdog::core
