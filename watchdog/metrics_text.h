#pragma once
// The Prometheus text exposition format 0.0.4 of collected metric families, written straight
// into one string. prometheus-cpp's TextSerializer formats every number through an ostream;
// with 1,000 components (~31,000 series) that alone took most of a /metrics request, and a
// scrape must stay cheap at any size. Numbers use std::to_chars (shortest exact form).

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace watchdog::core {

std::string to_prometheus_text(const std::vector<prometheus::MetricFamily>& families);

}  // namespace watchdog::core
