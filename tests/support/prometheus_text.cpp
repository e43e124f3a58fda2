#include "tests/support/prometheus_text.h"

#include <sstream>

namespace watchdog::testing {
namespace {

// Parses `a="x",b="y\"z"` (the text between the braces); false on malformed input.
bool parse_labels(const std::string& text, std::map<std::string, std::string>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto equals = text.find('=', i);
    if (equals == std::string::npos || equals + 1 >= text.size() || text[equals + 1] != '"') {
      return false;
    }
    std::string key = text.substr(i, equals - i), value;
    std::size_t j = equals + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) ++j;
      value += text[j];
    }
    out[key] = value;
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  return true;
}

}  // namespace

std::optional<double> metric_sum(const std::string& exposition, const std::string& name,
                                 const std::map<std::string, std::string>& labels) {
  std::optional<double> sum;
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.compare(0, name.size(), name) != 0) continue;
    std::map<std::string, std::string> found;
    std::size_t rest = name.size();
    if (rest < line.size() && line[rest] == '{') {
      auto close = line.rfind('}');
      if (close == std::string::npos ||
          !parse_labels(line.substr(rest + 1, close - rest - 1), found)) {
        continue;
      }
      rest = close + 1;
    }
    if (rest >= line.size() || line[rest] != ' ') continue;  // a longer name with this prefix
    bool match = true;
    for (const auto& [key, value] : labels) {
      auto it = found.find(key);
      match &= it != found.end() && it->second == value;
    }
    if (!match) continue;
    sum = sum.value_or(0) + std::stod(line.substr(rest + 1));
  }
  return sum;
}

}  // namespace watchdog::testing
