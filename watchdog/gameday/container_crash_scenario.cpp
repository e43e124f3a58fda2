// container-crash and container-crash-loop: the component's container dies without anyone
// asking (SIGKILL of its main process, see ServiceSwitch::kill), which the docker probe judges a
// crash and the watchdog's docker_restart/docker_start rungs must mend.
//
// The crash loop kills it again every time it runs again (it came back through one of the
// watchdog's rungs), until the runner ends the wait: the ladder runs out and the component ends
// FAILED with the loud alert — the runner's report then says FAIL with that reason, which is the
// point of the scenario (a crash loop is something only a human can fix).
//
// memory: {"looping": bool, "kills": N}. The revert stops the loop, starts the container when it
// is not running and queues a `reset` for the daemon so a FAILED component probes again.
#include <memory>

#include "watchdog/gameday/service_scenarios.h"
#include "watchdog/gameday/service_switch.h"

namespace watchdog::gameday {
namespace {

class ContainerCrash : public Scenario {
 public:
  ContainerCrash(const config::ComponentSpec& component, bool loop)
      : loop_(loop),
        service_(checked(component, loop), component.gameday, "component " + component.name),
        container_("container " + component.gameday.service.container),
        component_(component.name) {}

  std::vector<std::string> plan() const override {
    std::vector<std::string> steps = {"SIGKILL the main process of " + container() +
                                      " (a crash: Docker records only `die`)"};
    if (loop_) {
      steps.push_back("kill it again each time it runs again, until the watchdog gives up");
    }
    steps.push_back("revert: " + service_.describe_start() +
                    " if it is not running, then ask the daemon to reset the component");
    return steps;
  }

  void inject(Context& ctx) override {
    ctx.memory["looping"] = loop_;
    ctx.memory["kills"] = ctx.memory.value("kills", 0);
    ctx.save();
    if (!service_.kill()) throw ScenarioError(container() + " is not running: nothing to crash");
    count_kill(ctx, "crashed " + container() + " (SIGKILL)");
  }

  void tick(Context& ctx) override {
    if (!ctx.memory.value("looping", false) || ctx.interrupted()) return;
    // A failed inspect is not worth ending the game day for: the next tick asks again.
    try {
      if (service_.kill()) {
        count_kill(ctx, "crash loop: " + container() + " ran again, killed it again (kill " +
                            std::to_string(ctx.memory.value("kills", 0) + 1) + ")");
      }
    } catch (const ScenarioError& error) {
      ctx.note(std::string("crash loop: ") + error.what());
    }
  }

  void revert(Context& ctx) override {
    // Only in memory first: tick() reads it, and recording it must not stand before the mend.
    ctx.memory["looping"] = false;
    const bool was_running = service_.running();
    if (!was_running) {
      service_.start();
      ctx.note("revert: started " + container() + " (it was not running)");
    }
    // A crash loop leaves the component FAILED by design; a single crash only when the
    // watchdog could not bring the container back. A reset of a component that is not FAILED
    // is refused harmlessly by the daemon, so asking without being sure is fine.
    if (loop_ || !was_running) {
      ctx.request("reset", "{}");
      ctx.note("revert: asked the daemon to reset " + component_ + " (probe again if FAILED)");
    }
    save_after_mend(ctx);
  }

 private:
  static config::GamedaySwitch checked(const config::ComponentSpec& component, bool loop) {
    if (component.gameday.service.container.empty()) {
      throw ScenarioError(std::string(loop ? "container-crash-loop" : "container-crash") +
                          " needs gameday.container on component " + component.name);
    }
    return component.gameday.service;
  }

  const std::string& container() const { return container_; }

  void count_kill(Context& ctx, const std::string& line) {
    ctx.memory["kills"] = ctx.memory.value("kills", 0) + 1;
    ctx.save();
    ctx.note(line);
  }

  bool loop_;
  ServiceSwitch service_;
  std::string container_;
  std::string component_;
};

}  // namespace

std::unique_ptr<Scenario> make_container_crash(const config::Config&,
                                               const config::ComponentSpec& component) {
  return std::make_unique<ContainerCrash>(component, false);
}

std::unique_ptr<Scenario> make_container_crash_loop(const config::Config&,
                                                    const config::ComponentSpec& component) {
  return std::make_unique<ContainerCrash>(component, true);
}

}  // namespace watchdog::gameday
