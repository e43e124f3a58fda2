// The operator's argv as the plan, report and logs show it: secrets masked in every form the
// usual clients take them, argv[0] and everything else left readable; a failing command's error
// line does not quote the secret either.
#include "watchdog/gameday/operator_command.h"

#include <gtest/gtest.h>

#include "config/redaction.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {
namespace {

TEST(GamedayOperatorCommand, MasksTheValueAfterASecretOption) {
  EXPECT_EQ(redacted_argv({"redis-cli", "-h", "127.0.0.1", "-a", "S3cret", "shutdown"}),
            "redis-cli -h 127.0.0.1 -a *** shutdown");
  EXPECT_EQ(redacted_argv({"tool", "--password", "S3cret", "--token", "t0k", "--secret", "x",
                           "--pass", "y", "stop"}),
            "tool --password *** --token *** --secret *** --pass *** stop");
  EXPECT_EQ(
      redacted_argv({"tool", "--db-password", "S3cret", "--api-token", "t0k", "--api-key", "k3y"}),
      "tool --db-password *** --api-token *** --api-key ***");
  EXPECT_EQ(redacted_argv({"mysqladmin", "-p", "S3cret", "shutdown"}),
            "mysqladmin -p *** shutdown");
}

TEST(GamedayOperatorCommand, MasksAttachedForms) {
  EXPECT_EQ(redacted_argv({"mysqladmin", "-uroot", "-pS3cret", "shutdown"}),
            "mysqladmin -uroot -p*** shutdown");
  EXPECT_EQ(redacted_argv({"redis-cli", "-aS3cret", "shutdown"}), "redis-cli -a*** shutdown");
  EXPECT_EQ(redacted_argv({"tool", "--password=S3cret", "--Token=abc", "--verbose=2"}),
            "tool --password=*** --Token=*** --verbose=2");
  EXPECT_EQ(redacted_argv({"env", "PGPASSWORD=S3cret", "REDISCLI_AUTH=x", "MODE=fast", "pg_ctl"}),
            "env PGPASSWORD=*** REDISCLI_AUTH=*** MODE=fast pg_ctl");
}

TEST(GamedayOperatorCommand, MasksUrlAndConninfoPasswords) {
  EXPECT_EQ(redacted_argv({"psql", "postgresql://app:S3cret@db:5432/shop", "-c", "SELECT 1"}),
            "psql postgresql://app:***@db:5432/shop -c SELECT 1");
  EXPECT_EQ(redacted_argv({"redis-cli", "-u", "redis://:S3cret@127.0.0.1:6379/0", "shutdown"}),
            "redis-cli -u redis://:***@127.0.0.1:6379/0 shutdown");
  EXPECT_EQ(redacted_argv({"tool", "--url=https://user:p@ss@host/x"}),
            "tool --url=https://user:***@host/x");
  EXPECT_EQ(redacted_argv({"psql", "host=db user=app password=S3cret dbname=shop"}),
            "psql host=db user=app password=*** dbname=shop");
  // No password in the URL: left as it is.
  EXPECT_EQ(redacted_argv({"curl", "https://user@host/x", "http://host:8080/a@b"}),
            "curl https://user@host/x http://host:8080/a@b");
}

TEST(GamedayOperatorCommand, KeepsArgvZeroAndHarmlessWords) {
  EXPECT_EQ(redacted_argv({"/usr/bin/pg_ctl", "-D", "/data", "-w", "stop", "-m", "fast"}),
            "/usr/bin/pg_ctl -D /data -w stop -m fast");
  EXPECT_EQ(redacted_argv({"-pweird-name"}), "-pweird-name");
  EXPECT_EQ(redacted_argv({}), "");
  EXPECT_EQ(redacted_argv({"tool", "--password"}), "tool --password") << "no value to mask";
  const auto secrets = argv_secrets({"mysqladmin", "-pS3cret", "--token", "abc", "x=1"});
  EXPECT_EQ(secrets, (std::vector<std::string>{"S3cret", "abc"}));
}

std::string failure(const std::vector<std::string>& argv) {
  try {
    run_operator_command(argv, std::chrono::seconds(10), "db: stop command");
  } catch (const ScenarioError& error) {
    return error.what();
  }
  return "(succeeded)";
}

TEST(GamedayOperatorCommand, ErrorsSayWhyWithoutTheSecret) {
  EXPECT_EQ(failure({"/bin/sh", "-c", "echo 'auth failed for S3cret-pw' >&2; exit 3", "--password",
                     "S3cret-pw"}),
            "db: stop command failed (exit 3): auth failed for ***");
  EXPECT_EQ(failure({"/bin/sh", "-c", "exit 0"}), "(succeeded)");
  EXPECT_NE(failure({"/nonexistent/tool", "-pS3cret-pw"}).find("db: stop command could not start"),
            std::string::npos);
  EXPECT_EQ(failure({"/nonexistent/tool", "-pS3cret-pw"}).find("S3cret-pw"), std::string::npos);
  EXPECT_EQ(failure({"/bin/sh", "-c", "kill -9 $$"}), "db: stop command failed (SIGKILL)");
}

// A configured secret (the redaction registry) the command prints is scrubbed too, even when
// it is not in the argv.
TEST(GamedayOperatorCommand, ErrorsCarryNoConfiguredSecret) {
  config::install_secrets({"cfg-secret-0042"});
  const auto text = failure({"/bin/sh", "-c", "echo 'refused: cfg-secret-0042' >&2; exit 1"});
  config::clear_secrets();
  EXPECT_EQ(text, "db: stop command failed (exit 1): refused: [REDACTED]");
}

}  // namespace
}  // namespace watchdog::gameday
