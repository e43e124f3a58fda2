#include "watchdog/metrics_text.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace watchdog::core {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricType;

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  }
}

void append_count(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

// Label values escape \, " and newline; HELP text escapes \ and newline.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// name{labels[,extra="value"]} value
void append_sample(std::string& out, const std::string& name, std::string_view suffix,
                   const ClientMetric& metric, std::string_view extra_name, double extra_value,
                   double value) {
  out += name;
  out += suffix;
  if (!metric.label.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : metric.label) {
      if (!first) out += ',';
      first = false;
      out += label.name;
      out += "=\"";
      append_escaped(out, label.value, true);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      append_number(out, extra_value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  if (metric.timestamp_ms != 0) {
    out += ' ';
    append_count(out, static_cast<std::uint64_t>(metric.timestamp_ms));
  }
  out += '\n';
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

void append_metric(std::string& out, const std::string& name, MetricType type,
                   const ClientMetric& metric) {
  switch (type) {
    case MetricType::Counter:
      append_sample(out, name, "", metric, {}, 0, metric.counter.value);
      return;
    case MetricType::Gauge:
      append_sample(out, name, "", metric, {}, 0, metric.gauge.value);
      return;
    case MetricType::Untyped:
      append_sample(out, name, "", metric, {}, 0, metric.untyped.value);
      return;
    case MetricType::Summary:
      append_sample(out, name, "_count", metric, {}, 0,
                    static_cast<double>(metric.summary.sample_count));
      append_sample(out, name, "_sum", metric, {}, 0, metric.summary.sample_sum);
      for (const auto& q : metric.summary.quantile) {
        append_sample(out, name, "", metric, "quantile", q.quantile, q.value);
      }
      return;
    case MetricType::Histogram:
      append_sample(out, name, "_count", metric, {}, 0,
                    static_cast<double>(metric.histogram.sample_count));
      append_sample(out, name, "_sum", metric, {}, 0, metric.histogram.sample_sum);
      for (const auto& bucket : metric.histogram.bucket) {
        append_sample(out, name, "_bucket", metric, "le", bucket.upper_bound,
                      static_cast<double>(bucket.cumulative_count));
      }
      return;
  }
}

}  // namespace

std::string to_prometheus_text(const std::vector<prometheus::MetricFamily>& families) {
  std::string out;
  std::size_t series = 0;
  for (const auto& family : families) series += family.metric.size();
  out.reserve(series * 96);
  for (const auto& family : families) {
    if (family.metric.empty()) continue;
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const auto& metric : family.metric) append_metric(out, family.name, family.type, metric);
  }
  return out;
}

}  // namespace watchdog::core
