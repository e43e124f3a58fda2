#pragma once
// Counts the rows a mariadb-dump / mysqldump SQL dump holds, per table, as the dump streams by
// (kind: mysql, actions/backup/mysql_driver.h). The counts describe the dump itself, so they are
// exact for what a restore brings back however busy the server was while it was dumped — unlike
// counts taken in a second session, which cannot share mariadb-dump's snapshot.
//
// What it relies on (the dump tool's own layout, default options):
//  - every base table has a line "CREATE TABLE `name` (" (views and their stand-ins are
//    inside /*!50001 … */ comments, sequences are CREATE SEQUENCE): a table with 0 rows;
//  - rows come in statements that start a line, "INSERT INTO `name` VALUES (…),(…);" (on one
//    line, or one row per line as MariaDB 10.11 writes them; optionally with a column list
//    before VALUES), strings in single quotes with backslash escapes, binary data as 0x…
//    (--hex-blob): every '(' at depth 0 after VALUES, outside a string, starts one row, and
//    the statement ends at the first ';' outside a string and the parentheses;
//  - triggers, routines and events sit between "DELIMITER ;;" and "DELIMITER ;" lines, so a
//    line of their bodies that reads like an INSERT is not counted.
// Pure logic, no I/O.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace watchdog::actions {

class DumpRowCounter {
 public:
  void feed(const char* data, std::size_t size);
  // table → rows ("" keys never appear); complete once the whole dump was fed.
  const std::map<std::string, std::int64_t>& counts() const { return counts_; }

 private:
  enum class State {
    LineHead,         // the first characters of a line, in head_
    Identifier,       // inside `…` after INSERT INTO / CREATE TABLE
    IdentifierQuote,  // a ` inside the identifier: the end, or the first of ``
    BeforeValues,     // after INSERT INTO `t`: a column list, up to VALUES
    Values,           // the row tuples
    String,           // inside '…' in the values
    StringEscape,     // after a backslash in a string
    StringQuote,      // a ' inside a string: the end, or the first of ''
    SkipLine,         // nothing to count up to the next newline
  };
  void step(char c);
  void end_of_line();
  void head(char c);
  void identifier_done();

  State state_ = State::LineHead;
  bool inserting_ = false;         // the identifier is an INSERT's table (else CREATE TABLE's)
  bool in_routine_block_ = false;  // between DELIMITER ;; and DELIMITER ;
  bool in_backticks_ = false;      // BeforeValues: inside a quoted column name
  int depth_ = 0;                  // parentheses in Values
  std::string head_;
  std::string identifier_;
  std::string recent_;  // BeforeValues: the last characters, to spot VALUES
  std::int64_t* current_ = nullptr;
  std::map<std::string, std::int64_t> counts_;
};

}  // namespace watchdog::actions
