#pragma once
// A real Prometheus Alertmanager 0.25 (Debian's `prometheus-alertmanager`) for integration
// tests: `/usr/bin/prometheus-alertmanager --config.file DIR/alertmanager.yml --storage.path
// DIR/data --web.listen-address 127.0.0.1:PORT --cluster.listen-address=` (empty: no gossip, so
// nothing binds the fixed cluster port 9094 and parallel tests can run several instances — two
// of them make an "HA pair without clustering", which is how a sender must treat them anyway:
// push every alert to every instance). Its config routes everything to one receiver: a webhook
// URL given by the test, or a receiver with no integrations ("null").
//
// Templates: Debian's build reads its default notification templates from the fixed directory
// /usr/share/prometheus/alertmanager (default.tmpl and email.tmpl; there is no flag for it since
// 0.24.0-5, and the config's `templates:` only adds files — checked: it cannot stand in for a
// missing default). Builds before 0.24.0-5 shipped no email.tmpl and then refuse to start
// ("failed to parse templates: open /usr/share/prometheus/alertmanager/email.tmpl"); 0.25.0-1+b4
// ships it. When it is missing, the server is started in a private mount namespace
// (`unshare -m`, needs root) with DIR/templates bind-mounted over that directory: the package's
// default.tmpl plus an empty email.tmpl, which is enough (checked) as long as no e-mail receiver
// is configured.
//
// The constructor returns once GET /-/ready answers 200 and throws std::runtime_error (with the
// log) otherwise — also when the binary is missing (install it with scripts/setup.sh): a server
// that does not start fails the test, it never skips it.
// The destructor SIGKILLs the server's process group and reaps it; the temp dir goes with it.
//
// Thread-safety: one test thread drives the fixture; the server may be reached from any thread.

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

struct AlertmanagerOptions {
  std::string webhook_url;  // notifications go there when set (group_wait 0s, group_interval 1s)
  std::string resolve_timeout = "5m";
};

class AlertmanagerServer {
 public:
  explicit AlertmanagerServer(AlertmanagerOptions options = {});
  ~AlertmanagerServer();
  AlertmanagerServer(const AlertmanagerServer&) = delete;
  AlertmanagerServer& operator=(const AlertmanagerServer&) = delete;

  static bool installed();  // whether the binary is there at all

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT (the base URL a sender is given)
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string log() const;

  HttpResult get(const std::string& path) const { return http_get(port_, path); }
  // GET /api/v2/alerts parsed: the active (firing, not resolved) alerts — Alertmanager 0.25
  // leaves resolved alerts (endsAt in the past) out of this list altogether, also with
  // ?active=false. Throws std::runtime_error when the server does not answer 200 with JSON.
  nlohmann::json alerts() const;
  // The alerts of alerts() whose labels include every label in `labels`.
  nlohmann::json alerts_with(const std::map<std::string, std::string>& labels) const;
  // The server's own /metrics body ("" when it did not answer 200).
  std::string metrics() const;

 private:
  void start();
  TempDir dir_;
  AlertmanagerOptions options_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace watchdog::testing
