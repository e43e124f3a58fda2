#include "config/env.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace watchdog::config {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::optional<std::string> getenv_lookup(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

Expansion expand_env(std::string_view text, const EnvLookup& lookup) {
  const EnvLookup& find = lookup ? lookup : EnvLookup(getenv_lookup);
  Expansion out;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$' || i + 1 == text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out.value += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out.value += '$';
      i += 2;
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("malformed environment reference: '${' without a closing '}'");
    }
    auto inner = text.substr(i + 2, close - i - 2);
    auto separator = inner.find(":-");
    auto name = std::string(inner.substr(0, separator));
    if (!valid_name(name)) {
      throw std::invalid_argument("malformed environment reference '${" + std::string(inner) +
                                  "}' (expected ${NAME} or ${NAME:-default})");
    }
    out.variables.push_back(name);
    auto value = find(name);
    if (separator != std::string_view::npos) {
      if (!value || value->empty()) value = std::string(inner.substr(separator + 2));
    } else if (!value) {
      throw std::invalid_argument("environment variable " + name + " is not set");
    }
    out.value += *value;
    i = close + 1;
  }
  return out;
}

}  // namespace watchdog::config
