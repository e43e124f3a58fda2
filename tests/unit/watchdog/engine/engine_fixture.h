#pragma once
// What the engine's unit tests share: a probe the test switches, a fake action that counts its
// runs, and a plan of components built from them (probes every 50 ms, thresholds of 1).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"
#include "watchdog/alerts/dispatcher.h"
#include "watchdog/engine/engine.h"

namespace watchdog::core::engine_fixture {

using namespace std::chrono_literals;

// A probe whose answer the test (or a fake action) sets.
class SwitchProbe : public probes::Probe {
 public:
  explicit SwitchProbe(std::string name) : Probe(std::move(name)) {}
  std::string_view kind() const override { return "fake"; }
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    return healthy_ ? probes::healthy("fine")
                    : probes::unhealthy(probes::FailureKind::Refused, "down");
  }
  std::atomic<bool> healthy_{true};
};

// An action that counts its runs, tracks how many run at once, and may heal a probe.
class FakeAction : public actions::Action {
 public:
  FakeAction(std::string name, std::chrono::milliseconds takes, std::function<void()> effect)
      : Action(std::move(name)), takes_(takes), effect_(std::move(effect)) {}
  std::string_view kind() const override { return "fake"; }
  std::string describe() const override { return "fake " + name(); }
  actions::ActionOutcome run(const actions::Incident&,
                             std::chrono::milliseconds) noexcept override {
    const int now_running = ++running_;
    int seen = max_running_.load();
    while (now_running > seen && !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    ++runs_;
    if (shared_running_ != nullptr && ++*shared_running_ > 1) ++*overlap_seen_;
    std::this_thread::sleep_for(takes_);
    if (effect_) effect_();
    if (shared_running_ != nullptr) --*shared_running_;
    --running_;
    return {ok_, ok_ ? "done" : "exit 1", "", takes_};
  }
  std::atomic<int> runs_{0};
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  std::atomic<bool> ok_{true};
  std::atomic<int>* shared_running_ = nullptr;  // counts across several actions
  std::atomic<int>* overlap_seen_ = nullptr;

 private:
  std::chrono::milliseconds takes_;
  std::function<void()> effect_;
};

// A sink that takes every event; its sends fail (no URL) and are retried later, which does not
// matter to the tests that use it: what was queued is read back from the outbox.
class NowhereSink : public alerts::Provider {
 public:
  NowhereSink() : Provider("ops", {}, {}) {}
  std::string_view kind() const override { return "webhook"; }
  std::string describe() const override { return "nowhere"; }
  probes::HttpRequest format(const alerts::AlertEvent&) const override { return {}; }
};

struct Fixture {
  Metrics metrics;
  alerts::Dispatcher dispatcher{metrics};
  Plan plan;

  ComponentPlan& add(const std::string& name, std::shared_ptr<SwitchProbe> probe,
                     std::shared_ptr<FakeAction> action, std::vector<std::string> depends_on = {}) {
    ComponentPlan c;
    c.spec.name = name;
    c.spec.depends_on = std::move(depends_on);
    c.spec.recovery.max_attempts = 3;
    c.spec.recovery.backoff = 100ms;
    c.spec.recovery.max_backoff = 200ms;
    c.spec.recovery.verify_timeout = 2s;
    ProbePlan p;
    p.spec.name = probe->name();
    p.spec.kind = "fake";
    p.spec.timing.interval = 50ms;
    p.spec.timing.recheck_interval = 50ms;
    p.spec.timing.timeout = 40ms;
    p.spec.timing.jitter = 0ms;
    p.spec.timing.failure_threshold = 1;
    p.spec.timing.success_threshold = 1;
    p.probe = probe;
    c.probes.push_back(p);
    config::ActionSpec action_spec;
    action_spec.name = action->name();
    action_spec.kind = "fake";
    action_spec.timeout = 5s;
    c.spec.recovery.actions.push_back(action_spec);
    c.ladder.push_back({action, action_spec.timeout, false, {}});
    plan.components.push_back(std::move(c));
    return plan.components.back();
  }
};

inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

inline State state_of(const Engine& engine, const std::string& name) {
  for (const auto& c : engine.status().components) {
    if (c.name == name) return c.state;
  }
  return State::Failed;
}

}  // namespace watchdog::core::engine_fixture
