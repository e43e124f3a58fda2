#pragma once
// Shared by the probe tests: probes built from YAML through the real loader and factory, and a
// cpp-httplib server on a loopback port with handlers the test registers.

#include <httplib.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/loader.h"
#include "probes/factory.h"
#include "tests/support/hung_listener.h"  // HungListener, shared with other tests
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

// `keys` is the kind's own YAML mapping, one key per line, unindented.
inline config::ProbeSpec probe_spec_from_yaml(const std::string& kind, const std::string& keys) {
  std::ostringstream yaml;
  yaml << "components:\n  - name: app\n    probes:\n      - name: check\n        kind: " << kind
       << "\n";
  std::istringstream lines(keys);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) yaml << "        " << line << "\n";
  }
  auto config = config::load_config_text(yaml.str(), "test.yaml");
  return config.components.at(0).probes.at(0);
}

inline std::unique_ptr<probes::Probe> probe_from_yaml(const std::string& kind,
                                                      const std::string& keys) {
  return probes::make_probe(probe_spec_from_yaml(kind, keys));
}

// The value of the measurement `name`, or -1 when the probe did not report it.
inline double measurement(const std::vector<probes::Measurement>& measurements,
                          const std::string& name) {
  for (const auto& m : measurements) {
    if (m.name == name) return m.value;
  }
  return -1;
}
inline double measurement(const probes::ProbeResult& result, const std::string& name) {
  return measurement(result.measurements, name);
}

// A real HTTP server on 127.0.0.1 (random port); register handlers on `server` before start().
class HttpServer {
 public:
  httplib::Server server;
  ~HttpServer() {
    server.stop();
    if (thread_.joinable()) thread_.join();
  }
  // Binds (so connections queue at once) and serves on a thread; returns the base URL.
  std::string start() {
    port_ = server.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind the test HTTP server");
    thread_ = std::thread([this] { server.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs; wait so the destructor can always join.
    if (!wait_until([this] { return server.is_running(); }, std::chrono::seconds(5),
                    std::chrono::milliseconds(1))) {
      throw std::runtime_error("the test HTTP server did not start");
    }
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }

 private:
  std::thread thread_;
  int port_ = 0;
};

// The routes the http probe tests (blocking and event-loop paths) share: /ok ("status: ready"),
// /down (503), /created (201), /slow (300 ms), /echo (the Authorization header back).
inline void add_http_probe_routes(httplib::Server& server) {
  server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("status: ready", "text/plain");
  });
  server.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  server.Get("/created", [](const httplib::Request&, httplib::Response& res) { res.status = 201; });
  server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    res.set_content("late", "text/plain");
  });
  server.Get("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_header_value("Authorization"), "text/plain");
  });
}

}  // namespace watchdog::testing
