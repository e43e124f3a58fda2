#pragma once
// Shared by the alert provider tests: one fixed event with every field set, a provider built
// through the real config loader and factory, and header lookup.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "watchdog/alerts/factory.h"

namespace watchdog::alerts::alert_test {

// api, CRITICAL → RECOVERING at 2026-11-22T03:35:00.123Z, held by postgres, after a
// successful restart, incident open for 3m 12s, with a link.
inline AlertEvent sample_event() {
  AlertEvent e;
  e.event_id = "api-20261122T033500Z/2-RECOVERING";
  e.component = "api";
  e.from = core::State::Critical;
  e.to = core::State::Recovering;
  e.reason = "attempt 1/3: api-http: connection refused";
  e.incident_id = "api-20261122T033500Z";
  e.attempt = 1;
  e.at = core::TimePoint(std::chrono::milliseconds(1'795'318'500'123));
  e.overall = core::State::Recovering;
  e.probes.push_back({"api-http", "http", "unhealthy", "refused", "connection refused"});
  e.action = ActionSnapshot{"restart-api", "docker_restart", true, "container restarted"};
  e.root_cause = "postgres";
  e.root_incident = "postgres-20261122T033000Z";
  e.incident_started = e.at - std::chrono::seconds(192);
  e.link = "https://watchdog.example/incidents/api-20261122T033500Z";
  return e;
}

// The same incident resolved: RECOVERING → HEALTHY after 3m 12s.
inline AlertEvent resolved_event() {
  auto e = sample_event();
  e.event_id = "api-20261122T033500Z/3-HEALTHY";
  e.from = core::State::Recovering;
  e.to = core::State::Healthy;
  e.overall = core::State::Healthy;
  e.reason = "all probes pass";
  e.probes[0] = {"api-http", "http", "healthy", "none", "200 in 3 ms"};
  return e;
}

inline std::vector<std::unique_ptr<Provider>> providers_from(const std::string& alert_yaml) {
  auto config = config::load_config_text(
      "components:\n  - name: c\n    probes:\n      - {name: p, kind: tcp, host: 127.0.0.1, "
      "port: 1}\nalerts:\n" +
          alert_yaml,
      "test.yaml");
  return make_providers(config.alerts.at(0));
}

inline std::unique_ptr<Provider> provider_from(const std::string& alert_yaml) {
  auto sinks = providers_from(alert_yaml);
  if (sinks.size() != 1) throw std::logic_error("expected exactly one sink");
  return std::move(sinks.front());
}

inline std::string header(const probes::HttpRequest& request, const std::string& name) {
  for (const auto& h : request.headers) {
    if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
  }
  return "<absent>";
}

inline probes::HttpResponse answer(long status, std::string body = "",
                                   std::map<std::string, std::string> headers = {}) {
  probes::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline probes::HttpResponse transport_error() {
  probes::HttpResponse response;
  response.error = probes::HttpError::Refused;
  response.error_text = "Couldn't connect to server";
  return response;
}

// The error text of building `alert_yaml`, "" when it built.
inline std::string config_error(const std::string& alert_yaml) {
  try {
    providers_from(alert_yaml);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace watchdog::alerts::alert_test
