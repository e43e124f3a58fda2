#pragma once
// Shared by the deploy tests (tests/deploy/*_test.cpp, CTest label `deploy`): where the
// repository and the tools are, YAML and PromQL helpers. Everything runs offline, in temp dirs.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing::deploy {

inline constexpr const char* kWatchdog = WATCHDOG_BINARY;

// The repository root (the source tree this test was built from).
std::filesystem::path repo();

// The absolute path of `name` found in $PATH, "" when it is not installed.
std::string find_tool(const std::string& name);

// A tool the test needs, its path assigned to `var`: under CI=true its absence fails the test
// (or the fixture's SetUp, which then skips the body), elsewhere it skips it.
#define DEPLOY_ASSIGN_TOOL(var, name)                                                            \
  var = ::watchdog::testing::deploy::find_tool(name);                                            \
  if (var.empty()) {                                                                             \
    if (::watchdog::testing::running_in_ci()) {                                                  \
      FAIL() << name << " is not installed (scripts/setup.sh installs it); CI=true never skips"; \
    }                                                                                            \
    GTEST_SKIP() << name << " is not installed (scripts/setup.sh installs it)";                  \
  }
// The same, declaring `var`.
#define DEPLOY_REQUIRE_TOOL(var, name) \
  std::string var;                     \
  DEPLOY_ASSIGN_TOOL(var, name)

// "exit N; stdout; stderr" for assertion messages.
std::string describe(const CommandResult& result);

// Every document of a YAML file (throws YAML::Exception on a syntax error).
std::vector<YAML::Node> load_documents(const std::filesystem::path& path);

// Deep equality of two YAML trees (maps by key, sequences in order, scalars as text).
bool same_yaml(const YAML::Node& a, const YAML::Node& b);

// `node` as a string ("" when it is not a scalar).
std::string text(const YAML::Node& node);

// Every scalar below `node` (keys excluded), depth first.
void collect_scalars(const YAML::Node& node, std::vector<std::string>& out);

// Writes a copy of the watchdog config `yaml` with every occurrence of `from` replaced by `to`
// (secret paths: /run/secrets/... → a temp dir) and returns its path.
std::filesystem::path rewrite_config(const TempDir& dir, const std::string& name, std::string yaml,
                                     const std::string& from, const std::string& to);

// Lines `key=value` of a dotenv file (comments and blank lines skipped).
std::map<std::string, std::string> read_dotenv(const std::filesystem::path& path);

// PromQL helpers (no full parser: enough for the expressions in dashboards/).
// Whether the watchdog's /metrics exports `name`: watchdog_* and the process_* metrics.
bool exported_metric(const std::string& name);
// The names of exported metrics (above) that `expr` mentions.
std::set<std::string> exported_metric_names(const std::string& expr);
// The vector selectors (`name{matchers}` or `name`) for exported metrics and `up`.
std::vector<std::string> vector_selectors(const std::string& expr);
// Grafana's variables replaced by values Prometheus accepts: $__rate_interval, $__interval → 1m,
// $__range → 5m, $job → `job`, every other $var / ${var} → `.*`.
std::string substitute_grafana_variables(const std::string& expr, const std::string& job);
// The Grafana variables `expr` uses ($name or ${name}, without the built-in $__…).
std::set<std::string> grafana_variables(const std::string& expr);
// Percent-encodes a URL query value.
std::string url_encode(const std::string& value);

// The sample names of a Prometheus text exposition (histogram suffixes included).
std::set<std::string> sample_names(const std::string& exposition);

}  // namespace watchdog::testing::deploy
