// The mysql driver's pure pieces: the client options file (the password's only way to the
// tools), the client's batch output, SQL quoting.
#include "actions/backup/mysql_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace watchdog::actions {
namespace {

TEST(MysqlClient, OptionsFileQuotesWhatTheParserWouldCutOrUnescape) {
  config::BackupTargetSpec target;
  target.user = "app";
  target.host = "db.internal";
  target.port = 3307;
  struct Case {
    std::string password;
    std::string line;
  } cases[] = {
      {"plain", "password=\"plain\""},
      {"has # and ; and 'quote'", "password=\"has # and ; and 'quote'\""},
      {"back\\slash \"dq\" ", "password=\"back\\\\slash \\\"dq\\\" \""},
      {"two\nlines\ttab", "password=\"two\\nlines\\ttab\""},
  };
  for (const auto& c : cases) {
    target.password = config::Secret{c.password, "inline"};
    EXPECT_EQ(client_defaults_text(target),
              "[client]\nuser=\"app\"\n" + c.line + "\nhost=\"db.internal\"\nport=3307\n")
        << c.password;
  }
  config::BackupTargetSpec bare;
  EXPECT_EQ(client_defaults_text(bare), "[client]\n");  // the tools' own defaults (socket)
}

TEST(MysqlClient, OptionsFileIsPrivateAndRemovedAfterwards) {
  config::BackupTargetSpec target;
  target.password = config::Secret{"s3cret", "inline"};
  std::filesystem::path file;
  {
    ClientDefaults defaults(target);
    ASSERT_EQ(defaults.error(), "");
    const auto argv = defaults.argv("mariadb");
    ASSERT_EQ(argv.size(), 2u);
    EXPECT_EQ(argv[0], "mariadb");
    ASSERT_TRUE(argv[1].starts_with("--defaults-file="));
    file = argv[1].substr(std::string("--defaults-file=").size());
    struct stat info {};
    ASSERT_EQ(stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(stat(file.parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("password=\"s3cret\""), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(file.parent_path()));
}

TEST(MysqlClient, BatchRowsAreSplitAndUnescaped) {
  using Rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(parse_batch_rows(""), Rows{});
  EXPECT_EQ(parse_batch_rows("10.11.6-MariaDB\n"), (Rows{{"10.11.6-MariaDB"}}));
  EXPECT_EQ(parse_batch_rows("users\t50\norders\t200\n"),
            (Rows{{"users", "50"}, {"orders", "200"}}));
  EXPECT_EQ(parse_batch_rows("a\\tb\t\\\\x\\n\n"), (Rows{{"a\tb", "\\x\n"}}));
  EXPECT_EQ(parse_batch_rows("\t\n"), (Rows{{"", ""}}));
}

TEST(MysqlClient, QuotesLiteralsAndIdentifiers) {
  EXPECT_EQ(mysql_literal("it's a \\ test"), "'it''s a \\\\ test'");
  EXPECT_EQ(mysql_identifier("odd`name"), "`odd``name`");
  EXPECT_EQ(check_database_name("shop"), "");
  EXPECT_NE(check_database_name(""), "");
  EXPECT_NE(check_database_name("--all-databases"), "");
  EXPECT_NE(check_database_name(std::string(65, 'x')), "");
}

}  // namespace
}  // namespace watchdog::actions
