#include "config/env.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

const std::map<std::string, std::string> kEnv = {
    {"HOST", "db.local"}, {"PORT", "5432"}, {"EMPTY", ""}, {"TOKEN", "s3cr3t-sentinel"}};

std::optional<std::string> fake_lookup(const std::string& name) {
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

std::string expand(std::string_view text) { return expand_env(text, fake_lookup).value; }

std::string reason(std::string_view text) {
  try {
    expand(text);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(EnvTest, ExpandsReferences) {
  const std::pair<const char*, const char*> cases[] = {
      {"plain text", "plain text"},
      {"", ""},
      {"${HOST}", "db.local"},
      {"postgres://${HOST}:${PORT}/app", "postgres://db.local:5432/app"},
      {"${HOST:-other}", "db.local"},
      {"${MISSING:-fallback}", "fallback"},
      {"${EMPTY:-fallback}", "fallback"},  // as in sh: empty counts as unset
      {"${EMPTY}", ""},
      {"${MISSING:-}", ""},
      {"${MISSING:-a b:c}", "a b:c"},
      {"$$", "$"},
      {"$${HOST}", "${HOST}"},
      {"$$$${HOST}", "$${HOST}"},
      {"$$${HOST}", "$db.local"},
      {"^ok$", "^ok$"},  // a lone '$' is kept
      {"a$b", "a$b"},
      {"cost: 5$", "cost: 5$"},
  };
  for (const auto& [text, value] : cases) {
    EXPECT_EQ(expand(text), value) << text;
  }
}

TEST(EnvTest, RecordsReferencedVariables) {
  auto expansion = expand_env("${HOST}:${PORT} ${MISSING:-x} $${NOT}", fake_lookup);
  EXPECT_EQ(expansion.variables, (std::vector<std::string>{"HOST", "PORT", "MISSING"}));
  EXPECT_TRUE(expand_env("no refs $$", fake_lookup).variables.empty());
}

TEST(EnvTest, RejectsMalformedAndMissing) {
  const std::pair<const char*, const char*> cases[] = {
      {"${MISSING}", "environment variable MISSING is not set"},
      {"x ${HOST", "malformed environment reference: '${' without a closing '}'"},
      {"${}", "malformed environment reference '${}' (expected ${NAME} or ${NAME:-default})"},
      {"${1A}", "malformed environment reference '${1A}' (expected ${NAME} or ${NAME:-default})"},
      {"${HOST-x}",
       "malformed environment reference '${HOST-x}' (expected ${NAME} or ${NAME:-default})"},
      {"${A B}", "malformed environment reference '${A B}' (expected ${NAME} or ${NAME:-default})"},
  };
  for (const auto& [text, message] : cases) {
    EXPECT_EQ(reason(text), message) << text;
  }
}

TEST(EnvTest, ErrorsNeverContainValues) {
  // A later missing variable must not echo the already expanded parts.
  std::string message = reason("${TOKEN}${MISSING}");
  EXPECT_EQ(message, "environment variable MISSING is not set");
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos);
}

TEST(EnvTest, UsesProcessEnvironmentByDefault) {
  test::ScopedEnv set("WD_ENV_TEST_VALUE", "from-env");
  test::ScopedEnv unset("WD_ENV_TEST_UNSET", std::nullopt);
  EXPECT_EQ(expand_env("v=${WD_ENV_TEST_VALUE}").value, "v=from-env");
  EXPECT_EQ(expand_env("${WD_ENV_TEST_UNSET:-d}").value, "d");
  EXPECT_THROW(expand_env("${WD_ENV_TEST_UNSET}"), std::invalid_argument);
}

}  // namespace
}  // namespace watchdog::config
