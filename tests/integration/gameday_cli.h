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

// The flag stack of the game-day tests, on command probes (no server needed); @DIR@ is the test's
// dir, @URL@ a webhook receiver (a game day passes only when the incident's alerts arrive).
//   svc: needs DIR/up; its ladder's command action recreates it.
//   stuck: needs DIR/up-stuck and has no ladder, so a fault stays until the revert.
// Each has the custom scenario flag-removed.
inline const std::string kFlagComponents = R"(components:
  - name: svc
    staging: true
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
    recovery:
      max_attempts: 3
      backoff: 100ms
      verify_timeout: 10s
      actions:
        - name: fix
          kind: command
          argv: ["/bin/sh", "-c", "touch @DIR@/up"]
          timeout: 10s
    gameday:
      timeout: 30s
      scenarios:
        - name: flag-removed
          inject: ["/bin/sh", "-c", "rm -f @DIR@/up && echo x >> @DIR@/svc-injected"]
          revert: ["/bin/sh", "-c", "touch @DIR@/up && echo x >> @DIR@/svc-reverted"]
  - name: stuck
    staging: true
    probes:
      - name: stuck-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up-stuck || exit 2"]
    gameday:
      timeout: 60s
      scenarios:
        - name: flag-removed
          inject: ["/bin/sh", "-c", "rm -f @DIR@/up-stuck && echo x >> @DIR@/stuck-injected"]
          revert: ["/bin/sh", "-c", "touch @DIR@/up-stuck && echo x >> @DIR@/stuck-reverted"]
)";
inline const std::string kHookAlert = R"(alerts:
  - name: hook
    kind: webhook
    url: @URL@
)";

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
