#include "tests/support/alertmanager_server.h"

#include <unistd.h>

#include <stdexcept>

namespace watchdog::testing {
namespace {

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kDefaultTemplates = "/usr/share/prometheus/alertmanager";

std::string config_yaml(const AlertmanagerOptions& options) {
  std::string yaml = "global:\n  resolve_timeout: " + options.resolve_timeout + "\n";
  if (options.webhook_url.empty()) {
    return yaml + R"(route:
  receiver: "null"
receivers:
  - name: "null"
)";
  }
  return yaml + R"(route:
  receiver: test
  group_by: ["..."]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: ")" +
         options.webhook_url + R"("
        send_resolved: true
)";
}

// A shell word in single quotes.
std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool AlertmanagerServer::installed() { return access(kAlertmanager, X_OK) == 0; }

AlertmanagerServer::AlertmanagerServer(AlertmanagerOptions options) : options_(std::move(options)) {
  if (!installed()) {
    throw std::runtime_error(std::string(kAlertmanager) +
                             " is missing: install the Debian package prometheus-alertmanager "
                             "(scripts/setup.sh)");
  }
  dir_.write("alertmanager.yml", config_yaml(options_));
  // A port that was free a moment ago may be taken by a parallel test: try a few.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 2) throw;
    }
  }
}

AlertmanagerServer::~AlertmanagerServer() { process_.reset(); }  // SIGKILLs the group, reaps

std::string AlertmanagerServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string AlertmanagerServer::log() const { return read_text(dir() / "alertmanager.log"); }

void AlertmanagerServer::start() {
  std::vector<std::string> argv = {kAlertmanager,
                                   "--config.file=" + (dir() / "alertmanager.yml").string(),
                                   "--storage.path=" + (dir() / "data").string(),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--cluster.listen-address=",
                                   "--log.level=debug"};
  const std::filesystem::path defaults = kDefaultTemplates;
  if (!std::filesystem::exists(defaults / "email.tmpl")) {
    // The packaging gap (see the header): our own template dir over the fixed one, visible to
    // this process only.
    const auto templates = dir() / "templates";
    std::filesystem::create_directories(templates);
    std::filesystem::copy_file(defaults / "default.tmpl", templates / "default.tmpl",
                               std::filesystem::copy_options::overwrite_existing);
    dir_.write("templates/email.tmpl", "");
    std::string command =
        "mount --bind " + quoted(templates.string()) + " " + quoted(defaults.string()) + " && exec";
    for (const auto& word : argv) command += " " + quoted(word);
    argv = {kUnshare, "-m", "--propagation", "private", "/bin/sh", "-c", command};
  }
  std::filesystem::remove(dir() / "alertmanager.log");
  ProcessOptions process;
  process.argv = argv;
  process.stdout_path = dir() / "alertmanager.log";
  process_ = std::make_unique<ChildProcess>(process);
  wait_until([&] { return !process_->running() || get("/-/ready").status == 200; },
             std::chrono::seconds(15), std::chrono::milliseconds(100));
  if (!process_->running() || get("/-/ready").status != 200) {
    process_.reset();
    throw std::runtime_error("prometheus-alertmanager on port " + std::to_string(port_) +
                             " did not become ready:\n" + log());
  }
}

nlohmann::json AlertmanagerServer::alerts() const {
  auto response = get("/api/v2/alerts");
  if (response.status != 200) {
    throw std::runtime_error("GET /api/v2/alerts on port " + std::to_string(port_) + " answered " +
                             std::to_string(response.status));
  }
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    throw std::runtime_error("GET /api/v2/alerts: not a JSON array: " + response.body);
  }
  return doc;
}

nlohmann::json AlertmanagerServer::alerts_with(
    const std::map<std::string, std::string>& labels) const {
  auto out = nlohmann::json::array();
  for (const auto& alert : alerts()) {
    const auto& have = alert.value("labels", nlohmann::json::object());
    bool match = true;
    for (const auto& [key, value] : labels) {
      match = match && have.contains(key) && have[key] == value;
    }
    if (match) out.push_back(alert);
  }
  return out;
}

std::string AlertmanagerServer::metrics() const {
  auto response = get("/metrics");
  return response.status == 200 ? response.body : "";
}

}  // namespace watchdog::testing
