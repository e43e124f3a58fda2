#pragma once
// Small text helpers shared by the config parser and the I/O clients.

#include <cctype>
#include <cerrno>
#include <string>
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

// The system's message for an errno value ("No such file or directory"), thread-safe (not
// strerror's static buffer). The default is the current errno: read it before any other call.
std::string errno_text(int error = errno);

// `text` safe to print on one terminal or log line: control characters (C0, DEL, C1) become
// \n, \t, \r or \xNN / \u0085, and bytes that are not valid UTF-8 become \xNN; valid UTF-8
// (é, 日本) is kept. Every ConfigError message goes through it, since messages quote file content.
std::string escape_unprintable(std::string_view text);
}  // namespace watchdog::config
