#include "watchdog/metrics_text.h"

#include <charconv>
#include <cmath>

namespace watchdog::core {
namespace {

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

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

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

void append_label(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(type);
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   std::initializer_list<std::string_view> labels, double value) {
  out += name;
  out += suffix;
  bool first = true;
  for (std::string_view piece : labels) {
    if (piece.empty()) continue;
    out += first ? '{' : ',';
    first = false;
    out += piece;
  }
  if (!first) out += '}';
  out += ' ';
  append_number(out, value);
  out += '\n';
}

}  // namespace watchdog::core
