#pragma once
// How the state store is doing, for the log and /metrics: writes that failed (a full
// filesystem, an I/O error), journal entries waiting in memory for it (store/write_backlog.h)
// and files recreated after a loss (store/state_store.h):
//   watchdog_state_store_write_failures_total     writes the store refused (each try counts)
//   watchdog_state_store_backlog_entries          journal entries waiting in memory
//   watchdog_state_store_backlog_dropped_total    waiting entries dropped (backlog full)
//   watchdog_state_store_recreated_total          watchdog.db deleted or replaced, recreated
// A failing store is logged at most once per `log_every` (one line, with how many failures
// the quiet time saw), and once more when writes work again: a full disk must not flood the log.
//
// Thread-safety: none (the engine's loop thread); the metrics themselves are atomic.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>

#include "watchdog/metrics.h"

namespace watchdog::core {

class StoreHealth {
 public:
  explicit StoreHealth(Metrics& metrics,
                       std::chrono::steady_clock::duration log_every = std::chrono::minutes(1));

  // `what`: the write that failed ("state_save", "journal"); `error` from a catch.
  void write_failed(std::string_view what, const std::exception_ptr& error);
  // A write went through: logs once that the store works again, after failures.
  void write_succeeded();
  void set_backlog(std::size_t entries, std::uint64_t dropped_total);
  void count_recreated();
  bool failing() const { return failing_; }

 private:
  std::chrono::steady_clock::duration log_every_;
  Cell& failures_;
  Cell& backlog_;
  Cell& dropped_;
  Cell& recreated_;
  bool failing_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_logged_;
  std::uint64_t unlogged_ = 0;               // failures since the last line
  std::uint64_t failures_this_episode_ = 0;  // since the last recovery line
  bool reported_ = false;  // a failure line went out that no recovery line has answered
};

}  // namespace watchdog::core
