#pragma once
// What the state machine's table tests share: a component, rows of inputs with the state
// expected after each, and play() to run them. Time is a plain counter of seconds from an
// arbitrary epoch.
#include <gtest/gtest.h>

#include <variant>
#include <vector>

#include "watchdog/engine/state_machine.h"

namespace watchdog::core {

using std::chrono::seconds;

inline TimePoint at(int s) { return TimePoint(seconds(1'800'000'000 + s)); }

inline Component make_component(int probes = 1, int rungs = 1, bool critical = true) {
  Component c;
  c.name = "api";
  c.critical = critical;
  for (int r = 0; r < rungs; ++r) c.policy.ladder.push_back({"r" + std::to_string(r), {}});
  c.policy.max_attempts = 3;
  c.policy.backoff = seconds(10);
  c.policy.max_backoff = seconds(60);
  c.policy.window = seconds(3600);
  c.policy.verify_timeout = seconds(30);
  for (int i = 0; i < probes; ++i) {
    ProbeTrack t;
    t.name = "p" + std::to_string(i);
    t.failure_threshold = 3;
    t.success_threshold = 2;
    c.probes.push_back(t);
  }
  return c;
}

// One row: an input at a time, then the state expected after it.
struct Row {
  int t;
  std::variant<ProbeReported, ActionFinished, Tick, OperatorReset, OperatorRecover, HoldChanged,
               Resumed>
      input;
  State expect;
};

inline ProbeReported ok(std::size_t probe = 0) { return {probe, Level::Ok, "fine"}; }
inline ProbeReported warn(std::size_t probe = 0) { return {probe, Level::Warn, "slow"}; }
inline ProbeReported fail(std::size_t probe = 0) { return {probe, Level::Fail, "refused"}; }

// Runs the rows and returns every transition and action in order, checking each row's state.
struct Run {
  std::vector<Transition> transitions;
  std::vector<RunAction> actions;
};
inline Run play(Component& c, const std::vector<Row>& rows) {
  Run run;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    StepResult r = std::visit([&](const auto& in) { return step(c, in, at(row.t)); }, row.input);
    run.transitions.insert(run.transitions.end(), r.transitions.begin(), r.transitions.end());
    if (r.run_action) run.actions.push_back(*r.run_action);
    EXPECT_EQ(to_string(c.state), to_string(row.expect))
        << "after row " << i << " (t=" << row.t << ")";
  }
  return run;
}

inline std::vector<State> targets(const Run& run) {
  std::vector<State> out;
  for (const auto& t : run.transitions) out.push_back(t.to);
  return out;
}

}  // namespace watchdog::core
