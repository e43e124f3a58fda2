#include "tests/support/watchdog_process.h"

#include <fstream>
#include <stdexcept>

#include "tests/support/prometheus_text.h"

namespace watchdog::testing {

WatchdogProcess::WatchdogProcess(const TempDir& dir, WatchdogOptions options)
    : config_path_(dir / (options.instance.empty() ? "watchdog.yaml"
                                                   : "watchdog-" + options.instance + ".yaml")),
      log_path_(dir / (options.instance.empty() ? "watchdog.log"
                                                : "watchdog-" + options.instance + ".log")),
      state_dir_(dir / (options.instance.empty() ? "state" : "state-" + options.instance)),
      watchdog_keys_(options.watchdog_keys) {
  // free_port() can race with another test taking the port: retry when the listen fails.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    write_config(options.yaml);
    std::filesystem::remove(log_path_);
    std::vector<std::string> argv = {options.binary};
    argv.insert(argv.end(), options.global_args.begin(), options.global_args.end());
    argv.insert(argv.end(), {"run", "-c", config_path_.string()});
    process_ = std::make_unique<ChildProcess>(
        ProcessOptions{argv, options.env, "/dev/null", log_path_, {}});
    const bool up =
        wait_until([&] { return !process_->running() || get("/readyz").status == 200; },
                   std::chrono::seconds(10));
    if (up && process_->running()) return;
    const bool port_taken = log().find("listen_failed") != std::string::npos;
    if (!port_taken) break;
  }
  throw std::runtime_error("watchdog did not become healthy; its log:\n" + log());
}

void WatchdogProcess::write_config(const std::string& yaml) const {
  const std::string header = "watchdog:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                             "\n  state_dir: " + state_dir_.string() + "\n" + watchdog_keys_;
  std::filesystem::path temporary = config_path_.string() + ".tmp";
  std::ofstream(temporary, std::ios::binary) << header << yaml;
  std::filesystem::rename(temporary, config_path_);  // a reload never sees half a file
}

std::string WatchdogProcess::metrics() const {
  auto response = get("/metrics");
  return response.status == 200 ? response.body : "";
}

nlohmann::json WatchdogProcess::status() const {
  auto response = get("/status");
  if (response.status != 200) return nullptr;
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  return doc.is_discarded() ? nlohmann::json(nullptr) : doc;
}

std::string WatchdogProcess::log() const { return read_text(log_path_); }

double WatchdogProcess::metric(const std::string& name,
                               const std::map<std::string, std::string>& labels) const {
  return metric_sum(metrics(), name, labels).value_or(0);
}

nlohmann::json find_component(const nlohmann::json& status, const std::string& component) {
  if (!status.is_object() || !status.contains("components")) return nullptr;
  for (const auto& c : status["components"]) {
    if (c.value("name", "") == component) return c;
  }
  return nullptr;
}

std::string component_state(const nlohmann::json& status, const std::string& component) {
  auto c = find_component(status, component);
  return c.is_object() ? c.value("state", "") : "";
}

}  // namespace watchdog::testing
