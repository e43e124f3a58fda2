#pragma once
// Test helpers: a temp directory removed on destruction, a free loopback port, polling waits.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace watchdog::testing {

class TempDir {
 public:
  TempDir();  // mkdtemp under $TMPDIR (or /tmp)
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `content` to path()/name and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
int free_port();

// Polls `condition` every `step` until it holds or `limit` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                std::chrono::milliseconds step = std::chrono::milliseconds(50));

// True when the CI environment variable is "true": integration tests must not skip then.
bool running_in_ci();

}  // namespace watchdog::testing
