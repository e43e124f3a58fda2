// The text exposition writer: escaping, special values, label pieces.
#include "watchdog/metrics_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace watchdog::core {
namespace {

TEST(MetricsText, HelpAndLabelValuesAreEscaped) {
  std::string out;
  append_family_header(out, "watchdog_x", "Help with a \\ and\na newline", MetricType::Gauge);
  std::string labels;
  append_label(labels, "component", "a\"b\\c\nd");
  append_sample(out, "watchdog_x", "", {labels}, 0.25);
  EXPECT_EQ(out,
            "# HELP watchdog_x Help with a \\\\ and\\na newline\n"
            "# TYPE watchdog_x gauge\n"
            "watchdog_x{component=\"a\\\"b\\\\c\\nd\"} 0.25\n");
}

TEST(MetricsText, SpecialValuesAndLargeCountersAreWrittenExactly) {
  std::string out;
  append_sample(out, "watchdog_x", "", {}, std::numeric_limits<double>::infinity());
  append_sample(out, "watchdog_x", "", {"probe=\"p\""}, std::numeric_limits<double>::quiet_NaN());
  append_sample(out, "watchdog_runs_total", "", {}, 1764900000123.0);
  EXPECT_EQ(out,
            "watchdog_x +Inf\n"
            "watchdog_x{probe=\"p\"} NaN\n"
            "watchdog_runs_total 1764900000123\n");
}

TEST(MetricsText, LabelPiecesAreJoinedSkippingEmptyOnes) {
  std::string out;
  append_sample(out, "watchdog_d_seconds", "_bucket", {"component=\"c\"", "", "le=\"0.005\""}, 1);
  append_sample(out, "watchdog_d", "", {"", ""}, 2);
  EXPECT_EQ(out,
            "watchdog_d_seconds_bucket{component=\"c\",le=\"0.005\"} 1\n"
            "watchdog_d 2\n");
}

TEST(MetricsText, FamilyTypesAreNamed) {
  std::string out;
  append_family_header(out, "a_total", "A", MetricType::Counter);
  append_family_header(out, "b_seconds", "B", MetricType::Histogram);
  EXPECT_EQ(out,
            "# HELP a_total A\n# TYPE a_total counter\n"
            "# HELP b_seconds B\n# TYPE b_seconds histogram\n");
}

}  // namespace
}  // namespace watchdog::core
