// Secrets: where they come from, and that no error message ever contains one.
#include <gtest/gtest.h>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using test::error_of;
using test::probe_options;
using test::ScopedEnv;

constexpr const char* kSentinel = "s3cr3t-sentinel";

class OptionsSecretTest : public ::testing::Test {
 protected:
  ScopedEnv secret_{"WD_SECRET", kSentinel};
  ScopedEnv user_{"WD_USER", "ops"};
  ScopedEnv unset_{"WD_SECRET_UNSET", std::nullopt};
  watchdog::testing::TempDir dir_;
};

TEST_F(OptionsSecretTest, InlineValue) {
  auto options = probe_options("        password: hunter2\n");
  auto secret = options.secret("password");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->value, "hunter2");
  EXPECT_EQ(secret->source, "inline");
  EXPECT_NO_THROW(options.finish());
}

TEST_F(OptionsSecretTest, FromOneEnvironmentReference) {
  auto options = probe_options(
      "        password: ${WD_SECRET}\n"
      "        token: Bearer ${WD_SECRET}\n"
      "        dsn: ${WD_USER}:${WD_SECRET}\n"
      "        fallback: ${WD_SECRET_UNSET:-dflt}\n");
  auto password = options.required_secret("password");
  EXPECT_EQ(password.value, kSentinel);
  EXPECT_EQ(password.source, "env WD_SECRET");
  auto token = options.required_secret("token");
  EXPECT_EQ(token.value, std::string("Bearer ") + kSentinel);
  EXPECT_EQ(token.source, "env WD_SECRET");
  auto dsn = options.required_secret("dsn");
  EXPECT_EQ(dsn.value, std::string("ops:") + kSentinel);
  EXPECT_EQ(dsn.source, "inline");  // two references: no single origin
  EXPECT_EQ(options.required_secret("fallback").value, "dflt");
}

TEST_F(OptionsSecretTest, FromFileWithTrailingWhitespaceTrimmed) {
  auto file = dir_.write("password", std::string("  ") + kSentinel + " \n\n");
  ScopedEnv secrets_dir("WD_SECRETS_DIR", dir_.path().string());
  auto options = probe_options("        password_file: " + file.string() + "\n" +
                               "        token_file: ${WD_SECRETS_DIR}/password\n");
  auto password = options.secret("password");
  ASSERT_TRUE(password.has_value());
  EXPECT_EQ(password->value, std::string("  ") + kSentinel);  // leading spaces are content
  EXPECT_EQ(password->source, "file " + file.string());
  EXPECT_EQ(options.secret("token")->source, "file " + file.string());
  EXPECT_NO_THROW(options.finish());  // both password and password_file count as read
}

TEST_F(OptionsSecretTest, AbsentSecret) {
  auto options = probe_options("");
  EXPECT_EQ(options.secret("password"), std::nullopt);
  EXPECT_EQ(error_of([&] { options.required_secret("password"); }),
            "t.yaml:4:9: components[0].probes[0].password: missing required key (or "
            "password_file)");
}

TEST_F(OptionsSecretTest, BothGivenIsAnError) {
  auto file = dir_.write("password", kSentinel);
  auto options = probe_options(
      "        password: ${WD_SECRET}\n"
      "        password_file: " +
      file.string() + "\n");
  EXPECT_EQ(error_of([&] { options.secret("password"); }),
            "t.yaml:7:9: components[0].probes[0].password_file: give either 'password' or "
            "'password_file', not both");
}

TEST_F(OptionsSecretTest, UnreadableFileNamesPathAndReason) {
  auto missing = dir_.path() / "missing";
  auto options = probe_options("        password_file: " + missing.string() + "\n" +
                               "        token_file: " + dir_.path().string() + "\n");
  EXPECT_EQ(error_of([&] { options.secret("password"); }),
            "t.yaml:6:24: components[0].probes[0].password_file: cannot read " + missing.string() +
                ": No such file or directory");
  EXPECT_EQ(error_of([&] { options.secret("token"); }),
            "t.yaml:7:21: components[0].probes[0].token_file: cannot read " + dir_.path().string() +
                ": Is a directory");
}

TEST_F(OptionsSecretTest, MissingVariableIsNamedNotValued) {
  auto options = probe_options("        password: ${WD_SECRET}${WD_SECRET_UNSET}\n");
  std::string message = error_of([&] { options.secret("password"); });
  EXPECT_EQ(message,
            "t.yaml:6:19: components[0].probes[0].password: environment variable WD_SECRET_UNSET "
            "is not set");
}

// Every way a secret-bearing mapping can fail: none of the messages may contain the value.
TEST_F(OptionsSecretTest, ErrorsNeverContainTheValue) {
  auto file = dir_.write("token", kSentinel);
  const std::pair<std::string, std::function<void(Options&)>> cases[] = {
      {"        password: ['${WD_SECRET}']\n", [](Options& o) { o.secret("password"); }},
      {"        password: {v: '${WD_SECRET}'}\n", [](Options& o) { o.secret("password"); }},
      {"        password: ${WD_SECRET}\n        pasword: x\n",
       [](Options& o) {
         o.secret("password");
         o.finish();
       }},
      {"        password: ${WD_SECRET}\n        password_file: " + file.string() + "\n",
       [](Options& o) { o.secret("password"); }},
      {"        password_file: " + file.string() + "\n        extra: 1\n",
       [](Options& o) {
         o.secret("password");
         o.finish();
       }},
      {"        password: ${WD_SECRET}\n        timeout: nope\n", [](Options&) {}},
      {"        password: ${WD_SECRET}${WD_SECRET_UNSET}\n",
       [](Options& o) { o.required_secret("password"); }},
      {"        password: ${WD_SECRET}\n", [](Options& o) { o.fail("password", "rejected"); }},
      // Read with the wrong accessor: the value is quoted as written.
      {"        password: ${WD_SECRET}\n", [](Options& o) { o.integer("password", 0, 1); }},
      {"        password: ${WD_SECRET}\n", [](Options& o) { o.boolean("password"); }},
  };
  for (const auto& [yaml, read] : cases) {
    std::string message = error_of([&] {
      auto options = probe_options(yaml);
      read(options);
    });
    EXPECT_NE(message, "<no error>") << yaml;
    EXPECT_EQ(message.find(kSentinel), std::string::npos) << message;
  }
}

TEST_F(OptionsSecretTest, ConversionErrorsQuoteTheValueAsWritten) {
  auto options = probe_options("        retries: ${WD_SECRET}\n");
  EXPECT_EQ(error_of([&] { options.integer("retries", 0, 9); }),
            "t.yaml:6:18: components[0].probes[0].retries: expected an integer between 0 and 9, "
            "got '${WD_SECRET}'");
}

}  // namespace
}  // namespace watchdog::config
