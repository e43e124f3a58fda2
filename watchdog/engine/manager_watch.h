#pragma once
// Asks the HA manager of every managed component (`managed_by`) how it is, every `interval`, and
// keeps each one's latest answer (holds.h ManagerReading) for the engine, which turns it into a
// hold (manager_hold_reason) on its loop thread.
//
// One scheduling thread per watchdog, not per component, started only when a component is
// managed. Each question is a blocking HTTP request bounded by its manager's timeout (at most its
// interval) on a thread of its own, at most one in flight per manager: managers are asked
// concurrently, so N hanging managers never delay the others (with questions one after another,
// a round would take N × timeout and answers would go stale past 3 × interval). The engine loop
// only reads the latest answers.
//
// An answer that is not the manager's word (reading.known false) is logged as a warning,
// manager_state_not_known, at most once a minute per manager.
//
// Shutdown never waits: the threads are detached and share the state; a question in flight ends
// within its timeout and its answer is dropped.
//
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "watchdog/engine/holds.h"

namespace watchdog::core {

class ManagerWatch {
 public:
  struct Target {
    std::string component;
    config::ManagerSpec spec;
  };
  // Asks one manager (blocking, within spec.timeout). The default asks Patroni's REST API.
  using Ask = std::function<ManagerReading(const config::ManagerSpec& spec)>;

  explicit ManagerWatch(Ask ask = {});
  ~ManagerWatch();
  ManagerWatch(const ManagerWatch&) = delete;
  ManagerWatch& operator=(const ManagerWatch&) = delete;

  // The managers to watch from now on. A target whose kind and URL did not change keeps its
  // latest answer and its rhythm (a changed interval applies from now: the next question is due
  // at the earlier of the old schedule and now + the new interval); a new one is asked at once.
  void set_targets(std::vector<Target> targets);
  // Asks this component's manager as soon as the thread is free (before an action).
  void check_now(const std::string& component);
  // Bumps with every answer: the engine copies readings() only when it changed.
  std::uint64_t version() const;
  std::map<std::string, ManagerReading> readings() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Patroni's answer as a reading (probes/clients/patroni_api.h), asked at `at`.
ManagerReading ask_patroni(const config::ManagerSpec& spec);

}  // namespace watchdog::core
