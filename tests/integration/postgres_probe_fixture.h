#pragma once
// Shared by the `postgres` probe's integration tests: a `postgres` probe pointed at a
// PostgresServer. The kind-neutral helpers (make, measurement, describe) are in probe_fixture.h.

#include <memory>
#include <string>

#include "tests/integration/probe_fixture.h"
#include "tests/support/postgres_server.h"

namespace watchdog::testing {

// A `postgres` probe; `settings` are its keys, one per line, indented by 8.
inline std::unique_ptr<probes::Probe> make(const std::string& settings) {
  return make(settings, "postgres");
}

// The connection keys for `server`, then `extra` (more keys, formatted like make()'s).
inline std::string keys(const PostgresServer& server, const std::string& extra = "") {
  return "        host: 127.0.0.1\n        port: " + std::to_string(server.port()) +
         "\n        user: postgres\n        dbname: postgres\n        password: " +
         server.password() + "\n" + extra;
}

}  // namespace watchdog::testing
