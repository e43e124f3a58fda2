#include "actions/backup/mysql_dump_rows.h"

#include <array>
#include <string_view>

namespace watchdog::actions {
namespace {

constexpr std::string_view kInsert = "INSERT INTO `";
constexpr std::string_view kCreate = "CREATE TABLE `";
constexpr std::string_view kRoutinesBegin = "DELIMITER ;;";
constexpr std::string_view kRoutinesEnd = "DELIMITER ;";

bool is_prefix_of(const std::string& head, std::string_view line) { return line.starts_with(head); }

}  // namespace

void DumpRowCounter::feed(const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) step(data[i]);
}

void DumpRowCounter::end_of_line() {
  if (state_ == State::LineHead) {
    if (head_ == kRoutinesBegin) in_routine_block_ = true;
    if (head_ == kRoutinesEnd) in_routine_block_ = false;
  }
  head_.clear();
  current_ = nullptr;
  state_ = State::LineHead;
}

void DumpRowCounter::head(char c) {
  head_ += c;
  if (!in_routine_block_ && (head_ == kInsert || head_ == kCreate)) {
    inserting_ = head_ == kInsert;
    identifier_.clear();
    state_ = State::Identifier;
    return;
  }
  const std::array<std::string_view, 4> wanted{kInsert, kCreate, kRoutinesBegin, kRoutinesEnd};
  for (auto line : wanted) {
    if (is_prefix_of(head_, line)) return;
  }
  state_ = State::SkipLine;
}

void DumpRowCounter::identifier_done() {
  if (identifier_.empty()) {
    state_ = State::SkipLine;
    return;
  }
  auto& rows = counts_[identifier_];
  if (!inserting_) {
    state_ = State::SkipLine;
    return;
  }
  current_ = &rows;
  recent_.clear();
  in_backticks_ = false;
  state_ = State::BeforeValues;
}

void DumpRowCounter::step(char c) {
  // An INSERT may span lines (MariaDB 10.11 writes one row per line): it ends at its ';'.
  const bool in_insert = state_ == State::BeforeValues || state_ == State::Values ||
                         state_ == State::String || state_ == State::StringEscape;
  if (c == '\n' && !in_insert) {
    if (state_ == State::IdentifierQuote) identifier_done();
    end_of_line();
    return;
  }
  switch (state_) {
    case State::LineHead:
      head(c);
      return;
    case State::SkipLine:
      return;
    case State::Identifier:
      if (c == '`') {
        state_ = State::IdentifierQuote;
      } else {
        identifier_ += c;
      }
      return;
    case State::IdentifierQuote:
      if (c == '`') {  // `` is one backtick in the name
        identifier_ += c;
        state_ = State::Identifier;
        return;
      }
      identifier_done();
      step(c);
      return;
    case State::BeforeValues:
      if (c == '`') {
        in_backticks_ = !in_backticks_;
      } else if (!in_backticks_ && c == '(' && recent_.ends_with("VALUES")) {
        depth_ = 0;
        state_ = State::Values;
        step(c);
      } else if (!in_backticks_ && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        recent_ += c;
        if (recent_.size() > 16) recent_.erase(0, recent_.size() - 8);
      }
      return;
    case State::Values:
      if (c == '\'') {
        state_ = State::String;
      } else if (c == '(') {
        if (depth_++ == 0) ++*current_;
      } else if (c == ')') {
        if (depth_ > 0) --depth_;
      } else if (c == ';' && depth_ == 0) {
        state_ = State::SkipLine;
      }
      return;
    case State::String:
      if (c == '\\') state_ = State::StringEscape;
      if (c == '\'') state_ = State::StringQuote;
      return;
    case State::StringEscape:
      state_ = State::String;
      return;
    case State::StringQuote:
      if (c == '\'') {  // '' is one quote in the string
        state_ = State::String;
        return;
      }
      state_ = State::Values;
      step(c);
      return;
  }
}

}  // namespace watchdog::actions
