// watchdog.api_token_file: read into the config, and every way it can be wrong reported with the
// file, line, column and key, never with the token.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using test::kComponents;

Config load_with(const watchdog::testing::TempDir& dir, const std::string& watchdog_lines) {
  return load_config_file(dir.write("watchdog.yaml", "watchdog:\n" + watchdog_lines + kComponents));
}

std::string error_of(const watchdog::testing::TempDir& dir, const std::string& watchdog_lines) {
  try {
    load_with(dir, watchdog_lines);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ApiTokenFile, TheTrimmedContentIsTheToken) {
  watchdog::testing::TempDir dir;
  const auto file = dir.write("token", "0123456789abcdef0123\n");
  const auto config = load_with(dir, "  api_token_file: " + file.string() + "\n");
  ASSERT_TRUE(config.watchdog.api_token.has_value());
  EXPECT_EQ(config.watchdog.api_token->value, "0123456789abcdef0123");
  EXPECT_EQ(config.watchdog.api_token->source, "file " + file.string());
  EXPECT_FALSE(load_with(dir, "  listen: 127.0.0.1:9187\n").watchdog.api_token.has_value());
}

TEST(ApiTokenFile, ErrorsNameFileLineAndKeyButNeverTheToken) {
  watchdog::testing::TempDir dir;
  const auto yaml = (dir / "watchdog.yaml").string();
  const auto missing = (dir / "nope").string();
  EXPECT_EQ(error_of(dir, "  api_token_file: " + missing + "\n"),
            yaml + ":2:19: watchdog.api_token_file: cannot read " + missing +
                ": No such file or directory");
  const auto empty = dir.write("empty", "\n\n");
  EXPECT_EQ(error_of(dir, "  api_token_file: " + empty.string() + "\n"),
            yaml + ":2:19: watchdog.api_token_file: the token file is empty");
  const auto short_token = dir.write("short", "tiny-secret-15c\n");
  const auto error = error_of(dir, "  api_token_file: " + short_token.string() + "\n");
  EXPECT_NE(error.find(yaml + ":2:19: watchdog.api_token_file: the token is shorter than 16"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("tiny-secret"), std::string::npos);
  for (const char* bad : {"0123456789 abcdef0123\n", "0123456789abcdef\n0123\n",
                          "0123456789abcdef\xc3\xa9\n", "0123456789\tabcdef0123\n"}) {
    const auto file = dir.write("odd", bad);
    const auto odd = error_of(dir, "  api_token_file: " + file.string() + "\n");
    EXPECT_NE(odd.find("visible ASCII"), std::string::npos) << odd;
    EXPECT_EQ(odd.find("0123456789"), std::string::npos) << odd;
  }
  // Inline tokens are not accepted: a token belongs in a file.
  EXPECT_NE(error_of(dir, "  api_token: 0123456789abcdef0123\n").find("api_token: unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace watchdog::config
