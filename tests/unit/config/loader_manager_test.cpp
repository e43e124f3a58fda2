// A component's `managed_by:` (its HA manager): defaults, url_file, and every error with its
// exact file:line:column and key, written to a real file like the other loader errors.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;

// kComponents followed by a managed_by mapping whose keys start on line 7, column 7.
std::string managed(const std::string& keys) {
  return test::kComponents + "    managed_by:\n" + keys;
}

TEST(LoaderManager, DefaultsAndDisplayWithoutCredentials) {
  const auto config = load_config_text(
      managed("      kind: patroni\n      url: http://user:pw@10.0.0.5:8008/\n"), "t.yaml");
  const auto& manager = config.components.at(0).managed_by;
  ASSERT_TRUE(manager.has_value());
  EXPECT_EQ(manager->kind, "patroni");
  EXPECT_EQ(manager->url.value, "http://user:pw@10.0.0.5:8008");  // trailing slash dropped
  EXPECT_EQ(manager->display, "http://10.0.0.5:8008");
  EXPECT_EQ(manager->interval, 10s);
  EXPECT_EQ(manager->timeout, 2s);
  EXPECT_FALSE(manager->act_when_manager_down);
  EXPECT_FALSE(load_config_text(test::kComponents, "t.yaml").components.at(0).managed_by);
}

TEST(LoaderManager, UrlFromAFileAndEveryKey) {
  watchdog::testing::TempDir dir;
  const auto file = dir.write("patroni-url", "https://db-1.internal:8008\n");
  const auto config = load_config_text(
      managed("      kind: patroni\n      url_file: " + file.string() +
              "\n      interval: 5s\n      timeout: 1s\n      act_when_manager_down: true\n"),
      "t.yaml");
  const auto& manager = *config.components.at(0).managed_by;
  EXPECT_EQ(manager.url.value, "https://db-1.internal:8008");
  EXPECT_EQ(manager.url.source, "file " + file.string());
  EXPECT_EQ(manager.display, "https://db-1.internal:8008");
  EXPECT_EQ(manager.interval, 5s);
  EXPECT_EQ(manager.timeout, 1s);
  EXPECT_TRUE(manager.act_when_manager_down);
}

struct ErrorCase {
  const char* what;
  std::string keys;      // the managed_by mapping's lines
  std::string expected;  // after "<file>:"
};

const std::string kPrefix = "components[0].managed_by";
constexpr const char* kBadUrl =
    "must be an http:// or https:// URL with a host and an optional port, no path, query or "
    "fragment (Patroni's REST API, e.g. http://127.0.0.1:8008)";

const ErrorCase kCases[] = {
    {"unknown kind", "      kind: pacemaker\n      url: http://127.0.0.1:8008\n",
     "7:13: " + kPrefix + ".kind: unknown manager kind 'pacemaker' (expected patroni)"},
    {"missing kind", "      url: http://127.0.0.1:8008\n",
     "7:7: " + kPrefix + ".kind: missing required key"},
    {"missing url", "      kind: patroni\n",
     "7:7: " + kPrefix + ".url: missing required key (or url_file)"},
    {"url without scheme", "      kind: patroni\n      url: 127.0.0.1:8008\n",
     "8:12: " + kPrefix +
         ".url: " + std::string(kBadUrl)},
    {"bad interval", "      kind: patroni\n      url: http://h:8008\n      interval: 10x\n",
     "9:17: " + kPrefix + ".interval: unknown unit 'x' in '10x' (expected ms, s, m, h, d)"},
    {"interval too short", "      kind: patroni\n      url: http://h:8008\n      interval: 10ms\n",
     "9:17: " + kPrefix + ".interval: must be at least 100ms"},
    {"timeout over interval",
     "      kind: patroni\n      url: http://h:8008\n      interval: 1s\n      timeout: 2s\n",
     "10:16: " + kPrefix + ".timeout: timeout 2s exceeds the interval 1s"},
    {"zero timeout", "      kind: patroni\n      url: http://h:8008\n      timeout: 0s\n",
     "9:16: " + kPrefix + ".timeout: must be greater than 0"},
    {"not a boolean",
     "      kind: patroni\n      url: http://h:8008\n      act_when_manager_down: maybe\n",
     "9:30: " + kPrefix + ".act_when_manager_down: expected true or false, got 'maybe'"},
    {"unknown key", "      kind: patroni\n      url: http://h:8008\n      intervall: 5s\n",
     "9:7: " + kPrefix + ".intervall: unknown key (did you mean 'interval'?)"},
    {"not a mapping", "      - patroni\n", "7:7: " + kPrefix + ": expected a mapping"},
};

TEST(LoaderManager, ErrorsNameFileLineAndKey) {
  watchdog::testing::TempDir dir;
  for (const auto& error_case : kCases) {
    const std::string file = dir.write("watchdog.yaml", managed(error_case.keys)).string();
    EXPECT_EQ(test::error_of([&] { load_config_file(file); }), file + ":" + error_case.expected)
        << error_case.what;
  }
}

// Rejected URLs: the error names the key, never the URL (or any piece of its password).
TEST(LoaderManager, TheUrlNeverReachesAnError) {
  const char* const kRejected[] = {
      "ftp://admin:s3cr3t@h/",
      "http://admin:p/ss@db:8008",  // '/' in the password: libcurl sees host admin, port "p"
      "http://admin:s3cr3t@db:8008/patroni",
      "http://admin:s3cr3t@db:8008/?x=s3cr3t",
      "http://admin:s3cr3t@db:8008#s3cr3t",
      "http://admin:s3cr3t@:8008",
      "http://admin:s3cr3t@db:99999",
      "admin:s3cr3t@db:8008",
      "http://admin:s3cr3t@db name:8008",
  };
  for (const char* url : kRejected) {
    const std::string message = test::error_of([&] {
      load_config_text(managed("      kind: patroni\n      url: '" + std::string(url) + "'\n"),
                       "t.yaml");
    });
    EXPECT_NE(message.find(kPrefix + ".url: " + kBadUrl), std::string::npos) << url << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
    EXPECT_EQ(message.find("/ss"), std::string::npos) << message;
    EXPECT_EQ(message.find("admin"), std::string::npos) << message;
  }
}

// The display is built from libcurl's parse: scheme, host and port only.
TEST(LoaderManager, DisplayIsSchemeHostAndPort) {
  const std::pair<const char*, const char*> kDisplays[] = {
      {"http://admin:p%2Fss@db:8008", "http://db:8008"},
      {"HTTPS://user@db-1.internal", "https://db-1.internal"},
      {"http://u:pw@[::1]:8008/", "http://[::1]:8008"},
      {"http://127.0.0.1:8008", "http://127.0.0.1:8008"},
  };
  for (const auto& [url, display] : kDisplays) {
    const auto config = load_config_text(
        managed("      kind: patroni\n      url: '" + std::string(url) + "'\n"), "t.yaml");
    EXPECT_EQ(config.components.at(0).managed_by->display, display) << url;
  }
}

}  // namespace
}  // namespace watchdog::config
