// The command line: check-config, once, healthcheck, --version — exit codes, messages, and
// secrets kept out of everything printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <regex>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

// The first line of `text` that contains `needle` ("" when none does).
std::string line_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

// Secret values given through ${ENV}; none may ever be printed.
const std::map<std::string, std::string> kSecrets = {
    {"CLI_URL_TOKEN", "url-token-sentinel-4b7e"},
    {"CLI_AUTH_TOKEN", "auth-sentinel-a91c"},
    {"CLI_HOOK_URL", "http://127.0.0.1:9/hook-sentinel-2f0d"},
    {"CLI_HOOK_SECRET", "hook-secret-sentinel-77aa"},
    {"CLI_DB_PASSWORD", "db-password-sentinel-5c1e"},
};

void expect_no_secret(const CommandResult& result) {
  for (const auto& [name, value] : kSecrets) {
    EXPECT_EQ(result.out.find(value), std::string::npos) << name << " printed on stdout";
    EXPECT_EQ(result.err.find(value), std::string::npos) << name << " printed on stderr";
  }
}

constexpr const char* kGoodConfig = R"(
defaults:
  interval: 30s
components:
  - name: api
    probes:
      - name: api-http
        kind: http
        url: http://127.0.0.1:1/health?token=${CLI_URL_TOKEN}
        headers:
          Authorization: Bearer ${CLI_AUTH_TOKEN}
      - name: api-disk
        kind: disk
        path: /
    recovery:
      actions:
        - name: restart-api
          kind: command
          argv: ["/bin/echo", "restart"]
backups:
  - name: main
    dsn: host=127.0.0.1 dbname=app password=${CLI_DB_PASSWORD}
    directory: /var/backups/main
    schedule: {interval: 6h}
    retention: {keep_last: 3, keep_within: 7d}
  - name: models
    kind: files
    source: /srv/models
    directory: /var/backups/models
alerts:  # last: a test appends a sink
  - name: ops
    kind: webhook
    url: ${CLI_HOOK_URL}
    secret: ${CLI_HOOK_SECRET}
)";

TEST(Cli, CheckConfigSummarisesValidConfigWithoutSecrets) {
  TempDir dir;
  auto path = dir.write("good.yaml", kGoodConfig);
  auto result = run_command({kWatchdog, "check-config", path.string()}, kSecrets);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"api", "api-http", "api-disk", "restart-api", "ops", "main", "postgres",
                           "every 6h", "last 3, within 7d", "models", "files",
                           "/var/backups/models", "keep everything"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name << " missing in:\n" << result.out;
  }
  expect_no_secret(result);
}

TEST(Cli, CheckConfigRejectsTypoKeyWithLocation) {
  TempDir dir;
  auto path = dir.write("bad.yaml", R"(components:
  - name: api
    probes:
      - name: api-http
        kind: http
        url: http://127.0.0.1:1/health
        intervall: 5s
)");
  auto result = run_command({kWatchdog, "check-config", path.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(path.string() + ":7:9"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("intervall"), std::string::npos) << result.err;
}

TEST(Cli, CheckConfigRejectsMissingEnvWithoutPrintingOtherSecrets) {
  TempDir dir;
  auto path = dir.write("missing-env.yaml", std::string(kGoodConfig) + R"(
  - name: extra
    kind: webhook
    url: ${WATCHDOG_IT_UNSET_VARIABLE_8C1E}
)");
  auto result = run_command({kWatchdog, "check-config", path.string()}, kSecrets);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("WATCHDOG_IT_UNSET_VARIABLE_8C1E"), std::string::npos) << result.err;
  expect_no_secret(result);
}

// Issue #20: inputs that used to hang check-config (or take hours) are answered within about a
// second with exit 2 and a located message. The requirement is 1 s; the asserted 5 s is loose on
// purpose (a loaded CI machine) yet far below the old "never".
TEST(Cli, CheckConfigAnswersHostileFilesQuickly) {
  TempDir dir;
  const auto fifo = dir / "fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string previous = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) bomb += (j ? ", " : "") + previous;
    bomb += "]\n";
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir.write("comma.yaml", "# c\n,\n").string(), "yaml-cpp 0.7 loops forever"},
      {dir.write("bomb.yaml", bomb).string(), "alias bomb"},
      {"/dev/zero", "Is a character device, not a regular file"},
      {fifo.string(), "Is a FIFO, not a regular file"},
      {dir.write("big.yaml", std::string(10 << 20, '#')).string(), "File too large"},
      {dir.write("escape.yaml", "\x1b[2J\xff: 1\n").string(), "\\x1b[2J\\xff"},
  };
  for (const auto& [path, expected] : cases) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_command({kWatchdog, "check-config", path});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << path;
    EXPECT_EQ(result.exit_code, 2) << path << ": " << result.err;
    EXPECT_EQ(result.err.rfind("invalid configuration: " + path + ":", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << path;
  }
}

TEST(Cli, OnceExitCodeFollowsTheWorstProbe) {
  TempDir dir;
  WebhookReceiver up;
  const std::string healthy = fill(R"(
components:
  - name: up
    probes:
      - name: up-http
        kind: http
        url: @URL@
        timeout: 2s
)",
                                   {{"URL", up.url("/health")}});
  const std::string failing = fill(R"(
  - name: down
    critical: @CRITICAL@
    probes:
      - name: down-tcp
        kind: tcp
        host: 127.0.0.1
        port: @PORT@
        timeout: 2s
)",
                                   {{"PORT", std::to_string(free_port())}});

  auto only_healthy =
      run_command({kWatchdog, "once", "-c", dir.write("ok.yaml", healthy).string()});
  EXPECT_EQ(only_healthy.exit_code, 0) << only_healthy.out << only_healthy.err;
  EXPECT_NE(line_with(only_healthy.out, "up-http").find("healthy"), std::string::npos)
      << only_healthy.out;

  auto critical = run_command(
      {kWatchdog, "once", "-c",
       dir.write("critical.yaml", healthy + fill(failing, {{"CRITICAL", "true"}})).string()});
  EXPECT_EQ(critical.exit_code, 2) << critical.out << critical.err;
  const auto up_row = line_with(critical.out, "up-http");
  const auto down_row = line_with(critical.out, "down-tcp");
  EXPECT_NE(up_row.find("healthy"), std::string::npos) << critical.out;
  EXPECT_EQ(up_row.find("unhealthy"), std::string::npos) << critical.out;
  EXPECT_NE(down_row.find("unhealthy"), std::string::npos) << critical.out;

  auto minor = run_command(
      {kWatchdog, "once", "-c",
       dir.write("minor.yaml", healthy + fill(failing, {{"CRITICAL", "false"}})).string()});
  EXPECT_EQ(minor.exit_code, 1) << minor.out << minor.err;
}

// The container HEALTHCHECK: the address comes from the config's listen; a stopped watchdog
// (or one not there at all) is unhealthy. A watched component's failure is not the watchdog's.
TEST(Cli, HealthcheckAsksTheRunningWatchdogAtItsConfiguredAddress) {
  TempDir dir;
  WatchdogProcess watchdog(dir, watchdog_options(R"(
components:
  - name: down
    probes:
      - name: down-tcp
        kind: tcp
        host: 127.0.0.1
        port: 1
        interval: 1s
        timeout: 1s
        jitter: 0s
        failure_threshold: 1
)"));
  const std::string config = watchdog.config_path().string();
  ASSERT_TRUE(wait_until([&] { return component_state(watchdog.status(), "down") == "CRITICAL"; },
                         std::chrono::seconds(10)));
  EXPECT_EQ(watchdog.get("/readyz").status, 200);
  auto live = run_command({kWatchdog, "healthcheck", "-c", config});
  EXPECT_EQ(live.exit_code, 0) << live.out << live.err;
  EXPECT_NE(live.out.find("/healthz: 200 ok"), std::string::npos) << live.out;
  auto ready = run_command({kWatchdog, "healthcheck", "--ready", "-c", config});
  EXPECT_EQ(ready.exit_code, 0) << ready.out << ready.err;
  EXPECT_NE(ready.out.find("/readyz: 200 ready"), std::string::npos) << ready.out;

  watchdog.process().signal(SIGTERM);
  ASSERT_TRUE(watchdog.process().wait(std::chrono::seconds(5)).has_value());
  auto gone = run_command({kWatchdog, "healthcheck", "-c", config});
  EXPECT_EQ(gone.exit_code, 1) << gone.out;
  auto elsewhere = run_command(
      {kWatchdog, "healthcheck", "--url", "http://127.0.0.1:" + std::to_string(watchdog.port()) +
                                              "/healthz"});
  EXPECT_EQ(elsewhere.exit_code, 1) << elsewhere.out;
}

// The HEALTHCHECK reads only watchdog.listen: a config the loader would reject (a reload that
// was refused, an edit in progress) still names the port of the daemon that runs.
TEST(Cli, HealthcheckReadsOnlyTheListenAddress) {
  TempDir dir;
  const int closed = free_port();
  auto rejected = dir.write("rejected.yaml", "watchdog:\n  listen: 127.0.0.1:" +
                                                 std::to_string(closed) +
                                                 "\ncomponents: [{name: x, probes: nope}]\n");
  auto result = run_command({kWatchdog, "healthcheck", "-c", rejected.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("127.0.0.1:" + std::to_string(closed) + "/healthz"),
            std::string::npos)
      << result.out;

  auto broken = dir.write("broken.yaml", "watchdog:\n  listen: [1, 2\n");
  auto fallback = run_command({kWatchdog, "healthcheck", "-c", broken.string()});
  EXPECT_NE(fallback.out.find(broken.string()), std::string::npos) << fallback.out;
  EXPECT_NE(fallback.out.find("asking the default address"), std::string::npos) << fallback.out;
  EXPECT_NE(fallback.out.find("127.0.0.1:9187/healthz"), std::string::npos) << fallback.out;
}

TEST(Cli, VersionPrintsTheVersion) {
  auto result = run_command({kWatchdog, "--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(^watchdog \d+\.\d+\.\d+)")))
      << result.out;
}

}  // namespace
}  // namespace watchdog::testing
