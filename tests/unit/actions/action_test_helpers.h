#pragma once
// Shared by the action unit tests: an action built from YAML through the real loader and
// factory, so each test exercises the same key validation as a config file.

#include <memory>
#include <sstream>
#include <string>

#include "actions/factory.h"
#include "config/loader.h"

namespace watchdog::testing {

// `keys` is the kind's own YAML mapping, one key per line, unindented.
inline std::unique_ptr<actions::Action> action_from_yaml(const std::string& kind,
                                                         const std::string& keys) {
  std::ostringstream yaml;
  yaml << "components:\n  - name: app\n    probes:\n      - name: p\n        kind: command\n"
       << "        argv: [/bin/true]\n    recovery:\n      actions:\n        - kind: " << kind
       << "\n";
  std::istringstream lines(keys);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) yaml << "          " << line << "\n";
  }
  auto config = config::load_config_text(yaml.str(), "test.yaml");
  return actions::make_action(config.components.at(0).recovery.actions.at(0));
}

}  // namespace watchdog::testing
