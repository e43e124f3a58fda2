#pragma once
// Shared by the game-day scenario tests: a Context the test owns, as the runner would build it —
// the scenario's memory, a save() that counts, notes collected as lines, an interrupted flag
// and the operator requests the scenario queued (optionally passed on to a daemon's store).

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::testing {

struct ScenarioBench {
  config::Config config;
  config::ComponentSpec component;
  nlohmann::json memory = nlohmann::json::object();
  int saves = 0;
  std::vector<std::string> notes;
  bool interrupted = false;
  std::vector<std::pair<std::string, std::string>> requests;  // kind, data
  std::function<void(const std::string&, const std::string&)> forward_request;

  gameday::Context context() {
    return gameday::Context{config,
                            component,
                            memory,
                            [this] { ++saves; },
                            [this](const std::string& line) { notes.push_back(line); },
                            [this] { return interrupted; },
                            [this](const std::string& kind, const std::string& data) {
                              requests.emplace_back(kind, data);
                              if (forward_request) forward_request(kind, data);
                            }};
  }

  std::string all_notes() const {
    std::string text;
    for (const auto& line : notes) text += line + "\n";
    return text;
  }
};

}  // namespace watchdog::testing
