#pragma once
// Small text helpers shared by the config parser and the I/O clients.

#include <cctype>
#include <string_view>

namespace watchdog::config {

// `text` without leading and trailing white space.
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace watchdog::config
