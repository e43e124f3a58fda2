#pragma once
// Shared by the integration tests: how to start the binaries under test, small file helpers.

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <cstdio>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/watchdog_process.h"

namespace watchdog::testing {

inline constexpr const char* kWatchdog = WATCHDOG_BINARY;
inline constexpr const char* kPromtool = PROMTOOL_BINARY;

inline WatchdogOptions watchdog_options(std::string yaml,
                                        std::map<std::string, std::string> env = {}) {
  return {kWatchdog, std::move(yaml), std::move(env), {}};
}

// Replaces every @KEY@ in `text` with its value (keeps ${ENV} references intact).
inline std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string marker = "@" + key + "@";
    for (auto at = text.find(marker); at != std::string::npos;
         at = text.find(marker, at + value.size())) {
      text.replace(at, marker.size(), value);
    }
  }
  return text;
}

// The non-empty lines of a file (none when it does not exist): logs that scripts append to.
inline std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::istringstream in(read_text(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Writes an executable script (mode 0755) into `dir` and returns its path.
inline std::filesystem::path write_script(const TempDir& dir, const std::string& name,
                                          const std::string& content) {
  auto path = dir.write(name, content);
  chmod(path.c_str(), 0755);
  return path;
}

// The `defaults:` block of quick-cycling test configs: every probe runs each `interval`, one
// failure or success decides.
inline std::string fast_defaults(const std::string& interval = "300ms") {
  return fill(R"(defaults:
  interval: @INTERVAL@
  recheck_interval: 100ms
  timeout: @INTERVAL@
  jitter: 0s
  failure_threshold: 1
  success_threshold: 1
)",
              {{"INTERVAL", interval}});
}

// Lower-case hex HMAC-SHA256, computed here independently of the product's code.
inline std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

}  // namespace watchdog::testing
