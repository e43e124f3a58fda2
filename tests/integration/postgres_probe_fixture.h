#pragma once
// Shared by the `postgres` probe's integration tests: a probe built from YAML through the real
// loader and factory, pointed at a PostgresServer, and small readers of its result.

#include <memory>
#include <optional>
#include <string>

#include "config/loader.h"
#include "probes/factory.h"
#include "tests/support/postgres_server.h"

namespace watchdog::testing {

// `settings` are the probe's keys, one per line, indented by 8.
inline std::unique_ptr<probes::Probe> make(const std::string& settings,
                                           const std::string& kind = "postgres") {
  auto config = config::load_config_text(
      "components:\n  - name: db\n    probes:\n      - name: pg\n        kind: " + kind + "\n" +
          settings,
      "test.yaml");
  return probes::make_probe(config.components.at(0).probes.at(0));
}

// The connection keys for `server`, then `extra` (more keys, formatted like make()'s).
inline std::string keys(const PostgresServer& server, const std::string& extra = "") {
  return "        host: 127.0.0.1\n        port: " + std::to_string(server.port()) +
         "\n        user: postgres\n        dbname: postgres\n        password: " +
         server.password() + "\n" + extra;
}

inline std::optional<double> measurement(const probes::ProbeResult& result,
                                         const std::string& name) {
  for (const auto& m : result.measurements) {
    if (m.name == name) return m.value;
  }
  return std::nullopt;
}

inline std::string describe(const probes::ProbeResult& result) {
  return std::string(probes::to_string(result.status)) + "/" +
         std::string(probes::to_string(result.failure)) + ": " + result.detail;
}

}  // namespace watchdog::testing
