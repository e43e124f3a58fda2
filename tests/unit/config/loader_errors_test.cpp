// Every loader error, written to a real file: exact "file:line:column: key.path: message" text.
#include <gtest/gtest.h>

#include <cctype>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using test::kComponents;

// Two probes; the second one's keys follow on line 8.
const std::string kTwoProbes = kComponents +
                               "      - name: api-tcp\n"
                               "        kind: tcp\n";

// kComponents followed by the first lines of a recovery section (line 6, 7).
const std::string kRecovery = kComponents +
                              "    recovery:\n"
                              "      actions: [{kind: command}]\n";

const std::string kTimingHint = " (set a shorter timeout or a longer interval)";
const std::string kNameRule =
    " (letters, digits, '_', '.', '-', starting with a letter or digit, at most 64 characters)";

struct ErrorCase {
  const char* what;
  std::string yaml;
  std::string expected;  // after "<file>:"; "{file}" stands for the file's path
};

// Names the case in gtest's output instead of dumping its bytes.
void PrintTo(const ErrorCase& error_case, std::ostream* out) { *out << error_case.what; }

const ErrorCase kCases[] = {
    // Document shape.
    {"not a mapping", "- a\n", "1:1: expected a mapping at the top level"},
    {"empty file", "", "1:1: components: missing required key"},
    {"no components", "watchdog:\n  listen: 127.0.0.1:9187\n",
     "1:1: components: missing required key"},
    {"empty components", "components: []\n", "1:13: components: needs at least one component"},
    {"components not a list", "components: {a: 1}\n", "1:13: components: expected a list"},
    {"component not a mapping", "components:\n  - api\n", "2:5: components[0]: expected a mapping"},
    {"two documents", kComponents + "---\nfoo: 1\n", "7:1: expected one YAML document, found 2"},
    {"complex key", "? [a]\n: 1\n" + kComponents, "1:3: keys must be strings"},
    // Unknown keys at every level the loader owns.
    {"unknown top key, close", "component:\n  - name: x\n",
     "1:1: component: unknown key (did you mean 'components'?)"},
    {"unknown top key, far", "colour: red\n" + kComponents,
     "1:1: colour: unknown key (expected one of: watchdog, defaults, components, alerts, "
     "backups, maintenance, backup_report, gamedays)"},
    {"unknown watchdog key", "watchdog:\n  listne: 127.0.0.1:1\n" + kComponents,
     "2:3: watchdog.listne: unknown key (did you mean 'listen'?)"},
    {"unknown defaults key", "defaults:\n  intervall: 5s\n" + kComponents,
     "2:3: defaults.intervall: unknown key (did you mean 'interval'?)"},
    {"unknown component key", "components:\n  - name: api\n    probe: []\n",
     "3:5: components[0].probe: unknown key (did you mean 'probes'?)"},
    {"unknown recovery key", kComponents + "    recovery:\n      max_attempt: 3\n",
     "7:7: components[0].recovery.max_attempt: unknown key (did you mean 'max_attempts'?)"},
    // watchdog:
    {"watchdog scalar", "watchdog: on\n" + kComponents, "1:11: watchdog: expected a mapping"},
    {"listen without port", "watchdog:\n  listen: localhost\n" + kComponents,
     "2:11: watchdog.listen: expected host:port like 127.0.0.1:9187, got 'localhost'"},
    {"listen port 0", "watchdog:\n  listen: 127.0.0.1:0\n" + kComponents,
     "2:11: watchdog.listen: port must be between 1 and 65535"},
    {"listen port too big", "watchdog:\n  listen: 127.0.0.1:70000\n" + kComponents,
     "2:11: watchdog.listen: port must be between 1 and 65535"},
    {"listen port not a number", "watchdog:\n  listen: 'host:http'\n" + kComponents,
     "2:11: watchdog.listen: expected host:port like 127.0.0.1:9187, got 'host:http'"},
    {"state_dir env missing", "watchdog:\n  state_dir: ${WD_ERR_UNSET}/x\n" + kComponents,
     "2:14: watchdog.state_dir: environment variable WD_ERR_UNSET is not set"},
    {"state_dir malformed env", "watchdog:\n  state_dir: ${WD_ERR_UNSET\n" + kComponents,
     "2:14: watchdog.state_dir: malformed environment reference: '${' without a closing '}'"},
    {"state_dir empty", "watchdog:\n  state_dir: ''\n" + kComponents,
     "2:14: watchdog.state_dir: must not be empty"},
    // Units and timing.
    {"unknown unit", kTwoProbes + "        interval: 5sx\n",
     "8:19: components[0].probes[1].interval: unknown unit 'sx' in '5sx' (expected ms, s, m, h, "
     "d)"},
    {"bare number", kComponents + "        interval: 10\n",
     "6:19: components[0].probes[0].interval: missing unit in '10' (expected ms, s, m, h, d)"},
    {"null duration", kComponents + "        interval:\n",
     "6:9: components[0].probes[0].interval: expected a duration like 30s"},
    {"list duration", kComponents + "        timeout: [1s]\n",
     "6:18: components[0].probes[0].timeout: expected a duration like 30s"},
    {"interval too short", kComponents + "        interval: 50ms\n",
     "6:19: components[0].probes[0].interval: must be at least 100ms"},
    {"defaults interval too short", "defaults:\n  interval: 10ms\n" + kComponents,
     "2:13: defaults.interval: must be at least 100ms"},
    {"zero timeout", kComponents + "        timeout: 0s\n",
     "6:18: components[0].probes[0].timeout: must be greater than 0"},
    {"zero recheck", "defaults:\n  recheck_interval: 0ms\n" + kComponents,
     "2:21: defaults.recheck_interval: must be greater than 0"},
    {"negative jitter", kComponents + "        jitter: -1s\n",
     "6:17: components[0].probes[0].jitter: negative duration '-1s'"},
    {"timeout over interval", kComponents + "        interval: 5s\n        timeout: 10s\n",
     "7:18: components[0].probes[0].timeout: timeout 10s exceeds the interval 5s" + kTimingHint},
    {"defaults timeout over probe interval",
     "defaults:\n  timeout: 30s\n" + kComponents + "        interval: 20s\n",
     "8:19: components[0].probes[0].interval: timeout 30s exceeds the interval 20s" + kTimingHint},
    {"built-in timeout over defaults interval", "defaults:\n  interval: 5s\n" + kComponents,
     "2:13: defaults.interval: timeout 10s exceeds the interval 5s" + kTimingHint},
    {"probe jitter too large", kComponents + "        interval: 10s\n        jitter: 11s\n",
     "7:17: components[0].probes[0].jitter: jitter 11s exceeds the interval 10s (it is the window "
     "of each probe's phase)"},
    {"defaults jitter too large",
     "defaults:\n  jitter: 12s\n" + kComponents + "        interval: 10s\n",
     "8:19: components[0].probes[0].interval: jitter 12s exceeds the interval 10s (it is the "
     "window of each probe's phase)"},
    // Integers and booleans.
    {"threshold 0", kComponents + "        failure_threshold: 0\n",
     "6:28: components[0].probes[0].failure_threshold: must be between 1 and 100, got 0"},
    {"threshold 101", kComponents + "        success_threshold: 101\n",
     "6:28: components[0].probes[0].success_threshold: must be between 1 and 100, got 101"},
    {"threshold word", kComponents + "        failure_threshold: many\n",
     "6:28: components[0].probes[0].failure_threshold: expected an integer between 1 and 100, got "
     "'many'"},
    {"threshold list", "defaults:\n  success_threshold: [1]\n" + kComponents,
     "2:22: defaults.success_threshold: expected an integer"},
    {"critical yes", "components:\n  - name: api\n    critical: yes\n",
     "3:15: components[0].critical: expected true or false, got 'yes'"},
    // Probes.
    {"probes missing", "components:\n  - name: api\n",
     "2:5: components[0].probes: missing required key"},
    {"probes scalar", "components:\n  - name: api\n    probes: http\n",
     "3:13: components[0].probes: expected a list"},
    {"probes empty", "components:\n  - name: api\n    probes: []\n",
     "3:13: components[0].probes: needs at least one probe"},
    {"probe scalar", "components:\n  - name: api\n    probes:\n      - http\n",
     "4:9: components[0].probes[0]: expected a mapping"},
    {"probe without name", "components:\n  - name: api\n    probes:\n      - kind: http\n",
     "4:9: components[0].probes[0].name: missing required key"},
    {"probe without kind", "components:\n  - name: api\n    probes:\n      - name: p\n",
     "4:9: components[0].probes[0].kind: missing required key"},
    {"probe empty kind",
     "components:\n  - name: api\n    probes:\n      - name: p\n        kind: ''\n",
     "5:15: components[0].probes[0].kind: must not be empty"},
    // Names.
    {"component without name", "components:\n  - probes: []\n",
     "2:5: components[0].name: missing required key"},
    {"name with space", "components:\n  - name: my api\n",
     "2:11: components[0].name: invalid name 'my api'" + kNameRule},
    {"name starting with underscore", "components:\n  - name: _api\n",
     "2:11: components[0].name: invalid name '_api'" + kNameRule},
    {"name too long", "components:\n  - name: " + std::string(65, 'a') + "\n",
     "2:11: components[0].name: invalid name '" + std::string(65, 'a') + "'" + kNameRule},
    {"duplicate component", kComponents + "  - name: api\n    probes: [{name: p2, kind: tcp}]\n",
     "6:11: components[1].name: duplicate component name 'api' (first defined at {file}:2:11)"},
    {"duplicate probe across components",
     kComponents + "  - name: db\n    probes:\n      - name: api-http\n        kind: tcp\n",
     "8:15: components[1].probes[0].name: duplicate probe name 'api-http' (first defined at "
     "{file}:4:15)"},
    {"duplicate action name",
     kComponents + "    recovery:\n      actions:\n        - kind: command\n"
                   "        - kind: command\n          name: command-1\n",
     "10:17: components[0].recovery.actions[1].name: duplicate action name 'command-1' (first "
     "defined at {file}:8:11)"},
    {"duplicate alert name",
     kComponents + "alerts:\n  - {name: ops, kind: webhook}\n  - {name: ops, kind: slack}\n",
     "8:12: alerts[1].name: duplicate alert name 'ops' (first defined at {file}:7:12)"},
    // Duplicate keys anywhere.
    {"duplicate probe key", kComponents + "        interval: 10s\n        interval: 20s\n",
     "7:9: components[0].probes[0].interval: duplicate key 'interval' (first defined at "
     "{file}:6:9)"},
    {"duplicate top key", kComponents + kComponents,
     "6:1: components: duplicate key 'components' (first defined at {file}:1:1)"},
    {"duplicate key in flow map", kComponents + "        headers: {A: 1, A: 2}\n",
     "6:25: components[0].probes[0].headers.A: duplicate key 'A' (first defined at {file}:6:19)"},
    // Recovery.
    {"recovery scalar", kComponents + "    recovery: yes\n",
     "6:15: components[0].recovery: expected a mapping"},
    {"max_attempts 0", kRecovery + "      max_attempts: 0\n",
     "8:21: components[0].recovery.max_attempts: must be between 1 and 1000, got 0"},
    {"zero backoff", kRecovery + "      backoff: 0s\n",
     "8:16: components[0].recovery.backoff: must be greater than 0"},
    {"max_backoff under backoff", kRecovery + "      backoff: 1m\n      max_backoff: 30s\n",
     "9:20: components[0].recovery.max_backoff: max_backoff 30s must not be shorter than backoff "
     "1m"},
    {"backoff over default max_backoff", kRecovery + "      backoff: 10m\n",
     "8:16: components[0].recovery.backoff: max_backoff 5m must not be shorter than backoff 10m"},
    {"zero window", kRecovery + "      window: 0s\n",
     "8:15: components[0].recovery.window: must be greater than 0"},
    // Flapping.
    {"flapping stop not below start", kComponents + "    flapping: {start: 3, stop: 3}\n",
     "6:32: components[0].flapping.stop: stop 3 must be below start 3 (0 turns flap detection "
     "off)"},
    {"flapping zero window", kComponents + "    flapping: {window: 0s}\n",
     "6:24: components[0].flapping.window: must be greater than 0"},
    {"actions missing", kComponents + "    recovery:\n      window: 1h\n",
     "7:7: components[0].recovery.actions: missing required key"},
    {"actions empty", kComponents + "    recovery:\n      actions: []\n",
     "7:16: components[0].recovery.actions: needs at least one action"},
    {"action without kind", kComponents + "    recovery:\n      actions:\n        - name: x\n",
     "8:11: components[0].recovery.actions[0].kind: missing required key"},
    {"action zero timeout",
     kComponents + "    recovery:\n      actions:\n        - {kind: command, timeout: 0s}\n",
     "8:36: components[0].recovery.actions[0].timeout: must be greater than 0"},
    {"action bad name",
     kComponents + "    recovery:\n      actions:\n        - {kind: command, name: 'a/b'}\n",
     "8:33: components[0].recovery.actions[0].name: invalid name 'a/b'" + kNameRule},
    // Alerts.
    {"alerts scalar", kComponents + "alerts: x\n", "6:9: alerts: expected a list"},
    {"alert without name", kComponents + "alerts:\n  - kind: webhook\n",
     "7:5: alerts[0].name: missing required key"},
    {"alert without kind", kComponents + "alerts:\n  - name: ops\n",
     "7:5: alerts[0].kind: missing required key"},
    // Dependencies, rto and the coordinator's settings (issue #5).
    {"unknown dependency", kComponents + "    depends_on: [db]\n",
     "6:17: components[0].depends_on: unknown component 'db'"},
    {"self dependency", kComponents + "    depends_on: [api]\n",
     "6:17: components[0].depends_on: depends on itself"},
    {"dependency cycle",
     kComponents + "    depends_on: [db]\n" +
         "  - name: db\n    depends_on: [api]\n    probes:\n      - {name: db-tcp, kind: tcp}\n",
     "8:17: components[1].depends_on: dependency cycle: api -> db -> api"},
    {"negative rto", kComponents + "    rto: -5m\n",
     "6:10: components[0].rto: negative duration '-5m'"},
    {"concurrency zero", "watchdog:\n  max_concurrent_recoveries: 0\n" + kComponents,
     "2:30: watchdog.max_concurrent_recoveries: must be between 1 and 100, got 0"},
    {"journal retention under a second", "watchdog:\n  journal_retention: 500ms\n" + kComponents,
     "2:22: watchdog.journal_retention: must be at least 1s"},
    {"journal keeps no incident", "watchdog:\n  journal_max_incidents: 0\n" + kComponents,
     "2:26: watchdog.journal_max_incidents: must be between 1 and 1000000000, got 0"},
    {"unknown leader kind", "watchdog:\n  leader:\n    kind: etcd\n" + kComponents,
     "3:11: watchdog.leader.kind: unknown leader lock kind 'etcd' (expected redis, postgres or "
     "kubernetes)"},
    {"leader renew too slow",
     "watchdog:\n  leader:\n    kind: redis\n    lease: 10s\n    renew_interval: 6s\n" +
         kComponents,
     "5:21: watchdog.leader.renew_interval: renew_interval 6s must be at most half the lease 10s"},
    {"leader keys without kind",
     "watchdog:\n  leader:\n    address: 127.0.0.1:6379\n" + kComponents,
     "3:5: watchdog.leader.address: unknown key (expected one of: kind, lease, renew_interval)"},
};

class LoaderErrorTableTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LoaderErrorTableTest, ReportsFileLineColumnKeyPathAndMessage) {
  test::ScopedEnv unset("WD_ERR_UNSET", std::nullopt);
  watchdog::testing::TempDir dir;
  const std::string file = dir.write("watchdog.yaml", GetParam().yaml).string();
  std::string expected = file + ":" + GetParam().expected;
  for (auto at = expected.find("{file}"); at != std::string::npos; at = expected.find("{file}")) {
    expected.replace(at, 6, file);
  }
  EXPECT_EQ(test::error_of([&] { load_config_file(file); }), expected);
}

std::string case_name(const ::testing::TestParamInfo<ErrorCase>& info) {
  std::string name = info.param.what;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(LoaderErrors, LoaderErrorTableTest, ::testing::ValuesIn(kCases),
                         case_name);

TEST(LoaderErrorTest, SyntaxErrorUsesYamlCppMessageAndOneBasedPosition) {
  EXPECT_EQ(test::error_of([] { load_config_text("components: [a\nb: 2\n", "f.yaml"); }),
            "f.yaml:2:2: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(test::error_of([] { load_config_text("a: 1\n b: 2\n", "f.yaml"); }),
            "f.yaml:2:3: YAML syntax error: illegal map value");
}

TEST(LoaderErrorTest, AliasCycleIsRejected) {
  EXPECT_EQ(test::error_of([] { load_config_text("x: &a [*a]\n", "f.yaml"); }),
            "f.yaml:1:4: nesting deeper than 64 levels");
}

TEST(LoaderErrorTest, SecretsInTheFileNeverReachErrors) {
  test::ScopedEnv secret("WD_ERR_SECRET", "s3cr3t-sentinel");
  const std::string cases[] = {
      kComponents + "        password: ${WD_ERR_SECRET}\n        interval: 5sx\n",
      kComponents + "alerts:\n  - name: ops\n    url: ${WD_ERR_SECRET}\n    kind: ''\n",
      kComponents +
          "alerts:\n  - name: ops\n    url: ${WD_ERR_SECRET}\n  - name: ops\n    kind: x\n",
      "watchdog:\n  state_dir: ${WD_ERR_SECRET}${WD_ERR_UNSET}\n" + kComponents,
  };
  test::ScopedEnv unset("WD_ERR_UNSET", std::nullopt);
  for (const auto& yaml : cases) {
    std::string message = test::error_of([&] { load_config_text(yaml, "f.yaml"); });
    EXPECT_NE(message, "<no error>") << yaml;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace watchdog::config
