#include "watchdog/engine/store_health.h"

#include <spdlog/spdlog.h>

#include <string>

#include "watchdog/logging.h"

namespace watchdog::core {
namespace {

using logging::kv;

Cell& single(MetricsStore& store, const char* name, const char* help, MetricType type) {
  return store.global(store.add_global(name, help, type), {});
}

std::string message_of(const std::exception_ptr& error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown error";
}

}  // namespace

StoreHealth::StoreHealth(Metrics& metrics, std::chrono::steady_clock::duration log_every)
    : log_every_(log_every),
      failures_(single(metrics.store(), "watchdog_state_store_write_failures_total",
                       "Writes the state store refused (full filesystem, I/O error); each try",
                       MetricType::Counter)),
      backlog_(single(metrics.store(), "watchdog_state_store_backlog_entries",
                      "Incident journal entries waiting in memory for the state store",
                      MetricType::Gauge)),
      dropped_(single(metrics.store(), "watchdog_state_store_backlog_dropped_total",
                      "Waiting journal entries dropped because the in-memory backlog was full",
                      MetricType::Counter)),
      recreated_(single(metrics.store(), "watchdog_state_store_recreated_total",
                        "State files found deleted or replaced and recreated from the running "
                        "watchdog's state",
                        MetricType::Counter)) {
  failures_.add(0);
  backlog_.set(0);
  dropped_.add(0);
  recreated_.add(0);
}

void StoreHealth::write_failed(std::string_view what, const std::exception_ptr& error) {
  failures_.add(1);
  failing_ = true;
  ++failures_this_episode_;
  ++unlogged_;
  const auto now = std::chrono::steady_clock::now();
  if (last_logged_ && now - *last_logged_ < log_every_) return;
  spdlog::error("state_store_write_failed {} {} {} action=keeping_in_memory_and_retrying",
                kv("write", std::string(what)), kv("error", message_of(error)),
                kv("failures_since_last_log", std::to_string(unlogged_)));
  last_logged_ = now;
  unlogged_ = 0;
  reported_ = true;
}

// The failure line's minute is not reset here: a store that works one turn and fails the next
// (a nearly full disk) still logs its failures once a minute, and its recoveries no more often.
void StoreHealth::write_succeeded() {
  if (!failing_) return;
  failing_ = false;
  if (reported_) {
    spdlog::warn("state_store_write_recovered {}",
                 kv("failures", std::to_string(failures_this_episode_)));
    reported_ = false;
    failures_this_episode_ = 0;
  }
}

void StoreHealth::set_backlog(std::size_t entries, std::uint64_t dropped_total) {
  backlog_.set(static_cast<double>(entries));
  dropped_.raise_to(static_cast<double>(dropped_total));
}

void StoreHealth::count_recreated() { recreated_.add(1); }

}  // namespace watchdog::core
