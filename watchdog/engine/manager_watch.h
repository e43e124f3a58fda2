#pragma once
// Asks the HA manager of every managed component (`managed_by`) how it is, every `interval`, and
// keeps each one's latest answer (holds.h ManagerReading) for the engine, which turns it into a
// hold (manager_hold_reason) on its loop thread.
//
// One thread per watchdog, not per component, started only when a component is managed. The
// questions are blocking HTTP requests bounded by each manager's timeout (at most its interval),
// asked one after another: a manager that hangs delays the others by its timeout at most, and
// never the engine loop, which only reads the latest answers.
//
// Shutdown never waits: the thread is detached and shares its state; a question in flight ends
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
  // latest answer and its rhythm; a new one is asked at once.
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
