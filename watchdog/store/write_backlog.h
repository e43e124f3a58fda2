#pragma once
// Journal writes the state store could not take (its filesystem full, an I/O error), kept in
// memory in their order and written once it takes them again — so a full disk delays the
// incident journal instead of cutting a hole in it. Bounded: past `capacity` writes the oldest
// is dropped (and counted), so a disk that stays full costs a fixed amount of memory.
//
// Each write is a closure over copies of what it writes; it must be safe to run again after a
// partial failure (upserts, appends of one row).
//
// Thread-safety: none (the engine's loop thread).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>

#include "watchdog/store/sqlite.h"

namespace watchdog::store {

class WriteBacklog {
 public:
  using Write = std::function<void()>;
  static constexpr std::size_t kDefaultCapacity = 10'000;

  explicit WriteBacklog(Database& db, std::size_t capacity = kDefaultCapacity)
      : db_(db), capacity_(capacity) {}

  // Runs `write` now when nothing waits; else (and when it throws) keeps it behind the others.
  // Returns the error when running it now failed (it is kept), null otherwise.
  std::exception_ptr submit(Write write);
  // Writes what waits, oldest first, in one transaction: all or (on an error, returned) none.
  std::exception_ptr flush();

  std::size_t size() const { return waiting_.size(); }
  // Writes dropped because the backlog was full (a running total).
  std::uint64_t dropped() const { return dropped_; }

 private:
  void keep(Write write);

  Database& db_;
  std::size_t capacity_;
  std::deque<Write> waiting_;
  std::uint64_t dropped_ = 0;
};

}  // namespace watchdog::store
