#include "watchdog/http_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "watchdog/alerts/event.h"

namespace watchdog::core {

std::string status_json(const StatusView& status) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : status.components) {
    nlohmann::json probes = nlohmann::json::array();
    for (const auto& p : c.probes) {
      probes.push_back({{"name", p.name},
                        {"kind", p.kind},
                        {"status", p.status},
                        {"failure", p.failure},
                        {"detail", p.detail},
                        {"last_run", p.last_run ? alerts::rfc3339(*p.last_run) : ""},
                        {"seconds", p.seconds}});
    }
    components.push_back({{"name", c.name},
                          {"state", std::string(to_string(c.state))},
                          {"since", alerts::rfc3339(c.since)},
                          {"incident_id", c.incident_id},
                          {"attempts", c.attempts},
                          {"hold", c.hold},
                          {"muted", c.muted},
                          {"probes", probes}});
  }
  nlohmann::json doc = {{"overall", std::string(to_string(status.overall))},
                        {"components", components}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpServer::HttpServer(Metrics& metrics, const Engine& engine)
    : metrics_(metrics), engine_(engine), server_(std::make_unique<httplib::Server>()) {
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const auto age = std::chrono::steady_clock::now() - engine_.status().heartbeat;
    const bool alive = age < std::chrono::seconds(10);
    res.status = alive ? 200 : 503;
    res.set_content(alive ? "ok\n" : "engine loop stalled\n", "text/plain");
  });
  server_->Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(status_json(engine_.status()), "application/json");
  });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(const std::string& host, int port) {
  if (!server_->bind_to_port(host.c_str(), port)) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             " (address in use or not available)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace watchdog::core
