// alert-sink-down: the alert sink (gameday.alert_sink: an `alerts:` entry's receiving end, a
// container or stop/start argv) is unreachable exactly while the component has an incident, so
// every alert of that incident has to wait in the watchdog's outbox.
//
// What the game day measures: the alerts queued while the sink was down are still delivered
// after it came back, and how late. The design that makes this a fact rather than a guess:
//   inject  stop the sink first, then take the component down — a container is crashed
//           (SIGKILL: a `docker stop` would read as a planned stop and the watchdog would rightly
//           do nothing), stop/start argv run their stop.
//   tick    the sink stays down until the component runs again through the watchdog's own
//           action (containers: by then CRITICAL and RECOVERING were alerted into a dead sink),
//           or, for argv switches that cannot be asked whether they run, for kSinkOutage. Then
//           the sink is started — inside the runner's recover wait, so the delivery happens
//           while the runner still watches the journal.
//   revert  starts whatever is still down (sink, then the component if inject got to its stop:
//           `component_stop_started`); idempotent.
// memory: {"sink", "sink_down_at", "sink_up_at"} (RFC 3339): after the outcome the runner waits
// (bounded) for the incident's alerts to leave the outbox, then judges every alert to that sink
// created in [sink_down_at, sink_up_at) — each must be delivered, not before sink_up_at, and
// its delivery latency (delivered − created) is the "how late" of the report (judge.cpp).
// expect: recover (the component's own ladder mends it; the sink is not the watchdog's to fix).
#include <memory>
#include <optional>

#include "config/time_text.h"
#include "watchdog/gameday/service_scenarios.h"
#include "watchdog/gameday/service_switch.h"

namespace watchdog::gameday {
namespace {

constexpr std::chrono::minutes kSinkOutage{2};

const config::AlertSinkSwitch& checked_sink(const config::Config& config,
                                            const config::ComponentSpec& component) {
  const auto& sink = component.gameday.alert_sink;
  if (!sink) {
    throw ScenarioError("alert-sink-down needs gameday.alert_sink on component " + component.name);
  }
  for (const auto& alert : config.alerts) {
    if (alert.name == sink->name) return *sink;
  }
  throw ScenarioError("alert-sink-down: no `alerts:` entry named '" + sink->name + "'");
}

class AlertSinkDown : public Scenario {
 public:
  AlertSinkDown(const config::Config& config, const config::ComponentSpec& component)
      : sink_name_(checked_sink(config, component).name),
        sink_(component.gameday.alert_sink->how, component.gameday, "alert sink " + sink_name_),
        service_(component.gameday.service, component.gameday, "component " + component.name) {}

  std::vector<std::string> plan() const override {
    return {"stop alert sink " + sink_name_ + ": " + sink_.describe_stop(),
            service_.is_container() ? "crash the component's container (SIGKILL)"
                                    : "stop the component: " + service_.describe_stop(),
            "start the sink again once the component runs again (or after " +
                config::format_duration(kSinkOutage) + "): " + sink_.describe_start(),
            "the alerts queued meanwhile must then be delivered; revert starts what is still down"};
  }

  void inject(Context& ctx) override {
    ctx.memory["sink"] = sink_name_;
    ctx.memory["sink_down_at"] = config::format_rfc3339(Clock::now());
    ctx.memory["sink_down"] = true;
    ctx.memory["component_stop_started"] = false;
    ctx.save();
    sink_.stop();
    ctx.note("alert sink " + sink_name_ + " stopped");
    ctx.memory["component_stop_started"] = true;  // before the stop: a crash in it is reverted
    ctx.save();
    if (service_.is_container()) {
      if (!service_.kill()) throw ScenarioError("the component's container is not running");
      ctx.note("component crashed (SIGKILL)");
    } else {
      service_.stop();
      ctx.note("component stopped: " + service_.describe_stop());
    }
  }

  void tick(Context& ctx) override {
    if (!ctx.memory.value("sink_down", false)) return;
    const auto down_at = config::parse_rfc3339(ctx.memory.value("sink_down_at", ""));
    const bool long_enough = !down_at || Clock::now() - *down_at >= kSinkOutage;
    bool component_back = false;
    if (service_.is_container()) {
      try {
        component_back = service_.running();
      } catch (const ScenarioError& error) {
        ctx.note(error.what());
      }
    }
    if (component_back || long_enough) {
      bring_sink_back(ctx, component_back ? "the component runs again" : "outage window over");
    }
  }

  // Both halves are mended even when the first fails; the first failure is reported after.
  void revert(Context& ctx) override {
    std::optional<ScenarioError> sink_error;
    try {
      if (ctx.memory.value("sink_down", false)) bring_sink_back(ctx, "revert");
    } catch (const ScenarioError& error) {
      sink_error = error;
    }
    // A component this game day never stopped (a failure before it, or a resume after a crash
    // before it) is left alone: its own start argv may not be harmless on a running service.
    // (A row written before this key existed has no such key: started, as it was then.)
    if (ctx.memory.value("component_stop_started", true)) start_component(ctx);
    if (sink_error) throw *sink_error;
  }

 private:
  void start_component(Context& ctx) {
    if (service_.is_container()) {
      if (!service_.running()) {
        service_.start();
        ctx.note("revert: started the component's container");
      }
      return;
    }
    // An argv switch cannot say whether it runs: start it, and a start that fails because it
    // already runs is only noted.
    try {
      service_.start();
    } catch (const ScenarioError& error) {
      ctx.note(std::string("revert: ") + error.what());
    }
  }

  void bring_sink_back(Context& ctx, const std::string& why) {
    sink_.start();
    ctx.memory["sink_down"] = false;
    ctx.memory["sink_up_at"] = config::format_rfc3339(Clock::now());
    save_after_mend(ctx);
    ctx.note("alert sink " + sink_name_ + " started again (" + why + ")");
  }

  std::string sink_name_;
  ServiceSwitch sink_;
  ServiceSwitch service_;
};

}  // namespace

std::unique_ptr<Scenario> make_alert_sink_down(const config::Config& config,
                                               const config::ComponentSpec& component) {
  return std::make_unique<AlertSinkDown>(config, component);
}

}  // namespace watchdog::gameday
