// kind: command — error lines never carry a URI's user info (a dump tool's stderr often repeats
// its connection string).
#include <gtest/gtest.h>

#include "actions/backup/command_driver.h"

namespace watchdog::actions {
namespace {

TEST(CommandDriver, RedactsUriUserInfo) {
  const struct {
    std::string text, expected;
  } cases[] = {
      {"error: mongodb://admin:s3cret@db:27017/app refused",
       "error: mongodb://***@db:27017/app refused"},
      {"postgres://app@db/x", "postgres://***@db/x"},
      {"redis://:pw@cache", "redis://***@cache"},
      {"x://u:p@ss@h", "x://***@h"},  // an unescaped '@' in the password
      {"a://u:p@h and b://v:q@k/", "a://***@h and b://***@k/"},
      {"http://host/path@x", "http://host/path@x"},  // '@' after the authority: no user info
      {"http://host:8080 down", "http://host:8080 down"},
      {"no uri here", "no uri here"},
      {"trailing ://", "trailing ://"},
  };
  for (const auto& c : cases) EXPECT_EQ(without_uri_credentials(c.text), c.expected) << c.text;
}

TEST(CommandDriver, ErrorLineHasNoPassword) {
  probes::ProcessResult run;
  run.started = true;
  run.exit_code = 1;
  run.output_tail = "Failed: mongodb://root:hunter2@10.0.0.5:27017 server selection timeout\n";
  EXPECT_EQ(command_error({"/usr/bin/mongodump", "--uri=x"}, run, std::chrono::seconds(5)),
            "mongodump exit 1: Failed: mongodb://***@10.0.0.5:27017 server selection timeout");
}

}  // namespace
}  // namespace watchdog::actions
