#include "actions/backup/mysql_dump_rows.h"

#include <gtest/gtest.h>

namespace watchdog::actions {
namespace {

using Counts = std::map<std::string, std::int64_t>;

struct Case {
  const char* what;
  std::string dump;
  Counts expected;
};

// Whole, and one byte at a time (every chunk boundary a pipe could cut).
void expect_counts(const Case& c) {
  DumpRowCounter whole;
  whole.feed(c.dump.data(), c.dump.size());
  EXPECT_EQ(whole.counts(), c.expected) << c.what;
  DumpRowCounter bytewise;
  for (char ch : c.dump) bytewise.feed(&ch, 1);
  EXPECT_EQ(bytewise.counts(), c.expected) << c.what << " (byte by byte)";
}

TEST(DumpRowCounter, CountsTheRowsOfEachTableInTheDump) {
  const std::vector<Case> cases = {
      {"an empty table", "CREATE TABLE `t` (\n  `a` int\n);\n", {{"t", 0}}},
      {"rows over several INSERT lines",
       "CREATE TABLE `t` (\n  `a` int\n);\nLOCK TABLES `t` WRITE;\n"
       "INSERT INTO `t` VALUES (1),(2),(3);\nINSERT INTO `t` VALUES (4);\nUNLOCK TABLES;\n",
       {{"t", 4}}},
      {"one row per line (MariaDB 10.11), strings with newlines escaped",
       "INSERT INTO `t` VALUES\n(1,'a\\n(b);'),\n(2,NULL),\n(3,'\\'');\nUNLOCK TABLES;\n"
       "INSERT INTO `u` VALUES\n(1);\n",
       {{"t", 3}, {"u", 1}}},
      {"parentheses, quotes and semicolons inside strings",
       "INSERT INTO `t` VALUES (1,'a(b),(c'),(2,'it\\'s (x);'),(3,'say ''(hi)'''),(4,'\\\\'),"
       "(5,NULL);\n",
       {{"t", 5}}},
      {"a column list before VALUES",
       "INSERT INTO `t` (`a`, `VALUES (`, `b`) VALUES (1,2,3),(4,5,6);\n",
       {{"t", 2}}},
      {"backticks in a table name",
       "INSERT INTO `odd``name` VALUES (0x00FF),(0x01);\n",
       {{"odd`name", 2}}},
      {"view stand-ins and sequences are not tables",
       "/*!50001 CREATE VIEW `v` AS SELECT\n 1 AS `a` */;\nCREATE SEQUENCE `s` start with 1;\n"
       "/*!50001 CREATE TABLE `w` (\n  `a` int\n) */;\n",
       {}},
      {"INSERT lines inside routine and trigger bodies are not rows",
       "INSERT INTO `t` VALUES (1);\nDELIMITER ;;\nCREATE PROCEDURE `p`()\nBEGIN\n"
       "INSERT INTO `t` VALUES (9),(9);\nEND ;;\nDELIMITER ;\nINSERT INTO `t` VALUES (2);\n",
       {{"t", 2}}},
      {"a comment that mentions an insert", "-- INSERT INTO `t` VALUES (1);\n", {}},
      {"the last line without a newline", "INSERT INTO `t` VALUES (1),(2)", {{"t", 2}}},
  };
  for (const auto& c : cases) expect_counts(c);
}

}  // namespace
}  // namespace watchdog::actions
