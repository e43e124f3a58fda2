#pragma once
// Shared by the probes' integration tests: a probe built from YAML through the real loader and
// factory, and small readers of its result. Kind-specific helpers (a server's connection keys)
// live beside their tests, e.g. tests/integration/postgres_probe_fixture.h.

#include <memory>
#include <optional>
#include <string>

#include "config/loader.h"
#include "probes/factory.h"

namespace watchdog::testing {

// A probe of `kind`; `settings` are its keys, one per line, indented by 8.
inline std::unique_ptr<probes::Probe> make(const std::string& settings, const std::string& kind) {
  auto config = config::load_config_text(
      "components:\n  - name: db\n    probes:\n      - name: pg\n        kind: " + kind + "\n" +
          settings,
      "test.yaml");
  return probes::make_probe(config.components.at(0).probes.at(0));
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
