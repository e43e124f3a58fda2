#pragma once
// Pieces of the Prometheus text exposition format 0.0.4, appended straight to one string. The
// series store (metrics_store.h) writes every family through these: no intermediate copies of
// the series, numbers through std::to_chars (shortest exact form) rather than an ostream — at
// 10,000 components a scrape writes ~250,000 lines and must stay cheap.

#include <initializer_list>
#include <string>
#include <string_view>

namespace watchdog::core {

enum class MetricType { Counter, Gauge, Histogram };

void append_number(std::string& out, double value);
// `name="value"` with the value escaped (\, " and newline).
void append_label(std::string& out, std::string_view name, std::string_view value);
// # HELP and # TYPE lines (HELP escapes \ and newline).
void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          MetricType type);
// name<suffix>{labels} value — `labels` are pieces of pre-rendered label text (`a="1",b="2"`),
// joined with commas; empty pieces are skipped, no piece at all writes no braces.
void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   std::initializer_list<std::string_view> labels, double value);

}  // namespace watchdog::core
