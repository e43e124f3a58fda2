// database-stopped and redis-down: the server stopped through the component's gameday switch
// (its container, or the operator's stop/start argv); the watchdog is expected to notice and
// start it again with its own recovery ladder.
//
// Revert is idempotent. A container is simply started (docker start of a running one is fine).
// An argv switch cannot be run twice blindly: pg_ctl start or redis-server --daemonize yes fail
// when the server is already up — which is the usual case, since the watchdog's own recovery
// started it. So the component's own probes are asked first: when every one passes, the revert
// has nothing to do; otherwise the start argv runs, and should it fail, the probes are asked
// once more (another start may have won the race) before the failure counts. Redis needs no
// more than the switch: whatever `gameday:` says is how it is stopped and started.
//
// Memory: stop_started (set before the stop, so a crash during it is still reverted).
#include "watchdog/gameday/component_answers.h"
#include "watchdog/gameday/database_scenarios.h"
#include "watchdog/gameday/service_switch.h"

namespace watchdog::gameday {
namespace {

ServiceSwitch switch_of(const std::string& scenario, const config::ComponentSpec& component) {
  try {
    return ServiceSwitch(component.gameday.service, component.gameday,
                         "component " + component.name);
  } catch (const ScenarioError& error) {
    throw ScenarioError(scenario + ": " + error.what());
  }
}

class ServiceDown : public Scenario {
 public:
  ServiceDown(std::string scenario, const config::Config& config,
              const config::ComponentSpec& component)
      : scenario_(std::move(scenario)),
        config_(config),
        component_(component),
        switch_(switch_of(scenario_, component)) {}

  std::vector<std::string> plan() const override {
    return {
        "stop " + component_.name + ": " + switch_.describe_stop(),
        "expect the watchdog to detect it and start it again by its recovery ladder",
        "revert: " + switch_.describe_start() +
            (switch_.is_container() ? "" : " (skipped when its probes already pass)"),
    };
  }

  void inject(Context& ctx) override {
    ctx.memory["stop_started"] = true;
    ctx.save();
    switch_.stop();
    ctx.note("stopped " + component_.name + " (" + switch_.describe_stop() + ")");
  }

  void revert(Context& ctx) override {
    if (!ctx.memory.value("stop_started", false)) return;  // never stopped
    if (switch_.is_container()) {
      switch_.start();
      ctx.note("started " + component_.name + " (" + switch_.describe_start() + ")");
      return;
    }
    std::string why;
    if (component_answers(config_, component_, why)) {
      ctx.note(component_.name + " is up already: nothing to start");
      return;
    }
    try {
      switch_.start();
      ctx.note("started " + component_.name + " (" + switch_.describe_start() + ")");
    } catch (const ScenarioError&) {
      if (!component_answers(config_, component_, why)) throw;
      ctx.note(component_.name + " is up (its start command failed, another start won)");
    }
  }

 private:
  const std::string scenario_;
  const config::Config& config_;
  const config::ComponentSpec& component_;
  const ServiceSwitch switch_;
};

}  // namespace

std::unique_ptr<Scenario> make_database_stopped(const config::Config& config,
                                                const config::ComponentSpec& component) {
  return std::make_unique<ServiceDown>("database-stopped", config, component);
}

std::unique_ptr<Scenario> make_redis_down(const config::Config& config,
                                          const config::ComponentSpec& component) {
  return std::make_unique<ServiceDown>("redis-down", config, component);
}

}  // namespace watchdog::gameday
