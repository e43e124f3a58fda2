#include "config/loader.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;
using test::error_of;
using test::ScopedEnv;

const char* const kFullConfig = R"(watchdog:
  listen: 0.0.0.0:9300
  state_dir: /tmp/wd-state
  journal_retention: 30d
  journal_max_incidents: 5000
defaults:
  interval: 30s
  timeout: 5s
  recheck_interval: 2s
  jitter: 3s
  failure_threshold: 4
  success_threshold: 1
components:
  - name: api
    probes:
      - name: api-http
        kind: http
        url: http://127.0.0.1:8000/health
        interval: 10s
        jitter: 1s
        failure_threshold: 2
    recovery:
      max_attempts: 5
      backoff: 20s
      max_backoff: 10m
      window: 2h
      verify_timeout: 90s
      actions:
        - kind: command
          argv: ["/usr/bin/systemctl", "restart", "api"]
        - kind: command
          name: reboot-host
          timeout: 5m
          argv: ["/sbin/reboot"]
  - name: backups
    critical: false
    probes:
      - name: backup-age
        kind: backup_age
alerts:
  - name: ops
    kind: webhook
    url: ${WD_LOADER_WEBHOOK}
)";

TEST(LoaderTest, LoadsAFullFile) {
  ScopedEnv webhook("WD_LOADER_WEBHOOK", "https://hooks.example/abc");
  watchdog::testing::TempDir dir;
  auto path = dir.write("watchdog.yaml", kFullConfig);
  Config config = load_config_file(path);
  EXPECT_EQ(config.source, path.string());
  EXPECT_EQ(config.watchdog.listen.host, "0.0.0.0");
  EXPECT_EQ(config.watchdog.listen.port, 9300);
  EXPECT_EQ(config.watchdog.state_dir, "/tmp/wd-state");
  EXPECT_EQ(config.watchdog.journal_retention, 30 * 24h);
  EXPECT_EQ(config.watchdog.journal_max_incidents, 5000);
  EXPECT_EQ(config.defaults.interval, 30s);
  EXPECT_EQ(config.defaults.jitter, 3s);
  ASSERT_EQ(config.components.size(), 2u);

  const ComponentSpec& api = config.components[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_TRUE(api.critical);
  ASSERT_EQ(api.probes.size(), 1u);
  const ProbeSpec& http = api.probes[0];
  EXPECT_EQ(http.name, "api-http");
  EXPECT_EQ(http.kind, "http");
  EXPECT_EQ(http.timing.interval, 10s);         // overridden
  EXPECT_EQ(http.timing.timeout, 5s);           // from defaults
  EXPECT_EQ(http.timing.recheck_interval, 2s);  // from defaults
  EXPECT_EQ(http.timing.jitter, 1s);            // overridden
  EXPECT_EQ(http.timing.failure_threshold, 2);  // overridden
  EXPECT_EQ(http.timing.success_threshold, 1);  // from defaults

  EXPECT_EQ(api.recovery.max_attempts, 5);
  EXPECT_EQ(api.recovery.backoff, 20s);
  EXPECT_EQ(api.recovery.max_backoff, 10min);
  EXPECT_EQ(api.recovery.window, 2h);
  EXPECT_EQ(api.recovery.verify_timeout, 90s);
  ASSERT_EQ(api.recovery.actions.size(), 2u);
  EXPECT_EQ(api.recovery.actions[0].name, "command-1");
  EXPECT_EQ(api.recovery.actions[0].kind, "command");
  EXPECT_EQ(api.recovery.actions[0].timeout, 60s);
  EXPECT_EQ(api.recovery.actions[1].name, "reboot-host");
  EXPECT_EQ(api.recovery.actions[1].timeout, 5min);

  const ComponentSpec& backups = config.components[1];
  EXPECT_FALSE(backups.critical);
  EXPECT_EQ(backups.probes[0].timing.interval, 30s);
  EXPECT_EQ(backups.probes[0].timing.jitter, 3s);  // explicit default, not 10 %
  EXPECT_EQ(backups.recovery.actions.size(), 0u);  // no recovery section
  EXPECT_EQ(backups.recovery.max_attempts, 3);

  ASSERT_EQ(config.alerts.size(), 1u);
  EXPECT_EQ(config.alerts[0].name, "ops");
  EXPECT_EQ(config.alerts[0].kind, "webhook");
  Options alert = config.alerts[0].options;
  auto url = alert.templated("url");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->value, "https://hooks.example/abc");
  EXPECT_EQ(url->display, "${WD_LOADER_WEBHOOK}");
  EXPECT_NO_THROW(alert.finish());
}

TEST(LoaderTest, AppliesBuiltInDefaultsAndJitterOverTheInterval) {
  Config config = load_config_text(R"(components:
  - name: c
    probes:
      - {name: a, kind: tcp}
      - {name: b, kind: tcp, interval: 10s}
)",
                                   "t.yaml");
  EXPECT_EQ(config.watchdog.listen.text(), "127.0.0.1:9187");
  EXPECT_EQ(config.watchdog.state_dir, "/var/lib/watchdog");
  EXPECT_EQ(config.watchdog.journal_retention, 90 * 24h);
  EXPECT_EQ(config.watchdog.journal_max_incidents, 100000);
  EXPECT_EQ(config.defaults.jitter, Duration(-1));  // unresolved: no probe of its own
  const auto& a = config.components[0].probes[0].timing;
  EXPECT_EQ(a.interval, 60s);
  EXPECT_EQ(a.timeout, 10s);
  EXPECT_EQ(a.recheck_interval, 5s);
  EXPECT_EQ(a.jitter, 60s);
  EXPECT_EQ(a.failure_threshold, 3);
  EXPECT_EQ(a.success_threshold, 2);
  EXPECT_EQ(config.components[0].probes[1].timing.jitter, 10s);
  EXPECT_TRUE(config.components[0].critical);
  EXPECT_TRUE(config.alerts.empty());
}

TEST(LoaderTest, FlappingDefaultsAndKeys) {
  Config config = load_config_text(
      "components:\n"
      "  - {name: a, probes: [{name: p, kind: tcp}]}\n"
      "  - {name: b, probes: [{name: q, kind: tcp}], flapping: {window: 30m, start: 8, stop: 3}}\n"
      "  - {name: c, probes: [{name: r, kind: tcp}], flapping: {start: 0}}\n",
      "t");
  EXPECT_EQ(config.components[0].flapping.window, 10min);
  EXPECT_EQ(config.components[0].flapping.start, 5);
  EXPECT_EQ(config.components[0].flapping.stop, 2);
  EXPECT_EQ(config.components[1].flapping.window, 30min);
  EXPECT_EQ(config.components[1].flapping.start, 8);
  EXPECT_EQ(config.components[1].flapping.stop, 3);
  EXPECT_EQ(config.components[2].flapping.start, 0) << "off: stop is not checked against it";
}

TEST(LoaderTest, ZeroJitterIsAllowed) {
  Config config = load_config_text(
      "defaults: {jitter: 0s}\ncomponents: [{name: c, probes: [{name: p, kind: tcp}]}]\n", "t");
  EXPECT_EQ(config.components[0].probes[0].timing.jitter, 0s);
}

TEST(LoaderTest, ListenForms) {
  auto listen = [](const std::string& text) {
    return load_config_text("watchdog: {listen: '" + text +
                                "'}\ncomponents: [{name: c, probes: [{name: p, kind: tcp}]}]\n",
                            "t")
        .watchdog.listen;
  };
  EXPECT_EQ(listen("localhost:1").host, "localhost");
  EXPECT_EQ(listen("localhost:1").port, 1);
  EXPECT_EQ(listen("[::1]:65535").host, "::1");
  EXPECT_EQ(listen("[::1]:65535").port, 65535);
}

TEST(LoaderTest, KindKeysAreLeftForTheFactory) {
  Config config =
      load_config_text(test::probe_yaml("        url: http://x\n        bogus: 1\n"), "t.yaml");
  Options options = config.components[0].probes[0].options;
  EXPECT_EQ(options.path(), "components[0].probes[0]");
  EXPECT_EQ(options.string("url"), "http://x");
  EXPECT_EQ(error_of([&] { options.finish(); }),
            "t.yaml:7:9: components[0].probes[0].bogus: unknown key (expected one of: name, kind, "
            "interval, timeout, recheck_interval, jitter, failure_threshold, success_threshold, "
            "url)");
  options.string("bogus");
  EXPECT_NO_THROW(options.finish());
}

TEST(LoaderTest, ActionAndAlertKeysAreLeftForTheFactory) {
  Config config = load_config_text(R"(components:
  - name: c
    probes: [{name: p, kind: tcp}]
    recovery:
      actions:
        - {kind: command, argv: [a]}
alerts:
  - {name: ops, kind: slack, webhook_url: x}
)",
                                   "t.yaml");
  Options action = config.components[0].recovery.actions[0].options;
  EXPECT_EQ(error_of([&] { action.finish(); }),
            "t.yaml:6:27: components[0].recovery.actions[0].argv: unknown key (expected one of: "
            "kind, name, when, destructive, timeout)");
  Options alert = config.alerts[0].options;
  EXPECT_EQ(error_of([&] { alert.finish(); }),
            "t.yaml:8:30: alerts[0].webhook_url: unknown key (expected one of: name, kind)");
}

TEST(LoaderTest, UnreadableFile) {
  watchdog::testing::TempDir dir;
  auto missing = dir.path() / "nope.yaml";
  EXPECT_EQ(error_of([&] { load_config_file(missing); }),
            missing.string() + ": cannot read: No such file or directory");
  EXPECT_EQ(error_of([&] { load_config_file(dir.path()); }),
            dir.path().string() + ": cannot read: Is a directory");
}

TEST(LoaderTest, EmbeddedDefaultLoads) {
  ScopedEnv unset("WATCHDOG_STATE_DIR", std::nullopt);
  Config config = load_config_text(embedded_default_yaml(), kEmbeddedSourceName);
  EXPECT_EQ(config.source, "<embedded default>");
  EXPECT_EQ(config.watchdog.listen.text(), "127.0.0.1:9187");
  EXPECT_EQ(config.watchdog.state_dir, "/var/lib/watchdog");
  ASSERT_EQ(config.components.size(), 1u);
  const auto& host = config.components[0];
  EXPECT_EQ(host.name, "host");
  EXPECT_TRUE(host.critical);
  EXPECT_TRUE(host.recovery.actions.empty());
  ASSERT_EQ(host.probes.size(), 2u);
  EXPECT_EQ(host.probes[0].name, "root-disk");
  EXPECT_EQ(host.probes[0].kind, "disk");
  EXPECT_EQ(host.probes[1].name, "state-disk");
  EXPECT_EQ(host.probes[1].kind, "disk");
  EXPECT_EQ(host.probes[0].timing.interval, 60s);
  Options root = host.probes[0].options;
  Options state = host.probes[1].options;
  EXPECT_EQ(root.string("path"), "/");
  EXPECT_EQ(state.string("path"), "/var/lib/watchdog");
  EXPECT_NO_THROW(root.finish());
  EXPECT_NO_THROW(state.finish());
}

TEST(LoaderTest, EmbeddedDefaultFollowsStateDirVariable) {
  ScopedEnv state_dir("WATCHDOG_STATE_DIR", "/tmp/wd-embedded");
  Config config = load_config_text(embedded_default_yaml(), kEmbeddedSourceName);
  EXPECT_EQ(config.watchdog.state_dir, "/tmp/wd-embedded");
  Options state = config.components[0].probes[1].options;
  EXPECT_EQ(state.string("path"), "/tmp/wd-embedded");
}

}  // namespace
}  // namespace watchdog::config
