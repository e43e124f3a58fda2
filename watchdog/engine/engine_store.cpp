// The engine's watch over its state file: a watchdog.db deleted or replaced under the running
// daemon is recreated from what the daemon still holds (state_store.h recreate_file); journal
// entries the store refused (a full disk) are retried; the journal's retention is applied.
// Runs on the engine's loop thread.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {
// How often the state file's identity is checked (a stat) and waiting journal entries retried.
constexpr auto kStoreCheckInterval = std::chrono::seconds(2);

// The journal's retention runs a tenth of the retention apart (a short one in tests and the
// soak), at most hourly; at once again while batches remain.
std::chrono::steady_clock::duration prune_interval(const store::JournalLimits& limits) {
  return std::clamp<std::chrono::steady_clock::duration>(limits.max_age / 10, kStoreCheckInterval,
                                                         std::chrono::hours(1));
}
}  // namespace

void Engine::tend_store() {
  auto* store = options_.store;
  if (store == nullptr || store->in_memory()) return;
  const auto steady_now = std::chrono::steady_clock::now();
  if (steady_now < next_store_check_) return;
  next_store_check_ = steady_now + kStoreCheckInterval;
  recorder_.flush();
  if (steady_now >= next_journal_prune_) {
    const bool more = recorder_.prune(Clock::now(), journal_limits_);
    next_journal_prune_ = steady_now + (more ? kStoreCheckInterval : prune_interval(journal_limits_));
  }
  dispatcher_.prune_if_due();  // the outbox's finished rows, on its own cadence
  if (!store->file_replaced()) return;
  const auto path = store->db().path();
  std::error_code ec;
  const bool deleted = !std::filesystem::exists(path, ec);
  std::int64_t copied = 0;
  try {
    copied = store->recreate_file();
  } catch (const std::exception&) {
    store_health_.write_failed("recreate_lost_state_file", std::current_exception());
    return;  // still on the lost file: tried again at the next check
  }
  std::string outbox = "moved";
  try {
    if (!dispatcher_.outbox()->follow_file()) outbox = "unchanged";
  } catch (const std::exception& error) {
    outbox = std::string("failed: ") + error.what();  // tried again with the next loss
  }
  // What the lost file had is copied; what only memory holds (a save or journal entry that was
  // still waiting, the open incidents as the engine knows them) is written on top.
  for (auto& runtime : runtimes_) {
    runtime->saved.clear();
    touch(*runtime);
  }
  recorder_.rewrite_open();
  holds_stale_ = true;  // pauses and requests as the new file has them, at this turn's poll
  store_health_.count_recreated();
  spdlog::error("state_store_lost {} {} {} {} action=recreated_from_memory",
                kv("path", path.string()), kv("found", deleted ? "deleted" : "replaced"),
                kv("rows_copied", std::to_string(copied)), kv("alert_outbox", outbox));
}

}  // namespace watchdog::core
