// The text exposition writer: escaping, special values, histogram and summary lines.
#include <gtest/gtest.h>

#include <limits>

#include "watchdog/metrics_text.h"

namespace watchdog::core {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

TEST(MetricsText, GaugesEscapeLabelValuesAndWriteSpecialValues) {
  MetricFamily family{"watchdog_x", "Help with a \\ and\na newline", MetricType::Gauge, {}};
  ClientMetric quoted;
  quoted.label = {{"component", "a\"b\\c\nd"}};
  quoted.gauge.value = 0.25;
  ClientMetric infinite;
  infinite.gauge.value = std::numeric_limits<double>::infinity();
  ClientMetric nan;
  nan.label = {{"probe", "p"}};
  nan.gauge.value = std::numeric_limits<double>::quiet_NaN();
  family.metric = {quoted, infinite, nan};
  EXPECT_EQ(to_prometheus_text({family}),
            "# HELP watchdog_x Help with a \\\\ and\\na newline\n"
            "# TYPE watchdog_x gauge\n"
            "watchdog_x{component=\"a\\\"b\\\\c\\nd\"} 0.25\n"
            "watchdog_x +Inf\n"
            "watchdog_x{probe=\"p\"} NaN\n");
}

TEST(MetricsText, HistogramsWriteCountSumAndCumulativeBuckets) {
  MetricFamily family{"watchdog_d_seconds", "D", MetricType::Histogram, {}};
  ClientMetric metric;
  metric.label = {{"probe", "p"}};
  metric.histogram.sample_count = 3;
  metric.histogram.sample_sum = 1.5;
  metric.histogram.bucket = {{1, 0.005}, {3, std::numeric_limits<double>::infinity()}};
  family.metric = {metric};
  EXPECT_EQ(to_prometheus_text({family}),
            "# HELP watchdog_d_seconds D\n"
            "# TYPE watchdog_d_seconds histogram\n"
            "watchdog_d_seconds_count{probe=\"p\"} 3\n"
            "watchdog_d_seconds_sum{probe=\"p\"} 1.5\n"
            "watchdog_d_seconds_bucket{probe=\"p\",le=\"0.005\"} 1\n"
            "watchdog_d_seconds_bucket{probe=\"p\",le=\"+Inf\"} 3\n");
}

TEST(MetricsText, CountersKeepLargeValuesExactAndEmptyFamiliesAreLeftOut) {
  MetricFamily counter{"watchdog_runs_total", "R", MetricType::Counter, {}};
  ClientMetric metric;
  metric.counter.value = 1764900000123.0;
  counter.metric = {metric};
  MetricFamily empty{"watchdog_none", "N", MetricType::Gauge, {}};
  EXPECT_EQ(to_prometheus_text({empty, counter}),
            "# HELP watchdog_runs_total R\n"
            "# TYPE watchdog_runs_total counter\n"
            "watchdog_runs_total 1764900000123\n");
}

}  // namespace
}  // namespace watchdog::core
