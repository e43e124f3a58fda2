#include "config/options.h"

#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using std::chrono::milliseconds;
using test::error_of;
using test::probe_options;
using test::ScopedEnv;

const std::string kPrefix = "components[0].probes[0].";

TEST(OptionsTest, DefaultConstructedIsEmpty) {
  Options options;
  EXPECT_EQ(options.path(), "");
  EXPECT_EQ(options.location(), "<none>");
  EXPECT_FALSE(options.has("x"));
  EXPECT_EQ(options.string("x"), std::nullopt);
  EXPECT_EQ(options.string_or("x", "fallback"), "fallback");
  EXPECT_EQ(options.duration_or("x", milliseconds(5)), milliseconds(5));
  EXPECT_TRUE(options.string_list("x").empty());
  EXPECT_NO_THROW(options.finish());
  EXPECT_EQ(error_of([&] { options.required_string("x"); }), "<none>: x: missing required key");
}

TEST(OptionsTest, MovedFromIsEmptyAndCopiesShareReads) {
  Options options = probe_options("        a: 1\n");
  Options copy = options;
  EXPECT_EQ(copy.string("a"), "1");
  EXPECT_NO_THROW(options.finish());  // the copies share one set of read marks
  Options moved = std::move(options);
  EXPECT_TRUE(moved.has("a"));
  EXPECT_FALSE(options.has("a"));  // NOLINT(bugprone-use-after-move): moved-from = empty
  EXPECT_NO_THROW(options.finish());
}

TEST(OptionsTest, PathAndLocation) {
  auto options = probe_options("        url: http://x\n");
  EXPECT_EQ(options.path(), "components[0].probes[0]");
  EXPECT_EQ(options.location(), "t.yaml:4:9");
  EXPECT_TRUE(options.has("url"));
  EXPECT_FALSE(options.has("nope"));
}

TEST(OptionsTest, ReadsStrings) {
  ScopedEnv host("WD_OPT_HOST", "db.local");
  auto options = probe_options(
      "        url: http://${WD_OPT_HOST}:80/x\n"
      "        number: 123\n"
      "        quoted: ''\n");
  EXPECT_EQ(options.string("url"), "http://db.local:80/x");
  EXPECT_EQ(options.string("number"), "123");
  EXPECT_EQ(options.required_string("quoted"), "");
  EXPECT_EQ(options.string_or("absent", "dflt"), "dflt");
  auto templated = options.templated("url");
  ASSERT_TRUE(templated.has_value());
  EXPECT_EQ(templated->value, "http://db.local:80/x");
  EXPECT_EQ(templated->display, "http://${WD_OPT_HOST}:80/x");
  EXPECT_EQ(options.templated("absent"), std::nullopt);
}

TEST(OptionsTest, ReadsListsAndMaps) {
  ScopedEnv unit("WD_OPT_UNIT", "api.service");
  auto options = probe_options(
      "        argv: [/usr/bin/systemctl, restart, '${WD_OPT_UNIT}']\n"
      "        statuses: [200, 204]\n"
      "        headers:\n"
      "          Accept: application/json\n"
      "          X-Unit: ${WD_OPT_UNIT}\n");
  EXPECT_EQ(options.string_list("argv"),
            (std::vector<std::string>{"/usr/bin/systemctl", "restart", "api.service"}));
  auto argv = options.templated_list("argv");
  ASSERT_EQ(argv.size(), 3u);
  EXPECT_EQ(argv[2].value, "api.service");
  EXPECT_EQ(argv[2].display, "${WD_OPT_UNIT}");
  EXPECT_EQ(options.integer_list("statuses", 100, 599), (std::vector<long long>{200, 204}));
  EXPECT_EQ(options.string_map("headers"),
            (std::map<std::string, std::string>{{"Accept", "application/json"},
                                                {"X-Unit", "api.service"}}));
  EXPECT_TRUE(options.string_map("absent").empty());
  EXPECT_TRUE(options.integer_list("absent", 0, 1).empty());
  EXPECT_NO_THROW(options.finish());
}

TEST(OptionsTest, ReadsTypedScalars) {
  auto options = probe_options(
      "        max_age: 1h30m\n"
      "        min_size: 1.5GiB\n"
      "        warn: 80%\n"
      "        retries: 3\n"
      "        verify: false\n");
  EXPECT_EQ(options.duration("max_age"), milliseconds(5'400'000));
  EXPECT_EQ(options.size("min_size"), 1'610'612'736u);
  EXPECT_DOUBLE_EQ(*options.ratio("warn"), 0.8);
  EXPECT_EQ(options.integer("retries", 0, 10), 3);
  EXPECT_EQ(options.boolean("verify"), false);
  EXPECT_EQ(options.boolean_or("absent", true), true);
  EXPECT_DOUBLE_EQ(options.ratio_or("absent", 0.5), 0.5);
  EXPECT_EQ(options.integer_or("absent", 7, 0, 10), 7);
  EXPECT_EQ(options.size("absent"), std::nullopt);
  EXPECT_NO_THROW(options.finish());
}

struct TypeErrorCase {
  const char* yaml;  // one probe key, at line 6
  std::function<void(Options&)> read;
  const char* message;  // after "t.yaml:"
};

TEST(OptionsTest, ReportsTypeErrorsAtTheValue) {
  const TypeErrorCase cases[] = {
      {"url: [a]", [](Options& o) { o.string("url"); },
       "6:14: components[0].probes[0].url: expected a string"},
      {"url:", [](Options& o) { o.string("url"); },
       "6:9: components[0].probes[0].url: expected a string"},
      {"argv: x", [](Options& o) { o.string_list("argv"); },
       "6:15: components[0].probes[0].argv: expected a list"},
      {"argv: [a, {b: c}]", [](Options& o) { o.templated_list("argv"); },
       "6:19: components[0].probes[0].argv[1]: expected a string"},
      {"headers: x", [](Options& o) { o.string_map("headers"); },
       "6:18: components[0].probes[0].headers: expected a mapping"},
      {"headers: {A: [1]}", [](Options& o) { o.string_map("headers"); },
       "6:22: components[0].probes[0].headers.A: expected a string"},
      {"age: 5", [](Options& o) { o.duration("age"); },
       "6:14: components[0].probes[0].age: missing unit in '5' (expected ms, s, m, h, d)"},
      {"age: {}", [](Options& o) { o.duration("age"); },
       "6:14: components[0].probes[0].age: expected a duration like 30s"},
      {"size: 1XB", [](Options& o) { o.size("size"); },
       "6:15: components[0].probes[0].size: unknown unit 'XB' in '1XB' (expected B, KB, MB, GB, "
       "TB, "
       "KiB, MiB, GiB, TiB)"},
      {"size: []", [](Options& o) { o.size("size"); },
       "6:15: components[0].probes[0].size: expected a size like 512MiB"},
      {"warn: 120%", [](Options& o) { o.ratio("warn"); },
       "6:15: components[0].probes[0].warn: ratio '120%' outside 0..1 (0%..100%)"},
      {"retries: 11", [](Options& o) { o.integer("retries", 0, 10); },
       "6:18: components[0].probes[0].retries: must be between 0 and 10, got 11"},
      {"retries: -1", [](Options& o) { o.integer("retries", 0, 9223372036854775807LL); },
       "6:18: components[0].probes[0].retries: must be at least 0, got -1"},
      {"retries: 2.5", [](Options& o) { o.integer("retries", 0, 10); },
       "6:18: components[0].probes[0].retries: expected an integer between 0 and 10, got '2.5'"},
      {"retries: 99999999999999999999", [](Options& o) { o.integer("retries", 0, 10); },
       "6:18: components[0].probes[0].retries: must be between 0 and 10, got 99999999999999999999"},
      {"codes: [200, 99]", [](Options& o) { o.integer_list("codes", 100, 599); },
       "6:22: components[0].probes[0].codes[1]: must be between 100 and 599, got 99"},
      {"verify: yes", [](Options& o) { o.boolean("verify"); },
       "6:17: components[0].probes[0].verify: expected true or false, got 'yes'"},
      {"verify: [true]", [](Options& o) { o.boolean("verify"); },
       "6:17: components[0].probes[0].verify: expected true or false"},
      {"tls: on", [](Options& o) { o.child("tls"); },
       "6:14: components[0].probes[0].tls: expected a mapping"},
      {"url: '${WD_OPT_NEVER_SET}'", [](Options& o) { o.string("url"); },
       "6:14: components[0].probes[0].url: environment variable WD_OPT_NEVER_SET is not set"},
      {"url: 'http://${WD_OPT_HOST'", [](Options& o) { o.string("url"); },
       "6:14: components[0].probes[0].url: malformed environment reference: '${' without a closing "
       "'}'"},
  };
  ScopedEnv unset("WD_OPT_NEVER_SET", std::nullopt);
  for (const auto& c : cases) {
    auto options = probe_options(std::string("        ") + c.yaml + "\n");
    EXPECT_EQ(error_of([&] { c.read(options); }), std::string("t.yaml:") + c.message) << c.yaml;
  }
}

TEST(OptionsTest, MissingRequiredKeyPointsAtTheMapping) {
  auto options = probe_options("");
  EXPECT_EQ(error_of([&] { options.required_string("url"); }),
            "t.yaml:4:9: components[0].probes[0].url: missing required key");
}

TEST(OptionsTest, FailPointsAtTheValueOrTheMapping) {
  auto options = probe_options("        path: relative\n");
  EXPECT_EQ(error_of([&] { options.fail("path", "must be absolute"); }),
            "t.yaml:6:15: components[0].probes[0].path: must be absolute");
  EXPECT_EQ(error_of([&] { options.fail("absent", "is needed"); }),
            "t.yaml:4:9: components[0].probes[0].absent: is needed");
}

TEST(OptionsTest, FinishReportsTheFirstUnreadKey) {
  auto options = probe_options(
      "        url: http://x\n"
      "        expect_stauts: 200\n"
      "        other: 1\n");
  options.string("url");
  options.integer_list("expect_status", 100, 599);
  EXPECT_EQ(error_of([&] { options.finish(); }),
            "t.yaml:7:9: components[0].probes[0].expect_stauts: unknown key (did you mean "
            "'expect_status'?)");
  options.integer("expect_stauts", 0, 1000);
  EXPECT_EQ(error_of([&] { options.finish(); }),
            "t.yaml:8:9: components[0].probes[0].other: unknown key (expected one of: name, kind, "
            "interval, timeout, recheck_interval, jitter, failure_threshold, success_threshold, "
            "url, expect_status, expect_stauts)");
}

TEST(OptionsTest, CopiesShareReadTracking) {
  auto options = probe_options("        url: http://x\n");
  Options copy = options;
  EXPECT_FALSE(options.has("absent"));  // has() alone marks nothing
  EXPECT_THROW(options.finish(), ConfigError);
  copy.string("url");
  EXPECT_NO_THROW(options.finish());
}

TEST(OptionsTest, ChildIsTrackedAndFinishesOnItsOwn) {
  auto options = probe_options(
      "        tls:\n"
      "          ca_file: /etc/ca.pem\n"
      "          verfy: true\n");
  Options tls = options.child("tls");
  EXPECT_EQ(tls.path(), "components[0].probes[0].tls");
  EXPECT_EQ(tls.location(), "t.yaml:7:11");
  EXPECT_EQ(tls.string("ca_file"), "/etc/ca.pem");
  EXPECT_EQ(tls.boolean("verify"), std::nullopt);
  EXPECT_NO_THROW(options.finish());  // `tls` counts as read
  EXPECT_EQ(error_of([&] { tls.finish(); }),
            "t.yaml:8:11: components[0].probes[0].tls.verfy: unknown key (did you mean 'verify'?)");

  Options absent = options.child("auth");
  EXPECT_EQ(absent.path(), "components[0].probes[0].auth");
  EXPECT_FALSE(absent.has("user"));
  EXPECT_EQ(absent.string("user"), std::nullopt);
  EXPECT_EQ(error_of([&] { absent.required_string("user"); }),
            "t.yaml:4:9: components[0].probes[0].auth.user: missing required key");
}

}  // namespace
}  // namespace watchdog::config
