#pragma once
// Shared by the game-day CLI tests: `watchdog gameday` run against a daemon's config file —
// to the end, in the background (its stdout and stderr in files of the test's dir), and
// `gameday history --json`. `env` reaches every command (the ${…} the config refers to).

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace watchdog::testing {

struct GamedayCliDriver {
  std::filesystem::path config_path;
  std::filesystem::path dir;  // where start() writes NAME.out and NAME.err
  std::map<std::string, std::string> env;

  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {kWatchdog, "gameday", "-c", config_path.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  CommandResult run(std::vector<std::string> extra,
                    std::chrono::milliseconds limit = std::chrono::seconds(60)) const {
    return run_command(args(std::move(extra)), env, limit);
  }
  // A `watchdog gameday` left running; wait() or signal() it.
  std::unique_ptr<ChildProcess> start(std::vector<std::string> extra,
                                      const std::string& name) const {
    ProcessOptions options;
    options.argv = args(std::move(extra));
    options.env = env;
    options.stdout_path = dir / (name + ".out");
    options.stderr_path = dir / (name + ".err");
    return std::make_unique<ChildProcess>(options);
  }
  std::string err_of(const std::string& name) const { return read_text(dir / (name + ".err")); }
  // The rows of `gameday history --json`, oldest first (null when it did not parse).
  nlohmann::json history() const {
    const auto listed =
        run_command({kWatchdog, "gameday", "history", "-c", config_path.string(), "--json"}, env);
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out, nullptr, false);
  }
};

}  // namespace watchdog::testing
