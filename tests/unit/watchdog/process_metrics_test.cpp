// process_* metrics from /proc: the parsers on fixed text, the collector on this very process.
#include "watchdog/process_metrics.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/prometheus_text.h"
#include "watchdog/metrics.h"

namespace watchdog::core {
namespace {

// /proc/<pid>/stat of a process whose name holds a space and a ')', and whose waited-for
// children used CPU too (cutime 7000, cstime 3000 ticks): not this process's CPU.
const std::string kStat =
    "4242 (wat ch)dog) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 7000 3000 20 0 9 0 12345 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

TEST(ProcStat, ParsesCpuStartAndMemoryPastAParenthesisInTheName) {
  const auto stat = parse_proc_stat(kStat, 100, 4096);
  ASSERT_TRUE(stat);
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 4.0);  // (250 + 150) ticks at 100 Hz, no children's
  EXPECT_DOUBLE_EQ(stat->start_after_boot, 123.45);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_bytes, 2560u * 4096u);
}

TEST(ProcStat, RejectsTruncatedOrForeignText) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2 3", 100, 4096));
  EXPECT_FALSE(parse_proc_stat(kStat, 0, 4096));
}

TEST(ProcStat, BootTimeFromProcStat) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764900000\nprocesses 9\n"), 1764900000);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\n"));
}

TEST(ProcessCollector, ThisProcessIsRenderedWithPlausibleValues) {
  Metrics metrics;
  const auto text = metrics.render();
  using testing::metric_sum;
  EXPECT_GT(metric_sum(text, "process_resident_memory_bytes").value_or(0), 1 << 20);
  EXPECT_GT(metric_sum(text, "process_virtual_memory_bytes").value_or(0), 1 << 20);
  EXPECT_GE(metric_sum(text, "process_open_fds").value_or(0), 2);  // stdout, stderr at least
  EXPECT_GT(metric_sum(text, "process_max_fds").value_or(0), 0);
  EXPECT_GE(metric_sum(text, "process_cpu_seconds_total").value_or(-1), 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = metric_sum(text, "process_start_time_seconds").value_or(0);
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 24 * 3600) << "this test process started today";
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace watchdog::core
