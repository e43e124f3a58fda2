#pragma once
// Shared by the database game-day tests (gameday_database_test.cpp,
// gameday_database_stop_test.cpp): a Context whose memory and notes the test keeps, and a
// PostgreSQL component `db` with the backup target `main`, stopped and started through pg_ctl the
// way an operator would write it.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/loader.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::testing {

using namespace std::chrono_literals;

// What the runner hands a scenario, kept by the test: memory, the notes, no interruption.
struct Harness {
  nlohmann::json memory = nlohmann::json::object();
  std::vector<std::string> notes;
  int saves = 0;

  gameday::Context context(const config::Config& config, const config::ComponentSpec& component) {
    return gameday::Context{config,
                            component,
                            memory,
                            [this] { ++saves; },
                            [this](const std::string& line) { notes.push_back(line); },
                            [] { return false; },
                            [](const std::string&, const std::string&) {}};
  }
  std::string all_notes() const {
    std::string text;
    for (const auto& note : notes) text += note + "\n";
    return text;
  }
};

inline void use_pg_ctl(config::ComponentSpec& component, const PostgresServer& server) {
  component.gameday.service.stop = pg_ctl(server, {"-w", "stop", "-m", "fast"});
  component.gameday.service.start = pg_ctl(
      server, {"-o", server.server_options(), "-l", server.log_path().string(), "-w", "start"});
}

// A component `db` with a postgres probe on `shop` (loaded from YAML, so the probe's options are
// real), the backup target `main` beside it.
inline config::Config shop_config(const PostgresServer& server,
                                  const std::filesystem::path& backups) {
  auto config = config::load_config_text(R"(
components:
  - name: db
    probes:
      - name: shop-postgres
        kind: postgres
        dsn: ")" + shop_dsn(server) + R"("
        timeout: 2s
)",
                                         "gameday-test.yaml");
  config.backups = {shop_target(server, backups, server.password())};
  config.backups[0].rpo = 1h;
  auto& gameday = config.components.at(0).gameday;
  gameday.backup_target = "main";
  gameday.fresh_backup = true;
  gameday.writer_interval = 100ms;
  return config;
}

}  // namespace watchdog::testing
