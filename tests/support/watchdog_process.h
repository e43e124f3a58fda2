#pragma once
// A running `watchdog run` for integration tests. The constructor writes DIR/watchdog.yaml —
// (DIR/watchdog-<instance>.yaml etc. when an instance name is given) —
// a `watchdog:` section (listen on a free loopback port, state_dir DIR/state) followed by the
// test's YAML — starts the binary with its output in DIR/watchdog.log, and returns once
// GET /readyz answers 200 (it throws std::runtime_error, with the log, when that does not
// happen within 10 s). The process is SIGKILLed on destruction unless it already exited.

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

struct WatchdogOptions {
  std::string binary;                      // path of the watchdog executable
  std::string yaml;                        // everything but the `watchdog:` section
  std::map<std::string, std::string> env;  // added to the test's environment
  std::vector<std::string> global_args;    // before `run`, e.g. {"--log-level", "debug"}
  std::string watchdog_keys;               // more lines for the `watchdog:` section (indented)
  std::string instance;                    // several watchdogs in one dir: files get this suffix
};

class WatchdogProcess {
 public:
  WatchdogProcess(const TempDir& dir, WatchdogOptions options);

  int port() const { return port_; }
  ChildProcess& process() { return *process_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  // Replaces the config file (same `watchdog:` section) — follow with a SIGHUP to reload.
  void write_config(const std::string& yaml) const;

  HttpResult get(const std::string& path) const { return http_get(port_, path); }
  std::string metrics() const;    // the /metrics body ("" when it did not answer 200)
  nlohmann::json status() const;  // /status parsed (null when it did not answer 200)
  std::string log() const;        // everything the watchdog printed so far
  // metric_sum() over the current /metrics, 0 when no sample matches.
  double metric(const std::string& name,
                const std::map<std::string, std::string>& labels = {}) const;

 private:
  std::filesystem::path config_path_;
  std::filesystem::path log_path_;
  std::filesystem::path state_dir_;
  std::string watchdog_keys_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The component's entry in a /status document (null when absent).
nlohmann::json find_component(const nlohmann::json& status, const std::string& component);
// "HEALTHY", "CRITICAL", … or "" when the component is absent.
std::string component_state(const nlohmann::json& status, const std::string& component);

}  // namespace watchdog::testing
